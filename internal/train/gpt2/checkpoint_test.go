package gpt2

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func testConfig() Config {
	return Config{VocabSize: 11, NPositions: 6, NEmbd: 8, NLayer: 2, NHead: 2,
		LayerNormEpsilon: 1e-5, ActivationFunction: "gelu_new"}
}

func newTestModel(t *testing.T) *Model {
	t.Helper()
	m, err := New(testConfig(), 1)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, score := range []bool{false, true} {
		name := "language model"
		if score {
			name = "reward model"
		}
		t.Run(name, func(t *testing.T) {
			m := newTestModel(t)
			if score {
				m.AddScoreHead(2)
			}
			dir := t.TempDir()
			if err := m.Save(dir); err != nil {
				t.Fatal(err)
			}
			got, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Params()) != len(m.Params()) {
				t.Fatalf("got %d params, want %d", len(got.Params()), len(m.Params()))
			}
			for i, p := range m.Params() {
				q := got.Params()[i]
				if q.Name != p.Name || !slices.Equal(q.Shape, p.Shape) || !slices.Equal(q.Data, p.Data) {
					t.Errorf("param %s: loaded %s %v differs", p.Name, q.Name, q.Shape)
				}
			}
			if (got.ScoreHead() != nil) != score {
				t.Errorf("score head present: got %v, want %v", got.ScoreHead() != nil, score)
			}
			if got.Config().NEmbd != 8 || got.Config().VocabSize != 11 || got.Config().NLayer != 2 {
				t.Errorf("config: got %+v", got.Config())
			}
		})
	}
}

func TestSaveWritesHuggingFaceConfig(t *testing.T) {
	dir := t.TempDir()
	if err := newTestModel(t).Save(dir); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"model_type": "gpt2"`, `"activation_function": "gelu_new"`,
		`"tie_word_embeddings": true`, `"n_embd": 8`, `"n_layer": 2`, `"n_head": 2`,
		`"vocab_size": 11`, `"n_positions": 6`, `"GPT2LMHeadModel"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("config.json lacks %s:\n%s", want, raw)
		}
	}
}

// writeCheckpoint saves m's config and writes params under the given names
// into a fresh directory.
func writeCheckpoint(t *testing.T, cfg Config, params []*Param) string {
	t.Helper()
	dir := t.TempDir()
	if err := writeConfig(filepath.Join(dir, ConfigFile), cfg, false); err != nil {
		t.Fatal(err)
	}
	if err := writeSafetensors(filepath.Join(dir, WeightsFile), params); err != nil {
		t.Fatal(err)
	}
	return dir
}

func renamed(p *Param, name string) *Param {
	return &Param{Name: name, Shape: p.Shape, Data: p.Data}
}

// TestLoadHuggingFaceNames loads names as GPT2LMHeadModel checkpoints carry
// them: a "transformer." prefix, attention mask buffers and lm_head.weight.
func TestLoadHuggingFaceNames(t *testing.T) {
	m := newTestModel(t)
	var params []*Param
	for _, p := range m.Params() {
		params = append(params, renamed(p, "transformer."+p.Name))
	}
	C := m.cfg.NEmbd
	for i := 0; i < m.cfg.NLayer; i++ {
		prefix := "transformer.h." + string(rune('0'+i)) + ".attn."
		params = append(params, newParam(prefix+"bias", 1, 1, 6, 6), newParam(prefix+"masked_bias"))
	}
	params = append(params, renamed(m.wte, "lm_head.weight"))
	dir := writeCheckpoint(t, m.cfg, params)

	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.wte.Data, m.wte.Data) || !slices.Equal(got.layers[1].fcW.Data, m.layers[1].fcW.Data) {
		t.Errorf("weights loaded under the transformer. prefix differ")
	}
	if len(got.wte.Data) != 11*C {
		t.Errorf("wte: got %d values", len(got.wte.Data))
	}
}

func TestLoadErrors(t *testing.T) {
	m := newTestModel(t)
	without := func(name string) []*Param {
		var out []*Param
		for _, p := range m.Params() {
			if p.Name != name {
				out = append(out, p)
			}
		}
		return out
	}
	untied := renamed(m.wte, "lm_head.weight")
	untied.Data = append([]float32(nil), m.wte.Data...)
	untied.Data[5] += 1
	misshapen := newParam("wpe.weight", 7, 8)

	cases := []struct {
		name   string
		params []*Param
		want   string
	}{
		{"missing tensor", without("ln_f.bias"), "missing tensors: ln_f.bias"},
		{"wrong shape", append(without("wpe.weight"), misshapen), "tensor wpe.weight has shape [7 8], expected [6 8]"},
		{"unexpected tensor", append(m.Params(), newParam("h.9.mlp.c_fc.weight", 2)), "unexpected tensors for a GPT-2 model: h.9.mlp.c_fc.weight"},
		{"untied lm_head", append(m.Params(), untied), "lm_head.weight differs from wte.weight at index 5"},
		{"duplicate prefix", append(m.Params(), renamed(m.wpe, "transformer.wpe.weight")), "appears with and without"},
		{"wide score head", append(m.Params(), newParam("score.weight", 2, 8)), "tensor score.weight has shape [2 8], expected [1 8]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeCheckpoint(t, m.cfg, tc.params))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	m := newTestModel(t)
	dir := writeCheckpoint(t, m.cfg, m.Params())
	weights := filepath.Join(dir, WeightsFile)

	t.Run("unsupported dtype", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "w.safetensors")
		header := `{"wte.weight":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`
		raw := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
		raw = append(append(raw, header...), make([]byte, 8)...)
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := readSafetensors(path)
		if err == nil || !strings.Contains(err.Error(), `tensor "wte.weight": dtype I64 is not supported`) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("truncated data", func(t *testing.T) {
		raw, err := os.ReadFile(weights)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(weights, raw[:len(raw)-4], 0o644); err != nil {
			t.Fatal(err)
		}
		_, err = Load(dir)
		if err == nil || !strings.Contains(err.Error(), "data_offsets") {
			t.Errorf("got %v, want a data_offsets error", err)
		}
	})
	t.Run("not safetensors", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "w.safetensors")
		os.WriteFile(path, []byte("PK\x03\x04 this is a zip file, not safetensors"), 0o644)
		_, err := readSafetensors(path)
		if err == nil || !strings.Contains(err.Error(), "is it a safetensors file?") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("no weights", func(t *testing.T) {
		_, err := Load(t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "no model.safetensors") {
			t.Errorf("got %v", err)
		}
	})
}

func TestReadConfigErrors(t *testing.T) {
	cases := []struct {
		name, json, want string
	}{
		{"invalid json", `{"n_embd": 8,`, "parse model config"},
		{"heads", `{"vocab_size":5,"n_positions":4,"n_embd":6,"n_layer":1,"n_head":4}`, "n_embd 6 is not divisible by n_head 4"},
		{"activation", `{"vocab_size":5,"n_positions":4,"n_embd":8,"n_layer":1,"n_head":2,"activation_function":"relu"}`, `activation_function "relu" is not supported`},
		{"missing size", `{"vocab_size":5,"n_positions":4,"n_layer":1,"n_head":2}`, "n_embd is 0"},
		{"untied", `{"vocab_size":5,"n_positions":4,"n_embd":8,"n_layer":1,"n_head":2,"tie_word_embeddings":false}`, "tie_word_embeddings is false"},
		{"model type", `{"model_type":"llama","vocab_size":5,"n_positions":4,"n_embd":8,"n_layer":1,"n_head":2}`, `model_type "llama"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), ConfigFile)
			os.WriteFile(path, []byte(tc.json), 0o644)
			_, err := ReadConfig(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestReadConfigDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), ConfigFile)
	os.WriteFile(path, []byte(`{"vocab_size":5,"n_ctx":4,"n_embd":8,"n_layer":1,"n_head":2,"n_inner":null}`), 0o644)
	cfg, err := ReadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NPositions != 4 || cfg.LayerNormEpsilon != 1e-5 || cfg.Inner() != 32 || cfg.ActivationFunction != "gelu_new" {
		t.Errorf("got %+v", cfg)
	}
}

func TestHalfToFloat(t *testing.T) {
	cases := []struct {
		bits uint16
		want float32
	}{
		{0x3c00, 1}, {0xc000, -2}, {0x7bff, 65504}, {0x0001, 1.0 / (1 << 24)},
		{0x3555, 0.33325195}, {0x8000, float32(math.Copysign(0, -1))},
	}
	for _, tc := range cases {
		if got := halfToFloat(tc.bits); got != tc.want {
			t.Errorf("halfToFloat(%#04x): got %g, want %g", tc.bits, got, tc.want)
		}
	}
	if got := halfToFloat(0x7c00); !math.IsInf(float64(got), 1) {
		t.Errorf("halfToFloat(0x7c00): got %g, want +Inf", got)
	}
}
