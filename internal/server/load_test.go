package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/auth"
	"github.com/pairwise/pairwise/internal/labeling"
)

// An annotator who gets the done page while the project still lacks
// judgments requests the label page again, up to loadMaxWaits times in all
// and loadWait apart. A done page is normally final for that annotator,
// because a comparison only has room again after a lease ends without a
// judgment (it expired or was skipped). This load does neither, since
// leases last 15 minutes and nobody skips. The retries keep every annotator
// working until the project is full in case a lease is freed anyway.
const (
	loadMaxWaits = 100
	loadWait     = 50 * time.Millisecond
)

// BenchmarkLoadOverlap lets 100 annotators label a project of 2,000
// comparisons at once, 3 judgments per comparison, through the
// label page and its form on a loopback server. Each iteration sets up a
// fresh database, logs every annotator in once (not timed) and then times
// the labeling until the project holds all 6,000 judgments. The latency
// metrics are per judgment: the GET of the label page plus the POST of its
// form. The iteration fails unless every comparison ends with exactly 3
// judgments from 3 different annotators.
func BenchmarkLoadOverlap(b *testing.B) {
	load := overlapLoad{annotators: 100, comparisons: 2000, judgmentsWanted: 3}
	var latencies []time.Duration
	var wall time.Duration
	judgments := 0
	for b.Loop() {
		b.StopTimer()
		env := setUpOverlapLoad(b, load)
		b.StartTimer()

		res := env.run(b)
		b.StopTimer()
		b.Logf("%d annotators stored %d judgments in %v, with %d done pages and %d conflicts "+
			"before the project was full", load.annotators, res.judgments,
			res.wall.Round(time.Millisecond), res.donePages, res.conflicts)
		env.checkInvariants(b, res)
		latencies = append(latencies, res.latencies...)
		wall += res.wall
		judgments += res.judgments
		b.StartTimer()
	}

	slices.Sort(latencies)
	b.ReportMetric(float64(judgments)/wall.Seconds(), "judgments/s")
	b.ReportMetric(loadMillis(loadPercentile(latencies, 0.50)), "p50_ms")
	b.ReportMetric(loadMillis(loadPercentile(latencies, 0.99)), "p99_ms")
	b.ReportMetric(wall.Seconds()/float64(b.N), "wall_s")
}

// TestLoadOverlapSmall runs the load of BenchmarkLoadOverlap at a size
// that fits the test suite: 12 annotators, 60 comparisons, 3 judgments
// each.
func TestLoadOverlapSmall(t *testing.T) {
	env := setUpOverlapLoad(t, overlapLoad{annotators: 12, comparisons: 60, judgmentsWanted: 3})
	res := env.run(t)
	t.Logf("%d judgments in %v, with %d done pages and %d conflicts before the project was full",
		res.judgments, res.wall.Round(time.Millisecond), res.donePages, res.conflicts)
	env.checkInvariants(t, res)
}

// overlapLoad is the size of one load run.
type overlapLoad struct {
	annotators      int
	comparisons     int
	judgmentsWanted int // the project's JudgmentsWanted
}

// want returns the number of judgments that fill the project.
func (l overlapLoad) want() int { return l.comparisons * l.judgmentsWanted }

// overlapEnv is a loopback server with a project to label and its
// logged-in annotators.
type overlapEnv struct {
	app        *testApp
	project    labeling.Project
	annotators []*loadAnnotator
	load       overlapLoad
}

// overlapResult is what one load run measured.
type overlapResult struct {
	judgments int             // judgment forms accepted with a 303
	latencies []time.Duration // GET plus POST, one per judgment
	wall      time.Duration   // from the first request to the last
	donePages int             // done pages seen while the project lacked judgments
	conflicts int             // label pages returned with status 409
}

// setUpOverlapLoad starts an app with a project of load.comparisons
// imported comparisons and load.annotators annotator members, each logged
// in once.
func setUpOverlapLoad(tb testing.TB, load overlapLoad) *overlapEnv {
	tb.Helper()
	app := startApp(tb)
	p := labeling.NewProject(fmt.Sprintf("Overlap load of %d annotators", load.annotators))
	p.JudgmentsWanted = load.judgmentsWanted
	p, err := app.db.CreateProject(context.Background(), p)
	if err != nil {
		tb.Fatalf("create project %q: %v", p.Name, err)
	}
	app.importPairs(tb, p, overlapPairs(tb, load.comparisons))

	annotators := signInLoadAnnotators(tb, app, p, load.annotators)
	return &overlapEnv{app: app, project: p, annotators: annotators, load: load}
}

// overlapPairs returns a pairs-format file of n comparisons, each with a
// prompt of its own.
func overlapPairs(tb testing.TB, n int) string {
	tb.Helper()
	var sb strings.Builder
	for i := range n {
		line, err := json.Marshal(map[string]string{
			"prompt":     fmt.Sprintf("What is %d + %d?", i, i+1),
			"response_a": fmt.Sprintf("It is %d.", 2*i+1),
			"response_b": fmt.Sprintf("It is %d.", 2*i+2),
		})
		if err != nil {
			tb.Fatalf("encode pair %d: %v", i, err)
		}
		sb.Write(line)
		sb.WriteByte('\n')
	}
	return sb.String()
}

// signInLoadAnnotators creates n annotator accounts in the database with
// one shared password hash, makes each a member of project p and logs each
// in through the login form. Every login checks an argon2id hash, so they
// run one at a time before any measurement.
func signInLoadAnnotators(tb testing.TB, app *testApp, p labeling.Project, n int) []*loadAnnotator {
	tb.Helper()
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		tb.Fatalf("hash password: %v", err)
	}

	annotators := make([]*loadAnnotator, n)
	for i := range annotators {
		email := fmt.Sprintf("annotator%03d@load.test", i)
		u, err := app.db.CreateUser(context.Background(), email, labeling.UserAnnotator, hash)
		if err != nil {
			tb.Fatalf("create annotator %s: %v", email, err)
		}
		app.addMember(tb, p, u, labeling.UserAnnotator)
		a := &loadAnnotator{email: email, base: app.srv.URL, client: newLoadClient(tb)}
		a.logIn(tb)
		annotators[i] = a
	}
	return annotators
}

// run starts every annotator at once and waits until all have stopped. It
// fails tb when an annotator got an unexpected response.
func (e *overlapEnv) run(tb testing.TB) overlapResult {
	tb.Helper()
	labelPath := "/projects/" + e.project.ID.String() + "/label"
	want := int64(e.load.want())
	var stored atomic.Int64
	runs := make([]annotatorRun, len(e.annotators))
	errs := make([]error, len(e.annotators))

	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, a := range e.annotators {
		wg.Go(func() {
			<-start
			runs[i], errs[i] = a.label(labelPath, e.load.comparisons, &stored, want)
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	res := overlapResult{wall: time.Since(began)}

	if err := errors.Join(errs...); err != nil {
		tb.Fatalf("label concurrently: %v", err)
	}
	for _, r := range runs {
		res.latencies = append(res.latencies, r.latencies...)
		res.donePages += r.donePages
		res.conflicts += r.conflicts
	}
	res.judgments = len(res.latencies)
	return res
}

// checkInvariants fails tb unless the annotators stored exactly the
// judgments that fill the project. Every comparison must be judged by
// judgmentsWanted different annotators, and its judgment_count must equal
// its judgment rows. Each judgment must match the lease it was made on,
// and no lease may be left open.
func (e *overlapEnv) checkInvariants(tb testing.TB, res overlapResult) {
	tb.Helper()
	want := e.load.want()
	if res.judgments != want {
		tb.Errorf("judgment forms accepted: got %d, want %d", res.judgments, want)
	}

	perComparison := e.load.judgmentsWanted
	checks := []struct {
		name string
		sql  string
		args []any
		want int
	}{
		{"comparisons", `SELECT count(*) FROM comparisons WHERE project_id = $1`,
			nil, e.load.comparisons},
		{"judgments", `SELECT count(*) FROM judgments j
			JOIN comparisons c ON c.id = j.comparison_id WHERE c.project_id = $1`, nil, want},
		{"(comparison, annotator) pairs judged more than once", `SELECT count(*) FROM (
			SELECT 1 FROM judgments j JOIN comparisons c ON c.id = j.comparison_id
			WHERE c.project_id = $1 GROUP BY j.comparison_id, j.annotator_id
			HAVING count(*) > 1) d`, nil, 0},
		{"comparisons with more judgment rows than judgments_wanted", `SELECT count(*)
			FROM comparisons c WHERE c.project_id = $1
			AND (SELECT count(*) FROM judgments j WHERE j.comparison_id = c.id) > $2`,
			[]any{perComparison}, 0},
		{"comparisons with fewer judgment rows than judgments_wanted", `SELECT count(*)
			FROM comparisons c WHERE c.project_id = $1
			AND (SELECT count(*) FROM judgments j WHERE j.comparison_id = c.id) < $2`,
			[]any{perComparison}, 0},
		{"comparisons whose judgment_count is not judgments_wanted", `SELECT count(*)
			FROM comparisons WHERE project_id = $1 AND judgment_count <> $2`,
			[]any{perComparison}, 0},
		{"comparisons whose judgment_count differs from their judgment rows", `SELECT count(*)
			FROM comparisons c WHERE c.project_id = $1 AND c.judgment_count <>
			(SELECT count(*) FROM judgments j WHERE j.comparison_id = c.id)`, nil, 0},
		{"judgments unlike the lease they were made on", `SELECT count(*) FROM judgments j
			JOIN comparisons c ON c.id = j.comparison_id
			JOIN assignments a ON a.id = j.assignment_id
			WHERE c.project_id = $1
			AND (a.annotator_id <> j.annotator_id OR a.comparison_id <> j.comparison_id
			     OR a.submitted_at IS NULL)`, nil, 0},
		{"leases never submitted", `SELECT count(*) FROM assignments a
			JOIN comparisons c ON c.id = a.comparison_id
			WHERE c.project_id = $1 AND a.submitted_at IS NULL`, nil, 0},
	}
	for _, c := range checks {
		var got int
		args := append([]any{e.project.ID}, c.args...)
		err := e.app.db.Pool().QueryRow(context.Background(), c.sql, args...).Scan(&got)
		if err != nil {
			tb.Fatalf("count %s: %v", c.name, err)
		}
		if got != c.want {
			tb.Errorf("%s in project %q: got %d, want %d", c.name, e.project.Name, got, c.want)
		}
	}
}

// loadAnnotator is one logged-in annotator with a client of its own, so
// annotators share no connections or cookies, like separate browsers.
type loadAnnotator struct {
	email  string
	base   string // the server's URL
	client *http.Client
}

// annotatorRun is what one annotator's labeling measured.
type annotatorRun struct {
	latencies []time.Duration
	donePages int
	conflicts int
}

// newLoadClient returns a client with its own connections and cookie jar
// that hands 303 responses back instead of following them. Its timeout
// bounds every request.
func newLoadClient(tb testing.TB) *http.Client {
	tb.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		tb.Fatalf("new cookie jar: %v", err)
	}
	transport := &http.Transport{}
	tb.Cleanup(transport.CloseIdleConnections)
	return &http.Client{
		Transport: transport,
		Jar:       jar,
		Timeout:   time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

func (a *loadAnnotator) logIn(tb testing.TB) {
	tb.Helper()
	form := url.Values{"email": {a.email}, "password": {testPassword}}
	status, _, _, err := a.send(http.MethodPost, "/login", form)
	if err != nil {
		tb.Fatalf("log in as %s: %v", a.email, err)
	}
	if status != http.StatusSeeOther {
		tb.Fatalf("log in as %s: got status %d, want %d", a.email, status, http.StatusSeeOther)
	}
}

// label judges comparisons until the label page shows the done message
// and the project holds want judgments (counted in stored), or until the
// annotator has judged maxJudgments comparisons. Each judgment gets the
// label page, which leases a comparison, and posts its form. Done pages
// and 409 conflicts before the project is full are retried, at most
// loadMaxWaits times in all.
func (a *loadAnnotator) label(labelPath string, maxJudgments int, stored *atomic.Int64,
	want int64) (annotatorRun, error) {
	var run annotatorRun
	for len(run.latencies) < maxJudgments {
		start := time.Now()
		form, status, err := a.labelForm(labelPath)
		if err != nil {
			return run, err
		}

		// Wait on a done page or a conflict unless the project is full.
		if status == http.StatusConflict || form == nil {
			if status == http.StatusOK && stored.Load() >= want {
				return run, nil
			}
			if run.donePages+run.conflicts >= loadMaxWaits {
				return run, fmt.Errorf("%s: no labeling form after %d tries while the project "+
					"holds %d of %d judgments", a.email, loadMaxWaits, stored.Load(), want)
			}
			if status == http.StatusConflict {
				run.conflicts++
			} else {
				run.donePages++
			}
			time.Sleep(loadWait)
			continue
		}

		if err := a.submit(*form, labelPath); err != nil {
			return run, err
		}
		run.latencies = append(run.latencies, time.Since(start))
		stored.Add(1)
	}
	return run, nil
}

// labelForm gets the label page at path. It returns the page's form, nil
// with status 200 for the done page, or nil with status 409 when the
// server found no free comparison during a burst of leases.
func (a *loadAnnotator) labelForm(path string) (*labelForm, int, error) {
	status, _, body, err := a.send(http.MethodGet, path, nil)
	if err != nil {
		return nil, 0, err
	}
	switch {
	case status == http.StatusConflict:
		return nil, status, nil
	case status != http.StatusOK:
		return nil, status, fmt.Errorf("%s: get %s: got status %d, want 200; body:\n%s",
			a.email, path, status, body)
	case !strings.Contains(body, `id="judgment"`) && strings.Contains(body, `class="done"`):
		return nil, status, nil
	}

	form, err := readLoadForm(body)
	if err != nil {
		return nil, status, fmt.Errorf("%s: get %s: %w", a.email, path, err)
	}
	return &form, status, nil
}

// readLoadForm reads the action and the two response radios of the
// labeling form out of a label page.
func readLoadForm(body string) (labelForm, error) {
	m := formActionRe.FindStringSubmatch(body)
	if m == nil {
		return labelForm{}, errors.New("label page shows neither the labeling form " +
			"nor the done message")
	}
	f := labelForm{action: m[1]}
	var err error
	if f.assignmentID, err = uuid.Parse(m[2]); err != nil {
		return f, fmt.Errorf("form action %s: assignment id: %w", f.action, err)
	}

	radios := map[string]string{}
	for _, v := range verdictRe.FindAllStringSubmatch(body, -1) {
		radios[v[2]] = v[1]
	}
	if f.left, err = uuid.Parse(radios["1"]); err != nil {
		return f, fmt.Errorf("left verdict radio: %w", err)
	}
	if f.right, err = uuid.Parse(radios["2"]); err != nil {
		return f, fmt.Errorf("right verdict radio: %w", err)
	}
	if radios["3"] != string(labeling.VerdictTie) {
		return f, fmt.Errorf("verdict radio data-key 3: got value %q, want %q",
			radios["3"], labeling.VerdictTie)
	}
	return f, nil
}

// submit posts a verdict on form and checks that the server stored it and
// redirects to the label page at labelPath without a notice.
func (a *loadAnnotator) submit(form labelForm, labelPath string) error {
	vote := url.Values{"verdict": {loadVerdict(form)}}
	status, location, body, err := a.send(http.MethodPost, form.action, vote)
	if err != nil {
		return err
	}
	if status != http.StatusSeeOther {
		return fmt.Errorf("%s: post %s: got status %d, want %d; body:\n%s",
			a.email, form.action, status, http.StatusSeeOther, body)
	}
	if location != labelPath {
		return fmt.Errorf("%s: post %s: got redirect to %q, want %q",
			a.email, form.action, location, labelPath)
	}
	return nil
}

// loadVerdict picks left, right or tie from a hash of the assignment id,
// so the choice is spread evenly and does not depend on timing.
func loadVerdict(form labelForm) string {
	h := fnv.New32a()
	h.Write(form.assignmentID[:])
	switch h.Sum32() % 3 {
	case 0:
		return form.left.String()
	case 1:
		return form.right.String()
	}
	return string(labeling.VerdictTie)
}

// send makes one request, with form as the urlencoded body when it is not
// nil, and returns the status, the Location header and the body.
func (a *loadAnnotator) send(method, path string, form url.Values) (int, string, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, a.base+path, body)
	if err != nil {
		return 0, "", "", fmt.Errorf("%s: new request %s %s: %w", a.email, method, path, err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}

	res, err := a.client.Do(req)
	if err != nil {
		return 0, "", "", fmt.Errorf("%s: %s %s: %w", a.email, method, path, err)
	}
	defer res.Body.Close()
	page, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, "", "", fmt.Errorf("%s: read body of %s %s: %w", a.email, method, path, err)
	}
	return res.StatusCode, res.Header.Get("Location"), string(page), nil
}

// loadPercentile returns the nearest-rank q-quantile of sorted.
func loadPercentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(rank, 0)]
}

func loadMillis(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}
