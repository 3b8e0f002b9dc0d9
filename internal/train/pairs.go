package train

import (
	"context"
	"fmt"
	"math"

	"github.com/pairwise/pairwise/internal/train/gpt2"
)

// pair is a tokenised preference pair.
type pair struct {
	chosen, rejected Sequence
	margin           float64
}

// encodePairs tokenises preference pairs, naming the row of any that
// fails.
func encodePairs(enc *Encoder, prefs []Preference) ([]pair, error) {
	out := make([]pair, 0, len(prefs))
	for _, p := range prefs {
		seqs, err := enc.Encode(p.Prompt, p.Chosen, p.Rejected)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Source, err)
		}
		out = append(out, pair{chosen: seqs[0], rejected: seqs[1], margin: p.Margin})
	}
	return out, nil
}

// checkReference returns an error when the reference model cannot score
// the pairs: a token id outside its vocabulary or a sequence longer than
// its n_positions.
func checkReference(ref *gpt2.Model, pairs []pair) error {
	for i, s := range pairSequences(pairs) {
		if err := ref.CheckIDs(s.IDs, len(s.IDs)); err != nil {
			return fmt.Errorf("the reference model cannot score pair %d: %w; "+
				"give a reference with the policy's tokenizer and at least its context length (--context)", i/2+1, err)
		}
	}
	return nil
}

// pairBatch stacks the chosen sequences of pairs, then the rejected ones.
func pairBatch(pairs []pair, pad int32) batch {
	seqs := make([]Sequence, 0, 2*len(pairs))
	for _, p := range pairs {
		seqs = append(seqs, p.chosen)
	}
	for _, p := range pairs {
		seqs = append(seqs, p.rejected)
	}
	return makeBatch(seqs, pad)
}

// pairSequences returns every sequence of pairs, for checking.
func pairSequences(pairs []pair) []Sequence {
	seqs := make([]Sequence, 0, 2*len(pairs))
	for _, p := range pairs {
		seqs = append(seqs, p.chosen, p.rejected)
	}
	return seqs
}

// pairFingerprint hashes the pairs' sequences and margins.
func pairFingerprint(pairs []pair) string {
	seqs := pairSequences(pairs)
	for _, p := range pairs {
		bits := math.Float64bits(p.margin)
		seqs = append(seqs, Sequence{IDs: []int32{int32(bits), int32(bits >> 32)}})
	}
	return fingerprintSequences(seqs)
}

// pick returns the pairs at idx.
func pick(pairs []pair, idx []int) []pair {
	out := make([]pair, len(idx))
	for i, j := range idx {
		out[i] = pairs[j]
	}
	return out
}

// pairLogProbs returns the summed completion log-probabilities of the
// chosen and rejected sequences of pairs under model, batch by batch.
func pairLogProbs(ctx context.Context, model *gpt2.Model, pairs []pair, pad int32, batchSize int) (chosen, rejected []float64, err error) {
	for lo := 0; lo < len(pairs); lo += batchSize {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		part := pairs[lo:min(lo+batchSize, len(pairs))]
		b := pairBatch(part, pad)
		pass := model.Forward(b.ids, b.B, b.T, false)
		logp, _ := completionLogProbs(pass, b, nil)
		pass.Release()
		chosen = append(chosen, logp[:len(part)]...)
		rejected = append(rejected, logp[len(part):]...)
	}
	return chosen, rejected, nil
}

// pairStats accumulates TRL's preference metrics over pairs.
type pairStats struct {
	n                   int
	loss                float64
	chosen, rejected    float64 // rewards
	correct             float64
	logpChosen, logpRej float64
	hasLogps            bool
}

// add records one pair's loss and rewards, and its policy log-probs when
// hasLogps is set.
func (s *pairStats) add(loss, rc, rr, lc, lr float64) {
	s.n++
	s.loss += loss
	s.chosen += rc
	s.rejected += rr
	if rc > rr {
		s.correct++
	}
	s.logpChosen += lc
	s.logpRej += lr
}

// metrics returns the means under TRL's names.
func (s *pairStats) metrics() Metrics {
	n := float64(max(1, s.n))
	m := Metrics{
		"loss":               s.loss / n,
		"rewards/chosen":     s.chosen / n,
		"rewards/rejected":   s.rejected / n,
		"rewards/accuracies": s.correct / n,
		"rewards/margins":    (s.chosen - s.rejected) / n,
	}
	if s.hasLogps {
		m["logps/chosen"] = s.logpChosen / n
		m["logps/rejected"] = s.logpRej / n
	}
	return m
}
