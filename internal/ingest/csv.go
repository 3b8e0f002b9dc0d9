package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// FormatCSV is a CSV file with a header row whose rows are read as pairs
// (prompt, response_a, response_b) or as chosen and rejected responses.
const FormatCSV Format = "csv"

// FormatForName returns FormatCSV when f is FormatAuto or empty and the
// file name ends with .csv or .csv.gz, in any letter case, and f
// otherwise. Auto-detection reads JSON records, so a CSV file is known by
// its name or by an explicit format.
func FormatForName(f Format, name string) Format {
	if f != FormatAuto && f != "" {
		return f
	}
	lower := strings.ToLower(name)
	if strings.HasSuffix(lower, ".csv") || strings.HasSuffix(lower, ".csv.gz") {
		return FormatCSV
	}
	return f
}

// CSV columns that FieldMap has no canonical name for.
const (
	csvPreferredColumn = "preferred"      // read as label when there is no label column
	csvChosenModel     = "chosen_model"   // model of chosen
	csvRejectedModel   = "rejected_model" // model of rejected
)

// isCSVHeader reports whether the first line of a file read as JSONL is
// not JSON but a header row of two or more fields separated by commas,
// tabs or semicolons.
func isCSVHeader(text []byte) bool {
	trimmed := bytes.TrimLeft(text, " \t")
	if bytes.HasPrefix(trimmed, []byte("{")) || json.Valid(text) {
		return false
	}
	_, fields := headerFields(text)
	return len(fields) >= 2
}

// headerFields splits a header line at commas, or else at the first of
// tab and semicolon that gives two or more fields, and returns the
// separator with the fields.
func headerFields(text []byte) (rune, []string) {
	for _, sep := range []rune{',', '\t', ';'} {
		r := csv.NewReader(bytes.NewReader(text))
		r.Comma = sep
		fields, err := r.Read()
		if err == nil && len(fields) >= 2 {
			return sep, fields
		}
	}
	return ',', nil
}

// csvHeaderError reports a CSV file read as JSON and how to read it as CSV.
func csvHeaderError(text []byte) error {
	sep, fields := headerFields(text)
	if sep != ',' {
		separators := map[rune]string{'\t': "tabs", ';': "semicolons"}
		return fieldError("", "the line is not JSON but looks like the header "+
			"row of a file with %s between fields (%d columns, the first %q); "+
			"save it as CSV with commas between fields, then choose the csv format "+
			"(--format csv on the command line, the Format field on the import "+
			"form, format=csv in the API) or give the file a name that ends in .csv",
			separators[sep], len(fields), strings.TrimSpace(fields[0]))
	}
	return fieldError("", "the line is not JSON but looks like the header "+
		"row of a CSV file (%d columns, the first %q); choose the csv format "+
		"(--format csv on the command line, the Format field on the import "+
		"form, format=csv in the API) or give the file a name that ends in .csv",
		len(fields), strings.TrimSpace(fields[0]))
}

// readCSV reads CSV with a header row. Each later row becomes a record of
// JSON strings under the header's column names, so the field map and the
// parsers of the pairs, trl and hh formats apply to it unchanged. The
// layout is chosen from the header and the first row.
func readCSV(in *bufio.Reader, imp *importer) error {
	src := &csvSource{
		lines: &lineReader{in: in, max: imp.opts.MaxLineBytes},
		limit: int64(imp.opts.MaxLineBytes) + readBufferSize,
	}
	r := csv.NewReader(src)
	r.FieldsPerRecord = -1 // counts are checked here, with a clearer message

	header, err := readCSVHeader(r, src, imp)
	if err != nil {
		return err
	}
	for {
		fields, err := r.Read()
		src.mark = r.InputOffset()
		if err == io.EOF && src.err == nil {
			break
		}
		if err != nil || src.err != nil {
			if err := csvReadError(imp, src, err); err != nil {
				return err
			}
			continue
		}
		if isBlankRow(fields) {
			continue
		}
		line, _ := r.FieldPos(0)
		if err := header.record(imp, line, fields); err != nil {
			return err
		}
	}

	if imp.result.Read == 0 && imp.malformed.Total == 0 {
		imp.reject(1, fieldError("", "the CSV file has a header row but no "+
			"rows below it; add at least one row"))
	}
	return nil
}

// csvReadError handles an error from csv.Reader.Read, or from the source
// below it, and returns the error that ends reading, or nil to go on.
// Errors of the input (a line that is too long or not UTF-8, a gzip
// failure) reject the file and stop. A CSV syntax error rejects the record
// and lets reading go on.
func csvReadError(imp *importer, src *csvSource, err error) error {
	var inputErr *csvInputError
	switch {
	case errors.As(src.err, &inputErr):
		imp.result.Read++
		imp.reject(inputErr.line, inputErr.err)
		return errStop
	case src.err != nil:
		return imp.inputError(src.lines.line+1, src.err)
	}
	var parseErr *csv.ParseError
	if !errors.As(err, &parseErr) {
		return fmt.Errorf("read CSV: %w", err)
	}
	imp.result.Read++
	imp.reject(parseErr.StartLine, csvSyntaxError(parseErr))
	return nil
}

// csvSyntaxError describes a CSV syntax error and how to fix it.
func csvSyntaxError(e *csv.ParseError) error {
	hint := ""
	if errors.Is(e.Err, csv.ErrQuote) || errors.Is(e.Err, csv.ErrBareQuote) {
		hint = "; a field that contains a quote must be enclosed in " +
			`quotes, with each quote inside it doubled ("say ""hi""")`
	}
	return fieldError("", "invalid CSV at line %d, column %d: %v%s",
		e.Line, e.Column, e.Err, hint)
}

// isBlankRow reports whether a row is one field of spaces, such as a
// line with only whitespace. encoding/csv skips empty lines itself.
func isBlankRow(fields []string) bool {
	return len(fields) == 1 && strings.TrimSpace(fields[0]) == ""
}

// csvHeader is the header row of a CSV file and how its rows are read.
type csvHeader struct {
	names  []string // column names, trimmed of spaces
	fields FieldMap // the import's field map, with label read from preferred when needed
	format Format   // the layout, chosen from the first row; empty before it
}

// readCSVHeader reads and checks the header row. It returns errStop when
// the header is malformed, and also for a file with no rows at all, which
// finish rejects.
func readCSVHeader(r *csv.Reader, src *csvSource, imp *importer) (*csvHeader, error) {
	fields, err := r.Read()
	src.mark = r.InputOffset()
	if err == io.EOF && src.err == nil {
		return nil, errStop
	}
	if err != nil || src.err != nil {
		if err := csvReadError(imp, src, err); err != nil {
			return nil, err
		}
		// A header with a syntax error leaves no names to read rows by.
		return nil, errStop
	}

	line, _ := r.FieldPos(0)
	h, err := newCSVHeader(fields, imp.opts.Fields)
	if err != nil {
		imp.reject(line, err)
		return nil, errStop
	}
	return h, nil
}

// newCSVHeader checks the column names of a header row: none twice, and
// the columns of pairs (response_a, response_b) or of chosen and rejected
// present, under their own names or those of the field map.
func newCSVHeader(names []string, fields FieldMap) (*csvHeader, error) {
	h := &csvHeader{names: make([]string, len(names)), fields: fields}
	seen := make(map[string]int, len(names))
	for i, name := range names {
		name = strings.TrimSpace(name)
		if j, dup := seen[name]; dup && name != "" {
			return nil, fieldError(name, "the header names column %q twice "+
				"(columns %d and %d); rename one of them", name, j+1, i+1)
		}
		seen[name] = i
		h.names[i] = name
	}
	has := func(canonical string) bool {
		for _, f := range fields.sources(canonical) {
			if _, ok := seen[f]; !ok {
				return false
			}
		}
		return true
	}

	if _, mapped := fields["label"]; !mapped && !has("label") {
		if _, ok := seen[csvPreferredColumn]; ok {
			h.fields = withEntry(fields, "label", csvPreferredColumn)
		}
	}
	if (has("chosen") && has("rejected")) || has("response_a") || has("response_b") {
		return h, nil
	}
	return nil, fieldError("", "%s", missingColumnsReason(h.names))
}

// missingColumnsReason explains a header without the columns of either
// layout and how to name or map them.
func missingColumnsReason(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	reason := fmt.Sprintf("the header row has no response_a and response_b "+
		"columns and no chosen and rejected columns (its columns: %s); "+
		"rename the columns, or map them (--map on the command line, the "+
		"Field map field on the import form, map= in the API), as in "+
		"prompt=question,response_a=answer1,response_b=answer2",
		strings.Join(quoted, ", "))
	if len(names) == 1 {
		for _, sep := range []string{";", "\t"} {
			if strings.Contains(names[0], sep) {
				reason += fmt.Sprintf("; the header is one column that "+
					"contains %q, so the file may use another separator: "+
					"save it with commas between fields", sep)
				break
			}
		}
	}
	return reason
}

// withEntry returns a copy of m with canonical read from source.
func withEntry(m FieldMap, canonical, source string) FieldMap {
	out := make(FieldMap, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	out[canonical] = source
	return out
}

// record handles the data row that starts at line.
func (h *csvHeader) record(imp *importer, line int, fields []string) error {
	if err := imp.ctx.Err(); err != nil {
		return fmt.Errorf("read stopped at line %d: %w", line, err)
	}
	imp.result.Read++

	rec, err := h.toRecord(fields)
	if err != nil {
		imp.reject(line, err)
		return nil
	}
	if h.format == "" {
		h.format = csvLayout(rec)
	}
	out, err := parsers[h.format](rec)
	if err == nil {
		err = h.addModels(rec, out)
	}
	if err != nil {
		imp.reject(line, err)
		return nil
	}
	return imp.accept(line, out)
}

// toRecord returns a row as a record of JSON strings under the column
// names. An empty label cell is left out, so that the row has no label,
// and a label is trimmed and lower-cased, so that "A " reads as "a".
func (h *csvHeader) toRecord(fields []string) (record, error) {
	if len(fields) != len(h.names) {
		return record{}, fieldError("", "the row has %d fields and the header "+
			"%d columns; enclose fields that contain commas, quotes or line "+
			"breaks in double quotes", len(fields), len(h.names))
	}
	labelSources := h.fields.sources("label")
	members := make(map[string]json.RawMessage, len(fields))
	for i, value := range fields {
		name := h.names[i]
		if len(labelSources) == 1 && name == labelSources[0] {
			value = strings.ToLower(strings.TrimSpace(value))
			if value == "" {
				continue
			}
		}
		raw, err := json.Marshal(value)
		if err != nil {
			return record{}, fieldError(name, "encode value: %v", err)
		}
		members[name] = raw
	}
	return record{members: members, names: h.fields}, nil
}

// csvLayout chooses the parser of a CSV file from its first row, as
// detectFormat does for JSON records. Chosen and rejected are HH
// transcripts when both start with "\n\nHuman:", and TRL rows otherwise.
// Without them, the row is a pairs row.
func csvLayout(rec record) Format {
	if rec.has("chosen") && rec.has("rejected") {
		if isTranscript(rec, "chosen") && isTranscript(rec, "rejected") {
			return FormatHH
		}
		return FormatTRL
	}
	return FormatPairs
}

// addModels sets the models of a chosen and rejected row from the
// chosen_model and rejected_model columns, when the row has them. The
// pairs layout reads model_a and model_b itself.
func (h *csvHeader) addModels(rec record, out outcome) error {
	if h.format == FormatPairs || out.row == nil {
		return nil
	}
	for i, column := range []string{csvChosenModel, csvRejectedModel} {
		raw, ok := rec.members[column]
		if !ok {
			continue
		}
		model, err := decodeString(column, raw)
		if err != nil {
			return err
		}
		out.row.Candidates[i].Model = model
	}
	return nil
}

// csvSource feeds encoding/csv one line at a time and checks each line
// before the CSV parser reads it: valid UTF-8 and at most the maximum line
// size. Line endings reach the parser as "\n", whether the file has "\n"
// or "\r\n". The first failure is kept in err, because encoding/csv may
// report a syntax error of the partial record in its place.
type csvSource struct {
	lines   *lineReader
	pending []byte // the rest of the current line, with its "\n"
	served  int64  // bytes returned to the parser
	mark    int64  // the parser's offset after the last record
	limit   int64  // maximum bytes served past mark
	err     error
}

// csvInputError is a line that the CSV parser must not see, at a known
// line number.
type csvInputError struct {
	line int
	err  error // a *LineError without a line number
}

func (e *csvInputError) Error() string { return e.err.Error() }

func (s *csvSource) Read(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if len(s.pending) == 0 {
		if err := s.nextLine(); err != nil {
			if err != io.EOF {
				s.err = err
			}
			return 0, err
		}
	}
	n := copy(p, s.pending)
	s.pending = s.pending[n:]
	s.served += int64(n)
	if s.served-s.mark > s.limit {
		s.err = &csvInputError{line: s.lines.line, err: fieldError("",
			"a CSV record that starts before this line is over the limit "+
				"of %d bytes, often because a quote is not closed; check "+
				"the quotes or %s", s.lines.max, raiseLimitHint)}
		return 0, s.err
	}
	return n, nil
}

// nextLine reads the next line into pending and checks it.
func (s *csvSource) nextLine() error {
	text, size, err := s.lines.next()
	if err != nil {
		return err
	}
	line := s.lines.line
	if size > s.lines.max {
		return &csvInputError{line: line, err: tooLongError(size, s.lines.max)}
	}
	if !utf8.Valid(text) {
		return &csvInputError{line: line, err: fieldError("", "%s",
			invalidUTF8Reason(text, "line"))}
	}
	s.pending = append(text, '\n')
	return nil
}
