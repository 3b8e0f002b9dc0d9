//go:build amd64 && !purego

package kernels

import "golang.org/x/sys/cpu"

var (
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	hasAVX512 = hasAVX2 && cpu.X86.HasAVX512F
)

// avx512Kernel keeps a 12×32 tile in 24 of the 32 ZMM registers.
var avx512Kernel = &microKernel{
	name: "avx512", mr: 12, nr: 32, kc: 384, mc: 144, nc: 1024,
	fn: func(k int, a, b, c []float32, ldc int, alpha, beta float32) {
		gemmKernel12x32(k, &a[0], &b[0], &c[0], ldc, alpha, beta)
	},
}

// avx2Kernel keeps a 6×16 tile in 12 of the 16 YMM registers.
var avx2Kernel = &microKernel{
	name: "avx2", mr: 6, nr: 16, kc: 384, mc: 144, nc: 1024,
	fn: func(k int, a, b, c []float32, ldc int, alpha, beta float32) {
		gemmKernel6x16(k, &a[0], &b[0], &c[0], ldc, alpha, beta)
	},
}

// bestKernel is the micro-kernel Gemm uses.
var bestKernel = pickKernel()

func pickKernel() *microKernel {
	switch {
	case hasAVX512:
		return avx512Kernel
	case hasAVX2:
		return avx2Kernel
	}
	return goKernel
}

// fastKernels lists the assembly micro-kernels this CPU can run.
func fastKernels() []*microKernel {
	var ks []*microKernel
	if hasAVX512 {
		ks = append(ks, avx512Kernel)
	}
	if hasAVX2 {
		ks = append(ks, avx2Kernel)
	}
	return ks
}

// gemmKernel12x32 is the microKernel contract for mr = 12, nr = 32, k ≥ 1,
// with ldc counted in elements. It needs AVX-512F.
//
//go:noescape
func gemmKernel12x32(k int, a, b, c *float32, ldc int, alpha, beta float32)

// gemmKernel6x16 is the microKernel contract for mr = 6, nr = 16, k ≥ 1.
// It needs AVX2 and FMA.
//
//go:noescape
func gemmKernel6x16(k int, a, b, c *float32, ldc int, alpha, beta float32)

// dotAVX2 returns Σ x[i]·y[i] over the first n values, n a multiple of 32.
//
//go:noescape
func dotAVX2(x, y *float32, n int) float32

// axpyAVX2 adds alpha·x[i] to y[i] for the first n values, n a multiple
// of 32.
//
//go:noescape
func axpyAVX2(alpha float32, x, y *float32, n int)

func dot(x, y []float32) float32 {
	n := len(x) &^ 31
	if !hasAVX2 || n == 0 {
		return dotGo(x, y)
	}
	return dotAVX2(&x[0], &y[0], n) + dotGo(x[n:], y[n:len(x)])
}

func axpy(alpha float32, x, y []float32) {
	n := len(x) &^ 31
	if !hasAVX2 || n == 0 {
		axpyGo(alpha, x, y)
		return
	}
	axpyAVX2(alpha, &x[0], &y[0], n)
	axpyGo(alpha, x[n:], y[n:len(x)])
}
