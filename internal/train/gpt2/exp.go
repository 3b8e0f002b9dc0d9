package gpt2

import "math"

// exp32 returns e^x in float32 with a relative error below 5e-7 (about
// four units in the last place) for x in [−87, 88]. Callers clamp x to
// that range with clampExp. It avoids math.Exp's conversion to float64
// and is small enough to inline into the softmax and GELU loops.
func exp32(x float32) float32 {
	const (
		log2e = 1.44269504088896341
		ln2Hi = 0.693359375 // ln 2 split so that k·ln2Hi is exact
		ln2Lo = -2.12194440e-4
		round = 12582912 // 1.5·2²³: adding it rounds to an integer
	)
	// x = k·ln 2 + r with |r| ≤ ln2/2, so e^x = 2^k·e^r.
	t := x*log2e + round
	kf := t - round
	r := x - kf*ln2Hi - kf*ln2Lo
	// Taylor series of e^r to degree 6 (remainder below 2e-7 for |r| ≤ ln2/2).
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720))))))
	return p * math.Float32frombits((math.Float32bits(t)-0x4b400000+127)<<23)
}

// clampExp clamps x to the domain of exp32. Beyond it the softmax and the
// GELU's logistic function change by less than float32 resolution.
func clampExp(x float32) float32 { return min(max(x, -87), 88) }
