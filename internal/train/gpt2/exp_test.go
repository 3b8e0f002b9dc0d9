package gpt2

import (
	"math"
	"testing"
)

func TestExp32(t *testing.T) {
	var worst float64
	for x := -87.0; x <= 88; x += 0.00731 {
		got := float64(exp32(float32(x)))
		want := math.Exp(float64(float32(x)))
		worst = max(worst, math.Abs(got-want)/want)
	}
	if worst > 5e-7 {
		t.Errorf("exp32: worst relative error %g, want below 5e-7", worst)
	}
	if got, want := exp32(clampExp(100)), float32(math.Exp(88)); got != want && math.Abs(float64(got/want-1)) > 5e-7 {
		t.Errorf("exp32(clampExp(100)): got %g, want e^88 = %g", got, want)
	}
	if got := exp32(clampExp(-100)); got > 1e-37 {
		t.Errorf("exp32(clampExp(-100)): got %g, want at most e^-87", got)
	}
	if got := exp32(0); got != 1 {
		t.Errorf("exp32(0): got %g, want 1", got)
	}
}

func BenchmarkGELU(b *testing.B) {
	x := make([]float32, 1<<20)
	for i := range x {
		x[i] = float32(i%2000)/250 - 4
	}
	out := make([]float32, len(x))
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		geluForward(out, nil, x)
	}
}
