package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
)

// readBufferSize is the size of the read buffers. JSONL lines longer than
// this are read in several pieces.
const readBufferSize = 64 << 10

// openInput returns a reader of r's text: decompressed when r starts with
// the gzip magic bytes, and without a leading UTF-8 byte-order mark. Text
// in UTF-16 or UTF-32 returns an *encodingError.
func openInput(r io.Reader) (*bufio.Reader, error) {
	in := bufio.NewReaderSize(r, readBufferSize)
	magic, err := in.Peek(2)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read input: %w", err)
	}
	if bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		gz, err := gzip.NewReader(in)
		if err != nil {
			return nil, &gzipError{err: err}
		}
		in = bufio.NewReaderSize(gzipReader{gz}, readBufferSize)
	}

	bom, err := in.Peek(3)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("read input: %w", err)
	}
	if bytes.Equal(bom, []byte{0xef, 0xbb, 0xbf}) {
		_, _ = in.Discard(3)
	}
	return in, checkWideEncoding(in)
}

// gzipReader wraps errors from the gzip stream in a *gzipError, so that
// Read can report a truncated or corrupt upload as a malformed file.
type gzipReader struct {
	gz *gzip.Reader
}

func (g gzipReader) Read(p []byte) (int, error) {
	n, err := g.gz.Read(p)
	if err != nil && err != io.EOF {
		err = &gzipError{err: err}
	}
	return n, err
}

// gzipError is a failure to decompress the input: a bad header, a stream
// that ends early or a checksum mismatch.
type gzipError struct {
	err error
}

func (e *gzipError) Error() string { return "decompress gzip: " + e.err.Error() }

func (e *gzipError) Unwrap() error { return e.err }

// lineError returns the malformed-file error for e, without a line number.
func (e *gzipError) lineError() *LineError {
	return fieldError("", "the gzip stream ends early or is corrupt (%v); "+
		"the file may be truncated, so upload it again", e.err)
}

// isSpace reports whether c is JSON whitespace.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

// skipSpace consumes leading JSON whitespace and returns the next byte,
// left unread, and the number of the line it is on. At the end of the
// input it returns 0 for the byte.
func skipSpace(in *bufio.Reader) (next byte, line int, err error) {
	line = 1
	for {
		c, err := in.ReadByte()
		if err == io.EOF {
			return 0, line, nil
		}
		if err != nil {
			return 0, line, fmt.Errorf("read input: %w", err)
		}
		if !isSpace(c) {
			return c, line, in.UnreadByte()
		}
		if c == '\n' {
			line++
		}
	}
}
