package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// errElementTooLarge stops the JSON decoder when an array element grows
// past the maximum record size.
var errElementTooLarge = errors.New("array element over the maximum size")

// arraySlack is how far past an element's maximum size the decoder may read
// ahead, to cover the whitespace and comma before the element.
const arraySlack = readBufferSize

// readArray reads one JSON array whose elements are records. line is the
// number of the line with the opening bracket. It streams the array with
// json.Decoder, so only the decoder's buffer and one element are in memory.
func readArray(in io.Reader, line int, imp *importer) error {
	counter := &countingReader{
		in:    in,
		line:  line,
		limit: int64(imp.opts.MaxLineBytes) + arraySlack,
	}
	dec := json.NewDecoder(counter)
	if _, err := dec.Token(); err != nil {
		return arrayError(imp, counter, dec, err)
	}

	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return arrayError(imp, counter, dec, err)
		}
		end := dec.InputOffset()
		counter.mark = end
		// raw is the element's exact bytes, so it starts len(raw) bytes
		// before the decoder's offset.
		start := counter.lineAt(end - int64(len(raw)))
		if len(raw) > imp.opts.MaxLineBytes {
			// The reader's limit has slack, so an element may pass it
			// and still be over the maximum.
			imp.result.Read++
			imp.reject(start, elementTooLargeError(imp.opts.MaxLineBytes))
			continue
		}
		if err := imp.record(start, raw); err != nil {
			return err
		}
	}
	return closeArray(imp, counter, dec)
}

// elementTooLargeError reports an array element over the maximum size and
// how to proceed.
func elementTooLargeError(max int) error {
	return fieldError("", "array element is over the limit of %d bytes; %s",
		max, raiseLimitHint)
}

// closeArray reads the closing bracket and checks that nothing but
// whitespace follows it.
func closeArray(imp *importer, counter *countingReader, dec *json.Decoder) error {
	if _, err := dec.Token(); err != nil {
		return arrayError(imp, counter, dec, err)
	}
	_, err := dec.Token()
	switch {
	case err == io.EOF:
		return nil
	case err != nil:
		return arrayError(imp, counter, dec, err)
	}
	imp.reject(counter.lineAt(dec.InputOffset()), fieldError("",
		"unexpected data after the end of the JSON array; "+
			"give one array or one record per line (JSONL)"))
	return errStop
}

// arrayError turns a decoder error into a malformed record at the line
// where it happened and stops reading, because the decoder cannot go on
// after an error. Errors of the underlying reader are returned wrapped.
func arrayError(imp *importer, counter *countingReader, dec *json.Decoder, err error) error {
	var syntaxErr *json.SyntaxError
	var gzErr *gzipError
	switch {
	case errors.As(err, &gzErr):
		// Checked first, because a truncated stream wraps
		// io.ErrUnexpectedEOF.
		return imp.inputError(counter.lineAt(counter.read), err)
	case errors.Is(err, errElementTooLarge):
		imp.result.Read++
		imp.reject(elementLine(counter, dec), elementTooLargeError(imp.opts.MaxLineBytes))
	case errors.As(err, &syntaxErr):
		// Offset counts the bytes read up to and including the bad one.
		imp.result.Read++
		imp.reject(counter.lineAt(max(syntaxErr.Offset-1, 0)),
			fieldError("", "invalid JSON: %v", err))
	case errors.Is(err, io.ErrUnexpectedEOF):
		imp.result.Read++
		imp.reject(counter.lineAt(max(counter.read-1, 0)), fieldError("",
			"invalid JSON: the input ends inside an array element"))
	case errors.Is(err, io.EOF):
		imp.reject(counter.lineAt(max(counter.read-1, 0)), fieldError("",
			"invalid JSON: the input ends before the closing ] of the array"))
	default:
		return fmt.Errorf("read input: %w", err)
	}
	return errStop
}

// elementLine returns the line where the element that the decoder failed
// on starts: the first byte that is neither whitespace nor a comma in the
// decoder's unread buffer.
func elementLine(counter *countingReader, dec *json.Decoder) int {
	offset := dec.InputOffset()
	buffered, _ := io.ReadAll(dec.Buffered())
	skipped := len(buffered) - len(bytes.TrimLeft(buffered, " \t\r\n,"))
	return counter.lineAt(offset + int64(skipped))
}

// countingReader counts the bytes and newlines that the decoder reads, so
// that offsets from json.Decoder.InputOffset can be turned into line
// numbers. Reading more than limit bytes past mark, the end of the last
// element, returns errElementTooLarge, so an oversized element fails
// instead of filling memory.
type countingReader struct {
	in       io.Reader
	read     int64   // bytes returned so far
	newlines []int64 // offsets of newlines that lineAt has not passed yet
	line     int     // line number at the last offset passed to lineAt
	limit    int64
	mark     int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	room := c.mark + c.limit - c.read
	if room <= 0 {
		return 0, errElementTooLarge
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := c.in.Read(p)
	for i, b := range p[:n] {
		if b == '\n' {
			c.newlines = append(c.newlines, c.read+int64(i))
		}
	}
	c.read += int64(n)
	return n, err
}

// lineAt returns the line number of the byte at offset. Offsets must not
// decrease from one call to the next, because an earlier offset gets the
// line of the latest one.
func (c *countingReader) lineAt(offset int64) int {
	for len(c.newlines) > 0 && c.newlines[0] < offset {
		c.line++
		c.newlines = c.newlines[1:]
	}
	return c.line
}
