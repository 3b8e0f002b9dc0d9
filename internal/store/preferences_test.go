package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// preferences returns every preference of p in the order EachPreference
// gives them.
func preferences(tb testing.TB, db *store.DB, p labeling.Project) []labeling.Preference {
	tb.Helper()
	var all []labeling.Preference
	err := db.EachPreference(context.Background(), p.ID, func(pr labeling.Preference) error {
		all = append(all, pr)
		return nil
	})
	if err != nil {
		tb.Fatalf("EachPreference: %v", err)
	}
	return all
}

// Each vote names the content of the preferred response, or a verdict.
const (
	voteTie     = "=tie"
	voteBothBad = "=both_bad"
)

// castVotes creates one annotator per vote, who leases the only comparison
// of p and submits that vote.
func castVotes(tb testing.TB, db *store.DB, p labeling.Project, votes []string) {
	tb.Helper()
	for _, v := range votes {
		annotator := newUser(tb, db)
		a := lease(tb, db, p, annotator)
		switch v {
		case voteTie:
			submit(tb, db, annotator, tie(a))
		case voteBothBad:
			submit(tb, db, annotator, labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictBothBad})
		default:
			submit(tb, db, annotator, prefer(tb, a, v))
		}
	}
}

func TestEachPreferenceMajority(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		votes       []string
		wantChosen  string // "" when the comparison has no majority
		wantVotes   int
		wantRejects string
	}{
		{"two of three for a", []string{"a", "b", "a"}, "a", 2, "b"},
		{"two of three for b", []string{"b", "a", "b"}, "b", 2, "a"},
		{"one vote for b", []string{"b"}, "b", 1, "a"},
		{"a against b", []string{"a", "b"}, "", 0, ""},
		{"a against tie", []string{"a", voteTie}, "", 0, ""},
		{"a against both bad", []string{voteBothBad, "a"}, "", 0, ""},
		{"two for a against a tie", []string{"a", voteTie, "a"}, "a", 2, "b"},
		{"ties only", []string{voteTie, voteTie}, "", 0, ""},
		{"tie and both bad", []string{voteTie, voteBothBad}, "", 0, ""},
		{"both bad only", []string{voteBothBad}, "", 0, ""},
		{"no votes", nil, "", 0, ""},
	}
	db := storetest.New(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProject(t, db, max(len(tt.votes), 1))
			importRows(t, db, p, row(1, "p", "a", "b"))
			castVotes(t, db, p, tt.votes)

			got := preferences(t, db, p)
			if tt.wantChosen == "" {
				if len(got) != 0 {
					t.Fatalf("preferences: got %d (chosen %q), want none", len(got), got[0].Chosen.Content)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("preferences: got %d, want 1", len(got))
			}
			pr := got[0]
			if pr.Chosen.Content != tt.wantChosen {
				t.Errorf("chosen: got %q, want %q", pr.Chosen.Content, tt.wantChosen)
			}
			if pr.Rejected.Content != tt.wantRejects {
				t.Errorf("rejected: got %q, want %q", pr.Rejected.Content, tt.wantRejects)
			}
			if pr.Chosen.Model != "model-"+tt.wantChosen {
				t.Errorf("chosen model: got %q, want %q", pr.Chosen.Model, "model-"+tt.wantChosen)
			}
			if pr.Votes != tt.wantVotes {
				t.Errorf("votes: got %d, want %d", pr.Votes, tt.wantVotes)
			}
			if pr.Total != len(tt.votes) {
				t.Errorf("total: got %d, want %d", pr.Total, len(tt.votes))
			}
			if want := userPrompt("p"); len(pr.Prompt) != 1 || pr.Prompt[0] != want[0] {
				t.Errorf("prompt: got %v, want %v", pr.Prompt, want)
			}
		})
	}
}

func TestEachPreferenceImportOrder(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	importRows(t, db, p, row(1, "first", "a", "b"), row(2, "second", "a", "b"), row(3, "third", "a", "b"))
	ids := comparisonIDs(t, db, p)
	users := newUsers(t, db, 3)

	// Lease in the queue's random order, then submit in reverse import
	// order, so that neither order matches the one wanted.
	byComparison := map[uuid.UUID]int{}
	for i, u := range users {
		byComparison[lease(t, db, p, u).ComparisonID] = i
	}
	for i := len(ids) - 1; i >= 0; i-- {
		u, ok := byComparison[ids[i]]
		if !ok {
			t.Fatalf("comparison %d was not leased", i)
		}
		a := lease(t, db, p, users[u])
		submit(t, db, users[u], prefer(t, a, "b"))
	}

	got := preferences(t, db, p)
	if len(got) != len(ids) {
		t.Fatalf("preferences: got %d, want %d", len(got), len(ids))
	}
	for i, pr := range got {
		if pr.ComparisonID != ids[i] {
			t.Errorf("preference %d: got comparison %v (prompt %v), want %v",
				i, pr.ComparisonID, pr.Prompt, ids[i])
		}
	}
}

func TestEachPreferenceOtherProject(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	other := newProject(t, db, 1)
	importRows(t, db, p, row(1, "p", "a", "b"))
	importRows(t, db, other, row(1, "p", "a", "b"))
	castVotes(t, db, p, []string{"a"})

	if got := preferences(t, db, other); len(got) != 0 {
		t.Errorf("preferences of the unjudged project: got %d, want 0", len(got))
	}
}

func TestEachPreferenceStopsOnError(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	importRows(t, db, p, row(1, "p", "a", "b"), row(2, "q", "a", "b"))
	for range 2 {
		annotator := newUser(t, db)
		submit(t, db, annotator, prefer(t, lease(t, db, p, annotator), "a"))
	}

	stop := errors.New("stop")
	calls := 0
	err := db.EachPreference(context.Background(), p.ID, func(labeling.Preference) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) {
		t.Errorf("error: got %v, want %v", err, stop)
	}
	if calls != 1 {
		t.Errorf("calls: got %d, want 1", calls)
	}
}
