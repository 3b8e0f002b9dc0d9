package quality

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ReportBuilder collects ratings one at a time and computes their Report.
// It keeps a few dozen bytes per rating (its verdict, strength, scores and
// duration) and no texts, so a project's judgments can be streamed in.
type ReportBuilder struct {
	opts        ReportOptions
	annotators  []*annotatorTally
	annotatorAt map[uuid.UUID]int
	comparisons []*comparisonTally
	comparedAt  map[uuid.UUID]int
	criterionAt map[string]int
	// scores[criterion] maps a (comparison, response) unit to its scores.
	scores    []map[scoreUnit][]float64
	position  Share
	length    Share
	durations []time.Duration
}

type annotatorTally struct {
	ref         AnnotatorRef
	judgments   int
	goldJudged  int
	goldCorrect int
	durations   []time.Duration
}

// comparisonVote is one rating as the agreement statistics need it.
type comparisonVote struct {
	annotator int
	verdict   int
	strength  float64
	// hasStrength is false where signedStrength left the vote out.
	hasStrength bool
}

type comparisonTally struct {
	id    uuid.UUID
	votes []comparisonVote
}

type scoreUnit struct {
	comparison int
	responseB  bool
}

// NewReportBuilder returns an empty builder for a project with opts.
func NewReportBuilder(opts ReportOptions) *ReportBuilder {
	b := &ReportBuilder{
		opts:        opts,
		annotatorAt: map[uuid.UUID]int{},
		comparedAt:  map[uuid.UUID]int{},
		criterionAt: map[string]int{},
	}
	for i, key := range opts.Criteria {
		b.criterionAt[key] = i
		b.scores = append(b.scores, map[scoreUnit][]float64{})
	}
	return b
}

// Add counts r. It returns an error, and counts nothing, when r's verdict,
// strength or gold answer is out of range.
func (b *ReportBuilder) Add(r Rating) error {
	if err := r.check(); err != nil {
		return err
	}
	a := b.annotator(r)
	a.judgments++
	if r.Gold != NoGold {
		a.goldJudged++
		if r.Verdict == r.Gold {
			a.goldCorrect++
		}
	}
	a.durations = append(a.durations, r.duration())
	b.durations = append(b.durations, r.duration())

	c := b.comparison(r.Comparison)
	strength, ok := r.signedStrength()
	c.votes = append(c.votes, comparisonVote{annotator: b.annotatorAt[r.Annotator],
		verdict: r.Verdict, strength: strength, hasStrength: ok})
	b.addScores(b.comparedAt[r.Comparison], r)
	b.addBias(r)
	return nil
}

func (b *ReportBuilder) annotator(r Rating) *annotatorTally {
	i, ok := b.annotatorAt[r.Annotator]
	if !ok {
		i = len(b.annotators)
		b.annotatorAt[r.Annotator] = i
		b.annotators = append(b.annotators, &annotatorTally{
			ref: AnnotatorRef{ID: r.Annotator, Name: r.AnnotatorName}})
	}
	return b.annotators[i]
}

func (b *ReportBuilder) comparison(id uuid.UUID) *comparisonTally {
	i, ok := b.comparedAt[id]
	if !ok {
		i = len(b.comparisons)
		b.comparedAt[id] = i
		b.comparisons = append(b.comparisons, &comparisonTally{id: id})
	}
	return b.comparisons[i]
}

func (b *ReportBuilder) addScores(comparison int, r Rating) {
	for side, scores := range []map[string]int{r.ScoresA, r.ScoresB} {
		unit := scoreUnit{comparison: comparison, responseB: side == 1}
		for key, score := range scores {
			if i, ok := b.criterionAt[key]; ok {
				b.scores[i][unit] = append(b.scores[i][unit], float64(score))
			}
		}
	}
}

// addBias counts r towards position bias and, when its responses differ
// in length, towards length bias.
func (b *ReportBuilder) addBias(r Rating) {
	if !r.preferred() {
		return
	}
	choseA := r.Verdict == PreferA
	b.position.N++
	if choseA == r.LeftIsA {
		b.position.Successes++
	}
	if r.LengthA != r.LengthB {
		b.length.N++
		if choseA == (r.LengthA > r.LengthB) {
			b.length.Successes++
		}
	}
}

// Report computes the statistics of every rating added so far.
func (b *ReportBuilder) Report() Report {
	rep := Report{Judgments: len(b.durations), Comparisons: len(b.comparisons)}
	rep.Pairs, rep.MeanPairKappa = b.pairAgreement()
	rep.Fleiss = b.fleiss()
	rep.AlphaVerdict, rep.AlphaStrength = b.verdictAlphas()
	for i, key := range b.opts.Criteria {
		rep.AlphaCriteria = append(rep.AlphaCriteria,
			CriterionAlpha{Key: key, Alpha: alphaOfUnits(scoreUnits(b.scores[i]), Interval)})
	}
	rep.Position, rep.Length = withInterval(b.position), withInterval(b.length)
	rep.MedianSeconds, rep.PerHour = b.pace(b.durations)
	rep.Annotators, rep.Majority = b.annotatorReports()
	return rep
}

func withInterval(s Share) Share {
	ci, err := Proportion(s.Successes, s.N)
	if err != nil {
		return Share{}
	}
	s.Interval, s.OK = ci, true
	return s
}

// scoreUnits returns the units of one criterion in a fixed order, so the
// floating-point sums do not depend on map order.
func scoreUnits(byUnit map[scoreUnit][]float64) [][]float64 {
	keys := make([]scoreUnit, 0, len(byUnit))
	for k := range byUnit {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y scoreUnit) int {
		if c := cmp.Compare(x.comparison, y.comparison); c != 0 {
			return c
		}
		return compareBool(x.responseB, y.responseB)
	})
	units := make([][]float64, len(keys))
	for i, k := range keys {
		units[i] = byUnit[k]
	}
	return units
}

func compareBool(x, y bool) int {
	switch {
	case x == y:
		return 0
	case !x:
		return -1
	}
	return 1
}

// pace returns the median duration in seconds and the judgments per hour
// of active time.
func (b *ReportBuilder) pace(durations []time.Duration) (median, perHour Statistic) {
	if m, err := MedianDuration(durations); err == nil {
		median = Statistic{Value: m.Seconds(), N: len(durations), OK: true}
	}
	if v, err := JudgmentsPerHour(durations, b.opts.MaxActive); err == nil {
		perHour = Statistic{Value: v, N: len(durations), OK: true}
	}
	return median, perHour
}

// annotatorReports returns one report per annotator, sorted by name, and
// the overall agreement with the majority.
func (b *ReportBuilder) annotatorReports() ([]AnnotatorReport, Statistic) {
	majority := b.majorityAgreement()
	var matched, counted int
	out := make([]AnnotatorReport, len(b.annotators))
	for i, a := range b.annotators {
		r := AnnotatorReport{AnnotatorRef: a.ref, Judgments: a.judgments,
			GoldJudged: a.goldJudged, GoldCorrect: a.goldCorrect}
		if a.goldJudged > 0 {
			r.GoldAccuracy = ratio(a.goldCorrect, a.goldJudged)
			r.NeedsReview = r.GoldAccuracy.Value < b.opts.GoldThreshold
		}
		m := majority[a.ref.ID.String()]
		r.Majority = ratio(m.Matched, m.Counted)
		matched, counted = matched+m.Matched, counted+m.Counted
		r.MedianSeconds, r.PerHour = b.pace(a.durations)
		out[i] = r
	}
	slices.SortFunc(out, func(x, y AnnotatorReport) int {
		return compareRefs(x.AnnotatorRef, y.AnnotatorRef)
	})
	return out, ratio(matched, counted)
}

func compareRefs(x, y AnnotatorRef) int {
	if c := strings.Compare(strings.ToLower(x.Name), strings.ToLower(y.Name)); c != 0 {
		return c
	}
	return strings.Compare(x.ID.String(), y.ID.String())
}

// ratio returns part/whole, not OK when whole is zero.
func ratio(part, whole int) Statistic {
	if whole == 0 {
		return Statistic{}
	}
	return Statistic{Value: float64(part) / float64(whole), N: whole, OK: true}
}

// majorityAgreement runs MajorityAgreement over every vote, keyed by the
// annotator id's string form.
func (b *ReportBuilder) majorityAgreement() map[string]AnnotatorAgreement {
	var votes []Vote
	for _, c := range b.comparisons {
		item := c.id.String()
		for _, v := range c.votes {
			votes = append(votes, Vote{Item: item,
				Annotator: b.annotators[v.annotator].ref.ID.String(), Category: v.verdict})
		}
	}
	out := map[string]AnnotatorAgreement{}
	for _, a := range MajorityAgreement(votes) {
		out[a.Annotator] = a
	}
	return out
}
