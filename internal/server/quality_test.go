package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/server"
	"github.com/pairwise/pairwise/internal/store"
)

// hostileName is a display name that a spreadsheet would run as a
// formula.
const hostileName = "=SUM(1+2)"

// judgedProject is threePairs judged twice each: by ann, who is shown A
// on the left, takes 30 s per vote and votes A, A, B, and by the user
// named hostileName (B on the left, 60 s per vote, votes A, B, B).
// Comparison 1 is then made gold with answer A.
type judgedProject struct {
	*testApp
	project     labeling.Project
	comparisons []uuid.UUID // import order
	researcher  labeling.User
	ann         labeling.User // an annotator member
	hostile     labeling.User
	outsider    labeling.User // an annotator who is not a member
}

const (
	reviewerEmail = "researcher@example.test"
	annEmail      = "ann@example.test"
	outsiderEmail = "outsider@example.test"
)

func newJudgedProject(tb testing.TB) *judgedProject {
	tb.Helper()
	ctx := context.Background()
	a := startApp(tb)
	p, err := a.db.CreateProject(ctx, labeling.Project{Name: "Judged twice", JudgmentsWanted: 2})
	if err != nil {
		tb.Fatalf("create project: %v", err)
	}
	a.importPairs(tb, p, threePairs)
	j := &judgedProject{testApp: a, project: p, comparisons: a.comparisonIDs(tb, p)}

	j.researcher = a.createUser(tb, reviewerEmail, labeling.UserResearcher)
	j.ann = a.createUser(tb, annEmail, labeling.UserAnnotator)
	j.outsider = a.createUser(tb, outsiderEmail, labeling.UserAnnotator)
	j.hostile, err = a.db.InsertUser(ctx, labeling.User{DisplayName: hostileName, Role: labeling.UserAnnotator}, "hash")
	if err != nil {
		tb.Fatalf("create user %s: %v", hostileName, err)
	}
	a.addMember(tb, p, j.researcher, labeling.UserResearcher)
	a.addMember(tb, p, j.ann, labeling.UserAnnotator)
	a.addMember(tb, p, j.hostile, labeling.UserAnnotator)

	j.judge(tb, j.ann, true, 30*time.Second, "a", "a", "b")
	j.judge(tb, j.hostile, false, 60*time.Second, "a", "b", "b")
	ra, _ := a.responsePair(tb, j.comparisons[1])
	err = a.db.SetGold(ctx, p.ID, j.comparisons[1], store.Settlement{Verdict: labeling.VerdictPreferred, Preferred: ra})
	if err != nil {
		tb.Fatalf("SetGold: %v", err)
	}
	return j
}

// comparisonIDs returns the ids of p's comparisons in import order.
func (a *testApp) comparisonIDs(tb testing.TB, p labeling.Project) []uuid.UUID {
	tb.Helper()
	rows, err := a.db.Pool().Query(context.Background(),
		`SELECT id FROM comparisons WHERE project_id = $1 ORDER BY seq`, p.ID)
	if err != nil {
		tb.Fatalf("list comparisons: %v", err)
	}
	defer rows.Close()
	var ids []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			tb.Fatalf("scan comparison id: %v", err)
		}
		ids = append(ids, id)
	}
	return ids
}

// responsePair returns the ids of comparison cid's responses A and B.
func (a *testApp) responsePair(tb testing.TB, cid uuid.UUID) (ra, rb uuid.UUID) {
	tb.Helper()
	err := a.db.Pool().QueryRow(context.Background(),
		`SELECT response_a_id, response_b_id FROM comparisons WHERE id = $1`, cid).Scan(&ra, &rb)
	if err != nil {
		tb.Fatalf("find responses of comparison %s: %v", cid, err)
	}
	return ra, rb
}

// judge leases every comparison of j's project to u and votes on each as
// verdicts gives for its index ("a", "b", "tie" or "both_bad"), with A
// shown on the left when leftIsA is set and each vote taking took.
func (j *judgedProject) judge(tb testing.TB, u labeling.User, leftIsA bool, took time.Duration, verdicts ...string) {
	tb.Helper()
	ctx := context.Background()
	shown := time.Date(2025, 4, 1, 12, 0, 0, 0, time.UTC)
	for range verdicts {
		asg, err := j.db.NextAssignment(ctx, j.project, u.ID)
		if err != nil {
			tb.Fatalf("lease for %s: %v", u.Name(), err)
		}
		ra, rb := j.responsePair(tb, asg.ComparisonID)
		left := rb
		if leftIsA {
			left = ra
		}
		_, err = j.db.Pool().Exec(ctx, `UPDATE assignments SET left_response_id = $2 WHERE id = $1`, asg.ID, left)
		if err != nil {
			tb.Fatalf("set left response of assignment %s: %v", asg.ID, err)
		}

		v := labeling.Vote{AssignmentID: asg.ID, Verdict: labeling.VerdictPreferred}
		switch verdicts[slices.Index(j.comparisons, asg.ComparisonID)] {
		case "a":
			v.Preferred = ra
		case "b":
			v.Preferred = rb
		default:
			v.Verdict = labeling.Verdict(verdicts[slices.Index(j.comparisons, asg.ComparisonID)])
		}
		jid, _, err := j.db.Submit(ctx, u.ID, v)
		if err != nil {
			tb.Fatalf("submit for %s: %v", u.Name(), err)
		}
		_, err = j.db.Pool().Exec(ctx, `UPDATE judgments SET shown_at = $2, submitted_at = $3 WHERE id = $1`,
			jid, shown, shown.Add(took))
		if err != nil {
			tb.Fatalf("set times of judgment %s: %v", jid, err)
		}
	}
}

func (j *judgedProject) path(rest string) string {
	return "/projects/" + j.project.ID.String() + rest
}

// getOK gets path and fails unless the status is 200.
func getOK(tb testing.TB, c *client, path string) response {
	tb.Helper()
	res := c.get(path)
	if res.status != http.StatusOK {
		tb.Fatalf("GET %s: got status %d, want %d; body:\n%s", path, res.status, http.StatusOK, res.body)
	}
	return res
}

func TestDashboardShowsNumbers(t *testing.T) {
	t.Parallel()
	j := newJudgedProject(t)
	page := getOK(t, j.login(t, reviewerEmail), j.path("/dashboard")).text()

	// ann votes 0 0 1 and the other annotator 0 1 1 (A = 0, B = 1):
	// Cohen's kappa = (2/3 - 4/9) / (5/9) = 0.40; Fleiss' kappa over three
	// items = (2/3 - 1/2) / (1/2) = 0.33; nominal alpha = 1 - 5·2/18 = 0.44.
	// Left picks: ann 2 of 3, the other 2 of 3. The longer response is A in
	// comparisons 0 and 2 and won both votes on 0 only.
	want := []string{
		"3 of 3 comparisons fully judged (2 judgments wanted each) · 6 judgments in all",
		`id="fleiss"><strong>0.33</strong>`,
		"over the 3 comparisons with exactly 2 judgments",
		`id="alpha-verdict"><strong>0.44</strong>`,
		`id="mean-kappa"><strong>0.40</strong>`,
		"<td>" + hostileName + "</td><td>ann@example.test</td><td>3</td><td>0.40</td>",
		`id="majority"><strong>67%</strong>`,
		"Left response chosen in 67% of 6 preferences",
		"Longer response chosen in 50% of 4 preferences",
		"Median time per judgment: 45 s. Judgments per hour: 80.0.",
		"capped at 10 minutes,",
		"<td>100% (1 of 1)</td>",
		"<td>0% (0 of 1)</td>",
		`<span class="flag">needs review</span>`,
		`id="alpha-strength"><strong>not enough data</strong>`,
		"2025-04-01: 6 judgments",
	}
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("dashboard lacks %q", w)
		}
	}
	for _, banned := range []string{"NaN", "style=", "<script>"} {
		if strings.Contains(page, banned) {
			t.Errorf("dashboard contains %q", banned)
		}
	}
	if n := strings.Count(page, "needs review</span>"); n != 1 {
		t.Errorf("annotators flagged: got %d, want 1", n)
	}
}

func TestDashboardEmptyProject(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	page := getOK(t, s.login(t, adminEmail), "/projects/"+s.project.ID.String()+"/dashboard").text()
	for _, w := range []string{"0 of 3 comparisons fully judged", "No judgments yet.", "not enough data"} {
		if !strings.Contains(page, w) {
			t.Errorf("dashboard lacks %q", w)
		}
	}
	if strings.Contains(page, "NaN") {
		t.Errorf("dashboard contains NaN")
	}
}

func TestAnnotatorsCSV(t *testing.T) {
	t.Parallel()
	j := newJudgedProject(t)
	res := getOK(t, j.login(t, reviewerEmail), j.path("/dashboard/annotators.csv"))

	if got := res.header.Get("Content-Type"); got != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type: got %q, want %q", got, "text/csv; charset=utf-8")
	}
	disposition := res.header.Get("Content-Disposition")
	if !regexp.MustCompile(`^attachment; filename="Judged-twice-annotators-\d{8}\.csv"$`).MatchString(disposition) {
		t.Errorf("Content-Disposition: got %q, want an attachment named Judged-twice-annotators-DATE.csv", disposition)
	}
	want := "annotator,judgments,gold_judged,gold_correct,gold_accuracy,majority_compared," +
		"agreement_with_majority,median_seconds,judgments_per_hour,needs_review\n" +
		"'=SUM(1+2),3,1,0,0.0000,3,0.6667,60.0,60.00,true\n" +
		"ann@example.test,3,1,1,1.0000,3,0.6667,30.0,120.00,false\n"
	if res.body != want {
		t.Errorf("csv: got\n%s\nwant\n%s", res.body, want)
	}
}

// reviewIDs returns the comparison ids of a review page's items in order.
func reviewIDs(tb testing.TB, body string) []uuid.UUID {
	tb.Helper()
	var ids []uuid.UUID
	re := regexp.MustCompile(`<article class="review-item" id="c-([0-9a-f-]{36})"`)
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		ids = append(ids, mustUUID(tb, m[1]))
	}
	return ids
}

func TestReviewQueueListsDisagreements(t *testing.T) {
	t.Parallel()
	j := newJudgedProject(t)
	page := getOK(t, j.login(t, reviewerEmail), j.path("/review")).text()

	if got, want := reviewIDs(t, page), j.comparisons[1:2]; !slices.Equal(got, want) {
		t.Fatalf("review items: got %v, want %v", got, want)
	}
	want := []string{
		"1 disputed comparison · page 1 of 1",
		"<p>What is 2 + 2?</p>",
		"<p>It is 4.</p>",
		"<p>It is 5.</p>",
		"<td>ann@example.test</td><td>A is better</td>",
		"<td>" + hostileName + "</td><td>B is better</td>",
		"Gold answer: <strong>A is better</strong>",
		"1 gold comparison.",
		"<td>What is 2 + 2?</td><td>A is better</td><td>2</td><td>1</td>",
	}
	for _, w := range want {
		if !strings.Contains(page, w) {
			t.Errorf("review page lacks %q", w)
		}
	}
}

// trlRows exports p as TRL JSONL and returns each row's chosen response
// by prompt.
func (a *testApp) trlRows(tb testing.TB, p labeling.Project) map[string]string {
	tb.Helper()
	var buf bytes.Buffer
	if _, err := server.Export(context.Background(), a.db, &buf, p, server.ExportOptions{Format: server.ExportTRL}); err != nil {
		tb.Fatalf("export: %v", err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var row struct{ Prompt, Chosen string }
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			tb.Fatalf("decode export row %q: %v", line, err)
		}
		rows[row.Prompt] = row.Chosen
	}
	return rows
}

func TestReviewAdjudicationChangesExport(t *testing.T) {
	t.Parallel()
	j := newJudgedProject(t)
	c := j.login(t, reviewerEmail)
	_, rb := j.responsePair(t, j.comparisons[1])

	before := map[string]string{"Name a primary colour.": "Red is a primary colour.", "Say hello in French.": "Hola."}
	if got := j.trlRows(t, j.project); !jsonEqual(got, before) {
		t.Fatalf("export before adjudication: got %v, want %v", got, before)
	}

	steps := []struct {
		name       string
		comparison uuid.UUID
		verdict    string
		want       map[string]string
	}{
		{"B settles the split", j.comparisons[1], rb.String(), map[string]string{
			"Name a primary colour.": "Red is a primary colour.", "What is 2 + 2?": "It is 5.",
			"Say hello in French.": "Hola."}},
		{"tie removes the row", j.comparisons[0], "tie", map[string]string{
			"What is 2 + 2?": "It is 5.", "Say hello in French.": "Hola."}},
		{"clear restores the majority", j.comparisons[0], "clear", map[string]string{
			"Name a primary colour.": "Red is a primary colour.", "What is 2 + 2?": "It is 5.",
			"Say hello in French.": "Hola."}},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			path := j.path("/review/" + step.comparison.String())
			res := c.postForm(path, url.Values{"verdict": {step.verdict}, "status": {"open"}, "page": {"1"}})
			if res.status != http.StatusSeeOther {
				t.Fatalf("POST %s: got status %d, want %d; body:\n%s", path, res.status, http.StatusSeeOther, res.body)
			}
			wantLoc := j.path("/review?notice=adjudicated&status=open#c-" + step.comparison.String())
			if loc := res.header.Get("Location"); loc != wantLoc {
				t.Errorf("Location: got %q, want %q", loc, wantLoc)
			}
			if got := j.trlRows(t, j.project); !jsonEqual(got, step.want) {
				t.Errorf("export: got %v, want %v", got, step.want)
			}
		})
	}

	// The adjudicated comparison moves to the adjudicated filter.
	page := getOK(t, c, j.path("/review?status=adjudicated&notice=adjudicated")).text()
	if got, want := reviewIDs(t, page), j.comparisons[1:2]; !slices.Equal(got, want) {
		t.Errorf("adjudicated items: got %v, want %v", got, want)
	}
	for _, w := range []string{"Verdict saved.", "Adjudicated: <strong>B is better</strong>"} {
		if !strings.Contains(page, w) {
			t.Errorf("adjudicated page lacks %q", w)
		}
	}
	open := getOK(t, c, j.path("/review?status=open")).text()
	if got := reviewIDs(t, open); len(got) != 0 {
		t.Errorf("open items: got %v, want none", got)
	}
}

func TestReviewRejectsBadInput(t *testing.T) {
	t.Parallel()
	j := newJudgedProject(t)
	c := j.login(t, reviewerEmail)
	otherResponse, _ := j.responsePair(t, j.comparisons[0])

	tests := []struct {
		name       string
		path       string
		verdict    string
		wantStatus int
		wantText   string
	}{
		{"unknown verdict", "/review/" + j.comparisons[1].String(), "maybe", http.StatusUnprocessableEntity,
			`verdict "maybe" is not a response id, tie, both_bad or clear`},
		{"no verdict", "/review/" + j.comparisons[1].String(), "", http.StatusUnprocessableEntity,
			"no verdict chosen"},
		{"response of another comparison", "/gold/" + j.comparisons[1].String(), otherResponse.String(),
			http.StatusUnprocessableEntity, "is not part of comparison"},
		{"unknown comparison", "/review/" + uuid.NewString(), "tie", http.StatusNotFound, "not found"},
		{"unknown comparison cleared", "/gold/" + uuid.NewString(), "clear", http.StatusNotFound, "not found"},
		{"malformed comparison id", "/review/nope", "tie", http.StatusNotFound, `comparison "nope" not found`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := c.postForm(j.path(tc.path), url.Values{"verdict": {tc.verdict}})
			if res.status != tc.wantStatus {
				t.Fatalf("status: got %d, want %d; body:\n%s", res.status, tc.wantStatus, res.body)
			}
			if !strings.Contains(res.text(), tc.wantText) {
				t.Errorf("body lacks %q:\n%s", tc.wantText, res.body)
			}
		})
	}

	for _, query := range []string{"?page=0", "?page=two", "?status=mine"} {
		if res := c.get(j.path("/review" + query)); res.status != http.StatusUnprocessableEntity {
			t.Errorf("GET review%s: got status %d, want %d", query, res.status, http.StatusUnprocessableEntity)
		}
	}
	var adjudicated int
	err := j.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM comparisons
		WHERE adjudicated_verdict IS NOT NULL`).Scan(&adjudicated)
	if err != nil || adjudicated != 0 {
		t.Errorf("adjudicated comparisons: got %d (%v), want 0", adjudicated, err)
	}
}

func TestGoldLeavesNormalQueue(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	ctx := context.Background()
	comparisons := s.comparisonIDs(t, s.project)
	admin := s.login(t, adminEmail)
	s.addMember(t, s.project, s.annotator, labeling.UserAnnotator)
	goldPath := "/projects/" + s.project.ID.String() + "/gold/" + comparisons[0].String()

	res := admin.postForm(goldPath, url.Values{"verdict": {"tie"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("mark gold: got status %d, want %d; body:\n%s", res.status, http.StatusSeeOther, res.body)
	}
	wantLoc := "/projects/" + s.project.ID.String() + "/review?notice=gold-saved#c-" + comparisons[0].String()
	if loc := res.header.Get("Location"); loc != wantLoc {
		t.Errorf("Location: got %q, want %q", loc, wantLoc)
	}
	var gold *string
	if err := s.db.Pool().QueryRow(ctx, `SELECT gold_verdict FROM comparisons WHERE id = $1`,
		comparisons[0]).Scan(&gold); err != nil || gold == nil || *gold != "tie" {
		t.Fatalf("gold verdict: got %v (%v), want tie", gold, err)
	}

	// The annotator is offered the two other comparisons and then nothing.
	progress, err := s.db.Progress(ctx, s.project, s.annotator.ID)
	if err != nil || progress.Left != 2 {
		t.Errorf("comparisons left: got %d (%v), want 2", progress.Left, err)
	}
	var leased []uuid.UUID
	for range 2 {
		asg, err := s.db.NextAssignment(ctx, s.project, s.annotator.ID)
		if err != nil {
			t.Fatalf("lease: %v", err)
		}
		leased = append(leased, asg.ComparisonID)
		if _, _, err := s.db.Submit(ctx, s.annotator.ID, labeling.Vote{AssignmentID: asg.ID,
			Verdict: labeling.VerdictTie}); err != nil {
			t.Fatalf("submit: %v", err)
		}
	}
	if slices.Contains(leased, comparisons[0]) {
		t.Errorf("leased %v, which includes gold comparison %s", leased, comparisons[0])
	}
	if _, err := s.db.NextAssignment(ctx, s.project, s.annotator.ID); err == nil {
		t.Errorf("third lease: got no error, want nothing left")
	}

	page := getOK(t, admin, "/projects/"+s.project.ID.String()+"/review?notice=gold-saved").text()
	for _, w := range []string{"Gold answer saved.", "1 gold comparison.", "<td>Name a primary colour.</td><td>Tie</td>"} {
		if !strings.Contains(page, w) {
			t.Errorf("review page lacks %q", w)
		}
	}

	res = admin.postForm(goldPath, url.Values{"verdict": {"clear"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("clear gold: got status %d, want %d", res.status, http.StatusSeeOther)
	}
	progress, err = s.db.Progress(ctx, s.project, s.annotator.ID)
	if err != nil || progress.Left != 1 {
		t.Errorf("comparisons left after clearing gold: got %d (%v), want 1", progress.Left, err)
	}
}

func TestQualityRoutesForbidAnnotators(t *testing.T) {
	t.Parallel()
	j := newJudgedProject(t)

	cid := j.comparisons[1].String()
	requests := []struct {
		method, path string
	}{
		{http.MethodGet, "/dashboard"},
		{http.MethodGet, "/dashboard/annotators.csv"},
		{http.MethodGet, "/review"},
		{http.MethodPost, "/review/" + cid},
		{http.MethodPost, "/gold/" + cid},
	}
	users := []struct {
		name  string
		email string
		want  int
	}{
		{"annotator member", annEmail, http.StatusForbidden},
		{"outsider", outsiderEmail, http.StatusNotFound},
	}
	clients := map[string]*client{}
	for _, u := range users {
		clients[u.name] = j.login(t, u.email)
	}
	before := j.rowCounts(t)

	for _, u := range users {
		c := clients[u.name]
		for _, req := range requests {
			t.Run(u.name+" "+req.method+" "+req.path, func(t *testing.T) {
				var res response
				if req.method == http.MethodGet {
					res = c.get(j.path(req.path))
				} else {
					res = c.postForm(j.path(req.path), url.Values{"verdict": {"tie"}})
				}
				if res.status != u.want {
					t.Errorf("status: got %d, want %d", res.status, u.want)
				}
				if strings.Contains(res.body, hostileName) {
					t.Errorf("body shows an annotator's name")
				}
			})
		}
	}

	j.checkCountsUnchanged(t, before)
	var settled int
	err := j.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM comparisons
		WHERE adjudicated_verdict IS NOT NULL OR gold_verdict = 'tie'`).Scan(&settled)
	if err != nil || settled != 0 {
		t.Errorf("comparisons settled by annotators: got %d (%v), want 0", settled, err)
	}
}

func TestReviewRejectsCrossOriginPost(t *testing.T) {
	t.Parallel()
	j := newJudgedProject(t)
	c := j.login(t, reviewerEmail)

	for _, path := range []string{"/review/", "/gold/"} {
		res := c.postFormWith(j.path(path+j.comparisons[1].String()),
			url.Values{"verdict": {"tie"}}, http.Header{"Origin": {"http://evil.example"}})
		if res.status != http.StatusForbidden {
			t.Errorf("POST %s from another origin: got status %d, want %d", path, res.status, http.StatusForbidden)
		}
	}
	var ties int
	err := j.db.Pool().QueryRow(context.Background(), `SELECT count(*) FROM comparisons
		WHERE adjudicated_verdict IS NOT NULL OR gold_verdict = 'tie'`).Scan(&ties)
	if err != nil || ties != 0 {
		t.Errorf("comparisons settled from another origin: got %d (%v), want 0", ties, err)
	}
}
