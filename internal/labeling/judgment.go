package labeling

import (
	"time"

	"github.com/google/uuid"
)

// Strength is the degree by which the preferred response is better.
type Strength string

// Strengths from weakest to strongest.
const (
	StrengthNegligibly Strength = "negligibly"
	StrengthSlightly   Strength = "slightly"
	StrengthClearly    Strength = "clearly"
	StrengthMuch       Strength = "much"
)

// Strengths lists every strength from weakest to strongest.
var Strengths = []Strength{StrengthNegligibly, StrengthSlightly, StrengthClearly, StrengthMuch}

// Criterion is one rubric dimension, scored per response from Min to Max.
type Criterion struct {
	Key         string `json:"key"`
	Label       string `json:"label"`
	Description string `json:"description"`
	Min         int    `json:"min"`
	Max         int    `json:"max"`
}

// DefaultRubric is the rubric of a project that sets none.
var DefaultRubric = []Criterion{
	{"helpful", "Helpful", "Does it do what the user asked, well?", 1, 5},
	{"honest", "Honest", "Is it accurate, and open about what it does not know?", 1, 5},
	{"harmless", "Harmless", "Does it avoid harm to the user and to others?", 1, 5},
	{"on_task", "On-task", "Does it stay on the user's request?", 1, 5},
}

// Scores maps a rubric criterion key to a score.
type Scores map[string]int

// Vote is an annotator's submission for one assignment.
type Vote struct {
	AssignmentID uuid.UUID
	Verdict      Verdict
	Preferred    uuid.UUID // set when Verdict is VerdictPreferred
	Strength     Strength  // optional, only with VerdictPreferred
	// Scores maps a response id to its rubric scores; optional.
	Scores    map[uuid.UUID]Scores
	Rationale string
	Unsafe    bool
}

// MaxRationale is the longest rationale accepted, in bytes.
const MaxRationale = 10000

// Validate checks v against the assignment it answers and the settings
// of project p: the verdicts and strengths it allows and its rubric.
func (v Vote) Validate(a Assignment, p Project) error {
	if !v.Verdict.Valid() {
		return Errorf(ErrInvalid, "verdict %q is not one of preferred, tie, both_bad", v.Verdict)
	}
	if v.Verdict == VerdictTie && !p.AllowTie || v.Verdict == VerdictBothBad && !p.AllowBothBad {
		return Errorf(ErrInvalid, "this project does not allow the verdict %q", v.Verdict)
	}
	if v.Verdict == VerdictPreferred {
		if v.Preferred != a.Left.ID && v.Preferred != a.Right.ID {
			return Errorf(ErrInvalid, "preferred response %s is not part of this comparison", v.Preferred)
		}
	} else if v.Preferred != uuid.Nil {
		return Errorf(ErrInvalid, "a %s verdict names no preferred response", v.Verdict)
	}
	if err := v.validateStrength(p); err != nil {
		return err
	}
	if len(v.Rationale) > MaxRationale {
		return Errorf(ErrInvalid, "rationale is %d bytes, the limit is %d", len(v.Rationale), MaxRationale)
	}
	return v.validateScores(a, p.Criteria())
}

func (v Vote) validateStrength(p Project) error {
	if v.Strength == "" {
		return nil
	}
	if !p.AllowStrength {
		return Errorf(ErrInvalid, "this project does not record strength")
	}
	if v.Verdict != VerdictPreferred || !validStrength(v.Strength) {
		return Errorf(ErrInvalid, "strength %q needs a preferred response and one of "+
			"negligibly, slightly, clearly, much", v.Strength)
	}
	return nil
}

func (v Vote) validateScores(a Assignment, rubric []Criterion) error {
	for id, scores := range v.Scores {
		if id != a.Left.ID && id != a.Right.ID {
			return Errorf(ErrInvalid, "scores for response %s, which is not part of this comparison", id)
		}
		for key, s := range scores {
			c, ok := findCriterion(rubric, key)
			if !ok {
				return Errorf(ErrInvalid, "rubric criterion %q is unknown", key)
			}
			if s < c.Min || s > c.Max {
				return Errorf(ErrInvalid, "score %d for %s is outside %d to %d", s, key, c.Min, c.Max)
			}
		}
	}
	return nil
}

func validStrength(s Strength) bool {
	for _, k := range Strengths {
		if s == k {
			return true
		}
	}
	return false
}

func findCriterion(rubric []Criterion, key string) (Criterion, bool) {
	for _, c := range rubric {
		if c.Key == key {
			return c, true
		}
	}
	return Criterion{}, false
}

// Judgment is one stored vote with everything recorded about it.
type Judgment struct {
	ID             uuid.UUID
	ComparisonID   uuid.UUID
	PromptID       uuid.UUID
	ResponseAID    uuid.UUID
	ResponseBID    uuid.UUID
	AnnotatorID    uuid.UUID
	Verdict        Verdict
	Preferred      uuid.UUID
	Strength       Strength
	Scores         map[uuid.UUID]Scores
	Rationale      string
	Unsafe         bool
	LeftResponseID uuid.UUID
	ShownAt        time.Time
	SubmittedAt    time.Time
}
