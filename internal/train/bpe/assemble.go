package bpe

import (
	"fmt"
	"slices"
)

// mergeLine is one merge rule as written in a file. where is its position
// for error messages, such as "line 7" or "model.merges[5]".
type mergeLine struct {
	left, right string
	where       string
}

// addedToken is a token matched as a whole in text, such as <|endoftext|>.
type addedToken struct {
	id      int64
	content string
}

// assemble builds a Tokenizer from a vocabulary of byte-level strings, the
// merges in rank order and the special tokens. file names the source in
// errors. Ids must run from 0 to N-1 without gaps. A special token may also
// appear in vocab under the same id, as GPT-2's <|endoftext|> does.
func assemble(file string, vocab map[string]int64, merges []mergeLine,
	added []addedToken) (*Tokenizer, error) {
	tokens, specialIDs, err := placeTokens(file, vocab, added)
	if err != nil {
		return nil, err
	}
	isSpecial := make(map[string]bool, len(added))
	for _, a := range added {
		isSpecial[a.content] = true
	}
	rules, err := resolveMerges(file, vocab, isSpecial, merges)
	if err != nil {
		return nil, err
	}

	t, err := newTokenizer(tokens, specialIDs, rules)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return t, nil
}

// placeTokens returns the bytes of each token by id and the ids of the
// added tokens, checking that every id from 0 to N-1 has one token.
func placeTokens(file string, vocab map[string]int64,
	added []addedToken) ([][]byte, []int32, error) {
	size := len(vocab)
	for _, a := range added {
		if _, ok := vocab[a.content]; !ok {
			size++
		}
	}
	tokens := make([][]byte, size)
	checkID := func(what string, id int64) error {
		if id < 0 || id >= int64(size) {
			return fmt.Errorf("%s: %s has id %d, outside 0..%d; ids must run from 0 "+
				"to one less than the number of tokens", file, what, id, size-1)
		}
		if tokens[id] != nil {
			return fmt.Errorf("%s: %s has id %d, which token %q already has",
				file, what, id, tokens[id])
		}
		return nil
	}

	specialIDs := make([]int32, 0, len(added))
	isSpecial := make(map[string]bool, len(added))
	for _, a := range added {
		if id, ok := vocab[a.content]; ok && id != a.id {
			return nil, nil, fmt.Errorf("%s: added token %q has id %d but the "+
				"vocabulary gives it id %d", file, a.content, a.id, id)
		}
		if err := checkID(fmt.Sprintf("added token %q", a.content), a.id); err != nil {
			return nil, nil, err
		}
		tokens[a.id] = []byte(a.content)
		specialIDs = append(specialIDs, int32(a.id))
		isSpecial[a.content] = true
	}

	// Sorted keys make the first error reported the same on every run.
	keys := make([]string, 0, len(vocab))
	for k := range vocab {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, key := range keys {
		if isSpecial[key] {
			continue
		}
		id := vocab[key]
		if err := checkID(fmt.Sprintf("token %q", key), id); err != nil {
			return nil, nil, err
		}
		raw, ok := byteLevelBytes(key)
		if !ok || len(raw) == 0 {
			return nil, nil, fmt.Errorf("%s: token %q (id %d) is not written in "+
				"GPT-2's byte-level alphabet; only byte-level BPE vocabularies can "+
				"be loaded", file, key, id)
		}
		tokens[id] = raw
	}
	return tokens, specialIDs, nil
}

// resolveMerges turns merges written as token strings into rules over ids.
func resolveMerges(file string, vocab map[string]int64, isSpecial map[string]bool,
	merges []mergeLine) ([]rule, error) {
	rules := make([]rule, len(merges))
	seen := make(map[[2]string]string, len(merges))
	for i, m := range merges {
		pair := [2]string{m.left, m.right}
		if first, dup := seen[pair]; dup {
			return nil, fmt.Errorf("%s: merge %s (%q %q) repeats merge %s",
				file, m.where, m.left, m.right, first)
		}
		seen[pair] = m.where

		ids := [3]int32{}
		for j, key := range [3]string{m.left, m.right, m.left + m.right} {
			id, ok := vocab[key]
			if !ok {
				return nil, fmt.Errorf("%s: merge %s (%q %q): token %q is not in "+
					"the vocabulary", file, m.where, m.left, m.right, key)
			}
			if isSpecial[key] {
				return nil, fmt.Errorf("%s: merge %s (%q %q): token %q is a special "+
					"token, which merges must not involve", file, m.where, m.left, m.right, key)
			}
			ids[j] = int32(id)
		}
		rules[i] = rule{left: ids[0], right: ids[1], result: ids[2]}
	}
	return rules, nil
}
