package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// multiTurnSQL looks for a prompt of project $1 that is not a single
// user message, the test of labeling.Conversation.SingleTurn. It reads
// only the prompts table, not the responses.
const multiTurnSQL = `SELECT EXISTS (
	SELECT 1 FROM prompts
	WHERE project_id = $1
	  AND NOT (jsonb_array_length(messages) = 1 AND messages->0->>'role' = 'user'))`

// HasMultiTurnPrompt reports whether any prompt of project projectID has
// a system message or more than one message, judged or not. A project
// that does not exist has none.
func (db *DB) HasMultiTurnPrompt(ctx context.Context, projectID uuid.UUID) (bool, error) {
	var found bool
	if err := db.pool.QueryRow(ctx, multiTurnSQL, projectID).Scan(&found); err != nil {
		return false, fmt.Errorf("look for multi-turn prompts of project %s: %w", projectID, err)
	}
	return found, nil
}
