// Package objective contains the training losses over a language model's
// outputs: token log-probabilities and cross-entropy, the DPO family of
// preference losses, and the Bradley-Terry reward model loss. Each returns
// its gradient with respect to its inputs.
package objective

import (
	"fmt"
	"math"

	"github.com/pairwise/pairwise/internal/train/kernels"
)

// Shape legend: B sequences, T positions, V vocabulary; logits[b,t] are the
// next-token logits after token t, so they score token t+1.

// CompletionLogProbs returns, for each sequence b, the sum of
// log p(ids[b,t] | ids[b,<t]) over the completion positions
// promptLens[b] ≤ t < lengths[b]. Right padding past lengths[b] is
// excluded. grad sets dLogits [B,T,V] to the gradient of a loss given
// dLogp, its gradient with respect to each sum; unscored rows get zeros.
// dLogits may be logits itself, which saves a [B,T,V] buffer but
// overwrites the logits. It panics on mismatched shapes or a prompt length
// below 1.
//
// The log-softmax uses float32 exponentials summed in float64, which keeps
// each row's log-sum-exp within about 1e-7 of the float64 value.
func CompletionLogProbs(logits []float32, ids []int32, B, T, V int, promptLens, lengths []int) (
	logp []float64, grad func(dLogp []float64, dLogits []float32)) {
	checkSequences(logits, ids, B, T, V, promptLens, lengths)
	lse := make([]float64, B*T)
	logp = make([]float64, B)
	kernels.Parallel(B, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			var sum float64
			for t := promptLens[b]; t < lengths[b]; t++ {
				row := (b*T + t - 1)
				lse[row] = kernels.LogSumExp(logits[row*V : (row+1)*V])
				sum += float64(logits[row*V+int(ids[b*T+t])]) - lse[row]
			}
			logp[b] = sum
		}
	})

	grad = func(dLogp []float64, dLogits []float32) {
		if len(dLogp) != B || len(dLogits) != B*T*V {
			panic(fmt.Sprintf("objective: completion gradient got %d sums and %d logits, want %d and %d",
				len(dLogp), len(dLogits), B, B*T*V))
		}
		kernels.Parallel(B*T, func(lo, hi int) {
			for row := lo; row < hi; row++ {
				b, t := row/T, row%T+1
				out := dLogits[row*V : (row+1)*V]
				if t < promptLens[b] || t >= lengths[b] {
					clear(out)
					continue
				}
				softmaxGrad(out, logits[row*V:(row+1)*V], lse[row], int(ids[b*T+t]), dLogp[b])
			}
		})
	}
	return logp, grad
}

// softmaxGrad sets out = scale·(onehot(target) − softmax(x)), the
// gradient of scale·log softmax(x)[target], given lse = log Σ exp(x). out
// may be x itself. The exponent is shifted by the row's float32 maximum
// rather than by lse, so the shift is exact, and the float64 factor
// e^(max−lse) then normalises.
func softmaxGrad(out, x []float32, lse float64, target int, scale float64) {
	mx := kernels.Max(x)
	kernels.ExpSum(out, x, mx)
	kernels.Scale(float32(-scale*math.Exp(float64(mx)-lse)), out)
	out[target] += float32(scale)
}

func checkSequences(logits []float32, ids []int32, B, T, V int, promptLens, lengths []int) {
	if len(logits) != B*T*V || len(ids) != B*T || len(promptLens) != B || len(lengths) != B {
		panic(fmt.Sprintf("objective: got %d logits, %d ids, %d prompt lengths, %d lengths for B=%d, T=%d, V=%d",
			len(logits), len(ids), len(promptLens), len(lengths), B, T, V))
	}
	for b := 0; b < B; b++ {
		if promptLens[b] < 1 || lengths[b] > T || lengths[b] < 0 {
			panic(fmt.Sprintf("objective: sequence %d has prompt length %d and length %d; need 1 ≤ prompt length and length ≤ T=%d",
				b, promptLens[b], lengths[b], T))
		}
		for t := promptLens[b]; t < lengths[b]; t++ {
			if id := ids[b*T+t]; id < 0 || int(id) >= V {
				panic(fmt.Sprintf("objective: token id %d of sequence %d is outside [0, %d)", id, b, V))
			}
		}
	}
}

// CrossEntropy returns the mean of −log softmax(logits[r])[targets[r]]
// over the rows r of logits [N,V] whose target is not negative, and the
// number of such rows. When dLogits is not nil it is set to the gradient
// of that mean; ignored rows get zeros. dLogits may be logits itself,
// which overwrites the logits. With no scored rows the loss is 0.
func CrossEntropy(logits []float32, targets []int32, V int, dLogits []float32) (loss float64, count int) {
	N := len(targets)
	if len(logits) != N*V || (dLogits != nil && len(dLogits) != N*V) {
		panic(fmt.Sprintf("objective: CrossEntropy got %d logits for %d targets of vocabulary %d",
			len(logits), N, V))
	}
	for r, y := range targets {
		if int(y) >= V {
			panic(fmt.Sprintf("objective: target %d of row %d is outside [0, %d)", y, r, V))
		}
		if y >= 0 {
			count++
		}
	}
	if count == 0 {
		if dLogits != nil {
			clear(dLogits)
		}
		return 0, 0
	}

	rowLoss := make([]float64, N)
	kernels.Parallel(N, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			x, y := logits[r*V:(r+1)*V], targets[r]
			if y < 0 {
				if dLogits != nil {
					clear(dLogits[r*V : (r+1)*V])
				}
				continue
			}
			lse := kernels.LogSumExp(x)
			rowLoss[r] = lse - float64(x[y])
			if dLogits != nil {
				softmaxGrad(dLogits[r*V:(r+1)*V], x, lse, int(y), -1/float64(count))
			}
		}
	})
	for _, l := range rowLoss {
		loss += l
	}
	return loss / float64(count), count
}
