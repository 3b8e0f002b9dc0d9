package bpe

import (
	"strings"
	"testing"
)

// BenchmarkEncode reports encoding throughput on generated text with a
// 4096-token vocabulary trained on other generated text. The word cache is
// warm after the first iteration, as it is when a trainer encodes a
// dataset.
func BenchmarkEncode(b *testing.B) {
	tok, err := TrainTexts([]string{generateCorpus(7, 1<<20)}, 4096, []string{"<|endoftext|>"})
	if err != nil {
		b.Fatal(err)
	}
	text := generateCorpus(8, 4<<20)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		tok.Encode(text)
	}
}

// BenchmarkEncodeColdCache measures encoding with an empty word cache, so
// every word goes through the merge loop.
func BenchmarkEncodeColdCache(b *testing.B) {
	tok, err := TrainTexts([]string{generateCorpus(7, 1<<20)}, 4096, nil)
	if err != nil {
		b.Fatal(err)
	}
	text := generateCorpus(8, 1<<20)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		tok.cache.words = nil
		tok.Encode(text)
	}
}

// BenchmarkTrain trains a 4096-token vocabulary on 4 MiB of generated text.
func BenchmarkTrain(b *testing.B) {
	text := generateCorpus(9, 4<<20)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Train(strings.NewReader(text), 4096, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeLongWord encodes 1 MiB words (one letter repeated, then
// spaces), which take the heap merge path.
func BenchmarkEncodeLongWord(b *testing.B) {
	tok, err := TrainTexts([]string{generateCorpus(7, 1<<20)}, 4096, nil)
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat("a", 1<<20) + strings.Repeat(" ", 1<<20)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		tok.Encode(text)
	}
}
