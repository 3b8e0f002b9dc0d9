package server

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/pairwise/pairwise/internal/ingest"
	"github.com/pairwise/pairwise/internal/labeling"
)

// projectJSON is a project as the API returns it.
type projectJSON struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	Description     string `json:"description"`
	JudgmentsWanted int    `json:"judgments_wanted"`
	LeaseSeconds    int    `json:"lease_seconds"`
	Comparisons     int    `json:"comparisons"`
	Judgments       int    `json:"judgments"`
}

func (s *Server) projectJSON(r *http.Request, p labeling.Project) (projectJSON, error) {
	stats, err := s.db.ProjectStats(r.Context(), p.ID)
	return projectJSON{ID: p.ID.String(), Name: p.Name, Description: p.Description,
		JudgmentsWanted: p.JudgmentsWanted, LeaseSeconds: int(p.Lease.Seconds()),
		Comparisons: stats.Comparisons, Judgments: stats.Judgments}, err
}

func (s *Server) apiProjects(w http.ResponseWriter, r *http.Request) {
	projects, err := s.db.ProjectsFor(r.Context(), *userFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := []projectJSON{}
	for _, p := range projects {
		pj, err := s.projectJSON(r, p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out = append(out, pj)
	}
	writeJSON(w, http.StatusOK, map[string]any{"projects": out})
}

func (s *Server) apiCreateProject(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name            string `json:"name"`
		Description     string `json:"description"`
		JudgmentsWanted int    `json:"judgments_wanted"`
		LeaseSeconds    int    `json:"lease_seconds"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.failJSONBody(w, r, err, `body must be JSON like {"name": "my project"}: `+err.Error())
		return
	}
	p := labeling.NewProject(req.Name)
	p.Description = req.Description
	if req.JudgmentsWanted != 0 {
		p.JudgmentsWanted = req.JudgmentsWanted
	}
	if req.LeaseSeconds != 0 {
		p.Lease = secondsDuration(req.LeaseSeconds)
	}
	p, err := s.newProject(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("project created", "project_id", p.ID, "by", userFrom(r.Context()).ID)
	pj, err := s.projectJSON(r, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, pj)
}

// apiImport imports the request body, a file in any import format
// (gzip allowed), into the project. Query parameters: format, map, name.
func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	q := r.URL.Query()
	opts, err := s.importOptions(q.Get("format"), q.Get("map"), q.Get("gold"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := q.Get("name")
	if name == "" {
		name = "api upload"
	}

	rep, batch, err := Import(r.Context(), s.db, p, r.Body, name, opts, userFrom(r.Context()).ID)
	var malformed *ingest.MalformedError
	if errors.As(err, &malformed) {
		s.log.Warn("import rejected", "project_id", p.ID, "error", err)
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error":           "import rejected: malformed records, nothing was imported",
			"malformed_lines": malformed.Lines, "malformed_total": malformed.Total,
		})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.logImport(p, name, rep)
	writeJSON(w, http.StatusCreated, map[string]any{"import_id": batch, "report": rep})
}

func (s *Server) apiExport(w http.ResponseWriter, r *http.Request) {
	s.exportDownload(w, r)
}
