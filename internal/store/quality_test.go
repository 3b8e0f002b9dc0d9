package store_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/quality"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/internal/store/storetest"
)

// plannedVote is one annotator's vote on one comparison, by category.
type plannedVote struct {
	verdict  int // quality.PreferA, PreferB, Tie or BothBad
	strength labeling.Strength
	// helpfulA and helpfulB are rubric scores, 0 for none.
	helpfulA, helpfulB int
	seconds            int // time from showing to submitting
}

// qualityProject is a project of five comparisons judged by three
// annotators whose every vote is known, plus a sixth judged once.
type qualityProject struct {
	db          *store.DB
	project     labeling.Project
	comparisons []uuid.UUID // import order
	ann, bob    uuid.UUID
	cat         uuid.UUID
}

// Response lengths: comparisons 0, 1 and 3 have a longer B, comparison 2
// responses of equal length, comparison 4 a longer A.
var qualityRows = []labeling.Row{
	row(1, "p1", "short", "much longer answer"),
	row(2, "p2", "aa", "bbbb"),
	row(3, "p3", "x1", "y1"),
	row(4, "p4", "one", "three"),
	row(5, "p5", "gold-yes", "gold-no"),
}

// Votes per comparison for ann, bob and cat. Ann and cat are shown A on
// the left, bob is shown B on the left.
var qualityVotes = map[string][]plannedVote{
	"ann": {
		{verdict: quality.PreferA, strength: labeling.StrengthMuch, helpfulA: 5, helpfulB: 2, seconds: 10},
		{verdict: quality.PreferA, seconds: 20},
		{verdict: quality.Tie, seconds: 30},
		{verdict: quality.PreferB, seconds: 40},
		{verdict: quality.PreferA, seconds: 50},
	},
	"bob": {
		{verdict: quality.PreferA, strength: labeling.StrengthClearly, helpfulA: 4, helpfulB: 2, seconds: 60},
		{verdict: quality.PreferB, seconds: 60},
		{verdict: quality.Tie, seconds: 60},
		{verdict: quality.PreferB, seconds: 60},
		{verdict: quality.PreferB, seconds: 60},
	},
	"cat": {
		{verdict: quality.PreferA, strength: labeling.StrengthMuch, seconds: 10},
		{verdict: quality.PreferA, seconds: 10},
		{verdict: quality.BothBad, seconds: 10},
		{verdict: quality.PreferA, seconds: 10},
		{verdict: quality.PreferA, seconds: 3600},
	},
}

// newQualityProject builds the project, marks comparison 4 as gold with
// answer A after everyone judged it, and adds a sixth comparison that only
// ann judges (A better, 5 seconds).
func newQualityProject(tb testing.TB) *qualityProject {
	tb.Helper()
	db := storetest.New(tb)
	q := &qualityProject{db: db, project: newProject(tb, db, 3)}
	importRows(tb, db, q.project, qualityRows...)
	q.comparisons = comparisonIDs(tb, db, q.project)
	q.ann = namedUser(tb, db, "ann")
	q.bob = namedUser(tb, db, "bob")
	q.cat = namedUser(tb, db, "cat")

	q.judgeAll(tb, q.ann, true, qualityVotes["ann"])
	q.judgeAll(tb, q.bob, false, qualityVotes["bob"])
	q.judgeAll(tb, q.cat, true, qualityVotes["cat"])

	ctx := context.Background()
	gold := q.comparisons[4]
	a, _ := responsePair(tb, db, gold)
	err := db.SetGold(ctx, q.project.ID, gold, store.Settlement{Verdict: labeling.VerdictPreferred, Preferred: a})
	if err != nil {
		tb.Fatalf("SetGold: %v", err)
	}

	importRows(tb, db, q.project, row(6, "p6", "lone-a", "lone-b"))
	q.comparisons = comparisonIDs(tb, db, q.project)
	q.judgeAll(tb, q.ann, true, []plannedVote{{verdict: quality.PreferA, seconds: 5}})
	return q
}

// namedUser creates an annotator with a display name and no email.
func namedUser(tb testing.TB, db *store.DB, name string) uuid.UUID {
	tb.Helper()
	u, err := db.InsertUser(context.Background(),
		labeling.User{DisplayName: name, Role: labeling.UserAnnotator}, "hash")
	if err != nil {
		tb.Fatalf("create user %s: %v", name, err)
	}
	return u.ID
}

// responsePair returns the ids of comparison cid's responses A and B.
func responsePair(tb testing.TB, db *store.DB, cid uuid.UUID) (a, b uuid.UUID) {
	tb.Helper()
	err := db.Pool().QueryRow(context.Background(),
		`SELECT response_a_id, response_b_id FROM comparisons WHERE id = $1`, cid).Scan(&a, &b)
	if err != nil {
		tb.Fatalf("find responses of comparison %s: %v", cid, err)
	}
	return a, b
}

// judgeAll leases len(votes) comparisons to annotator and votes on each
// as planned for its index in q.comparisons (from the end when votes is
// shorter), with A shown on the left when leftIsA is set.
func (q *qualityProject) judgeAll(tb testing.TB, annotator uuid.UUID, leftIsA bool, votes []plannedVote) {
	tb.Helper()
	ctx := context.Background()
	offset := len(q.comparisons) - len(votes)
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for range votes {
		a := lease(tb, q.db, q.project, annotator)
		i := slices.Index(q.comparisons, a.ComparisonID)
		if i < offset {
			tb.Fatalf("annotator %s leased comparison %d, want one of %d..%d",
				annotator, i, offset, len(q.comparisons)-1)
		}
		plan := votes[i-offset]
		ra, rb := responsePair(tb, q.db, a.ComparisonID)
		left := rb
		if leftIsA {
			left = ra
		}
		_, err := q.db.Pool().Exec(ctx, `UPDATE assignments SET left_response_id = $2 WHERE id = $1`,
			a.ID, left)
		if err != nil {
			tb.Fatalf("set left response of assignment %s: %v", a.ID, err)
		}

		jid := submit(tb, q.db, annotator, plannedToVote(a.ID, plan, ra, rb))
		_, err = q.db.Pool().Exec(ctx, `UPDATE judgments SET shown_at = $2, submitted_at = $3 WHERE id = $1`,
			jid, start, start.Add(time.Duration(plan.seconds)*time.Second))
		if err != nil {
			tb.Fatalf("set times of judgment %s: %v", jid, err)
		}
	}
}

func plannedToVote(assignment uuid.UUID, plan plannedVote, ra, rb uuid.UUID) labeling.Vote {
	v := labeling.Vote{AssignmentID: assignment, Strength: plan.strength}
	switch plan.verdict {
	case quality.PreferA:
		v.Verdict, v.Preferred = labeling.VerdictPreferred, ra
	case quality.PreferB:
		v.Verdict, v.Preferred = labeling.VerdictPreferred, rb
	case quality.Tie:
		v.Verdict = labeling.VerdictTie
	default:
		v.Verdict = labeling.VerdictBothBad
	}
	if plan.helpfulA > 0 {
		v.Scores = map[uuid.UUID]labeling.Scores{ra: {"helpful": plan.helpfulA}, rb: {"helpful": plan.helpfulB}}
	}
	return v
}

// ratings returns every rating of q's project.
func (q *qualityProject) ratings(tb testing.TB) []quality.Rating {
	tb.Helper()
	var out []quality.Rating
	err := q.db.EachRating(context.Background(), q.project.ID, func(r quality.Rating) error {
		out = append(out, r)
		return nil
	})
	if err != nil {
		tb.Fatalf("EachRating: %v", err)
	}
	return out
}

func TestQualityEachRating(t *testing.T) {
	t.Parallel()
	q := newQualityProject(t)
	ratings := q.ratings(t)
	if len(ratings) != 16 {
		t.Fatalf("ratings: got %d, want 16", len(ratings))
	}

	find := func(annotator uuid.UUID, comparison int) quality.Rating {
		t.Helper()
		for _, r := range ratings {
			if r.Annotator == annotator && r.Comparison == q.comparisons[comparison] {
				return r
			}
		}
		t.Fatalf("no rating of comparison %d by %s", comparison, annotator)
		return quality.Rating{}
	}
	tests := []struct {
		name      string
		got       quality.Rating
		annotator string
		verdict   int
		strength  int
		leftIsA   bool
		lengthA   int
		lengthB   int
		gold      int
		scoresA   map[string]int
		durationS float64
	}{
		{"bob prefers A clearly", find(q.bob, 0), "bob", quality.PreferA, 3, false, 5, 18, quality.NoGold,
			map[string]int{"helpful": 4}, 60},
		{"ann ties", find(q.ann, 2), "ann", quality.Tie, 0, true, 2, 2, quality.NoGold, nil, 30},
		{"cat both bad", find(q.cat, 2), "cat", quality.BothBad, 0, true, 2, 2, quality.NoGold, nil, 10},
		{"bob on gold", find(q.bob, 4), "bob", quality.PreferB, 0, false, 8, 7, quality.PreferA, nil, 60},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.got
			checks := []struct {
				field     string
				got, want any
			}{
				{"annotator name", r.AnnotatorName, tc.annotator},
				{"verdict", r.Verdict, tc.verdict},
				{"strength", r.Strength, tc.strength},
				{"left is A", r.LeftIsA, tc.leftIsA},
				{"length A", r.LengthA, tc.lengthA},
				{"length B", r.LengthB, tc.lengthB},
				{"gold", r.Gold, tc.gold},
				{"scores A", len(r.ScoresA), len(tc.scoresA)},
				{"helpful A", r.ScoresA["helpful"], tc.scoresA["helpful"]},
				{"seconds", r.SubmittedAt.Sub(r.ShownAt).Seconds(), tc.durationS},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s: got %v, want %v", c.field, c.got, c.want)
				}
			}
		})
	}
}

// report streams q's ratings into a report with the default
// rubric's criteria and a 10-minute cap.
func (q *qualityProject) report(tb testing.TB) quality.Report {
	tb.Helper()
	opts := quality.ReportOptions{Overlap: 3, GoldThreshold: 0.7, MaxActive: 10 * time.Minute}
	for _, c := range labeling.DefaultRubric {
		opts.Criteria = append(opts.Criteria, c.Key)
	}
	b := quality.NewReportBuilder(opts)
	err := q.db.EachRating(context.Background(), q.project.ID, b.Add)
	if err != nil {
		tb.Fatalf("EachRating into report: %v", err)
	}
	return b.Report()
}

func TestQualityReportHandComputed(t *testing.T) {
	t.Parallel()
	q := newQualityProject(t)
	rep := q.report(t)

	kappas := map[string]quality.Statistic{}
	for _, p := range rep.Pairs {
		kappas[p.A.Name+"-"+p.B.Name] = p.Kappa
	}
	annotators := map[string]quality.AnnotatorReport{}
	for _, a := range rep.Annotators {
		annotators[a.Name] = a
	}
	alphas := map[string]quality.Statistic{}
	for _, c := range rep.AlphaCriteria {
		alphas[c.Key] = c.Alpha
	}

	// Verdicts by comparison (A=0, B=1, tie=2, both bad=3):
	//   ann 0 0 2 1 0 (0), bob 0 1 2 1 1, cat 0 0 3 0 0.
	// ann-bob: po = 3/5, pe = (3·1 + 1·3 + 1·1)/25, kappa = 4/9.
	// ann-cat: po = 3/5, pe = 3·4/25, kappa = 3/13.
	// bob-cat: po = 1/5, pe = 1·4/25, kappa = 1/21.
	// Fleiss over the five comparisons with three votes:
	//   P = (1 + 4·1/3)/5 = 7/15, Pe = (8² + 4² + 2² + 1²)/15² = 17/45, kappa = 1/7.
	// Nominal alpha: within = 4 units × 4/2 = 8, D = 15² - 85 = 140,
	//   alpha = 1 - 14·8/140 = 0.2.
	// Strength alpha: units (4, 3, 4) and (0, 0); alpha = 1 - 4·2/168 = 20/21.
	// Helpful alpha: units (5, 4) and (2, 2); alpha = 1 - 3·2/54 = 8/9.
	stats := []struct {
		name   string
		got    quality.Statistic
		want   float64
		wantN  int
		wantOK bool
	}{
		{"kappa ann-bob", kappas["ann-bob"], 4.0 / 9, 5, true},
		{"kappa ann-cat", kappas["ann-cat"], 3.0 / 13, 5, true},
		{"kappa bob-cat", kappas["bob-cat"], 1.0 / 21, 5, true},
		{"mean pair kappa", rep.MeanPairKappa, (4.0/9 + 3.0/13 + 1.0/21) / 3, 3, true},
		{"fleiss", rep.Fleiss, 1.0 / 7, 5, true},
		{"alpha verdict", rep.AlphaVerdict, 0.2, 5, true},
		{"alpha strength", rep.AlphaStrength, 20.0 / 21, 2, true},
		{"alpha helpful", alphas["helpful"], 8.0 / 9, 2, true},
		{"alpha honest", alphas["honest"], 0, 0, false},
		{"majority overall", rep.Majority, 3.0 / 7, 7, true},
		{"majority ann", annotators["ann"].Majority, 1, 1, true},
		{"majority bob", annotators["bob"].Majority, 1.0 / 3, 3, true},
		{"majority cat", annotators["cat"].Majority, 1.0 / 3, 3, true},
		{"gold ann", annotators["ann"].GoldAccuracy, 1, 1, true},
		{"gold bob", annotators["bob"].GoldAccuracy, 0, 1, true},
		{"gold cat", annotators["cat"].GoldAccuracy, 1, 1, true},
		{"median overall", rep.MedianSeconds, 35, 16, true},
		{"median ann", annotators["ann"].MedianSeconds, 25, 6, true},
		{"median bob", annotators["bob"].MedianSeconds, 60, 5, true},
		{"median cat", annotators["cat"].MedianSeconds, 10, 5, true},
		{"per hour cat", annotators["cat"].PerHour, 5 / (640.0 / 3600), 5, true},
	}
	for _, s := range stats {
		t.Run(s.name, func(t *testing.T) {
			if s.got.OK != s.wantOK {
				t.Fatalf("OK: got %v, want %v", s.got.OK, s.wantOK)
			}
			if math.Abs(s.got.Value-s.want) > 1e-12 {
				t.Errorf("value: got %v, want %v", s.got.Value, s.want)
			}
			if s.got.N != s.wantN {
				t.Errorf("n: got %d, want %d", s.got.N, s.wantN)
			}
		})
	}

	// Left picks: ann 3 of 4, bob 3 of 4, cat 4 of 4, ann's lone vote 1.
	// Longer response won: comparison 0 none of 3, 1 one of 3, 3 two of 3,
	// 4 two of 3. Comparisons 2 and 5 have responses of equal length and
	// are left out.
	counts := []struct {
		name      string
		got, want int
	}{
		{"judgments", rep.Judgments, 16},
		{"comparisons", rep.Comparisons, 6},
		{"pairs", len(rep.Pairs), 3},
		{"position successes", rep.Position.Successes, 11},
		{"position n", rep.Position.N, 13},
		{"length successes", rep.Length.Successes, 5},
		{"length n", rep.Length.N, 12},
		{"ann judgments", annotators["ann"].Judgments, 6},
		{"bob gold judged", annotators["bob"].GoldJudged, 1},
		{"bob gold correct", annotators["bob"].GoldCorrect, 0},
	}
	for _, c := range counts {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, c.got, c.want)
		}
	}
	wantReview := map[string]bool{"ann": false, "bob": true, "cat": false}
	for name, want := range wantReview {
		if got := annotators[name].NeedsReview; got != want {
			t.Errorf("%s needs review: got %v, want %v", name, got, want)
		}
	}
	ci, _ := quality.Proportion(11, 13)
	if rep.Position.Interval != ci {
		t.Errorf("position interval: got %+v, want %+v", rep.Position.Interval, ci)
	}
}

func TestQualityReviewQueue(t *testing.T) {
	t.Parallel()
	q := newQualityProject(t)
	ctx := context.Background()

	// Comparison 0 is unanimous and comparison 5 has one vote; the others
	// are disputed. Settling comparison 2 moves it behind the open ones.
	ra, _ := responsePair(t, q.db, q.comparisons[2])
	err := q.db.Adjudicate(ctx, q.project.ID, q.comparisons[2],
		store.Settlement{Verdict: labeling.VerdictPreferred, Preferred: ra}, q.ann)
	if err != nil {
		t.Fatalf("Adjudicate: %v", err)
	}

	tests := []struct {
		name          string
		filter        store.ReviewFilter
		limit, offset int
		want          []int // indexes into q.comparisons
		wantTotal     int
	}{
		{"all", store.ReviewAll, 20, 0, []int{1, 3, 4, 2}, 4},
		{"open", store.ReviewOpen, 20, 0, []int{1, 3, 4}, 3},
		{"adjudicated", store.ReviewAdjudicated, 20, 0, []int{2}, 1},
		{"second page", store.ReviewAll, 3, 3, []int{2}, 4},
		{"past the end", store.ReviewAll, 3, 6, nil, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, total, err := q.db.ReviewQueue(ctx, q.project.ID, tc.filter, tc.limit, tc.offset)
			if err != nil {
				t.Fatalf("ReviewQueue: %v", err)
			}
			var got []int
			for _, it := range items {
				got = append(got, slices.Index(q.comparisons, it.ComparisonID))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("comparisons: got %v, want %v", got, tc.want)
			}
			if total != tc.wantTotal {
				t.Errorf("total: got %d, want %d", total, tc.wantTotal)
			}
		})
	}

	items, _, err := q.db.ReviewQueue(ctx, q.project.ID, store.ReviewAdjudicated, 20, 0)
	if err != nil {
		t.Fatalf("ReviewQueue: %v", err)
	}
	it := items[0]
	var voters []string
	for _, v := range it.Votes {
		voters = append(voters, v.AnnotatorName+":"+string(v.Verdict))
	}
	if want := []string{"ann:tie", "bob:tie", "cat:both_bad"}; !slices.Equal(voters, want) {
		t.Errorf("votes: got %v, want %v", voters, want)
	}
	if it.Adjudicated == nil || it.Adjudicated.Preferred != ra {
		t.Errorf("adjudicated: got %+v, want response A %s", it.Adjudicated, ra)
	}
	if it.A.ID != ra || it.A.Content != "x1" || it.B.Content != "y1" || it.A.Model != "model-x1" {
		t.Errorf("responses: got A %+v, B %+v, want x1 (model-x1) and y1", it.A, it.B)
	}
	if len(it.Prompt) != 1 || it.Prompt[0].Content != "p3" {
		t.Errorf("prompt: got %v, want one message p3", it.Prompt)
	}
	if it.Gold != nil {
		t.Errorf("gold: got %+v, want nil", it.Gold)
	}

	_, _, err = q.db.ReviewQueue(ctx, q.project.ID, "mine", 20, 0)
	wantKind(t, err, labeling.ErrInvalid)
}

func TestQualityGoldComparisons(t *testing.T) {
	t.Parallel()
	q := newQualityProject(t)
	golds, total, err := q.db.GoldComparisons(context.Background(), q.project.ID, 10)
	if err != nil {
		t.Fatalf("GoldComparisons: %v", err)
	}
	if total != 1 || len(golds) != 1 {
		t.Fatalf("gold comparisons: got %d of %d, want 1 of 1", len(golds), total)
	}
	g := golds[0]
	ra, rb := responsePair(t, q.db, q.comparisons[4])
	checks := []struct {
		name      string
		got, want any
	}{
		{"comparison", g.ComparisonID, q.comparisons[4]},
		{"prompt start", g.PromptStart, "p5"},
		{"response A", g.A.ID, ra},
		{"response B", g.B.ID, rb},
		{"model A", g.A.Model, "model-gold-yes"},
		{"answer", g.Answer, store.Settlement{Verdict: labeling.VerdictPreferred, Preferred: ra}},
		{"judged", g.Judged, 3},
		{"correct", g.Correct, 2},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestQualityVotesPerDay(t *testing.T) {
	t.Parallel()
	q := newQualityProject(t)
	_, err := q.db.Pool().Exec(context.Background(), `UPDATE judgments
		SET submitted_at = '2025-03-02 23:30:00+00' WHERE annotator_id = $1`, q.cat)
	if err != nil {
		t.Fatalf("move cat's judgments: %v", err)
	}
	days, err := q.db.VotesPerDay(context.Background(), q.project.ID)
	if err != nil {
		t.Fatalf("VotesPerDay: %v", err)
	}
	want := []store.DayCount{
		{Day: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), Judgments: 11},
		{Day: time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC), Judgments: 5},
	}
	if !slices.Equal(days, want) {
		t.Errorf("days: got %v, want %v", days, want)
	}
}
