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
// then sets dx = dy·w^T when dx is not nil, so dx may be x.
func linearBackward(dx, dy, x, w, dw, db []float32, N, in, out int) {
	kernels.Gemm(true, false, in, out, N, 1, x, in, dy, out, 1, dw, out)
	addColumnSums(db, dy, N, out)
	if dx != nil {
		kernels.Gemm(false, true, N, in, out, 1, dy, out, w, out, 0, dx, in)
	}
}

// addColumnSums adds the column sums of m[N,cols] to dst; each worker owns
// a range of columns.
func addColumnSums(dst, m []float32, N, cols int) {
	parallelRows(cols, 64, func(_, lo, hi int) {
		acc := dst[lo:hi]
		for r := 0; r < N; r++ {
			kernels.Axpy(1, m[r*cols+lo:r*cols+hi], acc)
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
			mean[r] = float32(mu)
			rstd[r] = float32(1 / math.Sqrt(sq/float64(C)+eps))
			normalizeRow(out[r*C:(r+1)*C], row, mean[r], rstd[r], g, b)
		}
	})
}

// layerNormApply recomputes the output of layerNormForward from the mean
// and rstd it stored, bit for bit.
func layerNormApply(out, x, mean, rstd, g, b []float32, N, C int) {
	parallelRows(N, 16, func(_, lo, hi int) {
		for r := lo; r < hi; r++ {
			normalizeRow(out[r*C:(r+1)*C], x[r*C:(r+1)*C], mean[r], rstd[r], g, b)
		}
	})
}

func normalizeRow(out, x []float32, mean, rstd float32, g, b []float32) {
	out, g, b = out[:len(x)], g[:len(x)], b[:len(x)]
	for i, v := range x {
		out[i] = (v-mean)*rstd*g[i] + b[i]
	}
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

// geluForward sets out to the "gelu_new" activation of x, the one of
// Hugging Face GPT-2; out may be x.
func geluForward(out, x []float32) {
	parallelRows(len(x), 4096, func(_, lo, hi int) {
		kernels.GELU(out[lo:hi], x[lo:hi])
	})
}

// geluBackward sets dx = dout·gelu'(x); dx may be dout itself.
func geluBackward(dx, x, dout []float32) {
	parallelRows(len(x), 4096, func(_, lo, hi int) {
		kernels.GELUBackward(dx[lo:hi], x[lo:hi], dout[lo:hi])
	})
}
