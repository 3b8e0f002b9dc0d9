package gpt2

import (
	"math"

	"github.com/pairwise/pairwise/internal/train/kernels"
)

// Shape legend: N rows (B·T tokens), C channels, in/out the widths of a
// linear layer, B batch, T time, H heads, hd = C/H the head width.

// linearForward sets y[N,out] = x[N,in]·w[in,out] + b, or adds it to y when
// accumulate is set (the residual connections).
func linearForward(y, x, w, b []float32, N, in, out int, accumulate bool) {
	parallelRows(N, 64, func(_, lo, hi int) {
		for r := lo; r < hi; r++ {
			row := y[r*out : (r+1)*out]
			if accumulate {
				for j, v := range b {
					row[j] += v
				}
			} else {
				copy(row, b)
			}
		}
	})
	kernels.Gemm(false, false, N, out, in, 1, x, in, w, out, 1, y, out)
}

// linearBackward adds x^T·dy to dw and the column sums of dy to db, and
// sets dx = dy·w^T when dx is not nil.
func linearBackward(dx, dy, x, w, dw, db []float32, N, in, out int) {
	if dx != nil {
		kernels.Gemm(false, true, N, in, out, 1, dy, out, w, out, 0, dx, in)
	}
	kernels.Gemm(true, false, in, out, N, 1, x, in, dy, out, 1, dw, out)
	addColumnSums(db, dy, N, out)
}

// addColumnSums adds the column sums of m[N,cols] to dst; each worker owns
// a range of columns.
func addColumnSums(dst, m []float32, N, cols int) {
	parallelRows(cols, 64, func(_, lo, hi int) {
		acc := dst[lo:hi]
		for r := 0; r < N; r++ {
			row := m[r*cols+lo : r*cols+hi]
			for j, v := range row {
				acc[j] += v
			}
		}
	})
}

// layerNormForward sets out = (x − mean)·rstd·g + b per row of x[N,C] and
// stores each row's mean and reciprocal standard deviation for backward.
func layerNormForward(out, mean, rstd, x, g, b []float32, N, C int, eps float64) {
	parallelRows(N, 16, func(_, lo, hi int) {
		for r := lo; r < hi; r++ {
			row := x[r*C : (r+1)*C]
			var sum float64
			for _, v := range row {
				sum += float64(v)
			}
			mu := sum / float64(C)
			var sq float64
			for _, v := range row {
				d := float64(v) - mu
				sq += d * d
			}
			m32 := float32(mu)
			r32 := float32(1 / math.Sqrt(sq/float64(C)+eps))
			o := out[r*C : (r+1)*C]
			for i, v := range row {
				o[i] = (v-m32)*r32*g[i] + b[i]
			}
			mean[r], rstd[r] = m32, r32
		}
	})
}

// layerNormBackward adds the gradient with respect to x to dx and the
// gradients of the gain and bias to dg and db. partial has one [2C]
// scratch row per worker for the gain and bias sums.
func layerNormBackward(dx, dout, x, mean, rstd, g, dg, db []float32, N, C int,
	partial [][]float32) {
	for _, p := range partial {
		clear(p)
	}
	parallelRows(N, 16, func(w, lo, hi int) {
		pg, pb := partial[w][:C], partial[w][C:2*C]
		for r := lo; r < hi; r++ {
			xr, dr, dxr := x[r*C:(r+1)*C], dout[r*C:(r+1)*C], dx[r*C:(r+1)*C]
			m, rs := mean[r], rstd[r]
			var sumD, sumDX float32
			for i, v := range xr {
				xhat := (v - m) * rs
				dn := dr[i] * g[i]
				sumD += dn
				sumDX += dn * xhat
				pg[i] += dr[i] * xhat
				pb[i] += dr[i]
			}
			sumD /= float32(C)
			sumDX /= float32(C)
			for i, v := range xr {
				xhat := (v - m) * rs
				dxr[i] += rs * (dr[i]*g[i] - sumD - xhat*sumDX)
			}
		}
	})
	for _, p := range partial {
		for i := 0; i < C; i++ {
			dg[i] += p[i]
			db[i] += p[C+i]
		}
	}
}

const (
	geluScale = 0.7978845608028654 // √(2/π)
	geluCubic = 0.044715
)

// geluForward sets out = 0.5·x·(1 + tanh(u)) with u = √(2/π)·(x +
// 0.044715·x³), the "gelu_new" activation of Hugging Face GPT-2, computed
// as x·σ(2u) because 0.5·(1 + tanh(u)) = σ(2u). When sigmoid is not nil it
// receives σ(2u) for geluBackward.
func geluForward(out, sigmoid, x []float32) {
	parallelRows(len(x), 4096, func(_, lo, hi int) {
		xs, ys := x[lo:hi], out[lo:hi]
		ys = ys[:len(xs)]
		var ss []float32
		if sigmoid != nil {
			ss = sigmoid[lo:hi]
		}
		done := geluVector(ys, ss, xs)
		xs, ys = xs[done:], ys[done:]
		if sigmoid == nil {
			for i, v := range xs {
				u := geluScale * (v + geluCubic*v*v*v)
				ys[i] = v / (1 + exp32(clampExp(-2*u)))
			}
			return
		}
		ss = ss[done : len(xs)+done]
		for i, v := range xs {
			u := geluScale * (v + geluCubic*v*v*v)
			s := 1 / (1 + exp32(clampExp(-2*u)))
			ss[i] = s
			ys[i] = v * s
		}
	})
}

// geluBackward sets dx = dout·gelu'(x) from the σ(2u) values geluForward
// stored; dx may be dout itself. gelu'(x) = s + 2·x·s·(1−s)·du/dx with
// s = σ(2u).
func geluBackward(dx, x, sigmoid, dout []float32) {
	parallelRows(len(x), 4096, func(_, lo, hi int) {
		xs, ss, gs, ds := x[lo:hi], sigmoid[lo:hi], dout[lo:hi], dx[lo:hi]
		ss, gs, ds = ss[:len(xs)], gs[:len(xs)], ds[:len(xs)]
		for i, v := range xs {
			s := ss[i]
			du := geluScale * (1 + 3*geluCubic*v*v)
			ds[i] = gs[i] * (s + 2*v*s*(1-s)*du)
		}
	})
}

// attnBlock is the row block of the causal attention products: a block of
// query rows multiplies only the keys up to its last row.
const attnBlock = 64

// attentionForward computes causal self-attention for qkv[B,T,3C] (the
// c_attn output: queries, keys, values side by side), storing the
// probabilities in att[B,H,T,T] (zero above the diagonal) and the head
// outputs in y[B,T,C].
func attentionForward(y, att, qkv []float32, B, T, C, H int) {
	hd, C3 := C/H, 3*C
	scale := float32(1 / math.Sqrt(float64(hd)))
	parallelFor(B*H, func(_, lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			b, h := bh/H, bh%H
			base := b*T*C3 + h*hd
			q, k, v := qkv[base:], qkv[base+C:], qkv[base+2*C:]
			p := att[bh*T*T : (bh+1)*T*T]
			out := y[b*T*C+h*hd:]

			for i0 := 0; i0 < T; i0 += attnBlock {
				i1 := min(i0+attnBlock, T)
				kernels.GemmSerial(false, true, i1-i0, i1, hd, scale, q[i0*C3:], C3, k, C3, 0, p[i0*T:], T)
			}
			for i := 0; i < T; i++ {
				softmaxCausal(p[i*T:(i+1)*T], i+1)
			}
			for i0 := 0; i0 < T; i0 += attnBlock {
				i1 := min(i0+attnBlock, T)
				kernels.GemmSerial(false, false, i1-i0, hd, i1, 1, p[i0*T:], T, v, C3, 0, out[i0*C:], C)
			}
		}
	})
}

// softmaxCausal replaces row[:n] by its softmax and zeroes row[n:].
func softmaxCausal(row []float32, n int) {
	mx := row[0]
	for _, v := range row[1:n] {
		mx = max(mx, v)
	}
	done, sum := expShiftVector(row[:n], row[:n], mx)
	for j, v := range row[done:n] {
		e := exp32(max(v-mx, -87))
		row[done+j] = e
		sum += e
	}
	kernels.Scale(1/sum, row[:n])
	clear(row[n:])
}

// attentionBackward sets dqkv[B,T,3C] from the gradient dy[B,T,C] of the
// head outputs, using the stored probabilities att. scratch has one
// [T·T] buffer per worker.
func attentionBackward(dqkv, dy, att, qkv []float32, B, T, C, H int, scratch [][]float32) {
	hd, C3 := C/H, 3*C
	scale := float32(1 / math.Sqrt(float64(hd)))
	parallelFor(B*H, func(w, lo, hi int) {
		ds := scratch[w][:T*T]
		for bh := lo; bh < hi; bh++ {
			b, h := bh/H, bh%H
			base := b*T*C3 + h*hd
			q, k, v := qkv[base:], qkv[base+C:], qkv[base+2*C:]
			dq, dk, dv := dqkv[base:], dqkv[base+C:], dqkv[base+2*C:]
			p := att[bh*T*T : (bh+1)*T*T]
			dyh := dy[b*T*C+h*hd:]

			// dP = dY·Vᵀ on the causal part of each row block.
			for i0 := 0; i0 < T; i0 += attnBlock {
				i1 := min(i0+attnBlock, T)
				kernels.GemmSerial(false, true, i1-i0, i1, hd, 1, dyh[i0*C:], C, v, C3, 0, ds[i0*T:], T)
			}

			// dS = P ⊙ (dP − Σⱼ P·dP), zero above the diagonal.
			for i := 0; i < T; i++ {
				row, pr := ds[i*T:(i+1)*T], p[i*T:(i+1)*T]
				var dot float32
				for j := 0; j <= i; j++ {
					dot += pr[j] * row[j]
				}
				for j := 0; j <= i; j++ {
					row[j] = pr[j] * (row[j] - dot)
				}
				clear(row[i+1:])
			}

			// dV = Pᵀ·dY and dK = scale·dSᵀ·Q use rows j0.. of each
			// column block; dQ = scale·dS·K uses keys up to the block end.
			for j0 := 0; j0 < T; j0 += attnBlock {
				j1 := min(j0+attnBlock, T)
				n := T - j0
				kernels.GemmSerial(true, false, j1-j0, hd, n, 1, p[j0*T+j0:], T, dyh[j0*C:], C, 0, dv[j0*C3:], C3)
				kernels.GemmSerial(true, false, j1-j0, hd, n, scale, ds[j0*T+j0:], T, q[j0*C3:], C3, 0, dk[j0*C3:], C3)
				kernels.GemmSerial(false, false, j1-j0, hd, j1, scale, ds[j0*T:], T, k, C3, 0, dq[j0*C3:], C3)
			}
		}
	})
}
