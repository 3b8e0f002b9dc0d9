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

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/export"
	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// datasetVote is one vote in a dataset fixture: the content of the
// preferred response, or "=tie" or "=both_bad", with an optional strength.
type datasetVote struct {
	choice   string
	strength labeling.Strength
}

// datasetComparison is one comparison of the dataset fixture. Its
// prompt's last message names it.
type datasetComparison struct {
	prompt     labeling.Conversation
	a, b       string
	source     *labeling.SourceLabel
	votes      []datasetVote
	adjudicate string // the content of the response a researcher prefers
}

// datasetFixture returns the comparisons of the dataset tests, in
// import order.
func datasetFixture() []datasetComparison {
	user := func(s string) labeling.Conversation { return labeling.Conversation{msg("user", s)} }
	return []datasetComparison{
		{prompt: user("sky?"), a: "blue", b: "green",
			source: &labeling.SourceLabel{Verdict: labeling.VerdictPreferred, Preferred: 0},
			votes:  []datasetVote{{"blue", labeling.StrengthMuch}, {"blue", ""}, {"green", ""}}},
		{prompt: labeling.Conversation{msg("system", "Be brief."), msg("user", "2+2?")}, a: "4", b: "5",
			votes: []datasetVote{{"4", ""}}},
		{prompt: user("bad?"), a: "p", b: "q",
			votes: []datasetVote{{"=both_bad", ""}, {"=both_bad", ""}}},
		{prompt: user("single?"), a: "m", b: "n", votes: []datasetVote{{"m", ""}}},
		{prompt: user("adjudicated?"), a: "r", b: "s",
			votes: []datasetVote{{"r", ""}, {"r", ""}}, adjudicate: "s"},
		{prompt: user("tie?"), a: "t", b: "u", votes: []datasetVote{{"=tie", ""}, {"=tie", ""}}},
		{prompt: user("unvoted?"), a: "v", b: "w"},
	}
}

// datasetFixtureSingleTurn returns the dataset fixture without its system
// prompt, so that every prompt is a single user message and the formats
// write their standard form.
func datasetFixtureSingleTurn() []datasetComparison {
	var out []datasetComparison
	for _, c := range datasetFixture() {
		if c.prompt.SingleTurn() {
			out = append(out, c)
		}
	}
	return out
}

// newDatasetProject stores the dataset fixture in a new project.
func newDatasetProject(tb testing.TB, db *store.DB) labeling.Project {
	tb.Helper()
	return newFixtureProject(tb, db, datasetFixture())
}

// newFixtureProject stores fixture in a new project.
func newFixtureProject(tb testing.TB, db *store.DB, fixture []datasetComparison) labeling.Project {
	tb.Helper()
	ctx := context.Background()
	p, err := db.CreateProject(ctx, labeling.Project{Name: "dataset " + uuid.NewString(),
		JudgmentsWanted: 3, Lease: time.Minute})
	if err != nil {
		tb.Fatalf("create project: %v", err)
	}
	it, err := db.BeginImport(ctx, p.ID, "pairs.jsonl", uuid.Nil)
	if err != nil {
		tb.Fatalf("begin import: %v", err)
	}
	defer it.Rollback(ctx)
	for i, c := range fixture {
		row := labeling.Row{Line: i + 1, Prompt: c.prompt, Label: c.source, Candidates: []labeling.Candidate{
			{Content: c.a, Model: "model-" + c.a}, {Content: c.b, Model: "model-" + c.b}}}
		if _, _, err := it.Add(ctx, row); err != nil {
			tb.Fatalf("add row %d: %v", i+1, err)
		}
	}
	if err := it.Commit(ctx, "trl", nil); err != nil {
		tb.Fatalf("commit import: %v", err)
	}

	researcher := newAccount(tb, db)
	for _, c := range fixture {
		cid, responses := comparisonOf(tb, db, p, lastMessage(c.prompt))
		for _, v := range c.votes {
			insertVote(tb, db, cid, responses, v)
		}
		if c.adjudicate != "" {
			s := store.Settlement{Verdict: labeling.VerdictPreferred, Preferred: responses[c.adjudicate]}
			if err := db.Adjudicate(ctx, p.ID, cid, s, researcher); err != nil {
				tb.Fatalf("adjudicate %s: %v", cid, err)
			}
		}
	}
	return p
}

func newAccount(tb testing.TB, db *store.DB) uuid.UUID {
	tb.Helper()
	u, err := db.CreateUser(context.Background(), uuid.NewString()+"@example.org",
		labeling.UserAnnotator, "hash")
	if err != nil {
		tb.Fatalf("create user: %v", err)
	}
	return u.ID
}

// comparisonOf returns the comparison of p whose prompt ends with last,
// and its response ids by content.
func comparisonOf(tb testing.TB, db *store.DB, p labeling.Project, last string) (uuid.UUID, map[string]uuid.UUID) {
	tb.Helper()
	var cid, aID, bID uuid.UUID
	var a, b string
	err := db.Pool().QueryRow(context.Background(), `SELECT c.id, ra.id, ra.content, rb.id, rb.content
		FROM comparisons c JOIN prompts p ON p.id = c.prompt_id
		JOIN responses ra ON ra.id = c.response_a_id JOIN responses rb ON rb.id = c.response_b_id
		WHERE c.project_id = $1 AND p.messages->-1->>'content' = $2`, p.ID, last).
		Scan(&cid, &aID, &a, &bID, &b)
	if err != nil {
		tb.Fatalf("find comparison %q: %v", last, err)
	}
	return cid, map[string]uuid.UUID{a: aID, b: bID}
}

// insertVote stores v as the judgment of a new annotator on comparison
// cid, with its assignment, so that each comparison gets exactly its
// fixture's votes.
func insertVote(tb testing.TB, db *store.DB, cid uuid.UUID, responses map[string]uuid.UUID, v datasetVote) {
	tb.Helper()
	ctx := context.Background()
	annotator := newAccount(tb, db)
	var left uuid.UUID
	for _, id := range responses {
		left = id
	}
	verdict, preferred := labeling.VerdictPreferred, responses[v.choice]
	if strings.HasPrefix(v.choice, "=") {
		verdict, preferred = labeling.Verdict(v.choice[1:]), uuid.Nil
	}
	var preferredID *uuid.UUID
	if preferred != uuid.Nil {
		preferredID = &preferred
	}
	var strength *labeling.Strength
	if v.strength != "" {
		strength = &v.strength
	}

	assignment := uuid.New()
	_, err := db.Pool().Exec(ctx, `INSERT INTO assignments
		(id, comparison_id, annotator_id, left_response_id, expires_at, submitted_at)
		VALUES ($1, $2, $3, $4, now() + interval '1 hour', now())`, assignment, cid, annotator, left)
	if err != nil {
		tb.Fatalf("insert assignment: %v", err)
	}
	_, err = db.Pool().Exec(ctx, `INSERT INTO judgments (id, comparison_id, annotator_id,
		assignment_id, verdict, preferred_response_id, strength, left_response_id, shown_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())`,
		uuid.New(), cid, annotator, assignment, verdict, preferredID, strength, left)
	if err != nil {
		tb.Fatalf("insert judgment: %v", err)
	}
}

// writeDataset runs WriteDataset and returns its lines.
func writeDataset(tb testing.TB, db *store.DB, p labeling.Project, opts export.DatasetOptions) ([]string, export.DatasetCounts) {
	tb.Helper()
	var buf bytes.Buffer
	counts, err := export.WriteDataset(context.Background(), &buf, db, p.ID, opts)
	if err != nil {
		tb.Fatalf("WriteDataset %+v: %v", opts, err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if buf.Len() == 0 {
		lines = nil
	}
	if len(lines) != counts.Rows {
		tb.Errorf("rows: got %d lines, counted %d", len(lines), counts.Rows)
	}
	return lines, counts
}

func TestWriteDatasetFormats(t *testing.T) {
	db := storetest.New(t)
	p := newDatasetProject(t, db)

	// The fixture has a prompt with a system message, so every row of the
	// formats with two forms takes the conversational form.
	sky := `[{"role":"user","content":"sky?"}]`
	tests := []struct {
		format      string
		wantFirst   string
		wantRows    int
		wantSkipped int
	}{
		{export.FormatTRL, `{"prompt":` + sky + `,"chosen":[{"role":"assistant","content":"blue"}],` +
			`"rejected":[{"role":"assistant","content":"green"}]}`, 4, 0},
		{export.FormatTRLImplicit, `{"chosen":[{"role":"user","content":"sky?"},{"role":"assistant","content":"blue"}],` +
			`"rejected":[{"role":"user","content":"sky?"},{"role":"assistant","content":"green"}]}`, 4, 0},
		{export.FormatReward, `{"prompt":` + sky + `,"chosen":[{"role":"assistant","content":"blue"}],` +
			`"rejected":[{"role":"assistant","content":"green"}],"margin":2.0}`, 4, 0},
		{export.FormatKTO, `{"prompt":` + sky + `,"completion":[{"role":"assistant","content":"blue"}],` +
			`"label":true}`, 10, 0},
		{export.FormatOpenAI, `{"input":{"messages":[{"role":"user","content":"sky?"}]},` +
			`"preferred_output":[{"role":"assistant","content":"blue"}],` +
			`"non_preferred_output":[{"role":"assistant","content":"green"}]}`, 4, 0},
		{export.FormatHH, `{"chosen":"\n\nHuman: sky?\n\nAssistant: blue",` +
			`"rejected":"\n\nHuman: sky?\n\nAssistant: green"}`, 3, 1},
		{export.FormatSFT, `{"messages":[{"role":"user","content":"sky?"},{"role":"assistant","content":"blue"}]}`, 4, 0},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			lines, counts := writeDataset(t, db, p, export.DatasetOptions{Format: tt.format})
			if counts.Rows != tt.wantRows {
				t.Errorf("rows: got %d, want %d", counts.Rows, tt.wantRows)
			}
			if counts.Skipped != tt.wantSkipped {
				t.Errorf("skipped: got %d, want %d", counts.Skipped, tt.wantSkipped)
			}
			if len(lines) == 0 {
				t.Fatal("no lines written")
			}
			if lines[0] != tt.wantFirst {
				t.Errorf("first line:\ngot  %s\nwant %s", lines[0], tt.wantFirst)
			}
		})
	}
}

func TestWriteDatasetStandardForm(t *testing.T) {
	db := storetest.New(t)
	p := newFixtureProject(t, db, datasetFixtureSingleTurn())

	tests := []struct {
		format    string
		wantFirst string
		wantRows  int
	}{
		{export.FormatTRL, `{"prompt":"sky?","chosen":"blue","rejected":"green"}`, 3},
		{export.FormatTRLImplicit, `{"chosen":"sky?blue","rejected":"sky?green"}`, 3},
		{export.FormatReward, `{"prompt":"sky?","chosen":"blue","rejected":"green","margin":2.0}`, 3},
		{export.FormatKTO, `{"prompt":"sky?","completion":"blue","label":true}`, 8},
		{export.FormatSFT, `{"prompt":"sky?","completion":"blue"}`, 3},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			lines, counts := writeDataset(t, db, p, export.DatasetOptions{Format: tt.format})
			if counts.Rows != tt.wantRows {
				t.Errorf("rows: got %d, want %d", counts.Rows, tt.wantRows)
			}
			if len(lines) == 0 {
				t.Fatal("no lines written")
			}
			if lines[0] != tt.wantFirst {
				t.Errorf("first line:\ngot  %s\nwant %s", lines[0], tt.wantFirst)
			}
		})
	}
}

// TestWriteDatasetOneFormPerFile checks that each column of a JSONL
// file keeps one JSON type in every row, as Hugging Face datasets' JSON
// loader requires, in a project that mixes single-turn prompts with one
// that has a system message.
func TestWriteDatasetOneFormPerFile(t *testing.T) {
	db := storetest.New(t)
	p := newDatasetProject(t, db)

	for _, format := range export.DatasetFormats {
		if format == export.FormatRubric {
			continue
		}
		t.Run(format, func(t *testing.T) {
			for _, gz := range []bool{false, true} {
				lines := datasetLines(t, db, p, export.DatasetOptions{Format: format, Gzip: gz})
				checkOneTypePerColumn(t, lines)
			}
		})
	}
}

// datasetLines runs WriteDataset and returns its lines, gunzipped when
// opts.Gzip is set.
func datasetLines(tb testing.TB, db *store.DB, p labeling.Project, opts export.DatasetOptions) []string {
	tb.Helper()
	var buf bytes.Buffer
	if _, err := export.WriteDataset(context.Background(), &buf, db, p.ID, opts); err != nil {
		tb.Fatalf("WriteDataset %+v: %v", opts, err)
	}
	data := buf.Bytes()
	if opts.Gzip {
		zr, err := gzip.NewReader(&buf)
		if err != nil {
			tb.Fatalf("gunzip: %v", err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			tb.Fatalf("gunzip: %v", err)
		}
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

// checkOneTypePerColumn fails when a key of the JSON rows holds a string
// in one row and an array (or another JSON type) in another.
func checkOneTypePerColumn(tb testing.TB, lines []string) {
	tb.Helper()
	kinds := map[string]byte{}
	for i, line := range lines {
		var row map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &row); err != nil {
			tb.Fatalf("line %d: %v", i+1, err)
		}
		for key, value := range row {
			kind := jsonKind(value)
			if kind == 'n' {
				continue // null fits any column type
			}
			if first, ok := kinds[key]; ok && first != kind {
				tb.Errorf("line %d: column %q starts with %q, earlier rows with %q:\n%s",
					i+1, key, kind, first, line)
			}
			kinds[key] = kind
		}
	}
}

func TestWriteDatasetKTOBothBad(t *testing.T) {
	db := storetest.New(t)
	p := newFixtureProject(t, db, datasetFixtureSingleTurn())

	lines, _ := writeDataset(t, db, p, export.DatasetOptions{Format: export.FormatKTO})
	want := []string{
		`{"prompt":"bad?","completion":"p","label":false}`,
		`{"prompt":"bad?","completion":"q","label":false}`,
	}
	for _, w := range want {
		if !containsLine(lines, w) {
			t.Errorf("lines %q: missing %s", lines, w)
		}
	}
}

func TestWriteDatasetMetadata(t *testing.T) {
	db := storetest.New(t)
	p := newFixtureProject(t, db, datasetFixtureSingleTurn())
	cid, _ := comparisonOf(t, db, p, "sky?")

	lines, _ := writeDataset(t, db, p, export.DatasetOptions{Format: export.FormatTRL, Metadata: true})
	want := `{"prompt":"sky?","chosen":"blue","rejected":"green","metadata":{"comparison_id":"` +
		cid.String() + `","votes":3,"agreement":0.6666666666666666,"source_label":"a",` +
		`"chosen_model":"model-blue","rejected_model":"model-green"}}`
	if lines[0] != want {
		t.Errorf("first line:\ngot  %s\nwant %s", lines[0], want)
	}
}

func TestWriteDatasetMinVotes(t *testing.T) {
	db := storetest.New(t)
	p := newFixtureProject(t, db, datasetFixtureSingleTurn())

	lines, _ := writeDataset(t, db, p, export.DatasetOptions{Format: export.FormatTRL, MinVotes: 2})
	want := []string{
		`{"prompt":"sky?","chosen":"blue","rejected":"green"}`,
		`{"prompt":"adjudicated?","chosen":"s","rejected":"r"}`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\ngot  %q\nwant %q", lines, want)
	}
}

func TestWriteDatasetAdjudicationWins(t *testing.T) {
	db := storetest.New(t)
	p := newFixtureProject(t, db, datasetFixtureSingleTurn())

	for _, policy := range export.DatasetPolicies {
		t.Run(policy, func(t *testing.T) {
			lines, _ := writeDataset(t, db, p, export.DatasetOptions{Format: export.FormatTRL, Policy: policy})
			want := `{"prompt":"adjudicated?","chosen":"s","rejected":"r"}`
			if !containsLine(lines, want) {
				t.Errorf("lines %q: missing %s", lines, want)
			}
			if containsLine(lines, `{"prompt":"adjudicated?","chosen":"r","rejected":"s"}`) {
				t.Errorf("lines %q: the votes overrode the adjudication", lines)
			}
		})
	}
}

func TestWriteDatasetUnanimous(t *testing.T) {
	db := storetest.New(t)
	p := newDatasetProject(t, db)

	lines, _ := writeDataset(t, db, p, export.DatasetOptions{Format: export.FormatSFT,
		Policy: export.PolicyUnanimous})
	want := []string{
		`{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"2+2?"},` +
			`{"role":"assistant","content":"4"}]}`,
		`{"messages":[{"role":"user","content":"single?"},{"role":"assistant","content":"m"}]}`,
		`{"messages":[{"role":"user","content":"adjudicated?"},{"role":"assistant","content":"s"}]}`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("lines:\ngot  %q\nwant %q", lines, want)
	}
}

func TestWriteDatasetSplits(t *testing.T) {
	db := storetest.New(t)
	p := newDatasetProject(t, db)
	opts := export.DatasetOptions{Format: export.FormatKTO, Seed: "seed-1",
		Ratios: export.SplitRatios{Train: 0.5, Test: 0.5}}

	all, _ := writeDataset(t, db, p, opts)
	prompts := map[string]string{}
	total := 0
	for _, split := range []string{export.SplitTrain, export.SplitTest} {
		opts.Split = split
		lines, _ := writeDataset(t, db, p, opts)
		total += len(lines)
		for _, line := range lines {
			prompt := promptOf(t, line)
			if other, ok := prompts[prompt]; ok && other != split {
				t.Errorf("prompt %s: in %s and %s", prompt, other, split)
			}
			prompts[prompt] = split
		}
	}
	if total != len(all) {
		t.Errorf("rows in train and test: got %d, want %d", total, len(all))
	}
}

func TestWriteDatasetRejectsOptions(t *testing.T) {
	db := storetest.New(t)
	tests := []struct {
		name string
		opts export.DatasetOptions
		want string
	}{
		{"format", export.DatasetOptions{Format: "csv"},
			`export format "csv" is not one of trl, trl-implicit, reward, kto, openai, hh, sft`},
		{"policy", export.DatasetOptions{Format: "trl", Policy: "vote"},
			`policy "vote" is not one of majority, unanimous, strength, dawid-skene`},
		{"split", export.DatasetOptions{Format: "trl", Split: "dev"},
			`split "dev" is not one of train, test, validation`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := export.WriteDataset(context.Background(), &bytes.Buffer{}, db, uuid.New(), tt.opts)
			if !errors.Is(err, labeling.ErrInvalid) {
				t.Fatalf("error: got %v, want kind %v", err, labeling.ErrInvalid)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error: got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

// jsonKind returns the first byte of value, with true and false as 'b'
// and every number as '0'.
func jsonKind(value json.RawMessage) byte {
	switch c := value[0]; {
	case c == 't' || c == 'f':
		return 'b'
	case c == '-' || (c >= '0' && c <= '9'):
		return '0'
	default:
		return c
	}
}

func containsLine(lines []string, want string) bool {
	for _, l := range lines {
		if l == want {
			return true
		}
	}
	return false
}

// promptOf returns the JSON of a row's prompt.
func promptOf(tb testing.TB, line string) string {
	tb.Helper()
	var row map[string]json.RawMessage
	if err := json.Unmarshal([]byte(line), &row); err != nil {
		tb.Fatalf("decode %s: %v", line, err)
	}
	return string(row["prompt"])
}
