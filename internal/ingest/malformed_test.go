package ingest

import (
	"strings"
	"testing"
)

// goodRecords holds one well-formed record of each format.
var goodRecords = map[Format]string{
	FormatPairs:       `{"prompt": "p", "response_a": "a", "response_b": "b"}`,
	FormatTRL:         `{"prompt": "p", "chosen": "a", "rejected": "b"}`,
	FormatHH:          `{"chosen": "\n\nHuman: p\n\nAssistant: a", "rejected": "\n\nHuman: p\n\nAssistant: b"}`,
	FormatCompletions: `{"prompt": "p", "completions": ["a", "b"]}`,
	FormatAuto:        `{"prompt": "p", "response_a": "a", "response_b": "b"}`,
}

func TestReadMalformed(t *testing.T) {
	const good = `{"prompt": "p", "response_a": "a", "response_b": "b"}`
	tests := []struct {
		name   string
		format Format
		record string
		field  string
		reason string // a part of the reason
	}{
		{"invalid JSON", FormatPairs, `{"prompt": "p", "response_a": "a",}`, "",
			"invalid JSON: invalid character '}'"},
		{"trailing data", FormatPairs, good + ` x`, "",
			"invalid JSON: invalid character 'x' after top-level value"},
		{"invalid UTF-8", FormatPairs, "{\"prompt\": \"p\xff\", \"response_a\": \"a\", \"response_b\": \"b\"}", "",
			"invalid UTF-8 at byte 13"},
		{"array record", FormatPairs, `["p", "a", "b"]`, "", "want a JSON object, got array"},
		{"string record", FormatPairs, `"p"`, "", "want a JSON object, got string"},
		{"null record", FormatPairs, `null`, "", "want a JSON object, got null"},
		{"missing field", FormatPairs, `{"prompt": "p", "response_a": "a"}`, "response_b", "missing"},
		{"array response", FormatPairs, `{"prompt": "p", "response_a": ["a"], "response_b": "b"}`, "response_a",
			"want a string, got array"},
		{"null response", FormatPairs, `{"prompt": "p", "response_a": "a", "response_b": null}`, "response_b",
			"want a string, got null"},
		{"number prompt", FormatPairs, `{"prompt": 3, "response_a": "a", "response_b": "b"}`, "prompt",
			"want a string or a list of messages, got number"},
		{"NUL escape", FormatPairs, `{"prompt": "p", "response_a": "a\u0000", "response_b": "b"}`, "response_a",
			"text contains NUL (U+0000) at byte 1"},
		{"NUL in message", FormatPairs, `{"prompt": [{"role": "user", "content": "\u0000"}], "response_a": "a", "response_b": "b"}`,
			"prompt[0].content", "NUL"},
		{"NUL in model", FormatPairs, `{"prompt": "p", "response_a": "a", "response_b": "b", "model_a": "m\u0000"}`,
			"model_a", "NUL"},
		{"unknown role", FormatPairs, `{"prompt": [{"role": "bot", "content": "hi"}], "response_a": "a", "response_b": "b"}`,
			"prompt[0].role", `role "bot" is not system, user or assistant`},
		{"missing role", FormatPairs, `{"prompt": [{"content": "hi"}], "response_a": "a", "response_b": "b"}`,
			"prompt[0].role", "missing"},
		{"message not an object", FormatPairs, `{"prompt": ["hi"], "response_a": "a", "response_b": "b"}`,
			"prompt[0]", "want an object, got string"},
		{"prompt ends with assistant", FormatPairs,
			`{"prompt": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}], "response_a": "a", "response_b": "b"}`,
			"prompt", "invalid prompt: the prompt's last message has role assistant; a prompt must end with a user message"},
		{"empty prompt list", FormatPairs, `{"prompt": [], "response_a": "a", "response_b": "b"}`,
			"prompt", "invalid prompt: prompt has no messages"},
		{"system not first", FormatPairs,
			`{"prompt": [{"role": "user", "content": "hi"}, {"role": "system", "content": "s"}, {"role": "user", "content": "hi"}], "response_a": "a", "response_b": "b"}`,
			"prompt", "a system message may only come first"},
		{"system twice", FormatPairs,
			`{"system": "s", "prompt": [{"role": "system", "content": "s"}, {"role": "user", "content": "hi"}], "response_a": "a", "response_b": "b"}`,
			"system", "already starts with a system message"},
		{"unknown label", FormatPairs, `{"prompt": "p", "response_a": "a", "response_b": "b", "label": "left"}`,
			"label", `label "left" is not a, b, tie or both_bad`},
		{"numeric label", FormatPairs, `{"prompt": "p", "response_a": "a", "response_b": "b", "label": 1}`,
			"label", "want a string, got number"},
		{"TRL missing rejected", FormatTRL, `{"prompt": "p", "chosen": "a"}`, "rejected", "missing"},
		{"TRL two chosen messages", FormatTRL,
			`{"prompt": [{"role": "user", "content": "hi"}], "chosen": [{"role": "assistant", "content": "a"}, {"role": "assistant", "content": "b"}], "rejected": [{"role": "assistant", "content": "c"}]}`,
			"chosen", "want a list of exactly one assistant message, got 2 messages"},
		{"TRL empty rejected list", FormatTRL,
			`{"prompt": [{"role": "user", "content": "hi"}], "chosen": [{"role": "assistant", "content": "a"}], "rejected": []}`,
			"rejected", "got 0 messages"},
		{"TRL chosen by user", FormatTRL,
			`{"prompt": [{"role": "user", "content": "hi"}], "chosen": [{"role": "user", "content": "a"}], "rejected": [{"role": "assistant", "content": "c"}]}`,
			"chosen[0].role", `want role assistant, got "user"`},
		{"TRL chosen object", FormatTRL, `{"prompt": "p", "chosen": {"content": "a"}, "rejected": "b"}`,
			"chosen", "want a string or a list of messages, got object"},
		{"TRL prompt ends with assistant", FormatTRL,
			`{"prompt": [{"role": "assistant", "content": "hi"}], "chosen": "a", "rejected": "b"}`,
			"prompt", "invalid prompt"},
		{"TRL implicit mixed forms", FormatTRL,
			`{"chosen": "hi a", "rejected": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "b"}]}`,
			"rejected", "must both be strings or both be lists of messages"},
		{"TRL implicit no shared prompt", FormatTRL,
			`{"chosen": [{"role": "assistant", "content": "a"}], "rejected": [{"role": "assistant", "content": "b"}]}`,
			"chosen", "invalid prompt: prompt has no messages"},
		{"HH no Human start", FormatHH, `{"chosen": "Human: hi\n\nAssistant: a", "rejected": "\n\nHuman: hi\n\nAssistant: b"}`,
			"chosen", `transcript does not start with "\n\nHuman: "`},
		{"HH Assistant start", FormatHH, `{"chosen": "\n\nAssistant: a", "rejected": "\n\nHuman: hi\n\nAssistant: b"}`,
			"chosen", "does not start with"},
		{"HH no final Assistant turn", FormatHH,
			`{"chosen": "\n\nHuman: hi\n\nAssistant: a", "rejected": "\n\nHuman: hi\n\nAssistant: b\n\nHuman: more"}`,
			"rejected", "transcript does not end with an Assistant turn"},
		{"HH only Human", FormatHH, `{"chosen": "\n\nHuman: hi", "rejected": "\n\nHuman: hi"}`,
			"chosen", "transcript does not end with an Assistant turn"},
		{"HH shared prompt ends with Assistant", FormatHH,
			`{"chosen": "\n\nHuman: hi\n\nAssistant: x\n\nAssistant: a", "rejected": "\n\nHuman: hi\n\nAssistant: x\n\nAssistant: b"}`,
			"chosen", "invalid prompt: the prompt's last message has role assistant"},
		{"HH number", FormatHH, `{"chosen": 1, "rejected": "\n\nHuman: hi\n\nAssistant: b"}`,
			"chosen", "want a string, got number"},
		{"completions one", FormatCompletions, `{"prompt": "p", "completions": ["a"]}`,
			"completions", "want at least 2 completions, got 1"},
		{"completions object", FormatCompletions, `{"prompt": "p", "completions": {"a": "b"}}`,
			"completions", "want an array, got object"},
		{"completion number", FormatCompletions, `{"prompt": "p", "completions": ["a", 2]}`,
			"completions[1]", "want a string or an object with content, got number"},
		{"completion without content", FormatCompletions, `{"prompt": "p", "completions": ["a", {"model": "m"}]}`,
			"completions[1].content", "missing"},
		{"completion model number", FormatCompletions, `{"prompt": "p", "completions": ["a", {"content": "b", "model": 7}]}`,
			"completions[1].model", "want a string, got number"},
		{"completion NUL", FormatCompletions, `{"prompt": "p", "completions": ["a", "b\u0000"]}`,
			"completions[1]", "NUL"},
		{"completions missing prompt", FormatCompletions, `{"completions": ["a", "b"]}`,
			"prompt", "missing"},
		{"undetectable format", FormatAuto, `{"question": "q", "answer": "a"}`,
			"", `cannot detect the format from the record's fields "answer", "question"; choose the format (--format`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The malformed record is on line 3, after a blank line.
			input := goodRecords[tt.format] + "\n\n" + tt.record + "\n"
			if tt.format == FormatAuto {
				input = "\n\n" + tt.record + "\n" + goodRecords[tt.format] + "\n"
			}
			_, _, err := readString(t, input, Options{Format: tt.format})
			malformed := mustMalformed(t, err)
			if malformed.Total != 1 {
				t.Fatalf("malformed records: got %v, want %v (%v)", malformed.Total, 1, err)
			}
			got := malformed.Lines[0]
			if got.Line != 3 {
				t.Errorf("line: got %v, want %v", got.Line, 3)
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

func TestReadUndetectableListsFormats(t *testing.T) {
	_, _, err := readString(t, `{"question": "q"}`, Options{})
	msg := err.Error()
	for _, part := range []string{"pairs (prompt, response_a, response_b)", "trl (chosen, rejected", "hh (", "completions (prompt, completions)",
		"--format on the command line", "the Format field on the import form", "format= in the API",
		"--map", "the Field map field", "map="} {
		if !strings.Contains(msg, part) {
			t.Errorf("message: got %q, want it to contain %q", msg, part)
		}
	}
}

func TestReadUndetectableMarksUnknownFormat(t *testing.T) {
	_, _, err := readString(t, "{\"question\": \"q\"}\n{\"chosen\": 1}\n", Options{})
	malformed := mustMalformed(t, err)
	if len(malformed.Lines) != 1 {
		t.Fatalf("malformed lines: got %d, want 1 (%v)", len(malformed.Lines), err)
	}
	if !malformed.Lines[0].UnknownFormat {
		t.Errorf("line %d: UnknownFormat is false for an undetectable record", malformed.Lines[0].Line)
	}

	_, _, err = readString(t, `{"chosen": 1, "rejected": "b"}`, Options{Format: FormatTRL})
	malformed = mustMalformed(t, err)
	if malformed.Lines[0].UnknownFormat {
		t.Errorf("UnknownFormat is true for a record of a known format with a bad field")
	}
}

func TestReadUndetectableOpenAssistant(t *testing.T) {
	// Message trees are read as the oasst format, so only single messages
	// of a flat export get the hint.
	const hint = "one message of a flat OpenAssistant export: import the " +
		"export's trees file, one message tree per line"
	tests := []struct {
		name   string
		record string
		want   bool
	}{
		{"message tree", `{"message_tree_id": "t", "prompt": {}}`, false},
		{"tree state", `{"tree_state": "ready_for_export"}`, false},
		{"message with role", `{"message_id": "m", "parent_id": null, "role": "prompter"}`, true},
		{"message with text", `{"message_id": "m", "parent_id": "p", "text": "hi"}`, true},
		{"message without parent", `{"message_id": "m", "text": "hi"}`, false},
		{"other fields", `{"question": "q"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readString(t, tt.record, Options{})
			malformed := mustMalformed(t, err)
			got := strings.Contains(malformed.Lines[0].Reason, hint)
			if got != tt.want {
				t.Errorf("hint in %q: got %v, want %v", malformed.Lines[0].Reason, got, tt.want)
			}
		})
	}
}

func TestReadFirstRecordMalformedThenDetects(t *testing.T) {
	// A first line that is not a JSON object is listed, and the format is
	// detected from the next one, so its own errors are listed too.
	input := "not json\n" + `{"prompt": "p", "response_a": "a", "response_b": {}}` + "\n"
	_, res, err := readString(t, input, Options{})
	malformed := mustMalformed(t, err)
	if malformed.Total != 2 {
		t.Fatalf("malformed records: got %v, want %v", malformed.Total, 2)
	}
	if got := malformed.Lines[1]; got.Line != 2 || got.Field != "response_b" {
		t.Errorf("second error: got %v, want line 2, field response_b", got)
	}
	if res.Format != FormatPairs {
		t.Errorf("format: got %v, want %v", res.Format, FormatPairs)
	}
}
