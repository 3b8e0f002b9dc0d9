package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/auth"
	"github.com/pairwise/pairwise/internal/ingest"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/server"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// testPassword is the password of every account the tests create.
const testPassword = "correct-horse-battery"

// testApp is a server on a fresh database, listening on 127.0.0.1.
type testApp struct {
	db  *store.DB
	srv *httptest.Server
}

// startApp serves a fresh database over plain HTTP.
func startApp(tb testing.TB) *testApp {
	tb.Helper()
	return startAppOn(tb, httptest.NewServer)
}

// startTLSApp serves a fresh database over HTTPS.
func startTLSApp(tb testing.TB) *testApp {
	tb.Helper()
	return startAppOn(tb, httptest.NewTLSServer)
}

func startAppOn(tb testing.TB, listen func(http.Handler) *httptest.Server) *testApp {
	tb.Helper()
	db := storetest.New(tb)
	srv := listen(server.New(db, slog.New(slog.DiscardHandler), server.DefaultConfig()))
	tb.Cleanup(srv.Close)
	return &testApp{db: db, srv: srv}
}

// testPasswordHash hashes testPassword once for every account, because
// argon2id takes a good part of a second each time.
var testPasswordHash = sync.OnceValues(func() (string, error) { return auth.HashPassword(testPassword) })

// createUser stores an account with testPassword.
func (a *testApp) createUser(tb testing.TB, email, role string) labeling.User {
	tb.Helper()
	hash, err := testPasswordHash()
	if err != nil {
		tb.Fatalf("hash password: %v", err)
	}
	u, err := a.db.CreateUser(context.Background(), email, role, hash)
	if err != nil {
		tb.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func (a *testApp) createProject(tb testing.TB, name string) labeling.Project {
	tb.Helper()
	p, err := a.db.CreateProject(context.Background(), labeling.Project{Name: name})
	if err != nil {
		tb.Fatalf("create project %q: %v", name, err)
	}
	return p
}

// addMember makes u a member of p with role, labeling.UserResearcher or
// labeling.UserAnnotator.
func (a *testApp) addMember(tb testing.TB, p labeling.Project, u labeling.User, role string) {
	tb.Helper()
	if err := a.db.AddMember(context.Background(), p.ID, u.ID, role); err != nil {
		tb.Fatalf("add %s to project %s as %s: %v", u.Name(), p.Name, role, err)
	}
}

// importPairs imports JSONL in the pairs format into p without HTTP and
// returns the batch id.
func (a *testApp) importPairs(tb testing.TB, p labeling.Project, jsonl string) uuid.UUID {
	tb.Helper()
	_, batch, err := server.Import(context.Background(), a.db, p, strings.NewReader(jsonl),
		"pairs.jsonl", server.ImportOptions{Options: ingest.Options{Format: ingest.FormatPairs}}, uuid.Nil)
	if err != nil {
		tb.Fatalf("import pairs into %s: %v", p.Name, err)
	}
	return batch
}

// countedTables are the tables whose row counts show whether a request
// changed anything.
var countedTables = []string{
	"users", "sessions", "projects", "import_batches", "prompts", "responses",
	"comparisons", "assignments", "judgments",
}

// rowCounts returns the number of rows of every counted table.
func (a *testApp) rowCounts(tb testing.TB) map[string]int {
	tb.Helper()
	counts := map[string]int{}
	for _, table := range countedTables {
		var n int
		err := a.db.Pool().QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n)
		if err != nil {
			tb.Fatalf("count rows of %s: %v", table, err)
		}
		counts[table] = n
	}
	return counts
}

// checkCountsUnchanged fails for every table whose row count differs from
// before.
func (a *testApp) checkCountsUnchanged(tb testing.TB, before map[string]int) {
	tb.Helper()
	after := a.rowCounts(tb)
	for _, table := range countedTables {
		if after[table] != before[table] {
			tb.Errorf("rows in %s: got %d, want %d (unchanged)", table, after[table], before[table])
		}
	}
}

// judgments returns every judgment of project p in submission order.
func (a *testApp) judgments(tb testing.TB, p labeling.Project) []labeling.Judgment {
	tb.Helper()
	var out []labeling.Judgment
	err := a.db.EachJudgment(context.Background(), p.ID, func(j labeling.Judgment) error {
		out = append(out, j)
		return nil
	})
	if err != nil {
		tb.Fatalf("list judgments of %s: %v", p.Name, err)
	}
	return out
}

// client is an HTTP client with its own cookie jar that does not follow
// redirects, so tests see every 303.
type client struct {
	tb   testing.TB
	http *http.Client
	base string
}

func (a *testApp) newClient(tb testing.TB) *client {
	tb.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatalf("new cookie jar: %v", err)
	}
	hc := &http.Client{
		Transport: a.srv.Client().Transport,
		Jar:       jar,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return &client{tb: tb, http: hc, base: a.srv.URL}
}

// login returns a client logged in as email through the login form.
func (a *testApp) login(tb testing.TB, email string) *client {
	tb.Helper()
	c := a.newClient(tb)
	res := c.postForm("/login", url.Values{"email": {email}, "password": {testPassword}})
	if res.status != http.StatusSeeOther {
		tb.Fatalf("log in as %s: got status %d, want %d; body:\n%s",
			email, res.status, http.StatusSeeOther, res.body)
	}
	return c
}

// response is a finished response with its body read.
type response struct {
	status  int
	header  http.Header
	cookies []*http.Cookie
	body    string
}

// text returns the body with HTML character references decoded, for
// searching a page for a message.
func (r response) text() string { return html.UnescapeString(r.body) }

func (c *client) newRequest(method, path string, body io.Reader) *http.Request {
	c.tb.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.tb.Fatalf("new request %s %s: %v", method, path, err)
	}
	return req
}

func (c *client) do(req *http.Request) response {
	c.tb.Helper()
	res, err := c.http.Do(req)
	if err != nil {
		c.tb.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		c.tb.Fatalf("read body of %s %s: %v", req.Method, req.URL.Path, err)
	}
	return response{status: res.StatusCode, header: res.Header, cookies: res.Cookies(), body: string(body)}
}

func (c *client) get(path string) response {
	c.tb.Helper()
	return c.do(c.newRequest(http.MethodGet, path, nil))
}

func (c *client) postForm(path string, form url.Values) response {
	c.tb.Helper()
	return c.postFormWith(path, form, nil)
}

// postFormWith posts form with extra request headers.
func (c *client) postFormWith(path string, form url.Values, header http.Header) response {
	c.tb.Helper()
	req := c.newRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for name, values := range header {
		req.Header[name] = values
	}
	return c.do(req)
}

// apiToken logs in through the JSON API and returns the session token.
func (a *testApp) apiToken(tb testing.TB, email string) string {
	tb.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": testPassword})
	c := a.newClient(tb)
	req := c.newRequest(http.MethodPost, "/api/v1/sessions", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	res := c.do(req)
	if res.status != http.StatusCreated {
		tb.Fatalf("api login as %s: got status %d, want %d; body: %s",
			email, res.status, http.StatusCreated, res.body)
	}
	var out struct{ Token string }
	decodeJSON(tb, res.body, &out)
	if out.Token == "" {
		tb.Fatalf("api login as %s: no token in %s", email, res.body)
	}
	return out.Token
}

// apiRequest sends an API request with a bearer token, or with no
// Authorization header when token is empty.
func (a *testApp) apiRequest(tb testing.TB, token, method, path string, body io.Reader,
	header http.Header) response {
	tb.Helper()
	c := a.newClient(tb)
	req := c.newRequest(method, path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for name, values := range header {
		req.Header[name] = values
	}
	return c.do(req)
}

func decodeJSON(tb testing.TB, body string, v any) {
	tb.Helper()
	if err := json.Unmarshal([]byte(body), v); err != nil {
		tb.Fatalf("decode JSON: %v; body:\n%s", err, body)
	}
}

// labelForm is what the labeling page's form shows: where it posts and
// the response ids behind its verdict radios.
type labelForm struct {
	action       string
	assignmentID uuid.UUID
	left, right  uuid.UUID // values of the radios with data-key 1 and 2
	progress     string
}

var (
	formActionRe = regexp.MustCompile(`<form method="post" id="judgment" class="judgment" action="(/projects/[^/]+/label/([^"]+))"`)
	verdictRe    = regexp.MustCompile(`<input type="radio" name="verdict" value="([^"]+)" data-key="(\d)"`)
	progressRe   = regexp.MustCompile(`<span id="progress-text">([^<]*)</span>`)
)

// parseLabelForm reads the labeling form out of a label page.
func parseLabelForm(tb testing.TB, body string) labelForm {
	tb.Helper()
	m := formActionRe.FindStringSubmatch(body)
	if m == nil {
		tb.Fatalf("label page has no judgment form; body:\n%s", body)
	}
	f := labelForm{action: m[1], assignmentID: mustUUID(tb, m[2])}

	values := map[string]string{}
	for _, v := range verdictRe.FindAllStringSubmatch(body, -1) {
		values[v[2]] = v[1]
	}
	want := map[string]string{"1": values["1"], "2": values["2"], "3": "tie", "4": "both_bad"}
	for key, value := range want {
		if values[key] != value {
			tb.Fatalf("verdict radio data-key %s: got value %q, want %q", key, values[key], value)
		}
	}
	f.left, f.right = mustUUID(tb, values["1"]), mustUUID(tb, values["2"])

	if p := progressRe.FindStringSubmatch(body); p != nil {
		f.progress = p[1]
	}
	return f
}

func mustUUID(tb testing.TB, s string) uuid.UUID {
	tb.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		tb.Fatalf("parse uuid %q: %v", s, err)
	}
	return id
}

// gzipBytes compresses b.
func gzipBytes(tb testing.TB, b []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		tb.Fatalf("gzip: %v", err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatalf("gzip: %v", err)
	}
	return buf.Bytes()
}

// repoRoot returns the folder holding go.mod, found by walking up from the
// test's working directory.
func repoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("getwd: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatalf("no go.mod above the test's working directory")
		}
		dir = parent
	}
}

// sharedDataFile returns the path of a file under the shared data folder
// beside the repository, skipping the test when it is absent.
func sharedDataFile(tb testing.TB, rel string) string {
	tb.Helper()
	path := filepath.Join(repoRoot(tb), "..", "shared", "data", rel)
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("shared data file %s is absent (%v); this test needs the public datasets beside the repository", path, err)
	}
	return path
}

// Accounts of seeded apps.
const (
	adminEmail     = "admin@example.test"
	annotatorEmail = "annotator@example.test"
)

// threePairs is a pairs-format file of three comparisons with plain-text
// responses, so each renders as one <p> on the label page.
const threePairs = `{"prompt": "Name a primary colour.", "response_a": "Red is a primary colour.", "response_b": "Green, in paint."}
{"prompt": "What is 2 + 2?", "response_a": "It is 4.", "response_b": "It is 5."}
{"prompt": "Say hello in French.", "response_a": "Bonjour.", "response_b": "Hola."}
`

// seeded is an app with an admin, an annotator who is a member of the
// project, and a project of three comparisons imported in one batch.
type seeded struct {
	*testApp
	admin, annotator labeling.User
	project          labeling.Project
	batch            uuid.UUID
}

func seedApp(tb testing.TB) *seeded {
	tb.Helper()
	a := startApp(tb)
	s := &seeded{testApp: a}
	s.admin = a.createUser(tb, adminEmail, labeling.UserAdmin)
	s.annotator = a.createUser(tb, annotatorEmail, labeling.UserAnnotator)
	s.project = a.createProject(tb, "Colours and sums")
	a.addMember(tb, s.project, s.annotator, labeling.UserAnnotator)
	s.batch = a.importPairs(tb, s.project, threePairs)
	return s
}
