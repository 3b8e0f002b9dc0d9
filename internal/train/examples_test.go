package train

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReadPreferencesFormats(t *testing.T) {
	cases := []struct {
		name, line               string
		prompt, chosen, rejected string
		margin                   float64
	}{
		{
			name:   "standard explicit",
			line:   `{"prompt": "The sky is", "chosen": " blue.", "rejected": " green."}`,
			prompt: "The sky is", chosen: " blue.", rejected: " green.",
		},
		{
			name: "conversational explicit",
			line: `{"prompt": [{"role": "user", "content": "Colour of the sky?"}], ` +
				`"chosen": [{"role": "assistant", "content": "Blue."}], ` +
				`"rejected": [{"role": "assistant", "content": "Green."}]}`,
			prompt: "<|user|>\nColour of the sky?\n<|assistant|>\n", chosen: "Blue.", rejected: "Green.",
		},
		{
			name:   "standard implicit",
			line:   `{"chosen": "The sky is blue.", "rejected": "The sky is green."}`,
			prompt: "The sky is", chosen: " blue.", rejected: " green.",
		},
		{
			name: "conversational implicit",
			line: `{"chosen": [{"role": "user", "content": "Sky?"}, {"role": "assistant", "content": "Blue."}], ` +
				`"rejected": [{"role": "user", "content": "Sky?"}, {"role": "assistant", "content": "Green."}]}`,
			prompt: "<|user|>\nSky?\n<|assistant|>\n", chosen: "Blue.", rejected: "Green.",
		},
		{
			name:   "reward margin",
			line:   `{"prompt": "Sky?", "chosen": "Blue.", "rejected": "Green.", "margin": 1.5}`,
			prompt: "Sky?", chosen: "Blue.", rejected: "Green.", margin: 1.5,
		},
		{
			name:   "anthropic hh",
			line:   `{"chosen": "\n\nHuman: Sky?\n\nAssistant: Blue.", "rejected": "\n\nHuman: Sky?\n\nAssistant: Green."}`,
			prompt: "<|user|>\nSky?\n<|assistant|>\n", chosen: "Blue.", rejected: "Green.",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "p.jsonl", c.line+"\n")
			prefs, _, err := ReadPreferences(context.Background(), path, ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if len(prefs) != 1 {
				t.Fatalf("got %d pairs, want 1", len(prefs))
			}
			p := prefs[0]
			if p.Prompt != c.prompt {
				t.Errorf("prompt %q, want %q", p.Prompt, c.prompt)
			}
			if p.Chosen != c.chosen || p.Rejected != c.rejected {
				t.Errorf("chosen %q rejected %q, want %q and %q", p.Chosen, p.Rejected, c.chosen, c.rejected)
			}
			if p.Margin != c.margin {
				t.Errorf("margin %v, want %v", p.Margin, c.margin)
			}
		})
	}
}

func TestReadPreferencesGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(`{"prompt": "a", "chosen": "b", "rejected": "c"}` + "\n"))
	zw.Close()
	path := writeFile(t, t.TempDir(), "p.jsonl.gz", buf.String())
	prefs, _, err := ReadPreferences(context.Background(), path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(prefs) != 1 || prefs[0].Chosen != "b" {
		t.Errorf("got %+v, want one pair with chosen b", prefs)
	}
}

type parquetMessage struct {
	Content string `parquet:"content"`
	Role    string `parquet:"role"`
}

type parquetMeta struct {
	ComparisonID string  `parquet:"comparison_id"`
	Votes        int64   `parquet:"votes"`
	Agreement    float64 `parquet:"agreement"`
}

type parquetPreference struct {
	Prompt   []parquetMessage `parquet:"prompt,list"`
	Chosen   []parquetMessage `parquet:"chosen,list"`
	Rejected []parquetMessage `parquet:"rejected,list"`
	Margin   float64          `parquet:"margin"`
	Metadata *parquetMeta     `parquet:"metadata,optional"`
}

func TestReadPreferencesParquet(t *testing.T) {
	rows := []parquetPreference{{
		Prompt:   []parquetMessage{{"Be brief.", "system"}, {"Sky?", "user"}},
		Chosen:   []parquetMessage{{"Blue.", "assistant"}},
		Rejected: []parquetMessage{{"It is a long story.", "assistant"}},
		Margin:   0.5,
		Metadata: &parquetMeta{ComparisonID: "c1", Votes: 3, Agreement: 1},
	}, {
		Prompt:   []parquetMessage{{"Grass?", "user"}},
		Chosen:   []parquetMessage{{"Green.", "assistant"}},
		Rejected: []parquetMessage{{"", "assistant"}},
	}}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, t.TempDir(), "train.parquet", buf.String())

	_, _, err := ReadPreferences(context.Background(), path, ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "train.parquet: row 2") ||
		!strings.Contains(err.Error(), "rejected completion is empty") {
		t.Fatalf("error %v, want the empty rejected completion of row 2 named", err)
	}

	buf.Reset()
	if err := parquet.Write(&buf, rows[:1]); err != nil {
		t.Fatal(err)
	}
	path = writeFile(t, t.TempDir(), "train.parquet", buf.String())
	prefs, _, err := ReadPreferences(context.Background(), path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := "<|system|>\nBe brief.\n<|user|>\nSky?\n<|assistant|>\n"
	if prefs[0].Prompt != want || prefs[0].Chosen != "Blue." || prefs[0].Margin != 0.5 {
		t.Errorf("got %+v, want prompt %q, chosen Blue. and margin 0.5", prefs[0], want)
	}
}

func TestReadPreferencesErrors(t *testing.T) {
	cases := []struct {
		name, content, want string
	}{
		{"empty chosen", "\n" + `{"prompt": "a", "chosen": "", "rejected": "c"}`, "p.jsonl: line 2: the chosen completion is empty"},
		{"not json", `{"prompt": `, "p.jsonl: line 1: want one JSON object per line"},
		{"wrong type", `{"prompt": "a", "chosen": 3, "rejected": "c"}`, `p.jsonl: line 1: field "chosen"`},
		{"no records", "\n\n", "contains no records"},
		{"unlabelled pairs", `{"prompt": "a", "response_a": "b", "response_b": "c"}`, "line 1: the row does not say which response is preferred; label the pairs first"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "p.jsonl", c.content+"\n")
			_, _, err := ReadPreferences(context.Background(), path, ReadOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestReadPreferencesWrongFormat(t *testing.T) {
	sft := `{"prompt": "a", "completion": " b"}` + "\n" + `{"prompt": "a", "completion": " c"}`
	cases := []struct {
		name, content, want string
	}{
		{"sft rows", sft, `p.jsonl: the rows look like the "sft" import format; want preference rows`},
		{"prompts only", `{"prompt": "a"}`, "p.jsonl: line 1: cannot tell the format from the fields prompt; want preference rows"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "p.jsonl", c.content+"\n")
			_, _, err := ReadPreferences(context.Background(), path, ReadOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
			// The importer's advice names flags that the trainer lacks.
			if strings.Contains(err.Error(), "--format") || strings.Contains(err.Error(), "--map") {
				t.Errorf("error %q names flags of the import command", err)
			}
		})
	}
}

func TestReadCompletions(t *testing.T) {
	content := strings.Join([]string{
		`{"prompt": "2+2=", "completion": "4"}`,
		`{"prompt": [{"role": "user", "content": "Hi"}], "completion": [{"role": "assistant", "content": "Hello"}]}`,
		`{"messages": [{"role": "system", "content": "Be kind."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}`,
	}, "\n")
	path := writeFile(t, t.TempDir(), "sft.jsonl", content)
	got, _, err := ReadCompletions(context.Background(), path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Completion{
		{Prompt: "2+2=", Completion: "4"},
		{Prompt: "<|user|>\nHi\n<|assistant|>\n", Completion: "Hello"},
		{Prompt: "<|system|>\nBe kind.\n<|user|>\nHi\n<|assistant|>\n", Completion: "Hello"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Prompt != want[i].Prompt || got[i].Completion != want[i].Completion {
			t.Errorf("row %d: got %q + %q, want %q + %q", i+1, got[i].Prompt, got[i].Completion,
				want[i].Prompt, want[i].Completion)
		}
	}

	bad := writeFile(t, t.TempDir(), "sft.jsonl", `{"prompt": "a", "completion": "b"}`+"\n"+`{"prompt": "a", "completion": ""}`)
	if _, _, err := ReadCompletions(context.Background(), bad, ReadOptions{}); err == nil ||
		!strings.Contains(err.Error(), "sft.jsonl: line 2: the completion is empty") {
		t.Errorf("error %v, want the empty completion of line 2 named", err)
	}

	prefs := writeFile(t, t.TempDir(), "p.jsonl", `{"prompt": "a", "chosen": "b", "rejected": "c"}`)
	got, _, err = ReadCompletions(context.Background(), prefs, ReadOptions{})
	if err != nil || len(got) != 1 || got[0].Completion != "b" {
		t.Errorf("preference file: got %+v, %v, want the chosen response as completion", got, err)
	}
}

func TestReadCorpus(t *testing.T) {
	dir := t.TempDir()
	docs, err := ReadCorpus(writeFile(t, dir, "c.txt", "one\ntwo\n\n\nthree\r\n\r\nfour"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"one\ntwo", "three", "four"}; strings.Join(docs, "|") != strings.Join(want, "|") {
		t.Errorf("documents %q, want %q", docs, want)
	}
	docs, err = ReadCorpus(writeFile(t, dir, "c.jsonl", `{"text": "a"}`+"\n"+`{"text": "b"}`))
	if err != nil || len(docs) != 2 {
		t.Errorf("jsonl corpus: got %q, %v, want two documents", docs, err)
	}
	if _, err := ReadCorpus(writeFile(t, dir, "d.jsonl", `{"body": "a"}`)); err == nil ||
		!strings.Contains(err.Error(), `want a string field "text"`) {
		t.Errorf("error %v, want the missing text field named", err)
	}
}

func TestReadPreferencesJSONArray(t *testing.T) {
	content := `[
  {"prompt": "a", "chosen": "b", "rejected": "c"},
  {"prompt": "d", "chosen": "", "rejected": "f"}
]`
	path := writeFile(t, t.TempDir(), "p.json", content)
	_, _, err := ReadPreferences(context.Background(), path, ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "p.json: row 2: the chosen completion is empty") {
		t.Errorf("error %v, want the empty completion of row 2 named", err)
	}
	prefs, stats, err := ReadPreferences(context.Background(), path, ReadOptions{SkipEmpty: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(prefs) != 1 || stats.Empty != 1 {
		t.Errorf("got %d pairs and %d empty rows, want 1 and 1", len(prefs), stats.Empty)
	}
}
