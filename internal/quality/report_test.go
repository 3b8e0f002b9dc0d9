package quality

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestKrippendorffAlphaUnitsMatchesDense(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for _, metric := range []Metric{Nominal, Interval} {
		t.Run(metric.String(), func(t *testing.T) {
			// Four coders, thirty units, a quarter of the values missing.
			dense := make([][]float64, 4)
			units := make([][]float64, 30)
			for c := range dense {
				dense[c] = make([]float64, len(units))
				for u := range units {
					if rng.IntN(4) == 0 {
						dense[c][u] = math.NaN()
						continue
					}
					v := float64(rng.IntN(5))
					dense[c][u] = v
					units[u] = append(units[u], v)
				}
			}
			want, err := KrippendorffAlpha(dense, metric)
			if err != nil {
				t.Fatalf("KrippendorffAlpha: %v", err)
			}
			got, err := KrippendorffAlphaUnits(units, metric)
			if err != nil {
				t.Fatalf("KrippendorffAlphaUnits: %v", err)
			}
			checkClose(t, "alpha", got, want, 1e-12)
		})
	}
}

func TestKrippendorffAlphaUnitsErrors(t *testing.T) {
	tests := []struct {
		name   string
		units  [][]float64
		metric Metric
		want   string
	}{
		{"no pairable unit", [][]float64{{1}, {2}}, Nominal, "no unit has values from two coders"},
		{"NaN value", [][]float64{{1, math.NaN()}}, Interval, "unit 0: value NaN"},
		{"unknown metric", [][]float64{{1, 2}}, Metric(9), "unknown metric 9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := KrippendorffAlphaUnits(tc.units, tc.metric)
			checkError(t, err, tc.want)
		})
	}
}

func TestReportBuilderRejectsOutOfRange(t *testing.T) {
	tests := []struct {
		name   string
		rating Rating
		want   string
	}{
		{"verdict", Rating{Verdict: 4}, "verdict 4"},
		{"strength", Rating{Strength: 5}, "strength 5"},
		{"gold", Rating{Gold: -2}, "gold answer -2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewReportBuilder(ReportOptions{Overlap: 2, MaxActive: time.Minute})
			checkError(t, b.Add(tc.rating), tc.want)
			if got := b.Report().Judgments; got != 0 {
				t.Errorf("judgments counted: got %d, want 0", got)
			}
		})
	}
}

func TestReportWithoutEnoughData(t *testing.T) {
	b := NewReportBuilder(ReportOptions{Overlap: 1, Criteria: []string{"helpful"},
		GoldThreshold: 0.7, MaxActive: time.Minute})
	shown := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	err := b.Add(Rating{Comparison: uuid.New(), Annotator: uuid.New(), AnnotatorName: "solo",
		Verdict: BothBad, Gold: NoGold, ShownAt: shown, SubmittedAt: shown})
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	rep := b.Report()

	notOK := map[string]bool{
		"mean pair kappa":  rep.MeanPairKappa.OK,
		"fleiss":           rep.Fleiss.OK,
		"alpha verdict":    rep.AlphaVerdict.OK,
		"alpha strength":   rep.AlphaStrength.OK,
		"alpha helpful":    rep.AlphaCriteria[0].Alpha.OK,
		"majority":         rep.Majority.OK,
		"position":         rep.Position.OK,
		"length":           rep.Length.OK,
		"per hour":         rep.PerHour.OK,
		"gold accuracy":    rep.Annotators[0].GoldAccuracy.OK,
		"annotator review": rep.Annotators[0].NeedsReview,
	}
	for name, got := range notOK {
		if got {
			t.Errorf("%s: got OK true, want false", name)
		}
	}
	if !rep.MedianSeconds.OK || rep.MedianSeconds.Value != 0 {
		t.Errorf("median seconds: got %+v, want 0 and OK", rep.MedianSeconds)
	}
}
