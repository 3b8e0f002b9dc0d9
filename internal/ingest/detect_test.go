package ingest

import (
	"testing"
)

func TestDetectFormat(t *testing.T) {
	tests := []struct {
		name   string
		fields string
		record string
		want   Format
	}{
		{"pairs", "", goodRecords[FormatPairs], FormatPairs},
		{"pairs with only response_a", "", `{"response_a": "x"}`, FormatPairs},
		{"trl standard", "", goodRecords[FormatTRL], FormatTRL},
		{"trl implicit", "", `{"chosen": "The sky is blue.", "rejected": "The sky is green."}`, FormatTRL},
		{"trl conversational", "", `{"chosen": [{"role": "user", "content": "x"}], "rejected": []}`, FormatTRL},
		{"hh", "", goodRecords[FormatHH], FormatHH},
		{"hh without trailing space", "", `{"chosen": "\n\nHuman:x", "rejected": "\n\nHuman:y"}`, FormatHH},
		{"one transcript is trl", "", `{"chosen": "\n\nHuman: x", "rejected": "Human: y"}`, FormatTRL},
		{"completions", "", goodRecords[FormatCompletions], FormatCompletions},
		{"completions wins over chosen", "", `{"completions": [], "chosen": "a", "rejected": "b"}`, FormatCompletions},
		{"any field map is pairs", "prompt=instruction", `{"instruction": "x", "a": "y"}`, FormatPairs},
		{"mapped chosen is trl", "chosen=better,rejected=worse", `{"better": "a", "worse": "b"}`, FormatTRL},
		{"mapped response is pairs", "response_a=output_1", `{"output_1": "a"}`, FormatPairs},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fields, err := ParseFieldMap(tt.fields)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := decodeRecord([]byte(tt.record), fields)
			if err != nil {
				t.Fatal(err)
			}
			got, err := detectFormat(rec)
			if err != nil {
				t.Fatalf("detectFormat: got error %v, want none", err)
			}
			if got != tt.want {
				t.Errorf("format: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDetectFromFirstRecordOnly(t *testing.T) {
	// The second record has the keys of another format, so it is read as
	// pairs and rejected.
	input := goodRecords[FormatPairs] + "\n" + goodRecords[FormatTRL] + "\n"
	_, res, err := readString(t, input, Options{})
	malformed := mustMalformed(t, err)
	if res.Format != FormatPairs {
		t.Errorf("format: got %v, want %v", res.Format, FormatPairs)
	}
	want := LineError{Line: 2, Field: "response_a", Reason: "missing"}
	if got := malformed.Lines[0]; got != want {
		t.Errorf("error: got %v, want %v", got, want)
	}
}

func TestExplicitFormatOverridesDetection(t *testing.T) {
	// An HH-looking record read as TRL keeps its transcripts whole and
	// splits them at the first differing character.
	record := goodRecords[FormatHH]
	rows, res := mustRead(t, record, Options{Format: FormatTRL})
	if res.Format != FormatTRL {
		t.Errorf("format: got %v, want %v", res.Format, FormatTRL)
	}
	want := "\n\nHuman: p\n\nAssistant:"
	if got := rows[0].Prompt[0].Content; got != want {
		t.Errorf("prompt: got %q, want %q", got, want)
	}
}
