package gpt2_test

import (
	"math/rand/v2"
	"testing"

	"github.com/pairwise/pairwise/internal/train/gpt2"
	"github.com/pairwise/pairwise/internal/train/objective"
)

// dpoPreset mirrors a preset of the PyTorch DPO step benchmark: model
// sizes, sequence length and preference pairs per step.
type dpoPreset struct {
	name                       string
	vocab, embd, layers, heads int
	seq, pairs                 int
}

var dpoPresets = []dpoPreset{
	{name: "tiny", vocab: 512, embd: 128, layers: 4, heads: 4, seq: 128, pairs: 8},
	{name: "small", vocab: 4096, embd: 384, layers: 6, heads: 6, seq: 256, pairs: 4},
}

// BenchmarkDPOStep times one DPO step without the optimizer update: the
// reference forward pass and the policy forward and backward passes over
// the chosen and rejected sequences of every pair, batched together, with
// the sigmoid loss (β = 0.1) and the completion after the first quarter of
// each sequence. The logit gradient is written over the policy's logits. It reports policy tokens per second, 2·pairs·seq per step,
// and the process's CPU time per step, which on a machine shared with other
// work varies less than the wall time.
func BenchmarkDPOStep(b *testing.B) {
	for _, p := range dpoPresets {
		b.Run(p.name, func(b *testing.B) {
			cfg := gpt2.Config{VocabSize: p.vocab, NPositions: p.seq, NEmbd: p.embd,
				NLayer: p.layers, NHead: p.heads, LayerNormEpsilon: 1e-5, ActivationFunction: "gelu_new"}
			policy, err := gpt2.New(cfg, 0)
			if err != nil {
				b.Fatal(err)
			}
			reference := policy.Clone()

			B, T, V := 2*p.pairs, p.seq, p.vocab
			rng := rand.New(rand.NewPCG(0, 0))
			ids := make([]int32, B*T)
			for i := range ids {
				ids[i] = int32(rng.IntN(V))
			}
			prompts, lengths := make([]int, B), make([]int, B)
			for i := range prompts {
				prompts[i], lengths[i] = T/4, T
			}
			for i := 0; i < p.pairs; i++ {
				copy(ids[(p.pairs+i)*T:(p.pairs+i)*T+T/4], ids[i*T:i*T+T/4])
			}
			loss := objective.DPO{Loss: objective.Sigmoid, Beta: 0.1}
			dLogp := make([]float64, B)

			step := func() {
				ref := reference.Forward(ids, B, T, false)
				refLogp, _ := objective.CompletionLogProbs(ref.Logits, ids, B, T, V, prompts, lengths)
				ref.Release()

				pass := policy.Forward(ids, B, T, true)
				logp, grad := objective.CompletionLogProbs(pass.Logits, ids, B, T, V, prompts, lengths)
				out := loss.Batch(logp[:p.pairs], logp[p.pairs:], refLogp[:p.pairs], refLogp[p.pairs:])
				copy(dLogp, out.DChosen)
				copy(dLogp[p.pairs:], out.DRejected)
				grad(dLogp, pass.Logits)
				policy.ZeroGrad()
				pass.Backward(pass.Logits, nil)
				pass.Release()
			}
			step() // allocate the pooled buffers
			b.ResetTimer()
			cpu0 := processCPUTime()
			for i := 0; i < b.N; i++ {
				step()
			}
			cpu := processCPUTime() - cpu0
			tokens := float64(2*p.pairs*p.seq) * float64(b.N)
			b.ReportMetric(tokens/b.Elapsed().Seconds(), "policy_tokens/s")
			if cpu > 0 {
				b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
			}
		})
	}
}
