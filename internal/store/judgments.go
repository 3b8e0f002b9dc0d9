package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pairwise/pairwise/internal/labeling"
)

// Submit stores annotatorID's vote on the assignment v.AssignmentID and
// returns the judgment's id. Submitting again for the same comparison
// (a double click or a retried request) stores nothing and returns the
// first judgment's id with created false. It returns ErrNotFound when the
// assignment is not this annotator's, ErrInvalid when the vote does not fit
// the comparison, and ErrConflict when the lease expired and the
// comparison has since gone to others.
func (db *DB) Submit(ctx context.Context, annotatorID uuid.UUID, v labeling.Vote) (id uuid.UUID, created bool, err error) {
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		id, created, err = submit(ctx, tx, annotatorID, v)
		return err
	})
	return id, created, err
}

// lockSQL locks the comparison row, which serialises every submit and
// lease of that comparison.
const lockSQL = `SELECT c.id, c.project_id, c.judgment_count, p.judgments_wanted,
		a.submitted_at IS NULL AND a.expires_at <= now()
	FROM assignments a
	JOIN comparisons c ON c.id = a.comparison_id
	JOIN projects p ON p.id = c.project_id
	WHERE a.id = $1 AND a.annotator_id = $2
	FOR UPDATE OF c`

func submit(ctx context.Context, tx pgx.Tx, annotatorID uuid.UUID, v labeling.Vote) (uuid.UUID, bool, error) {
	var cid, pid uuid.UUID
	var count, wanted int
	var expired bool
	err := tx.QueryRow(ctx, lockSQL, v.AssignmentID, annotatorID).Scan(&cid, &pid, &count, &wanted, &expired)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, false, labeling.Errorf(labeling.ErrNotFound, "assignment %s not found", v.AssignmentID)
	}
	if err != nil {
		return uuid.Nil, false, fmt.Errorf("lock assignment %s: %w", v.AssignmentID, err)
	}

	// A judgment that already exists makes the submit a repeat.
	var existing uuid.UUID
	err = tx.QueryRow(ctx, `SELECT id FROM judgments WHERE comparison_id = $1 AND annotator_id = $2`,
		cid, annotatorID).Scan(&existing)
	if err == nil {
		return existing, false, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, false, fmt.Errorf("check judgment of comparison %s: %w", cid, err)
	}

	if expired {
		if err := checkLateRoom(ctx, tx, cid, annotatorID, count, wanted); err != nil {
			return uuid.Nil, false, err
		}
	}
	a, err := loadAssignment(ctx, tx, v.AssignmentID, annotatorID)
	if err != nil {
		return uuid.Nil, false, err
	}
	p, err := scanProject(tx.QueryRow(ctx, `SELECT `+projectColumns+` FROM projects WHERE id = $1`, pid))
	if err != nil {
		return uuid.Nil, false, fmt.Errorf("load project %s: %w", pid, err)
	}
	if err := v.Validate(a, p); err != nil {
		return uuid.Nil, false, err
	}
	id, err := insertJudgment(ctx, tx, annotatorID, a, v)
	return id, err == nil, err
}

// checkLateRoom accepts a vote whose lease expired only while the
// comparison still needs it, counting the leases others hold now.
func checkLateRoom(ctx context.Context, tx pgx.Tx, cid, annotatorID uuid.UUID, count, wanted int) error {
	var others int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM assignments
		WHERE comparison_id = $1 AND annotator_id <> $2
		  AND submitted_at IS NULL AND expires_at > now()`, cid, annotatorID).Scan(&others)
	if err != nil {
		return fmt.Errorf("count leases of comparison %s: %w", cid, err)
	}
	if count+others >= wanted {
		return labeling.Errorf(labeling.ErrConflict,
			"your time on this comparison ran out and it went to another annotator; "+
				"your vote was not stored")
	}
	return nil
}

func insertJudgment(ctx context.Context, tx pgx.Tx, annotatorID uuid.UUID, a labeling.Assignment,
	v labeling.Vote) (uuid.UUID, error) {
	scores, err := json.Marshal(nonNilScores(v.Scores))
	if err != nil {
		return uuid.Nil, fmt.Errorf("encode scores: %w", err)
	}
	var preferred *uuid.UUID
	if v.Verdict == labeling.VerdictPreferred {
		preferred = &v.Preferred
	}
	var strength *labeling.Strength
	if v.Strength != "" {
		strength = &v.Strength
	}

	id := uuid.New()
	_, err = tx.Exec(ctx, `INSERT INTO judgments
		(id, comparison_id, annotator_id, assignment_id, verdict, preferred_response_id,
		 strength, scores, rationale, unsafe, left_response_id, shown_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		id, a.ComparisonID, annotatorID, a.ID, v.Verdict, preferred,
		strength, scores, v.Rationale, v.Unsafe, a.Left.ID, a.ShownAt)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store judgment of comparison %s: %w", a.ComparisonID, err)
	}

	_, err = tx.Exec(ctx, `UPDATE comparisons SET judgment_count = judgment_count + 1 WHERE id = $1`,
		a.ComparisonID)
	if err != nil {
		return uuid.Nil, fmt.Errorf("count judgment of comparison %s: %w", a.ComparisonID, err)
	}
	// Every open lease of this annotator on the comparison ends here, so a
	// lease taken after an expired one cannot bring the comparison back.
	_, err = tx.Exec(ctx, `UPDATE assignments SET submitted_at = now()
		WHERE comparison_id = $1 AND annotator_id = $2 AND submitted_at IS NULL`,
		a.ComparisonID, annotatorID)
	if err != nil {
		return uuid.Nil, fmt.Errorf("close assignments of comparison %s: %w", a.ComparisonID, err)
	}
	return id, nil
}

func nonNilScores(s map[uuid.UUID]labeling.Scores) map[uuid.UUID]labeling.Scores {
	if s == nil {
		return map[uuid.UUID]labeling.Scores{}
	}
	return s
}

const judgmentsSQL = `SELECT j.id, j.comparison_id, c.prompt_id, c.response_a_id, c.response_b_id,
		j.annotator_id, j.verdict, j.preferred_response_id, coalesce(j.strength, ''),
		j.scores, j.rationale, j.unsafe, j.left_response_id, j.shown_at, j.submitted_at
	FROM judgments j JOIN comparisons c ON c.id = j.comparison_id
	WHERE c.project_id = $1
	ORDER BY j.seq`

// EachJudgment calls fn for every judgment in project projectID in the
// order they were submitted, streaming rows from the database. An error
// from fn stops the walk and is returned.
func (db *DB) EachJudgment(ctx context.Context, projectID uuid.UUID, fn func(labeling.Judgment) error) error {
	rows, err := db.pool.Query(ctx, judgmentsSQL, projectID)
	if err != nil {
		return fmt.Errorf("query judgments of project %s: %w", projectID, err)
	}
	defer rows.Close()
	for rows.Next() {
		j, err := scanJudgment(rows)
		if err != nil {
			return err
		}
		if err := fn(j); err != nil {
			return err
		}
	}
	return rows.Err()
}

func scanJudgment(rows pgx.Rows) (labeling.Judgment, error) {
	var j labeling.Judgment
	var preferred *uuid.UUID
	var scores []byte
	var shown, submitted time.Time
	err := rows.Scan(&j.ID, &j.ComparisonID, &j.PromptID, &j.ResponseAID, &j.ResponseBID,
		&j.AnnotatorID, &j.Verdict, &preferred, &j.Strength, &scores, &j.Rationale, &j.Unsafe,
		&j.LeftResponseID, &shown, &submitted)
	if err != nil {
		return j, fmt.Errorf("scan judgment: %w", err)
	}
	if preferred != nil {
		j.Preferred = *preferred
	}
	j.ShownAt, j.SubmittedAt = shown.UTC(), submitted.UTC()
	if err := json.Unmarshal(scores, &j.Scores); err != nil {
		return j, fmt.Errorf("decode scores of judgment %s: %w", j.ID, err)
	}
	return j, nil
}
