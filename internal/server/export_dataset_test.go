package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
)

func TestExportKTO(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	ctx := context.Background()
	a, err := s.db.NextAssignment(ctx, s.project, s.annotator.ID)
	if err != nil {
		t.Fatalf("lease: %v", err)
	}
	vote := labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictPreferred, Preferred: a.Left.ID}
	if _, _, err := s.db.Submit(ctx, s.annotator.ID, vote); err != nil {
		t.Fatalf("submit: %v", err)
	}

	res := s.login(t, adminEmail).get("/projects/" + s.project.ID.String() + "/export?format=kto")
	if res.status != http.StatusOK {
		t.Fatalf("status: got %d, want %d", res.status, http.StatusOK)
	}
	if got, want := res.header.Get("Content-Type"), "application/x-ndjson; charset=utf-8"; got != want {
		t.Errorf("content type: got %q, want %q", got, want)
	}
	lines := strings.Split(strings.TrimSuffix(res.body, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("lines: got %d, want 2: %q", len(lines), res.body)
	}
	want := []struct {
		completion string
		label      bool
	}{{a.Left.Content, true}, {a.Right.Content, false}}
	for i, line := range lines {
		var row struct {
			Prompt     string `json:"prompt"`
			Completion string `json:"completion"`
			Label      bool   `json:"label"`
		}
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("decode line %d %s: %v", i+1, line, err)
		}
		if row.Prompt != a.Prompt[len(a.Prompt)-1].Content {
			t.Errorf("line %d prompt: got %q, want %q", i+1, row.Prompt, a.Prompt[len(a.Prompt)-1].Content)
		}
		if row.Completion != want[i].completion {
			t.Errorf("line %d completion: got %q, want %q", i+1, row.Completion, want[i].completion)
		}
		if row.Label != want[i].label {
			t.Errorf("line %d label: got %v, want %v", i+1, row.Label, want[i].label)
		}
	}
}

func TestExportDatasetRejected(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	admin := s.login(t, adminEmail)
	project := "/projects/" + s.project.ID.String() + "/export?format="

	tests := []struct {
		name      string
		query     string
		wantError string
	}{
		{"unknown policy", "kto&policy=vote",
			`policy "vote" is not one of majority, unanimous, strength, dawid-skene`},
		{"unknown split", "trl&split=dev", `split "dev" is not one of train, test, validation`},
		{"negative min_votes", "reward&min_votes=-1", `min_votes="-1" is not a whole number of 0 or more`},
		{"metadata not a bool", "sft&metadata=yes", `metadata="yes" is not true or false`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := admin.get(project + tt.query)
			if res.status != http.StatusUnprocessableEntity {
				t.Errorf("status: got %d, want %d", res.status, http.StatusUnprocessableEntity)
			}
			if got := errorParagraph(res.text()); got != tt.wantError {
				t.Errorf("message: got %q, want %q", got, tt.wantError)
			}
		})
	}
}
