package train

import (
	"context"
	"fmt"

	"github.com/pairwise/pairwise/internal/train/gpt2"
	"github.com/pairwise/pairwise/internal/train/objective"
)

// refLogps are the reference model's summed completion log-probabilities
// of a set of pairs.
type refLogps struct {
	chosen, rejected []float64
}

// dpoTask trains a policy against cached reference log-probabilities.
type dpoTask struct {
	cfg       objective.DPO
	model     *gpt2.Model
	pad       int32
	train     []pair
	eval      []pair
	refTrain  refLogps
	refEval   refLogps
	evalBatch int
	dLogits   []float32 // reused gradient buffer
	refID     string    // fingerprint of the reference model's weights
}

func (t *dpoTask) size() int { return len(t.train) }

func (t *dpoTask) objective() string {
	return fmt.Sprintf("dpo loss=%s beta=%g label_smoothing=%g reference=%s",
		t.cfg.Loss, t.cfg.Beta, t.cfg.LabelSmoothing, t.refID)
}

func (t *dpoTask) fingerprint() string { return pairFingerprint(t.train) }

func (t *dpoTask) units(idx []int) float64 { return float64(len(idx)) }

func (t *dpoTask) trainBatch(idx []int, scale float64) (Metrics, error) {
	pairs := pick(t.train, idx)
	b := pairBatch(pairs, t.pad)
	pass := t.model.Forward(b.ids, b.B, b.T, true)
	defer pass.Release()

	logp, grad := completionLogProbs(pass, b, &t.dLogits)
	n := len(pairs)
	dLogp := make([]float64, b.B)
	stats := pairStats{hasLogps: true}
	for i, j := range idx {
		pc, pr := logp[i], logp[n+i]
		rc, rr := t.refTrain.chosen[j], t.refTrain.rejected[j]
		l := t.cfg.Pair(pc, pr, rc, rr)
		dLogp[i] = l.DChosen * scale / float64(n)
		dLogp[n+i] = l.DRejected * scale / float64(n)
		stats.add(l.Loss, l.RewardChosen, l.RewardRejected, pc, pr)
	}
	pass.Backward(grad(dLogp), nil)
	return stats.metrics(), nil
}

func (t *dpoTask) evaluate(ctx context.Context) (Metrics, error) {
	if len(t.eval) == 0 {
		return nil, nil
	}
	stats, err := dpoStats(ctx, t.cfg, t.model, t.eval, t.refEval, t.pad, t.evalBatch)
	if err != nil {
		return nil, err
	}
	return stats.metrics(), nil
}

// dpoStats computes the DPO loss and implicit rewards of a policy on
// pairs, given the reference's log-probabilities.
func dpoStats(ctx context.Context, cfg objective.DPO, policy *gpt2.Model, pairs []pair, ref refLogps, pad int32, batchSize int) (*pairStats, error) {
	pc, pr, err := pairLogProbs(ctx, policy, pairs, pad, batchSize)
	if err != nil {
		return nil, err
	}
	stats := &pairStats{hasLogps: true}
	for i := range pairs {
		l := cfg.Pair(pc[i], pr[i], ref.chosen[i], ref.rejected[i])
		stats.add(l.Loss, l.RewardChosen, l.RewardRejected, pc[i], pr[i])
	}
	return stats, nil
}
