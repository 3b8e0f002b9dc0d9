package export

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/pairwise/pairwise/internal/labeling"
)

// edgeRow has the shapes that shredding must get right: an empty list,
// a nil and a set optional group, and a list inside a group.
type edgeRow struct {
	Name     string                `json:"name"`
	Messages labeling.Conversation `json:"messages"`
	Meta     *RowMeta              `json:"meta"`
	Input    openAIInput           `json:"input"`
}

func TestParquetRowGroupsAndEdgeShapes(t *testing.T) {
	rows, bytesPer := parquetGroupRows, parquetGroupBytes
	parquetGroupRows, parquetGroupBytes = 2, 1<<20
	t.Cleanup(func() { parquetGroupRows, parquetGroupBytes = rows, bytesPer })

	two := labeling.Conversation{{Role: "system", Content: "s"}, {Role: "user", Content: "u"}}
	in := []edgeRow{
		{Name: "empty", Messages: labeling.Conversation{}},
		{Name: "meta", Messages: two, Meta: &RowMeta{ComparisonID: "c", Votes: 2, Agreement: 0.5}},
		{Name: "nested", Input: openAIInput{Messages: two}},
		{Name: "last", Messages: two[:1]},
		{Name: "odd"},
	}
	var buf bytes.Buffer
	w, err := newParquetRowWriter(&buf, edgeRow{Meta: &RowMeta{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range in {
		if err := w.Write(r); err != nil {
			t.Fatalf("write %s: %v", r.Name, err)
		}
	}
	if err := w.Write(struct{ Name string }{"wrong type"}); err == nil {
		t.Error("write of another row type: got no error")
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	f, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if got := len(f.RowGroups()); got != 3 {
		t.Errorf("row groups: got %d, want 3", got)
	}
	out := make([]edgeRowRead, len(in))
	n, err := parquet.NewGenericReader[edgeRowRead](f).Read(out)
	if err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("read: %v", err)
	}
	if n != len(in) {
		t.Fatalf("rows: got %d, want %d", n, len(in))
	}
	for i, r := range in {
		got := out[i]
		if got.Name != r.Name {
			t.Errorf("row %d name: got %q, want %q", i, got.Name, r.Name)
		}
		if len(got.Messages) != len(r.Messages) {
			t.Errorf("row %s messages: got %v, want %v", r.Name, got.Messages, r.Messages)
		}
		for j := range min(len(got.Messages), len(r.Messages)) {
			if got.Messages[j].Content != r.Messages[j].Content || got.Messages[j].Role != r.Messages[j].Role {
				t.Errorf("row %s message %d: got %+v, want %+v", r.Name, j, got.Messages[j], r.Messages[j])
			}
		}
		if (got.Meta == nil) != (r.Meta == nil) {
			t.Errorf("row %s meta: got %+v, want %+v", r.Name, got.Meta, r.Meta)
		} else if r.Meta != nil && (got.Meta.Votes != int64(r.Meta.Votes) || got.Meta.Agreement != r.Meta.Agreement) {
			t.Errorf("row %s meta: got %+v, want %+v", r.Name, got.Meta, r.Meta)
		}
		if len(got.Input.Messages) != len(r.Input.Messages) {
			t.Errorf("row %s input messages: got %v, want %v", r.Name, got.Input.Messages, r.Input.Messages)
		}
	}
}

// edgeRowRead is edgeRow as parquet-go reads it back.
type edgeRowRead struct {
	Name     string        `parquet:"name"`
	Messages []messageRead `parquet:"messages,list"`
	Meta     *struct {
		Votes     int64   `parquet:"votes"`
		Agreement float64 `parquet:"agreement"`
	} `parquet:"meta,optional"`
	Input struct {
		Messages []messageRead `parquet:"messages,list"`
	} `parquet:"input"`
}

type messageRead struct {
	Content string `parquet:"content"`
	Role    string `parquet:"role"`
}
