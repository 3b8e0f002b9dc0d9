package kernels

import "math"

// The "gelu_new" activation of GPT-2 is 0.5·x·(1 + tanh(u)) with
// u = √(2/π)·(x + 0.044715·x³). Because 0.5·(1 + tanh(u)) = σ(2u), both
// versions compute it as x·σ(2u) = x/(1 + e^z) with z = -2u, which needs
// one exponential and no tanh.
const (
	geluScale = 0.7978845608028654 // √(2/π)
	geluCubic = 0.044715
)

// GELU sets dst[i] = 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) for
// x = x[i], the tanh approximation that GPT-2 calls "gelu_new" and
// PyTorch gelu(approximate="tanh"). dst may be x itself. The tests find
// it within 1e-5 relative error plus 1e-9 absolute of a float64 reference
// over [-12, 12]. GELU panics when the lengths differ.
func GELU(dst, x []float32) {
	checkLengths("GELU", dst, x)
	gelu(dst, x)
}

// GELUBackward sets dx[i] = dy[i]·gelu'(x[i]), the gradient of GELU with
// respect to its input x given the gradient dy of its output. dx may be
// x or dy. It panics when the lengths differ.
func GELUBackward(dx, x, dy []float32) {
	checkLengths("GELUBackward", dx, x)
	checkLengths("GELUBackward", dx, dy)
	geluBackward(dx, x, dy)
}

// geluSigmoid returns σ(2u) for x; the assembly computes the same float32
// z = x·(a + b·x²), with a fused multiply-add for a + b·x².
func geluSigmoid(x float32) float32 {
	const a, b = -2 * geluScale, -2 * geluScale * geluCubic
	z := x * (a + b*x*x)
	return float32(1 / (1 + math.Exp(float64(z))))
}

func geluGo(dst, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = v * geluSigmoid(v)
	}
}

func geluBackwardGo(dx, x, dy []float32) {
	dx, dy = dx[:len(x)], dy[:len(x)]
	for i, v := range x {
		s := geluSigmoid(v)
		du2 := 2 * geluScale * (1 + 3*geluCubic*v*v) // 2·du/dx
		dx[i] = dy[i] * (s + s*(1-s)*v*du2)
	}
}
