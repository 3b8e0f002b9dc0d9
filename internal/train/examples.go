package train

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/pairwise/pairwise/internal/ingest"
	"github.com/pairwise/pairwise/internal/labeling"
)

// Preference is one preference pair, rendered to text: the prompt and
// two completions, the chosen one better than the rejected one.
type Preference struct {
	Source string // file and line or row, for messages
	// Conversation is the prompt as read, and Prompt its rendering: the
	// text itself for a plain-text prompt (IsText), else the chat
	// template's.
	Conversation     labeling.Conversation
	IsText           bool
	Prompt           string
	Chosen, Rejected string
	// Margin is the optional "margin" column of a reward-model row: how
	// far the chosen score should exceed the rejected one. Zero when
	// absent.
	Margin float64
}

// Completion is one supervised example: a prompt and the completion the
// model learns to write after it.
type Completion struct {
	Source     string
	Prompt     string
	Completion string
}

// preferenceFormats are the import formats whose rows are labelled pairs.
var preferenceFormats = []ingest.Format{
	ingest.FormatTRL, ingest.FormatReward, ingest.FormatHH, ingest.FormatOpenAI, ingest.FormatPairs,
}

// ReadOptions controls how rows are read.
type ReadOptions struct {
	// SkipEmpty skips rows with an empty completion (counted in
	// ReadStats.Empty) instead of rejecting the file.
	SkipEmpty bool
}

// ReadStats counts the rows that were read but not used.
type ReadStats struct {
	Identical int // chosen and rejected are the same text
	Empty     int // an empty completion, skipped under SkipEmpty
}

// emptyError is a row with an empty completion.
type emptyError struct {
	where string // file and row
	field string // the completion's name
}

func (e *emptyError) Error() string {
	return fmt.Sprintf("%s: the %s is empty; remove the row, fill it in, "+
		"or skip such rows (--skip-empty)", e.where, e.field)
}

// isEmptyError reports whether err is an emptyError.
func isEmptyError(err error) bool {
	var e *emptyError
	return errors.As(err, &e)
}

// ReadPreferences reads preference pairs from a data file (see
// readRecords) through the same parser as the importer. It accepts TRL
// preference rows (standard or conversational, explicit or implicit
// prompt, with an optional margin), OpenAI preference fine-tuning rows,
// Anthropic HH transcripts, and pairs with a label. Rows whose chosen and rejected
// responses are identical are skipped and counted. An empty completion is
// an error naming the file and row, unless opts.SkipEmpty is set.
func ReadPreferences(ctx context.Context, path string, opts ReadOptions) ([]Preference, ReadStats, error) {
	var stats ReadStats
	recs, err := readRecords(path)
	if err != nil {
		return nil, stats, err
	}
	var buf bytes.Buffer
	for _, r := range recs {
		buf.Write(r.raw)
		buf.WriteByte('\n')
	}

	var (
		prefs  []Preference
		rowErr error // the error of a row, returned as it is
		// unlabeled is the first row without a preference. It is
		// returned only when the file is in a preference format, because
		// otherwise the format is the mistake to report.
		unlabeled error
	)
	emit := func(row labeling.Row) error {
		p, err := preferenceOf(recs[row.Line-1], row)
		var noLabel *unlabeledError
		switch {
		case err == nil:
			prefs = append(prefs, p)
		case errors.As(err, &noLabel):
			if unlabeled == nil {
				unlabeled = err
			}
		case isEmptyError(err) && opts.SkipEmpty:
			stats.Empty++
		default:
			rowErr = err
		}
		return rowErr
	}
	res, err := ingest.Read(ctx, &buf, ingest.Options{}, emit)
	if rowErr != nil {
		return nil, stats, rowErr
	}
	if err != nil {
		return nil, stats, ingestError(recs, err)
	}
	stats.Identical = len(res.Skipped)
	if !slices.Contains(preferenceFormats, res.Format) {
		return nil, stats, fmt.Errorf("%s: the rows look like the %q import format; want %s",
			path, res.Format, preferenceRowsWanted)
	}
	if unlabeled != nil {
		return nil, stats, unlabeled
	}
	if len(prefs) == 0 {
		return nil, stats, fmt.Errorf("%s: no usable preference pairs (%d rows skipped "+
			"because chosen and rejected are identical, %d for an empty completion)",
			path, stats.Identical, stats.Empty)
	}
	return prefs, stats, nil
}

// preferenceRowsWanted lists the preference formats for error messages.
const preferenceRowsWanted = "preference rows: TRL (chosen, rejected and an optional prompt, " +
	"with an optional margin), OpenAI preference fine-tuning, Anthropic HH " +
	"transcripts, or pairs with a label"

// unlabeledError is a row that does not say which response is preferred.
type unlabeledError struct{ where string }

func (e *unlabeledError) Error() string {
	return fmt.Sprintf("%s: the row does not say which response is preferred; "+
		"label the pairs first (on the server, then export them), or give %s", e.where, preferenceRowsWanted)
}

// preferenceOf renders the row that ingest parsed from rec.
func preferenceOf(rec record, row labeling.Row) (Preference, error) {
	if row.Label == nil || row.Label.Verdict != labeling.VerdictPreferred ||
		len(row.Candidates) != 2 {
		return Preference{}, &unlabeledError{rec.where()}
	}
	chosen := row.Candidates[row.Label.Preferred].Content
	rejected := row.Candidates[1-row.Label.Preferred].Content
	if chosen == "" {
		return Preference{}, &emptyError{rec.where(), "chosen completion"}
	}
	if rejected == "" {
		return Preference{}, &emptyError{rec.where(), "rejected completion"}
	}
	margin, err := rec.float("margin", 0)
	if err != nil {
		return Preference{}, err
	}
	isText := isTextRow(rec, row.Prompt)
	return Preference{
		Source:       rec.where(),
		Conversation: row.Prompt,
		IsText:       isText,
		Prompt:       promptText(row.Prompt, isText),
		Chosen:       chosen,
		Rejected:     rejected,
		Margin:       margin,
	}, nil
}

// isTextRow reports whether a preference row is in TRL's standard (plain
// text) form: its completions are strings and its prompt is one user
// message, as ingest reads a text prompt.
// An Anthropic HH transcript is a conversation, not plain text.
func isTextRow(rec record, prompt labeling.Conversation) bool {
	if !rec.isString("chosen") || !rec.isString("rejected") {
		return false
	}
	var chosen string
	if json.Unmarshal(rec.fields["chosen"], &chosen) != nil || strings.HasPrefix(chosen, "\n\nHuman:") {
		return false
	}
	return len(prompt) == 1 && prompt[0].Role == labeling.RoleUser
}

// ingestError rewrites the importer's error about a data file so that
// each malformed record is named by its file and line or row.
func ingestError(recs []record, err error) error {
	var mal *ingest.MalformedError
	if !errors.As(err, &mal) {
		return err
	}
	path := recs[0].path
	var b strings.Builder
	noun := "rows"
	if mal.Total == 1 {
		noun = "row"
	}
	fmt.Fprintf(&b, "%s: %d malformed %s", path, mal.Total, noun)
	for _, le := range mal.Lines {
		where := path
		if le.Line >= 1 && le.Line <= len(recs) {
			where = recs[le.Line-1].where()
		}
		// The importer's advice names flags of the server's import
		// command, which the trainer does not have.
		if le.UnknownFormat && le.Line >= 1 && le.Line <= len(recs) {
			fmt.Fprintf(&b, "\n%s: cannot tell the format from the fields %s; want %s",
				where, fieldNames(recs[le.Line-1]), preferenceRowsWanted)
			continue
		}
		if le.Field != "" {
			fmt.Fprintf(&b, "\n%s: field %q: %s", where, le.Field, le.Reason)
		} else {
			fmt.Fprintf(&b, "\n%s: %s", where, le.Reason)
		}
	}
	if more := mal.Total - len(mal.Lines); more > 0 {
		fmt.Fprintf(&b, "\n... and %d more", more)
	}
	return errors.New(b.String())
}

// ReadCompletions reads supervised examples from a data file (see
// readRecords). Each row is one of:
//   - {"prompt": str, "completion": str} (TRL prompt-completion, standard);
//   - {"prompt": [messages], "completion": [one assistant message]};
//   - {"messages": [messages]}: the last message must be the assistant's
//     and is the completion, the rest is the prompt;
//   - a preference row ({"prompt", "chosen", "rejected"}): the chosen
//     response is the completion, so a preference file can warm up a
//     policy before DPO.
//
// An empty completion is an error naming the file and row, unless
// opts.SkipEmpty is set.
func ReadCompletions(ctx context.Context, path string, opts ReadOptions) ([]Completion, ReadStats, error) {
	var stats ReadStats
	recs, err := readRecords(path)
	if err != nil {
		return nil, stats, err
	}
	if recs[0].has("chosen") && !recs[0].has("completion") {
		return completionsFromPreferences(ctx, path, opts)
	}
	out := make([]Completion, 0, len(recs))
	for _, rec := range recs {
		if err := ctx.Err(); err != nil {
			return nil, stats, err
		}
		c, err := completionOf(rec)
		if isEmptyError(err) && opts.SkipEmpty {
			stats.Empty++
			continue
		}
		if err != nil {
			return nil, stats, err
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, stats, fmt.Errorf("%s: every completion is empty", path)
	}
	return out, stats, nil
}

// completionsFromPreferences reads a preference file and keeps the chosen
// responses.
func completionsFromPreferences(ctx context.Context, path string, opts ReadOptions) ([]Completion, ReadStats, error) {
	prefs, stats, err := ReadPreferences(ctx, path, opts)
	if err != nil {
		return nil, stats, err
	}
	out := make([]Completion, len(prefs))
	for i, p := range prefs {
		out[i] = Completion{Source: p.Source, Prompt: p.Prompt, Completion: p.Chosen}
	}
	return out, stats, nil
}

// completionOf reads one supervised row.
func completionOf(rec record) (Completion, error) {
	var (
		prompt labeling.Conversation
		text   string
		isText bool
		err    error
	)
	switch {
	case rec.has("messages"):
		prompt, text, err = splitMessages(rec)
	case rec.has("prompt") && rec.has("completion"):
		isText = rec.isString("prompt")
		prompt, err = conversationField(rec, "prompt")
		if err == nil {
			text, err = completionField(rec, "completion")
		}
	default:
		err = rec.errorf("want the fields prompt and completion, or messages; got %s",
			fieldNames(rec))
	}
	if err != nil {
		return Completion{}, err
	}
	if text == "" {
		return Completion{}, &emptyError{rec.where(), "completion"}
	}
	return Completion{Source: rec.where(), Prompt: promptText(prompt, isText), Completion: text}, nil
}

// splitMessages reads a "messages" conversation whose last message is the
// assistant's reply.
func splitMessages(rec record) (labeling.Conversation, string, error) {
	msgs, err := messagesField(rec, "messages")
	if err != nil {
		return nil, "", err
	}
	last := len(msgs) - 1
	if last < 1 || msgs[last].Role != labeling.RoleAssistant {
		return nil, "", rec.errorf("field \"messages\": want a conversation " +
			"that ends with an assistant message after at least one other message")
	}
	return labeling.Conversation(msgs[:last]), msgs[last].Content, nil
}

// conversationField reads a string (one user message) or a message list.
func conversationField(rec record, name string) (labeling.Conversation, error) {
	if rec.isString(name) {
		var s string
		if err := json.Unmarshal(rec.fields[name], &s); err != nil {
			return nil, rec.errorf("field %q: %v", name, err)
		}
		return labeling.Conversation{{Role: labeling.RoleUser, Content: s}}, nil
	}
	msgs, err := messagesField(rec, name)
	return labeling.Conversation(msgs), err
}

// completionField reads a string or a list of one assistant message.
func completionField(rec record, name string) (string, error) {
	if rec.isString(name) {
		var s string
		if err := json.Unmarshal(rec.fields[name], &s); err != nil {
			return "", rec.errorf("field %q: %v", name, err)
		}
		return s, nil
	}
	msgs, err := messagesField(rec, name)
	if err != nil {
		return "", err
	}
	if len(msgs) != 1 || msgs[0].Role != labeling.RoleAssistant {
		return "", rec.errorf("field %q: want a string or a list of exactly one assistant message", name)
	}
	return msgs[0].Content, nil
}

// messagesField reads a list of {"role", "content"} messages.
func messagesField(rec record, name string) ([]labeling.Message, error) {
	var msgs []labeling.Message
	if err := json.Unmarshal(rec.fields[name], &msgs); err != nil {
		return nil, rec.errorf("field %q: want a list of {\"role\", \"content\"} messages: %v", name, err)
	}
	for i, m := range msgs {
		switch m.Role {
		case labeling.RoleSystem, labeling.RoleUser, labeling.RoleAssistant:
		default:
			return nil, rec.errorf("field %q: message %d: role %q is not system, user or assistant",
				name, i, m.Role)
		}
	}
	return msgs, nil
}

// fieldNames lists the fields of rec for messages.
func fieldNames(rec record) string {
	names := make([]string, 0, len(rec.fields))
	for k := range rec.fields {
		names = append(names, k)
	}
	if len(names) == 0 {
		return "no fields"
	}
	return strings.Join(sortedStrings(names), ", ")
}
