package train

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pairwise/pairwise/internal/train/gpt2"
)

// byteTokenizer maps each byte to its value as a token id; id 256 is the
// end-of-text token.
type byteTokenizer struct{}

func (byteTokenizer) Encode(s string) []int32 {
	ids := make([]int32, len(s))
	for i := 0; i < len(s); i++ {
		ids[i] = int32(s[i])
	}
	return ids
}

func (byteTokenizer) Decode(ids []int32) string {
	b := make([]byte, 0, len(ids))
	for _, id := range ids {
		if id < 256 {
			b = append(b, byte(id))
		}
	}
	return string(b)
}

const byteEOS = 256

func byteVocab() Vocab {
	return Vocab{Tok: byteTokenizer{}, EOS: byteEOS, Size: 257}
}

// tinyModel returns a two-layer model over the byte vocabulary.
func tinyModel(t testing.TB, seed uint64) *gpt2.Model {
	t.Helper()
	m, err := gpt2.New(gpt2.Config{VocabSize: 257, NPositions: 64, NEmbd: 32,
		NLayer: 2, NHead: 2, LayerNormEpsilon: 1e-5}, seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// writeJSONL writes rows as JSONL to a file in dir and returns its path.
func writeJSONL(t testing.TB, dir, name string, rows []map[string]any) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	for _, r := range rows {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(append(b, '\n'))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return path
}

// preferenceRows returns n preference rows where the chosen response is
// always the upper-case word and the rejected one lower case.
func preferenceRows(n int) []map[string]any {
	words := []string{"apple", "berry", "cherry", "date", "elder", "fig", "grape", "hazel"}
	rows := make([]map[string]any, n)
	for i := range rows {
		w := words[i%len(words)]
		rows[i] = map[string]any{
			"prompt":   fmt.Sprintf("Say %s %d:", w, i),
			"chosen":   " " + upper(w),
			"rejected": " " + w,
		}
	}
	return rows
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// readMetrics returns the rows of a run's metrics.jsonl.
func readMetrics(t testing.TB, dir string) []map[string]any {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("metrics line %q: %v", sc.Text(), err)
		}
		rows = append(rows, r)
	}
	return rows
}

// testConfig returns a short run's settings.
func testConfig(dir string, steps int) Config {
	return Config{OutDir: dir, LR: 3e-3, Warmup: 2, WeightDecay: 0.01, MaxGradNorm: 1,
		BatchSize: 4, Accum: 1, MaxSteps: steps, Epochs: 1, Seed: 7, LogEvery: 1}
}
