package train

import (
	"context"
	"math"
	"testing"
)

func TestAdamWHandComputedSteps(t *testing.T) {
	// One matrix entry (decayed) and one bias (not decayed), both starting
	// at 1 with gradients 0.5 then -0.25, lr 0.1, weight decay 0.1. The
	// wanted values were computed by hand from PyTorch's AdamW update.
	w := Tensor{Name: "h.0.mlp.c_fc.weight", Shape: []int{1, 1}, Data: []float32{1}, Grad: []float32{0}}
	b := Tensor{Name: "h.0.mlp.c_fc.bias", Shape: []int{1}, Data: []float32{1}, Grad: []float32{0}}
	cfg := AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.1}
	opt := NewAdamW(cfg, []Tensor{w, b})

	wantW := []float64{0.890000002, 0.8544662986878463}
	wantB := []float64{0.900000002, 0.8733662987078463}
	for i, g := range []float32{0.5, -0.25} {
		w.Grad[0], b.Grad[0] = g, g
		opt.Step(0.1)
		if math.Abs(float64(w.Data[0])-wantW[i]) > 1e-6 {
			t.Errorf("step %d: weight %v, want %v", i+1, w.Data[0], wantW[i])
		}
		if math.Abs(float64(b.Data[0])-wantB[i]) > 1e-6 {
			t.Errorf("step %d: bias %v, want %v", i+1, b.Data[0], wantB[i])
		}
	}
	if opt.Steps() != 2 {
		t.Errorf("steps %d, want 2", opt.Steps())
	}
}

func TestAdamWDecayGroups(t *testing.T) {
	cases := []struct {
		name  string
		shape []int
		want  bool
	}{
		{"h.0.attn.c_attn.weight", []int{4, 12}, true},
		{"score.weight", []int{1, 4}, true},
		{"h.0.attn.c_attn.bias", []int{12}, false},
		{"h.0.ln_1.weight", []int{4}, false},
		{"wte.weight", []int{10, 4}, false},
		{"transformer.wpe.weight", []int{8, 4}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := decays(Tensor{Name: c.name, Shape: c.shape}); got != c.want {
				t.Errorf("decays %v, want %v", got, c.want)
			}
		})
	}
}

func TestAdamWStateRoundTrip(t *testing.T) {
	p := Tensor{Name: "w", Shape: []int{2, 1}, Data: []float32{1, 2}, Grad: []float32{0.1, -0.2}}
	opt := NewAdamW(DefaultAdamW(), []Tensor{p})
	opt.Step(0.01)

	q := Tensor{Name: "w", Shape: []int{2, 1}, Data: []float32{1, 2}, Grad: []float32{0.1, -0.2}}
	other := NewAdamW(DefaultAdamW(), []Tensor{q})
	if err := other.SetState(opt.State(), opt.Steps()); err != nil {
		t.Fatal(err)
	}
	copy(q.Data, p.Data)
	opt.Step(0.01)
	other.Step(0.01)
	for i := range p.Data {
		if p.Data[i] != q.Data[i] {
			t.Errorf("value %d: %v after restore, want %v", i, q.Data[i], p.Data[i])
		}
	}
	if err := other.SetState(map[string][]float32{}, 1); err == nil {
		t.Error("SetState accepted a state without the parameter's moments")
	}
}

func TestScheduleValues(t *testing.T) {
	s := Schedule{Peak: 1e-3, Warmup: 10, Total: 110}
	cases := []struct {
		step int
		want float64
	}{
		{0, 0},
		{5, 5e-4},
		{10, 1e-3},
		{60, 5e-4},
		{35, 1e-3 * 0.5 * (1 + math.Cos(math.Pi*0.25))},
		{110, 0},
		{200, 0},
	}
	for _, c := range cases {
		if got := s.At(c.step); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("At(%d) = %v, want %v", c.step, got, c.want)
		}
	}
	noWarmup := Schedule{Peak: 2, Total: 4}
	if got := noWarmup.At(0); got != 2 {
		t.Errorf("At(0) without warmup = %v, want 2", got)
	}
}

func TestClipGradNorm(t *testing.T) {
	a := Tensor{Grad: []float32{3, 0}}
	b := Tensor{Grad: []float32{4}}
	norm := ClipGradNorm([]Tensor{a, b}, 1)
	if math.Abs(norm-5) > 1e-9 {
		t.Errorf("norm %v, want 5", norm)
	}
	var sum float64
	for _, g := range append(a.Grad, b.Grad...) {
		sum += float64(g) * float64(g)
	}
	if got := math.Sqrt(sum); math.Abs(got-1) > 1e-5 {
		t.Errorf("norm after clipping %v, want 1", got)
	}
	if math.Abs(float64(a.Grad[0])-0.6) > 1e-5 || math.Abs(float64(b.Grad[0])-0.8) > 1e-5 {
		t.Errorf("clipped gradients %v %v, want direction kept (0.6, 0.8)", a.Grad, b.Grad)
	}

	c := Tensor{Grad: []float32{0.3, 0.4}}
	if norm := ClipGradNorm([]Tensor{c}, 1); math.Abs(norm-0.5) > 1e-7 {
		t.Errorf("norm %v, want 0.5", norm)
	}
	if c.Grad[0] != 0.3 || c.Grad[1] != 0.4 {
		t.Errorf("gradients under the limit changed to %v", c.Grad)
	}
}

func TestAccumulationMatchesLargerBatch(t *testing.T) {
	// One step over 6 sequences of different lengths, as one batch of 6
	// or as three accumulated micro-batches of 2, gives the same update
	// up to float rounding.
	seqs := sftSequences(t)[:6]
	seqs[1].IDs = seqs[1].IDs[:seqs[1].PromptLen+1]
	var weights [2][]float32
	for i, shape := range [][2]int{{6, 1}, {2, 3}} {
		m := tinyModel(t, 11)
		cfg := testConfig(t.TempDir(), 1)
		cfg.Warmup = 0
		cfg.BatchSize, cfg.Accum = shape[0], shape[1]
		task := &lmTask{model: m, pad: byteEOS, train: seqs, evalBatch: 2}
		if _, err := runTask(context.Background(), cfg, m, task, byteVocab(), Truncation{}); err != nil {
			t.Fatal(err)
		}
		weights[i] = m.Params()[0].Data
	}
	for j := range weights[0] {
		if d := math.Abs(float64(weights[0][j] - weights[1][j])); d > 1e-6 {
			t.Fatalf("weight %d: %v with one batch, %v accumulated", j, weights[0][j], weights[1][j])
		}
	}
}
