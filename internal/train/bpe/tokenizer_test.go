package bpe

import (
	"slices"
	"testing"
)

// The mini tokenizers in testdata have GPT-2's 256 byte tokens in GPT-2's
// id order (id 0 is "!", a printable byte b has id b-33, a space is 220, a
// newline 198), then these merges in rank order, then <|endoftext|>:
//
//	rank  merge    id
//	0     Ġ t      256 "Ġt"
//	1     h e      257 "he"
//	2     Ġt he    258 "Ġthe"
//	3     i n      259 "in"
//	4     b c      260 "bc"
//	5     a b      261 "ab"
//	6     a a      262 "aa"
//	7     Ġ a      263 "Ġa"
//	<|endoftext|>  264
var miniCases = []struct {
	name string
	text string
	want []int32
}{
	// "the" has only h+e; " the" merges Ġ+t, h+e, then Ġt+he. " cat" and
	// " hat" have no merge.
	{"sentence", "the cat in the hat", []int32{
		83, 257, // t he
		220, 66, 64, 83, // Ġ c a t
		220, 259, // Ġ in
		258,             // Ġthe
		220, 71, 64, 83, // Ġ h a t
	}},
	// b+c (rank 4) beats a+b (rank 5) although a+b is further left.
	{"lower rank first", "abc", []int32{64, 260}},
	// a+a merges from the left; the fifth a stays alone.
	{"repeated pair", "aaaaa", []int32{262, 262, 64}},
	// a+b (rank 5) takes both a's before Ġ+a (rank 7) can.
	{"rank beats position", " abab", []int32{220, 261, 261}},
	{"space letter", " a", []int32{263}},
	{"special", "hi<|endoftext|>", []int32{71, 72, 264}},
	{"special alone", "<|endoftext|>", []int32{264}},
	{"specials adjacent", "<|endoftext|><|endoftext|>", []int32{264, 264}},
	// A whitespace run at the end of the text is one word.
	{"newlines", "\n\n", []int32{198, 198}},
	// U+00E9 is the bytes C3 A9: ids 106+(0xC3-0xAE) and 94+(0xA9-0xA1).
	{"two-byte rune", "é", []int32{127, 102}},
	{"empty", "", []int32{}},
}

func TestEncodeMini(t *testing.T) {
	for _, dir := range []string{"testdata/gpt2-mini", "testdata/hf-mini"} {
		tok := loadTB(t, dir)
		for _, c := range miniCases {
			t.Run(dir+"/"+c.name, func(t *testing.T) {
				got := tok.Encode(c.text)
				if !slices.Equal(got, c.want) {
					t.Errorf("Encode(%q) = %v, want %v", c.text, got, c.want)
				}
				if back := tok.Decode(got); back != c.text {
					t.Errorf("Decode(%v) = %q, want %q", got, back, c.text)
				}
			})
		}
	}
}

func TestEncodeOrdinaryIgnoresSpecials(t *testing.T) {
	tok := loadTB(t, "testdata/gpt2-mini")
	got := tok.EncodeOrdinary("<|endoftext|>")
	want := []int32{
		27, 91, // < |
		68, 77, 67, 78, 69, 83, 68, 87, 83, // e n d o f t e x t
		91, 29, // | >
	}
	if !slices.Equal(got, want) {
		t.Errorf("EncodeOrdinary = %v, want %v", got, want)
	}
}

func TestSpecialID(t *testing.T) {
	tok := loadTB(t, "testdata/gpt2-mini")
	id, ok := tok.ID("<|endoftext|>")
	if !ok || id != 264 {
		t.Errorf("ID(<|endoftext|>) = %d, %v, want 264, true", id, ok)
	}
	if _, ok := tok.ID("<|pad|>"); ok {
		t.Errorf("ID(<|pad|>) found a token that does not exist")
	}
	if got := tok.VocabSize(); got != 265 {
		t.Errorf("VocabSize() = %d, want 265", got)
	}
}

func TestLongestSpecialWins(t *testing.T) {
	tok, err := TrainTexts(nil, 258, []string{"<|a", "<|ab|>"})
	if err != nil {
		t.Fatal(err)
	}
	short, _ := tok.ID("<|a")
	long, _ := tok.ID("<|ab|>")
	got := tok.Encode("x<|ab|><|a")
	want := []int32{'x', long, short}
	if !slices.Equal(got, want) {
		t.Errorf("Encode = %v, want %v", got, want)
	}
}

func TestDecodeInvalidID(t *testing.T) {
	tok := loadTB(t, "testdata/gpt2-mini")
	got := tok.Decode([]int32{71, -1, 72, 265})
	if want := "h\uFFFDi\uFFFD"; got != want {
		t.Errorf("Decode = %q, want %q", got, want)
	}
}

func TestEncodeConcurrent(t *testing.T) {
	tok := loadTB(t, "testdata/gpt2-mini")
	done := make(chan []int32)
	for range 4 {
		go func() {
			var last []int32
			for range 200 {
				last = tok.Encode("the cat in the hat")
			}
			done <- last
		}()
	}
	for range 4 {
		if got := <-done; !slices.Equal(got, miniCases[0].want) {
			t.Errorf("Encode = %v, want %v", got, miniCases[0].want)
		}
	}
}

func loadTB(tb testing.TB, path string) *Tokenizer {
	tb.Helper()
	tok, err := Load(path)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

func TestOverlappingSpecialsEarlierWins(t *testing.T) {
	tok, err := TrainTexts(nil, 258, []string{"b|>", "<|ab"})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := tok.ID("<|ab")
	second, _ := tok.ID("b|>")
	got := tok.Encode("x<|ab|>b|><|ab")
	want := []int32{'x', first, '|', '>', second, first}
	if !slices.Equal(got, want) {
		t.Errorf("Encode = %v, want %v", got, want)
	}
}
