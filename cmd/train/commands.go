package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/pairwise/pairwise/internal/train"
	"github.com/pairwise/pairwise/internal/train/gpt2"
	"github.com/pairwise/pairwise/internal/train/objective"
)

// pretrainCommand trains a model on next-token prediction over a corpus.
func pretrainCommand(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "pretrain", "Next-token training on a text corpus (plain text, or JSONL/Parquet "+
		"with a \"text\" field). Starts from --model, or from a new model shaped by the --n-* flags "+
		"with a tokenizer from --tokenizer or trained on the corpus with --vocab-size.")
	var f trainFlags
	f.register(fs, 1e-3)
	model := fs.String("model", "", "model `directory` to continue training (default: a new model)")
	tokenizer := fs.String("tokenizer", "", "tokenizer `path` (a directory, tokenizer.json or vocab.json)")
	vocabSize := fs.Int("vocab-size", 0, "train a byte-level BPE tokenizer of this many tokens on the corpus first")
	nLayer := fs.Int("n-layer", 4, "transformer blocks of a new model")
	nHead := fs.Int("n-head", 4, "attention heads of a new model")
	nEmbd := fs.Int("n-embd", 128, "embedding width of a new model")
	nPositions := fs.Int("n-positions", 128, "maximum sequence length of a new model")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}

	var (
		m     *gpt2.Model
		vocab train.Vocab
		err   error
	)
	switch {
	case *model != "":
		if *vocabSize > 0 {
			return errors.New("--vocab-size trains a new tokenizer, which an existing --model cannot use")
		}
		for _, name := range []string{"n-layer", "n-head", "n-embd", "n-positions"} {
			if isSet(fs, name) {
				return fmt.Errorf("--%s shapes a new model, but --model %s has its shape in its config.json; "+
					"drop --%s, or drop --model to start a new model", name, *model, name)
			}
		}
		m, vocab, err = loadModel(*model, *tokenizer)
	default:
		vocab, err = pretrainVocab(e, f, *tokenizer, *vocabSize)
		if err == nil {
			cfg := gpt2.Config{VocabSize: vocab.Size, NPositions: *nPositions, NEmbd: *nEmbd,
				NLayer: *nLayer, NHead: *nHead, LayerNormEpsilon: 1e-5}
			m, err = gpt2.New(cfg, f.seed)
		}
	}
	if err != nil {
		return err
	}
	e.log.Info("model ready", "params", m.NumParams(), "vocab_size", m.Config().VocabSize,
		"n_layer", m.Config().NLayer, "n_embd", m.Config().NEmbd)
	sum, err := train.Pretrain(ctx, f.config(e), f.dataConfig(), m, vocab)
	if err != nil {
		return err
	}
	printSummary(e, sum)
	return nil
}

// pretrainVocab loads or trains the tokenizer of a new model. A resumed
// run reuses the tokenizer saved in its checkpoint.
func pretrainVocab(e *env, f trainFlags, path string, size int) (train.Vocab, error) {
	switch {
	case path != "" && size > 0:
		return train.Vocab{}, errors.New("give either --tokenizer or --vocab-size, not both")
	case path != "":
		return train.LoadVocab(path)
	case size <= 0:
		return train.Vocab{}, errors.New("a new model needs a tokenizer: give --tokenizer PATH or --vocab-size N")
	case size < 257:
		return train.Vocab{}, fmt.Errorf("invalid --vocab-size %d: want at least 257 (256 bytes and <|endoftext|>)", size)
	}
	if f.resume {
		dir, _, err := train.LatestCheckpoint(f.out)
		if err != nil {
			return train.Vocab{}, err
		}
		return train.LoadVocab(dir)
	}
	docs, err := train.ReadCorpus(f.data)
	if err != nil {
		return train.Vocab{}, err
	}
	v, err := train.TrainVocab(docs, size)
	if err != nil {
		return train.Vocab{}, err
	}
	e.log.Info("tokenizer trained", "vocab_size", v.Size, "documents", len(docs))
	if v.Size < size {
		e.log.Warn("the corpus has too few distinct byte pairs for --vocab-size; the tokenizer is smaller",
			"vocab_size_requested", size, "vocab_size", v.Size)
	}
	return v, nil
}

// sftCommand fine-tunes a model on prompt-completion rows.
func sftCommand(ctx context.Context, e *env, args []string) error {
	return startedModelCommand(ctx, e, args, "sft", "Supervised fine-tuning: cross-entropy on "+
		"completion tokens only. Reads prompt/completion rows, messages rows, or the chosen side "+
		"of preference rows.", "model `directory` to fine-tune (required)", train.SFT)
}

// rewardCommand trains a reward model on preference pairs.
func rewardCommand(ctx context.Context, e *env, args []string) error {
	return startedModelCommand(ctx, e, args, "reward", "Reward model: adds a score head "+
		"(score.weight) to --model and trains the Bradley-Terry loss "+
		"-log sigmoid(s_chosen - s_rejected - margin) on preference rows; "+
		"the margin column is optional.", "model `directory` to start from (required)", train.Reward)
}

// startedModelCommand parses the training flags plus --model and
// --tokenizer, loads the model and runs fn on it: the shape of every
// command that trains from an existing model with one loss.
func startedModelCommand(ctx context.Context, e *env, args []string, name, help, modelUsage string,
	fn func(context.Context, train.Config, train.Data, *gpt2.Model, train.Vocab) (train.Summary, error)) error {
	fs := newFlagSet(e, name, help)
	var f trainFlags
	f.register(fs, 1e-4)
	model := fs.String("model", "", modelUsage)
	tokenizer := fs.String("tokenizer", "", "tokenizer `path` (default: the model directory)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	m, vocab, err := loadModel(*model, *tokenizer)
	if err != nil {
		return err
	}
	sum, err := fn(ctx, f.config(e), f.dataConfig(), m, vocab)
	if err != nil {
		return err
	}
	printSummary(e, sum)
	return nil
}

// dpoFlags are the DPO loss flags, shared with eval.
type dpoFlags struct {
	loss            string
	beta, smoothing float64
}

func (d *dpoFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.loss, "loss", "sigmoid", "DPO loss: sigmoid, hinge, ipo or robust")
	fs.Float64Var(&d.beta, "beta", 0.1, "DPO beta: how strongly the policy is held near the reference")
	fs.Float64Var(&d.smoothing, "label-smoothing", 0, "assumed fraction of flipped labels (sigmoid and robust losses)")
}

// objective returns the validated loss settings.
func (d *dpoFlags) objective() (objective.DPO, error) {
	loss, err := objective.ParseLossType(d.loss)
	if err != nil {
		return objective.DPO{}, fmt.Errorf("--loss: %w", err)
	}
	o := objective.DPO{Loss: loss, Beta: d.beta, LabelSmoothing: d.smoothing}
	return o, o.Validate()
}

// dpoCommand trains a policy with DPO against a frozen reference.
func dpoCommand(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "dpo", "Direct preference optimisation of --model against the frozen --ref model, "+
		"whose completion log-probabilities are computed once before training.")
	var f trainFlags
	f.register(fs, 1e-5)
	var d dpoFlags
	d.register(fs)
	model := fs.String("model", "", "policy model `directory` to start from (required)")
	ref := fs.String("ref", "", "reference model `directory` (default: --model)")
	tokenizer := fs.String("tokenizer", "", "tokenizer `path` (default: the model directory)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	obj, err := d.objective()
	if err != nil {
		return err
	}

	policy, vocab, err := loadModel(*model, *tokenizer)
	if err != nil {
		return err
	}
	// The reference is the starting policy unless --ref names another
	// model; it is cloned before training changes the policy.
	reference := policy.Clone()
	if *ref != "" {
		if reference, err = loadReference(*ref, vocab); err != nil {
			return err
		}
	}

	sum, err := train.DPO(ctx, f.config(e), obj, f.dataConfig(), policy, reference, vocab)
	if err != nil {
		return err
	}
	printSummary(e, sum)
	return nil
}
