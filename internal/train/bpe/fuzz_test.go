package bpe

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

var fuzzTokenizer = sync.OnceValues(func() (*Tokenizer, error) {
	return TrainTexts([]string{generateCorpus(6, 100_000)}, 900, []string{"<|endoftext|>"})
})

// FuzzRoundTrip checks that encoding then decoding returns the input byte
// for byte, with and without special tokens, and that the heap and scan
// merges agree on every word.
func FuzzRoundTrip(f *testing.F) {
	seeds := []string{
		"",
		"Hello, world! I'm here.",
		"😀👍🏽 family: 👨‍👩‍👧",
		"北京欢迎你，東京も。",
		"cafe\u0301 n\u0303 a\u0308\u0301",
		"\x00\x01\x1f\x7f\u0085\u200b\ufeff",
		strings.Repeat(" ", 300) + "x" + strings.Repeat("\n", 50),
		"\t \t\r\n  \u00a0\u3000 end",
		"a<|endoftext|>b<|endoftext|><|endoftext|>",
		"<|endoftext",
		"\xff\xfe invalid \xc3",
		"it's 'tis ''s 'S 'll",
		strings.Repeat("ab", 100),
	}
	for _, s := range seeds {
		f.Add(s)
	}
	tok, err := fuzzTokenizer()
	if err != nil {
		f.Fatal(err)
	}
	eot, _ := tok.ID("<|endoftext|>")

	f.Fuzz(func(t *testing.T, text string) {
		if got := tok.Decode(tok.Encode(text)); got != text {
			t.Errorf("Decode(Encode(%q)) = %q", text, got)
		}
		ordinary := tok.EncodeOrdinary(text)
		if got := tok.Decode(ordinary); got != text {
			t.Errorf("Decode(EncodeOrdinary(%q)) = %q", text, got)
		}
		if slices.Contains(ordinary, eot) {
			t.Errorf("EncodeOrdinary(%q) produced the special token", text)
		}

		var joined strings.Builder
		splitWords(text, func(w string) {
			joined.WriteString(w)
			scan := tok.mergeByScan(tok.byteTokens(w))
			heap := tok.mergeByHeap(tok.byteTokens(w))
			if !slices.Equal(scan, heap) {
				t.Errorf("word %q: heap merge %v, scan merge %v", w, heap, scan)
			}
		})
		if joined.String() != text {
			t.Errorf("words of %q join to %q", text, joined.String())
		}
	})
}
