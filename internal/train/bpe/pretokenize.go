package bpe

import (
	"unicode"
	"unicode/utf8"
)

// GPT-2 splits text into words with the regular expression
//
//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//
// and runs BPE inside each word, so no token crosses a word boundary. Go's
// regexp has no lookahead, so nextWord matches the same alternatives by hand,
// trying them in the same order. \s is the Unicode White_Space property
// (unicode.IsSpace), \p{L} and \p{N} are unicode.IsLetter and
// unicode.IsNumber. A byte that is not valid UTF-8 counts as a symbol, so
// every input splits into words that concatenate back to it byte for byte.

// charClass is the category of one character for the pattern above.
type charClass uint8

const (
	classOther charClass = iota
	classLetter
	classNumber
	classSpace
)

// asciiClasses caches the class of each ASCII byte.
var asciiClasses [utf8.RuneSelf]charClass

func init() {
	for b := range utf8.RuneSelf {
		asciiClasses[b] = classifyRune(rune(b))
	}
}

func classifyRune(r rune) charClass {
	switch {
	case unicode.IsLetter(r):
		return classLetter
	case unicode.IsNumber(r):
		return classNumber
	case unicode.IsSpace(r):
		return classSpace
	}
	return classOther
}

// classAt returns the class and byte length of the character at s[i].
func classAt(s string, i int) (charClass, int) {
	if b := s[i]; b < utf8.RuneSelf {
		return asciiClasses[b], 1
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && size == 1 {
		return classOther, 1
	}
	return classifyRune(r), size
}

// contractions are the suffixes GPT-2 splits off as words of their own,
// in the pattern's order. The match is case-sensitive, as in GPT-2.
var contractions = [...]string{"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"}

// nextWord returns the end of the word that starts at s[i], for i < len(s).
func nextWord(s string, i int) int {
	if s[i] == '\'' {
		for _, c := range contractions {
			if len(s)-i >= len(c) && s[i:i+len(c)] == c {
				return i + len(c)
			}
		}
	}

	// " ?\p{L}+", " ?\p{N}+" and " ?[^\s\p{L}\p{N}]+" share their shape:
	// an optional ASCII space, then a run of one class.
	start := i
	if s[i] == ' ' && i+1 < len(s) {
		start = i + 1
	}
	class, size := classAt(s, start)
	if class != classSpace {
		return runEnd(s, start+size, class)
	}

	// A space not followed by a letter, number or symbol begins a
	// whitespace run. When a non-space follows the run, "\s+(?!\S)" takes
	// all of it but the last character. A run of one character before a
	// non-space fails that alternative, so "\s+" takes it whole.
	_, size = classAt(s, i)
	end := runEnd(s, i+size, classSpace)
	if end == len(s) {
		return end
	}
	_, lastSize := utf8.DecodeLastRuneInString(s[i:end])
	if end-lastSize > i {
		return end - lastSize
	}
	return end
}

// runEnd returns the end of the run of class that continues at s[i].
func runEnd(s string, i int, class charClass) int {
	for i < len(s) {
		c, size := classAt(s, i)
		if c != class {
			break
		}
		i += size
	}
	return i
}

// splitWords calls fn with each word of text in order.
func splitWords(text string, fn func(word string)) {
	for i := 0; i < len(text); {
		end := nextWord(text, i)
		fn(text[i:end])
		i = end
	}
}
