package ingest

import (
	"github.com/pairwise/pairwise/internal/labeling"
)

// parseOpenAI reads a row of OpenAI's preference fine-tuning format:
// {"input": {"messages": [...]}, "preferred_output": [...],
// "non_preferred_output": [...]}. The input's messages, system message
// included, are the prompt, and each output is a list of one assistant
// message. Other members of input, such as tools, are ignored.
func parseOpenAI(rec record) (outcome, error) {
	raw, field, err := rec.value("input")
	if err != nil {
		return outcome{}, err
	}
	input, err := decodeObject(field, raw)
	if err != nil {
		return outcome{}, err
	}
	msgField := field + ".messages"
	rawMessages, ok := input["messages"]
	if !ok {
		return outcome{}, fieldError(msgField, "missing")
	}
	msgs, err := decodeMessages(msgField, rawMessages)
	if err != nil {
		return outcome{}, err
	}
	prompt := labeling.Conversation(msgs)
	if err := prompt.ValidatePrompt(); err != nil {
		return outcome{}, fieldError(msgField, "invalid prompt: %v", err)
	}

	preferred, err := readCompletion(rec, "preferred_output")
	if err != nil {
		return outcome{}, err
	}
	other, err := readCompletion(rec, "non_preferred_output")
	if err != nil {
		return outcome{}, err
	}
	return preference(prompt, preferred, other), nil
}
