package ingest

import (
	"fmt"
	"strings"

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

// pairsSides are the response and model fields of the two sides of a
// pairs record.
var pairsSides = [2]struct{ response, model string }{
	{"response_a", "model_a"},
	{"response_b", "model_b"},
}

// parsePairs reads a record of the generic pairs format: prompt,
// response_a, response_b, and the optional system, label, model_a and
// model_b. A response that is a JSON boolean or number skips the record
// once every other field has been checked, so that a record with a
// malformed field is still rejected.
func parsePairs(rec record) (outcome, error) {
	prompt, err := readPrompt(rec)
	if err != nil {
		return outcome{}, err
	}
	var candidates []labeling.Candidate
	var notText []string
	for _, side := range pairsSides {
		if field, value := scalarValue(rec, side.response); field != "" {
			notText = append(notText, fmt.Sprintf("field %q is %s, not text", field, value))
			if _, _, err := rec.optionalText(side.model); err != nil {
				return outcome{}, err
			}
			continue
		}
		c, err := readCandidate(rec, side.response, side.model)
		if err != nil {
			return outcome{}, err
		}
		candidates = append(candidates, c)
	}
	label, err := readPairsLabel(rec)
	if err != nil {
		return outcome{}, err
	}

	if len(notText) > 0 {
		return skipped(SkipResponseNotText, strings.Join(notText, "; ")), nil
	}
	if candidates[0].Content == candidates[1].Content {
		return skipped(SkipIdentical, "response_a and response_b are identical"), nil
	}
	row := labeling.Row{Prompt: prompt, Candidates: candidates, Label: label}
	return outcome{row: &row}, nil
}

// scalarValue returns the file's name and the JSON text of the first
// source field of canonical whose value is a JSON boolean or number, or
// two empty strings when there is none.
func scalarValue(rec record, canonical string) (field, value string) {
	for _, f := range rec.names.sources(canonical) {
		raw, ok := rec.members[f]
		if !ok {
			continue
		}
		if kind := jsonKind(raw); kind == "boolean" || kind == "number" {
			return f, kind + " " + string(raw)
		}
	}
	return "", ""
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
