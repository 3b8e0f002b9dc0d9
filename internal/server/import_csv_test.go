package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
)

// spreadsheetCSV is a CSV file as a spreadsheet saves it: a byte-order
// mark, CRLF line endings and a quoted field with a comma and a line break.
const spreadsheetCSV = "\ufeffprompt,response_a,response_b,label\r\n" +
	"\"Capital of France, please?\",Paris.,Lyon.,a\r\n" +
	"Largest planet?,\"Jupiter.\r\nIt is a gas giant.\",Mars.,\r\n"

// oasstTrees is one OpenAssistant message tree with three ranked replies.
const oasstTrees = `{"message_tree_id": "t1", "prompt": {"message_id": "p1", "role": "prompter", ` +
	`"text": "Name a tea.", "replies": [` +
	`{"message_id": "a1", "role": "assistant", "text": "Green tea.", "rank": 0},` +
	`{"message_id": "a2", "role": "assistant", "text": "Black tea.", "rank": 1},` +
	`{"message_id": "a3", "role": "assistant", "text": "Coffee.", "rank": 2},` +
	`{"message_id": "a4", "role": "assistant", "text": "Tea.", "rank": null}]}}` + "\n"

func TestImportCSVAndOASST(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)
	admin := a.login(t, adminEmail)
	token := a.apiToken(t, adminEmail)

	apiTests := []struct {
		name, query, body, format string
		comparisons, skipped      int
	}{
		{"csv by name", "name=pairs.csv", spreadsheetCSV, "csv", 2, 0},
		{"csv by format", "format=csv", spreadsheetCSV, "csv", 2, 0},
		{"oasst detected", "name=trees.jsonl", oasstTrees, "oasst", 3, 1},
	}
	for _, tt := range apiTests {
		t.Run("api "+tt.name, func(t *testing.T) {
			p := a.createProject(t, "api "+tt.name)
			res := a.apiImport(t, token, p.ID, tt.query, []byte(tt.body))
			if res.status != http.StatusCreated {
				t.Fatalf("status: got %d, want %d; body:\n%s", res.status, http.StatusCreated, res.body)
			}
			var got importReply
			decodeJSON(t, res.body, &got)
			if got.Report.Format != tt.format {
				t.Errorf("format: got %q, want %q", got.Report.Format, tt.format)
			}
			if got.Report.ComparisonsImported != tt.comparisons {
				t.Errorf("comparisons: got %d, want %d", got.Report.ComparisonsImported, tt.comparisons)
			}
			if got.Report.Skipped != tt.skipped {
				t.Errorf("skipped: got %d, want %d", got.Report.Skipped, tt.skipped)
			}
		})
	}

	t.Run("upload csv by name", func(t *testing.T) {
		projectID := createProjectForm(t, admin, "csv upload")
		res := admin.upload("/projects/"+projectID.String()+"/imports", "auto", "", "Pairs.CSV", []byte(spreadsheetCSV))
		if res.status != http.StatusSeeOther {
			t.Fatalf("status: got %d, want %d; body:\n%s", res.status, http.StatusSeeOther, res.body)
		}
		stats, err := a.db.ProjectStats(context.Background(), projectID)
		if err != nil {
			t.Fatalf("project stats: %v", err)
		}
		if stats.Comparisons != 2 {
			t.Errorf("comparisons: got %d, want 2", stats.Comparisons)
		}
	})

	t.Run("upload Windows-1252 csv", func(t *testing.T) {
		projectID := createProjectForm(t, admin, "csv cp1252")
		file := "prompt,response_a,response_b\nSay \x93hi\x94,a,b\n"
		res := admin.upload("/projects/"+projectID.String()+"/imports", "csv", "", "pairs.txt", []byte(file))
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("status: got %d, want %d; body:\n%s", res.status, http.StatusUnprocessableEntity, res.body)
		}
		for _, want := range []string{"line 2", "Windows-1252", "iconv -f WINDOWS-1252 -t UTF-8"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("page lacks %q; body:\n%s", want, res.body)
			}
		}
	})
}
