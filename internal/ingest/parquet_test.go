package ingest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/pairwise/pairwise/internal/labeling"
)

// parquetMessage and parquetRow are a conversational TRL row with nullable
// columns, as pyarrow writes list<struct<role, content>>.
type parquetMessage struct {
	Role    *string `parquet:"role,optional"`
	Content *string `parquet:"content,optional"`
}

type parquetRow struct {
	Prompt   []parquetMessage `parquet:"prompt,list,optional"`
	Chosen   []parquetMessage `parquet:"chosen,list,optional"`
	Rejected []parquetMessage `parquet:"rejected,list,optional"`
	Margin   *float64         `parquet:"margin,optional"`
}

func ptr[T any](v T) *T { return &v }

func pm(role, content string) parquetMessage {
	return parquetMessage{Role: &role, Content: &content}
}

// parquetBytes returns rows written as a Parquet file.
func parquetBytes[T any](t testing.TB, rows []T) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// readBytes runs Read on b and returns the rows it emitted.
func readBytes(t testing.TB, b []byte, opts Options) ([]labeling.Row, Result, error) {
	t.Helper()
	var rows []labeling.Row
	res, err := Read(context.Background(), bytes.NewReader(b), opts, func(r labeling.Row) error {
		rows = append(rows, r)
		return nil
	})
	return rows, res, err
}

func TestReadParquetConversational(t *testing.T) {
	data := parquetBytes(t, []parquetRow{{
		Prompt:   []parquetMessage{pm("system", "s"), pm("user", "u"), pm("assistant", "a"), pm("user", "u2")},
		Chosen:   []parquetMessage{pm("assistant", "good")},
		Rejected: []parquetMessage{pm("assistant", "bad")},
		Margin:   ptr(1.0),
	}})

	// Read both from memory, which is spooled to a temporary file, and
	// from a file, which is read in place.
	path := filepath.Join(t.TempDir(), "rows.parquet")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var fromFile []labeling.Row
	fileRes, err := Read(context.Background(), f, Options{}, func(r labeling.Row) error {
		fromFile = append(fromFile, r)
		return nil
	})
	if err != nil {
		t.Fatalf("Read file: got error %v, want none", err)
	}
	fromMemory, res, err := readBytes(t, data, Options{})
	if err != nil {
		t.Fatalf("Read: got error %v, want none", err)
	}

	want := labeling.Row{
		Line:       1,
		Prompt:     labeling.Conversation{msg("system", "s"), msg("user", "u"), msg("assistant", "a"), msg("user", "u2")},
		Candidates: []labeling.Candidate{{Content: "good"}, {Content: "bad"}},
		Label:      preferredFirst,
	}
	for name, rows := range map[string][]labeling.Row{"memory": fromMemory, "file": fromFile} {
		if len(rows) != 1 || !reflect.DeepEqual(rows[0], want) {
			t.Errorf("%s: got rows %+v, want %+v", name, rows, want)
		}
	}
	if res.Format != FormatReward || res.Unit != UnitRow || fileRes.Unit != UnitRow {
		t.Errorf("result: got format %q unit %q, want reward and row", res.Format, res.Unit)
	}
}

func TestReadParquetNulls(t *testing.T) {
	good := parquetRow{
		Prompt:   []parquetMessage{pm("user", "u")},
		Chosen:   []parquetMessage{pm("assistant", "a")},
		Rejected: []parquetMessage{pm("assistant", "b")},
	}
	nullList, emptyList, nullContent := good, good, good
	nullList.Chosen = nil
	emptyList.Prompt = []parquetMessage{}
	nullContent.Rejected = []parquetMessage{{Role: ptr("assistant")}}
	data := parquetBytes(t, []parquetRow{good, nullList, emptyList, nullContent})

	rows, _, err := readBytes(t, data, Options{Format: FormatTRL})
	m := mustMalformed(t, err)
	if len(rows) != 1 {
		t.Errorf("rows before the first malformed one: got %d, want 1", len(rows))
	}
	want := []string{
		`row 2: field "chosen": want a string or a list of messages, got null`,
		`row 3: field "prompt": invalid prompt: prompt has no messages`,
		`row 4: field "rejected[0].content": want a string, got null`,
	}
	var got []string
	for _, l := range m.Lines {
		got = append(got, l.Error())
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("errors:\n got %q\nwant %q", got, want)
	}
}

func TestReadParquetStringColumns(t *testing.T) {
	type ktoRow struct {
		Prompt     *string `parquet:"prompt,optional"`
		Completion string  `parquet:"completion"`
		Label      bool    `parquet:"label"`
	}
	data := parquetBytes(t, []ktoRow{
		{Prompt: ptr("p"), Completion: "yes", Label: true},
		{Prompt: ptr("p"), Completion: "no", Label: false},
		{Prompt: nil, Completion: "x", Label: true},
	})
	_, _, err := readBytes(t, data, Options{})
	m := mustMalformed(t, err)
	if got, want := m.Lines[0].Error(), `row 3: field "prompt": want a string or a list of messages, got null`; got != want {
		t.Errorf("error: got %q, want %q", got, want)
	}
}

func TestReadParquetTruncated(t *testing.T) {
	data := parquetBytes(t, []parquetRow{{Prompt: []parquetMessage{pm("user", "u")}}})
	_, _, err := readBytes(t, data[:len(data)/2], Options{})
	m := mustMalformed(t, err)
	if got := m.Lines[0].Error(); !strings.Contains(got, "invalid Parquet file") {
		t.Errorf("error: got %q, want one that names an invalid Parquet file", got)
	}
}
