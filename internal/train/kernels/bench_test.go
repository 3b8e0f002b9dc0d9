package kernels

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// benchShape is one product the GPT-2 trainer runs for a batch of
// B·T = 2048 tokens. Linear layers store W as [in, out], so the forward pass
// is X·W (NN), the input gradient dY·Wᵀ (NT) and the weight gradient
// Xᵀ·dY (TN). The logits multiply by the token embedding [V, C] transposed.
type benchShape struct {
	name           string
	transA, transB bool
	m, n, k        int
}

var benchShapes = []benchShape{
	// tiny: C = 128, V = 512.
	{"tiny/qkv", false, false, 2048, 384, 128},
	{"tiny/qkv_dx", false, true, 2048, 128, 384},
	{"tiny/qkv_dw", true, false, 128, 384, 2048},
	{"tiny/mlp_proj", false, false, 2048, 128, 512},
	{"tiny/logits", false, true, 2048, 512, 128},
	{"tiny/logits_dh", false, false, 2048, 128, 512},
	{"tiny/logits_dwte", true, false, 512, 128, 2048},
	{"tiny/attn_scores", false, true, 128, 128, 32},
	// small: C = 384, V = 4096.
	{"small/qkv", false, false, 2048, 1152, 384},
	{"small/qkv_dx", false, true, 2048, 384, 1152},
	{"small/qkv_dw", true, false, 384, 1152, 2048},
	{"small/mlp_fc", false, false, 2048, 1536, 384},
	{"small/mlp_proj_dw", true, false, 1536, 384, 2048},
	{"small/logits", false, true, 2048, 4096, 384},
	{"small/logits_dh", false, false, 2048, 384, 4096},
	{"small/logits_dwte", true, false, 4096, 384, 2048},
	{"small/attn_scores", false, true, 256, 256, 64},
	{"small/attn_values", false, false, 256, 64, 256},
}

// BenchmarkGemm reports GFLOP/s (2·m·n·k per call) of Gemm on all cores.
func BenchmarkGemm(b *testing.B) {
	for _, s := range benchShapes {
		b.Run(s.String(), func(b *testing.B) {
			benchGemm(b, s, bestKernel, runtime.GOMAXPROCS(0))
		})
	}
}

// BenchmarkGemmKernels reports GFLOP/s of each micro-kernel, the plain-Go
// one included, on one goroutine for a few shapes.
func BenchmarkGemmKernels(b *testing.B) {
	for _, kern := range allKernels() {
		for _, s := range []benchShape{benchShapes[0], benchShapes[8],
			benchShapes[10], benchShapes[16]} {
			b.Run(kern.name+"/"+s.String(), func(b *testing.B) {
				benchGemm(b, s, kern, 1)
			})
		}
	}
}

func (s benchShape) String() string {
	t := func(x bool) string {
		if x {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("%s/%s%s_%dx%dx%d", s.name, t(s.transA), t(s.transB),
		s.m, s.n, s.k)
}

func benchGemm(b *testing.B, s benchShape, kern *microKernel, procs int) {
	r := rand.New(rand.NewPCG(1, 2))
	x := randomSlice(r, s.m*s.k)
	y := randomSlice(r, s.k*s.n)
	c := make([]float32, s.m*s.n)
	lda, ldb := s.k, s.n
	if s.transA {
		lda = s.m
	}
	if s.transB {
		ldb = s.k
	}
	g := gemmArgs{s.transA, s.transB, s.m, s.n, s.k, 1, x, lda, y, ldb, 0,
		c, s.n}
	g.check()

	b.ResetTimer()
	for b.Loop() {
		g.run(kern, procs)
	}
	flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkDot(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x, y := randomSlice(r, 4096), randomSlice(r, 4096)
	var sink float32
	for b.Loop() {
		sink += Dot(x, y)
	}
	b.ReportMetric(2*4096*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	_ = sink
}

func BenchmarkAxpy(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x, y := randomSlice(r, 4096), randomSlice(r, 4096)
	for b.Loop() {
		Axpy(1e-3, x, y)
	}
	b.ReportMetric(2*4096*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkExp(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%200)/10 - 10
	}
	dst := make([]float32, len(x))
	for b.Loop() {
		Exp(dst, x)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)),
		"ns/value")
}

func BenchmarkTanh(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%200)/40 - 2.5
	}
	dst := make([]float32, len(x))
	for b.Loop() {
		Tanh(dst, x)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)),
		"ns/value")
}

func BenchmarkGELU(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%2000)/250 - 4
	}
	dst := make([]float32, len(x))
	for b.Loop() {
		GELU(dst, x)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)),
		"ns/value")
}

func BenchmarkExpSum(b *testing.B) {
	x := make([]float32, 4096)
	for i := range x {
		x[i] = float32(i%200)/10 - 10
	}
	dst := make([]float32, len(x))
	for b.Loop() {
		ExpSum(dst, x, 10)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(x)),
		"ns/value")
}
