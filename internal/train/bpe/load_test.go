package bpe

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestLoadPicksFormat(t *testing.T) {
	// A directory with both formats is read from tokenizer.json.
	dir := t.TempDir()
	copyFile(t, "testdata/gpt2-mini/vocab.json", filepath.Join(dir, "vocab.json"))
	copyFile(t, "testdata/gpt2-mini/merges.txt", filepath.Join(dir, "merges.txt"))
	writeFile(t, filepath.Join(dir, "tokenizer.json"), "{}")
	_, err := Load(dir)
	if err == nil || !strings.Contains(err.Error(), "tokenizer.json: model is missing") {
		t.Errorf("Load(dir) error = %v, want tokenizer.json read first", err)
	}

	tok, err := Load(filepath.Join(dir, "vocab.json"))
	if err != nil {
		t.Fatalf("Load(vocab.json): %v", err)
	}
	if got := tok.VocabSize(); got != 265 {
		t.Errorf("VocabSize() = %d, want 265", got)
	}

	_, err = Load(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "has neither tokenizer.json nor vocab.json") {
		t.Errorf("Load(empty dir) error = %v", err)
	}
	_, err = Load(filepath.Join(dir, "missing"))
	if err == nil {
		t.Errorf("Load(missing path) succeeded")
	}
}

func TestLoadTokenizerJSONStringMerges(t *testing.T) {
	doc := readMiniJSON(t)
	model := doc["model"].(map[string]any)
	var merges []any
	for _, m := range model["merges"].([]any) {
		pair := m.([]any)
		merges = append(merges, pair[0].(string)+" "+pair[1].(string))
	}
	model["merges"] = merges
	tok, err := LoadTokenizerJSON(writeJSON(t, doc))
	if err != nil {
		t.Fatal(err)
	}
	want := loadTB(t, "testdata/hf-mini")
	if !slices.Equal(tok.mergeList, want.mergeList) {
		t.Errorf("merges = %v, want %v", tok.mergeList, want.mergeList)
	}
}

func TestLoadTokenizerJSONSequence(t *testing.T) {
	doc := readMiniJSON(t)
	doc["pre_tokenizer"] = map[string]any{
		"type":          "Sequence",
		"pretokenizers": []any{doc["pre_tokenizer"]},
	}
	if _, err := LoadTokenizerJSON(writeJSON(t, doc)); err != nil {
		t.Errorf("a Sequence holding only ByteLevel was rejected: %v", err)
	}
}

func TestLoadTokenizerJSONErrors(t *testing.T) {
	cases := []struct {
		name   string
		change func(doc, model map[string]any)
		want   string
	}{
		{"wordpiece", func(doc, model map[string]any) {
			model["type"] = "WordPiece"
		}, `model.type is "WordPiece"; only BPE tokenizers can be loaded`},
		{"unigram vocab list", func(doc, model map[string]any) {
			model["type"] = "Unigram"
			model["vocab"] = []any{[]any{"a", -1.5}}
		}, `model.type is "Unigram"`},
		{"unknown merge token", func(doc, model map[string]any) {
			model["merges"] = append(model["merges"].([]any), []any{"Ġt", "x"})
		}, `merge model.merges[8] ("Ġt" "x"): token "Ġtx" is not in the vocabulary`},
		{"bad merge string", func(doc, model map[string]any) {
			model["merges"] = []any{"Ġt"}
		}, `model.merges[0]: expected two tokens separated by one space, got "Ġt"`},
		{"bad merge array", func(doc, model map[string]any) {
			model["merges"] = []any{[]any{"a", "b", "c"}}
		}, `model.merges[0]: expected "left right" or ["left", "right"]`},
		{"bert pre-tokenizer", func(doc, model map[string]any) {
			doc["pre_tokenizer"] = map[string]any{"type": "BertPreTokenizer"}
		}, `pre_tokenizer is "BertPreTokenizer"; only ByteLevel`},
		{"no pre-tokenizer", func(doc, model map[string]any) {
			doc["pre_tokenizer"] = nil
		}, "pre_tokenizer is null"},
		{"prefix space", func(doc, model map[string]any) {
			doc["pre_tokenizer"].(map[string]any)["add_prefix_space"] = true
		}, "pre_tokenizer.add_prefix_space is true"},
		{"normalizer", func(doc, model map[string]any) {
			doc["normalizer"] = map[string]any{"type": "NFC"}
		}, `normalizer is "NFC"`},
		{"dropout", func(doc, model map[string]any) {
			model["dropout"] = 0.1
		}, "model.dropout is 0.1"},
		{"byte fallback", func(doc, model map[string]any) {
			model["byte_fallback"] = true
		}, "model.byte_fallback is true"},
		{"id gap", func(doc, model map[string]any) {
			model["vocab"].(map[string]any)["aa"] = 9999
		}, `token "aa" has id 9999, outside 0..264`},
		{"duplicate id", func(doc, model map[string]any) {
			model["vocab"].(map[string]any)["aa"] = 0
		}, "has id 0, which token"},
		{"added token id mismatch", func(doc, model map[string]any) {
			doc["added_tokens"].([]any)[0].(map[string]any)["id"] = 3
		}, `added token "<|endoftext|>" has id 3 but the vocabulary gives it id 264`},
		{"added token lstrip", func(doc, model map[string]any) {
			doc["added_tokens"].([]any)[0].(map[string]any)["lstrip"] = true
		}, `added_tokens[0] ("<|endoftext|>"): single_word, lstrip and rstrip are not supported`},
		{"added token without content", func(doc, model map[string]any) {
			delete(doc["added_tokens"].([]any)[0].(map[string]any), "content")
		}, `added_tokens[0]: "id" and "content" are required`},
		{"not byte-level", func(doc, model map[string]any) {
			vocab := model["vocab"].(map[string]any)
			delete(vocab, "aa")
			vocab["a a"] = 262
		}, `token "a a" (id 262) is not written in GPT-2's byte-level alphabet`},
		{"missing byte", func(doc, model map[string]any) {
			vocab := model["vocab"].(map[string]any)
			delete(vocab, "Ā")
			vocab["zz"] = 188
		}, "no token for byte 0x00"},
		{"merge of special", func(doc, model map[string]any) {
			model["merges"] = append(model["merges"].([]any), []any{"<|endoftext|>", "a"})
		}, `token "<|endoftext|>" is a special token, which merges must not involve`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := readMiniJSON(t)
			c.change(doc, doc["model"].(map[string]any))
			path := writeJSON(t, doc)
			_, err := LoadTokenizerJSON(path)
			if err == nil {
				t.Fatalf("loaded without error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error = %q, want the file name and %q", err, c.want)
			}
		})
	}
}

func TestLoadTokenizerJSONNotJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokenizer.json")
	writeFile(t, path, "{\"model\": ")
	_, err := LoadTokenizerJSON(path)
	if err == nil || !strings.Contains(err.Error(), path+": not a Hugging Face tokenizer.json") {
		t.Errorf("error = %v", err)
	}
}

func TestLoadGPT2Errors(t *testing.T) {
	cases := []struct {
		name   string
		merges string
		want   string
	}{
		{"one token", "#version: 0.2\nĠ t\nhe\n", `line 3: expected two tokens separated by one space, got "he"`},
		{"three tokens", "Ġ t x\n", `line 1: expected two tokens`},
		{"unknown token", "#version: 0.2\nĠ t\nq Ġt\n", `merge line 3 ("q" "Ġt"): token "qĠt" is not in the vocabulary`},
		{"duplicate", "Ġ t\nĠ t\n", `merge line 2 ("Ġ" "t") repeats merge line 1`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			copyFile(t, "testdata/gpt2-mini/vocab.json", filepath.Join(dir, "vocab.json"))
			writeFile(t, filepath.Join(dir, "merges.txt"), c.merges)
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	text := generateCorpus(5, 100_000)
	specials := []string{"<|endoftext|>", "<|pad|>"}
	trained, err := TrainTexts([]string{text}, 700, specials)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := trained.Save(dir); err != nil {
		t.Fatal(err)
	}

	fromJSON, err := Load(dir)
	if err != nil {
		t.Fatalf("Load(tokenizer.json): %v", err)
	}
	fromGPT2, err := LoadGPT2(filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt"))
	if err != nil {
		t.Fatalf("LoadGPT2: %v", err)
	}
	sample := text[:20_000] + "<|pad|> tail<|endoftext|>"
	want := trained.Encode(sample)
	for name, tok := range map[string]*Tokenizer{"tokenizer.json": fromJSON, "vocab.json": fromGPT2} {
		t.Run(name, func(t *testing.T) {
			if got := tok.VocabSize(); got != trained.VocabSize() {
				t.Errorf("VocabSize() = %d, want %d", got, trained.VocabSize())
			}
			if !slices.Equal(tok.mergeList, trained.mergeList) {
				t.Errorf("merges differ after the round trip")
			}
			if got := tok.Specials(); !slices.Equal(got, specials) {
				t.Errorf("Specials() = %q, want %q", got, specials)
			}
			if got := tok.Encode(sample); !slices.Equal(got, want) {
				t.Errorf("Encode differs after the round trip")
			}
		})
	}
}

func TestSaveMiniKeepsGPT2Layout(t *testing.T) {
	dir := t.TempDir()
	if err := loadTB(t, "testdata/gpt2-mini").Save(dir); err != nil {
		t.Fatal(err)
	}
	var got, want map[string]int64
	readJSONFile(t, filepath.Join(dir, "vocab.json"), &got)
	readJSONFile(t, "testdata/gpt2-mini/vocab.json", &want)
	if len(got) != len(want) {
		t.Fatalf("vocab.json has %d tokens, want %d", len(got), len(want))
	}
	for key, id := range want {
		if got[key] != id {
			t.Errorf("vocab.json[%q] = %d, want %d", key, got[key], id)
		}
	}
	merges, err := os.ReadFile(filepath.Join(dir, "merges.txt"))
	if err != nil {
		t.Fatal(err)
	}
	wantMerges, err := os.ReadFile("testdata/gpt2-mini/merges.txt")
	if err != nil {
		t.Fatal(err)
	}
	if string(merges) != string(wantMerges) {
		t.Errorf("merges.txt = %q, want %q", merges, wantMerges)
	}
}

func readMiniJSON(tb testing.TB) map[string]any {
	tb.Helper()
	var doc map[string]any
	readJSONFile(tb, "testdata/hf-mini/tokenizer.json", &doc)
	return doc
}

func readJSONFile(tb testing.TB, path string, v any) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		tb.Fatal(err)
	}
}

func writeJSON(tb testing.TB, doc map[string]any) string {
	tb.Helper()
	data, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "tokenizer.json")
	writeFile(tb, path, string(data))
	return path
}

func writeFile(tb testing.TB, path, content string) {
	tb.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func copyFile(tb testing.TB, from, to string) {
	tb.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		tb.Fatal(err)
	}
	writeFile(tb, to, string(data))
}

func TestLoadTokenizerJSONIgnoreMerges(t *testing.T) {
	// "cat" is in the vocabulary but no merge builds it.
	doc := readMiniJSON(t)
	model := doc["model"].(map[string]any)
	model["vocab"].(map[string]any)["cat"] = 265
	plain, err := LoadTokenizerJSON(writeJSON(t, doc))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := plain.Encode("cat"), []int32{66, 64, 83}; !slices.Equal(got, want) {
		t.Errorf("without ignore_merges: Encode(cat) = %v, want %v", got, want)
	}

	model["ignore_merges"] = true
	tok, err := LoadTokenizerJSON(writeJSON(t, doc))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tok.Encode("cat"), []int32{265}; !slices.Equal(got, want) {
		t.Errorf("with ignore_merges: Encode(cat) = %v, want %v", got, want)
	}

	dir := t.TempDir()
	if err := tok.Save(dir); err != nil {
		t.Fatal(err)
	}
	reloaded := loadTB(t, dir)
	if got, want := reloaded.Encode("cat"), []int32{265}; !slices.Equal(got, want) {
		t.Errorf("after save and load: Encode(cat) = %v, want %v", got, want)
	}
}
