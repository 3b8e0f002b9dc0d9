package server_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
)

func TestExportRejected(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	admin := s.login(t, adminEmail)
	token := s.apiToken(t, adminEmail)
	project := "/projects/" + s.project.ID.String()
	unknown := uuid.New().String()

	tests := []struct {
		name       string
		path       string
		wantStatus int
		wantError  string
	}{
		{"unknown format", project + "/export?format=csv", http.StatusUnprocessableEntity,
			`export format "csv" is not one of trl, judgments, trl-implicit, reward, kto, openai, hh, sft, rubric`},
		{"conversational not a bool", project + "/export?format=trl&conversational=maybe",
			http.StatusUnprocessableEntity, `conversational="maybe" is not true or false`},
		{"unknown project", "/projects/" + unknown + "/export?format=trl", http.StatusNotFound,
			"project " + unknown + " not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/web", func(t *testing.T) {
			res := admin.get(tt.path)
			if res.status != tt.wantStatus {
				t.Errorf("status: got %d, want %d", res.status, tt.wantStatus)
			}
			if got := errorParagraph(res.text()); got != tt.wantError {
				t.Errorf("message: got %q, want %q", got, tt.wantError)
			}
		})
		t.Run(tt.name+"/api", func(t *testing.T) {
			res := s.apiRequest(t, token, http.MethodGet, "/api/v1"+tt.path, nil, nil)
			if res.status != tt.wantStatus {
				t.Errorf("status: got %d, want %d", res.status, tt.wantStatus)
			}
			var got map[string]string
			decodeJSON(t, res.body, &got)
			if got["error"] != tt.wantError {
				t.Errorf("error: got %q, want %q", got["error"], tt.wantError)
			}
		})
	}
}

func TestExportEmptyProject(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	token := s.apiToken(t, adminEmail)

	for _, format := range []string{"trl", "judgments"} {
		t.Run(format, func(t *testing.T) {
			path := "/api/v1/projects/" + s.project.ID.String() + "/export?format=" + format
			res := s.apiRequest(t, token, http.MethodGet, path, nil, nil)
			if res.status != http.StatusOK {
				t.Errorf("status: got %d, want %d", res.status, http.StatusOK)
			}
			if res.body != "" {
				t.Errorf("body: got %q, want empty", res.body)
			}
		})
	}
}
