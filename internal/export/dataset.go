package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
)

// Dataset formats that WriteDataset writes.
const (
	FormatTRL         = "trl"
	FormatTRLImplicit = "trl-implicit"
	FormatReward      = "reward"
	FormatKTO         = "kto"
	FormatOpenAI      = "openai"
	FormatHH          = "hh"
	FormatSFT         = "sft"
	FormatRubric      = "rubric"
)

// DatasetFormats lists the formats of WriteDataset.
var DatasetFormats = []string{FormatTRL, FormatTRLImplicit, FormatReward, FormatKTO,
	FormatOpenAI, FormatHH, FormatSFT, FormatRubric}

// Aggregation policies that WriteDataset applies.
const (
	PolicyMajority   = "majority"
	PolicyUnanimous  = "unanimous"
	PolicyStrength   = "strength"
	PolicyDawidSkene = "dawid-skene"
)

// DatasetPolicies lists the policies of WriteDataset.
var DatasetPolicies = []string{PolicyMajority, PolicyUnanimous, PolicyStrength, PolicyDawidSkene,
	PolicySource}

// DatasetSplits lists the splits that DatasetOptions.Split accepts. With
// DefaultSplitRatios the validation split is empty.
var DatasetSplits = []string{SplitTrain, SplitTest, SplitValidation}

// DatasetSource walks the comparisons of a project with their votes.
type DatasetSource interface {
	EachComparisonVotes(ctx context.Context, projectID uuid.UUID,
		fn func(store.ComparisonVotes) error) error
}

// DatasetOptions selects the format, the policy and the rows of
// WriteDataset.
type DatasetOptions struct {
	Format string // one of DatasetFormats
	// Policy is one of DatasetPolicies; empty means majority.
	Policy string
	// MinVotes is the fewest votes a comparison needs for a label; 0
	// means 1. An adjudicated comparison needs none.
	MinVotes int
	// Conversational writes rows in the conversational form even for
	// single-turn prompts. The openai and hh formats have one form each
	// and ignore it.
	Conversational bool
	// Metadata adds a "metadata" object with the row's provenance.
	Metadata bool
	// Split keeps only the prompts of one split (train, test or
	// validation); empty writes every row.
	Split string
	// Seed and Ratios choose the split of each prompt; see SplitOf. The
	// zero Ratios means DefaultSplitRatios.
	Seed   string
	Ratios SplitRatios
	// File is the file type, one of FileTypes; empty means jsonl.
	File string
	// Gzip compresses a JSONL file; a Parquet file rejects it (see
	// FileOptions).
	Gzip bool
}

// FileOptions returns the file type settings of o.
func (o DatasetOptions) FileOptions() FileOptions {
	return FileOptions{File: o.File, Gzip: o.Gzip}
}

// Validate returns an ErrInvalid error that names the first invalid value
// and the accepted ones.
func (o DatasetOptions) Validate() error {
	if !slices.Contains(DatasetFormats, o.Format) {
		return notOneOf("export format", o.Format, DatasetFormats)
	}
	if o.Policy != "" && !slices.Contains(DatasetPolicies, o.Policy) {
		return notOneOf("policy", o.Policy, DatasetPolicies)
	}
	if o.Split != "" && !slices.Contains(DatasetSplits, o.Split) {
		return notOneOf("split", o.Split, DatasetSplits)
	}
	if o.Split != "" || o.Ratios != (SplitRatios{}) {
		if err := o.ratios().Validate(); err != nil {
			return err
		}
	}
	if err := o.FileOptions().Validate(); err != nil {
		return err
	}
	_, err := o.options()
	return err
}

func notOneOf(name, value string, accepted []string) error {
	return labeling.Errorf(labeling.ErrInvalid, "%s %q is not one of %s",
		name, value, strings.Join(accepted, ", "))
}

func (o DatasetOptions) ratios() SplitRatios {
	if o.Ratios == (SplitRatios{}) {
		return DefaultSplitRatios
	}
	return o.Ratios
}

// options returns the shared policy options, checked.
func (o DatasetOptions) options() (Options, error) {
	opts := Options{MinVotes: o.MinVotes, KeepBothBad: o.Format == FormatKTO}
	return opts, opts.validate()
}

// DatasetCounts is the number of rows WriteDataset wrote and left out.
type DatasetCounts struct {
	// Rows counts the lines written; a KTO comparison gives two.
	Rows int
	// Skipped counts labelled comparisons that the format cannot hold:
	// those with a system message in the hh format.
	Skipped int
}

// WriteDataset writes the comparisons of projectID in opts.Format, in
// import order, as a JSONL or Parquet file, and returns what it wrote.
// The rubric format writes responses instead (see writeRubric). Each
// comparison is aggregated by opts.Policy. A comparison whose outcome is
// not kept (see Outcome.Keep) gives no row, but the kto format also
// writes both-bad comparisons, each response labelled false. With
// opts.Split set, only prompts whose JSON hashes to that split are
// written, so one prompt never lands in two splits.
//
// The majority, unanimous and strength policies decide each comparison
// as it streams past, so memory does not grow with the project. The
// dawid-skene policy fits one model to all votes first: it reads the
// project twice, and between the reads it holds every comparison's id
// and votes (not its texts), so its memory grows with the number of
// votes.
//
// Every row of a file has one form, because a Parquet file has one schema
// and a JSON loader such as Hugging Face datasets' rejects a column whose
// type changes between rows. The file takes the conversational form when
// opts.Conversational is set or when any prompt of the project is not a
// single user message (see anyMultiTurn), and the standard form
// otherwise. The whole project decides, not the rows of one split, so
// the splits of a project share one form.
func WriteDataset(ctx context.Context, w io.Writer, src DatasetSource, projectID uuid.UUID,
	opts DatasetOptions) (DatasetCounts, error) {
	if err := opts.Validate(); err != nil {
		return DatasetCounts{}, err
	}
	if opts.Format == FormatRubric {
		return writeRubric(ctx, w, src, projectID, opts)
	}
	counts, err := opts.writeComparisons(ctx, w, src, projectID)
	if err != nil {
		return counts, fmt.Errorf("export %s of project %s: %w", opts.Format, projectID, err)
	}
	return counts, nil
}

func (o DatasetOptions) writeComparisons(ctx context.Context, w io.Writer, src DatasetSource,
	projectID uuid.UUID) (DatasetCounts, error) {
	decide, err := o.decider(ctx, src, projectID)
	if err != nil {
		return DatasetCounts{}, err
	}
	if !o.Conversational && o.formVaries() {
		if o.Conversational, err = anyMultiTurn(ctx, src, projectID); err != nil {
			return DatasetCounts{}, err
		}
	}
	rows, err := o.FileOptions().newRowWriter(w, o.prototype())
	if err != nil {
		return DatasetCounts{}, err
	}

	var counts DatasetCounts
	err = src.EachComparisonVotes(ctx, projectID, func(c store.ComparisonVotes) error {
		out, ok, err := decide(c)
		if err != nil || !ok || !out.Keep {
			return err
		}
		return o.write(rows, c, out, &counts)
	})
	if err != nil {
		return counts, err
	}
	return counts, rows.Close()
}

// Parquet reports whether o selects a Parquet file.
func (o DatasetOptions) Parquet() bool {
	return o.FileOptions().Parquet()
}

// formVaries reports whether o.Format has a standard and a
// conversational form.
func (o DatasetOptions) formVaries() bool {
	return o.Format != FormatOpenAI && o.Format != FormatHH
}

// PromptFormSource reports whether a project has a prompt other than a
// single user message. A source that implements it saves the Parquet
// writers a read of the project (see WriteDataset).
type PromptFormSource interface {
	HasMultiTurnPrompt(ctx context.Context, projectID uuid.UUID) (bool, error)
}

// errStopScan ends a walk early, and is never returned to callers.
var errStopScan = errors.New("stop scan")

// anyMultiTurn reports whether any prompt of projectID, or without a
// PromptFormSource any judged comparison's prompt, is other than a single
// user message.
func anyMultiTurn(ctx context.Context, src DatasetSource, projectID uuid.UUID) (bool, error) {
	each := func(fn func(store.ComparisonVotes) error) error {
		return src.EachComparisonVotes(ctx, projectID, fn)
	}
	return multiTurnIn(ctx, src, projectID, each,
		func(c store.ComparisonVotes) labeling.Conversation { return c.Prompt })
}

// multiTurnIn reports whether any prompt of projectID is other than a
// single user message. It asks src when src is a PromptFormSource, and
// otherwise walks the rows with each until the first such prompt.
func multiTurnIn[Row any](ctx context.Context, src any, projectID uuid.UUID,
	each func(func(Row) error) error, promptOf func(Row) labeling.Conversation) (bool, error) {
	if forms, ok := src.(PromptFormSource); ok {
		return forms.HasMultiTurnPrompt(ctx, projectID)
	}
	found := false
	err := each(func(row Row) error {
		if !promptOf(row).SingleTurn() {
			found = true
			return errStopScan
		}
		return nil
	})
	if errors.Is(err, errStopScan) {
		err = nil
	}
	return found, err
}

// prototype returns a row with the type and shape of every row o writes:
// the conversational form when o.Conversational is set, and a metadata
// object when o.Metadata is set.
func (o DatasetOptions) prototype() any {
	l := Labeled{
		Prompt:         labeling.Conversation{{Role: labeling.RoleUser, Content: ""}},
		Verdict:        labeling.VerdictPreferred,
		Conversational: o.Conversational,
	}
	if o.Metadata {
		l.Meta = &RowMeta{}
	}
	rows, err := o.rows(l)
	if err != nil || len(rows) == 0 {
		panic(fmt.Sprintf("export: no prototype row for format %q: %v", o.Format, err))
	}
	return rows[0]
}

// decider returns the function that gives a comparison's outcome, and
// false for a comparison it has no outcome for.
func (o DatasetOptions) decider(ctx context.Context, src DatasetSource,
	projectID uuid.UUID) (func(store.ComparisonVotes) (Outcome, bool, error), error) {
	shared, err := o.options()
	if err != nil {
		return nil, err
	}
	var decide func(ItemVotes) (Outcome, error)
	switch o.Policy {
	case PolicyMajority, "":
		decide = Majority{Options: shared}.Decide
	case PolicyUnanimous:
		decide = Unanimous{Options: shared}.Decide
	case PolicyStrength:
		decide = StrengthWeighted{Options: shared}.Decide
	case PolicyDawidSkene:
		return fitDawidSkene(ctx, votedOnly{src}, projectID, AnnotatorWeighted{Options: shared})
	case PolicySource:
		return sourceDecider(shared), nil
	}
	return func(c store.ComparisonVotes) (Outcome, bool, error) {
		item, err := itemOf(c)
		if err != nil {
			return Outcome{}, false, err
		}
		out, err := decide(item)
		if err != nil {
			return Outcome{}, false, fmt.Errorf("comparison %s: %w", c.ID, err)
		}
		return out, true, nil
	}, nil
}

// fitDawidSkene reads every comparison's votes, fits policy to them and
// returns a lookup of the fitted outcomes by comparison id. A comparison
// added after the fit has no outcome and is left out.
func fitDawidSkene(ctx context.Context, src DatasetSource, projectID uuid.UUID,
	policy AnnotatorWeighted) (func(store.ComparisonVotes) (Outcome, bool, error), error) {
	var items []ItemVotes
	err := src.EachComparisonVotes(ctx, projectID, func(c store.ComparisonVotes) error {
		item, err := itemOf(c)
		items = append(items, item)
		return err
	})
	if err != nil {
		return nil, err
	}
	outs, err := policy.Aggregate(items)
	if err != nil {
		return nil, err
	}

	byID := make(map[string]Outcome, len(items))
	for i, it := range items {
		byID[it.Item] = outs[i]
	}
	return func(c store.ComparisonVotes) (Outcome, bool, error) {
		out, ok := byID[c.ID.String()]
		return out, ok, nil
	}, nil
}

// itemOf returns the votes and the adjudication of c by position.
func itemOf(c store.ComparisonVotes) (ItemVotes, error) {
	item := ItemVotes{Item: c.ID.String(), Votes: make([]Vote, len(c.Judgments))}
	for i, j := range c.Judgments {
		pos, err := position(c, j.Verdict, j.Preferred)
		if err != nil {
			return ItemVotes{}, fmt.Errorf("judgment by %s: %w", j.AnnotatorID, err)
		}
		item.Votes[i] = Vote{Annotator: j.AnnotatorID.String(), Verdict: j.Verdict,
			Preferred: pos, Strength: j.Strength}
	}
	if c.AdjudicatedVerdict != "" {
		pos, err := position(c, c.AdjudicatedVerdict, c.AdjudicatedPreferred)
		if err != nil {
			return ItemVotes{}, fmt.Errorf("adjudication: %w", err)
		}
		item.Adjudication = &Adjudication{Verdict: c.AdjudicatedVerdict, Preferred: pos}
	}
	return item, nil
}

// position returns where the response preferred sits in c: ResponseA,
// ResponseB, or NoResponse for a verdict other than preferred.
func position(c store.ComparisonVotes, verdict labeling.Verdict, preferred uuid.UUID) (int, error) {
	if verdict != labeling.VerdictPreferred {
		return NoResponse, nil
	}
	switch preferred {
	case c.A.ID:
		return ResponseA, nil
	case c.B.ID:
		return ResponseB, nil
	}
	return NoResponse, fmt.Errorf("preferred response %s is not part of comparison %s",
		preferred, c.ID)
}

// write writes the rows of one kept comparison, unless its prompt falls
// outside o.Split or the format cannot hold it.
func (o DatasetOptions) write(rows rowWriter, c store.ComparisonVotes, out Outcome,
	counts *DatasetCounts) error {
	if o.Split != "" {
		split, err := promptSplit(c.Prompt, o.Seed, o.ratios())
		if err != nil {
			return fmt.Errorf("split comparison %s: %w", c.ID, err)
		}
		if split != o.Split {
			return nil
		}
	}

	l := labeledOf(c, out, o.Metadata)
	l.Conversational = o.Conversational
	formatted, err := o.rows(l)
	if err != nil {
		return err
	}
	if formatted == nil && o.Format == FormatHH {
		counts.Skipped++
	}
	for _, row := range formatted {
		if err := rows.Write(row); err != nil {
			return fmt.Errorf("comparison %s: %w", c.ID, err)
		}
		counts.Rows++
	}
	return nil
}

// promptSplit returns the split of prompt, keyed by its JSON so that
// every comparison of a prompt, and a prompt imported twice, lands in the
// same split.
func promptSplit(prompt labeling.Conversation, seed string, ratios SplitRatios) (string, error) {
	key, err := json.Marshal(prompt)
	if err != nil {
		return "", err
	}
	return SplitOf(string(key), seed, ratios)
}

// rows returns the rows of l in o.Format. In the hh format, a prompt with
// a system message gives no rows.
func (o DatasetOptions) rows(l Labeled) ([]any, error) {
	switch o.Format {
	case FormatTRL:
		return []any{preferenceRow(l, l.Conversational)}, nil
	case FormatTRLImplicit:
		return []any{TRLImplicit(l)}, nil
	case FormatReward:
		return []any{RewardRow(l, l.Conversational)}, nil
	case FormatKTO:
		return KTORows(l), nil
	case FormatOpenAI:
		return []any{OpenAIPreference(l)}, nil
	case FormatSFT:
		return []any{SFTRow(l, l.Conversational)}, nil
	case FormatHH:
		if slices.ContainsFunc(l.Prompt, func(m labeling.Message) bool {
			return m.Role == labeling.RoleSystem
		}) {
			return nil, nil
		}
		row, err := AnthropicHH(l)
		return []any{row}, err
	}
	return nil, notOneOf("export format", o.Format, DatasetFormats)
}

// labeledOf returns c with the chosen and rejected responses that out
// sets. A both-bad outcome keeps response a as Chosen.
func labeledOf(c store.ComparisonVotes, out Outcome, metadata bool) Labeled {
	l := Labeled{
		ComparisonID: c.ID.String(),
		Prompt:       c.Prompt,
		Chosen:       c.A,
		Rejected:     c.B,
		Verdict:      out.Verdict,
		Margin:       out.Margin,
	}
	if out.Winner == ResponseB {
		l.Chosen, l.Rejected = c.B, c.A
	}
	if metadata {
		l.Meta = &RowMeta{
			ComparisonID:  l.ComparisonID,
			Votes:         out.Votes,
			Agreement:     out.Agreement,
			SourceLabel:   sourceLabel(c),
			ChosenModel:   l.Chosen.Model,
			RejectedModel: l.Rejected.Model,
		}
	}
	return l
}

// sourceLabel returns the imported label of c as a class name (a, b, tie
// or both_bad), and "" without one or with one that names neither
// response.
func sourceLabel(c store.ComparisonVotes) string {
	if c.SourceVerdict == "" {
		return ""
	}
	pos, err := position(c, c.SourceVerdict, c.SourcePreferred)
	if err != nil {
		return ""
	}
	class, err := classOf(c.SourceVerdict, pos)
	if err != nil {
		return ""
	}
	return class.String()
}

// Rows of TRL's preference type with an explicit prompt, as WriteTRL
// writes them, with optional metadata.
type preferenceStandardRow struct {
	Prompt   string   `json:"prompt"`
	Chosen   string   `json:"chosen"`
	Rejected string   `json:"rejected"`
	Metadata *RowMeta `json:"metadata,omitempty"`
}

type preferenceConversationalRow struct {
	Prompt   labeling.Conversation `json:"prompt"`
	Chosen   labeling.Conversation `json:"chosen"`
	Rejected labeling.Conversation `json:"rejected"`
	Metadata *RowMeta              `json:"metadata,omitempty"`
}

// preferenceRow returns l as a TRL preference row: the standard form for
// a single-turn prompt unless conversational is set, and the
// conversational form otherwise.
func preferenceRow(l Labeled, conversational bool) any {
	if l.standard(conversational) {
		return preferenceStandardRow{Prompt: l.promptText(), Chosen: l.Chosen.Content,
			Rejected: l.Rejected.Content, Metadata: l.Meta}
	}
	return preferenceConversationalRow{Prompt: clonePrompt(l.Prompt), Chosen: assistant(l.Chosen),
		Rejected: assistant(l.Rejected), Metadata: l.Meta}
}
