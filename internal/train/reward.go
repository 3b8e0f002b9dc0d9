package train

import (
	"context"

	"github.com/pairwise/pairwise/internal/train/gpt2"
	"github.com/pairwise/pairwise/internal/train/objective"
)

// rewardTask trains a score head with the Bradley-Terry loss
// −log σ(s_chosen − s_rejected − margin), averaged over pairs.
type rewardTask struct {
	model     *gpt2.Model
	pad       int32
	train     []pair
	eval      []pair
	evalBatch int
}

func (t *rewardTask) size() int { return len(t.train) }

func (t *rewardTask) fingerprint() string { return pairFingerprint(t.train) }

func (t *rewardTask) units(idx []int) float64 { return float64(len(idx)) }

func (t *rewardTask) trainBatch(idx []int, scale float64) (Metrics, error) {
	pairs := pick(t.train, idx)
	b := pairBatch(pairs, t.pad)
	pass := t.model.Forward(b.ids, b.B, b.T, true)
	defer pass.Release()

	scores := pass.Scores(b.lengths)
	n := len(pairs)
	dScores := make([]float32, b.B)
	var stats pairStats
	for i, p := range pairs {
		sc, sr := float64(scores[i]), float64(scores[n+i])
		loss, dc, dr := objective.BradleyTerry(sc, sr, p.margin)
		dScores[i] = float32(dc * scale / float64(n))
		dScores[n+i] = float32(dr * scale / float64(n))
		stats.add(loss, sc, sr, 0, 0)
	}
	C := t.model.Config().NEmbd
	dHidden := make([]float32, b.B*b.T*C)
	pass.ScoreBackward(b.lengths, dScores, dHidden)
	pass.Backward(nil, dHidden)
	return rewardMetrics(&stats), nil
}

func (t *rewardTask) evaluate(ctx context.Context) (Metrics, error) {
	if len(t.eval) == 0 {
		return nil, nil
	}
	stats, err := scorePairs(ctx, t.model, t.eval, t.pad, t.evalBatch)
	if err != nil {
		return nil, err
	}
	return rewardMetrics(stats), nil
}

// rewardMetrics adds "accuracy", the name TRL's RewardTrainer logs, to the
// pair metrics, where the rewards are the scores.
func rewardMetrics(s *pairStats) Metrics {
	m := s.metrics()
	m["accuracy"] = m["rewards/accuracies"]
	return m
}

// scorePairs scores held-out pairs with a reward model.
func scorePairs(ctx context.Context, model *gpt2.Model, pairs []pair, pad int32, batchSize int) (*pairStats, error) {
	stats := &pairStats{}
	for lo := 0; lo < len(pairs); lo += batchSize {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		part := pairs[lo:min(lo+batchSize, len(pairs))]
		b := pairBatch(part, pad)
		pass := model.Forward(b.ids, b.B, b.T, false)
		scores := pass.Scores(b.lengths)
		pass.Release()
		for i, p := range part {
			sc, sr := float64(scores[i]), float64(scores[len(part)+i])
			loss, _, _ := objective.BradleyTerry(sc, sr, p.margin)
			stats.add(loss, sc, sr, 0, 0)
		}
	}
	return stats, nil
}
