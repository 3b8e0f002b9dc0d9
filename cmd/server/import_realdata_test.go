package main

import (
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/sharedtest"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// sharedDataFile returns the path of rel in the shared data folder beside
// the module root, and skips the test when the file is absent.
func sharedDataFile(t *testing.T, rel string) string {
	return sharedtest.File(t, "data/"+rel)
}

// TestImportPandaLMTestset imports the whole PandaLM test set with the
// field map of docs/import-formats.md. Its six boolean responses are
// skipped, and its repeated pairs are skipped as duplicates.
func TestImportPandaLMTestset(t *testing.T) {
	path := sharedDataFile(t, "pandalm-testset-v1/testset-v1.json")
	url := storetest.URL(t)

	out, err := runCLI(t, url, "", "import", "--project", "pandalm", "--create",
		"--map", "prompt=instruction+input,response_a=response1,response_b=response2", path)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	// Spaces are collapsed, so the report's column alignment may change.
	report := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{
		"records read: 999",
		"comparisons imported: 861",
		"duplicate_pair: 132",
		"response_not_text: 6",
		`line 1886: response_not_text: field "response1" is boolean true, not text`,
		`line 1934: response_not_text: field "response2" is boolean true, not text`,
	} {
		if !strings.Contains(report, want) {
			t.Errorf("import report lacks %q:\n%s", want, out)
		}
	}
}
