package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
)

// assignmentJSON is a leased comparison as the API returns it. Responses
// carry no model name, so that annotators judge them blind.
type assignmentJSON struct {
	AssignmentID uuid.UUID             `json:"assignment_id"`
	ComparisonID uuid.UUID             `json:"comparison_id"`
	Prompt       labeling.Conversation `json:"prompt"`
	Left         responseJSON          `json:"left"`
	Right        responseJSON          `json:"right"`
	ExpiresAt    time.Time             `json:"expires_at"`
}

type responseJSON struct {
	ID      uuid.UUID `json:"id"`
	Content string    `json:"content"`
}

func newAssignmentJSON(a labeling.Assignment) assignmentJSON {
	return assignmentJSON{
		AssignmentID: a.ID, ComparisonID: a.ComparisonID, Prompt: a.Prompt,
		Left:      responseJSON{ID: a.Left.ID, Content: a.Left.Content},
		Right:     responseJSON{ID: a.Right.ID, Content: a.Right.Content},
		ExpiresAt: a.ExpiresAt.UTC(),
	}
}

// apiLease leases one more comparison of the project to the user, up to
// the project's limit of open leases per annotator.
func (s *Server) apiLease(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	pending, err := s.guidelinesPending(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if pending {
		s.fail(w, r, labeling.Errorf(labeling.ErrConflict, "read and accept the guidelines at "+
			"/projects/%s/guidelines in a browser before labeling this project", p.ID))
		return
	}

	a, err := s.db.LeaseNew(r.Context(), p, userFrom(r.Context()).ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newAssignmentJSON(a))
}

// judgmentRequest is the body of a judgment submitted through the API.
type judgmentRequest struct {
	Verdict             string                    `json:"verdict"`
	PreferredResponseID string                    `json:"preferred_response_id"`
	Strength            string                    `json:"strength"`
	Scores              map[string]map[string]int `json:"scores"`
	Rationale           string                    `json:"rationale"`
	Unsafe              bool                      `json:"unsafe"`
}

// judgmentFields lists the fields of judgmentRequest for error messages.
const judgmentFields = "verdict, preferred_response_id, strength, scores, rationale, unsafe"

// vote checks the parts of req that need no comparison or project and
// returns it as a vote on assignmentID. Each error names the JSON field.
// The store checks the rest with labeling.Vote.Validate.
func (req judgmentRequest) vote(assignmentID uuid.UUID) (labeling.Vote, error) {
	v := labeling.Vote{AssignmentID: assignmentID, Verdict: labeling.Verdict(req.Verdict),
		Strength: labeling.Strength(req.Strength), Rationale: req.Rationale, Unsafe: req.Unsafe}
	switch {
	case req.Verdict == "":
		return v, labeling.Errorf(labeling.ErrInvalid,
			"verdict is missing: give preferred, tie or both_bad")
	case !v.Verdict.Valid():
		return v, labeling.Errorf(labeling.ErrInvalid,
			"verdict %q is not one of preferred, tie, both_bad", req.Verdict)
	case v.Verdict == labeling.VerdictPreferred && req.PreferredResponseID == "":
		return v, labeling.Errorf(labeling.ErrInvalid,
			"preferred_response_id is missing: a preferred verdict names the better response's id")
	case v.Verdict != labeling.VerdictPreferred && req.PreferredResponseID != "":
		return v, labeling.Errorf(labeling.ErrInvalid,
			"preferred_response_id must be empty for a %s verdict", req.Verdict)
	}
	if v.Verdict == labeling.VerdictPreferred {
		id, err := uuid.Parse(req.PreferredResponseID)
		if err != nil {
			return v, labeling.Errorf(labeling.ErrInvalid,
				"preferred_response_id %q is not a response id", req.PreferredResponseID)
		}
		v.Preferred = id
	}

	v.Scores = map[uuid.UUID]labeling.Scores{}
	for rawID, scores := range req.Scores {
		id, err := uuid.Parse(rawID)
		if err != nil {
			return v, labeling.Errorf(labeling.ErrInvalid,
				"scores: key %q is not a response id", rawID)
		}
		v.Scores[id] = scores
	}
	return v, nil
}

// apiSubmit stores the user's judgment on one of their assignments in the
// project: 201 for a new judgment, 200 with created false for a repeat,
// which keeps the first judgment.
func (s *Server) apiSubmit(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	user := userFrom(r.Context())
	raw := chi.URLParam(r, "assignmentID")
	assignmentID, err := uuid.Parse(raw)
	if err != nil {
		s.fail(w, r, labeling.Errorf(labeling.ErrNotFound, "assignment %q not found", raw))
		return
	}
	var req judgmentRequest
	if !s.decodeJudgment(w, r, &req) {
		return
	}
	vote, err := req.vote(assignmentID)
	if err == nil {
		err = s.checkAssignmentProject(r, assignmentID, p)
	}

	var id uuid.UUID
	var created bool
	if err == nil {
		id, created, err = s.db.Submit(r.Context(), user.ID, vote)
	}
	if errors.Is(err, labeling.ErrInvalid) {
		s.log.Warn("judgment rejected", "user_id", user.ID, "assignment_id", assignmentID,
			"error", err)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}

	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, map[string]any{"judgment_id": id, "created": created})
}

// decodeJudgment reads the request body into req. When it cannot, it
// writes the error response and returns false: 422 for a field of the
// wrong type or an unknown field, 400 for a body that is not JSON and 413
// for one that is too large.
func (s *Server) decodeJudgment(w http.ResponseWriter, r *http.Request, req *judgmentRequest) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(req)
	if err == nil {
		return true
	}

	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		s.fail(w, r, labeling.Errorf(labeling.ErrInvalid, "%s: got a JSON %s, want %s",
			field, typeErr.Value, jsonKind(typeErr.Type)))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json reports an unknown field only in its message.
		s.fail(w, r, labeling.Errorf(labeling.ErrInvalid, "%s; the fields are %s",
			strings.TrimPrefix(err.Error(), "json: "), judgmentFields))
	default:
		s.failJSONBody(w, r, err, `body must be a JSON object like {"verdict": "preferred", `+
			`"preferred_response_id": "..."}: `+err.Error())
	}
	return false
}

// jsonKind describes the JSON value that decodes into a value of type t.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number"
	case reflect.Bool:
		return "true or false"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}

// apiSkip passes on one of the user's open assignments with a reason from
// the JSON body {"reason": "..."}; the comparison goes back to the pool and
// is not offered to this user again.
func (s *Server) apiSkip(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	user := userFrom(r.Context())
	raw := chi.URLParam(r, "assignmentID")
	assignmentID, err := uuid.Parse(raw)
	if err != nil {
		s.fail(w, r, labeling.Errorf(labeling.ErrNotFound, "assignment %q not found", raw))
		return
	}
	var req struct {
		Reason string `json:"reason"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		s.failJSONBody(w, r, err, `body must be JSON like {"reason": "cannot judge code in this language"}`)
		return
	}
	if err := s.checkAssignmentProject(r, assignmentID, p); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.db.Skip(r.Context(), user.ID, assignmentID, req.Reason); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.Info("comparison skipped", "user_id", user.ID, "assignment_id", assignmentID)
	writeJSON(w, http.StatusOK, map[string]any{"skipped": true})
}
