// Package server is pairwise's HTTP layer: one chi route table, the
// handlers, and the middleware for sessions, roles, cross-origin checks,
// security headers, body limits and request logging.
package server

import (
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
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
	// ExportJobThreshold is the number of labelled comparisons above
	// which an export runs as a background job instead of streaming.
	ExportJobThreshold int64
	// ExportDir is the folder for the files of export jobs.
	ExportDir string
	// ExportWorkers is the number of export jobs that run at once, and
	// ExportQueue the number that may wait.
	ExportWorkers int
	ExportQueue   int
}

// DefaultConfig returns the settings used when none are given.
func DefaultConfig() Config {
	return Config{
		SessionTTL:     14 * 24 * time.Hour,
		MaxUploadBytes: 1 << 30,
		MaxLineBytes:   ingest.DefaultMaxLineBytes,

		ExportJobThreshold: DefaultExportJobThreshold,
		ExportDir:          filepath.Join(os.TempDir(), "pairwise-exports"),
		ExportWorkers:      DefaultExportWorkers,
		ExportQueue:        DefaultExportQueue,
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
	// exports runs export jobs once RunExportJobs has started it.
	exports *exportRunner
}

// New builds a Server with its route table.
func New(db *store.DB, logger *slog.Logger, cfg Config) *Server {
	s := &Server{db: db, log: logger, cfg: cfg, exports: newExportRunner(db, logger, cfg)}
	s.routes()
	return s
}

// ServeHTTP dispatches r through the route table and its middleware.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.router.ServeHTTP(w, r)
}

// Routes returns the route table, for tests and tools that list routes.
func (s *Server) Routes() chi.Routes { return s.router }

func (s *Server) routes() {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, s.logRequests, s.recoverPanics, securityHeaders)
	r.Use(http.NewCrossOriginProtection().Handler)
	r.Use(s.loadSession, s.checkQuery)
	form := func(h http.Handler) http.Handler { return s.limitBody(maxFormBytes)(s.checkBody(h)) }
	upload := s.limitBody(s.cfg.MaxUploadBytes)

	// Health and static assets need no login.
	r.Get("/healthz", s.healthz)
	static, _ := fs.Sub(web.Static, "static")
	r.Handle("/static/*", http.StripPrefix("/static/", cacheStatic(http.FileServerFS(static))))

	// Signing in and out, and joining a project with a class code.
	r.Get("/login", s.loginForm)
	r.With(form).Post("/login", s.login)
	r.With(form).Post("/logout", s.logout)
	r.Get("/join", s.joinForm)
	r.With(form).Post("/join", s.join)

	// Pages for every signed-in user.
	r.Group(func(r chi.Router) {
		r.Use(s.requireUser, form)
		r.Get("/", s.home)
		r.Get("/tokens", s.tokensPage)
		r.Post("/tokens", s.createToken)
		r.Post("/tokens/{tokenID}/revoke", s.revokeToken)
		r.With(s.requireCreator).Post("/projects", s.createProject)
	})

	// A new project from an uploaded file: researchers and admins.
	r.With(s.requireUser, s.requireCreator, upload).Post("/imports", s.uploadNewProject)

	// Admin pages.
	r.Group(func(r chi.Router) {
		r.Use(s.requireUser, s.requireAdmin, form)
		r.Get("/users", s.usersPage)
		r.Post("/users", s.createUser)
	})

	// A project's pages. withProject answers 404 to users who are not
	// members, so a project's existence is not revealed to them.
	r.Route("/projects/{projectID}", func(r chi.Router) {
		r.Use(s.requireUser, s.withProject)

		// Labeling: any member.
		r.Group(func(r chi.Router) {
			r.Use(form)
			r.Get("/label", s.labelPage)
			r.Post("/label/{assignmentID}", s.submitJudgment)
			r.Post("/label/{assignmentID}/skip", s.skipAssignment)
			r.Post("/undo", s.undoJudgment)
			r.Get("/guidelines", s.guidelinesPage)
			r.Post("/guidelines", s.acceptGuidelines)
		})

		// Management: admins and the project's researchers.
		r.Group(func(r chi.Router) {
			r.Use(s.requireManager)
			r.Get("/", s.projectPage)
			r.Get("/imports/{batchID}", s.importReportPage)
			r.With(upload).Post("/imports", s.uploadImport)
			r.Get("/export", s.exportDownload)
			r.Get("/exports", s.exportJobsPage)
			r.With(form).Post("/exports", s.createExportJob)
			r.Get("/exports/{jobID}", s.exportJobPage)
			r.Get("/exports/{jobID}/file", s.exportJobFile)
			r.Get("/settings", s.settingsPage)
			r.With(form).Post("/settings", s.updateSettings)
			r.Get("/members", s.membersPage)
			r.With(form).Post("/members", s.addMember)
			r.With(form).Post("/members/{userID}/remove", s.removeMember)
			r.With(form).Post("/codes", s.createJoinCode)
			r.With(form).Post("/codes/{codeID}/revoke", s.revokeJoinCode)
			r.Get("/dashboard", s.dashboardPage)
			r.Get("/dashboard/annotators.csv", s.annotatorsCSV)
			r.Get("/review", s.reviewPage)
			r.With(form).Post("/review/{comparisonID}", s.adjudicate)
			r.With(form).Post("/gold/{comparisonID}", s.setGold)
		})
	})

	// JSON API: an API token or a session token as a bearer token, or the
	// browser's cookie.
	r.Route("/api/v1", func(r chi.Router) {
		r.With(form).Post("/sessions", s.apiLogin)
		r.Group(func(r chi.Router) {
			r.Use(s.requireUser)
			r.Get("/projects", s.apiProjects)
			r.With(form, s.requireCreator).Post("/projects", s.apiCreateProject)
			r.With(upload, s.requireCreator).Post("/imports", s.apiImportNewProject)
			r.Route("/projects/{projectID}", func(r chi.Router) {
				r.Use(s.withProject)
				r.With(form).Post("/assignments", s.apiLease)
				r.With(form).Post("/assignments/{assignmentID}/judgment", s.apiSubmit)
				r.With(form).Post("/assignments/{assignmentID}/skip", s.apiSkip)
				r.Group(func(r chi.Router) {
					r.Use(s.requireManager)
					r.With(upload).Post("/imports", s.apiImport)
					r.Get("/export", s.apiExport)
					r.With(form).Post("/exports", s.apiCreateExportJob)
					r.Get("/exports/{jobID}", s.apiExportJob)
					r.Get("/exports/{jobID}/file", s.exportJobFile)
					r.Get("/stats", s.apiStats)
				})
			})
		})
	})

	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		if isAPI(r) {
			writeJSONError(w, http.StatusNotFound, "no API endpoint at "+r.URL.Path+"; docs/api.md lists them")
			return
		}
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
