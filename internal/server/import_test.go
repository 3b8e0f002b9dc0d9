package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/ingest"
	"github.com/pairwise/pairwise/internal/labeling"
)

// questionPairs is a pairs-format file whose prompt field is named
// "question". Line 3 has identical responses and is skipped.
const questionPairs = `{"question": "Capital of France?", "response_a": "Paris.", "response_b": "Lyon."}
{"question": "Largest planet?", "response_a": "Jupiter.", "response_b": "Mars."}
{"question": "Boiling point of water at sea level?", "response_a": "100 °C.", "response_b": "100 °C."}
{"question": "Author of Hamlet?", "response_a": "Shakespeare.", "response_b": "Marlowe.", "label": "a"}
`

// malformedPairs has a line that is not JSON (2) and a list as a response (4).
const malformedPairs = `{"prompt": "Capital of France?", "response_a": "Paris.", "response_b": "Lyon."}
{"prompt": "Largest planet?", "response_a": "Jupiter.",
{"prompt": "Author of Hamlet?", "response_a": "Shakespeare.", "response_b": "Marlowe."}
{"prompt": "Is water wet?", "response_a": ["Yes."], "response_b": "It depends."}
`

// wantMalformed are the lines of malformedPairs that an import rejects.
var wantMalformed = []struct {
	line          int
	field, reason string
}{
	{2, "", "invalid JSON: unexpected end of JSON input"},
	{4, "response_a", "want a string, got array"},
}

// multipartUpload encodes the project page's import form.
func multipartUpload(tb testing.TB, format, fieldMap, fileName string, file []byte) (string, *bytes.Buffer) {
	tb.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if err := mw.WriteField("format", format); err != nil {
		tb.Fatalf("write format field: %v", err)
	}
	if err := mw.WriteField("map", fieldMap); err != nil {
		tb.Fatalf("write map field: %v", err)
	}
	fw, err := mw.CreateFormFile("file", fileName)
	if err != nil {
		tb.Fatalf("create file field: %v", err)
	}
	if _, err := fw.Write(file); err != nil {
		tb.Fatalf("write file field: %v", err)
	}
	if err := mw.Close(); err != nil {
		tb.Fatalf("close multipart body: %v", err)
	}
	return mw.FormDataContentType(), &body
}

func (c *client) upload(path, format, fieldMap, fileName string, file []byte) response {
	c.tb.Helper()
	contentType, body := multipartUpload(c.tb, format, fieldMap, fileName, file)
	req := c.newRequest(http.MethodPost, path, body)
	req.Header.Set("Content-Type", contentType)
	return c.do(req)
}

var projectLocationRe = regexp.MustCompile(`^/projects/([0-9a-f-]{36})\?notice=project-created$`)

// createProjectForm creates a project through the home page's form and
// returns its id.
func createProjectForm(tb testing.TB, admin *client, name string) uuid.UUID {
	tb.Helper()
	res := admin.postForm("/projects", url.Values{"name": {name}})
	if res.status != http.StatusSeeOther {
		tb.Fatalf("create project %q: got status %d, want %d; body:\n%s",
			name, res.status, http.StatusSeeOther, res.body)
	}
	m := projectLocationRe.FindStringSubmatch(res.header.Get("Location"))
	if m == nil {
		tb.Fatalf("create project %q: Location %q is not /projects/{id}?notice=project-created",
			name, res.header.Get("Location"))
	}
	return mustUUID(tb, m[1])
}

func TestUploadImport(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)
	admin := a.login(t, adminEmail)

	tests := []struct {
		name, format, fieldMap, fileName string
		file                             []byte
		wantFormat                       string
	}{
		{"jsonl with field map", "pairs", "prompt=question", "questions.jsonl",
			[]byte(questionPairs), "pairs"},
		{"gzip with detected format", "auto", "prompt=question", "questions.jsonl.gz",
			gzipBytes(t, []byte(questionPairs)), "pairs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			projectID := createProjectForm(t, admin, tt.name)
			path := "/projects/" + projectID.String()

			res := admin.upload(path+"/imports", tt.format, tt.fieldMap, tt.fileName, tt.file)
			if res.status != http.StatusSeeOther {
				t.Fatalf("status: got %d, want %d; body:\n%s", res.status, http.StatusSeeOther, res.body)
			}
			loc := res.header.Get("Location")
			batch, ok := strings.CutPrefix(loc, path+"/imports/")
			if !ok {
				t.Fatalf("Location: got %q, want %s/imports/{batch}", loc, path)
			}
			mustUUID(t, batch)

			page := admin.get(loc)
			if page.status != http.StatusOK {
				t.Fatalf("report page: got %d, want %d", page.status, http.StatusOK)
			}
			for _, want := range []string{
				"<dt>Source</dt><dd>" + tt.fileName + "</dd>",
				"<dt>Format</dt><dd>" + tt.wantFormat + "</dd>",
				`<dt>Records read</dt><dd class="read">4</dd>`,
				`<dt>Comparisons imported</dt><dd class="imported">3</dd>`,
				`<dt>Skipped</dt><dd class="skipped">1</dd>`,
				`<dt class="reason">identical_responses</dt><dd>1</dd>`,
				`<tr><td>3</td><td>identical_responses</td><td>response_a and response_b are identical</td></tr>`,
			} {
				if !strings.Contains(page.text(), want) {
					t.Errorf("report page lacks %s; body:\n%s", want, page.body)
				}
			}

			stats, err := a.db.ProjectStats(context.Background(), projectID)
			if err != nil {
				t.Fatalf("project stats: %v", err)
			}
			if stats.Comparisons != 3 {
				t.Errorf("comparisons: got %d, want 3", stats.Comparisons)
			}
		})
	}
}

func TestUploadMalformed(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	admin := s.login(t, adminEmail)
	project := createProjectForm(t, admin, "malformed")
	before := s.rowCounts(t)

	res := admin.upload("/projects/"+project.String()+"/imports", "pairs", "", "bad.jsonl", []byte(malformedPairs))
	if res.status != http.StatusUnprocessableEntity {
		t.Errorf("status: got %d, want %d", res.status, http.StatusUnprocessableEntity)
	}
	wantErrors := []string{"import rejected: 2 malformed records, nothing was imported"}
	for _, m := range wantMalformed {
		if m.field == "" {
			wantErrors = append(wantErrors, "line "+strconv.Itoa(m.line)+": "+m.reason)
		} else {
			wantErrors = append(wantErrors, "line "+strconv.Itoa(m.line)+": field \""+m.field+"\": "+m.reason)
		}
	}
	if got := errorItems(res.text()); !slices.Equal(got, wantErrors) {
		t.Errorf("errors:\ngot  %q\nwant %q", got, wantErrors)
	}
	if !strings.Contains(res.body, `<option value="pairs" selected>pairs</option>`) {
		t.Errorf("form does not keep the format; body:\n%s", res.body)
	}
	s.checkCountsUnchanged(t, before)
}

// importReply is the API's response body for a successful import.
type importReply struct {
	ImportID uuid.UUID `json:"import_id"`
	Report   struct {
		Format              string         `json:"format"`
		Read                int            `json:"read"`
		RowsImported        int            `json:"rows_imported"`
		ComparisonsImported int            `json:"comparisons_imported"`
		Skipped             int            `json:"skipped"`
		SkippedByReason     map[string]int `json:"skipped_by_reason"`
		SkippedLines        []struct {
			Line   int    `json:"line"`
			Reason string `json:"reason"`
			Detail string `json:"detail"`
		} `json:"skipped_lines"`
	} `json:"report"`
}

func (a *testApp) apiImport(tb testing.TB, token string, project uuid.UUID, query string, body []byte) response {
	tb.Helper()
	path := "/api/v1/projects/" + project.String() + "/imports?" + query
	return a.apiRequest(tb, token, http.MethodPost, path, bytes.NewReader(body),
		http.Header{"Content-Type": {"application/x-ndjson"}})
}

func TestAPIImport(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)
	token := a.apiToken(t, adminEmail)

	tests := []struct {
		name string
		body []byte
	}{
		{"jsonl", []byte(questionPairs)},
		{"gzip", gzipBytes(t, []byte(questionPairs))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := a.createProject(t, "api "+tt.name)
			res := a.apiImport(t, token, p.ID, "format=pairs&map=prompt%3Dquestion&name=questions.jsonl", tt.body)
			if res.status != http.StatusCreated {
				t.Fatalf("status: got %d, want %d; body:\n%s", res.status, http.StatusCreated, res.body)
			}
			var got importReply
			decodeJSON(t, res.body, &got)

			var source string
			err := a.db.Pool().QueryRow(context.Background(),
				`SELECT source_name FROM import_batches WHERE id = $1 AND project_id = $2`,
				got.ImportID, p.ID).Scan(&source)
			if err != nil {
				t.Fatalf("find import %s: %v", got.ImportID, err)
			}
			if source != "questions.jsonl" {
				t.Errorf("source name: got %q, want %q", source, "questions.jsonl")
			}

			r := got.Report
			checks := []struct {
				name      string
				got, want any
			}{
				{"format", r.Format, "pairs"},
				{"read", r.Read, 4},
				{"rows_imported", r.RowsImported, 3},
				{"comparisons_imported", r.ComparisonsImported, 3},
				{"skipped", r.Skipped, 1},
				{"skipped_by_reason", r.SkippedByReason, map[string]int{"identical_responses": 1}},
				{"skipped_lines count", len(r.SkippedLines), 1},
			}
			for _, c := range checks {
				if !jsonEqual(c.got, c.want) {
					t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
				}
			}
			if len(r.SkippedLines) == 1 {
				sk := r.SkippedLines[0]
				if sk.Line != 3 {
					t.Errorf("skipped line number: got %d, want 3", sk.Line)
				}
				if sk.Reason != "identical_responses" {
					t.Errorf("skipped line reason: got %q, want %q", sk.Reason, "identical_responses")
				}
				if want := "response_a and response_b are identical"; sk.Detail != want {
					t.Errorf("skipped line detail: got %q, want %q", sk.Detail, want)
				}
			}
		})
	}
}

// TestAPIImportKeys checks that the API's import reply spells every key in
// snake_case, nested objects included.
func TestAPIImportKeys(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)
	token := a.apiToken(t, adminEmail)

	t.Run("report", func(t *testing.T) {
		p := a.createProject(t, "keys report")
		res := a.apiImport(t, token, p.ID, "format=pairs&map=prompt%3Dquestion", []byte(questionPairs))
		if res.status != http.StatusCreated {
			t.Fatalf("status: got %d, want %d; body:\n%s", res.status, http.StatusCreated, res.body)
		}
		var got struct {
			Report struct {
				SkippedLines []map[string]any `json:"skipped_lines"`
			} `json:"report"`
		}
		decodeJSON(t, res.body, &got)
		checkKeys(t, "top level", rawKeys(t, res.body), []string{"import_id", "report"})
		if len(got.Report.SkippedLines) != 1 {
			t.Fatalf("skipped_lines: got %d, want 1", len(got.Report.SkippedLines))
		}
		checkKeys(t, "skipped_lines[0]", keysOf(got.Report.SkippedLines[0]), []string{"detail", "line", "reason"})
	})

	t.Run("malformed", func(t *testing.T) {
		p := a.createProject(t, "keys malformed")
		res := a.apiImport(t, token, p.ID, "format=pairs", []byte(malformedPairs))
		var got struct {
			MalformedLines []map[string]any `json:"malformed_lines"`
		}
		decodeJSON(t, res.body, &got)
		checkKeys(t, "top level", rawKeys(t, res.body), []string{"error", "malformed_lines", "malformed_total"})
		for i, line := range got.MalformedLines {
			checkKeys(t, "malformed_lines["+strconv.Itoa(i)+"]", keysOf(line), []string{"field", "line", "reason"})
		}
	})
}

func rawKeys(tb testing.TB, body string) []string {
	tb.Helper()
	var m map[string]json.RawMessage
	decodeJSON(tb, body, &m)
	return keysOf(m)
}

func keysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func checkKeys(tb testing.TB, jsonPath string, got, want []string) {
	tb.Helper()
	if !slices.Equal(got, want) {
		tb.Errorf("%s keys: got %q, want %q", jsonPath, got, want)
	}
}

// jsonEqual compares two values by their JSON encodings.
func jsonEqual(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

func TestAPIImportMalformed(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)
	token := a.apiToken(t, adminEmail)
	p := a.createProject(t, "malformed")
	before := a.rowCounts(t)

	res := a.apiImport(t, token, p.ID, "format=pairs&name=bad.jsonl", []byte(malformedPairs))
	if res.status != http.StatusUnprocessableEntity {
		t.Errorf("status: got %d, want %d", res.status, http.StatusUnprocessableEntity)
	}
	var got struct {
		Error          string `json:"error"`
		MalformedTotal int    `json:"malformed_total"`
		MalformedLines []struct {
			Line   int    `json:"line"`
			Field  string `json:"field"`
			Reason string `json:"reason"`
		} `json:"malformed_lines"`
	}
	decodeJSON(t, res.body, &got)
	if got.Error != "import rejected: malformed records, nothing was imported" {
		t.Errorf("error: got %q, want %q", got.Error, "import rejected: malformed records, nothing was imported")
	}
	if got.MalformedTotal != len(wantMalformed) {
		t.Errorf("malformed_total: got %d, want %d", got.MalformedTotal, len(wantMalformed))
	}
	if len(got.MalformedLines) != len(wantMalformed) {
		t.Fatalf("malformed_lines: got %d, want %d; body:\n%s", len(got.MalformedLines), len(wantMalformed), res.body)
	}
	for i, want := range wantMalformed {
		g := got.MalformedLines[i]
		if g.Line != want.line || g.Field != want.field || g.Reason != want.reason {
			t.Errorf("malformed_lines[%d]: got {%d %q %q}, want {%d %q %q}",
				i, g.Line, g.Field, g.Reason, want.line, want.field, want.reason)
		}
	}
	a.checkCountsUnchanged(t, before)
}

func TestUploadRejected(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	admin := s.login(t, adminEmail)
	path := "/projects/" + s.project.ID.String() + "/imports"

	multipartWithoutFile := func() response {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("format", "pairs")
		mw.Close()
		req := admin.newRequest(http.MethodPost, path, &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		return admin.do(req)
	}
	tests := []struct {
		name      string
		send      func() response
		wantError string
	}{
		{"no file", multipartWithoutFile, "choose a file to import"},
		{"not multipart", func() response {
			return admin.postForm(path, url.Values{"format": {"pairs"}})
		}, "the upload must be a multipart form with a file field"},
		{"unknown format", func() response {
			return admin.upload(path, "xml", "", "pairs.jsonl", []byte(threePairs))
		}, unknownFormatError(t, "xml")},
		{"field map without equals sign", func() response {
			return admin.upload(path, "pairs", "prompt", "pairs.jsonl", []byte(threePairs))
		}, `invalid field map entry "prompt": want canonical=file_field, canonical one of ` +
			"prompt, system, response_a, response_b, label, model_a, model_b, chosen, rejected, completions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := s.rowCounts(t)
			res := tt.send()
			if res.status != http.StatusUnprocessableEntity {
				t.Errorf("status: got %d, want %d", res.status, http.StatusUnprocessableEntity)
			}
			if got := errorItems(res.text()); !slices.Equal(got, []string{tt.wantError}) {
				t.Errorf("errors: got %q, want [%q]", got, tt.wantError)
			}
			s.checkCountsUnchanged(t, before)
		})
	}
}

// unknownFormatError returns the error that naming format gives, with the
// list of accepted formats as ingest has it.
func unknownFormatError(tb testing.TB, format string) string {
	tb.Helper()
	_, err := ingest.ParseFormat(format)
	if err == nil {
		tb.Fatalf("ParseFormat(%q): got no error, want one", format)
	}
	return err.Error()
}

// TestUploadNewProjectMapGold posts the home page's new-project form with
// a field map and the gold option, which the project page's form and
// `server import --create` also take.
func TestUploadNewProjectMapGold(t *testing.T) {
	t.Parallel()
	a := startApp(t)
	a.createUser(t, adminEmail, labeling.UserAdmin)
	admin := a.login(t, adminEmail)
	ctx := context.Background()

	home := admin.get("/")
	for _, want := range []string{`name="map"`, `name="gold"`} {
		if !strings.Contains(home.body, want) {
			t.Errorf("new-project form lacks %s", want)
		}
	}

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fields := [][2]string{{"project", "mapped"}, {"format", "auto"},
		{"map", "prompt=question"}, {"gold", "true"}}
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", "questions.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write([]byte(questionPairs)); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req := admin.newRequest(http.MethodPost, "/imports", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res := admin.do(req)
	if res.status != http.StatusSeeOther {
		t.Fatalf("status: got %d, want %d; body:\n%s", res.status, http.StatusSeeOther, res.body)
	}

	p, err := a.db.ProjectByName(ctx, "mapped")
	if err != nil {
		t.Fatalf("project: %v", err)
	}
	stats, err := a.db.ProjectStats(ctx, p.ID)
	if err != nil {
		t.Fatalf("stats: %v", err)
	}
	if stats.Comparisons != 3 {
		t.Errorf("comparisons: got %d, want 3", stats.Comparisons)
	}
	_, golds, err := a.db.GoldComparisons(ctx, p.ID, 10)
	if err != nil {
		t.Fatalf("gold comparisons: %v", err)
	}
	if golds != 1 {
		t.Errorf("gold comparisons: got %d, want 1 (the labelled line)", golds)
	}
}
