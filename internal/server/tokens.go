package server

import (
	"errors"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/web"
)

// requestUser returns the user that a bearer token or session cookie
// value stands for, or an ErrNotFound error. An API token (it starts with
// store.APITokenPrefix) counts only on the JSON API, so a leaked token
// cannot reach the pages that create more tokens. A session token may
// start with the same three characters by chance, so a miss falls back to
// the sessions.
func (s *Server) requestUser(r *http.Request, token string) (labeling.User, error) {
	if strings.HasPrefix(token, store.APITokenPrefix) && isAPI(r) {
		u, err := s.db.TokenUser(r.Context(), token)
		if !errors.Is(err, labeling.ErrNotFound) {
			return u, err
		}
	}
	return s.db.SessionUser(r.Context(), token)
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, web.TokensPage{})
}

// renderTokens fills v with the user's tokens and renders the page.
func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int,
	v web.TokensPage) {
	user := userFrom(r.Context())
	tokens, err := s.db.Tokens(r.Context(), user.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Page = s.page(r, "API tokens")
	v.CanCreate = user.CanCreateProjects()
	v.Tokens = tokenRows(tokens)
	s.render(w, r, status, web.Tokens(v))
}

func tokenRows(tokens []store.APIToken) []web.TokenRow {
	rows := make([]web.TokenRow, len(tokens))
	for i, t := range tokens {
		rows[i] = web.TokenRow{ID: t.ID, Name: t.Name, CreatedAt: t.CreatedAt,
			LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
	}
	return rows
}

// createToken makes an API token and shows its secret on the response to
// this POST, the one time it is ever shown. It does not redirect, because
// the secret must not travel in a URL or be stored to show it later.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	user := userFrom(r.Context())
	if !user.CanCreateProjects() {
		s.fail(w, r, labeling.Errorf(labeling.ErrForbidden,
			"only researchers and admins can create API tokens"))
		return
	}
	if !s.parseForm(w, r) {
		return
	}
	name := r.PostFormValue("name")

	t, secret, err := s.db.CreateToken(r.Context(), user.ID, name)
	if errors.Is(err, labeling.ErrInvalid) {
		v := web.TokensPage{Name: name, Errors: []string{err.Error()}}
		s.renderTokens(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("api token created", "user_id", user.ID, "token_id", t.ID)

	// The page holds a secret, so no cache may keep it.
	w.Header().Set("Cache-Control", "no-store")
	s.renderTokens(w, r, http.StatusCreated, web.TokensPage{NewToken: secret, NewTokenName: t.Name})
}

// revokeToken revokes one of the user's own tokens. Anyone else's token
// gives 404.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	user := userFrom(r.Context())
	raw := chi.URLParam(r, "tokenID")
	id, err := uuid.Parse(raw)
	if err != nil {
		s.fail(w, r, labeling.Errorf(labeling.ErrNotFound, "API token %q not found", raw))
		return
	}
	if err := s.db.RevokeToken(r.Context(), user.ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("api token revoked", "user_id", user.ID, "token_id", id)
	http.Redirect(w, r, "/tokens?notice=token-revoked", http.StatusSeeOther)
}
