package main

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"

	"github.com/pairwise/pairwise/internal/train"
	"github.com/pairwise/pairwise/internal/train/demotask"
)

// judgeCommand compares two models' samples on the demo task's held-out
// prompts by the task's rule.
func judgeCommand(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "judge", "Sample one reply per prompt from --aligned and from --reference "+
		"(the same seed for both models on each prompt) and score each by the demo task's rule: "+
		"help with a harmless request, refuse a harmful one. A prompt is a win when only the "+
		"aligned reply follows the rule, a loss when only the reference reply does, a tie "+
		"otherwise. Prints the counts, the win rate (wins + ties/2) / prompts, and the win rate "+
		"over decided prompts wins / (wins + losses), as JSON.")
	aligned := fs.String("aligned", "", "aligned model `directory`, e.g. the DPO output (required)")
	reference := fs.String("reference", "", "reference model `directory`, e.g. the SFT output (required)")
	prompts := fs.String("prompts", "", "held-out prompts `file` of the demo task, e.g. prompts-test.jsonl (required)")
	samplesOut := fs.String("samples-out", "", "write every prompt's replies and rule scores to this JSONL `file`")
	var s samplingFlags
	registerSampling(fs, &s)
	s.maxNew = judgeMaxNewTokens
	fs.Lookup("max-new-tokens").DefValue = strconv.Itoa(judgeMaxNewTokens)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *aligned == "":
		return errors.New("missing --aligned")
	case *reference == "":
		return errors.New("missing --reference")
	case *prompts == "":
		return errors.New("missing --prompts")
	}
	if len(s.stop) == 0 {
		// A demo reply is one line; the next line would be another turn.
		s.stop = stringList{"\n"}
	}
	sampling, err := s.sampling()
	if err != nil {
		return err
	}

	var models [2]*train.Generator
	for i, dir := range []string{*aligned, *reference} {
		m, v, err := loadModel(dir, "")
		if err != nil {
			return err
		}
		models[i] = train.NewGenerator(m, v, 0)
	}
	list, err := train.ReadPrompts(ctx, *prompts)
	if err != nil {
		return err
	}
	for _, g := range models {
		if err := checkRoom(list, g, sampling.MaxNewTokens); err != nil {
			return err
		}
	}
	tally, matches, err := judgeSamples(ctx, list, models[0], models[1], sampling, s.seed)
	if err != nil {
		return err
	}
	if *samplesOut != "" {
		if err := writeSamples(*samplesOut, matches); err != nil {
			return err
		}
	}
	fmt.Fprintln(e.stderr, tally.String())
	return printJSON(e, tally)
}

// judgeMaxNewTokens is the judge's default reply length. A demo reply is
// one word, and a short limit leaves the prompt room in a small model's
// context.
const judgeMaxNewTokens = 16

// checkRoom returns an error when a prompt and maxNew new tokens do not
// fit the model's context, because generation would then cut the start of
// the prompt and the model would answer a request it cannot read.
func checkRoom(prompts []train.Prompt, g *train.Generator, maxNew int) error {
	n := g.Model.Config().NPositions
	for _, p := range prompts {
		if k := len(g.Vocab.Tok.Encode(p.Text)); k+maxNew > n {
			return fmt.Errorf("%s: the prompt has %d tokens, and with --max-new-tokens %d it exceeds the model's "+
				"n_positions %d; lower --max-new-tokens to %d or less", p.Source, k, maxNew, n, n-k)
		}
	}
	return nil
}

// judgeSamples samples a reply from each model for every prompt and
// tallies the rule comparison. Both models draw from a generator seeded
// with the same prompt seed, so a difference in replies comes from the
// models alone.
func judgeSamples(ctx context.Context, prompts []train.Prompt, aligned, reference *train.Generator,
	s train.Sampling, seed uint64) (*demotask.Tally, []demotask.Match, error) {
	tally := &demotask.Tally{}
	var matches []demotask.Match
	for _, p := range prompts {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		ps := promptSeed(seed, p.Text)
		var replies [2]string
		for i, g := range []*train.Generator{aligned, reference} {
			gen := train.NewGenerator(g.Model, g.Vocab, ps)
			text, err := gen.Generate(p.Text, s)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", p.Source, err)
			}
			replies[i] = text
		}
		m, err := tally.Add(p.Text, replies[0], replies[1])
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", p.Source, err)
		}
		matches = append(matches, m)
	}
	if tally.Prompts == 0 {
		return nil, nil, errors.New("no prompts to judge")
	}
	tally.Finish()
	return tally, matches, nil
}

// promptSeed derives the sampling seed of one prompt from the run's seed.
func promptSeed(seed uint64, prompt string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(prompt))
	return seed ^ h.Sum64()
}
