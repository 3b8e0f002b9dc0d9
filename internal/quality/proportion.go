package quality

import (
	"fmt"
	"math"
)

// ConfidenceInterval is a point estimate with the bounds of a confidence
// interval around it.
type ConfidenceInterval struct {
	Estimate float64
	Lower    float64
	Upper    float64
}

// z95 is the 0.975 quantile of the standard normal distribution, the z of a
// two-sided 95% interval.
const z95 = 1.959963984540054

// Proportion returns the share successes/n with its 95% Wilson score
// interval (Wilson, 1927):
//
//	center ± half = (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)
//
// with p = successes/n and z = 1.96. Unlike the normal approximation, the
// interval stays inside [0, 1] and has nonzero width at 0 and n successes.
// Lower is exactly 0 at 0 successes and Upper exactly 1 at n, where the
// formula would leave rounding error.
//
// For position bias, successes is the number of verdicts that preferred
// the left response and n the number that preferred either. For length
// bias, successes is the number of comparisons the longer response won and
// n the number with a winner and responses of different length. An interval
// that excludes 0.5 is evidence of bias.
func Proportion(successes, n int) (ConfidenceInterval, error) {
	if n <= 0 {
		return ConfidenceInterval{}, fmt.Errorf("proportion: n is %d, "+
			"want at least 1", n)
	}
	if successes < 0 || successes > n {
		return ConfidenceInterval{}, fmt.Errorf("proportion: successes is %d, "+
			"want 0..%d", successes, n)
	}

	total := float64(n)
	p := float64(successes) / total
	zz := z95 * z95
	denominator := 1 + zz/total
	center := (p + zz/(2*total)) / denominator
	half := z95 * math.Sqrt(p*(1-p)/total+zz/(4*total*total)) / denominator

	interval := ConfidenceInterval{
		Estimate: p,
		Lower:    center - half,
		Upper:    center + half,
	}
	if successes == 0 {
		interval.Lower = 0
	}
	if successes == n {
		interval.Upper = 1
	}
	return interval, nil
}
