package quality

import (
	"slices"
	"testing"
)

func TestFleissKappaHandChecked(t *testing.T) {
	tests := []struct {
		name   string
		counts [][]int
		want   float64
	}{
		{
			// Every item unanimous, categories split evenly: P = 1, Pe = 1/2.
			name:   "perfect agreement",
			counts: [][]int{{2, 0}, {0, 2}},
			want:   1,
		},
		{
			// P per item is 1, 1 and (4+1-3)/6 = 1/3, so P = 7/9.
			// p = (5/9, 4/9), Pe = 41/81, kappa = (63-41)/(81-41) = 0.55.
			name:   "three items three raters",
			counts: [][]int{{3, 0}, {0, 3}, {2, 1}},
			want:   0.55,
		},
		{
			// Every item split 1-1: P = 0, Pe = 1/2, kappa = -1.
			name:   "always split",
			counts: [][]int{{1, 1}, {1, 1}},
			want:   -1,
		},
		{
			// Every rating in one category: Pe = 1, defined as 1.
			name:   "one category used",
			counts: [][]int{{0, 3, 0}, {0, 3, 0}},
			want:   1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FleissKappa(tc.counts)
			if err != nil {
				t.Fatalf("FleissKappa: %v", err)
			}
			checkClose(t, "kappa", got, tc.want, 1e-12)
		})
	}
}

func TestFleissKappaErrors(t *testing.T) {
	tests := []struct {
		name   string
		counts [][]int
		want   string
	}{
		{"no items", nil, "fleiss kappa: no items"},
		{"unequal raters", [][]int{{2, 1}, {1, 1}, {3, 0}},
			"fleiss kappa: item 1 has 2 ratings but item 0 has 3"},
		{"ragged categories", [][]int{{2, 1}, {1, 1, 1}},
			"fleiss kappa: item 1 has 3 categories but item 0 has 2"},
		{"negative count", [][]int{{2, 0}, {3, -1}},
			"fleiss kappa: item 1 has count -1 in category 1"},
		{"one rater", [][]int{{1, 0}, {0, 1}},
			"fleiss kappa: ratings per item is 1, want at least 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FleissKappa(tc.counts)
			checkError(t, err, tc.want)
		})
	}
}

func TestCountsFromLabels(t *testing.T) {
	got, err := CountsFromLabels([][]int{{0, 2, 2}, {1, 1, 1}}, 3)
	if err != nil {
		t.Fatalf("CountsFromLabels: %v", err)
	}
	want := [][]int{{1, 0, 2}, {0, 3, 0}}
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("item %d: got %v, want %v", i, got[i], want[i])
		}
	}
}

func TestCountsFromLabelsErrors(t *testing.T) {
	_, err := CountsFromLabels([][]int{{0, 1}, {1, 3}}, 3)
	checkError(t, err, "counts from labels: item 1, rating 1: label 3 is outside 0..2")

	_, err = CountsFromLabels([][]int{{0}}, 0)
	checkError(t, err, "counts from labels: categories is 0, want at least 1")
}
