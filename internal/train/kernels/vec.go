package kernels

import "fmt"

// Dot returns Σ x[i]·y[i], accumulated in float32. It panics when x and y
// differ in length.
func Dot(x, y []float32) float32 {
	checkLengths("Dot", x, y)
	return dot(x, y)
}

// Axpy adds alpha·x[i] to y[i] for every i. It panics when x and y differ
// in length.
func Axpy(alpha float32, x, y []float32) {
	checkLengths("Axpy", x, y)
	axpy(alpha, x, y)
}

// Scale multiplies every x[i] by alpha. With alpha = 0 it writes zeros, so
// NaNs in x do not survive.
func Scale(alpha float32, x []float32) {
	if alpha == 0 {
		clear(x)
		return
	}
	for i := range x {
		x[i] *= alpha
	}
}

// AddScaled sets dst[i] = x[i] + alpha·y[i]. dst may be x or y. It panics
// when the lengths differ.
func AddScaled(dst, x []float32, alpha float32, y []float32) {
	checkLengths("AddScaled", dst, x)
	checkLengths("AddScaled", dst, y)
	x = x[:len(dst)]
	y = y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] + alpha*y[i]
	}
}

func checkLengths(op string, x, y []float32) {
	if len(x) != len(y) {
		panic(fmt.Sprintf("kernels: %s lengths %d and %d differ",
			op, len(x), len(y)))
	}
}

// dotGo is Dot in plain Go, with four partial sums so that the additions
// do not wait on each other.
func dotGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpyGo is Axpy in plain Go.
func axpyGo(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}
