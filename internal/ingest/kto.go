package ingest

import (
	"fmt"

	"github.com/pairwise/pairwise/internal/labeling"
)

// parseKTO reads a TRL unpaired preference row: {"prompt", "completion",
// "label"}, where label is a boolean. In the standard form prompt and
// completion are strings. In the conversational form prompt is a list of
// messages and completion a list of one assistant message. The row is
// held until the input ends; see combineKTO.
func parseKTO(rec record) (outcome, error) {
	prompt, err := rec.conversation("prompt")
	if err != nil {
		return outcome{}, err
	}
	if err := validatePrompt(rec, "prompt", prompt); err != nil {
		return outcome{}, err
	}
	completion, err := readCompletion(rec, "completion")
	if err != nil {
		return outcome{}, err
	}
	desirable, err := readBool(rec, "label")
	if err != nil {
		return outcome{}, err
	}

	m, err := promptMember(prompt, labeling.Candidate{Content: completion})
	if err != nil {
		return outcome{}, err
	}
	m.desirable = desirable
	return outcome{member: m}, nil
}

// readBool reads a required boolean field.
func readBool(rec record, canonical string) (bool, error) {
	raw, field, err := rec.value(canonical)
	if err != nil {
		return false, err
	}
	if kind := jsonKind(raw); kind != "boolean" {
		return false, fieldError(field, "want true or false, got %s", kind)
	}
	return raw[0] == 't', nil
}

// combineKTO pairs the rows of each prompt in file order: the first with
// the second, the third with the fourth, and so on. This undoes the kto
// export, which writes the two responses of a comparison one after the
// other. A true row and a false row give a comparison whose source label
// prefers the true one. Two false rows give a both-bad comparison. Two
// true rows are skipped as both desirable, and a prompt's last row, when
// its count is odd, is skipped as unpaired.
func combineKTO(members []member) []placed {
	var out []placed
	for _, group := range groupMembers(members) {
		for i := 0; i+1 < len(group); i += 2 {
			out = append(out, ktoPair(group[i], group[i+1]))
		}
		if len(group)%2 == 1 {
			last := group[len(group)-1]
			detail := "no row of the same prompt is left to pair it with"
			if len(group) > 1 {
				detail = fmt.Sprintf("the prompt has %d rows, an odd number; "+
					"rows are paired in file order and this one is left over",
					len(group))
			}
			out = append(out, skipAt(last.line, SkipUnpaired, detail))
		}
	}
	return out
}

// ktoPair returns the comparison of two KTO rows of one prompt, at the
// line of the first.
func ktoPair(a, b member) placed {
	pair := fmt.Sprintf("lines %d and %d", a.line, b.line)
	switch {
	case a.candidate.Content == b.candidate.Content:
		return skipAt(a.line, SkipIdentical, pair+" have the same completion")
	case a.desirable && b.desirable:
		return skipAt(a.line, SkipBothDesirable, pair+" are both labelled true, "+
			"so neither is preferred")
	case b.desirable:
		a, b = b, a
	}

	row := labeling.Row{
		Prompt:     a.prompt,
		Candidates: []labeling.Candidate{a.candidate, b.candidate},
		Label:      &labeling.SourceLabel{Verdict: labeling.VerdictPreferred, Preferred: 0},
	}
	if !a.desirable {
		row.Label = &labeling.SourceLabel{Verdict: labeling.VerdictBothBad}
	}
	return placed{line: min(a.line, b.line), out: outcome{row: &row}}
}
