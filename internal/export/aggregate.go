package export

import (
	"fmt"
	"math"

	"github.com/pairwise/pairwise/internal/labeling"
)

// Positions of the two responses of a comparison. ResponseA and ResponseB
// are the comparison's response a and response b, whichever side each was
// shown on.
const (
	NoResponse = -1
	ResponseA  = 0
	ResponseB  = 1
)

// Class is one of the four verdicts on a comparison, with the preferred
// response folded in: a, b, tie or both bad.
type Class int

// Classes, in the order of posterior and confusion arrays.
const (
	ClassA       Class = iota // response a is preferred
	ClassB                    // response b is preferred
	ClassTie                  // neither is better
	ClassBothBad              // neither is acceptable
)

// NumClasses is the number of classes.
const NumClasses = 4

// String returns the class as a short name: a, b, tie or both_bad.
func (c Class) String() string {
	switch c {
	case ClassA:
		return "a"
	case ClassB:
		return "b"
	case ClassTie:
		return "tie"
	case ClassBothBad:
		return "both_bad"
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// classOf maps a verdict and a preferred position to a class.
func classOf(verdict labeling.Verdict, preferred int) (Class, error) {
	switch verdict {
	case labeling.VerdictPreferred:
		switch preferred {
		case ResponseA:
			return ClassA, nil
		case ResponseB:
			return ClassB, nil
		}
		return 0, labeling.Errorf(labeling.ErrInvalid,
			"preferred response %d is not 0 (response a) or 1 (response b)", preferred)
	case labeling.VerdictTie, labeling.VerdictBothBad:
		if preferred != NoResponse {
			return 0, labeling.Errorf(labeling.ErrInvalid,
				"a %s verdict names no preferred response, so Preferred must be -1, not %d",
				verdict, preferred)
		}
		if verdict == labeling.VerdictTie {
			return ClassTie, nil
		}
		return ClassBothBad, nil
	}
	return 0, labeling.Errorf(labeling.ErrInvalid,
		"verdict %q is not one of preferred, tie, both_bad", verdict)
}

// Vote is one annotator's verdict on a comparison.
type Vote struct {
	Annotator string
	Verdict   labeling.Verdict
	// Preferred is ResponseA or ResponseB with VerdictPreferred, and
	// NoResponse with any other verdict.
	Preferred int
	Strength  labeling.Strength // optional, only with VerdictPreferred
}

// class checks v and returns its class.
func (v Vote) class() (Class, error) {
	c, err := classOf(v.Verdict, v.Preferred)
	if err != nil {
		return 0, err
	}
	if v.Strength == "" {
		return c, nil
	}
	if v.Verdict != labeling.VerdictPreferred {
		return 0, labeling.Errorf(labeling.ErrInvalid,
			"strength %q needs a preferred verdict, not %s", v.Strength, v.Verdict)
	}
	if _, ok := DefaultMargins.Value(v.Strength); !ok {
		return 0, labeling.Errorf(labeling.ErrInvalid,
			"strength %q is not one of negligibly, slightly, clearly, much", v.Strength)
	}
	return c, nil
}

// VoteOf converts a stored judgment into a vote that names the preferred
// response by its position in the comparison. The annotator is named by
// the string form of its id.
func VoteOf(j labeling.Judgment) (Vote, error) {
	v := Vote{
		Annotator: j.AnnotatorID.String(),
		Verdict:   j.Verdict,
		Preferred: NoResponse,
		Strength:  j.Strength,
	}
	if j.Verdict != labeling.VerdictPreferred {
		return v, nil
	}
	switch j.Preferred {
	case j.ResponseAID:
		v.Preferred = ResponseA
	case j.ResponseBID:
		v.Preferred = ResponseB
	default:
		return Vote{}, fmt.Errorf(
			"judgment %s prefers response %s, which is not part of comparison %s",
			j.ID, j.Preferred, j.ComparisonID)
	}
	return v, nil
}

// Adjudication is a researcher's verdict on a comparison. It overrides
// every policy: a preferred verdict sets the winner, and a tie or
// both-bad verdict sets that outcome, regardless of the votes.
type Adjudication struct {
	Verdict   labeling.Verdict
	Preferred int // as in Vote
}

// ItemVotes is one comparison with every vote on it.
type ItemVotes struct {
	Item         string // the comparison's id, used in error messages
	Votes        []Vote
	Adjudication *Adjudication // nil unless a researcher settled it
}

// Outcome is the label a policy gives one comparison.
type Outcome struct {
	// Winner is ResponseA or ResponseB when Verdict is VerdictPreferred,
	// and NoResponse otherwise.
	Winner int
	// Verdict is VerdictPreferred, VerdictTie or VerdictBothBad, or empty
	// when the policy reached no label.
	Verdict labeling.Verdict
	// Votes counts every vote, ties and both-bad included.
	Votes int
	// Agreeing counts the votes in the outcome's class or, without a
	// label, in the most common class.
	Agreeing int
	// Agreement is Agreeing/Votes, and 0 without votes.
	Agreement float64
	// Support is the value the policy compared with its threshold: the
	// share of votes (Majority, Unanimous), the share of weight
	// (StrengthWeighted) or the posterior probability
	// (AnnotatorWeighted) of the leading class. It is 1 when adjudicated.
	Support float64
	// Margin is the mean of Options.Margins over the winner's votes that
	// carry a strength, and 0 without a winner or without such votes.
	Margin      float64
	Adjudicated bool
	// Keep reports whether an exporter writes the comparison: always with
	// a winner, with a both-bad outcome only under Options.KeepBothBad,
	// and never for a tie or no label.
	Keep bool
}

// Policy turns the votes on comparisons into one outcome per comparison.
type Policy interface {
	// Aggregate returns the outcomes of items in the same order, or an
	// ErrInvalid error for an invalid setting or vote.
	Aggregate(items []ItemVotes) ([]Outcome, error)
}

// StrengthScale assigns a number to each strength.
type StrengthScale struct {
	Negligibly, Slightly, Clearly, Much float64
}

// DefaultMargins maps strengths to reward margins: each step up doubles
// the margin, from 0.25 for negligibly to 2 for much better.
var DefaultMargins = StrengthScale{Negligibly: 0.25, Slightly: 0.5, Clearly: 1, Much: 2}

// DefaultStrengthWeights maps strengths to vote weights in
// StrengthWeighted, evenly from 0.25 to 1.
var DefaultStrengthWeights = StrengthScale{Negligibly: 0.25, Slightly: 0.5, Clearly: 0.75, Much: 1}

// Value returns the number for strength s, and false for an unknown or
// empty strength.
func (sc StrengthScale) Value(s labeling.Strength) (float64, bool) {
	switch s {
	case labeling.StrengthNegligibly:
		return sc.Negligibly, true
	case labeling.StrengthSlightly:
		return sc.Slightly, true
	case labeling.StrengthClearly:
		return sc.Clearly, true
	case labeling.StrengthMuch:
		return sc.Much, true
	}
	return 0, false
}

// orDefault returns def when sc is the zero value, and sc otherwise.
func (sc StrengthScale) orDefault(def StrengthScale) StrengthScale {
	if sc == (StrengthScale{}) {
		return def
	}
	return sc
}

func (sc StrengthScale) validate(name string) error {
	for _, s := range labeling.Strengths {
		v, _ := sc.Value(s)
		if err := checkNonNegative(fmt.Sprintf("%s for %s", name, s), v); err != nil {
			return err
		}
	}
	return nil
}

func checkNonNegative(name string, v float64) error {
	if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return labeling.Errorf(labeling.ErrInvalid,
			"%s is %g; use a finite number of 0 or more", name, v)
	}
	return nil
}

// checkShare checks a threshold that a share must exceed.
func checkShare(name string, v float64) error {
	if !(v >= 0 && v < 1) {
		return labeling.Errorf(labeling.ErrInvalid, "%s is %g; use a share from 0 up "+
			"to but not including 1, such as 0.5 for more than half", name, v)
	}
	return nil
}

// orDefault returns def when v is 0, and v otherwise.
func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// Options holds the rules that every policy shares.
type Options struct {
	// MinVotes is the fewest votes a comparison needs for a label; 0
	// means 1. An adjudicated comparison needs none.
	MinVotes int
	// KeepBothBad keeps comparisons whose outcome is both bad, for
	// writers such as KTO that emit each response as an undesirable
	// example. Ties are always dropped.
	KeepBothBad bool
	// Margins maps strengths to reward margins; the zero value means
	// DefaultMargins.
	Margins StrengthScale
}

func (o Options) validate() error {
	if o.MinVotes < 0 {
		return labeling.Errorf(labeling.ErrInvalid,
			"minimum votes is %d; use 1 or more, or 0 for the default of 1", o.MinVotes)
	}
	return o.Margins.validate("margin")
}

// enough reports whether n votes meet MinVotes.
func (o Options) enough(n int) bool {
	return n >= max(o.MinVotes, 1)
}

// tally is the votes of one comparison with their classes, checked.
type tally struct {
	votes   []Vote
	classes []Class
	counts  [NumClasses]int
}

func newTally(votes []Vote) (tally, error) {
	t := tally{votes: votes, classes: make([]Class, len(votes))}
	for i, v := range votes {
		c, err := v.class()
		if err != nil {
			return tally{}, fmt.Errorf("vote %d by %q: %w", i+1, v.Annotator, err)
		}
		t.classes[i] = c
		t.counts[c]++
	}
	return t, nil
}

// shares returns each class's share of the votes, all 0 without votes.
func (t tally) shares() [NumClasses]float64 {
	var s [NumClasses]float64
	if len(t.votes) == 0 {
		return s
	}
	for c, n := range t.counts {
		s[c] = float64(n) / float64(len(t.votes))
	}
	return s
}

// leader returns the class with the largest value, and false when no
// value is positive or when two classes share the largest.
func leader(values [NumClasses]float64) (Class, bool) {
	best, unique := ClassA, true
	for c := ClassB; c < NumClasses; c++ {
		switch {
		case values[c] > values[best]:
			best, unique = c, true
		case values[c] == values[best]:
			unique = false
		}
	}
	return best, unique && values[best] > 0
}

// outcome builds the outcome of class c for the votes in t, labelled
// when labeled is set and without a label otherwise.
func (o Options) outcome(t tally, c Class, support float64, labeled bool) Outcome {
	out := Outcome{
		Winner:   NoResponse,
		Votes:    len(t.votes),
		Agreeing: t.counts[c],
		Support:  support,
	}
	if out.Votes > 0 {
		out.Agreement = float64(out.Agreeing) / float64(out.Votes)
	}
	if !labeled {
		return out
	}

	switch c {
	case ClassA, ClassB:
		out.Verdict = labeling.VerdictPreferred
		out.Winner = int(c)
		out.Margin = o.margin(t, c)
		out.Keep = true
	case ClassTie:
		out.Verdict = labeling.VerdictTie
	case ClassBothBad:
		out.Verdict = labeling.VerdictBothBad
		out.Keep = o.KeepBothBad
	}
	return out
}

// margin returns the mean margin of the votes for class c that carry a
// strength, and 0 when none does.
func (o Options) margin(t tally, c Class) float64 {
	scale := o.Margins.orDefault(DefaultMargins)
	sum, n := 0.0, 0
	for i, v := range t.votes {
		m, ok := scale.Value(v.Strength)
		if t.classes[i] != c || !ok {
			continue
		}
		sum += m
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// adjudicated returns the outcome that adj sets for the votes in t.
func (o Options) adjudicated(t tally, adj Adjudication) (Outcome, error) {
	c, err := classOf(adj.Verdict, adj.Preferred)
	if err != nil {
		return Outcome{}, fmt.Errorf("adjudication: %w", err)
	}
	out := o.outcome(t, c, 1, true)
	out.Adjudicated = true
	return out, nil
}

// decideEach applies decide to every item and names the item in errors.
func decideEach(items []ItemVotes, decide func(ItemVotes) (Outcome, error)) ([]Outcome, error) {
	outs := make([]Outcome, len(items))
	for i, it := range items {
		out, err := decide(it)
		if err != nil {
			return nil, fmt.Errorf("comparison %q: %w", it.Item, err)
		}
		outs[i] = out
	}
	return outs, nil
}

// Majority labels a comparison with the class of more than MinAgreement
// of all its votes, ties and both-bad votes included in the count. With
// the default 0.5, 2 votes for a and 1 for b make a the winner, while 1
// for a and 1 tie give no label. A tie or both-bad majority gives that
// outcome.
type Majority struct {
	Options
	// MinAgreement is the share of all votes that the leading class must
	// exceed; 0 means 0.5, so more than half.
	MinAgreement float64
}

// Validate returns an ErrInvalid error naming the first invalid setting.
func (m Majority) Validate() error {
	if err := m.Options.validate(); err != nil {
		return err
	}
	return checkShare("minimum agreement", m.MinAgreement)
}

// Decide returns the outcome of one comparison.
func (m Majority) Decide(item ItemVotes) (Outcome, error) {
	if err := m.Validate(); err != nil {
		return Outcome{}, err
	}
	t, err := newTally(item.Votes)
	if err != nil {
		return Outcome{}, err
	}
	if item.Adjudication != nil {
		return m.adjudicated(t, *item.Adjudication)
	}

	shares := t.shares()
	c, ok := leader(shares)
	ok = ok && shares[c] > orDefault(m.MinAgreement, 0.5) && m.enough(len(t.votes))
	return m.outcome(t, c, shares[c], ok), nil
}

// Aggregate returns the outcome of each item; see Policy.
func (m Majority) Aggregate(items []ItemVotes) ([]Outcome, error) {
	return decideEach(items, m.Decide)
}

// Unanimous labels a comparison only when every vote, and at least
// MinVotes of them, gives the same class. One dissenting vote, a tie
// included, leaves the comparison without a label.
type Unanimous struct {
	Options
}

// Validate returns an ErrInvalid error naming the first invalid setting.
func (u Unanimous) Validate() error {
	return u.Options.validate()
}

// Decide returns the outcome of one comparison.
func (u Unanimous) Decide(item ItemVotes) (Outcome, error) {
	if err := u.Validate(); err != nil {
		return Outcome{}, err
	}
	t, err := newTally(item.Votes)
	if err != nil {
		return Outcome{}, err
	}
	if item.Adjudication != nil {
		return u.adjudicated(t, *item.Adjudication)
	}

	shares := t.shares()
	c, _ := leader(shares)
	ok := t.counts[c] == len(t.votes) && u.enough(len(t.votes))
	return u.outcome(t, c, shares[c], ok), nil
}

// Aggregate returns the outcome of each item; see Policy.
func (u Unanimous) Aggregate(items []ItemVotes) ([]Outcome, error) {
	return decideEach(items, u.Decide)
}
