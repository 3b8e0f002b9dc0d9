package train

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/pairwise/pairwise/internal/train/objective"
)

// stopAfter cancels a run once trainBatch has been called calls times, so
// the loop stops at a known step.
type stopAfter struct {
	task
	calls  int
	cancel context.CancelFunc
}

func (s *stopAfter) trainBatch(idx []int, scale float64) (Metrics, error) {
	s.calls--
	if s.calls == 0 {
		s.cancel()
	}
	return s.task.trainBatch(idx, scale)
}

func sftSequences(t testing.TB) []Sequence {
	enc := &Encoder{Tok: byteTokenizer{}, EOS: byteEOS, Context: 32}
	var seqs []Sequence
	for _, r := range preferenceRows(12) {
		s, err := enc.Encode(r["prompt"].(string), r["chosen"].(string))
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, s[0])
	}
	return seqs
}

func TestResumeMatchesUninterruptedRun(t *testing.T) {
	seqs := sftSequences(t)
	cfg := testConfig("", 6)
	cfg.Accum = 2
	cfg.BatchSize = 2

	// Uninterrupted: six steps.
	cfg.OutDir = filepath.Join(t.TempDir(), "straight")
	straight := tinyModel(t, 3)
	if _, err := runTask(context.Background(), cfg, straight,
		&lmTask{model: straight, pad: byteEOS, train: seqs, evalBatch: 2}, byteVocab(), Truncation{}); err != nil {
		t.Fatal(err)
	}

	// Interrupted after three steps (two micro-batches each), then resumed
	// into a fresh model.
	cfg.OutDir = filepath.Join(t.TempDir(), "resumed")
	first := tinyModel(t, 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := &stopAfter{task: &lmTask{model: first, pad: byteEOS, train: seqs, evalBatch: 2}, calls: 6, cancel: cancel}
	_, err := runTask(ctx, cfg, first, stop, byteVocab(), Truncation{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run returned %v, want context.Canceled", err)
	}
	if _, err := os.Stat(filepath.Join(CheckpointDir(cfg.OutDir, 3), TrainerStateFile)); err != nil {
		t.Fatalf("no checkpoint after step 3: %v", err)
	}

	cfg.Resume = true
	second := tinyModel(t, 99) // different init: every weight must come from the checkpoint
	sum, err := runTask(context.Background(), cfg, second,
		&lmTask{model: second, pad: byteEOS, train: seqs, evalBatch: 2}, byteVocab(), Truncation{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Steps != 6 {
		t.Errorf("resumed run ended at step %d, want 6", sum.Steps)
	}
	for i, p := range straight.Params() {
		if q := second.Params()[i]; !slices.Equal(p.Data, q.Data) {
			t.Fatalf("tensor %s differs after resuming", p.Name)
		}
	}
	rows := readMetrics(t, cfg.OutDir)
	if len(rows) != 6 || rows[5]["step"].(float64) != 6 {
		t.Errorf("metrics log has %d rows, want 6 ending at step 6", len(rows))
	}
}

func TestResumeRejectsOtherSeed(t *testing.T) {
	seqs := sftSequences(t)
	cfg := testConfig(t.TempDir(), 2)
	m := tinyModel(t, 3)
	if _, err := runTask(context.Background(), cfg, m, &lmTask{model: m, pad: byteEOS, train: seqs, evalBatch: 2},
		byteVocab(), Truncation{}); err != nil {
		t.Fatal(err)
	}
	cfg.Resume = true
	cfg.Seed++
	_, err := runTask(context.Background(), cfg, m, &lmTask{model: m, pad: byteEOS, train: seqs, evalBatch: 2},
		byteVocab(), Truncation{})
	if err == nil {
		t.Error("resume with another seed succeeded, want an error")
	}
}

func TestSameSeedSameRun(t *testing.T) {
	seqs := sftSequences(t)
	var models [2][]float32
	for i := range models {
		m := tinyModel(t, 5)
		cfg := testConfig(t.TempDir(), 3)
		if _, err := runTask(context.Background(), cfg, m, &lmTask{model: m, pad: byteEOS, train: seqs, evalBatch: 2},
			byteVocab(), Truncation{}); err != nil {
			t.Fatal(err)
		}
		models[i] = m.Params()[0].Data
	}
	if !slices.Equal(models[0], models[1]) {
		t.Error("two runs with the same seed gave different weights")
	}
}

// cancelAfterLines cancels a context once n lines have been written, so a
// run stops after its n-th logged step.
type cancelAfterLines struct {
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfterLines) Write(p []byte) (int, error) {
	c.n -= bytes.Count(p, []byte("\n"))
	if c.n <= 0 {
		c.cancel()
	}
	return len(p), nil
}

func TestDPOResumeMatchesUninterruptedRun(t *testing.T) {
	dir := t.TempDir()
	path := writeJSONL(t, dir, "prefs.jsonl", preferenceRows(12))
	dpo := objective.DPO{Loss: objective.Sigmoid, Beta: 0.1}
	data := Data{TrainFile: path, EvalSplit: 0.2}
	cfg := testConfig("", 5)
	cfg.BatchSize = 3

	cfg.OutDir = filepath.Join(dir, "straight")
	straight := tinyModel(t, 3)
	if _, err := DPO(context.Background(), cfg, dpo, data, straight, straight.Clone(), byteVocab()); err != nil {
		t.Fatal(err)
	}

	cfg.OutDir = filepath.Join(dir, "resumed")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	interrupted := cfg
	interrupted.Terminal = &cancelAfterLines{n: 2, cancel: cancel}
	first := tinyModel(t, 3)
	if _, err := DPO(ctx, interrupted, dpo, data, first, first.Clone(), byteVocab()); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run returned %v, want context.Canceled", err)
	}

	cfg.Resume = true
	second := tinyModel(t, 3)
	ref := second.Clone()
	if _, err := DPO(context.Background(), cfg, dpo, data, second, ref, byteVocab()); err != nil {
		t.Fatal(err)
	}
	for i, p := range straight.Params() {
		if q := second.Params()[i]; !slices.Equal(p.Data, q.Data) {
			t.Fatalf("tensor %s differs after resuming", p.Name)
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.OutDir, ReferenceFile)); err != nil {
		t.Errorf("reference cache: %v", err)
	}
}
