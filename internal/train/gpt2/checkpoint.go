package gpt2

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Checkpoint file names inside a model directory, as Hugging Face names them.
const (
	ConfigFile  = "config.json"
	WeightsFile = "model.safetensors"
)

// Load reads a Hugging Face GPT-2 checkpoint: a directory holding
// config.json and model.safetensors, or a .safetensors file with
// config.json beside it. Tensor names may carry the "transformer." prefix.
// The attn.bias and attn.masked_bias buffers are ignored, an lm_head.weight
// must equal wte.weight, and a "score.weight" of shape [1, n_embd] becomes
// the score head. Missing, unknown or misshapen tensors are errors that
// name the tensor.
func Load(path string) (*Model, error) {
	weights, configPath, err := checkpointPaths(path)
	if err != nil {
		return nil, err
	}
	cfg, err := ReadConfig(configPath)
	if err != nil {
		return nil, err
	}
	tensors, err := readSafetensors(weights)
	if err != nil {
		return nil, err
	}
	m, err := fromTensors(cfg, tensors)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", weights, err)
	}
	return m, nil
}

// checkpointPaths returns the weights file and config.json for path.
func checkpointPaths(path string) (weights, config string, err error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", "", fmt.Errorf("load model: %w", err)
	}
	if !info.IsDir() {
		return path, filepath.Join(filepath.Dir(path), ConfigFile), nil
	}
	weights = filepath.Join(path, WeightsFile)
	if _, err := os.Stat(weights); errors.Is(err, fs.ErrNotExist) {
		index := filepath.Join(path, WeightsFile+".index.json")
		if _, err := os.Stat(index); err == nil {
			return "", "", fmt.Errorf("load model %s: sharded checkpoints (%s) are not supported; "+
				"merge the shards into one %s", path, filepath.Base(index), WeightsFile)
		}
		return "", "", fmt.Errorf("load model %s: no %s in the directory", path, WeightsFile)
	}
	return weights, filepath.Join(path, ConfigFile), nil
}

// fromTensors builds a model of cfg from named tensors.
func fromTensors(cfg Config, tensors map[string]tensor) (*Model, error) {
	named := make(map[string]tensor, len(tensors))
	var lmHead *tensor
	for name, t := range tensors {
		short := strings.TrimPrefix(name, "transformer.")
		switch {
		case strings.HasSuffix(short, ".attn.bias"), strings.HasSuffix(short, ".attn.masked_bias"):
			continue
		case short == "lm_head.weight":
			lmHead = &t
			continue
		}
		if _, dup := named[short]; dup {
			return nil, fmt.Errorf("tensor %q appears with and without the transformer. prefix", short)
		}
		named[short] = t
	}

	m := newModel(cfg)
	if t, ok := named["score.weight"]; ok {
		if !slices.Equal(t.shape, []int{1, cfg.NEmbd}) {
			return nil, fmt.Errorf("tensor score.weight has shape %v, expected [1 %d]: "+
				"only single-score reward heads are supported", t.shape, cfg.NEmbd)
		}
		m.AddScoreHead(0)
	}

	var missing []string
	for _, p := range m.params {
		t, ok := named[p.Name]
		if !ok {
			missing = append(missing, p.Name)
			continue
		}
		if !slices.Equal(t.shape, p.Shape) {
			return nil, fmt.Errorf("tensor %s has shape %v, expected %v for the config", p.Name, t.shape, p.Shape)
		}
		copy(p.Data, t.data)
		delete(named, p.Name)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing tensors: %s", strings.Join(missing, ", "))
	}
	if len(named) > 0 {
		return nil, fmt.Errorf("unexpected tensors for a GPT-2 model: %s", strings.Join(sortedKeys(named), ", "))
	}
	if lmHead != nil {
		if err := checkTiedHead(*lmHead, m.wte); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// checkTiedHead rejects an lm_head.weight that differs from wte.weight,
// because this model always ties the output layer to the input embedding.
func checkTiedHead(head tensor, wte *Param) error {
	if !slices.Equal(head.shape, wte.Shape) {
		return fmt.Errorf("tensor lm_head.weight has shape %v, expected %v (tied to wte.weight)", head.shape, wte.Shape)
	}
	for i, v := range head.data {
		if v != wte.Data[i] {
			return fmt.Errorf("tensor lm_head.weight differs from wte.weight at index %d (%g, %g): "+
				"untied output embeddings are not supported", i, v, wte.Data[i])
		}
	}
	return nil
}

func sortedKeys(m map[string]tensor) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Save writes config.json and model.safetensors into dir, creating it,
// with Hugging Face GPT-2 names (no prefix) and Conv1D [in, out] layouts.
// Each file is replaced atomically.
func (m *Model) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	if err := writeSafetensors(filepath.Join(dir, WeightsFile), m.params); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	if err := writeConfig(filepath.Join(dir, ConfigFile), m.cfg, m.score != nil); err != nil {
		return fmt.Errorf("save model: %w", err)
	}
	return nil
}
