package gpt2_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pairwise/pairwise/internal/train/gpt2"
)

// smallConfig is a model small enough for finite differences.
func smallConfig() gpt2.Config {
	return gpt2.Config{VocabSize: 13, NPositions: 8, NEmbd: 8, NLayer: 2, NHead: 2,
		LayerNormEpsilon: 1e-5, ActivationFunction: "gelu_new"}
}

// roughModel returns a model with weights large enough that every
// nonlinearity (softmax, GELU, LayerNorm) bends within the checked range,
// and with non-trivial LayerNorm gains and biases.
func roughModel(t testing.TB, seed uint64) *gpt2.Model {
	t.Helper()
	m, err := gpt2.New(smallConfig(), seed)
	if err != nil {
		t.Fatal(err)
	}
	m.AddScoreHead(seed + 1)
	rng := rand.New(rand.NewPCG(seed, 7))
	for _, p := range m.Params() {
		for i := range p.Data {
			p.Data[i] += float32(rng.NormFloat64() * 0.3)
		}
	}
	return m
}

// probeLoss is a scalar function of every model output: fixed random
// weights on the logits, on Hidden and on the scores at each sequence's
// last real token. It is accumulated in float64.
type probeLoss struct {
	ids              []int32
	B, T             int
	lengths          []int
	wLogits, wHidden []float32
	wScores          []float32
}

func newProbeLoss(cfg gpt2.Config, seed uint64) *probeLoss {
	rng := rand.New(rand.NewPCG(seed, 11))
	B, T := 2, 6
	p := &probeLoss{B: B, T: T, lengths: []int{6, 4}}
	for i := 0; i < B*T; i++ {
		p.ids = append(p.ids, int32(rng.IntN(cfg.VocabSize)))
	}
	p.wLogits = randomVector(rng, B*T*cfg.VocabSize)
	p.wHidden = randomVector(rng, B*T*cfg.NEmbd)
	p.wScores = randomVector(rng, B)
	return p
}

func randomVector(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

func (p *probeLoss) value(m *gpt2.Model) float64 {
	pass := m.Forward(p.ids, p.B, p.T, false)
	defer pass.Release()
	var sum float64
	for i, v := range pass.Logits {
		sum += float64(p.wLogits[i]) * float64(v)
	}
	for i, v := range pass.Hidden {
		sum += float64(p.wHidden[i]) * float64(v)
	}
	for b, s := range pass.Scores(p.lengths) {
		sum += float64(p.wScores[b]) * float64(s)
	}
	return sum
}

func (p *probeLoss) backward(m *gpt2.Model) {
	pass := m.Forward(p.ids, p.B, p.T, true)
	defer pass.Release()
	dHidden := append([]float32(nil), p.wHidden...)
	pass.ScoreBackward(p.lengths, p.wScores, dHidden)
	pass.Backward(p.wLogits, dHidden)
}

// TestBackwardFiniteDifferences compares every parameter tensor's gradient
// with central differences of probeLoss, so each operation's backward pass
// is checked through the tensors it feeds. wte covers the embedding and the
// tied logits, wpe the position embedding and ln_* the LayerNorms. c_attn
// covers attention through queries, keys and values, mlp.c_fc the GELU,
// the c_proj weights the linear layers and score.weight the score head.
func TestBackwardFiniteDifferences(t *testing.T) {
	m := roughModel(t, 3)
	probe := newProbeLoss(m.Config(), 5)
	m.ZeroGrad()
	probe.backward(m)

	rng := rand.New(rand.NewPCG(9, 9))
	const eps = 1e-2
	for _, p := range m.Params() {
		for k := 0; k < 6; k++ {
			i := rng.IntN(len(p.Data))
			orig := p.Data[i]
			p.Data[i] = orig + eps
			up := probe.value(m)
			p.Data[i] = orig - eps
			down := probe.value(m)
			p.Data[i] = orig
			// The step is the float32 difference actually applied.
			numeric := (up - down) / (float64(orig+eps) - float64(orig-eps))
			analytic := float64(p.Grad[i])
			if math.Abs(numeric-analytic) > 1e-2*math.Abs(numeric)+2e-3 {
				t.Errorf("%s[%d]: backward %.6g, finite difference %.6g", p.Name, i, analytic, numeric)
			}
		}
	}
}

// TestBackwardAccumulates checks that two backward passes add up.
func TestBackwardAccumulates(t *testing.T) {
	m := roughModel(t, 4)
	probe := newProbeLoss(m.Config(), 6)
	m.ZeroGrad()
	probe.backward(m)
	once := append([]float32(nil), m.Params()[0].Grad...)
	probe.backward(m)
	for i, g := range m.Params()[0].Grad {
		if math.Abs(float64(g-2*once[i])) > 1e-5*math.Abs(float64(once[i]))+1e-6 {
			t.Fatalf("wte grad[%d]: got %g after two passes, want %g", i, g, 2*once[i])
		}
	}
}

// TestBackwardInPlaceLogits checks that Backward gives the same gradients
// when the logit gradient is written over the pass's own logits, on a
// sequence longer than one attention row block.
func TestBackwardInPlaceLogits(t *testing.T) {
	cfg := gpt2.Config{VocabSize: 37, NPositions: 80, NEmbd: 16, NLayer: 2, NHead: 2,
		LayerNormEpsilon: 1e-5, ActivationFunction: "gelu_new"}
	m, err := gpt2.New(cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	B, T := 2, 80
	rng := rand.New(rand.NewPCG(5, 9))
	ids := make([]int32, B*T)
	for i := range ids {
		ids[i] = int32(rng.IntN(cfg.VocabSize))
	}
	dLogits := make([]float32, B*T*cfg.VocabSize)
	for i := range dLogits {
		dLogits[i] = float32(rng.NormFloat64())
	}

	grads := func(inPlace bool) [][]float32 {
		m.ZeroGrad()
		pass := m.Forward(ids, B, T, true)
		defer pass.Release()
		d := dLogits
		if inPlace {
			copy(pass.Logits, dLogits)
			d = pass.Logits
		}
		pass.Backward(d, nil)
		var out [][]float32
		for _, p := range m.Params() {
			out = append(out, append([]float32(nil), p.Grad...))
		}
		return out
	}
	want, got := grads(false), grads(true)
	for i, p := range m.Params() {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("%s grad[%d]: got %g in place, want %g", p.Name, j, got[i][j], want[i][j])
			}
		}
	}
}
