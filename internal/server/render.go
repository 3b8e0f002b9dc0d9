package server

import (
	"bytes"
	"net/http"

	"github.com/a-h/templ"

	"github.com/pairwise/pairwise/web"
)

// render writes c with status, rendering into a buffer first so that a
// template error never leaves half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	if err := c.Render(r.Context(), &buf); err != nil {
		s.log.Error("render page", "path", r.URL.Path, "error", err)
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// notices are the one-line messages a redirect can ask the next page to
// show with ?notice=key. Only these fixed texts can appear, so a crafted
// link cannot put words on the page.
var notices = map[string]string{
	"project-created": "Project created.",
	"user-created":    "Annotator added.",
	"judged":          "Judgment saved.",
	"lease-lost":      "Your time on that comparison ran out and it went to someone else, so that vote was not stored.",
	"skipped":         "Skipped. Here is the next comparison.",
	"nothing-to-undo": "You have no judgment to undo in this project.",
	"settings-saved":  "Settings saved.",
	"member-added":    "Member added.",
	"member-removed":  "Member removed.",
	"adjudicated":     "Verdict saved.",
	"gold-saved":      "Gold answer saved.",
	"token-revoked":   "Token revoked.",
	"code-revoked":    "Join code revoked.",
}

func (s *Server) page(r *http.Request, title string) web.Page {
	return web.Page{Title: title, User: userFrom(r.Context()), Flash: notices[r.URL.Query().Get("notice")]}
}
