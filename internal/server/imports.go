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

	opts.Format = ingest.FormatForName(opts.Format, sourceName)
	if opts.Lookup == nil {
		opts.Lookup = lookupTexts(db, by)
	}
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

// lookupTexts returns the lookup of a judgments export's texts for user
// by: the prompts and responses of the projects that by manages, or of
// every project when by is uuid.Nil, as for the command line.
func lookupTexts(db *store.DB, by uuid.UUID) ingest.LookupFunc {
	return func(ctx context.Context, promptID, responseA, responseB string) (
		labeling.Conversation, labeling.Candidate, labeling.Candidate, error) {
		var ids [3]uuid.UUID
		for i, s := range []string{promptID, responseA, responseB} {
			id, err := uuid.Parse(s)
			if err != nil {
				return nil, labeling.Candidate{}, labeling.Candidate{},
					labeling.Errorf(labeling.ErrInvalid, "id %q is not a UUID", s)
			}
			ids[i] = id
		}
		return db.ComparisonTexts(ctx, by, ids[0], ids[1], ids[2])
	}
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
	// project names the project that the home page's form creates.
	project string
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
	case "format", "map", "gold", "project":
		b, err := io.ReadAll(io.LimitReader(part, 4096))
		if err != nil {
			return fmt.Errorf("read form field: %w", err)
		}
		switch part.FormName() {
		case "format":
			u.format = string(b)
		case "map":
			u.fields = string(b)
		case "project":
			u.project = strings.TrimSpace(string(b))
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

// apiImportNewProject creates a project and imports the request body into
// it in one request. Query parameters: project (the new project's name,
// required), format, map, gold and name, as for an import into an
// existing project. A rejected import deletes the project again.
func (s *Server) apiImportNewProject(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	opts, err := s.importOptions(q.Get("format"), q.Get("map"), q.Get("gold"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	projectName := strings.TrimSpace(q.Get("project"))
	if projectName == "" {
		s.fail(w, r, labeling.Errorf(labeling.ErrInvalid,
			"missing project: name the new project with ?project=NAME"))
		return
	}
	source := q.Get("name")
	if source == "" {
		source = "api upload"
	}

	p, err := s.newProject(r, labeling.NewProject(projectName))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("project created", "project_id", p.ID, "by", userFrom(r.Context()).ID)
	rep, batch, err := Import(r.Context(), s.db, p, r.Body, source, opts, userFrom(r.Context()).ID)
	if err != nil {
		s.discardProject(r.Context(), p)
		s.failImport(w, r, p, err)
		return
	}
	s.logImport(p, source, rep)
	writeJSON(w, http.StatusCreated, map[string]any{"project_id": p.ID, "import_id": batch, "report": rep})
}

// discardProject deletes project p, created for an import that failed.
// A failure is logged, because the import's own error is the one the
// client needs.
func (s *Server) discardProject(ctx context.Context, p labeling.Project) {
	if _, err := s.db.DeleteEmptyProject(ctx, p.ID); err != nil {
		s.log.Error("delete project of rejected import", "project_id", p.ID, "error", err)
	}
}

// failImport writes the reply to an API import that failed: 422 with the
// malformed lines for a malformed file, and the usual error reply
// otherwise.
func (s *Server) failImport(w http.ResponseWriter, r *http.Request, p labeling.Project, err error) {
	var malformed *ingest.MalformedError
	if !errors.As(err, &malformed) {
		s.fail(w, r, err)
		return
	}
	s.log.Warn("import rejected", "project_id", p.ID, "error", err)
	writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
		"error":           "import rejected: malformed records, nothing was imported",
		"malformed_lines": malformed.Lines, "malformed_total": malformed.Total,
	})
}

// uploadNewProject takes the home page's form: it creates a project and
// imports the uploaded file into it, then shows the import report. The
// project is named by the form's project field, or else by the file's
// name, numbered when a project already has that name. A rejected import
// deletes the project again and shows the home page with the errors.
func (s *Server) uploadNewProject(w http.ResponseWriter, r *http.Request) {
	form, err := readUpload(r)
	if form.file != nil {
		defer os.Remove(form.file.Name())
		defer form.file.Close()
	}
	var p labeling.Project
	if err == nil {
		p, err = s.newProjectFor(r, form)
	}
	if err == nil {
		s.log.Info("project created", "project_id", p.ID, "by", userFrom(r.Context()).ID)
		if err = s.importUpload(w, r, p, form); err != nil {
			s.discardProject(r.Context(), p)
		}
	}
	if err == nil {
		return
	}

	status, public := statusOf(err)
	var errs []string
	var malformed *ingest.MalformedError
	switch {
	case errors.As(err, &malformed):
		status, errs = http.StatusUnprocessableEntity, strings.Split(malformed.Error(), "\n")
	case public:
		errs = []string{err.Error()}
	default:
		s.fail(w, r, err)
		return
	}
	s.log.Warn("import into a new project rejected", "error", err)
	s.renderHome(w, r, status, form.project, errs)
}

// maxNameSuffix is the highest number newProjectFor adds to a file's name
// to make a project name that is not taken.
const maxNameSuffix = 20

// newProjectFor creates the project of a home page upload, with the name
// that uploadNewProject documents.
func (s *Server) newProjectFor(r *http.Request, form upload) (labeling.Project, error) {
	if form.project != "" {
		return s.newProject(r, labeling.NewProject(form.project))
	}
	name := strings.TrimSpace(form.name)
	if name == "" {
		return labeling.Project{}, labeling.Errorf(labeling.ErrInvalid,
			"the file has no name; name the new project")
	}
	p, err := s.newProject(r, labeling.NewProject(name))
	for n := 2; errors.Is(err, labeling.ErrConflict) && n <= maxNameSuffix; n++ {
		p, err = s.newProject(r, labeling.NewProject(fmt.Sprintf("%s (%d)", name, n)))
	}
	return p, err
}
