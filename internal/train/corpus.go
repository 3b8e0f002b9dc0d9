package train

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
)

// ReadCorpus reads the documents of a pretraining corpus. A file ending
// in .jsonl, .json or .parquet (the first two optionally with .gz) holds
// one document per row in its "text" field. Any other file is plain text (optionally gzipped) whose
// paragraphs, separated by one or more blank lines, are documents.
// Documents are separated by EndOfText when they are tokenised.
func ReadCorpus(path string) ([]string, error) {
	if isRecordFile(path) {
		return readTextColumn(path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read corpus: %w", err)
	}
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("%s: decompress gzip: %w", path, err)
		}
		if data, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("%s: decompress gzip: %w", path, err)
		}
	}
	if data, err = utf8Text(path, data); err != nil {
		return nil, err
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	var docs []string
	for _, para := range strings.Split(text, "\n\n") {
		if p := strings.TrimSpace(para); p != "" {
			docs = append(docs, p)
		}
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("%s: the corpus is empty", path)
	}
	return docs, nil
}

// isRecordFile reports whether path names a JSONL, JSON or Parquet file
// by its extension.
func isRecordFile(path string) bool {
	for _, ext := range []string{".jsonl", ".jsonl.gz", ".json", ".json.gz", ".parquet"} {
		if strings.HasSuffix(path, ext) {
			return true
		}
	}
	return false
}

// readTextColumn reads the "text" field of every row.
func readTextColumn(path string) ([]string, error) {
	recs, err := readRecords(path)
	if err != nil {
		return nil, err
	}
	docs := make([]string, 0, len(recs))
	for _, rec := range recs {
		if !rec.isString("text") {
			return nil, rec.errorf("want a string field \"text\", got %s", fieldNames(rec))
		}
		var s string
		if err := json.Unmarshal(rec.fields["text"], &s); err != nil {
			return nil, rec.errorf("field \"text\": %v", err)
		}
		if strings.TrimSpace(s) != "" {
			docs = append(docs, s)
		}
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("%s: every \"text\" field is empty", path)
	}
	return docs, nil
}

// sortedStrings returns s sorted.
func sortedStrings(s []string) []string {
	slices.Sort(s)
	return s
}
