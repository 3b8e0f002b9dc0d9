package gpt2

import (
	"encoding/json"
	"fmt"
	"os"
)

// Config contains the Hugging Face GPT-2 config.json fields that shape the
// model. Fields that do not change the arithmetic are kept so that a saved
// config reads like the one loaded.
type Config struct {
	ModelType          string  `json:"model_type"`
	VocabSize          int     `json:"vocab_size"`
	NPositions         int     `json:"n_positions"`
	NCtx               int     `json:"n_ctx,omitempty"`
	NEmbd              int     `json:"n_embd"`
	NLayer             int     `json:"n_layer"`
	NHead              int     `json:"n_head"`
	NInner             int     `json:"n_inner,omitempty"`
	LayerNormEpsilon   float64 `json:"layer_norm_epsilon"`
	ActivationFunction string  `json:"activation_function"`
	TieWordEmbeddings  *bool   `json:"tie_word_embeddings,omitempty"`

	// ScaleAttnByInverseLayerIdx and ReorderAndUpcastAttn are GPT-2
	// variants that this package does not implement; Validate rejects them.
	ScaleAttnByInverseLayerIdx bool `json:"scale_attn_by_inverse_layer_idx,omitempty"`
	ReorderAndUpcastAttn       bool `json:"reorder_and_upcast_attn,omitempty"`

	BOSTokenID *int `json:"bos_token_id,omitempty"`
	EOSTokenID *int `json:"eos_token_id,omitempty"`
	PadTokenID *int `json:"pad_token_id,omitempty"`
}

// Inner returns the width of the MLP's hidden layer: n_inner, or 4·n_embd
// when n_inner is unset as in Hugging Face.
func (c Config) Inner() int {
	if c.NInner > 0 {
		return c.NInner
	}
	return 4 * c.NEmbd
}

// Limits that keep sizes and their products inside int64 and memory
// allocations plausible: GPT-2 XL, the largest GPT-2, has 1.6e9
// parameters and n_embd 1600.
const (
	maxDimension  = 1 << 20
	maxParameters = 4e9
)

// parameterCount returns the number of weights of c, counted in int64 so
// that large configs do not overflow.
func (c Config) parameterCount() int64 {
	embd, inner := int64(c.NEmbd), int64(c.NInner)
	if inner == 0 {
		inner = 4 * embd
	}
	perLayer := 4*embd + (embd*3*embd + 3*embd) + (embd*embd + embd) +
		(embd*inner + inner) + (inner*embd + embd)
	return int64(c.VocabSize)*embd + int64(c.NPositions)*embd + int64(c.NLayer)*perLayer + 2*embd
}

// Validate returns an error naming the first config.json field that this
// package cannot build a model from.
func (c Config) Validate() error {
	if c.ModelType != "" && c.ModelType != "gpt2" {
		return fmt.Errorf("model_type %q is not supported: only gpt2", c.ModelType)
	}
	positive := []struct {
		name  string
		value int
	}{
		{"vocab_size", c.VocabSize}, {"n_positions", c.NPositions},
		{"n_embd", c.NEmbd}, {"n_layer", c.NLayer}, {"n_head", c.NHead},
	}
	for _, f := range positive {
		if f.value <= 0 {
			return fmt.Errorf("%s is %d: must be a positive integer", f.name, f.value)
		}
	}
	for _, f := range positive {
		if f.value > maxDimension {
			return fmt.Errorf("%s is %d: must be at most %d", f.name, f.value, maxDimension)
		}
	}
	if n := c.parameterCount(); n > maxParameters {
		return fmt.Errorf("the config has %d parameters: at most %d fit in float32 slices "+
			"on one machine, so lower n_embd, n_layer or vocab_size", n, int64(maxParameters))
	}
	if c.NEmbd%c.NHead != 0 {
		return fmt.Errorf("n_embd %d is not divisible by n_head %d", c.NEmbd, c.NHead)
	}
	if c.NInner < 0 {
		return fmt.Errorf("n_inner is %d: must be positive or unset", c.NInner)
	}
	if !(c.LayerNormEpsilon > 0) {
		return fmt.Errorf("layer_norm_epsilon is %g: must be positive", c.LayerNormEpsilon)
	}
	switch c.ActivationFunction {
	case "gelu_new", "gelu_pytorch_tanh":
	default:
		return fmt.Errorf("activation_function %q is not supported: use gelu_new",
			c.ActivationFunction)
	}
	if c.TieWordEmbeddings != nil && !*c.TieWordEmbeddings {
		return fmt.Errorf("tie_word_embeddings is false: only tied input and output embeddings are supported")
	}
	if c.ScaleAttnByInverseLayerIdx {
		return fmt.Errorf("scale_attn_by_inverse_layer_idx is true: not supported")
	}
	if c.ReorderAndUpcastAttn {
		return fmt.Errorf("reorder_and_upcast_attn is true: not supported")
	}
	return nil
}

// withDefaults fills the fields that Hugging Face defaults when they are
// absent from config.json.
func (c Config) withDefaults() Config {
	if c.ModelType == "" {
		c.ModelType = "gpt2"
	}
	if c.NPositions == 0 && c.NCtx > 0 {
		c.NPositions = c.NCtx
	}
	if c.LayerNormEpsilon == 0 {
		c.LayerNormEpsilon = 1e-5
	}
	if c.ActivationFunction == "" {
		c.ActivationFunction = "gelu_new"
	}
	return c
}

// ReadConfig reads and validates a Hugging Face GPT-2 config.json.
func ReadConfig(path string) (Config, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read model config: %w", err)
	}
	var cfg Config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return Config{}, fmt.Errorf("parse model config %s: %w", path, err)
	}
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("model config %s: %w", path, err)
	}
	return cfg, nil
}

// savedConfig is config.json as Save writes it: the model's fields plus
// the ones Hugging Face needs to pick the right class.
type savedConfig struct {
	Config
	Architectures []string          `json:"architectures"`
	ID2Label      map[string]string `json:"id2label,omitempty"`
}

// writeConfig writes cfg as config.json in the Hugging Face layout.
// hasScore marks a reward model, which Hugging Face loads as
// GPT2ForSequenceClassification with one label.
func writeConfig(path string, cfg Config, hasScore bool) error {
	tied := true
	cfg.TieWordEmbeddings = &tied
	cfg.ModelType = "gpt2"
	cfg.NCtx = cfg.NPositions
	out := savedConfig{Config: cfg, Architectures: []string{"GPT2LMHeadModel"}}
	if hasScore {
		out.Architectures = []string{"GPT2ForSequenceClassification"}
		out.ID2Label = map[string]string{"0": "LABEL_0"}
	}
	raw, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return fmt.Errorf("encode model config: %w", err)
	}
	return WriteFileAtomic(path, append(raw, '\n'))
}
