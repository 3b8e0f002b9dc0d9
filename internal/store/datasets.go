package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/pairwise/pairwise/internal/labeling"
)

// ComparisonVotes is one comparison with its texts, its labels and every
// judgment on it: what a dataset writer needs to aggregate and write it.
type ComparisonVotes struct {
	ID     uuid.UUID
	Prompt labeling.Conversation
	A, B   labeling.Response
	// SourceVerdict is the label that came with the imported data, and
	// empty without one. SourcePreferred is set with VerdictPreferred.
	SourceVerdict   labeling.Verdict
	SourcePreferred uuid.UUID
	// AdjudicatedVerdict is a researcher's verdict, and empty without
	// one. AdjudicatedPreferred is set with VerdictPreferred.
	AdjudicatedVerdict   labeling.Verdict
	AdjudicatedPreferred uuid.UUID
	// Judgments are in the order they were submitted.
	Judgments []JudgmentVote
}

// JudgmentVote is the part of a judgment that aggregation reads.
type JudgmentVote struct {
	AnnotatorID uuid.UUID
	Verdict     labeling.Verdict
	Preferred   uuid.UUID // uuid.Nil unless Verdict is VerdictPreferred
	Strength    labeling.Strength
}

// ComparisonVotesSQL is the query of EachComparisonVotes, with the
// project id as $1; benchmarks run it through COPY as a baseline. It
// aggregates the judgments of each comparison into arrays, so that a row
// holds one comparison and memory per row does not grow with the
// project. A prompt that is a single user message comes as its text and
// any other prompt as JSON, and votes come as arrays rather than JSON,
// because decoding JSON was half of the export's CPU time.
const ComparisonVotesSQL = `SELECT c.id,
		CASE WHEN jsonb_array_length(p.messages) = 1 AND p.messages -> 0 ->> 'role' = 'user'
			THEN p.messages -> 0 ->> 'content' END,
		CASE WHEN jsonb_array_length(p.messages) <> 1 OR p.messages -> 0 ->> 'role' <> 'user'
			THEN p.messages END,
		ra.id, ra.content, ra.model, rb.id, rb.content, rb.model,
		coalesce(c.source_verdict, ''), c.source_preferred_id,
		coalesce(c.adjudicated_verdict, ''), c.adjudicated_preferred_id,
		v.annotators, v.verdicts, v.preferred, v.strengths
	FROM comparisons c
	JOIN prompts p ON p.id = c.prompt_id
	JOIN responses ra ON ra.id = c.response_a_id
	JOIN responses rb ON rb.id = c.response_b_id
	LEFT JOIN LATERAL (
		SELECT array_agg(j.annotator_id ORDER BY j.seq) AS annotators,
			array_agg(j.verdict ORDER BY j.seq) AS verdicts,
			array_agg(coalesce(j.preferred_response_id, '00000000-0000-0000-0000-000000000000')
				ORDER BY j.seq) AS preferred,
			array_agg(coalesce(j.strength, '') ORDER BY j.seq) AS strengths
		FROM judgments j WHERE j.comparison_id = c.id
	) v ON true
	WHERE c.project_id = $1
	  AND (v.annotators IS NOT NULL OR c.adjudicated_verdict IS NOT NULL
	       OR c.source_verdict IS NOT NULL)
	ORDER BY c.seq`

// EachComparisonVotes calls fn for every comparison of project projectID
// that has at least one judgment, an adjudication or a source label, in
// import order, streaming rows from the database. A project without such comparisons,
// or one that does not exist, gives no calls and no error. An error from
// fn or a cancelled ctx stops the walk and is returned.
func (db *DB) EachComparisonVotes(ctx context.Context, projectID uuid.UUID,
	fn func(ComparisonVotes) error) error {
	rows, err := db.pool.Query(ctx, ComparisonVotesSQL, projectID)
	if err != nil {
		return fmt.Errorf("query comparison votes of project %s: %w", projectID, err)
	}
	defer rows.Close()
	return eachComparisonVotes(rows, fn)
}

func eachComparisonVotes(rows pgx.Rows, fn func(ComparisonVotes) error) error {
	for rows.Next() {
		c, err := scanComparisonVotes(rows)
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

// votesRow is one row of ComparisonVotesSQL as it is scanned. Ids are
// scanned as pgtype.UUID, which pgx decodes from binary, because it scans
// a uuid.UUID through database/sql: formatted as text, then parsed.
type votesRow struct {
	id, a, b, source, adjudicated pgtype.UUID
	singleTurn                    *string
	messages                      []byte
	annotators, preferred         []pgtype.UUID
	verdicts, strengths           []string
}

func scanComparisonVotes(rows pgx.Rows) (ComparisonVotes, error) {
	var c ComparisonVotes
	var r votesRow
	err := rows.Scan(&r.id, &r.singleTurn, &r.messages,
		&r.a, &c.A.Content, &c.A.Model, &r.b, &c.B.Content, &c.B.Model,
		&c.SourceVerdict, &r.source, &c.AdjudicatedVerdict, &r.adjudicated,
		&r.annotators, &r.verdicts, &r.preferred, &r.strengths)
	if err != nil {
		return c, fmt.Errorf("scan comparison votes: %w", err)
	}
	c.ID, c.A.ID, c.B.ID = r.id.Bytes, r.a.Bytes, r.b.Bytes
	c.SourcePreferred = r.source.Bytes // zero, uuid.Nil, when NULL
	c.AdjudicatedPreferred = r.adjudicated.Bytes

	if r.singleTurn != nil {
		c.Prompt = labeling.Conversation{{Role: labeling.RoleUser, Content: *r.singleTurn}}
	} else if err := json.Unmarshal(r.messages, &c.Prompt); err != nil {
		return c, fmt.Errorf("decode prompt of comparison %s: %w", c.ID, err)
	}
	c.Judgments = make([]JudgmentVote, len(r.annotators))
	for i, id := range r.annotators {
		c.Judgments[i] = JudgmentVote{AnnotatorID: id.Bytes, Verdict: labeling.Verdict(r.verdicts[i]),
			Preferred: r.preferred[i].Bytes, Strength: labeling.Strength(r.strengths[i])}
	}
	return c, nil
}

func idOrNil(id *uuid.UUID) uuid.UUID {
	if id == nil {
		return uuid.Nil
	}
	return *id
}

// CountLabelledComparisons returns the number of comparisons of project
// projectID that EachComparisonVotes walks: those with at least one
// judgment, an adjudication or a source label.
func (db *DB) CountLabelledComparisons(ctx context.Context, projectID uuid.UUID) (int64, error) {
	var n int64
	err := db.pool.QueryRow(ctx, `SELECT count(*) FROM comparisons c
		WHERE c.project_id = $1 AND (c.adjudicated_verdict IS NOT NULL OR c.source_verdict IS NOT NULL
			OR EXISTS (SELECT 1 FROM judgments j WHERE j.comparison_id = c.id))`, projectID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count labelled comparisons of project %s: %w", projectID, err)
	}
	return n, nil
}
