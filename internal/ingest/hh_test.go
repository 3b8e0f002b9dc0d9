package ingest

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
)

// hhRecord returns an HH record of two transcripts.
func hhRecord(t testing.TB, chosen, rejected string) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{"chosen": chosen, "rejected": rejected})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHH(t *testing.T) {
	tests := []struct {
		name     string
		chosen   string
		rejected string
		prompt   labeling.Conversation
		replies  []string
	}{
		{
			name:     "one turn",
			chosen:   "\n\nHuman: How do I pick a lock?\n\nAssistant: I'd rather not help.",
			rejected: "\n\nHuman: How do I pick a lock?\n\nAssistant: Sure, first...",
			prompt:   user("How do I pick a lock?"),
			replies:  []string{"I'd rather not help.", "Sure, first..."},
		},
		{
			name:     "multi-turn",
			chosen:   "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Tell me a joke.\n\nAssistant: No.",
			rejected: "\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Tell me a joke.\n\nAssistant: Knock knock.",
			prompt: labeling.Conversation{
				msg("user", "Hi"), msg("assistant", "Hello!"), msg("user", "Tell me a joke."),
			},
			replies: []string{"No.", "Knock knock."},
		},
		{
			name:     "reply starting with Human",
			chosen:   "\n\nHuman: Hi\n\nAssistant: Human: are you there?\n\nHuman: Yes\n\nAssistant: Human: ok",
			rejected: "\n\nHuman: Hi\n\nAssistant: Human: are you there?\n\nHuman: Yes\n\nAssistant: Good.",
			prompt: labeling.Conversation{
				msg("user", "Hi"), msg("assistant", "Human: are you there?"), msg("user", "Yes"),
			},
			replies: []string{"Human: ok", "Good."},
		},
		{
			name:     "markers without blank line stay in the text",
			chosen:   "\n\nHuman: say \"Assistant: x\"\nHuman: y\n\nAssistant: a",
			rejected: "\n\nHuman: say \"Assistant: x\"\nHuman: y\n\nAssistant: b",
			prompt:   user("say \"Assistant: x\"\nHuman: y"),
			replies:  []string{"a", "b"},
		},
		{
			name:     "empty reply with trailing space",
			chosen:   "\n\nHuman: Hi\n\nAssistant: ",
			rejected: "\n\nHuman: Hi\n\nAssistant: Hello",
			prompt:   user("Hi"),
			replies:  []string{"", "Hello"},
		},
		{
			name:     "empty reply without trailing space",
			chosen:   "\n\nHuman: Hi\n\nAssistant: Hello",
			rejected: "\n\nHuman: Hi\n\nAssistant:",
			prompt:   user("Hi"),
			replies:  []string{"Hello", ""},
		},
		{
			name:     "extra spaces and blank lines kept",
			chosen:   "\n\nHuman:  two spaces \n\n\n\nAssistant:  a ",
			rejected: "\n\nHuman:  two spaces \n\n\n\nAssistant: b\n\n",
			prompt:   user(" two spaces \n\n"),
			replies:  []string{" a ", "b\n\n"},
		},
		{
			name:     "invisible characters kept",
			chosen:   "\n\nHuman: a\u200b\n\nAssistant: \u202eb",
			rejected: "\n\nHuman: a\u200b\n\nAssistant: c",
			prompt:   user("a\u200b"),
			replies:  []string{"\u202eb", "c"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, res := mustRead(t, hhRecord(t, tt.chosen, tt.rejected), Options{})
			if res.Format != FormatHH {
				t.Errorf("format: got %v, want %v", res.Format, FormatHH)
			}
			if len(rows) != 1 {
				t.Fatalf("rows: got %v, want %v", len(rows), 1)
			}
			want := labeling.Row{
				Line:   1,
				Prompt: tt.prompt,
				Candidates: []labeling.Candidate{
					{Content: tt.replies[0]},
					{Content: tt.replies[1]},
				},
				Label: preferredFirst,
			}
			if !reflect.DeepEqual(rows[0], want) {
				t.Errorf("row: got %+v, want %+v", rows[0], want)
			}
		})
	}
}

func TestHHSkipped(t *testing.T) {
	tests := []struct {
		name     string
		chosen   string
		rejected string
		reason   SkipReason
		detail   string
	}{
		{
			name:     "identical",
			chosen:   "\n\nHuman: Hi\n\nAssistant: Hello",
			rejected: "\n\nHuman: Hi\n\nAssistant: Hello",
			reason:   SkipIdentical,
			detail:   "chosen and rejected responses are identical",
		},
		{
			name:     "different Human turn",
			chosen:   "\n\nHuman: Hi\n\nAssistant: Hello",
			rejected: "\n\nHuman: Hey\n\nAssistant: Hello",
			reason:   SkipPromptsDiffer,
			detail:   "chosen and rejected differ before their last Assistant turn (1 and 1 earlier turns)",
		},
		{
			// The shape of the real data's mismatches: one transcript
			// has an extra Assistant turn at its end.
			name:     "extra Assistant turn",
			chosen:   "\n\nHuman: Hi\n\nAssistant: Hello\n\nAssistant: Again",
			rejected: "\n\nHuman: Hi\n\nAssistant: Hey",
			reason:   SkipPromptsDiffer,
			detail:   "chosen and rejected differ before their last Assistant turn (2 and 1 earlier turns)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, res := mustRead(t, hhRecord(t, tt.chosen, tt.rejected), Options{Format: FormatHH})
			if len(rows) != 0 {
				t.Errorf("rows: got %v, want 0", len(rows))
			}
			want := []Skip{{Line: 1, Reason: tt.reason, Detail: tt.detail}}
			if !reflect.DeepEqual(res.Skipped, want) {
				t.Errorf("skipped: got %v, want %v", res.Skipped, want)
			}
		})
	}
}

func TestSplitTurns(t *testing.T) {
	tests := []struct {
		in   string
		want []labeling.Message
	}{
		{"\n\nHuman:", []labeling.Message{msg("user", "")}},
		{"\n\nHuman: a\n\nAssistant:", []labeling.Message{msg("user", "a"), msg("assistant", "")}},
		{"\n\nHuman: a\n\nAssistant: \n\nHuman: b", []labeling.Message{msg("user", "a"), msg("assistant", ""), msg("user", "b")}},
		{"\n\nHuman: a\n\nAssistant:b", []labeling.Message{msg("user", "a\n\nAssistant:b")}},
		{"\n\nHuman: a\n\nHuman: b", []labeling.Message{msg("user", "a"), msg("user", "b")}},
		{"\n\nHuman: a\n\n\nAssistant: b", []labeling.Message{msg("user", "a\n"), msg("assistant", "b")}},
	}
	for _, tt := range tests {
		got, err := splitTurns("chosen", tt.in)
		if err != nil {
			t.Errorf("splitTurns(%q): got error %v, want none", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("splitTurns(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}
