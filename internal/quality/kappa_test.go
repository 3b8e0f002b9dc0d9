package quality

import "testing"

func TestCohenKappaHandChecked(t *testing.T) {
	tests := []struct {
		name       string
		a, b       []int
		categories int
		want       float64
		wantLinear float64
	}{
		{
			name: "perfect agreement",
			a:    []int{0, 1, 2, 3}, b: []int{0, 1, 2, 3}, categories: 4,
			want: 1, wantLinear: 1,
		},
		{
			// po = 1/2 and each rater splits 2-2, so pe = 1/2 and kappa = 0.
			// Linear weights are the same with two categories.
			name: "chance level",
			a:    []int{0, 0, 1, 1}, b: []int{0, 1, 0, 1}, categories: 2,
			want: 0, wantLinear: 0,
		},
		{
			// po = 2/3, pe = (1·1 + 1·0 + 1·2)/9 = 1/3, kappa = 1/2.
			// Linear: Σ w·O = 1 (the 1-versus-2 item) and Σ w·E = 3 with
			// E[i][j] = colTotal[j]/3, colTotals (1, 0, 2), so 1 - 1/3 = 2/3.
			name: "three categories",
			a:    []int{0, 1, 2}, b: []int{0, 2, 2}, categories: 3,
			want: 0.5, wantLinear: 2.0 / 3,
		},
		{
			// Every disagreement is the opposite category: po = 0, pe = 1/2.
			name: "complete disagreement",
			a:    []int{0, 1, 0, 1}, b: []int{1, 0, 1, 0}, categories: 2,
			want: -1, wantLinear: -1,
		},
		{
			// Expected disagreement is zero, so kappa is 0/0: defined as 1.
			name: "one shared category",
			a:    []int{2, 2, 2}, b: []int{2, 2, 2}, categories: 4,
			want: 1, wantLinear: 1,
		},
		{
			// po = 0 and pe = 0, so kappa = 0 rather than undefined.
			name: "constant different categories",
			a:    []int{0, 0, 0}, b: []int{1, 1, 1}, categories: 2,
			want: 0, wantLinear: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CohenKappa(tc.a, tc.b, tc.categories)
			if err != nil {
				t.Fatalf("CohenKappa: %v", err)
			}
			checkClose(t, "kappa", got, tc.want, 1e-12)

			got, err = CohenKappaLinear(tc.a, tc.b, tc.categories)
			if err != nil {
				t.Fatalf("CohenKappaLinear: %v", err)
			}
			checkClose(t, "linear kappa", got, tc.wantLinear, 1e-12)
		})
	}
}

func TestCohenKappaSymmetric(t *testing.T) {
	a := []int{0, 1, 2, 3, 3, 1, 0, 2}
	b := []int{0, 2, 2, 3, 1, 1, 0, 3}
	ab, err := CohenKappaLinear(a, b, 4)
	if err != nil {
		t.Fatalf("CohenKappaLinear(a, b): %v", err)
	}
	ba, err := CohenKappaLinear(b, a, 4)
	if err != nil {
		t.Fatalf("CohenKappaLinear(b, a): %v", err)
	}
	checkClose(t, "swapped raters", ba, ab, 1e-15)
}

func TestCohenKappaErrors(t *testing.T) {
	tests := []struct {
		name       string
		a, b       []int
		categories int
		want       string
	}{
		{"length mismatch", []int{0, 1}, []int{0}, 2,
			"cohen kappa: len(a) is 2 and len(b) is 1"},
		{"empty", nil, nil, 2, "cohen kappa: no labels"},
		{"one category", []int{0}, []int{0}, 1,
			"cohen kappa: categories is 1, want at least 2"},
		{"label above range", []int{0, 4}, []int{0, 1}, 4,
			"rater a's label 4 at index 1 is outside 0..3"},
		{"negative label", []int{0, 1}, []int{-1, 1}, 4,
			"rater b's label -1 at index 0 is outside 0..3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CohenKappa(tc.a, tc.b, tc.categories)
			checkError(t, err, tc.want)
		})
	}

	_, err := CohenKappaLinear([]int{0}, []int{0, 1}, 2)
	checkError(t, err, "cohen kappa linear: len(a) is 1 and len(b) is 2")
}
