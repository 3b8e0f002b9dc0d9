package gpt2_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/pairwise/pairwise/internal/sharedtest"
	"github.com/pairwise/pairwise/internal/train/gpt2"
	"github.com/pairwise/pairwise/internal/train/objective"
)

// Tolerances for float32 results against the float64 PyTorch reference:
// relative 1e-4, with an absolute floor of 1e-6 times the largest
// magnitude in the compared tensor. The floor matters for values that are
// zero in exact arithmetic, such as the gradient of the key bias in
// c_attn (softmax ignores a shift shared by all keys): float32 leaves
// about 1e-11 there against a reference of 1e-21.
const (
	relTol   = 1e-4
	floorTol = 1e-6
)

type fixture struct {
	LM struct {
		InputIDs [][]int32            `json:"input_ids"`
		Logits   []float64            `json:"logits"`
		Loss     float64              `json:"loss_mean_next_token_cross_entropy"`
		Grads    map[string][]float64 `json:"grads"`
	} `json:"lm"`
	DPO struct {
		Beta              float64              `json:"beta"`
		PromptLen         int                  `json:"prompt_len"`
		ChosenIDs         []int32              `json:"chosen_ids"`
		RejectedIDs       []int32              `json:"rejected_ids"`
		PolicyChosen      float64              `json:"policy_chosen_logp"`
		PolicyRejected    float64              `json:"policy_rejected_logp"`
		ReferenceChosen   float64              `json:"reference_chosen_logp"`
		ReferenceRejected float64              `json:"reference_rejected_logp"`
		Losses            map[string]float64   `json:"losses"`
		SigmoidGrads      map[string][]float64 `json:"sigmoid_loss_grads"`
	} `json:"dpo"`
}

// fixtureDir returns a PyTorch reference folder under ../shared/fixtures
// relative to the module root, or skips the test when it is absent.
func fixtureDir(t *testing.T, name string) string {
	return filepath.Dir(sharedtest.File(t, "fixtures/"+name+"/expected.json"))
}

func loadFixture(t *testing.T, name string) (dir string, fx fixture) {
	t.Helper()
	dir = fixtureDir(t, name)
	raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatalf("parse expected.json: %v", err)
	}
	return dir, fx
}

func loadModel(t *testing.T, path string) *gpt2.Model {
	t.Helper()
	m, err := gpt2.Load(path)
	if err != nil {
		t.Fatalf("Load(%s): %v", path, err)
	}
	return m
}

// assertClose checks got against want element by element with relTol and
// an absolute floor of floorTol times the largest |want|.
func assertClose[F float32 | float64](t *testing.T, name string, got []F, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", name, len(got), len(want))
	}
	var scale float64
	for _, w := range want {
		scale = max(scale, math.Abs(w))
	}
	bad := 0
	for i, w := range want {
		g := float64(got[i])
		if math.Abs(g-w) > relTol*math.Abs(w)+floorTol*scale {
			if bad < 5 {
				t.Errorf("%s[%d]: got %.8g, want %.8g", name, i, g, w)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d values outside tolerance", name, bad, len(want))
	}
}

func assertScalar(t *testing.T, name string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > relTol*math.Abs(want)+1e-9 {
		t.Errorf("%s: got %.10g, want %.10g", name, got, want)
	}
}

func paramByName(t *testing.T, m *gpt2.Model, name string) *gpt2.Param {
	t.Helper()
	for _, p := range m.Params() {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no parameter %s", name)
	return nil
}

var fixtureNames = []string{"gpt2-torch-tiny", "gpt2-torch-wide"}

func TestFixtureLanguageModel(t *testing.T) {
	for _, name := range fixtureNames {
		t.Run(name, func(t *testing.T) {
			dir, fx := loadFixture(t, name)
			m := loadModel(t, filepath.Join(dir, "policy.safetensors"))
			V := m.Config().VocabSize
			B, T := len(fx.LM.InputIDs), len(fx.LM.InputIDs[0])
			var ids []int32
			for _, row := range fx.LM.InputIDs {
				ids = append(ids, row...)
			}

			pass := m.Forward(ids, B, T, true)
			defer pass.Release()
			assertClose(t, "logits", pass.Logits, fx.LM.Logits)

			// Next-token targets: position t predicts token t+1; the last
			// position has no target.
			targets := make([]int32, B*T)
			for b := 0; b < B; b++ {
				for t := 0; t < T; t++ {
					targets[b*T+t] = -1
					if t+1 < T {
						targets[b*T+t] = ids[b*T+t+1]
					}
				}
			}
			dLogits := make([]float32, B*T*V)
			loss, _ := objective.CrossEntropy(pass.Logits, targets, V, dLogits)
			assertScalar(t, "loss", loss, fx.LM.Loss)

			m.ZeroGrad()
			pass.Backward(dLogits, nil)
			for pname, want := range fx.LM.Grads {
				assertClose(t, "grad "+pname, paramByName(t, m, pname).Grad, want)
			}
		})
	}
}

func TestFixtureDPO(t *testing.T) {
	for _, name := range fixtureNames {
		t.Run(name, func(t *testing.T) {
			dir, fx := loadFixture(t, name)
			policy := loadModel(t, filepath.Join(dir, "policy.safetensors"))
			reference := loadModel(t, filepath.Join(dir, "reference.safetensors"))
			d := fx.DPO
			V := policy.Config().VocabSize

			// Chosen and rejected right-padded into one batch of two.
			T := max(len(d.ChosenIDs), len(d.RejectedIDs))
			ids := make([]int32, 2*T)
			copy(ids, d.ChosenIDs)
			copy(ids[T:], d.RejectedIDs)
			prompts := []int{d.PromptLen, d.PromptLen}
			lengths := []int{len(d.ChosenIDs), len(d.RejectedIDs)}

			pass := policy.Forward(ids, 2, T, true)
			defer pass.Release()
			logp, grad := objective.CompletionLogProbs(pass.Logits, ids, 2, T, V, prompts, lengths)
			ref := reference.Forward(ids, 2, T, false)
			refLogp, _ := objective.CompletionLogProbs(ref.Logits, ids, 2, T, V, prompts, lengths)
			ref.Release()
			assertScalar(t, "policy chosen logp", logp[0], d.PolicyChosen)
			assertScalar(t, "policy rejected logp", logp[1], d.PolicyRejected)
			assertScalar(t, "reference chosen logp", refLogp[0], d.ReferenceChosen)
			assertScalar(t, "reference rejected logp", refLogp[1], d.ReferenceRejected)

			loss := objective.DPO{Loss: objective.Sigmoid, Beta: d.Beta}.Pair(logp[0], logp[1], refLogp[0], refLogp[1])
			assertScalar(t, "sigmoid loss", loss.Loss, d.Losses["sigmoid"])

			dLogits := make([]float32, 2*T*V)
			grad([]float64{loss.DChosen, loss.DRejected}, dLogits)
			policy.ZeroGrad()
			pass.Backward(dLogits, nil)
			for pname, want := range d.SigmoidGrads {
				assertClose(t, "sigmoid grad "+pname, paramByName(t, policy, pname).Grad, want)
			}
		})
	}
}
