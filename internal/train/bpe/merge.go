package bpe

import "math"

// shortWord is the length up to which mergeWord rescans the word for each
// merge instead of keeping a heap. Most words are short, and for them the
// scan is faster than the heap's bookkeeping.
const shortWord = 24

// mergeWord applies the merge rules to the token ids of one word, lowest
// rank first, and returns the merged ids. It reuses the storage of ids.
func (t *Tokenizer) mergeWord(ids []int32) []int32 {
	if len(ids) <= shortWord {
		return t.mergeByScan(ids)
	}
	return t.mergeByHeap(ids)
}

// mergeByScan finds the lowest-rank pair in the word, merges every
// occurrence of it from left to right, and repeats until no pair has a
// rule. This is GPT-2's own loop; it costs O(n²) for a word of n bytes.
func (t *Tokenizer) mergeByScan(ids []int32) []int32 {
	for len(ids) > 1 {
		best := merge{rank: math.MaxInt32}
		bestAt := -1
		for i := 0; i+1 < len(ids); i++ {
			m, ok := t.merges[pairKey(ids[i], ids[i+1])]
			if ok && m.rank < best.rank {
				best, bestAt = m, i
			}
		}
		if bestAt < 0 {
			break
		}

		left, right := ids[bestAt], ids[bestAt+1]
		out := ids[:bestAt]
		for i := bestAt; i < len(ids); {
			if i+1 < len(ids) && ids[i] == left && ids[i+1] == right {
				out = append(out, best.id)
				i += 2
				continue
			}
			out = append(out, ids[i])
			i++
		}
		ids = out
	}
	return ids
}

// candidate is a pair of adjacent symbols that a rule can merge: the left
// symbol's position and the ids it had when the candidate was found.
type candidate struct {
	rank        int32
	pos         int32
	left, right int32
}

// before orders candidates by rank, then from left to right, which gives
// the same result as mergeByScan.
func (c candidate) before(o candidate) bool {
	return c.rank < o.rank || (c.rank == o.rank && c.pos < o.pos)
}

// mergeByHeap gives the same result as mergeByScan in O(n log n). The word
// is a linked list of symbols, and a heap holds the pairs that have a rule.
// A merge removes the right symbol and pushes the pairs that the new token
// forms with its neighbours. A popped candidate whose symbols changed since
// it was pushed is skipped.
func (t *Tokenizer) mergeByHeap(ids []int32) []int32 {
	n := len(ids)
	prev := make([]int32, n)
	next := make([]int32, n)
	for i := range n {
		prev[i] = int32(i - 1)
		next[i] = int32(i + 1)
	}
	next[n-1] = -1

	var h candidateHeap
	push := func(pos int32) {
		right := next[pos]
		if pos < 0 || right < 0 {
			return
		}
		if m, ok := t.merges[pairKey(ids[pos], ids[right])]; ok {
			h.push(candidate{m.rank, pos, ids[pos], ids[right]})
		}
	}
	for i := range n - 1 {
		push(int32(i))
	}

	const removed = -1
	for len(h) > 0 {
		c := h.pop()
		right := next[c.pos]
		if ids[c.pos] != c.left || right < 0 || ids[right] != c.right {
			continue
		}
		ids[c.pos] = t.merges[pairKey(c.left, c.right)].id
		ids[right] = removed
		next[c.pos] = next[right]
		if next[right] >= 0 {
			prev[next[right]] = c.pos
		}
		if prev[c.pos] >= 0 {
			push(prev[c.pos])
		}
		push(c.pos)
	}

	out := ids[:0]
	for i := int32(0); i >= 0; i = next[i] {
		out = append(out, ids[i])
	}
	return out
}

// candidateHeap is a binary heap of candidates, lowest merge rank first.
type candidateHeap = binaryHeap[candidate]
