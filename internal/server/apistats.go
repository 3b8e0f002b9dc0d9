package server

import (
	"net/http"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
)

// statsJSON is the body of a GET /api/v1/projects/{id}/stats response.
type statsJSON struct {
	ProjectID       uuid.UUID `json:"project_id"`
	Comparisons     int       `json:"comparisons"`
	JudgmentsWanted int       `json:"judgments_wanted"`
	FullyJudged     int       `json:"fully_judged"`
	Judgments       int       `json:"judgments"`
	Skips           int       `json:"skips"`
	GoldComparisons int       `json:"gold_comparisons"`
	Adjudicated     int       `json:"adjudicated"`
	// Members maps each member role to its number of members.
	Members    map[string]int       `json:"members"`
	Annotators []annotatorStatsJSON `json:"annotators"`
}

type annotatorStatsJSON struct {
	UserID uuid.UUID `json:"user_id"`
	Name   string    `json:"name"`
	// MemberRole is "" for someone who is not a member of the project.
	MemberRole string `json:"member_role"`
	Judgments  int    `json:"judgments"`
	Skips      int    `json:"skips"`
}

// apiStats returns the project's counts of comparisons, judgments, skips,
// gold answers, adjudications and members, and each annotator's work.
func (s *Server) apiStats(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	c, err := s.db.ProjectCounts(r.Context(), p.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newStatsJSON(p, c))
}

func newStatsJSON(p labeling.Project, c store.ProjectCounts) statsJSON {
	out := statsJSON{
		ProjectID: p.ID, Comparisons: c.Comparisons, JudgmentsWanted: p.JudgmentsWanted,
		FullyJudged: c.FullyJudged, Judgments: c.Judgments, Skips: c.Skips,
		GoldComparisons: c.Gold, Adjudicated: c.Adjudicated,
		Members: map[string]int{
			labeling.UserResearcher: c.Members[labeling.UserResearcher],
			labeling.UserAnnotator:  c.Members[labeling.UserAnnotator],
		},
		Annotators: make([]annotatorStatsJSON, len(c.Annotators)),
	}
	for i, a := range c.Annotators {
		out.Annotators[i] = annotatorStatsJSON{UserID: a.User.ID, Name: a.User.Name(),
			MemberRole: a.MemberRole, Judgments: a.Judgments, Skips: a.Skips}
	}
	return out
}
