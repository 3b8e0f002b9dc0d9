package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
)

// preferencesSQL counts the votes of each judged comparison and keeps
// those where one response has more than half of all judgments. Ties and
// both-bad verdicts count in the total, so they can deny a majority.
const preferencesSQL = `WITH votes AS (
		SELECT j.comparison_id,
			count(*) AS total,
			count(*) FILTER (WHERE j.preferred_response_id = c.response_a_id) AS a_votes,
			count(*) FILTER (WHERE j.preferred_response_id = c.response_b_id) AS b_votes
		FROM judgments j JOIN comparisons c ON c.id = j.comparison_id
		WHERE c.project_id = $1
		GROUP BY j.comparison_id
	)
	SELECT c.id, p.messages, v.a_votes, v.b_votes, v.total,
		ra.id, ra.content, ra.model, rb.id, rb.content, rb.model
	FROM votes v
	JOIN comparisons c ON c.id = v.comparison_id
	JOIN prompts p ON p.id = c.prompt_id
	JOIN responses ra ON ra.id = c.response_a_id
	JOIN responses rb ON rb.id = c.response_b_id
	WHERE greatest(v.a_votes, v.b_votes) * 2 > v.total
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
		err := rows.Scan(&p.ComparisonID, &messages, &aVotes, &bVotes, &p.Total,
			&ra.ID, &ra.Content, &ra.Model, &rb.ID, &rb.Content, &rb.Model)
		if err != nil {
			return fmt.Errorf("scan preference: %w", err)
		}
		if err := json.Unmarshal(messages, &p.Prompt); err != nil {
			return fmt.Errorf("decode prompt of comparison %s: %w", p.ComparisonID, err)
		}

		p.Chosen, p.Rejected, p.Votes = ra, rb, aVotes
		if bVotes > aVotes {
			p.Chosen, p.Rejected, p.Votes = rb, ra, bVotes
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}
