package ingest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/pairwise/pairwise/internal/labeling"
)

// errStop ends reading early once the remaining records cannot be checked,
// for example after a syntax error inside a JSON array. Read reports the
// malformed records found so far.
var errStop = errors.New("stop reading")

// Read parses r and calls emit once per usable row, in file order, with
// Row.Line set to the line where the record starts. r is JSONL or one JSON
// array, either of them optionally gzip-compressed, or a Parquet file, whose
// rows are numbered from 1 in place of lines, or CSV with a header row when
// Options.Format is FormatCSV. The grouped formats (kto, sft,
// rubric, judgments) hold their records until the input ends, then emit
// their rows ordered by the line of each row's first record.
//
// A well-formed record that cannot be used is listed in Result.Skipped. A
// malformed record makes Read return a *MalformedError once the whole input
// has been read, and emit is not called for any record after it. Rows
// emitted before it must be discarded by the caller, for example by rolling
// back the transaction that stored them. Inside a JSON array, a syntax error
// or an element over MaxLineBytes ends the reading there, and so does a
// first record whose format cannot be detected.
//
// A gzip stream that is truncated or corrupt, and an input without records
// (empty, only blank lines, or an empty array), also return a
// *MalformedError. A gzip failure is listed at the line that was being read.
//
// An error returned by emit stops Read and is returned wrapped with the
// line. A cancelled ctx stops Read with an error that wraps ctx.Err().
func Read(ctx context.Context, r io.Reader, opts Options,
	emit func(labeling.Row) error) (Result, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Result{}, err
	}
	imp := &importer{ctx: ctx, opts: opts, emit: emit}
	imp.use(opts.Format)
	err = imp.readSource(r)
	if err != nil && !errors.Is(err, errStop) {
		return imp.result, err
	}
	if err := imp.combineGroups(); err != nil {
		return imp.result, err
	}
	return imp.finish()
}

// readInput reads the decompressed input. CSV is read as CSV. Otherwise
// the first byte that is not whitespace distinguishes a JSON array from
// JSONL.
func (imp *importer) readInput(in *bufio.Reader) error {
	if imp.opts.Format == FormatCSV {
		return readCSV(in, imp)
	}
	first, line, err := skipSpace(in)
	switch {
	case err != nil:
		return imp.inputError(line, err)
	case first == '[':
		return readArray(in, line, imp)
	default:
		return readLines(in, line, imp)
	}
}

// inputError handles an error from reading the input at line. A gzip
// failure or an input that is not UTF-8 is rejected as a malformed file,
// and errStop is returned. Other errors are returned unchanged.
func (imp *importer) inputError(line int, err error) error {
	var fileErr interface{ lineError() *LineError }
	if errors.As(err, &fileErr) {
		imp.reject(line, fileErr.lineError())
		return errStop
	}
	return err
}

// importer carries the state of one Read across records.
type importer struct {
	ctx       context.Context
	opts      Options
	emit      func(labeling.Row) error
	parse     parseFunc // nil until the format is known
	result    Result
	malformed MalformedError
	// members holds the records of a grouped format until the whole
	// input is read.
	members []member
}

// use sets the format that parses the remaining records. FormatAuto
// leaves the parser nil, so the next record is used to detect the format.
func (imp *importer) use(f Format) {
	imp.result.Format = f
	imp.parse = parsers[f]
}

// record handles the encoded record that starts at line. It returns an
// error only when reading must stop.
func (imp *importer) record(line int, raw []byte) error {
	if err := imp.ctx.Err(); err != nil {
		return fmt.Errorf("read stopped at line %d: %w", line, err)
	}
	imp.result.Read++

	rec, err := decodeRecord(raw, imp.opts.Fields)
	if err != nil {
		imp.reject(line, err)
		return nil
	}
	if imp.parse == nil {
		f, err := detectFormat(rec)
		if err != nil {
			// Without a format no later record can be checked.
			imp.reject(line, err)
			return errStop
		}
		imp.use(f)
	}

	out, err := imp.parse(rec)
	if err != nil {
		imp.reject(line, err)
		return nil
	}
	return imp.accept(line, out)
}

// accept reports the skips of an outcome and emits its rows, unless a
// malformed record was seen before.
func (imp *importer) accept(line int, out outcome) error {
	if out.member != nil {
		imp.hold(line, *out.member)
		return nil
	}
	skips, rows := out.skips, out.rows
	if out.skip != nil {
		skips = append([]Skip{*out.skip}, skips...)
	}
	if out.row != nil {
		rows = append([]labeling.Row{*out.row}, rows...)
	}
	for _, s := range skips {
		s.Line = line
		imp.result.Skipped = append(imp.result.Skipped, s)
	}
	if imp.malformed.Total > 0 {
		return nil
	}
	for _, row := range rows {
		row.Line = line
		if err := imp.emit(row); err != nil {
			return fmt.Errorf("process row from line %d: %w", line, err)
		}
	}
	return nil
}

// reject counts a malformed record and lists it while fewer than
// MaxErrors are listed. err is a *LineError without a line number.
func (imp *importer) reject(line int, err error) {
	imp.malformed.Total++
	if len(imp.malformed.Lines) >= imp.opts.MaxErrors {
		return
	}
	lineErr := LineError{Line: line, Reason: err.Error()}
	var le *LineError
	if errors.As(err, &le) {
		lineErr = *le
		lineErr.Line = line
	}
	if imp.result.Unit == UnitRow {
		lineErr.Unit = UnitRow
	}
	imp.malformed.Lines = append(imp.malformed.Lines, lineErr)
}

// finish returns the result and, when any record was malformed or the
// input held no record, the MalformedError that lists them.
func (imp *importer) finish() (Result, error) {
	if imp.result.Read == 0 && imp.malformed.Total == 0 {
		imp.reject(1, fieldError("", "the file contains no records; "+
			"blank lines are ignored and an empty JSON array holds none, "+
			"so add at least one record"))
	}
	if imp.malformed.Total > 0 {
		malformed := imp.malformed
		return imp.result, &malformed
	}
	return imp.result, nil
}
