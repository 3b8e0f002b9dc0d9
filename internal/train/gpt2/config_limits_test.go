package gpt2

import (
	"strings"
	"testing"
)

func TestConfigRejectsHugeSizes(t *testing.T) {
	base := Config{VocabSize: 96, NPositions: 32, NEmbd: 32, NLayer: 2, NHead: 4,
		LayerNormEpsilon: 1e-5, ActivationFunction: "gelu_new"}
	if err := base.Validate(); err != nil {
		t.Fatalf("base config: %v", err)
	}
	cases := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"n_embd past limit", func(c *Config) { c.NEmbd, c.NHead = 1<<21, 1 }, "n_embd"},
		{"n_layer past limit", func(c *Config) { c.NLayer = 1 << 30 }, "n_layer"},
		{"too many parameters", func(c *Config) { c.NEmbd, c.NHead, c.NLayer = 65536, 1, 100 }, "parameters"},
		{"vocabulary times width", func(c *Config) { c.VocabSize, c.NEmbd, c.NHead = 1<<20, 8192, 1 }, "parameters"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.change(&c)
			err := c.Validate()
			if err == nil {
				t.Fatal("got nil, want an error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}
