package train

import (
	"fmt"
	"math"
	"strings"
)

// Tensor is the optimizer's view of one trainable parameter.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
	Grad  []float32
}

// AdamWConfig holds the AdamW hyperparameters. The learning rate is
// passed to each Step, because the schedule changes it.
type AdamWConfig struct {
	Beta1, Beta2 float64
	Eps          float64
	WeightDecay  float64
}

// DefaultAdamW returns PyTorch's AdamW defaults with GPT-2's usual
// weight decay of 0.01 (betas 0.9 and 0.999, eps 1e-8).
func DefaultAdamW() AdamWConfig {
	return AdamWConfig{Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}
}

// AdamW is Adam with decoupled weight decay (Loshchilov and Hutter,
// "Decoupled Weight Decay Regularization", 2019), updated as PyTorch's
// torch.optim.AdamW does:
//
//	p ← p − lr·wd·p
//	m ← β1·m + (1−β1)·g
//	v ← β2·v + (1−β2)·g²
//	p ← p − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)
//
// Weight decay applies only to matrices (tensors of two or more
// dimensions) other than the token and position embeddings wte and wpe.
// Biases, LayerNorm gains and embeddings are not decayed.
type AdamW struct {
	cfg    AdamWConfig
	params []Tensor
	decay  []bool
	m, v   [][]float32
	step   int
}

// NewAdamW returns an optimizer for params with zeroed moments.
func NewAdamW(cfg AdamWConfig, params []Tensor) *AdamW {
	o := &AdamW{cfg: cfg, params: params}
	for _, p := range params {
		o.decay = append(o.decay, decays(p))
		o.m = append(o.m, make([]float32, len(p.Data)))
		o.v = append(o.v, make([]float32, len(p.Data)))
	}
	return o
}

// decays reports whether weight decay applies to p.
func decays(p Tensor) bool {
	if len(p.Shape) < 2 {
		return false
	}
	name := strings.TrimPrefix(p.Name, "transformer.")
	return name != "wte.weight" && name != "wpe.weight"
}

// Steps returns the number of updates taken.
func (o *AdamW) Steps() int { return o.step }

// Step updates every parameter from its gradient with learning rate lr.
func (o *AdamW) Step(lr float64) {
	o.step++
	c := o.cfg
	bias1 := 1 - math.Pow(c.Beta1, float64(o.step))
	bias2 := 1 - math.Pow(c.Beta2, float64(o.step))
	stepSize := lr / bias1
	sqrtBias2 := math.Sqrt(bias2)
	for i, p := range o.params {
		shrink := float32(1)
		if o.decay[i] {
			shrink = float32(1 - lr*c.WeightDecay)
		}
		m, v := o.m[i], o.v[i]
		for j, g64 := range p.Grad {
			g := float64(g64)
			mj := c.Beta1*float64(m[j]) + (1-c.Beta1)*g
			vj := c.Beta2*float64(v[j]) + (1-c.Beta2)*g*g
			m[j], v[j] = float32(mj), float32(vj)
			denom := math.Sqrt(vj)/sqrtBias2 + c.Eps
			p.Data[j] = p.Data[j]*shrink - float32(stepSize*mj/denom)
		}
	}
}

// State returns the optimizer's moments by parameter name, as "m.NAME"
// and "v.NAME", for a checkpoint.
func (o *AdamW) State() map[string][]float32 {
	state := make(map[string][]float32, 2*len(o.params))
	for i, p := range o.params {
		state["m."+p.Name] = o.m[i]
		state["v."+p.Name] = o.v[i]
	}
	return state
}

// SetState restores the moments saved by State and the number of steps
// taken. A missing tensor or a size mismatch is an error.
func (o *AdamW) SetState(state map[string][]float32, steps int) error {
	for i, p := range o.params {
		for _, pre := range []string{"m.", "v."} {
			t, ok := state[pre+p.Name]
			if !ok {
				return fmt.Errorf("optimizer state has no tensor %q", pre+p.Name)
			}
			if len(t) != len(p.Data) {
				return fmt.Errorf("optimizer tensor %q has %d values, want %d",
					pre+p.Name, len(t), len(p.Data))
			}
			dst := o.m[i]
			if pre == "v." {
				dst = o.v[i]
			}
			copy(dst, t)
		}
	}
	o.step = steps
	return nil
}
