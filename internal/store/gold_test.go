package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// TestGoldServedWhenQueueEmpty checks that gold comparisons an annotator
// has not seen are handed out once the normal queue is empty, whatever the
// gold share draws.
func TestGoldServedWhenQueueEmpty(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storetest.New(t)
	p := labeling.NewProject("gold fallback")
	p.GoldShare = 0.0001
	p = newProjectWith(t, db, p)
	importRows(t, db, p, row(1, "normal", "a", "b"), row(2, "gold one", "c", "d"), row(3, "gold two", "e", "f"))
	for _, cid := range comparisonIDs(t, db, p)[1:] {
		if err := db.SetGold(ctx, p.ID, cid, store.Settlement{Verdict: labeling.VerdictTie}); err != nil {
			t.Fatal(err)
		}
	}
	annotator := newUser(t, db)

	served := 0
	for range 5 {
		a, err := db.NextAssignment(ctx, p, annotator)
		if errors.Is(err, labeling.ErrNotFound) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		submit(t, db, annotator, tie(a))
		served++
	}
	if served != 3 {
		t.Errorf("comparisons served: got %d, want 3 (one normal, two gold)", served)
	}
}
