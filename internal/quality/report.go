package quality

import (
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Verdict categories of a pairwise judgment, numbered by the comparison's
// stored response pair (A and B), whichever side each was shown on.
const (
	PreferA = iota // response A is better
	PreferB        // response B is better
	Tie
	BothBad
	// VerdictCategories is the number of verdict categories.
	VerdictCategories
)

// MaxStrength is the strongest preference strength: 1 is negligibly
// better, 2 slightly, 3 clearly and 4 much better.
const MaxStrength = 4

// NoGold is Rating.Gold for a comparison without a gold answer.
const NoGold = -1

// Rating is one annotator's judgment of one comparison, reduced to what a
// Report reads. A and B are the comparison's stored responses.
type Rating struct {
	Comparison    uuid.UUID
	Annotator     uuid.UUID
	AnnotatorName string
	// Verdict is PreferA, PreferB, Tie or BothBad.
	Verdict int
	// Strength is 1 to MaxStrength for a preferred verdict that has one,
	// else 0.
	Strength int
	// ScoresA and ScoresB map a rubric criterion key to the score the
	// annotator gave response A and B; either may be nil.
	ScoresA, ScoresB map[string]int
	// LeftIsA is set when response A was shown on the left.
	LeftIsA bool
	// LengthA and LengthB are the responses' lengths in characters.
	LengthA, LengthB int
	ShownAt          time.Time
	SubmittedAt      time.Time
	// Gold is the verdict category of the comparison's gold answer, or
	// NoGold.
	Gold int
}

// preferred reports whether r names a better response.
func (r Rating) preferred() bool {
	return r.Verdict == PreferA || r.Verdict == PreferB
}

// signedStrength returns the strength with the sign of the side preferred
// (positive for A), 0 for a tie, and false for a both-bad verdict or a
// preference without a strength.
func (r Rating) signedStrength() (float64, bool) {
	switch {
	case r.Verdict == Tie:
		return 0, true
	case r.Verdict == PreferA && r.Strength > 0:
		return float64(r.Strength), true
	case r.Verdict == PreferB && r.Strength > 0:
		return -float64(r.Strength), true
	}
	return 0, false
}

func (r Rating) duration() time.Duration {
	return max(r.SubmittedAt.Sub(r.ShownAt), 0)
}

func (r Rating) check() error {
	switch {
	case r.Verdict < 0 || r.Verdict >= VerdictCategories:
		return fmt.Errorf("report: judgment of comparison %s has verdict %d, "+
			"want 0..%d", r.Comparison, r.Verdict, VerdictCategories-1)
	case r.Strength < 0 || r.Strength > MaxStrength:
		return fmt.Errorf("report: judgment of comparison %s has strength %d, "+
			"want 0..%d", r.Comparison, r.Strength, MaxStrength)
	case r.Gold < NoGold || r.Gold >= VerdictCategories:
		return fmt.Errorf("report: comparison %s has gold answer %d, "+
			"want %d..%d", r.Comparison, r.Gold, NoGold, VerdictCategories-1)
	}
	return nil
}

// ReportOptions are the project settings that a Report depends on.
type ReportOptions struct {
	// Overlap is the number of judgments each comparison is meant to get.
	// Fleiss' kappa uses the comparisons with exactly this many.
	Overlap int
	// GoldThreshold is the gold accuracy below which an annotator needs
	// review.
	GoldThreshold float64
	// Criteria lists the rubric criterion keys to compute alpha for, in
	// display order. Scores for other keys are ignored.
	Criteria []string
	// MaxActive caps the time one judgment adds to the active time behind
	// judgments per hour.
	MaxActive time.Duration
}

// Statistic is a number computed from N observations. OK is false when
// there were too few observations to compute it, and Value is then 0.
type Statistic struct {
	Value float64
	N     int
	OK    bool
}

// Share is a proportion with its 95% Wilson interval. OK is false when N
// is zero.
type Share struct {
	Successes int
	N         int
	Interval  ConfidenceInterval
	OK        bool
}

// PairAgreement is Cohen's kappa over the verdicts of two annotators on
// the comparisons they both judged; Kappa.N counts those comparisons.
type PairAgreement struct {
	A, B  AnnotatorRef
	Kappa Statistic
}

// AnnotatorRef names an annotator.
type AnnotatorRef struct {
	ID   uuid.UUID
	Name string
}

// CriterionAlpha is Krippendorff's interval alpha of one rubric criterion.
type CriterionAlpha struct {
	Key   string
	Alpha Statistic
}

// AnnotatorReport is one annotator's line of the report.
type AnnotatorReport struct {
	AnnotatorRef
	Judgments   int
	GoldJudged  int
	GoldCorrect int
	// GoldAccuracy is GoldCorrect / GoldJudged.
	GoldAccuracy Statistic
	// NeedsReview is set when GoldAccuracy is below the threshold.
	NeedsReview bool
	// Majority is the share of the annotator's votes that match the
	// majority of the other annotators, over the votes where the others
	// had a strict majority.
	Majority Statistic
	// MedianSeconds is the median time from showing a comparison to
	// submitting the judgment, in seconds.
	MedianSeconds Statistic
	// PerHour is judgments per hour of active time.
	PerHour Statistic
}

// Report is the label quality of one project.
type Report struct {
	Judgments   int
	Comparisons int // comparisons with at least one judgment
	// Pairs lists every pair of annotators who judged a comparison in
	// common, most shared comparisons first.
	Pairs []PairAgreement
	// MeanPairKappa is the mean of the pairs' kappas weighted by their
	// shared comparisons; N counts the pairs.
	MeanPairKappa Statistic
	// Fleiss is Fleiss' kappa over the comparisons with exactly Overlap
	// judgments; N counts those comparisons.
	Fleiss Statistic
	// AlphaVerdict is Krippendorff's nominal alpha over verdicts.
	// AlphaStrength is the interval alpha over signed strengths: +1 to +4
	// when A is better, -1 to -4 when B is, 0 for a tie, with both-bad
	// verdicts and preferences without a strength left out. N counts the
	// comparisons with at least two values.
	AlphaVerdict  Statistic
	AlphaStrength Statistic
	// AlphaCriteria is the interval alpha of each rubric criterion, whose
	// units are (comparison, response) pairs.
	AlphaCriteria []CriterionAlpha
	// Majority is the agreement with the majority over all annotators.
	Majority Statistic
	// Position is the share of preferences for the response shown on the
	// left. Length is the share of preferences for the longer response,
	// leaving out comparisons whose responses are equally long.
	Position Share
	Length   Share
	// MedianSeconds and PerHour are as in AnnotatorReport, over everyone.
	MedianSeconds Statistic
	PerHour       Statistic
	// Annotators is sorted by name.
	Annotators []AnnotatorReport
}
