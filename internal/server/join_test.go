package server_test

import (
	"bytes"
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/server"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
	"github.com/pairwise/pairwise/web"
)

const researcherEmail = "researcher@example.test"

// lockedBuffer is a log destination that the server's goroutines may
// write to while a test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// classApp is a server with a project of three comparisons, its
// researcher, and a text log of every level.
type classApp struct {
	*testApp
	researcher labeling.User
	project    labeling.Project
	logs       *lockedBuffer
}

func startClassApp(tb testing.TB) *classApp {
	tb.Helper()
	db := storetest.New(tb)
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httptest.NewServer(server.New(db, logger, server.DefaultConfig()))
	tb.Cleanup(srv.Close)

	a := &classApp{testApp: &testApp{db: db, srv: srv}, logs: logs}
	a.researcher = a.createUser(tb, researcherEmail, labeling.UserResearcher)
	a.project = a.createProject(tb, "Intro to alignment")
	a.addMember(tb, a.project, a.researcher, labeling.UserResearcher)
	a.importPairs(tb, a.project, threePairs)
	return a
}

// newCode stores join code c and returns it with its text.
func (a *testApp) newCode(tb testing.TB, c store.JoinCode) (store.JoinCode, string) {
	tb.Helper()
	c, code, err := a.db.CreateJoinCode(context.Background(), c)
	if err != nil {
		tb.Fatalf("create join code: %v", err)
	}
	return c, code
}

func (a *testApp) queryInt(tb testing.TB, sql string, args ...any) int {
	tb.Helper()
	var n int
	if err := a.db.Pool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
	return n
}

func (a *testApp) codeUses(tb testing.TB, id uuid.UUID) int {
	tb.Helper()
	return a.queryInt(tb, `SELECT uses FROM join_codes WHERE id = $1`, id)
}

func joinValues(code, name string) url.Values {
	return url.Values{"code": {code}, "display_name": {name},
		"password": {testPassword}, "password_repeat": {testPassword}}
}

// wantError fails unless res has status and an error item containing msg.
func wantError(tb testing.TB, res response, status int, msg string) {
	tb.Helper()
	if res.status != status {
		tb.Fatalf("status: got %d, want %d; body:\n%s", res.status, status, res.body)
	}
	items := errorItems(res.body)
	for _, item := range items {
		if strings.Contains(html.UnescapeString(item), msg) {
			return
		}
	}
	tb.Errorf("errors: got %q, want one containing %q", items, msg)
}

func TestJoinCreatesAccount(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	c, code := a.newCode(t, store.JoinCode{ProjectID: a.project.ID, MaxUses: 30})
	before := a.rowCounts(t)

	visitor := a.newClient(t)
	res := visitor.postForm("/join", joinValues(strings.ToLower(strings.ReplaceAll(code, "-", " ")), " Ada L "))
	if res.status != http.StatusSeeOther {
		t.Fatalf("POST /join: got status %d, want %d; body:\n%s", res.status, http.StatusSeeOther, res.body)
	}
	if got, want := res.header.Get("Location"), labelPath(a.project); got != want {
		t.Errorf("Location: got %q, want %q", got, want)
	}

	after := a.rowCounts(t)
	if got := after["users"] - before["users"]; got != 1 {
		t.Errorf("new users: got %d, want 1", got)
	}
	if got := after["sessions"] - before["sessions"]; got != 1 {
		t.Errorf("new sessions: got %d, want 1", got)
	}
	u, _, err := a.db.UserByLogin(context.Background(), "ada l")
	if err != nil {
		t.Fatalf("find joined user: %v", err)
	}
	if u.DisplayName != "Ada L" || u.Email != "" || u.Role != labeling.UserAnnotator {
		t.Errorf("user: got name %q, email %q, role %q, want Ada L, no email, annotator",
			u.DisplayName, u.Email, u.Role)
	}
	if role, err := a.db.MemberRole(context.Background(), a.project.ID, u.ID); role != labeling.UserAnnotator {
		t.Errorf("member role: got %q (%v), want %q", role, err, labeling.UserAnnotator)
	}
	if got := a.codeUses(t, c.ID); got != 1 {
		t.Errorf("uses: got %d, want 1", got)
	}

	// The new session works: the label page shows a comparison.
	openLabelForm(t, visitor, a.project)

	// The new account logs in with its display name.
	a.login(t, "Ada L")
}

func TestJoinGuidelinesFirst(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	p := a.project
	p.Guidelines = "Prefer the **honest** answer."
	if err := a.db.UpdateProject(context.Background(), p); err != nil {
		t.Fatalf("UpdateProject: %v", err)
	}
	_, code := a.newCode(t, store.JoinCode{ProjectID: p.ID})

	visitor := a.newClient(t)
	res := visitor.postForm("/join", joinValues(code, "Grace"))
	if got, want := res.header.Get("Location"), labelPath(p); got != want {
		t.Fatalf("Location: got %q, want %q (status %d)", got, want, res.status)
	}
	res = visitor.get(labelPath(p))
	if got, want := res.header.Get("Location"), "/projects/"+p.ID.String()+"/guidelines"; got != want {
		t.Errorf("label page redirect: got %q, want %q (status %d)", got, want, res.status)
	}
}

func TestJoinWrongCode(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	c, _ := a.newCode(t, store.JoinCode{ProjectID: a.project.ID})
	before := a.rowCounts(t)

	for _, guess := range []string{store.GenerateJoinCode(), "not a code"} {
		res := a.newClient(t).postForm("/join", joinValues(guess, "Mallory"))
		wantError(t, res, http.StatusUnprocessableEntity, "is not valid; check it for typos")
		if strings.Contains(res.body, a.project.Name) {
			t.Errorf("page for a wrong code names the project %q", a.project.Name)
		}
		if !strings.Contains(res.body, `value="Mallory"`) {
			t.Errorf("display name not kept in the form after a wrong code")
		}
	}
	a.checkCountsUnchanged(t, before)
	if got := a.codeUses(t, c.ID); got != 0 {
		t.Errorf("uses: got %d, want 0", got)
	}
	if got := strings.Count(a.logs.String(), `level=WARN msg="join with unknown code"`); got != 2 {
		t.Errorf("warnings for unknown codes: got %d, want 2; log:\n%s", got, a.logs)
	}
}

func TestJoinInactiveCodes(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	ctx := context.Background()
	revoked, revokedCode := a.newCode(t, store.JoinCode{ProjectID: a.project.ID})
	if err := a.db.RevokeJoinCode(ctx, a.project.ID, revoked.ID); err != nil {
		t.Fatalf("RevokeJoinCode: %v", err)
	}
	expired, expiredCode := a.newCode(t, store.JoinCode{ProjectID: a.project.ID,
		ExpiresAt: time.Now().Add(time.Hour)})
	usedUp, usedUpCode := a.newCode(t, store.JoinCode{ProjectID: a.project.ID, MaxUses: 1})
	for sql, id := range map[string]uuid.UUID{
		`UPDATE join_codes SET expires_at = now() - interval '1 second' WHERE id = $1`: expired.ID,
		`UPDATE join_codes SET uses = 1 WHERE id = $1`:                                 usedUp.ID,
	} {
		if _, err := a.db.Pool().Exec(ctx, sql, id); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}

	tests := []struct{ name, code, msg string }{
		{"revoked", revokedCode, "was revoked; ask the person who gave it to you for a new one"},
		{"expired", expiredCode, "expired on "},
		{"used up", usedUpCode, "has been used 1 times, its limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := a.rowCounts(t)
			res := a.newClient(t).postForm("/join", joinValues(tc.code, "Student "+tc.name))
			wantError(t, res, http.StatusUnprocessableEntity, tc.msg)
			a.checkCountsUnchanged(t, before)

			// The form shows the same message as soon as the link is opened.
			res = a.newClient(t).get("/join?code=" + url.QueryEscape(tc.code))
			wantError(t, res, http.StatusOK, tc.msg)
		})
	}
	if got := a.codeUses(t, usedUp.ID); got != 1 {
		t.Errorf("uses of the used-up code: got %d, want 1", got)
	}
}

func TestJoinConcurrentCodeUses(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	c, code := a.newCode(t, store.JoinCode{ProjectID: a.project.ID, MaxUses: 2})
	usersBefore := a.rowCounts(t)["users"]

	const n = 5
	statuses := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			}}
			res, err := hc.PostForm(a.srv.URL+"/join", joinValues(code, "student-"+uuid.NewString()[:8]))
			if err != nil {
				errs[i] = err
				return
			}
			res.Body.Close()
			statuses[i] = res.StatusCode
		})
	}
	wg.Wait()

	counts := map[int]int{}
	for i, status := range statuses {
		if errs[i] != nil {
			t.Fatalf("POST /join: %v", errs[i])
		}
		counts[status]++
	}
	if counts[http.StatusSeeOther] != 2 || counts[http.StatusUnprocessableEntity] != 3 {
		t.Errorf("statuses: got %v, want 2 × 303 and 3 × 422", counts)
	}
	if got := a.rowCounts(t)["users"] - usersBefore; got != 2 {
		t.Errorf("new users: got %d, want 2", got)
	}
	if got := a.codeUses(t, c.ID); got != 2 {
		t.Errorf("uses: got %d, want 2", got)
	}
	members := a.queryInt(t, `SELECT count(*) FROM project_members WHERE project_id = $1 AND role = 'annotator'`,
		a.project.ID)
	if members != 2 {
		t.Errorf("annotators in the project: got %d, want 2", members)
	}
}

func TestJoinNameTaken(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	c, code := a.newCode(t, store.JoinCode{ProjectID: a.project.ID})
	if res := a.newClient(t).postForm("/join", joinValues(code, "Ada")); res.status != http.StatusSeeOther {
		t.Fatalf("first join: got status %d, want %d", res.status, http.StatusSeeOther)
	}

	for _, name := range []string{"ADA", "Researcher@Example.test"} {
		t.Run(name, func(t *testing.T) {
			before := a.rowCounts(t)
			res := a.newClient(t).postForm("/join", joinValues(code, name))
			wantError(t, res, http.StatusUnprocessableEntity, "the name "+name+" is taken; choose another")
			a.checkCountsUnchanged(t, before)
		})
	}
	if got := a.codeUses(t, c.ID); got != 1 {
		t.Errorf("uses: got %d, want 1", got)
	}
}

func TestJoinFieldErrors(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	c, code := a.newCode(t, store.JoinCode{ProjectID: a.project.ID})
	tests := []struct {
		name   string
		change func(url.Values)
		msg    string
	}{
		{"empty name", func(v url.Values) { v.Set("display_name", "   ") }, "display name is empty"},
		{"long name", func(v url.Values) { v.Set("display_name", strings.Repeat("é", 41)) },
			"is 41 characters; choose one of 1 to 40"},
		{"control character", func(v url.Values) { v.Set("display_name", "Ada\nLovelace") },
			"contains a control character"},
		{"short password", func(v url.Values) { v.Set("password", "short"); v.Set("password_repeat", "short") },
			"password is shorter than 8 characters"},
		{"passwords differ", func(v url.Values) { v.Set("password_repeat", testPassword+"!") },
			"the two passwords differ"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := a.rowCounts(t)
			form := joinValues(code, "Ada")
			tc.change(form)
			res := a.newClient(t).postForm("/join", form)
			wantError(t, res, http.StatusUnprocessableEntity, tc.msg)
			a.checkCountsUnchanged(t, before)
		})
	}
	if got := a.codeUses(t, c.ID); got != 0 {
		t.Errorf("uses: got %d, want 0", got)
	}
}

func TestJoinSignedInUser(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	c, code := a.newCode(t, store.JoinCode{ProjectID: a.project.ID})
	student := a.createUser(t, "student@example.test", labeling.UserAnnotator)
	browser := a.login(t, student.Email)

	res := browser.get("/join?code=" + url.QueryEscape(code))
	if res.status != http.StatusOK {
		t.Fatalf("GET /join: got status %d, want %d", res.status, http.StatusOK)
	}
	for _, want := range []string{"Join " + a.project.Name, "Join as " + student.Email, `value="` + code + `"`} {
		if !strings.Contains(res.text(), want) {
			t.Errorf("join page: want it to contain %q", want)
		}
	}
	if strings.Contains(res.body, `name="password"`) {
		t.Errorf("join page for a signed-in user asks for a password")
	}

	before := a.rowCounts(t)
	res = browser.postForm("/join", url.Values{"code": {code}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != labelPath(a.project) {
		t.Fatalf("POST /join: got %d to %q, want %d to %q", res.status, res.header.Get("Location"),
			http.StatusSeeOther, labelPath(a.project))
	}
	a.checkCountsUnchanged(t, before)
	if role, err := a.db.MemberRole(context.Background(), a.project.ID, student.ID); role != labeling.UserAnnotator {
		t.Errorf("member role: got %q (%v), want %q", role, err, labeling.UserAnnotator)
	}
	if got := a.codeUses(t, c.ID); got != 1 {
		t.Errorf("uses: got %d, want 1", got)
	}
	openLabelForm(t, browser, a.project)

	// Joining again changes nothing.
	browser.postForm("/join", url.Values{"code": {code}})
	if got := a.codeUses(t, c.ID); got != 1 {
		t.Errorf("uses after joining again: got %d, want 1", got)
	}
}

var newCodeRe = regexp.MustCompile(`<code id="new-code">([0-9A-Z-]+)</code>`)

// makeCode posts the make-a-code form and returns the response and the
// code it shows.
func makeCode(tb testing.TB, c *client, p labeling.Project, form url.Values) (response, string) {
	tb.Helper()
	res := c.postForm("/projects/"+p.ID.String()+"/codes", form)
	m := newCodeRe.FindStringSubmatch(res.body)
	if m == nil {
		return res, ""
	}
	return res, m[1]
}

func TestJoinCodeShownOnce(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	researcher := a.login(t, researcherEmail)
	res, code := makeCode(t, researcher, a.project, url.Values{"label": {"Tuesday lab"},
		"max_uses": {"3"}, "expires_hours": {"48"}, "role": {"annotator"}})
	if res.status != http.StatusCreated {
		t.Fatalf("make code: got status %d, want %d; body:\n%s", res.status, http.StatusCreated, res.body)
	}
	if !regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$`).MatchString(code) {
		t.Fatalf("code: got %q, want XXXX-XXXX-XXXX-XXXX in Crockford base32", code)
	}
	if loc := res.header.Get("Location"); loc != "" {
		t.Errorf("Location: got %q, want none", loc)
	}
	if got := res.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control: got %q, want no-store", got)
	}
	link := a.srv.URL + "/join?code=" + code
	if !strings.Contains(res.text(), link) {
		t.Errorf("page does not show the join link %s", link)
	}
	if strings.Contains(a.logs.String(), code) {
		t.Errorf("log contains the code %s", code)
	}

	page := researcher.get("/projects/" + a.project.ID.String() + "/members")
	if strings.Contains(page.body, code) {
		t.Errorf("members page shows the code again")
	}
	for _, want := range []string{"Tuesday lab", "0 of 3", ">active<"} {
		if !strings.Contains(page.text(), want) {
			t.Errorf("code list: want it to contain %q", want)
		}
	}

	if res := a.newClient(t).postForm("/join", joinValues(code, "Linus")); res.status != http.StatusSeeOther {
		t.Fatalf("join with the new code: got status %d, want %d", res.status, http.StatusSeeOther)
	}
	page = researcher.get("/projects/" + a.project.ID.String() + "/members")
	for _, want := range []string{"1 of 3", "Linus"} {
		if !strings.Contains(page.text(), want) {
			t.Errorf("members page after a join: want it to contain %q", want)
		}
	}
}

func TestJoinCodeFormErrors(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	researcher := a.login(t, researcherEmail)
	tests := []struct {
		name string
		form url.Values
		msg  string
	}{
		{"zero uses", url.Values{"max_uses": {"0"}}, `max uses "0" is not a whole number from 1`},
		{"uses not a number", url.Values{"max_uses": {"ten"}}, `max uses "ten" is not a whole number`},
		{"negative expiry", url.Values{"expires_hours": {"-1"}}, `expiry "-1" is not a whole number of hours`},
		{"admin role", url.Values{"role": {"admin"}}, `join code role "admin" is not researcher or annotator`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, code := makeCode(t, researcher, a.project, tc.form)
			wantError(t, res, http.StatusUnprocessableEntity, tc.msg)
			if code != "" {
				t.Errorf("page shows a code after an error")
			}
		})
	}
	if n := a.queryInt(t, `SELECT count(*) FROM join_codes`); n != 0 {
		t.Errorf("join codes: got %d, want 0", n)
	}
}

func TestJoinCodeRevoke(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	other := a.createProject(t, "Other class")
	c, code := a.newCode(t, store.JoinCode{ProjectID: a.project.ID})
	otherCode, _ := a.newCode(t, store.JoinCode{ProjectID: other.ID})
	researcher := a.login(t, researcherEmail)
	base := "/projects/" + a.project.ID.String()

	// A code of another project cannot be revoked through this one.
	res := researcher.postForm(base+"/codes/"+otherCode.ID.String()+"/revoke", nil)
	if res.status != http.StatusNotFound {
		t.Errorf("revoke another project's code: got status %d, want %d", res.status, http.StatusNotFound)
	}

	res = researcher.postForm(base+"/codes/"+c.ID.String()+"/revoke", nil)
	if got, want := res.header.Get("Location"), base+"/members?notice=code-revoked"; got != want {
		t.Fatalf("revoke: got %d to %q, want 303 to %q", res.status, got, want)
	}
	if page := researcher.get(base + "/members"); !strings.Contains(page.body, ">revoked<") {
		t.Errorf("code list does not show the code as revoked")
	}
	res = a.newClient(t).postForm("/join", joinValues(code, "Late"))
	wantError(t, res, http.StatusUnprocessableEntity, "was revoked")
}

func TestMembersAddAndRemove(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	annotator := a.createUser(t, annotatorEmail, labeling.UserAnnotator)
	_, code := a.newCode(t, store.JoinCode{ProjectID: a.project.ID})
	if res := a.newClient(t).postForm("/join", joinValues(code, "Ada")); res.status != http.StatusSeeOther {
		t.Fatalf("join: got status %d, want %d", res.status, http.StatusSeeOther)
	}
	ada, _, _ := a.db.UserByLogin(context.Background(), "Ada")
	researcher := a.login(t, researcherEmail)
	base := "/projects/" + a.project.ID.String()
	ctx := context.Background()

	res := researcher.postForm(base+"/members", url.Values{"login": {" " + annotatorEmail + " "}, "role": {"annotator"}})
	if got, want := res.header.Get("Location"), base+"/members?notice=member-added"; got != want {
		t.Fatalf("add by email: got %d to %q, want 303 to %q; body:\n%s", res.status, got, want, res.body)
	}
	if role, _ := a.db.MemberRole(ctx, a.project.ID, annotator.ID); role != labeling.UserAnnotator {
		t.Errorf("role after adding by email: got %q, want annotator", role)
	}

	res = researcher.postForm(base+"/members", url.Values{"login": {"ada"}, "role": {"researcher"}})
	if res.status != http.StatusSeeOther {
		t.Fatalf("change role by display name: got status %d, want %d", res.status, http.StatusSeeOther)
	}
	if role, _ := a.db.MemberRole(ctx, a.project.ID, ada.ID); role != labeling.UserResearcher {
		t.Errorf("role after the change: got %q, want researcher", role)
	}

	page := researcher.get(base + "/members")
	for _, want := range []string{annotatorEmail, "Ada", researcherEmail} {
		if !strings.Contains(page.text(), want) {
			t.Errorf("members page: want it to contain %q", want)
		}
	}

	res = researcher.postForm(base+"/members/"+annotator.ID.String()+"/remove", nil)
	if got, want := res.header.Get("Location"), base+"/members?notice=member-removed"; got != want {
		t.Fatalf("remove: got %d to %q, want 303 to %q", res.status, got, want)
	}
	if _, err := a.db.MemberRole(ctx, a.project.ID, annotator.ID); err == nil {
		t.Errorf("removed annotator is still a member")
	}
	res = researcher.postForm(base+"/members/"+annotator.ID.String()+"/remove", nil)
	if res.status != http.StatusNotFound {
		t.Errorf("remove a non-member: got status %d, want %d", res.status, http.StatusNotFound)
	}
}

func TestMembersRejected(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	a.createUser(t, annotatorEmail, labeling.UserAnnotator)
	researcher := a.login(t, researcherEmail)
	base := "/projects/" + a.project.ID.String()
	tests := []struct {
		name, path string
		form       url.Values
		msg        string
	}{
		{"unknown login", base + "/members", url.Values{"login": {"nobody@example.test"}, "role": {"annotator"}},
			`no user has the email or display name "nobody@example.test"`},
		{"empty login", base + "/members", url.Values{"login": {""}}, "enter the email or display name"},
		{"admin role", base + "/members", url.Values{"login": {annotatorEmail}, "role": {"admin"}},
			`member role "admin" is not researcher or annotator`},
		{"own role", base + "/members", url.Values{"login": {researcherEmail}, "role": {"annotator"}},
			"you cannot change your own role"},
		{"remove self", base + "/members/" + a.researcher.ID.String() + "/remove", nil,
			"you cannot remove yourself"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := researcher.postForm(tc.path, tc.form)
			wantError(t, res, http.StatusUnprocessableEntity, tc.msg)
		})
	}
	if role, _ := a.db.MemberRole(context.Background(), a.project.ID, a.researcher.ID); role != labeling.UserResearcher {
		t.Errorf("researcher's role: got %q, want researcher", role)
	}
}

func TestMembersPageAccess(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	other := a.createProject(t, "Other class")
	annotator := a.createUser(t, annotatorEmail, labeling.UserAnnotator)
	a.addMember(t, a.project, annotator, labeling.UserAnnotator)
	browser := a.login(t, annotatorEmail)

	tests := []struct {
		name, method, path string
		want               int
	}{
		{"other project members", http.MethodGet, "/projects/" + other.ID.String() + "/members", http.StatusNotFound},
		{"other project settings", http.MethodGet, "/projects/" + other.ID.String() + "/settings", http.StatusNotFound},
		{"own project members", http.MethodGet, "/projects/" + a.project.ID.String() + "/members", http.StatusForbidden},
		{"own project settings", http.MethodGet, "/projects/" + a.project.ID.String() + "/settings", http.StatusForbidden},
		{"make a code", http.MethodPost, "/projects/" + a.project.ID.String() + "/codes", http.StatusForbidden},
		{"add a member", http.MethodPost, "/projects/" + a.project.ID.String() + "/members", http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var res response
			if tc.method == http.MethodGet {
				res = browser.get(tc.path)
			} else {
				res = browser.postForm(tc.path, url.Values{"login": {annotatorEmail}, "role": {"researcher"}})
			}
			if res.status != tc.want {
				t.Errorf("%s %s: got status %d, want %d", tc.method, tc.path, res.status, tc.want)
			}
		})
	}
	if n := a.queryInt(t, `SELECT count(*) FROM join_codes`); n != 0 {
		t.Errorf("join codes: got %d, want 0", n)
	}
	if role, _ := a.db.MemberRole(context.Background(), a.project.ID, annotator.ID); role != labeling.UserAnnotator {
		t.Errorf("annotator's role: got %q, want annotator", role)
	}
}

// settingsValues returns form as the settings page posts it.
func settingsValues(form web.SettingsForm) url.Values {
	v := url.Values{
		"name": {form.Name}, "description": {form.Description}, "guidelines": {form.Guidelines},
		"judgments_wanted": {form.JudgmentsWanted}, "lease_minutes": {form.LeaseMinutes},
		"max_open_leases": {form.MaxOpenLeases}, "gold_share": {form.GoldSharePercent},
		"gold_threshold": {form.GoldThresholdPercent},
	}
	for name, on := range map[string]bool{"allow_tie": form.AllowTie,
		"allow_both_bad": form.AllowBothBad, "allow_strength": form.AllowStrength} {
		if on {
			v.Set(name, "1")
		}
	}
	v.Set("rubric_rows", strconv.Itoa(len(form.Rubric)))
	for i, row := range form.Rubric {
		v.Set(web.RubricField(i, "key"), row.Key)
		v.Set(web.RubricField(i, "label"), row.Label)
		v.Set(web.RubricField(i, "description"), row.Description)
		v.Set(web.RubricField(i, "min"), row.Min)
		v.Set(web.RubricField(i, "max"), row.Max)
		if row.Remove {
			v.Set(web.RubricField(i, "remove"), "1")
		}
	}
	return v
}

func (a *testApp) loadProject(tb testing.TB, id uuid.UUID) labeling.Project {
	tb.Helper()
	p, err := a.db.Project(context.Background(), id)
	if err != nil {
		tb.Fatalf("get project %s: %v", id, err)
	}
	return p
}

func TestSettingsSave(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	researcher := a.login(t, researcherEmail)
	path := "/projects/" + a.project.ID.String() + "/settings"

	form := web.NewSettingsForm(a.project)
	form.Name = "  Intro to alignment, spring  "
	form.Description = "Week 3 lab"
	form.Guidelines = "Prefer the **honest** answer.\n\n<script>alert(1)</script>"
	form.AllowStrength = false
	form.JudgmentsWanted, form.LeaseMinutes, form.MaxOpenLeases = "3", "30", "2"
	form.GoldSharePercent, form.GoldThresholdPercent = "10", "85.5"
	form.Rubric[1].Remove = true // honest
	last := len(form.Rubric) - 1
	form.Rubric[last] = web.CriterionRow{Key: "concise", Label: "Concise", Description: "Short?", Min: "0", Max: "3"}

	res := researcher.postForm(path, settingsValues(form))
	if got, want := res.header.Get("Location"), path+"?notice=settings-saved"; res.status != http.StatusSeeOther || got != want {
		t.Fatalf("save: got %d to %q, want 303 to %q; body:\n%s", res.status, got, want, res.body)
	}

	p := a.loadProject(t, a.project.ID)
	checks := []struct {
		name      string
		got, want any
	}{
		{"name", p.Name, "Intro to alignment, spring"},
		{"description", p.Description, "Week 3 lab"},
		{"allow tie", p.AllowTie, true},
		{"allow both bad", p.AllowBothBad, true},
		{"allow strength", p.AllowStrength, false},
		{"judgments wanted", p.JudgmentsWanted, 3},
		{"lease", p.Lease, 30 * time.Minute},
		{"max open leases", p.MaxOpenLeases, 2},
		{"gold share", p.GoldShare, 0.1},
		{"gold threshold", p.GoldThreshold, 0.855},
		{"rubric size", len(p.Rubric), 4},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	var keys []string
	for _, c := range p.Rubric {
		keys = append(keys, c.Key)
	}
	if got, want := strings.Join(keys, ","), "helpful,harmless,on_task,concise"; got != want {
		t.Errorf("rubric keys: got %s, want %s", got, want)
	}

	page := researcher.get(path + "?notice=settings-saved")
	for _, want := range []string{"Settings saved.", "<strong>honest</strong>", "&lt;script&gt;alert(1)&lt;/script&gt;",
		`value="85.5"`, `value="concise"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("settings page: want it to contain %q", want)
		}
	}
	if strings.Contains(page.body, "<script>alert") {
		t.Errorf("guidelines preview contains a live script element")
	}
}

func TestSettingsRejected(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	researcher := a.login(t, researcherEmail)
	path := "/projects/" + a.project.ID.String() + "/settings"
	tests := []struct {
		name   string
		change func(*web.SettingsForm)
		msg    string
	}{
		{"overlap 0", func(f *web.SettingsForm) { f.JudgmentsWanted = "0" },
			"judgments per comparison is 0, want 1 to 100"},
		{"overlap not a number", func(f *web.SettingsForm) { f.JudgmentsWanted = "two" },
			`judgments wanted per comparison "two" is not a whole number`},
		{"lease 0", func(f *web.SettingsForm) { f.LeaseMinutes = "0" },
			`lease length is "0" minutes; enter more than 0, up to 10080`},
		{"lease NaN", func(f *web.SettingsForm) { f.LeaseMinutes = "NaN" }, `lease length is "NaN" minutes`},
		{"open leases 0", func(f *web.SettingsForm) { f.MaxOpenLeases = "0" },
			"open leases per annotator is 0, want 1 to 1000"},
		{"gold share 150", func(f *web.SettingsForm) { f.GoldSharePercent = "150" },
			`gold share is "150" percent; enter 0 to 100`},
		{"threshold -1", func(f *web.SettingsForm) { f.GoldThresholdPercent = "-1" },
			`gold accuracy threshold is "-1" percent; enter 0 to 100`},
		{"empty name", func(f *web.SettingsForm) { f.Name = " " }, "project name is empty"},
		{"bad rubric key", func(f *web.SettingsForm) { f.Rubric[0].Key = "Bad Key" },
			`rubric criterion 1 has key "Bad Key"; use 1 to 40 lowercase letters`},
		{"rubric min not below max", func(f *web.SettingsForm) { f.Rubric[0].Min, f.Rubric[0].Max = "5", "5" },
			`rubric criterion "helpful" has scale 5 to 5, want min < max`},
		{"rubric min not a number", func(f *web.SettingsForm) { f.Rubric[2].Min = "low" },
			`rubric row 3: min "low" is not a whole number`},
		{"rubric label missing", func(f *web.SettingsForm) { f.Rubric[3].Label = "" },
			`rubric criterion "on_task" has no label`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := web.NewSettingsForm(a.project)
			form.Description = "kept after an error"
			tc.change(&form)
			res := researcher.postForm(path, settingsValues(form))
			wantError(t, res, http.StatusUnprocessableEntity, tc.msg)
			if !strings.Contains(res.body, "kept after an error") {
				t.Errorf("form lost the user's input")
			}
			if got := a.loadProject(t, a.project.ID); got.Description != "" {
				t.Errorf("description saved despite the error: %q", got.Description)
			}
		})
	}

	// Every bad field is named at once.
	form := web.NewSettingsForm(a.project)
	form.JudgmentsWanted, form.LeaseMinutes, form.GoldSharePercent = "0", "0", "150"
	res := researcher.postForm(path, settingsValues(form))
	if got := len(errorItems(res.body)); got != 3 {
		t.Errorf("errors for three bad fields: got %d, want 3: %q", got, errorItems(res.body))
	}
}

func TestSettingsDefaultRubric(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	researcher := a.login(t, researcherEmail)
	path := "/projects/" + a.project.ID.String() + "/settings"

	page := researcher.get(path)
	for _, c := range labeling.DefaultRubric {
		if !strings.Contains(page.body, `value="`+c.Key+`"`) {
			t.Errorf("settings page: default criterion %q not shown", c.Key)
		}
	}

	// Saving the default rubric unchanged keeps following the default.
	res := researcher.postForm(path, settingsValues(web.NewSettingsForm(a.project)))
	if res.status != http.StatusSeeOther {
		t.Fatalf("save: got status %d, want %d; body:\n%s", res.status, http.StatusSeeOther, res.body)
	}
	if got := a.loadProject(t, a.project.ID).Rubric; len(got) != 0 {
		t.Errorf("stored rubric: got %v, want none", got)
	}

	// The add-row button shows one more row and saves nothing.
	form := web.NewSettingsForm(a.project)
	form.Name = "Not saved"
	values := settingsValues(form)
	values.Set("add_row", "1")
	res = researcher.postForm(path, values)
	if res.status != http.StatusOK {
		t.Fatalf("add row: got status %d, want %d", res.status, http.StatusOK)
	}
	rows := len(labeling.DefaultRubric) + 2
	if !strings.Contains(res.body, `name="rubric_rows" value="`+strconv.Itoa(rows)+`"`) {
		t.Errorf("add row: want %d rubric rows", rows)
	}
	if got := a.loadProject(t, a.project.ID).Name; got != a.project.Name {
		t.Errorf("name after add row: got %q, want %q", got, a.project.Name)
	}
}

func TestSettingsTakeEffect(t *testing.T) {
	t.Parallel()
	a := startClassApp(t)
	annotator := a.createUser(t, annotatorEmail, labeling.UserAnnotator)
	a.addMember(t, a.project, annotator, labeling.UserAnnotator)
	researcher := a.login(t, researcherEmail)
	labeler := a.login(t, annotatorEmail)

	form := web.NewSettingsForm(a.project)
	form.AllowTie = false
	res := researcher.postForm("/projects/"+a.project.ID.String()+"/settings", settingsValues(form))
	if res.status != http.StatusSeeOther {
		t.Fatalf("save: got status %d, want %d; body:\n%s", res.status, http.StatusSeeOther, res.body)
	}

	page := labeler.get(labelPath(a.project))
	if page.status != http.StatusOK {
		t.Fatalf("label page: got status %d, want %d", page.status, http.StatusOK)
	}
	if strings.Contains(page.body, `value="tie"`) {
		t.Errorf("label page offers a tie after ties were turned off")
	}
	if !strings.Contains(page.body, `value="both_bad"`) {
		t.Errorf("label page lost the both-bad verdict")
	}
	m := formActionRe.FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("label page has no judgment form")
	}
	res = labeler.postForm(m[1], url.Values{"verdict": {"tie"}})
	wantError(t, res, http.StatusUnprocessableEntity, `this project does not allow the verdict "tie"`)
	if got := len(a.judgments(t, a.project)); got != 0 {
		t.Errorf("judgments: got %d, want 0", got)
	}
}
