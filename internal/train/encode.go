package train

import "fmt"

// Tokenizer turns text into token ids and back. The bpe package's
// tokenizer implements it.
type Tokenizer interface {
	Encode(text string) []int32
	Decode(ids []int32) string
}

// Sequence is a tokenised prompt followed by its completion. The
// completion tokens are IDs[PromptLen:], the last of them the
// end-of-text token.
type Sequence struct {
	IDs       []int32
	PromptLen int
}

// Truncation counts the rows that did not fit the context.
type Truncation struct {
	Rows           int // rows encoded
	PromptsCut     int // rows whose prompt lost its start
	CompletionsCut int // rows with a completion longer than the context
}

// Encoder tokenises examples for a context of Context tokens.
type Encoder struct {
	Tok     Tokenizer
	EOS     int32 // end-of-text token id
	Context int
	// AllowEmpty accepts empty completions, which then consist of the EOS
	// token alone. Scoring generated samples needs it; training does not.
	AllowEmpty bool
	Cut        Truncation
}

// Encode tokenises a prompt with one or more completions (one for
// supervised rows, two for preference pairs) into one sequence each.
// Every completion ends with the EOS token. When a sequence would exceed
// the context, the start of the prompt is cut, and the same number of
// prompt tokens is kept for every completion so that they are compared
// after the same prompt. At least one prompt token is kept (EOS replaces an
// empty prompt), so that the first completion token is predicted.
// Only a completion that alone exceeds Context-1 tokens loses its end.
// An empty completion is an error, so a row never contributes a loss
// over zero tokens.
func (e *Encoder) Encode(prompt string, completions ...string) ([]Sequence, error) {
	if e.Context < 2 {
		return nil, fmt.Errorf("context of %d tokens is too short: want at least 2", e.Context)
	}
	e.Cut.Rows++
	p := e.Tok.Encode(prompt)
	if len(p) == 0 {
		p = []int32{e.EOS}
	}

	comps := make([][]int32, len(completions))
	longest := 0
	cutCompletion := false
	for i, c := range completions {
		if c == "" && !e.AllowEmpty {
			return nil, fmt.Errorf("completion %d is empty", i+1)
		}
		ids := append(e.Tok.Encode(c), e.EOS)
		if len(ids) > e.Context-1 {
			ids = ids[:e.Context-1]
			cutCompletion = true
		}
		comps[i] = ids
		longest = max(longest, len(ids))
	}
	if cutCompletion {
		e.Cut.CompletionsCut++
	}

	keep := min(len(p), e.Context-longest)
	if keep < len(p) {
		e.Cut.PromptsCut++
		p = p[len(p)-keep:]
	}
	seqs := make([]Sequence, len(comps))
	for i, c := range comps {
		ids := make([]int32, 0, len(p)+len(c))
		ids = append(append(ids, p...), c...)
		seqs[i] = Sequence{IDs: ids, PromptLen: len(p)}
	}
	return seqs, nil
}

// Windows splits a corpus into training sequences of at most context
// tokens. Each document is followed by EOS, the documents are
// concatenated, and consecutive windows overlap by one token so that
// every token after the first is a prediction target exactly once. Every
// window's first token is its "prompt". A context below 2 tokens predicts
// nothing and returns no windows.
func Windows(tok Tokenizer, eos int32, docs []string, context int) []Sequence {
	if context < 2 {
		return nil
	}
	var stream []int32
	for _, d := range docs {
		stream = append(stream, tok.Encode(d)...)
		stream = append(stream, eos)
	}
	var seqs []Sequence
	for start := 0; start+1 < len(stream); start += context - 1 {
		end := min(start+context, len(stream))
		seqs = append(seqs, Sequence{IDs: stream[start:end], PromptLen: 1})
	}
	return seqs
}
