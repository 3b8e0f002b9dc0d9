// Package labeling holds the domain of pairwise: prompts as conversations,
// responses, comparisons of two responses, and annotators' judgments of them.
// It has no HTTP and no SQL; the store package implements its interfaces.
package labeling

import (
	"errors"
	"fmt"
)

// Role names a message author in a conversation, as the chat formats of
// Hugging Face TRL and the OpenAI API spell them.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one turn of a conversation.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Conversation is a prompt: an optional system message, then alternating
// user and assistant turns that end with a user turn.
type Conversation []Message

// ValidatePrompt returns an error unless c is a usable prompt: at least one
// message, a system message only in first place, roles from the known set,
// and a user turn last.
func (c Conversation) ValidatePrompt() error {
	if len(c) == 0 {
		return errors.New("prompt has no messages")
	}
	for i, m := range c {
		switch m.Role {
		case RoleSystem:
			if i != 0 {
				return fmt.Errorf("message %d: a system message may only come first", i)
			}
		case RoleUser, RoleAssistant:
		default:
			return fmt.Errorf("message %d: role %q is not system, user or assistant", i, m.Role)
		}
	}
	if last := c[len(c)-1]; last.Role != RoleUser {
		return fmt.Errorf("the prompt's last message has role %s; a prompt must end with a user message", last.Role)
	}
	return nil
}

// SingleTurn reports whether c is one user message with no system message,
// the case that TRL's standard (string) format can carry.
func (c Conversation) SingleTurn() bool {
	return len(c) == 1 && c[0].Role == RoleUser
}

// Candidate is one response to a prompt as it arrives from an import: its
// text and, when the source says so, the model that wrote it.
type Candidate struct {
	Content string
	Model   string
}

// SourceLabel is a verdict that came with imported data. Annotators never
// see it; it is kept beside their votes.
type SourceLabel struct {
	Verdict Verdict
	// Preferred is the index into Row.Candidates of the winner when
	// Verdict is VerdictPreferred.
	Preferred int
}

// Row is one usable record of an import: a prompt and two or more
// candidate responses. Every pair of candidates becomes a comparison.
type Row struct {
	Line       int
	Prompt     Conversation
	Candidates []Candidate
	// Label is set only when the row has exactly two candidates and the
	// source says which one won.
	Label *SourceLabel
}

// Verdict is the outcome of one judgment.
type Verdict string

// Verdicts an annotator can give.
const (
	VerdictPreferred Verdict = "preferred" // one response is better
	VerdictTie       Verdict = "tie"
	VerdictBothBad   Verdict = "both_bad"
)

// Valid reports whether v is a known verdict.
func (v Verdict) Valid() bool {
	switch v {
	case VerdictPreferred, VerdictTie, VerdictBothBad:
		return true
	}
	return false
}
