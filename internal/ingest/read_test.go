package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
)

// pairLine returns one pairs record whose prompt is prompt.
func pairLine(prompt string) string {
	return fmt.Sprintf(`{"prompt": %q, "response_a": "yes", "response_b": "no"}`, prompt)
}

// rowLines returns the line of each row.
func rowLines(rows []labeling.Row) []int {
	lines := make([]int, len(rows))
	for i, r := range rows {
		lines[i] = r.Line
	}
	return lines
}

func TestReadInputEncodings(t *testing.T) {
	jsonl := pairLine("one") + "\n" + pairLine("two") + "\n"
	tests := []struct {
		name  string
		input string
		lines []int
	}{
		{"plain", jsonl, []int{1, 2}},
		{"byte-order mark", "\ufeff" + jsonl, []int{1, 2}},
		{"CRLF", strings.ReplaceAll(jsonl, "\n", "\r\n"), []int{1, 2}},
		{"no final newline", strings.TrimSuffix(jsonl, "\n"), []int{1, 2}},
		{"blank lines", "\n  \n" + pairLine("one") + "\n\t\r\n\n" + pairLine("two") + "\n\n", []int{3, 6}},
		{"CRLF blank lines", "\r\n" + pairLine("one") + "\r\n \r\n" + pairLine("two"), []int{2, 4}},
		{"gzip", gzipped(t, jsonl), []int{1, 2}},
		{"gzip with byte-order mark", gzipped(t, "\ufeff"+jsonl), []int{1, 2}},
		{"array", "[" + pairLine("one") + "," + pairLine("two") + "]", []int{1, 1}},
		{"gzip array", gzipped(t, "[\n"+pairLine("one")+",\n"+pairLine("two")+"\n]"), []int{2, 3}},
		{"array after byte-order mark and blank lines", "\ufeff\n\n[\r\n" + pairLine("one") + "\r\n]\r\n", []int{4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, res := mustRead(t, tt.input, Options{})
			if got := rowLines(rows); !slices.Equal(got, tt.lines) {
				t.Errorf("row lines: got %v, want %v", got, tt.lines)
			}
			if res.Read != len(tt.lines) {
				t.Errorf("records read: got %v, want %v", res.Read, len(tt.lines))
			}
			if rows[0].Prompt[0].Content != "one" {
				t.Errorf("first prompt: got %q, want %q", rows[0].Prompt[0].Content, "one")
			}
		})
	}
}

func TestReadArrayLineNumbers(t *testing.T) {
	input := `[
    {
        "prompt": "one",
        "response_a": "yes",
        "response_b": "no"
    },

    {"prompt": "two", "response_a": "yes", "response_b": "no"}, {"prompt": "three", "response_a": "yes", "response_b": "no"},
    {
        "prompt": "four\nstill four",
        "response_a": "yes",
        "response_b": "no"
    }
]
`
	rows, res := mustRead(t, input, Options{})
	want := []int{2, 8, 8, 9}
	if got := rowLines(rows); !slices.Equal(got, want) {
		t.Errorf("row lines: got %v, want %v", got, want)
	}
	if res.Read != 4 {
		t.Errorf("records read: got %v, want %v", res.Read, 4)
	}
}

func TestReadArrayMalformed(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		want   LineError
		read   int
		reason string // a part of the reason
	}{
		{
			name:   "syntax error inside element",
			input:  "[\n" + pairLine("one") + ",\n{\"prompt\": \"two\",\n \"response_a\": }\n]",
			want:   LineError{Line: 4},
			read:   2,
			reason: "invalid JSON: invalid character '}'",
		},
		{
			name:   "missing comma",
			input:  "[\n" + pairLine("one") + "\n" + pairLine("two") + "\n]",
			want:   LineError{Line: 2},
			read:   2,
			reason: "invalid JSON: expected comma after array element",
		},
		{
			name:   "unterminated array",
			input:  "[\n" + pairLine("one") + "\n",
			want:   LineError{Line: 2},
			read:   1,
			reason: "the input ends before the closing ]",
		},
		{
			name:   "unterminated element",
			input:  "[\n" + pairLine("one") + ",\n{\"prompt\": \"two\"",
			want:   LineError{Line: 3},
			read:   2,
			reason: "the input ends inside an array element",
		},
		{
			name:   "data after the array",
			input:  "[\n" + pairLine("one") + "\n]\n" + pairLine("two") + "\n",
			want:   LineError{Line: 4},
			read:   1,
			reason: "unexpected data after the end of the JSON array",
		},
		{
			name:   "element not an object",
			input:  "[\n" + pairLine("one") + ",\n  [1, 2],\n" + pairLine("three") + "\n]",
			want:   LineError{Line: 3},
			read:   3,
			reason: "want a JSON object, got array",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, res, err := readString(t, tt.input, Options{})
			malformed := mustMalformed(t, err)
			if malformed.Total != 1 {
				t.Fatalf("malformed records: got %v, want %v (%v)", malformed.Total, 1, err)
			}
			got := malformed.Lines[0]
			if got.Line != tt.want.Line {
				t.Errorf("line: got %v, want %v", got.Line, tt.want.Line)
			}
			if !strings.Contains(got.Reason, tt.reason) {
				t.Errorf("reason: got %q, want it to contain %q", got.Reason, tt.reason)
			}
			if res.Read != tt.read {
				t.Errorf("records read: got %v, want %v", res.Read, tt.read)
			}
		})
	}
}

func TestReadLongLine(t *testing.T) {
	long := strings.Repeat("x", 100<<10)
	input := pairLine("short") + "\n" + pairLine(long) + "\r\n" + pairLine("after")
	rows, res := mustRead(t, input, Options{})

	if len(rows) != 3 {
		t.Fatalf("rows: got %v, want %v", len(rows), 3)
	}
	if got := rows[1].Prompt[0].Content; got != long {
		t.Errorf("long prompt: got %d bytes, want %d", len(got), len(long))
	}
	if got := rowLines(rows); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("row lines: got %v, want %v", got, []int{1, 2, 3})
	}
	if res.Read != 3 {
		t.Errorf("records read: got %v, want %v", res.Read, 3)
	}
}

func TestReadLineOverLimit(t *testing.T) {
	const limit = 100
	fits := pairLine(strings.Repeat("a", limit-len(pairLine(""))))
	over := pairLine(strings.Repeat("b", 200<<10))
	input := fits + "\r\n" + over + "\n" + `{"prompt": 1, "response_a": "x", "response_b": "y"}` + "\n"

	rows, res, err := readString(t, input, Options{MaxLineBytes: limit})
	malformed := mustMalformed(t, err)

	if len(fits) != limit {
		t.Fatalf("test line: got %d bytes, want %d", len(fits), limit)
	}
	if len(rows) != 1 {
		t.Errorf("rows emitted: got %v, want %v", len(rows), 1)
	}
	if res.Read != 3 {
		t.Errorf("records read: got %v, want %v", res.Read, 3)
	}
	if malformed.Total != 2 {
		t.Fatalf("malformed records: got %v, want %v", malformed.Total, 2)
	}
	got := malformed.Lines[0]
	if got.Line != 2 {
		t.Errorf("line: got %v, want %v", got.Line, 2)
	}
	for _, part := range []string{fmt.Sprint(len(over)), "limit of 100 bytes", "split the record", "--max-line-bytes", "PAIRWISE_MAX_LINE_BYTES"} {
		if !strings.Contains(got.Reason, part) {
			t.Errorf("reason: got %q, want it to contain %q", got.Reason, part)
		}
	}
	// The record after the long line is still checked.
	if malformed.Lines[1].Line != 3 {
		t.Errorf("next malformed line: got %v, want %v", malformed.Lines[1].Line, 3)
	}
}

func TestReadArrayElementOverLimit(t *testing.T) {
	const limit = 1 << 10
	big := pairLine(strings.Repeat("b", 300<<10))
	input := "[\n" + pairLine("one") + ",\n\n" + big + ",\n" + pairLine("three") + "\n]"

	rows, _, err := readString(t, input, Options{MaxLineBytes: limit})
	malformed := mustMalformed(t, err)

	if len(rows) != 1 {
		t.Errorf("rows emitted: got %v, want %v", len(rows), 1)
	}
	if malformed.Total != 1 {
		t.Fatalf("malformed records: got %v, want %v", malformed.Total, 1)
	}
	got := malformed.Lines[0]
	if got.Line != 4 {
		t.Errorf("line: got %v, want %v", got.Line, 4)
	}
	if !strings.Contains(got.Reason, "over the limit of 1024 bytes") {
		t.Errorf("reason: got %q, want it to name the limit", got.Reason)
	}
}

func TestReadArrayElementsAfterLargeOne(t *testing.T) {
	// A large element grows the decoder's buffer. The elements after it
	// must still fit under the limit, which is counted from each element.
	big := pairLine(strings.Repeat("b", 200<<10))
	var parts []string
	for i := range 50 {
		parts = append(parts, pairLine(fmt.Sprint(i)))
	}
	input := "[" + big + ",\n" + strings.Join(parts, ",\n") + "]"
	rows, _ := mustRead(t, input, Options{MaxLineBytes: len(big)})
	if len(rows) != 51 {
		t.Errorf("rows: got %v, want %v", len(rows), 51)
	}
}

func TestReadEmptyInput(t *testing.T) {
	tests := []struct{ name, input string }{
		{"no bytes", ""},
		{"blank lines", "\n\n  \n"},
		{"byte-order mark", "\ufeff"},
		{"empty array", "[]"},
		{"empty array with spaces", " [ ] \n"},
		{"empty gzip", gzipped(t, "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, res, err := readString(t, tt.input, Options{})
			malformed := mustMalformed(t, err)
			if len(rows) != 0 {
				t.Errorf("rows: got %v, want 0", len(rows))
			}
			if res.Read != 0 {
				t.Errorf("records read: got %v, want 0", res.Read)
			}
			if res.Format != FormatAuto {
				t.Errorf("format: got %v, want %v", res.Format, FormatAuto)
			}
			if malformed.Total != 1 {
				t.Fatalf("malformed records: got %v, want 1", malformed.Total)
			}
			want := LineError{Line: 1, Reason: "the file contains no records; " +
				"blank lines are ignored and an empty JSON array holds none, " +
				"so add at least one record"}
			if got := malformed.Lines[0]; got != want {
				t.Errorf("error: got %v, want %v", got, want)
			}
		})
	}
}

func TestReadErrorCap(t *testing.T) {
	var lines []string
	for range 25 {
		lines = append(lines, `{"prompt": "p", "response_a": ["a"], "response_b": "b"}`)
	}
	input := pairLine("first") + "\n" + strings.Join(lines, "\n")

	tests := []struct {
		name      string
		maxErrors int
		listed    int
	}{
		{"default", 0, DefaultMaxErrors},
		{"three", 3, 3},
		{"above total", 100, 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readString(t, input, Options{MaxErrors: tt.maxErrors})
			malformed := mustMalformed(t, err)
			if len(malformed.Lines) != tt.listed {
				t.Errorf("listed: got %v, want %v", len(malformed.Lines), tt.listed)
			}
			if malformed.Total != 25 {
				t.Errorf("total: got %v, want %v", malformed.Total, 25)
			}
			if malformed.Lines[0].Line != 2 {
				t.Errorf("first line: got %v, want %v", malformed.Lines[0].Line, 2)
			}
			more := fmt.Sprintf("... and %d more", 25-tt.listed)
			if got := strings.Contains(err.Error(), more); got != (tt.listed < 25) {
				t.Errorf("message contains %q: got %v, want %v", more, got, tt.listed < 25)
			}
		})
	}
}

func TestReadStopsEmittingAfterMalformed(t *testing.T) {
	input := strings.Join([]string{
		pairLine("one"),
		`{"prompt": "two"}`,
		pairLine("three"),
		`not json`,
		pairLine("five"),
	}, "\n")
	rows, res, err := readString(t, input, Options{})
	malformed := mustMalformed(t, err)

	if got := rowLines(rows); !slices.Equal(got, []int{1}) {
		t.Errorf("row lines: got %v, want %v", got, []int{1})
	}
	if res.Read != 5 {
		t.Errorf("records read: got %v, want %v", res.Read, 5)
	}
	var lines []int
	for _, l := range malformed.Lines {
		lines = append(lines, l.Line)
	}
	if !slices.Equal(lines, []int{2, 4}) {
		t.Errorf("malformed lines: got %v, want %v", lines, []int{2, 4})
	}
}

func TestReadEmitError(t *testing.T) {
	errFull := errors.New("store is full")
	input := pairLine("one") + "\n" + pairLine("two") + "\n" + pairLine("three")
	calls := 0
	res, err := Read(context.Background(), strings.NewReader(input), Options{}, func(r labeling.Row) error {
		calls++
		if r.Line == 2 {
			return errFull
		}
		return nil
	})
	if !errors.Is(err, errFull) {
		t.Fatalf("error: got %v, want it to wrap %v", err, errFull)
	}
	if !strings.Contains(err.Error(), "line 2") {
		t.Errorf("error: got %q, want it to name line 2", err)
	}
	if calls != 2 {
		t.Errorf("emit calls: got %v, want %v", calls, 2)
	}
	if res.Read != 2 {
		t.Errorf("records read: got %v, want %v", res.Read, 2)
	}
}

func TestReadCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	input := pairLine("one") + "\n" + pairLine("two") + "\n" + pairLine("three")
	calls := 0
	_, err := Read(ctx, strings.NewReader(input), Options{}, func(labeling.Row) error {
		calls++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error: got %v, want it to wrap %v", err, context.Canceled)
	}
	if calls != 1 {
		t.Errorf("emit calls: got %v, want %v", calls, 1)
	}
}

// manyPairs returns n distinct pairs records as JSONL.
func manyPairs(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(pairLine(fmt.Sprintf("prompt %d", i)) + "\n")
	}
	return b.String()
}

func TestReadCorruptGzip(t *testing.T) {
	jsonl := manyPairs(2000)
	compressed := gzipped(t, jsonl)
	array := gzipped(t, "[\n"+strings.ReplaceAll(strings.TrimSuffix(jsonl, "\n"), "\n", ",\n")+"\n]")
	badChecksum := []byte(compressed)
	badChecksum[len(badChecksum)-8] ^= 0xff

	tests := []struct {
		name   string
		input  string
		cause  string
		inside bool // the error is past line 1 and before the last line
	}{
		{"JSONL cut in half", compressed[:len(compressed)/2], "(unexpected EOF)", true},
		{"array cut in half", array[:len(array)/2], "(unexpected EOF)", true},
		{"bad checksum", string(badChecksum), "(gzip: invalid checksum)", false},
		{"bad header", "\x1f\x8b\x00 not gzip", "(gzip: invalid header)", false},
		{"header cut short", compressed[:5], "(unexpected EOF)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readString(t, tt.input, Options{})
			malformed := mustMalformed(t, err)
			if malformed.Total != 1 {
				t.Fatalf("malformed records: got %v, want 1 (%v)", malformed.Total, err)
			}
			got := malformed.Lines[0]
			want := "the gzip stream ends early or is corrupt " + tt.cause +
				"; the file may be truncated, so upload it again"
			if got.Reason != want {
				t.Errorf("reason: got %q, want %q", got.Reason, want)
			}
			if tt.inside && (got.Line <= 1 || got.Line >= 2000) {
				t.Errorf("line: got %v, want one between 1 and 2000", got.Line)
			}
		})
	}
}

func TestReadPrettyPrintedObject(t *testing.T) {
	tests := []struct {
		name  string
		input string
		line  int
	}{
		{"object", "{\n  \"prompt\": \"p\",\n  \"response_a\": \"a\"\n}\n", 1},
		{"first member on line", "{\"prompt\": \"p\",\n\"response_a\": \"a\"}", 1},
		{"after blank lines", "\n\n  {\n\"prompt\": \"p\"\n}", 3},
		{"two objects", "{\n\"a\": 1\n}\n{\n\"b\": 2\n}\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, res, err := readString(t, tt.input, Options{})
			malformed := mustMalformed(t, err)
			// Reading stops at the first line, so later lines are not listed.
			if malformed.Total != 1 {
				t.Fatalf("malformed records: got %v, want 1 (%v)", malformed.Total, err)
			}
			if res.Read != 1 {
				t.Errorf("records read: got %v, want 1", res.Read)
			}
			want := LineError{Line: tt.line, Reason: "a JSON object starts " +
				"on this line and does not end on it; write one record " +
				"per line (JSONL) or wrap the records in a JSON array"}
			if got := malformed.Lines[0]; got != want {
				t.Errorf("error: got %v, want %v", got, want)
			}
		})
	}
}

func TestReadUnfinishedLaterLine(t *testing.T) {
	// Only the first record is taken for pretty-printed JSON. A later
	// line that is cut short is an ordinary malformed record.
	input := pairLine("one") + "\n{\"prompt\": \"p\",\n" + pairLine("two") + "\n"
	_, _, err := readString(t, input, Options{})
	malformed := mustMalformed(t, err)
	if malformed.Total != 1 {
		t.Fatalf("malformed records: got %v, want 1 (%v)", malformed.Total, err)
	}
	want := LineError{Line: 2, Reason: "invalid JSON: unexpected end of JSON input"}
	if got := malformed.Lines[0]; got != want {
		t.Errorf("error: got %v, want %v", got, want)
	}
}

func TestReadInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"unknown format", Options{Format: "xml"}, `invalid format "xml"`},
		{"negative line size", Options{MaxLineBytes: -1}, "invalid maximum line size -1"},
		{"negative error count", Options{MaxErrors: -5}, "invalid maximum error count -5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readString(t, pairLine("one"), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error: got %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestReadArrayElementJustOverLimit(t *testing.T) {
	// An element a few bytes over the limit is within the reader's slack,
	// so it is rejected after decoding and the elements after it are read.
	const limit = 200
	over := pairLine(strings.Repeat("b", limit))
	input := "[\n" + pairLine("one") + ",\n" + over + ",\n" + `{"prompt": 1}` + "\n]"

	_, res, err := readString(t, input, Options{MaxLineBytes: limit})
	malformed := mustMalformed(t, err)

	if res.Read != 3 {
		t.Errorf("records read: got %v, want %v", res.Read, 3)
	}
	if malformed.Total != 2 {
		t.Fatalf("malformed records: got %v, want %v", malformed.Total, 2)
	}
	if got := malformed.Lines[0].Line; got != 3 {
		t.Errorf("line: got %v, want %v", got, 3)
	}
	if got := malformed.Lines[0].Reason; !strings.Contains(got, "over the limit of 200 bytes") {
		t.Errorf("reason: got %q, want it to name the limit", got)
	}
	if got := malformed.Lines[1].Line; got != 4 {
		t.Errorf("next malformed line: got %v, want %v", got, 4)
	}
}
