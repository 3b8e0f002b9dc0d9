package quality

import (
	"fmt"
	"math"
)

// KrippendorffAlphaUnits returns the same alpha as KrippendorffAlpha for
// reliability data given unit by unit: units[u] holds the values that unit
// u received, at most one per coder, with missing values left out. Which
// coder gave a value does not enter alpha, so this sparse form needs memory
// for the values only, where KrippendorffAlpha needs a coders × units
// matrix. A unit with fewer than two values is left out.
//
// It returns an error for an unknown metric, a NaN or infinite value, or
// data in which no unit has two values.
func KrippendorffAlphaUnits(units [][]float64, metric Metric) (float64, error) {
	if metric != Nominal && metric != Interval {
		return 0, fmt.Errorf("krippendorff alpha: unknown metric %d, "+
			"use Nominal or Interval", int(metric))
	}

	var within float64
	var pooled []float64
	for u, unit := range units {
		for _, v := range unit {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, fmt.Errorf("krippendorff alpha: unit %d: value %v "+
					"is not a finite number, so leave missing values out", u, v)
			}
		}
		if len(unit) < 2 {
			continue
		}
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
