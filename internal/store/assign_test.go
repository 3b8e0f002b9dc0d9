package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

func TestNextAssignmentDistinctAnnotators(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	importRows(t, db, p, row(1, "p", "a", "b"), row(2, "q", "a", "b"))
	users := newUsers(t, db, 3)

	first := lease(t, db, p, users[0])
	second := lease(t, db, p, users[1])
	if first.ComparisonID == second.ComparisonID {
		t.Errorf("two annotators got comparison %s, want different comparisons", first.ComparisonID)
	}

	_, err := db.NextAssignment(context.Background(), p, users[2])
	wantKind(t, err, labeling.ErrNotFound)
}

func TestNextAssignmentReturnsOpenLease(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	importRows(t, db, p, row(1, "p", "a", "b"), row(2, "q", "a", "b"))
	annotator := newUser(t, db)

	first := lease(t, db, p, annotator)
	again := lease(t, db, p, annotator)
	if again.ID != first.ID {
		t.Errorf("assignment id: got %v, want %v", again.ID, first.ID)
	}
	if again.Left.ID != first.Left.ID {
		t.Errorf("left response: got %v, want %v", again.Left.ID, first.Left.ID)
	}
	if got := countRows(t, db, "assignments"); got != 1 {
		t.Errorf("assignments: got %d, want 1", got)
	}
}

func TestNextAssignmentOpenLeaseOfOtherProject(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	other := newProject(t, db, 1)
	importRows(t, db, p, row(1, "p", "a", "b"))
	importRows(t, db, other, row(1, "p", "a", "b"))
	annotator := newUser(t, db)

	lease(t, db, p, annotator)
	a := lease(t, db, other, annotator)
	if a.ProjectID != other.ID {
		t.Errorf("project: got %v, want %v", a.ProjectID, other.ID)
	}
}

func TestNextAssignmentAfterLeaseExpiry(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	importRows(t, db, p, row(1, "p", "a", "b"))
	users := newUsers(t, db, 2)

	first := lease(t, db, p, users[0])
	_, err := db.NextAssignment(context.Background(), p, users[1])
	wantKind(t, err, labeling.ErrNotFound)

	expireLeases(t, db, first.ComparisonID)
	second := lease(t, db, p, users[1])
	if second.ComparisonID != first.ComparisonID {
		t.Errorf("comparison after expiry: got %v, want %v", second.ComparisonID, first.ComparisonID)
	}
	if second.ID == first.ID {
		t.Errorf("assignment after expiry: got the expired lease %v, want a new one", second.ID)
	}

	// The first annotator's expired lease is not handed back to them.
	a, err := db.NextAssignment(context.Background(), p, users[0])
	if err == nil {
		t.Fatalf("NextAssignment for the first annotator: got assignment %v, want not found", a.ID)
	}
	wantKind(t, err, labeling.ErrNotFound)
}

func TestNextAssignmentSkipsJudged(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 2)
	importRows(t, db, p, row(1, "p", "a", "b"), row(2, "q", "a", "b"))
	annotator := newUser(t, db)

	first := lease(t, db, p, annotator)
	submit(t, db, annotator, tie(first))
	second := lease(t, db, p, annotator)
	if second.ComparisonID == first.ComparisonID {
		t.Fatalf("second comparison: got the judged %v again", first.ComparisonID)
	}
	submit(t, db, annotator, tie(second))

	// Both comparisons still need a second judgment, but not from this
	// annotator.
	_, err := db.NextAssignment(context.Background(), p, annotator)
	wantKind(t, err, labeling.ErrNotFound)
}

// An annotator whose lease expired can lease the same comparison again and
// then submit the old assignment. The newer lease must then neither bring
// the judged comparison back nor keep out the annotator it still needs.
func TestNextAssignmentAfterLateSubmit(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 2)
	importRows(t, db, p, row(1, "p", "a", "b"))
	annotator := newUser(t, db)
	ctx := context.Background()

	old := lease(t, db, p, annotator)
	expireLeases(t, db, old.ComparisonID)
	renewed := lease(t, db, p, annotator)
	if renewed.ID == old.ID {
		t.Fatalf("assignment after expiry: got the expired lease %v, want a new one", old.ID)
	}
	submit(t, db, annotator, tie(old))

	t.Run("same annotator", func(t *testing.T) {
		a, err := db.NextAssignment(ctx, p, annotator)
		if err == nil {
			t.Fatalf("NextAssignment: got assignment %v of the judged comparison %v, want not found",
				a.ID, a.ComparisonID)
		}
		wantKind(t, err, labeling.ErrNotFound)
	})
	t.Run("second annotator", func(t *testing.T) {
		a, err := db.NextAssignment(ctx, p, newUser(t, db))
		if err != nil {
			t.Fatalf("NextAssignment: got error %v, want the comparison that needs a second judgment", err)
		}
		if a.ComparisonID != old.ComparisonID {
			t.Errorf("comparison: got %v, want %v", a.ComparisonID, old.ComparisonID)
		}
	})
}

func TestNextAssignmentLeastJudgedFirst(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 2)
	importRows(t, db, p, row(1, "p", "a", "b"), row(2, "q", "a", "b"), row(3, "r", "a", "b"))
	ids := comparisonIDs(t, db, p)
	users := newUsers(t, db, 4)
	// Fix the tie-break keys, which are random, so that the first
	// comparison comes first among equally judged ones.
	for i, id := range ids {
		_, err := db.Pool().Exec(context.Background(),
			`UPDATE comparisons SET rand_key = $2 WHERE id = $1`, id, float64(i)/10)
		if err != nil {
			t.Fatalf("set rand_key of comparison %d: %v", i, err)
		}
	}

	// The tie-break key alone would hand out the first comparison twice
	// before the second. Fewest judgments first hands out the second and
	// third before the first comparison's second judgment.
	want := []uuid.UUID{ids[0], ids[1], ids[2], ids[0]}
	for i, u := range users {
		a := lease(t, db, p, u)
		if a.ComparisonID != want[i] {
			t.Errorf("annotator %d: got comparison %v, want %v", i, a.ComparisonID, want[i])
		}
		submit(t, db, u, tie(a))
	}
}

func TestNextAssignmentSideOrder(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	// Nine candidates give 36 comparisons. The chance that every one is
	// shown in the same order is 2^-35.
	importRows(t, db, p, row(1, "p", "a", "b", "c", "d", "e", "f", "g", "h", "i"))
	annotator := newUser(t, db)
	ctx := context.Background()

	seen := map[uuid.UUID]bool{}
	aLeft, bLeft := 0, 0
	for {
		a, err := db.NextAssignment(ctx, p, annotator)
		if errors.Is(err, labeling.ErrNotFound) {
			break
		}
		if err != nil {
			t.Fatalf("NextAssignment: %v", err)
		}
		if seen[a.ComparisonID] {
			t.Fatalf("comparison %v handed out twice", a.ComparisonID)
		}
		seen[a.ComparisonID] = true

		var stored, ra, rb uuid.UUID
		err = db.Pool().QueryRow(ctx, `SELECT a.left_response_id, c.response_a_id, c.response_b_id
			FROM assignments a JOIN comparisons c ON c.id = a.comparison_id
			WHERE a.id = $1`, a.ID).Scan(&stored, &ra, &rb)
		if err != nil {
			t.Fatal(err)
		}
		if stored != a.Left.ID {
			t.Errorf("stored left_response_id: got %v, want %v", stored, a.Left.ID)
		}
		switch {
		case a.Left.ID == ra && a.Right.ID == rb:
			aLeft++
		case a.Left.ID == rb && a.Right.ID == ra:
			bLeft++
		default:
			t.Errorf("sides: got %v and %v, want %v and %v in some order", a.Left.ID, a.Right.ID, ra, rb)
		}
		submit(t, db, annotator, tie(a))
	}

	if len(seen) != 36 {
		t.Errorf("comparisons handed out: got %d, want 36", len(seen))
	}
	if aLeft == 0 || bLeft == 0 {
		t.Errorf("response a on the left: got %d of %d, want both orders", aLeft, aLeft+bLeft)
	}
}

func TestNextAssignmentConcurrent(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	var rows []labeling.Row
	for i := range 10 {
		rows = append(rows, row(i+1, fmt.Sprintf("prompt %d", i), "a", "b"))
	}
	importRows(t, db, p, rows...)
	users := newUsers(t, db, 20)

	errs := make([]error, len(users))
	got := make([]labeling.Assignment, len(users))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, u := range users {
		wg.Go(func() {
			<-start
			got[i], errs[i] = db.NextAssignment(context.Background(), p, u)
		})
	}
	close(start)
	wg.Wait()

	leased := map[uuid.UUID]bool{}
	for i, err := range errs {
		switch {
		case err == nil:
			if leased[got[i].ComparisonID] {
				t.Errorf("comparison %v leased twice", got[i].ComparisonID)
			}
			leased[got[i].ComparisonID] = true
		case !errors.Is(err, labeling.ErrNotFound):
			t.Errorf("annotator %d: got error %v, want none or not found", i, err)
		}
	}
	if len(leased) != 10 {
		t.Errorf("annotators with a lease: got %d, want 10", len(leased))
	}
	if got := countRows(t, db, "assignments"); got != 10 {
		t.Errorf("assignments: got %d, want 10", got)
	}
	if got := queryInt(t, db, `SELECT count(DISTINCT comparison_id) FROM assignments`); got != 10 {
		t.Errorf("distinct leased comparisons: got %d, want 10", got)
	}
}
