package objective

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/pairwise/pairwise/internal/sharedtest"
)

type fixture struct {
	DPO struct {
		Beta              float64            `json:"beta"`
		PolicyChosen      float64            `json:"policy_chosen_logp"`
		PolicyRejected    float64            `json:"policy_rejected_logp"`
		ReferenceChosen   float64            `json:"reference_chosen_logp"`
		ReferenceRejected float64            `json:"reference_rejected_logp"`
		Losses            map[string]float64 `json:"losses"`
		RewardsChosen     float64            `json:"rewards_chosen"`
		RewardsRejected   float64            `json:"rewards_rejected"`
		RewardsMargin     float64            `json:"rewards_margin"`
	} `json:"dpo"`
	RewardModel struct {
		ScoreChosen       float64 `json:"score_chosen"`
		ScoreRejected     float64 `json:"score_rejected"`
		Margin            float64 `json:"margin"`
		Loss              float64 `json:"loss"`
		LossWithoutMargin float64 `json:"loss_without_margin"`
	} `json:"reward_model"`
}

// loadFixture reads expected.json of a PyTorch reference folder under
// ../shared/fixtures relative to the module root, or skips the test.
func loadFixture(t *testing.T, name string) fixture {
	t.Helper()
	path := sharedtest.File(t, "fixtures/"+name+"/expected.json")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	var fx fixture
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return fx
}

// The fixture's inputs are float64, so these losses match to rounding;
// the 1e-4 relative tolerance is the one the float32 model tests use.
func assertNear(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-4*math.Abs(want)+1e-12 {
		t.Errorf("%s: got %.10g, want %.10g", name, got, want)
	}
}

func TestFixtureDPOLosses(t *testing.T) {
	for _, name := range []string{"gpt2-torch-tiny", "gpt2-torch-wide"} {
		t.Run(name, func(t *testing.T) {
			fx := loadFixture(t, name).DPO
			cases := []struct {
				key string
				d   DPO
			}{
				{"sigmoid", DPO{Loss: Sigmoid, Beta: fx.Beta}},
				{"sigmoid_label_smoothing_0.1", DPO{Loss: Sigmoid, Beta: fx.Beta, LabelSmoothing: 0.1}},
				{"hinge", DPO{Loss: Hinge, Beta: fx.Beta}},
				{"ipo", DPO{Loss: IPO, Beta: fx.Beta}},
			}
			for _, tc := range cases {
				if err := tc.d.Validate(); err != nil {
					t.Fatalf("%s: %v", tc.key, err)
				}
				p := tc.d.Pair(fx.PolicyChosen, fx.PolicyRejected, fx.ReferenceChosen, fx.ReferenceRejected)
				assertNear(t, tc.key, p.Loss, fx.Losses[tc.key])
				assertNear(t, tc.key+" rewards/chosen", p.RewardChosen, fx.RewardsChosen)
				assertNear(t, tc.key+" rewards/rejected", p.RewardRejected, fx.RewardsRejected)
				assertNear(t, tc.key+" rewards/margins", p.RewardChosen-p.RewardRejected, fx.RewardsMargin)
			}
		})
	}
}

func TestFixtureRewardModel(t *testing.T) {
	for _, name := range []string{"gpt2-torch-tiny", "gpt2-torch-wide"} {
		t.Run(name, func(t *testing.T) {
			fx := loadFixture(t, name).RewardModel
			loss, _, _ := BradleyTerry(fx.ScoreChosen, fx.ScoreRejected, fx.Margin)
			assertNear(t, "loss with margin", loss, fx.Loss)
			loss, _, _ = BradleyTerry(fx.ScoreChosen, fx.ScoreRejected, 0)
			assertNear(t, "loss without margin", loss, fx.LossWithoutMargin)
		})
	}
}

// TestRobustLoss checks the robust loss against TRL's expression written
// out, and that it equals the sigmoid loss without label smoothing.
func TestRobustLoss(t *testing.T) {
	pc, pr, rc, rr := -18.3, -27.5, -18.4, -27.1
	beta, eps := 0.1, 0.2
	z := beta * ((pc - pr) - (rc - rr))
	want := (-(1-eps)*math.Log(1/(1+math.Exp(-z))) + eps*math.Log(1/(1+math.Exp(z)))) / (1 - 2*eps)
	got := DPO{Loss: Robust, Beta: beta, LabelSmoothing: eps}.Pair(pc, pr, rc, rr).Loss
	assertNear(t, "robust", got, want)

	robust := DPO{Loss: Robust, Beta: beta}.Pair(pc, pr, rc, rr).Loss
	sigmoid := DPO{Loss: Sigmoid, Beta: beta}.Pair(pc, pr, rc, rr).Loss
	assertNear(t, "robust without smoothing", robust, sigmoid)
}

// TestDPOGradients compares each loss's derivatives with central
// differences in float64.
func TestDPOGradients(t *testing.T) {
	configs := []DPO{
		{Loss: Sigmoid, Beta: 0.1}, {Loss: Sigmoid, Beta: 0.5, LabelSmoothing: 0.1},
		{Loss: Robust, Beta: 0.1, LabelSmoothing: 0.2}, {Loss: Hinge, Beta: 0.1},
		{Loss: IPO, Beta: 0.1},
	}
	points := [][4]float64{{-18.3, -27.5, -18.4, -27.1}, {-5, -3, -4, -4.5}, {-40, -10, -30, -25}}
	const h = 1e-5
	for _, d := range configs {
		for _, x := range points {
			p := d.Pair(x[0], x[1], x[2], x[3])
			dc := (d.Pair(x[0]+h, x[1], x[2], x[3]).Loss - d.Pair(x[0]-h, x[1], x[2], x[3]).Loss) / (2 * h)
			dr := (d.Pair(x[0], x[1]+h, x[2], x[3]).Loss - d.Pair(x[0], x[1]-h, x[2], x[3]).Loss) / (2 * h)
			if math.Abs(p.DChosen-dc) > 1e-6*math.Abs(dc)+1e-8 {
				t.Errorf("%+v at %v: d/dchosen %g, finite difference %g", d, x, p.DChosen, dc)
			}
			if math.Abs(p.DRejected-dr) > 1e-6*math.Abs(dr)+1e-8 {
				t.Errorf("%+v at %v: d/drejected %g, finite difference %g", d, x, p.DRejected, dr)
			}
		}
	}
}

func TestDPOBatchMean(t *testing.T) {
	d := DPO{Loss: Sigmoid, Beta: 0.1}
	pc, pr, rc, rr := []float64{-3, -8}, []float64{-5, -4}, []float64{-4, -6}, []float64{-4, -6}
	got := d.Batch(pc, pr, rc, rr)
	a, b := d.Pair(-3, -5, -4, -4), d.Pair(-8, -4, -6, -6)
	assertNear(t, "mean loss", got.Loss, (a.Loss+b.Loss)/2)
	assertNear(t, "pair 1 d/dchosen", got.DChosen[1], b.DChosen/2)
	assertNear(t, "pair 0 d/drejected", got.DRejected[0], a.DRejected/2)
	assertNear(t, "pair 1 reward", got.RewardsChosen[1], b.RewardChosen)
}

func TestDPOValidate(t *testing.T) {
	bad := []DPO{
		{Loss: "kto", Beta: 0.1}, {Loss: Sigmoid, Beta: 0}, {Loss: Sigmoid, Beta: 0.1, LabelSmoothing: 0.7},
		{Loss: Robust, Beta: 0.1, LabelSmoothing: 0.5}, {Loss: IPO, Beta: 0.1, LabelSmoothing: 0.1},
		{Loss: Sigmoid, Beta: 1e308}, {Loss: Sigmoid, Beta: 1e-300}, {Loss: Sigmoid, Beta: math.NaN()},
	}
	for _, d := range bad {
		if err := d.Validate(); err == nil {
			t.Errorf("Validate(%+v): got nil, want an error", d)
		}
	}
	for _, beta := range []float64{minBeta, 0.1, maxBeta} {
		if err := (DPO{Loss: Sigmoid, Beta: beta}).Validate(); err != nil {
			t.Errorf("Validate(beta %g): %v", beta, err)
		}
	}
	if _, err := ParseLossType("robust"); err != nil {
		t.Errorf("ParseLossType(robust): %v", err)
	}
}

func TestBradleyTerryGradient(t *testing.T) {
	const h = 1e-6
	for _, x := range [][3]float64{{0.7, -0.2, 0.5}, {-3, 4, 0}, {40, -40, 1}} {
		_, dc, dr := BradleyTerry(x[0], x[1], x[2])
		up, _, _ := BradleyTerry(x[0]+h, x[1], x[2])
		down, _, _ := BradleyTerry(x[0]-h, x[1], x[2])
		if num := (up - down) / (2 * h); math.Abs(dc-num) > 1e-6 {
			t.Errorf("%v: d/dchosen %g, finite difference %g", x, dc, num)
		}
		if dr != -dc {
			t.Errorf("%v: d/drejected %g, want %g", x, dr, -dc)
		}
	}
}

func randomLogits(seed uint64, n int) []float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64() * 2)
	}
	return v
}

// TestCompletionLogProbs checks the sums against a direct computation and
// the gradient against central differences.
func TestCompletionLogProbs(t *testing.T) {
	B, T, V := 2, 6, 5
	logits := randomLogits(1, B*T*V)
	ids := []int32{1, 4, 0, 2, 3, 3 /* */, 2, 2, 1, 0, 4, 4}
	prompts, lengths := []int{2, 1}, []int{6, 4} // sequence 1 has two padding tokens

	logp, grad := CompletionLogProbs(logits, ids, B, T, V, prompts, lengths)
	for b := 0; b < B; b++ {
		var want float64
		for t := prompts[b]; t < lengths[b]; t++ {
			row := logits[(b*T+t-1)*V : (b*T+t)*V]
			var z float64
			for _, v := range row {
				z += math.Exp(float64(v))
			}
			want += float64(row[ids[b*T+t]]) - math.Log(z)
		}
		assertNear(t, "logp", logp[b], want)
	}

	dLogp := []float64{0.7, -1.3}
	dLogits := make([]float32, B*T*V)
	for i := range dLogits {
		dLogits[i] = 99 // must be overwritten, including unscored rows
	}
	grad(dLogp, dLogits)
	loss := func() float64 {
		lp, _ := CompletionLogProbs(logits, ids, B, T, V, prompts, lengths)
		return dLogp[0]*lp[0] + dLogp[1]*lp[1]
	}
	const h = 1e-2
	for i := range logits {
		orig := logits[i]
		logits[i] = orig + h
		up := loss()
		logits[i] = orig - h
		down := loss()
		logits[i] = orig
		num := (up - down) / (float64(orig+h) - float64(orig-h))
		if math.Abs(float64(dLogits[i])-num) > 1e-3*math.Abs(num)+1e-5 {
			t.Errorf("dLogits[%d]: got %g, finite difference %g", i, dLogits[i], num)
		}
	}
}

func TestCrossEntropy(t *testing.T) {
	N, V := 4, 7
	logits := randomLogits(2, N*V)
	targets := []int32{3, -1, 0, 6}
	dLogits := make([]float32, N*V)
	loss, count := CrossEntropy(logits, targets, V, dLogits)
	if count != 3 {
		t.Fatalf("count: got %d, want 3", count)
	}
	value := func() float64 {
		l, _ := CrossEntropy(logits, targets, V, nil)
		return l
	}
	assertNear(t, "loss", value(), loss)
	const h = 1e-2
	for i := range logits {
		orig := logits[i]
		logits[i] = orig + h
		up := value()
		logits[i] = orig - h
		down := value()
		logits[i] = orig
		num := (up - down) / (float64(orig+h) - float64(orig-h))
		if math.Abs(float64(dLogits[i])-num) > 1e-3*math.Abs(num)+1e-5 {
			t.Errorf("dLogits[%d]: got %g, finite difference %g", i, dLogits[i], num)
		}
	}
}

// TestGradientInPlace checks that both losses write the same gradient into
// their logits as into a separate buffer, on a vocabulary wide enough for
// the vector kernels.
func TestGradientInPlace(t *testing.T) {
	B, T, V := 2, 5, 301
	ids := make([]int32, B*T)
	for i := range ids {
		ids[i] = int32(i * 37 % V)
	}
	prompts, lengths := []int{1, 2}, []int{5, 4}
	logits := randomLogits(3, B*T*V)
	dLogp := []float64{0.4, -2}

	_, grad := CompletionLogProbs(logits, ids, B, T, V, prompts, lengths)
	want := make([]float32, len(logits))
	grad(dLogp, want)
	grad(dLogp, logits)
	for i := range want {
		if logits[i] != want[i] {
			t.Fatalf("completion dLogits[%d]: got %v in place, want %v", i, logits[i], want[i])
		}
	}

	targets := []int32{3, -1, 300, 0, 7, 8, -1, 1, 2, 150}
	logits = randomLogits(4, len(targets)*V)
	_, _ = CrossEntropy(logits, targets, V, want)
	_, _ = CrossEntropy(logits, targets, V, logits)
	for i := range want {
		if logits[i] != want[i] {
			t.Fatalf("cross-entropy dLogits[%d]: got %v in place, want %v", i, logits[i], want[i])
		}
	}
}

// TestCompletionLogProbsWideVocabulary compares the float32 log-softmax
// with a float64 one over a GPT-2-sized row of large logits.
func TestCompletionLogProbsWideVocabulary(t *testing.T) {
	B, T, V := 1, 3, 50257
	logits := randomLogits(5, B*T*V)
	for i := range logits {
		logits[i] = 8*logits[i] + 40
	}
	ids := []int32{0, 17, 50256}
	logp, _ := CompletionLogProbs(logits, ids, B, T, V, []int{1}, []int{3})
	var want float64
	for t := 1; t < 3; t++ {
		row := logits[(t-1)*V : t*V]
		m := math.Inf(-1)
		for _, v := range row {
			m = max(m, float64(v))
		}
		var z float64
		for _, v := range row {
			z += math.Exp(float64(v) - m)
		}
		want += float64(row[ids[t]]) - m - math.Log(z)
	}
	if math.Abs(logp[0]-want) > 1e-6*math.Abs(want) {
		t.Errorf("logp: got %.12g, want %.12g", logp[0], want)
	}
}
