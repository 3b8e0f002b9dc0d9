package labeling

import (
	"time"

	"github.com/google/uuid"
)

// Role of a user account.
const (
	UserAdmin     = "admin"
	UserAnnotator = "annotator"
)

// User is an account that can log in.
type User struct {
	ID        uuid.UUID
	Email     string
	Role      string
	CreatedAt time.Time
}

// IsAdmin reports whether u may import, export and manage users.
func (u User) IsAdmin() bool { return u.Role == UserAdmin }

// Project is a set of comparisons labelled together.
type Project struct {
	ID          uuid.UUID
	Name        string
	Description string
	// JudgmentsWanted is how many annotators judge each comparison.
	JudgmentsWanted int
	// Lease is how long an annotator holds a comparison before it goes
	// back to the pool.
	Lease     time.Duration
	CreatedAt time.Time
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
}

// Progress is what one annotator has done in a project and what is left.
type Progress struct {
	Done int // judgments by this annotator
	Left int // comparisons this annotator could still be given
}

// Preference is a comparison whose judgments name a majority winner: the
// chosen response got more than half of all its votes.
type Preference struct {
	ComparisonID uuid.UUID
	Prompt       Conversation
	Chosen       Response
	Rejected     Response
	Votes        int // votes for Chosen
	Total        int // all judgments, ties and both-bad included
}
