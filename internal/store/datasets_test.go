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

func eachComparisonVotes(tb testing.TB, db *store.DB, p labeling.Project) []store.ComparisonVotes {
	tb.Helper()
	var all []store.ComparisonVotes
	err := db.EachComparisonVotes(context.Background(), p.ID, func(c store.ComparisonVotes) error {
		all = append(all, c)
		return nil
	})
	if err != nil {
		tb.Fatalf("EachComparisonVotes: %v", err)
	}
	return all
}

func TestEachComparisonVotes(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	p := newProject(t, db, 3)

	// The first comparison is alone while it gets its votes, so that
	// every lease hands it out. The later ones get no votes.
	labeled := row(1, "sky?", "blue", "green")
	labeled.Label = &labeling.SourceLabel{Verdict: labeling.VerdictPreferred, Preferred: 1}
	importRows(t, db, p, labeled)
	castVotes(t, db, p, []string{"blue", voteTie})
	importRows(t, db, p, row(1, "unvoted?", "x", "y"), row(2, "settled?", "r", "s"))
	ids := comparisonIDs(t, db, p)
	researcher := newUser(t, db)
	settled := comparisonVotesByID(t, db, p, ids[2])
	s := store.Settlement{Verdict: labeling.VerdictPreferred, Preferred: settled.B.ID}
	if err := db.Adjudicate(ctx, p.ID, ids[2], s, researcher); err != nil {
		t.Fatalf("Adjudicate: %v", err)
	}

	got := eachComparisonVotes(t, db, p)
	if len(got) != 2 {
		t.Fatalf("comparisons: got %d, want 2", len(got))
	}
	first, second := got[0], got[1]
	if first.ID != ids[0] || second.ID != ids[2] {
		t.Errorf("ids: got %s, %s, want %s, %s", first.ID, second.ID, ids[0], ids[2])
	}

	t.Run("voted", func(t *testing.T) {
		if first.Prompt[0].Content != "sky?" {
			t.Errorf("prompt: got %v, want sky?", first.Prompt)
		}
		if first.A.Content != "blue" || first.B.Content != "green" || first.A.Model != "model-blue" {
			t.Errorf("responses: got %+v and %+v, want blue and green", first.A, first.B)
		}
		if first.SourceVerdict != labeling.VerdictPreferred || first.SourcePreferred != first.B.ID {
			t.Errorf("source label: got %s %s, want preferred %s",
				first.SourceVerdict, first.SourcePreferred, first.B.ID)
		}
		if first.AdjudicatedVerdict != "" || first.AdjudicatedPreferred != uuid.Nil {
			t.Errorf("adjudication: got %s %s, want none", first.AdjudicatedVerdict, first.AdjudicatedPreferred)
		}
		if len(first.Judgments) != 2 {
			t.Fatalf("judgments: got %d, want 2", len(first.Judgments))
		}
		j0, j1 := first.Judgments[0], first.Judgments[1]
		if j0.Verdict != labeling.VerdictPreferred || j0.Preferred != first.A.ID || j0.AnnotatorID == uuid.Nil {
			t.Errorf("first judgment: got %+v, want preferred %s", j0, first.A.ID)
		}
		if j1.Verdict != labeling.VerdictTie || j1.Preferred != uuid.Nil || j1.Strength != "" {
			t.Errorf("second judgment: got %+v, want a tie", j1)
		}
	})

	t.Run("adjudicated", func(t *testing.T) {
		if second.AdjudicatedVerdict != labeling.VerdictPreferred || second.AdjudicatedPreferred != second.B.ID {
			t.Errorf("adjudication: got %s %s, want preferred %s",
				second.AdjudicatedVerdict, second.AdjudicatedPreferred, second.B.ID)
		}
		if second.SourceVerdict != "" {
			t.Errorf("source verdict: got %q, want none", second.SourceVerdict)
		}
		if len(second.Judgments) != 0 {
			t.Errorf("judgments: got %d, want 0", len(second.Judgments))
		}
	})
}

func TestEachComparisonVotesStopsOnError(t *testing.T) {
	db := storetest.New(t)
	p := newProject(t, db, 1)
	importRows(t, db, p, row(1, "sky?", "blue", "green"))
	castVotes(t, db, p, []string{"blue"})

	stop := errors.New("stop")
	err := db.EachComparisonVotes(context.Background(), p.ID, func(store.ComparisonVotes) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("error: got %v, want %v", err, stop)
	}
}

// comparisonVotesByID returns comparison id of p with its responses,
// read without the votes filter.
func comparisonVotesByID(tb testing.TB, db *store.DB, p labeling.Project, id uuid.UUID) store.ComparisonVotes {
	tb.Helper()
	c := store.ComparisonVotes{ID: id}
	err := db.Pool().QueryRow(context.Background(), `SELECT response_a_id, response_b_id
		FROM comparisons WHERE id = $1 AND project_id = $2`, id, p.ID).Scan(&c.A.ID, &c.B.ID)
	if err != nil {
		tb.Fatalf("read comparison %s: %v", id, err)
	}
	return c
}
