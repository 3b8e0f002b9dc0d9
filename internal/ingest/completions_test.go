package ingest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
)

func TestCompletions(t *testing.T) {
	tests := []struct {
		name       string
		record     string
		prompt     labeling.Conversation
		candidates []labeling.Candidate
		skip       *Skip
	}{
		{
			name:       "strings",
			record:     `{"prompt": "Name a color.", "completions": ["Red", "Blue", ""]}`,
			prompt:     user("Name a color."),
			candidates: []labeling.Candidate{{Content: "Red"}, {Content: "Blue"}, {Content: ""}},
		},
		{
			name: "objects with models and messages prompt",
			record: `{"prompt": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"}],` +
				` "completions": [{"content": "a", "model": "m1"}, {"content": "b", "model": null}, "c"]}`,
			prompt: labeling.Conversation{msg("system", "S"), msg("user", "U")},
			candidates: []labeling.Candidate{
				{Content: "a", Model: "m1"}, {Content: "b"}, {Content: "c"},
			},
		},
		{
			name:   "repeats dropped",
			record: `{"prompt": "p", "completions": ["a", {"content": "b", "model": "m"}, "a", {"content": "b", "model": "n"}, "c"]}`,
			prompt: user("p"),
			candidates: []labeling.Candidate{
				{Content: "a"}, {Content: "b", Model: "m"}, {Content: "c"},
			},
			skip: &Skip{Line: 1, Reason: SkipIdentical,
				Detail: "completion 2 repeats completion 0, completion 3 repeats completion 1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, res := mustRead(t, tt.record, Options{})
			if res.Format != FormatCompletions {
				t.Errorf("format: got %v, want %v", res.Format, FormatCompletions)
			}
			if len(rows) != 1 {
				t.Fatalf("rows: got %v, want %v", len(rows), 1)
			}
			want := labeling.Row{Line: 1, Prompt: tt.prompt, Candidates: tt.candidates}
			if !reflect.DeepEqual(rows[0], want) {
				t.Errorf("row: got %+v, want %+v", rows[0], want)
			}
			var wantSkipped []Skip
			if tt.skip != nil {
				wantSkipped = []Skip{*tt.skip}
			}
			if !reflect.DeepEqual(res.Skipped, wantSkipped) {
				t.Errorf("skipped: got %v, want %v", res.Skipped, wantSkipped)
			}
		})
	}
}

func TestCompletionsAllIdenticalSkipped(t *testing.T) {
	input := `{"prompt": "p", "completions": ["a", "b"]}` + "\n" +
		`{"prompt": "p", "completions": ["same", "same", "same"]}`
	rows, res := mustRead(t, input, Options{})
	if got := rowLines(rows); !reflect.DeepEqual(got, []int{1}) {
		t.Errorf("row lines: got %v, want %v", got, []int{1})
	}
	want := []Skip{{
		Line:   2,
		Reason: SkipIdentical,
		Detail: "completion 1 repeats completion 0, completion 2 repeats completion 0; " +
			"fewer than 2 distinct completions remain, so the record is skipped",
	}}
	if !reflect.DeepEqual(res.Skipped, want) {
		t.Errorf("skipped: got %v, want %v", res.Skipped, want)
	}
}

func TestCompletionsLimit(t *testing.T) {
	tests := []struct {
		name      string
		count     int
		malformed bool
	}{
		{"at the limit", MaxCompletions, false},
		{"over the limit", MaxCompletions + 1, true},
		{"far over the limit", 200, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			completions := make([]string, tt.count)
			for i := range completions {
				completions[i] = fmt.Sprintf("%q", fmt.Sprint("completion ", i))
			}
			record := `{"prompt": "p", "completions": [` + strings.Join(completions, ", ") + `]}`
			rows, _, err := readString(t, record, Options{})
			if !tt.malformed {
				if err != nil {
					t.Fatalf("Read: got error %v, want none", err)
				}
				if got := len(rows[0].Candidates); got != tt.count {
					t.Errorf("candidates: got %v, want %v", got, tt.count)
				}
				return
			}
			malformed := mustMalformed(t, err)
			want := LineError{Line: 1, Field: "completions", Reason: fmt.Sprintf(
				"got %d completions, over the limit of 50 per record "+
					"(1225 comparisons); split the record into several "+
					"records with the same prompt", tt.count)}
			if got := malformed.Lines[0]; got != want {
				t.Errorf("error: got %v, want %v", got, want)
			}
		})
	}
}
