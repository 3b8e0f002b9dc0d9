package store_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// addMember makes userID a member of p with role.
func addMember(tb testing.TB, db *store.DB, p labeling.Project, userID uuid.UUID, role string) {
	tb.Helper()
	if err := db.AddMember(context.Background(), p.ID, userID, role); err != nil {
		tb.Fatalf("AddMember %s: %v", role, err)
	}
}

// leaseNew calls LeaseNew and fails the test on any error.
func leaseNew(tb testing.TB, db *store.DB, p labeling.Project, annotator uuid.UUID) labeling.Assignment {
	tb.Helper()
	a, err := db.LeaseNew(context.Background(), p, annotator)
	if err != nil {
		tb.Fatalf("LeaseNew for %s: %v", annotator, err)
	}
	return a
}

func TestStatsProjectCounts(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	p := newProject(t, db, 2)
	importRows(t, db, p, row(1, "p1", "a", "b"), row(2, "p2", "c", "d"),
		row(3, "p3", "e", "f"), row(4, "p4", "g", "h"))
	ids := comparisonIDs(t, db, p)
	if err := db.SetGold(ctx, p.ID, ids[3], store.Settlement{Verdict: labeling.VerdictTie}); err != nil {
		t.Fatalf("SetGold: %v", err)
	}
	ann1, ann2, ann3, researcher, outsider := newUser(t, db), newUser(t, db), newUser(t, db),
		newUser(t, db), newUser(t, db)
	for _, id := range []uuid.UUID{ann1, ann2, ann3} {
		addMember(t, db, p, id, labeling.UserAnnotator)
	}
	addMember(t, db, p, researcher, labeling.UserResearcher)
	if err := db.Adjudicate(ctx, p.ID, ids[0], store.Settlement{Verdict: labeling.VerdictBothBad},
		researcher); err != nil {
		t.Fatalf("Adjudicate: %v", err)
	}

	// ann1 judges all three ordinary comparisons, ann2 judges one and
	// skips another, and the outsider judges the one left needing a vote:
	// two comparisons end with two judgments and one with one.
	for range 3 {
		submit(t, db, ann1, tie(leaseNew(t, db, p, ann1)))
	}
	submit(t, db, ann2, tie(leaseNew(t, db, p, ann2)))
	if err := db.Skip(ctx, ann2, leaseNew(t, db, p, ann2).ID, "unclear prompt"); err != nil {
		t.Fatalf("Skip: %v", err)
	}
	submit(t, db, outsider, tie(leaseNew(t, db, p, outsider)))

	c, err := db.ProjectCounts(ctx, p.ID)
	if err != nil {
		t.Fatalf("ProjectCounts: %v", err)
	}
	totals := []struct {
		name      string
		got, want int
	}{
		{"comparisons", c.Comparisons, 4},
		{"fully judged", c.FullyJudged, 2},
		{"judgments", c.Judgments, 5},
		{"skips", c.Skips, 1},
		{"gold", c.Gold, 1},
		{"adjudicated", c.Adjudicated, 1},
		{"researchers", c.Members[labeling.UserResearcher], 1},
		{"annotators", c.Members[labeling.UserAnnotator], 3},
		{"member roles", len(c.Members), 2},
	}
	for _, tt := range totals {
		if tt.got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, tt.got, tt.want)
		}
	}

	type work struct {
		role             string
		judgments, skips int
	}
	want := map[uuid.UUID]work{
		ann1:     {labeling.UserAnnotator, 3, 0},
		ann2:     {labeling.UserAnnotator, 1, 1},
		ann3:     {labeling.UserAnnotator, 0, 0},
		outsider: {"", 1, 0},
	}
	if len(c.Annotators) != len(want) {
		t.Fatalf("annotators: got %d (%+v), want %d", len(c.Annotators), c.Annotators, len(want))
	}
	if c.Annotators[0].User.ID != ann1 {
		t.Errorf("first annotator: got %v, want the busiest, %v", c.Annotators[0].User.ID, ann1)
	}
	for _, a := range c.Annotators {
		got := work{a.MemberRole, a.Judgments, a.Skips}
		if got != want[a.User.ID] {
			t.Errorf("annotator %v: got %+v, want %+v", a.User.ID, got, want[a.User.ID])
		}
	}
}

func TestStatsEmptyProject(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)

	c, err := db.ProjectCounts(context.Background(), p.ID)
	if err != nil {
		t.Fatalf("ProjectCounts: %v", err)
	}
	zero := store.ProjectCounts{Members: map[string]int{}}
	if c.Comparisons != 0 || c.FullyJudged != 0 || c.Judgments != 0 || c.Skips != 0 ||
		c.Gold != 0 || c.Adjudicated != 0 || len(c.Members) != 0 || len(c.Annotators) != 0 {
		t.Errorf("counts: got %+v, want %+v", c, zero)
	}
}
