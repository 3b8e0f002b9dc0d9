package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
)

// ResponseRatings is one response with the rubric scores annotators gave
// it: what the rubric dataset writer needs for one row.
type ResponseRatings struct {
	ID       uuid.UUID
	PromptID uuid.UUID
	Prompt   labeling.Conversation
	Content  string
	Model    string
	// Ratings holds one set of scores per annotator who scored the
	// response, ordered by annotator id. An annotator who scored it in
	// several comparisons counts once, with their latest scores.
	Ratings []labeling.Scores
}

// responseRatingsSQL picks each annotator's latest non-empty scores of
// each response of project $1 from the judgments' scores objects, which
// map a response id to {criterion: score}, and groups them by response.
// Scores that are not JSON objects are skipped.
// Responses come in the order of the first comparison that rated them.
const responseRatingsSQL = `WITH latest AS (
		SELECT DISTINCT ON (s.key, j.annotator_id)
			s.key::uuid AS response_id, j.annotator_id, s.value AS scores,
			min(c.seq) OVER (PARTITION BY s.key) AS first_seq
		FROM judgments j
		JOIN comparisons c ON c.id = j.comparison_id
		CROSS JOIN LATERAL jsonb_each(CASE jsonb_typeof(j.scores)
			WHEN 'object' THEN j.scores ELSE '{}'::jsonb END) s
		WHERE c.project_id = $1
		  AND jsonb_typeof(s.value) = 'object' AND s.value <> '{}'::jsonb
		ORDER BY s.key, j.annotator_id, j.seq DESC
	)
	SELECT r.id, p.id, p.messages, r.content, r.model,
		json_agg(l.scores ORDER BY l.annotator_id)
	FROM latest l
	JOIN responses r ON r.id = l.response_id
	JOIN prompts p ON p.id = r.prompt_id
	GROUP BY r.id, p.id, l.first_seq
	ORDER BY l.first_seq, r.id`

// EachResponseRatings calls fn for every response of project projectID
// that at least one annotator gave rubric scores, one response at a
// time, streaming rows from the database. A project without scores, or
// one that does not exist, gives no calls and no error. An error from fn
// or a cancelled ctx stops the walk and is returned.
func (db *DB) EachResponseRatings(ctx context.Context, projectID uuid.UUID,
	fn func(ResponseRatings) error) error {
	rows, err := db.pool.Query(ctx, responseRatingsSQL, projectID)
	if err != nil {
		return fmt.Errorf("query response ratings of project %s: %w", projectID, err)
	}
	defer rows.Close()

	for rows.Next() {
		var r ResponseRatings
		var messages, ratings []byte
		if err := rows.Scan(&r.ID, &r.PromptID, &messages, &r.Content, &r.Model, &ratings); err != nil {
			return fmt.Errorf("scan response ratings: %w", err)
		}
		if err := json.Unmarshal(messages, &r.Prompt); err != nil {
			return fmt.Errorf("decode prompt of response %s: %w", r.ID, err)
		}
		if err := json.Unmarshal(ratings, &r.Ratings); err != nil {
			return fmt.Errorf("decode ratings of response %s: %w", r.ID, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}
