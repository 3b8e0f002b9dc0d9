package train

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/train/objective"
)

func TestSampleGreedyAndTopK(t *testing.T) {
	g := NewGenerator(tinyModel(t, 1), byteVocab(), 1)
	logits := []float32{0.1, 2, -1, 1.9}
	if got := g.sample(logits, Sampling{Temperature: 0, TopP: 1}); got != 1 {
		t.Errorf("greedy picked %d, want 1", got)
	}
	for i := 0; i < 20; i++ {
		if got := g.sample(logits, Sampling{Temperature: 1, TopK: 1, TopP: 1}); got != 1 {
			t.Fatalf("top-k 1 picked %d, want 1", got)
		}
	}
	// Top-p 0.5 keeps tokens 1 and 3 (probabilities about 0.47 and 0.43
	// sum past 0.5 only with both).
	seen := map[int32]bool{}
	for i := 0; i < 200; i++ {
		seen[g.sample(logits, Sampling{Temperature: 1, TopP: 0.5})] = true
	}
	if !seen[1] || !seen[3] || seen[0] || seen[2] {
		t.Errorf("top-p 0.5 drew %v, want only tokens 1 and 3", seen)
	}
}

func TestGenerateRepeatableAndStops(t *testing.T) {
	m := tinyModel(t, 1)
	s := Sampling{Temperature: 1, TopP: 1, MaxNewTokens: 12}
	a, err := NewGenerator(m, byteVocab(), 9).Generate("hello", s)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewGenerator(m, byteVocab(), 9).Generate("hello", s)
	if a != b {
		t.Errorf("same seed gave %q and %q", a, b)
	}

	greedy := Sampling{Temperature: 0, TopP: 1, MaxNewTokens: 12}
	full, _ := NewGenerator(m, byteVocab(), 1).Generate("hello", greedy)
	if len(full) < 2 {
		t.Skipf("greedy sample %q is too short to test a stop string", full)
	}
	greedy.Stop = []string{full[1:2]}
	cut, _ := NewGenerator(m, byteVocab(), 1).Generate("hello", greedy)
	if want := full[:strings.Index(full, full[1:2])]; cut != want {
		t.Errorf("with stop %q got %q, want %q", full[1:2], cut, want)
	}
}

func TestGenerateMatchesForward(t *testing.T) {
	// Greedy decoding through the cache must pick the argmax of a full
	// forward pass over the same tokens.
	m := tinyModel(t, 2)
	out, err := NewGenerator(m, byteVocab(), 1).Generate("abc", Sampling{TopP: 1, MaxNewTokens: 1})
	if err != nil {
		t.Fatal(err)
	}
	ids := byteTokenizer{}.Encode("abc")
	pass := m.Forward(ids, 1, 3, false)
	last := pass.Logits[2*257 : 3*257]
	best := 0
	for i, v := range last {
		if v > last[best] {
			best = i
		}
	}
	pass.Release()
	want := byteTokenizer{}.Decode([]int32{int32(best)})
	if out != want {
		t.Errorf("generated %q, want %q from the forward pass", out, want)
	}
}

func TestSamplingValidate(t *testing.T) {
	bad := []Sampling{
		{Temperature: -1, TopP: 1, MaxNewTokens: 1},
		{TopK: -1, TopP: 1, MaxNewTokens: 1},
		{TopP: 0, MaxNewTokens: 1},
		{TopP: 1.5, MaxNewTokens: 1},
		{TopP: 1, MaxNewTokens: 0},
		{TopP: 1, MaxNewTokens: 1, Stop: []string{""}},
		{Temperature: math.Inf(1), TopP: 1, MaxNewTokens: 1},
	}
	for _, s := range bad {
		err := s.Validate()
		if err == nil {
			t.Errorf("Validate accepted %+v", s)
			continue
		}
		if !strings.Contains(err.Error(), "(--") {
			t.Errorf("error %q does not name the flag", err)
		}
	}
}

func TestEvalRewardAndDPO(t *testing.T) {
	dir := t.TempDir()
	path := writeJSONL(t, dir, "prefs.jsonl", preferenceRows(8))
	ctx := context.Background()
	data := EvalData{File: path, BatchSize: 4}

	m := tinyModel(t, 1)
	if _, _, err := EvalReward(ctx, data, m, byteVocab()); err == nil {
		t.Error("EvalReward accepted a model without a score head")
	}
	m.AddScoreHead(1)
	metrics, _, err := EvalReward(ctx, data, m, byteVocab())
	if err != nil {
		t.Fatal(err)
	}
	if metrics["pairs"] != 8 || metrics["accuracy"] < 0 || metrics["accuracy"] > 1 {
		t.Errorf("reward metrics %v, want 8 pairs and an accuracy in [0, 1]", metrics)
	}

	policy := tinyModel(t, 1)
	dpo := objective.DPO{Loss: objective.Sigmoid, Beta: 0.1}
	metrics, _, err = EvalDPO(ctx, data, dpo, policy, policy.Clone(), byteVocab())
	if err != nil {
		t.Fatal(err)
	}
	if metrics["rewards/margins"] != 0 || metrics["rewards/accuracies"] != 0 {
		t.Errorf("policy equal to its reference: metrics %v, want zero margins and accuracy", metrics)
	}
}

func TestCompareSamples(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "prompts.txt", "one\ntwo\n\nthree\n")
	prompts, err := ReadPrompts(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	judge := tinyModel(t, 4)
	judge.AddScoreHead(4)
	a := Contestant{Name: "a", Model: tinyModel(t, 1), Vocab: byteVocab()}
	s := Sampling{Temperature: 1, TopP: 1, MaxNewTokens: 4}

	same, err := CompareSamples(context.Background(), prompts, a, a, judge, byteVocab(), s, 3)
	if err != nil {
		t.Fatal(err)
	}
	if same.Prompts != 3 || same.Ties != 3 || same.Rate != 0.5 {
		t.Errorf("a model against itself: %+v, want 3 ties and a win rate of 0.5", same)
	}
	b := Contestant{Name: "b", Model: tinyModel(t, 2), Vocab: byteVocab()}
	res, err := CompareSamples(context.Background(), prompts, a, b, judge, byteVocab(), s, 3)
	if err != nil {
		t.Fatal(err)
	}
	if res.WinsA+res.WinsB+res.Ties != 3 || len(res.Samples) != 3 {
		t.Errorf("result %+v, want three judged prompts", res)
	}
}

func TestSampleAllFollowsSoftmax(t *testing.T) {
	g := NewGenerator(tinyModel(t, 1), byteVocab(), 5)
	logits := []float32{0, float32(math.Log(3))} // probabilities 1/4 and 3/4
	n, ones := 4000, 0
	for i := 0; i < n; i++ {
		if g.sample(logits, Sampling{Temperature: 1, TopP: 1}) == 1 {
			ones++
		}
	}
	if frac := float64(ones) / float64(n); math.Abs(frac-0.75) > 0.03 {
		t.Errorf("token 1 drawn %.3f of the time, want about 0.75", frac)
	}
}
