package ingest

import (
	"github.com/pairwise/pairwise/internal/labeling"
)

// parseSFT reads a TRL supervised fine-tuning row in one of three forms:
// {"prompt", "completion"} as strings, the same with a list of messages
// and a list of one assistant message, or {"messages"}, a conversation
// whose last message is the assistant's completion. The row is held until
// the input ends; see combineResponses.
func parseSFT(rec record) (outcome, error) {
	var prompt labeling.Conversation
	var completion string
	var err error
	if rec.has("messages") && !rec.has("prompt") {
		prompt, completion, err = readSFTMessages(rec)
	} else {
		prompt, completion, err = readPromptCompletion(rec, "completion")
	}
	if err != nil {
		return outcome{}, err
	}
	m, err := promptMember(prompt, labeling.Candidate{Content: completion})
	return outcome{member: m}, err
}

// readPromptCompletion reads a prompt field and a completion field, as a
// TRL prompt-completion row has them.
func readPromptCompletion(rec record, completion string) (labeling.Conversation, string, error) {
	prompt, err := rec.conversation("prompt")
	if err != nil {
		return nil, "", err
	}
	if err := validatePrompt(rec, "prompt", prompt); err != nil {
		return nil, "", err
	}
	text, err := readCompletion(rec, completion)
	return prompt, text, err
}

// readSFTMessages splits a messages field into the prompt and the content
// of its last message, which must be an assistant message.
func readSFTMessages(rec record) (labeling.Conversation, string, error) {
	raw, field, err := rec.value("messages")
	if err != nil {
		return nil, "", err
	}
	msgs, err := decodeMessages(field, raw)
	if err != nil {
		return nil, "", err
	}
	if len(msgs) < 2 {
		return nil, "", fieldError(field, "want a prompt and an assistant reply, "+
			"at least 2 messages, got %d", len(msgs))
	}
	last := msgs[len(msgs)-1]
	if last.Role != labeling.RoleAssistant {
		return nil, "", fieldError(field, "the last message has role %s; "+
			"want the assistant's completion last", last.Role)
	}
	prompt := labeling.Conversation(msgs[:len(msgs)-1])
	return prompt, last.Content, validatePrompt(rec, "messages", prompt)
}
