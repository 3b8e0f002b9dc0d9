package train

import (
	"context"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/sharedtest"
)

// sharedFile returns the path of a file in the shared folder beside the
// repository (real data and reference fixtures), or skips the test when
// the file is absent.
func sharedFile(t *testing.T, rel string) string {
	return sharedtest.File(t, rel)
}

func TestReadPreferencesHHRealData(t *testing.T) {
	path := sharedFile(t, "data/hh-rlhf-harmless-base-test/test.jsonl.gz")
	// The file has rows whose chosen response is empty.
	_, _, err := ReadPreferences(context.Background(), path, ReadOptions{})
	if err == nil || !strings.Contains(err.Error(), "test.jsonl.gz: line 87: the chosen completion is empty") {
		t.Errorf("error %v, want the empty completion of line 87 named", err)
	}

	prefs, stats, err := ReadPreferences(context.Background(), path, ReadOptions{SkipEmpty: true})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Empty == 0 {
		t.Error("no row skipped for an empty completion, want some")
	}
	if len(prefs) < 2000 {
		t.Errorf("read %d pairs, want over 2000", len(prefs))
	}
	for _, p := range prefs {
		if !strings.HasPrefix(p.Prompt, "<|user|>\n") || !strings.HasSuffix(p.Prompt, "<|assistant|>\n") {
			t.Fatalf("%s: prompt %q is not rendered with the chat template", p.Source, p.Prompt)
		}
	}

	enc := &Encoder{Tok: byteTokenizer{}, EOS: byteEOS, Context: 256}
	if _, err := encodePairs(enc, prefs); err != nil {
		t.Fatal(err)
	}
	if enc.Cut.PromptsCut == 0 {
		t.Error("no prompt was cut to a 256-byte context, want some: HH prompts are long")
	}
}
