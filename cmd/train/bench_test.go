package main

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
)

func TestDPOBenchStepLearns(t *testing.T) {
	b, err := newDPOBench(benchPreset{vocab: 64, embd: 16, layers: 1, heads: 2, seq: 16, pairs: 2})
	if err != nil {
		t.Fatal(err)
	}
	refBefore := slices.Clone(b.reference.Params()[0].Data)

	// The policy starts as a copy of the reference, so the first loss is
	// -log σ(0) = log 2.
	if got := b.step(); math.Abs(got-math.Ln2) > 1e-6 {
		t.Errorf("first DPO loss = %v, want log 2 = %v", got, math.Ln2)
	}
	var last float64
	for range 20 {
		last = b.step()
	}
	if last >= math.Ln2 {
		t.Errorf("DPO loss after 21 steps on one batch = %v, want below log 2", last)
	}
	if !slices.Equal(refBefore, b.reference.Params()[0].Data) {
		t.Error("the reference model changed during training")
	}
}

func TestBenchCommandOutput(t *testing.T) {
	benchPresets["test"] = benchPreset{vocab: 64, embd: 16, layers: 1, heads: 2, seq: 16, pairs: 2}
	defer delete(benchPresets, "test")
	out := mustRun(t, "bench", "--preset", "test", "--steps", "2", "--warmup", "1")
	var res benchResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("bench output is not JSON: %v\n%s", err, out)
	}
	if res.TokensPerSecond <= 0 {
		t.Errorf("policy_tokens_per_second = %v, want positive", res.TokensPerSecond)
	}
	if res.PeakRSSMiB <= 0 {
		t.Errorf("peak_rss_mib = %v, want positive", res.PeakRSSMiB)
	}
	if res.Preset != "test" || res.Params == 0 {
		t.Errorf("bench result %+v, want preset test and a parameter count", res)
	}
}
