package gpt2

import (
	"fmt"
	"math"

	"github.com/pairwise/pairwise/internal/train/kernels"
)

// Cache stores the keys and values of the tokens a model has seen so far in
// one sequence, so that generation costs one token's work per step. A cache
// belongs to the model that made it and to one goroutine.
type Cache struct {
	maxLen, n int
	k, v      [][]float32 // per block [maxLen, C]

	// Scratch for up to maxLen tokens of one Step.
	x, ln, attY      []float32 // [maxLen, C]
	qkv              []float32 // [maxLen, 3C]
	fc               []float32 // [maxLen, inner], GELU applied in place
	mean, rstd, prob []float32 // [maxLen]
	logits           []float32 // [V]
}

// NewCache returns an empty cache for sequences of up to maxLen tokens,
// which must not exceed n_positions.
func (m *Model) NewCache(maxLen int) *Cache {
	if maxLen <= 0 || maxLen > m.cfg.NPositions {
		panic(fmt.Sprintf("gpt2: cache length %d is outside [1, n_positions=%d]", maxLen, m.cfg.NPositions))
	}
	C, L, inner := m.cfg.NEmbd, m.cfg.NLayer, m.cfg.Inner()
	c := &Cache{
		maxLen: maxLen,
		x:      make([]float32, maxLen*C), ln: make([]float32, maxLen*C), attY: make([]float32, maxLen*C),
		qkv:  make([]float32, maxLen*3*C),
		fc:   make([]float32, maxLen*inner),
		mean: make([]float32, maxLen), rstd: make([]float32, maxLen), prob: make([]float32, maxLen),
		logits: make([]float32, m.cfg.VocabSize),
	}
	for l := 0; l < L; l++ {
		c.k = append(c.k, make([]float32, maxLen*C))
		c.v = append(c.v, make([]float32, maxLen*C))
	}
	return c
}

// Len returns the number of tokens in the cache.
func (c *Cache) Len() int { return c.n }

// Reset empties the cache for a new sequence.
func (c *Cache) Reset() { c.n = 0 }

// Step appends ids to the cached sequence and returns the logits [V] that
// follow its last token. The slice belongs to the cache and is overwritten
// by the next Step. Step panics when the sequence would exceed the cache
// length or an id is outside the vocabulary.
func (m *Model) Step(c *Cache, ids []int32) []float32 {
	n, pos := len(ids), c.n
	if n == 0 || pos+n > c.maxLen {
		panic(fmt.Sprintf("gpt2: Step with %d tokens after %d exceeds the cache length %d", n, pos, c.maxLen))
	}
	if err := m.CheckIDs(ids, pos+n); err != nil {
		panic("gpt2: " + err.Error())
	}
	C, inner, eps := m.cfg.NEmbd, m.cfg.Inner(), m.cfg.LayerNormEpsilon
	x := c.x[:n*C]
	for i, id := range ids {
		tok, wp := m.wte.Data[int(id)*C:], m.wpe.Data[(pos+i)*C:]
		for j := 0; j < C; j++ {
			x[i*C+j] = tok[j] + wp[j]
		}
	}

	for l := range m.layers {
		ly := &m.layers[l]
		layerNormForward(c.ln, c.mean, c.rstd, x, ly.ln1W.Data, ly.ln1B.Data, n, C, eps)
		linearForward(c.qkv, c.ln, ly.attnW.Data, ly.attnB.Data, n, C, 3*C, false)
		for i := 0; i < n; i++ {
			copy(c.k[l][(pos+i)*C:(pos+i+1)*C], c.qkv[i*3*C+C:i*3*C+2*C])
			copy(c.v[l][(pos+i)*C:(pos+i+1)*C], c.qkv[i*3*C+2*C:i*3*C+3*C])
		}
		m.cachedAttention(c, l, n, pos)
		linearForward(x, c.attY, ly.projW.Data, ly.projB.Data, n, C, C, true)

		layerNormForward(c.ln, c.mean, c.rstd, x, ly.ln2W.Data, ly.ln2B.Data, n, C, eps)
		linearForward(c.fc, c.ln, ly.fcW.Data, ly.fcB.Data, n, C, inner, false)
		geluForward(c.fc[:n*inner], c.fc[:n*inner])
		linearForward(x, c.fc, ly.outW.Data, ly.outB.Data, n, inner, C, true)
	}
	c.n += n

	last := x[(n-1)*C : n*C]
	layerNormForward(c.ln, c.mean, c.rstd, last, m.lnfW.Data, m.lnfB.Data, 1, C, eps)
	kernels.Gemm(false, true, 1, m.cfg.VocabSize, C, 1, c.ln, C, m.wte.Data, C, 0, c.logits, m.cfg.VocabSize)
	return c.logits
}

// cachedAttention sets c.attY for n new tokens at positions pos.., each
// attending to every cached token up to itself.
func (m *Model) cachedAttention(c *Cache, l, n, pos int) {
	C, H := m.cfg.NEmbd, m.cfg.NHead
	hd := C / H
	scale := float32(1 / math.Sqrt(float64(hd)))
	for i := 0; i < n; i++ {
		total := pos + i + 1
		p := c.prob[:total]
		for h := 0; h < H; h++ {
			q := c.qkv[i*3*C+h*hd:]
			kernels.Gemm(false, true, 1, total, hd, scale, q, 3*C, c.k[l][h*hd:], C, 0, p, total)
			softmaxCausal(p, total)
			kernels.Gemm(false, false, 1, hd, total, 1, p, total, c.v[l][h*hd:], C, 0, c.attY[i*C+h*hd:], C)
		}
	}
}
