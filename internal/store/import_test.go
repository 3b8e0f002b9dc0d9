package store_test

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

func TestImportAddCountsComparisons(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		rows           []labeling.Row
		wantAdded      []int
		wantDuplicates []int
		wantStored     int
	}{
		{
			name:           "two candidates",
			rows:           []labeling.Row{row(1, "p", "a", "b")},
			wantAdded:      []int{1},
			wantDuplicates: []int{0},
			wantStored:     1,
		},
		{
			name:           "four candidates",
			rows:           []labeling.Row{row(1, "p", "a", "b", "c", "d")},
			wantAdded:      []int{6},
			wantDuplicates: []int{0},
			wantStored:     6,
		},
		{
			name:           "same pair same order",
			rows:           []labeling.Row{row(1, "p", "a", "b"), row(2, "p", "a", "b")},
			wantAdded:      []int{1, 0},
			wantDuplicates: []int{0, 1},
			wantStored:     1,
		},
		{
			name:           "same pair swapped",
			rows:           []labeling.Row{row(1, "p", "a", "b"), row(2, "p", "b", "a")},
			wantAdded:      []int{1, 0},
			wantDuplicates: []int{0, 1},
			wantStored:     1,
		},
		{
			name:           "pair inside a larger row",
			rows:           []labeling.Row{row(1, "p", "b", "a"), row(2, "p", "a", "b", "c")},
			wantAdded:      []int{1, 2},
			wantDuplicates: []int{0, 1},
			wantStored:     3,
		},
		{
			name:           "same responses other prompt",
			rows:           []labeling.Row{row(1, "p", "a", "b"), row(2, "q", "a", "b")},
			wantAdded:      []int{1, 1},
			wantDuplicates: []int{0, 0},
			wantStored:     2,
		},
	}
	db := storetest.New(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProject(t, db, 1)
			ctx := context.Background()
			it, err := db.BeginImport(ctx, p.ID, "test.jsonl", uuid.Nil)
			if err != nil {
				t.Fatal(err)
			}
			defer it.Rollback(ctx)

			for i, r := range tt.rows {
				added, dups, err := it.Add(ctx, r)
				if err != nil {
					t.Fatalf("Add row %d: %v", r.Line, err)
				}
				if added != tt.wantAdded[i] {
					t.Errorf("row %d added: got %d, want %d", r.Line, added, tt.wantAdded[i])
				}
				if dups != tt.wantDuplicates[i] {
					t.Errorf("row %d duplicates: got %d, want %d", r.Line, dups, tt.wantDuplicates[i])
				}
			}
			if err := it.Commit(ctx, "trl", nil); err != nil {
				t.Fatal(err)
			}
			stored := queryInt(t, db, `SELECT count(*) FROM comparisons WHERE project_id = $1`, p.ID)
			if got := stored; got != tt.wantStored {
				t.Errorf("comparisons stored: got %d, want %d", got, tt.wantStored)
			}
		})
	}
}

func TestImportDuplicateInLaterBatch(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	ctx := context.Background()
	importRows(t, db, p, row(1, "p", "a", "b"))

	it, err := db.BeginImport(ctx, p.ID, "second.jsonl", uuid.Nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Rollback(ctx)
	added, dups, err := it.Add(ctx, row(1, "p", "b", "a", "c"))
	if err != nil {
		t.Fatal(err)
	}
	if err := it.Commit(ctx, "trl", nil); err != nil {
		t.Fatal(err)
	}

	if added != 2 {
		t.Errorf("added: got %d, want 2", added)
	}
	if dups != 1 {
		t.Errorf("duplicates: got %d, want 1", dups)
	}
	if got := countRows(t, db, "comparisons"); got != 3 {
		t.Errorf("comparisons: got %d, want 3", got)
	}
	if got := countRows(t, db, "responses"); got != 3 {
		t.Errorf("responses: got %d, want 3", got)
	}
	if got := countRows(t, db, "prompts"); got != 1 {
		t.Errorf("prompts: got %d, want 1", got)
	}
}

func TestImportRollbackLeavesNothing(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	ctx := context.Background()
	it, err := db.BeginImport(ctx, p.ID, "test.jsonl", uuid.Nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []labeling.Row{row(1, "p", "a", "b"), row(2, "q", "a", "b", "c")} {
		if _, _, err := it.Add(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := it.Rollback(ctx); err != nil {
		t.Fatalf("Rollback: %v", err)
	}

	for _, table := range []string{"import_batches", "prompts", "responses", "comparisons"} {
		if got := countRows(t, db, table); got != 0 {
			t.Errorf("%s after rollback: got %d rows, want 0", table, got)
		}
	}
}

func TestImportRollbackAfterCommitKeepsData(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	ctx := context.Background()
	it, err := db.BeginImport(ctx, p.ID, "test.jsonl", uuid.Nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := it.Add(ctx, row(1, "p", "a", "b")); err != nil {
		t.Fatal(err)
	}
	if err := it.Commit(ctx, "trl", nil); err != nil {
		t.Fatal(err)
	}
	// Callers defer Rollback and ignore its error, so after Commit it must
	// leave the batch alone.
	it.Rollback(ctx)

	if got := countRows(t, db, "comparisons"); got != 1 {
		t.Errorf("comparisons: got %d, want 1", got)
	}
	if got := countRows(t, db, "import_batches"); got != 1 {
		t.Errorf("import batches: got %d, want 1", got)
	}
}

func TestImportSourceLabel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		label         *labeling.SourceLabel
		wantVerdict   *string
		wantPreferred string // content of the preferred response, "" for none
	}{
		{"no label", nil, nil, ""},
		{"first preferred", &labeling.SourceLabel{Verdict: labeling.VerdictPreferred, Preferred: 0},
			ptr("preferred"), "first"},
		{"second preferred", &labeling.SourceLabel{Verdict: labeling.VerdictPreferred, Preferred: 1},
			ptr("preferred"), "second"},
		{"tie", &labeling.SourceLabel{Verdict: labeling.VerdictTie}, ptr("tie"), ""},
		{"both bad", &labeling.SourceLabel{Verdict: labeling.VerdictBothBad}, ptr("both_bad"), ""},
	}
	db := storetest.New(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newProject(t, db, 1)
			r := row(7, "p", "first", "second")
			r.Label = tt.label
			importRows(t, db, p, r)

			var verdict *string
			var preferred *uuid.UUID
			var line int
			err := db.Pool().QueryRow(context.Background(), `SELECT source_verdict,
				source_preferred_id, source_line FROM comparisons WHERE project_id = $1`, p.ID).
				Scan(&verdict, &preferred, &line)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(verdict, tt.wantVerdict) {
				t.Errorf("source_verdict: got %v, want %v", deref(verdict), deref(tt.wantVerdict))
			}
			if tt.wantPreferred == "" && preferred != nil {
				t.Errorf("source_preferred_id: got %v, want null", *preferred)
			}
			if tt.wantPreferred != "" {
				want := responseID(t, db, p, tt.wantPreferred)
				if preferred == nil || *preferred != want {
					t.Errorf("source_preferred_id: got %v, want %v (response %q)",
						preferred, want, tt.wantPreferred)
				}
			}
			if line != 7 {
				t.Errorf("source_line: got %d, want 7", line)
			}
		})
	}
}

// responseID returns the id of the only response in p whose content is
// content.
func responseID(tb testing.TB, db *store.DB, p labeling.Project, content string) uuid.UUID {
	tb.Helper()
	var id uuid.UUID
	err := db.Pool().QueryRow(context.Background(), `SELECT r.id FROM responses r
		JOIN prompts p ON p.id = r.prompt_id
		WHERE p.project_id = $1 AND r.content = $2`, p.ID, content).Scan(&id)
	if err != nil {
		tb.Fatalf("find response %q: %v", content, err)
	}
	return id
}

func ptr(s string) *string { return &s }

func deref(s *string) string {
	if s == nil {
		return "<null>"
	}
	return *s
}

func TestImportSharesPromptRows(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	system := labeling.Row{Line: 3, Prompt: labeling.Conversation{
		{Role: labeling.RoleSystem, Content: "be brief"}, {Role: labeling.RoleUser, Content: "p"},
	}, Candidates: []labeling.Candidate{{Content: "e"}, {Content: "f"}}}
	importRows(t, db, p, row(1, "p", "a", "b"), row(2, "p", "c", "d"), system)
	importRows(t, db, p, row(1, "p", "a", "e"))

	if got := countRows(t, db, "prompts"); got != 2 {
		t.Errorf("prompts: got %d, want 2", got)
	}
	single := `[{"role":"user","content":"p"}]`
	if got := queryInt(t, db, `SELECT count(*) FROM prompts WHERE messages = $1::jsonb`, single); got != 1 {
		t.Errorf("prompt rows of the single-turn prompt: got %d, want 1", got)
	}
	got := queryInt(t, db, `SELECT count(*) FROM comparisons c JOIN prompts p ON p.id = c.prompt_id
		WHERE p.messages = $1::jsonb`, single)
	if got != 3 {
		t.Errorf("comparisons of the single-turn prompt: got %d, want 3", got)
	}

	// The same messages in another project are another prompt row.
	other := newProject(t, db, 1)
	importRows(t, db, other, row(1, "p", "a", "b"))
	if got := countRows(t, db, "prompts"); got != 3 {
		t.Errorf("prompts after import into a second project: got %d, want 3", got)
	}
}

func TestImportPreservesMessages(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	prompt := labeling.Conversation{
		{Role: labeling.RoleSystem, Content: "be brief"},
		{Role: labeling.RoleUser, Content: "hi <b>é</b>"},
		{Role: labeling.RoleAssistant, Content: "hello"},
		{Role: labeling.RoleUser, Content: "and now?"},
	}
	importRows(t, db, p, labeling.Row{Line: 1, Prompt: prompt,
		Candidates: []labeling.Candidate{{Content: "x", Model: "m1"}, {Content: "y", Model: "m2"}}})

	a := lease(t, db, p, newUser(t, db))
	if !reflect.DeepEqual(a.Prompt, prompt) {
		t.Errorf("prompt: got %v, want %v", a.Prompt, prompt)
	}
	if got := responseWith(t, a, "x").Model; got != "m1" {
		t.Errorf("model of x: got %q, want %q", got, "m1")
	}
	if got := responseWith(t, a, "y").Model; got != "m2" {
		t.Errorf("model of y: got %q, want %q", got, "m2")
	}
}

func TestImportReport(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	other := newProject(t, db, 1)
	ctx := context.Background()

	it, err := db.BeginImport(ctx, p.ID, "pairs.jsonl", uuid.Nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Rollback(ctx)
	if _, _, err := it.Add(ctx, row(1, "p", "a", "b")); err != nil {
		t.Fatal(err)
	}
	report := map[string]any{"rows": 1, "added": 1, "skipped": []any{"line 2: empty"}}
	if err := it.Commit(ctx, "trl", report); err != nil {
		t.Fatal(err)
	}

	source, data, err := db.ImportReport(ctx, p.ID, it.BatchID())
	if err != nil {
		t.Fatalf("ImportReport: %v", err)
	}
	if source != "pairs.jsonl" {
		t.Errorf("source: got %q, want %q", source, "pairs.jsonl")
	}
	var got map[string]any
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("decode report %s: %v", data, err)
	}
	want := map[string]any{"rows": 1.0, "added": 1.0, "skipped": []any{"line 2: empty"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("report: got %v, want %v", got, want)
	}
	format := ""
	err = db.Pool().QueryRow(ctx, `SELECT format FROM import_batches WHERE id = $1`,
		it.BatchID()).Scan(&format)
	if err != nil {
		t.Fatal(err)
	}
	if format != "trl" {
		t.Errorf("format: got %q, want %q", format, "trl")
	}

	t.Run("other project", func(t *testing.T) {
		_, _, err := db.ImportReport(ctx, other.ID, it.BatchID())
		wantKind(t, err, labeling.ErrNotFound)
	})
	t.Run("unknown batch", func(t *testing.T) {
		_, _, err := db.ImportReport(ctx, p.ID, uuid.New())
		wantKind(t, err, labeling.ErrNotFound)
	})
}
