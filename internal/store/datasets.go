package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

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

// judgmentVoteJSON is a JudgmentVote as comparisonVotesSQL encodes it.
type judgmentVoteJSON struct {
	AnnotatorID uuid.UUID         `json:"annotator_id"`
	Verdict     labeling.Verdict  `json:"verdict"`
	Preferred   *uuid.UUID        `json:"preferred_id"`
	Strength    labeling.Strength `json:"strength"`
}

// comparisonVotesSQL aggregates the judgments of each comparison into one
// JSON array, so that a row holds one comparison and memory per row does
// not grow with the project.
const comparisonVotesSQL = `SELECT c.id, p.messages,
		ra.id, ra.content, ra.model, rb.id, rb.content, rb.model,
		coalesce(c.source_verdict, ''), c.source_preferred_id,
		coalesce(c.adjudicated_verdict, ''), c.adjudicated_preferred_id,
		coalesce(v.judgments, '[]'::json)
	FROM comparisons c
	JOIN prompts p ON p.id = c.prompt_id
	JOIN responses ra ON ra.id = c.response_a_id
	JOIN responses rb ON rb.id = c.response_b_id
	LEFT JOIN LATERAL (
		SELECT json_agg(json_build_object(
				'annotator_id', j.annotator_id,
				'verdict', j.verdict,
				'preferred_id', j.preferred_response_id,
				'strength', coalesce(j.strength, ''))
			ORDER BY j.seq) AS judgments
		FROM judgments j WHERE j.comparison_id = c.id
	) v ON true
	WHERE c.project_id = $1
	  AND (v.judgments IS NOT NULL OR c.adjudicated_verdict IS NOT NULL)
	ORDER BY c.seq`

// EachComparisonVotes calls fn for every comparison of project projectID
// that has at least one judgment or an adjudication, in import order,
// streaming rows from the database. A project without such comparisons,
// or one that does not exist, gives no calls and no error. An error from
// fn or a cancelled ctx stops the walk and is returned.
func (db *DB) EachComparisonVotes(ctx context.Context, projectID uuid.UUID,
	fn func(ComparisonVotes) error) error {
	rows, err := db.pool.Query(ctx, comparisonVotesSQL, projectID)
	if err != nil {
		return fmt.Errorf("query comparison votes of project %s: %w", projectID, err)
	}
	defer rows.Close()

	for rows.Next() {
		var c ComparisonVotes
		var messages, judgments []byte
		var source, adjudicated *uuid.UUID
		err := rows.Scan(&c.ID, &messages,
			&c.A.ID, &c.A.Content, &c.A.Model, &c.B.ID, &c.B.Content, &c.B.Model,
			&c.SourceVerdict, &source, &c.AdjudicatedVerdict, &adjudicated, &judgments)
		if err != nil {
			return fmt.Errorf("scan comparison votes: %w", err)
		}
		if err := decodeComparisonVotes(&c, messages, judgments); err != nil {
			return err
		}
		c.SourcePreferred = idOrNil(source)
		c.AdjudicatedPreferred = idOrNil(adjudicated)
		if err := fn(c); err != nil {
			return err
		}
	}
	return rows.Err()
}

func decodeComparisonVotes(c *ComparisonVotes, messages, judgments []byte) error {
	if err := json.Unmarshal(messages, &c.Prompt); err != nil {
		return fmt.Errorf("decode prompt of comparison %s: %w", c.ID, err)
	}
	var votes []judgmentVoteJSON
	if err := json.Unmarshal(judgments, &votes); err != nil {
		return fmt.Errorf("decode judgments of comparison %s: %w", c.ID, err)
	}
	c.Judgments = make([]JudgmentVote, len(votes))
	for i, v := range votes {
		c.Judgments[i] = JudgmentVote{AnnotatorID: v.AnnotatorID, Verdict: v.Verdict,
			Preferred: idOrNil(v.Preferred), Strength: v.Strength}
	}
	return nil
}

func idOrNil(id *uuid.UUID) uuid.UUID {
	if id == nil {
		return uuid.Nil
	}
	return *id
}
