//go:build !amd64 || purego

package kernels

// bestKernel is the micro-kernel Gemm uses.
var bestKernel = goKernel

// fastKernels lists the assembly micro-kernels this CPU can run: none in
// this build.
func fastKernels() []*microKernel { return nil }

func dot(x, y []float32) float32 { return dotGo(x, y) }

func axpy(alpha float32, x, y []float32) { axpyGo(alpha, x, y) }

func exp(dst, x []float32) { expGo(dst, x) }

func tanh(dst, x []float32) { tanhGo(dst, x) }

func packRowsFast(panel, src []float32, lda, rows, kb, mr int) (int, int) {
	return 0, 0
}

func copyColumnsFast(panel, src []float32, lda, kb, mr int) bool {
	return false
}

func maxOf(x []float32) float32 { return maxGo(x) }

func expSum(dst, x []float32, shift float32) float64 { return expSumGo(dst, x, shift) }

func sumExp(x []float32, shift float32) float64 { return sumExpGo(x, shift) }

func gelu(dst, x []float32) { geluGo(dst, x) }

func geluBackward(dx, x, dy []float32) { geluBackwardGo(dx, x, dy) }
