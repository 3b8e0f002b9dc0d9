package gpt2

import (
	"math"
	"math/rand/v2"
	"testing"
)

// attentionReference computes causal attention and its gradient in
// float64 with full T×T matrices, as the shape legend of attentionForward
// describes: y[B,T,C] and dqkv[B,T,3C] from qkv[B,T,3C] and dy[B,T,C].
func attentionReference(qkv, dy []float32, B, T, C, H int) (y, dqkv []float64) {
	hd, C3 := C/H, 3*C
	scale := 1 / math.Sqrt(float64(hd))
	y, dqkv = make([]float64, B*T*C), make([]float64, B*T*C3)
	at := func(b, t, col int) float64 { return float64(qkv[(b*T+t)*C3+col]) }
	for b := 0; b < B; b++ {
		for h := 0; h < H; h++ {
			q, k, v := h*hd, C+h*hd, 2*C+h*hd
			p := make([][]float64, T)
			for i := 0; i < T; i++ {
				p[i] = make([]float64, i+1)
				mx := math.Inf(-1)
				for j := 0; j <= i; j++ {
					var s float64
					for d := 0; d < hd; d++ {
						s += at(b, i, q+d) * at(b, j, k+d)
					}
					p[i][j] = s * scale
					mx = max(mx, p[i][j])
				}
				var sum float64
				for j := range p[i] {
					p[i][j] = math.Exp(p[i][j] - mx)
					sum += p[i][j]
				}
				for j := range p[i] {
					p[i][j] /= sum
					for d := 0; d < hd; d++ {
						y[(b*T+i)*C+h*hd+d] += p[i][j] * at(b, j, v+d)
					}
				}
			}
			for i := 0; i < T; i++ {
				dp := make([]float64, i+1)
				var dot float64
				for j := 0; j <= i; j++ {
					for d := 0; d < hd; d++ {
						g := float64(dy[(b*T+i)*C+h*hd+d])
						dp[j] += g * at(b, j, v+d)
						dqkv[(b*T+j)*C3+v+d] += p[i][j] * g
					}
					dot += p[i][j] * dp[j]
				}
				for j := 0; j <= i; j++ {
					ds := p[i][j] * (dp[j] - dot) * scale
					for d := 0; d < hd; d++ {
						dqkv[(b*T+i)*C3+q+d] += ds * at(b, j, k+d)
						dqkv[(b*T+j)*C3+k+d] += ds * at(b, i, q+d)
					}
				}
			}
		}
	}
	return y, dqkv
}

// TestAttentionBlocks checks forward and backward attention against the
// float64 reference at lengths that end inside, at and past a row block.
func TestAttentionBlocks(t *testing.T) {
	const B, C, H = 2, 16, 2
	rng := rand.New(rand.NewPCG(11, 3))
	for _, T := range []int{1, 63, attnBlock, 150} {
		qkv, dy := make([]float32, B*T*3*C), make([]float32, B*T*C)
		for i := range qkv {
			qkv[i] = float32(rng.NormFloat64())
		}
		for i := range dy {
			dy[i] = float32(rng.NormFloat64())
		}
		wantY, wantD := attentionReference(qkv, dy, B, T, C, H)

		y, yScratch := make([]float32, B*T*C), make([]float32, B*T*C)
		att := make([]float32, B*H*causalSize(T))
		attentionForward(y, att, nil, qkv, B, T, C, H)
		attentionForward(yScratch, nil, workerScratch(nil, causalSize(T)), qkv, B, T, C, H)
		dqkv := make([]float32, len(qkv))
		for i := range dqkv {
			dqkv[i] = 99 // must be overwritten
		}
		attentionBackward(dqkv, dy, att, qkv, B, T, C, H, workerScratch(nil, attnBlock*T))

		for i, want := range wantY {
			if math.Abs(float64(y[i])-want) > 1e-5*(1+math.Abs(want)) {
				t.Fatalf("T=%d: y[%d] got %v, want %v", T, i, y[i], want)
			}
			if yScratch[i] != y[i] {
				t.Fatalf("T=%d: y[%d] without train got %v, want %v", T, i, yScratch[i], y[i])
			}
		}
		for i, want := range wantD {
			if math.Abs(float64(dqkv[i])-want) > 1e-4*(1+math.Abs(want)) {
				t.Fatalf("T=%d: dqkv[%d] got %v, want %v", T, i, dqkv[i], want)
			}
		}
	}
}
