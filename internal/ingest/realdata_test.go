package ingest

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/sharedtest"
)

// sharedDataFile returns the path of a file in the shared data folder
// beside the repository, or skips the test when the file is absent.
func sharedDataFile(t *testing.T, rel string) string {
	return sharedtest.File(t, "data/"+rel)
}

// readFile runs Read on the file at path and returns the rows it emitted.
func readFile(t *testing.T, path string, opts Options) ([]labeling.Row, Result, error) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []labeling.Row
	res, err := Read(context.Background(), f, opts, func(r labeling.Row) error {
		rows = append(rows, r)
		return nil
	})
	return rows, res, err
}

func TestHHHarmlessBaseTest(t *testing.T) {
	path := sharedDataFile(t, "hh-rlhf-harmless-base-test/test.jsonl.gz")
	rows, res, err := readFile(t, path, Options{})
	if err != nil {
		t.Fatalf("Read: got error %v, want none", err)
	}

	if res.Read != 2312 {
		t.Errorf("records read: got %v, want %v", res.Read, 2312)
	}
	if res.Format != FormatHH {
		t.Errorf("format: got %v, want %v", res.Format, FormatHH)
	}
	if len(rows) != 2307 {
		t.Errorf("rows emitted: got %v, want %v", len(rows), 2307)
	}

	// The five rows whose transcripts differ before the last Assistant
	// turn, at 0-based indexes 1254, 1688, 1950, 1952 and 2036.
	var skippedLines []int
	for _, s := range res.Skipped {
		if s.Reason != SkipPromptsDiffer {
			t.Errorf("line %d: skip reason: got %v, want %v", s.Line, s.Reason, SkipPromptsDiffer)
		}
		skippedLines = append(skippedLines, s.Line)
	}
	wantSkipped := []int{1255, 1689, 1951, 1953, 2037}
	if !slices.Equal(skippedLines, wantSkipped) {
		t.Errorf("skipped lines: got %v, want %v", skippedLines, wantSkipped)
	}

	var emptyChosen []int
	for _, row := range rows {
		if row.Candidates[0].Content == "" {
			emptyChosen = append(emptyChosen, row.Line)
		}
		if row.Label == nil || *row.Label != *preferredFirst {
			t.Errorf("line %d: label: got %v, want %v", row.Line, row.Label, preferredFirst)
		}
	}
	wantEmpty := []int{87, 517, 926, 1104}
	if !slices.Equal(emptyChosen, wantEmpty) {
		t.Errorf("lines with an empty chosen response: got %v, want %v", emptyChosen, wantEmpty)
	}
}

// hhTranscript rebuilds an HH transcript from a prompt and a reply.
func hhTranscript(prompt labeling.Conversation, reply string) string {
	var b strings.Builder
	for _, m := range prompt {
		if m.Role == labeling.RoleUser {
			b.WriteString("\n\nHuman: ")
		} else {
			b.WriteString("\n\nAssistant: ")
		}
		b.WriteString(m.Content)
	}
	b.WriteString("\n\nAssistant: ")
	b.WriteString(reply)
	return b.String()
}

// readHHLines returns the chosen and rejected transcripts of each line of a
// gzip-compressed HH file, decoded without the package under test.
func readHHLines(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var lines []map[string]string
	scanner := bufio.NewScanner(gz)
	scanner.Buffer(nil, 1<<20)
	for scanner.Scan() {
		var rec map[string]string
		if err := json.Unmarshal(scanner.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, rec)
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestHHHarmlessBaseRoundTrip(t *testing.T) {
	path := sharedDataFile(t, "hh-rlhf-harmless-base-test/test.jsonl.gz")
	rows, _, err := readFile(t, path, Options{})
	if err != nil {
		t.Fatalf("Read: got error %v, want none", err)
	}
	source := readHHLines(t, path)

	// Every emitted row rebuilds its source transcripts byte for byte, so
	// no turn was split or merged and no text was changed.
	for _, row := range rows {
		rec := source[row.Line-1]
		if got := hhTranscript(row.Prompt, row.Candidates[0].Content); got != rec["chosen"] {
			t.Errorf("line %d: rebuilt chosen transcript differs from the source", row.Line)
		}
		if got := hhTranscript(row.Prompt, row.Candidates[1].Content); got != rec["rejected"] {
			t.Errorf("line %d: rebuilt rejected transcript differs from the source", row.Line)
		}
	}

	// Replies that begin with "Human:" after "\n\nAssistant: " stay one
	// assistant turn. The file has 40 such records, and 2 of them (lines
	// 1689 and 2037) are skipped because their prompts differ.
	var sourceLines, rowLines []int
	for i, rec := range source {
		if strings.Contains(rec["chosen"]+rec["rejected"], "\n\nAssistant: Human:") {
			sourceLines = append(sourceLines, i+1)
		}
	}
	for _, row := range rows {
		if hasReplyStartingHuman(row) {
			rowLines = append(rowLines, row.Line)
		}
	}
	if len(sourceLines) != 40 {
		t.Errorf("source records with a reply starting \"Human:\": got %v, want %v", len(sourceLines), 40)
	}
	wantRowLines := slices.DeleteFunc(slices.Clone(sourceLines), func(line int) bool {
		return line == 1689 || line == 2037
	})
	if !slices.Equal(rowLines, wantRowLines) {
		t.Errorf("rows with a reply starting \"Human:\": got %v, want %v", rowLines, wantRowLines)
	}
}

// hasReplyStartingHuman reports whether an assistant message or a
// candidate of row starts with "Human:".
func hasReplyStartingHuman(row labeling.Row) bool {
	for _, m := range row.Prompt {
		if m.Role == labeling.RoleAssistant && strings.HasPrefix(m.Content, "Human:") {
			return true
		}
	}
	for _, c := range row.Candidates {
		if strings.HasPrefix(c.Content, "Human:") {
			return true
		}
	}
	return false
}

// pandaLMFields is the field map of the PandaLM test set that
// docs/import-formats.md gives.
const pandaLMFields = "prompt=instruction+input,response_a=response1,response_b=response2"

func TestPandaLMTestsetBooleanResponses(t *testing.T) {
	path := sharedDataFile(t, "pandalm-testset-v1/testset-v1.json")
	fields, err := ParseFieldMap(pandaLMFields)
	if err != nil {
		t.Fatal(err)
	}
	rows, res, err := readFile(t, path, Options{Fields: fields})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}

	if res.Read != 999 {
		t.Errorf("records read: got %v, want %v", res.Read, 999)
	}
	if res.Format != FormatPairs {
		t.Errorf("format: got %v, want %v", res.Format, FormatPairs)
	}
	if len(rows) != 993 {
		t.Errorf("rows: got %v, want %v", len(rows), 993)
	}

	// Lines where the array elements with idx 157, 158, 159, 161, 162 and
	// 164 start; their response is the boolean true.
	want := []Skip{
		{Line: 1886, Reason: SkipResponseNotText, Detail: `field "response1" is boolean true, not text`},
		{Line: 1898, Reason: SkipResponseNotText, Detail: `field "response1" is boolean true, not text`},
		{Line: 1910, Reason: SkipResponseNotText, Detail: `field "response1" is boolean true, not text`},
		{Line: 1934, Reason: SkipResponseNotText, Detail: `field "response2" is boolean true, not text`},
		{Line: 1946, Reason: SkipResponseNotText, Detail: `field "response2" is boolean true, not text`},
		{Line: 1970, Reason: SkipResponseNotText, Detail: `field "response1" is boolean true, not text`},
	}
	if !slices.Equal(res.Skipped, want) {
		t.Errorf("skipped: got %v, want %v", res.Skipped, want)
	}
	for _, row := range rows {
		if row.Label != nil {
			t.Errorf("row at line %d: got label %+v, want none", row.Line, *row.Label)
			break
		}
	}
}

func TestPandaLMTestsetFirstRow(t *testing.T) {
	path := sharedDataFile(t, "pandalm-testset-v1/testset-v1.json")
	fields, err := ParseFieldMap(pandaLMFields)
	if err != nil {
		t.Fatal(err)
	}
	rows, _, err := readFile(t, path, Options{Fields: fields})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(rows) == 0 {
		t.Fatalf("rows emitted: got 0, want at least 1")
	}

	first := rows[0]
	if first.Line != 2 {
		t.Errorf("line: got %v, want %v", first.Line, 2)
	}
	wantPrompt := "The sentence you are given might be too wordy, complicated, or unclear. " +
		"Rewrite the sentence and make your writing clearer by keeping it concise. " +
		"Whenever possible, break complex sentences into multiple sentences and eliminate unnecessary words." +
		"\n\nIf you have any questions about my rate or if you find it necessary to increase or decrease " +
		"the scope for this project, please let me know."
	if got := first.Prompt; !slices.Equal(got, user(wantPrompt)) {
		t.Errorf("prompt: got %q, want %q", got, wantPrompt)
	}
	wantResponses := []string{
		"If you have any questions about my rate, please let me know.",
		"If you have any questions, please let me know.",
	}
	if got := texts(first.Candidates); !slices.Equal(got, wantResponses) {
		t.Errorf("responses: got %q, want %q", got, wantResponses)
	}
}
