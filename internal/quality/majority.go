package quality

import (
	"math"
	"slices"
	"strings"
)

// Vote is one annotator's category for one item.
type Vote struct {
	Item      string
	Annotator string
	Category  int
}

// AnnotatorAgreement is how often one annotator's votes match the majority
// of the other annotators on the same items.
type AnnotatorAgreement struct {
	Annotator string
	// Votes is the number of votes the annotator cast.
	Votes int
	// Counted is the number of those votes on items where the other
	// annotators had a strict majority.
	Counted int
	// Matched is the number of counted votes equal to that majority.
	Matched int
}

// Share returns Matched / Counted, or NaN when no vote was counted.
func (a AnnotatorAgreement) Share() float64 {
	if a.Counted == 0 {
		return math.NaN()
	}
	return float64(a.Matched) / float64(a.Counted)
}

// MajorityAgreement returns, for each annotator, how many of their votes
// match the leave-one-out majority of the item they voted on.
//
// For a vote by annotator A on item I, the others' votes are all votes on I
// cast by annotators other than A. The vote is counted when one category
// has strictly more than half of the others' votes, and matched when its
// category is that one. A vote is not counted when no other annotator
// voted on the item, or when no category has more than half of the others'
// votes (a 1-1 or 2-1-1 split, for example). When A voted on I more than
// once, each of those votes is compared with the same majority.
//
// The result has one entry per annotator, sorted by annotator, including
// annotators with no counted votes.
func MajorityAgreement(votes []Vote) []AnnotatorAgreement {
	// Tally the votes per item, in total and per annotator.
	type tally struct {
		total       map[int]int
		byAnnotator map[string]map[int]int
		votes       int
	}
	items := make(map[string]*tally)
	for _, v := range votes {
		t := items[v.Item]
		if t == nil {
			t = &tally{total: map[int]int{}, byAnnotator: map[string]map[int]int{}}
			items[v.Item] = t
		}
		own := t.byAnnotator[v.Annotator]
		if own == nil {
			own = map[int]int{}
			t.byAnnotator[v.Annotator] = own
		}
		t.total[v.Category]++
		own[v.Category]++
		t.votes++
	}

	// Compare each vote with the majority of the others on its item.
	results := make(map[string]*AnnotatorAgreement)
	for _, v := range votes {
		r := results[v.Annotator]
		if r == nil {
			r = &AnnotatorAgreement{Annotator: v.Annotator}
			results[v.Annotator] = r
		}
		r.Votes++

		t := items[v.Item]
		majority, ok := othersMajority(t.total, t.byAnnotator[v.Annotator], t.votes)
		if !ok {
			continue
		}
		r.Counted++
		if v.Category == majority {
			r.Matched++
		}
	}

	out := make([]AnnotatorAgreement, 0, len(results))
	for _, r := range results {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b AnnotatorAgreement) int {
		return strings.Compare(a.Annotator, b.Annotator)
	})
	return out
}

// othersMajority returns the category with more than half of the votes
// left after removing own from total, and false when there is none.
func othersMajority(total, own map[int]int, votes int) (int, bool) {
	ownVotes := 0
	for _, c := range own {
		ownVotes += c
	}
	others := votes - ownVotes

	for category, c := range total {
		if 2*(c-own[category]) > others {
			return category, true
		}
	}
	return 0, false
}
