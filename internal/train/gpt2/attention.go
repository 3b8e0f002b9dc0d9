package gpt2

import (
	"math"

	"github.com/pairwise/pairwise/internal/train/kernels"
)

// attnBlock is the row block of the causal attention products: a block of
// query rows multiplies only the keys up to its last row.
const attnBlock = 64

// Causal attention probabilities are stored by row block without the
// zeros to the right of each block: the block of rows i0..i1 is an
// (i1−i0)×i1 matrix with row stride i1, and the blocks follow each other.
// With 64-row blocks that is 62% of a full T×T matrix at T = 256 and 53%
// at T = 1024, and the products read each block with its own stride.

// causalSize returns the number of floats one T×T causal matrix takes in
// row-block layout.
func causalSize(T int) int {
	n := 0
	for i0 := 0; i0 < T; i0 += attnBlock {
		i1 := min(i0+attnBlock, T)
		n += (i1 - i0) * i1
	}
	return n
}

// attentionForward computes causal self-attention for qkv[B,T,3C] (the
// c_attn output: queries, keys, values side by side), storing the head
// outputs in y[B,T,C]. It keeps the probabilities in att, B·H matrices in
// row-block layout (zero above the diagonal), for backward, or when att
// is nil computes them in scratch, which has one causalSize(T) buffer per
// worker.
func attentionForward(y, att []float32, scratch [][]float32, qkv []float32, B, T, C, H int) {
	hd, C3, S := C/H, 3*C, causalSize(T)
	scale := float32(1 / math.Sqrt(float64(hd)))
	kernels.ParallelWorkers(B*H, func(w, lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			b, h := bh/H, bh%H
			base := b*T*C3 + h*hd
			q, k, v := qkv[base:], qkv[base+C:], qkv[base+2*C:]
			out := y[b*T*C+h*hd:]
			var p []float32
			if att != nil {
				p = att[bh*S : (bh+1)*S]
			} else {
				p = scratch[w][:S]
			}

			// Per row block: S = scale·Q·Kᵀ, P = softmax(S), Y = P·V.
			for i0 := 0; i0 < T; i0 += attnBlock {
				i1 := min(i0+attnBlock, T)
				pb := p[:(i1-i0)*i1]
				p = p[len(pb):]
				kernels.GemmSerial(false, true, i1-i0, i1, hd, scale, q[i0*C3:], C3, k, C3, 0, pb, i1)
				for i := i0; i < i1; i++ {
					softmaxCausal(pb[(i-i0)*i1:(i-i0+1)*i1], i+1)
				}
				kernels.GemmSerial(false, false, i1-i0, hd, i1, 1, pb, i1, v, C3, 0, out[i0*C:], C)
			}
		}
	})
}

// softmaxCausal replaces row[:n] by its softmax and zeroes row[n:].
func softmaxCausal(row []float32, n int) {
	x := row[:n]
	sum := kernels.ExpSum(x, x, kernels.Max(x))
	kernels.Scale(float32(1/sum), x)
	clear(row[n:])
}

// attentionBackward sets dqkv[B,T,3C] from the gradient dy[B,T,C] of the
// head outputs, using the probabilities att that attentionForward kept.
// scratch has one [attnBlock·T] buffer per worker.
func attentionBackward(dqkv, dy, att, qkv []float32, B, T, C, H int, scratch [][]float32) {
	hd, C3, S := C/H, 3*C, causalSize(T)
	scale := float32(1 / math.Sqrt(float64(hd)))
	kernels.ParallelWorkers(B*H, func(w, lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			b, h := bh/H, bh%H
			base := b*T*C3 + h*hd
			q, k, v := qkv[base:], qkv[base+C:], qkv[base+2*C:]
			dq, dk, dv := dqkv[base:], dqkv[base+C:], dqkv[base+2*C:]
			dyh := dy[b*T*C+h*hd:]
			p := att[bh*S : (bh+1)*S]

			// The last row block reaches every key, so it sets dK and dV
			// and the earlier blocks add to them.
			end, beta := S, float32(0)
			for i0 := (T - 1) / attnBlock * attnBlock; i0 >= 0; i0 -= attnBlock {
				i1 := min(i0+attnBlock, T)
				rows := i1 - i0
				pb := p[end-rows*i1 : end]
				end -= rows * i1
				ds := scratch[w][:rows*i1]

				// dP = dY·Vᵀ, then dS = P ⊙ (dP − Σⱼ P·dP).
				kernels.GemmSerial(false, true, rows, i1, hd, 1, dyh[i0*C:], C, v, C3, 0, ds, i1)
				for r := 0; r < rows; r++ {
					softmaxBackwardRow(ds[r*i1:(r+1)*i1], pb[r*i1:(r+1)*i1], i0+r+1)
				}

				// dV += Pᵀ·dY, dK += scale·dSᵀ·Q, dQ = scale·dS·K.
				kernels.GemmSerial(true, false, i1, hd, rows, 1, pb, i1, dyh[i0*C:], C, beta, dv, C3)
				kernels.GemmSerial(true, false, i1, hd, rows, scale, ds, i1, q[i0*C3:], C3, beta, dk, C3)
				kernels.GemmSerial(false, false, rows, hd, i1, scale, ds, i1, k, C3, 0, dq[i0*C3:], C3)
				beta = 1
			}
		}
	})
}

// softmaxBackwardRow turns ds from the gradient dP of one row of
// probabilities p into the gradient of its scores, p ⊙ (dP − p·dP), over
// the first n entries, and zeroes the rest.
func softmaxBackwardRow(ds, p []float32, n int) {
	d, pr := ds[:n], p[:n]
	dot := kernels.Dot(pr, d)
	for j, v := range pr {
		d[j] = v * (d[j] - dot)
	}
	clear(ds[n:])
}
