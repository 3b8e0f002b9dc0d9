package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// judgedProject imports two prompts into project name through the
// command line and stores one vote on each.
func judgedProject(t *testing.T, url, name string) {
	t.Helper()
	input := filepath.Join(t.TempDir(), "pairs.jsonl")
	os.WriteFile(input, []byte(
		`{"prompt": "Name a prime.", "response_a": "7", "response_b": "9"}`+"\n"+
			`{"prompt": "Say hi.", "response_a": "hi", "response_b": "bye"}`+"\n"), 0o644)
	if _, err := runCLI(t, url, "", "import", "--project", name, "--create", input); err != nil {
		t.Fatalf("import: %v", err)
	}

	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := db.ProjectByName(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, name+"@example.com", labeling.UserAnnotator, "hash")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		a, err := db.NextAssignment(ctx, p, u.ID)
		if err != nil {
			t.Fatalf("lease: %v", err)
		}
		vote := labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictPreferred, Preferred: a.Left.ID}
		if _, _, err := db.Submit(ctx, u.ID, vote); err != nil {
			t.Fatalf("submit: %v", err)
		}
	}
}

func TestExportCommandFiles(t *testing.T) {
	url := storetest.URL(t)
	judgedProject(t, url, "files")
	dir := t.TempDir()

	// An output name ending in .parquet selects Parquet.
	out := filepath.Join(dir, "train.parquet")
	if _, err := runCLI(t, url, "", "export", "--project", "files", "--format", "sft", "-o", out); err != nil {
		t.Fatalf("export: %v", err)
	}
	data, _ := os.ReadFile(out)
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("open %s: %v", out, err)
	}
	if f.NumRows() != 2 {
		t.Errorf("rows: got %d, want 2", f.NumRows())
	}

	// The same salt gives the same judgments file twice.
	var files [2][]byte
	for i := range files {
		out := filepath.Join(dir, "judgments.jsonl.gz")
		_, err := runCLI(t, url, "", "export", "--project", "files", "--format", "judgments",
			"--salt", "sixteen characters", "-o", out)
		if err != nil {
			t.Fatalf("export judgments: %v", err)
		}
		files[i], _ = os.ReadFile(out)
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("two judgments exports with one salt differ")
	}
	if !bytes.HasPrefix(files[0], []byte{0x1f, 0x8b}) {
		t.Error("judgments.jsonl.gz is not gzip")
	}

	// Every prompt goes to train with a train share of 1.
	out = filepath.Join(dir, "all.jsonl")
	_, err = runCLI(t, url, "", "export", "--project", "files", "--split", "train",
		"--split-ratios", "train=1,test=0", "-o", out)
	if err != nil {
		t.Fatalf("export train split: %v", err)
	}
	data, _ = os.ReadFile(out)
	if got := strings.Count(string(data), "\n"); got != 2 {
		t.Errorf("train rows: got %d, want 2", got)
	}
}

func TestExportCommandRejects(t *testing.T) {
	url := storetest.URL(t)
	judgedProject(t, url, "rejects")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"split ratios", []string{"--split-ratios", "0.9,0.2,0"},
			"--split-ratios: split shares train 0.9, validation 0.2 and test 0 sum to 1.1"},
		{"file type", []string{"--file", "csv"}, `file type "csv" is not one of jsonl, parquet`},
		{"gzip parquet", []string{"--file", "parquet", "--gzip"}, "gzip applies to JSONL files only"},
		{"short salt", []string{"--format", "judgments", "--salt", "abc"}, "salt has 3 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"export", "--project", "rejects", "-o", filepath.Join(t.TempDir(), "x")},
				tt.args...)
			_, err := runCLI(t, url, "", args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
