package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/auth"
	"github.com/pairwise/pairwise/internal/ingest"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/server"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// benchHHFile is the Anthropic HH-RLHF harmless-base test split (2,312
// records), relative to the shared data folder beside the repository.
const benchHHFile = "hh-rlhf-harmless-base-test/test.jsonl.gz"

// benchPassword is the password of every account the benchmarks create.
const benchPassword = "bench-password"

// In each iteration of BenchmarkLabelThroughput, benchAnnotators
// annotators submit benchJudgmentsEach judgments each, all at once.
const (
	benchAnnotators    = 50
	benchJudgmentsEach = 20
)

// BenchmarkImportHH imports the HH test split into a fresh project per
// iteration through server.Import, the code path of the CLI and the API.
// The file is read into memory first, so the time covers gunzip, parsing
// and the database writes but not the disk.
func BenchmarkImportHH(b *testing.B) {
	data := benchReadData(b, benchHHFile)
	db := storetest.New(b)

	rows := 0
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		p := benchCreateProject(b, db, fmt.Sprintf("import %d", i), 1)
		b.StartTimer()

		rows += benchImport(b, db, p, data)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkImportHHOverHTTP posts the HH test split to the import API of
// a loopback server, one fresh project per iteration, with an admin's
// bearer token.
func BenchmarkImportHHOverHTTP(b *testing.B) {
	data := benchReadData(b, benchHHFile)
	db := storetest.New(b)
	srv := benchStartServer(b, db)
	token := benchAdminToken(b, db, srv)

	rows := 0
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		p := benchCreateProject(b, db, fmt.Sprintf("import over http %d", i), 1)
		b.StartTimer()

		rows += benchPostImport(b, srv, token, p.ID, data)
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkLabelThroughput runs benchAnnotators annotators at once, each
// with its own HTTP client and session cookie, against a loopback server.
// Each iteration imports the HH test split into a fresh project (not
// timed), then every annotator submits benchJudgmentsEach judgments. One
// judgment is what a browser does: POST the labeling form, get the 303 and
// GET the next label page. The latency metrics are per judgment.
//
// The queue's query plans depend on the planner's statistics, so each
// judgments_wanted case runs twice. analyzed labels in a database that
// already holds a labeled project and runs ANALYZE after each import, the
// state that autovacuum converges to. fresh_database labels the first
// project of a new database without ANALYZE, as on a server's first day
// before autovacuum has gathered statistics.
func BenchmarkLabelThroughput(b *testing.B) {
	data := benchReadData(b, benchHHFile)
	warm := benchNewLabelEnv(b)
	benchWarmUp(b, warm, data)

	for _, judgmentsWanted := range []int{1, 3} {
		b.Run(fmt.Sprintf("judgments_wanted=%d/analyzed", judgmentsWanted), func(b *testing.B) {
			shared := func() *benchLabelEnv { return warm }
			benchLabel(b, data, judgmentsWanted, shared, true)
		})
		b.Run(fmt.Sprintf("judgments_wanted=%d/fresh_database", judgmentsWanted), func(b *testing.B) {
			fresh := func() *benchLabelEnv { return benchNewLabelEnv(b) }
			benchLabel(b, data, judgmentsWanted, fresh, false)
		})
	}
}

// benchLabel measures labeling in a new project per iteration, in the
// environment that env returns, running ANALYZE after the import when
// analyze is true.
func benchLabel(b *testing.B, data []byte, judgmentsWanted int, env func() *benchLabelEnv,
	analyze bool) {
	var latencies []time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		e := env()
		p := benchCreateProject(b, e.db, fmt.Sprintf("%s %d", b.Name(), i), judgmentsWanted)
		benchAddMembers(b, e.db, p.ID, e.annotators)
		benchImport(b, e.db, p, data)
		if analyze {
			benchAnalyze(b, e.db)
		}
		forms := benchFirstForms(b, e.annotators, p.ID)

		before := benchAutoAnalyzeCount(b, e.db)
		latencies = append(latencies, benchJudgeAll(b, e.annotators, forms)...)
		if benchAutoAnalyzeCount(b, e.db) != before {
			b.Logf("iteration %d: autovacuum analyzed a table while annotators were labeling", i)
		}
		benchCheckJudgments(b, e.db, p, len(e.annotators), benchJudgmentsEach)
		b.StartTimer()
	}

	slices.Sort(latencies)
	b.ReportMetric(float64(len(latencies))/b.Elapsed().Seconds(), "judgments/s")
	b.ReportMetric(benchMillis(benchPercentile(latencies, 0.50)), "p50_ms")
	b.ReportMetric(benchMillis(benchPercentile(latencies, 0.99)), "p99_ms")
}

// benchLabelEnv is a loopback server on a fresh database with
// benchAnnotators signed-in annotators.
type benchLabelEnv struct {
	db         *store.DB
	annotators []*benchAnnotator
}

func benchNewLabelEnv(b *testing.B) *benchLabelEnv {
	b.Helper()
	db := storetest.New(b)
	srv := benchStartServer(b, db)
	return &benchLabelEnv{db: db, annotators: benchSignInAnnotators(b, db, srv, benchAnnotators)}
}

// benchWarmUp labels one project in e the way an iteration does and runs
// ANALYZE, so that the planner's statistics count comparisons,
// assignments and judgments.
func benchWarmUp(b *testing.B, e *benchLabelEnv, data []byte) {
	b.Helper()
	p := benchCreateProject(b, e.db, "warm-up", 1)
	benchAddMembers(b, e.db, p.ID, e.annotators)
	benchImport(b, e.db, p, data)
	benchJudgeAll(b, e.annotators, benchFirstForms(b, e.annotators, p.ID))
	benchCheckJudgments(b, e.db, p, len(e.annotators), benchJudgmentsEach)
	benchAnalyze(b, e.db)
}

// benchAnalyze updates the planner's statistics of every table.
func benchAnalyze(b *testing.B, db *store.DB) {
	b.Helper()
	if _, err := db.Pool().Exec(context.Background(), "ANALYZE"); err != nil {
		b.Fatalf("analyze: %v", err)
	}
}

// benchAutoAnalyzeCount returns how many times autovacuum has analyzed
// the tables of the current database.
func benchAutoAnalyzeCount(b *testing.B, db *store.DB) int64 {
	b.Helper()
	var n int64
	err := db.Pool().QueryRow(context.Background(),
		`SELECT coalesce(sum(autoanalyze_count), 0) FROM pg_stat_user_tables`).Scan(&n)
	if err != nil {
		b.Fatalf("read autovacuum counts: %v", err)
	}
	return n
}

// benchJudgeAll starts the timer, lets every annotator submit
// benchJudgmentsEach judgments concurrently, stops the timer and returns
// the latency of every judgment.
func benchJudgeAll(b *testing.B, annotators []*benchAnnotator, forms []benchForm) []time.Duration {
	b.Helper()
	results := make([][]time.Duration, len(annotators))
	errs := make([]error, len(annotators))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, a := range annotators {
		wg.Go(func() {
			<-start
			results[i], errs[i] = a.judge(forms[i], benchJudgmentsEach)
		})
	}

	b.StartTimer()
	close(start)
	wg.Wait()
	b.StopTimer()

	if err := errors.Join(errs...); err != nil {
		b.Fatalf("label concurrently: %v", err)
	}
	return slices.Concat(results...)
}

// benchCheckJudgments fails the benchmark unless project p contains
// exactly annotators*perAnnotator judgments, each annotator made
// perAnnotator of them, no
// annotator judged a comparison twice, no comparison got more than
// p.JudgmentsWanted judgments, and every judgment_count column matches
// the judgments stored.
func benchCheckJudgments(b *testing.B, db *store.DB, p labeling.Project, annotators, perAnnotator int) {
	b.Helper()
	checks := []struct {
		name string
		sql  string
		args []any
		want int
	}{
		{"judgments in the project", `SELECT count(*) FROM judgments j
			JOIN comparisons c ON c.id = j.comparison_id WHERE c.project_id = $1`,
			nil, annotators * perAnnotator},
		{"annotators with a different number of judgments", `SELECT count(*) FROM (
			SELECT j.annotator_id FROM judgments j JOIN comparisons c ON c.id = j.comparison_id
			WHERE c.project_id = $1 GROUP BY j.annotator_id HAVING count(*) <> $2) d`,
			[]any{perAnnotator}, 0},
		{"(comparison, annotator) pairs judged twice", `SELECT count(*) FROM (
			SELECT 1 FROM judgments j JOIN comparisons c ON c.id = j.comparison_id
			WHERE c.project_id = $1 GROUP BY j.comparison_id, j.annotator_id
			HAVING count(*) > 1) d`, nil, 0},
		{"comparisons with more judgments than wanted", `SELECT count(*) FROM (
			SELECT 1 FROM judgments j JOIN comparisons c ON c.id = j.comparison_id
			WHERE c.project_id = $1 GROUP BY j.comparison_id HAVING count(*) > $2) d`,
			[]any{p.JudgmentsWanted}, 0},
		{"comparisons whose judgment_count is wrong", `SELECT count(*) FROM comparisons c
			WHERE c.project_id = $1 AND c.judgment_count <>
			(SELECT count(*) FROM judgments j WHERE j.comparison_id = c.id)`, nil, 0},
	}
	for _, c := range checks {
		var got int
		args := append([]any{p.ID}, c.args...)
		if err := db.Pool().QueryRow(context.Background(), c.sql, args...).Scan(&got); err != nil {
			b.Fatalf("count %s: %v", c.name, err)
		}
		if got != c.want {
			b.Fatalf("%s in project %q: got %d, want %d", c.name, p.Name, got, c.want)
		}
	}
}

// benchAnnotator is one signed-in annotator with a client of its own, so
// that annotators share no connections, like separate browsers.
type benchAnnotator struct {
	id      uuid.UUID
	email   string
	baseURL *url.URL
	client  *http.Client
}

// benchForm is the part of a label page that a submit needs.
type benchForm struct {
	action   string   // path the form posts to
	verdicts []string // values of the verdict radio buttons
}

// judge submits n judgments, starting from form, and returns the time of
// each: the POST of the form plus the GET of the page it redirects to.
// Verdicts cycle through the form's options, and preferences alternate
// between no strength and "slightly".
func (a *benchAnnotator) judge(form benchForm, n int) ([]time.Duration, error) {
	latencies := make([]time.Duration, 0, n)
	for i := range n {
		vote := url.Values{"verdict": {form.verdicts[i%len(form.verdicts)]}}
		if i%8 < 2 {
			vote.Set("strength", string(labeling.StrengthSlightly))
		}

		start := time.Now()
		next, err := a.submit(form.action, vote)
		if err != nil {
			return latencies, err
		}
		if form, err = a.labelForm(next); err != nil {
			return latencies, err
		}
		latencies = append(latencies, time.Since(start))
	}
	return latencies, nil
}

// submit posts vote to action and returns the redirect's target.
func (a *benchAnnotator) submit(action string, vote url.Values) (string, error) {
	resp, err := a.client.PostForm(a.resolve(action), vote)
	if err != nil {
		return "", fmt.Errorf("%s: post judgment: %w", a.email, err)
	}
	defer benchDiscard(resp)

	next := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther {
		return "", fmt.Errorf("%s: post judgment to %s: got status %d, want 303",
			a.email, action, resp.StatusCode)
	}
	if strings.Contains(next, "notice=") {
		return "", fmt.Errorf("%s: post judgment to %s: redirected to %s, want no notice",
			a.email, action, next)
	}
	return next, nil
}

var (
	benchActionRE  = regexp.MustCompile(`id="judgment"[^>]*\saction="(/projects/[^"/]+/label/[^"/]+)"`)
	benchVerdictRE = regexp.MustCompile(`name="verdict" value="([^"]+)"`)
)

// labelForm gets the label page at path and reads its form. A page
// without a form (nothing left to label) is an error.
func (a *benchAnnotator) labelForm(path string) (benchForm, error) {
	resp, err := a.client.Get(a.resolve(path))
	if err != nil {
		return benchForm{}, fmt.Errorf("%s: get label page: %w", a.email, err)
	}
	defer benchDiscard(resp)
	page, err := io.ReadAll(resp.Body)
	if err != nil {
		return benchForm{}, fmt.Errorf("%s: read label page: %w", a.email, err)
	}
	if resp.StatusCode != http.StatusOK {
		return benchForm{}, fmt.Errorf("%s: get %s: got status %d, want 200",
			a.email, path, resp.StatusCode)
	}

	action := benchActionRE.FindSubmatch(page)
	if action == nil {
		return benchForm{}, fmt.Errorf("%s: label page %s has no labeling form, "+
			"so the project has nothing left for this annotator", a.email, path)
	}
	form := benchForm{action: string(action[1])}
	for _, m := range benchVerdictRE.FindAllSubmatch(page, -1) {
		form.verdicts = append(form.verdicts, string(m[1]))
	}
	if len(form.verdicts) != 4 {
		return benchForm{}, fmt.Errorf("%s: label page %s: got %d verdict options, want 4",
			a.email, path, len(form.verdicts))
	}
	return form, nil
}

func (a *benchAnnotator) resolve(path string) string {
	return a.baseURL.ResolveReference(&url.URL{Path: path}).String()
}

// benchFirstForms gets each annotator's first label page in project
// projectID, which leases their first comparison.
func benchFirstForms(b *testing.B, annotators []*benchAnnotator, projectID uuid.UUID) []benchForm {
	b.Helper()
	forms := make([]benchForm, len(annotators))
	for i, a := range annotators {
		form, err := a.labelForm("/projects/" + projectID.String() + "/label")
		if err != nil {
			b.Fatal(err)
		}
		forms[i] = form
	}
	return forms
}

// benchSignInAnnotators creates n annotator accounts directly in the
// database, sharing one password hash, and logs each in once through the
// login form. Each login costs one argon2id check, so they run one at a
// time before any measurement.
func benchSignInAnnotators(b *testing.B, db *store.DB, srv *httptest.Server, n int) []*benchAnnotator {
	b.Helper()
	hash := benchPasswordHash(b)
	base, err := url.Parse(srv.URL)
	if err != nil {
		b.Fatal(err)
	}

	annotators := make([]*benchAnnotator, n)
	for i := range annotators {
		email := fmt.Sprintf("annotator%02d@bench.test", i)
		u, err := db.CreateUser(context.Background(), email, labeling.UserAnnotator, hash)
		if err != nil {
			b.Fatalf("create annotator %s: %v", email, err)
		}
		a := &benchAnnotator{id: u.ID, email: email, baseURL: base, client: benchClient(b)}
		benchLogIn(b, a)
		annotators[i] = a
	}
	return annotators
}

// benchClient returns a client with its own connections and cookie jar
// that hands 303 responses back instead of following them.
func benchClient(b *testing.B) *http.Client {
	b.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		b.Fatal(err)
	}
	transport := &http.Transport{}
	b.Cleanup(transport.CloseIdleConnections)
	return &http.Client{
		Transport: transport,
		Jar:       jar,
		Timeout:   time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

func benchLogIn(b *testing.B, a *benchAnnotator) {
	b.Helper()
	form := url.Values{"email": {a.email}, "password": {benchPassword}}
	resp, err := a.client.PostForm(a.resolve("/login"), form)
	if err != nil {
		b.Fatalf("log in %s: %v", a.email, err)
	}
	benchDiscard(resp)
	if resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("log in %s: got status %d, want 303", a.email, resp.StatusCode)
	}
	if len(a.client.Jar.Cookies(a.baseURL)) == 0 {
		b.Fatalf("log in %s: no session cookie set", a.email)
	}
}

// benchAdminToken creates an admin account and returns an API token for it.
func benchAdminToken(b *testing.B, db *store.DB, srv *httptest.Server) string {
	b.Helper()
	email := "admin@bench.test"
	_, err := db.CreateUser(context.Background(), email, labeling.UserAdmin, benchPasswordHash(b))
	if err != nil {
		b.Fatalf("create admin: %v", err)
	}
	body, _ := json.Marshal(map[string]string{"email": email, "password": benchPassword})
	resp, err := srv.Client().Post(srv.URL+"/api/v1/sessions", "application/json", bytes.NewReader(body))
	if err != nil {
		b.Fatalf("log in admin: %v", err)
	}
	defer benchDiscard(resp)

	var session struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusCreated {
		b.Fatalf("log in admin: got status %d, want 201", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&session); err != nil || session.Token == "" {
		b.Fatalf("log in admin: read token: %v", err)
	}
	return session.Token
}

// benchPostImport sends data to the import API of project projectID and
// returns how many records the server read.
func benchPostImport(b *testing.B, srv *httptest.Server, token string, projectID uuid.UUID,
	data []byte) int {
	b.Helper()
	target := srv.URL + "/api/v1/projects/" + projectID.String() + "/imports?name=test.jsonl.gz"
	req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/gzip")
	resp, err := srv.Client().Do(req)
	if err != nil {
		b.Fatalf("post import: %v", err)
	}
	defer benchDiscard(resp)

	var result struct {
		Report ingest.Report `json:"report"`
	}
	if resp.StatusCode != http.StatusCreated {
		msg, _ := io.ReadAll(resp.Body)
		b.Fatalf("post import: got status %d, want 201: %s", resp.StatusCode, msg)
	}
	if err := json.NewDecoder(resp.Body).Decode(&result); err != nil {
		b.Fatalf("post import: decode response: %v", err)
	}
	if result.Report.Imported == 0 {
		b.Fatalf("post import: no comparisons imported from %d records", result.Report.Read)
	}
	return result.Report.Read
}

// benchImport imports data into p through server.Import and returns how
// many records it read.
func benchImport(b *testing.B, db *store.DB, p labeling.Project, data []byte) int {
	b.Helper()
	rep, _, err := server.Import(context.Background(), db, p, bytes.NewReader(data),
		filepath.Base(benchHHFile), server.ImportOptions{}, uuid.Nil)
	if err != nil {
		b.Fatalf("import into project %q: %v", p.Name, err)
	}
	if rep.Imported == 0 {
		b.Fatalf("import into project %q: no comparisons imported from %d records", p.Name, rep.Read)
	}
	return rep.Read
}

func benchCreateProject(b *testing.B, db *store.DB, name string, judgmentsWanted int) labeling.Project {
	b.Helper()
	p := labeling.NewProject(name)
	p.JudgmentsWanted = judgmentsWanted
	p, err := db.CreateProject(context.Background(), p)
	if err != nil {
		b.Fatalf("create project %q: %v", name, err)
	}
	return p
}

// benchAddMembers makes every annotator an annotator member of project
// projectID, which they need to see its label page.
func benchAddMembers(b *testing.B, db *store.DB, projectID uuid.UUID, annotators []*benchAnnotator) {
	b.Helper()
	for _, a := range annotators {
		err := db.AddMember(context.Background(), projectID, a.id, labeling.UserAnnotator)
		if err != nil {
			b.Fatalf("add %s to project %s: %v", a.email, projectID, err)
		}
	}
}

// benchStartServer serves the app on a loopback port until the benchmark
// ends. Request logs are formatted as JSON, one of the server's two log
// formats, and then discarded.
func benchStartServer(b *testing.B, db *store.DB) *httptest.Server {
	b.Helper()
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	srv := httptest.NewServer(server.New(db, logger, server.DefaultConfig()))
	b.Cleanup(srv.Close)
	return srv
}

func benchPasswordHash(b *testing.B) string {
	b.Helper()
	hash, err := auth.HashPassword(benchPassword)
	if err != nil {
		b.Fatal(err)
	}
	return hash
}

// benchReadData returns a file of the shared data folder, which sits
// beside the repository root (the folder with go.mod), or skips the
// benchmark when the file is absent.
func benchReadData(b *testing.B, rel string) []byte {
	b.Helper()
	dir, err := os.Getwd()
	if err != nil {
		b.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			b.Skip("go.mod not found above the package folder, so the shared data folder is unknown")
		}
		dir = parent
	}
	path := filepath.Join(dir, "..", "shared", "data", rel)
	data, err := os.ReadFile(path)
	if err != nil {
		b.Skipf("real data file %s is absent, so this benchmark cannot run: %v", path, err)
	}
	return data
}

// benchDiscard drains and closes a response body so that its connection
// can be reused.
func benchDiscard(resp *http.Response) {
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// benchPercentile returns the nearest-rank q-quantile of sorted.
func benchPercentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(rank, 0)]
}

func benchMillis(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}
