package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
)

// preferencesSQL keeps the comparisons with a winner: the adjudicated
// response when a researcher settled the comparison, otherwise the response
// with more than half of all judgments. Ties and both-bad verdicts count in
// the total, so they can deny a majority, and an adjudicated tie or
// both-bad leaves the comparison out.
const preferencesSQL = `WITH votes AS (
		SELECT j.comparison_id,
			count(*) AS total,
			count(*) FILTER (WHERE j.preferred_response_id = c.response_a_id) AS a_votes,
			count(*) FILTER (WHERE j.preferred_response_id = c.response_b_id) AS b_votes
		FROM judgments j JOIN comparisons c ON c.id = j.comparison_id
		WHERE c.project_id = $1
		GROUP BY j.comparison_id
	)
	SELECT c.id, p.messages, coalesce(v.a_votes, 0), coalesce(v.b_votes, 0), coalesce(v.total, 0),
		c.adjudicated_preferred_id,
		ra.id, ra.content, ra.model, rb.id, rb.content, rb.model
	FROM comparisons c
	LEFT JOIN votes v ON v.comparison_id = c.id
	JOIN prompts p ON p.id = c.prompt_id
	JOIN responses ra ON ra.id = c.response_a_id
	JOIN responses rb ON rb.id = c.response_b_id
	WHERE c.project_id = $1
	  AND CASE WHEN c.adjudicated_verdict IS NOT NULL THEN c.adjudicated_verdict = 'preferred'
	           ELSE greatest(v.a_votes, v.b_votes) * 2 > v.total END
	ORDER BY c.seq`

// EachPreference calls fn for every comparison of project projectID that
// has a majority winner, in import order, streaming rows from the
// database. An error from fn stops the walk and is returned.
func (db *DB) EachPreference(ctx context.Context, projectID uuid.UUID, fn func(labeling.Preference) error) error {
	rows, err := db.pool.Query(ctx, preferencesSQL, projectID)
	if err != nil {
		return fmt.Errorf("query preferences of project %s: %w", projectID, err)
	}
	defer rows.Close()

	for rows.Next() {
		var p labeling.Preference
		var messages []byte
		var aVotes, bVotes int
		var ra, rb labeling.Response
		var adjudicated *uuid.UUID
		err := rows.Scan(&p.ComparisonID, &messages, &aVotes, &bVotes, &p.Total, &adjudicated,
			&ra.ID, &ra.Content, &ra.Model, &rb.ID, &rb.Content, &rb.Model)
		if err != nil {
			return fmt.Errorf("scan preference: %w", err)
		}
		if err := json.Unmarshal(messages, &p.Prompt); err != nil {
			return fmt.Errorf("decode prompt of comparison %s: %w", p.ComparisonID, err)
		}

		p.Chosen, p.Rejected, p.Votes = ra, rb, aVotes
		if adjudicated != nil && *adjudicated == rb.ID || adjudicated == nil && bVotes > aVotes {
			p.Chosen, p.Rejected, p.Votes = rb, ra, bVotes
		}
		p.Adjudicated = adjudicated != nil
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}
