package server_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/server"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// jobApp is a test app whose server runs export jobs for projects with
// more than threshold labelled comparisons.
type jobApp struct {
	*testApp
	server *server.Server
	// run starts the export workers; they stop when the test ends.
	run func()
}

func startJobApp(t *testing.T, threshold int64) *jobApp {
	t.Helper()
	db := storetest.New(t)
	cfg := server.DefaultConfig()
	cfg.ExportJobThreshold = threshold
	cfg.ExportDir = t.TempDir()
	srv := server.New(db, slog.New(slog.DiscardHandler), cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	run := func() {
		if err := srv.RunExportJobs(ctx); err != nil {
			t.Fatalf("run export jobs: %v", err)
		}
	}
	return &jobApp{testApp: &testApp{db: db, srv: ts}, server: srv, run: run}
}

// judgedProject creates a project with n comparisons, each judged once,
// and a researcher of it.
func (a *jobApp) judgedProject(t *testing.T, n int) labeling.Project {
	t.Helper()
	ctx := context.Background()
	p := a.createProject(t, "Big export")
	var pairs strings.Builder
	for i := range n {
		fmt.Fprintf(&pairs, `{"prompt": "Question %d?", "response_a": "Yes %d.", "response_b": "No %d."}`+"\n", i, i, i)
	}
	a.importPairs(t, p, pairs.String())
	annotator := a.createUser(t, "annotator@example.test", labeling.UserAnnotator)
	a.addMember(t, p, annotator, labeling.UserAnnotator)
	for i := range n {
		lease, err := a.db.NextAssignment(ctx, p, annotator.ID)
		if err != nil {
			t.Fatalf("lease %d: %v", i, err)
		}
		vote := labeling.Vote{AssignmentID: lease.ID, Verdict: labeling.VerdictPreferred, Preferred: lease.Left.ID}
		if _, _, err := a.db.Submit(ctx, annotator.ID, vote); err != nil {
			t.Fatalf("submit %d: %v", i, err)
		}
	}
	researcher := a.createUser(t, researcherEmail, labeling.UserResearcher)
	a.addMember(t, p, researcher, labeling.UserResearcher)
	return p
}

// exportJobStatus is the part of the API's job status that tests read.
type exportJobStatus struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Processed int64  `json:"processed"`
	Total     int64  `json:"total"`
	Rows      int64  `json:"rows"`
	FileName  string `json:"file_name"`
	FileURL   string `json:"file_url"`
	Error     string `json:"error"`
	Percent   int64  `json:"percent"`
}

// waitForJob polls the API status of job until it is done or failed.
func waitForJob(t *testing.T, c *client, statusURL string) exportJobStatus {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		res := c.get(statusURL)
		if res.status != http.StatusOK {
			t.Fatalf("GET %s: status %d; body:\n%s", statusURL, res.status, res.body)
		}
		var s exportJobStatus
		decodeJSON(t, res.body, &s)
		if s.Status == store.ExportDone || s.Status == store.ExportFailed {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("export job still %s after a minute: %+v", s.Status, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// postSameOrigin posts an empty form to path as a same-origin browser
// request.
func postSameOrigin(c *client, path string) response {
	c.tb.Helper()
	req := c.newRequest(http.MethodPost, path, strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

func TestExportJobRunsToCompletion(t *testing.T) {
	t.Parallel()
	a := startJobApp(t, 3)
	a.run()
	p := a.judgedProject(t, 8)
	c := a.login(t, researcherEmail)
	base := "/projects/" + p.ID.String()

	// A large project's export sends the browser to start a job.
	res := c.get(base + "/export?format=trl&policy=majority")
	if want := base + "/exports?format=trl&policy=majority"; res.status != http.StatusSeeOther ||
		res.header.Get("Location") != want {
		t.Fatalf("export of a large project: got %d to %q, want 303 to %q", res.status,
			res.header.Get("Location"), want)
	}
	res = c.get(res.header.Get("Location"))
	if !strings.Contains(res.text(), "Start the export") {
		t.Fatalf("exports page lacks the start button; body:\n%s", res.body)
	}

	res = postSameOrigin(c, base+"/exports?format=trl&policy=majority")
	jobPath := res.header.Get("Location")
	if res.status != http.StatusSeeOther || !strings.HasPrefix(jobPath, base+"/exports/") {
		t.Fatalf("start job: got %d to %q, want 303 to a job page", res.status, jobPath)
	}
	s := waitForJob(t, c, "/api/v1"+jobPath)
	if s.Status != store.ExportDone || s.Rows != 8 || s.Percent != 100 {
		t.Fatalf("job: got %+v, want done with 8 rows at 100%%", s)
	}
	if s.Processed != 8 || s.Total != 8 {
		t.Errorf("progress: got %d of %d, want 8 of 8", s.Processed, s.Total)
	}

	// The file is what a streamed export of the same options writes.
	file := c.get(jobPath + "/file")
	if file.status != http.StatusOK {
		t.Fatalf("download: status %d; body:\n%s", file.status, file.body)
	}
	var want bytes.Buffer
	opts := server.ExportOptions{Format: server.ExportTRL, Policy: "majority"}
	if _, err := server.Export(context.Background(), a.db, &want, p, opts); err != nil {
		t.Fatalf("export: %v", err)
	}
	if file.body != want.String() {
		t.Errorf("job file:\n%s\nwant:\n%s", file.body, want.String())
	}
	if cd := file.header.Get("Content-Disposition"); !strings.Contains(cd, s.FileName) ||
		!strings.HasSuffix(s.FileName, ".jsonl") {
		t.Errorf("Content-Disposition %q, file name %q: want an attachment named *.jsonl", cd, s.FileName)
	}

	page := c.get(jobPath)
	for _, want := range []string{"done", "Download " + s.FileName, `value="100"`} {
		if !strings.Contains(page.text(), want) {
			t.Errorf("job page lacks %q; body:\n%s", want, page.body)
		}
	}
	list := c.get(base + "/exports")
	if !strings.Contains(list.body, jobPath+"/file") {
		t.Errorf("exports page lacks the download link %s/file; body:\n%s", jobPath, list.body)
	}

	api := c.get("/api/v1" + base + "/export?format=trl")
	if api.status != http.StatusConflict || !strings.Contains(api.body, "POST /api/v1"+base+"/exports") {
		t.Errorf("API export of a large project: got %d %s, want 409 naming the job endpoint",
			api.status, api.body)
	}
}

func TestExportJobBundleThroughAPI(t *testing.T) {
	t.Parallel()
	a := startJobApp(t, 3)
	a.run()
	p := a.judgedProject(t, 20)
	token := a.apiToken(t, researcherEmail)
	path := "/api/v1/projects/" + p.ID.String() + "/exports?format=trl&bundle=tar.gz&license=mit&language=en,fr"

	res := a.apiRequest(t, token, http.MethodPost, path, nil, nil)
	if res.status != http.StatusAccepted {
		t.Fatalf("start job: status %d; body:\n%s", res.status, res.body)
	}
	var started exportJobStatus
	decodeJSON(t, res.body, &started)
	if loc := res.header.Get("Location"); !strings.HasSuffix(loc, "/exports/"+started.ID) {
		t.Errorf("Location %q does not name job %s", loc, started.ID)
	}

	c := a.login(t, researcherEmail)
	s := waitForJob(t, c, res.header.Get("Location"))
	if s.Status != store.ExportDone || !strings.HasSuffix(s.FileName, ".tar.gz") {
		t.Fatalf("job: got %+v, want done with a .tar.gz file", s)
	}
	file := a.apiRequest(t, token, http.MethodGet, s.FileURL, nil, nil)
	if file.status != http.StatusOK {
		t.Fatalf("download: status %d", file.status)
	}
	names, readme := tarGzNames(t, []byte(file.body))
	if len(names) < 2 || names[0] != "README.md" || !slices.Contains(names, "data/train-00000-of-00001.parquet") {
		t.Errorf("bundle files: got %v, want README.md and data/train-00000-of-00001.parquet", names)
	}
	for _, want := range []string{"license: mit\n", "language:\n- en\n- fr\n", "- annotators: 1\n"} {
		if !strings.Contains(readme, want) {
			t.Errorf("README.md lacks %q:\n%s", want, readme)
		}
	}
}

// tarGzNames returns the file names of a tar.gz archive and the content
// of its README.md.
func tarGzNames(t *testing.T, data []byte) ([]string, string) {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("open gzip: %v", err)
	}
	tr := tar.NewReader(gz)
	var names []string
	readme := ""
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names, readme
		}
		if err != nil {
			t.Fatalf("read tar: %v", err)
		}
		names = append(names, h.Name)
		if h.Name == "README.md" {
			body, _ := io.ReadAll(tr)
			readme = string(body)
		}
	}
}

func TestExportBundleStreamsSmallProject(t *testing.T) {
	t.Parallel()
	a := startJobApp(t, server.DefaultExportJobThreshold)
	p := a.judgedProject(t, 6)
	c := a.login(t, researcherEmail)

	res := c.get("/projects/" + p.ID.String() + "/export?format=kto&bundle=zip")
	if res.status != http.StatusOK || res.header.Get("Content-Type") != "application/zip" {
		t.Fatalf("bundle: got %d %s, want 200 application/zip; body:\n%.300s", res.status,
			res.header.Get("Content-Type"), res.body)
	}
	zr, err := zip.NewReader(strings.NewReader(res.body), int64(len(res.body)))
	if err != nil {
		t.Fatalf("open zip: %v", err)
	}
	if len(zr.File) < 2 || zr.File[0].Name != "README.md" {
		t.Errorf("zip files: want README.md first and a data file, got %d files", len(zr.File))
	}
	for _, f := range zr.File[1:] {
		if !strings.HasPrefix(f.Name, "data/") || !strings.HasSuffix(f.Name, "-00000-of-00001.parquet") {
			t.Errorf("data file %q is not data/SPLIT-00000-of-00001.parquet", f.Name)
		}
	}

	bad := c.get("/projects/" + p.ID.String() + "/export?format=judgments&bundle=zip")
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.text(), `not "judgments"`) {
		t.Errorf("bundle of judgments: got %d, want 422 naming the format; body:\n%s", bad.status, bad.body)
	}
}

func TestExportJobStates(t *testing.T) {
	t.Parallel()
	a := startJobApp(t, 3)
	p := a.judgedProject(t, 4)
	c := a.login(t, researcherEmail)
	ctx := context.Background()
	options := []byte(`{"export": {"Format": "trl"}, "bundle": {}}`)

	queued, err := a.db.CreateExportJob(ctx, store.ExportJob{ProjectID: p.ID, Options: options, Total: 4})
	if err != nil {
		t.Fatal(err)
	}
	running, err := a.db.CreateExportJob(ctx, store.ExportJob{ProjectID: p.ID, Options: options, Total: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.db.StartExportJob(ctx, running.ID); err != nil {
		t.Fatal(err)
	}
	jobPath := func(j store.ExportJob) string {
		return "/projects/" + p.ID.String() + "/exports/" + j.ID.String()
	}

	t.Run("no file before done", func(t *testing.T) {
		res := c.get(jobPath(queued) + "/file")
		if res.status != http.StatusConflict || !strings.Contains(res.text(), "is queued") {
			t.Errorf("file of a queued job: got %d, want 409 saying it is queued; body:\n%s", res.status, res.body)
		}
	})

	t.Run("restart fails unfinished jobs", func(t *testing.T) {
		if err := a.server.FailInterruptedExportJobs(ctx); err != nil {
			t.Fatal(err)
		}
		for _, j := range []store.ExportJob{queued, running} {
			got, err := a.db.ExportJob(ctx, p.ID, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != store.ExportFailed || !strings.Contains(got.Error, "server stopped") {
				t.Errorf("job %s: got %s %q, want failed because the server stopped", j.ID, got.Status, got.Error)
			}
			page := c.get(jobPath(j))
			if !strings.Contains(page.text(), got.Error) {
				t.Errorf("job page lacks the error %q; body:\n%s", got.Error, page.body)
			}
		}
	})

	t.Run("unknown job", func(t *testing.T) {
		for _, path := range []string{jobPath(store.ExportJob{ID: uuid.New()}), "/projects/" + p.ID.String() + "/exports/x"} {
			if res := c.get(path); res.status != http.StatusNotFound {
				t.Errorf("GET %s: got %d, want 404", path, res.status)
			}
		}
	})

	t.Run("invalid options", func(t *testing.T) {
		res := postSameOrigin(c, "/projects/"+p.ID.String()+"/exports?format=trl&bundle=rar")
		if res.status != http.StatusUnprocessableEntity || !strings.Contains(res.text(), `bundle "rar"`) {
			t.Errorf("start with bundle=rar: got %d, want 422 naming it; body:\n%s", res.status, res.body)
		}
	})
}

func TestExportJobStatusOptionNames(t *testing.T) {
	t.Parallel()
	a := startJobApp(t, 3)
	a.run()
	p := a.judgedProject(t, 2)
	token := a.apiToken(t, researcherEmail)
	path := "/api/v1/projects/" + p.ID.String() +
		"/exports?format=kto&policy=unanimous&min_votes=1&metadata=true&split=train&split_ratios=0.8,0.1,0.1&seed=s1"

	res := a.apiRequest(t, token, http.MethodPost, path, nil, nil)
	if res.status != http.StatusAccepted {
		t.Fatalf("start job: status %d; body:\n%s", res.status, res.body)
	}
	var status struct {
		Options struct {
			Export map[string]any `json:"export"`
		} `json:"options"`
	}
	decodeJSON(t, res.body, &status)
	want := map[string]any{"format": "kto", "policy": "unanimous", "min_votes": 1.0,
		"metadata": true, "split": "train", "seed": "s1",
		"split_ratios": "train=0.8,validation=0.1,test=0.1", "conversational": false, "gzip": false}
	for name, value := range want {
		if got, ok := status.Options.Export[name]; !ok || got != value {
			t.Errorf("options.export[%q]: got %v (present %v), want %v", name, got, ok, value)
		}
	}
	if _, ok := status.Options.Export["Format"]; ok {
		t.Errorf("options.export has the Go field name Format: %v", status.Options.Export)
	}

	// The job reads its options back from the stored JSON.
	done := waitForJob(t, a.login(t, researcherEmail), res.header.Get("Location"))
	if done.Status != store.ExportDone {
		t.Errorf("job: got %+v, want done", done)
	}
}
