package gpt2

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
)

// Param is one weight tensor and its gradient, both row-major with the
// Hugging Face shape (Conv1D weights are [in, out]).
type Param struct {
	Name  string // Hugging Face name without the "transformer." prefix
	Shape []int
	Data  []float32
	Grad  []float32
}

func newParam(name string, shape ...int) *Param {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return &Param{Name: name, Shape: shape, Data: make([]float32, n), Grad: make([]float32, n)}
}

// layer contains one transformer block's parameters.
type layer struct {
	ln1W, ln1B   *Param
	attnW, attnB *Param // c_attn: [C, 3C], [3C]
	projW, projB *Param // attn.c_proj: [C, C], [C]
	ln2W, ln2B   *Param
	fcW, fcB     *Param // mlp.c_fc: [C, inner], [inner]
	outW, outB   *Param // mlp.c_proj: [inner, C], [C]
}

// Model is a GPT-2 language model with tied input and output embeddings and
// an optional scalar score head for reward models. Forward may run from
// several goroutines at once; Backward accumulates into the shared
// gradients, so backward passes of one model must not overlap.
type Model struct {
	cfg    Config
	wte    *Param // [V, C]
	wpe    *Param // [P, C]
	layers []layer
	lnfW   *Param
	lnfB   *Param
	score  *Param // [1, C], nil without a score head
	params []*Param

	mu   sync.Mutex
	pool []*workspace
}

// New returns a model with GPT-2's initialisation: weights drawn from
// N(0, 0.02²), the two residual projections of each block from
// N(0, (0.02/√(2·n_layer))²), zero biases and unit LayerNorm gains.
func New(cfg Config, seed uint64) (*Model, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	m := newModel(cfg)
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	residualStd := 0.02 / math.Sqrt(2*float64(cfg.NLayer))
	for _, p := range m.params {
		switch {
		case isGain(p.Name):
			fill(p.Data, 1)
		case isBias(p.Name):
		case isResidualProjection(p.Name):
			fillNormal(p.Data, rng, residualStd)
		default:
			fillNormal(p.Data, rng, 0.02)
		}
	}
	return m, nil
}

// newModel allocates a zero model with every parameter of cfg.
func newModel(cfg Config) *Model {
	C, V, P, inner := cfg.NEmbd, cfg.VocabSize, cfg.NPositions, cfg.Inner()
	m := &Model{cfg: cfg}
	m.wte = newParam("wte.weight", V, C)
	m.wpe = newParam("wpe.weight", P, C)
	m.params = []*Param{m.wte, m.wpe}
	for i := 0; i < cfg.NLayer; i++ {
		pre := fmt.Sprintf("h.%d.", i)
		l := layer{
			ln1W:  newParam(pre+"ln_1.weight", C),
			ln1B:  newParam(pre+"ln_1.bias", C),
			attnW: newParam(pre+"attn.c_attn.weight", C, 3*C),
			attnB: newParam(pre+"attn.c_attn.bias", 3*C),
			projW: newParam(pre+"attn.c_proj.weight", C, C),
			projB: newParam(pre+"attn.c_proj.bias", C),
			ln2W:  newParam(pre+"ln_2.weight", C),
			ln2B:  newParam(pre+"ln_2.bias", C),
			fcW:   newParam(pre+"mlp.c_fc.weight", C, inner),
			fcB:   newParam(pre+"mlp.c_fc.bias", inner),
			outW:  newParam(pre+"mlp.c_proj.weight", inner, C),
			outB:  newParam(pre+"mlp.c_proj.bias", C),
		}
		m.layers = append(m.layers, l)
		m.params = append(m.params, l.ln1W, l.ln1B, l.attnW, l.attnB, l.projW, l.projB,
			l.ln2W, l.ln2B, l.fcW, l.fcB, l.outW, l.outB)
	}
	m.lnfW = newParam("ln_f.weight", C)
	m.lnfB = newParam("ln_f.bias", C)
	m.params = append(m.params, m.lnfW, m.lnfB)
	return m
}

// AddScoreHead adds the reward model's "score.weight" [1, n_embd], drawn
// from N(0, 0.02²) as Hugging Face's GPT2ForSequenceClassification does.
// A model that already has one keeps it.
func (m *Model) AddScoreHead(seed uint64) {
	if m.score != nil {
		return
	}
	m.score = newParam("score.weight", 1, m.cfg.NEmbd)
	fillNormal(m.score.Data, rand.New(rand.NewPCG(seed, 0x5ca1ab1e)), 0.02)
	m.params = append(m.params, m.score)
}

// ScoreHead returns the "score.weight" parameter, or nil when the model
// has no score head.
func (m *Model) ScoreHead() *Param { return m.score }

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// Params returns every parameter in a fixed order: wte, wpe, the blocks in
// order, ln_f, then score.weight when present.
func (m *Model) Params() []*Param { return m.params }

// NumParams returns the number of scalar weights.
func (m *Model) NumParams() int {
	n := 0
	for _, p := range m.params {
		n += len(p.Data)
	}
	return n
}

// ZeroGrad sets every gradient to zero.
func (m *Model) ZeroGrad() {
	for _, p := range m.params {
		clear(p.Grad)
	}
}

// Clone returns a deep copy of the weights with zero gradients.
func (m *Model) Clone() *Model {
	c := newModel(m.cfg)
	if m.score != nil {
		c.AddScoreHead(0)
	}
	for i, p := range m.params {
		copy(c.params[i].Data, p.Data)
	}
	return c
}

func isGain(name string) bool {
	return strings.HasSuffix(name, "ln_1.weight") || strings.HasSuffix(name, "ln_2.weight") || name == "ln_f.weight"
}

func isBias(name string) bool { return strings.HasSuffix(name, ".bias") }

func isResidualProjection(name string) bool {
	return strings.HasSuffix(name, "attn.c_proj.weight") || strings.HasSuffix(name, "mlp.c_proj.weight")
}

func fill(dst []float32, v float32) {
	for i := range dst {
		dst[i] = v
	}
}

func fillNormal(dst []float32, rng *rand.Rand, std float64) {
	for i := range dst {
		dst[i] = float32(rng.NormFloat64() * std)
	}
}
