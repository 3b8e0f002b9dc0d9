package server_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/pairwise/pairwise/internal/export"
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
			`policy "vote" is not one of majority, unanimous, strength, dawid-skene, source`},
		{"unknown split", "trl&split=dev", `split "dev" is not one of train, test, validation`},
		{"negative min_votes", "reward&min_votes=-1", `min_votes="-1" is not a whole number of 0 or more`},
		{"metadata not a bool", "sft&metadata=yes", `metadata="yes" is not true or false`},
		{"unknown file type", "trl&file=csv", `file type "csv" is not one of jsonl, parquet`},
		{"gzip parquet", "trl&file=parquet&gzip=true", "gzip applies to JSONL files only; " +
			"a Parquet file already compresses its columns with zstd, so leave gzip off"},
		{"gzip not a bool", "trl&gzip=on", `gzip="on" is not true or false`},
		{"two split ratios", "trl&split=train&split_ratios=0.8,0.2",
			`split_ratios: split ratios "0.8,0.2" have 2 shares; give three, train,validation,test, such as 0.8,0.1,0.1`},
		{"split ratios not summing to 1", "kto&split_ratios=0.8,0.1,0.2",
			"split_ratios: split shares train 0.8, validation 0.1 and test 0.2 sum to 1.1; they must sum to 1"},
		{"salt on a dataset", "trl&salt=0123456789abcdef",
			`a salt applies to the judgments format only, not to "trl"; leave the salt out`},
		{"short salt", "judgments&salt=short",
			"salt has 5 characters; give at least 16, or none for a fresh random salt"},
		{"validation without a share", "trl&split=validation",
			`split "validation" has a share of 0 under the split ratios train=0.9,validation=0,test=0.1, ` +
				"so it would always be empty; give it a share in the split ratios, such as 0.8,0.1,0.1"},
		{"test share set to 0", "kto&split=test&split_ratios=train=1,test=0",
			`split "test" has a share of 0 under the split ratios train=1,validation=0,test=0, ` +
				"so it would always be empty; give it a share in the split ratios, such as 0.8,0.1,0.1"},
		{"split on judgments", "judgments&split=test",
			`split "test" does not apply to the judgments format, which writes every vote of the project; ` +
				"leave it out, or choose a dataset format such as trl"},
		{"policy on judgments", "judgments&policy=unanimous",
			`policy "unanimous" does not apply to the judgments format, which writes every vote of the project; ` +
				"leave it out, or choose a dataset format such as trl"},
		{"min_votes on judgments", "judgments&min_votes=2",
			`min_votes "2" does not apply to the judgments format, which writes every vote of the project; ` +
				"leave it out, or choose a dataset format such as trl"},
		{"seed on judgments", "judgments&seed=s1",
			`seed "s1" does not apply to the judgments format, which writes every vote of the project; ` +
				"leave it out, or choose a dataset format such as trl"},
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

// voteOnce leases the next comparison of s's project to the annotator
// and prefers the left response.
func voteOnce(tb testing.TB, s *seeded) labeling.Assignment {
	tb.Helper()
	ctx := context.Background()
	a, err := s.db.NextAssignment(ctx, s.project, s.annotator.ID)
	if err != nil {
		tb.Fatalf("lease: %v", err)
	}
	vote := labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictPreferred, Preferred: a.Left.ID}
	if _, _, err := s.db.Submit(ctx, s.annotator.ID, vote); err != nil {
		tb.Fatalf("submit: %v", err)
	}
	return a
}

func TestExportFileTypes(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	a := voteOnce(t, s)
	token := s.apiToken(t, adminEmail)
	path := "/api/v1/projects/" + s.project.ID.String() + "/export?"

	t.Run("parquet", func(t *testing.T) {
		res := s.apiRequest(t, token, http.MethodGet, path+"format=sft&file=parquet", nil, nil)
		if res.status != http.StatusOK {
			t.Fatalf("status: got %d, want %d: %s", res.status, http.StatusOK, res.body)
		}
		if got, want := res.header.Get("Content-Type"), "application/vnd.apache.parquet"; got != want {
			t.Errorf("content type: got %q, want %q", got, want)
		}
		if got := res.header.Get("Content-Disposition"); !strings.HasSuffix(got, `.parquet"`) {
			t.Errorf("content disposition: got %q, want a .parquet file name", got)
		}
		f, err := parquet.OpenFile(strings.NewReader(res.body), int64(len(res.body)))
		if err != nil {
			t.Fatalf("open Parquet: %v", err)
		}
		if f.NumRows() != 1 {
			t.Errorf("rows: got %d, want 1", f.NumRows())
		}
	})
	t.Run("gzip", func(t *testing.T) {
		res := s.apiRequest(t, token, http.MethodGet, path+"format=kto&gzip=true", nil, nil)
		if got, want := res.header.Get("Content-Type"), "application/gzip"; got != want {
			t.Errorf("content type: got %q, want %q", got, want)
		}
		if got := res.header.Get("Content-Disposition"); !strings.HasSuffix(got, `.jsonl.gz"`) {
			t.Errorf("content disposition: got %q, want a .jsonl.gz file name", got)
		}
		zr, err := gzip.NewReader(strings.NewReader(res.body))
		if err != nil {
			t.Fatalf("gunzip: %v", err)
		}
		body, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("gunzip: %v", err)
		}
		if got := strings.Count(string(body), "\n"); got != 2 {
			t.Errorf("lines: got %d, want 2", got)
		}
	})
	t.Run("judgments salt", func(t *testing.T) {
		salt := "a salt of sixteen or more"
		res := s.apiRequest(t, token, http.MethodGet,
			path+"format=judgments&salt="+url.QueryEscape(salt), nil, nil)
		var row struct {
			AnnotatorID string `json:"annotator_id"`
		}
		decodeJSON(t, res.body, &row)
		if want := export.Pseudonym([]byte(salt), s.annotator.ID); row.AnnotatorID != want {
			t.Errorf("annotator_id: got %q, want %q", row.AnnotatorID, want)
		}
		if strings.Contains(res.body, s.annotator.ID.String()) {
			t.Error("export contains the annotator's id")
		}
	})
	t.Run("split ratios", func(t *testing.T) {
		train := s.apiRequest(t, token, http.MethodGet, path+"format=trl&split=train&split_ratios=1,0,0", nil, nil)
		if got := strings.Count(train.body, "\n"); got != 1 {
			t.Errorf("train rows with train share 1: got %d, want 1", got)
		}
		if !strings.Contains(train.body, a.Left.Content) {
			t.Errorf("train rows: got %q, want the chosen response %q", train.body, a.Left.Content)
		}
		test := s.apiRequest(t, token, http.MethodGet,
			path+"format=trl&split=test&split_ratios=train=0,test=1", nil, nil)
		if test.status != http.StatusOK || test.body != train.body {
			t.Errorf("test rows with test share 1: got %d %q, want %q", test.status, test.body, train.body)
		}
	})
}

func TestExportForm(t *testing.T) {
	t.Parallel()
	s := seedApp(t)
	page := s.login(t, adminEmail).get("/projects/" + s.project.ID.String())
	if page.status != http.StatusOK {
		t.Fatalf("status: got %d, want %d", page.status, http.StatusOK)
	}
	action := `action="/projects/` + s.project.ID.String() + `/export"`
	if !strings.Contains(page.body, action) {
		t.Errorf("page has no form with %s", action)
	}
	for _, field := range []string{`name="format"`, `name="file"`, `name="gzip"`, `name="policy"`,
		`name="min_votes"`, `name="conversational"`, `name="metadata"`, `name="split"`,
		`name="split_ratios"`, `name="seed"`, `name="salt"`, `value="rubric"`, `value="parquet"`} {
		if !strings.Contains(page.body, field) {
			t.Errorf("export form lacks %s", field)
		}
	}

	for _, policy := range export.DatasetPolicies {
		if !strings.Contains(page.body, `<option value="`+policy+`"`) {
			t.Errorf("export form lacks policy %s", policy)
		}
	}

	// The form's defaults download the TRL file, and the judgments file.
	res := s.login(t, adminEmail).get("/projects/" + s.project.ID.String() + "/export?format=trl&file=jsonl" +
		"&policy=majority&min_votes=0&split=&split_ratios=&seed=&salt=")
	if res.status != http.StatusOK {
		t.Errorf("default form download: got %d, want %d: %s", res.status, http.StatusOK, res.body)
	}
	res = s.login(t, adminEmail).get("/projects/" + s.project.ID.String() + "/export?format=judgments" +
		"&file=jsonl&policy=majority&min_votes=0&split=&split_ratios=&seed=&salt=")
	if res.status != http.StatusOK {
		t.Errorf("default form judgments download: got %d, want %d: %s", res.status, http.StatusOK, res.body)
	}
}
