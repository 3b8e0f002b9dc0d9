package quality

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		name   string
		values []float64
		want   float64
	}{
		{"one value", []float64{4}, 4},
		{"odd length", []float64{3, 1, 2}, 2},
		{"even length", []float64{4, 1, 3, 2}, 2.5},
		{"repeated middle", []float64{5, 5, 1, 9}, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			input := slices.Clone(tc.values)
			got, err := Median(tc.values)
			if err != nil {
				t.Fatalf("Median: %v", err)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if !slices.Equal(tc.values, input) {
				t.Errorf("input changed to %v, want %v", tc.values, input)
			}
		})
	}
}

func TestMedianErrors(t *testing.T) {
	_, err := Median(nil)
	checkError(t, err, "median: no values")

	_, err = Median([]float64{1, math.NaN()})
	checkError(t, err, "median: value 1 is NaN")
}

func TestMedianDuration(t *testing.T) {
	tests := []struct {
		name      string
		durations []time.Duration
		want      time.Duration
	}{
		{"odd length", []time.Duration{40 * time.Second, 10 * time.Second,
			25 * time.Second}, 25 * time.Second},
		{"even length", []time.Duration{2 * time.Second, time.Second}, 1500 * time.Millisecond},
		{"rounds down", []time.Duration{1, 2}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MedianDuration(tc.durations)
			if err != nil {
				t.Fatalf("MedianDuration: %v", err)
			}
			if got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}

	_, err := MedianDuration(nil)
	checkError(t, err, "median duration: no durations")
}

func TestJudgmentsPerHour(t *testing.T) {
	// Active time is 30s + 30s + 5m (the hour capped) = 6 minutes, so
	// 3 judgments in 0.1 hours.
	durations := []time.Duration{30 * time.Second, 30 * time.Second, time.Hour}
	got, err := JudgmentsPerHour(durations, 5*time.Minute)
	if err != nil {
		t.Fatalf("JudgmentsPerHour: %v", err)
	}
	checkClose(t, "rate", got, 30, 1e-12)
}

func TestJudgmentsPerHourErrors(t *testing.T) {
	tests := []struct {
		name      string
		durations []time.Duration
		cap       time.Duration
		want      string
	}{
		{"empty", nil, time.Minute, "judgments per hour: no durations"},
		{"zero cap", []time.Duration{time.Second}, 0,
			"judgments per hour: maxPerJudgment is 0s, want a positive duration"},
		{"negative duration", []time.Duration{time.Second, -time.Second}, time.Minute,
			"judgments per hour: duration 1 is -1s, want 0 or more"},
		{"all zero", []time.Duration{0, 0}, time.Minute,
			"judgments per hour: every duration is zero"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := JudgmentsPerHour(tc.durations, tc.cap)
			checkError(t, err, tc.want)
		})
	}
}
