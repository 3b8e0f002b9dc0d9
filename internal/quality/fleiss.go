package quality

import "fmt"

// FleissKappa returns Fleiss' kappa for items that were each rated by the
// same number of raters, not necessarily the same people (Fleiss, 1971).
// counts[i][j] is the number of raters who put item i in category j, as
// CountsFromLabels builds it.
//
// Kappa is (P - Pe) / (1 - Pe), where P is the mean over items of the share
// of rater pairs that agree on the item, and Pe = Σ pj² with pj the share of
// all ratings in category j. The result equals statsmodels'
// fleiss_kappa(counts, method="fleiss"), except that it is 1 where
// statsmodels returns NaN: every rating is in one category.
//
// FleissKappa returns an error naming the first item whose rating count or
// category count differs from item 0's, or that has a negative count.
func FleissKappa(counts [][]int) (float64, error) {
	raters, err := checkFleissCounts(counts)
	if err != nil {
		return 0, err
	}
	items := float64(len(counts))
	n := float64(raters)

	// Sum the per-item agreement and the category totals in one pass.
	categoryTotals := make([]float64, len(counts[0]))
	var agreementSum float64
	for _, row := range counts {
		var squares float64
		for j, c := range row {
			squares += float64(c) * float64(c)
			categoryTotals[j] += float64(c)
		}
		agreementSum += (squares - n) / (n * (n - 1))
	}
	observed := agreementSum / items

	var chance float64
	for _, total := range categoryTotals {
		p := total / (items * n)
		chance += p * p
	}

	if chance == 1 {
		return 1, nil
	}
	return (observed - chance) / (1 - chance), nil
}

// checkFleissCounts returns the number of raters per item, or an error
// when counts is empty, ragged, negative or has fewer than two raters.
func checkFleissCounts(counts [][]int) (int, error) {
	if len(counts) == 0 {
		return 0, fmt.Errorf("fleiss kappa: no items, " +
			"pass at least one row of counts")
	}
	categories := len(counts[0])
	raters := 0
	for i, row := range counts {
		if len(row) != categories {
			return 0, fmt.Errorf("fleiss kappa: item %d has %d categories "+
				"but item 0 has %d", i, len(row), categories)
		}
		sum := 0
		for j, c := range row {
			if c < 0 {
				return 0, fmt.Errorf("fleiss kappa: item %d has count %d "+
					"in category %d, want 0 or more", i, c, j)
			}
			sum += c
		}
		if i == 0 {
			raters = sum
		} else if sum != raters {
			return 0, fmt.Errorf("fleiss kappa: item %d has %d ratings but "+
				"item 0 has %d, and every item needs the same number of raters",
				i, sum, raters)
		}
	}
	if raters < 2 {
		return 0, fmt.Errorf("fleiss kappa: ratings per item is %d, "+
			"want at least 2", raters)
	}
	return raters, nil
}

// CountsFromLabels turns one list of category labels per item into the
// counts table that FleissKappa takes: counts[i][j] is how many of
// labelsPerItem[i] equal j. It returns an error naming the item and position
// of the first label outside 0..categories-1. It does not check that items
// have the same number of labels, because FleissKappa does.
func CountsFromLabels(labelsPerItem [][]int, categories int) ([][]int, error) {
	if categories < 1 {
		return nil, fmt.Errorf("counts from labels: categories is %d, "+
			"want at least 1", categories)
	}
	counts := make([][]int, len(labelsPerItem))
	for i, labels := range labelsPerItem {
		counts[i] = make([]int, categories)
		for r, label := range labels {
			if label < 0 || label >= categories {
				return nil, fmt.Errorf("counts from labels: item %d, rating %d: "+
					"label %d is outside 0..%d", i, r, label, categories-1)
			}
			counts[i][label]++
		}
	}
	return counts, nil
}
