package bpe

import (
	"slices"
	"strings"
	"testing"
)

func TestTrainByHand(t *testing.T) {
	// Words: "ab" once, " ab" twice, " abc" once. Pair counts: a+b 4,
	// Ġ+a 3, b+c 1. After a+b: Ġ+ab 3, ab+c 1. After Ġ+ab: Ġab+c 1.
	tok, err := TrainTexts([]string{"ab ab ab abc"}, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]int32{{'a', 'b'}, {' ', 256}, {257, 'c'}}
	if !slices.Equal(tok.mergeList, want) {
		t.Errorf("merges = %v, want %v", tok.mergeList, want)
	}
	// No pair is left after three merges, so training stops early.
	if got := tok.VocabSize(); got != 259 {
		t.Errorf("VocabSize() = %d, want 259", got)
	}
	if got := string(tok.TokenBytes(258)); got != " abc" {
		t.Errorf("token 258 = %q, want \" abc\"", got)
	}
	if got, want := tok.Encode(" abc ab"), []int32{258, 257}; !slices.Equal(got, want) {
		t.Errorf("Encode = %v, want %v", got, want)
	}
}

func TestTrainTieBreak(t *testing.T) {
	// Every pair occurs once. Ties go to the lowest left token bytes:
	// " " < "a" < "x", then " a" < "x".
	tok, err := TrainTexts([]string{"xy ab"}, 1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]int32{{' ', 'a'}, {256, 'b'}, {'x', 'y'}}
	if !slices.Equal(tok.mergeList, want) {
		t.Errorf("merges = %v, want %v", tok.mergeList, want)
	}
}

func TestTrainVocabSize(t *testing.T) {
	text := generateCorpus(1, 50_000)
	tok, err := TrainTexts([]string{text}, 400, []string{"<|endoftext|>", "<|pad|>"})
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.VocabSize(); got != 400 {
		t.Errorf("VocabSize() = %d, want 400", got)
	}
	for i, sp := range []string{"<|endoftext|>", "<|pad|>"} {
		id, ok := tok.ID(sp)
		if want := int32(398 + i); !ok || id != want {
			t.Errorf("ID(%s) = %d, %v, want %d, true", sp, id, ok, want)
		}
	}
	if got := tok.Decode(tok.Encode(text)); got != text {
		t.Errorf("round trip of the training text changed it")
	}
}

func TestTrainDeterministic(t *testing.T) {
	text := generateCorpus(2, 200_000)
	first, err := TrainTexts([]string{text}, 800, []string{"<|endoftext|>"})
	if err != nil {
		t.Fatal(err)
	}
	second, err := TrainTexts([]string{text}, 800, []string{"<|endoftext|>"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(first.mergeList, second.mergeList) {
		t.Errorf("two runs on the same text learned different merges")
	}

	// Reading in small chunks must cut the text only where the words
	// stay the same.
	defer func(size int) { chunkSize = size }(chunkSize)
	chunkSize = 4096
	streamed, err := Train(strings.NewReader(text), 800, []string{"<|endoftext|>"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(first.mergeList, streamed.mergeList) {
		t.Errorf("Train from a reader learned different merges than TrainTexts")
	}
}

func TestTrainSkipsSpecials(t *testing.T) {
	text := strings.Repeat("<|endoftext|>", 100)
	tok, err := TrainTexts([]string{text}, 1000, []string{"<|endoftext|>"})
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.NumMerges(); got != 0 {
		t.Errorf("NumMerges() = %d, want 0: the text holds only special tokens", got)
	}
	id, _ := tok.ID("<|endoftext|>")
	if got := tok.Encode(text[:26]); !slices.Equal(got, []int32{id, id}) {
		t.Errorf("Encode = %v, want [%d %d]", got, id, id)
	}
}

func TestTrainErrors(t *testing.T) {
	cases := []struct {
		name      string
		vocabSize int
		specials  []string
		want      string
	}{
		{"too small", 256, []string{"<|endoftext|>"}, "vocabulary size 256 is too small"},
		{"empty special", 300, []string{""}, "specials[0]: special token is empty"},
		{"duplicate special", 300, []string{"<s>", "<s>"}, "listed twice"},
		{"invalid utf8 special", 300, []string{"\xff"}, "not valid UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := TrainTexts([]string{"text"}, c.vocabSize, c.specials)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestMergeHeapMatchesScan(t *testing.T) {
	tok, err := TrainTexts([]string{generateCorpus(3, 100_000)}, 1200, nil)
	if err != nil {
		t.Fatal(err)
	}
	words := []string{
		strings.Repeat("a", 101),
		strings.Repeat("the", 40),
		strings.Repeat(" ", 77),
		strings.Repeat("preferencechosenrejected", 5),
		strings.Repeat("北京😀", 9),
	}
	for _, w := range words {
		scan := tok.mergeByScan(tok.byteTokens(w))
		heap := tok.mergeByHeap(tok.byteTokens(w))
		if !slices.Equal(scan, heap) {
			t.Errorf("word %.20q...: heap merge %v, scan merge %v", w, heap, scan)
		}
	}
}

// byteTokens returns the single-byte token ids of word.
func (t *Tokenizer) byteTokens(word string) []int32 {
	ids := make([]int32, len(word))
	for i := range len(word) {
		ids[i] = t.byteIDs[word[i]]
	}
	return ids
}

func TestEncodeMatchesTraining(t *testing.T) {
	text := generateCorpus(4, 100_000)
	c, err := newWordCounter(1000, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.add(text)
	tok, err := c.train(1000)
	if err != nil {
		t.Fatal(err)
	}

	// Training again keeps the learner, whose words hold the final
	// segmentation; Encode must split every word the same way.
	l := newLearner(c.counts)
	for range tok.NumMerges() {
		key, ok := l.popBest()
		if !ok {
			t.Fatal("second training run ended early")
		}
		l.merge(key)
	}
	words := make([]string, 0, len(c.counts))
	for w := range c.counts {
		words = append(words, w)
	}
	slices.Sort(words)
	for i, w := range words {
		if got := tok.EncodeOrdinary(w); !slices.Equal(got, l.words[i]) {
			t.Errorf("word %q: Encode = %v, training ended with %v", w, got, l.words[i])
		}
	}
}
