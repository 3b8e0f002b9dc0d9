package server

import (
	"net/http"

	"github.com/pairwise/pairwise/web"
)

// guidelinesPage shows the project's guidelines, with a start button to a
// member who has not accepted them yet.
func (s *Server) guidelinesPage(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	seen, err := s.db.GuidelinesSeen(r.Context(), p.ID, userFrom(r.Context()).ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := web.GuidelinesPage{Page: s.page(r, p.Name+" guidelines"), Project: p, First: !seen}
	s.render(w, r, http.StatusOK, web.Guidelines(v))
}

func (s *Server) acceptGuidelines(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	if err := s.db.MarkGuidelinesSeen(r.Context(), p.ID, userFrom(r.Context()).ID); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/projects/"+p.ID.String()+"/label", http.StatusSeeOther)
}

// guidelinesPending reports whether the user must read the project's
// guidelines before labeling.
func (s *Server) guidelinesPending(r *http.Request) (bool, error) {
	p := projectFrom(r.Context())
	if p.Guidelines == "" {
		return false, nil
	}
	seen, err := s.db.GuidelinesSeen(r.Context(), p.ID, userFrom(r.Context()).ID)
	return !seen, err
}
