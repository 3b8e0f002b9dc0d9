package ingest

import (
	"github.com/pairwise/pairwise/internal/labeling"
)

// parseRubric reads a rubric rating row, HelpSteer2 style: "prompt" as a
// string or a list of messages, "response" as a string and an optional
// "model". The score columns are ignored, because which direction is
// better differs by criterion (more verbose is not always better). The
// row is held until the input ends; see combineResponses.
func parseRubric(rec record) (outcome, error) {
	prompt, response, err := readPromptCompletion(rec, "response")
	if err != nil {
		return outcome{}, err
	}
	model, _, err := rec.optionalText("model")
	if err != nil {
		return outcome{}, err
	}
	m, err := promptMember(prompt, labeling.Candidate{Content: response, Model: model})
	return outcome{member: m}, err
}
