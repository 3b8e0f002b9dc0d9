package server_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
)

// hhFile is the Anthropic HH-RLHF harmless-base test split under the
// shared data folder.
const hhFile = "hh-rlhf-harmless-base-test/test.jsonl.gz"

// Known facts about hhFile: its record count, and the 0-based indexes of
// the records whose chosen and rejected transcripts differ before their
// last Assistant turn.
const hhRecords = 2312

var hhPromptsDiffer = []int{1254, 1688, 1950, 1952, 2036}

// votesPerAnnotator is how many comparisons each annotator labels.
const votesPerAnnotator = 30

// castVote is one submitted labeling form and what it should store.
type castVote struct {
	annotator   uuid.UUID
	left, right uuid.UUID
	verdict     labeling.Verdict
	preferred   uuid.UUID // uuid.Nil unless verdict is preferred
	strength    labeling.Strength
	rationale   string
	unsafe      bool
	scores      map[uuid.UUID]labeling.Scores
}

// chooseVote picks annotator n's vote on the i-th form, deterministically:
// annotator 1 prefers the left response and annotator 2 the right one,
// each with three ties and three both-bad verdicts in 30.
func chooseVote(n, i int, f labelForm) castVote {
	v := castVote{left: f.left, right: f.right, verdict: labeling.VerdictPreferred}
	switch {
	case i%10 == 2+n:
		v.verdict = labeling.VerdictTie
	case i%10 == 6+n:
		v.verdict = labeling.VerdictBothBad
	case n == 1:
		v.preferred = f.left
	default:
		v.preferred = f.right
	}
	if v.verdict == labeling.VerdictPreferred && i%3 != 0 {
		v.strength = labeling.Strengths[i%len(labeling.Strengths)]
	}
	v.rationale = fmt.Sprintf("annotator %d, form %d", n, i)
	v.unsafe = i%7 == 0
	v.scores = map[uuid.UUID]labeling.Scores{
		f.left:  {"helpful": 1 + i%5},
		f.right: {"harmless": 5 - i%5, "honest": 3},
	}
	return v
}

// form encodes v as the labeling form posts it.
func (v castVote) form() url.Values {
	f := url.Values{"rationale": {v.rationale}, "strength": {string(v.strength)}}
	switch v.verdict {
	case labeling.VerdictPreferred:
		f.Set("verdict", v.preferred.String())
	default:
		f.Set("verdict", string(v.verdict))
	}
	if v.unsafe {
		f.Set("unsafe", "1")
	}
	for id, scores := range v.scores {
		for key, score := range scores {
			f.Set("score_"+id.String()+"_"+key, strconv.Itoa(score))
		}
	}
	return f
}

// TestEndToEnd imports the real HH test split through the API, has two
// annotators label it through the HTML forms, and checks both exports.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	hhPath := sharedDataFile(t, hhFile)
	differ := checkHHFacts(t, hhPath)

	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)
	token := a.apiToken(t, adminEmail)
	project := apiCreateProject(t, a, token, "HH harmless test")
	importHH(t, a, token, project.ID, hhPath, differ)

	// Annotators come from the admin's web form, join the project and label
	// over plain HTML.
	admin := a.login(t, adminEmail)
	var votes []castVote
	for n := 1; n <= 2; n++ {
		email := fmt.Sprintf("annotator%d@example.test", n)
		res := admin.postForm("/users", url.Values{"email": {email}, "password": {testPassword}})
		if res.status != http.StatusSeeOther {
			t.Fatalf("create %s: got status %d, want %d; body:\n%s", email, res.status, http.StatusSeeOther, res.body)
		}
		u, _, err := a.db.UserByEmail(context.Background(), email)
		if err != nil {
			t.Fatalf("find %s: %v", email, err)
		}
		a.addMember(t, project, u, labeling.UserAnnotator)
		votes = append(votes, labelVotes(t, a, a.login(t, email), project, n, u.ID, len(votes))...)
	}

	// Each annotator gave 24 preferred verdicts, and each decides its
	// comparison because a comparison gets one judgment.
	preferred := 0
	for _, v := range votes {
		if v.verdict == labeling.VerdictPreferred {
			preferred++
		}
	}
	if preferred != 48 {
		t.Fatalf("preferred votes: got %d, want 48", preferred)
	}

	projectPath := "/projects/" + project.ID.String()
	trl := downloadBoth(t, a, admin, token, projectPath+"/export?format=trl")
	checkTRL(t, a, trl, votes, false)
	conversational := downloadBoth(t, a, admin, token, projectPath+"/export?format=trl&conversational=true")
	checkTRL(t, a, conversational, votes, true)
	judgments := downloadBoth(t, a, admin, token, projectPath+"/export?format=judgments&salt="+e2eSalt)
	checkJudgmentsExport(t, judgments, votes)
}

// checkHHFacts reads the HH file independently of the importer and checks
// the facts the test relies on. It returns the 1-based line numbers of
// the records whose prompts differ.
func checkHHFacts(tb testing.TB, path string) []int {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatalf("gunzip %s: %v", path, err)
	}

	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var records int
	var differ []int
	for sc.Scan() {
		var rec struct{ Chosen, Rejected string }
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			tb.Fatalf("%s line %d: %v", path, records+1, err)
		}
		prefix := func(s string) string { return s[:strings.LastIndex(s, "\n\nAssistant:")] }
		if prefix(rec.Chosen) != prefix(rec.Rejected) {
			differ = append(differ, records)
		}
		records++
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}

	if records != hhRecords {
		tb.Fatalf("%s records: got %d, want %d", path, records, hhRecords)
	}
	if !slices.Equal(differ, hhPromptsDiffer) {
		tb.Fatalf("%s records whose prompts differ: got indexes %v, want %v", path, differ, hhPromptsDiffer)
	}
	lines := make([]int, len(differ))
	for i, index := range differ {
		lines[i] = index + 1
	}
	return lines
}

func apiCreateProject(tb testing.TB, a *testApp, token, name string) labeling.Project {
	tb.Helper()
	body, _ := json.Marshal(map[string]string{"name": name})
	res := a.apiRequest(tb, token, http.MethodPost, "/api/v1/projects", bytes.NewReader(body),
		http.Header{"Content-Type": {"application/json"}})
	if res.status != http.StatusCreated {
		tb.Fatalf("create project: got status %d, want %d; body:\n%s", res.status, http.StatusCreated, res.body)
	}
	var got struct {
		ID              uuid.UUID `json:"id"`
		Name            string    `json:"name"`
		JudgmentsWanted int       `json:"judgments_wanted"`
	}
	decodeJSON(tb, res.body, &got)
	if got.Name != name || got.JudgmentsWanted != 1 {
		tb.Fatalf("created project: got name %q, judgments_wanted %d, want %q, 1", got.Name, got.JudgmentsWanted, name)
	}
	p, err := a.db.Project(context.Background(), got.ID)
	if err != nil {
		tb.Fatalf("find project %s: %v", got.ID, err)
	}
	return p
}

func importHH(tb testing.TB, a *testApp, token string, project uuid.UUID, path string, differ []int) {
	tb.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
	res := a.apiImport(tb, token, project, "format=hh&name=test.jsonl.gz", raw)
	if res.status != http.StatusCreated {
		tb.Fatalf("import: got status %d, want %d; body:\n%s", res.status, http.StatusCreated, res.body)
	}
	var got importReply
	decodeJSON(tb, res.body, &got)

	r := got.Report
	checks := []struct {
		name      string
		got, want any
	}{
		{"format", r.Format, "hh"},
		{"read", r.Read, hhRecords},
		{"rows_imported", r.RowsImported, hhRecords - len(differ)},
		{"comparisons_imported", r.ComparisonsImported, hhRecords - len(differ)},
		{"skipped", r.Skipped, len(differ)},
		{"skipped_by_reason", r.SkippedByReason, map[string]int{"prompts_differ": len(differ)}},
	}
	for _, c := range checks {
		if !jsonEqual(c.got, c.want) {
			tb.Errorf("import report %s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	var lines []int
	for _, sk := range r.SkippedLines {
		if sk.Reason != "prompts_differ" {
			tb.Errorf("skipped line %d: reason got %q, want prompts_differ", sk.Line, sk.Reason)
		}
		lines = append(lines, sk.Line)
	}
	if !slices.Equal(lines, differ) {
		tb.Errorf("skipped lines: got %v, want %v", lines, differ)
	}
	if want := []int{1255, 1689, 1951, 1953, 2037}; !slices.Equal(lines, want) {
		tb.Errorf("skipped lines: got %v, want %v", lines, want)
	}

	stats, err := a.db.ProjectStats(context.Background(), project)
	if err != nil {
		tb.Fatalf("project stats: %v", err)
	}
	if stats.Comparisons != hhRecords-len(differ) {
		tb.Errorf("stored comparisons: got %d, want %d", stats.Comparisons, hhRecords-len(differ))
	}
}

// labelVotes has annotator n submit votesPerAnnotator forms and returns
// the votes in submission order. judgedBefore counts the project's
// judgments by other annotators, which the progress text subtracts.
func labelVotes(tb testing.TB, a *testApp, c *client, p labeling.Project, n int, annotator uuid.UUID,
	judgedBefore int) []castVote {
	tb.Helper()
	total := hhRecords - len(hhPromptsDiffer)
	var votes []castVote
	for i := range votesPerAnnotator {
		form := openLabelForm(tb, c, p)
		// The label page counts at most labeling.MaxCountedLeft open
		// comparisons, and this project has more.
		want := fmt.Sprintf("%d done · %d left", i, total-judgedBefore-i)
		if left := total - judgedBefore - i; left > labeling.MaxCountedLeft {
			want = fmt.Sprintf("%d done · more than %d left", i, labeling.MaxCountedLeft)
		}
		if form.progress != want {
			tb.Errorf("annotator %d form %d progress: got %q, want %q", n, i, form.progress, want)
		}
		v := chooseVote(n, i, form)
		v.annotator = annotator
		res := c.postForm(form.action, v.form())
		if res.status != http.StatusSeeOther {
			tb.Fatalf("annotator %d form %d: got status %d, want %d; body:\n%s",
				n, i, res.status, http.StatusSeeOther, res.body)
		}
		votes = append(votes, v)
	}
	return votes
}

// downloadBoth downloads an export through the admin's web route and the
// API route, checks that the bytes are identical, and returns them.
func downloadBoth(tb testing.TB, a *testApp, admin *client, token, path string) []byte {
	tb.Helper()
	web := admin.get(path)
	api := a.apiRequest(tb, token, http.MethodGet, "/api/v1"+path, nil, nil)
	for _, res := range []struct {
		route string
		res   response
	}{{"web", web}, {"api", api}} {
		if res.res.status != http.StatusOK {
			tb.Fatalf("%s GET %s: got status %d, want %d; body:\n%s",
				res.route, path, res.res.status, http.StatusOK, res.res.body)
		}
		if ct := res.res.header.Get("Content-Type"); ct != "application/x-ndjson; charset=utf-8" {
			tb.Errorf("%s GET %s: Content-Type got %q, want %q", res.route, path, ct, "application/x-ndjson; charset=utf-8")
		}
		if cd := res.res.header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=") {
			tb.Errorf("%s GET %s: Content-Disposition got %q, want an attachment", res.route, path, cd)
		}
	}
	if web.body != api.body {
		tb.Errorf("GET %s: web and API bodies differ (%d and %d bytes)", path, len(web.body), len(api.body))
	}
	return []byte(web.body)
}

// jsonLines decodes every line of a JSONL export.
func jsonLines(tb testing.TB, data []byte) []map[string]json.RawMessage {
	tb.Helper()
	if len(data) > 0 && data[len(data)-1] != '\n' {
		tb.Errorf("export does not end with a newline")
	}
	var rows []map[string]json.RawMessage
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		var row map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			tb.Fatalf("export line %d is not a JSON object: %v\n%s", i+1, err, line)
		}
		rows = append(rows, row)
	}
	return rows
}

// expectedPreference is a comparison that a preferred vote decided.
type expectedPreference struct {
	seq      int64
	prompt   labeling.Conversation
	chosen   string
	rejected string
}

// expectedPreferences returns, in import order, the comparisons whose one
// vote named a preferred response.
func expectedPreferences(tb testing.TB, a *testApp, votes []castVote) []expectedPreference {
	tb.Helper()
	var out []expectedPreference
	for _, v := range votes {
		if v.verdict != labeling.VerdictPreferred {
			continue
		}
		rejected := v.left
		if v.preferred == v.left {
			rejected = v.right
		}
		var e expectedPreference
		var messages []byte
		err := a.db.Pool().QueryRow(context.Background(), `SELECT c.seq, p.messages
			FROM comparisons c JOIN prompts p ON p.id = c.prompt_id
			WHERE (c.response_a_id, c.response_b_id) IN (($1, $2), ($2, $1))`,
			v.preferred, rejected).Scan(&e.seq, &messages)
		if err != nil {
			tb.Fatalf("find comparison of %s and %s: %v", v.preferred, rejected, err)
		}
		if err := json.Unmarshal(messages, &e.prompt); err != nil {
			tb.Fatalf("decode prompt: %v", err)
		}
		e.chosen, e.rejected = a.responseContent(tb, v.preferred), a.responseContent(tb, rejected)
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

// checkTRL checks a TRL preference export against the votes. With
// allConversational every row has the conversational form. Without it,
// only rows whose prompt is more than one user message have it.
func checkTRL(tb testing.TB, a *testApp, data []byte, votes []castVote, allConversational bool) {
	tb.Helper()
	rows := jsonLines(tb, data)
	want := expectedPreferences(tb, a, votes)
	if len(rows) != len(want) {
		tb.Fatalf("trl rows: got %d, want %d", len(rows), len(want))
	}

	// One multi-turn prompt puts every row of the file in the
	// conversational form.
	conversational := allConversational
	for _, e := range want {
		if !e.prompt.SingleTurn() {
			conversational = true
		}
	}

	var single, multi int
	for i, row := range rows {
		checkKeys(tb, fmt.Sprintf("trl row %d", i+1), keysOf(row), []string{"chosen", "prompt", "rejected"})
		e := want[i]
		if e.prompt.SingleTurn() {
			single++
		} else {
			multi++
		}

		var got, expect map[string]any
		if !conversational {
			expect = map[string]any{"prompt": e.prompt[0].Content, "chosen": e.chosen, "rejected": e.rejected}
		} else {
			checkConversation(tb, i+1, row)
			expect = map[string]any{
				"prompt":   e.prompt,
				"chosen":   labeling.Conversation{{Role: labeling.RoleAssistant, Content: e.chosen}},
				"rejected": labeling.Conversation{{Role: labeling.RoleAssistant, Content: e.rejected}},
			}
		}
		raw, _ := json.Marshal(row)
		decodeJSON(tb, string(raw), &got)
		expectRaw, _ := json.Marshal(expect)
		decodeJSON(tb, string(expectRaw), &expect)
		if !reflect.DeepEqual(got, expect) {
			tb.Errorf("trl row %d:\ngot  %s\nwant %s", i+1, raw, expectRaw)
		}
	}
	if single == 0 {
		tb.Errorf("single-turn prompts among the labelled ones: got 0, want some")
	}
	if multi == 0 {
		tb.Errorf("multi-turn prompts among the labelled ones: got 0, want some")
	}
}

// checkConversation checks the shape of a conversational TRL row: a
// prompt of role/content messages that ends with a user turn, and chosen
// and rejected lists of one assistant message.
func checkConversation(tb testing.TB, line int, row map[string]json.RawMessage) {
	tb.Helper()
	var prompt, chosen, rejected []map[string]any
	for name, dst := range map[string]*[]map[string]any{"prompt": &prompt, "chosen": &chosen, "rejected": &rejected} {
		if err := json.Unmarshal(row[name], dst); err != nil {
			tb.Errorf("trl row %d %s: want a list of messages: %v", line, name, err)
			return
		}
	}
	for i, m := range prompt {
		checkKeys(tb, fmt.Sprintf("trl row %d prompt[%d]", line, i), keysOf(m), []string{"content", "role"})
	}
	if len(prompt) == 0 || prompt[len(prompt)-1]["role"] != labeling.RoleUser {
		tb.Errorf("trl row %d prompt: want it to end with a user turn, got %v", line, prompt)
	}
	for name, list := range map[string][]map[string]any{"chosen": chosen, "rejected": rejected} {
		if len(list) != 1 || list[0]["role"] != labeling.RoleAssistant {
			tb.Errorf("trl row %d %s: got %v, want one assistant message", line, name, list)
			continue
		}
		checkKeys(tb, fmt.Sprintf("trl row %d %s[0]", line, name), keysOf(list[0]), []string{"content", "role"})
	}
}

// judgmentExportRow is one row of the judgments export.
type judgmentExportRow struct {
	JudgmentID     uuid.UUID                     `json:"judgment_id"`
	ComparisonID   uuid.UUID                     `json:"comparison_id"`
	PromptID       uuid.UUID                     `json:"prompt_id"`
	ResponseAID    uuid.UUID                     `json:"response_a_id"`
	ResponseBID    uuid.UUID                     `json:"response_b_id"`
	AnnotatorID    string                        `json:"annotator_id"`
	Verdict        labeling.Verdict              `json:"verdict"`
	Preferred      *uuid.UUID                    `json:"preferred_response_id"`
	Strength       *labeling.Strength            `json:"strength"`
	Scores         map[uuid.UUID]labeling.Scores `json:"scores"`
	Rationale      string                        `json:"rationale"`
	Unsafe         bool                          `json:"unsafe"`
	LeftResponseID uuid.UUID                     `json:"left_response_id"`
	ShownAt        time.Time                     `json:"shown_at"`
	SubmittedAt    time.Time                     `json:"submitted_at"`
}

// e2eSalt keys the annotator pseudonyms of the judgments export, so that
// the web and API downloads are byte-identical.
const e2eSalt = "end-to-end-test-salt"

var judgmentExportKeys = []string{
	"annotator_id", "comparison_id", "judgment_id", "left_response_id", "preferred_response_id",
	"prompt_id", "rationale", "response_a_id", "response_b_id", "scores", "shown_at",
	"strength", "submitted_at", "unsafe", "verdict",
}

// checkJudgmentsExport checks one row per vote, in submission order.
func checkJudgmentsExport(tb testing.TB, data []byte, votes []castVote) {
	tb.Helper()
	if bytes.Contains(data, []byte("@example.test")) {
		tb.Errorf("judgments export contains an annotator's email")
	}
	raw := jsonLines(tb, data)
	if len(raw) != len(votes) {
		tb.Fatalf("judgment rows: got %d, want %d", len(raw), len(votes))
	}
	annotators := map[string]int{}
	for i, fields := range raw {
		checkKeys(tb, fmt.Sprintf("judgment row %d", i+1), keysOf(fields), judgmentExportKeys)
		line, _ := json.Marshal(fields)
		var row judgmentExportRow
		decodeJSON(tb, string(line), &row)
		checkJudgmentRow(tb, i+1, row, votes[i])
		annotators[row.AnnotatorID]++
	}
	if len(annotators) != 2 {
		tb.Errorf("distinct annotator ids: got %d, want 2", len(annotators))
	}
	for id, n := range annotators {
		if n != votesPerAnnotator {
			tb.Errorf("rows of annotator %s: got %d, want %d", id, n, votesPerAnnotator)
		}
	}
}

func checkJudgmentRow(tb testing.TB, line int, row judgmentExportRow, v castVote) {
	tb.Helper()
	var preferred *uuid.UUID
	if v.verdict == labeling.VerdictPreferred {
		preferred = &v.preferred
	}
	var strength *labeling.Strength
	if v.strength != "" {
		strength = &v.strength
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"verdict", row.Verdict, v.verdict},
		{"preferred_response_id", row.Preferred, preferred},
		{"strength", row.Strength, strength},
		{"scores", row.Scores, v.scores},
		{"rationale", row.Rationale, v.rationale},
		{"unsafe", row.Unsafe, v.unsafe},
		{"left_response_id", row.LeftResponseID, v.left},
		{"annotator_id", row.AnnotatorID, export.Pseudonym([]byte(e2eSalt), v.annotator)},
	}

	for _, c := range checks {
		if !jsonEqual(c.got, c.want) {
			tb.Errorf("judgment row %d %s: got %v, want %v", line, c.name, c.got, c.want)
		}
	}
	pair := []uuid.UUID{row.ResponseAID, row.ResponseBID}
	if !slices.Contains(pair, v.left) || !slices.Contains(pair, v.right) {
		tb.Errorf("judgment row %d responses: got %v, want %s and %s", line, pair, v.left, v.right)
	}

	for name, id := range map[string]uuid.UUID{"judgment_id": row.JudgmentID,
		"comparison_id": row.ComparisonID, "prompt_id": row.PromptID} {
		if id == uuid.Nil {
			tb.Errorf("judgment row %d %s: got the nil uuid, want an id", line, name)
		}
	}

	if row.ShownAt.IsZero() {
		tb.Errorf("judgment row %d shown_at: got the zero time, want a time", line)
	}
	if row.SubmittedAt.Before(row.ShownAt) {
		tb.Errorf("judgment row %d submitted_at: got %v, want no earlier than shown_at %v",
			line, row.SubmittedAt, row.ShownAt)
	}
}
