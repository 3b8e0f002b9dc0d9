// Package server is pairwise's HTTP layer: one chi route table, the
// handlers, and the middleware for sessions, roles, cross-origin checks,
// security headers, body limits and request logging.
package server

import (
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/pairwise/pairwise/internal/ingest"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/web"
)

// Config holds the server's settings.
type Config struct {
	// SecureCookies marks the session cookie Secure even when the request
	// arrived over plain HTTP, for a server behind a TLS proxy. Requests
	// that arrive over TLS always get Secure cookies.
	SecureCookies bool
	// SessionTTL is how long a login lasts.
	SessionTTL time.Duration
	// MaxUploadBytes caps an import upload's body.
	MaxUploadBytes int64
	// MaxLineBytes caps one record of an import file.
	MaxLineBytes int
}

// DefaultConfig returns the settings used when none are given.
func DefaultConfig() Config {
	return Config{
		SessionTTL:     14 * 24 * time.Hour,
		MaxUploadBytes: 1 << 30,
		MaxLineBytes:   ingest.DefaultMaxLineBytes,
	}
}

// maxFormBytes caps every request body that is not an import upload.
const maxFormBytes = 1 << 20

// Server serves the web pages and the JSON API.
type Server struct {
	db     *store.DB
	log    *slog.Logger
	cfg    Config
	router chi.Router
}

// New builds a Server with its route table.
func New(db *store.DB, logger *slog.Logger, cfg Config) *Server {
	s := &Server{db: db, log: logger, cfg: cfg}
	s.routes()
	return s
}

// ServeHTTP rejects cross-origin POSTs and dispatches to the route table.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.router.ServeHTTP(w, r)
}

func (s *Server) routes() {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, s.logRequests, s.recoverPanics, securityHeaders)
	r.Use(http.NewCrossOriginProtection().Handler)
	r.Use(s.loadSession)

	// Health and static assets need no login.
	r.Get("/healthz", s.healthz)
	static, _ := fs.Sub(web.Static, "static")
	r.Handle("/static/*", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))

	// Signing in and out.
	r.Get("/login", s.loginForm)
	r.With(s.limitBody(maxFormBytes)).Post("/login", s.login)
	r.With(s.limitBody(maxFormBytes)).Post("/logout", s.logout)

	// Pages for every signed-in user: projects and labeling.
	r.Group(func(r chi.Router) {
		r.Use(s.requireUser, s.limitBody(maxFormBytes))
		r.Get("/", s.home)
		r.Get("/projects/{projectID}/label", s.labelPage)
		r.Post("/projects/{projectID}/label/{assignmentID}", s.submitJudgment)
	})

	// Admin pages: users, projects, import and export.
	r.Group(func(r chi.Router) {
		r.Use(s.requireUser, s.requireAdmin)
		r.With(s.limitBody(maxFormBytes)).Get("/users", s.usersPage)
		r.With(s.limitBody(maxFormBytes)).Post("/users", s.createUser)
		r.With(s.limitBody(maxFormBytes)).Post("/projects", s.createProject)
		r.Get("/projects/{projectID}", s.projectPage)
		r.Get("/projects/{projectID}/imports/{batchID}", s.importReportPage)
		r.With(s.limitBody(s.cfg.MaxUploadBytes)).Post("/projects/{projectID}/imports", s.uploadImport)
		r.Get("/projects/{projectID}/export", s.exportDownload)
	})

	// JSON API: a session from POST /api/v1/sessions, sent as a bearer
	// token or as the browser's cookie.
	r.Route("/api/v1", func(r chi.Router) {
		r.With(s.limitBody(maxFormBytes)).Post("/sessions", s.apiLogin)
		r.Group(func(r chi.Router) {
			r.Use(s.requireUser, s.requireAdmin)
			r.Get("/projects", s.apiProjects)
			r.With(s.limitBody(maxFormBytes)).Post("/projects", s.apiCreateProject)
			r.With(s.limitBody(s.cfg.MaxUploadBytes)).Post("/projects/{projectID}/imports", s.apiImport)
			r.Get("/projects/{projectID}/export", s.apiExport)
		})
	})

	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.renderError(w, r, http.StatusNotFound, "There is no page at this address.")
	})
	s.router = r
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if err := s.db.Ping(r.Context()); err != nil {
		s.log.Error("health check failed", "error", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func cacheStatic(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.ServeHTTP(w, r)
	})
}
