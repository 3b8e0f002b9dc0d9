package quality

import (
	"fmt"
	"testing"
)

// The expected bounds come from the Wilson formula with z = 1.959963984540054
// (z² = 3.8414588206941254):
//
//	0/10:  lower 0, upper z²/(10 + z²) = 0.2775327998628892
//	5/10:  0.5 ± z·sqrt(1/40 + z²/400)/(1 + z²/10), so 0.2365930905125640
//	       and 0.7634069094874361
//	10/10: lower 10/(10 + z²) = 0.7224672001371107, upper 1
func TestProportionWilson(t *testing.T) {
	tests := []struct {
		successes, n int
		want         ConfidenceInterval
	}{
		{0, 10, ConfidenceInterval{Estimate: 0, Lower: 0, Upper: 0.2775327998628892}},
		{5, 10, ConfidenceInterval{Estimate: 0.5, Lower: 0.2365930905125640,
			Upper: 0.7634069094874361}},
		{10, 10, ConfidenceInterval{Estimate: 1, Lower: 0.7224672001371107, Upper: 1}},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d of %d", tc.successes, tc.n), func(t *testing.T) {
			got, err := Proportion(tc.successes, tc.n)
			if err != nil {
				t.Fatalf("Proportion: %v", err)
			}
			checkClose(t, "estimate", got.Estimate, tc.want.Estimate, 1e-15)
			checkClose(t, "lower", got.Lower, tc.want.Lower, 1e-12)
			checkClose(t, "upper", got.Upper, tc.want.Upper, 1e-12)
		})
	}
}

// At 0 and n successes the bounds are exact, not merely close.
func TestProportionExactEnds(t *testing.T) {
	none, err := Proportion(0, 7)
	if err != nil {
		t.Fatalf("Proportion(0, 7): %v", err)
	}
	if none.Lower != 0 {
		t.Errorf("0 of 7: lower got %v, want 0", none.Lower)
	}
	all, err := Proportion(7, 7)
	if err != nil {
		t.Fatalf("Proportion(7, 7): %v", err)
	}
	if all.Upper != 1 {
		t.Errorf("7 of 7: upper got %v, want 1", all.Upper)
	}
}

func TestProportionErrors(t *testing.T) {
	tests := []struct {
		name         string
		successes, n int
		want         string
	}{
		{"zero n", 0, 0, "proportion: n is 0, want at least 1"},
		{"too many successes", 11, 10, "proportion: successes is 11, want 0..10"},
		{"negative successes", -1, 10, "proportion: successes is -1, want 0..10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Proportion(tc.successes, tc.n)
			checkError(t, err, tc.want)
		})
	}
}

// Position bias: annotators preferred the left response in 70 of 100
// comparisons with a preference.
func ExampleProportion() {
	leftShare, err := Proportion(70, 100)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("left picked %.2f, 95%% interval %.3f to %.3f\n",
		leftShare.Estimate, leftShare.Lower, leftShare.Upper)
	// Output: left picked 0.70, 95% interval 0.604 to 0.781
}
