package export

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/pairwise/pairwise/internal/labeling"
)

// File types of an export.
const (
	FileJSONL   = "jsonl"
	FileParquet = "parquet"
)

// FileTypes lists the file types an export can be written as.
var FileTypes = []string{FileJSONL, FileParquet}

// FileOptions selects the file type of an export.
type FileOptions struct {
	// File is one of FileTypes; empty means jsonl.
	File string
	// Gzip compresses a JSONL file with gzip, with no name and no time in
	// the gzip header so that the same rows give the same bytes. Parquet
	// files compress each column with zstd and reject Gzip.
	Gzip bool
}

// Validate returns an ErrInvalid error that names an unknown file type,
// or gzip requested for a Parquet file.
func (o FileOptions) Validate() error {
	if o.File != "" && !slices.Contains(FileTypes, o.File) {
		return notOneOf("file type", o.File, FileTypes)
	}
	if o.Parquet() && o.Gzip {
		return labeling.Errorf(labeling.ErrInvalid, "gzip applies to JSONL files only; "+
			"a Parquet file already compresses its columns with zstd, so leave gzip off")
	}
	return nil
}

// Parquet reports whether o selects a Parquet file.
func (o FileOptions) Parquet() bool {
	return o.File == FileParquet
}

// Extension returns the file name extension of o: ".jsonl", ".jsonl.gz"
// or ".parquet".
func (o FileOptions) Extension() string {
	switch {
	case o.Parquet():
		return ".parquet"
	case o.Gzip:
		return ".jsonl.gz"
	}
	return ".jsonl"
}

// ContentType returns the HTTP media type of o's file.
func (o FileOptions) ContentType() string {
	switch {
	case o.Parquet():
		return "application/vnd.apache.parquet"
	case o.Gzip:
		return "application/gzip"
	}
	return "application/x-ndjson; charset=utf-8"
}

// rowWriter writes the rows of one export file. Close finishes the file
// but leaves the underlying writer open.
type rowWriter interface {
	Write(row any) error
	Close() error
}

// newRowWriter returns the writer of o's file type. A Parquet file takes
// its schema from prototype, a row of the type and shape of every row
// to come (see parquetSchemaOf).
func (o FileOptions) newRowWriter(w io.Writer, prototype any) (rowWriter, error) {
	if o.Parquet() {
		return newParquetRowWriter(w, prototype)
	}
	return newJSONLWriter(w, o.Gzip), nil
}

// jsonlWriter writes one JSON object per line, HTML left unescaped.
type jsonlWriter struct {
	buf *bufio.Writer
	gz  *gzip.Writer
	enc *json.Encoder
}

func newJSONLWriter(w io.Writer, gz bool) *jsonlWriter {
	j := &jsonlWriter{}
	if gz {
		// A zero gzip.Header has no name, no comment and no time.
		j.gz = gzip.NewWriter(w)
		w = j.gz
	}
	j.buf = bufio.NewWriterSize(w, 64<<10)
	j.enc = json.NewEncoder(j.buf)
	j.enc.SetEscapeHTML(false)
	return j
}

func (j *jsonlWriter) Write(row any) error {
	if err := j.enc.Encode(row); err != nil {
		return fmt.Errorf("encode row: %w", err)
	}
	return nil
}

func (j *jsonlWriter) Close() error {
	if err := j.buf.Flush(); err != nil {
		return err
	}
	if j.gz != nil {
		return j.gz.Close()
	}
	return nil
}
