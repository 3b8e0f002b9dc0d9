package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// readLines reads JSONL: one record per line, with blank lines ignored.
// line is the number of the line that in starts on. A first record that
// starts a JSON object and does not end on its line is taken for
// pretty-printed JSON: it is rejected alone and reading stops, because the
// lines after it are pieces of the same object.
func readLines(in *bufio.Reader, line int, imp *importer) error {
	lines := &lineReader{in: in, max: imp.opts.MaxLineBytes, line: line - 1}
	first := true
	for {
		text, size, err := lines.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			// The line that failed is the one after the last returned.
			return imp.inputError(lines.line+1,
				fmt.Errorf("read input at line %d: %w", lines.line+1, err))
		}
		if size > lines.max {
			imp.result.Read++
			imp.reject(lines.line, tooLongError(size, lines.max))
			continue
		}
		if len(bytes.Trim(text, " \t\r")) == 0 {
			continue
		}
		if first && isUnfinishedObject(text) {
			imp.result.Read++
			imp.reject(lines.line, fieldError("", "a JSON object starts "+
				"on this line and does not end on it; write one record "+
				"per line (JSONL) or wrap the records in a JSON array"))
			return errStop
		}
		if first && isCSVHeader(text) {
			imp.result.Read++
			imp.reject(lines.line, csvHeaderError(text))
			return errStop
		}
		first = false
		if err := imp.record(lines.line, text); err != nil {
			return err
		}
	}
}

// isUnfinishedObject reports whether text starts a JSON object and ends
// before the object does.
func isUnfinishedObject(text []byte) bool {
	if !bytes.HasPrefix(bytes.TrimLeft(text, " \t\r"), []byte("{")) {
		return false
	}
	var raw json.RawMessage
	err := json.Unmarshal(text, &raw)
	var syntaxErr *json.SyntaxError
	// NOTE: encoding/json has no sentinel for truncated input, so this
	// matches the message that its scanner gives at the end of the input.
	return errors.As(err, &syntaxErr) &&
		syntaxErr.Error() == "unexpected end of JSON input"
}

// raiseLimitHint is the advice given for a record over the maximum size.
const raiseLimitHint = "split the record or raise the limit " +
	"with --max-line-bytes or PAIRWISE_MAX_LINE_BYTES"

// tooLongError reports a line over the maximum size and how to proceed.
func tooLongError(size, max int) error {
	return fieldError("", "line is %d bytes, over the limit of %d bytes; %s",
		size, max, raiseLimitHint)
}

// lineReader splits its input into lines. It holds at most max+2 bytes of
// a line, plus the bufio.Reader's buffer.
type lineReader struct {
	in   *bufio.Reader
	max  int
	line int // number of the line last returned
	buf  []byte
}

// next returns the next line without its line ending ("\n" or "\r\n"),
// and the line's size in bytes without the ending. When the size is over
// max the text is not kept and is nil. It returns io.EOF when no line is
// left.
func (r *lineReader) next() (text []byte, size int, err error) {
	r.buf = r.buf[:0]
	var prev byte // last byte of the previous piece of the line
	for {
		piece, err := r.in.ReadSlice('\n')
		if size == 0 && len(piece) == 0 && err == io.EOF {
			return nil, 0, io.EOF
		}
		size += len(piece)
		// Up to two bytes over max are kept for the "\r\n" line ending.
		if size <= r.max+2 {
			r.buf = append(r.buf, piece...)
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			prev = piece[len(piece)-1]
			continue
		case err != nil && err != io.EOF:
			return nil, size, err
		}

		r.line++
		if err == nil {
			size -= lineEndingLen(piece, prev)
		}
		if size > r.max {
			return nil, size, nil
		}
		return r.buf[:size], size, nil
	}
}

// lineEndingLen returns 2 when the line that ends with piece ends with
// "\r\n", and 1 when it ends with "\n" alone. prev is the byte before piece.
func lineEndingLen(piece []byte, prev byte) int {
	before := prev
	if len(piece) >= 2 {
		before = piece[len(piece)-2]
	}
	if before == '\r' {
		return 2
	}
	return 1
}
