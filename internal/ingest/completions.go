package ingest

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pairwise/pairwise/internal/labeling"
)

// MaxCompletions is the maximum number of completions in one record.
// Every pair becomes a comparison, so 50 completions make 1,225.
const MaxCompletions = 50

// parseCompletions reads a record with one prompt and 2 to MaxCompletions
// completions, each a string or {"content", "model"}. A completion equal to
// an earlier one is dropped and reported as a skip. The record has no label.
func parseCompletions(rec record) (outcome, error) {
	prompt, err := readPrompt(rec)
	if err != nil {
		return outcome{}, err
	}
	raw, field, err := rec.value("completions")
	if err != nil {
		return outcome{}, err
	}
	elems, err := decodeArray(field, raw)
	if err != nil {
		return outcome{}, err
	}
	if len(elems) < 2 {
		return outcome{}, fieldError(field, "want at least 2 completions, got %d", len(elems))
	}
	if n := len(elems); n > MaxCompletions {
		return outcome{}, fieldError(field, "got %d completions, over the limit "+
			"of %d per record (%d comparisons); split the record into "+
			"several records with the same prompt", n, MaxCompletions,
			MaxCompletions*(MaxCompletions-1)/2)
	}

	candidates := make([]labeling.Candidate, len(elems))
	for i, elem := range elems {
		candidates[i], err = decodeCompletion(fmt.Sprintf("%s[%d]", field, i), elem)
		if err != nil {
			return outcome{}, err
		}
	}
	return dropRepeats(prompt, candidates), nil
}

// decodeCompletion decodes a completion given as a string or as an object
// with a content string and an optional model string.
func decodeCompletion(field string, raw json.RawMessage) (labeling.Candidate, error) {
	switch kind := jsonKind(raw); kind {
	case "string":
		s, err := decodeString(field, raw)
		return labeling.Candidate{Content: s}, err
	case "object":
		return decodeCompletionObject(field, raw)
	default:
		return labeling.Candidate{}, fieldError(field,
			"want a string or an object with content, got %s", kind)
	}
}

// decodeCompletionObject decodes {"content": str, "model": str}, where
// model may be absent or null.
func decodeCompletionObject(field string, raw json.RawMessage) (labeling.Candidate, error) {
	members, err := decodeObject(field, raw)
	if err != nil {
		return labeling.Candidate{}, err
	}
	content, err := requiredString(members, field+".content")
	if err != nil {
		return labeling.Candidate{}, err
	}
	var model string
	if raw, ok := members["model"]; ok && jsonKind(raw) != "null" {
		model, err = decodeString(field+".model", raw)
	}
	return labeling.Candidate{Content: content, Model: model}, err
}

// dropRepeats keeps the first of each set of identical completions. It
// returns a skip naming the repeats, and a row only when at least two
// distinct completions remain.
func dropRepeats(prompt labeling.Conversation, candidates []labeling.Candidate) outcome {
	first := make(map[string]int, len(candidates))
	distinct := make([]labeling.Candidate, 0, len(candidates))
	var repeats []string
	for i, c := range candidates {
		if j, seen := first[c.Content]; seen {
			repeats = append(repeats, fmt.Sprintf("completion %d repeats completion %d", i, j))
			continue
		}
		first[c.Content] = i
		distinct = append(distinct, c)
	}

	var out outcome
	if len(distinct) >= 2 {
		out.row = &labeling.Row{Prompt: prompt, Candidates: distinct}
	}
	if len(repeats) > 0 {
		detail := strings.Join(repeats, ", ")
		if out.row == nil {
			detail += "; fewer than 2 distinct completions remain, so the record is skipped"
		}
		out.skip = &Skip{Reason: SkipIdentical, Detail: detail}
	}
	return out
}
