package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/train/demotask"
)

// TestDemoWalkthrough runs the README's demo sequence on a tiny
// configuration: demo-data, pretrain with a new tokenizer, sft, reward,
// dpo and judge.
func TestDemoWalkthrough(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "demo")
	runs := filepath.Join(dir, "runs")
	file := func(name string) string { return filepath.Join(data, name) }
	run := func(name string) string { return filepath.Join(runs, name) }

	out := mustRun(t, "demo-data", "--out", data, "--seed", "3", "--corpus-dialogues", "150",
		"--sft-rows", "40", "--pairs", "32", "--test-prompts", "6", "--label-pairs", "4")
	for _, name := range []string{demotask.CorpusFile, demotask.SFTFile, demotask.PreferencesFile,
		demotask.PreferencesTestFile, demotask.PromptsTestFile, demotask.LabelPairsFile} {
		if !strings.Contains(out, file(name)) {
			t.Errorf("demo-data output does not list %s:\n%s", name, out)
		}
		if info, err := os.Stat(file(name)); err != nil || info.Size() == 0 {
			t.Errorf("demo file %s is missing or empty (%v)", name, err)
		}
	}

	steps := []struct {
		name string
		args []string
	}{
		{"base", []string{"pretrain", "--data", file(demotask.CorpusFile), "--vocab-size", "300",
			"--n-layer", "1", "--n-embd", "32", "--n-head", "2", "--n-positions", "96"}},
		{"sft", []string{"sft", "--model", run("base"), "--data", file(demotask.SFTFile)}},
		{"reward", []string{"reward", "--model", run("sft"), "--data", file(demotask.PreferencesFile),
			"--eval-file", file(demotask.PreferencesTestFile)}},
		{"dpo", []string{"dpo", "--model", run("sft"), "--data", file(demotask.PreferencesFile),
			"--eval-file", file(demotask.PreferencesTestFile)}},
	}
	for _, s := range steps {
		args := append(s.args, "--out", run(s.name), "--steps", "2", "--batch-size", "4", "--quiet")
		mustRun(t, args...)
		checkModelDir(t, run(s.name))
	}

	samples := filepath.Join(runs, "judge.jsonl")
	out = mustRun(t, "judge", "--aligned", run("dpo"), "--reference", run("sft"),
		"--prompts", file(demotask.PromptsTestFile), "--max-new-tokens", "24", "--samples-out", samples)
	var tally demotask.Tally
	if err := json.Unmarshal([]byte(out), &tally); err != nil {
		t.Fatalf("judge output is not a tally: %v\n%s", err, out)
	}
	if tally.Prompts != 6 {
		t.Errorf("judge counted %d prompts, want 6", tally.Prompts)
	}
	if got := tally.Wins + tally.Ties + tally.Losses; got != tally.Prompts {
		t.Errorf("wins + ties + losses = %d, want %d", got, tally.Prompts)
	}
	if tally.WinRate < 0 || tally.WinRate > 1 {
		t.Errorf("win rate %v outside [0, 1]", tally.WinRate)
	}
	if lines := countLines(t, samples); lines != 6 {
		t.Errorf("samples file has %d lines, want 6", lines)
	}
}

// checkModelDir fails the test when dir lacks a saved model.
func checkModelDir(t *testing.T, dir string) {
	t.Helper()
	for _, name := range []string{"model.safetensors", "config.json", "tokenizer.json", "metrics.jsonl"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: %v", dir, err)
		}
	}
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(data), "\n")
}

func TestJudgeSameSeedSameReplies(t *testing.T) {
	dir := fixture(t)
	prompts := filepath.Join(t.TempDir(), "prompts.jsonl")
	r := demotask.AllRequests()[0]
	row, _ := json.Marshal(map[string]string{"prompt": r.Prompt()})
	if err := os.WriteFile(prompts, append(row, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}

	// A model judged against itself draws the same reply with the same
	// prompt seed, so every prompt is a tie.
	base := filepath.Join(dir, "base")
	out := mustRun(t, "judge", "--aligned", base, "--reference", base, "--prompts", prompts,
		"--max-new-tokens", "16")
	var tally demotask.Tally
	if err := json.Unmarshal([]byte(out), &tally); err != nil {
		t.Fatal(err)
	}
	if tally.Ties != 1 || tally.WinRate != 0.5 {
		t.Errorf("model against itself: %s, want 1 tie and win rate 0.5", tally.String())
	}
	if tally.DecidedWinRate != nil {
		t.Errorf("decided win rate = %v, want null without decided prompts", *tally.DecidedWinRate)
	}
}

func TestJudgeBadInput(t *testing.T) {
	dir := fixture(t)
	base := filepath.Join(dir, "base")
	notDemo := filepath.Join(t.TempDir(), "prompts.jsonl")
	if err := os.WriteFile(notDemo, []byte(`{"prompt": "User: How do I fly?\nAssistant:"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no aligned", []string{"judge", "--reference", base, "--prompts", notDemo}, "missing --aligned"},
		{"no reference", []string{"judge", "--aligned", base, "--prompts", notDemo}, "missing --reference"},
		{"no prompts", []string{"judge", "--aligned", base, "--reference", base}, "missing --prompts"},
		{"not a demo prompt", []string{"judge", "--aligned", base, "--reference", base, "--prompts", notDemo,
			"--max-new-tokens", "2"}, "asks no request of the demo task"},
		{"reply longer than the context", []string{"judge", "--aligned", base, "--reference", base,
			"--prompts", notDemo, "--max-new-tokens", "64"}, "exceeds the model's n_positions 64"},
		{"demo-data without out", []string{"demo-data"}, "missing --out"},
		{"demo-data zero rows", []string{"demo-data", "--out", t.TempDir(), "--sft-rows", "0"},
			"invalid number of fine-tuning rows 0"},
		{"bench unknown preset", []string{"bench", "--preset", "huge"}, `unknown --preset "huge"`},
		{"bench zero steps", []string{"bench", "--steps", "0"}, "invalid --steps 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := runCmd(t, c.args...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("train %s: error %v, want one containing %q", strings.Join(c.args, " "), err, c.want)
			}
		})
	}
}
