package main

import (
	"archive/zip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/store/storetest"
)

func TestExportBundleCommand(t *testing.T) {
	url := storetest.URL(t)
	dir := t.TempDir()
	var lines strings.Builder
	for i := range 30 {
		fmt.Fprintf(&lines, `{"prompt": "Question %d?", "chosen": "Yes %d.", "rejected": "No %d."}`+"\n", i, i, i)
	}
	input := filepath.Join(dir, "trl.jsonl")
	if err := os.WriteFile(input, []byte(lines.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI(t, url, "", "import", "--project", "cli", "--create", "--format", "trl", input); err != nil {
		t.Fatalf("import: %v", err)
	}

	// The imported labels are the only labels, so the source policy
	// exports them.
	out := filepath.Join(dir, "dpo.zip")
	_, err := runCLI(t, url, "", "export", "--project", "cli", "--policy", "source", "--bundle", "zip",
		"--license", "cc-by-4.0", "--language", "en", "-o", out)
	if err != nil {
		t.Fatalf("export --bundle zip: %v", err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatalf("open %s: %v", out, err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if len(names) < 2 || names[0] != "README.md" || names[1] != "data/train-00000-of-00001.parquet" {
		t.Errorf("bundle files: got %v, want README.md then data/train-00000-of-00001.parquet", names)
	}

	_, err = runCLI(t, url, "", "export", "--project", "cli", "--bundle", "7z", "-o", out)
	if err == nil || !strings.Contains(err.Error(), `bundle "7z"`) {
		t.Errorf("export --bundle 7z: got %v, want an error naming the archive", err)
	}
}
