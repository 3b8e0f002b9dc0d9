package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// gemmCase is one Gemm call. padA, padB and padC add that many unused
// columns to each stored row of A, B and C.
type gemmCase struct {
	transA, transB   bool
	m, n, k          int
	alpha, beta      float32
	padA, padB, padC int
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v,tB=%v,%dx%dx%d,alpha=%g,beta=%g,pad=%d/%d/%d",
		tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, tc.beta,
		tc.padA, tc.padB, tc.padC)
}

// gemmCases lists shapes around every block edge of every kernel: 1×1,
// k = 1, sizes one off the tile sizes 2, 4, 6, 12, 16 and 32, and sizes
// that cross the kc (256, 384) and mc (128, 144) block boundaries and the
// nc = 1024 column block.
func gemmCases() []gemmCase {
	var cases []gemmCase
	shapes := [][3]int{
		{1, 1, 1}, {1, 1, 7}, {3, 5, 1}, {1, 33, 17}, {17, 1, 9},
		{4, 4, 4}, {6, 16, 8}, {12, 32, 5}, {13, 33, 31}, {11, 31, 2},
		{5, 15, 3}, {7, 17, 64}, {25, 65, 100}, {24, 64, 257},
		{193, 40, 300}, {200, 97, 513}, {37, 1030, 20}, {64, 48, 600},
	}
	scalars := [][2]float32{{1, 0}, {1, 1}, {0.5, -2}, {-1.5, 0.25}}
	for si, s := range shapes {
		for t := 0; t < 4; t++ {
			sc := scalars[(si+t)%len(scalars)]
			pad := (si * 3) % 5
			cases = append(cases, gemmCase{
				transA: t&1 != 0, transB: t&2 != 0,
				m: s[0], n: s[1], k: s[2],
				alpha: sc[0], beta: sc[1],
				padA: pad, padB: (pad + 2) % 5, padC: (pad + 1) % 5,
			})
		}
	}
	return cases
}

// gemmData holds the matrices of one case, filled from a seeded source.
type gemmData struct {
	a, b, c                    []float32
	lda, ldb, ldc              int
	rowsA, colsA, rowsB, colsB int
}

func newGemmData(tc gemmCase, seed uint64) *gemmData {
	r := rand.New(rand.NewPCG(seed, 1))
	d := &gemmData{rowsA: tc.m, colsA: tc.k, rowsB: tc.k, colsB: tc.n}
	if tc.transA {
		d.rowsA, d.colsA = tc.k, tc.m
	}
	if tc.transB {
		d.rowsB, d.colsB = tc.n, tc.k
	}
	d.lda = d.colsA + tc.padA
	d.ldb = d.colsB + tc.padB
	d.ldc = tc.n + tc.padC
	d.a = randomSlice(r, d.rowsA*d.lda)
	d.b = randomSlice(r, d.rowsB*d.ldb)
	d.c = randomSlice(r, tc.m*d.ldc)
	return d
}

func randomSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(r.NormFloat64())
	}
	return s
}

// referenceGemm computes the product in float64 with the triple loop, and
// for each element the error scale |alpha|·Σ|a·b| + |beta·c|.
func referenceGemm(tc gemmCase, d *gemmData) (want, scale []float64) {
	want = make([]float64, len(d.c))
	scale = make([]float64, len(d.c))
	for i := range d.c {
		want[i] = float64(d.c[i])
	}
	at := func(i, p int) float64 {
		if tc.transA {
			return float64(d.a[p*d.lda+i])
		}
		return float64(d.a[i*d.lda+p])
	}
	bt := func(p, j int) float64 {
		if tc.transB {
			return float64(d.b[j*d.ldb+p])
		}
		return float64(d.b[p*d.ldb+j])
	}
	alpha, beta := float64(tc.alpha), float64(tc.beta)
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			var sum, abs float64
			for p := 0; p < tc.k; p++ {
				sum += at(i, p) * bt(p, j)
				abs += math.Abs(at(i, p) * bt(p, j))
			}
			c := want[i*d.ldc+j]
			want[i*d.ldc+j] = alpha*sum + beta*c
			scale[i*d.ldc+j] = math.Abs(alpha)*abs + math.Abs(beta*c)
		}
	}
	return want, scale
}

// checkGemm compares got with the reference, element by element, and
// checks that the padding columns of C were left alone.
func checkGemm(t *testing.T, tc gemmCase, d *gemmData, got []float32) {
	t.Helper()
	want, scale := referenceGemm(tc, d)
	compareGemm(t, tc, d, got, want, scale)
}

// compareGemm is checkGemm with the reference computed by the caller.
func compareGemm(t *testing.T, tc gemmCase, d *gemmData, got []float32,
	want, scale []float64) {
	t.Helper()
	for i := 0; i < tc.m; i++ {
		for j := 0; j < d.ldc; j++ {
			idx := i*d.ldc + j
			if j >= tc.n {
				if got[idx] != d.c[idx] {
					t.Fatalf("C[%d][%d] in the padding changed: got %v, "+
						"want %v", i, j, got[idx], d.c[idx])
				}
				continue
			}
			tol := 2e-5*scale[idx] + 1e-30
			if diff := math.Abs(float64(got[idx]) - want[idx]); diff > tol {
				t.Fatalf("C[%d][%d]: got %v, want %v (diff %.3g > tol %.3g)",
					i, j, got[idx], want[idx], diff, tol)
			}
		}
	}
}

// allKernels returns the plain-Go kernel and every assembly kernel this
// CPU can run.
func allKernels() []*microKernel {
	return append([]*microKernel{goKernel}, fastKernels()...)
}

func TestGemmKernels(t *testing.T) {
	for ci, tc := range gemmCases() {
		d := newGemmData(tc, uint64(ci))
		want, scale := referenceGemm(tc, d)
		for _, kern := range allKernels() {
			for _, procs := range []int{1, 2, 3} {
				name := fmt.Sprintf("%s/procs=%d/%v", kern.name, procs, tc)
				t.Run(name, func(t *testing.T) {
					got := append([]float32(nil), d.c...)
					g := gemmArgs{tc.transA, tc.transB, tc.m, tc.n, tc.k,
						tc.alpha, d.a, d.lda, d.b, d.ldb, tc.beta, got, d.ldc}
					g.check()
					// runWorkers splits even products too small for run to
					// split, so the shared-panel path is tested on every
					// shape.
					g.runWorkers(kern, procs)
					compareGemm(t, tc, d, got, want, scale)
				})
			}
		}
	}
}

func TestGemmExported(t *testing.T) {
	for ci, tc := range gemmCases() {
		t.Run(tc.String(), func(t *testing.T) {
			d := newGemmData(tc, uint64(ci)+100)
			got := append([]float32(nil), d.c...)
			Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, d.a, d.lda,
				d.b, d.ldb, tc.beta, got, d.ldc)
			checkGemm(t, tc, d, got)

			got = append(got[:0], d.c...)
			GemmSerial(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, d.a,
				d.lda, d.b, d.ldb, tc.beta, got, d.ldc)
			checkGemm(t, tc, d, got)
		})
	}
}

// TestGemmLarge covers a model-sized product that Gemm splits across
// goroutines by itself.
func TestGemmLarge(t *testing.T) {
	for _, tc := range []gemmCase{
		{m: 300, n: 200, k: 130, alpha: 1, beta: 0},
		{transA: true, m: 130, n: 200, k: 300, alpha: 1, beta: 1},
		{transB: true, m: 300, n: 130, k: 200, alpha: 1, beta: 0, padB: 3},
		{m: 1, n: 3000, k: 700, alpha: 1, beta: 0.5, padA: 2},
		{transA: true, m: 1, n: 3000, k: 700, alpha: 2, beta: 0, padA: 2},
		{transB: true, m: 1, n: 3000, k: 700, alpha: 1, beta: 1, padB: 1},
	} {
		t.Run(tc.String(), func(t *testing.T) {
			d := newGemmData(tc, 7)
			got := append([]float32(nil), d.c...)
			Gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, d.a, d.lda,
				d.b, d.ldb, tc.beta, got, d.ldc)
			checkGemm(t, tc, d, got)
		})
	}
}

func TestGemmBetaZeroIgnoresNaN(t *testing.T) {
	for _, kern := range allKernels() {
		t.Run(kern.name, func(t *testing.T) {
			tc := gemmCase{m: 29, n: 37, k: 11, alpha: 1, beta: 0}
			d := newGemmData(tc, 3)
			got := make([]float32, len(d.c))
			for i := range got {
				got[i] = float32(math.NaN())
			}
			g := gemmArgs{false, false, tc.m, tc.n, tc.k, 1, d.a, d.lda,
				d.b, d.ldb, 0, got, d.ldc}
			g.run(kern, 1)
			d.c = make([]float32, len(d.c))
			checkGemm(t, tc, d, got)
		})
	}
}

func TestGemmZeroK(t *testing.T) {
	nan := float32(math.NaN())
	for _, beta := range []float32{0, 1, -0.5} {
		t.Run(fmt.Sprint(beta), func(t *testing.T) {
			// C is 2×2 with stride 3: c[2] and c[5] are padding.
			c := []float32{1, 2, 99, 4, nan, 77}
			Gemm(false, false, 2, 2, 0, 1, nil, 1, nil, 2, beta, c, 3)
			want := map[int]float32{0: beta * 1, 1: beta * 2, 3: beta * 4,
				2: 99, 5: 77}
			for i, w := range want {
				if c[i] != w {
					t.Errorf("c[%d]: got %v, want %v", i, c[i], w)
				}
			}
			if beta == 0 && c[4] != 0 {
				t.Errorf("c[4]: got %v, want 0", c[4])
			}
		})
	}
}

func TestGemmPanics(t *testing.T) {
	a := make([]float32, 6)
	cases := []struct {
		name string
		call func()
	}{
		{"negative m", func() {
			Gemm(false, false, -1, 2, 3, 1, a, 3, a, 2, 0, a, 2)
		}},
		{"lda too small", func() {
			Gemm(false, false, 2, 2, 3, 1, a, 2, a, 2, 0, a, 2)
		}},
		{"b too short", func() {
			Gemm(false, true, 2, 3, 3, 1, a, 3, a[:5], 3, 0, a, 3)
		}},
		{"c too short", func() {
			Gemm(false, false, 2, 2, 3, 1, a, 3, a, 2, 0, a[:3], 2)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("got no panic, want one")
				}
			}()
			tc.call()
		})
	}
}

// TestGemmSerialAllocations checks that GemmSerial reuses its packing
// buffers and keeps its arguments off the heap, as attention calls it
// thousands of times per step.
func TestGemmSerialAllocations(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 1))
	a, b, c := randomSlice(r, 64*48), randomSlice(r, 48*80), make([]float32, 64*80)
	allocs := testing.AllocsPerRun(20, func() {
		GemmSerial(false, true, 64, 80, 48, 1, a, 48, b, 48, 0, c, 80)
		GemmSerial(false, false, 1, 48, 64, 1, a, 64, a, 48, 0, c, 48)
	})
	if allocs >= 1 {
		t.Errorf("got %v allocations per call pair, want 0", allocs)
	}
}
