package ingest

import (
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/pairwise/pairwise/internal/labeling"
)

// parseTRL reads a TRL preference row. With a prompt field the prompt is
// explicit. Without one, chosen and rejected are full conversations or
// texts and the prompt is their common prefix.
func parseTRL(rec record) (outcome, error) {
	if rec.has("prompt") {
		return parseTRLExplicit(rec)
	}
	return parseTRLImplicit(rec)
}

// parseTRLExplicit reads {"prompt", "chosen", "rejected"} in the standard
// form, where all three are strings, or the conversational form, where the
// prompt is a list of messages and each completion a list of one assistant
// message.
func parseTRLExplicit(rec record) (outcome, error) {
	prompt, err := rec.conversation("prompt")
	if err != nil {
		return outcome{}, err
	}
	if err := validatePrompt(rec, "prompt", prompt); err != nil {
		return outcome{}, err
	}
	chosen, err := readCompletion(rec, "chosen")
	if err != nil {
		return outcome{}, err
	}
	rejected, err := readCompletion(rec, "rejected")
	if err != nil {
		return outcome{}, err
	}
	return preference(prompt, chosen, rejected), nil
}

// readCompletion reads a TRL completion: a string, or a list holding
// exactly one assistant message.
func readCompletion(rec record, canonical string) (string, error) {
	v, err := rec.textOrMessages(canonical)
	if err != nil {
		return "", err
	}
	if v.isText {
		return v.text, nil
	}
	field := rec.names.fileName(canonical)
	if len(v.messages) != 1 {
		return "", fieldError(field,
			"want a list of exactly one assistant message, got %d messages", len(v.messages))
	}
	if role := v.messages[0].Role; role != labeling.RoleAssistant {
		return "", fieldError(field+"[0].role", "want role assistant, got %q", role)
	}
	return v.messages[0].Content, nil
}

// parseTRLImplicit reads {"chosen", "rejected"} without a prompt field and
// splits the shared prompt off both, as TRL's extract_prompt does.
func parseTRLImplicit(rec record) (outcome, error) {
	chosen, err := rec.textOrMessages("chosen")
	if err != nil {
		return outcome{}, err
	}
	rejected, err := rec.textOrMessages("rejected")
	if err != nil {
		return outcome{}, err
	}
	if chosen.isText != rejected.isText {
		return outcome{}, fieldError(rec.names.fileName("rejected"),
			"chosen and rejected must both be strings or both be lists of messages")
	}
	if chosen.isText {
		return splitTextPrompt(chosen.text, rejected.text), nil
	}
	return splitMessagePrompt(rec, chosen.messages, rejected.messages)
}

// splitTextPrompt takes the longest common prefix of two texts as a prompt
// of one user message. When the character before the split point is a
// space, the split moves back by one, so that the space starts both
// responses instead of ending the prompt. TRL does the same.
//
// NOTE: when one text is a prefix of the other, TRL (extract_prompt in
// trl/data_utils.py) splits one character before the end of the shorter
// text. Here the whole shorter text is the prompt, so its response is empty.
func splitTextPrompt(chosen, rejected string) outcome {
	if chosen == rejected {
		return skipped(SkipIdentical, "chosen and rejected are identical")
	}
	i := commonPrefixLen(chosen, rejected)
	if i > 0 && chosen[i-1] == ' ' {
		i--
	}
	return preference(userMessage(chosen[:i]), chosen[i:], rejected[i:])
}

// commonPrefixLen returns the length in bytes of the longest common prefix
// of a and b that ends on a character boundary.
func commonPrefixLen(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	for i > 0 && i < len(a) && !utf8.RuneStart(a[i]) {
		i--
	}
	return i
}

// splitMessagePrompt takes the longest common prefix of two conversations
// as the prompt. The rest of each must be one assistant message, otherwise
// the record is skipped because the two conversations have different
// prompts.
func splitMessagePrompt(rec record, chosen, rejected []labeling.Message) (outcome, error) {
	if slices.Equal(chosen, rejected) {
		return skipped(SkipIdentical, "chosen and rejected are identical"), nil
	}
	n := 0
	for n < min(len(chosen), len(rejected)) && chosen[n] == rejected[n] {
		n++
	}
	restChosen, restRejected := chosen[n:], rejected[n:]
	if !isOneReply(restChosen) || !isOneReply(restRejected) {
		detail := fmt.Sprintf("messages in common: %d, after them chosen has %d "+
			"and rejected %d; want one assistant message each",
			n, len(restChosen), len(restRejected))
		return skipped(SkipPromptsDiffer, detail), nil
	}

	prompt := labeling.Conversation(chosen[:n])
	if err := validatePrompt(rec, "chosen", prompt); err != nil {
		return outcome{}, err
	}
	return preference(prompt, restChosen[0].Content, restRejected[0].Content), nil
}

// isOneReply reports whether msgs is exactly one assistant message.
func isOneReply(msgs []labeling.Message) bool {
	return len(msgs) == 1 && msgs[0].Role == labeling.RoleAssistant
}
