package export_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
)

// pref returns a vote by annotator for side (export.ResponseA or
// ResponseB) with strength s, which may be empty.
func pref(annotator string, side int, s labeling.Strength) export.Vote {
	return export.Vote{Annotator: annotator, Verdict: labeling.VerdictPreferred, Preferred: side, Strength: s}
}

func tie(annotator string) export.Vote {
	return export.Vote{Annotator: annotator, Verdict: labeling.VerdictTie, Preferred: export.NoResponse}
}

func bothBad(annotator string) export.Vote {
	return export.Vote{Annotator: annotator, Verdict: labeling.VerdictBothBad, Preferred: export.NoResponse}
}

const (
	a = export.ResponseA
	b = export.ResponseB
)

// winner returns the outcome of a label for side with the given counts
// and support.
func winner(side, votes, agreeing int, support, margin float64) export.Outcome {
	return export.Outcome{
		Winner:    side,
		Verdict:   labeling.VerdictPreferred,
		Votes:     votes,
		Agreeing:  agreeing,
		Agreement: float64(agreeing) / float64(votes),
		Support:   support,
		Margin:    margin,
		Keep:      true,
	}
}

// group returns the outcome of a tie or both-bad label.
func group(verdict labeling.Verdict, votes, agreeing int, support float64, keep bool) export.Outcome {
	return export.Outcome{
		Winner:    export.NoResponse,
		Verdict:   verdict,
		Votes:     votes,
		Agreeing:  agreeing,
		Agreement: float64(agreeing) / float64(votes),
		Support:   support,
		Keep:      keep,
	}
}

// unlabeled returns the outcome without a label.
func unlabeled(votes, agreeing int, support float64) export.Outcome {
	out := export.Outcome{Winner: export.NoResponse, Votes: votes, Agreeing: agreeing, Support: support}
	if votes > 0 {
		out.Agreement = float64(agreeing) / float64(votes)
	}
	return out
}

// decider is the per-comparison side of Majority, Unanimous and
// StrengthWeighted.
type decider interface {
	Decide(export.ItemVotes) (export.Outcome, error)
}

type decideCase struct {
	name   string
	policy decider
	votes  []export.Vote
	want   export.Outcome
}

func runDecideCases(t *testing.T, cases []decideCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.policy.Decide(export.ItemVotes{Item: "c1", Votes: tc.votes})
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestMajority(t *testing.T) {
	m := export.Majority{}
	runDecideCases(t, []decideCase{
		{"two a one b", m, []export.Vote{pref("u1", a, ""), pref("u2", a, ""), pref("u3", b, "")},
			winner(a, 3, 2, 2.0/3, 0)},
		{"two b one tie", m, []export.Vote{pref("u1", b, ""), tie("u2"), pref("u3", b, "")},
			winner(b, 3, 2, 2.0/3, 0)},
		{"a and tie", m, []export.Vote{pref("u1", a, ""), tie("u2")},
			unlabeled(2, 1, 0.5)},
		{"a and b", m, []export.Vote{pref("u1", a, ""), pref("u2", b, "")},
			unlabeled(2, 1, 0.5)},
		{"all tie", m, []export.Vote{tie("u1"), tie("u2"), tie("u3")},
			group(labeling.VerdictTie, 3, 3, 1, false)},
		{"both-bad majority", m, []export.Vote{bothBad("u1"), pref("u2", a, ""), bothBad("u3")},
			group(labeling.VerdictBothBad, 3, 2, 2.0/3, false)},
		{"both-bad majority kept", export.Majority{Options: export.Options{KeepBothBad: true}},
			[]export.Vote{bothBad("u1"), pref("u2", a, ""), bothBad("u3")},
			group(labeling.VerdictBothBad, 3, 2, 2.0/3, true)},
		{"one vote", m, []export.Vote{pref("u1", b, "")}, winner(b, 1, 1, 1, 0)},
		{"no votes", m, nil, unlabeled(0, 0, 0)},
		{"min votes not met", export.Majority{Options: export.Options{MinVotes: 3}},
			[]export.Vote{pref("u1", a, ""), pref("u2", a, "")}, unlabeled(2, 2, 1)},
		{"min votes met", export.Majority{Options: export.Options{MinVotes: 3}},
			[]export.Vote{pref("u1", a, ""), pref("u2", a, ""), tie("u3")}, winner(a, 3, 2, 2.0/3, 0)},
		{"min agreement not met", export.Majority{MinAgreement: 0.7},
			[]export.Vote{pref("u1", a, ""), pref("u2", a, ""), pref("u3", b, "")},
			unlabeled(3, 2, 2.0/3)},
		{"min agreement met", export.Majority{MinAgreement: 0.7},
			[]export.Vote{pref("u1", a, ""), pref("u2", a, ""), pref("u3", a, ""), pref("u4", b, "")},
			winner(a, 4, 3, 0.75, 0)},
		{"plurality with low agreement", export.Majority{MinAgreement: 0.3},
			[]export.Vote{pref("u1", a, ""), pref("u2", a, ""), pref("u3", b, ""), tie("u4"), bothBad("u5")},
			winner(a, 5, 2, 0.4, 0)},
		{"shared lead with low agreement", export.Majority{MinAgreement: 0.3},
			[]export.Vote{pref("u1", a, ""), pref("u2", a, ""), pref("u3", b, ""), pref("u4", b, "")},
			unlabeled(4, 2, 0.5)},
	})
}

func TestUnanimous(t *testing.T) {
	u := export.Unanimous{}
	runDecideCases(t, []decideCase{
		{"three a", u, []export.Vote{pref("u1", a, ""), pref("u2", a, ""), pref("u3", a, "")},
			winner(a, 3, 3, 1, 0)},
		{"one b", u, []export.Vote{pref("u1", b, "")}, winner(b, 1, 1, 1, 0)},
		{"one dissent", u, []export.Vote{pref("u1", a, ""), pref("u2", a, ""), pref("u3", a, ""), pref("u4", b, "")},
			unlabeled(4, 3, 0.75)},
		{"tie dissent", u, []export.Vote{pref("u1", b, ""), pref("u2", b, ""), tie("u3")},
			unlabeled(3, 2, 2.0/3)},
		{"all tie", u, []export.Vote{tie("u1"), tie("u2")}, group(labeling.VerdictTie, 2, 2, 1, false)},
		{"all both bad", u, []export.Vote{bothBad("u1"), bothBad("u2")},
			group(labeling.VerdictBothBad, 2, 2, 1, false)},
		{"all both bad kept", export.Unanimous{Options: export.Options{KeepBothBad: true}},
			[]export.Vote{bothBad("u1"), bothBad("u2")}, group(labeling.VerdictBothBad, 2, 2, 1, true)},
		{"min votes not met", export.Unanimous{Options: export.Options{MinVotes: 3}},
			[]export.Vote{pref("u1", b, ""), pref("u2", b, "")}, unlabeled(2, 2, 1)},
		{"min votes met", export.Unanimous{Options: export.Options{MinVotes: 3}},
			[]export.Vote{pref("u1", b, ""), pref("u2", b, ""), pref("u3", b, "")}, winner(b, 3, 3, 1, 0)},
		{"no votes", u, nil, unlabeled(0, 0, 0)},
	})
}

func TestStrengthWeighted(t *testing.T) {
	s := export.StrengthWeighted{}
	runDecideCases(t, []decideCase{
		// Majority gives a; weights 0.25+0.25 against 1 give b.
		{"strength flips the majority", s,
			[]export.Vote{pref("u1", a, "negligibly"), pref("u2", a, "negligibly"), pref("u3", b, "much")},
			export.Outcome{Winner: b, Verdict: labeling.VerdictPreferred, Votes: 3, Agreeing: 1,
				Agreement: 1.0 / 3, Support: 1 / 1.5, Margin: 2, Keep: true}},
		{"no strengths as majority", s, []export.Vote{pref("u1", a, ""), pref("u2", a, ""), pref("u3", b, "")},
			winner(a, 3, 2, 2.0/3, 0)},
		{"equal weights", s,
			[]export.Vote{pref("u1", a, "slightly"), pref("u2", a, "slightly"), pref("u3", b, "much")},
			unlabeled(3, 2, 0.5)},
		// A tie weighs 0.5 in the total: 1/(1+0.5) for a.
		{"much better beats a tie", s, []export.Vote{pref("u1", a, "much"), tie("u2")},
			export.Outcome{Winner: a, Verdict: labeling.VerdictPreferred, Votes: 2, Agreeing: 1,
				Agreement: 0.5, Support: 1 / 1.5, Margin: 2, Keep: true}},
		{"negligibly better loses to a tie", s, []export.Vote{pref("u1", a, "negligibly"), tie("u2")},
			group(labeling.VerdictTie, 2, 1, 0.5/0.75, false)},
		{"slightly better against both bad", s, []export.Vote{pref("u1", b, "slightly"), bothBad("u2")},
			unlabeled(2, 1, 0.5)},
		{"clearly against unrated", s, []export.Vote{pref("u1", b, "clearly"), pref("u2", a, "")},
			export.Outcome{Winner: b, Verdict: labeling.VerdictPreferred, Votes: 2, Agreeing: 1,
				Agreement: 0.5, Support: 0.75 / 1.25, Margin: 1, Keep: true}},
		{"custom weights", export.StrengthWeighted{
			Weights: export.StrengthScale{Negligibly: 1, Slightly: 2, Clearly: 3, Much: 4},
			Unrated: 1, NoPreference: 2, MinShare: 0.55},
			[]export.Vote{pref("u1", a, "much"), pref("u2", b, ""), tie("u3")},
			export.Outcome{Winner: a, Verdict: labeling.VerdictPreferred, Votes: 3, Agreeing: 1,
				Agreement: 1.0 / 3, Support: 4.0 / 7, Margin: 2, Keep: true}},
		{"min share not met", export.StrengthWeighted{MinShare: 0.75},
			[]export.Vote{pref("u1", a, "clearly"), pref("u2", b, "negligibly")},
			unlabeled(2, 1, 0.75)},
		{"min votes not met", export.StrengthWeighted{Options: export.Options{MinVotes: 2}},
			[]export.Vote{pref("u1", a, "much")}, unlabeled(1, 1, 1)},
		{"both-bad majority kept", export.StrengthWeighted{Options: export.Options{KeepBothBad: true}},
			[]export.Vote{bothBad("u1"), bothBad("u2"), pref("u3", a, "negligibly")},
			group(labeling.VerdictBothBad, 3, 2, 0.8, true)},
		{"no votes", s, nil, unlabeled(0, 0, 0)},
	})
}

func TestMargin(t *testing.T) {
	m := export.Majority{}
	custom := export.Majority{Options: export.Options{
		Margins: export.StrengthScale{Negligibly: 1, Slightly: 2, Clearly: 3, Much: 5}}}
	tests := []struct {
		name   string
		policy decider
		votes  []export.Vote
		want   float64
	}{
		{"negligibly", m, []export.Vote{pref("u1", a, "negligibly")}, 0.25},
		{"slightly", m, []export.Vote{pref("u1", a, "slightly")}, 0.5},
		{"clearly", m, []export.Vote{pref("u1", b, "clearly")}, 1},
		{"much", m, []export.Vote{pref("u1", b, "much")}, 2},
		{"mean of winner votes", m, []export.Vote{pref("u1", a, "negligibly"), pref("u2", a, "much")}, 1.125},
		{"votes without strength ignored", m,
			[]export.Vote{pref("u1", a, "clearly"), pref("u2", a, ""), pref("u3", a, "")}, 1},
		{"loser strength ignored", m,
			[]export.Vote{pref("u1", a, "slightly"), pref("u2", a, "slightly"), pref("u3", b, "much")}, 0.5},
		{"no strength", m, []export.Vote{pref("u1", a, ""), pref("u2", a, "")}, 0},
		{"no winner", m, []export.Vote{pref("u1", a, "much"), pref("u2", b, "much")}, 0},
		{"tie outcome", m, []export.Vote{tie("u1"), tie("u2"), pref("u3", a, "much")}, 0},
		{"custom scale", custom, []export.Vote{pref("u1", b, "much"), pref("u2", b, "slightly")}, 3.5},
		{"strength weighted", export.StrengthWeighted{},
			[]export.Vote{pref("u1", a, "negligibly"), pref("u2", b, "much"), pref("u3", b, "clearly")}, 1.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.policy.Decide(export.ItemVotes{Item: "c1", Votes: tc.votes})
			if err != nil {
				t.Fatalf("Decide: %v", err)
			}
			if got.Margin != tc.want {
				t.Errorf("got margin %v, want %v", got.Margin, tc.want)
			}
		})
	}
}

func TestAdjudication(t *testing.T) {
	threeA := []export.Vote{pref("u1", a, "much"), pref("u2", a, "much"), pref("u3", a, "")}
	mixed := []export.Vote{pref("u1", a, ""), pref("u2", b, "clearly"), bothBad("u3")}
	keep := export.Options{KeepBothBad: true}
	tests := []struct {
		name  string
		opts  export.Options
		votes []export.Vote
		adj   export.Adjudication
		want  export.Outcome
	}{
		{"b against three a", export.Options{}, threeA,
			export.Adjudication{Verdict: labeling.VerdictPreferred, Preferred: b},
			export.Outcome{Winner: b, Verdict: labeling.VerdictPreferred, Votes: 3, Support: 1,
				Adjudicated: true, Keep: true}},
		{"b with margin from its votes", export.Options{}, mixed,
			export.Adjudication{Verdict: labeling.VerdictPreferred, Preferred: b},
			export.Outcome{Winner: b, Verdict: labeling.VerdictPreferred, Votes: 3, Agreeing: 1,
				Agreement: 1.0 / 3, Support: 1, Margin: 1, Adjudicated: true, Keep: true}},
		{"tie excludes", export.Options{}, threeA,
			export.Adjudication{Verdict: labeling.VerdictTie, Preferred: export.NoResponse},
			export.Outcome{Winner: export.NoResponse, Verdict: labeling.VerdictTie, Votes: 3, Support: 1,
				Adjudicated: true}},
		{"both bad excludes", export.Options{}, mixed,
			export.Adjudication{Verdict: labeling.VerdictBothBad, Preferred: export.NoResponse},
			export.Outcome{Winner: export.NoResponse, Verdict: labeling.VerdictBothBad, Votes: 3, Agreeing: 1,
				Agreement: 1.0 / 3, Support: 1, Adjudicated: true}},
		{"both bad kept", keep, threeA,
			export.Adjudication{Verdict: labeling.VerdictBothBad, Preferred: export.NoResponse},
			export.Outcome{Winner: export.NoResponse, Verdict: labeling.VerdictBothBad, Votes: 3, Support: 1,
				Adjudicated: true, Keep: true}},
		{"no votes below min votes", export.Options{MinVotes: 3}, nil,
			export.Adjudication{Verdict: labeling.VerdictPreferred, Preferred: a},
			export.Outcome{Winner: a, Verdict: labeling.VerdictPreferred, Support: 1, Adjudicated: true, Keep: true}},
	}
	for _, tc := range tests {
		policies := map[string]export.Policy{
			"majority":           export.Majority{Options: tc.opts},
			"unanimous":          export.Unanimous{Options: tc.opts},
			"strength weighted":  export.StrengthWeighted{Options: tc.opts},
			"annotator weighted": export.AnnotatorWeighted{Options: tc.opts},
		}
		for name, p := range policies {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				adj := tc.adj
				items := []export.ItemVotes{{Item: "c1", Votes: tc.votes, Adjudication: &adj}}
				got, err := p.Aggregate(items)
				if err != nil {
					t.Fatalf("Aggregate: %v", err)
				}
				if got[0] != tc.want {
					t.Errorf("got %+v, want %+v", got[0], tc.want)
				}
			})
		}
	}
}

func TestAggregateOrderAndErrors(t *testing.T) {
	items := []export.ItemVotes{
		{Item: "c1", Votes: []export.Vote{pref("u1", b, "")}},
		{Item: "c2", Votes: []export.Vote{tie("u1")}},
		{Item: "c3", Votes: []export.Vote{pref("u1", a, "")}},
	}
	got, err := export.Majority{}.Aggregate(items)
	if err != nil {
		t.Fatalf("Aggregate: %v", err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d outcomes, want 3", len(got))
	}
	for i, want := range []int{b, export.NoResponse, a} {
		if got[i].Winner != want {
			t.Errorf("outcome %d: got winner %d, want %d", i, got[i].Winner, want)
		}
	}

	items[1].Votes = append(items[1].Votes, pref("u2", 2, ""))
	_, err = export.Majority{}.Aggregate(items)
	want := `comparison "c2": vote 2 by "u2": preferred response 2 is not 0 (response a) or 1 (response b)`
	if err == nil || err.Error() != want {
		t.Errorf("got error %v, want %s", err, want)
	}
}

func TestAggregateInvalidVotes(t *testing.T) {
	tests := []struct {
		name string
		vote export.Vote
		want string
	}{
		{"preferred out of range", pref("u1", 2, ""), "preferred response 2 is not 0"},
		{"preferred without side", pref("u1", export.NoResponse, ""), "preferred response -1 is not 0"},
		{"tie with side", export.Vote{Annotator: "u1", Verdict: labeling.VerdictTie, Preferred: a},
			"a tie verdict names no preferred response, so Preferred must be -1, not 0"},
		{"both bad with side", export.Vote{Annotator: "u1", Verdict: labeling.VerdictBothBad, Preferred: b},
			"a both_bad verdict names no preferred response, so Preferred must be -1, not 1"},
		{"unknown verdict", export.Vote{Annotator: "u1", Verdict: "left", Preferred: a},
			`verdict "left" is not one of preferred, tie, both_bad`},
		{"unknown strength", pref("u1", a, "hugely"),
			`strength "hugely" is not one of negligibly, slightly, clearly, much`},
		{"strength on tie", export.Vote{Annotator: "u1", Verdict: labeling.VerdictTie,
			Preferred: export.NoResponse, Strength: "much"}, `strength "much" needs a preferred verdict, not tie`},
	}
	policies := map[string]export.Policy{
		"majority":           export.Majority{},
		"unanimous":          export.Unanimous{},
		"strength weighted":  export.StrengthWeighted{},
		"annotator weighted": export.AnnotatorWeighted{},
	}
	for _, tc := range tests {
		for name, p := range policies {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				_, err := p.Aggregate([]export.ItemVotes{{Item: "c1", Votes: []export.Vote{tc.vote}}})
				checkInvalid(t, err, tc.want)
			})
		}
	}
}

func TestAggregateInvalidAdjudication(t *testing.T) {
	adj := export.Adjudication{Verdict: labeling.VerdictTie, Preferred: a}
	items := []export.ItemVotes{{Item: "c1", Votes: []export.Vote{tie("u1")}, Adjudication: &adj}}
	want := `comparison "c1": adjudication: a tie verdict names no preferred response`
	for name, p := range map[string]export.Policy{
		"majority":           export.Majority{},
		"annotator weighted": export.AnnotatorWeighted{},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := p.Aggregate(items)
			checkInvalid(t, err, want)
		})
	}
}

func TestAggregateInvalidSettings(t *testing.T) {
	tests := []struct {
		name   string
		policy export.Policy
		want   string
	}{
		{"negative min votes", export.Majority{Options: export.Options{MinVotes: -1}},
			"minimum votes is -1; use 1 or more, or 0 for the default of 1"},
		{"negative margin", export.Unanimous{Options: export.Options{
			Margins: export.StrengthScale{Negligibly: 0.1, Slightly: -0.5, Clearly: 1, Much: 2}}},
			"margin for slightly is -0.5; use a finite number of 0 or more"},
		{"min agreement of one", export.Majority{MinAgreement: 1},
			"minimum agreement is 1; use a share from 0 up to but not including 1"},
		{"negative min agreement", export.Majority{MinAgreement: -0.2}, "minimum agreement is -0.2"},
		{"weight infinite", export.StrengthWeighted{Weights: export.StrengthScale{Much: posInf()}},
			"weight for much is +Inf"},
		{"negative unrated weight", export.StrengthWeighted{Unrated: -1},
			"weight of a vote without strength is -1"},
		{"negative tie weight", export.StrengthWeighted{NoPreference: -2},
			"weight of a tie or both-bad vote is -2"},
		{"min share too high", export.StrengthWeighted{MinShare: 1.5}, "minimum weight share is 1.5"},
		{"threshold above one", export.AnnotatorWeighted{Threshold: 1.1}, "posterior threshold is 1.1"},
		{"negative smoothing", export.AnnotatorWeighted{Smoothing: -1}, "smoothing is -1"},
		{"negative iterations", export.AnnotatorWeighted{MaxIterations: -5}, "maximum iterations is -5"},
		{"tolerance of one", export.AnnotatorWeighted{Tolerance: 1}, "tolerance is 1"},
	}
	items := []export.ItemVotes{{Item: "c1", Votes: []export.Vote{pref("u1", a, "")}}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.policy.Aggregate(items)
			checkInvalid(t, err, tc.want)
		})
	}
}

func posInf() float64 {
	zero := 0.0
	return 1 / zero
}

// checkInvalid fails unless err is an ErrInvalid error that contains want.
func checkInvalid(tb testing.TB, err error, want string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("got no error, want one containing %q", want)
	}
	if !errors.Is(err, labeling.ErrInvalid) {
		tb.Errorf("got error %v, want kind %v", err, labeling.ErrInvalid)
	}
	if !strings.Contains(err.Error(), want) {
		tb.Errorf("got error %q, want it to contain %q", err, want)
	}
}

func TestAggregateVoteOf(t *testing.T) {
	ra, rb, ann := uuid.New(), uuid.New(), uuid.New()
	judgment := func(v labeling.Verdict, preferred uuid.UUID, s labeling.Strength) labeling.Judgment {
		return labeling.Judgment{ID: uuid.New(), ComparisonID: uuid.New(), ResponseAID: ra, ResponseBID: rb,
			AnnotatorID: ann, Verdict: v, Preferred: preferred, Strength: s}
	}
	tests := []struct {
		name string
		j    labeling.Judgment
		want export.Vote
	}{
		{"response a", judgment(labeling.VerdictPreferred, ra, "much"), pref(ann.String(), a, "much")},
		{"response b", judgment(labeling.VerdictPreferred, rb, ""), pref(ann.String(), b, "")},
		{"tie", judgment(labeling.VerdictTie, uuid.Nil, ""), tie(ann.String())},
		{"both bad", judgment(labeling.VerdictBothBad, uuid.Nil, ""), bothBad(ann.String())},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := export.VoteOf(tc.j)
			if err != nil {
				t.Fatalf("VoteOf: %v", err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}

	t.Run("foreign response", func(t *testing.T) {
		j := judgment(labeling.VerdictPreferred, uuid.New(), "")
		_, err := export.VoteOf(j)
		want := "judgment " + j.ID.String() + " prefers response " + j.Preferred.String()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got error %v, want one containing %q", err, want)
		}
	})
}
