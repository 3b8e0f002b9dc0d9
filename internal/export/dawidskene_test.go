package export_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
)

// annotatorModel is how a simulated annotator votes: the probability of
// naming the true winner, of naming the other response, and of a tie
// (the rest).
type annotatorModel struct {
	name         string
	right, wrong float64
}

// syntheticProject returns items whose true winner is truth[i], each with
// one vote by every annotator of models, drawn from a seeded source.
func syntheticProject(tb testing.TB, seed uint64, n int, models []annotatorModel) ([]export.ItemVotes, []int) {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	items := make([]export.ItemVotes, n)
	truth := make([]int, n)
	for i := range items {
		truth[i] = rng.IntN(2)
		items[i].Item = fmt.Sprintf("c%03d", i)
		for _, m := range models {
			r := rng.Float64()
			switch {
			case r < m.right:
				items[i].Votes = append(items[i].Votes, pref(m.name, truth[i], ""))
			case r < m.right+m.wrong:
				items[i].Votes = append(items[i].Votes, pref(m.name, 1-truth[i], ""))
			default:
				items[i].Votes = append(items[i].Votes, tie(m.name))
			}
		}
	}
	return items, truth
}

// misses lists the items whose outcome is not the true winner, those
// without a label included.
func misses(outs []export.Outcome, truth []int) []int {
	var wrong []int
	for i, o := range outs {
		if o.Winner != truth[i] {
			wrong = append(wrong, i)
		}
	}
	return wrong
}

// adversarialProject has one reliable annotator, one who picks the
// wrong response nine times in ten, and three noisy ones who tie one
// vote in ten. The adversary and two noisy votes often outvote the
// reliable annotator.
func adversarialProject(tb testing.TB) ([]export.ItemVotes, []int) {
	tb.Helper()
	return syntheticProject(tb, 7, 300, []annotatorModel{
		{"reliable", 0.95, 0.05},
		{"adversarial", 0.1, 0.9},
		{"noisy1", 0.6, 0.3},
		{"noisy2", 0.6, 0.3},
		{"noisy3", 0.6, 0.3},
	})
}

func TestDawidSkeneRecoversTruth(t *testing.T) {
	items, truth := adversarialProject(t)
	majority, err := export.Majority{}.Aggregate(items)
	if err != nil {
		t.Fatalf("Majority: %v", err)
	}
	fit, err := export.AnnotatorWeighted{}.Fit(items)
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}

	// Majority misses about a third of the items and Dawid-Skene one in
	// twenty. Most misses of Dawid-Skene are items where the reliable
	// annotator erred and the adversary happened to agree.
	majorityMisses := misses(majority, truth)
	if len(majorityMisses) < 90 {
		t.Errorf("majority: got %d misses of 300, want at least 90", len(majorityMisses))
	}
	if got := misses(fit.Outcomes, truth); len(got) > 20 {
		t.Errorf("Dawid-Skene: got %d misses of 300, want at most 20", len(got))
	}
	recovered := 0
	for _, i := range majorityMisses {
		if fit.Outcomes[i].Winner == truth[i] {
			recovered++
		}
	}
	if recovered < len(majorityMisses)*8/10 {
		t.Errorf("got %d of the %d majority misses right, want at least 80%%", recovered, len(majorityMisses))
	}
	if !fit.Converged || fit.Iterations >= 100 {
		t.Errorf("got converged %v after %d iterations, want convergence in fewer than 100",
			fit.Converged, fit.Iterations)
	}
}

func TestDawidSkeneReliabilities(t *testing.T) {
	items, _ := adversarialProject(t)
	fit, err := export.AnnotatorWeighted{}.Fit(items)
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}

	var names []string
	acc := map[string]float64{}
	for _, r := range fit.Annotators {
		names = append(names, r.Annotator)
		acc[r.Annotator] = r.Accuracy
		if r.Votes != 300 {
			t.Errorf("%s: got %d votes, want 300", r.Annotator, r.Votes)
		}
		for k, row := range r.Confusion {
			sum := 0.0
			for _, p := range row {
				sum += p
			}
			if math.Abs(sum-1) > 1e-12 {
				t.Errorf("%s: confusion row %v sums to %v, want 1", r.Annotator, export.Class(k), sum)
			}
		}
	}
	wantNames := []string{"adversarial", "noisy1", "noisy2", "noisy3", "reliable"}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("got annotators %v, want %v", names, wantNames)
	}
	for _, noisy := range []string{"noisy1", "noisy2", "noisy3"} {
		if !(acc["reliable"] > acc[noisy] && acc[noisy] > acc["adversarial"]) {
			t.Errorf("got accuracies reliable %v, %s %v, adversarial %v, want them in that order",
				acc["reliable"], noisy, acc[noisy], acc["adversarial"])
		}
	}
	if acc["reliable"] < 0.85 || acc["adversarial"] > 0.2 {
		t.Errorf("got accuracies reliable %v and adversarial %v, want at least 0.85 and at most 0.2",
			acc["reliable"], acc["adversarial"])
	}
	adversary := fit.Annotators[0].Confusion
	if adversary[export.ClassA][export.ClassB] < 0.8 || adversary[export.ClassB][export.ClassA] < 0.8 {
		t.Errorf("adversary: got P(b | a) %v and P(a | b) %v, want both at least 0.8",
			adversary[export.ClassA][export.ClassB], adversary[export.ClassB][export.ClassA])
	}
}

func TestDawidSkeneDeterministic(t *testing.T) {
	items, _ := adversarialProject(t)
	first, err := export.AnnotatorWeighted{}.Fit(items)
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	for run := range 3 {
		again, err := export.AnnotatorWeighted{}.Fit(items)
		if err != nil {
			t.Fatalf("Fit: %v", err)
		}
		if !reflect.DeepEqual(again, first) {
			t.Fatalf("run %d: fit differs from the first", run+2)
		}
	}
}

func TestDawidSkeneSmallProject(t *testing.T) {
	items := []export.ItemVotes{
		{Item: "c1", Votes: []export.Vote{pref("u1", a, "much"), pref("u2", a, "slightly"), pref("u3", a, "")}},
		{Item: "c2", Votes: []export.Vote{pref("u1", b, ""), pref("u2", b, ""), pref("u3", b, "")}},
		{Item: "c3", Votes: []export.Vote{tie("u1"), tie("u2"), tie("u3")}},
		{Item: "c4", Votes: []export.Vote{bothBad("u1"), bothBad("u2"), bothBad("u3")}},
		{Item: "c5", Votes: []export.Vote{pref("u1", b, "clearly"), pref("u2", b, "")}},
		{Item: "c6"},
	}
	tests := []struct {
		name    string
		policy  export.AnnotatorWeighted
		winners []int
		verdict []labeling.Verdict
		keep    []bool
	}{
		{"defaults", export.AnnotatorWeighted{},
			[]int{a, b, -1, -1, b, -1},
			[]labeling.Verdict{"preferred", "preferred", "tie", "both_bad", "preferred", ""},
			[]bool{true, true, false, false, true, false}},
		{"min votes and kept both bad",
			export.AnnotatorWeighted{Options: export.Options{MinVotes: 3, KeepBothBad: true}},
			[]int{a, b, -1, -1, -1, -1},
			[]labeling.Verdict{"preferred", "preferred", "tie", "both_bad", "", ""},
			[]bool{true, true, false, true, false, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fit, err := tc.policy.Fit(items)
			if err != nil {
				t.Fatalf("Fit: %v", err)
			}
			for i, o := range fit.Outcomes {
				if o.Winner != tc.winners[i] || o.Verdict != tc.verdict[i] || o.Keep != tc.keep[i] {
					t.Errorf("%s: got winner %d, verdict %q, keep %v, want %d, %q, %v", items[i].Item,
						o.Winner, o.Verdict, o.Keep, tc.winners[i], tc.verdict[i], tc.keep[i])
				}
			}
			if got := fit.Outcomes[0].Margin; got != (2+0.5)/2.0 {
				t.Errorf("c1: got margin %v, want 1.25", got)
			}
			if got := fit.Outcomes[0].Support; got <= 0.5 || got > 1 {
				t.Errorf("c1: got support %v, want above 0.5 and at most 1", got)
			}
			for k, p := range fit.Posteriors[5] {
				if math.Abs(p-fit.Priors[k]) > 1e-12 {
					t.Errorf("c6 without votes: got posterior %v, want the priors %v", fit.Posteriors[5], fit.Priors)
					break
				}
			}
		})
	}
}

func TestDawidSkeneThreshold(t *testing.T) {
	// u1 and u2 always agree and u3 always contradicts them; on c3 u1
	// alone prefers a.
	items := []export.ItemVotes{
		{Item: "c1", Votes: []export.Vote{pref("u1", a, ""), pref("u2", a, ""), pref("u3", b, "")}},
		{Item: "c2", Votes: []export.Vote{pref("u1", b, ""), pref("u2", b, ""), pref("u3", a, "")}},
		{Item: "c3", Votes: []export.Vote{pref("u1", a, "")}},
	}
	loose, err := export.AnnotatorWeighted{}.Fit(items)
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	p := loose.Posteriors[2][export.ClassA]
	if p <= 0.5 || p >= 0.99 {
		t.Fatalf("c3: got posterior %v for a, want above 0.5 and below 0.99", p)
	}
	if got := loose.Outcomes[2]; got.Winner != a || got.Support != p {
		t.Errorf("c3 at threshold 0.5: got winner %d, support %v, want %d, %v", got.Winner, got.Support, a, p)
	}

	strict, err := export.AnnotatorWeighted{Threshold: 0.99}.Fit(items)
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	if got := strict.Outcomes[2]; got.Winner != export.NoResponse || got.Verdict != "" {
		t.Errorf("c3 at threshold 0.99: got winner %d, verdict %q, want no label", got.Winner, got.Verdict)
	}
	exact, err := export.AnnotatorWeighted{Threshold: p}.Fit(items)
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	if got := exact.Outcomes[2]; got.Winner != a {
		t.Errorf("c3 at threshold equal to its posterior: got winner %d, want %d", got.Winner, a)
	}
}

func TestDawidSkeneNoItems(t *testing.T) {
	fit, err := export.AnnotatorWeighted{}.Fit(nil)
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	if len(fit.Outcomes) != 0 || len(fit.Annotators) != 0 || !fit.Converged {
		t.Errorf("got %d outcomes, %d annotators, converged %v, want 0, 0, true",
			len(fit.Outcomes), len(fit.Annotators), fit.Converged)
	}
}

func TestDawidSkeneMaxIterations(t *testing.T) {
	items, _ := adversarialProject(t)
	fit, err := export.AnnotatorWeighted{MaxIterations: 3}.Fit(items)
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	if fit.Iterations != 3 || fit.Converged {
		t.Errorf("got %d iterations, converged %v, want 3, false", fit.Iterations, fit.Converged)
	}
}

func TestDawidSkeneAdjudicationInformsFit(t *testing.T) {
	// u1 always prefers a and u2 always prefers b, so the votes alone
	// cannot tell whom to trust. Five adjudications for b settle it.
	items := make([]export.ItemVotes, 20)
	for i := range items {
		items[i] = export.ItemVotes{Item: fmt.Sprintf("c%02d", i),
			Votes: []export.Vote{pref("u1", a, ""), pref("u2", b, "")}}
		if i < 5 {
			items[i].Adjudication = &export.Adjudication{Verdict: labeling.VerdictPreferred, Preferred: b}
		}
	}
	fit, err := export.AnnotatorWeighted{}.Fit(items)
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	for i, o := range fit.Outcomes {
		if o.Winner != b || o.Adjudicated != (i < 5) {
			t.Errorf("%s: got winner %d, adjudicated %v, want %d, %v", items[i].Item, o.Winner, o.Adjudicated, b, i < 5)
		}
	}
	if u1, u2 := fit.Annotators[0].Accuracy, fit.Annotators[1].Accuracy; u2 <= 0.8 || u1 >= 0.1 {
		t.Errorf("got accuracies u1 %v and u2 %v, want u1 below 0.1 and u2 above 0.8", u1, u2)
	}
}
