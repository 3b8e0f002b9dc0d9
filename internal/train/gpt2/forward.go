package gpt2

import (
	"fmt"

	"github.com/pairwise/pairwise/internal/train/kernels"
)

// layerActs contains what one block's backward pass needs from its
// forward pass over N = B·T tokens. The LayerNorm and GELU outputs are not
// kept: backward recomputes them from the block's input, the stored mean
// and rstd, and fc, which costs far less than the matrix products around
// them.
type layerActs struct {
	ln1Mean, ln1Rstd []float32 // [N]
	qkv              []float32 // [N,3C]
	att              []float32 // B·H causal matrices in row-block layout, nil without train
	attY             []float32 // [N,C] head outputs before c_proj
	ln2Mean, ln2Rstd []float32 // [N]
	fc               []float32 // [N,inner] before GELU; after it without train
}

func newLayerActs(cfg Config, B, T int, train bool) layerActs {
	N, C := B*T, cfg.NEmbd
	a := layerActs{
		ln1Mean: make([]float32, N), ln1Rstd: make([]float32, N),
		qkv:     make([]float32, N*3*C),
		attY:    make([]float32, N*C),
		ln2Mean: make([]float32, N), ln2Rstd: make([]float32, N),
		fc: make([]float32, N*cfg.Inner()),
	}
	if train {
		a.att = make([]float32, B*cfg.NHead*causalSize(T))
	}
	return a
}

// workspace contains every buffer of one forward pass and, after the first
// Backward, of its backward pass, so that a model reuses them across steps.
// Buffers are allocated for capB sequences of capT tokens and resliced for
// any smaller batch.
type workspace struct {
	B, T       int
	capB, capT int
	train      bool

	// res[2l] is block l's input and res[2l+1] its residual stream after
	// attention; res[2L] feeds ln_f. Without train every entry is the same
	// buffer and the blocks update it in place.
	res    [][]float32
	layers []layerActs // one per block with train, else one shared

	ln      []float32   // [N,C] LayerNorm output, shared by the blocks
	gelu    []float32   // [N,inner] GELU output with train, then its gradient in backward
	attProb [][]float32 // one causal matrix per worker without train

	hidden, lnfMean, lnfRstd []float32 // [N,C] ln_f output, [N], [N]
	logits                   []float32 // [N,V]
	ids                      []int32

	grads *gradBuffers
}

// gradBuffers are the backward pass's scratch buffers.
type gradBuffers struct {
	dRes, dLn, dAttY []float32 // [N,C]
	dQKV             []float32 // [N,3C]
	attScratch       [][]float32
	lnPartial        [][]float32
}

func newWorkspace(cfg Config, B, T int, train bool) *workspace {
	N, C, L := B*T, cfg.NEmbd, cfg.NLayer
	ws := &workspace{capB: B, capT: T, train: train, ids: make([]int32, N)}
	ws.res = make([][]float32, 2*L+1)
	if train {
		for i := range ws.res {
			ws.res[i] = make([]float32, N*C)
		}
		ws.layers = make([]layerActs, L)
		for l := range ws.layers {
			ws.layers[l] = newLayerActs(cfg, B, T, true)
		}
		ws.gelu = make([]float32, N*cfg.Inner())
	} else {
		shared := make([]float32, N*C)
		for i := range ws.res {
			ws.res[i] = shared
		}
		ws.layers = []layerActs{newLayerActs(cfg, B, T, false)}
	}
	ws.ln = make([]float32, N*C)
	ws.hidden = make([]float32, N*C)
	ws.lnfMean = make([]float32, N)
	ws.lnfRstd = make([]float32, N)
	ws.logits = make([]float32, N*cfg.VocabSize)
	ws.reshape(cfg, B, T)
	return ws
}

// fits reports whether the workspace's buffers can hold B sequences of T
// tokens.
func (ws *workspace) fits(B, T int, train bool) bool {
	return ws.train == train && B*T <= ws.capB*ws.capT && T <= ws.capT &&
		B*causalSize(T) <= ws.capB*causalSize(ws.capT)
}

// reshape reslices every buffer to B sequences of T tokens; fits(B, T)
// must hold.
func (ws *workspace) reshape(cfg Config, B, T int) {
	ws.B, ws.T = B, T
	N, C, inner, att := B*T, cfg.NEmbd, cfg.Inner(), B*cfg.NHead*causalSize(T)
	for i := range ws.res {
		ws.res[i] = ws.res[i][:N*C]
	}
	for l := range ws.layers {
		a := &ws.layers[l]
		a.ln1Mean, a.ln1Rstd = a.ln1Mean[:N], a.ln1Rstd[:N]
		a.qkv, a.attY = a.qkv[:3*N*C], a.attY[:N*C]
		a.ln2Mean, a.ln2Rstd = a.ln2Mean[:N], a.ln2Rstd[:N]
		a.fc = a.fc[:N*inner]
		if a.att != nil {
			a.att = a.att[:att]
		}
	}
	ws.ln = ws.ln[:N*C]
	if ws.gelu != nil {
		ws.gelu = ws.gelu[:N*inner]
	}
	ws.hidden, ws.lnfMean, ws.lnfRstd = ws.hidden[:N*C], ws.lnfMean[:N], ws.lnfRstd[:N]
	ws.logits, ws.ids = ws.logits[:N*cfg.VocabSize], ws.ids[:N]
	if g := ws.grads; g != nil {
		g.dRes, g.dLn, g.dAttY = g.dRes[:N*C], g.dLn[:N*C], g.dAttY[:N*C]
		g.dQKV = g.dQKV[:3*N*C]
	}
}

// workerScratch returns list with one buffer of size floats per worker,
// growing it when GOMAXPROCS grew since it was made.
func workerScratch(list [][]float32, size int) [][]float32 {
	for len(list) < numWorkers() {
		list = append(list, make([]float32, size))
	}
	return list
}

// gradBuffers returns the backward buffers, allocating them at the
// workspace's capacity on first use.
func (ws *workspace) gradBuffers(cfg Config) *gradBuffers {
	if g := ws.grads; g != nil {
		g.attScratch = workerScratch(g.attScratch, attnBlock*ws.capT)
		g.lnPartial = workerScratch(g.lnPartial, 2*cfg.NEmbd)
		return g
	}
	N, C := ws.capB*ws.capT, cfg.NEmbd
	g := &gradBuffers{
		dRes: make([]float32, N*C), dLn: make([]float32, N*C), dAttY: make([]float32, N*C),
		dQKV: make([]float32, N*3*C),
	}
	g.attScratch = workerScratch(nil, attnBlock*ws.capT)
	g.lnPartial = workerScratch(nil, 2*C)
	ws.grads = g
	ws.reshape(cfg, ws.B, ws.T)
	return g
}

// maxPooled bounds the workspaces a model keeps for reuse.
const maxPooled = 4

// takeWorkspace returns the smallest pooled workspace that fits B
// sequences of T tokens, resliced to them, or a new one.
func (m *Model) takeWorkspace(B, T int, train bool) *workspace {
	m.mu.Lock()
	best := -1
	for i, ws := range m.pool {
		if ws.fits(B, T, train) && (best < 0 || ws.capB*ws.capT < m.pool[best].capB*m.pool[best].capT) {
			best = i
		}
	}
	if best < 0 {
		m.mu.Unlock()
		return newWorkspace(m.cfg, B, T, train)
	}
	ws := m.pool[best]
	m.pool = append(m.pool[:best], m.pool[best+1:]...)
	m.mu.Unlock()
	ws.reshape(m.cfg, B, T)
	return ws
}

func (m *Model) putWorkspace(ws *workspace) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.pool) >= maxPooled {
		m.pool = m.pool[1:]
	}
	m.pool = append(m.pool, ws)
}

// Pass is the result of one forward pass. Logits and Hidden stay valid until
// Release.
type Pass struct {
	// Logits are the next-token logits [B,T,V].
	Logits []float32
	// Hidden is the output of ln_f [B,T,C], the input of the tied output
	// layer and of the score head.
	Hidden []float32
	B, T   int

	m  *Model
	ws *workspace
}

// CheckIDs returns an error naming the first token id outside the
// vocabulary, or the sequence length when it exceeds n_positions.
func (m *Model) CheckIDs(ids []int32, T int) error {
	if T > m.cfg.NPositions {
		return fmt.Errorf("sequence length %d exceeds the model's n_positions %d", T, m.cfg.NPositions)
	}
	for i, id := range ids {
		if id < 0 || int(id) >= m.cfg.VocabSize {
			return fmt.Errorf("token id %d at position %d is outside the vocabulary [0, %d)",
				id, i, m.cfg.VocabSize)
		}
	}
	return nil
}

// Forward runs the model on B right-padded sequences of length T, with
// ids[b*T+t] the t-th token of sequence b. Causal attention means padding
// after a sequence's last real token does not change its earlier outputs.
// With train set the pass keeps what Backward needs. Forward panics when
// the ids do not match B·T or fail CheckIDs; callers validate data first.
func (m *Model) Forward(ids []int32, B, T int, train bool) *Pass {
	return m.forward(ids, B, T, train, true)
}

// ForwardHidden is Forward without the output layer: the pass has Hidden
// but no Logits. Reward models use it, since their score reads Hidden.
func (m *Model) ForwardHidden(ids []int32, B, T int, train bool) *Pass {
	return m.forward(ids, B, T, train, false)
}

func (m *Model) forward(ids []int32, B, T int, train, logits bool) *Pass {
	if len(ids) != B*T || B <= 0 || T <= 0 {
		panic(fmt.Sprintf("gpt2: Forward got %d ids for B=%d, T=%d", len(ids), B, T))
	}
	if err := m.CheckIDs(ids, T); err != nil {
		panic("gpt2: " + err.Error())
	}
	ws := m.takeWorkspace(B, T, train)
	copy(ws.ids, ids)
	m.embed(ws.res[0], ids, B, T)

	N, C, L := B*T, m.cfg.NEmbd, m.cfg.NLayer
	for l := 0; l < L; l++ {
		acts := &ws.layers[0]
		if train {
			acts = &ws.layers[l]
		}
		m.blockForward(l, ws, acts, ws.res[2*l], ws.res[2*l+1], ws.res[2*l+2])
	}
	layerNormForward(ws.hidden, ws.lnfMean, ws.lnfRstd, ws.res[2*L], m.lnfW.Data, m.lnfB.Data,
		N, C, m.cfg.LayerNormEpsilon)
	p := &Pass{Hidden: ws.hidden, B: B, T: T, m: m, ws: ws}
	if logits {
		kernels.Gemm(false, true, N, m.cfg.VocabSize, C, 1, ws.hidden, C, m.wte.Data, C, 0,
			ws.logits, m.cfg.VocabSize)
		p.Logits = ws.logits
	}
	return p
}

// Release returns the pass's buffers to the model for reuse by a later
// Forward. The pass, its Logits and its Hidden must not be used afterwards.
func (p *Pass) Release() {
	if p.ws != nil {
		p.m.putWorkspace(p.ws)
		p.ws, p.Logits, p.Hidden = nil, nil, nil
	}
}

// embed sets x[b,t] = wte[ids[b,t]] + wpe[t].
func (m *Model) embed(x []float32, ids []int32, B, T int) {
	C := m.cfg.NEmbd
	for b := 0; b < B; b++ {
		for t := 0; t < T; t++ {
			row := x[(b*T+t)*C : (b*T+t+1)*C]
			tok := m.wte.Data[int(ids[b*T+t])*C:]
			pos := m.wpe.Data[t*C:]
			for i := range row {
				row[i] = tok[i] + pos[i]
			}
		}
	}
}

// blockForward runs block l: mid = in + attn(ln_1(in)), out = mid +
// mlp(ln_2(mid)). in, mid and out may be the same buffer.
func (m *Model) blockForward(l int, ws *workspace, a *layerActs, in, mid, out []float32) {
	ly := &m.layers[l]
	B, T := ws.B, ws.T
	N, C, inner, eps := B*T, m.cfg.NEmbd, m.cfg.Inner(), m.cfg.LayerNormEpsilon

	layerNormForward(ws.ln, a.ln1Mean, a.ln1Rstd, in, ly.ln1W.Data, ly.ln1B.Data, N, C, eps)
	linearForward(a.qkv, ws.ln, ly.attnW.Data, ly.attnB.Data, N, C, 3*C, false)
	if a.att == nil {
		ws.attProb = workerScratch(ws.attProb, causalSize(ws.capT))
	}
	attentionForward(a.attY, a.att, ws.attProb, a.qkv, B, T, C, m.cfg.NHead)
	copyIfDistinct(mid, in)
	linearForward(mid, a.attY, ly.projW.Data, ly.projB.Data, N, C, C, true)

	layerNormForward(ws.ln, a.ln2Mean, a.ln2Rstd, mid, ly.ln2W.Data, ly.ln2B.Data, N, C, eps)
	linearForward(a.fc, ws.ln, ly.fcW.Data, ly.fcB.Data, N, C, inner, false)
	act := a.fc // without train GELU runs in place
	if ws.train {
		act = ws.gelu
	}
	geluForward(act, a.fc)
	copyIfDistinct(out, mid)
	linearForward(out, act, ly.outW.Data, ly.outB.Data, N, inner, C, true)
}

func copyIfDistinct(dst, src []float32) {
	if &dst[0] != &src[0] {
		copy(dst, src)
	}
}
