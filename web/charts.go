package web

import (
	"fmt"
	"time"
)

// DayCount is the number of judgments submitted on one UTC day.
type DayCount struct {
	Day       time.Time
	Judgments int
}

// maxChartDays is the number of days the votes chart shows at most. Older
// days are left out, so each bar stays wide enough to see.
const maxChartDays = 120

// Geometry of the SVG charts, in view-box units.
const (
	barChartWidth  = 720
	barChartHeight = 160
	chartMargin    = 24 // room for the axis labels
	maxBarWidth    = 48
	ciChartWidth   = 720
	ciRowHeight    = 34
	ciLabelWidth   = 160
)

// BarChart is a bar chart laid out in an SVG view box.
type BarChart struct {
	Width, Height int
	Bars          []Bar
	Max           int    // value at the top of the axis
	First, Last   string // dates under the first and last bar
	// Omitted counts the older days left out.
	Omitted int
}

// Bar is one bar with the tooltip it shows.
type Bar struct {
	X, Y, Width, Height float64
	Title               string
}

// NewVotesChart lays out one bar per day from the first day in days to the
// last, with zero-height bars for days without judgments. days must be
// sorted oldest first.
func NewVotesChart(days []DayCount) BarChart {
	c := BarChart{Width: barChartWidth, Height: barChartHeight}
	if len(days) == 0 {
		return c
	}
	counts := map[time.Time]int{}
	for _, d := range days {
		counts[d.Day] = d.Judgments
		c.Max = max(c.Max, d.Judgments)
	}
	first, last := days[0].Day, days[len(days)-1].Day
	span := int(last.Sub(first).Hours()/24) + 1
	if span > maxChartDays {
		c.Omitted = span - maxChartDays
		first = last.AddDate(0, 0, -(maxChartDays - 1))
		span = maxChartDays
	}
	c.First, c.Last = first.Format(time.DateOnly), last.Format(time.DateOnly)

	plotHeight := float64(c.Height - chartMargin)
	slot := float64(c.Width) / float64(span)
	width := min(slot*0.8, maxBarWidth)
	for i := range span {
		day := first.AddDate(0, 0, i)
		n := counts[day]
		h := plotHeight * float64(n) / float64(max(c.Max, 1))
		c.Bars = append(c.Bars, Bar{
			X: float64(i)*slot + (slot-width)/2, Y: plotHeight - h, Width: width, Height: h,
			Title: day.Format(time.DateOnly) + ": " + countOf(n, "judgment", "judgments"),
		})
	}
	return c
}

// IntervalChart shows shares with their confidence intervals on a 0 to 1
// axis with a reference line at one half.
type IntervalChart struct {
	Width, Height int
	// AxisX0, AxisX1 and HalfX are where 0, 1 and one half sit.
	AxisX0, AxisX1, HalfX float64
	Rows                  []IntervalRow
}

// IntervalRow is one share: its label, point and interval.
type IntervalRow struct {
	Label      string
	Y          float64
	Low, Point float64 // x positions
	High       float64
	Title      string
	EnoughData bool
}

// ShareInterval is a share with its interval bounds, all in 0..1.
type ShareInterval struct {
	Label                  string
	Estimate, Lower, Upper float64
	N                      int
	OK                     bool // false when there was no data
}

// NewIntervalChart lays out one row per share.
func NewIntervalChart(shares []ShareInterval) IntervalChart {
	c := IntervalChart{Width: ciChartWidth, Height: ciRowHeight*len(shares) + chartMargin,
		AxisX0: ciLabelWidth, AxisX1: ciChartWidth - chartMargin}
	scale := func(v float64) float64 { return c.AxisX0 + v*(c.AxisX1-c.AxisX0) }
	c.HalfX = scale(0.5)
	for i, s := range shares {
		row := IntervalRow{Label: s.Label, Y: float64(i*ciRowHeight + ciRowHeight/2), EnoughData: s.OK}
		if s.OK {
			row.Low, row.Point, row.High = scale(s.Lower), scale(s.Estimate), scale(s.Upper)
			row.Title = fmt.Sprintf("%s: %s (95%% interval %s to %s, n = %d)", s.Label,
				percent(s.Estimate), percent(s.Lower), percent(s.Upper), s.N)
		}
		c.Rows = append(c.Rows, row)
	}
	return c
}

// percent formats a share in 0..1 as a whole percentage.
func percent(v float64) string {
	return fmt.Sprintf("%.0f%%", 100*v)
}

// coordinate formats an SVG coordinate with two decimals.
func coordinate(v float64) string {
	return fmt.Sprintf("%.2f", v)
}
