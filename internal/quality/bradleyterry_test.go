package quality

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestBradleyTerryHandChecked(t *testing.T) {
	tests := []struct {
		name    string
		models  int
		battles []Battle
		want    []float64
	}{
		{
			// Model 0 wins 2 of 3, so σ(0 - s1) = 2/3 and s1 = -ln 2.
			name:   "two models",
			models: 2,
			battles: []Battle{
				{I: 0, J: 1, Outcome: 1}, {I: 1, J: 0, Outcome: 0},
				{I: 0, J: 1, Outcome: 0},
			},
			want: []float64{0, -math.Ln2},
		},
		{
			name:    "tie",
			models:  2,
			battles: []Battle{{I: 0, J: 1, Outcome: 0.5}},
			want:    []float64{0, 0},
		},
		{
			// A cycle where every model wins once is balanced.
			name:   "cycle",
			models: 3,
			battles: []Battle{
				{I: 0, J: 1, Outcome: 1}, {I: 1, J: 2, Outcome: 1},
				{I: 2, J: 0, Outcome: 1},
			},
			want: []float64{0, 0, 0},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := BradleyTerry(tc.models, tc.battles)
			if err != nil {
				t.Fatalf("BradleyTerry: %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %d strengths, want %d", len(got), len(tc.want))
			}
			for m := range got {
				checkClose(t, "strength", got[m], tc.want[m], 1e-12)
			}
		})
	}
}

// Newton's method must agree with the minorize-maximize iteration for
// Bradley-Terry (Hunter 2004, MM algorithms for generalized Bradley-Terry
// models), a slow but simple fixed-point reference, on seeded random
// battles with ties.
func TestBradleyTerryMatchesMM(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	truth := []float64{0, 0.5, -0.3, 1.0}
	var battles []Battle
	for range 300 {
		i := rng.IntN(len(truth))
		j := (i + 1 + rng.IntN(len(truth)-1)) % len(truth)
		outcome := 0.0
		switch {
		case rng.Float64() < 0.1:
			outcome = 0.5
		case rng.Float64() < sigmoid(truth[i]-truth[j]):
			outcome = 1
		}
		battles = append(battles, Battle{I: i, J: j, Outcome: outcome})
	}

	got, err := BradleyTerry(len(truth), battles)
	if err != nil {
		t.Fatalf("BradleyTerry: %v", err)
	}
	want := bradleyTerryMM(t, len(truth), battles)
	for m := range got {
		checkClose(t, "strength", got[m], want[m], 1e-9)
	}
}

// bradleyTerryMM fits strengths by π_i ← W_i / Σ_j N_ij / (π_i + π_j),
// where W_i is model i's total score and N_ij the battles between i and j,
// rescaled so that π_0 = 1.
func bradleyTerryMM(t testing.TB, models int, battles []Battle) []float64 {
	t.Helper()
	scores := make([]float64, models)
	meetings := make([][]float64, models)
	for m := range meetings {
		meetings[m] = make([]float64, models)
	}
	for _, b := range battles {
		scores[b.I] += b.Outcome
		scores[b.J] += 1 - b.Outcome
		meetings[b.I][b.J]++
		meetings[b.J][b.I]++
	}

	pi := make([]float64, models)
	for m := range pi {
		pi[m] = 1
	}
	next := make([]float64, models)
	for range 1_000_000 {
		for i := range models {
			var denominator float64
			for j := range models {
				if meetings[i][j] > 0 {
					denominator += meetings[i][j] / (pi[i] + pi[j])
				}
			}
			next[i] = scores[i] / denominator
		}
		change := 0.0
		for i := range models {
			next[i] /= next[0]
			change = math.Max(change, math.Abs(math.Log(next[i]/pi[i])))
		}
		copy(pi, next)
		if change < 1e-14 {
			strengths := make([]float64, models)
			for i := range pi {
				strengths[i] = math.Log(pi[i])
			}
			return strengths
		}
	}
	t.Fatal("reference MM iteration did not converge")
	return nil
}

func TestBradleyTerryErrors(t *testing.T) {
	tests := []struct {
		name    string
		models  int
		battles []Battle
		want    string
	}{
		{"one model", 1, nil, "bradley-terry: models is 1, want at least 2"},
		{"model out of range", 2, []Battle{{I: 0, J: 2, Outcome: 1}},
			"bradley-terry: battle 0 names models 0 and 2, want 0..1"},
		{"self battle", 2, []Battle{{I: 0, J: 1, Outcome: 1}, {I: 1, J: 1, Outcome: 1}},
			"bradley-terry: battle 1 pits model 1 against itself"},
		{"outcome above 1", 2, []Battle{{I: 0, J: 1, Outcome: 1.5}},
			"bradley-terry: battle 0 has outcome 1.5, want 0..1"},
		{"outcome NaN", 2, []Battle{{I: 0, J: 1, Outcome: math.NaN()}},
			"bradley-terry: battle 0 has outcome NaN, want 0..1"},
		{"model never played", 3, []Battle{{I: 0, J: 1, Outcome: 0.5}},
			"bradley-terry: models [2] have no battles linking them to models [0 1]"},
		{"model won everything", 3, []Battle{
			{I: 0, J: 1, Outcome: 0.5}, {I: 2, J: 0, Outcome: 1},
			{I: 1, J: 2, Outcome: 0},
		}, "bradley-terry: models [2] won every battle against models [0 1]"},
		{"model lost everything", 3, []Battle{
			{I: 0, J: 1, Outcome: 0.5}, {I: 2, J: 0, Outcome: 0},
			{I: 1, J: 2, Outcome: 1},
		}, "bradley-terry: models [2] lost every battle against models [0 1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := BradleyTerry(tc.models, tc.battles)
			checkError(t, err, tc.want)
		})
	}
}

func TestElo(t *testing.T) {
	checkClose(t, "anchor", Elo(0), 1000, 1e-12)
	// Odds of 10 to 1 are a strength gap of ln 10 and 400 Elo points.
	checkClose(t, "ln 10", Elo(math.Ln10), 1400, 1e-9)
}

// A lopsided record puts the maximum far from the all-zero start.
func TestBradleyTerryLopsided(t *testing.T) {
	battles := []Battle{{I: 0, J: 1, Outcome: 1}}
	for range 999 {
		battles = append(battles, Battle{I: 0, J: 1, Outcome: 0})
	}
	got, err := BradleyTerry(2, battles)
	if err != nil {
		t.Fatalf("BradleyTerry: %v", err)
	}
	// Model 1 wins 999 of 1000, so s1 = ln(999/1).
	checkClose(t, "strength", got[1], math.Log(999), 1e-9)
}
