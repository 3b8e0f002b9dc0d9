package server

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/auth"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/web"
)

const sessionCookie = "pairwise_session"

// timingHash is checked against the password of a login with an unknown
// email.
var timingHash, _ = auth.HashPassword("no account has this password")

// badLogin is the one message for an unknown email and a wrong password,
// so the form does not reveal which accounts exist.
const badLogin = "Wrong email or password."

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if userFrom(r.Context()) != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	v := web.LoginPage{Page: s.page(r, "Log in"), Next: r.URL.Query().Get("next")}
	s.render(w, r, http.StatusOK, web.Login(v))
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	email, password := r.PostFormValue("email"), r.PostFormValue("password")
	token, err := s.startSession(r, email, password)
	if s.rejectLockedLogin(w, r, err, email) {
		return
	}
	if err != nil {
		status := http.StatusUnauthorized
		msg := badLogin
		if !errors.Is(err, labeling.ErrForbidden) {
			s.log.Error("login failed", "error", err)
			status, msg = http.StatusInternalServerError, "Login failed on the server; try again."
		}
		v := web.LoginPage{Page: s.page(r, "Log in"), Email: email, Error: msg, Next: r.PostFormValue("next")}
		s.render(w, r, status, web.Login(v))
		return
	}

	s.setSessionCookie(w, r, token)
	http.Redirect(w, r, localPath(r.PostFormValue("next")), http.StatusSeeOther)
}

// localPath returns next when it is a path on this site, else "/", so the
// login form cannot be used to send people elsewhere.
func localPath(next string) string {
	if strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.Contains(next, "\\") {
		return next
	}
	return "/"
}

// startSession checks the password and stores a new session. A wrong email
// or password gives an ErrForbidden error, and too many recent failures for
// the email or the client's address a *loginLockedError, before the
// password is checked.
func (s *Server) startSession(r *http.Request, email, password string) (string, error) {
	if err := s.checkLoginLimit(r, email); err != nil {
		return "", err
	}
	u, hash, err := s.db.UserByLogin(r.Context(), email)
	if errors.Is(err, labeling.ErrNotFound) {
		// Checking a throwaway hash takes as long as a real check, so the
		// response time does not tell which emails have accounts.
		auth.CheckPassword(timingHash, password)
		s.recordLoginFailure(r, email)
		s.log.Warn("login with unknown email")
		return "", labeling.Errorf(labeling.ErrForbidden, badLogin)
	}
	if err != nil {
		return "", err
	}
	if err := auth.CheckPassword(hash, password); err != nil {
		if errors.Is(err, auth.ErrMismatch) {
			s.recordLoginFailure(r, email)
			s.log.Warn("login with wrong password", "user_id", u.ID)
			return "", labeling.Errorf(labeling.ErrForbidden, badLogin)
		}
		return "", err
	}

	token, err := s.newSession(r, u.ID)
	if err != nil {
		return "", err
	}
	s.log.Info("user logged in", "user_id", u.ID)
	return token, nil
}

// newSession stores a session for userID under a new random token of 256
// bits and returns the token.
func (s *Server) newSession(r *http.Request, userID uuid.UUID) (string, error) {
	buf := make([]byte, 32)
	rand.Read(buf)
	token := base64.RawURLEncoding.EncodeToString(buf)
	err := s.db.CreateSession(r.Context(), token, userID, time.Now().Add(s.cfg.SessionTTL))
	return token, err
}

// setSessionCookie hands the browser its session token: HttpOnly,
// SameSite=Lax, and Secure over TLS or behind a TLS proxy.
func (s *Server) setSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || s.cfg.SecureCookies,
		Expires: time.Now().Add(s.cfg.SessionTTL),
	})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.db.DeleteSession(r.Context(), c.Value); err != nil {
			s.log.Error("logout failed", "error", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || s.cfg.SecureCookies})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, "", nil)
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, email string, errs []string) {
	users, err := s.db.Users(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := web.UsersPage{Page: s.page(r, "Users"), Users: users, Email: email, Errors: errs}
	s.render(w, r, status, web.Users(v))
}

// createUser adds an annotator from the admin form.
func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	role := r.PostFormValue("role")
	if role == "" {
		role = labeling.UserAnnotator
	}
	_, err := s.addUser(r, email, r.PostFormValue("password"), role)
	if err != nil {
		status, public := statusOf(err)
		if !public {
			s.fail(w, r, err)
			return
		}
		s.renderUsers(w, r, status, email, []string{err.Error()})
		return
	}
	http.Redirect(w, r, "/users?notice=user-created", http.StatusSeeOther)
}

func (s *Server) addUser(r *http.Request, email, password, role string) (labeling.User, error) {
	if role != labeling.UserAdmin && role != labeling.UserResearcher && role != labeling.UserAnnotator {
		return labeling.User{}, labeling.Errorf(labeling.ErrInvalid, "role %q is not admin, researcher or annotator", role)
	}
	if !strings.Contains(email, "@") {
		return labeling.User{}, labeling.Errorf(labeling.ErrInvalid, "email %q has no @", email)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return labeling.User{}, labeling.Errorf(labeling.ErrInvalid, "%v", err)
	}
	u, err := s.db.CreateUser(r.Context(), email, role, hash)
	if err == nil {
		s.log.Info("user created", "user_id", u.ID, "role", role, "by", userFrom(r.Context()).ID)
	}
	return u, err
}

// apiLogin exchanges an email and password for a session token to send as
// "Authorization: Bearer <token>".
func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.failJSONBody(w, r, err, `body must be JSON: {"email": "...", "password": "..."}`)
		return
	}
	token, err := s.startSession(r, req.Email, req.Password)
	if s.rejectLockedLogin(w, r, err, req.Email) {
		return
	}
	if errors.Is(err, labeling.ErrForbidden) {
		writeJSONError(w, http.StatusUnauthorized, "wrong email or password")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{
		"token": token, "expires_at": time.Now().Add(s.cfg.SessionTTL).UTC(),
	})
}
