package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/quality"
	"github.com/pairwise/pairwise/internal/store"
)

// BundleRequest is a request for a dataset bundle: an archive in the
// Hugging Face dataset layout with a Parquet file per split and a dataset
// card. The zero value requests no bundle.
type BundleRequest struct {
	// Archive is one of export.BundleArchives, or empty for no bundle.
	Archive string `json:"archive,omitempty"`
	// License and Languages go into the card; empty means
	// export.DefaultLicense and export.DefaultLanguage.
	License   string   `json:"license,omitempty"`
	Languages []string `json:"languages,omitempty"`
}

// NewBundleRequest returns the request for an archive with license and
// languages, a comma-separated list of ISO 639 codes.
func NewBundleRequest(archive, license, languages string) BundleRequest {
	b := BundleRequest{Archive: strings.TrimSpace(archive), License: strings.TrimSpace(license)}
	for lang := range strings.SplitSeq(languages, ",") {
		if lang = strings.TrimSpace(lang); lang != "" {
			b.Languages = append(b.Languages, lang)
		}
	}
	return b
}

// bundleRequest parses the bundle, license and language parameters of q.
func bundleRequest(q url.Values) BundleRequest {
	return NewBundleRequest(q.Get("bundle"), q.Get("license"), q.Get("language"))
}

// Validate returns an ErrInvalid error that names the first invalid value
// of b, or an option of opts that a bundle cannot hold.
func (b BundleRequest) Validate(opts ExportOptions) error {
	if b.Archive == "" {
		return nil
	}
	if !slices.Contains(export.BundleArchives, b.Archive) {
		return labeling.Errorf(labeling.ErrInvalid, "bundle %q is not one of %s",
			b.Archive, strings.Join(export.BundleArchives, ", "))
	}
	if !slices.Contains(export.DatasetFormats, opts.Format) {
		return labeling.Errorf(labeling.ErrInvalid, "a bundle contains one of the dataset formats "+
			"(%s), not %q; download the %s format without a bundle",
			strings.Join(export.DatasetFormats, ", "), opts.Format, opts.Format)
	}
	if opts.Split != "" {
		return labeling.Errorf(labeling.ErrInvalid, "a bundle contains every split, so split=%q "+
			"does not apply; leave the split empty", opts.Split)
	}
	return b.options(opts, export.CardInfo{}).Validate()
}

// options returns the export.BundleOptions of b with the card info.
// A bundle always holds Parquet files, so opts.File and Gzip do not apply.
func (b BundleRequest) options(opts ExportOptions, card export.CardInfo) export.BundleOptions {
	d := opts.dataset()
	d.Split, d.File, d.Gzip = "", "", false
	card.License, card.Languages = b.License, b.Languages
	return export.BundleOptions{Dataset: d, Archive: b.Archive, Card: card}
}

// FileName returns the download name of b's archive for project p.
func (b BundleRequest) FileName(p labeling.Project, opts ExportOptions, day time.Time) string {
	return fmt.Sprintf("%s-%s-%s.%s", slug(p.Name), opts.Format, day.UTC().Format("20060102"), b.Archive)
}

// ContentType returns the HTTP media type of b's archive.
func (b BundleRequest) ContentType() string {
	if b.Archive == export.ArchiveZip {
		return "application/zip"
	}
	return "application/gzip"
}

// ExportBundle writes project p's dataset as the bundle that b requests,
// with a card that states p's label quality, and returns the rows of each
// split.
func ExportBundle(ctx context.Context, src ExportSource, w io.Writer, p labeling.Project,
	opts ExportOptions, b BundleRequest) ([]export.SplitCount, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if err := b.Validate(opts); err != nil {
		return nil, err
	}
	card, err := projectCard(ctx, src, p)
	if err != nil {
		return nil, err
	}
	return export.WriteBundle(ctx, w, src, p.ID, b.options(opts, card))
}

// projectCard returns the dataset card facts of project p: its
// annotators, the dates of its judgments and its agreement statistics.
func projectCard(ctx context.Context, src ExportSource, p labeling.Project) (export.CardInfo, error) {
	opts := quality.ReportOptions{Overlap: p.JudgmentsWanted, GoldThreshold: p.GoldThreshold,
		MaxActive: maxActivePerJudgment}
	card := export.CardInfo{Name: p.Name}
	for _, c := range p.Criteria() {
		opts.Criteria = append(opts.Criteria, c.Key)
		card.Criteria = append(card.Criteria, c.Key)
	}
	b := quality.NewReportBuilder(opts)
	err := src.EachRating(ctx, p.ID, func(r quality.Rating) error {
		if card.FirstJudgment.IsZero() || r.SubmittedAt.Before(card.FirstJudgment) {
			card.FirstJudgment = r.SubmittedAt
		}
		if r.SubmittedAt.After(card.LastJudgment) {
			card.LastJudgment = r.SubmittedAt
		}
		return b.Add(r)
	})
	if err != nil {
		return card, fmt.Errorf("dataset card of project %s: %w", p.ID, err)
	}

	report := b.Report()
	card.Annotators = len(report.Annotators)
	card.Judgments = report.Judgments
	card.Agreement = []export.AgreementStat{
		agreementStat("Krippendorff's alpha, verdicts (nominal)", report.AlphaVerdict, "comparisons"),
		agreementStat("Krippendorff's alpha, signed strengths (interval)", report.AlphaStrength, "comparisons"),
		agreementStat(fmt.Sprintf("Fleiss' kappa, comparisons with exactly %d judgments", p.JudgmentsWanted),
			report.Fleiss, "comparisons"),
		agreementStat("Cohen's kappa, mean over annotator pairs", report.MeanPairKappa, "pairs"),
	}
	return card, nil
}

func agreementStat(name string, s quality.Statistic, unit string) export.AgreementStat {
	return export.AgreementStat{Name: name, Value: s.Value, N: s.N, Unit: unit, OK: s.OK}
}

// ExportSource is the data source of every export: *store.DB, or a
// wrapper that counts the items passing through it.
type ExportSource interface {
	export.DatasetSource
	export.PreferenceSource
	export.JudgmentSource
	export.RubricSource
	EachRating(ctx context.Context, projectID uuid.UUID, fn func(quality.Rating) error) error
}

// exportBundleDownload streams the bundle that b, already validated,
// requests as an attachment. A failure after the headers can only cut the
// download short; it is logged.
func (s *Server) exportBundleDownload(w http.ResponseWriter, r *http.Request, p labeling.Project,
	opts ExportOptions, b BundleRequest) {
	w.Header().Set("Content-Type", b.ContentType())
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q",
		b.FileName(p, opts, time.Now())))
	splits, err := ExportBundle(r.Context(), s.db, w, p, opts, b)
	if err != nil {
		s.log.Error("export bundle failed", "project_id", p.ID, "format", opts.Format,
			"archive", b.Archive, "error", err)
		return
	}
	s.log.Info("export bundle finished", "project_id", p.ID, "format", opts.Format,
		"archive", b.Archive, "splits", len(splits))
}

var _ ExportSource = (*store.DB)(nil)
