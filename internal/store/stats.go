package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pairwise/pairwise/internal/labeling"
)

// ProjectCounts counts what a project holds and what its people did.
type ProjectCounts struct {
	Comparisons int
	// FullyJudged counts comparisons with at least the judgments the
	// project wants per comparison.
	FullyJudged int
	Judgments   int
	Skips       int
	Gold        int // comparisons with a gold answer
	Adjudicated int // comparisons with a researcher's verdict
	// Members maps a member role (researcher, annotator) to the number of
	// members with it. Roles without members are absent.
	Members    map[string]int
	Annotators []AnnotatorCounts
}

// AnnotatorCounts is one person's work in a project.
type AnnotatorCounts struct {
	User labeling.User
	// MemberRole is the user's role in the project, or "" for someone who
	// labelled without being a member (an admin) or was removed since.
	MemberRole string
	Judgments  int
	Skips      int
}

const countsSQL = `SELECT
	(SELECT count(*) FROM comparisons WHERE project_id = $1),
	(SELECT count(*) FROM comparisons c JOIN projects p ON p.id = c.project_id
	  WHERE c.project_id = $1 AND c.judgment_count >= p.judgments_wanted),
	(SELECT count(*) FROM judgments j JOIN comparisons c ON c.id = j.comparison_id
	  WHERE c.project_id = $1),
	(SELECT count(*) FROM assignments a JOIN comparisons c ON c.id = a.comparison_id
	  WHERE c.project_id = $1 AND a.skipped_at IS NOT NULL),
	(SELECT count(*) FROM comparisons WHERE project_id = $1 AND gold_verdict IS NOT NULL),
	(SELECT count(*) FROM comparisons WHERE project_id = $1 AND adjudicated_verdict IS NOT NULL)`

// annotatorCountsSQL lists the project's annotators and everyone else who
// judged or skipped in it, busiest first.
const annotatorCountsSQL = `WITH judged AS (
		SELECT j.annotator_id AS user_id, count(*) AS n
		FROM judgments j JOIN comparisons c ON c.id = j.comparison_id
		WHERE c.project_id = $1 GROUP BY j.annotator_id),
	skipped AS (
		SELECT a.annotator_id AS user_id, count(*) AS n
		FROM assignments a JOIN comparisons c ON c.id = a.comparison_id
		WHERE c.project_id = $1 AND a.skipped_at IS NOT NULL GROUP BY a.annotator_id),
	people AS (
		SELECT user_id FROM project_members WHERE project_id = $1 AND role = 'annotator'
		UNION SELECT user_id FROM judged
		UNION SELECT user_id FROM skipped)
	SELECT u.id, coalesce(u.email, ''), coalesce(u.display_name, ''), u.role, u.created_at,
		coalesce(m.role, ''), coalesce(j.n, 0), coalesce(s.n, 0)
	FROM people x
	JOIN users u ON u.id = x.user_id
	LEFT JOIN project_members m ON m.project_id = $1 AND m.user_id = x.user_id
	LEFT JOIN judged j ON j.user_id = x.user_id
	LEFT JOIN skipped s ON s.user_id = x.user_id
	ORDER BY coalesce(j.n, 0) DESC, lower(coalesce(u.display_name, u.email)), u.id`

// ProjectCounts counts the comparisons, judgments, skips, gold answers,
// adjudications and members of project projectID, all from one snapshot.
// A project that does not exist counts as empty.
func (db *DB) ProjectCounts(ctx context.Context, projectID uuid.UUID) (ProjectCounts, error) {
	var c ProjectCounts
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, db.pool, opts, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, countsSQL, projectID).Scan(&c.Comparisons, &c.FullyJudged,
			&c.Judgments, &c.Skips, &c.Gold, &c.Adjudicated)
		if err != nil {
			return fmt.Errorf("count project %s: %w", projectID, err)
		}
		if c.Members, err = memberCounts(ctx, tx, projectID); err != nil {
			return err
		}
		c.Annotators, err = annotatorCounts(ctx, tx, projectID)
		return err
	})
	return c, err
}

func memberCounts(ctx context.Context, tx pgx.Tx, projectID uuid.UUID) (map[string]int, error) {
	rows, err := tx.Query(ctx, `SELECT role, count(*) FROM project_members
		WHERE project_id = $1 GROUP BY role`, projectID)
	if err != nil {
		return nil, fmt.Errorf("count members of project %s: %w", projectID, err)
	}
	counts := map[string]int{}
	var role string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&role, &n}, func() error {
		counts[role] = n
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count members of project %s: %w", projectID, err)
	}
	return counts, nil
}

func annotatorCounts(ctx context.Context, tx pgx.Tx,
	projectID uuid.UUID) ([]AnnotatorCounts, error) {
	rows, err := tx.Query(ctx, annotatorCountsSQL, projectID)
	if err != nil {
		return nil, fmt.Errorf("count work of annotators in project %s: %w", projectID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AnnotatorCounts, error) {
		var a AnnotatorCounts
		err := r.Scan(&a.User.ID, &a.User.Email, &a.User.DisplayName, &a.User.Role,
			&a.User.CreatedAt, &a.MemberRole, &a.Judgments, &a.Skips)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("count work of annotators in project %s: %w", projectID, err)
	}
	return out, nil
}
