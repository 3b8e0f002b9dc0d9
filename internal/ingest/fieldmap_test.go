package ingest

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseFieldMap(t *testing.T) {
	tests := []struct {
		in   string
		want FieldMap
	}{
		{"", nil},
		{"  ", nil},
		{"prompt=instruction", FieldMap{"prompt": "instruction"}},
		{"prompt=instruction+input,response_a=output_1", FieldMap{"prompt": "instruction+input", "response_a": "output_1"}},
		{" prompt = instruction + input , label=winner ", FieldMap{"prompt": "instruction+input", "label": "winner"}},
		{"chosen=better,rejected=worse,completions=outputs", FieldMap{"chosen": "better", "rejected": "worse", "completions": "outputs"}},
	}
	for _, tt := range tests {
		got, err := ParseFieldMap(tt.in)
		if err != nil {
			t.Errorf("ParseFieldMap(%q): got error %v, want none", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseFieldMap(%q): got %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseFieldMapErrors(t *testing.T) {
	tests := []struct {
		in    string
		parts []string
	}{
		{"prompt", []string{`"prompt"`, "want canonical=file_field", "response_a"}},
		{"question=instruction", []string{`"question=instruction"`, `unknown canonical field "question"`, "prompt, system, response_a"}},
		{"prompt=", []string{`"prompt="`, "empty file field name"}},
		{"prompt=a+", []string{`"prompt=a+"`, "empty file field name"}},
		{"prompt=a,,response_a=b", []string{`""`}},
		{"prompt=a,prompt=b", []string{`"prompt=b"`, "prompt is mapped twice"}},
		{"label=a+b", []string{`"label=a+b"`, "cannot join fields"}},
	}
	for _, tt := range tests {
		_, err := ParseFieldMap(tt.in)
		if err == nil {
			t.Errorf("ParseFieldMap(%q): got no error, want one", tt.in)
			continue
		}
		for _, part := range tt.parts {
			if !strings.Contains(err.Error(), part) {
				t.Errorf("ParseFieldMap(%q): got %q, want it to contain %q", tt.in, err, part)
			}
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{FormatAuto, FormatPairs, FormatTRL, FormatHH, FormatCompletions,
		FormatReward, FormatKTO, FormatOpenAI, FormatSFT, FormatRubric, FormatJudgments} {
		got, err := ParseFormat(string(f))
		if err != nil || got != f {
			t.Errorf("ParseFormat(%q): got %v, %v, want %v, nil", f, got, err, f)
		}
	}
	for _, s := range []string{"", "HH", "jsonl", "dpo"} {
		_, err := ParseFormat(s)
		want := "invalid format " + `"` + s + `"` + ": want one of auto, pairs, trl, hh, completions, " +
			"reward, kto, openai, sft, rubric, judgments"
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("ParseFormat(%q): got error %v, want %q", s, err, want)
		}
	}
}
