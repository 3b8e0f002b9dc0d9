package train

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// maxRecordBytes is the maximum size of one JSONL line.
const maxRecordBytes = 64 << 20

// record is one JSON object of a data file with its position: the line
// of a JSONL file or the 1-based row of a Parquet file.
type record struct {
	path   string
	pos    int
	isRow  bool // pos counts Parquet rows, not lines
	fields map[string]json.RawMessage
	raw    []byte
}

// where formats the position of r for error messages, as "FILE: line 3"
// or "FILE: row 3".
func (r record) where() string {
	unit := "line"
	if r.isRow {
		unit = "row"
	}
	return fmt.Sprintf("%s: %s %d", r.path, unit, r.pos)
}

// errorf returns an error that names the file and position of r.
func (r record) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: %s", r.where(), fmt.Sprintf(format, args...))
}

// readRecords reads every record of the file at path. A file whose name
// ends in .parquet, or that starts with Parquet's magic bytes, is read as
// Parquet. Anything else is JSONL or one JSON array of objects,
// gzip-compressed or not. Blank lines are skipped. A line or element that
// is not a JSON object is an error naming it.
func readRecords(path string) ([]record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read data file: %w", err)
	}
	if strings.HasSuffix(path, ".parquet") || bytes.HasPrefix(data, []byte("PAR1")) {
		return readParquet(path, data)
	}
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: decompress gzip: %w", path, err)
		}
		data, err = io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("%s: decompress gzip: %w", path, err)
		}
	}
	if data, err = utf8Text(path, data); err != nil {
		return nil, err
	}
	readText := readJSONL
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '[' {
		readText = readJSONArray
	}
	recs, err := readText(path, data)
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: the file contains no records; "+
			"want one JSON object per line", path)
	}
	return recs, nil
}

// utf8Text returns data without a UTF-8 byte order mark, which editors
// on Windows write, or an error for a UTF-16 or UTF-32 text, which the
// readers cannot decode.
func utf8Text(path string, data []byte) ([]byte, error) {
	for _, bom := range [][]byte{{0, 0, 0xfe, 0xff}, {0xff, 0xfe}, {0xfe, 0xff}} {
		if bytes.HasPrefix(data, bom) {
			return nil, fmt.Errorf("%s: the file is UTF-16 or UTF-32 encoded (it starts with the byte order mark % x); "+
				"convert it to UTF-8", path, bom)
		}
	}
	return bytes.TrimPrefix(data, []byte{0xef, 0xbb, 0xbf}), nil
}

// readJSONL splits data into lines and decodes each non-blank one.
func readJSONL(path string, data []byte) ([]record, error) {
	var recs []record
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), maxRecordBytes)
	line := 1
	for ; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		rec := record{path: path, pos: line, raw: bytes.Clone(text)}
		if err := json.Unmarshal(text, &rec.fields); err != nil || rec.fields == nil {
			return nil, rec.errorf("want one JSON object per line: %v", jsonProblem(err))
		}
		recs = append(recs, rec)
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s: line %d is longer than %d bytes",
				path, line, maxRecordBytes)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return recs, nil
}

// readJSONArray decodes data as one JSON array of objects. Positions are
// 1-based element numbers, reported as rows.
func readJSONArray(path string, data []byte) ([]record, error) {
	var elems []json.RawMessage
	if err := json.Unmarshal(data, &elems); err != nil {
		return nil, fmt.Errorf("%s: want one JSON array of objects: %w", path, err)
	}
	recs := make([]record, 0, len(elems))
	for i, raw := range elems {
		rec := record{path: path, pos: i + 1, isRow: true}
		if err := json.Unmarshal(raw, &rec.fields); err != nil || rec.fields == nil {
			return nil, rec.errorf("want a JSON object: %v", jsonProblem(err))
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return nil, rec.errorf("%v", err)
		}
		rec.raw = compact.Bytes()
		recs = append(recs, rec)
	}
	return recs, nil
}

// jsonProblem describes a JSON decoding error, or a null value.
func jsonProblem(err error) string {
	if err == nil {
		return "got null"
	}
	return err.Error()
}

// readParquet reads every row of a Parquet file as a JSON object. Lists
// of structs, such as LIST<struct<content, role>> message columns, become
// JSON arrays of objects.
func readParquet(path string, data []byte) ([]record, error) {
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: open parquet: %w", path, err)
	}
	r := parquet.NewReader(f)
	defer r.Close()

	var recs []record
	for row := 1; ; row++ {
		values := map[string]any{}
		err := r.Read(&values)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: row %d: read parquet: %w", path, row, err)
		}
		rec, err := parquetRecord(path, row, values)
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: the parquet file contains no rows", path)
	}
	return recs, nil
}

// parquetRecord encodes the values of one Parquet row as a record.
func parquetRecord(path string, row int, values map[string]any) (record, error) {
	rec := record{path: path, pos: row, isRow: true, fields: map[string]json.RawMessage{}}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b, err := json.Marshal(jsonValue(values[k]))
		if err != nil {
			return record{}, rec.errorf("column %q: %v", k, err)
		}
		rec.fields[k] = b
	}
	raw, err := json.Marshal(rec.fields)
	if err != nil {
		return record{}, rec.errorf("encode row: %v", err)
	}
	rec.raw = raw
	return rec, nil
}

// jsonValue converts byte arrays, which Parquet uses for strings without
// a STRING annotation, into strings, recursively.
func jsonValue(v any) any {
	switch v := v.(type) {
	case []byte:
		return string(v)
	case []any:
		out := make([]any, len(v))
		for i := range v {
			out[i] = jsonValue(v[i])
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[k] = jsonValue(x)
		}
		return out
	}
	return v
}

// has reports whether r has a field name that is neither absent nor null.
func (r record) has(name string) bool {
	raw, ok := r.fields[name]
	return ok && string(raw) != "null"
}

// isString reports whether field name of r is a JSON string.
func (r record) isString(name string) bool {
	raw := bytes.TrimSpace(r.fields[name])
	return len(raw) > 0 && raw[0] == '"'
}

// float reads an optional numeric field; absent or null gives def.
func (r record) float(name string, def float64) (float64, error) {
	if !r.has(name) {
		return def, nil
	}
	var f float64
	if err := json.Unmarshal(r.fields[name], &f); err != nil {
		return 0, r.errorf("field %q: want a number, got %s", name, r.fields[name])
	}
	return f, nil
}
