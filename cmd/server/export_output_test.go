package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/server"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// TestExportKeepsFileOnFailure exports a rubric whose criterion key
// clashes with a fixed column over an existing file. The export fails
// after the output is opened.
func TestExportKeepsFileOnFailure(t *testing.T) {
	url := storetest.URL(t)
	judgedProject(t, url, "clash")
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := db.ProjectByName(ctx, "clash")
	if err != nil {
		t.Fatal(err)
	}
	p.Rubric = []labeling.Criterion{{Key: "prompt", Label: "Prompt", Min: 1, Max: 5}}
	if err := db.UpdateProject(ctx, p); err != nil {
		t.Fatalf("update rubric: %v", err)
	}

	dir := t.TempDir()
	out := filepath.Join(dir, "rubric.jsonl")
	if err := os.WriteFile(out, []byte("earlier export\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = runCLI(t, url, "", "export", "--project", "clash", "--format", "rubric", "-o", out)
	if err == nil || !strings.Contains(err.Error(), "rename the criterion") {
		t.Fatalf("got %v, want the criterion clash", err)
	}
	if got, _ := os.ReadFile(out); string(got) != "earlier export\n" {
		t.Errorf("existing file: got %q, want it unchanged", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files in the output folder: got %d, want 1 (no temporary file left)", len(entries))
	}
}

func TestExportCommandBadOptions(t *testing.T) {
	url := storetest.URL(t)
	judgedProject(t, url, "names")
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"parquet as jsonl.gz", []string{"--file", "parquet", "-o", filepath.Join(dir, "a.jsonl.gz")},
			"names a jsonl file, but --file is parquet"},
		{"jsonl as parquet", []string{"--file", "jsonl", "-o", filepath.Join(dir, "a.parquet")},
			"names a parquet file, but --file is jsonl"},
		{"unknown project", []string{"--project", "nope"},
			`project "nope" not found: check the name on the start page`},
		{"split of judgments", []string{"--format", "judgments", "--split", "test"},
			`split "test" does not apply to the judgments format`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"export", "--project", "names"}, tt.args...)
			_, err := runCLI(t, url, "", args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "--create") {
				t.Errorf("export error %q advises --create, which export does not have", err)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("files written by rejected exports: got %d, want 0", len(entries))
	}
}

func TestEmptyExportHint(t *testing.T) {
	tests := []struct {
		name, format, policy, want string
	}{
		{"majority", "trl", "", "--policy source"},
		{"source", "kto", "source", "import a file with labels"},
		{"judgments", "judgments", "", ""},
		{"rubric", "rubric", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := emptyExportHint(server.ExportOptions{Format: tt.format, Policy: tt.policy})
			if tt.want == "" && got != "" {
				t.Errorf("got %q, want no hint", got)
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

// TestExportBundleKeepsFileOnFailure writes a bundle of a rubric whose
// criterion key clashes with a fixed column over an existing file. The
// bundle fails while it writes the first split.
func TestExportBundleKeepsFileOnFailure(t *testing.T) {
	url := storetest.URL(t)
	judgedProject(t, url, "clash")
	ctx := context.Background()
	db, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := db.ProjectByName(ctx, "clash")
	if err != nil {
		t.Fatal(err)
	}
	p.Rubric = []labeling.Criterion{{Key: "prompt", Label: "Prompt", Min: 1, Max: 5}}
	if err := db.UpdateProject(ctx, p); err != nil {
		t.Fatalf("update rubric: %v", err)
	}

	dir := t.TempDir()
	out := filepath.Join(dir, "rubric.zip")
	if err := os.WriteFile(out, []byte("earlier bundle\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = runCLI(t, url, "", "export", "--project", "clash", "--format", "rubric",
		"--bundle", "zip", "-o", out)
	if err == nil || !strings.Contains(err.Error(), "rename the criterion") {
		t.Fatalf("got %v, want the criterion clash", err)
	}
	if got, _ := os.ReadFile(out); string(got) != "earlier bundle\n" {
		t.Errorf("existing file: got %q, want it unchanged", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files in the output folder: got %d, want 1 (no temporary file left)", len(entries))
	}
}
