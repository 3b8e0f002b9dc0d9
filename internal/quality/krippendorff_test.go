package quality

import (
	"math"
	"testing"
)

var missing = math.NaN()

func TestKrippendorffAlphaHandChecked(t *testing.T) {
	tests := []struct {
		name         string
		values       [][]float64
		wantNominal  float64
		wantInterval float64
	}{
		{
			// Units (1,1) and (2,3); n = 4 pairable values.
			// Nominal: Do = 2/4 (unit 2 has two ordered disagreeing pairs),
			// De = (16 - (4+1+1))/12 = 10/12, alpha = 1 - 0.6 = 0.4.
			// Interval: Do = 2·1/4, De = 2·4·Σ(x-7/4)²/12 = 22/12,
			// alpha = 1 - 3/11 = 8/11.
			name:         "two coders two units",
			values:       [][]float64{{1, 2}, {1, 3}},
			wantNominal:  0.4,
			wantInterval: 8.0 / 11,
		},
		{
			// The third unit has one value, so it is left out.
			name:         "perfect agreement with a lone value",
			values:       [][]float64{{1, 2, missing}, {1, 2, 5}},
			wantNominal:  1,
			wantInterval: 1,
		},
		{
			// De is zero, so alpha is 0/0: defined as 1.
			name:         "one value throughout",
			values:       [][]float64{{3, 3, missing}, {3, 3, 3}, {missing, 3, 3}},
			wantNominal:  1,
			wantInterval: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := KrippendorffAlpha(tc.values, Nominal)
			if err != nil {
				t.Fatalf("nominal: %v", err)
			}
			checkClose(t, "nominal", got, tc.wantNominal, 1e-12)

			got, err = KrippendorffAlpha(tc.values, Interval)
			if err != nil {
				t.Fatalf("interval: %v", err)
			}
			checkClose(t, "interval", got, tc.wantInterval, 1e-12)
		})
	}
}

// A unit coded by only one coder must not change alpha at all.
func TestKrippendorffAlphaIgnoresLoneValues(t *testing.T) {
	base := [][]float64{{1, 2, 3, 3}, {1, 2, 2, 3}, {2, 2, 3, missing}}
	withLone := [][]float64{
		{1, 2, 3, 3, 4, missing},
		{1, 2, 2, 3, missing, missing},
		{2, 2, 3, missing, missing, 1},
	}
	for _, metric := range []Metric{Nominal, Interval} {
		want, err := KrippendorffAlpha(base, metric)
		if err != nil {
			t.Fatalf("%v without lone values: %v", metric, err)
		}
		got, err := KrippendorffAlpha(withLone, metric)
		if err != nil {
			t.Fatalf("%v with lone values: %v", metric, err)
		}
		checkClose(t, metric.String(), got, want, 1e-15)
	}
}

func TestKrippendorffAlphaErrors(t *testing.T) {
	tests := []struct {
		name   string
		values [][]float64
		metric Metric
		want   string
	}{
		{"one coder", [][]float64{{1, 2}}, Nominal,
			"krippendorff alpha: coder count is 1, want at least 2"},
		{"ragged", [][]float64{{1, 2}, {1}}, Nominal,
			"krippendorff alpha: coder 1 has 1 units but coder 0 has 2"},
		{"nothing pairable", [][]float64{{1, missing}, {missing, 2}}, Interval,
			"krippendorff alpha: no unit has values from two coders"},
		{"infinite value", [][]float64{{1, 2}, {1, math.Inf(1)}}, Interval,
			"krippendorff alpha: coder 1, unit 1: value is infinite"},
		{"unknown metric", [][]float64{{1}, {1}}, Metric(7),
			"krippendorff alpha: unknown metric 7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := KrippendorffAlpha(tc.values, tc.metric)
			checkError(t, err, tc.want)
		})
	}
}

func TestMetricString(t *testing.T) {
	for metric, want := range map[Metric]string{
		Nominal: "nominal", Interval: "interval", Metric(9): "Metric(9)",
	} {
		if got := metric.String(); got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}
