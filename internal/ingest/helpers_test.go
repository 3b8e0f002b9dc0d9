package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pairwise/pairwise/internal/labeling"
)

// readString runs Read on input and returns the rows it emitted.
func readString(t testing.TB, input string, opts Options) ([]labeling.Row, Result, error) {
	t.Helper()
	var rows []labeling.Row
	res, err := Read(context.Background(), strings.NewReader(input), opts, func(r labeling.Row) error {
		rows = append(rows, r)
		return nil
	})
	return rows, res, err
}

// mustRead runs Read on input and fails the test on any error.
func mustRead(t testing.TB, input string, opts Options) ([]labeling.Row, Result) {
	t.Helper()
	rows, res, err := readString(t, input, opts)
	if err != nil {
		t.Fatalf("Read: got error %v, want none", err)
	}
	return rows, res
}

// mustMalformed returns the MalformedError that err must be.
func mustMalformed(t testing.TB, err error) *MalformedError {
	t.Helper()
	var malformed *MalformedError
	if !errors.As(err, &malformed) {
		t.Fatalf("Read: got error %v, want a *MalformedError", err)
	}
	return malformed
}

// gzipped returns s compressed with gzip.
func gzipped(t testing.TB, s string) string {
	t.Helper()
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// user returns a conversation of one user message.
func user(content string) labeling.Conversation {
	return labeling.Conversation{{Role: labeling.RoleUser, Content: content}}
}

// msg returns a message.
func msg(role, content string) labeling.Message {
	return labeling.Message{Role: role, Content: content}
}

// texts returns the contents of candidates.
func texts(candidates []labeling.Candidate) []string {
	out := make([]string, len(candidates))
	for i, c := range candidates {
		out[i] = c.Content
	}
	return out
}

// preferredFirst is the source label of TRL and HH rows.
var preferredFirst = &labeling.SourceLabel{Verdict: labeling.VerdictPreferred, Preferred: 0}
