package export_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/parquet-go/parquet-go"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// Parquet schema fragments, as parquet-go prints a schema. Each takes
// the column name and one level of tab indentation per nesting depth.
func pqString(name string) string { return "\trequired binary " + name + " (STRING);\n" }

func pqDouble(name string) string { return "\trequired double " + name + ";\n" }

func pqBool(name string) string { return "\trequired boolean " + name + ";\n" }

// pqMessages is a 3-level LIST of struct<content, role>, which pyarrow
// reads as list<struct<content: string, role: string>>.
func pqMessages(name string) string {
	return "\trequired group " + name + " (LIST) {\n" +
		"\t\trepeated group list {\n" +
		"\t\t\trequired group element {\n" +
		"\t\t\t\trequired binary content (STRING);\n" +
		"\t\t\t\trequired binary role (STRING);\n" +
		"\t\t\t}\n" +
		"\t\t}\n" +
		"\t}\n"
}

const pqMetadata = "\toptional group metadata {\n" +
	"\t\trequired double agreement;\n" +
	"\t\trequired binary chosen_model (STRING);\n" +
	"\t\trequired binary comparison_id (STRING);\n" +
	"\t\trequired binary rejected_model (STRING);\n" +
	"\t\trequired binary source_label (STRING);\n" +
	"\t\trequired int64 votes (INT(64,true));\n" +
	"\t}\n"

// indent adds a tab to each line of fragment.
func indent(fragment string) string {
	return "\t" + strings.ReplaceAll(strings.TrimSuffix(fragment, "\n"), "\n", "\n\t") + "\n"
}

// pqSchema returns the printed schema of columns, which must be in name
// order as parquet-go stores them.
func pqSchema(columns ...string) string {
	return "message schema {\n" + strings.Join(columns, "") + "}"
}

// singleTurnFixture is a project whose prompts are all one user message,
// so Parquet files take the standard form.
func singleTurnFixture() []datasetComparison {
	user := func(s string) labeling.Conversation { return labeling.Conversation{msg("user", s)} }
	return []datasetComparison{
		{prompt: user("sky?"), a: "blue", b: "green",
			votes: []datasetVote{{"blue", labeling.StrengthMuch}, {"blue", ""}, {"green", ""}}},
		{prompt: user("bad?"), a: "p", b: "q", votes: []datasetVote{{"=both_bad", ""}}},
		{prompt: user("<tag> & \"quotes\"?"), a: "ü", b: "日本", votes: []datasetVote{{"日本", ""}}},
	}
}

// writeParquet runs WriteDataset with a Parquet file and opens the result.
func writeParquet(tb testing.TB, db *store.DB, p labeling.Project, opts export.DatasetOptions) *parquet.File {
	tb.Helper()
	opts.File = export.FileParquet
	var buf bytes.Buffer
	if _, err := export.WriteDataset(context.Background(), &buf, db, p.ID, opts); err != nil {
		tb.Fatalf("WriteDataset %+v: %v", opts, err)
	}
	return openParquet(tb, buf.Bytes())
}

func openParquet(tb testing.TB, data []byte) *parquet.File {
	tb.Helper()
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatalf("open Parquet file of %d bytes: %v", len(data), err)
	}
	return f
}

// parquetJSON returns each row of f as canonical JSON: object keys
// sorted, numbers as encoding/json writes float64 and int64 alike.
func parquetJSON(tb testing.TB, f *parquet.File) []string {
	tb.Helper()
	rows := make([]map[string]any, f.NumRows())
	for i := range rows {
		rows[i] = map[string]any{}
	}
	n, err := parquet.NewGenericReader[map[string]any](f, f.Schema()).Read(rows)
	if err != nil && !errors.Is(err, io.EOF) {
		tb.Fatalf("read Parquet rows: %v", err)
	}
	out := make([]string, n)
	for i, row := range rows[:n] {
		out[i] = canonicalJSON(tb, row)
	}
	return out
}

// canonicalJSON returns v, or the JSON text v, re-encoded with sorted
// keys.
func canonicalJSON(tb testing.TB, v any) string {
	tb.Helper()
	if s, ok := v.(string); ok {
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			tb.Fatalf("decode %s: %v", s, err)
		}
	}
	out, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("encode %v: %v", v, err)
	}
	return string(out)
}

func TestParquetSchemas(t *testing.T) {
	db := storetest.New(t)
	mixed := newDatasetProject(t, db)
	single := newFixtureProject(t, db, singleTurnFixture())

	tests := []struct {
		name    string
		project labeling.Project
		opts    export.DatasetOptions
		want    string
	}{
		{"trl standard", single, export.DatasetOptions{Format: export.FormatTRL},
			pqSchema(pqString("chosen"), pqString("prompt"), pqString("rejected"))},
		{"trl conversational", single, export.DatasetOptions{Format: export.FormatTRL, Conversational: true},
			pqSchema(pqMessages("chosen"), pqMessages("prompt"), pqMessages("rejected"))},
		{"trl multi-turn project", mixed, export.DatasetOptions{Format: export.FormatTRL},
			pqSchema(pqMessages("chosen"), pqMessages("prompt"), pqMessages("rejected"))},
		{"trl-implicit standard", single, export.DatasetOptions{Format: export.FormatTRLImplicit},
			pqSchema(pqString("chosen"), pqString("rejected"))},
		{"trl-implicit conversational", mixed, export.DatasetOptions{Format: export.FormatTRLImplicit},
			pqSchema(pqMessages("chosen"), pqMessages("rejected"))},
		{"reward standard with metadata", single,
			export.DatasetOptions{Format: export.FormatReward, Metadata: true},
			pqSchema(pqString("chosen"), pqDouble("margin"), pqMetadata, pqString("prompt"),
				pqString("rejected"))},
		{"reward conversational", mixed, export.DatasetOptions{Format: export.FormatReward},
			pqSchema(pqMessages("chosen"), pqDouble("margin"), pqMessages("prompt"), pqMessages("rejected"))},
		{"kto standard", single, export.DatasetOptions{Format: export.FormatKTO},
			pqSchema(pqString("completion"), pqBool("label"), pqString("prompt"))},
		{"kto conversational with metadata", mixed,
			export.DatasetOptions{Format: export.FormatKTO, Metadata: true},
			pqSchema(pqMessages("completion"), pqBool("label"), pqMetadata, pqMessages("prompt"))},
		{"openai", single, export.DatasetOptions{Format: export.FormatOpenAI},
			pqSchema("\trequired group input {\n"+indent(pqMessages("messages"))+"\t}\n", pqMessages("non_preferred_output"), pqMessages("preferred_output"))},
		{"hh", mixed, export.DatasetOptions{Format: export.FormatHH},
			pqSchema(pqString("chosen"), pqString("rejected"))},
		{"sft standard", single, export.DatasetOptions{Format: export.FormatSFT},
			pqSchema(pqString("completion"), pqString("prompt"))},
		{"sft conversational", mixed, export.DatasetOptions{Format: export.FormatSFT},
			pqSchema(pqMessages("messages"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := writeParquet(t, db, tt.project, tt.opts)
			if got := f.Schema().String(); got != tt.want {
				t.Errorf("schema:\ngot  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// walkOnly is a DatasetSource without the store's other methods, so
// the writers fall back to walking the comparisons.
type walkOnly struct{ export.DatasetSource }

func TestParquetFormWithoutPromptQuery(t *testing.T) {
	db := storetest.New(t)
	mixed := newDatasetProject(t, db)
	single := newFixtureProject(t, db, singleTurnFixture())

	for _, p := range []labeling.Project{mixed, single} {
		want := writeParquet(t, db, p, export.DatasetOptions{Format: export.FormatSFT}).Schema().String()
		var buf bytes.Buffer
		_, err := export.WriteDataset(context.Background(), &buf, walkOnly{db}, p.ID,
			export.DatasetOptions{Format: export.FormatSFT, File: export.FileParquet})
		if err != nil {
			t.Fatalf("WriteDataset: %v", err)
		}
		if got := openParquet(t, buf.Bytes()).Schema().String(); got != want {
			t.Errorf("project %s schema:\ngot  %s\nwant %s", p.Name, got, want)
		}
	}
}

// TestParquetRowsMatchJSONL checks that a Parquet file holds the same
// rows as the JSONL file of the same export, field for field, including
// system messages and multi-turn prompts.
func TestParquetRowsMatchJSONL(t *testing.T) {
	db := storetest.New(t)
	mixed := newDatasetProject(t, db)
	single := newFixtureProject(t, db, singleTurnFixture())

	for _, format := range export.DatasetFormats {
		if format == export.FormatRubric {
			continue // TestRubricParquet covers it
		}
		for _, metadata := range []bool{false, true} {
			for _, project := range []labeling.Project{single, mixed} {
				// JSONL writes the form row by row, so it matches a
				// mixed project's Parquet file only in the
				// conversational form.
				opts := export.DatasetOptions{Format: format, Metadata: metadata,
					Conversational: project.ID == mixed.ID}
				name := format + map[bool]string{true: " metadata", false: ""}[metadata] +
					map[bool]string{true: " mixed", false: " single-turn"}[project.ID == mixed.ID]
				t.Run(name, func(t *testing.T) {
					lines, _ := writeDataset(t, db, project, opts)
					got := parquetJSON(t, writeParquet(t, db, project, opts))
					if len(got) != len(lines) {
						t.Fatalf("rows: got %d, want %d", len(got), len(lines))
					}
					for i, line := range lines {
						if want := canonicalJSON(t, line); got[i] != want {
							t.Errorf("row %d:\ngot  %s\nwant %s", i, got[i], want)
						}
					}
				})
			}
		}
	}
}

func TestParquetKeepsConversations(t *testing.T) {
	db := storetest.New(t)
	fixture := []datasetComparison{{
		prompt: labeling.Conversation{msg("system", "Answer in French."), msg("user", "Hi"),
			msg("assistant", "Bonjour"), msg("user", "Count to two")},
		a: "un, deux", b: "one, two", votes: []datasetVote{{"un, deux", ""}},
	}}
	p := newFixtureProject(t, db, fixture)

	got := parquetJSON(t, writeParquet(t, db, p, export.DatasetOptions{Format: export.FormatOpenAI}))
	want := `{"input":{"messages":[{"content":"Answer in French.","role":"system"},` +
		`{"content":"Hi","role":"user"},{"content":"Bonjour","role":"assistant"},` +
		`{"content":"Count to two","role":"user"}]},` +
		`"non_preferred_output":[{"content":"one, two","role":"assistant"}],` +
		`"preferred_output":[{"content":"un, deux","role":"assistant"}]}`
	if len(got) != 1 || got[0] != want {
		t.Errorf("rows:\ngot  %q\nwant %q", got, []string{want})
	}
}

func TestFileOptionsRejected(t *testing.T) {
	db := storetest.New(t)
	tests := []struct {
		name string
		opts export.DatasetOptions
		want string
	}{
		{"unknown file type", export.DatasetOptions{Format: export.FormatTRL, File: "csv"},
			`file type "csv" is not one of jsonl, parquet`},
		{"gzip parquet", export.DatasetOptions{Format: export.FormatTRL, File: "parquet", Gzip: true},
			"gzip applies to JSONL files only"},
		{"ratios without split", export.DatasetOptions{Format: export.FormatTRL,
			Ratios: export.SplitRatios{Train: 0.5, Test: 0.6}},
			"sum to 1.1; they must sum to 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, err := export.WriteDataset(context.Background(), &buf, db, uuid.New(), tt.opts)
			if !errors.Is(err, labeling.ErrInvalid) {
				t.Fatalf("error: got %v, want kind %v", err, labeling.ErrInvalid)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error: got %q, want it to contain %q", err, tt.want)
			}
			if buf.Len() != 0 {
				t.Errorf("output: got %d bytes, want none", buf.Len())
			}
		})
	}
}
