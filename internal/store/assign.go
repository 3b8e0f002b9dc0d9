package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pairwise/pairwise/internal/labeling"
)

// maxLeaseAttempts bounds how many locked-but-full comparisons one lease
// request steps over before it gives up with a conflict.
const maxLeaseAttempts = 20

// NextAssignment returns annotatorID's newest open lease in project p, or
// leases the next comparison with LeaseNew when they hold none.
func (db *DB) NextAssignment(ctx context.Context, p labeling.Project, annotatorID uuid.UUID) (labeling.Assignment, error) {
	var a labeling.Assignment
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		id, err := openLease(ctx, tx, p.ID, annotatorID)
		if errors.Is(err, pgx.ErrNoRows) {
			id, err = leaseNew(ctx, tx, p, annotatorID)
		}
		if err != nil {
			return err
		}
		a, err = loadAssignment(ctx, tx, id, annotatorID)
		return err
	})
	return a, err
}

// LeaseNew leases one more comparison of project p to annotatorID, even
// when they hold others, up to p.MaxOpenLeases. With probability
// p.GoldShare it draws a gold comparison the annotator has not seen.
// Otherwise it takes the comparison with the fewest judgments, ties broken
// by a random key fixed at import. The annotator must not have judged or
// skipped it, and it must not already be leased to as many annotators as
// it still needs. It is locked with FOR UPDATE SKIP LOCKED. It returns ErrNotFound when
// nothing is left and ErrConflict when the annotator holds too many leases.
func (db *DB) LeaseNew(ctx context.Context, p labeling.Project, annotatorID uuid.UUID) (labeling.Assignment, error) {
	var a labeling.Assignment
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		id, err := leaseNew(ctx, tx, p, annotatorID)
		if err != nil {
			return err
		}
		a, err = loadAssignment(ctx, tx, id, annotatorID)
		return err
	})
	return a, err
}

// openLeaseCondition is true for a lease that is neither submitted,
// skipped nor expired; a skip ends the lease by moving expires_at.
const openLeaseCondition = `a.submitted_at IS NULL AND a.expires_at > now()`

const openLeaseSQL = `SELECT a.id FROM assignments a
	JOIN comparisons c ON c.id = a.comparison_id
	WHERE a.annotator_id = $1 AND c.project_id = $2 AND ` + openLeaseCondition + `
	ORDER BY a.shown_at DESC LIMIT 1`

func openLease(ctx context.Context, tx pgx.Tx, projectID, annotatorID uuid.UUID) (uuid.UUID, error) {
	var id uuid.UUID
	err := tx.QueryRow(ctx, openLeaseSQL, annotatorID, projectID).Scan(&id)
	return id, err
}

// seenByCondition is true for comparison c when annotator $2 judged it,
// skipped it or holds it now.
const seenByCondition = `(EXISTS (SELECT 1 FROM judgments j
	                  WHERE j.comparison_id = c.id AND j.annotator_id = $2)
	  OR EXISTS (SELECT 1 FROM assignments a WHERE a.comparison_id = c.id AND a.annotator_id = $2
	             AND (a.skipped_at IS NOT NULL OR (` + openLeaseCondition + `))))`

// activeLeases counts the open leases on comparison c.
const activeLeases = `(SELECT count(*) FROM assignments a
	        WHERE a.comparison_id = c.id AND ` + openLeaseCondition + `)`

// candidateSQL picks the least-judged comparison that annotator $2 may
// take. Its lease count is read from the statement's snapshot, which may
// be stale, so leaseNext checks it again once the row is locked.
const candidateBaseSQL = `SELECT c.id, c.response_a_id, c.response_b_id FROM comparisons c
	WHERE c.project_id = $1 AND c.gold_verdict IS NULL AND c.judgment_count < $3
	  AND c.id <> ALL($4)
	  AND NOT ` + seenByCondition + `
	  AND c.judgment_count + ` + activeLeases + ` < $3
	ORDER BY c.judgment_count, c.rand_key
	LIMIT 1`

const candidateSQL = candidateBaseSQL + ` FOR UPDATE OF c SKIP LOCKED`

// candidateWaitSQL waits for a locked row instead of skipping it. It runs
// when candidateSQL finds nothing, because a row that another transaction
// holds for a moment does not mean the queue is empty.
const candidateWaitSQL = candidateBaseSQL + ` FOR UPDATE OF c`

// roomSQL reports, with a fresh snapshot taken after the row lock, whether
// comparison $1 still needs another annotator.
const roomSQL = `SELECT c.judgment_count + ` + activeLeases + ` < $2
	FROM comparisons c WHERE c.id = $1`

// goldSQL picks a random gold comparison that annotator $2 has not seen.
// Gold comparisons are judged by everyone, so they need no room check.
const goldSQL = `SELECT c.id, c.response_a_id, c.response_b_id FROM comparisons c
	WHERE c.project_id = $1 AND c.gold_verdict IS NOT NULL AND NOT ` + seenByCondition + `
	ORDER BY random() LIMIT 1`

const openCountSQL = `SELECT count(*) FROM assignments a
	JOIN comparisons c ON c.id = a.comparison_id
	WHERE a.annotator_id = $1 AND c.project_id = $2 AND ` + openLeaseCondition

func leaseNew(ctx context.Context, tx pgx.Tx, p labeling.Project, annotatorID uuid.UUID) (uuid.UUID, error) {
	var open int
	if err := tx.QueryRow(ctx, openCountSQL, annotatorID, p.ID).Scan(&open); err != nil {
		return uuid.Nil, fmt.Errorf("count open leases in project %s: %w", p.ID, err)
	}
	if open >= max(p.MaxOpenLeases, 1) {
		return uuid.Nil, labeling.Errorf(labeling.ErrConflict, "you hold %d open comparisons, the most "+
			"this project allows; submit or skip one first", open)
	}

	if p.GoldShare > 0 && rand.Float64() < p.GoldShare {
		var cid, ra, rb uuid.UUID
		err := tx.QueryRow(ctx, goldSQL, p.ID, annotatorID).Scan(&cid, &ra, &rb)
		if err == nil {
			return insertLease(ctx, tx, cid, annotatorID, ra, rb, p.Lease, nil)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return uuid.Nil, fmt.Errorf("find gold comparison in project %s: %w", p.ID, err)
		}
	}
	id, err := leaseNext(ctx, tx, p, annotatorID)
	if errors.Is(err, labeling.ErrNotFound) && p.GoldShare > 0 {
		// The normal queue is empty, but gold comparisons this annotator
		// has not seen are still work to do.
		var cid, ra, rb uuid.UUID
		gerr := tx.QueryRow(ctx, goldSQL, p.ID, annotatorID).Scan(&cid, &ra, &rb)
		if gerr == nil {
			return insertLease(ctx, tx, cid, annotatorID, ra, rb, p.Lease, nil)
		}
		if !errors.Is(gerr, pgx.ErrNoRows) {
			return uuid.Nil, fmt.Errorf("find gold comparison in project %s: %w", p.ID, gerr)
		}
	}
	return id, err
}

// leaseNext leases the next comparison of the normal queue. Each attempt
// runs in a savepoint, so a locked comparison that turns out to be full is
// unlocked again by rolling the savepoint back, and the transaction never
// holds more than one comparison lock. That makes it safe to wait for a
// locked row when skipping locked rows finds nothing: a row that another
// transaction holds for a moment does not mean the queue is empty.
func leaseNext(ctx context.Context, tx pgx.Tx, p labeling.Project, annotatorID uuid.UUID) (uuid.UUID, error) {
	tried := []uuid.UUID{}
	for range maxLeaseAttempts {
		sp, err := tx.Begin(ctx)
		if err != nil {
			return uuid.Nil, fmt.Errorf("open savepoint: %w", err)
		}
		id, full, err := tryLease(ctx, sp, p, annotatorID, tried)
		if err != nil || full != uuid.Nil {
			sp.Rollback(ctx)
		}
		if err != nil {
			return uuid.Nil, err
		}
		if full != uuid.Nil {
			tried = append(tried, full)
			continue
		}
		if err := sp.Commit(ctx); err != nil {
			return uuid.Nil, fmt.Errorf("release savepoint: %w", err)
		}
		return id, nil
	}
	return uuid.Nil, labeling.Errorf(labeling.ErrConflict,
		"every free comparison was taken while searching; try again")
}

// tryLease locks the best candidate and leases it, or returns its id as
// full when, seen after the lock, it needs no more annotators.
func tryLease(ctx context.Context, tx pgx.Tx, p labeling.Project, annotatorID uuid.UUID,
	tried []uuid.UUID) (id, full uuid.UUID, err error) {
	var cid, ra, rb uuid.UUID
	args := []any{p.ID, annotatorID, p.JudgmentsWanted, tried}
	err = tx.QueryRow(ctx, candidateSQL, args...).Scan(&cid, &ra, &rb)
	if errors.Is(err, pgx.ErrNoRows) {
		err = tx.QueryRow(ctx, candidateWaitSQL, args...).Scan(&cid, &ra, &rb)
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return uuid.Nil, uuid.Nil, labeling.Errorf(labeling.ErrNotFound,
			"no comparisons left for you in project %s", p.Name)
	}
	if err != nil {
		return uuid.Nil, uuid.Nil, fmt.Errorf("find next comparison in project %s: %w", p.ID, err)
	}

	var room bool
	if err := tx.QueryRow(ctx, roomSQL, cid, p.JudgmentsWanted).Scan(&room); err != nil {
		return uuid.Nil, uuid.Nil, fmt.Errorf("check comparison %s: %w", cid, err)
	}
	if !room {
		return uuid.Nil, cid, nil
	}
	id, err = insertLease(ctx, tx, cid, annotatorID, ra, rb, p.Lease, nil)
	return id, uuid.Nil, err
}

// insertLease leases comparisonID to annotatorID. The side each response is
// shown on is drawn per assignment, so it never follows the import order
// or an imported label; a non-nil left keeps a given side order instead.
func insertLease(ctx context.Context, tx pgx.Tx, comparisonID, annotatorID, ra, rb uuid.UUID,
	lease time.Duration, left *uuid.UUID) (uuid.UUID, error) {
	leftID := ra
	if left != nil {
		leftID = *left
	} else if rand.IntN(2) == 1 {
		leftID = rb
	}
	id := uuid.New()
	_, err := tx.Exec(ctx, `INSERT INTO assignments
		(id, comparison_id, annotator_id, left_response_id, expires_at)
		VALUES ($1, $2, $3, $4, now() + $5 * interval '1 second')`,
		id, comparisonID, annotatorID, leftID, lease.Seconds())
	if err != nil {
		return uuid.Nil, fmt.Errorf("lease comparison %s: %w", comparisonID, err)
	}
	return id, nil
}

const assignmentSQL = `SELECT a.id, a.comparison_id, c.project_id, p.messages,
		a.left_response_id, a.shown_at, a.expires_at, a.prefill,
		ra.id, ra.content, ra.model, rb.id, rb.content, rb.model
	FROM assignments a
	JOIN comparisons c ON c.id = a.comparison_id
	JOIN prompts p ON p.id = c.prompt_id
	JOIN responses ra ON ra.id = c.response_a_id
	JOIN responses rb ON rb.id = c.response_b_id
	WHERE a.id = $1 AND a.annotator_id = $2`

func loadAssignment(ctx context.Context, q pgx.Tx, id, annotatorID uuid.UUID) (labeling.Assignment, error) {
	var a labeling.Assignment
	var messages, prefill []byte
	var leftID uuid.UUID
	var ra, rb labeling.Response
	err := q.QueryRow(ctx, assignmentSQL, id, annotatorID).Scan(&a.ID, &a.ComparisonID,
		&a.ProjectID, &messages, &leftID, &a.ShownAt, &a.ExpiresAt, &prefill,
		&ra.ID, &ra.Content, &ra.Model, &rb.ID, &rb.Content, &rb.Model)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, labeling.Errorf(labeling.ErrNotFound, "assignment %s not found", id)
	}
	if err != nil {
		return a, fmt.Errorf("load assignment %s: %w", id, err)
	}
	if err := json.Unmarshal(messages, &a.Prompt); err != nil {
		return a, fmt.Errorf("decode prompt of assignment %s: %w", id, err)
	}
	if prefill != nil {
		a.Prefill = new(labeling.Vote)
		if err := json.Unmarshal(prefill, a.Prefill); err != nil {
			return a, fmt.Errorf("decode prefill of assignment %s: %w", id, err)
		}
	}

	a.Left, a.Right = ra, rb
	if leftID == rb.ID {
		a.Left, a.Right = rb, ra
	}
	return a, nil
}

// Assignment returns assignment id if it belongs to annotatorID, or an
// ErrNotFound error.
func (db *DB) Assignment(ctx context.Context, id, annotatorID uuid.UUID) (labeling.Assignment, error) {
	var a labeling.Assignment
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var err error
		a, err = loadAssignment(ctx, tx, id, annotatorID)
		return err
	})
	return a, err
}

// Progress counts annotatorID's judgments in project p and the
// comparisons still open to them. The label page asks on every view, so
// the open comparisons are counted only up to labeling.MaxCountedLeft,
// which keeps the cost flat as a project grows; Progress.More then says
// there are more.
func (db *DB) Progress(ctx context.Context, p labeling.Project, annotatorID uuid.UUID) (labeling.Progress, error) {
	var pr labeling.Progress
	err := db.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM judgments j JOIN comparisons c ON c.id = j.comparison_id
		  WHERE c.project_id = $1 AND j.annotator_id = $2),
		(SELECT count(*) FROM (SELECT 1 FROM comparisons c
		  WHERE c.project_id = $1 AND c.gold_verdict IS NULL AND c.judgment_count < $3
		    AND NOT EXISTS (SELECT 1 FROM judgments j
		                    WHERE j.comparison_id = c.id AND j.annotator_id = $2)
		    AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.comparison_id = c.id
		                    AND a.annotator_id = $2 AND a.skipped_at IS NOT NULL)
		  LIMIT $4) open)`,
		p.ID, annotatorID, p.JudgmentsWanted, labeling.MaxCountedLeft+1).Scan(&pr.Done, &pr.Left)
	if pr.Left > labeling.MaxCountedLeft {
		pr.Left, pr.More = labeling.MaxCountedLeft, true
	}
	if err != nil {
		return pr, fmt.Errorf("count progress of %s in project %s: %w", annotatorID, p.ID, err)
	}
	return pr, nil
}
