package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/train"
)

// userTurn returns a conversation of one user message.
func userTurn(text string) labeling.Conversation {
	return labeling.Conversation{{Role: labeling.RoleUser, Content: text}}
}

// evalCommand measures a reward model, a DPO policy or a win rate.
func evalCommand(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "eval", "Evaluate on held-out data and print the metrics as JSON. One of:\n"+
		"  --reward-model DIR --data FILE            preference accuracy of a reward model\n"+
		"  --policy DIR --ref DIR --data FILE        accuracy of a DPO policy's implicit reward\n"+
		"  --model-a DIR --model-b DIR --judge DIR --prompts FILE\n"+
		"                                            win rate of A's samples over B's, scored by a reward model")
	rm := fs.String("reward-model", "", "reward model `directory`")
	policy := fs.String("policy", "", "DPO policy `directory`")
	ref := fs.String("ref", "", "reference model `directory` of the policy (required with --policy)")
	data := fs.String("data", "", "preference `file` for --reward-model and --policy")
	modelA := fs.String("model-a", "", "first model `directory` of a win-rate comparison")
	modelB := fs.String("model-b", "", "second model `directory` of a win-rate comparison")
	judge := fs.String("judge", "", "reward model `directory` that scores the samples")
	prompts := fs.String("prompts", "", "prompts `file` for the win rate")
	samplesOut := fs.String("samples-out", "", "write every prompt's samples and scores to this JSONL `file`")
	batch := fs.Int("batch-size", 8, "pairs per forward pass")
	skipEmpty := fs.Bool("skip-empty", false, "skip rows with an empty completion instead of stopping with an error")
	contextLen := fs.Int("context", 0, "maximum sequence length in `tokens`; 0 uses the model's n_positions")
	var d dpoFlags
	d.register(fs)
	var s samplingFlags
	registerSampling(fs, &s)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *batch < 1 {
		return fmt.Errorf("invalid --batch-size %d: want at least 1", *batch)
	}
	data2 := train.EvalData{File: *data, Context: *contextLen, BatchSize: *batch, SkipEmpty: *skipEmpty}

	modes := 0
	for _, set := range []bool{*rm != "", *policy != "", *modelA != "" || *modelB != ""} {
		if set {
			modes++
		}
	}
	if modes != 1 {
		return errors.New("give exactly one of --reward-model, --policy, or --model-a with --model-b")
	}
	switch {
	case *rm != "":
		return evalReward(ctx, e, *rm, data2)
	case *policy != "":
		return evalPolicy(ctx, e, *policy, *ref, d, data2)
	}
	return evalWinRate(ctx, e, winRateArgs{a: *modelA, b: *modelB, judge: *judge,
		prompts: *prompts, samplesOut: *samplesOut, sampling: s})
}

// evalReward prints a reward model's held-out metrics.
func evalReward(ctx context.Context, e *env, dir string, d train.EvalData) error {
	if d.File == "" {
		return errors.New("missing --data")
	}
	m, vocab, err := loadModel(dir, "")
	if err != nil {
		return err
	}
	metrics, cut, err := train.EvalReward(ctx, d, m, vocab)
	if err != nil {
		return err
	}
	return printJSON(e, withCut(metrics, cut))
}

// evalPolicy prints a DPO policy's held-out metrics against its reference.
func evalPolicy(ctx context.Context, e *env, dir, refDir string, d dpoFlags, data train.EvalData) error {
	if data.File == "" {
		return errors.New("missing --data")
	}
	if refDir == "" {
		return errors.New("missing --ref: the implicit reward compares the policy with its reference model")
	}
	obj, err := d.objective()
	if err != nil {
		return err
	}
	policy, vocab, err := loadModel(dir, "")
	if err != nil {
		return err
	}
	ref, err := loadReference(refDir, vocab)
	if err != nil {
		return err
	}
	metrics, cut, err := train.EvalDPO(ctx, data, obj, policy, ref, vocab)
	if err != nil {
		return err
	}
	return printJSON(e, withCut(metrics, cut))
}

// winRateArgs are the settings of a win-rate comparison.
type winRateArgs struct {
	a, b, judge, prompts, samplesOut string
	sampling                         samplingFlags
}

// evalWinRate prints the win rate of model A's samples over model B's.
func evalWinRate(ctx context.Context, e *env, w winRateArgs) error {
	switch {
	case w.a == "" || w.b == "":
		return errors.New("a win rate needs both --model-a and --model-b")
	case w.judge == "":
		return errors.New("missing --judge, the reward model that scores the samples")
	case w.prompts == "":
		return errors.New("missing --prompts")
	}
	sampling, err := w.sampling.sampling()
	if err != nil {
		return err
	}

	var cs [2]train.Contestant
	for i, dir := range []string{w.a, w.b} {
		m, v, err := loadModel(dir, "")
		if err != nil {
			return err
		}
		cs[i] = train.Contestant{Name: filepath.Base(filepath.Clean(modelDir(dir))), Model: m, Vocab: v}
	}
	judge, judgeVocab, err := loadModel(w.judge, "")
	if err != nil {
		return err
	}
	list, err := train.ReadPrompts(ctx, w.prompts)
	if err != nil {
		return err
	}

	res, err := train.CompareSamples(ctx, list, cs[0], cs[1], judge, judgeVocab, sampling, w.sampling.seed)
	if err != nil {
		return err
	}
	if w.samplesOut != "" {
		if err := writeSamples(w.samplesOut, res.Samples); err != nil {
			return err
		}
	}
	return printJSON(e, res)
}

// writeSamples writes rows, such as win-rate samples or judged replies,
// to path as JSON lines.
func writeSamples[Row any](path string, rows []Row) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create samples file: %w", err)
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, row := range rows {
		if err := enc.Encode(row); err != nil {
			f.Close()
			return fmt.Errorf("write samples: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write samples: %w", err)
	}
	return f.Close()
}

// withCut adds the truncation counts to metrics and returns them ready
// for JSON, with null for a NaN or infinite value, which JSON cannot
// encode.
func withCut(m train.Metrics, cut train.Truncation) map[string]any {
	out := make(map[string]any, len(m)+2)
	for k, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			out[k] = nil
		} else {
			out[k] = v
		}
	}
	out["rows_prompt_cut"] = cut.PromptsCut
	out["rows_completion_cut"] = cut.CompletionsCut
	return out
}

// printJSON writes v to stdout as indented JSON.
func printJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
