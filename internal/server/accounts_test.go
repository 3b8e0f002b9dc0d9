package server_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
)

func TestHealthz(t *testing.T) {
	t.Parallel()
	a := startApp(t)

	res := a.newClient(t).get("/healthz")
	if res.status != http.StatusOK {
		t.Errorf("status: got %d, want %d", res.status, http.StatusOK)
	}
	if res.body != "ok\n" {
		t.Errorf("body: got %q, want %q", res.body, "ok\n")
	}
}

func TestLoginPage(t *testing.T) {
	t.Parallel()
	a := startApp(t)

	res := a.newClient(t).get("/login?next=/users")
	if res.status != http.StatusOK {
		t.Fatalf("status: got %d, want %d", res.status, http.StatusOK)
	}
	for _, want := range []string{
		`<form method="post" action="/login">`,
		`<input type="hidden" name="next" value="/users">`,
		`<input name="email" value=""`,
		`<input type="password" name="password" required`,
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("login page lacks %s; body:\n%s", want, res.body)
		}
	}
}

func TestLoginRejected(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)

	tests := []struct {
		name, email, password string
	}{
		{"wrong password", adminEmail, "not-the-password"},
		{"unknown email", "nobody@example.test", testPassword},
		{"empty form", "", ""},
	}
	var messages []string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := a.newClient(t).postForm("/login", url.Values{"email": {tt.email}, "password": {tt.password}})
			if res.status != http.StatusUnauthorized {
				t.Errorf("status: got %d, want %d", res.status, http.StatusUnauthorized)
			}
			if len(res.cookies) != 0 {
				t.Errorf("cookies: got %v, want none", res.cookies)
			}
			msg := errorItems(res.text())
			if !slices.Equal(msg, []string{"Wrong email or password."}) {
				t.Errorf("errors: got %q, want [Wrong email or password.]", msg)
			}
			if !strings.Contains(res.text(), `name="email" value="`+tt.email+`"`) {
				t.Errorf("form does not keep the email %q; body:\n%s", tt.email, res.body)
			}
			messages = append(messages, strings.Join(msg, "\n"))
		})
	}
	if len(messages) == len(tests) && !allEqual(messages) {
		t.Errorf("messages differ between cases: %q", messages)
	}
	if n := a.rowCounts(t)["sessions"]; n != 0 {
		t.Errorf("sessions: got %d, want 0", n)
	}
}

func allEqual(s []string) bool {
	for _, v := range s {
		if v != s[0] {
			return false
		}
	}
	return true
}

// errorItems returns the items of a page's error list.
func errorItems(page string) []string {
	_, rest, ok := strings.Cut(page, `<div class="errors" role="alert"><ul>`)
	if !ok {
		return nil
	}
	list, _, _ := strings.Cut(rest, "</ul>")
	var items []string
	for _, item := range strings.Split(list, "<li>")[1:] {
		items = append(items, strings.TrimSuffix(item, "</li>"))
	}
	return items
}

func TestLoginCookie(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		start      func(testing.TB) *testApp
		wantSecure bool
	}{
		{"plain http", startApp, false},
		{"tls", startTLSApp, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.start(t)
			a.createUser(t, adminEmail, labeling.UserAdmin)

			res := a.newClient(t).postForm("/login", url.Values{"email": {adminEmail}, "password": {testPassword}})
			if res.status != http.StatusSeeOther {
				t.Fatalf("status: got %d, want %d", res.status, http.StatusSeeOther)
			}
			if loc := res.header.Get("Location"); loc != "/" {
				t.Errorf("Location: got %q, want %q", loc, "/")
			}
			if len(res.cookies) != 1 {
				t.Fatalf("cookies: got %d, want 1", len(res.cookies))
			}
			c := res.cookies[0]
			if c.Name != "pairwise_session" {
				t.Errorf("cookie name: got %q, want %q", c.Name, "pairwise_session")
			}
			if len(c.Value) < 40 {
				t.Errorf("token length: got %d, want at least 40", len(c.Value))
			}
			if !c.HttpOnly {
				t.Errorf("HttpOnly: got false, want true")
			}
			if c.SameSite != http.SameSiteLaxMode {
				t.Errorf("SameSite: got %v, want %v", c.SameSite, http.SameSiteLaxMode)
			}
			if c.Secure != tt.wantSecure {
				t.Errorf("Secure: got %v, want %v", c.Secure, tt.wantSecure)
			}
			if c.Path != "/" {
				t.Errorf("Path: got %q, want %q", c.Path, "/")
			}
		})
	}
}

func TestLoginNext(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)

	tests := []struct {
		next, want string
	}{
		{"/users", "/users"},
		{"//evil.example/", "/"},
		{"https://evil.example/", "/"},
		{`/\evil.example`, "/"},
	}
	for _, tt := range tests {
		t.Run(tt.next, func(t *testing.T) {
			res := a.newClient(t).postForm("/login", url.Values{
				"email": {adminEmail}, "password": {testPassword}, "next": {tt.next}})
			if res.status != http.StatusSeeOther {
				t.Fatalf("status: got %d, want %d", res.status, http.StatusSeeOther)
			}
			if loc := res.header.Get("Location"); loc != tt.want {
				t.Errorf("Location: got %q, want %q", loc, tt.want)
			}
		})
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)
	c := a.login(t, adminEmail)
	cookies := c.http.Jar.Cookies(mustParseURL(t, a.srv.URL))
	if len(cookies) != 1 {
		t.Fatalf("cookies after login: got %d, want 1", len(cookies))
	}
	if res := c.get("/"); res.status != http.StatusOK {
		t.Fatalf("GET / after login: got %d, want %d", res.status, http.StatusOK)
	}

	res := c.postForm("/logout", nil)
	if res.status != http.StatusSeeOther {
		t.Errorf("logout status: got %d, want %d", res.status, http.StatusSeeOther)
	}
	if loc := res.header.Get("Location"); loc != "/login" {
		t.Errorf("logout Location: got %q, want %q", loc, "/login")
	}
	if len(res.cookies) != 1 {
		t.Fatalf("logout cookies: got %d, want 1", len(res.cookies))
	}
	if c := res.cookies[0]; c.Name != "pairwise_session" || c.Value != "" {
		t.Errorf("logout cookie: got %s=%q, want pairwise_session=\"\"", c.Name, c.Value)
	}
	if c := res.cookies[0]; c.MaxAge >= 0 {
		t.Errorf("logout cookie MaxAge: got %d, want below 0 (delete now)", c.MaxAge)
	}
	if n := a.rowCounts(t)["sessions"]; n != 0 {
		t.Errorf("sessions after logout: got %d, want 0", n)
	}

	// A client that kept the old cookie is treated as logged out.
	replay := a.newClient(t)
	replay.http.Jar.SetCookies(mustParseURL(t, a.srv.URL), cookies)
	res = replay.get("/")
	if res.status != http.StatusSeeOther {
		t.Errorf("GET / with the old cookie: got %d, want %d", res.status, http.StatusSeeOther)
	}
	if loc := res.header.Get("Location"); loc != "/login" {
		t.Errorf("GET / with the old cookie: Location got %q, want %q", loc, "/login")
	}
}

func mustParseURL(tb testing.TB, s string) *url.URL {
	tb.Helper()
	u, err := url.Parse(s)
	if err != nil {
		tb.Fatalf("parse url %q: %v", s, err)
	}
	return u
}

func TestAnnotatorForbidden(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	web := s.login(t, annotatorEmail)
	token := s.apiToken(t, annotatorEmail)
	project := "/projects/" + s.project.ID.String()
	before := s.rowCounts(t)

	const (
		adminsOnly      = "this page is for admins"
		creatorsOnly    = "only researchers and admins can create projects"
		researchersOnly = "only the project's researchers can do this"
	)
	webTests := []struct {
		name, method, path, wantError string
	}{
		{"users page", http.MethodGet, "/users", adminsOnly},
		{"create user", http.MethodPost, "/users", adminsOnly},
		{"create project", http.MethodPost, "/projects", creatorsOnly},
		{"project page", http.MethodGet, project, researchersOnly},
		{"import report", http.MethodGet, project + "/imports/" + s.batch.String(), researchersOnly},
		{"import upload", http.MethodPost, project + "/imports", researchersOnly},
		{"export", http.MethodGet, project + "/export?format=trl", researchersOnly},
	}
	for _, tt := range webTests {
		t.Run("web "+tt.name, func(t *testing.T) {
			var res response
			switch tt.method {
			case http.MethodGet:
				res = web.get(tt.path)
			case http.MethodPost:
				res = web.postForm(tt.path, url.Values{
					"email": {"new@example.test"}, "password": {testPassword}, "name": {"new project"}})
			}
			if res.status != http.StatusForbidden {
				t.Errorf("status: got %d, want %d", res.status, http.StatusForbidden)
			}
			if got := errorParagraph(res.text()); got != tt.wantError {
				t.Errorf("message: got %q, want %q", got, tt.wantError)
			}
		})
	}

	apiTests := []struct {
		name, method, path, body, wantError string
	}{
		{"create project", http.MethodPost, "/api/v1/projects", `{"name": "new project"}`, creatorsOnly},
		{"import", http.MethodPost, "/api/v1" + project + "/imports?format=pairs", threePairs, researchersOnly},
		{"export", http.MethodGet, "/api/v1" + project + "/export?format=trl", "", researchersOnly},
	}
	for _, tt := range apiTests {
		t.Run("api "+tt.name, func(t *testing.T) {
			res := s.apiRequest(t, token, tt.method, tt.path, strings.NewReader(tt.body), nil)
			if res.status != http.StatusForbidden {
				t.Errorf("status: got %d, want %d", res.status, http.StatusForbidden)
			}
			var got map[string]string
			decodeJSON(t, res.body, &got)
			if got["error"] != tt.wantError {
				t.Errorf("error: got %q, want %q", got["error"], tt.wantError)
			}
		})
	}

	s.checkCountsUnchanged(t, before)
}

func TestAnonymousRedirect(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	project := "/projects/" + s.project.ID.String()
	c := s.newClient(t)

	tests := []struct {
		path, want string
	}{
		{"/", "/login"},
		{"/users", "/login?next=%2Fusers"},
		{project, "/login?next=" + url.QueryEscape(project)},
		{project + "/label", "/login?next=" + url.QueryEscape(project+"/label")},
		{project + "/export?format=trl", "/login?next=" + url.QueryEscape(project+"/export?format=trl")},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := c.get(tt.path)
			if res.status != http.StatusSeeOther {
				t.Errorf("status: got %d, want %d", res.status, http.StatusSeeOther)
			}
			if loc := res.header.Get("Location"); loc != tt.want {
				t.Errorf("Location: got %q, want %q", loc, tt.want)
			}
		})
	}

	t.Run("api", func(t *testing.T) {
		res := s.apiRequest(t, "", http.MethodGet, "/api/v1/projects", nil, nil)
		if res.status != http.StatusUnauthorized {
			t.Errorf("status: got %d, want %d", res.status, http.StatusUnauthorized)
		}
		if ct := res.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type: got %q, want %q", ct, "application/json")
		}
	})
}

func TestCreateAnnotator(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)
	admin := a.login(t, adminEmail)

	const email = "new.annotator@example.test"
	res := admin.postForm("/users", url.Values{"email": {email}, "password": {testPassword}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("status: got %d, want %d; body:\n%s", res.status, http.StatusSeeOther, res.body)
	}
	if loc := res.header.Get("Location"); loc != "/users?notice=user-created" {
		t.Errorf("Location: got %q, want %q", loc, "/users?notice=user-created")
	}

	page := admin.get("/users?notice=user-created")
	if !strings.Contains(page.body, `<p class="flash" role="status">Annotator added.</p>`) {
		t.Errorf("users page lacks the notice; body:\n%s", page.body)
	}
	if !strings.Contains(page.body, "<td>"+email+"</td><td>annotator</td>") {
		t.Errorf("users page lacks the new annotator; body:\n%s", page.body)
	}

	u, _, err := a.db.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("find new user: %v", err)
	}
	if u.Role != labeling.UserAnnotator {
		t.Errorf("role: got %q, want %q", u.Role, labeling.UserAnnotator)
	}

	annotator := a.login(t, email)
	home := annotator.get("/")
	if home.status != http.StatusOK {
		t.Errorf("annotator home: got %d, want %d", home.status, http.StatusOK)
	}
	if !strings.Contains(home.body, `<span class="who">`+email+`</span>`) {
		t.Errorf("annotator home does not name the user; body:\n%s", home.body)
	}
	if strings.Contains(home.body, `href="/users"`) {
		t.Errorf("annotator home links to /users")
	}
}

func TestCreateUserRejected(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)
	a.createUser(t, annotatorEmail, labeling.UserAnnotator)
	admin := a.login(t, adminEmail)

	tests := []struct {
		name, email, password string
		wantStatus            int
		wantError             string
	}{
		{"short password", "short@example.test", "seven77", http.StatusUnprocessableEntity,
			"password is 7 characters, the minimum is 8"},
		{"duplicate email", annotatorEmail, testPassword, http.StatusConflict,
			"a user with email " + annotatorEmail + " already exists"},
		{"duplicate email in other case", strings.ToUpper(annotatorEmail), testPassword, http.StatusConflict,
			"a user with email " + strings.ToUpper(annotatorEmail) + " already exists"},
		{"email without at sign", "not-an-email", testPassword, http.StatusUnprocessableEntity,
			`email "not-an-email" has no @`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := a.rowCounts(t)
			res := admin.postForm("/users", url.Values{"email": {tt.email}, "password": {tt.password}})
			if res.status != tt.wantStatus {
				t.Errorf("status: got %d, want %d", res.status, tt.wantStatus)
			}
			if got := errorItems(res.text()); !slices.Equal(got, []string{tt.wantError}) {
				t.Errorf("errors: got %q, want [%q]", got, tt.wantError)
			}
			if !strings.Contains(res.text(), `<input type="email" name="email" value="`+tt.email+`"`) {
				t.Errorf("form does not keep the email %q; body:\n%s", tt.email, res.body)
			}
			if strings.Contains(res.body, tt.password) {
				t.Errorf("page echoes the password")
			}
			a.checkCountsUnchanged(t, before)
		})
	}
}

// errorParagraph returns the message of an error page.
func errorParagraph(page string) string {
	_, rest, ok := strings.Cut(page, `<section class="narrow"><h1>`)
	if !ok {
		return ""
	}
	_, rest, _ = strings.Cut(rest, "<p>")
	msg, _, _ := strings.Cut(rest, "</p>")
	return msg
}

func TestNoticeOnlyFixedTexts(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)
	admin := a.login(t, adminEmail)

	tests := []struct {
		notice, want string
	}{
		{"user-created", `<p class="flash" role="status">Annotator added.</p>`},
		{"<b>forged</b>", ""},
		{"Your account is locked", ""},
	}
	for _, tt := range tests {
		t.Run(tt.notice, func(t *testing.T) {
			res := admin.get("/users?notice=" + url.QueryEscape(tt.notice))
			got := ""
			if _, rest, ok := strings.Cut(res.body, `<p class="flash"`); ok {
				flash, _, _ := strings.Cut(rest, "</p>")
				got = `<p class="flash"` + flash + "</p>"
			}
			if got != tt.want {
				t.Errorf("flash: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAPILoginRejected(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)

	tests := []struct {
		name, body string
		wantStatus int
		wantError  string
	}{
		{"wrong password", `{"email": "` + adminEmail + `", "password": "not-the-password"}`,
			http.StatusUnauthorized, "wrong email or password"},
		{"unknown email", `{"email": "nobody@example.test", "password": "` + testPassword + `"}`,
			http.StatusUnauthorized, "wrong email or password"},
		{"not json", `email=` + adminEmail, http.StatusBadRequest,
			`body must be JSON: {"email": "...", "password": "..."}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := a.apiRequest(t, "", http.MethodPost, "/api/v1/sessions", strings.NewReader(tt.body), nil)
			if res.status != tt.wantStatus {
				t.Errorf("status: got %d, want %d", res.status, tt.wantStatus)
			}
			var got map[string]string
			decodeJSON(t, res.body, &got)
			if got["error"] != tt.wantError {
				t.Errorf("error: got %q, want %q", got["error"], tt.wantError)
			}
			if _, ok := got["token"]; ok {
				t.Errorf("response body has a token, want none")
			}
		})
	}
	if n := a.rowCounts(t)["sessions"]; n != 0 {
		t.Errorf("sessions: got %d, want 0", n)
	}
}
