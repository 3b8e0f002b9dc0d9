package server_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
)

// labelPath returns the label page of project p.
func labelPath(p labeling.Project) string {
	return "/projects/" + p.ID.String() + "/label"
}

// openLabelForm gets the label page and parses its form.
func openLabelForm(tb testing.TB, c *client, p labeling.Project) labelForm {
	tb.Helper()
	res := c.get(labelPath(p))
	if res.status != http.StatusOK {
		tb.Fatalf("GET %s: got status %d, want %d; body:\n%s", labelPath(p), res.status, http.StatusOK, res.body)
	}
	return parseLabelForm(tb, res.body)
}

// responseContent returns the stored text of response id.
func (a *testApp) responseContent(tb testing.TB, id uuid.UUID) string {
	tb.Helper()
	var content string
	err := a.db.Pool().QueryRow(context.Background(), `SELECT content FROM responses WHERE id = $1`, id).Scan(&content)
	if err != nil {
		tb.Fatalf("find response %s: %v", id, err)
	}
	return content
}

func TestLabelSubmit(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	annotator := s.login(t, annotatorEmail)

	page := annotator.get(labelPath(s.project))
	if page.status != http.StatusOK {
		t.Fatalf("label page: got %d, want %d", page.status, http.StatusOK)
	}
	form := parseLabelForm(t, page.body)
	if form.progress != "0 done · 3 left" {
		t.Errorf("progress: got %q, want %q", form.progress, "0 done · 3 left")
	}

	// The radio with data-key 1 belongs to the response in column A.
	columnA, columnB, ok := strings.Cut(page.body, `aria-label="Response B"`)
	if !ok {
		t.Fatalf("label page has no Response B column")
	}
	leftText := "<p>" + s.responseContent(t, form.left) + "</p>"
	rightText := "<p>" + s.responseContent(t, form.right) + "</p>"
	if !strings.Contains(columnA, leftText) || strings.Contains(columnB, leftText) {
		t.Errorf("response %s (data-key 1) is not shown in column A only", form.left)
	}
	if !strings.Contains(columnB, rightText) || strings.Contains(columnA, rightText) {
		t.Errorf("response %s (data-key 2) is not shown in column B only", form.right)
	}

	vote := url.Values{
		"verdict":   {form.right.String()},
		"strength":  {"clearly"},
		"rationale": {"B is correct; A <b>is</b> not."},
		"unsafe":    {"1"},
		"score_" + form.left.String() + "_helpful":  {"2"},
		"score_" + form.right.String() + "_helpful": {"5"},
		"score_" + form.right.String() + "_honest":  {"4"},
		"score_" + form.right.String() + "_on_task": {""},
	}
	for attempt := 1; attempt <= 2; attempt++ {
		res := annotator.postForm(form.action, vote)
		if res.status != http.StatusSeeOther {
			t.Fatalf("submit %d: got status %d, want %d; body:\n%s", attempt, res.status, http.StatusSeeOther, res.body)
		}
		if loc := res.header.Get("Location"); loc != labelPath(s.project) {
			t.Errorf("submit %d: Location got %q, want %q", attempt, loc, labelPath(s.project))
		}
	}

	got := s.judgments(t, s.project)
	if len(got) != 1 {
		t.Fatalf("judgments: got %d, want 1", len(got))
	}
	j := got[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"annotator", j.AnnotatorID, s.annotator.ID},
		{"verdict", j.Verdict, labeling.VerdictPreferred},
		{"preferred", j.Preferred, form.right},
		{"strength", j.Strength, labeling.StrengthClearly},
		{"rationale", j.Rationale, "B is correct; A <b>is</b> not."},
		{"unsafe", j.Unsafe, true},
		{"left response", j.LeftResponseID, form.left},
		{"scores", j.Scores, map[uuid.UUID]labeling.Scores{
			form.left:  {"helpful": 2},
			form.right: {"helpful": 5, "honest": 4},
		}},
	}
	for _, c := range checks {
		if !jsonEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	pair := []uuid.UUID{j.ResponseAID, j.ResponseBID}
	if !slices.Contains(pair, form.left) || !slices.Contains(pair, form.right) {
		t.Errorf("comparison responses: got %v, want %s and %s", pair, form.left, form.right)
	}

	next := openLabelForm(t, annotator, s.project)
	if next.assignmentID == form.assignmentID {
		t.Errorf("next assignment: got the judged one %s again", form.assignmentID)
	}
	if next.progress != "1 done · 2 left" {
		t.Errorf("progress after one: got %q, want %q", next.progress, "1 done · 2 left")
	}
}

func TestLabelVerdicts(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	annotator := s.login(t, annotatorEmail)

	tests := []struct {
		name          string
		verdict       func(labelForm) string
		strength      string
		wantVerdict   labeling.Verdict
		wantPreferred func(labelForm) uuid.UUID
		wantStrength  labeling.Strength
	}{
		{"left", func(f labelForm) string { return f.left.String() }, "much",
			labeling.VerdictPreferred, func(f labelForm) uuid.UUID { return f.left }, labeling.StrengthMuch},
		{"tie drops strength", func(labelForm) string { return "tie" }, "slightly",
			labeling.VerdictTie, func(labelForm) uuid.UUID { return uuid.Nil }, ""},
		{"both bad", func(labelForm) string { return "both_bad" }, "",
			labeling.VerdictBothBad, func(labelForm) uuid.UUID { return uuid.Nil }, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := openLabelForm(t, annotator, s.project)
			vote := url.Values{"verdict": {tt.verdict(form)}, "strength": {tt.strength}}
			res := annotator.postForm(form.action, vote)
			if res.status != http.StatusSeeOther {
				t.Fatalf("status: got %d, want %d; body:\n%s", res.status, http.StatusSeeOther, res.body)
			}

			all := s.judgments(t, s.project)
			if len(all) != i+1 {
				t.Fatalf("judgments: got %d, want %d", len(all), i+1)
			}
			j := all[i]
			if j.Verdict != tt.wantVerdict {
				t.Errorf("verdict: got %q, want %q", j.Verdict, tt.wantVerdict)
			}
			if want := tt.wantPreferred(form); j.Preferred != want {
				t.Errorf("preferred: got %s, want %s", j.Preferred, want)
			}
			if j.Strength != tt.wantStrength {
				t.Errorf("strength: got %q, want %q", j.Strength, tt.wantStrength)
			}
			if j.LeftResponseID != form.left {
				t.Errorf("left response: got %s, want %s", j.LeftResponseID, form.left)
			}
		})
	}
}

func TestLabelRejected(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	annotator := s.login(t, annotatorEmail)
	form := openLabelForm(t, annotator, s.project)
	stranger := uuid.New().String()

	tests := []struct {
		name      string
		vote      url.Values
		wantError string
	}{
		{"no verdict", url.Values{"rationale": {"forgot to pick"}},
			"choose a verdict: A, B, tie or both bad"},
		{"response of another comparison", url.Values{"verdict": {stranger}},
			"preferred response " + stranger + " is not part of this comparison"},
		{"score out of range", url.Values{"verdict": {"tie"}, "score_" + form.left.String() + "_helpful": {"9"}},
			"score 9 for helpful is outside 1 to 5"},
		{"unknown strength", url.Values{"verdict": {form.left.String()}, "strength": {"hugely"}},
			`strength "hugely" needs a preferred response and one of negligibly, slightly, clearly, much`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := annotator.postForm(form.action, tt.vote)
			if res.status != http.StatusUnprocessableEntity {
				t.Errorf("status: got %d, want %d", res.status, http.StatusUnprocessableEntity)
			}
			if got := errorItems(res.text()); !slices.Equal(got, []string{tt.wantError}) {
				t.Errorf("errors: got %q, want [%q]", got, tt.wantError)
			}
			again := parseLabelForm(t, res.body)
			if again.assignmentID != form.assignmentID || again.left != form.left {
				t.Errorf("form shown again: got assignment %s left %s, want %s left %s",
					again.assignmentID, again.left, form.assignmentID, form.left)
			}
		})
	}
	if n := len(s.judgments(t, s.project)); n != 0 {
		t.Errorf("judgments: got %d, want 0", n)
	}
}

func TestLabelProgressAndDone(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	annotator := s.login(t, annotatorEmail)

	for i, want := range []string{"0 done · 3 left", "1 done · 2 left", "2 done · 1 left"} {
		form := openLabelForm(t, annotator, s.project)
		if form.progress != want {
			t.Errorf("progress before judgment %d: got %q, want %q", i+1, form.progress, want)
		}
		res := annotator.postForm(form.action, url.Values{"verdict": {form.left.String()}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("judgment %d: got status %d, want %d", i+1, res.status, http.StatusSeeOther)
		}
	}

	done := annotator.get(labelPath(s.project))
	if done.status != http.StatusOK {
		t.Errorf("done page: got %d, want %d", done.status, http.StatusOK)
	}
	for _, want := range []string{
		`<p class="done">Nothing left to label here. Thank you!</p>`,
		"<p>3 done · 0 left</p>",
	} {
		if !strings.Contains(done.body, want) {
			t.Errorf("done page lacks %s; body:\n%s", want, done.body)
		}
	}
	if strings.Contains(done.body, `id="judgment"`) {
		t.Errorf("done page has a judgment form")
	}

	// Each comparison needs one judgment, so nothing is left for a second
	// annotator either.
	s.addMember(t, s.project, s.createUser(t, "second@example.test", labeling.UserAnnotator),
		labeling.UserAnnotator)
	second := s.login(t, "second@example.test")
	other := second.get(labelPath(s.project))
	if !strings.Contains(other.body, "<p>0 done · 0 left</p>") {
		t.Errorf("second annotator's page lacks 0 done · 0 left; body:\n%s", other.body)
	}
}

func TestLabelOtherAnnotatorsAssignment(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	owner := s.login(t, annotatorEmail)
	form := openLabelForm(t, owner, s.project)
	// The intruder labels the same project, so only the assignment's owner
	// keeps them out.
	s.addMember(t, s.project, s.createUser(t, "intruder@example.test", labeling.UserAnnotator),
		labeling.UserAnnotator)
	intruder := s.login(t, "intruder@example.test")

	res := intruder.postForm(form.action, url.Values{"verdict": {form.left.String()}})
	if res.status != http.StatusNotFound {
		t.Errorf("status: got %d, want %d", res.status, http.StatusNotFound)
	}
	want := "<p>assignment " + form.assignmentID.String() + " not found</p>"
	if !strings.Contains(res.body, want) {
		t.Errorf("page lacks %s; body:\n%s", want, res.body)
	}
	if n := len(s.judgments(t, s.project)); n != 0 {
		t.Errorf("judgments: got %d, want 0", n)
	}
}

func TestLabelExpiredLease(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		othersTakeIt bool
		wantLocation string
		wantVoters   []string
	}{
		{"nobody took it", false, "", []string{annotatorEmail}},
		{"another annotator judged it", true, "?notice=lease-lost", []string{"second@example.test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A project of one comparison, so the second annotator can only
			// be given the expired one.
			s := seedApp(t)
			p := s.createProject(t, "One pair")
			s.importPairs(t, p, `{"prompt": "Pick a fruit.", "response_a": "An apple.", "response_b": "A brick."}`+"\n")
			s.addMember(t, p, s.annotator, labeling.UserAnnotator)
			first := s.login(t, annotatorEmail)
			form := openLabelForm(t, first, p)
			_, err := s.db.Pool().Exec(context.Background(),
				`UPDATE assignments SET expires_at = now() - interval '1 minute' WHERE id = $1`, form.assignmentID)
			if err != nil {
				t.Fatalf("expire lease: %v", err)
			}

			if tt.othersTakeIt {
				s.addMember(t, p, s.createUser(t, "second@example.test", labeling.UserAnnotator),
					labeling.UserAnnotator)
				second := s.login(t, "second@example.test")
				other := openLabelForm(t, second, p)
				if other.left != form.left && other.left != form.right {
					t.Fatalf("second annotator got another comparison, want the expired one")
				}
				if res := second.postForm(other.action, url.Values{"verdict": {"tie"}}); res.status != http.StatusSeeOther {
					t.Fatalf("second annotator's vote: got %d, want %d", res.status, http.StatusSeeOther)
				}
			}

			res := first.postForm(form.action, url.Values{"verdict": {form.left.String()}})
			if res.status != http.StatusSeeOther {
				t.Errorf("late vote status: got %d, want %d", res.status, http.StatusSeeOther)
			}
			if loc, want := res.header.Get("Location"), labelPath(p)+tt.wantLocation; loc != want {
				t.Errorf("late vote Location: got %q, want %q", loc, want)
			}

			var voters []string
			for _, j := range s.judgments(t, p) {
				var email string
				err := s.db.Pool().QueryRow(context.Background(),
					`SELECT email FROM users WHERE id = $1`, j.AnnotatorID).Scan(&email)
				if err != nil {
					t.Fatalf("find annotator %s: %v", j.AnnotatorID, err)
				}
				voters = append(voters, email)
			}
			if !slices.Equal(voters, tt.wantVoters) {
				t.Errorf("voters: got %q, want %q", voters, tt.wantVoters)
			}
		})
	}
}

func TestLabelConcurrentSubmit(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	annotator := s.login(t, annotatorEmail)
	form := openLabelForm(t, annotator, s.project)
	body := url.Values{"verdict": {form.left.String()}}.Encode()

	// Several copies of one form arrive at once, as from a double click
	// or a retrying proxy.
	const copies = 5
	statuses := make(chan int, copies)
	errs := make(chan error, copies)
	var wg sync.WaitGroup
	for range copies {
		wg.Go(func() {
			req, err := http.NewRequest(http.MethodPost, annotator.base+form.action, strings.NewReader(body))
			if err != nil {
				errs <- err
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := annotator.http.Do(req)
			if err != nil {
				errs <- err
				return
			}
			res.Body.Close()
			statuses <- res.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	close(errs)

	for err := range errs {
		t.Errorf("post: %v", err)
	}
	for status := range statuses {
		if status != http.StatusSeeOther {
			t.Errorf("status: got %d, want %d", status, http.StatusSeeOther)
		}
	}
	if n := len(s.judgments(t, s.project)); n != 1 {
		t.Errorf("judgments: got %d, want 1", n)
	}
}

func TestLabelAssignmentOfOtherProject(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	other := s.createProject(t, "Other project")
	s.importPairs(t, other, `{"prompt": "Pick a fruit.", "response_a": "An apple.", "response_b": "A brick."}`+"\n")
	// The annotator labels both projects, so only the assignment's project
	// keeps the vote out.
	s.addMember(t, other, s.annotator, labeling.UserAnnotator)
	annotator := s.login(t, annotatorEmail)
	form := openLabelForm(t, annotator, s.project)

	// The assignment is the annotator's own, but the URL names the other
	// project.
	path := "/projects/" + other.ID.String() + "/label/" + form.assignmentID.String()
	res := annotator.postForm(path, url.Values{"verdict": {form.left.String()}})
	if res.status != http.StatusNotFound {
		t.Errorf("status: got %d, want %d", res.status, http.StatusNotFound)
	}
	want := "assignment " + form.assignmentID.String() + " not found in project Other project"
	if got := errorParagraph(res.text()); got != want {
		t.Errorf("message: got %q, want %q", got, want)
	}
	for _, p := range []labeling.Project{s.project, other} {
		if n := len(s.judgments(t, p)); n != 0 {
			t.Errorf("judgments in %s: got %d, want 0", p.Name, n)
		}
	}
}
