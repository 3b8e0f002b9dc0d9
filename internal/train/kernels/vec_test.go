package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync/atomic"
	"testing"
)

// vecLengths cross the 4-, 8- and 32-value steps of the vector loops.
var vecLengths = []int{0, 1, 3, 7, 8, 9, 31, 32, 33, 64, 100, 1000, 4099}

// vecImpl is a pair of implementations to test: the one the exported
// function dispatches to and the plain-Go fallback.
type vecImpl struct {
	name string
	dot  func(x, y []float32) float32
	axpy func(alpha float32, x, y []float32)
	exp  func(dst, x []float32)
	tanh func(dst, x []float32)
}

var vecImpls = []vecImpl{
	{"dispatch", dot, axpy, exp, tanh},
	{"go", dotGo, axpyGo, expGo, tanhGo},
}

func TestDot(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, impl := range vecImpls {
		for _, n := range vecLengths {
			t.Run(fmt.Sprintf("%s/n=%d", impl.name, n), func(t *testing.T) {
				x, y := randomSlice(r, n), randomSlice(r, n)
				var want, scale float64
				for i := range x {
					want += float64(x[i]) * float64(y[i])
					scale += math.Abs(float64(x[i]) * float64(y[i]))
				}
				got := impl.dot(x, y)
				if diff := math.Abs(float64(got) - want); diff > 1e-5*scale {
					t.Errorf("got %v, want %v (diff %.3g)", got, want, diff)
				}
			})
		}
	}
}

func TestAxpy(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 1))
	for _, impl := range vecImpls {
		for _, n := range vecLengths {
			t.Run(fmt.Sprintf("%s/n=%d", impl.name, n), func(t *testing.T) {
				x, y := randomSlice(r, n), randomSlice(r, n+5)
				got := append([]float32(nil), y...)
				impl.axpy(-0.75, x, got[:n])
				for i := range got {
					want := float64(y[i])
					if i < n {
						want += -0.75 * float64(x[i])
					}
					if diff := math.Abs(float64(got[i]) - want); diff > 1e-6 {
						t.Fatalf("y[%d]: got %v, want %v", i, got[i], want)
					}
				}
			})
		}
	}
}

func TestScaleAndAddScaled(t *testing.T) {
	x := []float32{1, -2, float32(math.NaN())}
	Scale(0, x)
	for i, v := range x {
		if v != 0 {
			t.Errorf("Scale(0) x[%d]: got %v, want 0", i, v)
		}
	}

	x = []float32{1, -2, 4}
	Scale(-0.5, x)
	for i, want := range []float32{-0.5, 1, -2} {
		if x[i] != want {
			t.Errorf("Scale(-0.5) x[%d]: got %v, want %v", i, x[i], want)
		}
	}

	y := []float32{10, 20, 30}
	AddScaled(x, x, 2, y)
	for i, want := range []float32{19.5, 41, 58} {
		if x[i] != want {
			t.Errorf("AddScaled x[%d]: got %v, want %v", i, x[i], want)
		}
	}
}

func TestVectorLengthMismatchPanics(t *testing.T) {
	a, b := make([]float32, 3), make([]float32, 4)
	for name, call := range map[string]func(){
		"Dot":       func() { Dot(a, b) },
		"Axpy":      func() { Axpy(1, a, b) },
		"AddScaled": func() { AddScaled(a, a, 1, b) },
		"Exp":       func() { Exp(a, b) },
		"Tanh":      func() { Tanh(b, a) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("got no panic, want one")
				}
			}()
			call()
		})
	}
}

func TestExp(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 1))
	for _, impl := range vecImpls {
		for _, n := range vecLengths {
			t.Run(fmt.Sprintf("%s/n=%d", impl.name, n), func(t *testing.T) {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(r.Float64()*170 - 85)
				}
				got := make([]float32, n)
				impl.exp(got, x)
				for i, v := range x {
					want := math.Exp(float64(v))
					rel := math.Abs(float64(got[i])-want) / want
					if rel > 1e-6 {
						t.Fatalf("exp(%v): got %v, want %v (rel %.3g)",
							v, got[i], want, rel)
					}
				}
			})
		}
	}
}

func TestExpSpecialValues(t *testing.T) {
	inf := float32(math.Inf(1))
	cases := []struct {
		x, want float32
	}{
		{0, 1},
		{-inf, 0},
		{inf, inf},
		{-200, 0},
		{100, inf},
		{89, inf},
	}
	for _, impl := range vecImpls {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s/%v", impl.name, tc.x), func(t *testing.T) {
				got := []float32{tc.x}
				impl.exp(got, got)
				if got[0] != tc.want {
					t.Errorf("got %v, want %v", got[0], tc.want)
				}
			})
		}
		t.Run(impl.name+"/NaN", func(t *testing.T) {
			got := []float32{float32(math.NaN())}
			impl.exp(got, got)
			if !math.IsNaN(float64(got[0])) {
				t.Errorf("got %v, want NaN", got[0])
			}
		})
		t.Run(impl.name+"/largest finite", func(t *testing.T) {
			x := float32(88.7)
			got := []float32{x}
			impl.exp(got, got)
			want := math.Exp(float64(x))
			if rel := math.Abs(float64(got[0])-want) / want; rel > 1e-6 {
				t.Errorf("got %v, want %v", got[0], want)
			}
		})
	}
}

func TestTanh(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 1))
	for _, impl := range vecImpls {
		for _, n := range vecLengths {
			t.Run(fmt.Sprintf("%s/n=%d", impl.name, n), func(t *testing.T) {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(r.NormFloat64() * 4)
				}
				x = append(x, 0, -1e-6, 50, -50, 1e30)
				got := make([]float32, len(x))
				impl.tanh(got, x)
				for i, v := range x {
					want := math.Tanh(float64(v))
					if diff := math.Abs(float64(got[i]) - want); diff > 3e-7 {
						t.Fatalf("tanh(%v): got %v, want %v (diff %.3g)",
							v, got[i], want, diff)
					}
				}
			})
		}
	}
}

func TestParallel(t *testing.T) {
	for _, procs := range []int{1, 2, 3, 8} {
		for _, n := range []int{-1, 0, 1, 2, 5, 1000} {
			t.Run(fmt.Sprintf("procs=%d/n=%d", procs, n), func(t *testing.T) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				hits := make([]atomic.Int32, max(n, 0))
				Parallel(n, func(lo, hi int) {
					if lo >= hi {
						t.Errorf("empty range [%d, %d)", lo, hi)
					}
					for i := lo; i < hi; i++ {
						hits[i].Add(1)
					}
				})
				for i := range hits {
					if got := hits[i].Load(); got != 1 {
						t.Errorf("index %d: got %d calls, want 1", i, got)
					}
				}

				workers := make([]atomic.Int32, procs)
				ParallelWorkers(n, func(w, lo, hi int) {
					if w < 0 || w >= procs {
						t.Errorf("worker %d outside [0, %d)", w, procs)
						return
					}
					workers[w].Add(1)
				})
				for w := range workers {
					if got := workers[w].Load(); got > 1 {
						t.Errorf("worker %d: got %d calls, want at most 1", w, got)
					}
				}
			})
		}
	}
}
