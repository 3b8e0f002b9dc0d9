package bpe

import (
	"slices"
	"strings"
	"testing"
)

// The expected splits follow GPT-2's pattern as Python's regex module
// applies it.
func TestSplitWords(t *testing.T) {
	cases := []struct {
		name string
		text string
		want []string
	}{
		{"empty", "", nil},
		{"words", "Hello world", []string{"Hello", " world"}},
		{"contractions", "I'm they're we've don't you'll he'd it's",
			[]string{"I", "'m", " they", "'re", " we", "'ve", " don", "'t",
				" you", "'ll", " he", "'d", " it", "'s"}},
		// The contractions are case-sensitive, as in GPT-2.
		{"upper contraction", "IT'S", []string{"IT", "'", "S"}},
		{"quote run", "''s", []string{"''", "s"}},
		{"numbers", "in 2024, 3.14", []string{"in", " 2024", ",", " 3", ".", "14"}},
		{"symbols", "a+=b!?", []string{"a", "+=", "b", "!?"}},
		{"space before symbol", "x = 1", []string{"x", " =", " 1"}},
		// Of a whitespace run before a word, the last space joins the word.
		{"space run", "a   b", []string{"a", "  ", " b"}},
		{"newline run", "a\n\nb", []string{"a", "\n", "\n", "b"}},
		{"single newline", "a\nb", []string{"a", "\n", "b"}},
		{"trailing spaces", "a  ", []string{"a", "  "}},
		{"only spaces", "   ", []string{"   "}},
		{"tab before word", "a\tb", []string{"a", "\t", "b"}},
		{"space tab", "a \tb", []string{"a", " ", "\t", "b"}},
		// Only U+0020 joins a following word; other spaces stand alone.
		{"no-break space", "a\u00a0b", []string{"a", "\u00a0", "b"}},
		{"ideographic space", "中\u3000文", []string{"中", "\u3000", "文"}},
		{"cjk", "我爱 北京", []string{"我爱", " 北京"}},
		// Combining marks are neither letters nor numbers.
		{"combining mark", "e\u0301t", []string{"e", "\u0301", "t"}},
		{"emoji", "hi 😀😀!", []string{"hi", " 😀😀!"}},
		{"other numbers", "Ⅻ ½", []string{"Ⅻ", " ½"}},
		{"control", "a\x00b", []string{"a", "\x00", "b"}},
		{"invalid utf8", "a\xff\xfeb", []string{"a", "\xff\xfe", "b"}},
		{"truncated rune", "ab\xe4\xb8", []string{"ab", "\xe4\xb8"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			splitWords(c.text, func(w string) { got = append(got, w) })
			if !slices.Equal(got, c.want) {
				t.Errorf("splitWords(%q) = %q, want %q", c.text, got, c.want)
			}
		})
	}
}

func TestSplitWordsLongRun(t *testing.T) {
	text := strings.Repeat(" ", 10000) + "x"
	var got []string
	splitWords(text, func(w string) { got = append(got, w) })
	want := []string{strings.Repeat(" ", 9999), " x"}
	if !slices.Equal(got, want) {
		t.Errorf("got %d words, want 9999 spaces then \" x\"", len(got))
	}
}
