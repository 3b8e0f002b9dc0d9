package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/server"
	"github.com/pairwise/pairwise/internal/store"
)

// accessRole is one kind of visitor in the access matrix.
type accessRole string

const (
	asAnonymous   accessRole = "anonymous"
	asAdmin       accessRole = "admin"
	asResearcherA accessRole = "researcher of A"
	asResearcherB accessRole = "researcher of B"
	asAnnotatorA  accessRole = "annotator of A"
	asAnnotatorB  accessRole = "annotator of B"
	asOutsider    accessRole = "researcher of no project"
)

var accessRoles = []accessRole{asAnonymous, asAdmin, asResearcherA, asResearcherB,
	asAnnotatorA, asAnnotatorB, asOutsider}

// outcome is the kind of response a role gets from a route.
type outcome string

const (
	// reached means the request got to the handler: a 2xx, a 3xx that is
	// not a redirect to the login page, or 501 from a handler that is not
	// built yet.
	reached outcome = "reached the handler"
	// notFound is 404: the project is hidden from the user.
	notFound outcome = "404"
	// forbidden is 403: the user sees the project but may not do this.
	forbidden outcome = "403"
	// signIn is a 303 to the login page on the web and 401 on the API.
	signIn outcome = "sign-in"
)

// An accessRule maps a role to the outcome it should get.
type accessRule func(accessRole) outcome

func public(accessRole) outcome { return reached }

// loggedOut is the rule of POST /logout: everyone ends on the login page.
func loggedOut(accessRole) outcome { return signIn }

func signedIn(r accessRole) outcome {
	if r == asAnonymous {
		return signIn
	}
	return reached
}

func creators(r accessRole) outcome {
	switch r {
	case asAnonymous:
		return signIn
	case asAnnotatorA, asAnnotatorB:
		return forbidden
	}
	return reached
}

func admins(r accessRole) outcome {
	switch r {
	case asAnonymous:
		return signIn
	case asAdmin:
		return reached
	}
	return forbidden
}

// members is the rule of project A's labeling routes.
func members(r accessRole) outcome {
	switch r {
	case asAnonymous:
		return signIn
	case asAdmin, asResearcherA, asAnnotatorA:
		return reached
	}
	return notFound
}

// managers is the rule of project A's management routes.
func managers(r accessRole) outcome {
	switch r {
	case asAnonymous:
		return signIn
	case asAdmin, asResearcherA:
		return reached
	case asAnnotatorA:
		return forbidden
	}
	return notFound
}

// accessFixture is one app with projects A and B, a user per role and a
// logged-in client per role. Project C only hands out join codes, so that
// joining changes nothing in A or B.
type accessFixture struct {
	*testApp
	a, b, c labeling.Project
	batchA  uuid.UUID
	joinC   string
	users   map[accessRole]labeling.User
	clients map[accessRole]*client
	serial  int
}

func newAccessFixture(t *testing.T) *accessFixture {
	t.Helper()
	ctx := context.Background()
	f := &accessFixture{testApp: startApp(t), users: map[accessRole]labeling.User{},
		clients: map[accessRole]*client{}}

	// Project A has room for every lease the matrix takes.
	f.a = f.createProject(t, "Project A")
	f.a.MaxOpenLeases = 100
	if err := f.db.UpdateProject(ctx, f.a); err != nil {
		t.Fatalf("update project A: %v", err)
	}
	var pairs strings.Builder
	for i := range 80 {
		fmt.Fprintf(&pairs, `{"prompt": "A question %d?", "response_a": "Yes %d.", "response_b": "No %d."}`+"\n", i, i, i)
	}
	f.batchA = f.importPairs(t, f.a, pairs.String())
	f.b = f.createProject(t, "Project B")
	f.importPairs(t, f.b, threePairs)
	f.c = f.createProject(t, "Project C")
	_, f.joinC = f.createJoinCode(t, f.c)

	roles := []struct {
		role    accessRole
		account string
		project *labeling.Project
		member  string
	}{
		{asAdmin, labeling.UserAdmin, nil, ""},
		{asResearcherA, labeling.UserResearcher, &f.a, labeling.UserResearcher},
		{asResearcherB, labeling.UserResearcher, &f.b, labeling.UserResearcher},
		{asAnnotatorA, labeling.UserAnnotator, &f.a, labeling.UserAnnotator},
		{asAnnotatorB, labeling.UserAnnotator, &f.b, labeling.UserAnnotator},
		{asOutsider, labeling.UserResearcher, nil, ""},
	}
	for _, r := range roles {
		u := f.createUser(t, strings.ReplaceAll(string(r.role), " ", "-")+"@example.test", r.account)
		if r.project != nil {
			f.addMember(t, *r.project, u, r.member)
		}
		f.users[r.role] = u
	}
	for _, role := range accessRoles {
		f.clients[role] = f.freshClient(t, role)
	}
	return f
}

// next returns a number that no earlier call returned, for unique names.
func (f *accessFixture) next() int {
	f.serial++
	return f.serial
}

// user returns the account of role. Anonymous visitors borrow the ids of
// the annotator of A, which they must not be able to use.
func (f *accessFixture) user(role accessRole) labeling.User {
	if role == asAnonymous {
		return f.users[asAnnotatorA]
	}
	return f.users[role]
}

// freshClient returns a client with a session of its own for role, for
// requests that log in, log out or join, which would change the role's
// main client. The session is stored directly, which skips the slow
// password check of a login.
func (f *accessFixture) freshClient(t *testing.T, role accessRole) *client {
	t.Helper()
	c := f.newClient(t)
	if role == asAnonymous {
		return c
	}
	token := uuid.NewString()
	err := f.db.CreateSession(context.Background(), token, f.users[role].ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatalf("create session for %s: %v", role, err)
	}
	c.http.Jar.SetCookies(mustParseURL(t, f.srv.URL), []*http.Cookie{{Name: "pairwise_session", Value: token}})
	return c
}

func (f *accessFixture) createJoinCode(t *testing.T, p labeling.Project) (uuid.UUID, string) {
	t.Helper()
	c, code, err := f.db.CreateJoinCode(context.Background(), store.JoinCode{ProjectID: p.ID,
		Role: labeling.UserAnnotator})
	if err != nil {
		t.Fatalf("create join code for %s: %v", p.Name, err)
	}
	return c.ID, code
}

// param returns the value of URL parameter name for a request by role:
// real ids of project A's objects, owned by role's account where they
// have an owner.
func (f *accessFixture) param(t *testing.T, name string, role accessRole) string {
	t.Helper()
	ctx := context.Background()
	switch name {
	case "projectID":
		return f.a.ID.String()
	case "batchID":
		return f.batchA.String()
	case "assignmentID":
		a, err := f.db.LeaseNew(ctx, f.a, f.user(role).ID)
		if err != nil {
			t.Fatalf("lease for %s: %v", role, err)
		}
		return a.ID.String()
	case "comparisonID":
		var id uuid.UUID
		err := f.db.Pool().QueryRow(ctx, `SELECT id FROM comparisons WHERE project_id = $1
			ORDER BY seq DESC OFFSET $2 LIMIT 1`, f.a.ID, f.next()%20).Scan(&id)
		if err != nil {
			t.Fatalf("find a comparison of project A: %v", err)
		}
		return id.String()
	case "userID":
		return f.spareMember(t).ID.String()
	case "codeID":
		id, _ := f.createJoinCode(t, f.a)
		return id.String()
	case "jobID":
		return f.doneExportJob(t).String()
	case "tokenID":
		tok, _, err := f.db.CreateToken(ctx, f.user(role).ID, fmt.Sprintf("token %d", f.next()))
		if err != nil {
			t.Fatalf("create token for %s: %v", role, err)
		}
		return tok.ID.String()
	}
	t.Fatalf("no value for URL parameter {%s}; add it to accessFixture.param", name)
	return ""
}

// doneExportJob stores a finished export job of project A with a file.
func (f *accessFixture) doneExportJob(t *testing.T) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	job, err := f.db.CreateExportJob(ctx, store.ExportJob{ProjectID: f.a.ID,
		Options: []byte(`{"export": {"Format": "trl"}, "bundle": {}}`)})
	if err != nil {
		t.Fatalf("create export job: %v", err)
	}
	if err := f.db.StartExportJob(ctx, job.ID); err != nil {
		t.Fatalf("start export job: %v", err)
	}
	path := filepath.Join(t.TempDir(), "job.jsonl")
	row := []byte(`{"prompt": "A question?", "chosen": "Yes.", "rejected": "No."}` + "\n")
	if err := os.WriteFile(path, row, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := f.db.FinishExportJob(ctx, job.ID, 1, 1, "job.jsonl", path, int64(len(row))); err != nil {
		t.Fatalf("finish export job: %v", err)
	}
	return job.ID
}

// spareMember creates an annotator of project A that no role depends on.
func (f *accessFixture) spareMember(t *testing.T) labeling.User {
	t.Helper()
	u := f.createUser(t, fmt.Sprintf("spare-%d@example.test", f.next()), labeling.UserAnnotator)
	f.addMember(t, f.a, u, labeling.UserAnnotator)
	return u
}

// accessRoute records who may use one route and how to call it.
type accessRoute struct {
	rule accessRule
	// query is added to the path, and so is the result of queryOf.
	query   string
	queryOf func(f *accessFixture) string
	// form, json and raw build the request body. At most one is set.
	form func(t *testing.T, f *accessFixture, role accessRole) url.Values
	json func(f *accessFixture, role accessRole) string
	raw  func(f *accessFixture) string
	// upload sends the project page's multipart import form.
	upload bool
	// fresh sends the request from a new session of the role.
	fresh bool
}

func noForm(*testing.T, *accessFixture, accessRole) url.Values { return url.Values{} }

func formOf(pairs ...string) func(*testing.T, *accessFixture, accessRole) url.Values {
	return func(*testing.T, *accessFixture, accessRole) url.Values {
		v := url.Values{}
		for i := 0; i+1 < len(pairs); i += 2 {
			v.Set(pairs[i], pairs[i+1])
		}
		return v
	}
}

// newPair returns a pairs-format line that no other call returns.
func (f *accessFixture) newPair() string {
	n := f.next()
	return fmt.Sprintf(`{"prompt": "New question %d?", "response_a": "Yes.", "response_b": "No."}`, n) + "\n"
}

// accessRoutes is the expectation table: one entry per method and route
// pattern of the router. "*" as the method covers every method.
var accessRoutes = map[string]accessRoute{
	// Public routes.
	"GET /healthz": {rule: public},
	"* /static/*":  {rule: public},
	"GET /login":   {rule: public},
	"GET /join":    {rule: public},
	"POST /logout": {rule: loggedOut, form: noForm, fresh: true},
	"GET /":        {rule: signedIn},
	"GET /tokens":  {rule: signedIn},
	"GET /users":   {rule: admins},
	"POST /projects": {rule: creators, form: func(_ *testing.T, f *accessFixture, _ accessRole) url.Values {
		return url.Values{"name": {fmt.Sprintf("made by the matrix %d", f.next())}}
	}},
	"POST /login": {rule: public, fresh: true, form: func(_ *testing.T, f *accessFixture, role accessRole) url.Values {
		return url.Values{"email": {f.user(role).Email}, "password": {testPassword}}
	}},
	"POST /join": {rule: public, fresh: true, form: func(_ *testing.T, f *accessFixture, _ accessRole) url.Values {
		return url.Values{"code": {f.joinC}, "display_name": {fmt.Sprintf("joiner%d", f.next())},
			"password": {testPassword}, "password_repeat": {testPassword}}
	}},
	"POST /tokens": {rule: creators, form: func(_ *testing.T, f *accessFixture, _ accessRole) url.Values {
		return url.Values{"name": {fmt.Sprintf("script %d", f.next())}}
	}},
	"POST /tokens/{tokenID}/revoke": {rule: signedIn, form: noForm},
	"POST /imports":                 {rule: creators, upload: true},
	"POST /users": {rule: admins, form: func(_ *testing.T, f *accessFixture, _ accessRole) url.Values {
		return url.Values{"email": {fmt.Sprintf("new-%d@example.test", f.next())}, "password": {testPassword}}
	}},

	// Project A: labeling.
	"GET /projects/{projectID}/label":                      {rule: members},
	"POST /projects/{projectID}/label/{assignmentID}":      {rule: members, form: formOf("verdict", "tie")},
	"POST /projects/{projectID}/label/{assignmentID}/skip": {rule: members, form: formOf("reason", "cannot judge this")},
	"POST /projects/{projectID}/undo":                      {rule: members, form: noForm},
	"GET /projects/{projectID}/guidelines":                 {rule: members},
	"POST /projects/{projectID}/guidelines":                {rule: members, form: noForm},

	// Project A: management.
	"GET /projects/{projectID}/":                     {rule: managers},
	"GET /projects/{projectID}/imports/{batchID}":    {rule: managers},
	"POST /projects/{projectID}/imports":             {rule: managers, upload: true},
	"GET /projects/{projectID}/export":               {rule: managers, query: "?format=trl"},
	"GET /projects/{projectID}/exports":              {rule: managers},
	"POST /projects/{projectID}/exports":             {rule: managers, query: "?format=trl", form: noForm},
	"GET /projects/{projectID}/exports/{jobID}":      {rule: managers},
	"GET /projects/{projectID}/exports/{jobID}/file": {rule: managers},
	"GET /projects/{projectID}/settings":             {rule: managers},
	"POST /projects/{projectID}/settings":            {rule: managers, form: formOf("add_row", "1")},
	"GET /projects/{projectID}/members":              {rule: managers},
	"POST /projects/{projectID}/members": {rule: managers, form: func(t *testing.T, f *accessFixture, _ accessRole) url.Values {
		u := f.createUser(t, fmt.Sprintf("added-%d@example.test", f.next()), labeling.UserAnnotator)
		return url.Values{"login": {u.Email}, "role": {labeling.UserAnnotator}}
	}},
	"POST /projects/{projectID}/members/{userID}/remove": {rule: managers, form: noForm},
	"POST /projects/{projectID}/codes":                   {rule: managers, form: formOf("role", "annotator", "label", "matrix")},
	"POST /projects/{projectID}/codes/{codeID}/revoke":   {rule: managers, form: noForm},
	"GET /projects/{projectID}/dashboard":                {rule: managers},
	"GET /projects/{projectID}/dashboard/annotators.csv": {rule: managers},
	"GET /projects/{projectID}/review":                   {rule: managers},
	"POST /projects/{projectID}/review/{comparisonID}":   {rule: managers, form: formOf("verdict", "tie")},
	"POST /projects/{projectID}/gold/{comparisonID}":     {rule: managers, form: formOf("verdict", "tie")},

	// JSON API.
	"POST /api/v1/sessions": {rule: public, fresh: true, json: func(f *accessFixture, role accessRole) string {
		return fmt.Sprintf(`{"email": %q, "password": %q}`, f.user(role).Email, testPassword)
	}},
	"GET /api/v1/projects": {rule: signedIn},
	"POST /api/v1/projects": {rule: creators, json: func(f *accessFixture, _ accessRole) string {
		return fmt.Sprintf(`{"name": "made through the API %d"}`, f.next())
	}},
	"POST /api/v1/projects/{projectID}/assignments": {rule: members,
		json: func(*accessFixture, accessRole) string { return "" }},
	"POST /api/v1/projects/{projectID}/assignments/{assignmentID}/judgment": {rule: members,
		json: func(*accessFixture, accessRole) string { return `{"verdict": "tie"}` }},
	"POST /api/v1/projects/{projectID}/assignments/{assignmentID}/skip": {rule: members,
		json: func(*accessFixture, accessRole) string { return `{"reason": "cannot judge this"}` }},
	"POST /api/v1/projects/{projectID}/imports": {rule: managers, query: "?format=pairs",
		raw: func(f *accessFixture) string { return f.newPair() }},
	"POST /api/v1/imports": {rule: creators,
		queryOf: func(f *accessFixture) string { return fmt.Sprintf("?project=imported+%d", f.next()) },
		raw:     func(f *accessFixture) string { return f.newPair() }},
	"GET /api/v1/projects/{projectID}/export": {rule: managers, query: "?format=trl"},
	"POST /api/v1/projects/{projectID}/exports": {rule: managers, query: "?format=trl",
		json: func(*accessFixture, accessRole) string { return "" }},
	"GET /api/v1/projects/{projectID}/exports/{jobID}":      {rule: managers},
	"GET /api/v1/projects/{projectID}/exports/{jobID}/file": {rule: managers},
	"GET /api/v1/projects/{projectID}/stats":                {rule: managers},
}

// routerRoutes returns "METHOD pattern" for every route of the server's
// router.
func routerRoutes(t *testing.T, db *store.DB) []string {
	t.Helper()
	srv := server.New(db, slog.New(slog.DiscardHandler), server.DefaultConfig())
	routes := srv.Routes()
	var out []string
	err := chi.Walk(routes, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		out = append(out, method+" "+route)
		return nil
	})
	if err != nil {
		t.Fatalf("walk routes: %v", err)
	}
	sort.Strings(out)
	return out
}

// tableKey returns the expectation table's key for a walked route.
func tableKey(route string) string {
	method, pattern, _ := strings.Cut(route, " ")
	if _, ok := accessRoutes[method+" "+pattern]; ok {
		return method + " " + pattern
	}
	return "* " + pattern
}

func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)

	// Every route of the router has an entry, and every entry a route.
	walked := routerRoutes(t, f.db)
	used := map[string]bool{}
	var missing []string
	for _, route := range walked {
		key := tableKey(route)
		if _, ok := accessRoutes[key]; !ok {
			missing = append(missing, route)
			continue
		}
		used[key] = true
	}
	if len(missing) > 0 {
		t.Errorf("routes missing from accessRoutes, say who may use them:\n%s", strings.Join(missing, "\n"))
	}
	var stale []string
	for key := range accessRoutes {
		if !used[key] {
			stale = append(stale, key)
		}
	}
	if len(stale) > 0 {
		sort.Strings(stale)
		t.Errorf("accessRoutes entries with no route in the router:\n%s", strings.Join(stale, "\n"))
	}

	keys := make([]string, 0, len(used))
	for key := range used {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		for _, role := range accessRoles {
			t.Run(key+"/"+string(role), func(t *testing.T) {
				res := f.send(t, key, role)
				checkOutcome(t, key, res, accessRoutes[key].rule(role))
			})
		}
	}
}

// send makes the request of route key as role.
func (f *accessFixture) send(t *testing.T, key string, role accessRole) response {
	t.Helper()
	route := accessRoutes[key]
	method, pattern, _ := strings.Cut(key, " ")
	if method == "*" {
		method = http.MethodGet
	}
	path := strings.ReplaceAll(pattern, "/*", "/app.js")
	for {
		start := strings.Index(path, "{")
		if start < 0 {
			break
		}
		end := strings.Index(path, "}")
		path = path[:start] + f.param(t, path[start+1:end], role) + path[end+1:]
	}
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	path += route.query
	if route.queryOf != nil {
		path += route.queryOf(f)
	}

	c := f.clients[role]
	if route.fresh {
		c = f.freshClient(t, role)
	}
	var req *http.Request
	switch {
	case route.upload:
		contentType, body := multipartUpload(t, "pairs", "", "pairs.jsonl", []byte(f.newPair()))
		req = c.newRequest(method, path, body)
		req.Header.Set("Content-Type", contentType)
	case route.form != nil:
		req = c.newRequest(method, path, strings.NewReader(route.form(t, f, role).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case route.json != nil:
		req = c.newRequest(method, path, strings.NewReader(route.json(f, role)))
		req.Header.Set("Content-Type", "application/json")
	case route.raw != nil:
		req = c.newRequest(method, path, strings.NewReader(route.raw(f)))
		req.Header.Set("Content-Type", "application/x-ndjson")
	default:
		req = c.newRequest(method, path, nil)
	}
	if method == http.MethodPost {
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	return c.do(req)
}

// checkOutcome fails unless res is the outcome want.
func checkOutcome(t *testing.T, key string, res response, want outcome) {
	t.Helper()
	location := res.header.Get("Location")
	toLogin := res.status == http.StatusSeeOther &&
		(location == "/login" || strings.HasPrefix(location, "/login?"))
	api := strings.Contains(key, " /api/")
	got := outcome(fmt.Sprint(res.status))
	switch {
	case res.status/100 == 2, res.status/100 == 3 && !toLogin, res.status == http.StatusNotImplemented:
		got = reached
	case toLogin && !api, res.status == http.StatusUnauthorized && api:
		got = signIn
	}
	if got != want {
		t.Errorf("got status %d (%s), Location %q; want %s; body:\n%.600s",
			res.status, got, location, want, res.body)
	}
	if want == signIn && api {
		if ct := res.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type of the 401: got %q, want application/json", ct)
		}
	}
}

func TestAccessOtherProject(t *testing.T) {
	t.Parallel()
	f := newAccessFixture(t)
	ctx := context.Background()
	annotator := f.clients[asAnnotatorA]
	projectB := "/projects/" + f.b.ID.String()

	ownLease, err := f.db.LeaseNew(ctx, f.a, f.users[asAnnotatorA].ID)
	if err != nil {
		t.Fatalf("lease in A: %v", err)
	}
	theirLease, err := f.db.LeaseNew(ctx, f.b, f.users[asAnnotatorB].ID)
	if err != nil {
		t.Fatalf("lease in B: %v", err)
	}
	before := f.rowCounts(t)

	tests := []struct {
		name string
		send func() response
	}{
		{"label page", func() response { return annotator.get(projectB + "/label") }},
		{"guidelines", func() response { return annotator.get(projectB + "/guidelines") }},
		{"submit to an assignment of B", func() response {
			return annotator.postForm(projectB+"/label/"+theirLease.ID.String(), url.Values{"verdict": {"tie"}})
		}},
		{"submit own assignment under B", func() response {
			return annotator.postForm(projectB+"/label/"+ownLease.ID.String(), url.Values{"verdict": {"tie"}})
		}},
		{"skip under B", func() response {
			return annotator.postForm(projectB+"/label/"+theirLease.ID.String()+"/skip", url.Values{"reason": {"x"}})
		}},
		{"undo under B", func() response { return annotator.postForm(projectB+"/undo", nil) }},
		{"export", func() response { return annotator.get(projectB + "/export?format=trl") }},
		{"exports", func() response { return annotator.get(projectB + "/exports") }},
		{"dashboard", func() response { return annotator.get(projectB + "/dashboard") }},
		{"review", func() response { return annotator.get(projectB + "/review") }},
		{"api lease", func() response {
			return annotator.do(annotator.newRequest(http.MethodPost, "/api/v1"+projectB+"/assignments", nil))
		}},
		{"api stats", func() response { return annotator.get("/api/v1" + projectB + "/stats") }},
		{"api export", func() response { return annotator.get("/api/v1" + projectB + "/export?format=trl") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := tt.send()
			if res.status != http.StatusNotFound {
				t.Errorf("status: got %d, want %d", res.status, http.StatusNotFound)
			}
			if strings.Contains(res.body, f.b.Name) {
				t.Errorf("the 404 names project B; body:\n%s", res.body)
			}
		})
	}
	f.checkCountsUnchanged(t, before)

	t.Run("same answer as an unknown project", func(t *testing.T) {
		unknown := uuid.New()
		hidden := annotator.get(projectB + "/label")
		missing := annotator.get("/projects/" + unknown.String() + "/label")
		got := strings.ReplaceAll(errorParagraph(hidden.text()), f.b.ID.String(), "ID")
		want := strings.ReplaceAll(errorParagraph(missing.text()), unknown.String(), "ID")
		if got != want {
			t.Errorf("message for B: got %q, want %q as for an unknown project", got, want)
		}
	})

	t.Run("api project list", func(t *testing.T) {
		res := annotator.get("/api/v1/projects")
		if res.status != http.StatusOK {
			t.Fatalf("status: got %d, want %d", res.status, http.StatusOK)
		}
		var got struct {
			Projects []struct {
				ID string `json:"id"`
			} `json:"projects"`
		}
		decodeJSON(t, res.body, &got)
		var ids []string
		for _, p := range got.Projects {
			ids = append(ids, p.ID)
		}
		if want := []string{f.a.ID.String()}; !slices.Equal(ids, want) {
			t.Errorf("project ids: got %v, want %v (project A only)", ids, want)
		}
	})

	t.Run("home page", func(t *testing.T) {
		home := annotator.get("/")
		if !strings.Contains(home.body, f.a.Name) {
			t.Errorf("home page lacks project A; body:\n%s", home.body)
		}
		for _, p := range []labeling.Project{f.b, f.c} {
			if strings.Contains(home.body, p.Name) || strings.Contains(home.body, p.ID.String()) {
				t.Errorf("home page shows %s, which the annotator is not a member of", p.Name)
			}
		}
	})
}
