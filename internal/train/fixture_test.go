package train

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/pairwise/pairwise/internal/train/gpt2"
	"github.com/pairwise/pairwise/internal/train/objective"
)

// torchDPO is the "dpo" section of a PyTorch reference fixture.
type torchDPO struct {
	Beta            float64              `json:"beta"`
	PromptLen       int                  `json:"prompt_len"`
	ChosenIDs       []int32              `json:"chosen_ids"`
	RejectedIDs     []int32              `json:"rejected_ids"`
	PolicyChosen    float64              `json:"policy_chosen_logp"`
	PolicyRejected  float64              `json:"policy_rejected_logp"`
	RefChosen       float64              `json:"reference_chosen_logp"`
	RefRejected     float64              `json:"reference_rejected_logp"`
	Losses          map[string]float64   `json:"losses"`
	RewardsChosen   float64              `json:"rewards_chosen"`
	RewardsRejected float64              `json:"rewards_rejected"`
	Grads           map[string][]float64 `json:"sigmoid_loss_grads"`
}

// closeTo reports whether got is within a relative tolerance of want,
// with an absolute floor for values near zero.
func closeTo(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Max(math.Abs(want), 1e-3)
}

// TestDPOStepMatchesTorch runs one DPO training batch through the
// trainer's batching, reference log-probabilities and loss, on the
// PyTorch fixture's two-layer model, and compares the log-probabilities,
// loss, rewards and gradients with PyTorch's float64 values.
func TestDPOStepMatchesTorch(t *testing.T) {
	dir := sharedFile(t, "fixtures/gpt2-torch-tiny")
	raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		DPO torchDPO `json:"dpo"`
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	want := fx.DPO
	policy, err := gpt2.Load(filepath.Join(dir, "policy.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	ref, err := gpt2.Load(filepath.Join(dir, "reference.safetensors"))
	if err != nil {
		t.Fatal(err)
	}

	p := pair{
		chosen:   Sequence{IDs: want.ChosenIDs, PromptLen: want.PromptLen},
		rejected: Sequence{IDs: want.RejectedIDs, PromptLen: want.PromptLen},
	}
	rc, rr, err := pairLogProbs(context.Background(), ref, []pair{p}, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !closeTo(rc[0], want.RefChosen, 1e-4) || !closeTo(rr[0], want.RefRejected, 1e-4) {
		t.Errorf("reference log-probs %v, %v, want %v, %v", rc[0], rr[0], want.RefChosen, want.RefRejected)
	}

	task := &dpoTask{cfg: objective.DPO{Loss: objective.Sigmoid, Beta: want.Beta}, model: policy,
		train: []pair{p}, refTrain: refLogps{rc, rr}, evalBatch: 1}
	policy.ZeroGrad()
	m, err := task.trainBatch([]int{0}, 1)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want float64
	}{
		{"logps/chosen", m["logps/chosen"], want.PolicyChosen},
		{"logps/rejected", m["logps/rejected"], want.PolicyRejected},
		{"loss", m["loss"], want.Losses["sigmoid"]},
		{"rewards/chosen", m["rewards/chosen"], want.RewardsChosen},
		{"rewards/rejected", m["rewards/rejected"], want.RewardsRejected},
	}
	for _, c := range checks {
		if !closeTo(c.got, c.want, 1e-3) {
			t.Errorf("%s %v, want %v", c.name, c.got, c.want)
		}
	}

	params := map[string]*gpt2.Param{}
	for _, q := range policy.Params() {
		params[q.Name] = q
	}
	if len(want.Grads) == 0 {
		t.Fatal("fixture has no gradients")
	}
	for name, grad := range want.Grads {
		q, ok := params[name]
		if !ok {
			t.Errorf("model has no tensor %s", name)
			continue
		}
		var maxDiff, maxRef float64
		for i, g := range grad {
			maxDiff = math.Max(maxDiff, math.Abs(float64(q.Grad[i])-g))
			maxRef = math.Max(maxRef, math.Abs(g))
		}
		if maxDiff > 1e-3*maxRef+1e-7 {
			t.Errorf("gradient of %s differs by up to %g (largest value %g)", name, maxDiff, maxRef)
		}
	}
}

// TestLMStepMatchesTorch runs one pretraining batch of the PyTorch
// fixture through the trainer's next-token task and compares the mean
// cross-entropy and its gradients.
func TestLMStepMatchesTorch(t *testing.T) {
	dir := sharedFile(t, "fixtures/gpt2-torch-tiny")
	raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		LM struct {
			InputIDs [][]int32            `json:"input_ids"`
			Loss     float64              `json:"loss_mean_next_token_cross_entropy"`
			Grads    map[string][]float64 `json:"grads"`
		} `json:"lm"`
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatal(err)
	}
	model, err := gpt2.Load(filepath.Join(dir, "policy.safetensors"))
	if err != nil {
		t.Fatal(err)
	}

	var seqs []Sequence
	for _, ids := range fx.LM.InputIDs {
		seqs = append(seqs, Sequence{IDs: ids, PromptLen: 1})
	}
	task := &lmTask{model: model, train: seqs, evalBatch: 2}
	model.ZeroGrad()
	m, err := task.trainBatch([]int{0, 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !closeTo(m["loss"], fx.LM.Loss, 1e-4) {
		t.Errorf("loss %v, want %v", m["loss"], fx.LM.Loss)
	}

	params := map[string]*gpt2.Param{}
	for _, q := range model.Params() {
		params[q.Name] = q
	}
	if len(fx.LM.Grads) == 0 {
		t.Fatal("fixture has no gradients")
	}
	for name, grad := range fx.LM.Grads {
		var maxDiff, maxRef float64
		for i, g := range grad {
			maxDiff = math.Max(maxDiff, math.Abs(float64(params[name].Grad[i])-g))
			maxRef = math.Max(maxRef, math.Abs(g))
		}
		if maxDiff > 1e-3*maxRef+1e-7 {
			t.Errorf("gradient of %s differs by up to %g (largest value %g)", name, maxDiff, maxRef)
		}
	}
}
