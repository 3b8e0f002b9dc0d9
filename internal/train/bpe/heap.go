package bpe

// binaryHeap is a binary heap ordered by the elements' before method: the
// element that comes before every other is popped first. Training and
// encoding each keep one, and both push and pop in their inner loops, so
// it avoids container/heap's interface calls.
type binaryHeap[T interface{ before(T) bool }] []T

func (h *binaryHeap[T]) push(x T) {
	*h = append(*h, x)
	s := *h
	for i := len(s) - 1; i > 0; {
		parent := (i - 1) / 2
		if !s[i].before(s[parent]) {
			break
		}
		s[i], s[parent] = s[parent], s[i]
		i = parent
	}
}

func (h *binaryHeap[T]) pop() T {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for i := 0; ; {
		first := i
		for _, child := range [2]int{2*i + 1, 2*i + 2} {
			if child < len(s) && s[child].before(s[first]) {
				first = child
			}
		}
		if first == i {
			break
		}
		s[i], s[first] = s[first], s[i]
		i = first
	}
	*h = s
	return top
}
