package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/pairwise/pairwise/internal/labeling"
)

// Labeled is one aggregated comparison, ready to become the rows of a
// training format.
type Labeled struct {
	ComparisonID string
	Prompt       labeling.Conversation
	// Chosen is the winner when Verdict is VerdictPreferred. With
	// VerdictBothBad, Chosen and Rejected are the two responses in any
	// order.
	Chosen, Rejected labeling.Response
	Verdict          labeling.Verdict
	// Margin is the reward margin of the winner, for RewardRow.
	Margin float64
	// Meta, when set, is written under a "metadata" key of every row.
	Meta *RowMeta
	// Conversational writes every row of l in the conversational form,
	// even for a single-turn prompt.
	Conversational bool
}

// RowMeta is the provenance of a row, so that a researcher can trace the
// row back to its comparison and votes.
// Its json tags name its Parquet columns; MarshalJSON writes the same
// names.
type RowMeta struct {
	ComparisonID  string  `json:"comparison_id"`
	Votes         int     `json:"votes"`
	Agreement     float64 `json:"agreement"`
	SourceLabel   string  `json:"source_label"`
	ChosenModel   string  `json:"chosen_model"`
	RejectedModel string  `json:"rejected_model"`
}

// MarshalJSON encodes m with snake_case keys and the agreement as a
// float, so that every row has the same columns of the same types. HTML
// stays unescaped unless the outer encoder escapes it.
func (m RowMeta) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(struct {
		ComparisonID  string    `json:"comparison_id"`
		Votes         int       `json:"votes"`
		Agreement     jsonFloat `json:"agreement"`
		SourceLabel   string    `json:"source_label"`
		ChosenModel   string    `json:"chosen_model"`
		RejectedModel string    `json:"rejected_model"`
	}{m.ComparisonID, m.Votes, jsonFloat(m.Agreement), m.SourceLabel, m.ChosenModel, m.RejectedModel})
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), err
}

// jsonFloat is a float64 that encodes with a decimal point even when it
// is whole (1.0, not 1), because Python's json module reads a number
// without one as an int, and a margin column must be a float.
type jsonFloat float64

// MarshalJSON encodes f as a JSON number that always has a fraction or
// an exponent. NaN and infinities have no JSON form and return an error.
func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil, fmt.Errorf("number %v is not finite and has no JSON form", v)
	}
	b := strconv.AppendFloat(nil, v, 'g', -1, 64)
	if !strings.ContainsAny(string(b), ".e") {
		b = append(b, ".0"...)
	}
	return b, nil
}

// assistant returns r as a conversation of one assistant message.
func assistant(r labeling.Response) labeling.Conversation {
	return labeling.Conversation{{Role: labeling.RoleAssistant, Content: r.Content}}
}

// withReply returns a new conversation: prompt followed by r as an
// assistant message. The prompt's backing array is never shared.
func withReply(prompt labeling.Conversation, r labeling.Response) labeling.Conversation {
	full := make(labeling.Conversation, 0, len(prompt)+1)
	full = append(full, prompt...)
	return append(full, labeling.Message{Role: labeling.RoleAssistant, Content: r.Content})
}

// standard reports whether l's prompt can take TRL's standard (string)
// form: a single user message, unless conversational is requested.
func (l Labeled) standard(conversational bool) bool {
	return l.Prompt.SingleTurn() && !conversational && !l.Conversational
}

// promptText returns the content of a single-turn prompt.
func (l Labeled) promptText() string {
	return l.Prompt[0].Content
}

// clonePrompt copies c, so that a caller reusing its slice does not
// change rows not yet encoded.
func clonePrompt(c labeling.Conversation) labeling.Conversation {
	return slices.Clone(c)
}

// Rows of TRL's implicit-prompt preference type: each side is the whole
// text or conversation, prompt included.
type implicitStandardRow struct {
	Chosen   string   `json:"chosen"`
	Rejected string   `json:"rejected"`
	Metadata *RowMeta `json:"metadata,omitempty"`
}

type implicitConversationalRow struct {
	Chosen   labeling.Conversation `json:"chosen"`
	Rejected labeling.Conversation `json:"rejected"`
	Metadata *RowMeta              `json:"metadata,omitempty"`
}

// TRLImplicit returns l as a TRL preference row with an implicit prompt.
// A single-turn prompt gives the standard form, whose texts are the
// prompt followed by the response with no separator added, as in TRL's
// example {"chosen": "The sky is blue.", "rejected": "The sky is
// green."}. Any other prompt gives the conversational form: the prompt's
// messages followed by the response as an assistant message. The pair is
// written as given, so a both-bad comparison belongs in KTORows only.
func TRLImplicit(l Labeled) any {
	if l.standard(false) {
		return implicitStandardRow{
			Chosen:   l.promptText() + l.Chosen.Content,
			Rejected: l.promptText() + l.Rejected.Content,
			Metadata: l.Meta,
		}
	}
	return implicitConversationalRow{
		Chosen:   withReply(l.Prompt, l.Chosen),
		Rejected: withReply(l.Prompt, l.Rejected),
		Metadata: l.Meta,
	}
}

// Rows of TRL's preference type with the margin column that TRL's
// RewardTrainer reads.
type rewardStandardRow struct {
	Prompt   string    `json:"prompt"`
	Chosen   string    `json:"chosen"`
	Rejected string    `json:"rejected"`
	Margin   jsonFloat `json:"margin"`
	Metadata *RowMeta  `json:"metadata,omitempty"`
}

type rewardConversationalRow struct {
	Prompt   labeling.Conversation `json:"prompt"`
	Chosen   labeling.Conversation `json:"chosen"`
	Rejected labeling.Conversation `json:"rejected"`
	Margin   jsonFloat             `json:"margin"`
	Metadata *RowMeta              `json:"metadata,omitempty"`
}

// RewardRow returns l as a TRL preference row with an explicit prompt
// and a "margin" float. A single-turn prompt gives the standard form
// (strings) unless conversational is set. Any other prompt always gives
// the conversational form, where chosen and rejected are lists of one
// assistant message. The margin always has a decimal point, and a NaN or
// infinite margin makes encoding fail.
func RewardRow(l Labeled, conversational bool) any {
	if l.standard(conversational) {
		return rewardStandardRow{
			Prompt:   l.promptText(),
			Chosen:   l.Chosen.Content,
			Rejected: l.Rejected.Content,
			Margin:   jsonFloat(l.Margin),
			Metadata: l.Meta,
		}
	}
	return rewardConversationalRow{
		Prompt:   clonePrompt(l.Prompt),
		Chosen:   assistant(l.Chosen),
		Rejected: assistant(l.Rejected),
		Margin:   jsonFloat(l.Margin),
		Metadata: l.Meta,
	}
}

// Rows of TRL's unpaired preference type, which KTOTrainer reads.
type ktoStandardRow struct {
	Prompt     string   `json:"prompt"`
	Completion string   `json:"completion"`
	Label      bool     `json:"label"`
	Metadata   *RowMeta `json:"metadata,omitempty"`
}

type ktoConversationalRow struct {
	Prompt     labeling.Conversation `json:"prompt"`
	Completion labeling.Conversation `json:"completion"`
	Label      bool                  `json:"label"`
	Metadata   *RowMeta              `json:"metadata,omitempty"`
}

// KTORows returns l as TRL unpaired preference rows, chosen first. A
// preferred verdict gives the chosen response with label true and the
// rejected one with label false. A both-bad verdict gives both responses
// with label false. A tie or an empty verdict gives no rows, because it
// labels neither response good or bad. A single-turn prompt gives the standard
// form (strings); any other prompt gives the conversational form, with
// the completion as a list of one assistant message.
func KTORows(l Labeled) []any {
	switch l.Verdict {
	case labeling.VerdictPreferred:
		return []any{l.ktoRow(l.Chosen, true), l.ktoRow(l.Rejected, false)}
	case labeling.VerdictBothBad:
		return []any{l.ktoRow(l.Chosen, false), l.ktoRow(l.Rejected, false)}
	}
	return nil
}

func (l Labeled) ktoRow(r labeling.Response, label bool) any {
	if l.standard(false) {
		return ktoStandardRow{Prompt: l.promptText(), Completion: r.Content, Label: label, Metadata: l.Meta}
	}
	return ktoConversationalRow{
		Prompt:     clonePrompt(l.Prompt),
		Completion: assistant(r),
		Label:      label,
		Metadata:   l.Meta,
	}
}

// openAIPreferenceRow is one line of a training file for OpenAI's
// preference fine-tuning (method "dpo").
type openAIPreferenceRow struct {
	Input              openAIInput           `json:"input"`
	PreferredOutput    labeling.Conversation `json:"preferred_output"`
	NonPreferredOutput labeling.Conversation `json:"non_preferred_output"`
	Metadata           *RowMeta              `json:"metadata,omitempty"`
}

type openAIInput struct {
	Messages labeling.Conversation `json:"messages"`
}

// OpenAIPreference returns l as a line of OpenAI's preference
// fine-tuning format: the prompt's messages, system message included,
// under input.messages, and each response as a list of one assistant
// message. The optional input.tools and input.parallel_tool_calls are
// left out. The pair is written as given, so a both-bad comparison
// belongs in KTORows only.
//
// NOTE: OpenAI's documentation shows no extra keys in a line. Set
// l.Meta to nil for a file meant for upload, since a "metadata" key may
// fail OpenAI's file validation.
func OpenAIPreference(l Labeled) any {
	return openAIPreferenceRow{
		Input:              openAIInput{Messages: clonePrompt(l.Prompt)},
		PreferredOutput:    assistant(l.Chosen),
		NonPreferredOutput: assistant(l.Rejected),
		Metadata:           l.Meta,
	}
}

// hhRow is a row of Anthropic's HH-RLHF dataset: whole dialogues as
// text, turns marked "\n\nHuman: " and "\n\nAssistant: ".
type hhRow struct {
	Chosen   string   `json:"chosen"`
	Rejected string   `json:"rejected"`
	Metadata *RowMeta `json:"metadata,omitempty"`
}

// AnthropicHH returns l as an Anthropic HH-RLHF row: each side is the
// prompt's turns followed by the response as the last Assistant turn.
// User messages become Human turns. HH text has no system turn, so a
// prompt with a system message returns an ErrInvalid error that names
// the comparison. The caller decides whether to skip it or stop.
func AnthropicHH(l Labeled) (any, error) {
	var b strings.Builder
	for i, m := range l.Prompt {
		switch m.Role {
		case labeling.RoleUser:
			b.WriteString("\n\nHuman: ")
		case labeling.RoleAssistant:
			b.WriteString("\n\nAssistant: ")
		case labeling.RoleSystem:
			return nil, labeling.Errorf(labeling.ErrInvalid,
				"comparison %s has a system message, which the Anthropic HH format cannot hold; "+
					"export it in a conversational format or leave it out", l.ComparisonID)
		default:
			return nil, labeling.Errorf(labeling.ErrInvalid,
				"comparison %s: message %d has role %q, which is not user or assistant",
				l.ComparisonID, i, m.Role)
		}
		b.WriteString(m.Content)
	}
	b.WriteString("\n\nAssistant: ")
	dialogue := b.String()

	return hhRow{
		Chosen:   dialogue + l.Chosen.Content,
		Rejected: dialogue + l.Rejected.Content,
		Metadata: l.Meta,
	}, nil
}

// Rows of TRL's prompt-completion type (standard) and language modeling
// type (conversational), which SFTTrainer reads.
type sftStandardRow struct {
	Prompt     string   `json:"prompt"`
	Completion string   `json:"completion"`
	Metadata   *RowMeta `json:"metadata,omitempty"`
}

type sftConversationalRow struct {
	Messages labeling.Conversation `json:"messages"`
	Metadata *RowMeta              `json:"metadata,omitempty"`
}

// SFTRow returns the chosen response of l as a TRL supervised
// fine-tuning row. A single-turn prompt gives {"prompt", "completion"}
// as strings unless conversational is set. Any other prompt always gives
// {"messages"}: the prompt's messages followed by the chosen response as
// an assistant message. A both-bad comparison has no response worth
// imitating, so callers pass only preferred ones.
func SFTRow(l Labeled, conversational bool) any {
	if l.standard(conversational) {
		return sftStandardRow{Prompt: l.promptText(), Completion: l.Chosen.Content, Metadata: l.Meta}
	}
	return sftConversationalRow{Messages: withReply(l.Prompt, l.Chosen), Metadata: l.Meta}
}
