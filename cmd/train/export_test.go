package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
	"github.com/pairwise/pairwise/internal/train"
)

// newLabelledProject imports pairs with source labels into a new project
// of db: the upper-case response is preferred. Every fourth prompt has a
// system message, so exports take the conversational form.
func newLabelledProject(t *testing.T, db *store.DB, n int) labeling.Project {
	t.Helper()
	ctx := context.Background()
	p, err := db.CreateProject(ctx, labeling.Project{Name: "trainer " + uuid.NewString(),
		JudgmentsWanted: 1, Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	it, err := db.BeginImport(ctx, p.ID, "pairs.jsonl", uuid.Nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Rollback(ctx)
	for i := 0; i < n; i++ {
		word := fmt.Sprintf("word%d", i)
		prompt := labeling.Conversation{{Role: labeling.RoleUser, Content: "Shout " + word}}
		if i%4 == 0 {
			prompt = append(labeling.Conversation{{Role: labeling.RoleSystem, Content: "Be loud."}}, prompt...)
		}
		row := labeling.Row{Line: i + 1, Prompt: prompt,
			Label: &labeling.SourceLabel{Verdict: labeling.VerdictPreferred, Preferred: 0},
			Candidates: []labeling.Candidate{
				{Content: " WORD" + fmt.Sprint(i) + "!", Model: "a"}, {Content: " " + word, Model: "b"}}}
		if _, _, err := it.Add(ctx, row); err != nil {
			t.Fatal(err)
		}
	}
	if err := it.Commit(ctx, "trl", nil); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestReadsServerExports exports a labelled project with the server's
// dataset writer in every preference format and file type, and checks
// that the trainer reads every pair back with its chosen response.
func TestReadsServerExports(t *testing.T) {
	db := storetest.New(t)
	p := newLabelledProject(t, db, 12)
	dir := t.TempDir()
	formats := []string{export.FormatTRL, export.FormatTRLImplicit, export.FormatReward,
		export.FormatOpenAI, export.FormatHH}
	for _, format := range formats {
		for _, file := range []string{export.FileJSONL, export.FileParquet} {
			name := format + "." + file
			t.Run(name, func(t *testing.T) {
				opts := export.DatasetOptions{Format: format, Policy: export.PolicySource, File: file, Metadata: true}
				var buf bytes.Buffer
				_, err := export.WriteDataset(context.Background(), &buf, db, p.ID, opts)
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(dir, name)
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				prefs, _, err := train.ReadPreferences(context.Background(), path, train.ReadOptions{})
				if err != nil {
					t.Fatal(err)
				}
				want := 12
				if format == export.FormatHH {
					// HH text has no system turn, so the exporter leaves
					// out the three prompts with a system message.
					want = 9
				}
				if len(prefs) != want {
					t.Fatalf("read %d pairs, want %d", len(prefs), want)
				}
				for _, pref := range prefs {
					if pref.Chosen[:2] != " W" || pref.Rejected[:2] != " w" {
						t.Errorf("%s: chosen %q, rejected %q, want the upper-case response chosen",
							pref.Source, pref.Chosen, pref.Rejected)
					}
				}
			})
		}
	}
}

// TestRewardOnServerParquet trains a reward model on a Parquet export of
// the server, from the command line.
func TestRewardOnServerParquet(t *testing.T) {
	dir := fixture(t)
	db := storetest.New(t)
	p := newLabelledProject(t, db, 16)
	var buf bytes.Buffer
	opts := export.DatasetOptions{Format: export.FormatReward, Policy: export.PolicySource, File: export.FileParquet}
	if _, err := export.WriteDataset(context.Background(), &buf, db, p.ID, opts); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(t.TempDir(), "train.parquet")
	if err := os.WriteFile(data, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "rm")
	mustRun(t, "reward", "--model", filepath.Join(dir, "base"), "--data", data, "--out", out,
		"--steps", "6", "--log-every", "1", "--lr", "3e-3", "--batch-size", "4")
	checkRun(t, out, "rewards/accuracies", "accuracy")
}
