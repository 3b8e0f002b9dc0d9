package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/store/storetest"
)

func TestImportReportReasonsSorted(t *testing.T) {
	url := storetest.URL(t)
	input := filepath.Join(t.TempDir(), "pairs.jsonl")
	lines := `{"prompt": "p", "response_a": "a", "response_b": "b"}` + "\n" +
		`{"prompt": "p", "response_a": "a", "response_b": "b"}` + "\n" +
		`{"prompt": "q", "response_a": "same", "response_b": "same"}` + "\n"
	if err := os.WriteFile(input, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}

	// Map order changes from run to run, so one run could pass by chance.
	for range 5 {
		out, err := runCLI(t, url, "", "import", "--project", "reasons", "--create", input)
		if err != nil {
			t.Fatalf("import: %v", err)
		}
		duplicate := strings.Index(out, "  duplicate_pair:")
		identical := strings.Index(out, "  identical_responses:")
		if duplicate < 0 || identical < 0 {
			t.Fatalf("report lacks a skip reason:\n%s", out)
		}
		if duplicate > identical {
			t.Fatalf("skip reasons out of order:\n%s", out)
		}
	}
}
