package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
)

// crossOriginRequest is one state-changing POST that a cross-origin page
// could try, sent by send with extra headers.
type crossOriginRequest struct {
	name       string
	wantStatus int // status when sent from the same origin
	send       func(t *testing.T, header http.Header) response
}

func TestCrossOriginPost(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	admin := s.login(t, adminEmail)
	annotator := s.login(t, annotatorEmail)
	token := s.apiToken(t, adminEmail)
	form := parseLabelForm(t, annotator.get("/projects/"+s.project.ID.String()+"/label").body)
	importPath := "/api/v1/projects/" + s.project.ID.String() + "/imports?format=pairs"
	newPair := `{"prompt": "Pick a fruit.", "response_a": "An apple.", "response_b": "A brick."}` + "\n"

	requests := []crossOriginRequest{
		{"login", http.StatusSeeOther, func(t *testing.T, h http.Header) response {
			return s.newClient(t).postFormWith("/login",
				url.Values{"email": {adminEmail}, "password": {testPassword}}, h)
		}},
		{"create project", http.StatusSeeOther, func(t *testing.T, h http.Header) response {
			return admin.postFormWith("/projects", url.Values{"name": {"made elsewhere"}}, h)
		}},
		{"judgment", http.StatusSeeOther, func(t *testing.T, h http.Header) response {
			return annotator.postFormWith(form.action, url.Values{"verdict": {form.left.String()}}, h)
		}},
		{"api import", http.StatusCreated, func(t *testing.T, h http.Header) response {
			h = h.Clone()
			if h == nil {
				h = http.Header{}
			}
			h.Set("Content-Type", "application/x-ndjson")
			return s.apiRequest(t, token, http.MethodPost, importPath, strings.NewReader(newPair), h)
		}},
	}
	hostile := []struct {
		name   string
		header http.Header
	}{
		{"sec-fetch-site cross-site", http.Header{"Sec-Fetch-Site": {"cross-site"}}},
		{"foreign origin", http.Header{"Origin": {"http://evil.example"}}},
	}

	before := s.rowCounts(t)
	for _, req := range requests {
		for _, h := range hostile {
			t.Run(req.name+"/"+h.name, func(t *testing.T) {
				res := req.send(t, h.header)
				if res.status != http.StatusForbidden {
					t.Errorf("status: got %d, want %d", res.status, http.StatusForbidden)
				}
				if len(res.cookies) != 0 {
					t.Errorf("cookies: got %v, want none", res.cookies)
				}
			})
		}
	}
	s.checkCountsUnchanged(t, before)

	// The same requests from the same origin go through, so the 403s above
	// came from the origin check and not from a broken request.
	for _, req := range requests {
		t.Run(req.name+"/same origin", func(t *testing.T) {
			res := req.send(t, http.Header{"Sec-Fetch-Site": {"same-origin"}})
			if res.status != req.wantStatus {
				t.Errorf("status: got %d, want %d; body:\n%s", res.status, req.wantStatus, res.body)
			}
		})
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	anonymous := s.newClient(t)
	admin := s.login(t, adminEmail)
	annotator := s.login(t, annotatorEmail)
	project := "/projects/" + s.project.ID.String()

	tests := []struct {
		name       string
		get        func() response
		wantStatus int
	}{
		{"login", func() response { return anonymous.get("/login") }, http.StatusOK},
		{"failed login", func() response {
			return anonymous.postForm("/login", url.Values{"email": {adminEmail}, "password": {"wrong-password"}})
		}, http.StatusUnauthorized},
		{"home", func() response { return admin.get("/") }, http.StatusOK},
		{"users", func() response { return admin.get("/users") }, http.StatusOK},
		{"project", func() response { return admin.get(project) }, http.StatusOK},
		{"import report", func() response { return admin.get(project + "/imports/" + s.batch.String()) }, http.StatusOK},
		{"label", func() response { return annotator.get(project + "/label") }, http.StatusOK},
		{"forbidden", func() response { return annotator.get("/users") }, http.StatusForbidden},
		{"not found", func() response { return admin.get("/no/such/page") }, http.StatusNotFound},
		{"unknown project", func() response { return admin.get("/projects/not-a-uuid") }, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.get()
			if res.status != tt.wantStatus {
				t.Errorf("status: got %d, want %d", res.status, tt.wantStatus)
			}
			if ct := res.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type: got %q, want %q", ct, "text/html; charset=utf-8")
			}
			csp := res.header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("Content-Security-Policy: got %q, want it to contain script-src 'self'", csp)
			}
			if strings.Contains(csp, "unsafe-inline") {
				t.Errorf("Content-Security-Policy: got %q, want no unsafe-inline", csp)
			}
			wantHeaders := map[string]string{
				"X-Content-Type-Options": "nosniff",
				"Referrer-Policy":        "same-origin",
				"X-Frame-Options":        "DENY",
			}
			for name, want := range wantHeaders {
				if got := res.header.Get(name); got != want {
					t.Errorf("%s: got %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestFormBodyLimit(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	admin := s.login(t, adminEmail)
	annotator := s.login(t, annotatorEmail)
	token := s.apiToken(t, adminEmail)
	form := parseLabelForm(t, annotator.get("/projects/"+s.project.ID.String()+"/label").body)

	// Each body is just over the 1 MiB form limit.
	const limit = 1 << 20
	longForm := func(field string, rest url.Values) url.Values {
		v := url.Values{field: {strings.Repeat("a", limit)}}
		for k, vs := range rest {
			v[k] = vs
		}
		return v
	}
	longJSON := `{"name": "` + strings.Repeat("a", limit) + `"}`

	tests := []struct {
		name string
		send func(t *testing.T) response
	}{
		{"login", func(t *testing.T) response {
			return s.newClient(t).postForm("/login", longForm("email", url.Values{"password": {testPassword}}))
		}},
		{"create user", func(t *testing.T) response {
			return admin.postForm("/users", longForm("email", url.Values{"password": {testPassword}}))
		}},
		{"create project", func(t *testing.T) response {
			return admin.postForm("/projects", longForm("name", nil))
		}},
		{"judgment", func(t *testing.T) response {
			return annotator.postForm(form.action, longForm("rationale", url.Values{"verdict": {"tie"}}))
		}},
		{"api session", func(t *testing.T) response {
			return s.apiRequest(t, "", http.MethodPost, "/api/v1/sessions", strings.NewReader(longJSON), nil)
		}},
		{"api create project", func(t *testing.T) response {
			return s.apiRequest(t, token, http.MethodPost, "/api/v1/projects", strings.NewReader(longJSON), nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.rowCounts(t)
			res := tt.send(t)
			if res.status != http.StatusRequestEntityTooLarge {
				t.Errorf("status for a body over the %d-byte form limit: got %d, want %d",
					limit, res.status, http.StatusRequestEntityTooLarge)
			}
			s.checkCountsUnchanged(t, before)
		})
	}
}

func TestSecurityHeadersOnAssets(t *testing.T) {
	t.Parallel()
	a := startApp(t)

	res := a.newClient(t).get("/static/app.js")
	if res.status != http.StatusOK {
		t.Fatalf("status: got %d, want %d", res.status, http.StatusOK)
	}
	if got := res.header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options: got %q, want %q", got, "nosniff")
	}
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("Content-Type: got %q, want text/javascript", ct)
	}
}

func TestUserTextEscaped(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)
	admin := a.login(t, adminEmail)
	const hostile = `"><script>alert(1)</script>`
	a.createProject(t, "project "+hostile)

	tests := []struct {
		name string
		get  func() response
	}{
		{"project name on home", func() response { return admin.get("/") }},
		{"next on login form", func() response { return a.newClient(t).get("/login?next=" + url.QueryEscape(hostile)) }},
		{"email on failed login", func() response {
			return a.newClient(t).postForm("/login", url.Values{"email": {hostile}, "password": {"wrong-password"}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.get()
			if strings.Contains(res.body, "<script>alert(1)</script>") {
				t.Errorf("page contains the unescaped script; body:\n%s", res.body)
			}
			if !strings.Contains(res.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("page lacks the escaped text; body:\n%s", res.body)
			}
		})
	}
}
