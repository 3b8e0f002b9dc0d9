package ingest

import (
	"github.com/pairwise/pairwise/internal/labeling"
)

// pairsLabels maps the values of the pairs format's label field to source
// labels. Response a is candidate 0.
var pairsLabels = map[string]labeling.SourceLabel{
	"a":        {Verdict: labeling.VerdictPreferred, Preferred: 0},
	"b":        {Verdict: labeling.VerdictPreferred, Preferred: 1},
	"tie":      {Verdict: labeling.VerdictTie},
	"both_bad": {Verdict: labeling.VerdictBothBad},
}

// parsePairs reads a record of the generic pairs format: prompt,
// response_a, response_b, and the optional system, label, model_a and
// model_b.
func parsePairs(rec record) (outcome, error) {
	prompt, err := readPrompt(rec)
	if err != nil {
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
	label, err := readPairsLabel(rec)
	if err != nil {
		return outcome{}, err
	}

	if a.Content == b.Content {
		return skipped(SkipIdentical, "response_a and response_b are identical"), nil
	}
	row := labeling.Row{Prompt: prompt, Candidates: []labeling.Candidate{a, b}, Label: label}
	return outcome{row: &row}, nil
}

// readCandidate reads a required response field and an optional model
// field.
func readCandidate(rec record, response, model string) (labeling.Candidate, error) {
	content, err := rec.text(response)
	if err != nil {
		return labeling.Candidate{}, err
	}
	name, _, err := rec.optionalText(model)
	if err != nil {
		return labeling.Candidate{}, err
	}
	return labeling.Candidate{Content: content, Model: name}, nil
}

// readPairsLabel reads the optional label field: "a", "b", "tie" or
// "both_bad". It returns nil when the field is absent or null.
func readPairsLabel(rec record) (*labeling.SourceLabel, error) {
	if !rec.isSet("label") {
		return nil, nil
	}
	raw, field, err := rec.value("label")
	if err != nil {
		return nil, err
	}
	s, err := decodeString(field, raw)
	if err != nil {
		return nil, err
	}
	label, ok := pairsLabels[s]
	if !ok {
		return nil, fieldError(field, "label %q is not a, b, tie or both_bad", s)
	}
	return &label, nil
}
