package train

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"slices"

	"github.com/pairwise/pairwise/internal/train/gpt2"
	"github.com/pairwise/pairwise/internal/train/objective"
)

// Vocab is the tokenizer of a run with its end-of-text id and a way to
// save it beside the model.
type Vocab struct {
	Tok  Tokenizer
	EOS  int32
	Size int // number of token ids
	Save func(dir string) error
}

// Data names the training file and the held-out data of a run.
type Data struct {
	TrainFile string
	// EvalFile is a held-out file. When empty, EvalSplit (a fraction in
	// [0, 1)) of the training rows is held out, chosen by a hash of the
	// prompt, so that one prompt never lands on both sides.
	EvalFile  string
	EvalSplit float64
	// Context is the maximum sequence length in tokens; zero means the
	// model's n_positions.
	Context int
	// SkipEmpty skips rows with an empty completion instead of failing.
	SkipEmpty bool
}

// contextFor returns the context length for model, or an error when it
// exceeds the model's n_positions.
func (d Data) contextFor(m *gpt2.Model) (int, error) {
	n := m.Config().NPositions
	if n < 2 {
		return 0, fmt.Errorf("the model's n_positions is %d: training needs at least 2 positions, "+
			"a token and the one it predicts; create the model with a larger --n-positions", n)
	}
	if d.Context == 0 {
		return n, nil
	}
	if d.Context < 2 || d.Context > n {
		return 0, fmt.Errorf("invalid context length %d (--context): want 2 to the model's n_positions %d, "+
			"or 0 for n_positions", d.Context, n)
	}
	return d.Context, nil
}

// validate checks the split fraction.
func (d Data) validate() error {
	if d.TrainFile == "" {
		return fmt.Errorf("missing training file")
	}
	if d.EvalSplit < 0 || d.EvalSplit >= 1 || math.IsNaN(d.EvalSplit) {
		return fmt.Errorf("invalid eval split %v: want a fraction from 0 up to but not including 1", d.EvalSplit)
	}
	return nil
}

// heldOut reports whether a row with this prompt belongs to the held-out
// split of the given fraction.
func heldOut(prompt string, fraction float64) bool {
	if fraction <= 0 {
		return false
	}
	h := fnv.New64a()
	h.Write([]byte(prompt))
	return float64(h.Sum64()>>11)/float64(1<<53) < fraction
}

// splitRows divides rows into training and held-out rows by their prompt.
func splitRows[T any](rows []T, prompt func(T) string, fraction float64) (train, eval []T) {
	for _, r := range rows {
		if heldOut(prompt(r), fraction) {
			eval = append(eval, r)
		} else {
			train = append(train, r)
		}
	}
	return train, eval
}

// SFT fine-tunes model on the completions of a prompt-completion file
// (see ReadCompletions): cross-entropy on completion tokens only.
func SFT(ctx context.Context, cfg Config, data Data, model *gpt2.Model, vocab Vocab) (Summary, error) {
	cfg = cfg.withLog()
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	if err := data.validate(); err != nil {
		return Summary{}, err
	}
	n, err := data.contextFor(model)
	if err != nil {
		return Summary{}, err
	}
	opts := ReadOptions{SkipEmpty: data.SkipEmpty}
	rows, stats, err := ReadCompletions(ctx, data.TrainFile, opts)
	if err != nil {
		return Summary{}, err
	}
	logSkipped(cfg, data.TrainFile, stats)
	trainRows, evalRows := rows, []Completion(nil)
	if data.EvalFile != "" {
		if evalRows, stats, err = ReadCompletions(ctx, data.EvalFile, opts); err != nil {
			return Summary{}, err
		}
		logSkipped(cfg, data.EvalFile, stats)
	} else {
		trainRows, evalRows = splitRows(rows, func(c Completion) string { return c.Prompt }, data.EvalSplit)
	}
	if len(trainRows) == 0 {
		return Summary{}, fmt.Errorf("%s: every row was held out for evaluation; lower --eval-split",
			data.TrainFile)
	}

	enc := &Encoder{Tok: vocab.Tok, EOS: vocab.EOS, Context: n}
	trainSeqs, err := encodeCompletions(enc, trainRows)
	if err != nil {
		return Summary{}, err
	}
	cut := enc.Cut
	evalSeqs, err := encodeCompletions(enc, evalRows)
	if err != nil {
		return Summary{}, err
	}
	if err := checkSequences(model, slices.Concat(trainSeqs, evalSeqs), "training or eval"); err != nil {
		return Summary{}, err
	}
	logTruncation(cfg, "train", cut)

	t := &lmTask{model: model, pad: vocab.EOS, train: trainSeqs, eval: evalSeqs, evalBatch: cfg.BatchSize}
	return runTask(ctx, cfg, model, t, vocab, cut)
}

// encodeCompletions tokenises supervised rows.
func encodeCompletions(enc *Encoder, rows []Completion) ([]Sequence, error) {
	seqs := make([]Sequence, 0, len(rows))
	for _, r := range rows {
		s, err := enc.Encode(r.Prompt, r.Completion)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.Source, err)
		}
		seqs = append(seqs, s[0])
	}
	return seqs, nil
}

// Pretrain trains model on next-token prediction over a corpus (see
// ReadCorpus), cut into windows of the context length. Without an eval
// file, EvalSplit of the windows is held out: the last ones, so that the
// held-out text is contiguous.
func Pretrain(ctx context.Context, cfg Config, data Data, model *gpt2.Model, vocab Vocab) (Summary, error) {
	cfg = cfg.withLog()
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	if err := data.validate(); err != nil {
		return Summary{}, err
	}
	n, err := data.contextFor(model)
	if err != nil {
		return Summary{}, err
	}
	docs, err := ReadCorpus(data.TrainFile)
	if err != nil {
		return Summary{}, err
	}
	seqs := Windows(vocab.Tok, vocab.EOS, docs, n)
	var evalSeqs []Sequence
	if data.EvalFile != "" {
		evalDocs, err := ReadCorpus(data.EvalFile)
		if err != nil {
			return Summary{}, err
		}
		evalSeqs = Windows(vocab.Tok, vocab.EOS, evalDocs, n)
	} else if data.EvalSplit > 0 {
		k := int(math.Ceil(float64(len(seqs)) * data.EvalSplit))
		if k >= len(seqs) {
			return Summary{}, fmt.Errorf("%s: the corpus makes %d windows of %d tokens, too few to hold out "+
				"%v of them (--eval-split) and train on the rest; lower --eval-split or give a held-out corpus "+
				"with --eval-file", data.TrainFile, len(seqs), n, data.EvalSplit)
		}
		seqs, evalSeqs = seqs[:len(seqs)-k], seqs[len(seqs)-k:]
	}
	if err := checkSequences(model, slices.Concat(seqs, evalSeqs), "corpus"); err != nil {
		return Summary{}, err
	}
	cfg.Log.Info("corpus tokenised", "documents", len(docs), "windows", len(seqs),
		"eval_windows", len(evalSeqs), "context", n)

	t := &lmTask{model: model, pad: vocab.EOS, train: seqs, eval: evalSeqs, evalBatch: cfg.BatchSize}
	return runTask(ctx, cfg, model, t, vocab, Truncation{})
}

// readPairs reads, splits and tokenises the preference data of a run.
func readPairs(ctx context.Context, cfg Config, data Data, model *gpt2.Model, vocab Vocab) (train, eval []pair, cut Truncation, err error) {
	if err := data.validate(); err != nil {
		return nil, nil, cut, err
	}
	n, err := data.contextFor(model)
	if err != nil {
		return nil, nil, cut, err
	}
	opts := ReadOptions{SkipEmpty: data.SkipEmpty}
	prefs, stats, err := ReadPreferences(ctx, data.TrainFile, opts)
	if err != nil {
		return nil, nil, cut, err
	}
	logSkipped(cfg, data.TrainFile, stats)
	trainRows, evalRows := prefs, []Preference(nil)
	if data.EvalFile != "" {
		if evalRows, stats, err = ReadPreferences(ctx, data.EvalFile, opts); err != nil {
			return nil, nil, cut, err
		}
		logSkipped(cfg, data.EvalFile, stats)
	} else {
		trainRows, evalRows = splitRows(prefs, func(p Preference) string { return p.Prompt }, data.EvalSplit)
	}
	if len(trainRows) == 0 {
		return nil, nil, cut, fmt.Errorf("%s: every row was held out for evaluation; lower --eval-split",
			data.TrainFile)
	}

	enc := &Encoder{Tok: vocab.Tok, EOS: vocab.EOS, Context: n}
	if train, err = encodePairs(enc, trainRows); err != nil {
		return nil, nil, cut, err
	}
	cut = enc.Cut
	if eval, err = encodePairs(enc, evalRows); err != nil {
		return nil, nil, cut, err
	}
	if err := checkSequences(model, append(pairSequences(train), pairSequences(eval)...), "preference"); err != nil {
		return nil, nil, cut, err
	}
	logTruncation(cfg, "train", cut)
	return train, eval, cut, nil
}

// Reward trains a reward model: model gets a score head (unless it has
// one) and learns the Bradley-Terry loss on preference pairs, with the
// optional margin column.
func Reward(ctx context.Context, cfg Config, data Data, model *gpt2.Model, vocab Vocab) (Summary, error) {
	cfg = cfg.withLog()
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	train, eval, cut, err := readPairs(ctx, cfg, data, model, vocab)
	if err != nil {
		return Summary{}, err
	}
	model.AddScoreHead(cfg.Seed)
	t := &rewardTask{model: model, pad: vocab.EOS, train: train, eval: eval, evalBatch: cfg.BatchSize}
	return runTask(ctx, cfg, model, t, vocab, cut)
}

// DPO trains policy on preference pairs against ref, a frozen reference
// model. The reference's completion log-probabilities are computed once,
// before the first step, and cached in memory and in ReferenceFile, which
// a resumed run reads instead of recomputing.
func DPO(ctx context.Context, cfg Config, dpo objective.DPO, data Data, policy, ref *gpt2.Model, vocab Vocab) (Summary, error) {
	cfg = cfg.withLog()
	if err := cfg.Validate(); err != nil {
		return Summary{}, err
	}
	if err := dpo.Validate(); err != nil {
		return Summary{}, err
	}
	// Checked here as well as when training starts, because the
	// reference log-probabilities are written to the directory first.
	if !cfg.Resume {
		if err := checkNewOutDir(cfg.OutDir); err != nil {
			return Summary{}, err
		}
	}
	train, eval, cut, err := readPairs(ctx, cfg, data, policy, vocab)
	if err != nil {
		return Summary{}, err
	}
	if err := checkReference(ref, slices.Concat(train, eval)); err != nil {
		return Summary{}, err
	}
	t := &dpoTask{cfg: dpo, model: policy, pad: vocab.EOS, train: train, eval: eval, evalBatch: cfg.BatchSize,
		refID: modelFingerprint(ref)}
	if t.refTrain, t.refEval, err = referenceLogps(ctx, cfg, ref, train, eval, vocab.EOS); err != nil {
		return Summary{}, err
	}
	return runTask(ctx, cfg, policy, t, vocab, cut)
}

// runTask trains t and returns the summary with the truncation counts.
func runTask(ctx context.Context, cfg Config, model *gpt2.Model, t task, vocab Vocab, cut Truncation) (Summary, error) {
	tr, err := newTrainer(cfg, model, t, Artifacts{SaveTokenizer: vocab.Save})
	if err != nil {
		return Summary{}, err
	}
	sum, err := tr.run(ctx)
	sum.Truncated = cut
	return sum, err
}

// logSkipped reports rows of a file that were read but not used.
func logSkipped(cfg Config, file string, s ReadStats) {
	if s.Identical > 0 {
		cfg.Log.Warn("rows skipped", "file", file, "rows", s.Identical,
			"reason", "chosen and rejected are identical")
	}
	if s.Empty > 0 {
		cfg.Log.Warn("rows skipped", "file", file, "rows", s.Empty, "reason", "empty completion")
	}
}

// logTruncation reports rows that did not fit the context.
func logTruncation(cfg Config, split string, cut Truncation) {
	if cut.PromptsCut == 0 && cut.CompletionsCut == 0 {
		return
	}
	cfg.Log.Warn("rows truncated to the context", "split", split, "rows", cut.Rows,
		"prompts_cut", cut.PromptsCut, "completions_cut", cut.CompletionsCut)
}
