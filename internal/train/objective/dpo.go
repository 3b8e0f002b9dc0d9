package objective

import (
	"fmt"
	"math"
)

// LossType names a DPO-family loss as TRL's DPOConfig.loss_type does.
type LossType string

// The supported DPO losses, with x = (πc − πr) − (refc − refr), the
// difference of policy and reference log-ratios of chosen over rejected,
// and ε the label smoothing (TRL 0.x DPOTrainer.dpo_loss):
//
//	sigmoid: −(1−ε)·log σ(βx) − ε·log σ(−βx)
//	hinge:   max(0, 1 − βx)
//	ipo:     (x − 1/(2β))², with x not normalised by sequence length
//	robust:  (−(1−ε)·log σ(βx) + ε·log σ(−βx)) / (1 − 2ε)
const (
	Sigmoid LossType = "sigmoid"
	Hinge   LossType = "hinge"
	IPO     LossType = "ipo"
	Robust  LossType = "robust"
)

// ParseLossType returns the loss named s or an error listing the choices.
func ParseLossType(s string) (LossType, error) {
	switch t := LossType(s); t {
	case Sigmoid, Hinge, IPO, Robust:
		return t, nil
	}
	return "", fmt.Errorf("unknown DPO loss type %q: use sigmoid, hinge, ipo or robust", s)
}

// DPO configures a DPO-family loss.
type DPO struct {
	Loss           LossType
	Beta           float64 // β, the strength of the pull towards the reference
	LabelSmoothing float64 // ε, the assumed rate of flipped labels (sigmoid and robust)
}

// Bounds of DPO.Beta that keep the loss finite in float64.
const (
	minBeta = 1e-6
	maxBeta = 100.0
)

// Validate returns an error naming the setting that is out of range.
func (d DPO) Validate() error {
	if _, err := ParseLossType(string(d.Loss)); err != nil {
		return err
	}
	// NOTE: beta scales log-probability differences of hundreds of nats.
	// Values past maxBeta overflow the loss to Inf at the first step, and
	// TRL's default is 0.1.
	if !(d.Beta > 0) || d.Beta > maxBeta || d.Beta < minBeta {
		return fmt.Errorf("DPO beta is %g: must be between %g and %g (0.1 is the usual value)",
			d.Beta, minBeta, maxBeta)
	}
	ls := d.LabelSmoothing
	switch d.Loss {
	case Sigmoid:
		if ls < 0 || ls > 0.5 {
			return fmt.Errorf("label smoothing is %g: must be in [0, 0.5]", ls)
		}
	case Robust:
		if ls < 0 || ls >= 0.5 {
			return fmt.Errorf("label smoothing is %g: the robust loss needs it in [0, 0.5)", ls)
		}
	default:
		if ls != 0 {
			return fmt.Errorf("label smoothing is %g: the %s loss does not use it, set it to 0", ls, d.Loss)
		}
	}
	return nil
}

// PairLoss is the loss of one preference pair, its derivatives with
// respect to the policy's chosen and rejected log-probabilities, and
// TRL's implicit rewards β·(log π − log π_ref).
type PairLoss struct {
	Loss           float64
	DChosen        float64
	DRejected      float64
	RewardChosen   float64
	RewardRejected float64
}

// Pair returns the loss of one pair from the summed completion
// log-probabilities under the policy and the reference model. d must be
// valid.
func (d DPO) Pair(policyChosen, policyRejected, refChosen, refRejected float64) PairLoss {
	x := (policyChosen - policyRejected) - (refChosen - refRejected)
	beta, ls := d.Beta, d.LabelSmoothing
	z := beta * x
	var loss, dx float64
	switch d.Loss {
	case Sigmoid:
		loss = -(1-ls)*logSigmoid(z) - ls*logSigmoid(-z)
		dx = beta * (-(1-ls)*sigmoid(-z) + ls*sigmoid(z))
	case Robust:
		loss = (-(1-ls)*logSigmoid(z) + ls*logSigmoid(-z)) / (1 - 2*ls)
		dx = beta * (-(1-ls)*sigmoid(-z) - ls*sigmoid(z)) / (1 - 2*ls)
	case Hinge:
		if 1-z > 0 {
			loss, dx = 1-z, -beta
		}
	case IPO:
		r := x - 1/(2*beta)
		loss, dx = r*r, 2*r
	default:
		panic(fmt.Sprintf("objective: unknown DPO loss type %q", d.Loss))
	}
	return PairLoss{
		Loss: loss, DChosen: dx, DRejected: -dx,
		RewardChosen:   beta * (policyChosen - refChosen),
		RewardRejected: beta * (policyRejected - refRejected),
	}
}

// BatchLoss is the mean loss over a batch of pairs, the gradient of that
// mean with respect to each pair's policy log-probabilities, and each
// pair's rewards.
type BatchLoss struct {
	Loss            float64
	DChosen         []float64
	DRejected       []float64
	RewardsChosen   []float64
	RewardsRejected []float64
}

// Batch returns the mean loss over the pairs i of the four slices, which
// must have equal lengths.
func (d DPO) Batch(policyChosen, policyRejected, refChosen, refRejected []float64) BatchLoss {
	n := len(policyChosen)
	if len(policyRejected) != n || len(refChosen) != n || len(refRejected) != n || n == 0 {
		panic(fmt.Sprintf("objective: DPO batch got %d, %d, %d and %d log-probabilities",
			n, len(policyRejected), len(refChosen), len(refRejected)))
	}
	out := BatchLoss{
		DChosen: make([]float64, n), DRejected: make([]float64, n),
		RewardsChosen: make([]float64, n), RewardsRejected: make([]float64, n),
	}
	for i := range policyChosen {
		p := d.Pair(policyChosen[i], policyRejected[i], refChosen[i], refRejected[i])
		out.Loss += p.Loss / float64(n)
		out.DChosen[i] = p.DChosen / float64(n)
		out.DRejected[i] = p.DRejected / float64(n)
		out.RewardsChosen[i] = p.RewardChosen
		out.RewardsRejected[i] = p.RewardRejected
	}
	return out
}

// BradleyTerry returns the reward model loss −log σ(s_c − s_r − margin)
// of one pair and its derivatives with respect to the chosen and rejected
// scores. A margin of 0 gives the plain Bradley-Terry loss.
func BradleyTerry(scoreChosen, scoreRejected, margin float64) (loss, dChosen, dRejected float64) {
	z := scoreChosen - scoreRejected - margin
	loss = -logSigmoid(z)
	dChosen = -sigmoid(-z)
	return loss, dChosen, -dChosen
}

// logSigmoid returns log σ(z) without overflow for large |z|.
func logSigmoid(z float64) float64 {
	return -(max(-z, 0) + math.Log1p(math.Exp(-math.Abs(z))))
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}
