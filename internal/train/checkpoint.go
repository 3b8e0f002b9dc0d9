package train

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pairwise/pairwise/internal/train/gpt2"
)

// Files of a checkpoint directory, beside the model's config.json and
// model.safetensors and the tokenizer files.
const (
	OptimizerFile    = "optimizer.safetensors"
	TrainerStateFile = "trainer_state.json"
	checkpointPrefix = "checkpoint-"
)

// TrainerState is the part of a checkpoint that is not a tensor. The data
// order is drawn from Seed and the epoch number, so Seed and Step are the
// whole random state of a run: the model's initialisation is in its
// weights, and training draws no other random numbers.
type TrainerState struct {
	Step     int     `json:"step"`
	Epoch    float64 `json:"epoch"`
	Seed     uint64  `json:"seed"`
	Total    int     `json:"total_steps"`
	LR       float64 `json:"learning_rate"`
	Warmup   int     `json:"warmup_steps"`
	Examples int     `json:"train_examples"`
	// Data is a fingerprint of the tokenised training data, so that a
	// resume with changed data is rejected.
	Data string `json:"data_fingerprint"`
	// The settings below change the updates, so a resume that changes
	// them is rejected too. Checkpoints written before they were recorded
	// lack them, and then they are not compared.
	BatchSize   int      `json:"batch_size,omitempty"`
	Accum       int      `json:"gradient_accumulation_steps,omitempty"`
	WeightDecay *float64 `json:"weight_decay,omitempty"`
	MaxGradNorm *float64 `json:"max_grad_norm,omitempty"`
	// Objective describes the loss settings of objectives that have
	// any, such as DPO's loss type and beta.
	Objective string `json:"objective,omitempty"`
}

// objectiveDescriber is a task with loss settings that a resumed run must
// keep.
type objectiveDescriber interface {
	objective() string
}

// taskObjective returns the loss settings of t, or "" when it has none.
func taskObjective(t task) string {
	if d, ok := t.(objectiveDescriber); ok {
		return d.objective()
	}
	return ""
}

// CheckpointDir returns the directory of the checkpoint after step in
// outDir.
func CheckpointDir(outDir string, step int) string {
	return filepath.Join(outDir, checkpointPrefix+strconv.Itoa(step))
}

// LatestCheckpoint returns the checkpoint directory in outDir with the
// highest step, or an error when there is none.
func LatestCheckpoint(outDir string) (string, int, error) {
	entries, err := os.ReadDir(outDir)
	if err != nil {
		return "", 0, fmt.Errorf("find checkpoint to resume: %w; run without --resume to start afresh", err)
	}
	best := -1
	for _, e := range entries {
		n, err := strconv.Atoi(strings.TrimPrefix(e.Name(), checkpointPrefix))
		if e.IsDir() && strings.HasPrefix(e.Name(), checkpointPrefix) && err == nil && n > best {
			if _, err := os.Stat(filepath.Join(outDir, e.Name(), TrainerStateFile)); err == nil {
				best = n
			}
		}
	}
	if best < 0 {
		return "", 0, fmt.Errorf("no checkpoint to resume in %s: want a %sN directory with %s; "+
			"run without --resume to start afresh", outDir, checkpointPrefix, TrainerStateFile)
	}
	return CheckpointDir(outDir, best), best, nil
}

// CheckWeights returns an error naming the first tensor of m that holds
// a NaN or infinite value, which only a diverged run produces.
func CheckWeights(m *gpt2.Model) error {
	for _, p := range m.Params() {
		for i, v := range p.Data {
			if !isFinite(float64(v)) {
				return fmt.Errorf("tensor %s contains %v at index %d", p.Name, v, i)
			}
		}
	}
	return nil
}

// checkWeights returns an error when a weight is NaN or infinite, so that
// a diverged run never saves a model that loads but cannot be used.
func (tr *trainer) checkWeights(dir string) error {
	if err := CheckWeights(tr.model); err != nil {
		return fmt.Errorf("not saving the model to %s: %w; training diverged, "+
			"so start again with a lower --lr and a new --out", dir, err)
	}
	return nil
}

// checkNewOutDir returns an error when a run that does not resume would
// write into the output directory of an earlier run, whose metrics log
// it would append to and whose later checkpoints would outlive its own.
func checkNewOutDir(dir string) error {
	var found []string
	if _, err := os.Stat(filepath.Join(dir, MetricsFile)); err == nil {
		found = append(found, MetricsFile)
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("read output directory: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), checkpointPrefix) {
			found = append(found, e.Name())
		}
	}
	if len(found) > 0 {
		return fmt.Errorf("the output directory %s already contains a training run (%s); "+
			"continue it with --resume, or give another --out or delete the directory", dir, strings.Join(found, ", "))
	}
	return nil
}

// saveModel writes the model and the tokenizer to dir.
func (tr *trainer) saveModel(dir string) error {
	if err := tr.checkWeights(dir); err != nil {
		return err
	}
	if err := tr.model.Save(dir); err != nil {
		return fmt.Errorf("save model to %s: %w", dir, err)
	}
	if tr.art.SaveTokenizer != nil {
		if err := tr.art.SaveTokenizer(dir); err != nil {
			return fmt.Errorf("save tokenizer to %s: %w", dir, err)
		}
	}
	return nil
}

// saveCheckpoint writes the model, tokenizer, optimizer state and trainer
// state after step to a checkpoint directory, then removes older
// checkpoints, so the output directory holds one.
func (tr *trainer) saveCheckpoint(step int) error {
	dir := CheckpointDir(tr.cfg.OutDir, step)
	if err := tr.checkWeights(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create checkpoint directory: %w", err)
	}
	if err := tr.saveModel(dir); err != nil {
		return err
	}
	if err := gpt2.WriteTensorData(filepath.Join(dir, OptimizerFile), tr.opt.State()); err != nil {
		return fmt.Errorf("save optimizer state: %w", err)
	}
	state := TrainerState{
		Step: step, Epoch: float64(step) / float64(tr.perEp), Seed: tr.cfg.Seed,
		Total: tr.total, LR: tr.cfg.LR, Warmup: tr.cfg.Warmup, Examples: tr.task.size(),
		Data: tr.task.fingerprint(), BatchSize: tr.cfg.BatchSize, Accum: tr.cfg.Accum,
		WeightDecay: &tr.cfg.WeightDecay, MaxGradNorm: &tr.cfg.MaxGradNorm,
		Objective: taskObjective(tr.task),
	}
	data, err := json.MarshalIndent(state, "", "  ")
	if err != nil {
		return fmt.Errorf("encode trainer state: %w", err)
	}
	// The state file is written last: a checkpoint without it is incomplete
	// and LatestCheckpoint ignores it.
	if err := gpt2.WriteFileAtomic(filepath.Join(dir, TrainerStateFile), append(data, '\n')); err != nil {
		return fmt.Errorf("save trainer state: %w", err)
	}
	tr.cfg.Log.Info("checkpoint saved", "step", step, "dir", dir)
	return tr.removeOlderCheckpoints(step)
}

// removeOlderCheckpoints deletes checkpoints before step.
func (tr *trainer) removeOlderCheckpoints(step int) error {
	entries, err := os.ReadDir(tr.cfg.OutDir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		n, err := strconv.Atoi(strings.TrimPrefix(e.Name(), checkpointPrefix))
		if e.IsDir() && strings.HasPrefix(e.Name(), checkpointPrefix) && err == nil && n < step {
			if err := os.RemoveAll(filepath.Join(tr.cfg.OutDir, e.Name())); err != nil {
				return fmt.Errorf("remove old checkpoint: %w", err)
			}
		}
	}
	return nil
}

// restore loads the latest checkpoint of the output directory into the
// model and optimizer and sets the first step to run. The checkpoint must
// come from a run with the same seed, data, step count and update
// settings (see checkResumable), because otherwise the data order or the
// updates would differ from an uninterrupted run.
func (tr *trainer) restore() error {
	dir, _, err := LatestCheckpoint(tr.cfg.OutDir)
	if err != nil {
		return err
	}
	var state TrainerState
	data, err := os.ReadFile(filepath.Join(dir, TrainerStateFile))
	if err != nil {
		return fmt.Errorf("read trainer state: %w", err)
	}
	// A damaged checkpoint cannot be repaired, and it is the only one
	// kept, so the advice is to start again.
	const damaged = "the checkpoint is damaged; start again without --resume in a new output directory"
	if err := json.Unmarshal(data, &state); err != nil {
		return fmt.Errorf("%s: %w; %s", filepath.Join(dir, TrainerStateFile), err, damaged)
	}
	if err := tr.checkResumable(state); err != nil {
		return fmt.Errorf("resume from %s: %w", dir, err)
	}

	saved, err := gpt2.Load(dir)
	if err != nil {
		return fmt.Errorf("resume from %s: %w; %s", dir, err, damaged)
	}
	if err := copyWeights(tr.model, saved); err != nil {
		return fmt.Errorf("resume from %s: %w", dir, err)
	}
	moments, err := gpt2.ReadTensorData(filepath.Join(dir, OptimizerFile))
	if err != nil {
		return fmt.Errorf("resume from %s: read optimizer state: %w; %s", dir, err, damaged)
	}
	if err := tr.opt.SetState(moments, state.Step); err != nil {
		return fmt.Errorf("resume from %s: %w", dir, err)
	}
	tr.start = state.Step
	tr.cfg.Log.Info("resumed", "step", state.Step, "dir", dir)
	return nil
}

// checkResumable compares a saved state with the current run.
func (tr *trainer) checkResumable(s TrainerState) error {
	mismatch := func(what string, saved, now any) error {
		return fmt.Errorf("the checkpoint's %s is %v but this run's is %v; "+
			"resume with the same data and flags, or start a new output directory", what, saved, now)
	}
	cfg := tr.cfg
	switch {
	case s.Seed != cfg.Seed:
		return mismatch("seed (--seed)", s.Seed, cfg.Seed)
	case s.Examples != tr.task.size():
		return mismatch("number of training examples", s.Examples, tr.task.size())
	case s.Data != tr.task.fingerprint():
		return mismatch("data fingerprint", s.Data, tr.task.fingerprint())
	case s.Total != tr.total:
		return mismatch("total step count (--steps or --epochs)", s.Total, tr.total)
	case s.LR != cfg.LR:
		return mismatch("learning rate (--lr)", s.LR, cfg.LR)
	case s.Warmup != cfg.Warmup:
		return mismatch("warmup (--warmup)", s.Warmup, cfg.Warmup)
	case s.BatchSize != 0 && s.BatchSize != cfg.BatchSize:
		return mismatch("batch size (--batch-size)", s.BatchSize, cfg.BatchSize)
	case s.Accum != 0 && s.Accum != cfg.Accum:
		return mismatch("gradient accumulation (--accum)", s.Accum, cfg.Accum)
	case s.WeightDecay != nil && *s.WeightDecay != cfg.WeightDecay:
		return mismatch("weight decay (--weight-decay)", *s.WeightDecay, cfg.WeightDecay)
	case s.MaxGradNorm != nil && *s.MaxGradNorm != cfg.MaxGradNorm:
		return mismatch("gradient clipping (--max-grad-norm)", *s.MaxGradNorm, cfg.MaxGradNorm)
	case s.Objective != "" && s.Objective != taskObjective(tr.task):
		return mismatch("objective (--loss, --beta, --label-smoothing and the reference weights)",
			s.Objective, taskObjective(tr.task))
	case s.Step > tr.total:
		return mismatch("step", s.Step, tr.total)
	}
	return nil
}

// copyWeights copies the parameters of src into dst; both must have the
// same tensors.
func copyWeights(dst, src *gpt2.Model) error {
	sp := src.Params()
	dp := dst.Params()
	if len(sp) != len(dp) {
		return fmt.Errorf("checkpoint has %d tensors, the model %d", len(sp), len(dp))
	}
	for i := range dp {
		if sp[i].Name != dp[i].Name || !slices.Equal(sp[i].Shape, dp[i].Shape) {
			return fmt.Errorf("checkpoint tensor %s %v does not match the model's %s %v",
				sp[i].Name, sp[i].Shape, dp[i].Name, dp[i].Shape)
		}
		copy(dp[i].Data, sp[i].Data)
	}
	return nil
}
