package ingest

import (
	"reflect"
	"slices"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
)

func TestPairs(t *testing.T) {
	tests := []struct {
		name   string
		record string
		want   labeling.Row
	}{
		{
			name:   "string prompt",
			record: `{"prompt": "Hi", "response_a": "Hello", "response_b": "Hey"}`,
			want: labeling.Row{
				Prompt:     user("Hi"),
				Candidates: []labeling.Candidate{{Content: "Hello"}, {Content: "Hey"}},
			},
		},
		{
			name:   "system and models",
			record: `{"system": "Be brief.", "prompt": "Hi", "response_a": "Hello", "response_b": "Hey", "model_a": "m1", "model_b": "m2"}`,
			want: labeling.Row{
				Prompt: labeling.Conversation{msg("system", "Be brief."), msg("user", "Hi")},
				Candidates: []labeling.Candidate{
					{Content: "Hello", Model: "m1"},
					{Content: "Hey", Model: "m2"},
				},
			},
		},
		{
			name:   "empty system and null model",
			record: `{"system": "", "prompt": "Hi", "response_a": "Hello", "response_b": "Hey", "model_a": null}`,
			want: labeling.Row{
				Prompt:     user("Hi"),
				Candidates: []labeling.Candidate{{Content: "Hello"}, {Content: "Hey"}},
			},
		},
		{
			name: "multi-turn messages with system",
			record: `{"prompt": [{"role": "system", "content": "S"}, {"role": "user", "content": "U1"},` +
				` {"role": "assistant", "content": "A1"}, {"role": "user", "content": "U2"}],` +
				` "response_a": "x", "response_b": "y"}`,
			want: labeling.Row{
				Prompt: labeling.Conversation{
					msg("system", "S"), msg("user", "U1"), msg("assistant", "A1"), msg("user", "U2"),
				},
				Candidates: []labeling.Candidate{{Content: "x"}, {Content: "y"}},
			},
		},
		{
			name:   "system field before a message list",
			record: `{"system": "S", "prompt": [{"role": "user", "content": "U"}], "response_a": "x", "response_b": "y"}`,
			want: labeling.Row{
				Prompt:     labeling.Conversation{msg("system", "S"), msg("user", "U")},
				Candidates: []labeling.Candidate{{Content: "x"}, {Content: "y"}},
			},
		},
		{
			name:   "empty response",
			record: `{"prompt": "Hi", "response_a": "", "response_b": "Hey"}`,
			want: labeling.Row{
				Prompt:     user("Hi"),
				Candidates: []labeling.Candidate{{Content: ""}, {Content: "Hey"}},
			},
		},
		{
			name:   "strings kept exactly",
			record: `{"prompt": "  Hi\n", "response_a": "a\u200bb", "response_b": "\u202eevil\t "}`,
			want: labeling.Row{
				Prompt:     user("  Hi\n"),
				Candidates: []labeling.Candidate{{Content: "a\u200bb"}, {Content: "\u202eevil\t "}},
			},
		},
		{
			name:   "unnormalised Unicode kept",
			record: "{\"prompt\": \"cafe\u0301\", \"response_a\": \"caf\u00e9\", \"response_b\": \"cafe\u0301\"}",
			want: labeling.Row{
				Prompt:     user("cafe\u0301"),
				Candidates: []labeling.Candidate{{Content: "caf\u00e9"}, {Content: "cafe\u0301"}},
			},
		},
		{
			name:   "unknown fields ignored",
			record: `{"id": 7, "prompt": "Hi", "response_a": "x", "response_b": "y", "extra": {"a": [1]}}`,
			want: labeling.Row{
				Prompt:     user("Hi"),
				Candidates: []labeling.Candidate{{Content: "x"}, {Content: "y"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, _ := mustRead(t, tt.record, Options{Format: FormatPairs})
			if len(rows) != 1 {
				t.Fatalf("rows: got %v, want %v", len(rows), 1)
			}
			tt.want.Line = 1
			if !reflect.DeepEqual(rows[0], tt.want) {
				t.Errorf("row: got %+v, want %+v", rows[0], tt.want)
			}
		})
	}
}

func TestPairsLabels(t *testing.T) {
	tests := []struct {
		label string
		want  *labeling.SourceLabel
	}{
		{`"a"`, &labeling.SourceLabel{Verdict: labeling.VerdictPreferred, Preferred: 0}},
		{`"b"`, &labeling.SourceLabel{Verdict: labeling.VerdictPreferred, Preferred: 1}},
		{`"tie"`, &labeling.SourceLabel{Verdict: labeling.VerdictTie}},
		{`"both_bad"`, &labeling.SourceLabel{Verdict: labeling.VerdictBothBad}},
		{`null`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			record := `{"prompt": "p", "response_a": "x", "response_b": "y", "label": ` + tt.label + `}`
			rows, _ := mustRead(t, record, Options{})
			if got := rows[0].Label; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("label: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPairsInvisibleCharactersBytes(t *testing.T) {
	// U+200B ZERO WIDTH SPACE and U+202E RIGHT-TO-LEFT OVERRIDE, raw and
	// escaped, come out as the same UTF-8 bytes.
	record := "{\"prompt\": \"a\u200b\", \"response_a\": \"\\u202eb\", \"response_b\": \"\u202eb\\u200b\"}"
	rows, _ := mustRead(t, record, Options{})
	want := [][]byte{
		{'a', 0xe2, 0x80, 0x8b},
		{0xe2, 0x80, 0xae, 'b'},
		{0xe2, 0x80, 0xae, 'b', 0xe2, 0x80, 0x8b},
	}
	got := [][]byte{
		[]byte(rows[0].Prompt[0].Content),
		[]byte(rows[0].Candidates[0].Content),
		[]byte(rows[0].Candidates[1].Content),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("bytes: got %x, want %x", got, want)
	}
}

func TestPairsIdenticalSkipped(t *testing.T) {
	input := `{"prompt": "p", "response_a": "same", "response_b": "same"}` + "\n" +
		`{"prompt": "p", "response_a": "same", "response_b": "same "}` + "\n" +
		`{"prompt": "p", "response_a": "", "response_b": ""}`
	rows, res := mustRead(t, input, Options{})

	if got := rowLines(rows); !reflect.DeepEqual(got, []int{2}) {
		t.Errorf("row lines: got %v, want %v", got, []int{2})
	}
	want := []Skip{
		{Line: 1, Reason: SkipIdentical, Detail: "response_a and response_b are identical"},
		{Line: 3, Reason: SkipIdentical, Detail: "response_a and response_b are identical"},
	}
	if !reflect.DeepEqual(res.Skipped, want) {
		t.Errorf("skipped: got %v, want %v", res.Skipped, want)
	}
	if res.Read != 3 {
		t.Errorf("records read: got %v, want %v", res.Read, 3)
	}
}

func TestPairsFieldMap(t *testing.T) {
	tests := []struct {
		name   string
		fields string
		record string
		want   labeling.Row
	}{
		{
			name:   "joined with plus",
			fields: "prompt=instruction+input,response_a=output_1,response_b=output_2",
			record: `{"instruction": "Translate.", "input": "Bonjour", "output_1": "Hello", "output_2": "Hi"}`,
			want: labeling.Row{
				Prompt:     user("Translate.\n\nBonjour"),
				Candidates: []labeling.Candidate{{Content: "Hello"}, {Content: "Hi"}},
			},
		},
		{
			name:   "empty part left out",
			fields: "prompt=instruction+input,response_a=output_1,response_b=output_2",
			record: `{"instruction": "Say hi.", "input": "", "output_1": "Hello", "output_2": "Hi"}`,
			want: labeling.Row{
				Prompt:     user("Say hi."),
				Candidates: []labeling.Candidate{{Content: "Hello"}, {Content: "Hi"}},
			},
		},
		{
			name:   "unmapped keep canonical names",
			fields: "prompt=question",
			record: `{"question": "Q", "prompt": "ignored", "response_a": "x", "response_b": "y", "label": "b"}`,
			want: labeling.Row{
				Prompt:     user("Q"),
				Candidates: []labeling.Candidate{{Content: "x"}, {Content: "y"}},
				Label:      &labeling.SourceLabel{Verdict: labeling.VerdictPreferred, Preferred: 1},
			},
		},
		{
			name:   "models and system renamed",
			fields: "system=sys,model_a=generator_1,model_b=generator_2",
			record: `{"sys": "S", "prompt": "P", "response_a": "x", "response_b": "y", "generator_1": "g1", "generator_2": "g2"}`,
			want: labeling.Row{
				Prompt:     labeling.Conversation{msg("system", "S"), msg("user", "P")},
				Candidates: []labeling.Candidate{{Content: "x", Model: "g1"}, {Content: "y", Model: "g2"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields, err := ParseFieldMap(tt.fields)
			if err != nil {
				t.Fatal(err)
			}
			rows, res := mustRead(t, tt.record, Options{Fields: fields})
			if res.Format != FormatPairs {
				t.Errorf("format: got %v, want %v", res.Format, FormatPairs)
			}
			tt.want.Line = 1
			if !reflect.DeepEqual(rows[0], tt.want) {
				t.Errorf("row: got %+v, want %+v", rows[0], tt.want)
			}
		})
	}
}

func TestPairsFieldMapErrorsNameFileFields(t *testing.T) {
	fields, err := ParseFieldMap("prompt=instruction+input,response_a=output_1,response_b=output_2")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		record string
		field  string
		reason string
	}{
		{"part missing", `{"instruction": "I", "output_1": "x", "output_2": "y"}`, "input", "missing"},
		{"part not a string", `{"instruction": "I", "input": 5, "output_1": "x", "output_2": "y"}`, "input", "want a string, got number"},
		{"response renamed", `{"instruction": "I", "input": "", "output_1": ["x"], "output_2": "y"}`, "output_1", "want a string, got array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readString(t, tt.record, Options{Fields: fields})
			malformed := mustMalformed(t, err)
			got := malformed.Lines[0]
			want := LineError{Line: 1, Field: tt.field, Reason: tt.reason}
			if got != want {
				t.Errorf("error: got %v, want %v", got, want)
			}
		})
	}
}

func TestPairsScalarResponseSkipped(t *testing.T) {
	input := `{"prompt": "p", "response_a": "a", "response_b": "b"}
{"prompt": "p", "response_a": true, "response_b": "b"}
{"prompt": "p", "response_a": "a", "response_b": 4.5}
{"prompt": "p", "response_a": false, "response_b": 0}
`
	rows, res := mustRead(t, input, Options{})
	if len(rows) != 1 {
		t.Errorf("rows: got %d, want 1", len(rows))
	}
	want := []Skip{
		{Line: 2, Reason: SkipResponseNotText, Detail: `field "response_a" is boolean true, not text`},
		{Line: 3, Reason: SkipResponseNotText, Detail: `field "response_b" is number 4.5, not text`},
		{Line: 4, Reason: SkipResponseNotText,
			Detail: `field "response_a" is boolean false, not text; field "response_b" is number 0, not text`},
	}
	if !slices.Equal(res.Skipped, want) {
		t.Errorf("skipped:\ngot  %v\nwant %v", res.Skipped, want)
	}
}

// TestPairsScalarResponseMalformedRecord checks that a boolean response
// does not hide another field's error: the record is still malformed.
func TestPairsScalarResponseMalformedRecord(t *testing.T) {
	tests := []struct {
		name, record string
		want         LineError
	}{
		{"bad label", `{"prompt": "p", "response_a": true, "response_b": "b", "label": "c"}`,
			LineError{Line: 1, Field: "label", Reason: `label "c" is not a, b, tie or both_bad`}},
		{"object response", `{"prompt": "p", "response_a": true, "response_b": {"text": "b"}}`,
			LineError{Line: 1, Field: "response_b", Reason: "want a string, got object"}},
		{"missing prompt", `{"response_a": true, "response_b": "b"}`,
			LineError{Line: 1, Field: "prompt", Reason: "missing"}},
		{"bad model", `{"prompt": "p", "response_a": 1, "response_b": "b", "model_a": 7}`,
			LineError{Line: 1, Field: "model_a", Reason: "want a string, got number"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readString(t, tt.record+"\n", Options{Format: FormatPairs})
			malformed := mustMalformed(t, err)
			if len(malformed.Lines) != 1 || malformed.Lines[0] != tt.want {
				t.Errorf("malformed lines: got %v, want [%v]", malformed.Lines, tt.want)
			}
		})
	}
}
