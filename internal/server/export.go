package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
)

// Export formats offered for download.
const (
	ExportTRL       = "trl"
	ExportJudgments = "judgments"
)

// ExportOptions selects what Export writes.
type ExportOptions struct {
	Format string
	// Conversational writes TRL rows in the conversational form even for
	// single-turn prompts.
	Conversational bool
}

// Export streams project p's data in opts.Format to w and returns the
// number of rows written.
func Export(ctx context.Context, db *store.DB, w io.Writer, p labeling.Project, opts ExportOptions) (int, error) {
	switch opts.Format {
	case ExportTRL, "":
		return export.WriteTRL(ctx, w, db, p.ID, export.TRLOptions{Conversational: opts.Conversational})
	case ExportJudgments:
		return export.WriteJudgments(ctx, w, db, p.ID)
	}
	return 0, labeling.Errorf(labeling.ErrInvalid, "export format %q is not one of %s, %s",
		opts.Format, ExportTRL, ExportJudgments)
}

func exportOptions(r *http.Request) (ExportOptions, error) {
	q := r.URL.Query()
	opts := ExportOptions{Format: q.Get("format")}
	if opts.Format == "" {
		opts.Format = ExportTRL
	}
	if opts.Format != ExportTRL && opts.Format != ExportJudgments {
		return opts, labeling.Errorf(labeling.ErrInvalid, "export format %q is not one of %s, %s",
			opts.Format, ExportTRL, ExportJudgments)
	}
	if c := q.Get("conversational"); c != "" {
		v, err := strconv.ParseBool(c)
		if err != nil {
			return opts, labeling.Errorf(labeling.ErrInvalid, "conversational=%q is not true or false", c)
		}
		opts.Conversational = v
	}
	return opts, nil
}

// exportDownload streams an export as a JSONL attachment. Once rows have
// gone out, a failure can only cut the download short; it is logged.
func (s *Server) exportDownload(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	opts, err := exportOptions(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}

	name := fmt.Sprintf("%s-%s-%s.jsonl", slug(p.Name), opts.Format, time.Now().UTC().Format("20060102"))
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	n, err := Export(r.Context(), s.db, w, p, opts)
	if err != nil {
		s.log.Error("export failed", "project_id", p.ID, "format", opts.Format, "rows", n, "error", err)
		return
	}
	s.log.Info("export finished", "project_id", p.ID, "format", opts.Format, "rows", n)
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
