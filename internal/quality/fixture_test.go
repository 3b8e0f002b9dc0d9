package quality

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/pairwise/pairwise/internal/sharedtest"
)

// agreementFixture is reference data computed with scikit-learn and
// statsmodels, plus the worked example from Krippendorff (2011).
type agreementFixture struct {
	Cohen []struct {
		Annotator1  []int   `json:"annotator_1"`
		Annotator2  []int   `json:"annotator_2"`
		Kappa       float64 `json:"cohen_kappa"`
		KappaLinear float64 `json:"cohen_kappa_linear_weighted"`
	} `json:"cohen"`
	Fleiss []struct {
		LabelsPerItem [][]int `json:"labels_per_item"`
		Categories    int     `json:"categories"`
		Kappa         float64 `json:"fleiss_kappa"`
	} `json:"fleiss"`
	Krippendorff struct {
		UnitsByCoder  [][]*float64 `json:"units_by_coder"`
		AlphaNominal  float64      `json:"alpha_nominal"`
		AlphaInterval float64      `json:"alpha_interval"`
		RoundedTo     int          `json:"rounded_to"`
	} `json:"krippendorff_published_example"`
	BradleyTerry struct {
		Models    int       `json:"models"`
		Battles   [][3]int  `json:"battles_i_j_iwon"`
		Strengths []float64 `json:"strengths_anchor_model0"`
	} `json:"bradley_terry"`
}

// fixtureCategories is the number of verdict categories in the Cohen cases:
// A preferred, B preferred, tie, both bad.
const fixtureCategories = 4

// loadAgreementFixture reads agreement.json from the shared fixtures folder
// beside the repository root, or skips the test when it is absent.
func loadAgreementFixture(t testing.TB) agreementFixture {
	t.Helper()
	path := sharedtest.File(t, "fixtures/agreement.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var fixture agreementFixture
	if err := json.Unmarshal(data, &fixture); err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return fixture
}

func TestFixtureCohenKappa(t *testing.T) {
	fixture := loadAgreementFixture(t)
	if len(fixture.Cohen) == 0 {
		t.Fatal("fixture has no cohen cases")
	}

	var maxErr, maxErrLinear float64
	for n, c := range fixture.Cohen {
		got, err := CohenKappa(c.Annotator1, c.Annotator2, fixtureCategories)
		if err != nil {
			t.Fatalf("case %d: CohenKappa: %v", n, err)
		}
		if diff := math.Abs(got - c.Kappa); diff > 1e-9 {
			t.Errorf("case %d: kappa got %v, want %v", n, got, c.Kappa)
		} else {
			maxErr = math.Max(maxErr, diff)
		}

		got, err = CohenKappaLinear(c.Annotator1, c.Annotator2, fixtureCategories)
		if err != nil {
			t.Fatalf("case %d: CohenKappaLinear: %v", n, err)
		}
		if diff := math.Abs(got - c.KappaLinear); diff > 1e-9 {
			t.Errorf("case %d: linear kappa got %v, want %v", n, got, c.KappaLinear)
		} else {
			maxErrLinear = math.Max(maxErrLinear, diff)
		}
	}
	t.Logf("max abs error: kappa %.3g, linear kappa %.3g", maxErr, maxErrLinear)
}

func TestFixtureFleissKappa(t *testing.T) {
	fixture := loadAgreementFixture(t)
	if len(fixture.Fleiss) == 0 {
		t.Fatal("fixture has no fleiss cases")
	}

	var maxErr float64
	for n, c := range fixture.Fleiss {
		counts, err := CountsFromLabels(c.LabelsPerItem, c.Categories)
		if err != nil {
			t.Fatalf("case %d: CountsFromLabels: %v", n, err)
		}
		got, err := FleissKappa(counts)
		if err != nil {
			t.Fatalf("case %d: FleissKappa: %v", n, err)
		}
		if diff := math.Abs(got - c.Kappa); diff > 1e-9 {
			t.Errorf("case %d: got %v, want %v", n, got, c.Kappa)
		} else {
			maxErr = math.Max(maxErr, diff)
		}
	}
	t.Logf("max abs error: %.3g", maxErr)
}

func TestFixtureKrippendorffAlpha(t *testing.T) {
	fixture := loadAgreementFixture(t)
	example := fixture.Krippendorff
	if len(example.UnitsByCoder) == 0 {
		t.Fatal("fixture has no krippendorff example")
	}

	values := make([][]float64, len(example.UnitsByCoder))
	for c, row := range example.UnitsByCoder {
		values[c] = make([]float64, len(row))
		for u, v := range row {
			values[c][u] = math.NaN()
			if v != nil {
				values[c][u] = *v
			}
		}
	}

	scale := math.Pow(10, float64(example.RoundedTo))
	for _, tc := range []struct {
		metric Metric
		want   float64
	}{
		{Nominal, example.AlphaNominal},
		{Interval, example.AlphaInterval},
	} {
		t.Run(tc.metric.String(), func(t *testing.T) {
			got, err := KrippendorffAlpha(values, tc.metric)
			if err != nil {
				t.Fatalf("KrippendorffAlpha: %v", err)
			}
			if rounded := math.Round(got*scale) / scale; rounded != tc.want {
				t.Errorf("got %v (rounded %v), want %v", got, rounded, tc.want)
			}
			t.Logf("alpha %.6f, published %v", got, tc.want)
		})
	}
}

func TestFixtureBradleyTerry(t *testing.T) {
	fixture := loadAgreementFixture(t)
	bt := fixture.BradleyTerry
	if len(bt.Battles) == 0 {
		t.Fatal("fixture has no bradley_terry battles")
	}

	battles := make([]Battle, len(bt.Battles))
	for n, b := range bt.Battles {
		battles[n] = Battle{I: b[0], J: b[1], Outcome: float64(b[2])}
	}
	got, err := BradleyTerry(bt.Models, battles)
	if err != nil {
		t.Fatalf("BradleyTerry: %v", err)
	}
	if len(got) != len(bt.Strengths) {
		t.Fatalf("got %d strengths, want %d", len(got), len(bt.Strengths))
	}

	var maxErr float64
	for m := range got {
		diff := math.Abs(got[m] - bt.Strengths[m])
		if diff > 1e-6 {
			t.Errorf("model %d: got %v, want %v", m, got[m], bt.Strengths[m])
		}
		maxErr = math.Max(maxErr, diff)
	}
	t.Logf("max abs error: %.3g", maxErr)
}

// The fixture's strengths come from an iterative solver with its own
// stopping rule, so check that ours are the closer maximum: the gradient of
// the log-likelihood vanishes there.
func TestFixtureBradleyTerryGradient(t *testing.T) {
	fixture := loadAgreementFixture(t)
	bt := fixture.BradleyTerry
	battles := make([]Battle, len(bt.Battles))
	for n, b := range bt.Battles {
		battles[n] = Battle{I: b[0], J: b[1], Outcome: float64(b[2])}
	}
	got, err := BradleyTerry(bt.Models, battles)
	if err != nil {
		t.Fatalf("BradleyTerry: %v", err)
	}

	ours := maxAbsolute(btGradient(got, battles))
	reference := maxAbsolute(btGradient(bt.Strengths, battles))
	if ours > 1e-9 {
		t.Errorf("max gradient at our strengths got %.3g, want below 1e-9", ours)
	}
	t.Logf("max gradient: ours %.3g, fixture %.3g", ours, reference)
}

func btGradient(strengths []float64, battles []Battle) []float64 {
	grad, _ := btDerivatives(strengths, battles)
	return grad
}
