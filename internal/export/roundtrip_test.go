package export_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/parquet-go/parquet-go"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/ingest"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// roundTripCase is one export setting whose file, imported into a new
// project, exports the same rows again under the source policy.
type roundTripCase struct {
	format         string
	conversational bool
}

// roundTripCases lists every comparison format in each of its forms. The
// sft format writes only the preferred response, so it cannot carry a
// label back, and is tested on its own.
var roundTripCases = []roundTripCase{
	{format: export.FormatTRL},
	{format: export.FormatTRL, conversational: true},
	{format: export.FormatTRLImplicit},
	{format: export.FormatReward},
	{format: export.FormatReward, conversational: true},
	{format: export.FormatKTO},
	{format: export.FormatOpenAI},
	{format: export.FormatHH},
}

var roundTripFiles = []string{export.FileJSONL, export.FileParquet}

// labeled returns a row of two candidates with a source label.
func labeled(line int, prompt labeling.Conversation, a, b string, verdict labeling.Verdict,
	preferred int) labeling.Row {
	return labeling.Row{Line: line, Prompt: prompt,
		Candidates: []labeling.Candidate{{Content: a, Model: "m1"}, {Content: b, Model: "m2"}},
		Label:      &labeling.SourceLabel{Verdict: verdict, Preferred: preferred}}
}

// seedRows are comparisons with single-turn, multi-turn and system
// prompts, a prompt with two comparisons, every verdict, and texts that
// JSON and HTML escape.
var seedRows = []labeling.Row{
	labeled(1, labeling.Conversation{msg("user", "Name a prime <p>.")}, "7", "9",
		labeling.VerdictPreferred, 0),
	labeled(2, labeling.Conversation{msg("user", "Name a prime <p>.")}, "9", "11 & 13",
		labeling.VerdictPreferred, 1),
	labeled(3, labeling.Conversation{msg("system", "Be brief."), msg("user", "Hi"),
		msg("assistant", "Hello"), msg("user", "2+2?")}, "4", "5", labeling.VerdictPreferred, 0),
	labeled(4, labeling.Conversation{msg("user", "Hi"), msg("assistant", "Hello!"),
		msg("user", "Bye?")}, "Bye \"now\"", "No\n\nHuman: hi", labeling.VerdictBothBad, -1),
	labeled(5, labeling.Conversation{msg("user", "tied?")}, "x", "y", labeling.VerdictTie, -1),
	labeled(6, labeling.Conversation{msg("user", "The sky is")}, " blue.", " green.",
		labeling.VerdictPreferred, 0),
	labeled(7, labeling.Conversation{msg("user", "Größe?")}, "groß", "klein",
		labeling.VerdictPreferred, 1),
}

// newProject creates a project with a fresh name.
func newProject(tb testing.TB, db *store.DB) labeling.Project {
	tb.Helper()
	p, err := db.CreateProject(context.Background(), labeling.Project{
		Name: "round trip " + uuid.NewString(), JudgmentsWanted: 1, Lease: time.Minute})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// addRows stores rows in p as one import.
func addRows(tb testing.TB, db *store.DB, p labeling.Project, rows []labeling.Row) {
	tb.Helper()
	ctx := context.Background()
	it, err := db.BeginImport(ctx, p.ID, "seed", uuid.Nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer it.Rollback(ctx)
	for _, r := range rows {
		if _, _, err := it.Add(ctx, r); err != nil {
			tb.Fatal(err)
		}
	}
	if err := it.Commit(ctx, "pairs", nil); err != nil {
		tb.Fatal(err)
	}
}

// importFile loads data into p with format detection and returns the
// report.
func importFile(tb testing.TB, db *store.DB, p labeling.Project, data []byte) ingest.Report {
	tb.Helper()
	ctx := context.Background()
	it, err := db.BeginImport(ctx, p.ID, "export", uuid.Nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer it.Rollback(ctx)
	rep, err := ingest.Load(ctx, bytes.NewReader(data), ingest.Options{}, it)
	if err != nil {
		tb.Fatalf("import: %v", err)
	}
	if err := it.Commit(ctx, string(rep.Format), rep); err != nil {
		tb.Fatal(err)
	}
	return rep
}

// exportFile writes p in the case's format and file type under the
// source policy.
func exportFile(tb testing.TB, db *store.DB, p labeling.Project, c roundTripCase, file string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	_, err := export.WriteDataset(context.Background(), &buf, db, p.ID, export.DatasetOptions{
		Format: c.format, Policy: export.PolicySource, Conversational: c.conversational, File: file})
	if err != nil {
		tb.Fatalf("export: %v", err)
	}
	return buf.Bytes()
}

// fileRows returns the rows of an exported file as JSON texts.
func fileRows(tb testing.TB, data []byte, file string) []string {
	tb.Helper()
	if file == export.FileJSONL {
		return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	}
	r := parquet.NewReader(bytes.NewReader(data))
	defer r.Close()
	var rows []string
	for {
		row := map[string]any{}
		err := r.Read(&row)
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			tb.Fatalf("read Parquet row %d: %v", len(rows)+1, err)
		}
		b, err := json.Marshal(row)
		if err != nil {
			tb.Fatal(err)
		}
		rows = append(rows, string(b))
	}
}

// checkRoundTrip exports src in every case and file type, imports each
// file into a new project and checks that the new project exports the
// same rows.
func checkRoundTrip(t *testing.T, db *store.DB, src labeling.Project) {
	t.Helper()
	for _, file := range roundTripFiles {
		for _, c := range roundTripCases {
			name := fmt.Sprintf("%s/%s", file, c.format)
			if c.conversational {
				name += "/conversational"
			}
			t.Run(name, func(t *testing.T) {
				first := exportFile(t, db, src, c, file)
				want := fileRows(t, first, file)
				if len(want) == 0 || want[0] == "" {
					t.Fatal("the first export has no rows")
				}

				dst := newProject(t, db)
				rep := importFile(t, db, dst, first)
				got := fileRows(t, exportFile(t, db, dst, c, file), file)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("rows after the round trip (import format %s, skipped %v):\ngot  %q\nwant %q",
						rep.Format, rep.ByReason, got, want)
				}
			})
		}
	}
}

func TestRoundTripEveryFormat(t *testing.T) {
	db := storetest.New(t)
	src := newProject(t, db)
	addRows(t, db, src, seedRows)
	checkRoundTrip(t, db, src)
}

// TestRoundTripSFT checks what an sft file gives back: the preferred
// responses of one prompt become unlabelled comparisons, and a prompt
// with one preferred response is skipped as unpaired.
func TestRoundTripSFT(t *testing.T) {
	db := storetest.New(t)
	src := newProject(t, db)
	addRows(t, db, src, seedRows)

	for _, file := range roundTripFiles {
		t.Run(file, func(t *testing.T) {
			data := exportFile(t, db, src, roundTripCase{format: export.FormatSFT}, file)
			rep := importFile(t, db, newProject(t, db), data)
			if rep.Format != ingest.FormatSFT {
				t.Errorf("format: got %q, want sft", rep.Format)
			}
			// "Name a prime" has the preferred responses 7 and "11 & 13".
			if rep.Imported != 1 {
				t.Errorf("comparisons imported: got %d, want 1", rep.Imported)
			}
			// The three other preferred prompts have one response each.
			if got := rep.ByReason[ingest.SkipUnpaired]; got != 3 {
				t.Errorf("unpaired skips: got %d, want 3", got)
			}
		})
	}
}

// TestRoundTripRubric checks what a rubric file gives back: the rated
// responses of one prompt become an unlabelled comparison, and a prompt
// with one rated response is skipped as unpaired.
func TestRoundTripRubric(t *testing.T) {
	db := storetest.New(t)
	src := newRubricProject(t, db)

	for _, file := range roundTripFiles {
		t.Run(file, func(t *testing.T) {
			data := exportFile(t, db, src, roundTripCase{format: export.FormatRubric}, file)
			rep := importFile(t, db, newProject(t, db), data)
			if rep.Format != ingest.FormatRubric {
				t.Errorf("format: got %q, want rubric", rep.Format)
			}
			// "sky?" has the rated responses blue and green.
			if rep.Imported != 1 {
				t.Errorf("comparisons imported: got %d, want 1", rep.Imported)
			}
			// "2+2?" has one rated response.
			if got := rep.ByReason[ingest.SkipUnpaired]; got != 1 {
				t.Errorf("unpaired skips: got %d, want 1", got)
			}
		})
	}
}
