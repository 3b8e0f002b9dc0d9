package server

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/web"
)

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request) {
	s.renderSettings(w, r, http.StatusOK, web.NewSettingsForm(projectFrom(r.Context())), nil)
}

func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, status int,
	form web.SettingsForm, errs []string) {
	p := projectFrom(r.Context())
	v := web.SettingsPage{Page: s.page(r, p.Name+": settings"), Project: p, Form: form, Errors: errs}
	s.render(w, r, status, web.Settings(v))
}

// updateSettings saves the settings form. Its "add a rubric row" button
// shows the form again with one more row and saves nothing.
func (s *Server) updateSettings(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	saved := projectFrom(ctx)
	form := readSettingsForm(r)
	if r.PostForm.Has("add_row") {
		if len(form.Rubric) < maxRubricRows {
			form.Rubric = append(form.Rubric, web.BlankCriterion())
		}
		s.renderSettings(w, r, http.StatusOK, form, nil)
		return
	}

	p, errs := applySettings(saved, form)
	if len(errs) == 0 {
		if err := s.db.UpdateProject(ctx, p); err != nil {
			if _, public := statusOf(err); !public {
				s.fail(w, r, err)
				return
			}
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		s.renderSettings(w, r, http.StatusUnprocessableEntity, form, errs)
		return
	}
	s.log.Info("project settings saved", "project_id", p.ID, "by", userFrom(ctx).ID)
	http.Redirect(w, r, "/projects/"+p.ID.String()+"/settings?notice=settings-saved", http.StatusSeeOther)
}

// maxRubricRows caps the rows of the rubric editor.
const maxRubricRows = 100

// readSettingsForm returns the posted settings as typed.
func readSettingsForm(r *http.Request) web.SettingsForm {
	f := r.PostForm
	trim := func(name string) string { return strings.TrimSpace(f.Get(name)) }
	form := web.SettingsForm{
		Name: f.Get("name"), Description: f.Get("description"), Guidelines: f.Get("guidelines"),
		AllowTie: f.Get("allow_tie") != "", AllowBothBad: f.Get("allow_both_bad") != "",
		AllowStrength:    f.Get("allow_strength") != "",
		JudgmentsWanted:  trim("judgments_wanted"),
		LeaseMinutes:     trim("lease_minutes"),
		MaxOpenLeases:    trim("max_open_leases"),
		GoldSharePercent: trim("gold_share"), GoldThresholdPercent: trim("gold_threshold"),
	}
	// NOTE: the editor never posts more than maxRubricRows rows; a crafted
	// request with more loses the rest.
	rows, _ := strconv.Atoi(f.Get("rubric_rows"))
	for i := range min(max(rows, 0), maxRubricRows) {
		form.Rubric = append(form.Rubric, web.CriterionRow{
			Key:         trim(web.RubricField(i, "key")),
			Label:       trim(web.RubricField(i, "label")),
			Description: trim(web.RubricField(i, "description")),
			Min:         trim(web.RubricField(i, "min")),
			Max:         trim(web.RubricField(i, "max")),
			Remove:      f.Get(web.RubricField(i, "remove")) != "",
		})
	}
	return form
}

// applySettings returns saved with the settings of form, and one message
// per bad field. Each field is checked alone against Project.Validate, so
// every bad field is named at once while the limits stay in one place.
func applySettings(saved labeling.Project, form web.SettingsForm) (labeling.Project, []string) {
	p := saved
	var errs []string
	set := func(change func(*labeling.Project)) {
		trial := saved
		change(&trial)
		if err := trial.Validate(); err != nil {
			errs = append(errs, err.Error())
			return
		}
		change(&p)
	}
	fail := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }

	set(func(p *labeling.Project) { p.Name = strings.TrimSpace(form.Name) })
	p.Description, p.Guidelines = form.Description, form.Guidelines
	p.AllowTie, p.AllowBothBad, p.AllowStrength = form.AllowTie, form.AllowBothBad, form.AllowStrength

	if n, err := strconv.Atoi(form.JudgmentsWanted); err != nil {
		fail("judgments wanted per comparison %q is not a whole number", form.JudgmentsWanted)
	} else {
		set(func(p *labeling.Project) { p.JudgmentsWanted = n })
	}
	if n, err := strconv.Atoi(form.MaxOpenLeases); err != nil {
		fail("max open leases per annotator %q is not a whole number", form.MaxOpenLeases)
	} else {
		set(func(p *labeling.Project) { p.MaxOpenLeases = n })
	}

	// The comparisons are written so that NaN fails them.
	minutes, err := strconv.ParseFloat(form.LeaseMinutes, 64)
	seconds := math.Round(minutes * 60)
	if err != nil || !(seconds >= 1 && seconds <= 7*24*60*60) {
		fail("lease length is %q minutes; enter more than 0, up to 10080 (one week)", form.LeaseMinutes)
	} else {
		p.Lease = time.Duration(seconds) * time.Second
	}
	if share, ok := parsePercent(form.GoldSharePercent); ok {
		p.GoldShare = share
	} else {
		fail("gold share is %q percent; enter 0 to 100", form.GoldSharePercent)
	}
	if threshold, ok := parsePercent(form.GoldThresholdPercent); ok {
		p.GoldThreshold = threshold
	} else {
		fail("gold accuracy threshold is %q percent; enter 0 to 100", form.GoldThresholdPercent)
	}

	rubric, rubricErrs := parseRubric(form.Rubric)
	errs = append(errs, rubricErrs...)
	if len(rubricErrs) == 0 {
		set(func(p *labeling.Project) { p.Rubric = rubric })
	}
	return p, errs
}

// parsePercent returns s percent as a fraction, and false unless s is a
// number from 0 to 100.
func parsePercent(s string) (float64, bool) {
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || !(x >= 0 && x <= 100) { // NaN fails too
		return 0, false
	}
	return x / 100, true
}

// parseRubric returns the criteria of the editor's rows, skipping blank
// and removed rows. A rubric equal to the default one comes back empty, so
// that the project keeps following the default.
func parseRubric(rows []web.CriterionRow) ([]labeling.Criterion, []string) {
	var rubric []labeling.Criterion
	var errs []string
	for i, row := range rows {
		if row.Remove || row.Blank() {
			continue
		}
		c := labeling.Criterion{Key: row.Key, Label: row.Label, Description: row.Description}
		var err error
		if c.Min, err = strconv.Atoi(row.Min); err != nil {
			errs = append(errs, fmt.Sprintf("rubric row %d: min %q is not a whole number", i+1, row.Min))
		}
		if c.Max, err = strconv.Atoi(row.Max); err != nil {
			errs = append(errs, fmt.Sprintf("rubric row %d: max %q is not a whole number", i+1, row.Max))
		}
		rubric = append(rubric, c)
	}
	if slices.Equal(rubric, labeling.DefaultRubric) {
		return nil, errs
	}
	return rubric, errs
}
