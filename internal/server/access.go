package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
)

// access is the level of rights a user has in one project.
type access int

const (
	accessLabel  access = iota + 1 // label comparisons
	accessManage                   // also import, export, settings, members, quality
)

type projectContext struct {
	project labeling.Project
	access  access
}

const projectKey contextKey = iota + 100

// projectFrom returns the project that withProject loaded.
func projectFrom(ctx context.Context) labeling.Project {
	return ctx.Value(projectKey).(*projectContext).project
}

// canManage reports whether the user may manage the loaded project.
func canManage(ctx context.Context) bool {
	pc, _ := ctx.Value(projectKey).(*projectContext)
	return pc != nil && pc.access == accessManage
}

// withProject loads the {projectID} project and the user's access to it:
// admins and the project's researchers manage it, its annotators label.
// Anyone else gets 404, the same answer as for a project that does not
// exist.
func (s *Server) withProject(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pc, err := s.loadProjectAccess(r)
		if err != nil {
			if errors.Is(err, labeling.ErrNotFound) {
				s.log.Warn("project access denied", "path", r.URL.Path, "user_id", userFrom(r.Context()).ID)
			}
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), projectKey, pc)))
	})
}

func (s *Server) loadProjectAccess(r *http.Request) (*projectContext, error) {
	raw := chi.URLParam(r, "projectID")
	notFound := labeling.Errorf(labeling.ErrNotFound, "project %q not found", raw)
	id, err := uuid.Parse(raw)
	if err != nil {
		return nil, notFound
	}
	user := userFrom(r.Context())
	if !user.IsAdmin() {
		role, err := s.db.MemberRole(r.Context(), id, user.ID)
		if errors.Is(err, labeling.ErrNotFound) {
			return nil, notFound
		}
		if err != nil {
			return nil, err
		}
		p, err := s.db.Project(r.Context(), id)
		pc := &projectContext{project: p, access: accessLabel}
		if role == labeling.UserResearcher {
			pc.access = accessManage
		}
		return pc, err
	}
	p, err := s.db.Project(r.Context(), id)
	return &projectContext{project: p, access: accessManage}, err
}

// requireManager lets through admins and the project's researchers.
func (s *Server) requireManager(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if canManage(r.Context()) {
			next.ServeHTTP(w, r)
			return
		}
		s.fail(w, r, labeling.Errorf(labeling.ErrForbidden, "only the project's researchers can do this"))
	})
}

// requireCreator lets through the users who may create projects.
func (s *Server) requireCreator(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if userFrom(r.Context()).CanCreateProjects() {
			next.ServeHTTP(w, r)
			return
		}
		s.fail(w, r, labeling.Errorf(labeling.ErrForbidden, "only researchers and admins can create projects"))
	})
}
