package export

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
)

// comparisonList is a DatasetSource over comparisons in memory.
type comparisonList []store.ComparisonVotes

func (l comparisonList) EachComparisonVotes(_ context.Context, _ uuid.UUID,
	fn func(store.ComparisonVotes) error) error {
	for _, c := range l {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

func TestVotedOnlySkipsSourceOnly(t *testing.T) {
	voted := store.ComparisonVotes{ID: uuid.New(),
		Judgments: []store.JudgmentVote{{Verdict: labeling.VerdictTie}}}
	adjudicated := store.ComparisonVotes{ID: uuid.New(), AdjudicatedVerdict: labeling.VerdictTie}
	sourceOnly := store.ComparisonVotes{ID: uuid.New(), SourceVerdict: labeling.VerdictTie}

	var seen []uuid.UUID
	err := votedOnly{comparisonList{voted, sourceOnly, adjudicated}}.EachComparisonVotes(
		context.Background(), uuid.Nil, func(c store.ComparisonVotes) error {
			seen = append(seen, c.ID)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	want := []uuid.UUID{voted.ID, adjudicated.ID}
	if len(seen) != len(want) || seen[0] != want[0] || seen[1] != want[1] {
		t.Errorf("comparisons: got %v, want %v", seen, want)
	}
}

func TestSourceDeciderLabels(t *testing.T) {
	a, b := labeling.Response{ID: uuid.New()}, labeling.Response{ID: uuid.New()}
	tests := []struct {
		name    string
		c       store.ComparisonVotes
		ok      bool
		verdict labeling.Verdict
		winner  int
	}{
		{"no label", store.ComparisonVotes{}, false, "", NoResponse},
		{"prefers b", store.ComparisonVotes{SourceVerdict: labeling.VerdictPreferred, SourcePreferred: b.ID},
			true, labeling.VerdictPreferred, ResponseB},
		{"both bad", store.ComparisonVotes{SourceVerdict: labeling.VerdictBothBad},
			true, labeling.VerdictBothBad, NoResponse},
		{"adjudication wins", store.ComparisonVotes{SourceVerdict: labeling.VerdictPreferred,
			SourcePreferred: b.ID, AdjudicatedVerdict: labeling.VerdictPreferred, AdjudicatedPreferred: a.ID},
			true, labeling.VerdictPreferred, ResponseA},
		{"votes do not change it", store.ComparisonVotes{SourceVerdict: labeling.VerdictTie,
			Judgments: []store.JudgmentVote{{Verdict: labeling.VerdictPreferred, Preferred: a.ID}}},
			true, labeling.VerdictTie, NoResponse},
	}
	decide := sourceDecider(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.c.ID, tt.c.A, tt.c.B = uuid.New(), a, b
			out, ok, err := decide(tt.c)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.ok {
				t.Fatalf("ok: got %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if out.Verdict != tt.verdict {
				t.Errorf("verdict: got %q, want %q", out.Verdict, tt.verdict)
			}
			if out.Winner != tt.winner {
				t.Errorf("winner: got %d, want %d", out.Winner, tt.winner)
			}
		})
	}
}
