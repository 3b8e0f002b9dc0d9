package export_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
)

// mustSplit returns the split of key, failing the test on an error.
func mustSplit(tb testing.TB, key, seed string, r export.SplitRatios) string {
	tb.Helper()
	s, err := export.SplitOf(key, seed, r)
	if err != nil {
		tb.Fatalf("SplitOf(%q, %q, %+v): %v", key, seed, r, err)
	}
	return s
}

func TestSplitKnownKeys(t *testing.T) {
	// The fractions come from an independent SHA-256 implementation:
	// s1/prompt-1 0.2501, s1/prompt-2 0.1003, s1/prompt-3 0.1194,
	// s2/prompt-1 0.4430.
	r := export.SplitRatios{Train: 0.2, Validation: 0.1, Test: 0.7}
	tests := []struct {
		key, seed string
		ratios    export.SplitRatios
		want      string
	}{
		{"prompt-1", "s1", r, export.SplitValidation},
		{"prompt-2", "s1", r, export.SplitTrain},
		{"prompt-3", "s1", r, export.SplitTrain},
		{"prompt-1", "s2", r, export.SplitTest},
		{"prompt-1", "s2", export.DefaultSplitRatios, export.SplitTrain},
		{"prompt-1", "s1", export.SplitRatios{Train: 0.25, Test: 0.75}, export.SplitTest},
		{"prompt-1", "s1", export.SplitRatios{Train: 0.2501, Test: 0.7499}, export.SplitTrain},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s/%v", tc.seed, tc.key, tc.ratios.Train), func(t *testing.T) {
			if got := mustSplit(t, tc.key, tc.seed, tc.ratios); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestSplitDeterministic(t *testing.T) {
	r := export.SplitRatios{Train: 0.6, Validation: 0.2, Test: 0.2}
	for i := range 1000 {
		key := fmt.Sprintf("prompt-%d", i)
		first := mustSplit(t, key, "seed", r)
		if again := mustSplit(t, key, "seed", r); again != first {
			t.Fatalf("%s: got %s, then %s", key, first, again)
		}
	}
}

func TestSplitRatios(t *testing.T) {
	const n = 100_000
	tests := []struct {
		name   string
		ratios export.SplitRatios
	}{
		{"default", export.DefaultSplitRatios},
		{"three ways", export.SplitRatios{Train: 0.8, Validation: 0.1, Test: 0.1}},
		{"rounded shares", export.SplitRatios{Train: 0.7, Validation: 0.2, Test: 0.1}},
		{"no test", export.SplitRatios{Train: 0.95, Validation: 0.05, NoTest: true}},
		{"train only", export.SplitRatios{Train: 1, NoTest: true}},
		{"test only", export.SplitRatios{Test: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			counts := map[string]int{}
			for i := range n {
				counts[mustSplit(t, fmt.Sprintf("prompt-%d", i), "seed", tc.ratios)]++
			}
			want := map[string]float64{
				export.SplitTrain:      tc.ratios.Train,
				export.SplitValidation: tc.ratios.Validation,
				export.SplitTest:       tc.ratios.Test,
			}
			for split, share := range want {
				got := float64(counts[split]) / n
				if math.Abs(got-share) > 0.02*share {
					t.Errorf("%s: got share %v, want %v within 2%%", split, got, share)
				}
				if share == 0 && counts[split] != 0 {
					t.Errorf("%s: got %d keys, want none", split, counts[split])
				}
			}
			if len(counts) > 3 {
				t.Errorf("got splits %v, want only train, validation and test", counts)
			}
		})
	}
}

func TestSplitSeedChangesAssignment(t *testing.T) {
	// Two independent draws at 80/10/10 agree with probability
	// 0.8² + 0.1² + 0.1² = 0.66.
	const n = 10_000
	r := export.SplitRatios{Train: 0.8, Validation: 0.1, Test: 0.1}
	moved := 0
	for i := range n {
		key := fmt.Sprintf("prompt-%d", i)
		if mustSplit(t, key, "seed-1", r) != mustSplit(t, key, "seed-2", r) {
			moved++
		}
	}
	if got := float64(moved) / n; got < 0.32 || got > 0.36 {
		t.Errorf("got %v of keys in another split, want 0.34 within 0.02", got)
	}
}

func TestSplitSeedAndKeyAreSeparated(t *testing.T) {
	// Without a separator, seed "ab" with key "c" and seed "a" with key
	// "bc" would hash the same string.
	r := export.SplitRatios{Train: 0.5, Test: 0.5}
	same := 0
	for i := range 200 {
		k := fmt.Sprint(i)
		if mustSplit(t, "x"+k, "s", r) == mustSplit(t, k, "sx", r) {
			same++
		}
	}
	if same == 200 {
		t.Errorf("got the same split for all 200 shifted seed and key pairs, want them independent")
	}
}

func TestSplitInvalidRatios(t *testing.T) {
	tests := []struct {
		name   string
		ratios export.SplitRatios
		want   string
	}{
		{"sum above one", export.SplitRatios{Train: 0.8, Validation: 0.1, Test: 0.2},
			"split shares train 0.8, validation 0.1 and test 0.2 sum to 1.1; they must sum to 1"},
		{"sum below one", export.SplitRatios{Train: 0.5, Test: 0.1},
			"split shares train 0.5, validation 0 and test 0.1 sum to 0.6; they must sum to 1"},
		{"negative share", export.SplitRatios{Train: 1.2, Validation: -0.3, Test: 0.1},
			"train share 1.2 is outside 0 to 1"},
		{"negative validation", export.SplitRatios{Train: 0.9, Validation: -0.1, Test: 0.2},
			"validation share -0.1 is outside 0 to 1"},
		{"not a number", export.SplitRatios{Train: math.NaN(), Test: 0.1}, "train share NaN is outside 0 to 1"},
		{"zero value", export.SplitRatios{}, "split shares train 0, validation 0 and test 0 sum to 0"},
		{"forgotten test", export.SplitRatios{Train: 0.9, Validation: 0.1},
			"test share is 0; give the test split a share such as 0.1, or set no test split explicitly"},
		{"no test with a test share", export.SplitRatios{Train: 0.9, Test: 0.1, NoTest: true},
			"test share is 0.1 but no test split is set"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkInvalid(t, tc.ratios.Validate(), tc.want)
			_, err := export.SplitOf("prompt-1", "seed", tc.ratios)
			checkInvalid(t, err, tc.want)
		})
	}
}

func TestParseSplitRatios(t *testing.T) {
	tests := []struct {
		in   string
		want export.SplitRatios
	}{
		{"0.8,0.1,0.1", export.SplitRatios{Train: 0.8, Validation: 0.1, Test: 0.1}},
		{"train=0.9,test=0.1", export.SplitRatios{Train: 0.9, Test: 0.1}},
		{" test=0.2 , validation=0.1,train=0.7", export.SplitRatios{Train: 0.7, Validation: 0.1, Test: 0.2}},
		{"train=0.8,validation=0.2,test=0", export.SplitRatios{Train: 0.8, Validation: 0.2, NoTest: true}},
		{"1,0,0", export.SplitRatios{Train: 1, NoTest: true}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := export.ParseSplitRatios(tt.in)
			if err != nil {
				t.Fatalf("ParseSplitRatios: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			again, err := export.ParseSplitRatios(got.String())
			if err != nil || again != got {
				t.Errorf("round trip of %s: got %+v, %v", got, again, err)
			}
		})
	}
}

func TestParseSplitRatiosRejects(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"0.8,0.2", `split ratios "0.8,0.2" have 2 shares; give three`},
		{"0.8,x,0.1", `split ratio "x" is not name=share with a number`},
		{"train=0.9,dev=0.1", `split "dev" is not one of train, test, validation`},
		{"train=0.5,train=0.5", `split "train" appears twice`},
		{"train=0.9,validation=0.1", "test share is 0"},
		{"0.8,0.1,0.2", "sum to 1.1; they must sum to 1"},
		{"1.5,-0.5,0", "train share 1.5 is outside 0 to 1"},
		{"train=0.9,test", `split ratio "test" is not name=share`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := export.ParseSplitRatios(tt.in)
			if !errors.Is(err, labeling.ErrInvalid) {
				t.Fatalf("error: got %v, want kind %v", err, labeling.ErrInvalid)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error: got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}
