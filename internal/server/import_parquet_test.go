package server_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/pairwise/pairwise/internal/labeling"
)

// parquetTRLRow is a TRL preference row with nullable string columns.
type parquetTRLRow struct {
	Prompt   *string `parquet:"prompt,optional"`
	Chosen   *string `parquet:"chosen,optional"`
	Rejected *string `parquet:"rejected,optional"`
}

// trlParquet returns a Parquet file of TRL rows, one per prompt, each
// with the chosen response "yes" and the rejected "no". A prompt of ""
// writes a null prompt.
func trlParquet(tb testing.TB, prompts ...string) []byte {
	tb.Helper()
	rows := make([]parquetTRLRow, len(prompts))
	for i, p := range prompts {
		p, yes, no := p, "yes", "no"
		rows[i] = parquetTRLRow{Chosen: &yes, Rejected: &no}
		if p != "" {
			rows[i].Prompt = &p
		}
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[parquetTRLRow](&buf)
	if _, err := w.Write(rows); err != nil {
		tb.Fatal(err)
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportParquet(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)
	admin := a.login(t, adminEmail)
	token := a.apiToken(t, adminEmail)
	file := trlParquet(t, "Capital of France?", "Largest planet?")

	t.Run("api", func(t *testing.T) {
		p := a.createProject(t, "parquet api")
		res := a.apiImport(t, token, p.ID, "name=rows.parquet", file)
		if res.status != http.StatusCreated {
			t.Fatalf("status: got %d, want %d; body:\n%s", res.status, http.StatusCreated, res.body)
		}
		var got importReply
		decodeJSON(t, res.body, &got)
		if got.Report.Format != "trl" || got.Report.ComparisonsImported != 2 {
			t.Errorf("report: got format %q and %d comparisons, want trl and 2",
				got.Report.Format, got.Report.ComparisonsImported)
		}
	})

	t.Run("upload", func(t *testing.T) {
		projectID := createProjectForm(t, admin, "parquet upload")
		res := admin.upload("/projects/"+projectID.String()+"/imports", "auto", "", "rows.parquet", file)
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

	t.Run("null prompt", func(t *testing.T) {
		p := a.createProject(t, "parquet null")
		res := a.apiImport(t, token, p.ID, "", trlParquet(t, "Capital of France?", ""))
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("status: got %d, want %d; body:\n%s", res.status, http.StatusUnprocessableEntity, res.body)
		}
		for _, want := range []string{`"line": 2`, `"unit": "row"`, `"field": "prompt"`, "got null"} {
			if !strings.Contains(res.body, want) {
				t.Errorf("reply lacks %s; body:\n%s", want, res.body)
			}
		}
	})
}

func TestAPIImportNewProject(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)
	creator := a.createUser(t, "researcher@example.org", labeling.UserResearcher)
	a.createUser(t, "annotator@example.org", labeling.UserAnnotator)
	admin := a.apiToken(t, adminEmail)
	researcher := a.apiToken(t, "researcher@example.org")
	annotator := a.apiToken(t, "annotator@example.org")
	ctx := context.Background()
	post := func(token, query string, body []byte) response {
		return a.apiRequest(t, token, http.MethodPost, "/api/v1/imports?"+query, bytes.NewReader(body),
			http.Header{"Content-Type": {"application/octet-stream"}})
	}

	t.Run("created", func(t *testing.T) {
		res := post(researcher, "project=from+file&name=rows.parquet", trlParquet(t, "Capital of France?"))
		if res.status != http.StatusCreated {
			t.Fatalf("status: got %d, want %d; body:\n%s", res.status, http.StatusCreated, res.body)
		}
		p, err := a.db.ProjectByName(ctx, "from file")
		if err != nil {
			t.Fatalf("find the new project: %v", err)
		}
		if !strings.Contains(res.body, p.ID.String()) {
			t.Errorf("reply lacks the project id %s; body:\n%s", p.ID, res.body)
		}
		role, err := a.db.MemberRole(ctx, p.ID, creator.ID)
		if err != nil || role != labeling.UserResearcher {
			t.Errorf("creator's role: got %q, %v, want researcher", role, err)
		}
		stats, err := a.db.ProjectStats(ctx, p.ID)
		if err != nil || stats.Comparisons != 1 {
			t.Errorf("comparisons: got %d, %v, want 1", stats.Comparisons, err)
		}
	})

	t.Run("rejected file", func(t *testing.T) {
		res := post(admin, "project=broken", trlParquet(t, ""))
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("status: got %d, want %d; body:\n%s", res.status, http.StatusUnprocessableEntity, res.body)
		}
		if _, err := a.db.ProjectByName(ctx, "broken"); err == nil {
			t.Error("the project of a rejected import is still there")
		}
	})

	statuses := []struct {
		name, token, query string
		want               int
	}{
		{"no name", admin, "format=trl", http.StatusUnprocessableEntity},
		{"taken name", admin, "project=from+file", http.StatusConflict},
		{"annotator", annotator, "project=mine", http.StatusForbidden},
	}
	for _, tt := range statuses {
		t.Run(tt.name, func(t *testing.T) {
			res := post(tt.token, tt.query, trlParquet(t, "q"))
			if res.status != tt.want {
				t.Errorf("status: got %d, want %d; body:\n%s", res.status, tt.want, res.body)
			}
		})
	}
}

// uploadNewProject posts the home page's new-project-from-a-file form.
func uploadNewProject(tb testing.TB, c *client, project, fileName string, file []byte) response {
	tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField("project", project); err != nil {
		tb.Fatal(err)
	}
	if err := mw.WriteField("format", "auto"); err != nil {
		tb.Fatal(err)
	}
	fw, err := mw.CreateFormFile("file", fileName)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := fw.Write(file); err != nil {
		tb.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		tb.Fatal(err)
	}
	req := c.newRequest(http.MethodPost, "/imports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

func TestUploadNewProject(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)
	admin := a.login(t, adminEmail)
	ctx := context.Background()

	home := admin.get("/")
	for _, want := range []string{`action="/imports"`, `<option value="kto">kto</option>`} {
		if !strings.Contains(home.body, want) {
			t.Errorf("home page lacks %s", want)
		}
	}

	tests := []struct {
		name, project, wantName string
	}{
		{"named", "from a file", "from a file"},
		{"file name", "", "rows.parquet"},
		{"file name taken", "", "rows.parquet (2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := uploadNewProject(t, admin, tt.project, "rows.parquet", trlParquet(t, "Largest planet?"))
			if res.status != http.StatusSeeOther {
				t.Fatalf("status: got %d, want %d; body:\n%s", res.status, http.StatusSeeOther, res.body)
			}
			p, err := a.db.ProjectByName(ctx, tt.wantName)
			if err != nil {
				t.Fatalf("find project %q: %v", tt.wantName, err)
			}
			if loc := res.header.Get("Location"); !strings.HasPrefix(loc, "/projects/"+p.ID.String()+"/imports/") {
				t.Errorf("Location: got %q, want the import report of project %s", loc, p.ID)
			}
			stats, err := a.db.ProjectStats(ctx, p.ID)
			if err != nil || stats.Comparisons != 1 {
				t.Errorf("comparisons: got %d, %v, want 1", stats.Comparisons, err)
			}
		})
	}

	t.Run("rejected", func(t *testing.T) {
		res := uploadNewProject(t, admin, "broken upload", "rows.parquet", trlParquet(t, ""))
		if res.status != http.StatusUnprocessableEntity {
			t.Fatalf("status: got %d, want %d", res.status, http.StatusUnprocessableEntity)
		}
		if want := `row 1: field &#34;prompt&#34;: want a string or a list of messages, got null`; !strings.Contains(res.body, want) {
			t.Errorf("page lacks the malformed row %s; body:\n%.2000s", want, res.body)
		}
		if _, err := a.db.ProjectByName(ctx, "broken upload"); err == nil {
			t.Error("the project of a rejected import is still there")
		}
	})
}
