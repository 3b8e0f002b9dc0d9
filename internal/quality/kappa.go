package quality

import "fmt"

// CohenKappa returns Cohen's kappa for two raters who labelled the same
// items: a[n] and b[n] are their categories for item n, each in
// 0..categories-1. Kappa is (po - pe) / (1 - pe), where po is the share of
// items the raters agree on and pe is the agreement expected if each rater
// labelled at random with their own category frequencies (Cohen, 1960).
//
// The result equals scikit-learn's cohen_kappa_score(a, b), except where
// both raters gave every item one and the same category. There the result
// is 1 and scikit-learn returns NaN.
func CohenKappa(a, b []int, categories int) (float64, error) {
	return weightedKappa("cohen kappa", a, b, categories, nominalWeight)
}

// CohenKappaLinear returns Cohen's weighted kappa with linear disagreement
// weights |i-j| (Cohen, 1968), so a 0-versus-3 disagreement costs three
// times as much as a 0-versus-1 one. Use it only where the category numbers
// follow an order, such as rubric scores or preference strengths.
//
// The result equals scikit-learn's cohen_kappa_score(a, b,
// labels=range(categories), weights="linear"), except for the single
// category case that CohenKappa describes. Without labels, scikit-learn
// numbers only the categories that occur, so its weights differ from these
// when a category inside the range is never used.
func CohenKappaLinear(a, b []int, categories int) (float64, error) {
	return weightedKappa("cohen kappa linear", a, b, categories, linearWeight)
}

func nominalWeight(i, j int) float64 {
	if i == j {
		return 0
	}
	return 1
}

func linearWeight(i, j int) float64 {
	if i > j {
		return float64(i - j)
	}
	return float64(j - i)
}

// weightedKappa returns 1 - Σ w·O / Σ w·E, where O is the confusion matrix
// of a against b and E is the matrix expected from the raters' category
// totals if they labelled independently: E[i][j] = rowTotal[i] ·
// colTotal[j] / n. Σ w·E is zero only when both raters used one and the
// same category throughout, and then the result is 1.
//
// Shapes: n items, k categories; observed is k×k, row-major.
func weightedKappa(op string, a, b []int, categories int,
	weight func(i, j int) float64) (float64, error) {
	if err := checkRaterPair(op, a, b, categories); err != nil {
		return 0, err
	}
	k := categories

	// Count the confusion matrix and each rater's category totals.
	observed := make([]float64, k*k)
	rowTotals := make([]float64, k)
	colTotals := make([]float64, k)
	for n := range a {
		observed[a[n]*k+b[n]]++
		rowTotals[a[n]]++
		colTotals[b[n]]++
	}

	// Weigh observed and chance disagreement with the same weights.
	total := float64(len(a))
	var observedDisagreement, expectedDisagreement float64
	for i := range k {
		for j := range k {
			w := weight(i, j)
			observedDisagreement += w * observed[i*k+j]
			expectedDisagreement += w * rowTotals[i] * colTotals[j] / total
		}
	}

	if expectedDisagreement == 0 {
		return 1, nil
	}
	return 1 - observedDisagreement/expectedDisagreement, nil
}

// checkRaterPair reports an error when a and b cannot be compared item by
// item over categories 0..categories-1.
func checkRaterPair(op string, a, b []int, categories int) error {
	if categories < 2 {
		return fmt.Errorf("%s: categories is %d, want at least 2", op, categories)
	}
	if len(a) != len(b) {
		return fmt.Errorf("%s: len(a) is %d and len(b) is %d, but both "+
			"raters must label the same items", op, len(a), len(b))
	}
	if len(a) == 0 {
		return fmt.Errorf("%s: no labels, pass at least one item "+
			"rated by both raters", op)
	}
	for n := range a {
		if a[n] < 0 || a[n] >= categories {
			return fmt.Errorf("%s: rater a's label %d at index %d is outside 0..%d",
				op, a[n], n, categories-1)
		}
		if b[n] < 0 || b[n] >= categories {
			return fmt.Errorf("%s: rater b's label %d at index %d is outside 0..%d",
				op, b[n], n, categories-1)
		}
	}
	return nil
}
