package gpt2

import "fmt"

// Scores returns the reward model's score of each sequence: score.weight
// applied to Hidden at the sequence's last real token, position
// lengths[b]−1. It panics when the model has no score head.
func (p *Pass) Scores(lengths []int) []float32 {
	w := p.scoreWeights(lengths)
	C := len(w.Data)
	out := make([]float32, p.B)
	for b, n := range lengths {
		h := p.Hidden[(b*p.T+n-1)*C : (b*p.T+n)*C]
		var s float32
		for i, v := range h {
			s += v * w.Data[i]
		}
		out[b] = s
	}
	return out
}

// ScoreBackward adds the score head's weight gradient to its Param.Grad and
// the gradient with respect to Hidden to dHidden [B,T,C], given dScores,
// the loss gradient with respect to each output of Scores. Pass dHidden to
// Backward afterwards.
func (p *Pass) ScoreBackward(lengths []int, dScores, dHidden []float32) {
	w := p.scoreWeights(lengths)
	C := len(w.Data)
	if len(dScores) != p.B || len(dHidden) != p.B*p.T*C {
		panic(fmt.Sprintf("gpt2: ScoreBackward got %d score and %d hidden gradients for B=%d, T=%d",
			len(dScores), len(dHidden), p.B, p.T))
	}
	for b, n := range lengths {
		off := (b*p.T + n - 1) * C
		h, dh := p.Hidden[off:off+C], dHidden[off:off+C]
		d := dScores[b]
		for i, v := range h {
			w.Grad[i] += d * v
			dh[i] += d * w.Data[i]
		}
	}
}

func (p *Pass) scoreWeights(lengths []int) *Param {
	if p.m.score == nil {
		panic("gpt2: the model has no score head; call AddScoreHead")
	}
	if len(lengths) != p.B {
		panic(fmt.Sprintf("gpt2: got %d lengths for a batch of %d", len(lengths), p.B))
	}
	for b, n := range lengths {
		if n < 1 || n > p.T {
			panic(fmt.Sprintf("gpt2: length %d of sequence %d is outside [1, %d]", n, b, p.T))
		}
	}
	return p.m.score
}
