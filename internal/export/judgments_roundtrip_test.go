package export_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/ingest"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/server"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// TestRoundTripJudgments exports the votes of a project and imports the
// judgments file into a new project, whose texts are found by their ids.
// The source labels of the new project must export the rows that the
// majority of the votes exports from the first.
func TestRoundTripJudgments(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	src := newProject(t, db)
	addRows(t, db, src, []labeling.Row{
		{Line: 1, Prompt: labeling.Conversation{msg("user", "Name a prime.")},
			Candidates: []labeling.Candidate{{Content: "7"}, {Content: "9"}}},
		{Line: 2, Prompt: labeling.Conversation{msg("system", "Be brief."), msg("user", "Hi"),
			msg("assistant", "Hello"), msg("user", "2+2?")},
			Candidates: []labeling.Candidate{{Content: "5"}, {Content: "4"}}},
		{Line: 3, Prompt: labeling.Conversation{msg("user", "tied")},
			Candidates: []labeling.Candidate{{Content: "x"}, {Content: "y"}}},
	})
	judgeAll(t, db, src, map[string]string{"Name a prime.": "7", "2+2?": "4", "tied": "tie"})

	openai := export.DatasetOptions{Format: export.FormatOpenAI}
	var want bytes.Buffer
	if _, err := export.WriteDataset(ctx, &want, db, src.ID, openai); err != nil {
		t.Fatal(err)
	}

	for _, file := range roundTripFiles {
		t.Run(file, func(t *testing.T) {
			var judgments bytes.Buffer
			_, err := export.WriteJudgments(ctx, &judgments, db, src.ID, export.JudgmentOptions{File: file})
			if err != nil {
				t.Fatal(err)
			}
			dst := newProject(t, db)
			rep, _, err := server.Import(ctx, db, dst, bytes.NewReader(judgments.Bytes()),
				"judgments."+file, server.ImportOptions{}, uuid.Nil)
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			if rep.Format != ingest.FormatJudgments || rep.Imported != 3 {
				t.Errorf("report: got format %q and %d comparisons, want judgments and 3",
					rep.Format, rep.Imported)
			}

			source := openai
			source.Policy = export.PolicySource
			var got bytes.Buffer
			if _, err := export.WriteDataset(ctx, &got, db, dst.ID, source); err != nil {
				t.Fatal(err)
			}
			// The judgments file lists votes in the order they were
			// submitted, so the comparisons come back in that order.
			gotRows := fileRows(t, got.Bytes(), export.FileJSONL)
			wantRows := fileRows(t, want.Bytes(), export.FileJSONL)
			slices.Sort(gotRows)
			slices.Sort(wantRows)
			if !reflect.DeepEqual(gotRows, wantRows) {
				t.Errorf("rows:\ngot  %s\nwant %s", got.String(), want.String())
			}
		})
	}

	// A user who does not manage the first project cannot copy its texts.
	stranger, err := db.CreateUser(ctx, uuid.NewString()+"@example.org", labeling.UserResearcher, "hash")
	if err != nil {
		t.Fatal(err)
	}
	var judgments bytes.Buffer
	if _, err := export.WriteJudgments(ctx, &judgments, db, src.ID, export.JudgmentOptions{}); err != nil {
		t.Fatal(err)
	}
	_, _, err = server.Import(ctx, db, newProject(t, db), &judgments, "judgments.jsonl",
		server.ImportOptions{}, stranger.ID)
	var malformed *ingest.MalformedError
	if !errors.As(err, &malformed) {
		t.Fatalf("import by a stranger: got error %v, want a *ingest.MalformedError", err)
	}
	if got := malformed.Lines[0].Field; got != "prompt_id" {
		t.Errorf("import by a stranger: got an error on field %q, want prompt_id: %v", got, err)
	}
}
