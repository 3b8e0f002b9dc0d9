package bpe

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// rule is a merge rule as the loaders and Train produce it: the pair of
// ids and the id of the token it becomes, listed in rank order.
type rule struct {
	left, right, result int32
}

// newTokenizer builds a Tokenizer from tokens by id, the ids that are
// special tokens, and the merge rules in rank order. It checks what every
// source must satisfy and reports the first problem by token or rule.
func newTokenizer(tokens [][]byte, specialIDs []int32, rules []rule) (*Tokenizer, error) {
	t := &Tokenizer{
		tokens:     tokens,
		merges:     make(map[uint64]merge, len(rules)),
		mergeList:  make([][2]int32, len(rules)),
		specialIDs: make(map[string]int32, len(specialIDs)),
		wordIDs:    make(map[string]int32, len(tokens)),
	}

	isSpecial := make([]bool, len(tokens))
	specialIDs = slices.Clone(specialIDs)
	slices.Sort(specialIDs)
	for _, id := range specialIDs {
		text := string(tokens[id])
		if err := checkSpecial(text); err != nil {
			return nil, err
		}
		if _, dup := t.specialIDs[text]; dup {
			return nil, fmt.Errorf("special token %q is listed twice", text)
		}
		isSpecial[id] = true
		t.specialIDs[text] = id
		t.specials = append(t.specials, special{text: text, id: id})
	}

	// Every byte needs a token of its own, or some text could not encode.
	seen := [256]bool{}
	for id, tok := range tokens {
		if isSpecial[id] {
			continue
		}
		t.wordIDs[string(tok)] = int32(id)
		if len(tok) == 1 && !seen[tok[0]] {
			seen[tok[0]] = true
			t.byteIDs[tok[0]] = int32(id)
		}
	}
	for b, ok := range seen {
		if !ok {
			return nil, fmt.Errorf("no token for byte 0x%02x (%q in byte-level form): "+
				"a byte-level vocabulary needs all 256 single-byte tokens", b, byteRunes[b])
		}
	}

	for rank, r := range rules {
		if isSpecial[r.left] || isSpecial[r.right] || isSpecial[r.result] {
			return nil, fmt.Errorf("merge %d (%q + %q) involves a special token",
				rank, tokens[r.left], tokens[r.right])
		}
		key := pairKey(r.left, r.right)
		if _, dup := t.merges[key]; dup {
			return nil, fmt.Errorf("merge %d (%q + %q) is listed twice",
				rank, tokens[r.left], tokens[r.right])
		}
		t.merges[key] = merge{rank: int32(rank), id: r.result}
		t.mergeList[rank] = [2]int32{r.left, r.right}
	}
	return t, nil
}

// checkSpecial reports whether text can be a special token.
func checkSpecial(text string) error {
	if text == "" {
		return fmt.Errorf("special token is empty")
	}
	if !utf8.ValidString(text) {
		return fmt.Errorf("special token %q is not valid UTF-8", text)
	}
	return nil
}
