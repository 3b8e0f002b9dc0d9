package train

import (
	"strings"

	"github.com/pairwise/pairwise/internal/labeling"
)

// EndOfText is the special token that ends every completion and separates
// documents in a pretraining corpus.
const EndOfText = "<|endoftext|>"

// RenderPrompt renders a conversation with the trainer's chat template:
// each message becomes "<|role|>\n" + content + "\n", and the prompt ends
// with "<|assistant|>\n", the header of the reply the model writes. The
// reply itself follows as plain text and ends with the EndOfText token.
//
//	<|system|>
//	You are terse.
//	<|user|>
//	Name a prime.
//	<|assistant|>
//	7<|endoftext|>
func RenderPrompt(conv labeling.Conversation) string {
	var b strings.Builder
	for _, m := range conv {
		b.WriteString("<|" + m.Role + "|>\n")
		b.WriteString(m.Content)
		b.WriteString("\n")
	}
	b.WriteString("<|" + labeling.RoleAssistant + "|>\n")
	return b.String()
}

// promptText returns the text a completion follows. A text prompt (the
// standard TRL format, or a plain-text implicit prompt) is used as it is,
// because TRL concatenates prompt and completion. A conversation goes
// through RenderPrompt.
func promptText(conv labeling.Conversation, isText bool) string {
	if IsPlainText(conv, isText) {
		return conv[0].Content
	}
	return RenderPrompt(conv)
}

// IsPlainText reports whether conv is a plain-text prompt: read from a
// string (isText) and a single user message.
func IsPlainText(conv labeling.Conversation, isText bool) bool {
	return isText && len(conv) == 1 && conv[0].Role == labeling.RoleUser
}
