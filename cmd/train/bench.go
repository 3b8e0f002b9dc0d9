package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pairwise/pairwise/internal/train"
	"github.com/pairwise/pairwise/internal/train/gpt2"
	"github.com/pairwise/pairwise/internal/train/objective"
)

// benchPreset is the model and batch shape of one speed measurement.
type benchPreset struct {
	vocab, embd, layers, heads, seq, pairs int
}

// benchPresets have the shapes of the PyTorch speed reference described
// in docs/benchmarks.md, so the two engines time the same work.
var benchPresets = map[string]benchPreset{
	"tiny":  {vocab: 512, embd: 128, layers: 4, heads: 4, seq: 128, pairs: 8},
	"small": {vocab: 4096, embd: 384, layers: 6, heads: 6, seq: 256, pairs: 4},
}

// benchResult is the line bench prints, with the field names of the
// PyTorch reference's output.
type benchResult struct {
	Engine          string  `json:"engine"`
	Preset          string  `json:"preset"`
	Threads         int     `json:"threads"`
	Params          int     `json:"params"`
	SecondsPerStep  float64 `json:"seconds_per_step"`
	TokensPerSecond float64 `json:"policy_tokens_per_second"`
	PeakRSSMiB      float64 `json:"peak_rss_mib"`
}

// benchCommand times DPO training steps on random tokens.
func benchCommand(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "bench", "Time DPO training steps on random tokens: a frozen reference model's "+
		"forward pass, the policy's forward and backward passes on B chosen and B rejected sequences, "+
		"and an AdamW step. Prints policy tokens per second (2·B·T per step) and the process's peak "+
		"resident memory as JSON. Presets: tiny (vocab 512, 128 wide, 4 layers, 4 heads, T 128, B 8) "+
		"and small (vocab 4096, 384 wide, 6 layers, 6 heads, T 256, B 4).")
	preset := fs.String("preset", "tiny", "model and batch shape: tiny or small")
	steps := fs.Int("steps", 10, "timed steps")
	warmup := fs.Int("warmup", 2, "untimed steps before timing")
	threads := fs.Int("threads", runtime.GOMAXPROCS(0), "threads (GOMAXPROCS)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the timed steps to this `file`")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	p, ok := benchPresets[*preset]
	switch {
	case !ok:
		return fmt.Errorf("unknown --preset %q: want tiny or small", *preset)
	case *steps < 1:
		return fmt.Errorf("invalid --steps %d: want at least 1", *steps)
	case *warmup < 0:
		return fmt.Errorf("invalid --warmup %d: want 0 or more", *warmup)
	case *threads < 1:
		return fmt.Errorf("invalid --threads %d: want at least 1", *threads)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(*threads))

	b, err := newDPOBench(p)
	if err != nil {
		return err
	}
	for range *warmup {
		b.step()
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	start := time.Now()
	for range *steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.step()
	}
	elapsed := time.Since(start).Seconds()

	res := benchResult{Engine: "pairwise " + runtime.Version(), Preset: *preset, Threads: *threads,
		Params: b.policy.NumParams(), SecondsPerStep: elapsed / float64(*steps),
		TokensPerSecond: float64(2*p.pairs*p.seq**steps) / elapsed, PeakRSSMiB: peakRSSMiB()}
	return printJSONLine(e, res)
}

// dpoBench holds the models and the batch of one DPO speed measurement.
type dpoBench struct {
	p                 benchPreset
	policy, reference *gpt2.Model
	opt               *train.AdamW
	ids               []int32
	promptLens        []int
	lengths           []int
	loss              objective.DPO
}

// newDPOBench builds a policy and an identical frozen reference, and a
// batch of pairs whose chosen and rejected sequences share their first
// quarter, the prompt.
func newDPOBench(p benchPreset) (*dpoBench, error) {
	cfg := gpt2.Config{VocabSize: p.vocab, NPositions: p.seq, NEmbd: p.embd, NLayer: p.layers,
		NHead: p.heads, LayerNormEpsilon: 1e-5}
	policy, err := gpt2.New(cfg, 0)
	if err != nil {
		return nil, err
	}
	b := &dpoBench{p: p, policy: policy, reference: policy.Clone(),
		loss: objective.DPO{Loss: objective.Sigmoid, Beta: 0.1}}
	var params []train.Tensor
	for _, q := range policy.Params() {
		params = append(params, train.Tensor{Name: q.Name, Shape: q.Shape, Data: q.Data, Grad: q.Grad})
	}
	b.opt = train.NewAdamW(train.DefaultAdamW(), params)

	rng := rand.New(rand.NewPCG(0, 0))
	B, T, promptLen := 2*p.pairs, p.seq, p.seq/4
	b.ids = make([]int32, B*T)
	for i := range b.ids {
		b.ids[i] = int32(rng.IntN(p.vocab))
	}
	for i := range p.pairs {
		rejected := b.ids[(p.pairs+i)*T:]
		copy(rejected[:promptLen], b.ids[i*T:i*T+promptLen])
	}
	for range B {
		b.promptLens = append(b.promptLens, promptLen)
		b.lengths = append(b.lengths, T)
	}
	return b, nil
}

// step runs one DPO training step and returns the loss before the
// update. The rows of the batch are the chosen sequences followed by the
// rejected ones.
func (b *dpoBench) step() float64 {
	B, T, V, n := 2*b.p.pairs, b.p.seq, b.p.vocab, b.p.pairs

	refPass := b.reference.Forward(b.ids, B, T, false)
	ref, _ := objective.CompletionLogProbs(refPass.Logits, b.ids, B, T, V, b.promptLens, b.lengths)
	refPass.Release()

	pass := b.policy.Forward(b.ids, B, T, true)
	logp, grad := objective.CompletionLogProbs(pass.Logits, b.ids, B, T, V, b.promptLens, b.lengths)
	l := b.loss.Batch(logp[:n], logp[n:], ref[:n], ref[n:])
	dLogp := slices.Concat(l.DChosen, l.DRejected)
	dLogits := make([]float32, len(pass.Logits))
	grad(dLogp, dLogits)
	b.policy.ZeroGrad()
	pass.Backward(dLogits, nil)
	pass.Release()
	b.opt.Step(1e-4)
	return l.Loss
}

// startCPUProfile starts writing a CPU profile to path and returns the
// function that stops it.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("start CPU profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// peakRSSMiB returns the process's peak resident set size (VmHWM in
// /proc/self/status) in MiB, or 0 where /proc is not available.
func peakRSSMiB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
		if err != nil {
			return 0
		}
		return kb / 1024
	}
	return 0
}

// printJSONLine writes v to stdout as one line of JSON.
func printJSONLine(e *env, v any) error {
	return json.NewEncoder(e.stdout).Encode(v)
}
