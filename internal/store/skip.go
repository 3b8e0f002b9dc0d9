package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pairwise/pairwise/internal/labeling"
)

// MaxSkipReason is the longest skip reason accepted, in bytes.
const MaxSkipReason = 1000

// Skip ends annotatorID's open lease assignmentID with reason; the
// comparison goes back to the pool and is never offered to this annotator
// again. It returns ErrInvalid for an empty reason and ErrNotFound when the
// lease is not open or not theirs.
func (db *DB) Skip(ctx context.Context, annotatorID, assignmentID uuid.UUID, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > MaxSkipReason {
		return labeling.Errorf(labeling.ErrInvalid, "give a reason for skipping, up to %d bytes", MaxSkipReason)
	}
	tag, err := db.pool.Exec(ctx, `UPDATE assignments a SET skipped_at = now(), skip_reason = $3,
			expires_at = now()
		WHERE a.id = $1 AND a.annotator_id = $2 AND `+openLeaseCondition,
		assignmentID, annotatorID, reason)
	if err != nil {
		return fmt.Errorf("skip assignment %s: %w", assignmentID, err)
	}
	if tag.RowsAffected() == 0 {
		return labeling.Errorf(labeling.ErrNotFound, "assignment %s is not open", assignmentID)
	}
	return nil
}

// UndoLast takes back annotatorID's newest judgment in project p and
// leases its comparison to them again, in the same side order and with the
// old vote kept to fill the form, so they can change it. Their other open
// leases in p end. It returns ErrNotFound when they have no judgment in p.
func (db *DB) UndoLast(ctx context.Context, p labeling.Project, annotatorID uuid.UUID) (labeling.Assignment, error) {
	var a labeling.Assignment
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		id, err := undoLast(ctx, tx, p, annotatorID)
		if err != nil {
			return err
		}
		a, err = loadAssignment(ctx, tx, id, annotatorID)
		return err
	})
	return a, err
}

const lastJudgmentSQL = `SELECT j.id, j.comparison_id, j.verdict, j.preferred_response_id,
		coalesce(j.strength, ''), j.scores, j.rationale, j.unsafe, j.left_response_id,
		c.response_a_id, c.response_b_id
	FROM judgments j JOIN comparisons c ON c.id = j.comparison_id
	WHERE c.project_id = $1 AND j.annotator_id = $2
	ORDER BY j.seq DESC LIMIT 1
	FOR UPDATE OF j, c`

func undoLast(ctx context.Context, tx pgx.Tx, p labeling.Project, annotatorID uuid.UUID) (uuid.UUID, error) {
	var jid, cid, left, ra, rb uuid.UUID
	var v labeling.Vote
	var preferred *uuid.UUID
	var scores []byte
	err := tx.QueryRow(ctx, lastJudgmentSQL, p.ID, annotatorID).Scan(&jid, &cid, &v.Verdict,
		&preferred, &v.Strength, &scores, &v.Rationale, &v.Unsafe, &left, &ra, &rb)
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, labeling.Errorf(labeling.ErrNotFound, "you have no judgment to undo in project %s", p.Name)
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("find last judgment in project %s: %w", p.ID, err)
	}
	if preferred != nil {
		v.Preferred = *preferred
	}
	if err := json.Unmarshal(scores, &v.Scores); err != nil {
		return uuid.Nil, fmt.Errorf("decode scores of judgment %s: %w", jid, err)
	}

	steps := []struct {
		sql  string
		args []any
	}{
		{`DELETE FROM judgments WHERE id = $1`, []any{jid}},
		{`UPDATE comparisons SET judgment_count = judgment_count - 1 WHERE id = $1`, []any{cid}},
		{`UPDATE assignments a SET expires_at = now() FROM comparisons c
			WHERE c.id = a.comparison_id AND c.project_id = $1 AND a.annotator_id = $2
			  AND ` + openLeaseCondition, []any{p.ID, annotatorID}},
	}
	for _, step := range steps {
		if _, err := tx.Exec(ctx, step.sql, step.args...); err != nil {
			return uuid.Nil, fmt.Errorf("undo judgment %s: %w", jid, err)
		}
	}

	id, err := insertLease(ctx, tx, cid, annotatorID, ra, rb, p.Lease, &left)
	if err != nil {
		return uuid.Nil, err
	}
	prefill, _ := json.Marshal(v)
	if _, err := tx.Exec(ctx, `UPDATE assignments SET prefill = $2 WHERE id = $1`, id, prefill); err != nil {
		return uuid.Nil, fmt.Errorf("keep undone vote on assignment %s: %w", id, err)
	}
	return id, nil
}
