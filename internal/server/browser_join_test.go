package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
)

// The class in the join test: a teacher who makes the code and a student
// who joins with it.
const (
	teacherEmail   = "teacher@example.test"
	studentName    = "Student Ada"
	classProject   = "Class preferences"
	classGuideHead = "How to judge"
)

// classGuidelines is the project's markdown guidelines, with a heading and
// a list.
const classGuidelines = "## " + classGuideHead + "\n\n" +
	"Read the prompt, then both responses.\n\n" +
	"- Prefer the response that answers the question.\n" +
	"- Correct beats long.\n" +
	"- Pick *both bad* when neither helps.\n"

// classPairs returns a pairs-format file of eight comparisons: markdown, a
// code block, a multi-turn conversation with a system message, and plain
// questions.
func classPairs(tb testing.TB) string {
	tb.Helper()
	const slicing = "Use slicing:\n\n```python\nxs = [1, 2, 3]\nprint(xs[::-1])  # [3, 2, 1]\n```\n\n" +
		"Or call `xs.reverse()` to reverse **in place**."
	pairs := []map[string]any{
		{
			"system":     "You teach Python to beginners.",
			"prompt":     "How do I reverse a list?",
			"response_a": slicing,
			"response_b": "Write a loop that swaps the ends until they meet.",
		},
		{
			"prompt": []map[string]string{
				{"role": "system", "content": "You are a patient maths tutor."},
				{"role": "user", "content": "What is a prime number?"},
				{"role": "assistant", "content": "A whole number above 1 whose only divisors are 1 and itself."},
				{"role": "user", "content": "Is 1 prime?"},
			},
			"response_a": "No. A prime needs exactly two divisors, and 1 has one.",
			"response_b": "Yes, 1 is the smallest prime.",
		},
		{
			"prompt":     "List three *primary* colours of light.",
			"response_a": "1. Red\n2. Green\n3. Blue",
			"response_b": "- Red\n- Yellow\n- Blue\n\n> These are the painter's primaries.",
		},
		{"prompt": "What is 2 + 2?", "response_a": "4.", "response_b": "5."},
		{"prompt": "Say hello in French.", "response_a": "Bonjour.", "response_b": "Hola."},
		{"prompt": "Largest planet?", "response_a": "Jupiter.", "response_b": "Mars."},
		{"prompt": "Boiling point of water at sea level?", "response_a": "100 °C.", "response_b": "90 °C."},
		{"prompt": "Capital of Japan?", "response_a": "Kyoto.", "response_b": "Tokyo."},
	}
	var b strings.Builder
	for _, p := range pairs {
		line, err := json.Marshal(p)
		if err != nil {
			tb.Fatalf("encode pair: %v", err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.String()
}

// queueInImportOrder makes project p hand out its comparisons in import
// order, in place of the random order fixed at import, so that the
// screenshots show the same comparison on every run.
func (a *testApp) queueInImportOrder(tb testing.TB, p labeling.Project) {
	tb.Helper()
	_, err := a.db.Pool().Exec(context.Background(),
		`UPDATE comparisons SET rand_key = seq WHERE project_id = $1`, p.ID)
	if err != nil {
		tb.Fatalf("order the queue of %s: %v", p.Name, err)
	}
}

// progressShown waits until the label page's progress reads done and left.
func progressShown(done, left int) chromedp.Action[chromedp.Void] {
	xpath := fmt.Sprintf(`//span[@id="progress-text" and text()="%d done · %d left"]`, done, left)
	return chromedp.WaitVisible(chromedp.Search(xpath))
}

// keyVote returns the verdict and the preferred response that a verdict
// key stores on a page showing form.
func keyVote(key string, form shownForm) (labeling.Verdict, string) {
	switch key {
	case "1":
		return labeling.VerdictPreferred, form.Left
	case "2":
		return labeling.VerdictPreferred, form.Right
	case "3":
		return labeling.VerdictTie, ""
	}
	return labeling.VerdictBothBad, ""
}

// checkVote compares judgment j with what key stores on a page showing
// form.
func checkVote(tb testing.TB, j labeling.Judgment, key string, form shownForm) {
	tb.Helper()
	wantVerdict, preferred := keyVote(key, form)
	if j.Verdict != wantVerdict {
		tb.Errorf("key %s: verdict: got %q, want %q", key, j.Verdict, wantVerdict)
	}
	wantPreferred := uuid.Nil
	if preferred != "" {
		wantPreferred = mustUUID(tb, preferred)
	}
	if j.Preferred != wantPreferred {
		tb.Errorf("key %s: preferred: got %s, want %s", key, j.Preferred, wantPreferred)
	}
	if j.LeftResponseID.String() != form.Left {
		tb.Errorf("key %s: left response: got %s, want %s", key, j.LeftResponseID, form.Left)
	}
}

const checkedVerdict = `document.querySelector('input[name=verdict]:checked')?.value ?? ''`

func TestBrowserJoinClass(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	teacher := a.createUser(t, teacherEmail, labeling.UserResearcher)
	p, err := a.db.CreateProject(context.Background(),
		labeling.Project{Name: classProject, Guidelines: classGuidelines})
	if err != nil {
		t.Fatalf("create project: %v", err)
	}
	a.addMember(t, p, teacher, labeling.UserResearcher)
	a.importPairs(t, p, classPairs(t))
	a.queueInImportOrder(t, p)
	projectPath := "/projects/" + p.ID.String()

	// The teacher logs in and makes a join code on the members page, which
	// shows the code once.
	teacherTab, cancel := context.WithTimeout(startChromium(t), time.Minute)
	defer cancel()
	browse(t, teacherTab,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(a.srv.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), teacherEmail),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(`//h1[text()="Projects"]`)),
		chromedp.Navigate(a.srv.URL+projectPath+"/members"),
		chromedp.SendKeys(chromedp.CSS(`input[name=label]`), "class"),
		chromedp.SendKeys(chromedp.CSS(`input[name=max_uses]`), "30"),
		chromedp.Click(chromedp.CSS(`form[action$="/codes"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#new-code`)),
	)
	code := evaluate[string](t, teacherTab, `document.getElementById('new-code').textContent`)
	if !isShownJoinCode(code) {
		t.Fatalf("code on the members page: got %q, want XXXX-XXXX-XXXX-XXXX", code)
	}
	saveDocScreenshot(t, teacherTab, "members.png")

	// The student joins in a browser of their own, with no cookies.
	studentTab, cancel := context.WithTimeout(startChromium(t), time.Minute)
	defer cancel()
	browse(t, studentTab,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(a.srv.URL+"/join"),
		chromedp.SendKeys(chromedp.CSS(`input[name=code]`), code),
		chromedp.SendKeys(chromedp.CSS(`input[name=display_name]`), studentName),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), testPassword),
		chromedp.SendKeys(chromedp.CSS(`input[name=password_repeat]`), testPassword),
	)
	saveDocScreenshot(t, studentTab, "join.png")
	guideHeading := fmt.Sprintf(`//section[contains(@class,"guidelines")]//h2[text()=%q]`,
		classGuideHead)
	browse(t, studentTab,
		chromedp.Click(chromedp.CSS(`form[action="/join"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.Search(guideHeading)),
		chromedp.Click(chromedp.CSS(`#start`)),
		progressShown(0, 8),
	)
	student, _, err := a.db.UserByLogin(context.Background(), studentName)
	if err != nil {
		t.Fatalf("find the student: %v", err)
	}

	// Five judgments with the keyboard alone. forms[i] is the form of the
	// page where keys[i] was pressed.
	keys := []string{"1", "2", "3", "4", "1"}
	var forms []shownForm
	for i, key := range keys {
		form := evaluate[shownForm](t, studentTab, readShownForm)
		forms = append(forms, form)
		if i == 0 {
			saveDocScreenshot(t, studentTab, "label.png")
		}
		browse(t, studentTab, chromedp.KeyEvent(key))
		want := map[string]string{"1": form.Left, "2": form.Right, "3": "tie", "4": "both_bad"}[key]
		if got := evaluate[string](t, studentTab, checkedVerdict); got != want {
			t.Errorf("page %d: checked verdict after key %s: got %q, want %q", i+1, key, got, want)
		}
		browse(t, studentTab, chromedp.KeyEvent(kb.Enter), progressShown(i+1, 7-i))
	}

	// u takes the fifth judgment back and shows its comparison again.
	browse(t, studentTab, chromedp.KeyEvent("u"), progressShown(4, 4))
	t.Run("undone page", func(t *testing.T) {
		form := evaluate[shownForm](t, studentTab, readShownForm)
		if form.Left != forms[4].Left || form.Right != forms[4].Right {
			t.Errorf("sides after undo: got %s | %s, want %s | %s",
				form.Left, form.Right, forms[4].Left, forms[4].Right)
		}
		if got := evaluate[string](t, studentTab, checkedVerdict); got != forms[4].Left {
			t.Errorf("checked verdict after undo: got %q, want %q (the left response)",
				got, forms[4].Left)
		}
		notice := evaluate[string](t, studentTab, `document.querySelector('main').innerText`)
		if !strings.Contains(notice, "You took this judgment back") {
			t.Errorf("page after undo lacks %q; text:\n%s", "You took this judgment back", notice)
		}
	})

	t.Run("stored after undo", func(t *testing.T) {
		checkClassState(t, a, p, student, 4)
		all := a.judgments(t, p)
		if len(all) != 4 {
			t.Fatalf("judgments: got %d, want 4", len(all))
		}
		for i, j := range all {
			checkVote(t, j, keys[i], forms[i])
		}
		checkUndoneLease(t, a, student, forms[4])
	})

	t.Run("join recorded", func(t *testing.T) {
		checkJoined(t, a, p, student)
	})

	// The student submits the undone comparison again, now with 2.
	browse(t, studentTab, chromedp.KeyEvent("2"), chromedp.KeyEvent(kb.Enter), progressShown(5, 3))
	t.Run("stored after resubmit", func(t *testing.T) {
		checkClassState(t, a, p, student, 5)
		all := a.judgments(t, p)
		if len(all) != 5 {
			t.Fatalf("judgments: got %d, want 5", len(all))
		}
		checkVote(t, all[4], "2", forms[4])
	})

	browse(t, teacherTab,
		chromedp.Navigate(a.srv.URL+projectPath+"/dashboard"),
		chromedp.WaitVisible(chromedp.Search(fmt.Sprintf(`//h1[text()=%q]`, classProject+": quality"))),
	)
	saveDocScreenshot(t, teacherTab, "dashboard.png")
}

// isShownJoinCode reports whether code looks like a join code as the
// members page shows it: four groups of four characters of Crockford's
// base32 alphabet, joined by dashes.
func isShownJoinCode(code string) bool {
	groups := strings.Split(code, "-")
	if len(groups) != 4 {
		return false
	}
	for _, g := range groups {
		if len(g) != 4 || strings.Trim(g, "0123456789ABCDEFGHJKMNPQRSTVWXYZ") != "" {
			return false
		}
	}
	return true
}

// checkClassState checks that every judgment in p is the student's, that
// there are want of them, and that each comparison's judgment_count
// matches its judgments.
func checkClassState(tb testing.TB, a *testApp, p labeling.Project, student labeling.User,
	want int) {
	tb.Helper()
	var mine, others, counted, mismatched int
	err := a.db.Pool().QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM judgments j JOIN comparisons c ON c.id = j.comparison_id
		  WHERE c.project_id = $1 AND j.annotator_id = $2),
		(SELECT count(*) FROM judgments j JOIN comparisons c ON c.id = j.comparison_id
		  WHERE c.project_id = $1 AND j.annotator_id <> $2),
		(SELECT coalesce(sum(judgment_count), 0) FROM comparisons WHERE project_id = $1),
		(SELECT count(*) FROM comparisons c WHERE c.project_id = $1 AND c.judgment_count <>
		  (SELECT count(*) FROM judgments j WHERE j.comparison_id = c.id))`,
		p.ID, student.ID).Scan(&mine, &others, &counted, &mismatched)
	if err != nil {
		tb.Fatalf("count judgments of %s: %v", p.Name, err)
	}
	if mine != want {
		tb.Errorf("the student's judgments: got %d, want %d", mine, want)
	}
	if others != 0 {
		tb.Errorf("judgments of others: got %d, want 0", others)
	}
	if counted != want {
		tb.Errorf("sum of judgment_count: got %d, want %d", counted, want)
	}
	if mismatched != 0 {
		tb.Errorf("comparisons whose judgment_count differs from their judgments: got %d, want 0",
			mismatched)
	}
}

// checkUndoneLease checks that the comparison shown in form has no
// judgment and is leased to the student again with the undone vote, which
// chose the left response, kept to fill the form.
func checkUndoneLease(tb testing.TB, a *testApp, student labeling.User, form shownForm) {
	tb.Helper()
	ctx := context.Background()
	var comparisonID uuid.UUID
	err := a.db.Pool().QueryRow(ctx, `SELECT id FROM comparisons
		WHERE $1 IN (response_a_id, response_b_id) AND $2 IN (response_a_id, response_b_id)`,
		mustUUID(tb, form.Left), mustUUID(tb, form.Right)).Scan(&comparisonID)
	if err != nil {
		tb.Fatalf("find the undone comparison: %v", err)
	}

	var judged int
	err = a.db.Pool().QueryRow(ctx, `SELECT count(*) FROM judgments WHERE comparison_id = $1`,
		comparisonID).Scan(&judged)
	if err != nil {
		tb.Fatalf("count judgments of comparison %s: %v", comparisonID, err)
	}
	if judged != 0 {
		tb.Errorf("judgments of the undone comparison: got %d, want 0", judged)
	}

	rows, err := a.db.Pool().Query(ctx, `SELECT left_response_id, prefill FROM assignments
		WHERE comparison_id = $1 AND annotator_id = $2
		  AND submitted_at IS NULL AND skipped_at IS NULL AND expires_at > now()`,
		comparisonID, student.ID)
	if err != nil {
		tb.Fatalf("find open leases of comparison %s: %v", comparisonID, err)
	}
	type lease struct {
		left    uuid.UUID
		prefill []byte
	}
	var leases []lease
	for rows.Next() {
		var l lease
		if err := rows.Scan(&l.left, &l.prefill); err != nil {
			tb.Fatalf("read lease: %v", err)
		}
		leases = append(leases, l)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("read leases: %v", err)
	}
	if len(leases) != 1 {
		tb.Fatalf("open leases of the undone comparison: got %d, want 1", len(leases))
	}
	if got := leases[0].left.String(); got != form.Left {
		tb.Errorf("left response of the new lease: got %s, want %s", got, form.Left)
	}
	if leases[0].prefill == nil {
		tb.Fatalf("prefill of the new lease: got NULL, want the undone vote")
	}
	var prefill labeling.Vote
	if err := json.Unmarshal(leases[0].prefill, &prefill); err != nil {
		tb.Fatalf("decode prefill %s: %v", leases[0].prefill, err)
	}
	if prefill.Verdict != labeling.VerdictPreferred {
		tb.Errorf("prefill verdict: got %q, want %q", prefill.Verdict, labeling.VerdictPreferred)
	}
	if got := prefill.Preferred.String(); got != form.Left {
		tb.Errorf("prefill preferred: got %s, want %s", got, form.Left)
	}
}

// checkJoined checks that the student's account is an annotator, is an
// annotator member of p, and that the code made on the members page
// counted one use.
func checkJoined(tb testing.TB, a *testApp, p labeling.Project, student labeling.User) {
	tb.Helper()
	ctx := context.Background()
	if student.Role != labeling.UserAnnotator {
		tb.Errorf("student's account role: got %q, want %q", student.Role, labeling.UserAnnotator)
	}
	role, err := a.db.MemberRole(ctx, p.ID, student.ID)
	if err != nil {
		tb.Fatalf("student's role in %s: %v", p.Name, err)
	}
	if role != labeling.UserAnnotator {
		tb.Errorf("student's role in the project: got %q, want %q", role, labeling.UserAnnotator)
	}

	codes, err := a.db.JoinCodes(ctx, p.ID)
	if err != nil {
		tb.Fatalf("list join codes: %v", err)
	}
	if len(codes) != 1 {
		tb.Fatalf("join codes: got %d, want 1", len(codes))
	}
	c := codes[0]
	checks := []struct {
		field     string
		got, want any
	}{
		{"uses", c.Uses, 1},
		{"max uses", c.MaxUses, 30},
		{"label", c.Label, "class"},
		{"role", c.Role, labeling.UserAnnotator},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			tb.Errorf("join code %s: got %v, want %v", ch.field, ch.got, ch.want)
		}
	}
}

// saveDocScreenshot writes a PNG of the browser's viewport to the
// repository's test-artifacts folder, replacing the files of earlier runs.
// With PAIRWISE_UPDATE_SCREENSHOTS=1 it also refreshes the committed copies
// in docs/screenshots, which the README shows.
func saveDocScreenshot(tb testing.TB, ctx context.Context, name string) {
	tb.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.Fatalf("screenshot %s: %v", name, err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		tb.Fatalf("screenshot %s is not a PNG", name)
	}
	root := repoRoot(tb)
	dirs := []string{"test-artifacts"}
	if os.Getenv("PAIRWISE_UPDATE_SCREENSHOTS") == "1" {
		dirs = append(dirs, filepath.Join("docs", "screenshots"))
	}
	for _, dir := range dirs {
		dir = filepath.Join(root, dir)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.Fatalf("create %s: %v", dir, err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, png, 0o644); err != nil {
			tb.Fatalf("write %s: %v", path, err)
		}
		tb.Logf("screenshot: %s (%d bytes)", path, len(png))
	}
}
