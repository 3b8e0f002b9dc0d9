package gpt2

import (
	"math"
	"testing"
)

// geluReference is gelu_new in float64 through math.Tanh.
func geluReference(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(0.7978845608028654*(x+0.044715*x*x*x)))
}

// TestGELUForward checks the activation over an input long enough to be
// split across workers, within 1e-5 relative error plus 1e-9 absolute,
// both into a separate buffer and in place.
func TestGELUForward(t *testing.T) {
	var x []float32
	for v := -12.0; v <= 12; v += 0.00137 {
		x = append(x, float32(v))
	}
	x = append(x, 100, -100, 1e4, -1e4, 0, 3) // length not a multiple of 8
	out := make([]float32, len(x))
	geluForward(out, x)
	inPlace := append([]float32(nil), x...)
	geluForward(inPlace, inPlace)
	for i, v := range x {
		want := geluReference(float64(v))
		if got := float64(out[i]); math.Abs(got-want) > 1e-5*math.Abs(want)+1e-9 {
			t.Errorf("gelu(%g): got %.9g, want %.9g", v, got, want)
		}
		if inPlace[i] != out[i] {
			t.Errorf("gelu(%g) in place: got %.9g, want %.9g", v, inPlace[i], out[i])
		}
	}
}

func TestSoftmaxCausal(t *testing.T) {
	row := make([]float32, 40)
	for n := 1; n <= len(row); n++ {
		for j := range row {
			row[j] = float32(math.Sin(float64(7*j+n))*30) + 5
		}
		want := make([]float64, n)
		mx := math.Inf(-1)
		for _, v := range row[:n] {
			mx = max(mx, float64(v))
		}
		var sum float64
		for j, v := range row[:n] {
			want[j] = math.Exp(float64(v) - mx)
			sum += want[j]
		}
		softmaxCausal(row, n)
		for j := range row {
			w := 0.0
			if j < n {
				w = want[j] / sum
			}
			if got := float64(row[j]); math.Abs(got-w) > 1e-6*w+1e-12 {
				t.Errorf("n=%d: softmax[%d] got %.9g, want %.9g", n, j, got, w)
			}
		}
	}
}
