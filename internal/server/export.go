package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
)

// Export formats offered for download besides those of
// export.DatasetFormats.
const (
	ExportTRL       = "trl"
	ExportJudgments = "judgments"
)

// exportFormats lists every format, in the order error messages name them.
var exportFormats = append([]string{ExportTRL, ExportJudgments}, export.DatasetFormats[1:]...)

// ExportOptions selects what Export writes. File and Gzip apply to
// every format, Salt to the judgments format only, and the rest to the
// dataset formats only (see export.DatasetOptions).
type ExportOptions struct {
	Format string `json:"format"`
	// Conversational writes rows in the conversational form even for
	// single-turn prompts.
	Conversational bool   `json:"conversational"`
	Policy         string `json:"policy,omitempty"`
	MinVotes       int    `json:"min_votes"`
	Metadata       bool   `json:"metadata"`
	Split          string `json:"split,omitempty"`
	Seed           string `json:"seed,omitempty"`
	// Ratios are the split shares; the zero value means
	// export.DefaultSplitRatios. JSON holds them in the form of the
	// split_ratios query parameter.
	Ratios export.SplitRatios `json:"split_ratios,omitzero"`
	// File is jsonl (the default) or parquet; Gzip compresses JSONL.
	File string `json:"file,omitempty"`
	Gzip bool   `json:"gzip"`
	// Salt keys the annotator pseudonyms of the judgments format; empty
	// means a fresh random salt.
	Salt string `json:"salt,omitempty"`
}

// plainTRL reports whether opts asks for TRL rows with the defaults,
// which WriteTRL writes straight from the stored majority.
func (opts ExportOptions) plainTRL() bool {
	return (opts.Format == ExportTRL || opts.Format == "") &&
		(opts.Policy == "" || opts.Policy == export.PolicyMajority) &&
		opts.MinVotes == 0 && !opts.Metadata && opts.Split == "" &&
		opts.Ratios == (export.SplitRatios{}) && opts.files() == (export.FileOptions{})
}

func (opts ExportOptions) files() export.FileOptions {
	file := opts.File
	if file == export.FileJSONL {
		file = ""
	}
	return export.FileOptions{File: file, Gzip: opts.Gzip}
}

func (opts ExportOptions) dataset() export.DatasetOptions {
	return export.DatasetOptions{Format: opts.Format, Policy: opts.Policy,
		MinVotes: opts.MinVotes, Conversational: opts.Conversational,
		Metadata: opts.Metadata, Split: opts.Split, Seed: opts.Seed, Ratios: opts.Ratios,
		File: opts.File, Gzip: opts.Gzip}
}

func (opts ExportOptions) judgments() export.JudgmentOptions {
	return export.JudgmentOptions{File: opts.File, Gzip: opts.Gzip, Salt: opts.Salt}
}

// Validate returns an ErrInvalid error that names the first invalid value
// and the accepted ones.
func (opts ExportOptions) Validate() error {
	switch {
	case opts.Format == ExportJudgments:
		if err := opts.judgmentsOnly(); err != nil {
			return err
		}
		return opts.judgments().Validate()
	case opts.Salt != "":
		return labeling.Errorf(labeling.ErrInvalid, "a salt applies to the judgments format only, "+
			"not to %q; leave the salt out", opts.Format)
	case opts.Format == "":
		return opts.files().Validate()
	case !slices.Contains(export.DatasetFormats, opts.Format):
		return labeling.Errorf(labeling.ErrInvalid, "export format %q is not one of %s",
			opts.Format, strings.Join(exportFormats, ", "))
	}
	if err := opts.dataset().Validate(); err != nil {
		return err
	}
	return opts.splitHasShare()
}

// splitHasShare returns an ErrInvalid error when opts requests a split
// whose share is 0, such as validation under the default shares, because
// that file would always be empty.
func (opts ExportOptions) splitHasShare() error {
	ratios := opts.Ratios
	if ratios == (export.SplitRatios{}) {
		ratios = export.DefaultSplitRatios
	}
	share := map[string]float64{export.SplitTrain: ratios.Train,
		export.SplitValidation: ratios.Validation, export.SplitTest: ratios.Test}
	if opts.Split == "" || share[opts.Split] > 0 {
		return nil
	}
	return labeling.Errorf(labeling.ErrInvalid, "split %q has a share of 0 under the split ratios %s, "+
		"so it would always be empty; give it a share in the split ratios, such as 0.8,0.1,0.1",
		opts.Split, ratios)
}

// judgmentsOnly returns an ErrInvalid error naming the first dataset
// option that opts sets. The judgments format writes every vote and would
// ignore the option, so a requested test split would still contain the
// votes of the train prompts.
func (opts ExportOptions) judgmentsOnly() error {
	var name, value string
	switch {
	case opts.Policy != "" && opts.Policy != export.PolicyMajority:
		name, value = "policy", opts.Policy
	case opts.MinVotes != 0:
		name, value = "min_votes", strconv.Itoa(opts.MinVotes)
	case opts.Metadata:
		name, value = "metadata", "true"
	case opts.Conversational:
		name, value = "conversational", "true"
	case opts.Split != "":
		name, value = "split", opts.Split
	case opts.Ratios != (export.SplitRatios{}):
		name, value = "split_ratios", opts.Ratios.String()
	case opts.Seed != "":
		name, value = "seed", opts.Seed
	default:
		return nil
	}
	return labeling.Errorf(labeling.ErrInvalid, "%s %q does not apply to the judgments format, "+
		"which writes every vote of the project; leave it out, or choose a dataset format such as trl",
		name, value)
}

// FileOptions returns the file type settings of opts.
func (opts ExportOptions) FileOptions() export.FileOptions {
	return opts.files()
}

// Export streams project p's data in opts.Format to w and returns the
// counts of rows written and of comparisons the format could not hold.
func Export(ctx context.Context, db ExportSource, w io.Writer, p labeling.Project,
	opts ExportOptions) (export.DatasetCounts, error) {
	if err := opts.Validate(); err != nil {
		return export.DatasetCounts{}, err
	}
	switch {
	case opts.plainTRL():
		n, err := export.WriteTRL(ctx, w, db, p.ID, export.TRLOptions{Conversational: opts.Conversational})
		return export.DatasetCounts{Rows: n}, err
	case opts.Format == ExportJudgments:
		n, err := export.WriteJudgments(ctx, w, db, p.ID, opts.judgments())
		return export.DatasetCounts{Rows: n}, err
	}
	return export.WriteDataset(ctx, w, db, p.ID, opts.dataset())
}

// exportOptions parses the query of an export request: format, file,
// gzip, policy, min_votes, conversational, metadata, split, split_ratios,
// seed and salt.
func exportOptions(r *http.Request) (ExportOptions, error) {
	q := r.URL.Query()
	opts := ExportOptions{Format: q.Get("format"), Policy: q.Get("policy"),
		Split: q.Get("split"), Seed: q.Get("seed"), File: q.Get("file"), Salt: q.Get("salt")}
	if opts.Format == "" {
		opts.Format = ExportTRL
	}
	var err error
	if opts.Conversational, err = queryBool(q.Get("conversational"), "conversational"); err != nil {
		return opts, err
	}
	if opts.Metadata, err = queryBool(q.Get("metadata"), "metadata"); err != nil {
		return opts, err
	}
	if opts.Gzip, err = queryBool(q.Get("gzip"), "gzip"); err != nil {
		return opts, err
	}
	if ratios := q.Get("split_ratios"); ratios != "" {
		if opts.Ratios, err = export.ParseSplitRatios(ratios); err != nil {
			return opts, fmt.Errorf("split_ratios: %w", err)
		}
	}
	if m := q.Get("min_votes"); m != "" {
		v, err := strconv.Atoi(m)
		if err != nil || v < 0 {
			return opts, labeling.Errorf(labeling.ErrInvalid,
				"min_votes=%q is not a whole number of 0 or more", m)
		}
		opts.MinVotes = v
	}
	return opts, opts.Validate()
}

func queryBool(value, name string) (bool, error) {
	if value == "" {
		return false, nil
	}
	v, err := strconv.ParseBool(value)
	if err != nil {
		return false, labeling.Errorf(labeling.ErrInvalid, "%s=%q is not true or false", name, value)
	}
	return v, nil
}

// exportDownload streams an export as a JSONL, gzipped JSONL or Parquet
// attachment. Once bytes have gone out, a failure can only cut the
// download short; it is logged.
func (s *Server) exportDownload(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	opts, err := exportOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if s.exportElsewhere(w, r, p, opts) {
		return
	}

	file := opts.FileOptions()
	name := fmt.Sprintf("%s-%s-%s%s", slug(p.Name), opts.Format,
		time.Now().UTC().Format("20060102"), file.Extension())
	w.Header().Set("Content-Type", file.ContentType())
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	n, err := Export(r.Context(), s.db, w, p, opts)
	if err != nil {
		s.log.Error("export failed", "project_id", p.ID, "format", opts.Format,
			"rows", n.Rows, "error", err)
		return
	}
	s.log.Info("export finished", "project_id", p.ID, "format", opts.Format, "file", file.Extension(),
		"policy", opts.Policy, "split", opts.Split, "rows", n.Rows, "skipped", n.Skipped)
}

// slug keeps the letters, digits and dashes of name for a file name.
func slug(name string) string {
	out := make([]rune, 0, len(name))
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
			out = append(out, c)
		case c == ' ':
			out = append(out, '-')
		}
	}
	if len(out) == 0 {
		return "project"
	}
	return string(out)
}
