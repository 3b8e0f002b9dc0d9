package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// reductionImpl is a pair of implementations of Max, ExpSum and the sum
// inside LogSumExp: the dispatched one and the plain-Go fallback.
type reductionImpl struct {
	name   string
	max    func(x []float32) float32
	expSum func(dst, x []float32, shift float32) float64
	sumExp func(x []float32, shift float32) float64
}

var reductionImpls = []reductionImpl{
	{"dispatch", maxOf, expSum, sumExp},
	{"go", maxGo, expSumGo, sumExpGo},
}

func TestMax(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 1))
	for _, impl := range reductionImpls {
		for _, n := range vecLengths[1:] {
			t.Run(fmt.Sprintf("%s/n=%d", impl.name, n), func(t *testing.T) {
				x := randomSlice(r, n)
				// Put the maximum in the tail, then in the vector part.
				for _, at := range []int{n - 1, n / 2} {
					y := append([]float32(nil), x...)
					y[at] = 100
					if got := impl.max(y); got != 100 {
						t.Errorf("max at %d: got %v, want 100", at, got)
					}
				}
			})
		}
	}
	if got := Max(nil); !math.IsInf(float64(got), -1) {
		t.Errorf("Max(nil): got %v, want -Inf", got)
	}
}

func TestExpSum(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 1))
	for _, impl := range reductionImpls {
		for _, n := range vecLengths {
			t.Run(fmt.Sprintf("%s/n=%d", impl.name, n), func(t *testing.T) {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(r.Float64()*40 - 30)
				}
				const shift = 4.5
				got := make([]float32, n)
				sum := impl.expSum(got, x, shift)
				var want float64
				for i, v := range x {
					e := math.Exp(float64(v - shift))
					want += e
					if rel := math.Abs(float64(got[i])-e) / e; rel > 1e-6 {
						t.Fatalf("e^(%v-%v): got %v, want %v", v, shift, got[i], e)
					}
				}
				if rel := math.Abs(sum-want) / max(want, 1e-300); rel > 1e-6 {
					t.Errorf("sum: got %v, want %v", sum, want)
				}
				if s := impl.sumExp(x, shift); math.Abs(s-sum) > 1e-12*sum {
					t.Errorf("sum without stores: got %v, want %v", s, sum)
				}
			})
		}
	}
}

func TestExpSumInPlace(t *testing.T) {
	x := []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -2}
	want := make([]float32, len(x))
	ExpSum(want, x, 8)
	ExpSum(x, x, 8)
	for i := range x {
		if x[i] != want[i] {
			t.Errorf("value %d: got %v in place, want %v", i, x[i], want[i])
		}
	}
}

func TestLogSumExp(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 1))
	inf := float32(math.Inf(1))
	cases := []struct {
		name string
		x    []float32
	}{
		{"large", []float32{1000, 1000, 999, -50, 3, 1000.5, 0, 2, 7}},
		{"small", []float32{-1000, -1001, -999.5}},
		{"one", []float32{2.5}},
	}
	x := make([]float32, 4099)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 5)
	}
	cases = append(cases, struct {
		name string
		x    []float32
	}{"vocabulary", x})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := math.Inf(-1)
			for _, v := range tc.x {
				m = max(m, float64(v))
			}
			var sum float64
			for _, v := range tc.x {
				sum += math.Exp(float64(v) - m)
			}
			want := m + math.Log(sum)
			if got := LogSumExp(tc.x); math.Abs(got-want) > 1e-6*max(1, math.Abs(want)) {
				t.Errorf("got %.9g, want %.9g", got, want)
			}
		})
	}
	if got := LogSumExp([]float32{1, inf, 2}); !math.IsInf(got, 1) {
		t.Errorf("with +Inf: got %v, want +Inf", got)
	}
	if got := LogSumExp([]float32{-inf, -inf}); !math.IsInf(got, -1) {
		t.Errorf("all -Inf: got %v, want -Inf", got)
	}
	if got := LogSumExp(nil); !math.IsInf(got, -1) {
		t.Errorf("empty: got %v, want -Inf", got)
	}
}
