package server_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
)

// statsBody is the body of GET /api/v1/projects/{id}/stats.
type statsBody struct {
	ProjectID       uuid.UUID      `json:"project_id"`
	Comparisons     int            `json:"comparisons"`
	JudgmentsWanted int            `json:"judgments_wanted"`
	FullyJudged     int            `json:"fully_judged"`
	Judgments       int            `json:"judgments"`
	Skips           int            `json:"skips"`
	GoldComparisons int            `json:"gold_comparisons"`
	Adjudicated     int            `json:"adjudicated"`
	Members         map[string]int `json:"members"`
	Annotators      []struct {
		UserID     uuid.UUID `json:"user_id"`
		Name       string    `json:"name"`
		MemberRole string    `json:"member_role"`
		Judgments  int       `json:"judgments"`
		Skips      int       `json:"skips"`
	} `json:"annotators"`
}

func statsPath(p labeling.Project) string {
	return "/api/v1/projects/" + p.ID.String() + "/stats"
}

func TestStatsAPICounts(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	ctx := context.Background()
	researcher := s.createUser(t, apiResearcherEmail, labeling.UserResearcher)
	s.addMember(t, s.project, researcher, labeling.UserResearcher)
	idle := s.createUser(t, "idle@example.test", labeling.UserAnnotator)
	s.addMember(t, s.project, idle, labeling.UserAnnotator)

	ids := s.projectComparisonIDs(t, s.project)
	if err := s.db.SetGold(ctx, s.project.ID, ids[2], store.Settlement{Verdict: labeling.VerdictTie}); err != nil {
		t.Fatalf("SetGold: %v", err)
	}
	if err := s.db.Adjudicate(ctx, s.project.ID, ids[0], store.Settlement{Verdict: labeling.VerdictBothBad},
		researcher.ID); err != nil {
		t.Fatalf("Adjudicate: %v", err)
	}

	// The annotator judges one comparison and skips the other; the admin,
	// who is no member, judges the skipped one.
	annotator := s.apiToken(t, annotatorEmail)
	judged := s.apiLease(t, annotator, s.project)
	if res := s.apiJudge(t, annotator, s.project, judged.AssignmentID, `{"verdict": "tie"}`); res.status != http.StatusCreated {
		t.Fatalf("submit: got status %d, want %d; body: %s", res.status, http.StatusCreated, res.body)
	}
	skipped := s.apiLease(t, annotator, s.project)
	if err := s.db.Skip(ctx, s.annotator.ID, skipped.AssignmentID, "unclear"); err != nil {
		t.Fatalf("Skip: %v", err)
	}
	admin := s.apiToken(t, adminEmail)
	other := s.apiLease(t, admin, s.project)
	if res := s.apiJudge(t, admin, s.project, other.AssignmentID, `{"verdict": "tie"}`); res.status != http.StatusCreated {
		t.Fatalf("admin submit: got status %d, want %d; body: %s", res.status, http.StatusCreated, res.body)
	}

	res := s.apiRequest(t, s.apiToken(t, apiResearcherEmail), http.MethodGet, statsPath(s.project), nil, nil)
	if res.status != http.StatusOK {
		t.Fatalf("stats: got status %d, want %d; body: %s", res.status, http.StatusOK, res.body)
	}
	var got statsBody
	decodeJSON(t, res.body, &got)
	totals := []struct {
		name      string
		got, want int
	}{
		{"comparisons", got.Comparisons, 3},
		{"judgments wanted", got.JudgmentsWanted, 1},
		{"fully judged", got.FullyJudged, 2},
		{"judgments", got.Judgments, 2},
		{"skips", got.Skips, 1},
		{"gold comparisons", got.GoldComparisons, 1},
		{"adjudicated", got.Adjudicated, 1},
		{"researcher members", got.Members["researcher"], 1},
		{"annotator members", got.Members["annotator"], 2},
	}
	for _, tt := range totals {
		if tt.got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, tt.got, tt.want)
		}
	}
	if got.ProjectID != s.project.ID {
		t.Errorf("project_id: got %v, want %v", got.ProjectID, s.project.ID)
	}

	type work struct {
		name, role       string
		judgments, skips int
	}
	want := map[uuid.UUID]work{
		s.annotator.ID: {annotatorEmail, "annotator", 1, 1},
		s.admin.ID:     {adminEmail, "", 1, 0},
		idle.ID:        {"idle@example.test", "annotator", 0, 0},
	}
	if len(got.Annotators) != len(want) {
		t.Fatalf("annotators: got %d (%+v), want %d", len(got.Annotators), got.Annotators, len(want))
	}
	for _, a := range got.Annotators {
		if w := (work{a.Name, a.MemberRole, a.Judgments, a.Skips}); w != want[a.UserID] {
			t.Errorf("annotator %v: got %+v, want %+v", a.UserID, w, want[a.UserID])
		}
	}
}

func TestStatsAPIAccess(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	s.createUser(t, "outsider@example.test", labeling.UserAnnotator)

	tests := []struct {
		name, email string
		want        int
	}{
		{"admin", adminEmail, http.StatusOK},
		{"annotator member", annotatorEmail, http.StatusForbidden},
		{"not a member", "outsider@example.test", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := s.apiRequest(t, s.apiToken(t, tt.email), http.MethodGet, statsPath(s.project), nil, nil)
			if res.status != tt.want {
				t.Errorf("status: got %d, want %d; body: %s", res.status, tt.want, res.body)
			}
		})
	}
	res := s.apiRequest(t, "", http.MethodGet, statsPath(s.project), nil, nil)
	if res.status != http.StatusUnauthorized {
		t.Errorf("without a token: got status %d, want %d", res.status, http.StatusUnauthorized)
	}
}

// projectComparisonIDs returns the ids of p's comparisons in import order.
func (a *testApp) projectComparisonIDs(tb testing.TB, p labeling.Project) []uuid.UUID {
	tb.Helper()
	rows, err := a.db.Pool().Query(context.Background(),
		`SELECT id FROM comparisons WHERE project_id = $1 ORDER BY seq`, p.ID)
	if err != nil {
		tb.Fatalf("list comparisons of %s: %v", p.Name, err)
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
	if err := rows.Err(); err != nil {
		tb.Fatalf("list comparisons of %s: %v", p.Name, err)
	}
	return ids
}
