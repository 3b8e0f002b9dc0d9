package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/web"
)

func debugStack() []byte { return debug.Stack() }

// statusOf maps a domain error kind to an HTTP status and reports whether
// the error's message may be shown to the user.
func statusOf(err error) (int, bool) {
	var maxBytes *http.MaxBytesError
	switch {
	case errors.Is(err, labeling.ErrNotFound):
		return http.StatusNotFound, true
	case errors.Is(err, labeling.ErrInvalid):
		return http.StatusUnprocessableEntity, true
	case errors.Is(err, labeling.ErrConflict):
		return http.StatusConflict, true
	case errors.Is(err, labeling.ErrForbidden):
		return http.StatusForbidden, true
	case errors.As(err, &maxBytes):
		return http.StatusRequestEntityTooLarge, true
	}
	return http.StatusInternalServerError, false
}

// fail answers a request that ended in err: the domain message for a
// known kind, a generic one (and an error log) otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, public := statusOf(err)
	msg := err.Error()
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		msg = fmt.Sprintf("The request body is larger than the limit of %d bytes. Imports take up to "+
			"--max-upload-bytes (PAIRWISE_MAX_UPLOAD_BYTES); split a larger file.", tooLarge.Limit)
	}
	if !public {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		msg = "Something went wrong on the server; the error is in its log."
	}
	if isAPI(r) {
		writeJSONError(w, status, msg)
		return
	}
	s.renderError(w, r, status, msg)
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, status int, msg string) {
	page := web.ErrorPage{Page: s.page(r, http.StatusText(status)), Status: status, Message: msg}
	s.render(w, r, status, web.Error(page))
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// failJSONBody answers a request whose JSON body could not be decoded: 413
// when it was too large, else 400 with msg.
func (s *Server) failJSONBody(w http.ResponseWriter, r *http.Request, err error, msg string) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		s.fail(w, r, err)
		return
	}
	writeJSONError(w, http.StatusBadRequest, msg)
}
