package gpt2

import (
	"fmt"

	"github.com/pairwise/pairwise/internal/train/kernels"
)

// Backward adds to every Param.Grad the gradient of a loss whose gradient
// with respect to p.Logits is dLogits and with respect to p.Hidden is
// dHidden. Either may be nil, and dLogits may be p.Logits itself when the
// loss wrote its gradient over the logits. The pass must come from Forward
// with train set and must not be released.
func (p *Pass) Backward(dLogits, dHidden []float32) {
	if p.ws == nil || !p.ws.train {
		panic("gpt2: Backward needs a pass from Forward with train set that was not released")
	}
	m, ws := p.m, p.ws
	N, C, V, L := p.B*p.T, m.cfg.NEmbd, m.cfg.VocabSize, m.cfg.NLayer
	if dLogits != nil && len(dLogits) != N*V {
		panic(fmt.Sprintf("gpt2: Backward got %d logit gradients, want %d", len(dLogits), N*V))
	}
	if dHidden != nil && len(dHidden) != N*C {
		panic(fmt.Sprintf("gpt2: Backward got %d hidden gradients, want %d", len(dHidden), N*C))
	}
	g := ws.gradBuffers(m.cfg)

	// Tied output layer: logits = hidden·wteᵀ.
	dh := g.dLn
	if dHidden != nil {
		copy(dh, dHidden)
	} else {
		clear(dh)
	}
	if dLogits != nil {
		kernels.Gemm(false, false, N, C, V, 1, dLogits, V, m.wte.Data, C, 1, dh, C)
		kernels.Gemm(true, false, V, C, N, 1, dLogits, V, ws.hidden, C, 1, m.wte.Grad, C)
	}

	clear(g.dRes)
	layerNormBackward(g.dRes, dh, ws.res[2*L], ws.lnfMean, ws.lnfRstd,
		m.lnfW.Data, m.lnfW.Grad, m.lnfB.Grad, N, C, g.lnPartial)
	for l := L - 1; l >= 0; l-- {
		m.blockBackward(l, ws, g)
	}
	m.embedBackward(g.dRes, ws.ids, p.B, p.T)
}

// blockBackward turns g.dRes from the gradient of block l's output into
// the gradient of its input, adding the block's parameter gradients. It
// recomputes the LayerNorm and GELU outputs that the forward pass did not
// keep into ws.ln and ws.gelu.
func (m *Model) blockBackward(l int, ws *workspace, g *gradBuffers) {
	ly, a := &m.layers[l], &ws.layers[l]
	in, mid := ws.res[2*l], ws.res[2*l+1]
	B, T := ws.B, ws.T
	N, C, inner := B*T, m.cfg.NEmbd, m.cfg.Inner()

	// MLP branch: out = mid + gelu(ln_2(mid)·W_fc + b_fc)·W_proj + b_proj.
	// The GELU output's gradient overwrites the recomputed output in
	// ws.gelu once the weight gradient has read it.
	geluForward(ws.gelu, a.fc)
	dFc := ws.gelu
	linearBackward(dFc, g.dRes, ws.gelu, ly.outW.Data, ly.outW.Grad, ly.outB.Grad, N, inner, C)
	geluBackward(dFc, a.fc, dFc)
	layerNormApply(ws.ln, mid, a.ln2Mean, a.ln2Rstd, ly.ln2W.Data, ly.ln2B.Data, N, C)
	linearBackward(g.dLn, dFc, ws.ln, ly.fcW.Data, ly.fcW.Grad, ly.fcB.Grad, N, C, inner)
	layerNormBackward(g.dRes, g.dLn, mid, a.ln2Mean, a.ln2Rstd,
		ly.ln2W.Data, ly.ln2W.Grad, ly.ln2B.Grad, N, C, g.lnPartial)

	// Attention branch: mid = in + attn(ln_1(in))·W_proj + b_proj.
	linearBackward(g.dAttY, g.dRes, a.attY, ly.projW.Data, ly.projW.Grad, ly.projB.Grad, N, C, C)
	attentionBackward(g.dQKV, g.dAttY, a.att, a.qkv, B, T, C, m.cfg.NHead, g.attScratch)
	layerNormApply(ws.ln, in, a.ln1Mean, a.ln1Rstd, ly.ln1W.Data, ly.ln1B.Data, N, C)
	linearBackward(g.dLn, g.dQKV, ws.ln, ly.attnW.Data, ly.attnW.Grad, ly.attnB.Grad, N, C, 3*C)
	layerNormBackward(g.dRes, g.dLn, in, a.ln1Mean, a.ln1Rstd,
		ly.ln1W.Data, ly.ln1W.Grad, ly.ln1B.Grad, N, C, g.lnPartial)
}

// embedBackward adds the gradient dx of the embedding sum to the rows of
// wte and wpe that produced it.
func (m *Model) embedBackward(dx []float32, ids []int32, B, T int) {
	C := m.cfg.NEmbd
	for b := 0; b < B; b++ {
		for t := 0; t < T; t++ {
			row := dx[(b*T+t)*C : (b*T+t+1)*C]
			tok := m.wte.Grad[int(ids[b*T+t])*C:]
			pos := m.wpe.Grad[t*C:]
			for i, v := range row {
				tok[i] += v
				pos[i] += v
			}
		}
	}
}
