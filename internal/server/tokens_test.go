package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
)

const apiResearcherEmail = "api-researcher@example.test"

var newTokenRe = regexp.MustCompile(`<code id="new-token">(pw_[A-Za-z0-9_-]{43})</code>`)

// createAPIToken creates an API token named name through the tokens page
// and returns its secret.
func createAPIToken(tb testing.TB, c *client, name string) string {
	tb.Helper()
	res := c.postForm("/tokens", url.Values{"name": {name}})
	if res.status != http.StatusCreated {
		tb.Fatalf("POST /tokens: got status %d, want %d; body:\n%s", res.status, http.StatusCreated, res.body)
	}
	m := newTokenRe.FindStringSubmatch(res.body)
	if m == nil {
		tb.Fatalf("POST /tokens: page shows no new token; body:\n%s", res.body)
	}
	return m[1]
}

// tokenID returns the id of the only API token of user u.
func (a *testApp) tokenID(tb testing.TB, u labeling.User) uuid.UUID {
	tb.Helper()
	var id uuid.UUID
	err := a.db.Pool().QueryRow(context.Background(),
		`SELECT id FROM api_tokens WHERE user_id = $1`, u.ID).Scan(&id)
	if err != nil {
		tb.Fatalf("find the token of %s: %v", u.Name(), err)
	}
	return id
}

func TestTokenCreateShownOnce(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	researcher := a.createUser(t, apiResearcherEmail, labeling.UserResearcher)
	c := a.login(t, apiResearcherEmail)

	res := c.postForm("/tokens", url.Values{"name": {"load test"}})
	if res.status != http.StatusCreated {
		t.Fatalf("POST /tokens: got status %d, want %d; body:\n%s", res.status, http.StatusCreated, res.body)
	}
	if got := res.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control: got %q, want %q", got, "no-store")
	}
	if loc := res.header.Get("Location"); loc != "" {
		t.Errorf("Location: got %q, want none", loc)
	}
	m := newTokenRe.FindStringSubmatch(res.body)
	if m == nil {
		t.Fatalf("page shows no new token; body:\n%s", res.body)
	}
	secret := m[1]

	var hash []byte
	var name string
	err := a.db.Pool().QueryRow(context.Background(),
		`SELECT token_hash, name FROM api_tokens WHERE user_id = $1`, researcher.ID).Scan(&hash, &name)
	if err != nil {
		t.Fatalf("read token row: %v", err)
	}
	if want := sha256.Sum256([]byte(secret)); !bytes.Equal(hash, want[:]) {
		t.Errorf("token_hash: got %x, want the SHA-256 of the shown token", hash)
	}
	if name != "load test" {
		t.Errorf("name: got %q, want %q", name, "load test")
	}

	page := c.get("/tokens")
	if page.status != http.StatusOK {
		t.Fatalf("GET /tokens: got %d, want %d", page.status, http.StatusOK)
	}
	if strings.Contains(page.body, secret) {
		t.Errorf("GET /tokens shows the token again")
	}
	for _, want := range []string{"<td>load test</td>", "<td>never</td>", "<td>active</td>"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("GET /tokens lacks %s; body:\n%s", want, page.body)
		}
	}
}

func TestTokenCreateInvalidName(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, apiResearcherEmail, labeling.UserResearcher)
	c := a.login(t, apiResearcherEmail)

	res := c.postForm("/tokens", url.Values{"name": {"   "}})
	if res.status != http.StatusUnprocessableEntity {
		t.Errorf("status: got %d, want %d", res.status, http.StatusUnprocessableEntity)
	}
	want := `token name "": give a name of 1 to 100 bytes that says where the token is used`
	if got := errorItems(res.text()); len(got) != 1 || got[0] != want {
		t.Errorf("errors: got %q, want [%s]", got, want)
	}
	if strings.Contains(res.body, `id="new-token"`) {
		t.Errorf("page shows a new token after a rejected name")
	}
	if n := a.tokenCount(t); n != 0 {
		t.Errorf("api_tokens: got %d, want 0", n)
	}
}

func (a *testApp) tokenCount(tb testing.TB) int {
	tb.Helper()
	var n int
	if err := a.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM api_tokens`).Scan(&n); err != nil {
		tb.Fatalf("count api tokens: %v", err)
	}
	return n
}

func TestTokenAnnotatorCannotCreate(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, annotatorEmail, labeling.UserAnnotator)
	c := a.login(t, annotatorEmail)

	res := c.postForm("/tokens", url.Values{"name": {"sneaky"}})
	if res.status != http.StatusForbidden {
		t.Errorf("POST /tokens: got status %d, want %d", res.status, http.StatusForbidden)
	}
	if n := a.tokenCount(t); n != 0 {
		t.Errorf("api_tokens: got %d, want 0", n)
	}

	page := c.get("/tokens")
	if page.status != http.StatusOK {
		t.Errorf("GET /tokens: got status %d, want %d", page.status, http.StatusOK)
	}
	if !strings.Contains(page.body, "Only researchers and admins can create API tokens.") {
		t.Errorf("GET /tokens does not say who may create tokens; body:\n%s", page.body)
	}
	if strings.Contains(page.body, `action="/tokens"`) {
		t.Errorf("GET /tokens shows the create form to an annotator")
	}
}

func TestTokenRevokeOwnerOnly(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	owner := a.createUser(t, apiResearcherEmail, labeling.UserResearcher)
	a.createUser(t, adminEmail, labeling.UserAdmin)
	c := a.login(t, apiResearcherEmail)
	createAPIToken(t, c, "script")
	id := a.tokenID(t, owner)

	tests := []struct {
		name string
		c    *client
		path string
	}{
		{"another user's token", a.login(t, adminEmail), "/tokens/" + id.String() + "/revoke"},
		{"unknown id", c, "/tokens/" + uuid.NewString() + "/revoke"},
		{"malformed id", c, "/tokens/not-a-uuid/revoke"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.c.postForm(tt.path, nil)
			if res.status != http.StatusNotFound {
				t.Errorf("status: got %d, want %d", res.status, http.StatusNotFound)
			}
		})
	}
	if n := a.revokedCount(t); n != 0 {
		t.Fatalf("revoked tokens after the rejected revokes: got %d, want 0", n)
	}

	res := c.postForm("/tokens/"+id.String()+"/revoke", nil)
	if res.status != http.StatusSeeOther {
		t.Fatalf("revoke: got status %d, want %d", res.status, http.StatusSeeOther)
	}
	if loc := res.header.Get("Location"); loc != "/tokens?notice=token-revoked" {
		t.Errorf("Location: got %q, want %q", loc, "/tokens?notice=token-revoked")
	}
	if n := a.revokedCount(t); n != 1 {
		t.Errorf("revoked tokens: got %d, want 1", n)
	}
	page := c.get("/tokens?notice=token-revoked")
	if !strings.Contains(page.body, "Token revoked.") || !strings.Contains(page.body, "<td>revoked ") {
		t.Errorf("tokens page after revoke lacks the notice or the revoked status; body:\n%s", page.body)
	}
}

func (a *testApp) revokedCount(tb testing.TB) int {
	tb.Helper()
	var n int
	err := a.db.Pool().QueryRow(context.Background(),
		`SELECT count(*) FROM api_tokens WHERE revoked_at IS NOT NULL`).Scan(&n)
	if err != nil {
		tb.Fatalf("count revoked tokens: %v", err)
	}
	return n
}

// The tests below need loadSession to accept API tokens.

func TestTokenBearerOnAPI(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	researcher := a.createUser(t, apiResearcherEmail, labeling.UserResearcher)
	p := a.createProject(t, "Token project")
	a.addMember(t, p, researcher, labeling.UserResearcher)
	c := a.login(t, apiResearcherEmail)
	secret := createAPIToken(t, c, "script")

	res := a.apiRequest(t, secret, http.MethodGet, "/api/v1/projects", nil, nil)
	if res.status != http.StatusOK {
		t.Fatalf("GET /api/v1/projects: got status %d, want %d; body: %s", res.status, http.StatusOK, res.body)
	}
	var out struct {
		Projects []struct{ Name string }
	}
	decodeJSON(t, res.body, &out)
	if len(out.Projects) != 1 || out.Projects[0].Name != "Token project" {
		t.Errorf("projects: got %+v, want [Token project]", out.Projects)
	}

	var lastUsed *time.Time
	err := a.db.Pool().QueryRow(context.Background(),
		`SELECT last_used_at FROM api_tokens WHERE user_id = $1`, researcher.ID).Scan(&lastUsed)
	if err != nil {
		t.Fatalf("read last_used_at: %v", err)
	}
	if lastUsed == nil {
		t.Errorf("last_used_at after an API request: got NULL, want a time")
	}

	// An API token is no login for the pages, which could make more tokens.
	page := a.apiRequest(t, secret, http.MethodGet, "/tokens", nil, nil)
	if page.status != http.StatusSeeOther {
		t.Errorf("GET /tokens with an API token: got status %d, want %d", page.status, http.StatusSeeOther)
	}
	post := a.apiRequest(t, secret, http.MethodPost, "/tokens", strings.NewReader("name=more"),
		http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	if post.status != http.StatusSeeOther {
		t.Errorf("POST /tokens with an API token: got status %d, want %d", post.status, http.StatusSeeOther)
	}
	if n := a.tokenCount(t); n != 1 {
		t.Errorf("api_tokens: got %d, want 1", n)
	}
}

func TestTokenRevokedRejected(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	researcher := a.createUser(t, apiResearcherEmail, labeling.UserResearcher)
	c := a.login(t, apiResearcherEmail)
	secret := createAPIToken(t, c, "script")
	if res := c.postForm("/tokens/"+a.tokenID(t, researcher).String()+"/revoke", nil); res.status != http.StatusSeeOther {
		t.Fatalf("revoke: got status %d, want %d", res.status, http.StatusSeeOther)
	}

	tests := []struct {
		name, token string
	}{
		{"revoked", secret},
		{"unknown", "pw_" + strings.Repeat("A", 43)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := a.apiRequest(t, tt.token, http.MethodGet, "/api/v1/projects", nil, nil)
			if res.status != http.StatusUnauthorized {
				t.Errorf("status: got %d, want %d", res.status, http.StatusUnauthorized)
			}
			var got map[string]string
			decodeJSON(t, res.body, &got)
			if got["error"] == "" {
				t.Errorf("body: got %s, want an error message", res.body)
			}
		})
	}
}

func TestTokenProjectAccess(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	researcher := a.createUser(t, apiResearcherEmail, labeling.UserResearcher)
	own := a.createProject(t, "Own project")
	a.addMember(t, own, researcher, labeling.UserResearcher)
	foreign := a.createProject(t, "Someone else's project")
	secret := createAPIToken(t, a.login(t, apiResearcherEmail), "script")

	tests := []struct {
		name, method, path string
		want               int
	}{
		{"own stats", http.MethodGet, "/api/v1/projects/" + own.ID.String() + "/stats", http.StatusOK},
		{"foreign stats", http.MethodGet, "/api/v1/projects/" + foreign.ID.String() + "/stats", http.StatusNotFound},
		{"foreign export", http.MethodGet, "/api/v1/projects/" + foreign.ID.String() + "/export", http.StatusNotFound},
		{"foreign lease", http.MethodPost, "/api/v1/projects/" + foreign.ID.String() + "/assignments", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := a.apiRequest(t, secret, tt.method, tt.path, nil, nil)
			if res.status != tt.want {
				t.Errorf("status: got %d, want %d; body: %s", res.status, tt.want, res.body)
			}
		})
	}
}
