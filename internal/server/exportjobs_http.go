package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/web"
)

// exportJobsListed is the number of jobs the exports page lists.
const exportJobsListed = 50

// exportJobRequestOf parses the export options and the bundle request
// from the query of r, as the export download reads them.
func exportJobRequestOf(r *http.Request) (exportJobRequest, error) {
	opts, err := exportOptions(r)
	if err != nil {
		return exportJobRequest{}, err
	}
	req := exportJobRequest{Export: opts, Bundle: bundleRequest(r.URL.Query())}
	return req, req.Bundle.Validate(opts)
}

// summary names what req exports, for people.
func (req exportJobRequest) summary() string {
	s := req.Export.Format
	if req.Export.Policy != "" {
		s += ", policy " + req.Export.Policy
	}
	if req.Export.Split != "" {
		s += ", " + req.Export.Split + " split"
	}
	if req.Bundle.Archive != "" {
		return s + ", Hugging Face bundle (" + req.Bundle.Archive + ")"
	}
	return s + ", " + req.Export.FileOptions().Extension()[1:] + " file"
}

// exportElsewhere handles the export requests that exportDownload does
// not stream itself, and reports whether it wrote a response. A project with more
// labelled comparisons than the threshold exports in the background: the
// web page is sent to the exports page to start a job, and the API gets a
// 409 that names the job endpoint. A bundle of a smaller project is
// streamed here.
func (s *Server) exportElsewhere(w http.ResponseWriter, r *http.Request, p labeling.Project,
	opts ExportOptions) bool {
	b := bundleRequest(r.URL.Query())
	if err := b.Validate(opts); err != nil {
		s.fail(w, r, err)
		return true
	}
	labelled, err := s.db.CountLabelledComparisons(r.Context(), p.ID)
	if err != nil {
		s.fail(w, r, err)
		return true
	}
	switch {
	case labelled > s.cfg.ExportJobThreshold && isAPI(r):
		writeJSONError(w, http.StatusConflict, fmt.Sprintf("project has %d labelled comparisons, "+
			"more than the %d that stream; start a background export with "+
			"POST /api/v1/projects/%s/exports and the same query", labelled, s.cfg.ExportJobThreshold, p.ID))
		return true
	case labelled > s.cfg.ExportJobThreshold:
		http.Redirect(w, r, "/projects/"+p.ID.String()+"/exports?"+r.URL.RawQuery, http.StatusSeeOther)
		return true
	case b.Archive != "":
		s.exportBundleDownload(w, r, p, opts, b)
		return true
	}
	return false
}

func (s *Server) exportJobsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := projectFrom(ctx)
	v := web.ExportJobsPage{Page: s.page(r, p.Name+": exports"), Project: p,
		Threshold: s.cfg.ExportJobThreshold}
	if r.URL.RawQuery != "" {
		req, err := exportJobRequestOf(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Pending, v.PendingSummary = r.URL.RawQuery, req.summary()
	}
	var err error
	if v.Labelled, err = s.db.CountLabelledComparisons(ctx, p.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	jobs, err := s.db.ExportJobs(ctx, p.ID, exportJobsListed)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, j := range jobs {
		v.Jobs = append(v.Jobs, exportJobView(j))
	}
	s.render(w, r, http.StatusOK, web.ExportJobsView(v))
}

// createExportJob starts a job for the export in the query of r and
// redirects the browser to the job's page.
func (s *Server) createExportJob(w http.ResponseWriter, r *http.Request) {
	job, ok := s.createExportJobOf(w, r)
	if !ok {
		return
	}
	http.Redirect(w, r, exportJobPath(job), http.StatusSeeOther)
}

func (s *Server) apiCreateExportJob(w http.ResponseWriter, r *http.Request) {
	job, ok := s.createExportJobOf(w, r)
	if !ok {
		return
	}
	w.Header().Set("Location", "/api/v1"+exportJobPath(job))
	writeJSON(w, http.StatusAccepted, exportJobJSONOf(job))
}

func (s *Server) createExportJobOf(w http.ResponseWriter, r *http.Request) (store.ExportJob, bool) {
	ctx := r.Context()
	p := projectFrom(ctx)
	req, err := exportJobRequestOf(r)
	if err != nil {
		s.fail(w, r, err)
		return store.ExportJob{}, false
	}
	job, err := s.startExportJob(ctx, p, userFrom(ctx).ID, req)
	if err != nil {
		s.fail(w, r, err)
		return job, false
	}
	return job, true
}

// exportJobOf returns the job named in r's path, in the project of r.
func (s *Server) exportJobOf(r *http.Request) (store.ExportJob, error) {
	id, err := uuid.Parse(chi.URLParam(r, "jobID"))
	if err != nil {
		return store.ExportJob{}, labeling.Errorf(labeling.ErrNotFound,
			"export job %q not found: it is not an id", chi.URLParam(r, "jobID"))
	}
	return s.db.ExportJob(r.Context(), projectFrom(r.Context()).ID, id)
}

func (s *Server) exportJobPage(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	job, err := s.exportJobOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := web.ExportJobPage{Page: s.page(r, p.Name+": export"), Project: p, Job: exportJobView(job)}
	s.render(w, r, http.StatusOK, web.ExportJobView(v))
}

func (s *Server) apiExportJob(w http.ResponseWriter, r *http.Request) {
	job, err := s.exportJobOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, exportJobJSONOf(job))
}

// exportJobFile sends the file of a finished job. It responds 409 while
// the job is queued or running, or when it failed.
func (s *Server) exportJobFile(w http.ResponseWriter, r *http.Request) {
	job, err := s.exportJobOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if job.Status != store.ExportDone {
		s.fail(w, r, labeling.Errorf(labeling.ErrConflict, "export job %s is %s and has no file; "+
			"download it when its status is done", job.ID, job.Status))
		return
	}
	f, err := os.Open(job.FilePath)
	if os.IsNotExist(err) {
		s.fail(w, r, labeling.Errorf(labeling.ErrNotFound, "the file of export job %s is no longer "+
			"on the server; start the export again", job.ID))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer f.Close()

	w.Header().Set("Content-Type", contentTypeOf(job.FileName))
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", job.FileName))
	http.ServeContent(w, r, "", job.FinishedAt, f)
}

// contentTypeOf returns the media type of an export file by its name.
func contentTypeOf(name string) string {
	switch filepath.Ext(name) {
	case ".zip":
		return "application/zip"
	case ".gz":
		return "application/gzip"
	case ".parquet":
		return "application/vnd.apache.parquet"
	}
	return "application/x-ndjson; charset=utf-8"
}

func exportJobPath(j store.ExportJob) string {
	return "/projects/" + j.ProjectID.String() + "/exports/" + j.ID.String()
}

func exportJobView(j store.ExportJob) web.ExportJob {
	path := exportJobPath(j)
	v := web.ExportJob{ID: j.ID.String(), Status: j.Status, Processed: j.Processed, Total: j.Total,
		Rows: j.Rows, FileName: j.FileName, FileBytes: j.FileBytes, Error: j.Error,
		CreatedAt: j.CreatedAt, PageURL: path, StatusURL: "/api/v1" + path, FileURL: path + "/file"}
	var req exportJobRequest
	if err := json.Unmarshal(j.Options, &req); err == nil {
		v.Summary = req.summary()
	}
	return v
}

// exportJobJSON is an export job as the API returns it.
type exportJobJSON struct {
	ID         uuid.UUID         `json:"id"`
	ProjectID  uuid.UUID         `json:"project_id"`
	Status     string            `json:"status"`
	Processed  int64             `json:"processed"`
	Total      int64             `json:"total"`
	Rows       int64             `json:"rows"`
	FileName   string            `json:"file_name,omitempty"`
	FileBytes  int64             `json:"file_bytes"`
	Error      string            `json:"error,omitempty"`
	Options    *exportJobRequest `json:"options,omitempty"`
	CreatedAt  time.Time         `json:"created_at"`
	StartedAt  *time.Time        `json:"started_at"`
	FinishedAt *time.Time        `json:"finished_at"`
	StatusURL  string            `json:"status_url"`
	FileURL    string            `json:"file_url,omitempty"`
	Percent    int64             `json:"percent"`
}

func exportJobJSONOf(j store.ExportJob) exportJobJSON {
	v := exportJobView(j)
	out := exportJobJSON{ID: j.ID, ProjectID: j.ProjectID, Status: j.Status, Processed: j.Processed,
		Total: j.Total, Rows: j.Rows, FileName: j.FileName, FileBytes: j.FileBytes, Error: j.Error,
		CreatedAt: j.CreatedAt, StatusURL: v.StatusURL, Percent: v.Percent()}
	var req exportJobRequest
	if err := json.Unmarshal(j.Options, &req); err == nil {
		// The salt keys the annotator pseudonyms, so it is not shown.
		req.Export.Salt = ""
		out.Options = &req
	}
	if !j.StartedAt.IsZero() {
		out.StartedAt = &j.StartedAt
	}
	if !j.FinishedAt.IsZero() {
		out.FinishedAt = &j.FinishedAt
	}
	if j.Status == store.ExportDone {
		out.FileURL = "/api/v1" + v.FileURL
	}
	return out
}
