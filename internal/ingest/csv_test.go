package ingest

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
)

// readCSVString runs Read on input as CSV with the field map fields.
func readCSVString(t *testing.T, input, fields string) ([]labeling.Row, Result, error) {
	t.Helper()
	m, err := ParseFieldMap(fields)
	if err != nil {
		t.Fatal(err)
	}
	return readString(t, input, Options{Format: FormatCSV, Fields: m})
}

// label returns a source label.
func label(v labeling.Verdict, preferred int) *labeling.SourceLabel {
	return &labeling.SourceLabel{Verdict: v, Preferred: preferred}
}

func TestCSVRows(t *testing.T) {
	tests := []struct {
		name   string
		fields string
		input  string
		want   []labeling.Row
	}{
		{
			name:  "pairs",
			input: "prompt,response_a,response_b\nHi,Hello,Hey\n",
			want: []labeling.Row{{Line: 2, Prompt: user("Hi"),
				Candidates: []labeling.Candidate{{Content: "Hello"}, {Content: "Hey"}}}},
		},
		{
			name: "quoted commas, quotes and line breaks",
			input: "prompt,response_a,response_b\n" +
				`"Name two primes, please.","2, 3","He said ""5""."` + "\n" +
				`"Line one` + "\n" + `line two",a,"b` + "\n\n" + `c"` + "\n" +
				"next,x,y\n",
			want: []labeling.Row{
				{Line: 2, Prompt: user("Name two primes, please."),
					Candidates: []labeling.Candidate{{Content: "2, 3"}, {Content: `He said "5".`}}},
				{Line: 3, Prompt: user("Line one\nline two"),
					Candidates: []labeling.Candidate{{Content: "a"}, {Content: "b\n\nc"}}},
				{Line: 7, Prompt: user("next"),
					Candidates: []labeling.Candidate{{Content: "x"}, {Content: "y"}}},
			},
		},
		{
			name: "system, label and models in any column order",
			input: "label,model_b,response_b,response_a,model_a,prompt,system,notes\n" +
				"B ,m2,Hey,Hello,m1,Hi,Be brief.,ignored\n",
			want: []labeling.Row{{Line: 2,
				Prompt:     labeling.Conversation{msg("system", "Be brief."), msg("user", "Hi")},
				Candidates: []labeling.Candidate{{Content: "Hello", Model: "m1"}, {Content: "Hey", Model: "m2"}},
				Label:      label(labeling.VerdictPreferred, 1)}},
		},
		{
			name:  "empty label and system cells",
			input: "prompt,response_a,response_b,label,system\nHi,Hello,,,\n",
			want: []labeling.Row{{Line: 2, Prompt: user("Hi"),
				Candidates: []labeling.Candidate{{Content: "Hello"}, {Content: ""}}}},
		},
		{
			name:  "preferred column",
			input: "prompt,response_a,response_b,preferred\nHi,Hello,Hey,tie\n",
			want: []labeling.Row{{Line: 2, Prompt: user("Hi"),
				Candidates: []labeling.Candidate{{Content: "Hello"}, {Content: "Hey"}},
				Label:      label(labeling.VerdictTie, 0)}},
		},
		{
			name:  "label column wins over preferred",
			input: "prompt,response_a,response_b,label,preferred\nHi,Hello,Hey,a,nonsense\n",
			want: []labeling.Row{{Line: 2, Prompt: user("Hi"),
				Candidates: []labeling.Candidate{{Content: "Hello"}, {Content: "Hey"}},
				Label:      label(labeling.VerdictPreferred, 0)}},
		},
		{
			name:  "chosen and rejected with models",
			input: "prompt,chosen,rejected,chosen_model,rejected_model\nHi,Hello,Go away,m1,m2\n",
			want: []labeling.Row{{Line: 2, Prompt: user("Hi"),
				Candidates: []labeling.Candidate{{Content: "Hello", Model: "m1"}, {Content: "Go away", Model: "m2"}},
				Label:      preferredFirst}},
		},
		{
			name:  "chosen and rejected with implicit prompt",
			input: "chosen,rejected\nThe sky is blue.,The sky is green.\n",
			want: []labeling.Row{{Line: 2, Prompt: user("The sky is"),
				Candidates: []labeling.Candidate{{Content: " blue."}, {Content: " green."}},
				Label:      preferredFirst}},
		},
		{
			name: "HH transcripts",
			input: "chosen,rejected\n" +
				`"` + "\n\nHuman: Hi\n\nAssistant: Hello!" + `","` + "\n\nHuman: Hi\n\nAssistant: Go away." + `"` + "\n",
			want: []labeling.Row{{Line: 2, Prompt: user("Hi"),
				Candidates: []labeling.Candidate{{Content: "Hello!"}, {Content: "Go away."}},
				Label:      preferredFirst}},
		},
		{
			name:   "mapped and joined columns",
			fields: "prompt=instruction+input,response_a=output_1,response_b=output_2,label=winner",
			input:  "instruction,input,output_1,output_2,winner\nTranslate.,Hallo,Hello,Hi,b\nGreet.,,Hey,Yo,\n",
			want: []labeling.Row{
				{Line: 2, Prompt: user("Translate.\n\nHallo"),
					Candidates: []labeling.Candidate{{Content: "Hello"}, {Content: "Hi"}},
					Label:      label(labeling.VerdictPreferred, 1)},
				{Line: 3, Prompt: user("Greet."),
					Candidates: []labeling.Candidate{{Content: "Hey"}, {Content: "Yo"}}},
			},
		},
		{
			name:  "header names with spaces",
			input: " prompt , response_a ,response_b\nHi,Hello,Hey\n",
			want: []labeling.Row{{Line: 2, Prompt: user("Hi"),
				Candidates: []labeling.Candidate{{Content: "Hello"}, {Content: "Hey"}}}},
		},
		{
			name:  "byte-order mark, CRLF and blank lines",
			input: "\ufeffprompt,response_a,response_b\r\n\r\nHi,\"Hello\r\nthere\",Hey\r\n   \r\n",
			want: []labeling.Row{{Line: 3, Prompt: user("Hi"),
				Candidates: []labeling.Candidate{{Content: "Hello\nthere"}, {Content: "Hey"}}}},
		},
		{
			name:  "no final line break",
			input: "prompt,response_a,response_b\nHi,Hello,Hey",
			want: []labeling.Row{{Line: 2, Prompt: user("Hi"),
				Candidates: []labeling.Candidate{{Content: "Hello"}, {Content: "Hey"}}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, res, err := readCSVString(t, tt.input, tt.fields)
			if err != nil {
				t.Fatalf("Read: got error %v, want none", err)
			}
			if res.Format != FormatCSV {
				t.Errorf("format: got %v, want %v", res.Format, FormatCSV)
			}
			if !reflect.DeepEqual(rows, tt.want) {
				t.Errorf("rows:\ngot  %+v\nwant %+v", rows, tt.want)
			}
		})
	}
}

func TestCSVGzip(t *testing.T) {
	input := gzipped(t, "prompt,response_a,response_b\nHi,Hello,Hey\n")
	rows, res := mustRead(t, input, Options{Format: FormatCSV})
	if len(rows) != 1 || res.Read != 1 {
		t.Errorf("rows and records read: got %v and %v, want 1 and 1", len(rows), res.Read)
	}
}

func TestCSVTruncatedGzip(t *testing.T) {
	// Cutting the last 20 bytes removes the gzip trailer and the end of the
	// compressed rows.
	var b strings.Builder
	b.WriteString("prompt,response_a,response_b\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "prompt %d,a %d,b %d\n", i, i*7919%10007, i*104729%10009)
	}
	gz := gzipped(t, b.String())
	_, _, err := readString(t, gz[:len(gz)-20], Options{Format: FormatCSV})
	malformed := mustMalformed(t, err)
	got := malformed.Lines[len(malformed.Lines)-1].Reason
	if want := "the gzip stream ends early or is corrupt"; !strings.Contains(got, want) {
		t.Errorf("reason: got %q, want it to contain %q", got, want)
	}
}

func TestCSVSkipsIdentical(t *testing.T) {
	rows, res, err := readCSVString(t, "prompt,response_a,response_b\nHi,same,same\nHi,a,b\n", "")
	if err != nil {
		t.Fatalf("Read: got error %v, want none", err)
	}
	if len(rows) != 1 {
		t.Errorf("rows: got %v, want %v", len(rows), 1)
	}
	want := []Skip{{Line: 2, Reason: SkipIdentical, Detail: "response_a and response_b are identical"}}
	if !reflect.DeepEqual(res.Skipped, want) {
		t.Errorf("skips: got %+v, want %+v", res.Skipped, want)
	}
}

func TestCSVMalformed(t *testing.T) {
	const header = "prompt,response_a,response_b\n"
	tests := []struct {
		name   string
		fields string
		input  string
		line   int
		field  string
		reason string // a part of the reason
	}{
		{"too few fields", "", header + "Hi,Hello\n", 2, "",
			"the row has 2 fields and the header 3 columns; enclose fields that contain commas"},
		{"too many fields", "", header + "Hi, there,Hello,Hey\n", 2, "", "the row has 4 fields"},
		{"bare quote", "", header + `Say "hi",a,b` + "\n", 2, "",
			`invalid CSV at line 2, column 5: bare " in non-quoted-field; a field that contains a quote`},
		{"text after closing quote", "", header + `"Hi"x,a,b` + "\n", 2, "",
			`extraneous or missing " in quoted-field`},
		{"unknown label", "", "prompt,response_a,response_b,label\nHi,a,b,left\n", 2, "label",
			`label "left" is not a, b, tie or both_bad`},
		{"NUL", "", header + "Hi\x00,a,b\n", 2, "prompt", "NUL"},
		{"no layout columns", "", "question,answer1,answer2\nq,a,b\n", 1, "",
			`no response_a and response_b columns and no chosen and rejected columns (its columns: "question", "answer1", "answer2"); rename the columns, or map them`},
		{"semicolons", "", "prompt;response_a;response_b\np;a;b\n", 1, "",
			`the header is one column that contains ";"`},
		{"map names a missing column", "response_a=first,response_b=second", header + "p,a,b\n", 1, "",
			"no response_a and response_b columns"},
		{"column twice", "", "prompt,response_a,response_b,prompt\np,a,b,q\n", 1, "prompt",
			`the header names column "prompt" twice (columns 1 and 4)`},
		{"header only", "", header, 1, "", "the CSV file has a header row but no rows below it"},
		{"empty file", "", "", 1, "", "the file contains no records"},
		{"Windows-1252 quotes", "", header + "x,y,z\nSay \x93hi\x94,a,b\n", 3, "",
			"invalid UTF-8 at byte 4 of the line (byte 0x93, which is '“' in Windows-1252); " +
				"the file looks like Windows-1252, not UTF-8; re-save it as UTF-8, " +
				"for example with iconv -f WINDOWS-1252 -t UTF-8"},
		{"Latin-1 in the header", "", "pr\xe9gunta,response_a,response_b\n", 1, "",
			"invalid UTF-8 at byte 2 of the line (byte 0xE9, which is 'é' in Windows-1252); " +
				"the file looks like Windows-1252 or Latin-1 (ISO-8859-1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readCSVString(t, tt.input, tt.fields)
			malformed := mustMalformed(t, err)
			got := malformed.Lines[0]
			if got.Line != tt.line {
				t.Errorf("line: got %v, want %v", got.Line, tt.line)
			}
			if got.Field != tt.field {
				t.Errorf("field: got %q, want %q", got.Field, tt.field)
			}
			if !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("reason: got %q, want it to contain %q", got.Reason, tt.reason)
			}
		})
	}
}

func TestCSVErrorsDoNotStopReading(t *testing.T) {
	// Rows with errors are listed, the rows after them are still checked,
	// and no row is emitted after the first error.
	input := "prompt,response_a,response_b\nok,a,b\nshort,a\n" + `bad "quote",a,b` + "\nok2,a,b\nlast,a\n"
	rows, res, err := readCSVString(t, input, "")
	malformed := mustMalformed(t, err)
	var lines []int
	for _, l := range malformed.Lines {
		lines = append(lines, l.Line)
	}
	if want := []int{3, 4, 6}; !reflect.DeepEqual(lines, want) {
		t.Errorf("malformed lines: got %v, want %v", lines, want)
	}
	if res.Read != 5 {
		t.Errorf("records read: got %v, want %v", res.Read, 5)
	}
	if len(rows) != 1 {
		t.Errorf("rows emitted: got %v, want %v", len(rows), 1)
	}
}

func TestCSVUnclosedQuote(t *testing.T) {
	// An unclosed quote takes in the lines after it until the record is
	// over the maximum size.
	input := "prompt,response_a,response_b\n\"open,a,b\n" + strings.Repeat("more text\n", 20000)
	_, _, err := readString(t, input, Options{Format: FormatCSV, MaxLineBytes: 1000})
	malformed := mustMalformed(t, err)
	got := malformed.Lines[0].Reason
	if want := "over the limit of 1000 bytes, often because a quote is not closed"; !strings.Contains(got, want) {
		t.Errorf("reason: got %q, want it to contain %q", got, want)
	}
}

func TestCSVLineTooLong(t *testing.T) {
	input := "prompt,response_a,response_b\np,a," + strings.Repeat("b", 2000) + "\n"
	_, _, err := readString(t, input, Options{Format: FormatCSV, MaxLineBytes: 1000})
	malformed := mustMalformed(t, err)
	got := malformed.Lines[0]
	if got.Line != 2 {
		t.Errorf("line: got %v, want %v", got.Line, 2)
	}
	if want := "line is 2004 bytes, over the limit of 1000 bytes"; !strings.Contains(got.Reason, want) {
		t.Errorf("reason: got %q, want it to contain %q", got.Reason, want)
	}
}

func TestCSVReadAsJSONL(t *testing.T) {
	tests := []struct {
		name  string
		input string
		hint  bool
	}{
		{"CSV header", "prompt,response_a,response_b\np,a,b\n", true},
		{"quoted CSV header", "\"prompt\",\"response_a\"\n", true},
		{"one word", "not json\n", false},
		{"broken object", `{"prompt": "p", "response_a": "a",}` + "\n", false},
		{"JSON array line", `["p", "a", "b"]` + "\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readString(t, tt.input, Options{})
			malformed := mustMalformed(t, err)
			reason := malformed.Lines[0].Reason
			got := strings.Contains(reason, "looks like the header row of a CSV file")
			if got != tt.hint {
				t.Errorf("CSV hint in %q: got %v, want %v", reason, got, tt.hint)
			}
		})
	}
}

func TestFormatForName(t *testing.T) {
	tests := []struct {
		format Format
		name   string
		want   Format
	}{
		{FormatAuto, "pairs.csv", FormatCSV},
		{FormatAuto, "Export.CSV", FormatCSV},
		{FormatAuto, "pairs.csv.gz", FormatCSV},
		{"", "pairs.csv", FormatCSV},
		{FormatAuto, "pairs.jsonl", FormatAuto},
		{FormatAuto, "csv", FormatAuto},
		{FormatAuto, "api upload", FormatAuto},
		{FormatPairs, "pairs.csv", FormatPairs},
	}
	for _, tt := range tests {
		if got := FormatForName(tt.format, tt.name); got != tt.want {
			t.Errorf("FormatForName(%q, %q): got %v, want %v", tt.format, tt.name, got, tt.want)
		}
	}
}

// docExample returns the first code block fenced as lang under the heading
// "## section" of docs/import-formats.md.
func docExample(t *testing.T, section, lang string) string {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "import-formats.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "\n## "+section+"\n")
	if !ok {
		t.Fatalf("docs/import-formats.md has no section %q", section)
	}
	_, rest, ok = strings.Cut(rest, "```"+lang+"\n")
	if !ok {
		t.Fatalf("section %q has no %s example", section, lang)
	}
	example, _, _ := strings.Cut(rest, "```")
	return example
}

func TestCSVDocExample(t *testing.T) {
	rows, _ := mustRead(t, docExample(t, "csv", "csv"), Options{Format: FormatCSV})
	want := []labeling.Row{
		{Line: 2, Prompt: user("Name a prime, please."),
			Candidates: []labeling.Candidate{{Content: "7", Model: "m1"}, {Content: "9", Model: "m2"}},
			Label:      label(labeling.VerdictPreferred, 0)},
		{Line: 3, Prompt: user(`Write a line about "rain".`),
			Candidates: []labeling.Candidate{{Content: "Rain taps\non the roof.", Model: "m1"}, {Content: "It rains.", Model: "m2"}},
			Label:      label(labeling.VerdictPreferred, 1)},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\ngot  %+v\nwant %+v", rows, want)
	}
}

func TestSeparatedFileReadAsJSONL(t *testing.T) {
	tests := []struct {
		name, input, want string
	}{
		{"tabs", "prompt\tresponse_a\tresponse_b\nq\ta\tb\n",
			`looks like the header row of a file with tabs between fields (3 columns, the first "prompt"); ` +
				"save it as CSV with commas between fields"},
		{"semicolons", "prompt;response_a;response_b\n",
			`looks like the header row of a file with semicolons between fields (3 columns, the first "prompt")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readString(t, tt.input, Options{})
			malformed := mustMalformed(t, err)
			if got := malformed.Lines[0].Reason; !strings.Contains(got, tt.want) {
				t.Errorf("reason: got %q, want it to contain %q", got, tt.want)
			}
			if got := len(malformed.Lines); got != 1 {
				t.Errorf("malformed lines: got %d, want 1", got)
			}
		})
	}
}
