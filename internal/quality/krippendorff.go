package quality

import (
	"fmt"
	"math"
)

// Metric is the difference function δ² of Krippendorff's alpha: how much a
// disagreement between two values counts.
type Metric int

const (
	// Nominal counts each pair of different values as 1, for unordered
	// categories such as verdicts.
	Nominal Metric = iota
	// Interval counts the squared difference (c-k)², for numeric scales such
	// as 1-5 rubric scores.
	Interval
)

// String returns the metric's name in lower case.
func (m Metric) String() string {
	switch m {
	case Nominal:
		return "nominal"
	case Interval:
		return "interval"
	}
	return fmt.Sprintf("Metric(%d)", int(m))
}

// KrippendorffAlpha returns Krippendorff's alpha for reliability data where
// values[c][u] is the value coder c gave unit u and math.NaN() marks a value
// the coder did not give. Every coder's row must have the same length.
//
// Only pairable values count, as in Krippendorff (2011), Computing
// Krippendorff's Alpha-Reliability: a unit with fewer than two values is
// left out. With n pairable values, m_u of them in unit u,
//
//	alpha = 1 - (n-1) · Σ_u D_u/(m_u-1) / D
//
// where D_u sums δ² over ordered pairs of values within unit u and D sums
// it over ordered pairs of all n pairable values. This is 1 - Do/De of the
// coincidence-matrix form. When every pairable value is the same, D is zero
// and the result is 1.
func KrippendorffAlpha(values [][]float64, metric Metric) (float64, error) {
	if metric != Nominal && metric != Interval {
		return 0, fmt.Errorf("krippendorff alpha: unknown metric %d, "+
			"use Nominal or Interval", int(metric))
	}
	units, err := pairableUnits(values)
	if err != nil {
		return 0, err
	}

	// Within-unit disagreement, each unit weighted by 1/(m_u-1), and the
	// pooled pairable values for the disagreement expected by chance.
	var within float64
	var pooled []float64
	for _, unit := range units {
		within += metric.pairSum(unit) / float64(len(unit)-1)
		pooled = append(pooled, unit...)
	}
	if len(pooled) < 2 {
		return 0, fmt.Errorf("krippendorff alpha: no unit has values from " +
			"two coders, so there is nothing to compare")
	}
	total := metric.pairSum(pooled)

	if total == 0 {
		return 1, nil
	}
	return 1 - float64(len(pooled)-1)*within/total, nil
}

// pairableUnits returns, for each unit with at least two values, the values
// the coders gave it.
func pairableUnits(values [][]float64) ([][]float64, error) {
	if len(values) < 2 {
		return nil, fmt.Errorf("krippendorff alpha: coder count is %d, "+
			"want at least 2", len(values))
	}
	unitCount := len(values[0])
	for c, row := range values {
		if len(row) != unitCount {
			return nil, fmt.Errorf("krippendorff alpha: coder %d has %d units "+
				"but coder 0 has %d, so mark missing values with NaN",
				c, len(row), unitCount)
		}
	}

	var units [][]float64
	for u := range unitCount {
		var unit []float64
		for c := range values {
			v := values[c][u]
			if math.IsInf(v, 0) {
				return nil, fmt.Errorf("krippendorff alpha: coder %d, unit %d: "+
					"value is infinite", c, u)
			}
			if !math.IsNaN(v) {
				unit = append(unit, v)
			}
		}
		if len(unit) >= 2 {
			units = append(units, unit)
		}
	}
	return units, nil
}

// pairSum returns the sum of δ² over all ordered pairs (i, j), i ≠ j, of
// values. Pairs of equal values add zero, so the closed forms below may
// include i = j.
func (m Metric) pairSum(values []float64) float64 {
	n := float64(len(values))
	switch m {
	case Nominal:
		// n² pairs minus the pairs of equal values.
		counts := make(map[float64]int)
		for _, v := range values {
			counts[v]++
		}
		same := 0.0
		for _, c := range counts {
			same += float64(c) * float64(c)
		}
		return n*n - same
	case Interval:
		// Σ_i Σ_j (x_i - x_j)² = 2n Σ_i (x_i - mean)².
		var sum float64
		for _, v := range values {
			sum += v
		}
		mean := sum / n
		var squares float64
		for _, v := range values {
			squares += (v - mean) * (v - mean)
		}
		return 2 * n * squares
	}
	panic(fmt.Sprintf("quality: pairSum on unknown metric %d", int(m)))
}
