package train

import (
	"fmt"

	"github.com/pairwise/pairwise/internal/train/gpt2"
)

// batch is a set of sequences right-padded to the longest, as the model's
// Forward takes them: ids[b*T+t].
type batch struct {
	ids        []int32
	B, T       int
	promptLens []int
	lengths    []int
}

// makeBatch pads seqs with pad to the length of the longest.
func makeBatch(seqs []Sequence, pad int32) batch {
	T := 0
	for _, s := range seqs {
		T = max(T, len(s.IDs))
	}
	b := batch{ids: make([]int32, len(seqs)*T), B: len(seqs), T: T}
	for i, s := range seqs {
		row := b.ids[i*T : (i+1)*T]
		n := copy(row, s.IDs)
		for j := n; j < T; j++ {
			row[j] = pad
		}
		b.promptLens = append(b.promptLens, s.PromptLen)
		b.lengths = append(b.lengths, len(s.IDs))
	}
	return b
}

// completionTokens returns the number of predicted completion tokens in b.
func (b batch) completionTokens() int {
	n := 0
	for i := range b.lengths {
		n += b.lengths[i] - b.promptLens[i]
	}
	return n
}

// checkSequences returns an error naming the first sequence that the
// model cannot read: a token outside its vocabulary or a length over
// n_positions. what names the data set in the message.
func checkSequences(m *gpt2.Model, seqs []Sequence, what string) error {
	for i, s := range seqs {
		if err := m.CheckIDs(s.IDs, len(s.IDs)); err != nil {
			return fmt.Errorf("%s sequence %d: %w; use the tokenizer the model was trained with", what, i+1, err)
		}
	}
	return nil
}
