package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/web"
)

func (s *Server) membersPage(w http.ResponseWriter, r *http.Request) {
	s.renderMembers(w, r, http.StatusOK, web.MembersPage{})
}

// renderMembers fills in the frame, the members and the join codes of v
// and renders it with status.
func (s *Server) renderMembers(w http.ResponseWriter, r *http.Request, status int, v web.MembersPage) {
	ctx := r.Context()
	p := projectFrom(ctx)
	members, err := s.db.Members(ctx, p.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	codes, err := s.db.JoinCodes(ctx, p.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}

	v.Page, v.Project = s.page(r, p.Name+": members"), p
	self := userFrom(ctx).ID
	for _, m := range members {
		v.Members = append(v.Members, web.Member{UserID: m.User.ID, Name: m.User.Name(),
			Role: m.Role, AddedAt: m.AddedAt, Self: m.User.ID == self})
	}
	now := time.Now()
	for _, c := range codes {
		v.Codes = append(v.Codes, web.JoinCodeRow{ID: c.ID, Label: c.Label, Role: c.Role,
			Uses: c.Uses, MaxUses: c.MaxUses, ExpiresAt: c.ExpiresAt, Status: c.Status(now),
			Revoked: !c.RevokedAt.IsZero(), CreatedAt: c.CreatedAt})
	}
	s.render(w, r, status, web.Members(v))
}

// renderMembersError shows the members page again with err, or fails the
// request when err is not one to show.
func (s *Server) renderMembersError(w http.ResponseWriter, r *http.Request, v web.MembersPage, err error) {
	status, public := statusOf(err)
	if !public {
		s.fail(w, r, err)
		return
	}
	v.Errors = append(v.Errors, err.Error())
	s.renderMembers(w, r, status, v)
}

// addMember adds a user found by email or display name to the project,
// or changes the role of a member.
func (s *Server) addMember(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	p, actor := projectFrom(ctx), userFrom(ctx)
	v := web.MembersPage{AddLogin: strings.TrimSpace(r.PostFormValue("login")),
		AddRole: r.PostFormValue("role")}
	if v.AddRole == "" {
		v.AddRole = labeling.UserAnnotator
	}

	u, err := s.userToAdd(r, v.AddLogin)
	if err == nil && u.ID == actor.ID && !actor.IsAdmin() {
		err = labeling.Errorf(labeling.ErrInvalid,
			"you cannot change your own role; ask another researcher of the project or an admin")
	}
	if err == nil {
		err = s.db.AddMember(ctx, p.ID, u.ID, v.AddRole)
	}
	if err != nil {
		s.renderMembersError(w, r, v, err)
		return
	}
	s.log.Info("member added", "project_id", p.ID, "user_id", u.ID, "role", v.AddRole, "by", actor.ID)
	http.Redirect(w, r, "/projects/"+p.ID.String()+"/members?notice=member-added", http.StatusSeeOther)
}

// userToAdd finds the account whose email or display name is login. An
// unknown login is an ErrInvalid error, since it is a mistake in the form.
func (s *Server) userToAdd(r *http.Request, login string) (labeling.User, error) {
	if login == "" {
		return labeling.User{}, labeling.Errorf(labeling.ErrInvalid,
			"enter the email or display name of the user to add")
	}
	u, _, err := s.db.UserByLogin(r.Context(), login)
	if errors.Is(err, labeling.ErrNotFound) {
		return u, labeling.Errorf(labeling.ErrInvalid, "no user has the email or display name %q; "+
			"they can join with a join code, or an admin can create their account", login)
	}
	return u, err
}

// removeMember takes a user out of the project; their judgments stay.
func (s *Server) removeMember(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, actor := projectFrom(ctx), userFrom(ctx)
	raw := chi.URLParam(r, "userID")
	notMember := labeling.Errorf(labeling.ErrNotFound, "user %s is not a member of this project", raw)
	id, err := uuid.Parse(raw)
	if err != nil {
		s.fail(w, r, notMember)
		return
	}
	if _, err := s.db.MemberRole(ctx, p.ID, id); err != nil {
		if errors.Is(err, labeling.ErrNotFound) {
			err = notMember
		}
		s.fail(w, r, err)
		return
	}
	if id == actor.ID && !actor.IsAdmin() {
		s.renderMembersError(w, r, web.MembersPage{}, labeling.Errorf(labeling.ErrInvalid,
			"you cannot remove yourself; ask another researcher of the project or an admin"))
		return
	}

	if err := s.db.RemoveMember(ctx, p.ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("member removed", "project_id", p.ID, "user_id", id, "by", actor.ID)
	http.Redirect(w, r, "/projects/"+p.ID.String()+"/members?notice=member-removed", http.StatusSeeOther)
}

// Limits of the join code form.
const (
	maxJoinCodeUses  = 1_000_000
	maxJoinCodeHours = 24 * 365
)

// createJoinCode makes a join code and shows it on the members page in
// this response only. The code is never in a request URL, so it cannot end
// up in access logs or the browser history.
func (s *Server) createJoinCode(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	p, actor := projectFrom(ctx), userFrom(ctx)
	form := web.JoinCodeForm{Label: r.PostFormValue("label"), Role: r.PostFormValue("role"),
		MaxUses:      strings.TrimSpace(r.PostFormValue("max_uses")),
		ExpiresHours: strings.TrimSpace(r.PostFormValue("expires_hours"))}

	c, errs := parseJoinCodeForm(form, time.Now())
	var code string
	if len(errs) == 0 {
		var err error
		c.ProjectID, c.CreatedBy = p.ID, actor.ID
		c, code, err = s.db.CreateJoinCode(ctx, c)
		if err != nil {
			if _, public := statusOf(err); !public {
				s.fail(w, r, err)
				return
			}
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		v := web.MembersPage{CodeForm: form, CodeErrors: errs}
		s.renderMembers(w, r, http.StatusUnprocessableEntity, v)
		return
	}
	s.log.Info("join code created", "project_id", p.ID, "code_id", c.ID, "role", c.Role,
		"max_uses", c.MaxUses, "by", actor.ID)

	v := web.MembersPage{NewCode: &web.NewJoinCode{Code: code, Link: s.joinLink(r, code), Label: c.Label}}
	w.Header().Set("Cache-Control", "no-store")
	s.renderMembers(w, r, http.StatusCreated, v)
}

// parseJoinCodeForm reads the limits of a new code; empty fields mean no
// limit. It returns one message per bad field.
func parseJoinCodeForm(f web.JoinCodeForm, now time.Time) (store.JoinCode, []string) {
	c := store.JoinCode{Label: f.Label, Role: f.Role}
	var errs []string
	if f.MaxUses != "" {
		n, err := strconv.Atoi(f.MaxUses)
		if err != nil || n < 1 || n > maxJoinCodeUses {
			errs = append(errs, fmt.Sprintf("max uses %q is not a whole number from 1 to %d; "+
				"leave it empty for no limit", f.MaxUses, maxJoinCodeUses))
		}
		c.MaxUses = n
	}
	if f.ExpiresHours != "" {
		n, err := strconv.Atoi(f.ExpiresHours)
		if err != nil || n < 1 || n > maxJoinCodeHours {
			errs = append(errs, fmt.Sprintf("expiry %q is not a whole number of hours from 1 to %d; "+
				"leave it empty for a code that does not expire", f.ExpiresHours, maxJoinCodeHours))
		}
		c.ExpiresAt = now.Add(time.Duration(n) * time.Hour)
	}
	return c, errs
}

// joinLink returns the address of the join form with code filled in.
func (s *Server) joinLink(r *http.Request, code string) string {
	scheme := "http"
	if r.TLS != nil || s.cfg.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/join?code=" + url.QueryEscape(code)
}

// revokeJoinCode stops a code of the project from admitting anyone.
func (s *Server) revokeJoinCode(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	raw := chi.URLParam(r, "codeID")
	id, err := uuid.Parse(raw)
	if err != nil {
		s.fail(w, r, labeling.Errorf(labeling.ErrNotFound, "join code %q not found in this project", raw))
		return
	}
	if err := s.db.RevokeJoinCode(r.Context(), p.ID, id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("join code revoked", "project_id", p.ID, "code_id", id, "by", userFrom(r.Context()).ID)
	http.Redirect(w, r, "/projects/"+p.ID.String()+"/members?notice=code-revoked", http.StatusSeeOther)
}
