package ingest

import (
	"fmt"
	"strings"
)

// LineError is one malformed record: its line number, the field at fault in
// the file's own naming (empty when the whole record is at fault) and the
// reason. In a Parquet file, Line is the row number, counted from 1, and
// Unit is "row".
type LineError struct {
	Line   int    `json:"line"`
	Unit   string `json:"unit,omitempty"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
	// UnknownFormat marks a record whose format detection failed. Its
	// Reason advises the import flags and form fields, so a caller with
	// other options, such as the trainer, writes its own advice.
	UnknownFormat bool `json:"-"`
}

// Error formats e as `line 12: field "response_a": want a string, got
// boolean`, or `row 12: ...` in a Parquet file.
func (e *LineError) Error() string {
	unit := e.Unit
	if unit == "" {
		unit = UnitLine
	}
	if e.Field == "" {
		return fmt.Sprintf("%s %d: %s", unit, e.Line, e.Reason)
	}
	return fmt.Sprintf("%s %d: field %q: %s", unit, e.Line, e.Field, e.Reason)
}

// Units of the numbers in LineError.Line, Skip.Line and Report.Unit.
const (
	UnitLine = "line" // a line of a JSONL or JSON file
	UnitRow  = "row"  // a row of a Parquet file
)

// fieldError returns a LineError for field without a line number. The
// caller that knows the line fills it in.
func fieldError(field, format string, args ...any) *LineError {
	return &LineError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// MalformedError is the rejection of a whole import. Lines lists the first
// malformed records, up to Options.MaxErrors, and Total counts all of them.
type MalformedError struct {
	Lines []LineError
	Total int
}

// Error returns a summary line followed by one line per listed record and,
// when the list was capped, a count of the records left out.
func (e *MalformedError) Error() string {
	var b strings.Builder
	noun := "records"
	if e.Total == 1 {
		noun = "record"
	}
	fmt.Fprintf(&b, "import rejected: %d malformed %s, nothing was imported", e.Total, noun)
	for i := range e.Lines {
		b.WriteString("\n")
		b.WriteString(e.Lines[i].Error())
	}
	if more := e.Total - len(e.Lines); more > 0 {
		fmt.Fprintf(&b, "\n... and %d more", more)
	}
	return b.String()
}
