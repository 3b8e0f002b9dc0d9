package ingest

import (
	"context"
	"errors"
	"fmt"

	"github.com/pairwise/pairwise/internal/labeling"
)

// LookupFunc returns the prompt with id promptID and its responses
// responseA and responseB, for a judgments row that names them by id. An
// error that wraps labeling.ErrNotFound or labeling.ErrInvalid rejects the
// row; any other error stops the import.
type LookupFunc func(ctx context.Context, promptID, responseA, responseB string) (
	labeling.Conversation, labeling.Candidate, labeling.Candidate, error)

// vote is one judgments row's verdict, with the preferred response as a
// class: "a", "b", "tie" or "both_bad", as in the pairs format's label.
type vote struct {
	class string
	a, b  labeling.Candidate
	// ids names the prompt and responses of a row without texts, which
	// Options.Lookup finds.
	ids *comparisonIDs
}

// comparisonIDs are the ids of a judgments row's prompt and responses.
type comparisonIDs struct {
	prompt, a, b string
}

// parseJudgments reads one row of the judgments export: a vote on a
// comparison. comparison_id groups the votes, verdict is preferred, tie or
// both_bad, and preferred_response_id names response_a_id or
// response_b_id. The texts come from prompt (a string or a list of
// messages), response_a and response_b when the row has a prompt field,
// and otherwise from Options.Lookup by prompt_id, response_a_id and
// response_b_id. The row is held until the input ends; see
// combineJudgments.
func parseJudgments(rec record) (outcome, error) {
	comparison, err := rec.text("comparison_id")
	if err != nil {
		return outcome{}, err
	}
	class, err := readVoteClass(rec)
	if err != nil {
		return outcome{}, err
	}
	if !rec.has("prompt") {
		ids, err := readComparisonIDs(rec)
		if err != nil {
			return outcome{}, err
		}
		return outcome{member: &member{key: comparison, vote: &vote{class: class, ids: &ids}}}, nil
	}

	prompt, err := rec.conversation("prompt")
	if err != nil {
		return outcome{}, err
	}
	if err := validatePrompt(rec, "prompt", prompt); err != nil {
		return outcome{}, err
	}
	a, err := readCandidate(rec, "response_a", "model_a")
	if err != nil {
		return outcome{}, err
	}
	b, err := readCandidate(rec, "response_b", "model_b")
	if err != nil {
		return outcome{}, err
	}
	return outcome{member: &member{key: comparison, prompt: prompt,
		vote: &vote{class: class, a: a, b: b}}}, nil
}

// readComparisonIDs reads the prompt_id, response_a_id and response_b_id
// fields.
func readComparisonIDs(rec record) (comparisonIDs, error) {
	var ids comparisonIDs
	var err error
	for _, f := range []struct {
		canonical string
		dst       *string
	}{{"prompt_id", &ids.prompt}, {"response_a_id", &ids.a}, {"response_b_id", &ids.b}} {
		if *f.dst, err = rec.text(f.canonical); err != nil {
			return ids, err
		}
	}
	return ids, nil
}

// readVoteClass returns the class of a judgments row's verdict.
func readVoteClass(rec record) (string, error) {
	verdict, err := rec.text("verdict")
	if err != nil {
		return "", err
	}
	switch labeling.Verdict(verdict) {
	case labeling.VerdictTie, labeling.VerdictBothBad:
		return verdict, nil
	case labeling.VerdictPreferred:
	default:
		return "", fieldError(rec.names.fileName("verdict"),
			"verdict %q is not preferred, tie or both_bad", verdict)
	}

	preferred, err := rec.text("preferred_response_id")
	if err != nil {
		return "", err
	}
	a, err := rec.text("response_a_id")
	if err != nil {
		return "", err
	}
	b, err := rec.text("response_b_id")
	if err != nil {
		return "", err
	}
	switch preferred {
	case a:
		return "a", nil
	case b:
		return "b", nil
	}
	return "", fieldError(rec.names.fileName("preferred_response_id"),
		"%q is neither response_a_id %q nor response_b_id %q", preferred, a, b)
}

// lookupTexts fills in the texts of the comparisons whose first vote names
// them by id only, with one Options.Lookup call per comparison. A
// comparison that Lookup cannot find rejects the line of its first vote.
func (imp *importer) lookupTexts() error {
	done := map[string]bool{}
	for i := range imp.members {
		m := &imp.members[i]
		if done[m.key] {
			continue
		}
		done[m.key] = true
		ids := m.vote.ids
		if ids == nil {
			continue
		}
		if imp.opts.Lookup == nil {
			imp.reject(m.line, fieldError("prompt", "missing; this row names its prompt and "+
				"responses by id only, and this import cannot look them up; "+
				"add the texts as prompt, response_a and response_b"))
			continue
		}
		prompt, a, b, err := imp.opts.Lookup(imp.ctx, ids.prompt, ids.a, ids.b)
		switch {
		case errors.Is(err, labeling.ErrNotFound) || errors.Is(err, labeling.ErrInvalid):
			imp.reject(m.line, fieldError("prompt_id", "%v; a judgments export can be "+
				"imported only where the project it came from is stored and you manage it, "+
				"unless its rows carry the texts as prompt, response_a and response_b", err))
		case err != nil:
			return fmt.Errorf("look up texts of line %d: %w", m.line, err)
		default:
			m.prompt, m.vote.a, m.vote.b = prompt, a, b
		}
	}
	return nil
}

// combineJudgments turns the votes on each comparison into one pair at the
// line of its first vote, with the texts of that vote. The class that more
// than half of the votes give is the source label, as the majority export
// policy decides; without one the pair is imported without a label.
func combineJudgments(members []member) []placed {
	var out []placed
	for _, group := range groupMembers(members) {
		first := group[0]
		a, b := first.vote.a, first.vote.b
		if a.Content == b.Content {
			out = append(out, skipAt(first.line, SkipIdentical,
				"response_a and response_b are identical"))
			continue
		}
		row := labeling.Row{Prompt: first.prompt, Candidates: []labeling.Candidate{a, b},
			Label: majorityLabel(group)}
		out = append(out, placed{line: first.line, out: outcome{row: &row}})
	}
	return out
}

// majorityLabel returns the label of the class that more than half of the
// votes give, and nil when no class has that many.
func majorityLabel(votes []member) *labeling.SourceLabel {
	counts := map[string]int{}
	for _, m := range votes {
		counts[m.vote.class]++
	}
	for class, n := range counts {
		if 2*n > len(votes) {
			label := pairsLabels[class]
			return &label
		}
	}
	return nil
}
