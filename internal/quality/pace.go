package quality

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Median returns the middle of values after sorting, or the mean of the two
// middle values when their number is even. It does not modify values and
// returns an error when values is empty or contains NaN.
func Median(values []float64) (float64, error) {
	if len(values) == 0 {
		return 0, fmt.Errorf("median: no values")
	}
	for i, v := range values {
		if math.IsNaN(v) {
			return 0, fmt.Errorf("median: value %d is NaN", i)
		}
	}

	sorted := slices.Clone(values)
	slices.Sort(sorted)
	mid := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[mid], nil
	}
	return sorted[mid-1]/2 + sorted[mid]/2, nil
}

// MedianDuration is Median for durations. With an even number of durations
// the mean of the two middle ones is rounded down to the nanosecond.
func MedianDuration(durations []time.Duration) (time.Duration, error) {
	if len(durations) == 0 {
		return 0, fmt.Errorf("median duration: no durations")
	}

	sorted := slices.Clone(durations)
	slices.Sort(sorted)
	mid := len(sorted) / 2
	if len(sorted)%2 == 1 {
		return sorted[mid], nil
	}
	low, high := sorted[mid-1], sorted[mid]
	return low + (high-low)/2, nil
}

// JudgmentsPerHour returns the number of judgments per hour of active time.
// durations holds the time each judgment took, from showing the comparison
// to submitting the verdict. Active time is the sum of those durations with
// each one capped at maxPerJudgment, so a comparison left open over a break
// adds at most maxPerJudgment. Wall-clock time from the first judgment to
// the last would count the breaks as work.
//
// JudgmentsPerHour returns an error when durations is empty, a duration is
// negative, maxPerJudgment is not positive, or every duration is zero.
func JudgmentsPerHour(durations []time.Duration,
	maxPerJudgment time.Duration) (float64, error) {
	if len(durations) == 0 {
		return 0, fmt.Errorf("judgments per hour: no durations")
	}
	if maxPerJudgment <= 0 {
		return 0, fmt.Errorf("judgments per hour: maxPerJudgment is %v, "+
			"want a positive duration", maxPerJudgment)
	}

	var active time.Duration
	for i, d := range durations {
		if d < 0 {
			return 0, fmt.Errorf("judgments per hour: duration %d is %v, "+
				"want 0 or more", i, d)
		}
		active += min(d, maxPerJudgment)
	}
	if active == 0 {
		return 0, fmt.Errorf("judgments per hour: every duration is zero, " +
			"so the active time is zero")
	}
	return float64(len(durations)) / active.Hours(), nil
}
