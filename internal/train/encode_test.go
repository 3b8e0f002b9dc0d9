package train

import (
	"slices"
	"strings"
	"testing"
)

func TestEncoderAppendsEOS(t *testing.T) {
	enc := &Encoder{Tok: byteTokenizer{}, EOS: byteEOS, Context: 32}
	seqs, err := enc.Encode("ab", "cd")
	if err != nil {
		t.Fatal(err)
	}
	want := []int32{'a', 'b', 'c', 'd', byteEOS}
	if !slices.Equal(seqs[0].IDs, want) || seqs[0].PromptLen != 2 {
		t.Errorf("got %v prompt %d, want %v prompt 2", seqs[0].IDs, seqs[0].PromptLen, want)
	}
	if enc.Cut.PromptsCut != 0 || enc.Cut.Rows != 1 {
		t.Errorf("truncation %+v, want one row and none cut", enc.Cut)
	}
}

func TestEncoderCutsPromptStart(t *testing.T) {
	enc := &Encoder{Tok: byteTokenizer{}, EOS: byteEOS, Context: 8}
	// Completions of 3+EOS and 1+EOS tokens: the prompt keeps 8-4 = 4
	// tokens for both, so chosen and rejected follow the same prompt.
	seqs, err := enc.Encode("0123456789", "abc", "x")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(byteTokenizer{}.Decode(seqs[0].IDs)); got != "6789abc" {
		t.Errorf("chosen %q, want %q", got, "6789abc")
	}
	if got := string(byteTokenizer{}.Decode(seqs[1].IDs)); got != "6789x" {
		t.Errorf("rejected %q, want %q", got, "6789x")
	}
	if seqs[0].PromptLen != 4 || seqs[1].PromptLen != 4 {
		t.Errorf("prompt lengths %d and %d, want 4", seqs[0].PromptLen, seqs[1].PromptLen)
	}
	if enc.Cut.PromptsCut != 1 || enc.Cut.CompletionsCut != 0 {
		t.Errorf("truncation %+v, want one prompt cut", enc.Cut)
	}
}

func TestEncoderKeepsLongCompletion(t *testing.T) {
	enc := &Encoder{Tok: byteTokenizer{}, EOS: byteEOS, Context: 6}
	seqs, err := enc.Encode("prompt", strings.Repeat("z", 20))
	if err != nil {
		t.Fatal(err)
	}
	s := seqs[0]
	if len(s.IDs) != 6 || s.PromptLen != 1 || s.IDs[0] != 't' {
		t.Errorf("got %v prompt %d, want the last prompt token and 5 completion tokens", s.IDs, s.PromptLen)
	}
	if enc.Cut.CompletionsCut != 1 || enc.Cut.PromptsCut != 1 {
		t.Errorf("truncation %+v, want the prompt and the completion cut", enc.Cut)
	}
}

func TestEncoderEmptyPromptAndCompletion(t *testing.T) {
	enc := &Encoder{Tok: byteTokenizer{}, EOS: byteEOS, Context: 8}
	seqs, err := enc.Encode("", "a")
	if err != nil {
		t.Fatal(err)
	}
	if want := []int32{byteEOS, 'a', byteEOS}; !slices.Equal(seqs[0].IDs, want) {
		t.Errorf("got %v, want %v: EOS replaces the empty prompt", seqs[0].IDs, want)
	}
	if _, err := enc.Encode("p", "a", ""); err == nil || !strings.Contains(err.Error(), "completion 2 is empty") {
		t.Errorf("error %v, want the empty completion named", err)
	}
}

func TestWindowsCoverEveryToken(t *testing.T) {
	seqs := Windows(byteTokenizer{}, byteEOS, []string{"abcdefg", "hij"}, 4)
	// Stream: a b c d e f g EOS h i j EOS (12 tokens), windows of 4 that
	// overlap by one: every token after the first is a target once.
	targets := 0
	for _, s := range seqs {
		targets += len(s.IDs) - s.PromptLen
	}
	if targets != 11 {
		t.Errorf("%d targets, want 11", targets)
	}
	if got := seqs[1].IDs[0]; got != 'd' {
		t.Errorf("second window starts with %q, want 'd'", rune(got))
	}
}
