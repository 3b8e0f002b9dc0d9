package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/auth"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/web"
)

// maxDisplayName is the longest display name accepted, in characters.
const maxDisplayName = 40

// joinForm shows the join form with the code from ?code= filled in and
// checked, so that a stale link shows its error before anyone types a
// password.
func (s *Server) joinForm(w http.ResponseWriter, r *http.Request) {
	v := web.JoinPage{Page: s.page(r, "Join a project"), Code: r.URL.Query().Get("code")}
	if v.Code != "" {
		c, err := s.db.ActiveJoinCode(r.Context(), v.Code)
		if err != nil && !s.codeRejected(r, c, err) {
			s.fail(w, r, err)
			return
		}
		if err != nil {
			v.Errors = []string{err.Error()}
		} else if v.Project, err = s.projectName(r, c.ProjectID); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, web.Join(v))
}

// join redeems a join code. A visitor gets a new account, which is an
// annotator outside the project and has the code's role in it, and is
// logged in. A signed-in user joins as themselves. Both land on the
// project's labeling page.
func (s *Server) join(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	if user := userFrom(r.Context()); user != nil {
		s.joinAsUser(w, r, *user)
		return
	}
	v := web.JoinPage{Page: s.page(r, "Join a project"), Code: r.PostFormValue("code"),
		DisplayName: strings.TrimSpace(r.PostFormValue("display_name"))}
	password := r.PostFormValue("password")
	v.Errors = checkNewAccount(v.DisplayName, password, r.PostFormValue("password_repeat"))

	// The code is checked before the password is hashed, so that a wrong
	// code costs no hashing.
	c, err := s.db.ActiveJoinCode(r.Context(), v.Code)
	if err != nil && !s.codeRejected(r, c, err) {
		s.fail(w, r, err)
		return
	}
	if err != nil {
		v.Errors = append([]string{err.Error()}, v.Errors...)
	}
	if len(v.Errors) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, web.Join(v))
		return
	}

	hash, err := auth.HashPassword(password)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	joining := labeling.User{DisplayName: v.DisplayName, Role: labeling.UserAnnotator}
	u, c, err := s.db.JoinWithNewAccount(r.Context(), v.Code, joining, hash)
	if err != nil {
		s.renderJoinFailure(w, r, v, c, err)
		return
	}
	s.log.Info("user joined project", "user_id", u.ID, "project_id", c.ProjectID,
		"code_id", c.ID, "new_account", true)

	if err := s.signIn(w, r, u.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/projects/"+c.ProjectID.String()+"/label", http.StatusSeeOther)
}

// joinAsUser adds the signed-in user to the project of the posted code.
func (s *Server) joinAsUser(w http.ResponseWriter, r *http.Request, user labeling.User) {
	v := web.JoinPage{Page: s.page(r, "Join a project"), Code: r.PostFormValue("code")}
	c, err := s.db.JoinWithCode(r.Context(), v.Code, user.ID)
	if err != nil {
		s.renderJoinFailure(w, r, v, c, err)
		return
	}
	s.log.Info("user joined project", "user_id", user.ID, "project_id", c.ProjectID,
		"code_id", c.ID, "new_account", false)
	http.Redirect(w, r, "/projects/"+c.ProjectID.String()+"/label", http.StatusSeeOther)
}

// renderJoinFailure shows the join form again with the reason the store
// rejected the code or the name.
func (s *Server) renderJoinFailure(w http.ResponseWriter, r *http.Request, v web.JoinPage,
	c store.JoinCode, err error) {
	if !s.codeRejected(r, c, err) && !errors.Is(err, labeling.ErrConflict) {
		s.fail(w, r, err)
		return
	}
	v.Errors = []string{err.Error()}
	s.render(w, r, http.StatusUnprocessableEntity, web.Join(v))
}

// codeRejected reports whether err is the store's rejection of a join
// code, which the person who typed it should read, and logs it as a
// client mistake. It never logs the code itself.
func (s *Server) codeRejected(r *http.Request, c store.JoinCode, err error) bool {
	switch {
	case errors.Is(err, store.ErrUnknownJoinCode):
		s.log.Warn("join with unknown code", "address", r.RemoteAddr)
	case errors.Is(err, labeling.ErrInvalid):
		s.log.Warn("join with inactive code", "code_id", c.ID, "address", r.RemoteAddr)
	default:
		return false
	}
	return true
}

func (s *Server) projectName(r *http.Request, id uuid.UUID) (string, error) {
	p, err := s.db.Project(r.Context(), id)
	return p.Name, err
}

// checkNewAccount returns what is wrong with a new account's display name
// and password, one message per field.
func checkNewAccount(name, password, repeat string) []string {
	var errs []string
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		errs = append(errs, fmt.Sprintf("display name is empty; choose one of 1 to %d characters", maxDisplayName))
	case n > maxDisplayName:
		errs = append(errs, fmt.Sprintf("display name %q is %d characters; choose one of 1 to %d",
			name, n, maxDisplayName))
	case !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 ||
		strings.IndexFunc(name, isBidiControl) >= 0:
		errs = append(errs, fmt.Sprintf("display name %q contains a control character or invalid text; "+
			"use letters, digits, spaces and punctuation", name))
	}
	switch {
	case len(password) < auth.MinPasswordLength:
		errs = append(errs, fmt.Sprintf("password is shorter than %d characters; choose a longer one",
			auth.MinPasswordLength))
	case password != repeat:
		errs = append(errs, "the two passwords differ; type the same password in both fields")
	}
	return errs
}

// signIn starts a session for userID and sets its cookie, as a login
// with a password does.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, userID uuid.UUID) error {
	token, err := s.newSession(r, userID)
	if err != nil {
		return err
	}
	s.setSessionCookie(w, r, token)
	return nil
}

// isBidiControl reports whether r changes the direction of the text
// around it (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069),
// which could make a name shown to others read differently.
func isBidiControl(r rune) bool {
	return r == 0x061C || r == 0x200E || r == 0x200F ||
		(r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}
