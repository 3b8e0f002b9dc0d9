package export_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
)

// fakeJudgments is a JudgmentSource that walks a slice for one project
// and nothing for any other.
type fakeJudgments struct {
	project uuid.UUID
	rows    []labeling.Judgment
	err     error // returned after the rows, when set
}

func (f fakeJudgments) EachJudgment(ctx context.Context, projectID uuid.UUID,
	fn func(labeling.Judgment) error) error {
	if projectID != f.project {
		return nil
	}
	for _, j := range f.rows {
		if err := fn(j); err != nil {
			return err
		}
	}
	return f.err
}

// judgmentKeys are the keys of every judgments row, sorted.
var judgmentKeys = []string{
	"annotator_id", "comparison_id", "judgment_id", "left_response_id", "preferred_response_id",
	"prompt_id", "rationale", "response_a_id", "response_b_id", "scores", "shown_at", "strength",
	"submitted_at", "unsafe", "verdict",
}

// decodeLines decodes each JSON line of out into a map of raw values.
func decodeLines(tb testing.TB, out string) []map[string]json.RawMessage {
	tb.Helper()
	var rows []map[string]json.RawMessage
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var row map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			tb.Fatalf("decode line %q: %v", sc.Text(), err)
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return rows
}

// checkKeys fails the test unless row has exactly judgmentKeys.
func checkKeys(tb testing.TB, row map[string]json.RawMessage) {
	tb.Helper()
	var keys []string
	for k := range row {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, judgmentKeys) {
		tb.Errorf("keys: got %v, want %v", keys, judgmentKeys)
	}
}

// checkValues fails the test for each key of want whose raw JSON value in
// row differs.
func checkValues(tb testing.TB, row map[string]json.RawMessage, want map[string]string) {
	tb.Helper()
	for key, w := range want {
		if got := string(row[key]); got != w {
			tb.Errorf("%s: got %s, want %s", key, got, w)
		}
	}
}

// quoted returns v's text as a JSON string.
func quoted(v interface{ String() string }) string {
	return `"` + v.String() + `"`
}

func TestWriteJudgmentsRows(t *testing.T) {
	project := uuid.New()
	shown := time.Date(2026, 3, 1, 10, 0, 0, 123456000, time.UTC)
	submitted := time.Date(2026, 3, 1, 10, 1, 30, 0, time.UTC)
	ra, rb := uuid.New(), uuid.New()
	full := labeling.Judgment{
		ID: uuid.New(), ComparisonID: uuid.New(), PromptID: uuid.New(),
		ResponseAID: ra, ResponseBID: rb, AnnotatorID: uuid.New(),
		Verdict: labeling.VerdictPreferred, Preferred: rb, Strength: labeling.StrengthMuch,
		Scores:    map[uuid.UUID]labeling.Scores{rb: {"helpful": 5}},
		Rationale: "b is <right> & a is wrong", Unsafe: true,
		LeftResponseID: rb, ShownAt: shown, SubmittedAt: submitted,
	}
	bare := labeling.Judgment{
		ID: uuid.New(), ComparisonID: uuid.New(), PromptID: uuid.New(),
		ResponseAID: ra, ResponseBID: rb, AnnotatorID: uuid.New(),
		Verdict: labeling.VerdictTie, Scores: map[uuid.UUID]labeling.Scores{},
		LeftResponseID: ra, ShownAt: shown, SubmittedAt: submitted,
	}

	var buf bytes.Buffer
	src := fakeJudgments{project: project, rows: []labeling.Judgment{full, bare}}
	salt := "a salt of twenty chars"
	n, err := export.WriteJudgments(context.Background(), &buf, src, project,
		export.JudgmentOptions{Salt: salt})
	if err != nil {
		t.Fatalf("WriteJudgments: %v", err)
	}
	if n != 2 {
		t.Errorf("rows: got %d, want 2", n)
	}
	rows := decodeLines(t, buf.String())
	if len(rows) != 2 {
		t.Fatalf("lines: got %d, want 2", len(rows))
	}

	t.Run("every field set", func(t *testing.T) {
		checkKeys(t, rows[0])
		checkValues(t, rows[0], map[string]string{
			"judgment_id":           quoted(full.ID),
			"comparison_id":         quoted(full.ComparisonID),
			"prompt_id":             quoted(full.PromptID),
			"response_a_id":         quoted(ra),
			"response_b_id":         quoted(rb),
			"annotator_id":          `"` + export.Pseudonym([]byte(salt), full.AnnotatorID) + `"`,
			"verdict":               `"preferred"`,
			"preferred_response_id": quoted(rb),
			"strength":              `"much"`,
			"scores":                `{"` + rb.String() + `":{"helpful":5}}`,
			"rationale":             `"b is <right> & a is wrong"`,
			"unsafe":                `true`,
			"left_response_id":      quoted(rb),
			"shown_at":              `"2026-03-01T10:00:00.123456Z"`,
			"submitted_at":          `"2026-03-01T10:01:30Z"`,
		})
	})
	t.Run("optional fields unset", func(t *testing.T) {
		checkKeys(t, rows[1])
		checkValues(t, rows[1], map[string]string{
			"judgment_id":           quoted(bare.ID),
			"verdict":               `"tie"`,
			"preferred_response_id": `null`,
			"strength":              `null`,
			"scores":                `{}`,
			"rationale":             `""`,
			"unsafe":                `false`,
			"left_response_id":      quoted(ra),
		})
	})
}

func TestWriteJudgmentsErrors(t *testing.T) {
	project := uuid.New()
	sourceErr := errors.New("connection reset")
	writeErr := errors.New("disk full")
	rows := []labeling.Judgment{{ID: uuid.New(), Verdict: labeling.VerdictBothBad}}

	t.Run("source fails", func(t *testing.T) {
		src := fakeJudgments{project: project, rows: rows, err: sourceErr}
		_, err := export.WriteJudgments(context.Background(), &bytes.Buffer{}, src, project,
			export.JudgmentOptions{})
		if !errors.Is(err, sourceErr) {
			t.Errorf("error: got %v, want %v", err, sourceErr)
		}
	})
	t.Run("writer fails", func(t *testing.T) {
		src := fakeJudgments{project: project, rows: rows}
		_, err := export.WriteJudgments(context.Background(), failingWriter{writeErr}, src, project,
			export.JudgmentOptions{})
		if !errors.Is(err, writeErr) {
			t.Errorf("error: got %v, want %v", err, writeErr)
		}
	})
}

func TestWriteJudgmentsNoRows(t *testing.T) {
	project := uuid.New()
	src := fakeJudgments{project: project, rows: []labeling.Judgment{{ID: uuid.New()}}}
	var buf bytes.Buffer
	n, err := export.WriteJudgments(context.Background(), &buf, src, uuid.New(), export.JudgmentOptions{})
	if err != nil {
		t.Fatalf("WriteJudgments: %v", err)
	}
	if n != 0 {
		t.Errorf("rows: got %d, want 0", n)
	}
	if buf.Len() != 0 {
		t.Errorf("output: got %q, want nothing", buf.String())
	}
}
