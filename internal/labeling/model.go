package labeling

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Roles of a user account: admins do everything, researchers run the
// projects they belong to, annotators label in theirs.
const (
	UserAdmin      = "admin"
	UserResearcher = "researcher"
	UserAnnotator  = "annotator"
)

// User is an account that can log in with its email or display name.
type User struct {
	ID          uuid.UUID
	Email       string // empty for a student who joined with a code
	DisplayName string // empty unless chosen
	Role        string
	CreatedAt   time.Time
}

// IsAdmin reports whether u may do everything, in every project.
func (u User) IsAdmin() bool { return u.Role == UserAdmin }

// CanCreateProjects reports whether u may create projects.
func (u User) CanCreateProjects() bool { return u.Role == UserAdmin || u.Role == UserResearcher }

// Name returns how u is shown to others: the display name, else the email.
func (u User) Name() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Email
}

// Project is a set of comparisons labelled together, with its settings.
type Project struct {
	ID          uuid.UUID
	Name        string
	Description string
	// Guidelines is markdown shown to annotators before their first
	// judgment and on request.
	Guidelines string
	// Rubric is the project's criteria; empty means DefaultRubric.
	Rubric []Criterion
	// Which verdicts and details annotators may give.
	AllowTie, AllowBothBad, AllowStrength bool
	// JudgmentsWanted is how many annotators judge each comparison.
	JudgmentsWanted int
	// Lease is how long an annotator holds a comparison before it goes
	// back to the pool.
	Lease time.Duration
	// MaxOpenLeases is the most comparisons one annotator may hold at once.
	MaxOpenLeases int
	// GoldShare is the share of assignments drawn from gold comparisons.
	GoldShare float64
	// GoldThreshold is the gold accuracy below which an annotator is
	// flagged on the dashboard.
	GoldThreshold float64
	CreatedAt     time.Time
}

// NewProject returns a project named name with the default settings.
func NewProject(name string) Project {
	return Project{Name: name, AllowTie: true, AllowBothBad: true, AllowStrength: true,
		JudgmentsWanted: 1, Lease: 15 * time.Minute, MaxOpenLeases: 1, GoldThreshold: 0.7}
}

// Criteria returns the rubric annotators score against.
func (p Project) Criteria() []Criterion {
	if len(p.Rubric) == 0 {
		return DefaultRubric
	}
	return p.Rubric
}

// Validate checks the settings of p.
func (p Project) Validate() error {
	switch {
	case p.Name == "":
		return Errorf(ErrInvalid, "project name is empty")
	case utf8.RuneCountInString(p.Name) > 200:
		return Errorf(ErrInvalid, "project name is %d characters, the limit is 200", utf8.RuneCountInString(p.Name))
	case p.JudgmentsWanted < 1 || p.JudgmentsWanted > 100:
		return Errorf(ErrInvalid, "judgments per comparison is %d, want 1 to 100", p.JudgmentsWanted)
	case p.Lease < time.Second || p.Lease > 7*24*time.Hour:
		return Errorf(ErrInvalid, "lease is %s, want 1s to 168h", p.Lease)
	case p.MaxOpenLeases < 1 || p.MaxOpenLeases > 1000:
		return Errorf(ErrInvalid, "open leases per annotator is %d, want 1 to 1000", p.MaxOpenLeases)
	case p.GoldShare < 0 || p.GoldShare > 1:
		return Errorf(ErrInvalid, "gold share is %g, want 0 to 1", p.GoldShare)
	case p.GoldThreshold < 0 || p.GoldThreshold > 1:
		return Errorf(ErrInvalid, "gold accuracy threshold is %g, want 0 to 1", p.GoldThreshold)
	}
	return validateRubric(p.Rubric)
}

var criterionKey = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

func validateRubric(rubric []Criterion) error {
	seen := map[string]bool{}
	for i, c := range rubric {
		switch {
		case !criterionKey.MatchString(c.Key):
			return Errorf(ErrInvalid, "rubric criterion %d has key %q; use 1 to 40 lowercase letters, digits "+
				"and underscores", i+1, c.Key)
		case strings.TrimSpace(c.Label) == "":
			return Errorf(ErrInvalid, "rubric criterion %q has no label", c.Key)
		case seen[c.Key]:
			return Errorf(ErrInvalid, "rubric key %q appears twice", c.Key)
		case c.Min >= c.Max || c.Min < -100 || c.Max > 100:
			return Errorf(ErrInvalid, "rubric criterion %q has scale %d to %d, want min < max within -100 to 100",
				c.Key, c.Min, c.Max)
		}
		seen[c.Key] = true
	}
	return nil
}

// ProjectStats counts a project's comparisons and judgments.
type ProjectStats struct {
	Comparisons int
	Judged      int // comparisons with all the judgments wanted
	Judgments   int
}

// Response is one candidate reply to a prompt.
type Response struct {
	ID      uuid.UUID
	Content string
	Model   string
}

// Assignment is a comparison leased to one annotator, in the side order
// that this annotator sees.
type Assignment struct {
	ID           uuid.UUID
	ComparisonID uuid.UUID
	ProjectID    uuid.UUID
	Prompt       Conversation
	Left, Right  Response
	ShownAt      time.Time
	ExpiresAt    time.Time
	// Prefill is the vote that an undo took back, to fill the form with.
	Prefill *Vote
}

// MaxCountedLeft is the most open comparisons that Progress counts.
const MaxCountedLeft = 1000

// Progress is one annotator's count of finished and remaining work in a project.
type Progress struct {
	Done int  // judgments by this annotator
	Left int  // comparisons this annotator could still be given, at most MaxCountedLeft
	More bool // set when more than MaxCountedLeft are left
}

// Preference is a comparison with a winner: the response a researcher
// chose when adjudicating, or else the one with more than half of all
// its votes.
type Preference struct {
	ComparisonID uuid.UUID
	Prompt       Conversation
	Chosen       Response
	Rejected     Response
	Votes        int // votes for Chosen
	Total        int // all judgments, ties and both-bad included
	// Adjudicated is set when a researcher's verdict chose the winner.
	Adjudicated bool
}
