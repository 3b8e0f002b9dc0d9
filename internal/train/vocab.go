package train

import (
	"fmt"

	"github.com/pairwise/pairwise/internal/train/bpe"
	"github.com/pairwise/pairwise/internal/train/gpt2"
)

// bpeText encodes data text without matching special tokens, so that a
// row containing the literal text "<|endoftext|>" does not end its
// completion early. The trainer adds EOS itself.
type bpeText struct{ t *bpe.Tokenizer }

func (b bpeText) Encode(s string) []int32   { return b.t.EncodeOrdinary(s) }
func (b bpeText) Decode(ids []int32) string { return b.t.Decode(ids) }

// BPEVocab returns the Vocab of a byte-level BPE tokenizer, which must
// have the <|endoftext|> special token.
func BPEVocab(t *bpe.Tokenizer) (Vocab, error) {
	eos, ok := t.ID(EndOfText)
	if !ok {
		return Vocab{}, fmt.Errorf("the tokenizer has no %s special token; "+
			"the trainer ends every completion with it", EndOfText)
	}
	return Vocab{Tok: bpeText{t}, EOS: eos, Size: t.VocabSize(), Save: t.Save}, nil
}

// LoadVocab loads a tokenizer directory or file (see bpe.Load) as a Vocab.
func LoadVocab(path string) (Vocab, error) {
	t, err := bpe.Load(path)
	if err != nil {
		return Vocab{}, err
	}
	v, err := BPEVocab(t)
	if err != nil {
		return Vocab{}, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// TrainVocab trains a byte-level BPE tokenizer of vocabSize tokens
// (<|endoftext|> included) on the documents of a corpus.
func TrainVocab(docs []string, vocabSize int) (Vocab, error) {
	t, err := bpe.TrainTexts(docs, vocabSize, []string{EndOfText})
	if err != nil {
		return Vocab{}, fmt.Errorf("train tokenizer: %w", err)
	}
	return BPEVocab(t)
}

// Fits returns an error when the tokenizer has ids outside the model's
// vocabulary.
func (v Vocab) Fits(m *gpt2.Model) error {
	if n := m.Config().VocabSize; v.Size > n {
		return fmt.Errorf("the tokenizer has %d tokens but the model's vocab_size is %d; "+
			"use the tokenizer saved with the model", v.Size, n)
	}
	return nil
}

// Matches returns an error when other maps some token id to different
// text than v does, so that two models' log-probabilities of the same ids
// would not be comparable. In byte-level BPE each id stands for a fixed
// byte string, so decoding every id compares the two vocabularies.
// NOTE: byte strings that are not valid UTF-8 may decode to the same
// replacement character, so a difference confined to them goes unnoticed.
func (v Vocab) Matches(other Vocab) error {
	if v.Size != other.Size {
		return fmt.Errorf("the tokenizers differ: %d tokens against %d", v.Size, other.Size)
	}
	for id := int32(0); id < int32(v.Size); id++ {
		a, b := v.Tok.Decode([]int32{id}), other.Tok.Decode([]int32{id})
		if a != b {
			return fmt.Errorf("the tokenizers differ: token %d is %q in one and %q in the other", id, a, b)
		}
	}
	return nil
}
