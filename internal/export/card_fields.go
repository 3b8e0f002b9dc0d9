package export

import (
	"bytes"
	"fmt"
)

// cardField is one column of the rows of a format, as a dataset card
// lists it.
type cardField struct {
	name, kind, about string
}

// Column types as a dataset card names them.
const (
	kindString   = "string"
	kindMessages = "list of {role: string, content: string}"
	// kindText is a column whose form depends on the prompts. A JSONL
	// row has a message list when its own prompt has several turns. A
	// Parquet file has one schema, so every row has the list when any
	// prompt of the project has several turns.
	kindText = "string, or " + kindMessages + " when prompts have several turns"
)

// cardFields returns the columns of rows in opts.Format, with the form
// that opts.Conversational selects. criteria are the keys of the rubric
// criteria, which the rubric format has a column each for.
func cardFields(opts DatasetOptions, criteria []string) []cardField {
	text := kindText
	if opts.Conversational {
		text = kindMessages
	}
	var fields []cardField
	switch opts.Format {
	case FormatTRL, FormatReward:
		fields = []cardField{
			{"prompt", text, "the conversation up to the last user turn"},
			{"chosen", text, "the preferred response"},
			{"rejected", text, "the other response"},
		}
		if opts.Format == FormatReward {
			fields = append(fields, cardField{"margin", "float64",
				"how much better chosen is, from the vote strengths"})
		}
	case FormatTRLImplicit:
		fields = []cardField{
			{"chosen", kindText, "the whole conversation ending in the preferred response"},
			{"rejected", kindText, "the whole conversation ending in the other response"},
		}
	case FormatKTO:
		fields = []cardField{
			{"prompt", text, "the conversation up to the last user turn"},
			{"completion", text, "one response"},
			{"label", "bool", "true for a preferred response, false for a rejected one"},
		}
	case FormatOpenAI:
		fields = []cardField{
			{"input", "{messages: " + kindMessages + "}", "the conversation up to the last user turn"},
			{"preferred_output", kindMessages, "the preferred response as one assistant message"},
			{"non_preferred_output", kindMessages, "the other response"},
		}
	case FormatHH:
		fields = []cardField{
			{"chosen", kindString, `the transcript "\n\nHuman: ...\n\nAssistant: ..." with the preferred response`},
			{"rejected", kindString, "the same transcript with the other response"},
		}
	case FormatSFT:
		if opts.Conversational {
			fields = []cardField{{"messages", kindMessages, "the conversation with the preferred response"}}
		} else {
			fields = []cardField{
				{"prompt", kindText, "the conversation up to the last user turn"},
				{"completion", kindText, "the preferred response"},
			}
		}
	case FormatRubric:
		fields = []cardField{
			{"prompt", text, "the conversation up to the last user turn"},
			{"response", kindString, "one response"},
			{"model", kindString, "the model that wrote the response"},
			{"response_id", kindString, "the response's id in pairwise"},
		}
		for _, key := range criteria {
			fields = append(fields, cardField{key, "float64 or null",
				"the mean score of the criterion, null when nobody scored it"})
		}
		fields = append(fields, cardField{"ratings", "int64", "how many annotators scored the response"})
		return fields
	}
	if opts.Metadata {
		fields = append(fields, cardField{"metadata",
			"{comparison_id: string, votes: int64, agreement: float64, source_label: string, " +
				"chosen_model: string, rejected_model: string}",
			"where the row came from and how many votes agreed"})
	}
	return fields
}

func writeCardFields(b *bytes.Buffer, opts DatasetOptions, criteria []string) {
	b.WriteString("## Fields\n\n| field | type | content |\n|---|---|---|\n")
	for _, f := range cardFields(opts, criteria) {
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", f.name, markdownText(f.kind), markdownText(f.about))
	}
}
