package ingest

import (
	"github.com/pairwise/pairwise/internal/labeling"
)

// outcome is what one well-formed record yields: a row to emit, a skip to
// report, or both when some of its candidates were left out. A record that
// holds several prompts, such as an OpenAssistant message tree, puts its
// further rows and skips in rows and skips, after row and skip.
type outcome struct {
	row  *labeling.Row
	skip *Skip

	rows  []labeling.Row
	skips []Skip

	// member is a record of a grouped format, held until the input ends.
	member *member
}

// skipped returns an outcome that reports the whole record as skipped.
func skipped(reason SkipReason, detail string) outcome {
	return outcome{skip: &Skip{Reason: reason, Detail: detail}}
}

// preference returns a row whose first candidate is the preferred one, as
// in TRL and HH data, or a skip when the two responses are identical.
func preference(prompt labeling.Conversation, chosen, rejected string) outcome {
	if chosen == rejected {
		return skipped(SkipIdentical, "chosen and rejected responses are identical")
	}
	row := labeling.Row{
		Prompt: prompt,
		Candidates: []labeling.Candidate{
			{Content: chosen},
			{Content: rejected},
		},
		Label: &labeling.SourceLabel{Verdict: labeling.VerdictPreferred, Preferred: 0},
	}
	return outcome{row: &row}
}
