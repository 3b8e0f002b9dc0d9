package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"sort"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/ingest"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/web"
)

// ImportOptions are the parsing options of an import and what to do with
// the labels that come with the data.
type ImportOptions struct {
	ingest.Options
	// Gold makes every labelled comparison a gold comparison.
	Gold bool
}

// Import reads an import file into project p inside one transaction and
// returns its report and the batch id. A malformed file gives an
// *ingest.MalformedError and writes nothing.
func Import(ctx context.Context, db *store.DB, p labeling.Project, src io.Reader, sourceName string,
	opts ImportOptions, by uuid.UUID) (ingest.Report, uuid.UUID, error) {
	tx, err := db.BeginImport(ctx, p.ID, sourceName, by)
	if err != nil {
		return ingest.Report{}, uuid.Nil, err
	}
	defer tx.Rollback(ctx)
	tx.Gold = opts.Gold

	rep, err := ingest.Load(ctx, src, opts.Options, tx)
	if err != nil {
		return rep, uuid.Nil, err
	}
	if err := tx.Commit(ctx, string(rep.Format), rep); err != nil {
		return rep, uuid.Nil, err
	}
	// The import is stored; fresh statistics only speed up the queue, and
	// autovacuum refreshes them later should this fail.
	_ = db.Analyze(ctx)
	return rep, tx.BatchID(), nil
}

// importOptions builds ingest options from the format and map values of a
// form or query string.
func (s *Server) importOptions(format, fields, gold string) (ImportOptions, error) {
	opts := ImportOptions{Options: ingest.Options{MaxLineBytes: s.cfg.MaxLineBytes}}
	opts.Gold = gold == "true" || gold == "on" || gold == "1"
	if format == "" {
		format = string(ingest.FormatAuto)
	}
	f, err := ingest.ParseFormat(format)
	if err != nil {
		return opts, labeling.Errorf(labeling.ErrInvalid, "%v", err)
	}
	opts.Format = f
	if strings.TrimSpace(fields) != "" {
		if opts.Fields, err = ingest.ParseFieldMap(fields); err != nil {
			return opts, labeling.Errorf(labeling.ErrInvalid, "%v", err)
		}
	}
	return opts, nil
}

// uploadImport takes a multipart upload from the project page. The file is
// spooled to a temporary file, never held in memory, so that the form's
// fields can come in any order.
func (s *Server) uploadImport(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	form, err := readUpload(r)
	if form.file != nil {
		defer os.Remove(form.file.Name())
		defer form.file.Close()
	}
	v := web.ProjectPage{Project: p, Format: form.format, Fields: form.fields}
	if err == nil {
		err = s.importUpload(w, r, p, form)
	}
	if err == nil {
		return
	}

	status, public := statusOf(err)
	var malformed *ingest.MalformedError
	switch {
	case errors.As(err, &malformed):
		status, v.Errors = http.StatusUnprocessableEntity, strings.Split(malformed.Error(), "\n")
	case public:
		v.Errors = []string{err.Error()}
	default:
		s.fail(w, r, err)
		return
	}
	s.log.Warn("import rejected", "project_id", p.ID, "error", err)
	s.renderProject(w, r, status, v)
}

func (s *Server) importUpload(w http.ResponseWriter, r *http.Request, p labeling.Project, form upload) error {
	opts, err := s.importOptions(form.format, form.fields, form.gold)
	if err != nil {
		return err
	}
	rep, batch, err := Import(r.Context(), s.db, p, form.file, form.name, opts, userFrom(r.Context()).ID)
	if err != nil {
		return err
	}
	s.logImport(p, form.name, rep)
	http.Redirect(w, r, fmt.Sprintf("/projects/%s/imports/%s", p.ID, batch), http.StatusSeeOther)
	return nil
}

func (s *Server) logImport(p labeling.Project, source string, rep ingest.Report) {
	s.log.Info("import finished", "project_id", p.ID, "source", source, "format", rep.Format,
		"read", rep.Read, "comparisons", rep.Imported, "skipped", rep.Skipped)
}

type upload struct {
	format, fields, gold, name string
	file                       *os.File
}

func readUpload(r *http.Request) (upload, error) {
	var u upload
	mr, err := r.MultipartReader()
	if err != nil {
		return u, labeling.Errorf(labeling.ErrInvalid, "the upload must be a multipart form with a file field")
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return u, fmt.Errorf("read upload: %w", err)
		}
		if err := u.take(part); err != nil {
			return u, err
		}
	}
	if u.file == nil {
		return u, labeling.Errorf(labeling.ErrInvalid, "choose a file to import")
	}
	_, err = u.file.Seek(0, io.SeekStart)
	return u, err
}

func (u *upload) take(part *multipart.Part) error {
	defer part.Close()
	switch part.FormName() {
	case "format", "map", "gold":
		b, err := io.ReadAll(io.LimitReader(part, 4096))
		if err != nil {
			return fmt.Errorf("read form field: %w", err)
		}
		switch part.FormName() {
		case "format":
			u.format = string(b)
		case "map":
			u.fields = string(b)
		default:
			u.gold = string(b)
		}
	case "file":
		if u.file != nil {
			return labeling.Errorf(labeling.ErrInvalid, "upload one file at a time")
		}
		f, err := os.CreateTemp("", "pairwise-upload-")
		if err != nil {
			return fmt.Errorf("spool upload: %w", err)
		}
		// The name is kept as text, so bytes that are not valid UTF-8
		// and NUL characters are replaced.
		u.file = f
		u.name = strings.ReplaceAll(strings.ToValidUTF8(part.FileName(), "\uFFFD"), "\x00", "\uFFFD")
		if _, err := io.Copy(f, part); err != nil {
			return fmt.Errorf("spool upload: %w", err)
		}
	}
	return nil
}

func (s *Server) importReportPage(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	batchID, err := uuid.Parse(chi.URLParam(r, "batchID"))
	if err != nil {
		s.fail(w, r, labeling.Errorf(labeling.ErrNotFound, "import %q not found", chi.URLParam(r, "batchID")))
		return
	}
	source, data, err := s.db.ImportReport(r.Context(), p.ID, batchID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var rep ingest.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		s.fail(w, r, fmt.Errorf("decode report of import %s: %w", batchID, err))
		return
	}
	view := reportView(source, rep)
	s.renderProject(w, r, http.StatusOK, web.ProjectPage{Project: p, Format: "auto", Report: &view})
}

func reportView(source string, rep ingest.Report) web.ImportReport {
	v := web.ImportReport{Source: source, Format: string(rep.Format), Read: rep.Read,
		Imported: rep.Imported, Skipped: rep.Skipped, MoreSkips: rep.MoreSkips}
	for reason, n := range rep.ByReason {
		v.ByReason = append(v.ByReason, web.ReasonCount{Reason: string(reason), Count: n})
	}
	sort.Slice(v.ByReason, func(i, j int) bool { return v.ByReason[i].Reason < v.ByReason[j].Reason })
	for _, sk := range rep.Skips {
		v.Skips = append(v.Skips, web.SkipLine{Line: sk.Line, Reason: string(sk.Reason), Detail: sk.Detail})
	}
	return v
}
