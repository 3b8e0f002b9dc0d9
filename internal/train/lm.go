package train

import (
	"context"
	"math"

	"github.com/pairwise/pairwise/internal/train/gpt2"
)

// lmTask is next-token cross-entropy over the completion tokens of each
// sequence, averaged over tokens: pretraining (every token after the
// first is a completion token) and supervised fine-tuning (the prompt is
// context only).
type lmTask struct {
	model     *gpt2.Model
	pad       int32
	train     []Sequence
	eval      []Sequence
	evalBatch int
	dLogits   []float32 // reused gradient buffer
}

func (t *lmTask) size() int { return len(t.train) }

func (t *lmTask) fingerprint() string { return fingerprintSequences(t.train) }

func (t *lmTask) units(idx []int) float64 {
	n := 0
	for _, i := range idx {
		n += len(t.train[i].IDs) - t.train[i].PromptLen
	}
	return float64(n)
}

// trainBatch adds scale times the gradient of the mean token loss.
func (t *lmTask) trainBatch(idx []int, scale float64) (Metrics, error) {
	seqs := make([]Sequence, len(idx))
	for i, j := range idx {
		seqs[i] = t.train[j]
	}
	b := makeBatch(seqs, t.pad)
	pass := t.model.Forward(b.ids, b.B, b.T, true)
	defer pass.Release()

	logp, grad := completionLogProbs(pass, b, &t.dLogits)
	tokens := float64(b.completionTokens())
	dLogp := make([]float64, b.B)
	var sum float64
	for i, lp := range logp {
		sum += lp
		dLogp[i] = -scale / tokens
	}
	pass.Backward(grad(dLogp), nil)
	loss := -sum / tokens
	return Metrics{"loss": loss}, nil
}

// evaluate returns the held-out mean token loss and its perplexity.
func (t *lmTask) evaluate(ctx context.Context) (Metrics, error) {
	if len(t.eval) == 0 {
		return nil, nil
	}
	var sum, tokens float64
	for lo := 0; lo < len(t.eval); lo += t.evalBatch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := makeBatch(t.eval[lo:min(lo+t.evalBatch, len(t.eval))], t.pad)
		pass := t.model.Forward(b.ids, b.B, b.T, false)
		logp, _ := completionLogProbs(pass, b, &t.dLogits)
		for _, lp := range logp {
			sum += lp
		}
		pass.Release()
		tokens += float64(b.completionTokens())
	}
	loss := -sum / tokens
	return Metrics{"loss": loss, "perplexity": math.Exp(loss)}, nil
}
