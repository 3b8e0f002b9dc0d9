package export

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
)

// JudgmentSource walks every judgment of a project.
type JudgmentSource interface {
	EachJudgment(ctx context.Context, projectID uuid.UUID, fn func(labeling.Judgment) error) error
}

// MinSaltLength is the fewest characters a salt given to WriteJudgments
// may have.
const MinSaltLength = 16

// pseudonymLength is the number of hex digits of an annotator pseudonym.
// They keep 64 bits of the HMAC, so among n annotators two share a
// pseudonym with a chance of about n²/2^65.
const pseudonymLength = 16

// JudgmentOptions selects the file and the pseudonyms of WriteJudgments.
type JudgmentOptions struct {
	// File is one of FileTypes; empty means jsonl.
	File string
	// Gzip compresses a JSONL file; a Parquet file rejects it.
	Gzip bool
	// Salt keys the annotator pseudonyms. Empty means 32 fresh random
	// bytes, so two exports share no pseudonyms. Give the same salt to
	// get the same pseudonyms, and byte-identical files, again. The salt
	// is never written to the file.
	Salt string
}

// FileOptions returns the file type settings of o.
func (o JudgmentOptions) FileOptions() FileOptions {
	return FileOptions{File: o.File, Gzip: o.Gzip}
}

// Validate returns an ErrInvalid error for an unknown file type, gzip
// requested for a Parquet file, or a salt shorter than MinSaltLength.
func (o JudgmentOptions) Validate() error {
	if err := o.FileOptions().Validate(); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(o.Salt); o.Salt != "" && n < MinSaltLength {
		return labeling.Errorf(labeling.ErrInvalid, "salt has %d characters; give at least %d, "+
			"or none for a fresh random salt", n, MinSaltLength)
	}
	return nil
}

// key returns the HMAC key of o: the salt's bytes, or 32 bytes from
// crypto/rand without one.
func (o JudgmentOptions) key() ([]byte, error) {
	if o.Salt != "" {
		return []byte(o.Salt), nil
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("draw salt: %w", err)
	}
	return key, nil
}

// Pseudonym returns the pseudonym of annotator id under key: the first
// 16 hex digits of HMAC-SHA256(key, the id in its canonical 36-character
// form).
func Pseudonym(key []byte, id uuid.UUID) string {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id.String()))
	return hex.EncodeToString(mac.Sum(nil))[:pseudonymLength]
}

// judgmentRow is one vote with every stored field, the annotator
// replaced by a pseudonym. Optional fields are null when unset, so every
// row has the same keys.
type judgmentRow struct {
	JudgmentID     uuid.UUID          `json:"judgment_id"`
	ComparisonID   uuid.UUID          `json:"comparison_id"`
	PromptID       uuid.UUID          `json:"prompt_id"`
	ResponseAID    uuid.UUID          `json:"response_a_id"`
	ResponseBID    uuid.UUID          `json:"response_b_id"`
	AnnotatorID    string             `json:"annotator_id"`
	Verdict        labeling.Verdict   `json:"verdict"`
	Preferred      *uuid.UUID         `json:"preferred_response_id"`
	Strength       *labeling.Strength `json:"strength"`
	Scores         judgmentScores     `json:"scores"`
	Rationale      string             `json:"rationale"`
	Unsafe         bool               `json:"unsafe"`
	LeftResponseID uuid.UUID          `json:"left_response_id"`
	ShownAt        time.Time          `json:"shown_at"`
	SubmittedAt    time.Time          `json:"submitted_at"`
}

// judgmentScores maps a response id to its rubric scores. JSON writes it
// as that object; Parquet has no column type for maps that every reader
// takes, so a Parquet file lists its entries instead (see ParquetValue).
type judgmentScores map[uuid.UUID]labeling.Scores

// scoreEntry is one rubric score of a judgment in a Parquet file.
type scoreEntry struct {
	ResponseID string `json:"response_id"`
	Criterion  string `json:"criterion"`
	Score      int    `json:"score"`
}

// ParquetValue returns s as a list of scoreEntry, sorted by response id
// and criterion so that the same scores give the same bytes.
func (s judgmentScores) ParquetValue() any {
	entries := []scoreEntry{}
	for id, scores := range s {
		for criterion, score := range scores {
			entries = append(entries, scoreEntry{id.String(), criterion, score})
		}
	}
	slices.SortFunc(entries, func(a, b scoreEntry) int {
		if c := strings.Compare(a.ResponseID, b.ResponseID); c != 0 {
			return c
		}
		return strings.Compare(a.Criterion, b.Criterion)
	})
	return entries
}

// WriteJudgments writes one row per judgment of projectID, in the order
// they were submitted, as a JSONL or Parquet file, and returns how many
// it wrote. Each annotator id is replaced by its Pseudonym under
// opts.Salt, or under a fresh random salt without one.
func WriteJudgments(ctx context.Context, w io.Writer, src JudgmentSource, projectID uuid.UUID,
	opts JudgmentOptions) (int, error) {
	if err := opts.Validate(); err != nil {
		return 0, err
	}
	key, err := opts.key()
	if err != nil {
		return 0, err
	}
	rows, err := opts.FileOptions().newRowWriter(w, judgmentRow{})
	if err != nil {
		return 0, err
	}

	n := 0
	err = src.EachJudgment(ctx, projectID, func(j labeling.Judgment) error {
		n++
		return rows.Write(toJudgmentRow(j, key))
	})
	if err == nil {
		err = rows.Close()
	}
	if err != nil {
		return n, fmt.Errorf("export judgments of project %s: %w", projectID, err)
	}
	return n, nil
}

func toJudgmentRow(j labeling.Judgment, key []byte) judgmentRow {
	row := judgmentRow{
		JudgmentID: j.ID, ComparisonID: j.ComparisonID, PromptID: j.PromptID,
		ResponseAID: j.ResponseAID, ResponseBID: j.ResponseBID,
		AnnotatorID: Pseudonym(key, j.AnnotatorID), Verdict: j.Verdict,
		Scores: judgmentScores(j.Scores), Rationale: j.Rationale, Unsafe: j.Unsafe,
		LeftResponseID: j.LeftResponseID, ShownAt: j.ShownAt, SubmittedAt: j.SubmittedAt,
	}
	if row.Scores == nil {
		row.Scores = judgmentScores{}
	}
	if j.Preferred != uuid.Nil {
		row.Preferred = &j.Preferred
	}
	if j.Strength != "" {
		row.Strength = &j.Strength
	}
	return row
}
