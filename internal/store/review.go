package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
)

// Settlement is a verdict that a researcher sets on a comparison: an
// adjudication or a gold answer.
type Settlement struct {
	Verdict   labeling.Verdict
	Preferred uuid.UUID // set when Verdict is VerdictPreferred
}

// validateSettlement checks s against comparison cid of project projectID and returns
// the value to store in the *_preferred_id column.
func (db *DB) validateSettlement(ctx context.Context, projectID, cid uuid.UUID, s Settlement) (*uuid.UUID, error) {
	if !s.Verdict.Valid() {
		return nil, labeling.Errorf(labeling.ErrInvalid, "verdict %q is not one of preferred, tie, both_bad", s.Verdict)
	}
	var ra, rb uuid.UUID
	err := db.pool.QueryRow(ctx, `SELECT response_a_id, response_b_id FROM comparisons
		WHERE id = $1 AND project_id = $2`, cid, projectID).Scan(&ra, &rb)
	if err != nil {
		return nil, labeling.Errorf(labeling.ErrNotFound, "comparison %s not found in this project", cid)
	}
	if s.Verdict != labeling.VerdictPreferred {
		return nil, nil
	}
	if s.Preferred != ra && s.Preferred != rb {
		return nil, labeling.Errorf(labeling.ErrInvalid, "response %s is not part of comparison %s", s.Preferred, cid)
	}
	return &s.Preferred, nil
}

// Adjudicate stores a researcher's verdict on comparison cid of project
// projectID. It sits beside the annotators' votes and wins in exports. It
// returns ErrNotFound for a comparison of another project and ErrInvalid
// for a response that is not part of it.
func (db *DB) Adjudicate(ctx context.Context, projectID, cid uuid.UUID, s Settlement, by uuid.UUID) error {
	preferred, err := db.validateSettlement(ctx, projectID, cid, s)
	if err != nil {
		return err
	}
	_, err = db.pool.Exec(ctx, `UPDATE comparisons SET adjudicated_verdict = $2,
		adjudicated_preferred_id = $3, adjudicated_by = $4, adjudicated_at = now()
		WHERE id = $1`, cid, s.Verdict, preferred, by)
	if err != nil {
		return fmt.Errorf("adjudicate comparison %s: %w", cid, err)
	}
	return nil
}

// ClearAdjudication removes the researcher's verdict from comparison cid,
// or returns an ErrNotFound error when cid is not in project projectID.
func (db *DB) ClearAdjudication(ctx context.Context, projectID, cid uuid.UUID) error {
	tag, err := db.pool.Exec(ctx, `UPDATE comparisons SET adjudicated_verdict = NULL,
		adjudicated_preferred_id = NULL, adjudicated_by = NULL, adjudicated_at = NULL
		WHERE id = $1 AND project_id = $2`, cid, projectID)
	if err != nil {
		return fmt.Errorf("clear adjudication of comparison %s: %w", cid, err)
	}
	if tag.RowsAffected() == 0 {
		return labeling.Errorf(labeling.ErrNotFound, "comparison %s not found in this project", cid)
	}
	return nil
}

// SetGold marks comparison cid of project projectID as gold with the known
// answer s. Gold comparisons leave the normal queue and are served to
// every annotator at the project's gold share.
func (db *DB) SetGold(ctx context.Context, projectID, cid uuid.UUID, s Settlement) error {
	preferred, err := db.validateSettlement(ctx, projectID, cid, s)
	if err != nil {
		return err
	}
	_, err = db.pool.Exec(ctx, `UPDATE comparisons SET gold_verdict = $2, gold_preferred_id = $3
		WHERE id = $1`, cid, s.Verdict, preferred)
	if err != nil {
		return fmt.Errorf("mark comparison %s as gold: %w", cid, err)
	}
	return nil
}

// ClearGold returns comparison cid to the normal queue, or returns an
// ErrNotFound error when cid is not in project projectID.
func (db *DB) ClearGold(ctx context.Context, projectID, cid uuid.UUID) error {
	tag, err := db.pool.Exec(ctx, `UPDATE comparisons SET gold_verdict = NULL, gold_preferred_id = NULL
		WHERE id = $1 AND project_id = $2`, cid, projectID)
	if err != nil {
		return fmt.Errorf("unmark gold comparison %s: %w", cid, err)
	}
	if tag.RowsAffected() == 0 {
		return labeling.Errorf(labeling.ErrNotFound, "comparison %s not found in this project", cid)
	}
	return nil
}
