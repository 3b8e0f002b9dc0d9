package web

import (
	"testing"
	"time"
)

func chartDay(d int) time.Time { return time.Date(2025, 1, d, 0, 0, 0, 0, time.UTC) }

func TestVotesChartFillsGaps(t *testing.T) {
	c := NewVotesChart([]DayCount{{chartDay(1), 4}, {chartDay(4), 2}})
	if len(c.Bars) != 4 {
		t.Fatalf("bars: got %d, want 4", len(c.Bars))
	}
	wantTitles := []string{"2025-01-01: 4 judgments", "2025-01-02: 0 judgments",
		"2025-01-03: 0 judgments", "2025-01-04: 2 judgments"}
	for i, want := range wantTitles {
		if c.Bars[i].Title != want {
			t.Errorf("bar %d title: got %q, want %q", i, c.Bars[i].Title, want)
		}
	}
	plot := float64(c.Height - chartMargin)
	if c.Bars[0].Height != plot || c.Bars[3].Height != plot/2 || c.Bars[1].Height != 0 {
		t.Errorf("bar heights: got %v, %v, %v, want %v, 0, %v",
			c.Bars[0].Height, c.Bars[1].Height, c.Bars[3].Height, plot, plot/2)
	}
	if c.First != "2025-01-01" || c.Last != "2025-01-04" || c.Omitted != 0 {
		t.Errorf("axis: got %s to %s with %d omitted, want 2025-01-01 to 2025-01-04 with 0",
			c.First, c.Last, c.Omitted)
	}
}

func TestVotesChartKeepsRecentDays(t *testing.T) {
	first := chartDay(1)
	last := first.AddDate(0, 0, maxChartDays+9)
	c := NewVotesChart([]DayCount{{first, 1}, {last, 3}})
	if len(c.Bars) != maxChartDays || c.Omitted != 10 {
		t.Errorf("bars: got %d with %d omitted, want %d with 10", len(c.Bars), c.Omitted, maxChartDays)
	}
	if want := last.Format(time.DateOnly); c.Last != want {
		t.Errorf("last day: got %s, want %s", c.Last, want)
	}
}

func TestIntervalChartWithoutData(t *testing.T) {
	c := NewIntervalChart([]ShareInterval{
		{Label: "left", Estimate: 0.5, Lower: 0.25, Upper: 0.75, N: 10, OK: true},
		{Label: "longer"},
	})
	if !c.Rows[0].EnoughData || c.Rows[1].EnoughData {
		t.Fatalf("enough data: got %v and %v, want true and false", c.Rows[0].EnoughData, c.Rows[1].EnoughData)
	}
	if c.Rows[0].Point != c.HalfX {
		t.Errorf("point at one half: got x %v, want %v", c.Rows[0].Point, c.HalfX)
	}
	if want := "left: 50% (95% interval 25% to 75%, n = 10)"; c.Rows[0].Title != want {
		t.Errorf("title: got %q, want %q", c.Rows[0].Title, want)
	}
}
