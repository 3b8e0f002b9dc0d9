package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/web"
)

// labelPage shows the annotator's current lease in the project, leasing
// the next comparison when they hold none.
func (s *Server) labelPage(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	user := userFrom(r.Context())
	pending, err := s.guidelinesPending(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if pending {
		http.Redirect(w, r, "/projects/"+p.ID.String()+"/guidelines", http.StatusSeeOther)
		return
	}
	a, err := s.db.NextAssignment(r.Context(), p, user.ID)
	if err != nil && !errors.Is(err, labeling.ErrNotFound) {
		s.fail(w, r, err)
		return
	}
	progress, perr := s.db.Progress(r.Context(), p, user.ID)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	if err != nil {
		v := web.DonePage{Page: s.page(r, p.Name), Project: p, Progress: progress}
		s.render(w, r, http.StatusOK, web.Done(v))
		return
	}
	v := web.LabelPage{Page: s.page(r, p.Name), Project: p, Assignment: a, Progress: progress}
	s.render(w, r, http.StatusOK, web.Label(v))
}

// submitJudgment stores the form's vote and redirects to the next pair.
// A repeated submit of the same assignment redirects the same way.
func (s *Server) submitJudgment(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	user := userFrom(r.Context())
	vote, err := parseVote(r)
	if err == nil {
		err = s.checkAssignmentProject(r, vote.AssignmentID, p)
	}
	if err == nil {
		_, _, err = s.db.Submit(r.Context(), user.ID, vote)
	}
	next := "/projects/" + p.ID.String() + "/label"
	switch {
	case err == nil:
		http.Redirect(w, r, next, http.StatusSeeOther)
	case errors.Is(err, labeling.ErrConflict):
		http.Redirect(w, r, next+"?notice=lease-lost", http.StatusSeeOther)
	case errors.Is(err, labeling.ErrInvalid):
		s.log.Warn("judgment rejected", "user_id", user.ID, "assignment_id", vote.AssignmentID, "error", err)
		s.renderLabelAgain(w, r, p, vote.AssignmentID, err)
	default:
		s.fail(w, r, err)
	}
}

// checkAssignmentProject returns an ErrNotFound error unless the user's
// assignment belongs to project p, so a URL cannot mix two projects.
func (s *Server) checkAssignmentProject(r *http.Request, assignmentID uuid.UUID, p labeling.Project) error {
	a, err := s.db.Assignment(r.Context(), assignmentID, userFrom(r.Context()).ID)
	if err != nil {
		return err
	}
	if a.ProjectID != p.ID {
		return labeling.Errorf(labeling.ErrNotFound, "assignment %s not found in project %s", assignmentID, p.Name)
	}
	return nil
}

// renderLabelAgain shows the assignment again with the reason its vote
// was rejected.
func (s *Server) renderLabelAgain(w http.ResponseWriter, r *http.Request, p labeling.Project,
	assignmentID uuid.UUID, cause error) {
	user := userFrom(r.Context())
	a, err := s.db.Assignment(r.Context(), assignmentID, user.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	progress, err := s.db.Progress(r.Context(), p, user.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := web.LabelPage{Page: s.page(r, p.Name), Project: p, Assignment: a, Progress: progress,
		Errors: []string{cause.Error()}}
	s.render(w, r, http.StatusUnprocessableEntity, web.Label(v))
}

// parseVote reads the labeling form. The verdict field holds the
// preferred response's id, "tie" or "both_bad"; score fields are named
// score_<response id>_<criterion>.
func parseVote(r *http.Request) (labeling.Vote, error) {
	var v labeling.Vote
	id, err := uuid.Parse(chi.URLParam(r, "assignmentID"))
	if err != nil {
		return v, labeling.Errorf(labeling.ErrNotFound, "assignment %q not found", chi.URLParam(r, "assignmentID"))
	}
	v.AssignmentID = id
	if err := r.ParseForm(); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return v, err
		}
		return v, labeling.Errorf(labeling.ErrInvalid, "read form: %v", err)
	}

	switch verdict := r.PostForm.Get("verdict"); verdict {
	case "":
		return v, labeling.Errorf(labeling.ErrInvalid, "choose a verdict: A, B, tie or both bad")
	case string(labeling.VerdictTie), string(labeling.VerdictBothBad):
		v.Verdict = labeling.Verdict(verdict)
	default:
		preferred, err := uuid.Parse(verdict)
		if err != nil {
			return v, labeling.Errorf(labeling.ErrInvalid, "verdict %q is not a response id, tie or both_bad", verdict)
		}
		v.Verdict, v.Preferred = labeling.VerdictPreferred, preferred
	}

	v.Strength = labeling.Strength(r.PostForm.Get("strength"))
	if v.Verdict != labeling.VerdictPreferred {
		v.Strength = "" // a strength picked before switching to tie means nothing
	}
	v.Rationale = r.PostForm.Get("rationale")
	v.Unsafe = r.PostForm.Get("unsafe") != ""
	v.Scores, err = parseScores(r)
	return v, err
}

func parseScores(r *http.Request) (map[uuid.UUID]labeling.Scores, error) {
	scores := map[uuid.UUID]labeling.Scores{}
	for name, values := range r.PostForm {
		rest, ok := strings.CutPrefix(name, "score_")
		if !ok || len(values) == 0 || values[0] == "" {
			continue
		}
		rawID, key, ok := strings.Cut(rest, "_")
		id, err := uuid.Parse(rawID)
		if !ok || err != nil {
			return nil, labeling.Errorf(labeling.ErrInvalid, "score field %q is not score_<response id>_<criterion>", name)
		}
		n, err := strconv.Atoi(values[0])
		if err != nil {
			return nil, labeling.Errorf(labeling.ErrInvalid, "score %q for %s is not a whole number", values[0], key)
		}
		if scores[id] == nil {
			scores[id] = labeling.Scores{}
		}
		scores[id][key] = n
	}
	return scores, nil
}

// skipAssignment passes on the comparison with a reason and shows the next.
func (s *Server) skipAssignment(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	user := userFrom(r.Context())
	id, err := uuid.Parse(chi.URLParam(r, "assignmentID"))
	if err != nil {
		s.fail(w, r, labeling.Errorf(labeling.ErrNotFound, "assignment %q not found", chi.URLParam(r, "assignmentID")))
		return
	}
	if err := s.checkAssignmentProject(r, id, p); err != nil {
		s.fail(w, r, err)
		return
	}
	err = s.db.Skip(r.Context(), user.ID, id, r.PostFormValue("reason"))
	if errors.Is(err, labeling.ErrInvalid) {
		s.renderLabelAgain(w, r, p, id, err)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("comparison skipped", "user_id", user.ID, "assignment_id", id)
	http.Redirect(w, r, "/projects/"+p.ID.String()+"/label?notice=skipped", http.StatusSeeOther)
}

// undoJudgment takes back the user's last judgment in the project and
// shows that comparison again with the old answers filled in.
func (s *Server) undoJudgment(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	user := userFrom(r.Context())
	a, err := s.db.UndoLast(r.Context(), p, user.ID)
	if errors.Is(err, labeling.ErrNotFound) {
		http.Redirect(w, r, "/projects/"+p.ID.String()+"/label?notice=nothing-to-undo", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("judgment undone", "user_id", user.ID, "comparison_id", a.ComparisonID)
	http.Redirect(w, r, "/projects/"+p.ID.String()+"/label", http.StatusSeeOther)
}
