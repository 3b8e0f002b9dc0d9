package export

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/pairwise/pairwise/internal/labeling"
)

// Card defaults, used when CardInfo leaves a field empty.
const (
	// DefaultLicense is the Hugging Face license id for a dataset whose
	// license nobody stated.
	DefaultLicense = "unknown"
	// DefaultLanguage is the ISO 639-1 code of English.
	DefaultLanguage = "en"
)

// CardInfo is the content of a dataset card beyond the rows and the
// export settings: the project, its license and languages, and label
// quality.
type CardInfo struct {
	// Name is the dataset's pretty_name, usually the project name.
	Name string
	// License is a Hugging Face license id such as cc-by-4.0 or mit;
	// empty means DefaultLicense.
	License string
	// Languages are ISO 639 codes such as en or de; empty means
	// DefaultLanguage.
	Languages []string
	// Annotators and Judgments count who labelled the project and how
	// many votes they cast.
	Annotators int
	Judgments  int
	// FirstJudgment and LastJudgment are the submission times of the
	// oldest and newest judgment; both are zero without judgments.
	FirstJudgment, LastJudgment time.Time
	// Agreement lists inter-annotator agreement statistics in the order
	// the card shows them.
	Agreement []AgreementStat
	// Criteria are the keys of the project's rubric criteria, which name
	// columns of the rubric format.
	Criteria []string
}

// AgreementStat is one agreement statistic of a project, such as
// Krippendorff's alpha. OK is false when too few judgments overlapped to
// compute it.
type AgreementStat struct {
	Name  string
	Value float64
	// N counts what the statistic was computed over, in Unit.
	N    int
	Unit string
	OK   bool
}

// licensePattern and languagePattern accept Hugging Face license ids and
// ISO 639 codes with an optional region, and nothing that could break out
// of a YAML scalar.
var (
	licensePattern  = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]{0,63}$`)
	languagePattern = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)
)

// Validate returns an ErrInvalid error that names the first license or
// language code that is not of the accepted form.
func (c CardInfo) Validate() error {
	if c.License != "" && !licensePattern.MatchString(c.License) {
		return labeling.Errorf(labeling.ErrInvalid, "license %q is not a Hugging Face license id "+
			"such as cc-by-4.0, mit, apache-2.0, other or unknown", c.License)
	}
	for _, lang := range c.Languages {
		if !languagePattern.MatchString(lang) {
			return labeling.Errorf(labeling.ErrInvalid, "language %q is not an ISO 639 code "+
				"such as en, de or pt-BR", lang)
		}
	}
	return nil
}

func (c CardInfo) license() string {
	if c.License == "" {
		return DefaultLicense
	}
	return c.License
}

func (c CardInfo) languages() []string {
	if len(c.Languages) == 0 {
		return []string{DefaultLanguage}
	}
	return c.Languages
}

// SplitCount is the number of rows written to one split of a bundle.
type SplitCount struct {
	Split string
	DatasetCounts
}

// sizeCategories are the Hugging Face size_categories values, by the
// largest row count each covers.
var sizeCategories = []struct {
	below int
	name  string
}{
	{1_000, "n<1K"}, {10_000, "1K<n<10K"}, {100_000, "10K<n<100K"},
	{1_000_000, "100K<n<1M"}, {10_000_000, "1M<n<10M"}, {100_000_000, "10M<n<100M"},
	{1_000_000_000, "100M<n<1B"},
}

func sizeCategory(rows int) string {
	for _, c := range sizeCategories {
		if rows < c.below {
			return c.name
		}
	}
	return "1B<n<10B"
}

// WriteCard returns a README.md dataset card for the splits of a bundle:
// a YAML header in the Hugging Face dataset card format (license,
// language, task_categories, tags, size_categories, pretty_name and a
// default config with one data_files entry per split), then counts,
// agreement, the export settings and a table of the row fields. dataFile
// maps a split to its path in the bundle. The card contains no times but
// those of info, so the same data gives the same bytes.
func WriteCard(info CardInfo, opts DatasetOptions, splits []SplitCount,
	dataFile func(split string) string) []byte {
	var b bytes.Buffer
	writeCardHeader(&b, info, opts, splits, dataFile)
	writeCardBody(&b, info, opts, splits)
	return b.Bytes()
}

func writeCardHeader(b *bytes.Buffer, info CardInfo, opts DatasetOptions, splits []SplitCount,
	dataFile func(string) string) {
	total := 0
	for _, s := range splits {
		total += s.Rows
	}
	b.WriteString("---\n")
	fmt.Fprintf(b, "license: %s\n", info.license())
	b.WriteString("language:\n")
	for _, lang := range info.languages() {
		fmt.Fprintf(b, "- %s\n", lang)
	}
	b.WriteString("task_categories:\n- text-generation\n")
	if opts.Format == FormatReward {
		b.WriteString("- text-classification\n")
	}
	b.WriteString("tags:\n")
	for _, tag := range cardTags(opts.Format) {
		fmt.Fprintf(b, "- %s\n", tag)
	}
	fmt.Fprintf(b, "size_categories:\n- %s\n", sizeCategory(total))
	if info.Name != "" {
		fmt.Fprintf(b, "pretty_name: %s\n", yamlString(info.Name))
	}
	b.WriteString("configs:\n- config_name: default\n  data_files:\n")
	for _, s := range splits {
		fmt.Fprintf(b, "  - split: %s\n    path: %s\n", s.Split, dataFile(s.Split))
	}
	b.WriteString("---\n\n")
}

// cardTags returns the Hub tags of a dataset in format.
func cardTags(format string) []string {
	tags := []string{"human-feedback", "pairwise"}
	switch format {
	case FormatTRL, FormatTRLImplicit, FormatOpenAI, FormatHH:
		tags = append(tags, "preference", "dpo", "rlhf")
	case FormatReward:
		tags = append(tags, "preference", "reward-modeling", "rlhf")
	case FormatKTO:
		tags = append(tags, "kto")
	case FormatSFT:
		tags = append(tags, "sft")
	case FormatRubric:
		tags = append(tags, "rubric-ratings")
	}
	return append(tags, "trl")
}

// yamlString quotes s as a YAML double-quoted scalar. JSON string escapes
// are a subset of YAML's, so a JSON string is a valid one.
func yamlString(s string) string {
	out, _ := json.Marshal(s)
	return string(out)
}

func writeCardBody(b *bytes.Buffer, info CardInfo, opts DatasetOptions, splits []SplitCount) {
	name := info.Name
	if name == "" {
		name = "preference dataset"
	}
	fmt.Fprintf(b, "# %s\n\n", markdownText(name))
	fmt.Fprintf(b, "Human preference labels exported from pairwise in the `%s` format, "+
		"one file per split in Parquet under `data/`.\n\n", opts.Format)

	b.WriteString("## Splits\n\n| split | rows | comparisons left out |\n|---|---:|---:|\n")
	for _, s := range splits {
		fmt.Fprintf(b, "| %s | %d | %d |\n", s.Split, s.Rows, s.Skipped)
	}
	b.WriteString("\nComparisons are left out when the format cannot hold them " +
		"(the `hh` format has no place for a system message).\n\n")

	writeCardAnnotation(b, info)
	writeCardSettings(b, opts)
	writeCardFields(b, opts, info.Criteria)
}

func writeCardAnnotation(b *bytes.Buffer, info CardInfo) {
	b.WriteString("## Annotation\n\n")
	fmt.Fprintf(b, "- annotators: %d\n- judgments: %d\n", info.Annotators, info.Judgments)
	if !info.FirstJudgment.IsZero() {
		fmt.Fprintf(b, "- judged between %s and %s (UTC)\n",
			info.FirstJudgment.UTC().Format(time.DateOnly), info.LastJudgment.UTC().Format(time.DateOnly))
	}
	b.WriteString("\n")
	if len(info.Agreement) == 0 {
		return
	}
	b.WriteString("Inter-annotator agreement over every judgment of the project:\n\n" +
		"| statistic | value | computed over |\n|---|---:|---|\n")
	for _, a := range info.Agreement {
		value := "too few overlapping judgments"
		if a.OK {
			value = fmt.Sprintf("%.3f", a.Value)
		}
		fmt.Fprintf(b, "| %s | %s | %d %s |\n", markdownText(a.Name), value, a.N, a.Unit)
	}
	b.WriteString("\n")
}

func writeCardSettings(b *bytes.Buffer, opts DatasetOptions) {
	policy := opts.Policy
	if policy == "" {
		policy = PolicyMajority
	}
	minVotes := max(opts.MinVotes, 1)
	r := opts.ratios()
	b.WriteString("## Export settings\n\n| setting | value |\n|---|---|\n")
	fmt.Fprintf(b, "| format | `%s` |\n", opts.Format)
	fmt.Fprintf(b, "| aggregation policy | `%s` |\n", policy)
	fmt.Fprintf(b, "| minimum votes per comparison | %d |\n", minVotes)
	fmt.Fprintf(b, "| conversational form for every row | %v |\n", opts.Conversational)
	fmt.Fprintf(b, "| metadata column | %v |\n", opts.Metadata)
	fmt.Fprintf(b, "| split seed | `%s` |\n", markdownText(opts.Seed))
	fmt.Fprintf(b, "| split ratios (train / validation / test) | %g / %g / %g |\n",
		r.Train, r.Validation, r.Test)
	b.WriteString("\nEach prompt goes to one split, chosen by a hash of the prompt and " +
		"the seed, so no prompt is in two splits.\n\n")
}

// markdownText escapes the characters that would end a table cell or
// start markup in s.
func markdownText(s string) string {
	r := strings.NewReplacer("|", `\|`, "`", "'", "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;")
	return r.Replace(s)
}
