package kernels

import (
	"fmt"
	"math"
	"testing"
)

var geluImpls = []struct {
	name     string
	forward  func(dst, x []float32)
	backward func(dx, x, dy []float32)
}{
	{"dispatch", gelu, geluBackward},
	{"go", geluGo, geluBackwardGo},
}

// geluInputs sweep [-12, 12] and add extreme values; the length is not a
// multiple of 8, so the tail path runs too.
func geluInputs() []float32 {
	var x []float32
	for v := -12.0; v <= 12; v += 0.0137 {
		x = append(x, float32(v))
	}
	return append(x, 100, -100, 1e4, -1e4, 0, 3)
}

// geluReference returns gelu_new, its derivative and the sum of the
// absolute values of the derivative's two terms, in float64 through
// math.Tanh. The derivative crosses zero near x = -0.75, where its terms
// cancel, so its error is bounded relative to that sum.
func geluReference(x float64) (y, slope, terms float64) {
	u := geluScale * (x + geluCubic*x*x*x)
	th := math.Tanh(u)
	du := geluScale * (1 + 3*geluCubic*x*x)
	a, b := 0.5*(1+th), 0.5*x*(1-th*th)*du
	return 0.5 * x * (1 + th), a + b, math.Abs(a) + math.Abs(b)
}

// TestGELU checks the activation within 1e-5 relative error plus 1e-9
// absolute, and its derivative within 1e-5 of the size of its terms. Rounding z = -2u in float32 costs about
// |z|·6e-8 relative in e^z, so below x ≈ -5, where the activation is under
// 1e-9, only the absolute bound holds.
func TestGELU(t *testing.T) {
	x := geluInputs()
	for _, impl := range geluImpls {
		t.Run(impl.name, func(t *testing.T) {
			out := make([]float32, len(x))
			impl.forward(out, x)
			dy := make([]float32, len(x))
			for i := range dy {
				dy[i] = float32(i%7) - 2.5
			}
			dx := make([]float32, len(x))
			impl.backward(dx, x, dy)
			for i, v := range x {
				want, slope, terms := geluReference(float64(v))
				if got := float64(out[i]); math.Abs(got-want) > 1e-5*math.Abs(want)+1e-9 {
					t.Errorf("gelu(%g): got %.9g, want %.9g", v, got, want)
				}
				want, tol := float64(dy[i])*slope, 1e-5*math.Abs(float64(dy[i]))*terms
				if got := float64(dx[i]); math.Abs(got-want) > tol+1e-9 {
					t.Errorf("gelu'(%g)·%g: got %.9g, want %.9g", v, dy[i], got, want)
				}
			}
		})
	}
}

func TestGELUInPlace(t *testing.T) {
	for _, impl := range geluImpls {
		for _, n := range []int{0, 1, 7, 8, 9, 33, 1000} {
			t.Run(fmt.Sprintf("%s/n=%d", impl.name, n), func(t *testing.T) {
				x := geluInputs()[:n]
				want := make([]float32, n)
				impl.forward(want, x)
				got := append([]float32(nil), x...)
				impl.forward(got, got)
				dy := make([]float32, n)
				for i := range dy {
					dy[i] = 1.5
				}
				wantDx := make([]float32, n)
				impl.backward(wantDx, x, dy)
				impl.backward(dy, x, dy)
				for i := range x {
					if got[i] != want[i] {
						t.Errorf("forward %d: got %v in place, want %v", i, got[i], want[i])
					}
					if dy[i] != wantDx[i] {
						t.Errorf("backward %d: got %v in place, want %v", i, dy[i], wantDx[i])
					}
				}
			})
		}
	}
}

func TestGELUNaN(t *testing.T) {
	nan := float32(math.NaN())
	for _, impl := range geluImpls {
		out := []float32{nan}
		impl.forward(out, out)
		if !math.IsNaN(float64(out[0])) {
			t.Errorf("%s: gelu(NaN) got %v, want NaN", impl.name, out[0])
		}
	}
}
