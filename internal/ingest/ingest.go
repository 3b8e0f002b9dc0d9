// Package ingest parses preference data files into labeling rows. It reads
// JSONL or one JSON array, optionally gzip-compressed, or a Parquet file.
// The formats are generic pairs, one prompt with several completions, and
// every format that the export package writes: TRL preference rows (with or
// without a reward margin), Anthropic HH transcripts, KTO, OpenAI preference,
// SFT, rubric and judgments rows. Every record is checked before anything is
// imported, and each rejected record is reported with its line number.
package ingest

import (
	"fmt"
	"strings"
)

// Format is the layout of the records in an import file.
type Format string

// Formats that Read accepts.
const (
	FormatAuto        Format = "auto"        // detected from the first record
	FormatPairs       Format = "pairs"       // prompt, response_a, response_b
	FormatTRL         Format = "trl"         // TRL preference rows
	FormatHH          Format = "hh"          // Anthropic HH transcripts
	FormatCompletions Format = "completions" // one prompt, several completions
	FormatReward      Format = "reward"      // TRL preference rows with a margin
	FormatKTO         Format = "kto"         // TRL unpaired rows, grouped by prompt
	FormatOpenAI      Format = "openai"      // OpenAI preference fine-tuning rows
	FormatSFT         Format = "sft"         // TRL SFT rows, grouped by prompt
	FormatRubric      Format = "rubric"      // one rated response per row, grouped by prompt
	FormatJudgments   Format = "judgments"   // one vote per row, grouped by comparison
)

var formats = []Format{
	FormatAuto, FormatPairs, FormatTRL, FormatHH, FormatCompletions,
	FormatReward, FormatKTO, FormatOpenAI, FormatSFT, FormatRubric, FormatJudgments,
	FormatCSV, FormatOASST,
}

// ParseFormat returns the Format named s. The error names s and lists the
// accepted names.
func ParseFormat(s string) (Format, error) {
	for _, f := range formats {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(formats))
	for i, f := range formats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("invalid format %q: want one of %s",
		s, strings.Join(names, ", "))
}

// Defaults for the zero values of Options.
const (
	DefaultMaxLineBytes = 16 << 20
	DefaultMaxErrors    = 20
)

// Options configures Read.
type Options struct {
	// Format is the layout of the records. FormatAuto, or the empty
	// string, detects it from the first record that is a JSON object.
	Format Format
	// Fields renames canonical fields to the names used in the file.
	Fields FieldMap
	// MaxLineBytes is the maximum size in bytes of one JSONL line or one
	// JSON array element. Zero means DefaultMaxLineBytes.
	MaxLineBytes int
	// MaxErrors is the maximum number of malformed records listed in a
	// MalformedError. Records past it are only counted. Zero means
	// DefaultMaxErrors.
	MaxErrors int
	// Lookup finds the texts of judgments rows that name their prompt
	// and responses by id only, as the judgments export writes them.
	// Nil rejects such rows.
	Lookup LookupFunc
}

// withDefaults returns o with zero values replaced by defaults, or an error
// for values that Read cannot use.
func (o Options) withDefaults() (Options, error) {
	if o.Format == "" {
		o.Format = FormatAuto
	}
	if _, err := ParseFormat(string(o.Format)); err != nil {
		return o, err
	}
	if o.MaxLineBytes < 0 {
		return o, fmt.Errorf("invalid maximum line size %d bytes: want a positive number",
			o.MaxLineBytes)
	}
	if o.MaxLineBytes == 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.MaxErrors < 0 {
		return o, fmt.Errorf("invalid maximum error count %d: want a positive number",
			o.MaxErrors)
	}
	if o.MaxErrors == 0 {
		o.MaxErrors = DefaultMaxErrors
	}
	return o, nil
}

// SkipReason names why a well-formed record produced no row, or fewer
// candidates than it contains.
type SkipReason string

// Skip reasons.
const (
	// SkipIdentical marks responses that are byte-for-byte equal.
	SkipIdentical SkipReason = "identical_responses"
	// SkipPromptsDiffer marks transcripts or conversations whose prompts
	// differ before the last assistant turn.
	SkipPromptsDiffer SkipReason = "prompts_differ"
	// SkipDuplicate marks a pair that is already stored. Read never
	// produces it; the store does.
	SkipDuplicate SkipReason = "duplicate_pair"
	// SkipUnpaired marks a row of a grouped format (kto, sft, rubric,
	// judgments) that has no second response to be compared with.
	SkipUnpaired SkipReason = "unpaired"
	// SkipBothDesirable marks two KTO rows of one prompt that are both
	// labelled true, because such a pair marks neither response as better
	// and neither as bad.
	SkipBothDesirable SkipReason = "both_desirable"
	// SkipTooMany marks responses of a prompt in a grouped format past
	// the first MaxCompletions distinct ones.
	SkipTooMany SkipReason = "too_many_responses"
	// SkipResponseNotText marks a pairs record whose response is a JSON
	// boolean or number, such as the true that replaces a few responses of
	// the PandaLM test set. Any other type is malformed.
	SkipResponseNotText SkipReason = "response_not_text"
)

// Skip is a well-formed record that was left out, in whole or in part.
type Skip struct {
	Line   int        `json:"line"`
	Reason SkipReason `json:"reason"`
	Detail string     `json:"detail"`
}

// Result is the summary of one Read.
type Result struct {
	// Format is the format used: the detected one when Options.Format was
	// FormatAuto, or FormatAuto when the input had no record to detect from.
	Format Format
	// Unit is UnitRow for a Parquet file, whose line numbers are row
	// numbers, and UnitLine otherwise.
	Unit string
	// Read is the number of records read: non-blank lines or array
	// elements, malformed ones included.
	Read    int
	Skipped []Skip
}
