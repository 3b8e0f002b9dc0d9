package ingest

import (
	"github.com/pairwise/pairwise/internal/labeling"
)

// readPrompt returns the prompt of a pairs or completions record: the
// prompt field, as a string or a list of messages, with the optional system
// field put first as a system message. An empty system string adds nothing.
func readPrompt(rec record) (labeling.Conversation, error) {
	prompt, err := rec.conversation("prompt")
	if err != nil {
		return nil, err
	}
	system, ok, err := rec.optionalText("system")
	if err != nil {
		return nil, err
	}
	if ok && system != "" {
		if len(prompt) > 0 && prompt[0].Role == labeling.RoleSystem {
			return nil, fieldError(rec.names.fileName("system"),
				"the prompt already starts with a system message; give the system prompt once")
		}
		system := labeling.Message{Role: labeling.RoleSystem, Content: system}
		prompt = append(labeling.Conversation{system}, prompt...)
	}
	return prompt, validatePrompt(rec, "prompt", prompt)
}

// validatePrompt checks prompt with Conversation.ValidatePrompt and reports
// a failure under the file's name for canonical.
func validatePrompt(rec record, canonical string, prompt labeling.Conversation) error {
	if err := prompt.ValidatePrompt(); err != nil {
		return fieldError(rec.names.fileName(canonical), "invalid prompt: %v", err)
	}
	return nil
}
