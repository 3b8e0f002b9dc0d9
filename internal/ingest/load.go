package ingest

import (
	"context"
	"io"
	"sort"

	"github.com/pairwise/pairwise/internal/labeling"
)

// Sink stores the rows of one import. Add returns how many comparisons a
// row added and how many of its pairs were already stored.
type Sink interface {
	Add(ctx context.Context, row labeling.Row) (added, duplicates int, err error)
}

// MaxReportedSkips caps the skipped lines listed in a Report; the counts
// by reason always cover all of them.
const MaxReportedSkips = 1000

// Report is the outcome of an import, as the web page, the command line
// and the API show it.
type Report struct {
	Format   Format             `json:"format"`
	Read     int                `json:"read"`
	Rows     int                `json:"rows_imported"`
	Imported int                `json:"comparisons_imported"`
	Skipped  int                `json:"skipped"`
	ByReason map[SkipReason]int `json:"skipped_by_reason"`
	Skips    []Skip             `json:"skipped_lines"`
	// MoreSkips counts skipped lines left out of Skips.
	MoreSkips int `json:"more_skipped_lines,omitempty"`
	// Unit is "row" for a Parquet file, whose line numbers are row
	// numbers, and empty for a JSONL or JSON file.
	Unit string `json:"unit,omitempty"`
}

// Load reads r and adds every usable row to sink. It returns the
// *MalformedError of Read unchanged; the caller then discards what sink
// stored, so a rejected import writes nothing.
func Load(ctx context.Context, r io.Reader, opts Options, sink Sink) (Report, error) {
	rep := Report{ByReason: map[SkipReason]int{}}
	var dups []Skip
	res, err := Read(ctx, r, opts, func(row labeling.Row) error {
		added, duplicates, err := sink.Add(ctx, row)
		if err != nil {
			return err
		}
		rep.Imported += added
		if added > 0 {
			rep.Rows++
		}
		if duplicates > 0 {
			dups = append(dups, Skip{Line: row.Line, Reason: SkipDuplicate,
				Detail: "the project already has this pair of responses to this prompt"})
		}
		return nil
	})
	if err != nil {
		return rep, err
	}

	rep.Format, rep.Read = res.Format, res.Read
	if res.Unit == UnitRow {
		rep.Unit = UnitRow
	}
	all := append(append([]Skip{}, res.Skipped...), dups...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].Line < all[j].Line })
	for _, s := range all {
		rep.ByReason[s.Reason]++
	}
	rep.Skipped = len(all)
	if len(all) > MaxReportedSkips {
		rep.MoreSkips = len(all) - MaxReportedSkips
		all = all[:MaxReportedSkips]
	}
	rep.Skips = all
	return rep, nil
}
