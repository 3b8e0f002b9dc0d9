package ingest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pairwise/pairwise/internal/labeling"
)

// HH transcripts mark each turn with a speaker after a blank line.
const (
	humanMarker     = "\n\nHuman:"
	assistantMarker = "\n\nAssistant:"
)

// transcript is an HH transcript split into the prompt and the reply in
// its last Assistant turn.
type transcript struct {
	prompt labeling.Conversation
	reply  string
}

// parseHH reads an Anthropic HH record: {"chosen", "rejected"}, two
// transcripts that share every turn but the last Assistant turn.
func parseHH(rec record) (outcome, error) {
	chosen, err := readTranscript(rec, "chosen")
	if err != nil {
		return outcome{}, err
	}
	rejected, err := readTranscript(rec, "rejected")
	if err != nil {
		return outcome{}, err
	}

	// Compare before validating: in real data a transcript that ends with
	// two Assistant turns is one whose prompt differs from its sibling's.
	if !slices.Equal(chosen.prompt, rejected.prompt) {
		detail := fmt.Sprintf("chosen and rejected differ before their last "+
			"Assistant turn (%d and %d earlier turns)",
			len(chosen.prompt), len(rejected.prompt))
		return skipped(SkipPromptsDiffer, detail), nil
	}
	if err := validatePrompt(rec, "chosen", chosen.prompt); err != nil {
		return outcome{}, err
	}
	return preference(chosen.prompt, chosen.reply, rejected.reply), nil
}

// readTranscript reads a transcript field and splits off its last turn,
// which must be an Assistant turn.
func readTranscript(rec record, canonical string) (transcript, error) {
	s, err := rec.text(canonical)
	if err != nil {
		return transcript{}, err
	}
	field := rec.names.fileName(canonical)
	turns, err := splitTurns(field, s)
	if err != nil {
		return transcript{}, err
	}
	last := turns[len(turns)-1]
	if last.Role != labeling.RoleAssistant {
		return transcript{}, fieldError(field, "transcript does not end with an Assistant turn")
	}
	return transcript{prompt: turns[:len(turns)-1], reply: last.Content}, nil
}

// splitTurns splits a transcript into messages at each turn marker. The
// transcript must start with a Human marker.
func splitTurns(field, s string) ([]labeling.Message, error) {
	role, start, ok := markerAt(s, 0)
	if !ok || role != labeling.RoleUser {
		return nil, fieldError(field, "transcript does not start with %q", humanMarker+" ")
	}
	var turns []labeling.Message
	for {
		next, nextRole, nextStart := nextMarker(s, start)
		if next < 0 {
			return append(turns, labeling.Message{Role: role, Content: s[start:]}), nil
		}
		turns = append(turns, labeling.Message{Role: role, Content: s[start:next]})
		role, start = nextRole, nextStart
	}
}

// nextMarker returns the position of the first turn marker at or after
// from, its role and where its content starts, or -1 when there is none.
func nextMarker(s string, from int) (pos int, role string, start int) {
	for {
		i := strings.Index(s[from:], "\n\n")
		if i < 0 {
			return -1, "", 0
		}
		pos = from + i
		if role, start, ok := markerAt(s, pos); ok {
			return pos, role, start
		}
		from = pos + 1
	}
}

// markerAt reports whether a turn marker starts at s[i:], and returns its
// role and where its content starts. A marker is "\n\nHuman:" or
// "\n\nAssistant:" followed by a space, which is not content, or by the end
// of the text. Requiring the blank line keeps a reply that begins with
// "Human:", as in "\n\nAssistant: Human: ...", in one piece.
func markerAt(s string, i int) (role string, start int, ok bool) {
	rest := s[i:]
	switch {
	case strings.HasPrefix(rest, humanMarker):
		role, start = labeling.RoleUser, i+len(humanMarker)
	case strings.HasPrefix(rest, assistantMarker):
		role, start = labeling.RoleAssistant, i+len(assistantMarker)
	default:
		return "", 0, false
	}
	if start == len(s) {
		return role, start, true
	}
	if s[start] == ' ' {
		return role, start + 1, true
	}
	return "", 0, false
}
