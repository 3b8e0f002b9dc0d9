package train

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/train/gpt2"
	"github.com/pairwise/pairwise/internal/train/objective"
)

func TestConfigValidateNamesFlag(t *testing.T) {
	cases := []struct {
		flag   string
		mutate func(*Config)
	}{
		{"--lr", func(c *Config) { c.LR = math.NaN() }},
		{"--lr", func(c *Config) { c.LR = math.Inf(1) }},
		{"--weight-decay", func(c *Config) { c.WeightDecay = math.NaN() }},
		{"--max-grad-norm", func(c *Config) { c.MaxGradNorm = math.Inf(1) }},
		{"--batch-size", func(c *Config) { c.BatchSize = 0 }},
		{"--steps", func(c *Config) { c.MaxSteps = -1 }},
	}
	for _, c := range cases {
		cfg := testConfig("out", 1)
		c.mutate(&cfg)
		err := cfg.Validate()
		if err == nil {
			t.Errorf("%s: Validate accepted %+v", c.flag, cfg)
			continue
		}
		if !strings.Contains(err.Error(), c.flag) {
			t.Errorf("error %q does not name %s", err, c.flag)
		}
	}
}

func TestWindowsShortContext(t *testing.T) {
	for _, n := range []int{-1, 0, 1} {
		if w := Windows(byteTokenizer{}, byteEOS, []string{"abc"}, n); len(w) != 0 {
			t.Errorf("context %d: %d windows, want none", n, len(w))
		}
	}
}

func TestPretrainRejectsOnePosition(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus.txt")
	if err := os.WriteFile(corpus, []byte("some text to learn\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := gpt2.New(gpt2.Config{VocabSize: 257, NPositions: 1, NEmbd: 32, NLayer: 1, NHead: 2,
		LayerNormEpsilon: 1e-5}, 1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Pretrain(context.Background(), testConfig(filepath.Join(dir, "out"), 1),
		Data{TrainFile: corpus}, m, byteVocab())
	if err == nil || !strings.Contains(err.Error(), "n_positions is 1") {
		t.Errorf("error %v, want one about n_positions 1", err)
	}
}

func TestDivergedRunStops(t *testing.T) {
	seqs := sftSequences(t)
	cfg := testConfig(filepath.Join(t.TempDir(), "out"), 20)
	cfg.LR, cfg.Warmup, cfg.MaxGradNorm = 1e6, 0, 0
	m := tinyModel(t, 3)
	_, err := runTask(context.Background(), cfg, m, &lmTask{model: m, pad: byteEOS, train: seqs, evalBatch: 2},
		byteVocab(), Truncation{})
	if err == nil || !strings.Contains(err.Error(), "training diverged") {
		t.Fatalf("error %v, want a divergence error", err)
	}
	if !strings.Contains(err.Error(), "--lr") {
		t.Errorf("error %q does not suggest a lower --lr", err)
	}
	if _, err := os.Stat(filepath.Join(cfg.OutDir, "model.safetensors")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a diverged run saved a model (stat: %v)", err)
	}
	if dirs, _ := filepath.Glob(filepath.Join(cfg.OutDir, "checkpoint-*")); len(dirs) > 0 {
		t.Errorf("a diverged run saved checkpoints %v", dirs)
	}
	for _, p := range m.Params() {
		for _, v := range p.Data {
			if math.IsNaN(float64(v)) {
				t.Fatalf("tensor %s holds NaN: the update of the diverged step was applied", p.Name)
			}
		}
	}
}

func TestSaveRejectsNaNWeights(t *testing.T) {
	seqs := sftSequences(t)
	cfg := testConfig(filepath.Join(t.TempDir(), "out"), 2)
	m := tinyModel(t, 3)
	tr, err := newTrainer(cfg.withLog(), m, &lmTask{model: m, pad: byteEOS, train: seqs, evalBatch: 2}, Artifacts{})
	if err != nil {
		t.Fatal(err)
	}
	m.Params()[1].Data[0] = float32(math.NaN())
	err = tr.saveCheckpoint(1)
	if err == nil || !strings.Contains(err.Error(), m.Params()[1].Name) {
		t.Errorf("error %v, want one naming tensor %s", err, m.Params()[1].Name)
	}
	if _, err := os.Stat(CheckpointDir(cfg.OutDir, 1)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("checkpoint directory written (stat: %v)", err)
	}
}

// runLM trains the SFT sequences with cfg into a fresh model.
func runLM(t *testing.T, cfg Config) error {
	t.Helper()
	m := tinyModel(t, 3)
	_, err := runTask(context.Background(), cfg, m, &lmTask{model: m, pad: byteEOS, train: sftSequences(t), evalBatch: 2},
		byteVocab(), Truncation{})
	return err
}

func TestResumeRejectsChangedSettings(t *testing.T) {
	cases := []struct {
		flag   string
		mutate func(*Config)
	}{
		{"--lr", func(c *Config) { c.LR *= 2 }},
		{"--warmup", func(c *Config) { c.Warmup++ }},
		{"--batch-size", func(c *Config) { c.BatchSize = 3 }},
		{"--accum", func(c *Config) { c.Accum = 2 }},
		{"--weight-decay", func(c *Config) { c.WeightDecay = 0 }},
		{"--max-grad-norm", func(c *Config) { c.MaxGradNorm = 0 }},
	}
	for _, c := range cases {
		t.Run(c.flag, func(t *testing.T) {
			cfg := testConfig(filepath.Join(t.TempDir(), "out"), 4)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			first := cfg
			first.Terminal = &cancelAfterLines{n: 2, cancel: cancel}
			m := tinyModel(t, 3)
			_, err := runTask(ctx, first, m, &lmTask{model: m, pad: byteEOS, train: sftSequences(t), evalBatch: 2},
				byteVocab(), Truncation{})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted run returned %v, want context.Canceled", err)
			}
			cfg.Resume = true
			c.mutate(&cfg)
			err = runLM(t, cfg)
			if err == nil || !strings.Contains(err.Error(), c.flag) {
				t.Errorf("error %v, want one naming %s", err, c.flag)
			}
		})
	}
}

func TestResumeFinishedRun(t *testing.T) {
	cfg := testConfig(filepath.Join(t.TempDir(), "out"), 2)
	if err := runLM(t, cfg); err != nil {
		t.Fatal(err)
	}
	cfg.Resume = true
	m := tinyModel(t, 3)
	sum, err := runTask(context.Background(), cfg, m, &lmTask{model: m, pad: byteEOS, train: sftSequences(t), evalBatch: 2},
		byteVocab(), Truncation{})
	if err != nil {
		t.Fatal(err)
	}
	if !sum.AlreadyFinished {
		t.Error("Summary.AlreadyFinished is false after resuming a finished run")
	}
	if sum.Steps != 2 {
		t.Errorf("summary has %d steps, want 2", sum.Steps)
	}
}

func TestDPOResumeRejectsOtherBeta(t *testing.T) {
	dir := t.TempDir()
	path := writeJSONL(t, dir, "prefs.jsonl", preferenceRows(12))
	data := Data{TrainFile: path}
	cfg := testConfig(filepath.Join(dir, "out"), 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := cfg
	first.Terminal = &cancelAfterLines{n: 2, cancel: cancel}
	m := tinyModel(t, 3)
	dpo := objective.DPO{Loss: objective.Sigmoid, Beta: 0.1}
	if _, err := DPO(ctx, first, dpo, data, m, m.Clone(), byteVocab()); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run returned %v, want context.Canceled", err)
	}

	cfg.Resume = true
	dpo.Beta = 0.5
	m = tinyModel(t, 3)
	_, err := DPO(context.Background(), cfg, dpo, data, m, m.Clone(), byteVocab())
	if err == nil || !strings.Contains(err.Error(), "beta=0.1") {
		t.Errorf("error %v, want one naming the checkpoint's beta 0.1", err)
	}
}

func TestDPORejectsBrokenReference(t *testing.T) {
	dir := t.TempDir()
	path := writeJSONL(t, dir, "prefs.jsonl", preferenceRows(4))
	m := tinyModel(t, 3)
	ref := m.Clone()
	for i := range ref.Params()[0].Data {
		ref.Params()[0].Data[i] = float32(math.NaN())
	}
	_, err := DPO(context.Background(), testConfig(filepath.Join(dir, "out"), 1),
		objective.DPO{Loss: objective.Sigmoid, Beta: 0.1}, Data{TrainFile: path}, m, ref, byteVocab())
	if err == nil || !strings.Contains(err.Error(), "reference model") {
		t.Errorf("error %v, want one about the reference model", err)
	}
}

// shortModel returns a model over the byte vocabulary with only 8
// positions.
func shortModel(t *testing.T) *gpt2.Model {
	t.Helper()
	m, err := gpt2.New(gpt2.Config{VocabSize: 257, NPositions: 8, NEmbd: 32, NLayer: 1, NHead: 2,
		LayerNormEpsilon: 1e-5}, 1)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDPORejectsShortReference(t *testing.T) {
	dir := t.TempDir()
	path := writeJSONL(t, dir, "prefs.jsonl", preferenceRows(4))
	dpo := objective.DPO{Loss: objective.Sigmoid, Beta: 0.1}
	m := tinyModel(t, 3)
	_, err := DPO(context.Background(), testConfig(filepath.Join(dir, "out"), 1), dpo,
		Data{TrainFile: path}, m, shortModel(t), byteVocab())
	if err == nil || !strings.Contains(err.Error(), "n_positions 8") {
		t.Errorf("DPO: error %v, want one about the reference's n_positions 8", err)
	}
	_, _, err = EvalDPO(context.Background(), EvalData{File: path, BatchSize: 2}, dpo, m, shortModel(t), byteVocab())
	if err == nil || !strings.Contains(err.Error(), "n_positions 8") {
		t.Errorf("EvalDPO: error %v, want one about the reference's n_positions 8", err)
	}
}

// shiftedTokenizer is byteTokenizer with the ids of 'a' and 'b' swapped.
type shiftedTokenizer struct{ byteTokenizer }

func (shiftedTokenizer) Decode(ids []int32) string {
	s := byteTokenizer{}.Decode(ids)
	return strings.NewReplacer("a", "b", "b", "a").Replace(s)
}

func TestVocabMatches(t *testing.T) {
	if err := byteVocab().Matches(byteVocab()); err != nil {
		t.Errorf("a tokenizer does not match itself: %v", err)
	}
	other := byteVocab()
	other.Tok = shiftedTokenizer{}
	err := byteVocab().Matches(other)
	if err == nil || !strings.Contains(err.Error(), "token 97") {
		t.Errorf("error %v, want one naming token 97", err)
	}
	smaller := byteVocab()
	smaller.Size = 200
	if err := byteVocab().Matches(smaller); err == nil {
		t.Error("tokenizers of 257 and 200 tokens match")
	}
}

func TestDPOResumeRejectsOtherReference(t *testing.T) {
	dir := t.TempDir()
	path := writeJSONL(t, dir, "prefs.jsonl", preferenceRows(12))
	data := Data{TrainFile: path}
	cfg := testConfig(filepath.Join(dir, "out"), 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	first := cfg
	first.Terminal = &cancelAfterLines{n: 2, cancel: cancel}
	m := tinyModel(t, 3)
	dpo := objective.DPO{Loss: objective.Sigmoid, Beta: 0.1}
	if _, err := DPO(ctx, first, dpo, data, m, m.Clone(), byteVocab()); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run returned %v, want context.Canceled", err)
	}

	cfg.Resume = true
	m = tinyModel(t, 3)
	_, err := DPO(context.Background(), cfg, dpo, data, m, tinyModel(t, 4), byteVocab())
	if err == nil || !strings.Contains(err.Error(), "reference=") {
		t.Errorf("error %v, want one naming the reference", err)
	}
}

func TestResumeDamagedCheckpoint(t *testing.T) {
	for _, file := range []string{OptimizerFile, "model.safetensors"} {
		t.Run(file, func(t *testing.T) {
			cfg := testConfig(filepath.Join(t.TempDir(), "out"), 4)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			first := cfg
			first.Terminal = &cancelAfterLines{n: 2, cancel: cancel}
			m := tinyModel(t, 3)
			_, err := runTask(ctx, first, m, &lmTask{model: m, pad: byteEOS, train: sftSequences(t), evalBatch: 2},
				byteVocab(), Truncation{})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted run returned %v, want context.Canceled", err)
			}
			dir, _, err := LatestCheckpoint(cfg.OutDir)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(filepath.Join(dir, file)); err != nil {
				t.Fatal(err)
			}
			cfg.Resume = true
			err = runLM(t, cfg)
			if err == nil || !strings.Contains(err.Error(), "the checkpoint is damaged") {
				t.Errorf("error %v, want one calling the checkpoint damaged", err)
			}
		})
	}
}

func TestTrainRejectsNaNModel(t *testing.T) {
	cfg := testConfig(filepath.Join(t.TempDir(), "out"), 2)
	m := tinyModel(t, 3)
	m.Params()[2].Data[0] = float32(math.Inf(1))
	_, err := runTask(context.Background(), cfg, m, &lmTask{model: m, pad: byteEOS, train: sftSequences(t), evalBatch: 2},
		byteVocab(), Truncation{})
	if err == nil || !strings.Contains(err.Error(), "the model to train is broken") {
		t.Errorf("error %v, want one saying the model is broken", err)
	}
}

func TestReadByteOrderMark(t *testing.T) {
	dir := t.TempDir()
	bom := "\xef\xbb\xbf"
	sft := writeFile(t, dir, "sft.jsonl", bom+`{"prompt": "a", "completion": " b"}`+"\r\n")
	rows, _, err := ReadCompletions(context.Background(), sft, ReadOptions{})
	if err != nil {
		t.Fatalf("JSONL with a byte order mark: %v", err)
	}
	if rows[0].Prompt != "a" {
		t.Errorf("prompt %q, want a", rows[0].Prompt)
	}

	corpus := writeFile(t, dir, "corpus.txt", bom+"first\n\nsecond\n")
	docs, err := ReadCorpus(corpus)
	if err != nil {
		t.Fatal(err)
	}
	if docs[0] != "first" {
		t.Errorf("first document %q, want it without the byte order mark", docs[0])
	}

	prompts := writeFile(t, dir, "prompts.txt", bom+"Name a prime.\n")
	list, err := ReadPrompts(context.Background(), prompts)
	if err != nil {
		t.Fatal(err)
	}
	if list[0].Text != "Name a prime." {
		t.Errorf("prompt %q, want it without the byte order mark", list[0].Text)
	}
}

func TestReadRejectsUTF16(t *testing.T) {
	dir := t.TempDir()
	utf16 := "\xff\xfe{\x00}\x00"
	for _, name := range []string{"rows.jsonl", "corpus.txt"} {
		path := writeFile(t, dir, name, utf16)
		var err error
		if name == "corpus.txt" {
			_, err = ReadCorpus(path)
		} else {
			_, _, err = ReadCompletions(context.Background(), path, ReadOptions{})
		}
		if err == nil || !strings.Contains(err.Error(), "convert it to UTF-8") {
			t.Errorf("%s: error %v, want one asking for UTF-8", name, err)
		}
	}
}

func TestSFTEveryRowHeldOut(t *testing.T) {
	dir := t.TempDir()
	// One prompt, so the hash puts every row on the same side.
	path := writeFile(t, dir, "sft.jsonl", `{"prompt": "a", "completion": " b"}`+"\n")
	var err error
	for _, split := range []float64{0.5, 0.9, 0.99, 0.999} {
		m := tinyModel(t, 1)
		_, err = SFT(context.Background(), testConfig(filepath.Join(dir, "out"), 1),
			Data{TrainFile: path, EvalSplit: split}, m, byteVocab())
		if err != nil {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), "lower --eval-split") {
		t.Errorf("error %v, want one suggesting a lower --eval-split", err)
	}
}

func TestNewRunRejectsUsedOutDir(t *testing.T) {
	cfg := testConfig(filepath.Join(t.TempDir(), "out"), 2)
	if err := runLM(t, cfg); err != nil {
		t.Fatal(err)
	}
	err := runLM(t, cfg)
	if err == nil || !strings.Contains(err.Error(), "already contains a training run (metrics.jsonl, checkpoint-2)") {
		t.Errorf("error %v, want one naming the earlier run's files", err)
	}
	if rows := readMetrics(t, cfg.OutDir); len(rows) != 2 {
		t.Errorf("metrics log has %d rows, want the first run's 2", len(rows))
	}

	dir := filepath.Join(t.TempDir(), "dpo")
	path := writeJSONL(t, t.TempDir(), "prefs.jsonl", preferenceRows(4))
	if err := os.MkdirAll(CheckpointDir(dir, 9), 0o755); err != nil {
		t.Fatal(err)
	}
	m := tinyModel(t, 3)
	_, err = DPO(context.Background(), testConfig(dir, 1), objective.DPO{Loss: objective.Sigmoid, Beta: 0.1},
		Data{TrainFile: path}, m, m.Clone(), byteVocab())
	if err == nil || !strings.Contains(err.Error(), "checkpoint-9") {
		t.Errorf("DPO: error %v, want one naming checkpoint-9", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ReferenceFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("DPO wrote %s into the used directory (stat: %v)", ReferenceFile, err)
	}
}

func TestFirstStepOverflowBlamesSettings(t *testing.T) {
	dir := t.TempDir()
	path := writeJSONL(t, dir, "prefs.jsonl", preferenceRows(4))
	m := tinyModel(t, 3)
	ref := m.Clone()
	// A final LayerNorm gain near float32's maximum makes the policy's
	// logits overflow, so the very first loss is not finite.
	for _, p := range m.Params() {
		if p.Name == "ln_f.weight" {
			for i := range p.Data {
				p.Data[i] = 3e38
			}
		}
	}
	_, err := DPO(context.Background(), testConfig(filepath.Join(dir, "out"), 2),
		objective.DPO{Loss: objective.Hinge, Beta: 0.1}, Data{TrainFile: path}, m, ref, byteVocab())
	if err == nil || !strings.Contains(err.Error(), "before any update") {
		t.Fatalf("error %v, want one about the first step", err)
	}
	if strings.Contains(err.Error(), "lower --lr") {
		t.Errorf("error %q blames the learning rate, which has not acted yet", err)
	}
}

func TestHugeBatchAndEpochs(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"batch size", func(c *Config) { c.BatchSize, c.Accum = math.MaxInt, 2 }, "(--batch-size)"},
		{"accumulation", func(c *Config) { c.Accum = math.MaxInt }, "(--accum)"},
		{"epochs", func(c *Config) { c.MaxSteps, c.Epochs = 0, math.MaxInt/2 }, "(--epochs)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig(filepath.Join(t.TempDir(), "out"), 1)
			c.mutate(&cfg)
			err := runLM(t, cfg)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one naming %s", err, c.want)
			}
		})
	}
}
