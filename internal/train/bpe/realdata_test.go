package bpe

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/pairwise/pairwise/internal/sharedtest"
)

// TestRealDataHH trains on the chosen and rejected conversations of the
// Anthropic HH harmless-base test split, then checks the round trip, the
// compression and a save and load.
func TestRealDataHH(t *testing.T) {
	texts := readHHTexts(t, sharedDataFile(t, "hh-rlhf-harmless-base-test/test.jsonl.gz"))
	tok, err := TrainTexts(texts, 2048, []string{"<|endoftext|>"})
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.VocabSize(); got != 2048 {
		t.Errorf("VocabSize() = %d, want 2048", got)
	}

	var bytes, tokens int
	for _, text := range texts {
		ids := tok.Encode(text)
		if got := tok.Decode(ids); got != text {
			t.Fatalf("round trip changed %.60q... into %.60q...", text, got)
		}
		bytes += len(text)
		tokens += len(ids)
	}
	// English text takes about 3 to 4 bytes per token with a vocabulary
	// this size; bytes-per-token near 1 would mean the merges do not apply.
	ratio := float64(bytes) / float64(tokens)
	t.Logf("%d texts, %d bytes, %d tokens, %.2f bytes per token", len(texts), bytes, tokens, ratio)
	if ratio < 3 {
		t.Errorf("%.2f bytes per token, want at least 3", ratio)
	}

	dir := t.TempDir()
	if err := tok.Save(dir); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	sample := texts[0] + "<|endoftext|>" + texts[1]
	if got, want := loaded.Encode(sample), tok.Encode(sample); !slices.Equal(got, want) {
		t.Errorf("the loaded tokenizer encodes differently from the saved one")
	}
}

func readHHTexts(tb testing.TB, path string) []string {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatal(err)
	}
	var texts []string
	sc := bufio.NewScanner(gz)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var row struct{ Chosen, Rejected string }
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			tb.Fatal(err)
		}
		texts = append(texts, row.Chosen, row.Rejected)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return texts
}

// sharedDataFile returns the path of a file in the shared data folder
// beside the repository, or skips the test when the file is absent.
func sharedDataFile(tb testing.TB, rel string) string {
	return sharedtest.File(tb, "data/"+rel)
}
