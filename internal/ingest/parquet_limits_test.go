package ingest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// pairsParquetRow is a row of the pairs format as a Parquet file holds it.
type pairsParquetRow struct {
	Prompt    string `parquet:"prompt"`
	ResponseA string `parquet:"response_a"`
	ResponseB string `parquet:"response_b"`
}

// pairsParquet returns rows as a zstd-compressed Parquet file whose
// pages are flushed past pageBytes.
func pairsParquet(t testing.TB, rows []pairsParquetRow, pageBytes int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[pairsParquetRow](&buf, parquet.Compression(&parquet.Zstd),
		parquet.PageBufferSize(pageBytes))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadParquetValueOverLimit(t *testing.T) {
	const limit = 64 << 10

	// A value alone in its page is rejected from the page header, before
	// the page is decompressed.
	rows := []pairsParquetRow{{Prompt: "p", ResponseA: strings.Repeat("x", limit+100), ResponseB: "b"}}
	got, res, err := readBytes(t, pairsParquet(t, rows, 256<<10), Options{MaxLineBytes: limit})
	malformed := mustMalformed(t, err)
	if len(got) != 0 || res.Read != 0 {
		t.Errorf("rows: got %d emitted and %d read, want none before the sizes are checked", len(got), res.Read)
	}
	if len(malformed.Lines) != 1 {
		t.Fatalf("malformed lines: got %v, want 1", malformed.Lines)
	}
	line := malformed.Lines[0]
	if line.Field != "response_a" {
		t.Errorf("field: got %q, want response_a", line.Field)
	}
	if line.Unit != UnitRow || line.Line != 1 {
		t.Errorf("place: got %s %d, want row 1 (the first row of the row group)", line.Unit, line.Line)
	}
	if !strings.Contains(line.Reason, "so a value is over the row limit of 65536 bytes") {
		t.Errorf("reason %q does not name the row limit", line.Reason)
	}
	if !strings.Contains(line.Reason, "--max-line-bytes") {
		t.Errorf("reason %q does not say how to raise the limit", line.Reason)
	}

	// A value three times the limit makes the page header, whose
	// statistics repeat it, larger than a header may be.
	rows[0].ResponseA = strings.Repeat("x", 3*limit)
	_, _, err = readBytes(t, pairsParquet(t, rows, 256<<10), Options{MaxLineBytes: limit})
	malformed = mustMalformed(t, err)
	if reason := malformed.Lines[0].Reason; !strings.Contains(reason, "statistics hold a value over the row limit") {
		t.Errorf("reason %q does not name the page header", reason)
	}

	// A value just under the limit is read.
	rows[0].ResponseA = strings.Repeat("x", limit-200)
	got, _, err = readBytes(t, pairsParquet(t, rows, 256<<10), Options{MaxLineBytes: limit})
	if err != nil {
		t.Fatalf("Read under the limit: %v", err)
	}
	if len(got) != 1 {
		t.Errorf("rows under the limit: got %d, want 1", len(got))
	}
}

func TestReadParquetPagesOverLimit(t *testing.T) {
	const limit = 40 << 10
	var rows []pairsParquetRow
	for i := range 200 {
		rows = append(rows, pairsParquetRow{Prompt: "p" + strings.Repeat("q", i),
			ResponseA: strings.Repeat("a", 1000), ResponseB: strings.Repeat("b", 1000)})
	}

	// Pages of 256 KiB hold every row, so the pages of one row group
	// take over 4 times the 40 KiB row limit, although each row is under
	// it.
	_, _, err := readBytes(t, pairsParquet(t, rows, 256<<10), Options{MaxLineBytes: limit})
	malformed := mustMalformed(t, err)
	if len(malformed.Lines) != 1 {
		t.Fatalf("malformed lines: got %v, want 1", malformed.Lines)
	}
	if reason := malformed.Lines[0].Reason; !strings.Contains(reason, "over the limit of 163840 bytes") {
		t.Errorf("reason %q does not name the page limit", reason)
	}

	// With a page buffer of 2 KiB the writer flushes pages of about 64
	// KiB, which are read.
	got, res, err := readBytes(t, pairsParquet(t, rows, 2<<10), Options{MaxLineBytes: limit})
	if err != nil {
		t.Fatalf("Read with small pages: %v", err)
	}
	if len(got) != 200 || res.Read != 200 {
		t.Errorf("rows: got %d emitted and %d read, want 200", len(got), res.Read)
	}
}

func TestReadParquetFooterOverLimit(t *testing.T) {
	const limit = 16 << 10

	// The footer's column statistics repeat the 600 KiB value, which
	// makes the footer larger than 4 times the limit plus 1 MiB.
	rows := []pairsParquetRow{{Prompt: "p", ResponseA: strings.Repeat("x", 600<<10), ResponseB: "b"}}
	_, res, err := readBytes(t, pairsParquet(t, rows, 256<<10), Options{MaxLineBytes: limit})
	malformed := mustMalformed(t, err)
	if res.Read != 0 {
		t.Errorf("rows read: got %d, want 0", res.Read)
	}
	if len(malformed.Lines) != 1 {
		t.Fatalf("malformed lines: got %v, want 1", malformed.Lines)
	}
	if reason := malformed.Lines[0].Reason; !strings.Contains(reason, "the Parquet footer is") ||
		!strings.Contains(reason, "over the limit of 1114112 bytes") {
		t.Errorf("reason %q does not name the footer and its limit", reason)
	}
}

func TestReadParquetDictionaryPagesV2(t *testing.T) {
	type dictRow struct {
		Prompt    string `parquet:"prompt,dict"`
		ResponseA string `parquet:"response_a,dict"`
		ResponseB string `parquet:"response_b"`
	}
	var rows []dictRow
	for i := range 300 {
		rows = append(rows, dictRow{Prompt: "prompt " + strings.Repeat("p", i%7),
			ResponseA: "answer " + strings.Repeat("a", i%5), ResponseB: "other " + strings.Repeat("b", i)})
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[dictRow](&buf, parquet.Compression(&parquet.Zstd),
		parquet.DataPageVersion(2), parquet.PageBufferSize(4<<10))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	file, err := parquet.OpenFile(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	dictionaries := 0
	for _, group := range file.Metadata().RowGroups {
		for _, chunk := range group.Columns {
			if chunk.MetaData.DictionaryPageOffset > 0 {
				dictionaries++
			}
		}
	}
	if dictionaries == 0 {
		t.Fatal("no column chunk has a dictionary page, so the test covers none")
	}

	// The page headers of dictionary and version 2 data pages are walked
	// with the row limit lowered to 64 KiB, and every row is then read.
	got, res, err := readBytes(t, buf.Bytes(), Options{MaxLineBytes: 64 << 10})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if len(got) != 300 || res.Read != 300 {
		t.Errorf("rows: got %d emitted and %d read, want 300", len(got), res.Read)
	}
}
