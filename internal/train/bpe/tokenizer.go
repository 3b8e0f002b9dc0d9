// Package bpe is a byte-level byte-pair-encoding tokenizer compatible with
// GPT-2: it splits text into words with GPT-2's pattern, writes each word as
// bytes and merges adjacent tokens by rank until no known merge applies.
// Every byte has a token, so any string, valid UTF-8 or not, encodes, and
// Decode(Encode(s)) == s byte for byte.
//
// A Tokenizer comes from Train, from GPT-2's vocab.json and merges.txt
// (LoadGPT2), or from a Hugging Face tokenizer.json (LoadTokenizerJSON).
// Load picks the loader from the files it finds. Save writes vocab.json,
// merges.txt and tokenizer.json, so Hugging Face tools can read what this
// package trains.
//
// Special tokens such as <|endoftext|> have ids of their own. Encode matches
// them as whole tokens in the text; EncodeOrdinary treats them as plain
// text. No merge produces a special token.
//
// A Tokenizer is safe for concurrent use.
package bpe

import (
	"strings"
	"sync"
	"unicode/utf8"
)

// Tokenizer is a byte-level BPE vocabulary with its merge rules.
type Tokenizer struct {
	// tokens holds the bytes of each token by id. A special token holds
	// its text.
	tokens [][]byte

	// byteIDs maps each byte to the id of its single-byte token.
	byteIDs [256]int32

	// merges maps a pair of adjacent ids to its rank and the id it
	// becomes. mergeList holds the same pairs in rank order.
	merges    map[uint64]merge
	mergeList [][2]int32

	// specials are the special tokens in id order, and specialIDs
	// indexes them by text.
	specials   []special
	specialIDs map[string]int32

	// ignoreMerges makes a word that is itself a token encode to that
	// token without merging, as Hugging Face's BPE option of that name.
	ignoreMerges bool
	wordIDs      map[string]int32

	cache wordCache
}

// merge is one merge rule: rank orders the rules, id is the token the pair
// becomes.
type merge struct {
	rank int32
	id   int32
}

type special struct {
	text string
	id   int32
}

// pairKey packs two token ids into a map key.
func pairKey(left, right int32) uint64 {
	return uint64(uint32(left))<<32 | uint64(uint32(right))
}

// VocabSize returns the number of token ids, special tokens included. Ids
// run from 0 to VocabSize()-1.
func (t *Tokenizer) VocabSize() int {
	return len(t.tokens)
}

// ID returns the id of a special token and whether the tokenizer has it.
func (t *Tokenizer) ID(special string) (int32, bool) {
	id, ok := t.specialIDs[special]
	return id, ok
}

// Specials returns the special tokens' texts in id order.
func (t *Tokenizer) Specials() []string {
	out := make([]string, len(t.specials))
	for i, s := range t.specials {
		out[i] = s.text
	}
	return out
}

// NumMerges returns the number of merge rules.
func (t *Tokenizer) NumMerges() int {
	return len(t.mergeList)
}

// TokenBytes returns the bytes of token id (a special token's text), or
// nil when id is out of range. The caller must not modify the result.
func (t *Tokenizer) TokenBytes(id int32) []byte {
	if id < 0 || int(id) >= len(t.tokens) {
		return nil
	}
	return t.tokens[id]
}

// Encode returns the token ids of text. Special tokens in text become their
// ids. When two overlap, the one that starts first wins, then the longer.
func (t *Tokenizer) Encode(text string) []int32 {
	ids := make([]int32, 0, len(text)/3+1)
	forEachSpecial(text, t.specials, func(plain string, sp *special) {
		ids = t.appendOrdinary(ids, plain)
		if sp != nil {
			ids = append(ids, sp.id)
		}
	})
	return ids
}

// EncodeOrdinary returns the token ids of text with special tokens treated
// as plain text, so the result contains no special id.
func (t *Tokenizer) EncodeOrdinary(text string) []int32 {
	return t.appendOrdinary(make([]int32, 0, len(text)/3+1), text)
}

// appendOrdinary appends the ids of text, which contains no special token
// that should match.
func (t *Tokenizer) appendOrdinary(ids []int32, text string) []int32 {
	splitWords(text, func(word string) {
		ids = t.appendWord(ids, word)
	})
	return ids
}

// appendWord appends the ids of one pre-tokenized word.
func (t *Tokenizer) appendWord(ids []int32, word string) []int32 {
	if len(word) == 1 {
		return append(ids, t.byteIDs[word[0]])
	}
	if t.ignoreMerges {
		if id, ok := t.wordIDs[word]; ok {
			return append(ids, id)
		}
	}
	if cached, ok := t.cache.get(word); ok {
		return append(ids, cached...)
	}

	start := len(ids)
	for i := 0; i < len(word); i++ {
		ids = append(ids, t.byteIDs[word[i]])
	}
	merged := t.mergeWord(ids[start:])
	ids = append(ids[:start], merged...)
	if len(word) <= maxCachedWord {
		t.cache.put(word, merged)
	}
	return ids
}

// Decode returns the text of ids. Special tokens decode to their text. An
// id outside the vocabulary decodes to U+FFFD, the Unicode replacement
// character, so a bad id shows in the output instead of vanishing.
func (t *Tokenizer) Decode(ids []int32) string {
	n := 0
	for _, id := range ids {
		n += len(t.TokenBytes(id))
	}
	buf := make([]byte, 0, n)
	for _, id := range ids {
		if id < 0 || int(id) >= len(t.tokens) {
			buf = utf8.AppendRune(buf, utf8.RuneError)
			continue
		}
		buf = append(buf, t.tokens[id]...)
	}
	return string(buf)
}

// wordCacheSize bounds the number of words the cache keeps. Once full, the
// cache starts over, which keeps memory flat on text with a long tail of
// rare words. Words longer than maxCachedWord bytes, such as long runs of
// whitespace, are rare enough that caching them only costs memory.
const (
	wordCacheSize = 1 << 16
	maxCachedWord = 64
)

// wordCache remembers the merged ids of recent words.
type wordCache struct {
	mu    sync.Mutex
	words map[string][]int32
}

func (c *wordCache) get(word string) ([]int32, bool) {
	c.mu.Lock()
	ids, ok := c.words[word]
	c.mu.Unlock()
	return ids, ok
}

// put stores a copy of ids under a copy of word, so the cache does not keep
// the caller's text alive.
func (c *wordCache) put(word string, ids []int32) {
	stored := append([]int32(nil), ids...)
	c.mu.Lock()
	if c.words == nil || len(c.words) >= wordCacheSize {
		c.words = make(map[string][]int32)
	}
	c.words[strings.Clone(word)] = stored
	c.mu.Unlock()
}
