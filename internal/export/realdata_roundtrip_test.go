package export_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"testing"

	"github.com/pairwise/pairwise/internal/sharedtest"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// realDataRows is how many records of each public dataset the round trip
// imports: enough for multi-turn prompts and every label, and far fewer
// than the whole files, because each of the 16 cases imports them again.
const realDataRows = 200

// realDataFile returns the path of a file in the public datasets folder
// beside the repository, or skips the test when it is absent.
func realDataFile(t *testing.T, rel string) string {
	return sharedtest.File(t, "data/"+rel)
}

// TestRoundTripHHRLHF imports the first records of Anthropic's HH-RLHF
// harmless-base test split, multi-turn transcripts with labels, and
// round-trips them through every format.
func TestRoundTripHHRLHF(t *testing.T) {
	path := realDataFile(t, "hh-rlhf-harmless-base-test/test.jsonl.gz")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var head bytes.Buffer
	lines := bufio.NewScanner(gz)
	lines.Buffer(nil, 1<<20)
	for i := 0; i < realDataRows && lines.Scan(); i++ {
		head.Write(lines.Bytes())
		head.WriteByte('\n')
	}
	if err := lines.Err(); err != nil {
		t.Fatal(err)
	}

	db := storetest.New(t)
	src := newProject(t, db)
	rep := importFile(t, db, src, head.Bytes())
	if rep.Imported < realDataRows*9/10 {
		t.Fatalf("comparisons imported: got %d of %d records, want at least 90%%", rep.Imported, realDataRows)
	}
	checkRoundTrip(t, db, src)
}

// TestRoundTripOpenAssistant imports the first OpenAssistant message trees,
// whose ranked sibling replies become labelled comparisons of multi-turn
// prompts, and round-trips them through every format.
func TestRoundTripOpenAssistant(t *testing.T) {
	f, err := os.Open(realDataFile(t, "oasst-en100-trees/en_100_tree.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var head bytes.Buffer
	lines := bufio.NewScanner(f)
	lines.Buffer(nil, 16<<20)
	for i := 0; i < realDataTrees && lines.Scan(); i++ {
		head.Write(lines.Bytes())
		head.WriteByte('\n')
	}
	if err := lines.Err(); err != nil {
		t.Fatal(err)
	}

	db := storetest.New(t)
	src := newProject(t, db)
	rep := importFile(t, db, src, head.Bytes())
	if rep.Imported == 0 {
		t.Fatalf("comparisons imported: got 0 from %d trees (skipped %v)", realDataTrees, rep.ByReason)
	}
	checkRoundTrip(t, db, src)
}

// realDataTrees is how many OpenAssistant trees the round trip imports;
// each gives several comparisons.
const realDataTrees = 20

// pandaLMRecord is one element of the PandaLM test set: an instruction,
// an optional input, two responses and three annotators' labels (1 for
// response1, 2 for response2, 0 for a tie).
type pandaLMRecord struct {
	Instruction string          `json:"instruction"`
	Input       string          `json:"input"`
	Response1   json.RawMessage `json:"response1"`
	Response2   json.RawMessage `json:"response2"`
	A1          int             `json:"annotator1"`
	A2          int             `json:"annotator2"`
	A3          int             `json:"annotator3"`
}

// TestRoundTripPandaLM imports the first PandaLM records whose responses
// are strings, as pairs labelled with the annotators' majority, and
// round-trips them through every format.
func TestRoundTripPandaLM(t *testing.T) {
	data, err := os.ReadFile(realDataFile(t, "pandalm-testset-v1/testset-v1.json"))
	if err != nil {
		t.Fatal(err)
	}
	var records []pandaLMRecord
	if err := json.Unmarshal(data, &records); err != nil {
		t.Fatal(err)
	}

	var pairs bytes.Buffer
	enc := json.NewEncoder(&pairs)
	n := 0
	for _, r := range records {
		var a, b string
		if json.Unmarshal(r.Response1, &a) != nil || json.Unmarshal(r.Response2, &b) != nil {
			continue // a few responses are booleans
		}
		prompt := r.Instruction
		if r.Input != "" {
			prompt += "\n\n" + r.Input
		}
		err := enc.Encode(map[string]string{"prompt": prompt, "response_a": a, "response_b": b,
			"label": pandaLMLabel(r.A1, r.A2, r.A3)})
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == realDataRows {
			break
		}
	}

	db := storetest.New(t)
	src := newProject(t, db)
	importFile(t, db, src, pairs.Bytes())
	checkRoundTrip(t, db, src)
}

// pandaLMLabel returns the pairs label that two or three of the
// annotators give; no PandaLM record has three different labels.
func pandaLMLabel(labels ...int) string {
	names := map[int]string{0: "tie", 1: "a", 2: "b"}
	counts := map[int]int{}
	for _, l := range labels {
		counts[l]++
		if counts[l] == 2 {
			return names[l]
		}
	}
	return names[labels[0]]
}
