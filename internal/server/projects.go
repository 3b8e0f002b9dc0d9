package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/web"
)

// projectParam loads the project named by the {projectID} URL parameter.
func (s *Server) projectParam(r *http.Request) (labeling.Project, error) {
	raw := chi.URLParam(r, "projectID")
	id, err := uuid.Parse(raw)
	if err != nil {
		return labeling.Project{}, labeling.Errorf(labeling.ErrNotFound, "project %q not found", raw)
	}
	return s.db.Project(r.Context(), id)
}

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.renderHome(w, r, http.StatusOK, "", nil)
}

func (s *Server) renderHome(w http.ResponseWriter, r *http.Request, status int, name string, errs []string) {
	projects, err := s.db.Projects(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	user := userFrom(r.Context())
	v := web.HomePage{Page: s.page(r, "Projects"), NewName: name, Errors: errs}
	for _, p := range projects {
		sum := web.ProjectSummary{Project: p}
		if sum.Stats, err = s.db.ProjectStats(r.Context(), p.ID); err != nil {
			s.fail(w, r, err)
			return
		}
		if sum.Progress, err = s.db.Progress(r.Context(), p, user.ID); err != nil {
			s.fail(w, r, err)
			return
		}
		v.Projects = append(v.Projects, sum)
	}
	s.render(w, r, status, web.Home(v))
}

func (s *Server) createProject(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	p, err := s.db.CreateProject(r.Context(), labeling.Project{Name: name})
	if err != nil {
		status, public := statusOf(err)
		if !public {
			s.fail(w, r, err)
			return
		}
		s.renderHome(w, r, status, name, []string{err.Error()})
		return
	}
	s.log.Info("project created", "project_id", p.ID, "by", userFrom(r.Context()).ID)
	http.Redirect(w, r, "/projects/"+p.ID.String()+"?notice=project-created", http.StatusSeeOther)
}

func (s *Server) projectPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.projectParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderProject(w, r, http.StatusOK, web.ProjectPage{Project: p, Format: "auto"})
}

// renderProject fills in the page frame and the counts of v.Project.
func (s *Server) renderProject(w http.ResponseWriter, r *http.Request, status int, v web.ProjectPage) {
	stats, err := s.db.ProjectStats(r.Context(), v.Project.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Page, v.Stats = s.page(r, v.Project.Name), stats
	s.render(w, r, status, web.ProjectView(v))
}

func secondsDuration(n int) time.Duration { return time.Duration(n) * time.Second }
