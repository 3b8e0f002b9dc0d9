package train

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/train/objective"
)

func TestSFTLossFalls(t *testing.T) {
	dir := t.TempDir()
	var rows []map[string]any
	for _, r := range preferenceRows(16) {
		rows = append(rows, map[string]any{"prompt": r["prompt"], "completion": r["chosen"]})
	}
	path := writeJSONL(t, dir, "sft.jsonl", rows)

	cfg := testConfig(filepath.Join(dir, "out"), 12)
	cfg.EvalEvery = 5
	sum, err := SFT(context.Background(), cfg, Data{TrainFile: path, EvalSplit: 0.25}, tinyModel(t, 1), byteVocab())
	if err != nil {
		t.Fatal(err)
	}
	metrics := readMetrics(t, cfg.OutDir)
	if len(metrics) != 12 {
		t.Fatalf("got %d metric rows, want 12", len(metrics))
	}
	first, last := metrics[0]["loss"].(float64), metrics[len(metrics)-1]["loss"].(float64)
	if !(last < first) {
		t.Errorf("loss went from %v to %v, want a fall", first, last)
	}
	for _, f := range []string{"model.safetensors", "config.json"} {
		if _, err := os.Stat(filepath.Join(cfg.OutDir, f)); err != nil {
			t.Errorf("output %s: %v", f, err)
		}
	}
	if sum.Steps != 12 {
		t.Errorf("steps %d, want 12", sum.Steps)
	}
	for i, row := range metrics {
		_, hasEval := row["eval_loss"]
		if want := i+1 == 5 || i+1 == 10 || i+1 == 12; hasEval != want {
			t.Errorf("step %d: eval_loss present %v, want %v", i+1, hasEval, want)
		}
	}
}

// checkKeys fails when a metrics row lacks one of keys.
func checkKeys(t *testing.T, row map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := row[k]; !ok {
			t.Errorf("metrics row lacks %q: %v", k, row)
		}
	}
}

func TestRewardLossFalls(t *testing.T) {
	dir := t.TempDir()
	rows := preferenceRows(24)
	for i, r := range rows {
		r["margin"] = float64(i%2) * 0.5
	}
	path := writeJSONL(t, dir, "prefs.jsonl", rows)
	evalPath := writeJSONL(t, dir, "eval.jsonl", preferenceRows(8))

	cfg := testConfig(filepath.Join(dir, "out"), 15)
	model := tinyModel(t, 1)
	_, err := Reward(context.Background(), cfg, Data{TrainFile: path, EvalFile: evalPath}, model, byteVocab())
	if err != nil {
		t.Fatal(err)
	}
	if model.ScoreHead() == nil {
		t.Fatal("reward model has no score head")
	}
	metrics := readMetrics(t, cfg.OutDir)
	first, last := metrics[0]["loss"].(float64), metrics[len(metrics)-1]["loss"].(float64)
	if !(last < first) {
		t.Errorf("loss went from %v to %v, want a fall", first, last)
	}
	checkKeys(t, metrics[0], "loss", "grad_norm", "learning_rate", "rewards/chosen",
		"rewards/rejected", "rewards/accuracies", "rewards/margins", "accuracy", "step", "epoch")
	checkKeys(t, metrics[len(metrics)-1], "eval_loss", "eval_accuracy", "eval_rewards/margins")
}

func TestDPOLossFalls(t *testing.T) {
	for _, loss := range []objective.LossType{objective.Sigmoid, objective.Hinge, objective.IPO, objective.Robust} {
		t.Run(string(loss), func(t *testing.T) {
			dir := t.TempDir()
			path := writeJSONL(t, dir, "prefs.jsonl", preferenceRows(16))
			cfg := testConfig(filepath.Join(dir, "out"), 10)
			cfg.LR = 1e-3
			policy := tinyModel(t, 1)
			ref := policy.Clone()
			dpo := objective.DPO{Loss: loss, Beta: 0.1}
			if loss == objective.Robust {
				dpo.LabelSmoothing = 0.1
			}
			_, err := DPO(context.Background(), cfg, dpo, Data{TrainFile: path, EvalSplit: 0.25}, policy, ref, byteVocab())
			if err != nil {
				t.Fatal(err)
			}
			metrics := readMetrics(t, cfg.OutDir)
			first, last := metrics[0]["loss"].(float64), metrics[len(metrics)-1]["loss"].(float64)
			if !(last < first) {
				t.Errorf("loss went from %v to %v, want a fall", first, last)
			}
			checkKeys(t, metrics[0], "loss", "grad_norm", "learning_rate", "rewards/chosen",
				"rewards/rejected", "rewards/accuracies", "rewards/margins", "logps/chosen", "logps/rejected")
			checkKeys(t, metrics[len(metrics)-1], "eval_loss", "eval_rewards/accuracies", "eval_logps/chosen")
			// At step one the policy equals the reference, so the sigmoid
			// loss is log 2 and the rewards are zero.
			if loss == objective.Sigmoid && math.Abs(first-math.Log(2)) > 1e-3 {
				t.Errorf("first sigmoid loss %v, want log 2", first)
			}
		})
	}
}

func TestPretrainLossFalls(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	for i := 0; i < 40; i++ {
		b.WriteString("the quick brown fox jumps over the lazy dog.\n\n")
	}
	path := writeFile(t, dir, "corpus.txt", b.String())
	cfg := testConfig(filepath.Join(dir, "out"), 12)
	_, err := Pretrain(context.Background(), cfg, Data{TrainFile: path, EvalSplit: 0.1, Context: 32},
		tinyModel(t, 1), byteVocab())
	if err != nil {
		t.Fatal(err)
	}
	metrics := readMetrics(t, cfg.OutDir)
	first, last := metrics[0]["loss"].(float64), metrics[len(metrics)-1]["loss"].(float64)
	if !(last < first) {
		t.Errorf("loss went from %v to %v, want a fall", first, last)
	}
	checkKeys(t, metrics[len(metrics)-1], "eval_loss", "eval_perplexity")
}

func TestConfigValidate(t *testing.T) {
	good := testConfig("out", 1)
	if err := good.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	cases := map[string]func(*Config){
		"learning rate": func(c *Config) { c.LR = 0 },
		"batch size":    func(c *Config) { c.BatchSize = 0 },
		"accumulation":  func(c *Config) { c.Accum = 0 },
		"weight decay":  func(c *Config) { c.WeightDecay = -1 },
		"no output":     func(c *Config) { c.OutDir = "" },
		"no length":     func(c *Config) { c.Epochs, c.MaxSteps = 0, 0 },
	}
	for name, mutate := range cases {
		c := good
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", name, c)
		}
	}
}
