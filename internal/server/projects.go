package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/web"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.renderHome(w, r, http.StatusOK, "", nil)
}

func (s *Server) renderHome(w http.ResponseWriter, r *http.Request, status int, name string, errs []string) {
	user := userFrom(r.Context())
	projects, err := s.db.ProjectsFor(r.Context(), *user)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := web.HomePage{Page: s.page(r, "Projects"), NewName: name, Errors: errs}
	for _, p := range projects {
		sum := web.ProjectSummary{Project: p, CanManage: user.IsAdmin()}
		if !user.IsAdmin() {
			role, err := s.db.MemberRole(r.Context(), p.ID, user.ID)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			sum.CanManage = role == labeling.UserResearcher
		}
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
	p, err := s.newProject(r, labeling.NewProject(name))
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

// newProject creates p and makes its creator a researcher of it, unless
// the creator is an admin, who sees every project anyway.
func (s *Server) newProject(r *http.Request, p labeling.Project) (labeling.Project, error) {
	p, err := s.db.CreateProject(r.Context(), p)
	if err != nil {
		return p, err
	}
	user := userFrom(r.Context())
	if !user.IsAdmin() {
		err = s.db.AddMember(r.Context(), p.ID, user.ID, labeling.UserResearcher)
	}
	return p, err
}

func (s *Server) projectPage(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
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
