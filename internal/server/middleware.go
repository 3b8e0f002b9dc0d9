package server

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-chi/chi/v5/middleware"

	"github.com/pairwise/pairwise/internal/labeling"
)

type contextKey int

const userKey contextKey = iota

// userFrom returns the signed-in user, or nil.
func userFrom(ctx context.Context) *labeling.User {
	u, _ := ctx.Value(userKey).(*labeling.User)
	return u
}

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		start := time.Now()
		next.ServeHTTP(ww, r)
		level := slog.LevelInfo
		if ww.Status() >= 500 {
			level = slog.LevelError
		} else if ww.Status() >= 400 {
			level = slog.LevelWarn
		}
		s.log.Log(r.Context(), level, "request",
			"method", r.Method, "path", r.URL.Path, "status", ww.Status(),
			"bytes", ww.BytesWritten(), "duration_ms", time.Since(start).Milliseconds(),
			"request_id", middleware.GetReqID(r.Context()))
	})
}

func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("handler panicked", "path", r.URL.Path, "panic", v,
					"stack", string(debugStack()))
				http.Error(w, "internal server error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// securityHeaders sets a strict Content-Security-Policy (no inline script,
// no framing) and the related headers on every response.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; "+
			"style-src 'self'; img-src 'self' data:; object-src 'none'; "+
			"base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// limitBody rejects a request whose declared body is over n bytes with
// 413 and caps the body it reads at n bytes.
func (s *Server) limitBody(n int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				s.fail(w, r, &http.MaxBytesError{Limit: n})
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}

// loadSession puts the user of a valid session cookie or bearer token in
// the request context. A bearer token is a session token or, on the JSON
// API only, an API token.
func (s *Server) loadSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := sessionToken(r)
		if token == "" {
			next.ServeHTTP(w, r)
			return
		}
		u, err := s.requestUser(r, token)
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, &u)))
	})
}

func sessionToken(r *http.Request) string {
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		return strings.TrimPrefix(auth, "Bearer ")
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// requireUser sends visitors without a session to the login page, or
// returns 401 on the API.
func (s *Server) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if userFrom(r.Context()) != nil {
			next.ServeHTTP(w, r)
			return
		}
		if isAPI(r) {
			writeJSONError(w, http.StatusUnauthorized,
				"missing or expired session: POST /api/v1/sessions and send the token as a bearer token")
			return
		}
		target := "/login"
		if r.Method == http.MethodGet && r.URL.Path != "/" {
			target += "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
	})
}

// parseForm reads the request's form and answers 413 or 400 itself when
// it cannot, in which case it returns false.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	err := r.ParseForm()
	if err == nil {
		return true
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		s.fail(w, r, err)
	} else {
		s.fail(w, r, labeling.Errorf(labeling.ErrInvalid, "read form: %v", err))
	}
	return false
}

func (s *Server) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if userFrom(r.Context()).IsAdmin() {
			next.ServeHTTP(w, r)
			return
		}
		s.fail(w, r, labeling.Errorf(labeling.ErrForbidden, "this page is for admins"))
	})
}

// badText returns the reason text cannot be stored, or "" when it can.
// PostgreSQL rejects NUL and invalid UTF-8 in text columns.
func badText(text string) string {
	switch {
	case !utf8.ValidString(text):
		return "is not valid UTF-8 text"
	case strings.ContainsRune(text, 0):
		return "contains a NUL character (U+0000)"
	}
	return ""
}

// checkQuery answers 422 to a request whose query string holds text that
// cannot be stored, naming the parameter.
func (s *Server) checkQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for name, values := range r.URL.Query() {
			for _, v := range values {
				if why := badText(v); why != "" {
					s.fail(w, r, labeling.Errorf(labeling.ErrInvalid,
						"query parameter %q %s; remove it and try again", name, why))
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// checkBody answers 422 to a form or JSON body that holds text that cannot
// be stored: it names the form field, or says where in a JSON body the
// problem is. Import uploads are checked by the importer instead.
func (s *Server) checkBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		if err := s.checkBodyText(r); err != nil {
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) checkBodyText(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if err := r.ParseForm(); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return err
			}
			return labeling.Errorf(labeling.ErrInvalid, "read form: %v", err)
		}
		for name, values := range r.PostForm {
			for _, v := range values {
				if why := badText(v); why != "" {
					return labeling.Errorf(labeling.ErrInvalid, "field %q %s; remove it and try again", name, why)
				}
			}
		}
		return nil
	}

	body, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !utf8.Valid(body) {
		return labeling.Errorf(labeling.ErrInvalid, "the request body is not valid UTF-8 text")
	}
	if nulEscape.Match(body) {
		return labeling.Errorf(labeling.ErrInvalid,
			"the request body contains a NUL character (\\u0000), which no text field can hold")
	}
	return nil
}

// nulEscape matches the JSON escape of U+0000.
var nulEscape = regexp.MustCompile(`(?i)\\u0000`)
