package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
)

// userPrompt returns a conversation of one user message.
func userPrompt(content string) labeling.Conversation {
	return labeling.Conversation{{Role: labeling.RoleUser, Content: content}}
}

// row returns an import row of prompt with one candidate per content.
func row(line int, prompt string, contents ...string) labeling.Row {
	r := labeling.Row{Line: line, Prompt: userPrompt(prompt)}
	for _, c := range contents {
		r.Candidates = append(r.Candidates, labeling.Candidate{Content: c, Model: "model-" + c})
	}
	return r
}

// newProject creates a project that requires judgments votes per comparison.
func newProject(tb testing.TB, db *store.DB, judgments int) labeling.Project {
	tb.Helper()
	p, err := db.CreateProject(context.Background(), labeling.Project{
		Name: "project-" + uuid.NewString(), JudgmentsWanted: judgments, Lease: 10 * time.Minute,
	})
	if err != nil {
		tb.Fatalf("create project: %v", err)
	}
	return p
}

// newProjectWith creates a project with the settings of p, a random name
// and, unless p sets one, a ten-minute lease.
func newProjectWith(tb testing.TB, db *store.DB, p labeling.Project) labeling.Project {
	tb.Helper()
	p.Name = "project-" + uuid.NewString()
	if p.Lease == 0 {
		p.Lease = 10 * time.Minute
	}
	p, err := db.CreateProject(context.Background(), p)
	if err != nil {
		tb.Fatalf("create project: %v", err)
	}
	return p
}

// newUser creates an annotator account and returns its id.
func newUser(tb testing.TB, db *store.DB) uuid.UUID {
	tb.Helper()
	u, err := db.CreateUser(context.Background(), uuid.NewString()+"@example.org",
		labeling.UserAnnotator, "hash")
	if err != nil {
		tb.Fatalf("create user: %v", err)
	}
	return u.ID
}

// newUsers creates n annotator accounts.
func newUsers(tb testing.TB, db *store.DB, n int) []uuid.UUID {
	tb.Helper()
	ids := make([]uuid.UUID, n)
	for i := range ids {
		ids[i] = newUser(tb, db)
	}
	return ids
}

// importRows stores rows in project p as one committed batch and returns
// the batch id.
func importRows(tb testing.TB, db *store.DB, p labeling.Project, rows ...labeling.Row) uuid.UUID {
	tb.Helper()
	ctx := context.Background()
	it, err := db.BeginImport(ctx, p.ID, "test.jsonl", uuid.Nil)
	if err != nil {
		tb.Fatalf("begin import: %v", err)
	}
	defer it.Rollback(ctx)
	for _, r := range rows {
		if _, _, err := it.Add(ctx, r); err != nil {
			tb.Fatalf("add row %d: %v", r.Line, err)
		}
	}
	if err := it.Commit(ctx, "trl", map[string]int{"rows": len(rows)}); err != nil {
		tb.Fatalf("commit import: %v", err)
	}
	return it.BatchID()
}

// comparisonIDs returns the ids of p's comparisons in import order.
func comparisonIDs(tb testing.TB, db *store.DB, p labeling.Project) []uuid.UUID {
	tb.Helper()
	rows, err := db.Pool().Query(context.Background(),
		`SELECT id FROM comparisons WHERE project_id = $1 ORDER BY seq`, p.ID)
	if err != nil {
		tb.Fatalf("list comparisons: %v", err)
	}
	defer rows.Close()
	var ids []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			tb.Fatalf("scan comparison id: %v", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("list comparisons: %v", err)
	}
	return ids
}

// queryInt runs a query that returns one integer.
func queryInt(tb testing.TB, db *store.DB, sql string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.Pool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
	return n
}

// countRows returns the number of rows in table.
func countRows(tb testing.TB, db *store.DB, table string) int {
	tb.Helper()
	return queryInt(tb, db, fmt.Sprintf("SELECT count(*) FROM %s", table))
}

// lease calls NextAssignment and fails the test on any error.
func lease(tb testing.TB, db *store.DB, p labeling.Project, annotator uuid.UUID) labeling.Assignment {
	tb.Helper()
	a, err := db.NextAssignment(context.Background(), p, annotator)
	if err != nil {
		tb.Fatalf("NextAssignment for %s: %v", annotator, err)
	}
	return a
}

// expireLeases moves the expiry of every open lease on comparison into
// the past.
func expireLeases(tb testing.TB, db *store.DB, comparison uuid.UUID) {
	tb.Helper()
	_, err := db.Pool().Exec(context.Background(), `UPDATE assignments
		SET expires_at = now() - interval '1 second'
		WHERE comparison_id = $1 AND submitted_at IS NULL`, comparison)
	if err != nil {
		tb.Fatalf("expire leases of comparison %s: %v", comparison, err)
	}
}

// wantKind fails the test unless err is a domain error of kind.
func wantKind(tb testing.TB, err, kind error) {
	tb.Helper()
	if !errors.Is(err, kind) {
		tb.Fatalf("error: got %v, want kind %v", err, kind)
	}
}

// responseWith returns the response of a whose content is content.
func responseWith(tb testing.TB, a labeling.Assignment, content string) labeling.Response {
	tb.Helper()
	for _, r := range []labeling.Response{a.Left, a.Right} {
		if r.Content == content {
			return r
		}
	}
	tb.Fatalf("assignment %s has no response %q (left %q, right %q)",
		a.ID, content, a.Left.Content, a.Right.Content)
	return labeling.Response{}
}

// submit stores vote v for assignment a and fails the test on any error.
func submit(tb testing.TB, db *store.DB, annotator uuid.UUID, v labeling.Vote) uuid.UUID {
	tb.Helper()
	id, created, err := db.Submit(context.Background(), annotator, v)
	if err != nil {
		tb.Fatalf("Submit assignment %s: %v", v.AssignmentID, err)
	}
	if !created {
		tb.Fatalf("Submit assignment %s: got created false, want true", v.AssignmentID)
	}
	return id
}

// tie returns a tie vote on a.
func tie(a labeling.Assignment) labeling.Vote {
	return labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictTie}
}

// prefer returns a vote on a for its response whose content is content.
func prefer(tb testing.TB, a labeling.Assignment, content string) labeling.Vote {
	tb.Helper()
	return labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictPreferred,
		Preferred: responseWith(tb, a, content).ID}
}
