package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/pairwise/pairwise/internal/train"
	"github.com/pairwise/pairwise/internal/train/gpt2"
)

// newFlagSet returns a flag set that reports errors instead of exiting,
// with usage text naming the command.
func newFlagSet(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: train %s [flags]\n\n%s\n\nflags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and rejects positional arguments, which are
// always a mistake here (every file is named by a flag).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: name files with flags (see train %s -h)",
			fs.Arg(0), fs.Name())
	}
	return nil
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

// trainFlags are the flags every training subcommand takes.
type trainFlags struct {
	data, evalFile, out            string
	evalSplit                      float64
	lr, weightDecay, maxGradNorm   float64
	batch, accum, epochs, steps    int
	warmup, context                int
	seed                           uint64
	logEvery, evalEvery, saveEvery int
	resume, quiet, skipEmpty       bool
}

// register adds the training flags to fs with the command's default
// learning rate.
func (f *trainFlags) register(fs *flag.FlagSet, lr float64) {
	fs.StringVar(&f.data, "data", "", "training data `file` (required)")
	fs.StringVar(&f.evalFile, "eval-file", "", "held-out data `file`; overrides --eval-split")
	fs.Float64Var(&f.evalSplit, "eval-split", 0, "`fraction` of the training rows held out for evaluation, chosen by a hash of the prompt")
	fs.StringVar(&f.out, "out", "", "output `directory` for the model, checkpoints and metrics.jsonl (required)")
	fs.Float64Var(&f.lr, "lr", lr, "peak learning `rate`")
	fs.IntVar(&f.batch, "batch-size", 8, "sequences (pairs for reward and dpo) per micro-batch")
	fs.IntVar(&f.accum, "accum", 1, "micro-batches accumulated per optimizer step")
	fs.IntVar(&f.epochs, "epochs", 1, "passes over the training data")
	fs.IntVar(&f.steps, "steps", 0, "optimizer steps; overrides --epochs when positive")
	fs.IntVar(&f.warmup, "warmup", 0, "linear warmup `steps` before the cosine decay")
	fs.Float64Var(&f.weightDecay, "weight-decay", 0.01, "AdamW decoupled weight decay on weight matrices")
	fs.Float64Var(&f.maxGradNorm, "max-grad-norm", 1, "clip the global gradient norm to this value; 0 disables clipping")
	fs.IntVar(&f.context, "context", 0, "maximum sequence length in `tokens`; 0 uses the model's n_positions")
	fs.Uint64Var(&f.seed, "seed", 42, "random seed for the data order and the initialisation")
	fs.IntVar(&f.logEvery, "log-every", 10, "optimizer `steps` between metric lines")
	fs.IntVar(&f.evalEvery, "eval-every", 0, "`steps` between held-out evaluations; 0 evaluates at the end only")
	fs.IntVar(&f.saveEvery, "save-every", 0, "`steps` between checkpoints; 0 saves at the end only")
	fs.BoolVar(&f.resume, "resume", false, "continue from the latest checkpoint in --out")
	fs.BoolVar(&f.quiet, "quiet", false, "do not print a line per logging step")
	fs.BoolVar(&f.skipEmpty, "skip-empty", false, "skip rows with an empty completion instead of stopping with an error")
}

// check returns an error for missing required flags.
func (f *trainFlags) check() error {
	var missing []string
	if f.data == "" {
		missing = append(missing, "--data")
	}
	if f.out == "" {
		missing = append(missing, "--out")
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, " and "))
	}
	return nil
}

// config returns the run settings.
func (f *trainFlags) config(e *env) train.Config {
	cfg := train.Config{
		OutDir: f.out, LR: f.lr, Warmup: f.warmup, WeightDecay: f.weightDecay,
		MaxGradNorm: f.maxGradNorm, BatchSize: f.batch, Accum: f.accum, Epochs: f.epochs,
		MaxSteps: f.steps, Seed: f.seed, LogEvery: f.logEvery, EvalEvery: f.evalEvery,
		SaveEvery: f.saveEvery, Resume: f.resume, Terminal: e.stdout, Log: e.log,
	}
	if f.quiet {
		cfg.Terminal = nil
	}
	return cfg
}

// dataConfig returns the data settings.
func (f *trainFlags) dataConfig() train.Data {
	return train.Data{TrainFile: f.data, EvalFile: f.evalFile, EvalSplit: f.evalSplit,
		Context: f.context, SkipEmpty: f.skipEmpty}
}

// loadModel loads a model directory with its tokenizer: the one in
// tokenizerPath, or else the one saved beside the model.
func loadModel(path, tokenizerPath string) (*gpt2.Model, train.Vocab, error) {
	if path == "" {
		return nil, train.Vocab{}, errors.New("missing --model: name a model directory " +
			"(config.json and model.safetensors, as train saves them)")
	}
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() && !strings.HasSuffix(path, ".safetensors") {
		return nil, train.Vocab{}, fmt.Errorf("%s is a file, not a model: name a model directory "+
			"(config.json and model.safetensors) or its .safetensors file", path)
	}
	m, err := gpt2.Load(path)
	if err != nil {
		return nil, train.Vocab{}, err
	}
	if err := train.CheckWeights(m); err != nil {
		return nil, train.Vocab{}, fmt.Errorf("%s: %w; the model comes from a diverged run, so use another", path, err)
	}
	if tokenizerPath == "" {
		tokenizerPath = modelDir(path)
	} else if own, err := train.LoadVocab(modelDir(path)); err == nil {
		// A tokenizer saved beside the model is the one it was trained
		// with, so another one given by --tokenizer is a mistake.
		named, err := train.LoadVocab(tokenizerPath)
		if err != nil {
			return nil, train.Vocab{}, err
		}
		if err := own.Matches(named); err != nil {
			return nil, train.Vocab{}, fmt.Errorf("--tokenizer %s is not the tokenizer saved with the model in %s (%w); "+
				"drop --tokenizer", tokenizerPath, modelDir(path), err)
		}
	}
	v, err := train.LoadVocab(tokenizerPath)
	if err != nil {
		return nil, train.Vocab{}, fmt.Errorf("%w; copy the model's tokenizer files into %s, or name them "+
			"with --tokenizer (pretrain, sft, reward, dpo and generate take it)", err, modelDir(path))
	}
	if err := v.Fits(m); err != nil {
		return nil, train.Vocab{}, fmt.Errorf("%s: %w", path, err)
	}
	return m, v, nil
}

// loadReference loads the reference model of a DPO policy whose tokenizer
// is vocab. When the reference directory has a tokenizer of its own, it
// must be the same, because the policy's token ids are scored by both
// models.
func loadReference(path string, vocab train.Vocab) (*gpt2.Model, error) {
	ref, err := gpt2.Load(path)
	if err != nil {
		return nil, fmt.Errorf("--ref: %w", err)
	}
	if err := vocab.Fits(ref); err != nil {
		return nil, fmt.Errorf("--ref %s: %w", path, err)
	}
	if err := train.CheckWeights(ref); err != nil {
		return nil, fmt.Errorf("--ref %s: %w; the model comes from a diverged run, so use another", path, err)
	}
	if own, err := train.LoadVocab(modelDir(path)); err == nil {
		if err := vocab.Matches(own); err != nil {
			return nil, fmt.Errorf("--ref %s: %w; the reference must use the policy's tokenizer", path, err)
		}
	}
	return ref, nil
}

// modelDir returns the directory of a model path, which names a directory
// or a .safetensors file.
func modelDir(path string) string {
	if strings.HasSuffix(path, ".safetensors") {
		if i := strings.LastIndexAny(path, `/\`); i >= 0 {
			return path[:i]
		}
		return "."
	}
	return path
}

// printSummary writes the end of a run.
func printSummary(e *env, sum train.Summary) {
	if sum.AlreadyFinished {
		fmt.Fprintf(e.stdout, "the run had already finished all %d steps; the model is in %s "+
			"(to train it further, start a new run with --model %s and another --out)\n",
			sum.Steps, sum.OutDir, sum.OutDir)
		return
	}
	fmt.Fprintf(e.stdout, "trained %d steps; model saved to %s\n", sum.Steps, sum.OutDir)
	if c := sum.Truncated; c.PromptsCut > 0 || c.CompletionsCut > 0 {
		fmt.Fprintf(e.stdout, "truncated to the context: %d of %d training rows lost the start of their prompt, "+
			"%d had a completion longer than the context\n", c.PromptsCut, c.Rows, c.CompletionsCut)
	}
	for _, k := range []string{"eval_loss", "eval_accuracy", "eval_rewards/accuracies", "eval_rewards/margins", "eval_perplexity"} {
		if v, ok := sum.Eval[k]; ok {
			fmt.Fprintf(e.stdout, "%s %.4f\n", k, v)
		}
	}
}
