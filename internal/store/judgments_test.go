package store_test

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// judgments returns every judgment of p in submission order.
func judgments(tb testing.TB, db *store.DB, p labeling.Project) []labeling.Judgment {
	tb.Helper()
	var all []labeling.Judgment
	err := db.EachJudgment(context.Background(), p.ID, func(j labeling.Judgment) error {
		all = append(all, j)
		return nil
	})
	if err != nil {
		tb.Fatalf("EachJudgment: %v", err)
	}
	return all
}

// judgmentRows counts the stored judgments of comparison id.
func judgmentRows(tb testing.TB, db *store.DB, id uuid.UUID) int {
	tb.Helper()
	return queryInt(tb, db, `SELECT count(*) FROM judgments WHERE comparison_id = $1`, id)
}

// judgmentCount returns the judgment_count column of comparison id.
func judgmentCount(tb testing.TB, db *store.DB, id uuid.UUID) int {
	tb.Helper()
	return queryInt(tb, db, `SELECT judgment_count FROM comparisons WHERE id = $1`, id)
}

func TestSubmitStoresEveryField(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	importRows(t, db, p, row(1, "p", "a", "b"))
	annotator := newUser(t, db)
	a := lease(t, db, p, annotator)
	ra, rb := responseWith(t, a, "a"), responseWith(t, a, "b")

	vote := labeling.Vote{
		AssignmentID: a.ID,
		Verdict:      labeling.VerdictPreferred,
		Preferred:    rb.ID,
		Strength:     labeling.StrengthClearly,
		Scores: map[uuid.UUID]labeling.Scores{
			ra.ID: {"helpful": 2, "honest": 5},
			rb.ID: {"helpful": 4, "harmless": 1, "on_task": 3},
		},
		Rationale: "b answers the question; a does not",
		Unsafe:    true,
	}
	id := submit(t, db, annotator, vote)

	all := judgments(t, db, p)
	if len(all) != 1 {
		t.Fatalf("judgments: got %d, want 1", len(all))
	}
	j := all[0]
	checks := []struct {
		field     string
		got, want any
	}{
		{"ID", j.ID, id},
		{"ComparisonID", j.ComparisonID, a.ComparisonID},
		{"AnnotatorID", j.AnnotatorID, annotator},
		{"ResponseAID", j.ResponseAID, ra.ID},
		{"ResponseBID", j.ResponseBID, rb.ID},
		{"Verdict", j.Verdict, labeling.VerdictPreferred},
		{"Preferred", j.Preferred, rb.ID},
		{"Strength", j.Strength, labeling.StrengthClearly},
		{"Scores", j.Scores, vote.Scores},
		{"Rationale", j.Rationale, vote.Rationale},
		{"Unsafe", j.Unsafe, true},
		{"LeftResponseID", j.LeftResponseID, a.Left.ID},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.field, c.got, c.want)
		}
	}
	if !j.ShownAt.Equal(a.ShownAt) {
		t.Errorf("ShownAt: got %v, want %v", j.ShownAt, a.ShownAt)
	}
	if j.SubmittedAt.Before(j.ShownAt) {
		t.Errorf("SubmittedAt: got %v, want not before ShownAt %v", j.SubmittedAt, j.ShownAt)
	}
	if got := judgmentCount(t, db, a.ComparisonID); got != 1 {
		t.Errorf("judgment_count: got %d, want 1", got)
	}
	open := queryInt(t, db, `SELECT count(*) FROM assignments WHERE submitted_at IS NULL`)
	if open != 0 {
		t.Errorf("open assignments: got %d, want 0", open)
	}
}

func TestSubmitOptionalFieldsUnset(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	importRows(t, db, p, row(1, "p", "a", "b"))
	annotator := newUser(t, db)
	a := lease(t, db, p, annotator)
	submit(t, db, annotator, labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictBothBad})

	var preferred *uuid.UUID
	var strength *string
	var scores string
	err := db.Pool().QueryRow(context.Background(), `SELECT preferred_response_id, strength, scores::text
		FROM judgments`).Scan(&preferred, &strength, &scores)
	if err != nil {
		t.Fatal(err)
	}
	if preferred != nil {
		t.Errorf("preferred_response_id: got %v, want null", *preferred)
	}
	if strength != nil {
		t.Errorf("strength: got %q, want null", *strength)
	}
	if scores != "{}" {
		t.Errorf("scores: got %s, want {}", scores)
	}
}

func TestSubmitTwice(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 2)
	importRows(t, db, p, row(1, "p", "a", "b"))
	annotator := newUser(t, db)
	a := lease(t, db, p, annotator)
	ctx := context.Background()

	first := submit(t, db, annotator, prefer(t, a, "a"))
	// A retried request may differ from the first, and the first vote is kept.
	id, created, err := db.Submit(ctx, annotator, prefer(t, a, "b"))
	if err != nil {
		t.Fatalf("second Submit: %v", err)
	}
	if id != first {
		t.Errorf("second Submit id: got %v, want %v", id, first)
	}
	if created {
		t.Errorf("second Submit created: got true, want false")
	}

	all := judgments(t, db, p)
	if len(all) != 1 {
		t.Fatalf("judgments: got %d, want 1", len(all))
	}
	if want := responseWith(t, a, "a").ID; all[0].Preferred != want {
		t.Errorf("preferred: got %v, want %v", all[0].Preferred, want)
	}
	if got := judgmentCount(t, db, a.ComparisonID); got != 1 {
		t.Errorf("judgment_count: got %d, want 1", got)
	}
}

func TestSubmitConcurrentDoubleClick(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 2)
	importRows(t, db, p, row(1, "p", "a", "b"))
	annotator := newUser(t, db)
	a := lease(t, db, p, annotator)

	const n = 2
	ids := make([]uuid.UUID, n)
	created := make([]bool, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			ids[i], created[i], errs[i] = db.Submit(context.Background(), annotator, tie(a))
		})
	}
	close(start)
	wg.Wait()

	for i, err := range errs {
		if err != nil {
			t.Fatalf("Submit %d: %v", i, err)
		}
	}
	if ids[0] != ids[1] {
		t.Errorf("ids: got %v and %v, want the same", ids[0], ids[1])
	}
	if created[0] == created[1] {
		t.Errorf("created: got %v and %v, want exactly one true", created[0], created[1])
	}
	if got := countRows(t, db, "judgments"); got != 1 {
		t.Errorf("judgments: got %d, want 1", got)
	}
	if got := judgmentCount(t, db, a.ComparisonID); got != 1 {
		t.Errorf("judgment_count: got %d, want 1", got)
	}
}

func TestSubmitInvalidVote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		vote func(a labeling.Assignment) labeling.Vote
	}{
		{"unknown verdict", func(a labeling.Assignment) labeling.Vote {
			return labeling.Vote{AssignmentID: a.ID, Verdict: "left"}
		}},
		{"preferred not in comparison", func(a labeling.Assignment) labeling.Vote {
			return labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictPreferred, Preferred: uuid.New()}
		}},
		{"preferred missing", func(a labeling.Assignment) labeling.Vote {
			return labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictPreferred}
		}},
		{"tie with preferred", func(a labeling.Assignment) labeling.Vote {
			return labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictTie, Preferred: a.Left.ID}
		}},
		{"strength with tie", func(a labeling.Assignment) labeling.Vote {
			return labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictTie,
				Strength: labeling.StrengthSlightly}
		}},
		{"unknown strength", func(a labeling.Assignment) labeling.Vote {
			return labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictPreferred,
				Preferred: a.Left.ID, Strength: "hugely"}
		}},
		{"score 6", func(a labeling.Assignment) labeling.Vote {
			return labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictTie,
				Scores: map[uuid.UUID]labeling.Scores{a.Left.ID: {"helpful": 6}}}
		}},
		{"score 0", func(a labeling.Assignment) labeling.Vote {
			return labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictTie,
				Scores: map[uuid.UUID]labeling.Scores{a.Right.ID: {"honest": 0}}}
		}},
		{"unknown criterion", func(a labeling.Assignment) labeling.Vote {
			return labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictTie,
				Scores: map[uuid.UUID]labeling.Scores{a.Left.ID: {"funny": 3}}}
		}},
		{"scores for another response", func(a labeling.Assignment) labeling.Vote {
			return labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictTie,
				Scores: map[uuid.UUID]labeling.Scores{uuid.New(): {"helpful": 3}}}
		}},
		{"rationale too long", func(a labeling.Assignment) labeling.Vote {
			return labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictTie,
				Rationale: strings.Repeat("x", labeling.MaxRationale+1)}
		}},
	}
	db := storetest.New(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProject(t, db, 1)
			importRows(t, db, p, row(1, "p", "a", "b"))
			annotator := newUser(t, db)
			a := lease(t, db, p, annotator)

			_, _, err := db.Submit(context.Background(), annotator, tt.vote(a))
			wantKind(t, err, labeling.ErrInvalid)
			if got := judgmentRows(t, db, a.ComparisonID); got != 0 {
				t.Errorf("judgments: got %d, want 0", got)
			}
			if got := judgmentCount(t, db, a.ComparisonID); got != 0 {
				t.Errorf("judgment_count: got %d, want 0", got)
			}
			open := queryInt(t, db, `SELECT count(*) FROM assignments
				WHERE comparison_id = $1 AND submitted_at IS NULL`, a.ComparisonID)
			if open != 1 {
				t.Errorf("open assignments: got %d, want 1", open)
			}
		})
	}
}

func TestSubmitNotFound(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	importRows(t, db, p, row(1, "p", "a", "b"))
	users := newUsers(t, db, 2)
	a := lease(t, db, p, users[0])

	tests := []struct {
		name      string
		annotator uuid.UUID
		vote      labeling.Vote
	}{
		{"another annotator's assignment", users[1], tie(a)},
		{"unknown assignment", users[0], labeling.Vote{AssignmentID: uuid.New(), Verdict: labeling.VerdictTie}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := db.Submit(context.Background(), tt.annotator, tt.vote)
			wantKind(t, err, labeling.ErrNotFound)
			if got := countRows(t, db, "judgments"); got != 0 {
				t.Errorf("judgments: got %d, want 0", got)
			}
		})
	}
}

func TestSubmitAfterExpiry(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)

	t.Run("comparison has room", func(t *testing.T) {
		p := newProject(t, db, 1)
		importRows(t, db, p, row(1, "p", "a", "b"))
		annotator := newUser(t, db)
		a := lease(t, db, p, annotator)
		expireLeases(t, db, a.ComparisonID)

		submit(t, db, annotator, prefer(t, a, "b"))
		if got := judgmentCount(t, db, a.ComparisonID); got != 1 {
			t.Errorf("judgment_count: got %d, want 1", got)
		}
	})

	t.Run("leased to another annotator", func(t *testing.T) {
		p := newProject(t, db, 1)
		importRows(t, db, p, row(1, "p", "a", "b"))
		users := newUsers(t, db, 2)
		a := lease(t, db, p, users[0])
		expireLeases(t, db, a.ComparisonID)
		lease(t, db, p, users[1])

		_, _, err := db.Submit(context.Background(), users[0], prefer(t, a, "b"))
		wantKind(t, err, labeling.ErrConflict)
		if got := judgmentRows(t, db, a.ComparisonID); got != 0 {
			t.Errorf("judgments: got %d, want 0", got)
		}
		if got := judgmentCount(t, db, a.ComparisonID); got != 0 {
			t.Errorf("judgment_count: got %d, want 0", got)
		}
	})

	t.Run("judged by another annotator", func(t *testing.T) {
		p := newProject(t, db, 1)
		importRows(t, db, p, row(1, "p", "a", "b"))
		users := newUsers(t, db, 2)
		a := lease(t, db, p, users[0])
		expireLeases(t, db, a.ComparisonID)
		submit(t, db, users[1], tie(lease(t, db, p, users[1])))

		_, _, err := db.Submit(context.Background(), users[0], prefer(t, a, "b"))
		wantKind(t, err, labeling.ErrConflict)
		if got := judgmentRows(t, db, a.ComparisonID); got != 1 {
			t.Errorf("judgments: got %d, want 1", got)
		}
	})

	t.Run("room left for a second judgment", func(t *testing.T) {
		p := newProject(t, db, 2)
		importRows(t, db, p, row(1, "p", "a", "b"))
		users := newUsers(t, db, 2)
		a := lease(t, db, p, users[0])
		expireLeases(t, db, a.ComparisonID)
		lease(t, db, p, users[1])

		submit(t, db, users[0], tie(a))
		if got := judgmentCount(t, db, a.ComparisonID); got != 1 {
			t.Errorf("judgment_count: got %d, want 1", got)
		}
	})
}

func TestProgress(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	importRows(t, db, p, row(1, "p", "a", "b"), row(2, "q", "a", "b"), row(3, "r", "a", "b"))
	users := newUsers(t, db, 2)
	ctx := context.Background()

	progress := func(tb testing.TB, annotator uuid.UUID) labeling.Progress {
		tb.Helper()
		pr, err := db.Progress(ctx, p, annotator)
		if err != nil {
			tb.Fatalf("Progress: %v", err)
		}
		return pr
	}
	if got, want := progress(t, users[0]), (labeling.Progress{Done: 0, Left: 3}); got != want {
		t.Errorf("before any judgment: got %+v, want %+v", got, want)
	}

	submit(t, db, users[0], tie(lease(t, db, p, users[0])))
	submit(t, db, users[0], tie(lease(t, db, p, users[0])))
	if got, want := progress(t, users[0]), (labeling.Progress{Done: 2, Left: 1}); got != want {
		t.Errorf("annotator who judged two: got %+v, want %+v", got, want)
	}
	if got, want := progress(t, users[1]), (labeling.Progress{Done: 0, Left: 1}); got != want {
		t.Errorf("annotator who judged none: got %+v, want %+v", got, want)
	}

	// Judgments in another project do not count.
	other := newProject(t, db, 1)
	pr, err := db.Progress(ctx, other, users[0])
	if err != nil {
		t.Fatal(err)
	}
	if want := (labeling.Progress{}); pr != want {
		t.Errorf("empty project: got %+v, want %+v", pr, want)
	}
}
