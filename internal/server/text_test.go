package server_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestUnstorableTextRejected sends text that PostgreSQL cannot store (NUL
// and invalid UTF-8) in forms, JSON bodies and query strings, and expects
// 422 naming the field instead of a server error.
func TestUnstorableTextRejected(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	admin := s.login(t, adminEmail)
	token := s.apiToken(t, adminEmail)
	before := s.rowCounts(t)

	forms := []struct {
		name, path, field, value, want string
	}{
		{"login NUL", "/login", "email", "a\x00", `field "email" contains a NUL character`},
		{"login bad UTF-8", "/login", "email", "a\xff", `field "email" is not valid UTF-8 text`},
		{"project name", "/projects", "name", "a\x00b", `field "name" contains a NUL character`},
	}
	for _, c := range forms {
		t.Run(c.name, func(t *testing.T) {
			res := admin.postForm(c.path, url.Values{c.field: {c.value}, "password": {"x"}})
			if res.status != http.StatusUnprocessableEntity {
				t.Fatalf("status: got %d, want 422; body %s", res.status, res.body)
			}
			if !strings.Contains(res.text(), c.want) {
				t.Errorf("body does not contain %q: %s", c.want, res.text())
			}
		})
	}

	t.Run("JSON NUL escape", func(t *testing.T) {
		res := s.apiRequest(t, token, http.MethodPost, "/api/v1/projects",
			strings.NewReader(`{"name": "nul\u0000x"}`), nil)
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, "NUL character") {
			t.Errorf("got %d %s, want 422 naming the NUL character", res.status, res.body)
		}
	})
	t.Run("query parameter", func(t *testing.T) {
		path := "/api/v1/projects/" + s.project.ID.String() + "/imports?name=a%00b"
		res := s.apiRequest(t, token, http.MethodPost, path, strings.NewReader(""), nil)
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.body, `query parameter \"name\"`) {
			t.Errorf("got %d %s, want 422 naming the parameter", res.status, res.body)
		}
	})
	s.checkCountsUnchanged(t, before)
}

func TestAPIUnknownPathJSON(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	token := s.apiToken(t, adminEmail)
	res := s.apiRequest(t, token, http.MethodGet, "/api/v1/nothing-here", nil, nil)
	if res.status != http.StatusNotFound {
		t.Fatalf("status: got %d, want 404", res.status)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type: got %q, want application/json", ct)
	}
	if !strings.Contains(res.body, `"error"`) {
		t.Errorf("body: got %s, want a JSON error", res.body)
	}
}
