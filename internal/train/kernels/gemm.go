// Package kernels holds the float32 arithmetic that the trainer spends its
// time in: matrix multiplication (Gemm) and vector operations (Dot, Axpy,
// Scale, AddScaled, Exp, Tanh, Max, ExpSum, LogSumExp, and GELU with its
// gradient). Parallel and ParallelWorkers split a loop across cores.
//
// On amd64 the hot loops run in assembly with AVX-512 or AVX2 and FMA when
// the CPU has them. Building with the purego tag, on other architectures or
// on a CPU without FMA, the same functions run in plain Go and agree with
// the assembly within float32 rounding.
package kernels

import (
	"fmt"
	"runtime"
)

// minWorkerFlops is the amount of work (2·m·n·k) below which Gemm does not
// start another goroutine. Starting and waking one costs a few microseconds,
// which this much arithmetic hides.
const minWorkerFlops = 1 << 21

// Gemm sets C = alpha·op(A)·op(B) + beta·C for row-major matrices, where
// op(A) is m×k, op(B) is k×n and C is m×n. With transA, A is stored k×m
// and op(A) is its transpose; likewise transB. lda, ldb and ldc are the
// row strides of A, B and C as stored.
//
// With beta = 0, C is only written, so it may hold NaN or garbage on entry.
// C must not overlap A or B.
// Gemm splits large products across GOMAXPROCS goroutines and returns when
// all of them are done. It panics when a dimension is negative, a stride is
// smaller than the row it steps over, or a slice is too short.
func Gemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int,
	b []float32, ldb int, beta float32, c []float32, ldc int) {
	g := gemmArgs{transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc}
	g.check()
	g.run(bestKernel, runtime.GOMAXPROCS(0))
}

// GemmSerial is Gemm on the calling goroutine only. It suits callers that
// already spread many small products across cores with Parallel, such as
// attention over batch and heads.
func GemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32,
	lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	g := gemmArgs{transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc}
	g.check()
	g.runSerial(bestKernel)
}

// gemmArgs holds the arguments of one Gemm call.
type gemmArgs struct {
	transA, transB bool
	m, n, k        int
	alpha          float32
	a              []float32
	lda            int
	b              []float32
	ldb            int
	beta           float32
	c              []float32
	ldc            int
}

// check panics when the arguments do not describe valid matrices.
func (g *gemmArgs) check() {
	if g.m < 0 || g.n < 0 || g.k < 0 {
		panic(fmt.Sprintf("kernels: Gemm dimensions m=%d n=%d k=%d "+
			"must not be negative", g.m, g.n, g.k))
	}
	rowsA, colsA := g.m, g.k
	if g.transA {
		rowsA, colsA = g.k, g.m
	}
	rowsB, colsB := g.k, g.n
	if g.transB {
		rowsB, colsB = g.n, g.k
	}
	checkMatrix("a", g.a, rowsA, colsA, g.lda)
	checkMatrix("b", g.b, rowsB, colsB, g.ldb)
	checkMatrix("c", g.c, g.m, g.n, g.ldc)
}

// checkMatrix panics unless s can hold a rows×cols matrix with row stride ld.
func checkMatrix(name string, s []float32, rows, cols, ld int) {
	if ld < max(cols, 1) {
		panic(fmt.Sprintf("kernels: Gemm ld%s=%d is smaller than the "+
			"%d columns of %s", name, ld, cols, name))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if need := (rows-1)*ld + cols; len(s) < need {
		panic(fmt.Sprintf("kernels: Gemm len(%s)=%d, need %d for a %d×%d "+
			"matrix with stride %d", name, len(s), need, rows, cols, ld))
	}
}

// run computes the product with kern on up to procs goroutines.
func (g *gemmArgs) run(kern *microKernel, procs int) {
	if g.m == 0 || g.n == 0 {
		return
	}
	if g.k == 0 || g.alpha == 0 {
		scaleMatrix(g.c, g.m, g.n, g.ldc, g.beta)
		return
	}

	if g.m == 1 {
		g.gemvRows(procs)
		return
	}
	flops := 2 * g.m * g.n * g.k
	g.runWorkers(kern, min(procs, max(flops/minWorkerFlops, 1)))
}

// runSerial is run on the calling goroutine. Unlike run it passes g to no
// other goroutine, so GemmSerial's arguments stay on its stack and a call
// allocates nothing.
func (g *gemmArgs) runSerial(kern *microKernel) {
	if g.m == 0 || g.n == 0 {
		return
	}
	if g.k == 0 || g.alpha == 0 {
		scaleMatrix(g.c, g.m, g.n, g.ldc, g.beta)
		return
	}
	if g.m == 1 && !g.transA {
		g.gemvColumns(g.a[:g.k], g.c[:g.n], 0, g.n)
		return
	}
	g.block(kern, 0, g.m, 0, g.n)
}

// scaleMatrix sets C = beta·C for an m×n matrix with row stride ldc. With
// beta = 0 it writes zeros without reading C, so NaNs in C do not survive.
func scaleMatrix(c []float32, m, n, ldc int, beta float32) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

func roundUp(x, multiple int) int {
	return (x + multiple - 1) / multiple * multiple
}
