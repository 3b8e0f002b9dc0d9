package export_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// fileKinds are the file settings every format is written with.
var fileKinds = []struct {
	name string
	file string
	gzip bool
}{{"jsonl", export.FileJSONL, false}, {"jsonl.gz", export.FileJSONL, true}, {"parquet", export.FileParquet, false}}

// exportBytes runs one export of p and returns the file.
func exportBytes(tb testing.TB, db *store.DB, p labeling.Project, format, file string, gz bool,
	salt string) []byte {
	tb.Helper()
	ctx := context.Background()
	var buf bytes.Buffer
	var err error
	if format == "judgments" {
		_, err = export.WriteJudgments(ctx, &buf, db, p.ID,
			export.JudgmentOptions{File: file, Gzip: gz, Salt: salt})
	} else {
		_, err = export.WriteDataset(ctx, &buf, db, p.ID, export.DatasetOptions{Format: format,
			File: file, Gzip: gz, Metadata: true, Seed: "seed-7", Split: export.SplitTrain,
			Ratios: export.SplitRatios{Train: 0.6, Validation: 0.2, Test: 0.2}})
	}
	if err != nil {
		tb.Fatalf("export %s as %s (gzip %v): %v", format, file, gz, err)
	}
	return buf.Bytes()
}

// TestExportByteIdentical exports the same project twice in every
// format and file type and compares the bytes.
func TestExportByteIdentical(t *testing.T) {
	db := storetest.New(t)
	p := newRubricProject(t, db)
	salt := "a fixed salt for this test"

	for _, format := range append(export.DatasetFormats, "judgments") {
		for _, kind := range fileKinds {
			t.Run(format+" "+kind.name, func(t *testing.T) {
				first := exportBytes(t, db, p, format, kind.file, kind.gzip, salt)
				second := exportBytes(t, db, p, format, kind.file, kind.gzip, salt)
				if len(first) == 0 {
					t.Fatal("export is empty")
				}
				if !bytes.Equal(first, second) {
					t.Errorf("two exports differ: %d and %d bytes", len(first), len(second))
				}
				if kind.gzip {
					checkGzipHeader(t, first)
				}
			})
		}
	}
}

// checkGzipHeader fails unless data is gzip with no name, comment or
// time in its header.
func checkGzipHeader(tb testing.TB, data []byte) {
	tb.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("gunzip: %v", err)
	}
	if zr.Name != "" || zr.Comment != "" || !zr.ModTime.IsZero() {
		tb.Errorf("gzip header: got name %q, comment %q, time %v, want none", zr.Name, zr.Comment, zr.ModTime)
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		tb.Errorf("gunzip body: %v", err)
	}
}

func TestJudgmentsPseudonyms(t *testing.T) {
	db := storetest.New(t)
	p := newDatasetProject(t, db)
	salt := "a salt with enough characters"

	fixed := string(exportBytes(t, db, p, "judgments", "", false, salt))
	random1 := string(exportBytes(t, db, p, "judgments", "", false, ""))
	random2 := string(exportBytes(t, db, p, "judgments", "", false, ""))

	var annotator string
	err := db.Pool().QueryRow(context.Background(), `SELECT j.annotator_id::text FROM judgments j
		JOIN comparisons c ON c.id = j.comparison_id WHERE c.project_id = $1 ORDER BY j.seq LIMIT 1`,
		p.ID).Scan(&annotator)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"fixed salt": fixed, "random salt": random1} {
		if strings.Contains(out, annotator) {
			t.Errorf("%s: export contains the annotator id %s", name, annotator)
		}
	}
	if strings.Contains(fixed, salt) {
		t.Error("export contains the salt")
	}
	if random1 == random2 {
		t.Error("two exports without a salt are identical; want fresh pseudonyms")
	}

	rows := decodeLines(t, fixed)
	first := string(rows[0]["annotator_id"])
	if len(first) != 18 { // 16 hex digits in quotes
		t.Errorf("pseudonym %s: got %d characters, want 16 in quotes", first, len(first)-2)
	}
	for _, r := range rows {
		checkKeys(t, r)
	}
}

func TestJudgmentsParquet(t *testing.T) {
	db := storetest.New(t)
	p := newRubricProject(t, db)
	salt := "a salt with enough characters"
	jsonl := decodeLines(t, string(exportBytes(t, db, p, "judgments", "", false, salt)))
	f := openParquet(t, exportBytes(t, db, p, "judgments", export.FileParquet, false, salt))

	columns := []string{pqString("annotator_id"), pqString("comparison_id"), pqString("judgment_id"),
		pqString("left_response_id")}
	columns = append(columns, "\toptional binary preferred_response_id (STRING);\n",
		pqString("prompt_id"), pqString("rationale"), pqString("response_a_id"), pqString("response_b_id"),
		"\trequired group scores (LIST) {\n"+
			"\t\trepeated group list {\n"+
			"\t\t\trequired group element {\n"+
			"\t\t\t\trequired binary criterion (STRING);\n"+
			"\t\t\t\trequired binary response_id (STRING);\n"+
			"\t\t\t\trequired int64 score (INT(64,true));\n"+
			"\t\t\t}\n"+
			"\t\t}\n"+
			"\t}\n",
		"\trequired int64 shown_at (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));\n",
		"\toptional binary strength (STRING);\n",
		"\trequired int64 submitted_at (TIMESTAMP(isAdjustedToUTC=true,unit=MICROS));\n",
		pqBool("unsafe"), pqString("verdict"))
	if got, want := f.Schema().String(), pqSchema(columns...); got != want {
		t.Errorf("schema:\ngot  %s\nwant %s", got, want)
	}

	got := parquetRowsOf(t, f)
	if len(got) != len(jsonl) {
		t.Fatalf("rows: got %d, want %d", len(got), len(jsonl))
	}
	for i, want := range jsonl {
		g := got[i]
		for _, key := range []string{"judgment_id", "annotator_id", "verdict", "rationale",
			"preferred_response_id", "strength", "unsafe"} {
			if gotJSON := marshalJSON(t, g[key]); gotJSON != string(want[key]) {
				t.Errorf("row %d %s: got %s, want %s", i, key, gotJSON, want[key])
			}
		}
		// A map holds a timestamp column as its int64 microseconds.
		micros, ok := g["shown_at"].(int64)
		if !ok {
			t.Fatalf("row %d shown_at: got %T, want int64", i, g["shown_at"])
		}
		shown := time.UnixMicro(micros).UTC()
		if gotJSON := marshalJSON(t, shown); gotJSON != string(want["shown_at"]) {
			t.Errorf("row %d shown_at: got %s, want %s", i, gotJSON, want["shown_at"])
		}
	}
	// The first judgment of "sky?" scored blue twice and green twice.
	scored := 0
	for _, g := range got {
		if entries, _ := g["scores"].([]any); len(entries) > 0 {
			scored++
		}
	}
	if scored != 3 {
		t.Errorf("rows with scores: got %d, want 3", scored)
	}
}

func marshalJSON(tb testing.TB, v any) string {
	tb.Helper()
	out, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("encode %v: %v", v, err)
	}
	return string(out)
}

// parquetRowsOf reads every row of f as a map.
func parquetRowsOf(tb testing.TB, f *parquet.File) []map[string]any {
	tb.Helper()
	rows := make([]map[string]any, f.NumRows())
	for i := range rows {
		rows[i] = map[string]any{}
	}
	n, err := parquet.NewGenericReader[map[string]any](f, f.Schema()).Read(rows)
	if err != nil && !errors.Is(err, io.EOF) {
		tb.Fatalf("read Parquet rows: %v", err)
	}
	return rows[:n]
}

// TestSplitsDisjointCustomRatios writes each split of a three-way split
// and checks that no prompt lands in two of them, in JSONL and Parquet.
func TestSplitsDisjointCustomRatios(t *testing.T) {
	db := storetest.New(t)
	var fixture []datasetComparison
	for i := range 40 {
		prompt := labeling.Conversation{msg("user", "question "+string(rune('A'+i)))}
		fixture = append(fixture, datasetComparison{prompt: prompt, a: "yes", b: "no",
			votes: []datasetVote{{"yes", ""}}})
	}
	p := newFixtureProject(t, db, fixture)
	ratios, err := export.ParseSplitRatios("0.5,0.25,0.25")
	if err != nil {
		t.Fatal(err)
	}

	for _, file := range []string{export.FileJSONL, export.FileParquet} {
		t.Run(file, func(t *testing.T) {
			seen := map[string]string{}
			for _, split := range export.DatasetSplits {
				opts := export.DatasetOptions{Format: export.FormatKTO, Seed: "s", Ratios: ratios,
					Split: split, File: file}
				var rows []string
				if file == export.FileParquet {
					rows = parquetJSON(t, writeParquet(t, db, p, opts))
				} else {
					rows, _ = writeDataset(t, db, p, opts)
				}
				if len(rows) == 0 {
					t.Errorf("split %s is empty", split)
				}
				for _, row := range rows {
					prompt := promptOf(t, row)
					if other, ok := seen[prompt]; ok && other != split {
						t.Errorf("prompt %s: in %s and %s", prompt, other, split)
					}
					seen[prompt] = split
				}
			}
			if len(seen) != len(fixture) {
				t.Errorf("prompts in the three splits: got %d, want %d", len(seen), len(fixture))
			}
		})
	}
}
