package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/store"
	"github.com/pairwise/pairwise/web"
)

// Sizes of the review page's lists.
const (
	reviewPageSize = 20
	goldListLimit  = 50
)

// reviewPlace is a filtered page of the review queue.
type reviewPlace struct {
	filter store.ReviewFilter
	page   int
}

// parseReviewPlace reads the status and page values of a review page's
// query string or of a form posted from it. Empty values mean the first
// page of every disputed comparison.
func parseReviewPlace(status, page string) (reviewPlace, error) {
	place := reviewPlace{filter: store.ReviewAll, page: 1}
	if status != "" {
		place.filter = store.ReviewFilter(status)
	}
	if !place.filter.Valid() {
		return place, labeling.Errorf(labeling.ErrInvalid,
			"status %q is not one of all, open, adjudicated", status)
	}
	if page != "" {
		n, err := strconv.Atoi(page)
		if err != nil || n < 1 {
			return place, labeling.Errorf(labeling.ErrInvalid,
				"page %q is not a page number; use 1 or more", page)
		}
		place.page = n
	}
	return place, nil
}

// url returns the review page at place with a notice, scrolled to the
// comparison cid.
func (place reviewPlace) url(p labeling.Project, notice string, cid uuid.UUID) string {
	q := url.Values{"notice": {notice}}
	if place.filter != store.ReviewAll {
		q.Set("status", string(place.filter))
	}
	if place.page > 1 {
		q.Set("page", strconv.Itoa(place.page))
	}
	return fmt.Sprintf("/projects/%s/review?%s#c-%s", p.ID, q.Encode(), cid)
}

func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	place, err := parseReviewPlace(q.Get("status"), q.Get("page"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderReview(w, r, place, http.StatusOK, nil)
}

// renderReview shows the review page at place with status and errs.
func (s *Server) renderReview(w http.ResponseWriter, r *http.Request, place reviewPlace,
	status int, errs []string) {
	v, err := s.reviewView(r.Context(), projectFrom(r.Context()), place)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Page, v.Errors = s.page(r, v.Project.Name+": review"), errs
	s.render(w, r, status, web.Review(v))
}

func (s *Server) reviewView(ctx context.Context, p labeling.Project,
	place reviewPlace) (web.ReviewPage, error) {
	v := web.ReviewPage{Project: p, Filter: string(place.filter), PageNumber: place.page}
	items, total, err := s.db.ReviewQueue(ctx, p.ID, place.filter, reviewPageSize,
		(place.page-1)*reviewPageSize)
	if err != nil {
		return v, err
	}
	golds, goldTotal, err := s.db.GoldComparisons(ctx, p.ID, goldListLimit)
	if err != nil {
		return v, err
	}

	v.Total, v.GoldTotal = total, goldTotal
	v.Pages = max(1, (total+reviewPageSize-1)/reviewPageSize)
	for _, it := range items {
		v.Items = append(v.Items, reviewItemView(it))
	}
	for _, g := range golds {
		v.Gold = append(v.Gold, web.GoldItem{ComparisonID: g.ComparisonID, PromptStart: g.PromptStart,
			A: g.A, B: g.B, Answer: answerView(g.Answer), Judged: g.Judged, Correct: g.Correct})
	}
	return v, nil
}

func reviewItemView(it store.ReviewItem) web.ReviewItem {
	out := web.ReviewItem{ComparisonID: it.ComparisonID, Prompt: it.Prompt, A: it.A, B: it.B}
	for _, v := range it.Votes {
		out.Votes = append(out.Votes, web.ReviewVote{Annotator: v.AnnotatorName,
			Answer:   web.Answer{Verdict: v.Verdict, Preferred: v.Preferred},
			Strength: v.Strength, Rationale: v.Rationale, Unsafe: v.Unsafe, SubmittedAt: v.SubmittedAt})
	}
	if it.Adjudicated != nil {
		a := answerView(*it.Adjudicated)
		out.Adjudicated = &a
	}
	if it.Gold != nil {
		g := answerView(*it.Gold)
		out.Gold = &g
	}
	return out
}

func answerView(s store.Settlement) web.Answer {
	return web.Answer{Verdict: s.Verdict, Preferred: s.Preferred}
}

// parseSettlement reads a verdict form value: a response id, tie or
// both_bad.
func parseSettlement(value string) (store.Settlement, error) {
	switch labeling.Verdict(value) {
	case labeling.VerdictTie, labeling.VerdictBothBad:
		return store.Settlement{Verdict: labeling.Verdict(value)}, nil
	case "":
		return store.Settlement{}, labeling.Errorf(labeling.ErrInvalid,
			"no verdict chosen; choose A, B, tie or both bad")
	}
	id, err := uuid.Parse(value)
	if err != nil {
		return store.Settlement{}, labeling.Errorf(labeling.ErrInvalid,
			"verdict %q is not a response id, tie, both_bad or clear; choose one of the options", value)
	}
	return store.Settlement{Verdict: labeling.VerdictPreferred, Preferred: id}, nil
}

// comparisonParam returns the {comparisonID} of the URL, or an ErrNotFound
// error when it is not a UUID.
func comparisonParam(r *http.Request) (uuid.UUID, error) {
	raw := chi.URLParam(r, "comparisonID")
	id, err := uuid.Parse(raw)
	if err != nil {
		return id, labeling.Errorf(labeling.ErrNotFound, "comparison %q not found", raw)
	}
	return id, nil
}

// settleFunc stores or, with remove set, deletes one kind of settlement on
// comparison cid of project p.
type settleFunc func(ctx context.Context, p labeling.Project, cid uuid.UUID,
	s store.Settlement, remove bool) error

// settle handles a form that sets or clears a settlement, then sends the
// researcher back to the review page they came from with notice.
func (s *Server) settle(w http.ResponseWriter, r *http.Request, notice string, apply settleFunc) {
	ctx := r.Context()
	p := projectFrom(ctx)
	cid, err := comparisonParam(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	place, err := parseReviewPlace(r.PostFormValue("status"), r.PostFormValue("page"))
	if err != nil {
		place = reviewPlace{filter: store.ReviewAll, page: 1}
	}

	value := r.PostFormValue("verdict")
	var settlement store.Settlement
	remove := value == web.ClearVerdict
	if !remove {
		settlement, err = parseSettlement(value)
	}
	if err == nil {
		err = apply(ctx, p, cid, settlement, remove)
	}
	if errors.Is(err, labeling.ErrInvalid) {
		s.renderReview(w, r, place, http.StatusUnprocessableEntity, []string{err.Error()})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, place.url(p, notice, cid), http.StatusSeeOther)
}

// adjudicate sets or clears a researcher's verdict on a comparison.
func (s *Server) adjudicate(w http.ResponseWriter, r *http.Request) {
	by := userFrom(r.Context()).ID
	s.settle(w, r, "adjudicated", func(ctx context.Context, p labeling.Project, cid uuid.UUID,
		v store.Settlement, remove bool) error {
		if !remove {
			return s.db.Adjudicate(ctx, p.ID, cid, v, by)
		}
		if err := s.db.CheckComparison(ctx, p.ID, cid); err != nil {
			return err
		}
		return s.db.ClearAdjudication(ctx, p.ID, cid)
	})
}

// setGold marks a comparison as gold with an answer, or returns it to the
// normal queue.
func (s *Server) setGold(w http.ResponseWriter, r *http.Request) {
	s.settle(w, r, "gold-saved", func(ctx context.Context, p labeling.Project, cid uuid.UUID,
		v store.Settlement, remove bool) error {
		if !remove {
			return s.db.SetGold(ctx, p.ID, cid, v)
		}
		if err := s.db.CheckComparison(ctx, p.ID, cid); err != nil {
			return err
		}
		return s.db.ClearGold(ctx, p.ID, cid)
	})
}
