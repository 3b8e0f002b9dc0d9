package server

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/quality"
	"github.com/pairwise/pairwise/web"
)

// maxActivePerJudgment caps the time one judgment adds to the active time
// behind judgments per hour, so a comparison left open over a break does
// not count as work.
const maxActivePerJudgment = 10 * time.Minute

// projectReport computes the label quality of project p from its
// judgments, streamed from the database.
func (s *Server) projectReport(ctx context.Context, p labeling.Project) (quality.Report, error) {
	opts := quality.ReportOptions{Overlap: p.JudgmentsWanted, GoldThreshold: p.GoldThreshold,
		MaxActive: maxActivePerJudgment}
	for _, c := range p.Criteria() {
		opts.Criteria = append(opts.Criteria, c.Key)
	}
	b := quality.NewReportBuilder(opts)
	if err := s.db.EachRating(ctx, p.ID, b.Add); err != nil {
		return quality.Report{}, fmt.Errorf("report on project %s: %w", p.ID, err)
	}
	return b.Report(), nil
}

func (s *Server) dashboardPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := projectFrom(ctx)
	report, err := s.projectReport(ctx, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	stats, err := s.db.ProjectStats(ctx, p.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	days, err := s.db.VotesPerDay(ctx, p.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}

	v := web.DashboardPage{Page: s.page(r, p.Name+": quality"), Project: p, Stats: stats,
		Report: report, MaxActive: maxActivePerJudgment}
	for _, d := range days {
		v.Days = append(v.Days, web.DayCount{Day: d.Day, Judgments: d.Judgments})
	}
	s.render(w, r, http.StatusOK, web.Dashboard(v))
}

// annotatorsCSVHeader names the columns of the annotators CSV. A cell is
// empty where there was too little data for a number.
var annotatorsCSVHeader = []string{
	"annotator", "judgments", "gold_judged", "gold_correct", "gold_accuracy",
	"majority_compared", "agreement_with_majority", "median_seconds",
	"judgments_per_hour", "needs_review",
}

// annotatorsCSV sends the dashboard's annotator table as a CSV attachment.
func (s *Server) annotatorsCSV(w http.ResponseWriter, r *http.Request) {
	p := projectFrom(r.Context())
	report, err := s.projectReport(r.Context(), p)
	if err != nil {
		s.fail(w, r, err)
		return
	}

	// The table has one row per annotator, so it is built in memory, and a
	// failure before the first byte is sent gets an error page.
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write(annotatorsCSVHeader)
	for _, a := range report.Annotators {
		cw.Write(annotatorRecord(a))
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.fail(w, r, fmt.Errorf("write annotators csv of project %s: %w", p.ID, err))
		return
	}

	name := fmt.Sprintf("%s-annotators-%s.csv", slug(p.Name), time.Now().UTC().Format("20060102"))
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	w.Write(buf.Bytes())
}

func annotatorRecord(a quality.AnnotatorReport) []string {
	return []string{
		csvText(a.Name),
		strconv.Itoa(a.Judgments),
		strconv.Itoa(a.GoldJudged),
		strconv.Itoa(a.GoldCorrect),
		csvNumber(a.GoldAccuracy, 4),
		strconv.Itoa(a.Majority.N),
		csvNumber(a.Majority, 4),
		csvNumber(a.MedianSeconds, 1),
		csvNumber(a.PerHour, 2),
		strconv.FormatBool(a.NeedsReview),
	}
}

func csvNumber(s quality.Statistic, decimals int) string {
	if !s.OK {
		return ""
	}
	return strconv.FormatFloat(s.Value, 'f', decimals, 64)
}

// csvText guards a text cell against formula injection: spreadsheets run
// a cell that starts with = + - @ (or a tab or carriage return before
// one) as a formula, so such a cell gets a leading apostrophe.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
