package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pairwise/pairwise/internal/store/storetest"
	"github.com/pairwise/pairwise/internal/train/gpt2"
)

// runCmd runs the command line and returns stdout, stderr and the error.
func runCmd(t testing.TB, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// mustRun runs the command line and fails the test on an error.
func mustRun(t testing.TB, args ...string) string {
	t.Helper()
	out, errOut, err := runCmd(t, args...)
	if err != nil {
		t.Fatalf("train %s: %v\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

var (
	fixtureOnce sync.Once
	fixtureDir  string
	fixtureErr  error
)

// fixture returns a directory with a small corpus, preference and SFT
// files, and a tiny model pretrained on the corpus in "base".
func fixture(t testing.TB) string {
	t.Helper()
	fixtureOnce.Do(func() {
		fixtureDir, fixtureErr = os.MkdirTemp("", "train-cmd-")
		if fixtureErr != nil {
			return
		}
		fixtureErr = writeFixtures(fixtureDir)
		if fixtureErr != nil {
			return
		}
		var stdout, stderr bytes.Buffer
		fixtureErr = run(context.Background(), []string{"pretrain", "--data", filepath.Join(fixtureDir, "corpus.txt"),
			"--out", filepath.Join(fixtureDir, "base"), "--vocab-size", "300", "--n-layer", "1", "--n-embd", "32",
			"--n-head", "2", "--n-positions", "64", "--steps", "4", "--quiet"}, &stdout, &stderr)
		if fixtureErr != nil {
			fixtureErr = fmt.Errorf("%w\n%s", fixtureErr, stderr.String())
		}
	})
	if fixtureErr != nil {
		t.Fatal(fixtureErr)
	}
	return fixtureDir
}

func TestMain(m *testing.M) {
	code := storetest.Main(m)
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

// writeFixtures writes the data files of the tests.
func writeFixtures(dir string) error {
	words := []string{"apple", "berry", "cherry", "date", "elder", "fig", "grape", "hazel"}
	var corpus, prefs, sft strings.Builder
	for i := 0; i < 60; i++ {
		w := words[i%len(words)]
		fmt.Fprintf(&corpus, "%s and %s make a %s pie.\n\n", w, words[(i+3)%len(words)], w)
		row, _ := json.Marshal(map[string]any{
			"prompt":   []map[string]string{{"role": "user", "content": "Shout " + w}},
			"chosen":   []map[string]string{{"role": "assistant", "content": strings.ToUpper(w) + "!"}},
			"rejected": []map[string]string{{"role": "assistant", "content": w}},
			"margin":   0.5,
		})
		prefs.Write(append(row, '\n'))
		row, _ = json.Marshal(map[string]any{"prompt": "Shout " + w + ":", "completion": " " + strings.ToUpper(w) + "!"})
		sft.Write(append(row, '\n'))
	}
	for name, content := range map[string]string{
		"corpus.txt": corpus.String(), "prefs.jsonl": prefs.String(), "sft.jsonl": sft.String(),
		"prompts.txt": "Shout fig\nShout date\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// metricsRows reads metrics.jsonl of a run.
func metricsRows(t testing.TB, dir string) []map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	return rows
}

// checkRun checks the outputs of a training run: the loss fell, the model,
// tokenizer and checkpoint files exist, and the metrics have keys.
func checkRun(t *testing.T, out string, keys ...string) {
	t.Helper()
	rows := metricsRows(t, out)
	if len(rows) < 2 {
		t.Fatalf("metrics.jsonl has %d rows, want at least 2", len(rows))
	}
	first, last := rows[0]["loss"].(float64), rows[len(rows)-1]["loss"].(float64)
	if !(last < first) {
		t.Errorf("loss went from %v to %v, want a fall", first, last)
	}
	for _, k := range append([]string{"step", "epoch", "loss", "grad_norm", "learning_rate"}, keys...) {
		if _, ok := rows[len(rows)-1][k]; !ok {
			t.Errorf("last metrics row lacks %q: %v", k, rows[len(rows)-1])
		}
	}
	for _, f := range []string{"model.safetensors", "config.json", "tokenizer.json", "vocab.json", "merges.txt"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("output file: %v", err)
		}
	}
	matches, _ := filepath.Glob(filepath.Join(out, "checkpoint-*", "optimizer.safetensors"))
	if len(matches) != 1 {
		t.Errorf("found %d checkpoints with optimizer state, want 1", len(matches))
	}
}

func TestPretrainCommand(t *testing.T) {
	dir := fixture(t)
	out := filepath.Join(t.TempDir(), "pre")
	stdout := mustRun(t, "pretrain", "--data", filepath.Join(dir, "corpus.txt"), "--out", out,
		"--vocab-size", "300", "--n-layer", "1", "--n-embd", "32", "--n-head", "2", "--n-positions", "32",
		"--steps", "12", "--log-every", "2", "--lr", "3e-3", "--eval-split", "0.1")
	checkRun(t, out, "eval_loss", "eval_perplexity")
	if !strings.Contains(stdout, "step 12/12 [####################]") || !strings.Contains(stdout, "left") {
		t.Errorf("stdout lacks the progress line of step 12:\n%s", stdout)
	}
}

func TestSFTCommand(t *testing.T) {
	dir := fixture(t)
	out := filepath.Join(t.TempDir(), "sft")
	mustRun(t, "sft", "--model", filepath.Join(dir, "base"), "--data", filepath.Join(dir, "sft.jsonl"),
		"--out", out, "--steps", "10", "--log-every", "2", "--lr", "3e-3", "--eval-split", "0.2")
	checkRun(t, out, "eval_loss")
}

func TestRewardCommand(t *testing.T) {
	dir := fixture(t)
	out := filepath.Join(t.TempDir(), "rm")
	mustRun(t, "reward", "--model", filepath.Join(dir, "base"), "--data", filepath.Join(dir, "prefs.jsonl"),
		"--out", out, "--steps", "10", "--log-every", "2", "--lr", "3e-3", "--batch-size", "4", "--accum", "2",
		"--eval-split", "0.3")
	checkRun(t, out, "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins",
		"accuracy", "eval_accuracy", "eval_loss")

	stdout := mustRun(t, "eval", "--reward-model", out, "--data", filepath.Join(dir, "prefs.jsonl"))
	var m map[string]float64
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatalf("eval output %q: %v", stdout, err)
	}
	if m["pairs"] != 60 || m["accuracy"] < 0.5 {
		t.Errorf("eval %v, want 60 pairs and an accuracy of at least 0.5 after training", m)
	}
}

func TestDPOCommand(t *testing.T) {
	dir := fixture(t)
	base := filepath.Join(dir, "base")
	for _, loss := range []string{"sigmoid", "hinge", "ipo", "robust"} {
		t.Run(loss, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "dpo")
			mustRun(t, "dpo", "--model", base, "--data", filepath.Join(dir, "prefs.jsonl"), "--out", out,
				"--loss", loss, "--beta", "0.5", "--steps", "6", "--log-every", "2", "--lr", "2e-3",
				"--batch-size", "4", "--eval-split", "0.2")
			checkRun(t, out, "rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins",
				"logps/chosen", "logps/rejected", "eval_rewards/accuracies", "eval_logps/rejected")

			if loss != "sigmoid" {
				return
			}
			stdout := mustRun(t, "eval", "--policy", out, "--ref", base, "--data", filepath.Join(dir, "prefs.jsonl"),
				"--beta", "0.5")
			var m map[string]float64
			if err := json.Unmarshal([]byte(stdout), &m); err != nil {
				t.Fatalf("eval output %q: %v", stdout, err)
			}
			if m["rewards/margins"] <= 0 {
				t.Errorf("eval %v, want a positive margin after DPO", m)
			}
		})
	}
}

func TestResumeCommand(t *testing.T) {
	dir := fixture(t)
	args := func(out string, steps string) []string {
		return []string{"sft", "--model", filepath.Join(dir, "base"), "--data", filepath.Join(dir, "sft.jsonl"),
			"--out", out, "--steps", steps, "--log-every", "1", "--save-every", "2", "--quiet"}
	}
	out := filepath.Join(t.TempDir(), "sft")
	mustRun(t, args(out, "4")...)
	mustRun(t, append(args(out, "4"), "--resume")...)
	if rows := metricsRows(t, out); len(rows) != 4 {
		t.Errorf("resuming a finished run logged %d rows, want the 4 of the first run", len(rows))
	}
	_, _, err := runCmd(t, append(args(filepath.Join(t.TempDir(), "empty"), "4"), "--resume")...)
	if err == nil || !strings.Contains(err.Error(), "no checkpoint to resume") {
		t.Errorf("resume without a checkpoint: %v, want no checkpoint to resume", err)
	}
}

func TestGenerateCommand(t *testing.T) {
	dir := fixture(t)
	base := filepath.Join(dir, "base")
	a := mustRun(t, "generate", "--model", base, "--prompt", "Shout fig", "--chat", "--max-new-tokens", "5", "--seed", "3")
	b := mustRun(t, "generate", "--model", base, "--prompt", "Shout fig", "--chat", "--max-new-tokens", "5", "--seed", "3")
	if a != b {
		t.Errorf("same seed gave %q and %q", a, b)
	}

	out := filepath.Join(t.TempDir(), "gen.jsonl")
	mustRun(t, "generate", "--model", base, "--prompts", filepath.Join(dir, "prefs.jsonl"), "--n", "2",
		"--max-new-tokens", "4", "--top-k", "10", "--top-p", "0.9", "--temperature", "0.8", "--out", out)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 8 {
		t.Errorf("got %d rows, want one per distinct prompt (8)", len(lines))
	}
	var row struct {
		Prompt      []map[string]string `json:"prompt"`
		Completions []map[string]string `json:"completions"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &row); err != nil {
		t.Fatal(err)
	}
	if len(row.Completions) != 2 || row.Completions[0]["model"] != "base" || row.Prompt[0]["role"] != "user" {
		t.Errorf("row %s, want the prompt's messages and two completions by model base", lines[0])
	}
}

func TestGenerateEmptyPrompt(t *testing.T) {
	base := filepath.Join(fixture(t), "base")
	out := mustRun(t, "generate", "--model", base, "--prompt", "", "--max-new-tokens", "3", "--temperature", "0")
	if out == "" {
		t.Error("no output for an empty prompt, want one sample line")
	}
}

func TestEvalWinRateCommand(t *testing.T) {
	dir := fixture(t)
	rm := filepath.Join(t.TempDir(), "rm")
	mustRun(t, "reward", "--model", filepath.Join(dir, "base"), "--data", filepath.Join(dir, "prefs.jsonl"),
		"--out", rm, "--steps", "2", "--quiet")
	samples := filepath.Join(t.TempDir(), "samples.jsonl")
	stdout := mustRun(t, "eval", "--model-a", filepath.Join(dir, "base"), "--model-b", filepath.Join(dir, "base"),
		"--judge", rm, "--prompts", filepath.Join(dir, "prompts.txt"), "--max-new-tokens", "4", "--samples-out", samples)
	var res map[string]float64
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("eval output %q: %v", stdout, err)
	}
	if res["prompts"] != 2 || res["win_rate"] != 0.5 || res["ties"] != 2 {
		t.Errorf("a model against itself: %v, want 2 ties and a win rate of 0.5", res)
	}
	if _, err := os.Stat(samples); err != nil {
		t.Errorf("samples file: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	dir := fixture(t)
	base := filepath.Join(dir, "base")
	// A model of the same shape with a tokenizer trained on other text.
	other := filepath.Join(t.TempDir(), "other")
	otherCorpus := filepath.Join(t.TempDir(), "other.txt")
	var text strings.Builder
	for i := 0; i < 400; i++ {
		fmt.Fprintf(&text, "zebra %d quartz %d vixen %d.\n\n", i, i*7, i*13)
	}
	if err := os.WriteFile(otherCorpus, []byte(text.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "pretrain", "--data", otherCorpus, "--out", other,
		"--vocab-size", "300", "--n-layer", "1", "--n-embd", "32", "--n-head", "2", "--n-positions", "64",
		"--steps", "1", "--quiet")
	empty := filepath.Join(t.TempDir(), "empty.jsonl")
	os.WriteFile(empty, []byte(`{"prompt": "a", "chosen": "b", "rejected": "c"}`+"\n"+
		`{"prompt": "a", "chosen": "", "rejected": "c"}`+"\n"), 0o644)
	// The model without its tokenizer files.
	bare := t.TempDir()
	for _, f := range []string{"config.json", "model.safetensors"} {
		data, err := os.ReadFile(filepath.Join(base, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(bare, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The model with a NaN weight, as a diverged run would leave it.
	broken := t.TempDir()
	m, err := gpt2.Load(base)
	if err != nil {
		t.Fatal(err)
	}
	m.Params()[0].Data[5] = float32(math.NaN())
	if err := m.Save(broken); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(base, "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(broken, "tokenizer.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"model with NaN weights", []string{"generate", "--model", broken, "--prompt", "a"}, "contains NaN at index 5"},
		{"reference with NaN weights", []string{"dpo", "--model", base, "--ref", broken, "--data", filepath.Join(dir, "prefs.jsonl"), "--out", t.TempDir()}, "contains NaN at index 5"},
		{"model without tokenizer", []string{"eval", "--reward-model", bare, "--data", "d"}, "copy the model's tokenizer files into"},
		{"no command", nil, "missing command"},
		{"unknown command", []string{"fly"}, `unknown command "fly"`},
		{"missing data", []string{"sft", "--model", base, "--out", "x"}, "missing --data"},
		{"bad loss", []string{"dpo", "--model", base, "--data", "d", "--out", "x", "--loss", "square"}, `"square"`},
		{"bad beta", []string{"dpo", "--model", base, "--data", "d", "--out", "x", "--beta", "0"}, "beta"},
		{"bad lr", []string{"sft", "--model", base, "--data", filepath.Join(dir, "sft.jsonl"), "--out", t.TempDir(), "--lr", "-1"}, "invalid learning rate -1"},
		{"missing file", []string{"sft", "--model", base, "--data", filepath.Join(dir, "nope.jsonl"), "--out", t.TempDir()}, "nope.jsonl"},
		{"missing model", []string{"sft", "--model", filepath.Join(dir, "nope"), "--data", "d", "--out", "x"}, "nope"},
		{"empty completion", []string{"dpo", "--model", base, "--data", empty, "--out", t.TempDir()}, "empty.jsonl: line 2: the chosen completion is empty"},
		{"context too long", []string{"sft", "--model", base, "--data", filepath.Join(dir, "sft.jsonl"), "--out", t.TempDir(), "--context", "1000"}, "invalid context length 1000"},
		{"stray argument", []string{"sft", "--model", base, "file.jsonl"}, `unexpected argument "file.jsonl"`},
		{"both prompt flags", []string{"generate", "--model", base}, "exactly one of --prompt and --prompts"},
		{"bad top-p", []string{"generate", "--model", base, "--prompt", "a", "--top-p", "2"}, "invalid top-p 2"},
		{"eval without mode", []string{"eval", "--data", "d"}, "exactly one of"},
		{"vocab and tokenizer", []string{"pretrain", "--data", "d", "--out", "x", "--vocab-size", "300", "--tokenizer", base}, "either --tokenizer or --vocab-size"},
		{"shape of a loaded model", []string{"pretrain", "--model", base, "--data", filepath.Join(dir, "corpus.txt"), "--out", t.TempDir(), "--n-layer", "8"}, "--n-layer shapes a new model"},
		{"no model", []string{"generate", "--prompt", "a"}, "missing --model"},
		{"eval batch size", []string{"eval", "--reward-model", base, "--data", "d", "--batch-size", "0"}, "invalid --batch-size 0"},
		{"NaN learning rate", []string{"sft", "--model", base, "--data", filepath.Join(dir, "sft.jsonl"), "--out", t.TempDir(), "--lr", "NaN"}, "invalid learning rate NaN (--lr)"},
		{"resume without checkpoint", []string{"sft", "--model", base, "--data", filepath.Join(dir, "sft.jsonl"), "--out", filepath.Join(t.TempDir(), "none"), "--resume"}, "run without --resume"},
		{"reference with another tokenizer", []string{"dpo", "--model", base, "--ref", other, "--data", filepath.Join(dir, "prefs.jsonl"), "--out", t.TempDir()}, "the reference must use the policy's tokenizer"},
		{"data file as model", []string{"sft", "--model", filepath.Join(dir, "sft.jsonl"), "--data", "d", "--out", "x"}, "sft.jsonl is a file, not a model"},
		{"tokenizer of another model", []string{"sft", "--model", base, "--tokenizer", other, "--data", filepath.Join(dir, "sft.jsonl"), "--out", t.TempDir()}, "is not the tokenizer saved with the model"},
		{"top-p zero", []string{"generate", "--model", base, "--prompt", "a", "--top-p", "0"}, "--temperature 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := runCmd(t, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestStopFlagEscapes(t *testing.T) {
	cases := map[string]string{
		`\n\n`:   "\n\n",
		`a\tb`:   "a\tb",
		`a\\nb`:  `a\nb`,
		`plain`:  "plain",
		`end\\`:  `end\`,
		"\n":     "\n",
		`Human:`: "Human:",
	}
	for in, want := range cases {
		var s stringList
		if err := s.Set(in); err != nil {
			t.Fatal(err)
		}
		if s[0] != want {
			t.Errorf("--stop %q gave %q, want %q", in, s[0], want)
		}
	}
}

func TestErrorMessageInterrupted(t *testing.T) {
	if got := errorMessage(context.Canceled); got != "interrupted (SIGINT or SIGTERM)" {
		t.Errorf("message for a bare cancellation is %q", got)
	}
	wrapped := fmt.Errorf("training stopped at step 3: %w", context.Canceled)
	if got := errorMessage(wrapped); got != wrapped.Error() {
		t.Errorf("message for %q is %q, want it unchanged", wrapped, got)
	}
}

func TestGenerateChatPromptsFile(t *testing.T) {
	dir := fixture(t)
	out := filepath.Join(t.TempDir(), "gen.jsonl")
	mustRun(t, "generate", "--model", filepath.Join(dir, "base"), "--prompts", filepath.Join(dir, "prompts.txt"),
		"--chat", "--max-new-tokens", "2", "--out", out)
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var row struct {
		Prompt []map[string]string `json:"prompt"`
	}
	line, _, _ := strings.Cut(string(data), "\n")
	if err := json.Unmarshal([]byte(line), &row); err != nil {
		t.Fatalf("row %s: want the prompt as a list of messages: %v", line, err)
	}
	if len(row.Prompt) != 1 || row.Prompt[0]["role"] != "user" || row.Prompt[0]["content"] != "Shout fig" {
		t.Errorf("prompt %v, want one user message Shout fig", row.Prompt)
	}
}
