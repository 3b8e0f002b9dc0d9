package ingest

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/pairwise/pairwise/internal/labeling"
)

// member is one record of a grouped format: a response to a prompt, or a
// vote on a comparison. A grouped format writes the responses that belong
// in one comparison as separate records, possibly far apart, so members are
// held until the whole input is read.
//
// NOTE: the held members keep their texts, so memory grows with the file;
// the other formats stream.
type member struct {
	line      int
	key       string // groups members: the prompt's JSON, or a comparison id
	prompt    labeling.Conversation
	candidate labeling.Candidate
	desirable bool  // the label of a KTO row
	vote      *vote // set in the judgments format
}

// placed is an outcome of a group with the line it is reported at.
type placed struct {
	line int
	out  outcome
}

// combineFunc turns the held members of a format, in file order, into
// outcomes.
type combineFunc func([]member) []placed

// combiners holds the combine function of each grouped format.
var combiners = map[Format]combineFunc{
	FormatKTO:       combineKTO,
	FormatSFT:       combineResponses,
	FormatRubric:    combineResponses,
	FormatJudgments: combineJudgments,
}

// hold keeps a member of a grouped format until the input ends. After a
// malformed record nothing is emitted, so members are no longer kept.
func (imp *importer) hold(line int, m member) {
	if imp.malformed.Total > 0 {
		return
	}
	m.line = line
	imp.members = append(imp.members, m)
}

// combineGroups turns the held members into rows and skips, ordered by
// line, and emits them. It does nothing after a malformed record.
func (imp *importer) combineGroups() error {
	combine := combiners[imp.result.Format]
	if combine == nil || len(imp.members) == 0 || imp.malformed.Total > 0 {
		return nil
	}
	if imp.result.Format == FormatJudgments {
		if err := imp.lookupTexts(); err != nil || imp.malformed.Total > 0 {
			return err
		}
	}
	outs := combine(imp.members)
	imp.members = nil
	sort.SliceStable(outs, func(i, j int) bool { return outs[i].line < outs[j].line })
	for _, p := range outs {
		if err := imp.ctx.Err(); err != nil {
			return fmt.Errorf("read stopped at line %d: %w", p.line, err)
		}
		if err := imp.accept(p.line, p.out); err != nil {
			return err
		}
	}
	return nil
}

// promptMember returns a member that groups by prompt.
func promptMember(prompt labeling.Conversation, c labeling.Candidate) (*member, error) {
	key, err := json.Marshal(prompt)
	if err != nil {
		return nil, fmt.Errorf("encode prompt: %w", err)
	}
	return &member{key: string(key), prompt: prompt, candidate: c}, nil
}

// groupMembers splits members by key, in order of each key's first
// member, keeping file order within each group.
func groupMembers(members []member) [][]member {
	index := map[string]int{}
	var groups [][]member
	for _, m := range members {
		i, ok := index[m.key]
		if !ok {
			i = len(groups)
			index[m.key] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], m)
	}
	return groups
}

// combineResponses groups the responses of the sft and rubric formats by
// prompt. A prompt with two or more distinct responses gives one row
// without a label, whose every pair of responses becomes a comparison, at
// the line of its first response. A repeated response is skipped as
// identical, one left alone is skipped as unpaired, and responses past
// the first MaxCompletions are skipped as too many.
func combineResponses(members []member) []placed {
	var out []placed
	for _, group := range groupMembers(members) {
		out = append(out, combinePrompt(group)...)
	}
	return out
}

// combinePrompt combines the responses to one prompt; see combineResponses.
func combinePrompt(group []member) []placed {
	var out []placed
	first := map[string]int{}
	var kept []member
	for _, m := range group {
		if line, seen := first[m.candidate.Content]; seen {
			out = append(out, skipAt(m.line, SkipIdentical,
				fmt.Sprintf("the response repeats the one at line %d for the same prompt", line)))
			continue
		}
		if len(kept) == MaxCompletions {
			out = append(out, skipAt(m.line, SkipTooMany, fmt.Sprintf(
				"the prompt already has %d responses, the most one import compares (%d comparisons)",
				MaxCompletions, MaxCompletions*(MaxCompletions-1)/2)))
			continue
		}
		first[m.candidate.Content] = m.line
		kept = append(kept, m)
	}

	if len(kept) < 2 {
		return append(out, skipAt(kept[0].line, SkipUnpaired,
			"no other response to this prompt in the file, so there is nothing to compare it with"))
	}
	row := labeling.Row{Prompt: kept[0].prompt, Candidates: make([]labeling.Candidate, len(kept))}
	for i, m := range kept {
		row.Candidates[i] = m.candidate
	}
	return append(out, placed{line: kept[0].line, out: outcome{row: &row}})
}

// skipAt returns a skip reported at line.
func skipAt(line int, reason SkipReason, detail string) placed {
	return placed{line: line, out: skipped(reason, detail)}
}
