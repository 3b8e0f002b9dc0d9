package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
)

// parquetMagic starts and ends every Parquet file.
var parquetMagic = []byte("PAR1")

// readSource reads r as Parquet when it starts with the Parquet magic
// bytes, and as JSONL or a JSON array otherwise.
func (imp *importer) readSource(r io.Reader) error {
	src := bufio.NewReaderSize(r, readBufferSize)
	magic, err := src.Peek(len(parquetMagic))
	if err != nil && err != io.EOF {
		return fmt.Errorf("read input: %w", err)
	}
	if bytes.Equal(magic, parquetMagic) {
		return readParquet(src, r, imp)
	}

	// openInput keeps src as it is, because src is a large enough
	// bufio.Reader.
	in, err := openInput(src)
	if err != nil {
		return imp.inputError(1, err)
	}
	return imp.readInput(in)
}

// readParquet reads a Parquet file whose first bytes are buffered in src.
// A Parquet reader needs random access, so r is read in place when it is
// a regular file, and copied to a temporary file otherwise. The sizes in
// the footer and page headers are checked against the row limit before
// any row is decoded (see checkParquetSizes). Each row becomes a JSON
// object with one member per column, so the format parsers check it as
// they check JSON.
func readParquet(src *bufio.Reader, r io.Reader, imp *importer) error {
	imp.result.Unit = UnitRow
	at, size, cleanup, err := randomAccess(src, r)
	if err != nil {
		return err
	}
	defer cleanup()

	if err := checkParquetFooter(at, size, imp.opts.MaxLineBytes); err != nil {
		imp.reject(1, err)
		return errStop
	}
	// The page index and bloom filters serve lookups, not a full read.
	file, err := parquet.OpenFile(at, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		imp.reject(1, fieldError("", "invalid Parquet file: %v; "+
			"the file may be truncated, so write or upload it again", err))
		return errStop
	}
	if problems := checkParquetSizes(file, at, imp.opts.MaxLineBytes); len(problems) > 0 {
		for i := range problems {
			imp.reject(problems[i].Line, &problems[i])
		}
		return errStop
	}

	// The reader decodes one row at a time, so the memory it holds is the
	// current page of each column, which checkParquetSizes bounded.
	reader := parquet.NewReader(file)
	defer reader.Close()

	for row := 1; ; row++ {
		raw, err := readParquetRow(reader)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			imp.result.Read++
			imp.reject(row, fieldError("", "cannot read the row: %v", err))
			return errStop
		}
		if len(raw) > imp.opts.MaxLineBytes {
			imp.result.Read++
			imp.reject(row, fieldError("", "row is %d bytes as JSON, over the limit of %d bytes; %s",
				len(raw), imp.opts.MaxLineBytes, raiseLimitHint))
			continue
		}
		if err := imp.record(row, raw); err != nil {
			return err
		}
	}
}

// readParquetRow reads the next row as a JSON object, or returns io.EOF.
// The reader panics on some corrupt files, so a panic becomes an error.
func readParquetRow(reader *parquet.Reader) (raw []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("corrupt Parquet data: %v", p)
		}
	}()
	row := map[string]any{}
	if err := reader.Read(&row); err != nil {
		return nil, err
	}
	return json.Marshal(jsonValue(row))
}

// jsonValue converts a value read from Parquet into one that encodes as
// the JSON that the same row has in a JSONL file. Byte arrays without a
// string annotation become strings when they are valid UTF-8, because
// encoding/json would write them as base64.
func jsonValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = jsonValue(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = jsonValue(e)
		}
		return v
	case []byte:
		if utf8.Valid(v) {
			return string(v)
		}
		return v
	}
	return v
}

// randomAccess returns an io.ReaderAt over the whole input and its size.
// src holds the first bytes of r already read.
func randomAccess(src *bufio.Reader, r io.Reader) (io.ReaderAt, int64, func(), error) {
	if f, ok := r.(*os.File); ok {
		if size, ok := sizeFromStart(f); ok {
			return f, size, func() {}, nil
		}
	}

	tmp, err := os.CreateTemp("", "pairwise-parquet-")
	if err != nil {
		return nil, 0, nil, fmt.Errorf("spool Parquet input: %w", err)
	}
	cleanup := func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}
	size, err := io.Copy(tmp, src)
	if err != nil {
		cleanup()
		return nil, 0, nil, fmt.Errorf("spool Parquet input: %w", err)
	}
	return tmp, size, cleanup, nil
}

// sizeFromStart returns the size of f when f is a regular file. The
// Parquet reader reads it at absolute offsets, so Read's caller must pass
// a file at its start, as one just opened or rewound.
func sizeFromStart(f *os.File) (int64, bool) {
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return 0, false
	}
	return info.Size(), true
}
