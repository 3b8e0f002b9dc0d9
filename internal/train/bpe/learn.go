package bpe

import (
	"bytes"
	"slices"
)

// learner holds the state of training: the distinct words as token ids
// with their counts, and for each adjacent pair its total count and the
// words it occurs in. A merge updates only the words that contain the
// merged pair, so a step costs time in proportion to those words, not to
// the corpus.
type learner struct {
	tokens   [][]byte
	tokenIDs map[string]int32
	rules    []rule

	words [][]int32
	freqs []int64

	pairCounts map[uint64]int64
	// pairWords lists, for each pair, the words it has occurred in. A word
	// can appear more than once or no longer contain the pair; merge
	// checks.
	pairWords map[uint64][]int32
	queue     pairHeap
}

// train learns merges until the vocabulary, specials included, has
// vocabSize tokens or no pair is left.
func (c *wordCounter) train(vocabSize int) (*Tokenizer, error) {
	l := newLearner(c.counts)
	target := vocabSize - len(c.specials)
	for len(l.tokens) < target {
		best, ok := l.popBest()
		if !ok {
			break
		}
		l.merge(best)
	}

	tokens := l.tokens
	specialIDs := make([]int32, len(c.specials))
	for i, sp := range c.specials {
		specialIDs[i] = int32(len(tokens))
		tokens = append(tokens, []byte(sp.text))
	}
	return newTokenizer(tokens, specialIDs, l.rules)
}

func newLearner(counts map[string]int64) *learner {
	l := &learner{
		tokenIDs:   make(map[string]int32),
		words:      make([][]int32, 0, len(counts)),
		freqs:      make([]int64, 0, len(counts)),
		pairCounts: make(map[uint64]int64),
		pairWords:  make(map[uint64][]int32),
	}
	for b := range 256 {
		l.addToken([]byte{byte(b)})
	}

	// Sorting the words makes the order of pairWords, and so the whole
	// run, independent of map iteration order.
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	slices.Sort(words)
	for _, w := range words {
		ids := make([]int32, len(w))
		for i := range len(w) {
			ids[i] = int32(w[i])
		}
		idx := int32(len(l.words))
		l.words = append(l.words, ids)
		l.freqs = append(l.freqs, counts[w])
		for i := 0; i+1 < len(ids); i++ {
			key := pairKey(ids[i], ids[i+1])
			l.pairCounts[key] += counts[w]
			l.pairWords[key] = append(l.pairWords[key], idx)
		}
	}
	for key, n := range l.pairCounts {
		l.queue.push(l.entry(key, n))
	}
	return l
}

func (l *learner) addToken(tok []byte) int32 {
	id := int32(len(l.tokens))
	l.tokens = append(l.tokens, tok)
	l.tokenIDs[string(tok)] = id
	return id
}

// entry makes a queue entry for a pair with its count.
func (l *learner) entry(key uint64, count int64) pairEntry {
	left, right := int32(key>>32), int32(uint32(key))
	return pairEntry{count: count, key: key, left: l.tokens[left], right: l.tokens[right]}
}

// popBest removes and returns the pair to merge next. Queue entries whose
// count is out of date are dropped or pushed again with the current count.
func (l *learner) popBest() (uint64, bool) {
	for len(l.queue) > 0 {
		e := l.queue.pop()
		current := l.pairCounts[e.key]
		switch {
		case current == e.count:
			return e.key, true
		case current > 0 && current < e.count:
			l.queue.push(l.entry(e.key, current))
		}
		// A count above the entry's means a newer entry is queued.
	}
	return 0, false
}

// merge replaces every occurrence of the pair key in every word with one
// token, updates the pair counts and queues the pairs that grew.
func (l *learner) merge(key uint64) {
	left, right := int32(key>>32), int32(uint32(key))
	joined := append(append([]byte(nil), l.tokens[left]...), l.tokens[right]...)
	// Two different pairs can spell the same bytes; both rules then give
	// the one token, as in Hugging Face's trainer.
	id, ok := l.tokenIDs[string(joined)]
	if !ok {
		id = l.addToken(joined)
	}
	l.rules = append(l.rules, rule{left: left, right: right, result: id})

	grown := make(map[uint64]struct{})
	for _, w := range l.pairWords[key] {
		l.mergeInWord(w, left, right, id, grown)
	}
	delete(l.pairWords, key)
	delete(l.pairCounts, key)

	// Pushing in key order keeps the queue's layout deterministic.
	keys := make([]uint64, 0, len(grown))
	for k := range grown {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if n := l.pairCounts[k]; n > 0 {
			l.queue.push(l.entry(k, n))
		}
	}
}

// mergeInWord merges left+right into id in word w, moving the word's count
// from its old pairs to its new ones. Pairs that contain id are added to
// grown, since only they can have gained.
func (l *learner) mergeInWord(w int32, left, right, id int32, grown map[uint64]struct{}) {
	ids := l.words[w]
	if !containsPair(ids, left, right) {
		return
	}
	freq := l.freqs[w]
	for i := 0; i+1 < len(ids); i++ {
		k := pairKey(ids[i], ids[i+1])
		if n := l.pairCounts[k] - freq; n > 0 {
			l.pairCounts[k] = n
		} else {
			delete(l.pairCounts, k)
		}
	}

	out := ids[:0]
	for i := 0; i < len(ids); {
		if i+1 < len(ids) && ids[i] == left && ids[i+1] == right {
			out = append(out, id)
			i += 2
			continue
		}
		out = append(out, ids[i])
		i++
	}
	l.words[w] = out

	for i := 0; i+1 < len(out); i++ {
		k := pairKey(out[i], out[i+1])
		l.pairCounts[k] += freq
		if out[i] == id || out[i+1] == id {
			grown[k] = struct{}{}
			l.pairWords[k] = append(l.pairWords[k], w)
		}
	}
}

func containsPair(ids []int32, left, right int32) bool {
	for i := 0; i+1 < len(ids); i++ {
		if ids[i] == left && ids[i+1] == right {
			return true
		}
	}
	return false
}

// pairEntry is a pair in the training queue with the count it had when
// queued. left and right are the bytes of its tokens, for ties.
type pairEntry struct {
	count       int64
	key         uint64
	left, right []byte
}

// before orders entries by count, highest first, then by the left token's
// bytes and then the right token's, lowest first.
func (e pairEntry) before(o pairEntry) bool {
	if e.count != o.count {
		return e.count > o.count
	}
	if c := bytes.Compare(e.left, o.left); c != 0 {
		return c < 0
	}
	return bytes.Compare(e.right, o.right) < 0
}

// pairHeap is a binary heap of pair entries, best first.
type pairHeap = binaryHeap[pairEntry]
