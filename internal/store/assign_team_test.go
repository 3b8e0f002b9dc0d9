package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// pairRows returns n import rows with distinct prompts, each with the
// responses "a" and "b".
func pairRows(n int) []labeling.Row {
	rows := make([]labeling.Row, n)
	for i := range rows {
		rows[i] = row(i+1, fmt.Sprintf("prompt %d", i), "a", "b")
	}
	return rows
}

// labelInTurns has the annotators take turns leasing the next comparison
// of p and submitting a tie, until none of them is given one. It returns
// the number of judgments stored.
func labelInTurns(tb testing.TB, db *store.DB, p labeling.Project, annotators []uuid.UUID) int {
	tb.Helper()
	ctx := context.Background()
	done := map[uuid.UUID]bool{}
	judged := 0
	for round := 0; len(done) < len(annotators); round++ {
		if round > 1000 {
			tb.Fatalf("annotators still labeling after %d rounds", round)
		}
		for _, u := range annotators {
			if done[u] {
				continue
			}
			a, err := db.NextAssignment(ctx, p, u)
			if errors.Is(err, labeling.ErrNotFound) {
				done[u] = true
				continue
			}
			if err != nil {
				tb.Fatalf("NextAssignment for %s: %v", u, err)
			}
			submit(tb, db, u, tie(a))
			judged++
		}
	}
	return judged
}

// comparisonVotes is what the judgments of one comparison look like.
type comparisonVotes struct {
	id         uuid.UUID
	count      int // the judgment_count column
	judgments  int
	annotators int // distinct annotators among the judgments
}

func votesPerComparison(tb testing.TB, db *store.DB, p labeling.Project) []comparisonVotes {
	tb.Helper()
	rows, err := db.Pool().Query(context.Background(), `SELECT c.id, c.judgment_count,
			count(j.id), count(DISTINCT j.annotator_id)
		FROM comparisons c LEFT JOIN judgments j ON j.comparison_id = c.id
		WHERE c.project_id = $1 GROUP BY c.id ORDER BY c.seq`, p.ID)
	if err != nil {
		tb.Fatalf("count votes: %v", err)
	}
	defer rows.Close()
	var out []comparisonVotes
	for rows.Next() {
		var v comparisonVotes
		if err := rows.Scan(&v.id, &v.count, &v.judgments, &v.annotators); err != nil {
			tb.Fatalf("scan votes: %v", err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("count votes: %v", err)
	}
	return out
}

// checkOverlap fails unless every comparison of p has exactly wanted
// judgments from wanted different annotators.
func checkOverlap(tb testing.TB, db *store.DB, p labeling.Project, comparisons, wanted int) {
	tb.Helper()
	votes := votesPerComparison(tb, db, p)
	if len(votes) != comparisons {
		tb.Fatalf("comparisons: got %d, want %d", len(votes), comparisons)
	}
	for i, v := range votes {
		if v.judgments != wanted {
			tb.Errorf("comparison %d judgments: got %d, want %d", i, v.judgments, wanted)
		}
		if v.count != wanted {
			tb.Errorf("comparison %d judgment_count: got %d, want %d", i, v.count, wanted)
		}
		if v.annotators != v.judgments {
			tb.Errorf("comparison %d annotators: got %d for %d judgments, want one judgment each",
				i, v.annotators, v.judgments)
		}
	}
}

func TestOverlapThreeOfFive(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 3)
	importRows(t, db, p, pairRows(10)...)
	users := newUsers(t, db, 5)

	if got := labelInTurns(t, db, p, users); got != 30 {
		t.Errorf("judgments stored: got %d, want 30", got)
	}
	checkOverlap(t, db, p, 10, 3)
	for i, u := range users {
		pr, err := db.Progress(context.Background(), p, u)
		if err != nil {
			t.Fatalf("Progress: %v", err)
		}
		if pr.Left != 0 {
			t.Errorf("annotator %d comparisons left: got %d, want 0", i, pr.Left)
		}
	}
}

func TestOverlapConcurrent(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 3)
	importRows(t, db, p, pairRows(8)...)
	users := newUsers(t, db, 5)
	ctx := context.Background()

	// Each annotator labels until nothing is left, all at once. A lease
	// may give up with a conflict while others hold every free row, and
	// the annotator then requests another.
	errs := make([]error, len(users))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, u := range users {
		wg.Go(func() {
			<-start
			for range 200 {
				a, err := db.NextAssignment(ctx, p, u)
				if errors.Is(err, labeling.ErrNotFound) {
					return
				}
				if errors.Is(err, labeling.ErrConflict) {
					continue
				}
				if err == nil {
					_, _, err = db.Submit(ctx, u, tie(a))
				}
				if err != nil {
					errs[i] = err
					return
				}
			}
			errs[i] = errors.New("still labeling after 200 requests")
		})
	}
	close(start)
	wg.Wait()

	for i, err := range errs {
		if err != nil {
			t.Errorf("annotator %d: %v", i, err)
		}
	}

	checkOverlap(t, db, p, 8, 3)
}

func TestTieBreakRandom(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 2)
	importRows(t, db, p, pairRows(20)...)
	importOrder := comparisonIDs(t, db, p)
	users := newUsers(t, db, 2)

	var keyOrder []uuid.UUID
	rows, err := db.Pool().Query(context.Background(),
		`SELECT id FROM comparisons WHERE project_id = $1 ORDER BY rand_key`, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		keyOrder = append(keyOrder, id)
	}
	rows.Close()

	// Each annotator labels everything alone, so every choice is a tie on
	// the judgment count. The chance that 20 random keys sort in import
	// order is 1 in 20!.
	for i, u := range users {
		var got []uuid.UUID
		for range 21 {
			a, err := db.NextAssignment(context.Background(), p, u)
			if errors.Is(err, labeling.ErrNotFound) {
				break
			}
			if err != nil {
				t.Fatalf("NextAssignment: %v", err)
			}
			got = append(got, a.ComparisonID)
			submit(t, db, u, tie(a))
		}
		if len(got) != 20 {
			t.Fatalf("annotator %d comparisons: got %d, want 20", i, len(got))
		}
		if slices.Equal(got, importOrder) {
			t.Errorf("annotator %d got the comparisons in import order, want the random key's order", i)
		}
		if !slices.Equal(got, keyOrder) {
			t.Errorf("annotator %d order:\ngot  %v\nwant %v (by rand_key)", i, got, keyOrder)
		}
	}
}

func TestSkip(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()

	// setup returns a project of one comparison and two annotators, the
	// first of whom holds its lease.
	setup := func(t *testing.T) (labeling.Project, []uuid.UUID, labeling.Assignment) {
		t.Helper()
		p := newProject(t, db, 1)
		importRows(t, db, p, row(1, "p", "a", "b"))
		users := newUsers(t, db, 2)
		return p, users, lease(t, db, p, users[0])
	}
	// checkOpen fails unless a is still annotator's open lease.
	checkOpen := func(t *testing.T, p labeling.Project, annotator uuid.UUID, a labeling.Assignment) {
		t.Helper()
		again := lease(t, db, p, annotator)
		if again.ID != a.ID {
			t.Errorf("lease after the rejected skip: got %v, want the open lease %v", again.ID, a.ID)
		}
		skipped := queryInt(t, db, `SELECT count(*) FROM assignments a JOIN comparisons c ON c.id = a.comparison_id
			WHERE c.project_id = $1 AND a.skipped_at IS NOT NULL`, p.ID)
		if skipped != 0 {
			t.Errorf("skipped assignments: got %d, want 0", skipped)
		}
	}

	t.Run("back to the pool for others", func(t *testing.T) {
		p, users, a := setup(t)
		if err := db.Skip(ctx, users[0], a.ID, "  I cannot read this language  "); err != nil {
			t.Fatalf("Skip: %v", err)
		}
		var reason string
		err := db.Pool().QueryRow(ctx, `SELECT skip_reason FROM assignments WHERE id = $1`, a.ID).Scan(&reason)
		if err != nil {
			t.Fatal(err)
		}
		if reason != "I cannot read this language" {
			t.Errorf("skip_reason: got %q, want %q", reason, "I cannot read this language")
		}

		_, err = db.NextAssignment(ctx, p, users[0])
		wantKind(t, err, labeling.ErrNotFound)
		pr, err := db.Progress(ctx, p, users[0])
		if err != nil {
			t.Fatal(err)
		}
		if want := (labeling.Progress{Done: 0, Left: 0}); pr != want {
			t.Errorf("skipper's progress: got %+v, want %+v", pr, want)
		}

		other := lease(t, db, p, users[1])
		if other.ComparisonID != a.ComparisonID {
			t.Errorf("other annotator's comparison: got %v, want the skipped %v", other.ComparisonID, a.ComparisonID)
		}

		// When the other annotator's lease runs out unused, the comparison
		// is free again, but still not for the skipper.
		expireLeases(t, db, a.ComparisonID)
		_, err = db.NextAssignment(ctx, p, users[0])
		wantKind(t, err, labeling.ErrNotFound)
		_, err = db.LeaseNew(ctx, p, users[0])
		wantKind(t, err, labeling.ErrNotFound)
	})

	for _, tt := range []struct{ name, reason string }{
		{"empty reason", ""},
		{"blank reason", " \t\n "},
		{"reason too long", strings.Repeat("x", store.MaxSkipReason+1)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p, users, a := setup(t)
			err := db.Skip(ctx, users[0], a.ID, tt.reason)
			wantKind(t, err, labeling.ErrInvalid)
			checkOpen(t, p, users[0], a)
		})
	}

	t.Run("another annotator's lease", func(t *testing.T) {
		p, users, a := setup(t)
		err := db.Skip(ctx, users[1], a.ID, "not mine")
		wantKind(t, err, labeling.ErrNotFound)
		checkOpen(t, p, users[0], a)
	})

	t.Run("skipped twice", func(t *testing.T) {
		_, users, a := setup(t)
		if err := db.Skip(ctx, users[0], a.ID, "once"); err != nil {
			t.Fatalf("first Skip: %v", err)
		}
		err := db.Skip(ctx, users[0], a.ID, "twice")
		wantKind(t, err, labeling.ErrNotFound)
	})

	t.Run("submitted lease", func(t *testing.T) {
		_, users, a := setup(t)
		submit(t, db, users[0], tie(a))
		err := db.Skip(ctx, users[0], a.ID, "too late")
		wantKind(t, err, labeling.ErrNotFound)
		if got := judgmentCount(t, db, a.ComparisonID); got != 1 {
			t.Errorf("judgment_count: got %d, want 1", got)
		}
	})
}

// openLeases counts annotator's open leases.
func openLeases(tb testing.TB, db *store.DB, annotator uuid.UUID) int {
	tb.Helper()
	return queryInt(tb, db, `SELECT count(*) FROM assignments
		WHERE annotator_id = $1 AND submitted_at IS NULL AND expires_at > now()`, annotator)
}

func TestUndoLast(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	p := newProjectWith(t, db, labeling.Project{JudgmentsWanted: 1, MaxOpenLeases: 3})
	importRows(t, db, p, pairRows(3)...)
	annotator := newUser(t, db)

	first := lease(t, db, p, annotator)
	submit(t, db, annotator, tie(first))
	second := lease(t, db, p, annotator)
	vote := labeling.Vote{
		AssignmentID: second.ID,
		Verdict:      labeling.VerdictPreferred,
		Preferred:    second.Right.ID,
		Strength:     labeling.StrengthSlightly,
		Scores:       map[uuid.UUID]labeling.Scores{second.Left.ID: {"helpful": 2}, second.Right.ID: {"honest": 5}},
		Rationale:    "the right one cites its source",
		Unsafe:       true,
	}
	submit(t, db, annotator, vote)
	held, err := db.LeaseNew(ctx, p, annotator)
	if err != nil {
		t.Fatalf("LeaseNew: %v", err)
	}

	undone, err := db.UndoLast(ctx, p, annotator)
	if err != nil {
		t.Fatalf("UndoLast: %v", err)
	}
	t.Run("newest judgment removed", func(t *testing.T) {
		all := judgments(t, db, p)
		if len(all) != 1 || all[0].ComparisonID != first.ComparisonID {
			t.Fatalf("judgments left: got %d, want only the one of comparison %v", len(all), first.ComparisonID)
		}
		if got := judgmentCount(t, db, second.ComparisonID); got != 0 {
			t.Errorf("judgment_count of the undone comparison: got %d, want 0", got)
		}
		if got := judgmentCount(t, db, first.ComparisonID); got != 1 {
			t.Errorf("judgment_count of the older comparison: got %d, want 1", got)
		}
	})
	t.Run("same comparison leased again", func(t *testing.T) {
		if undone.ComparisonID != second.ComparisonID {
			t.Errorf("comparison: got %v, want %v", undone.ComparisonID, second.ComparisonID)
		}
		if undone.ID == second.ID {
			t.Errorf("assignment: got the submitted one %v, want a new lease", second.ID)
		}
		if undone.Left.ID != second.Left.ID || undone.Right.ID != second.Right.ID {
			t.Errorf("sides: got %v | %v, want %v | %v", undone.Left.ID, undone.Right.ID,
				second.Left.ID, second.Right.ID)
		}
		if next := lease(t, db, p, annotator); next.ID != undone.ID {
			t.Errorf("NextAssignment after undo: got %v, want %v", next.ID, undone.ID)
		}
	})
	t.Run("prefill holds the old vote", func(t *testing.T) {
		pf := undone.Prefill
		if pf == nil {
			t.Fatal("Prefill: got nil, want the undone vote")
		}
		checks := []struct {
			field     string
			got, want any
		}{
			{"Verdict", pf.Verdict, vote.Verdict},
			{"Preferred", pf.Preferred, vote.Preferred},
			{"Strength", pf.Strength, vote.Strength},
			{"Scores", pf.Scores, vote.Scores},
			{"Rationale", pf.Rationale, vote.Rationale},
			{"Unsafe", pf.Unsafe, vote.Unsafe},
		}
		for _, c := range checks {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Errorf("%s: got %v, want %v", c.field, c.got, c.want)
			}
		}
		stored, err := db.Assignment(ctx, undone.ID, annotator)
		if err != nil {
			t.Fatalf("Assignment: %v", err)
		}
		if stored.Prefill == nil || stored.Prefill.Rationale != vote.Rationale {
			t.Errorf("stored Prefill: got %+v, want the undone vote", stored.Prefill)
		}
	})
	t.Run("other open leases end", func(t *testing.T) {
		open := queryInt(t, db, `SELECT count(*) FROM assignments
			WHERE id = $1 AND submitted_at IS NULL AND expires_at > now()`, held.ID)
		if open != 0 {
			t.Errorf("lease held before the undo: got open, want ended")
		}
		if got := openLeases(t, db, annotator); got != 1 {
			t.Errorf("open leases: got %d, want 1 (the undone comparison)", got)
		}
	})

	// A second undo walks one judgment further back and ends the first
	// undo's lease; a third has nothing left.
	again, err := db.UndoLast(ctx, p, annotator)
	if err != nil {
		t.Fatalf("second UndoLast: %v", err)
	}
	if again.ComparisonID != first.ComparisonID {
		t.Errorf("second undo comparison: got %v, want %v", again.ComparisonID, first.ComparisonID)
	}
	if again.Prefill == nil || again.Prefill.Verdict != labeling.VerdictTie {
		t.Errorf("second undo Prefill: got %+v, want a tie", again.Prefill)
	}
	if got := openLeases(t, db, annotator); got != 1 {
		t.Errorf("open leases after the second undo: got %d, want 1", got)
	}
	_, err = db.UndoLast(ctx, p, annotator)
	wantKind(t, err, labeling.ErrNotFound)

	// The re-leased comparison takes a new vote.
	id, created, err := db.Submit(ctx, annotator, prefer(t, again, "a"))
	if err != nil || !created {
		t.Fatalf("Submit after undo: got id %v, created %v, error %v; want a new judgment", id, created, err)
	}
	if got := judgmentCount(t, db, first.ComparisonID); got != 1 {
		t.Errorf("judgment_count after the new vote: got %d, want 1", got)
	}
}

func TestUndoLastNothingToUndo(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	p := newProject(t, db, 1)
	other := newProject(t, db, 1)
	importRows(t, db, p, row(1, "p", "a", "b"))
	importRows(t, db, other, row(1, "p", "a", "b"))
	users := newUsers(t, db, 2)
	submit(t, db, users[1], tie(lease(t, db, other, users[1])))

	tests := []struct {
		name      string
		annotator uuid.UUID
	}{
		{"no judgments", users[0]},
		{"judgments in another project only", users[1]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.UndoLast(ctx, p, tt.annotator)
			wantKind(t, err, labeling.ErrNotFound)
		})
	}
	if got := countRows(t, db, "judgments"); got != 1 {
		t.Errorf("judgments: got %d, want 1", got)
	}
}

func TestLeaseNewMaxOpenLeases(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	p := newProjectWith(t, db, labeling.Project{JudgmentsWanted: 1, MaxOpenLeases: 2})
	importRows(t, db, p, pairRows(4)...)
	annotator := newUser(t, db)

	first, err := db.LeaseNew(ctx, p, annotator)
	if err != nil {
		t.Fatalf("first LeaseNew: %v", err)
	}
	second, err := db.LeaseNew(ctx, p, annotator)
	if err != nil {
		t.Fatalf("second LeaseNew: %v", err)
	}
	if first.ComparisonID == second.ComparisonID {
		t.Errorf("two leases of comparison %v, want two comparisons", first.ComparisonID)
	}
	_, err = db.LeaseNew(ctx, p, annotator)
	wantKind(t, err, labeling.ErrConflict)
	if got := countRows(t, db, "assignments"); got != 2 {
		t.Errorf("assignments after the refused lease: got %d, want 2", got)
	}

	// NextAssignment returns a held lease and takes no new one.
	if a := lease(t, db, p, annotator); a.ID != first.ID && a.ID != second.ID {
		t.Errorf("NextAssignment: got %v, want one of the held leases", a.ID)
	}
	if got := countRows(t, db, "assignments"); got != 2 {
		t.Errorf("assignments after NextAssignment: got %d, want 2", got)
	}

	// A submitted lease and an expired one both make room.
	submit(t, db, annotator, tie(first))
	third, err := db.LeaseNew(ctx, p, annotator)
	if err != nil {
		t.Fatalf("LeaseNew after a submit: %v", err)
	}
	expireLeases(t, db, third.ComparisonID)
	if _, err := db.LeaseNew(ctx, p, annotator); err != nil {
		t.Fatalf("LeaseNew after an expiry: %v", err)
	}
	_, err = db.LeaseNew(ctx, p, annotator)
	wantKind(t, err, labeling.ErrConflict)
}

// markGold marks the comparisons ids of p as gold with a tie as the known verdict.
func markGold(tb testing.TB, db *store.DB, p labeling.Project, ids ...uuid.UUID) {
	tb.Helper()
	for _, id := range ids {
		err := db.SetGold(context.Background(), p.ID, id, store.Settlement{Verdict: labeling.VerdictTie})
		if err != nil {
			tb.Fatalf("SetGold %v: %v", id, err)
		}
	}
}

// leaseAll has annotator lease and judge comparisons of p until none is
// left, and returns them in the order they were given.
func leaseAll(tb testing.TB, db *store.DB, p labeling.Project, annotator uuid.UUID) []uuid.UUID {
	tb.Helper()
	var got []uuid.UUID
	for range 100 {
		a, err := db.NextAssignment(context.Background(), p, annotator)
		if errors.Is(err, labeling.ErrNotFound) {
			return got
		}
		if err != nil {
			tb.Fatalf("NextAssignment: %v", err)
		}
		got = append(got, a.ComparisonID)
		submit(tb, db, annotator, tie(a))
	}
	tb.Fatalf("annotator still given comparisons after 100")
	return nil
}

func TestGold(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)

	// setup returns a project with the gold share of six comparisons, the
	// first three of them gold.
	setup := func(t *testing.T, share float64) (labeling.Project, []uuid.UUID, []uuid.UUID) {
		t.Helper()
		p := newProjectWith(t, db, labeling.Project{JudgmentsWanted: 1, GoldShare: share})
		importRows(t, db, p, pairRows(6)...)
		ids := comparisonIDs(t, db, p)
		markGold(t, db, p, ids[:3]...)
		return p, ids[:3], ids[3:]
	}

	t.Run("share 1 serves gold first", func(t *testing.T) {
		p, gold, normal := setup(t, 1)
		got := leaseAll(t, db, p, newUser(t, db))
		if len(got) != 6 {
			t.Fatalf("comparisons given: got %d, want 6", len(got))
		}
		for i, id := range got {
			want, set := normal, "normal"
			if i < len(gold) {
				want, set = gold, "gold"
			}
			if !slices.Contains(want, id) {
				t.Errorf("comparison %d: got %v, want one of the %s comparisons %v", i, id, set, want)
			}
		}
	})

	t.Run("share 0 keeps gold out of the queue", func(t *testing.T) {
		p, _, normal := setup(t, 0)
		annotator := newUser(t, db)
		pr, err := db.Progress(context.Background(), p, annotator)
		if err != nil {
			t.Fatal(err)
		}
		if pr.Left != len(normal) {
			t.Errorf("comparisons left: got %d, want %d", pr.Left, len(normal))
		}
		got := leaseAll(t, db, p, annotator)
		slices.SortFunc(got, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
		want := slices.Clone(normal)
		slices.SortFunc(want, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
		if !slices.Equal(got, want) {
			t.Errorf("comparisons given: got %v, want the normal ones %v", got, want)
		}
	})

	t.Run("gold beyond the overlap", func(t *testing.T) {
		p := newProjectWith(t, db, labeling.Project{JudgmentsWanted: 1, GoldShare: 1})
		importRows(t, db, p, row(1, "p", "a", "b"))
		id := comparisonIDs(t, db, p)[0]
		markGold(t, db, p, id)

		users := newUsers(t, db, 3)
		for i, u := range users {
			a := lease(t, db, p, u)
			if a.ComparisonID != id {
				t.Fatalf("annotator %d: got comparison %v, want the gold %v", i, a.ComparisonID, id)
			}
			submit(t, db, u, tie(a))
		}
		if got := judgmentCount(t, db, id); got != 3 {
			t.Errorf("judgment_count of the gold comparison: got %d, want 3", got)
		}
		if got := judgmentRows(t, db, id); got != 3 {
			t.Errorf("judgments of the gold comparison: got %d, want 3", got)
		}
	})
}

func TestAdjudication(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	ctx := context.Background()
	researcher := newUser(t, db)

	// setup returns a project whose one comparison got votes.
	setup := func(t *testing.T, votes ...string) (labeling.Project, uuid.UUID) {
		t.Helper()
		p := newProject(t, db, len(votes))
		importRows(t, db, p, row(1, "p", "a", "b"))
		castVotes(t, db, p, votes)
		return p, comparisonIDs(t, db, p)[0]
	}
	adjudicate := func(t *testing.T, p labeling.Project, cid uuid.UUID, s store.Settlement) {
		t.Helper()
		if err := db.Adjudicate(ctx, p.ID, cid, s, researcher); err != nil {
			t.Fatalf("Adjudicate: %v", err)
		}
	}
	// wantOne fails unless p has one preference that chose content.
	wantOne := func(t *testing.T, p labeling.Project, chosen string, adjudicated bool) {
		t.Helper()
		got := preferences(t, db, p)
		if len(got) != 1 {
			t.Fatalf("preferences: got %d, want 1", len(got))
		}
		if got[0].Chosen.Content != chosen {
			t.Errorf("chosen: got %q, want %q", got[0].Chosen.Content, chosen)
		}
		if got[0].Adjudicated != adjudicated {
			t.Errorf("adjudicated: got %v, want %v", got[0].Adjudicated, adjudicated)
		}
	}

	t.Run("overrides the majority", func(t *testing.T) {
		p, cid := setup(t, "a", "a", "b")
		wantOne(t, p, "a", false)

		adjudicate(t, p, cid, store.Settlement{Verdict: labeling.VerdictPreferred,
			Preferred: responseID(t, db, p, "b")})
		wantOne(t, p, "b", true)
		got := preferences(t, db, p)[0]
		if got.Rejected.Content != "a" {
			t.Errorf("rejected: got %q, want %q", got.Rejected.Content, "a")
		}
		if got.Votes != 1 || got.Total != 3 {
			t.Errorf("votes: got %d of %d, want 1 of 3", got.Votes, got.Total)
		}

		if err := db.ClearAdjudication(ctx, p.ID, cid); err != nil {
			t.Fatalf("ClearAdjudication: %v", err)
		}
		wantOne(t, p, "a", false)
	})

	for _, verdict := range []labeling.Verdict{labeling.VerdictTie, labeling.VerdictBothBad} {
		t.Run(string(verdict)+" removes the row", func(t *testing.T) {
			p, cid := setup(t, "a", "a", "a")
			adjudicate(t, p, cid, store.Settlement{Verdict: verdict})
			if got := preferences(t, db, p); len(got) != 0 {
				t.Errorf("preferences: got %d, want 0", len(got))
			}
		})
	}

	t.Run("settles a split", func(t *testing.T) {
		p, cid := setup(t, "a", "b")
		if got := preferences(t, db, p); len(got) != 0 {
			t.Fatalf("preferences before adjudication: got %d, want 0", len(got))
		}
		adjudicate(t, p, cid, store.Settlement{Verdict: labeling.VerdictPreferred,
			Preferred: responseID(t, db, p, "a")})
		wantOne(t, p, "a", true)
	})

	t.Run("rejected", func(t *testing.T) {
		p, cid := setup(t, "a")
		other, otherID := setup(t, "b")
		tests := []struct {
			name    string
			project labeling.Project
			cid     uuid.UUID
			s       store.Settlement
			kind    error
		}{
			{"comparison of another project", p, otherID, store.Settlement{Verdict: labeling.VerdictTie},
				labeling.ErrNotFound},
			{"unknown comparison", p, uuid.New(), store.Settlement{Verdict: labeling.VerdictTie},
				labeling.ErrNotFound},
			{"response of another comparison", p, cid, store.Settlement{Verdict: labeling.VerdictPreferred,
				Preferred: responseID(t, db, other, "a")}, labeling.ErrInvalid},
			{"unknown verdict", p, cid, store.Settlement{Verdict: "left"}, labeling.ErrInvalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := db.Adjudicate(ctx, tt.project.ID, tt.cid, tt.s, researcher)
				wantKind(t, err, tt.kind)
			})
		}
		n := queryInt(t, db, `SELECT count(*) FROM comparisons
			WHERE project_id IN ($1, $2) AND adjudicated_verdict IS NOT NULL`, p.ID, other.ID)
		if n != 0 {
			t.Errorf("adjudicated comparisons: got %d, want 0", n)
		}
		wantOne(t, p, "a", false)
	})
}

func TestSubmitAgainstSettings(t *testing.T) {
	t.Parallel()
	allOptions := labeling.Project{AllowTie: true, AllowBothBad: true, AllowStrength: true}
	noTie := labeling.Project{AllowBothBad: true, AllowStrength: true}
	noBothBad := labeling.Project{AllowTie: true, AllowStrength: true}
	noStrength := labeling.Project{AllowTie: true, AllowBothBad: true}
	tenPoint := allOptions
	tenPoint.Rubric = []labeling.Criterion{{Key: "accuracy", Label: "Accuracy", Min: 0, Max: 10}}

	verdict := func(v labeling.Verdict) func(labeling.Assignment) labeling.Vote {
		return func(a labeling.Assignment) labeling.Vote {
			return labeling.Vote{AssignmentID: a.ID, Verdict: v}
		}
	}
	strength := func(a labeling.Assignment) labeling.Vote {
		return labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictPreferred,
			Preferred: a.Left.ID, Strength: labeling.StrengthMuch}
	}
	score := func(key string, n int) func(labeling.Assignment) labeling.Vote {
		return func(a labeling.Assignment) labeling.Vote {
			return labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictTie,
				Scores: map[uuid.UUID]labeling.Scores{a.Right.ID: {key: n}}}
		}
	}

	tests := []struct {
		name     string
		settings labeling.Project
		vote     func(labeling.Assignment) labeling.Vote
		kind     error // nil when the vote is stored
	}{
		{"tie allowed", allOptions, verdict(labeling.VerdictTie), nil},
		{"tie not allowed", noTie, verdict(labeling.VerdictTie), labeling.ErrInvalid},
		{"both bad without ties", noTie, verdict(labeling.VerdictBothBad), nil},
		{"both bad not allowed", noBothBad, verdict(labeling.VerdictBothBad), labeling.ErrInvalid},
		{"strength not recorded", noStrength, strength, labeling.ErrInvalid},
		{"strength recorded", allOptions, strength, nil},
		{"custom rubric top score", tenPoint, score("accuracy", 10), nil},
		{"custom rubric bottom score", tenPoint, score("accuracy", 0), nil},
		{"custom rubric above the top", tenPoint, score("accuracy", 11), labeling.ErrInvalid},
		{"custom rubric below the bottom", tenPoint, score("accuracy", -1), labeling.ErrInvalid},
		{"custom rubric unknown key", tenPoint, score("tone", 5), labeling.ErrInvalid},
		{"default criterion under a custom rubric", tenPoint, score("helpful", 3), labeling.ErrInvalid},
	}
	db := storetest.New(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			settings := tt.settings
			settings.JudgmentsWanted = 1
			p := newProjectWith(t, db, settings)
			importRows(t, db, p, row(1, "p", "a", "b"))
			annotator := newUser(t, db)
			a := lease(t, db, p, annotator)

			_, created, err := db.Submit(context.Background(), annotator, tt.vote(a))
			if tt.kind == nil {
				if err != nil || !created {
					t.Fatalf("Submit: got created %v, error %v; want a stored judgment", created, err)
				}
				return
			}
			wantKind(t, err, tt.kind)
			if got := judgmentRows(t, db, a.ComparisonID); got != 0 {
				t.Errorf("judgments: got %d, want 0", got)
			}
		})
	}
}
