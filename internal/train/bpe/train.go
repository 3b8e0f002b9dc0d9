package bpe

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Train learns a tokenizer of vocabSize tokens from the text read from r.
// Ids 0..255 are the single-byte tokens (id = byte value), then come the
// learned tokens, then specials in the order given. Special tokens that
// occur in the text are cut out before counting, so no merge builds them.
//
// Each step merges the most frequent adjacent pair of tokens inside the
// words that GPT-2's pattern splits the text into. Ties go to the pair
// whose left token's bytes sort first, then the right token's, so the
// result depends only on the text and the arguments. A merge whose bytes
// equal an existing token's reuses that token, so the vocabulary can have
// fewer learned tokens than merges. Training stops early, with a smaller
// vocabulary, once no word has two tokens left to merge.
//
// Train reads r in chunks of about 1 MiB, each cut after a newline between
// two ASCII characters that are not whitespace, so memory grows with the
// number of distinct words rather than the size of the text. Text without
// such a newline is held whole.
func Train(r io.Reader, vocabSize int, specials []string) (*Tokenizer, error) {
	c, err := newWordCounter(vocabSize, specials)
	if err != nil {
		return nil, err
	}
	if err := c.readAll(r); err != nil {
		return nil, fmt.Errorf("read training text: %w", err)
	}
	return c.train(vocabSize)
}

// TrainTexts is Train over separate texts, such as the documents of a
// dataset. No word spans two texts.
func TrainTexts(texts []string, vocabSize int, specials []string) (*Tokenizer, error) {
	c, err := newWordCounter(vocabSize, specials)
	if err != nil {
		return nil, err
	}
	for _, text := range texts {
		c.add(text)
	}
	return c.train(vocabSize)
}

// wordCounter counts the words of the training text.
type wordCounter struct {
	specials []special
	counts   map[string]int64
}

func newWordCounter(vocabSize int, specials []string) (*wordCounter, error) {
	c := &wordCounter{counts: make(map[string]int64)}
	for i, text := range specials {
		if err := checkSpecial(text); err != nil {
			return nil, fmt.Errorf("specials[%d]: %w", i, err)
		}
		for _, sp := range c.specials {
			if sp.text == text {
				return nil, fmt.Errorf("special token %q is listed twice", text)
			}
		}
		c.specials = append(c.specials, special{text: text})
	}

	minSize := 256 + len(specials)
	if vocabSize < minSize {
		return nil, fmt.Errorf("vocabulary size %d is too small: it needs at least "+
			"%d (256 byte tokens + %d special tokens)", vocabSize, minSize, len(specials))
	}
	return c, nil
}

// add counts the words of text, skipping special tokens.
func (c *wordCounter) add(text string) {
	forEachSpecial(text, c.specials, func(plain string, _ *special) {
		splitWords(plain, func(word string) {
			if n, ok := c.counts[word]; ok {
				c.counts[word] = n + 1
				return
			}
			c.counts[strings.Clone(word)] = 1
		})
	})
}

// chunkSize is how much text readAll gathers before it looks for a place
// to cut.
var chunkSize = 1 << 20

// readAll counts the words of everything r returns, in chunks that split
// into the same words as the whole text would.
func (c *wordCounter) readAll(r io.Reader) error {
	cutSafe := true
	for _, sp := range c.specials {
		cutSafe = cutSafe && !strings.Contains(sp.text, "\n")
	}

	var buf []byte
	for {
		n := len(buf)
		buf = append(buf, make([]byte, chunkSize)...)
		read, err := io.ReadFull(r, buf[n:])
		buf = buf[:n+read]
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			c.add(string(buf))
			return nil
		}
		if err != nil {
			return err
		}

		if !cutSafe {
			continue
		}
		if cut := safeCut(buf); cut > 0 {
			c.add(string(buf[:cut]))
			buf = append(buf[:0], buf[cut:]...)
		}
	}
}

// safeCut returns an offset where buf can be split so that both parts
// split into the same words as buf does, or 0 when it finds none. It looks
// for a newline between two ASCII characters that are not whitespace: the
// newline is a word by itself and a word starts after it, whatever follows.
func safeCut(buf []byte) int {
	for end := len(buf) - 1; end >= 2; {
		nl := bytes.LastIndexByte(buf[:end], '\n')
		if nl < 1 {
			return 0
		}
		if solidASCII(buf[nl-1]) && solidASCII(buf[nl+1]) {
			return nl + 1
		}
		end = nl
	}
	return 0
}

// solidASCII reports whether b is an ASCII character that is not
// whitespace.
func solidASCII(b byte) bool {
	return b < 0x80 && asciiClasses[b] != classSpace
}
