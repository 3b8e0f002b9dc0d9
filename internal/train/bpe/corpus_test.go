package bpe

import (
	"math/rand/v2"
	"strings"
)

// corpusWords mixes English, numbers, punctuation, CJK, emoji and
// combining marks, so generated text exercises every word class.
var corpusWords = []string{
	"the", "of", "and", "to", "in", "is", "that", "it", "model", "reward",
	"preference", "chosen", "rejected", "prompt", "response", "assistant",
	"human", "label", "annotator", "tokenizer", "gradient", "I'm", "don't",
	"we've", "they're", "2024", "3.14", "42", "(see", "above)", "e.g.,",
	"--", "\"quoted\"", "北京", "東京", "😀", "naïve", "cafe\u0301", "Ωmega",
}

// syllables build made-up words, so generated text has thousands of
// distinct words that share parts.
var syllables = []string{
	"ka", "ro", "mi", "ten", "sul", "ar", "in", "ge", "bo", "tra", "ex", "ly",
	"pre", "ing", "ed", "qu", "zo", "fa",
}

// generateCorpus returns about size bytes of text, half from corpusWords
// and half made-up words, drawn with a skew towards the first entries as in
// natural text.
func generateCorpus(seed uint64, size int) string {
	rng := rand.New(rand.NewPCG(seed, 1))
	skewed := func(n int) int { return int(float64(n) * rng.Float64() * rng.Float64()) }
	var b strings.Builder
	b.Grow(size + 64)
	for b.Len() < size {
		if rng.IntN(2) == 0 {
			b.WriteString(corpusWords[skewed(len(corpusWords))])
		} else {
			for range 1 + rng.IntN(4) {
				b.WriteString(syllables[skewed(len(syllables))])
			}
		}
		switch r := rng.IntN(40); {
		case r == 0:
			b.WriteString(".\n\n")
		case r == 1:
			b.WriteString(",\n")
		case r == 2:
			b.WriteString("  ")
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}
