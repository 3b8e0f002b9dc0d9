package export_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// setScores sets the rubric scores of the nth judgment (in submission
// order) of the comparison of p whose prompt ends with last. scores is
// keyed by response content.
func setScores(tb testing.TB, db *store.DB, p labeling.Project, last string, nth int,
	scores map[string]labeling.Scores) {
	tb.Helper()
	cid, responses := comparisonOf(tb, db, p, last)
	byID := map[uuid.UUID]labeling.Scores{}
	for content, s := range scores {
		byID[responses[content]] = s
	}
	data, err := json.Marshal(byID)
	if err != nil {
		tb.Fatal(err)
	}
	tag, err := db.Pool().Exec(context.Background(), `UPDATE judgments SET scores = $3
		WHERE id = (SELECT id FROM judgments WHERE comparison_id = $1 ORDER BY seq OFFSET $2 LIMIT 1)`,
		cid, nth, data)
	if err != nil || tag.RowsAffected() != 1 {
		tb.Fatalf("set scores of judgment %d of %q: %v (%d rows)", nth, last, err, tag.RowsAffected())
	}
}

// newRubricProject returns the dataset fixture with rubric scores on the
// "sky?" and "2+2?" comparisons and a three-criterion rubric.
func newRubricProject(tb testing.TB, db *store.DB) labeling.Project {
	tb.Helper()
	p := newDatasetProject(tb, db)
	p.Rubric = []labeling.Criterion{
		{Key: "helpful", Label: "Helpful", Min: 1, Max: 5},
		{Key: "honest", Label: "Honest", Min: 1, Max: 5},
		{Key: "verbosity", Label: "Verbosity", Min: 0, Max: 4},
	}
	if err := db.UpdateProject(context.Background(), p); err != nil {
		tb.Fatalf("update project: %v", err)
	}
	setScores(tb, db, p, "sky?", 0, map[string]labeling.Scores{
		"blue": {"helpful": 5, "honest": 4}, "green": {"helpful": 2, "retired": 1}})
	setScores(tb, db, p, "sky?", 1, map[string]labeling.Scores{"blue": {"helpful": 4}})
	setScores(tb, db, p, "2+2?", 0, map[string]labeling.Scores{"4": {"verbosity": 0}})
	return p
}

func TestWriteDatasetRubric(t *testing.T) {
	db := storetest.New(t)
	p := newRubricProject(t, db)
	ids := map[string]uuid.UUID{}
	for _, last := range []string{"sky?", "2+2?"} {
		_, responses := comparisonOf(t, db, p, last)
		for content, id := range responses {
			ids[content] = id
		}
	}

	lines, counts := writeDataset(t, db, p, export.DatasetOptions{Format: export.FormatRubric})
	if counts.Rows != 3 {
		t.Errorf("rows: got %d, want 3", counts.Rows)
	}
	// The "2+2?" prompt has a system message, so every row takes the
	// conversational form.
	sky := `{"prompt":[{"role":"user","content":"sky?"}],`
	want := map[string]string{
		"blue": sky + `"response":"blue","model":"model-blue","response_id":"` + ids["blue"].String() +
			`","helpful":4.5,"honest":4.0,"verbosity":null,"ratings":2}`,
		"green": sky + `"response":"green","model":"model-green","response_id":"` +
			ids["green"].String() + `","helpful":2.0,"honest":null,"verbosity":null,"ratings":1}`,
		"4": `{"prompt":[{"role":"system","content":"Be brief."},{"role":"user","content":"2+2?"}],` +
			`"response":"4","model":"model-4","response_id":"` + ids["4"].String() +
			`","helpful":null,"honest":null,"verbosity":0.0,"ratings":1}`,
	}
	for _, line := range lines {
		var row struct{ Response string }
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			t.Fatalf("decode %s: %v", line, err)
		}
		if line != want[row.Response] {
			t.Errorf("row of %s:\ngot  %s\nwant %s", row.Response, line, want[row.Response])
		}
	}
	checkOneTypePerColumn(t, lines)
}

func TestRubricParquet(t *testing.T) {
	db := storetest.New(t)
	p := newRubricProject(t, db)
	f := writeParquet(t, db, p, export.DatasetOptions{Format: export.FormatRubric})

	optionalDouble := func(name string) string { return "\toptional double " + name + ";\n" }
	want := pqSchema(optionalDouble("helpful"), optionalDouble("honest"), pqString("model"),
		pqMessages("prompt"), "\trequired int64 ratings (INT(64,true));\n", pqString("response"),
		pqString("response_id"), optionalDouble("verbosity"))
	if got := f.Schema().String(); got != want {
		t.Errorf("schema:\ngot  %s\nwant %s", got, want)
	}

	// The Parquet rows are the JSONL rows in the conversational form.
	lines, _ := writeDataset(t, db, p, export.DatasetOptions{Format: export.FormatRubric,
		Conversational: true})
	got := parquetJSON(t, f)
	if len(got) != len(lines) {
		t.Fatalf("rows: got %d, want %d", len(got), len(lines))
	}
	for i, line := range lines {
		if want := canonicalJSON(t, line); got[i] != want {
			t.Errorf("row %d:\ngot  %s\nwant %s", i, got[i], want)
		}
	}
}

func TestRubricCriterionNamedLikeColumn(t *testing.T) {
	db := storetest.New(t)
	p := newDatasetProject(t, db)
	p.Rubric = []labeling.Criterion{{Key: "ratings", Label: "Ratings", Min: 1, Max: 5}}
	if err := db.UpdateProject(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	_, err := export.WriteDataset(context.Background(), &strings.Builder{}, db, p.ID,
		export.DatasetOptions{Format: export.FormatRubric})
	if !errors.Is(err, labeling.ErrInvalid) {
		t.Fatalf("error: got %v, want kind %v", err, labeling.ErrInvalid)
	}
	if want := `rubric criterion key "ratings" is also the name of a fixed column`; !strings.Contains(err.Error(), want) {
		t.Errorf("error: got %q, want it to contain %q", err, want)
	}
}
