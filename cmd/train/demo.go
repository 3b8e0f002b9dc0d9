package main

import (
	"context"
	"fmt"

	"github.com/pairwise/pairwise/internal/train/demotask"
)

// demoDataCommand writes the files of the demo task.
func demoDataCommand(_ context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "demo-data", "Write the demo task's files: a pretraining corpus, naive "+
		"fine-tuning rows, preference pairs that prefer the reply following the task's rule "+
		"(help with harmless requests, refuse harmful ones), held-out pairs and prompts, and "+
		"unlabelled pairs for the labeling server. The same seed gives the same bytes. "+
		"See the walkthrough in README.md.")
	def := demotask.DefaultOptions
	out := fs.String("out", "", "output `directory` (required; created when missing)")
	opts := def
	fs.Uint64Var(&opts.Seed, "seed", def.Seed, "random seed of the generated rows")
	fs.IntVar(&opts.CorpusDialogues, "corpus-dialogues", def.CorpusDialogues, "dialogues in the pretraining corpus")
	fs.IntVar(&opts.SFTRows, "sft-rows", def.SFTRows, "fine-tuning rows")
	fs.IntVar(&opts.PairRows, "pairs", def.PairRows, "training preference pairs")
	fs.IntVar(&opts.TestPrompts, "test-prompts", def.TestPrompts, "held-out prompts (and held-out pairs)")
	fs.IntVar(&opts.LabelPairs, "label-pairs", def.LabelPairs, "unlabelled pairs for the labeling server")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("missing --out")
	}
	if err := opts.Validate(); err != nil {
		return err
	}

	paths, err := demotask.Generate(*out, opts)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintln(e.stdout, p)
	}
	return nil
}
