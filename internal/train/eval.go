package train

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/train/gpt2"
	"github.com/pairwise/pairwise/internal/train/objective"
)

// Prompt is one prompt to generate from.
type Prompt struct {
	Source string
	// Conversation is the prompt as read; IsText marks a plain-text
	// prompt, which Text holds unchanged. Otherwise Text is the chat
	// template's rendering of Conversation.
	Conversation labeling.Conversation
	IsText       bool
	Text         string
}

// ReadPrompts reads prompts from one of three kinds of file. A JSONL,
// JSON array or Parquet file (by its name, see isRecordFile) has a
// "prompt" field: a string, or a list of messages that is rendered with
// the chat template. A preference file
// gives its prompts. Any other file is plain text with one prompt per
// line. A prompt that repeats an
// earlier one is dropped, because a preference file lists a prompt once
// per pair.
func ReadPrompts(ctx context.Context, path string) ([]Prompt, error) {
	prompts, err := readPrompts(ctx, path)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool, len(prompts))
	out := prompts[:0]
	for _, p := range prompts {
		if !seen[p.Text] {
			seen[p.Text] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// readPrompts reads every prompt of a file, repeats included.
func readPrompts(ctx context.Context, path string) ([]Prompt, error) {
	if !isRecordFile(path) {
		return readPromptLines(path)
	}
	recs, err := readRecords(path)
	if err != nil {
		return nil, err
	}
	if !recs[0].has("prompt") {
		prefs, _, err := ReadPreferences(ctx, path, ReadOptions{SkipEmpty: true})
		if err != nil {
			return nil, err
		}
		out := make([]Prompt, len(prefs))
		for i, p := range prefs {
			out[i] = Prompt{Source: p.Source, Conversation: p.Conversation,
				IsText: p.IsText, Text: p.Prompt}
		}
		return out, nil
	}
	out := make([]Prompt, 0, len(recs))
	for _, rec := range recs {
		conv, err := conversationField(rec, "prompt")
		if err != nil {
			return nil, err
		}
		if err := conv.ValidatePrompt(); err != nil {
			return nil, rec.errorf("field \"prompt\": %v", err)
		}
		isText := IsPlainText(conv, rec.isString("prompt"))
		out = append(out, Prompt{Source: rec.where(), Conversation: conv, IsText: isText,
			Text: promptText(conv, isText)})
	}
	return out, nil
}

// readPromptLines reads one prompt per non-blank line.
func readPromptLines(path string) ([]Prompt, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read prompts: %w", err)
	}
	if data, err = utf8Text(path, data); err != nil {
		return nil, err
	}
	var out []Prompt
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, maxRecordBytes)
	for line := 1; sc.Scan(); line++ {
		if text := strings.TrimSpace(sc.Text()); text != "" {
			out = append(out, Prompt{Source: fmt.Sprintf("%s: line %d", path, line), IsText: true,
				Conversation: labeling.Conversation{{Role: labeling.RoleUser, Content: text}}, Text: text})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no prompts", path)
	}
	return out, nil
}

// EvalData names a held-out preference file and how to tokenise it.
type EvalData struct {
	File      string
	Context   int // zero means the model's n_positions
	BatchSize int
	SkipEmpty bool // skip rows with an empty completion instead of failing
}

// readEvalPairs reads and tokenises a preference file for model.
func readEvalPairs(ctx context.Context, d EvalData, model *gpt2.Model, vocab Vocab) ([]pair, Truncation, error) {
	n, err := Data{Context: d.Context}.contextFor(model)
	if err != nil {
		return nil, Truncation{}, err
	}
	prefs, _, err := ReadPreferences(ctx, d.File, ReadOptions{SkipEmpty: d.SkipEmpty})
	if err != nil {
		return nil, Truncation{}, err
	}
	enc := &Encoder{Tok: vocab.Tok, EOS: vocab.EOS, Context: n}
	pairs, err := encodePairs(enc, prefs)
	if err != nil {
		return nil, enc.Cut, err
	}
	if err := checkSequences(model, pairSequences(pairs), "preference"); err != nil {
		return nil, enc.Cut, err
	}
	return pairs, enc.Cut, nil
}

// EvalReward returns a reward model's held-out preference metrics: loss,
// accuracy (the fraction of pairs whose chosen response scores higher),
// and the mean scores as rewards/chosen, rewards/rejected and
// rewards/margins.
func EvalReward(ctx context.Context, d EvalData, model *gpt2.Model, vocab Vocab) (Metrics, Truncation, error) {
	if model.ScoreHead() == nil {
		return nil, Truncation{}, fmt.Errorf("the model has no score head (score.weight); " +
			"evaluate a model trained with the reward subcommand")
	}
	pairs, cut, err := readEvalPairs(ctx, d, model, vocab)
	if err != nil {
		return nil, cut, err
	}
	stats, err := scorePairs(ctx, model, pairs, vocab.EOS, max(1, d.BatchSize))
	if err != nil {
		return nil, cut, err
	}
	m := rewardMetrics(stats)
	m["pairs"] = float64(len(pairs))
	return m, cut, nil
}

// EvalDPO returns a policy's held-out DPO metrics against a reference:
// the loss and TRL's implicit rewards, with rewards/accuracies the
// fraction of pairs whose chosen response gets the higher implicit
// reward β·(log π − log π_ref).
func EvalDPO(ctx context.Context, d EvalData, cfg objective.DPO, policy, ref *gpt2.Model, vocab Vocab) (Metrics, Truncation, error) {
	if err := cfg.Validate(); err != nil {
		return nil, Truncation{}, err
	}
	pairs, cut, err := readEvalPairs(ctx, d, policy, vocab)
	if err != nil {
		return nil, cut, err
	}
	if err := checkReference(ref, pairs); err != nil {
		return nil, cut, err
	}
	bs := max(1, d.BatchSize)
	var r refLogps
	if r.chosen, r.rejected, err = pairLogProbs(ctx, ref, pairs, vocab.EOS, bs); err != nil {
		return nil, cut, err
	}
	stats, err := dpoStats(ctx, cfg, policy, pairs, r, vocab.EOS, bs)
	if err != nil {
		return nil, cut, err
	}
	m := stats.metrics()
	m["pairs"] = float64(len(pairs))
	return m, cut, nil
}

// Contestant is a model whose samples take part in a win-rate comparison.
type Contestant struct {
	Name  string
	Model *gpt2.Model
	Vocab Vocab
}

// WinRate is the outcome of comparing two models' samples with a reward
// model.
type WinRate struct {
	Prompts int     `json:"prompts"`
	WinsA   int     `json:"wins_a"`
	WinsB   int     `json:"wins_b"`
	Ties    int     `json:"ties"`
	Rate    float64 `json:"win_rate"` // (wins_a + ties/2) / prompts
	MeanA   float64 `json:"mean_score_a"`
	MeanB   float64 `json:"mean_score_b"`
	// Samples holds each prompt's completions and scores.
	Samples []WinSample `json:"-"`
}

// WinSample is one prompt's pair of samples and their scores.
type WinSample struct {
	Prompt      string  `json:"prompt"`
	CompletionA string  `json:"completion_a"`
	CompletionB string  `json:"completion_b"`
	ScoreA      float64 `json:"score_a"`
	ScoreB      float64 `json:"score_b"`
}

// CompareSamples generates one completion per prompt from a and from b
// and scores each with the reward model judge. A prompt is a win for a
// when its sample scores higher. Both models sample with the same seed.
func CompareSamples(ctx context.Context, prompts []Prompt, a, b Contestant, judge *gpt2.Model, judgeVocab Vocab,
	s Sampling, seed uint64) (WinRate, error) {
	if judge.ScoreHead() == nil {
		return WinRate{}, fmt.Errorf("the judge has no score head (score.weight); " +
			"use a model trained with the reward subcommand")
	}
	genA := NewGenerator(a.Model, a.Vocab, seed)
	genB := NewGenerator(b.Model, b.Vocab, seed)
	enc := &Encoder{Tok: judgeVocab.Tok, EOS: judgeVocab.EOS, Context: judge.Config().NPositions,
		AllowEmpty: true}

	var res WinRate
	for _, p := range prompts {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		textA, err := genA.Generate(p.Text, s)
		if err != nil {
			return res, fmt.Errorf("%s: generate with %s: %w", p.Source, a.Name, err)
		}
		textB, err := genB.Generate(p.Text, s)
		if err != nil {
			return res, fmt.Errorf("%s: generate with %s: %w", p.Source, b.Name, err)
		}
		scoreA, scoreB, err := scoreTwo(judge, enc, p.Text, textA, textB)
		if err != nil {
			return res, fmt.Errorf("%s: %w", p.Source, err)
		}
		res.add(WinSample{Prompt: p.Text, CompletionA: textA, CompletionB: textB, ScoreA: scoreA, ScoreB: scoreB})
	}
	res.finish()
	return res, nil
}

// scoreTwo scores two completions of one prompt with a reward model.
func scoreTwo(judge *gpt2.Model, enc *Encoder, prompt, a, b string) (float64, float64, error) {
	seqs := make([]Sequence, 0, 2)
	for _, c := range []string{a, b} {
		s, err := enc.Encode(prompt, c)
		if err != nil {
			return 0, 0, err
		}
		seqs = append(seqs, s[0])
	}
	if err := checkSequences(judge, seqs, "judged"); err != nil {
		return 0, 0, err
	}
	bt := makeBatch(seqs, enc.EOS)
	pass := judge.Forward(bt.ids, bt.B, bt.T, false)
	defer pass.Release()
	scores := pass.Scores(bt.lengths)
	return float64(scores[0]), float64(scores[1]), nil
}

func (w *WinRate) add(s WinSample) {
	w.Prompts++
	w.MeanA += s.ScoreA
	w.MeanB += s.ScoreB
	switch {
	case s.ScoreA > s.ScoreB:
		w.WinsA++
	case s.ScoreA < s.ScoreB:
		w.WinsB++
	default:
		w.Ties++
	}
	w.Samples = append(w.Samples, s)
}

func (w *WinRate) finish() {
	if w.Prompts == 0 {
		return
	}
	n := float64(w.Prompts)
	w.Rate = (float64(w.WinsA) + float64(w.Ties)/2) / n
	w.MeanA /= n
	w.MeanB /= n
}
