//go:build amd64 && !purego

package gpt2

import (
	"math"

	"golang.org/x/sys/cpu"
)

var hasAVX2FMA = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// vectorConsts are the constants of the assembly GELU and exponential, each
// repeated across the eight lanes of a YMM register.
var vectorConsts = func() (c [15][8]float32) {
	values := [15]float32{
		-2 * geluScale, -2 * geluScale * geluCubic, // z = −2u = x·(a + b·x²)
		-87, 88, // the domain of exp32
		1.44269504088896341, 12582912, 0.693359375, -2.12194440e-4, // as in exp32
		1, 1.0 / 720, 1.0 / 120, 1.0 / 24, 1.0 / 6, 1.0 / 2,
		math.Float32frombits(0x4b400000 - 127), // exponent bias of 2^k
	}
	for i, v := range values {
		for j := range c[i] {
			c[i][j] = v
		}
	}
	return c
}()

// geluAVX2 computes the GELU of n floats, n a positive multiple of 8,
// writing x·σ(2u) to out and σ(2u) to sig. geluAVX2NoSig skips sig.
//
//go:noescape
func geluAVX2(out, sig, x *float32, n int, consts *[15][8]float32)

//go:noescape
func geluAVX2NoSig(out, x *float32, n int, consts *[15][8]float32)

// geluVector computes geluForward on the longest prefix of x whose length is
// a multiple of 8 when the CPU has AVX2 and FMA, and returns its length.
func geluVector(out, sig, x []float32) int {
	n := len(x) &^ 7
	if !hasAVX2FMA || n == 0 {
		return 0
	}
	_ = out[n-1]
	if sig == nil {
		geluAVX2NoSig(&out[0], &x[0], n, &vectorConsts)
	} else {
		_ = sig[n-1]
		geluAVX2(&out[0], &sig[0], &x[0], n, &vectorConsts)
	}
	return n
}

// expShiftAVX2 sets dst[i] = e^(src[i]−shift) for n floats, n a positive
// multiple of 8, clamping the exponent to [−87, 88], and returns their sum.
//
//go:noescape
func expShiftAVX2(dst, src *float32, n int, shift float32, consts *[15][8]float32) float32

// expShiftVector sets dst[i] = e^(src[i]−shift) on the longest prefix of
// src whose length is a multiple of 8 when the CPU has AVX2 and FMA, and
// returns its length and the sum of the values written.
func expShiftVector(dst, src []float32, shift float32) (int, float32) {
	n := len(src) &^ 7
	if !hasAVX2FMA || n == 0 {
		return 0, 0
	}
	_ = dst[n-1]
	return n, expShiftAVX2(&dst[0], &src[0], n, shift, &vectorConsts)
}
