package bpe

import "strings"

// forEachSpecial cuts text at the special tokens it contains and calls fn
// with each stretch of plain text and the special token after it, the last
// time with nil. A special token that starts earlier wins over one that
// overlaps it, and of two that start at the same offset the longer wins.
func forEachSpecial(text string, specials []special, fn func(plain string, sp *special)) {
	if len(specials) == 0 {
		fn(text, nil)
		return
	}

	// next holds where each special token occurs next, -1 when nowhere, so
	// the text is searched once per special token and not once per match.
	next := make([]int, len(specials))
	for i := range specials {
		next[i] = strings.Index(text, specials[i].text)
	}
	for pos := 0; ; {
		best := -1
		for i, sp := range specials {
			if next[i] >= 0 && next[i] < pos {
				next[i] = indexFrom(text, sp.text, pos)
			}
			if next[i] < 0 {
				continue
			}
			if best < 0 || next[i] < next[best] ||
				(next[i] == next[best] && len(sp.text) > len(specials[best].text)) {
				best = i
			}
		}
		if best < 0 {
			fn(text[pos:], nil)
			return
		}
		fn(text[pos:next[best]], &specials[best])
		pos = next[best] + len(specials[best].text)
	}
}

// indexFrom returns the offset of the first sub in text at or after from,
// or -1.
func indexFrom(text, sub string, from int) int {
	at := strings.Index(text[from:], sub)
	if at < 0 {
		return -1
	}
	return from + at
}
