package train

import (
	"github.com/pairwise/pairwise/internal/train/gpt2"
	"github.com/pairwise/pairwise/internal/train/objective"
)

// completionLogProbs returns the summed completion log-probability of
// each sequence of b under the pass's logits, and a function that turns
// the loss's gradient with respect to those sums into its gradient with
// respect to the logits [B,T,V]. That gradient is written into *scratch,
// which grows as needed and is reused across calls; it stays valid until
// the next call with the same scratch.
func completionLogProbs(pass *gpt2.Pass, b batch, scratch *[]float32) ([]float64, func(dLogp []float64) []float32) {
	V := len(pass.Logits) / (b.B * b.T)
	logp, grad := objective.CompletionLogProbs(pass.Logits, b.ids, b.B, b.T, V, b.promptLens, b.lengths)
	return logp, func(dLogp []float64) []float32 {
		n := len(pass.Logits)
		if cap(*scratch) < n {
			*scratch = make([]float32, n)
		}
		d := (*scratch)[:n]
		grad(dLogp, d)
		return d
	}
}
