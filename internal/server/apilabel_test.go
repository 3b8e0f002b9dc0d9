package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
)

// leasedJSON is the body of a successful lease.
type leasedJSON struct {
	AssignmentID uuid.UUID             `json:"assignment_id"`
	ComparisonID uuid.UUID             `json:"comparison_id"`
	Prompt       labeling.Conversation `json:"prompt"`
	Left         struct {
		ID      uuid.UUID `json:"id"`
		Content string    `json:"content"`
	} `json:"left"`
	Right struct {
		ID      uuid.UUID `json:"id"`
		Content string    `json:"content"`
	} `json:"right"`
	ExpiresAt time.Time `json:"expires_at"`
}

// submittedJSON is the body of a stored or repeated judgment.
type submittedJSON struct {
	JudgmentID uuid.UUID `json:"judgment_id"`
	Created    bool      `json:"created"`
}

func assignmentsPath(p labeling.Project) string {
	return "/api/v1/projects/" + p.ID.String() + "/assignments"
}

func judgmentPath(p labeling.Project, assignmentID uuid.UUID) string {
	return assignmentsPath(p) + "/" + assignmentID.String() + "/judgment"
}

// apiLease leases a comparison through the API and fails the test unless
// it gets 201.
func (a *testApp) apiLease(tb testing.TB, token string, p labeling.Project) leasedJSON {
	tb.Helper()
	res := a.apiRequest(tb, token, http.MethodPost, assignmentsPath(p), nil, nil)
	if res.status != http.StatusCreated {
		tb.Fatalf("lease: got status %d, want %d; body: %s", res.status, http.StatusCreated, res.body)
	}
	var out leasedJSON
	decodeJSON(tb, res.body, &out)
	return out
}

// apiJudge posts body as the judgment of assignmentID in p.
func (a *testApp) apiJudge(tb testing.TB, token string, p labeling.Project, assignmentID uuid.UUID,
	body string) response {
	tb.Helper()
	return a.apiRequest(tb, token, http.MethodPost, judgmentPath(p, assignmentID),
		strings.NewReader(body), http.Header{"Content-Type": {"application/json"}})
}

// jsonError returns the "error" member of a JSON error body.
func jsonError(tb testing.TB, body string) string {
	tb.Helper()
	var out map[string]any
	decodeJSON(tb, body, &out)
	msg, _ := out["error"].(string)
	return msg
}

func TestAPILabelLease(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	token := s.apiToken(t, annotatorEmail)

	before := time.Now()
	res := s.apiRequest(t, token, http.MethodPost, assignmentsPath(s.project), nil, nil)
	if res.status != http.StatusCreated {
		t.Fatalf("status: got %d, want %d; body: %s", res.status, http.StatusCreated, res.body)
	}
	if strings.Contains(res.body, "model") {
		t.Errorf("lease names the models, want a blind comparison; body: %s", res.body)
	}
	var got leasedJSON
	decodeJSON(t, res.body, &got)

	var ra, rb uuid.UUID
	var prompt string
	err := s.db.Pool().QueryRow(context.Background(), `SELECT c.response_a_id, c.response_b_id,
			p.messages->0->>'content'
		FROM assignments a JOIN comparisons c ON c.id = a.comparison_id
		JOIN prompts p ON p.id = c.prompt_id
		WHERE a.id = $1 AND a.annotator_id = $2 AND c.id = $3`,
		got.AssignmentID, s.annotator.ID, got.ComparisonID).Scan(&ra, &rb, &prompt)
	if err != nil {
		t.Fatalf("find the leased assignment %s: %v", got.AssignmentID, err)
	}
	if len(got.Prompt) != 1 || got.Prompt[0].Role != labeling.RoleUser || got.Prompt[0].Content != prompt {
		t.Errorf("prompt: got %+v, want one user message %q", got.Prompt, prompt)
	}
	pair := map[uuid.UUID]bool{ra: true, rb: true}
	if !pair[got.Left.ID] || !pair[got.Right.ID] || got.Left.ID == got.Right.ID {
		t.Errorf("left %v and right %v: want the comparison's responses %v and %v",
			got.Left.ID, got.Right.ID, ra, rb)
	}
	for _, r := range []struct {
		id      uuid.UUID
		content string
	}{{got.Left.ID, got.Left.Content}, {got.Right.ID, got.Right.Content}} {
		if want := s.responseContent(t, r.id); r.content != want {
			t.Errorf("content of %v: got %q, want %q", r.id, r.content, want)
		}
	}
	if !got.ExpiresAt.After(before) {
		t.Errorf("expires_at: got %v, want after %v", got.ExpiresAt, before)
	}
}

func TestAPILabelSubmitAndRepeat(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	token := s.apiToken(t, annotatorEmail)
	lease := s.apiLease(t, token, s.project)

	body := `{"verdict": "preferred", "preferred_response_id": "` + lease.Right.ID.String() + `",
		"strength": "clearly", "scores": {"` + lease.Left.ID.String() + `": {"helpful": 2},
		"` + lease.Right.ID.String() + `": {"helpful": 5, "honest": 4}},
		"rationale": "The right one answers.", "unsafe": true}`
	res := s.apiJudge(t, token, s.project, lease.AssignmentID, body)
	if res.status != http.StatusCreated {
		t.Fatalf("submit: got status %d, want %d; body: %s", res.status, http.StatusCreated, res.body)
	}
	var first submittedJSON
	decodeJSON(t, res.body, &first)
	if !first.Created || first.JudgmentID == uuid.Nil {
		t.Errorf("submit: got %+v, want a judgment id and created true", first)
	}

	judgments := s.judgments(t, s.project)
	if len(judgments) != 1 {
		t.Fatalf("judgments: got %d, want 1", len(judgments))
	}
	j := judgments[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"id", j.ID, first.JudgmentID},
		{"verdict", j.Verdict, labeling.VerdictPreferred},
		{"preferred", j.Preferred, lease.Right.ID},
		{"strength", j.Strength, labeling.StrengthClearly},
		{"left", j.LeftResponseID, lease.Left.ID},
		{"left helpful", j.Scores[lease.Left.ID]["helpful"], 2},
		{"right honest", j.Scores[lease.Right.ID]["honest"], 4},
		{"rationale", j.Rationale, "The right one answers."},
		{"unsafe", j.Unsafe, true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}

	// A retried request, even with another verdict, keeps the first.
	res = s.apiJudge(t, token, s.project, lease.AssignmentID, `{"verdict": "tie"}`)
	if res.status != http.StatusOK {
		t.Fatalf("repeat: got status %d, want %d; body: %s", res.status, http.StatusOK, res.body)
	}
	var repeat submittedJSON
	decodeJSON(t, res.body, &repeat)
	if repeat.Created || repeat.JudgmentID != first.JudgmentID {
		t.Errorf("repeat: got %+v, want judgment %v with created false", repeat, first.JudgmentID)
	}
	if n := len(s.judgments(t, s.project)); n != 1 {
		t.Errorf("judgments after the repeat: got %d, want 1", n)
	}
}

func TestAPILabelMaxOpenLeases(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	token := s.apiToken(t, annotatorEmail)

	first := s.apiLease(t, token, s.project)
	res := s.apiRequest(t, token, http.MethodPost, assignmentsPath(s.project), nil, nil)
	if res.status != http.StatusConflict {
		t.Fatalf("second lease at one open lease allowed: got %d, want %d", res.status, http.StatusConflict)
	}
	want := "you hold 1 open comparisons, the most this project allows; submit or skip one first"
	if got := jsonError(t, res.body); got != want {
		t.Errorf("error: got %q, want %q", got, want)
	}

	p := s.project
	p.MaxOpenLeases = 2
	if err := s.db.UpdateProject(context.Background(), p); err != nil {
		t.Fatalf("UpdateProject: %v", err)
	}
	second := s.apiLease(t, token, p)
	if second.ComparisonID == first.ComparisonID {
		t.Errorf("second lease: got comparison %v again", second.ComparisonID)
	}
	res = s.apiRequest(t, token, http.MethodPost, assignmentsPath(p), nil, nil)
	if res.status != http.StatusConflict {
		t.Errorf("third lease at two open leases allowed: got %d, want %d", res.status, http.StatusConflict)
	}
}

func TestAPILabelNothingLeft(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	token := s.apiToken(t, annotatorEmail)
	for range 3 {
		lease := s.apiLease(t, token, s.project)
		if res := s.apiJudge(t, token, s.project, lease.AssignmentID, `{"verdict": "tie"}`); res.status != http.StatusCreated {
			t.Fatalf("submit: got status %d, want %d; body: %s", res.status, http.StatusCreated, res.body)
		}
	}

	res := s.apiRequest(t, token, http.MethodPost, assignmentsPath(s.project), nil, nil)
	if res.status != http.StatusNotFound {
		t.Errorf("status: got %d, want %d", res.status, http.StatusNotFound)
	}
	if got, want := jsonError(t, res.body), "no comparisons left for you in project Colours and sums"; got != want {
		t.Errorf("error: got %q, want %q", got, want)
	}
}

func TestAPILabelGuidelinesFirst(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	p := s.project
	p.Guidelines = "Prefer the accurate answer."
	if err := s.db.UpdateProject(context.Background(), p); err != nil {
		t.Fatalf("UpdateProject: %v", err)
	}
	token := s.apiToken(t, annotatorEmail)

	res := s.apiRequest(t, token, http.MethodPost, assignmentsPath(p), nil, nil)
	if res.status != http.StatusConflict {
		t.Errorf("status: got %d, want %d", res.status, http.StatusConflict)
	}
	if got := jsonError(t, res.body); !strings.Contains(got, "/projects/"+p.ID.String()+"/guidelines") {
		t.Errorf("error: got %q, want it to name the guidelines page", got)
	}

	if err := s.db.MarkGuidelinesSeen(context.Background(), p.ID, s.annotator.ID); err != nil {
		t.Fatalf("MarkGuidelinesSeen: %v", err)
	}
	s.apiLease(t, token, p)
}

func TestAPILabelInvalidJudgment(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	token := s.apiToken(t, annotatorEmail)
	lease := s.apiLease(t, token, s.project)
	left, right := lease.Left.ID.String(), lease.Right.ID.String()

	tests := []struct {
		name, body string
		wantStatus int
		wantError  string // a part of the message
	}{
		{"missing verdict", `{}`, 422, "verdict is missing"},
		{"unknown verdict", `{"verdict": "left"}`, 422, `verdict "left" is not one of preferred, tie, both_bad`},
		{"preferred without id", `{"verdict": "preferred"}`, 422, "preferred_response_id is missing"},
		{"preferred id not a uuid", `{"verdict": "preferred", "preferred_response_id": "left"}`, 422,
			`preferred_response_id "left" is not a response id`},
		{"preferred id of another comparison", `{"verdict": "preferred", "preferred_response_id": "` +
			uuid.NewString() + `"}`, 422, "is not part of this comparison"},
		{"tie with a preferred id", `{"verdict": "tie", "preferred_response_id": "` + left + `"}`, 422,
			"preferred_response_id must be empty for a tie verdict"},
		{"unknown strength", `{"verdict": "preferred", "preferred_response_id": "` + left +
			`", "strength": "hugely"}`, 422, `strength "hugely"`},
		{"strength on a tie", `{"verdict": "tie", "strength": "clearly"}`, 422, `strength "clearly" needs a preferred response`},
		{"strength of the wrong type", `{"verdict": "tie", "strength": 3}`, 422, "strength: got a JSON number, want a string"},
		{"scores key not a uuid", `{"verdict": "tie", "scores": {"left": {"helpful": 3}}}`, 422,
			`scores: key "left" is not a response id`},
		{"score out of range", `{"verdict": "tie", "scores": {"` + right + `": {"helpful": 9}}}`, 422,
			"score 9 for helpful is outside 1 to 5"},
		{"unknown criterion", `{"verdict": "tie", "scores": {"` + right + `": {"funny": 3}}}`, 422,
			`rubric criterion "funny" is unknown`},
		{"fractional score", `{"verdict": "tie", "scores": {"` + right + `": {"helpful": 3.5}}}`, 422,
			"scores: got a JSON number 3.5, want a whole number"},
		{"rationale too long", `{"verdict": "tie", "rationale": "` + strings.Repeat("x", labeling.MaxRationale+1) +
			`"}`, 422, "rationale is 10001 bytes"},
		{"unknown field", `{"verdict": "tie", "preferred": "` + left + `"}`, 422,
			`unknown field "preferred"; the fields are verdict, preferred_response_id`},
		{"array body", `[{"verdict": "tie"}]`, 422, "body: got a JSON array, want an object"},
		{"not JSON", `verdict=tie`, 400, "body must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := s.apiJudge(t, token, s.project, lease.AssignmentID, tt.body)
			if res.status != tt.wantStatus {
				t.Errorf("status: got %d, want %d", res.status, tt.wantStatus)
			}
			if got := jsonError(t, res.body); !strings.Contains(got, tt.wantError) {
				t.Errorf("error: got %q, want it to contain %q", got, tt.wantError)
			}
		})
	}
	if n := len(s.judgments(t, s.project)); n != 0 {
		t.Errorf("judgments: got %d, want 0", n)
	}
}

func TestAPILabelAssignmentNotFound(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	other := s.createProject(t, "Other project")
	s.importPairs(t, other, `{"prompt": "Pick a fruit.", "response_a": "An apple.", "response_b": "A brick."}`+"\n")
	s.addMember(t, other, s.annotator, labeling.UserAnnotator)
	second := s.createUser(t, "second@example.test", labeling.UserAnnotator)
	s.addMember(t, s.project, second, labeling.UserAnnotator)

	token := s.apiToken(t, annotatorEmail)
	lease := s.apiLease(t, token, s.project)

	tests := []struct {
		name, token string
		project     labeling.Project
		path        string
		wantError   string
	}{
		{"other project in the URL", token, other, judgmentPath(other, lease.AssignmentID),
			"assignment " + lease.AssignmentID.String() + " not found in project Other project"},
		{"another annotator's assignment", s.apiToken(t, "second@example.test"), s.project,
			judgmentPath(s.project, lease.AssignmentID), "assignment " + lease.AssignmentID.String() + " not found"},
		{"unknown assignment", token, s.project, judgmentPath(s.project, uuid.Nil),
			"assignment " + uuid.Nil.String() + " not found"},
		{"malformed assignment id", token, s.project, assignmentsPath(s.project) + "/42/judgment",
			`assignment "42" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := s.apiRequest(t, tt.token, http.MethodPost, tt.path, strings.NewReader(`{"verdict": "tie"}`), nil)
			if res.status != http.StatusNotFound {
				t.Errorf("status: got %d, want %d", res.status, http.StatusNotFound)
			}
			if got := jsonError(t, res.body); got != tt.wantError {
				t.Errorf("error: got %q, want %q", got, tt.wantError)
			}
		})
	}
	for _, p := range []labeling.Project{s.project, other} {
		if n := len(s.judgments(t, p)); n != 0 {
			t.Errorf("judgments in %s: got %d, want 0", p.Name, n)
		}
	}
}
