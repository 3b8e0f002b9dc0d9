package export_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// judgeAll creates one annotator per entry of verdicts, who leases the
// next comparison of p and votes on it. verdicts maps the last message of
// a prompt to the content of its preferred response, or to "tie". The
// comparisons come in random order, so judgeAll returns the leases in the
// order their votes were submitted.
func judgeAll(tb testing.TB, db *store.DB, p labeling.Project, verdicts map[string]string) []labeling.Assignment {
	tb.Helper()
	ctx := context.Background()
	var leases []labeling.Assignment
	for i := range len(verdicts) {
		u, err := db.CreateUser(ctx, uuid.NewString()+"@example.org", labeling.UserAnnotator, "hash")
		if err != nil {
			tb.Fatalf("create user: %v", err)
		}
		a, err := db.NextAssignment(ctx, p, u.ID)
		if err != nil {
			tb.Fatalf("lease %d: %v", i, err)
		}
		v, ok := verdicts[lastMessage(a.Prompt)]
		if !ok {
			tb.Fatalf("lease %d: no verdict for prompt %v", i, a.Prompt)
		}
		vote := labeling.Vote{AssignmentID: a.ID, Verdict: labeling.VerdictTie}
		if v != "tie" {
			vote.Verdict = labeling.VerdictPreferred
			vote.Preferred = responseNamed(tb, a, v)
		}
		if _, _, err := db.Submit(ctx, u.ID, vote); err != nil {
			tb.Fatalf("submit %d: %v", i, err)
		}
		leases = append(leases, a)
	}
	return leases
}

// TestExportFromStore runs both writers on a project stored in PostgreSQL.
func TestExportFromStore(t *testing.T) {
	db := storetest.New(t)
	ctx := context.Background()
	p, err := db.CreateProject(ctx, labeling.Project{Name: "export", JudgmentsWanted: 1, Lease: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	it, err := db.BeginImport(ctx, p.ID, "pairs.jsonl", uuid.Nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Rollback(ctx)
	rows := []labeling.Row{
		{Line: 1, Prompt: labeling.Conversation{msg("user", "Größe <1>?")},
			Candidates: []labeling.Candidate{{Content: "klein & fein"}, {Content: "groß"}}},
		{Line: 2, Prompt: labeling.Conversation{msg("system", "Be brief."), msg("user", "2+2?")},
			Candidates: []labeling.Candidate{{Content: "4"}, {Content: "5"}}},
		{Line: 3, Prompt: labeling.Conversation{msg("user", "tied")},
			Candidates: []labeling.Candidate{{Content: "x"}, {Content: "y"}}},
	}
	for _, r := range rows {
		if _, _, err := it.Add(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := it.Commit(ctx, "trl", nil); err != nil {
		t.Fatal(err)
	}
	verdicts := map[string]string{"Größe <1>?": "groß", "2+2?": "4", "tied": "tie"}
	leases := judgeAll(t, db, p, verdicts)

	t.Run("trl", func(t *testing.T) {
		var buf bytes.Buffer
		n, err := export.WriteTRL(ctx, &buf, db, p.ID, export.TRLOptions{})
		if err != nil {
			t.Fatalf("WriteTRL: %v", err)
		}
		if n != 2 {
			t.Errorf("rows: got %d, want 2", n)
		}
		// The system prompt of "2+2?" puts every row in the
		// conversational form.
		want := `{"prompt":[{"role":"user","content":"Größe <1>?"}],` +
			`"chosen":[{"role":"assistant","content":"groß"}],"rejected":[{"role":"assistant","content":"klein & fein"}]}` + "\n" +
			`{"prompt":[{"role":"system","content":"Be brief."},{"role":"user","content":"2+2?"}],` +
			`"chosen":[{"role":"assistant","content":"4"}],"rejected":[{"role":"assistant","content":"5"}]}` + "\n"
		if got := buf.String(); got != want {
			t.Errorf("output:\ngot  %s\nwant %s", got, want)
		}
	})

	t.Run("judgments", func(t *testing.T) {
		var buf bytes.Buffer
		n, err := export.WriteJudgments(ctx, &buf, db, p.ID, export.JudgmentOptions{})
		if err != nil {
			t.Fatalf("WriteJudgments: %v", err)
		}
		if n != 3 {
			t.Errorf("rows: got %d, want 3", n)
		}
		lines := decodeLines(t, buf.String())
		if len(lines) != 3 {
			t.Fatalf("lines: got %d, want 3", len(lines))
		}
		for i, line := range lines {
			checkKeys(t, line)
			a := leases[i]
			verdict := verdicts[lastMessage(a.Prompt)]
			want := map[string]string{
				"comparison_id":    quoted(a.ComparisonID),
				"left_response_id": quoted(a.Left.ID),
				"shown_at":         `"` + a.ShownAt.UTC().Format(time.RFC3339Nano) + `"`,
				"strength":         `null`,
				"scores":           `{}`,
				"rationale":        `""`,
				"unsafe":           `false`,
			}
			if verdict == "tie" {
				want["verdict"] = `"tie"`
				want["preferred_response_id"] = `null`
			} else {
				want["verdict"] = `"preferred"`
				want["preferred_response_id"] = quoted(responseNamed(t, a, verdict))
			}
			checkValues(t, line, want)
		}
	})
}

// lastMessage returns the content of the last message of c.
func lastMessage(c labeling.Conversation) string {
	if len(c) == 0 {
		return ""
	}
	return c[len(c)-1].Content
}

// responseNamed returns the id of a's response whose content is content.
func responseNamed(tb testing.TB, a labeling.Assignment, content string) uuid.UUID {
	tb.Helper()
	for _, r := range []labeling.Response{a.Left, a.Right} {
		if r.Content == content {
			return r.ID
		}
	}
	tb.Fatalf("assignment %s has no response %q", a.ID, content)
	return uuid.Nil
}
