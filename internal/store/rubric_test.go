package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// insertScored stores a tie judgment by annotator on comparison cid
// with scores keyed by response id, with its assignment.
func insertScored(tb testing.TB, db *store.DB, cid, annotator uuid.UUID,
	scores map[uuid.UUID]labeling.Scores) {
	tb.Helper()
	ctx := context.Background()
	data, err := json.Marshal(scores)
	if err != nil {
		tb.Fatal(err)
	}
	assignment := uuid.New()
	_, err = db.Pool().Exec(ctx, `INSERT INTO assignments
		(id, comparison_id, annotator_id, left_response_id, expires_at, submitted_at)
		SELECT $1, c.id, $3, c.response_a_id, now() + interval '1 hour', now()
		FROM comparisons c WHERE c.id = $2`, assignment, cid, annotator)
	if err != nil {
		tb.Fatalf("insert assignment: %v", err)
	}
	_, err = db.Pool().Exec(ctx, `INSERT INTO judgments (id, comparison_id, annotator_id,
		assignment_id, verdict, scores, left_response_id, shown_at)
		SELECT $1, c.id, $3, $4, 'tie', $5, c.response_a_id, now()
		FROM comparisons c WHERE c.id = $2`, uuid.New(), cid, annotator, assignment, data)
	if err != nil {
		tb.Fatalf("insert judgment: %v", err)
	}
}

// responseIDs returns the response ids of project p by content.
func responseIDs(tb testing.TB, db *store.DB, p labeling.Project) map[string]uuid.UUID {
	tb.Helper()
	rows, err := db.Pool().Query(context.Background(), `SELECT r.content, r.id
		FROM responses r JOIN prompts p ON p.id = r.prompt_id WHERE p.project_id = $1`, p.ID)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	ids := map[string]uuid.UUID{}
	for rows.Next() {
		var content string
		var id uuid.UUID
		if err := rows.Scan(&content, &id); err != nil {
			tb.Fatal(err)
		}
		ids[content] = id
	}
	return ids
}

// comparisonOf returns the id of p's comparison of responses a and b.
func comparisonOf(tb testing.TB, db *store.DB, a, b uuid.UUID) uuid.UUID {
	tb.Helper()
	var id uuid.UUID
	err := db.Pool().QueryRow(context.Background(), `SELECT id FROM comparisons
		WHERE (response_a_id, response_b_id) IN (($1, $2), ($2, $1))`, a, b).Scan(&id)
	if err != nil {
		tb.Fatalf("find comparison of %s and %s: %v", a, b, err)
	}
	return id
}

func eachResponseRatings(tb testing.TB, db *store.DB, p labeling.Project) []store.ResponseRatings {
	tb.Helper()
	var all []store.ResponseRatings
	err := db.EachResponseRatings(context.Background(), p.ID, func(r store.ResponseRatings) error {
		all = append(all, r)
		return nil
	})
	if err != nil {
		tb.Fatalf("EachResponseRatings: %v", err)
	}
	return all
}

func TestEachResponseRatings(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 3)
	multi := labeling.Row{Line: 2, Prompt: labeling.Conversation{
		{Role: labeling.RoleSystem, Content: "Be brief."}, {Role: labeling.RoleUser, Content: "2+2?"}},
		Candidates: []labeling.Candidate{{Content: "4", Model: "m4"}, {Content: "5", Model: "m5"}}}
	importRows(t, db, p, row(1, "p", "x", "y", "z"), multi, row(3, "unrated", "u", "v"))
	other := newProject(t, db, 1)
	importRows(t, db, other, row(1, "p", "x", "y"))
	ids := responseIDs(t, db, p)
	x, y, z := ids["x"], ids["y"], ids["z"]
	ann := newUsers(t, db, 3)

	// Annotator 0 scores x twice; the later judgment counts.
	insertScored(t, db, comparisonOf(t, db, x, y), ann[0],
		map[uuid.UUID]labeling.Scores{x: {"helpful": 1}, y: {"helpful": 2}})
	insertScored(t, db, comparisonOf(t, db, x, z), ann[0],
		map[uuid.UUID]labeling.Scores{x: {"helpful": 5, "honest": 4}})
	insertScored(t, db, comparisonOf(t, db, x, y), ann[1],
		map[uuid.UUID]labeling.Scores{x: {"helpful": 3}, y: {}})
	insertScored(t, db, comparisonOf(t, db, ids["4"], ids["5"]), ann[2],
		map[uuid.UUID]labeling.Scores{ids["4"]: {"on_task": 2}})
	insertScored(t, db, comparisonOf(t, db, ids["u"], ids["v"]), ann[2], nil)

	got := eachResponseRatings(t, db, p)
	type want struct {
		content, model string
		prompt         int // messages
		ratings        map[uuid.UUID]labeling.Scores
	}
	wants := []want{
		{"x", "model-x", 1, map[uuid.UUID]labeling.Scores{
			ann[0]: {"helpful": 5, "honest": 4}, ann[1]: {"helpful": 3}}},
		{"y", "model-y", 1, map[uuid.UUID]labeling.Scores{ann[0]: {"helpful": 2}}},
		{"4", "m4", 2, map[uuid.UUID]labeling.Scores{ann[2]: {"on_task": 2}}},
	}
	if len(got) != len(wants) {
		t.Fatalf("responses: got %d, want %d: %+v", len(got), len(wants), got)
	}
	// x and y come first in either order, as their first rated
	// comparison is the same, and 4 after them.
	if got[2].Content != "4" {
		t.Errorf("last response: got %q, want %q", got[2].Content, "4")
	}
	byContent := map[string]store.ResponseRatings{}
	for _, g := range got {
		byContent[g.Content] = g
	}
	for _, w := range wants {
		g := byContent[w.content]
		if g.Model != w.model {
			t.Errorf("response %s model: got %q, want %q", w.content, g.Model, w.model)
		}
		if g.ID != ids[w.content] {
			t.Errorf("response %s id: got %s, want %s", w.content, g.ID, ids[w.content])
		}
		if len(g.Prompt) != w.prompt {
			t.Errorf("response %s prompt: got %v, want %d messages", w.content, g.Prompt, w.prompt)
		}
		// Ratings come ordered by annotator id.
		var order []labeling.Scores
		for _, a := range sortedIDs(w.ratings) {
			order = append(order, w.ratings[a])
		}
		if len(g.Ratings) != len(order) {
			t.Fatalf("response %s ratings: got %v, want %v", w.content, g.Ratings, order)
		}
		for j := range order {
			if !maps.Equal(g.Ratings[j], order[j]) {
				t.Errorf("response %s rating %d: got %v, want %v", w.content, j, g.Ratings[j], order[j])
			}
		}
	}
}

// sortedIDs returns the keys of m in the order PostgreSQL sorts uuids.
func sortedIDs(m map[uuid.UUID]labeling.Scores) []uuid.UUID {
	return slices.SortedFunc(maps.Keys(m), func(a, b uuid.UUID) int {
		return strings.Compare(a.String(), b.String())
	})
}

func TestEachResponseRatingsStops(t *testing.T) {
	t.Parallel()
	db := storetest.New(t)
	p := newProject(t, db, 1)
	importRows(t, db, p, row(1, "p", "x", "y"))
	ids := responseIDs(t, db, p)
	insertScored(t, db, comparisonOf(t, db, ids["x"], ids["y"]), newUser(t, db),
		map[uuid.UUID]labeling.Scores{ids["x"]: {"helpful": 1}, ids["y"]: {"helpful": 2}})

	stop := errors.New("stop")
	calls := 0
	err := db.EachResponseRatings(context.Background(), p.ID, func(store.ResponseRatings) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) {
		t.Errorf("error: got %v, want %v", err, stop)
	}
	if calls != 1 {
		t.Errorf("calls: got %d, want 1", calls)
	}
	if got := eachResponseRatings(t, db, newProject(t, db, 1)); len(got) != 0 {
		t.Errorf("empty project: got %d responses, want 0", len(got))
	}
}
