package ingest

import (
	"reflect"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
)

func TestTRL(t *testing.T) {
	tests := []struct {
		name     string
		record   string
		prompt   labeling.Conversation
		chosen   string
		rejected string
	}{
		{
			name:     "standard explicit",
			record:   `{"prompt": "The sky is", "chosen": " blue.", "rejected": " green."}`,
			prompt:   user("The sky is"),
			chosen:   " blue.",
			rejected: " green.",
		},
		{
			name: "conversational explicit",
			record: `{"prompt": [{"role": "user", "content": "What color is the sky?"}],` +
				` "chosen": [{"role": "assistant", "content": "It is blue."}],` +
				` "rejected": [{"role": "assistant", "content": "It is green."}]}`,
			prompt:   user("What color is the sky?"),
			chosen:   "It is blue.",
			rejected: "It is green.",
		},
		{
			name: "conversational explicit with system and turns",
			record: `{"prompt": [{"role": "system", "content": "S"}, {"role": "user", "content": "U1"},` +
				` {"role": "assistant", "content": "A1"}, {"role": "user", "content": "U2"}],` +
				` "chosen": [{"role": "assistant", "content": "good"}],` +
				` "rejected": [{"role": "assistant", "content": ""}]}`,
			prompt: labeling.Conversation{
				msg("system", "S"), msg("user", "U1"), msg("assistant", "A1"), msg("user", "U2"),
			},
			chosen:   "good",
			rejected: "",
		},
		{
			name:     "implicit standard moves the space",
			record:   `{"chosen": "The sky is blue.", "rejected": "The sky is green."}`,
			prompt:   user("The sky is"),
			chosen:   " blue.",
			rejected: " green.",
		},
		{
			name:     "implicit standard without space",
			record:   `{"chosen": "Answer:yes", "rejected": "Answer:no"}`,
			prompt:   user("Answer:"),
			chosen:   "yes",
			rejected: "no",
		},
		{
			name:     "implicit standard splits on a character boundary",
			record:   `{"chosen": "Price: 5€", "rejected": "Price: 5£"}`,
			prompt:   user("Price: 5"),
			chosen:   "€",
			rejected: "£",
		},
		{
			name:     "implicit standard one is a prefix",
			record:   `{"chosen": "Say hi", "rejected": "Say hi there"}`,
			prompt:   user("Say hi"),
			chosen:   "",
			rejected: " there",
		},
		{
			name:     "implicit standard nothing shared",
			record:   `{"chosen": "yes", "rejected": "no"}`,
			prompt:   user(""),
			chosen:   "yes",
			rejected: "no",
		},
		{
			name: "implicit conversational",
			record: `{"chosen": [{"role": "user", "content": "Sky?"}, {"role": "assistant", "content": "Blue."}],` +
				` "rejected": [{"role": "user", "content": "Sky?"}, {"role": "assistant", "content": "Green."}]}`,
			prompt:   user("Sky?"),
			chosen:   "Blue.",
			rejected: "Green.",
		},
		{
			name: "implicit conversational multi-turn with system",
			record: `{"chosen": [{"role": "system", "content": "S"}, {"role": "user", "content": "U1"}, {"role": "assistant", "content": "A1"},` +
				` {"role": "user", "content": "U2"}, {"role": "assistant", "content": "good"}],` +
				` "rejected": [{"role": "system", "content": "S"}, {"role": "user", "content": "U1"}, {"role": "assistant", "content": "A1"},` +
				` {"role": "user", "content": "U2"}, {"role": "assistant", "content": "bad"}]}`,
			prompt: labeling.Conversation{
				msg("system", "S"), msg("user", "U1"), msg("assistant", "A1"), msg("user", "U2"),
			},
			chosen:   "good",
			rejected: "bad",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, res := mustRead(t, tt.record, Options{})
			if res.Format != FormatTRL {
				t.Errorf("format: got %v, want %v", res.Format, FormatTRL)
			}
			if len(rows) != 1 {
				t.Fatalf("rows: got %v, want %v", len(rows), 1)
			}
			want := labeling.Row{
				Line:       1,
				Prompt:     tt.prompt,
				Candidates: []labeling.Candidate{{Content: tt.chosen}, {Content: tt.rejected}},
				Label:      preferredFirst,
			}
			if !reflect.DeepEqual(rows[0], want) {
				t.Errorf("row: got %+v, want %+v", rows[0], want)
			}
		})
	}
}

func TestTRLSkipped(t *testing.T) {
	tests := []struct {
		name   string
		record string
		reason SkipReason
		detail string
	}{
		{
			name:   "explicit identical",
			record: `{"prompt": "p", "chosen": "same", "rejected": "same"}`,
			reason: SkipIdentical,
			detail: "chosen and rejected responses are identical",
		},
		{
			name:   "implicit standard identical",
			record: `{"chosen": "p same", "rejected": "p same"}`,
			reason: SkipIdentical,
			detail: "chosen and rejected are identical",
		},
		{
			name: "implicit conversational identical",
			record: `{"chosen": [{"role": "user", "content": "p"}, {"role": "assistant", "content": "a"}],` +
				` "rejected": [{"role": "user", "content": "p"}, {"role": "assistant", "content": "a"}]}`,
			reason: SkipIdentical,
			detail: "chosen and rejected are identical",
		},
		{
			name: "implicit conversational prompts differ",
			record: `{"chosen": [{"role": "user", "content": "p"}, {"role": "assistant", "content": "a"}],` +
				` "rejected": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "b"}]}`,
			reason: SkipPromptsDiffer,
			detail: "messages in common: 0, after them chosen has 2 and rejected 2; want one assistant message each",
		},
		{
			name: "implicit conversational extra turns",
			record: `{"chosen": [{"role": "user", "content": "p"}, {"role": "assistant", "content": "a"},` +
				` {"role": "user", "content": "more"}, {"role": "assistant", "content": "c"}],` +
				` "rejected": [{"role": "user", "content": "p"}, {"role": "assistant", "content": "b"}]}`,
			reason: SkipPromptsDiffer,
			detail: "messages in common: 1, after them chosen has 3 and rejected 1; want one assistant message each",
		},
		{
			name: "implicit conversational ends with user",
			record: `{"chosen": [{"role": "user", "content": "p"}, {"role": "user", "content": "a"}],` +
				` "rejected": [{"role": "user", "content": "p"}, {"role": "user", "content": "b"}]}`,
			reason: SkipPromptsDiffer,
			detail: "messages in common: 1, after them chosen has 1 and rejected 1; want one assistant message each",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, res := mustRead(t, "\n"+tt.record, Options{Format: FormatTRL})
			if len(rows) != 0 {
				t.Errorf("rows: got %v, want 0", len(rows))
			}
			want := []Skip{{Line: 2, Reason: tt.reason, Detail: tt.detail}}
			if !reflect.DeepEqual(res.Skipped, want) {
				t.Errorf("skipped: got %v, want %v", res.Skipped, want)
			}
		})
	}
}

func TestCommonPrefixLen(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "abd", 2},
		{"abc", "abc", 3},
		{"ab", "abc", 2},
		{"x€", "x£", 1}, // € is e2 82 ac and £ is c2 a3: they differ at byte 1
		{"x€", "x₤", 1}, // ₤ is e2 82 a4: the shared bytes e2 82 are not a character
		{"é", "é", 2},
	}
	for _, tt := range tests {
		if got := commonPrefixLen(tt.a, tt.b); got != tt.want {
			t.Errorf("commonPrefixLen(%q, %q): got %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
