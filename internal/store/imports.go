package store

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pairwise/pairwise/internal/labeling"
)

// ImportTx writes one import batch inside a single transaction, so that a
// rejected import leaves nothing behind.
type ImportTx struct {
	// Gold marks every comparison that comes with a source label as a gold
	// comparison whose known answer is that label.
	Gold bool

	tx        pgx.Tx
	projectID uuid.UUID
	batchID   uuid.UUID
}

// BeginImport opens the transaction of a new import batch into projectID.
// The caller must end it with Commit or Rollback.
func (db *DB) BeginImport(ctx context.Context, projectID uuid.UUID, sourceName string,
	createdBy uuid.UUID) (*ImportTx, error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin import into project %s: %w", projectID, err)
	}
	it := &ImportTx{tx: tx, projectID: projectID, batchID: uuid.New()}
	var creator *uuid.UUID
	if createdBy != uuid.Nil {
		creator = &createdBy
	}
	_, err = tx.Exec(ctx, `INSERT INTO import_batches (id, project_id, source_name, format, created_by)
		VALUES ($1, $2, $3, '', $4)`, it.batchID, projectID, sourceName, creator)
	if err != nil {
		tx.Rollback(ctx)
		return nil, fmt.Errorf("create import batch in project %s: %w", projectID, err)
	}
	return it, nil
}

// BatchID returns the id of the import batch.
func (it *ImportTx) BatchID() uuid.UUID { return it.batchID }

// Add stores row's prompt and candidates and a comparison for every pair
// of candidates. It returns how many comparisons it created and how many
// pairs it skipped because the project already had them.
func (it *ImportTx) Add(ctx context.Context, row labeling.Row) (added, duplicates int, err error) {
	promptID, err := it.upsertPrompt(ctx, row.Prompt)
	if err != nil {
		return 0, 0, fmt.Errorf("line %d: %w", row.Line, err)
	}
	ids := make([]uuid.UUID, len(row.Candidates))
	for i, c := range row.Candidates {
		if ids[i], err = it.upsertResponse(ctx, promptID, c); err != nil {
			return 0, 0, fmt.Errorf("line %d: %w", row.Line, err)
		}
	}

	for i := range ids {
		for j := i + 1; j < len(ids); j++ {
			ok, err := it.insertComparison(ctx, row, promptID, ids, i, j)
			if err != nil {
				return added, duplicates, fmt.Errorf("line %d: %w", row.Line, err)
			}
			if ok {
				added++
			} else {
				duplicates++
			}
		}
	}
	return added, duplicates, nil
}

func (it *ImportTx) upsertPrompt(ctx context.Context, prompt labeling.Conversation) (uuid.UUID, error) {
	messages, err := json.Marshal(prompt)
	if err != nil {
		return uuid.Nil, fmt.Errorf("encode prompt: %w", err)
	}
	sum := sha256.Sum256(messages)

	// The no-op update makes RETURNING give the existing row's id.
	var id uuid.UUID
	err = it.tx.QueryRow(ctx, `INSERT INTO prompts (id, project_id, messages, content_hash, batch_id)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (project_id, content_hash) DO UPDATE SET content_hash = EXCLUDED.content_hash
		RETURNING id`, uuid.New(), it.projectID, messages, sum[:], it.batchID).Scan(&id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store prompt: %w", err)
	}
	return id, nil
}

func (it *ImportTx) upsertResponse(ctx context.Context, promptID uuid.UUID, c labeling.Candidate) (uuid.UUID, error) {
	sum := sha256.Sum256([]byte(c.Content))
	var id uuid.UUID
	err := it.tx.QueryRow(ctx, `INSERT INTO responses (id, prompt_id, content, content_hash, model, batch_id)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (prompt_id, content_hash) DO UPDATE SET content_hash = EXCLUDED.content_hash
		RETURNING id`, uuid.New(), promptID, c.Content, sum[:], c.Model, it.batchID).Scan(&id)
	if err != nil {
		return uuid.Nil, fmt.Errorf("store response: %w", err)
	}
	return id, nil
}

// insertComparison stores the pair (ids[i], ids[j]) and reports whether it
// was new to the project.
func (it *ImportTx) insertComparison(ctx context.Context, row labeling.Row, promptID uuid.UUID,
	ids []uuid.UUID, i, j int) (bool, error) {
	var verdict *labeling.Verdict
	var preferred *uuid.UUID
	if l := row.Label; l != nil && len(ids) == 2 {
		verdict = &l.Verdict
		if l.Verdict == labeling.VerdictPreferred {
			preferred = &ids[l.Preferred]
		}
	}
	var goldVerdict *labeling.Verdict
	var goldPreferred *uuid.UUID
	if it.Gold {
		goldVerdict, goldPreferred = verdict, preferred
	}
	tag, err := it.tx.Exec(ctx, `INSERT INTO comparisons
		(id, project_id, prompt_id, response_a_id, response_b_id,
		 source_verdict, source_preferred_id, batch_id, source_line, gold_verdict, gold_preferred_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT DO NOTHING`,
		uuid.New(), it.projectID, promptID, ids[i], ids[j], verdict, preferred, it.batchID, row.Line,
		goldVerdict, goldPreferred)
	if err != nil {
		return false, fmt.Errorf("store comparison: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// Commit stores the detected format and report (any JSON-encodable value)
// on the batch and commits the transaction.
func (it *ImportTx) Commit(ctx context.Context, format string, report any) error {
	data, err := json.Marshal(report)
	if err != nil {
		return fmt.Errorf("encode import report: %w", err)
	}
	_, err = it.tx.Exec(ctx, `UPDATE import_batches SET report = $2, format = $3 WHERE id = $1`,
		it.batchID, data, format)
	if err != nil {
		return fmt.Errorf("store import report: %w", err)
	}
	if err := it.tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit import batch %s: %w", it.batchID, err)
	}
	return nil
}

// Rollback discards everything the batch wrote. It is safe to call after
// Commit.
func (it *ImportTx) Rollback(ctx context.Context) error {
	return it.tx.Rollback(ctx)
}

// ImportReport returns the source name and the stored JSON report of
// import batch batchID in project projectID, or an ErrNotFound error.
func (db *DB) ImportReport(ctx context.Context, projectID, batchID uuid.UUID) (string, []byte, error) {
	var source string
	var report []byte
	err := db.pool.QueryRow(ctx, `SELECT source_name, report FROM import_batches
		WHERE id = $1 AND project_id = $2`, batchID, projectID).Scan(&source, &report)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, labeling.Errorf(labeling.ErrNotFound, "import %s not found", batchID)
	}
	if err != nil {
		return "", nil, fmt.Errorf("get import %s: %w", batchID, err)
	}
	return source, report, nil
}

// Analyze refreshes the planner's statistics of the tables an import
// grows. Without them, the first minutes after a large import plan the
// lease query as a scan over every comparison of the project instead of a
// walk along the queue index; autovacuum would analyze only later.
func (db *DB) Analyze(ctx context.Context) error {
	if _, err := db.pool.Exec(ctx, `ANALYZE prompts, responses, comparisons`); err != nil {
		return fmt.Errorf("analyze imported tables: %w", err)
	}
	return nil
}

// comparisonTextsSQL finds a prompt and two of its responses by id, in a
// project that user $4 manages: an admin manages every project, and a
// researcher member manages the project. A null $4 skips the check.
const comparisonTextsSQL = `SELECT p.messages, ra.content, ra.model, rb.content, rb.model
	FROM prompts p
	JOIN responses ra ON ra.id = $2 AND ra.prompt_id = p.id
	JOIN responses rb ON rb.id = $3 AND rb.prompt_id = p.id
	WHERE p.id = $1
	  AND ($4::uuid IS NULL
	       OR EXISTS (SELECT 1 FROM users u WHERE u.id = $4 AND u.role = 'admin')
	       OR EXISTS (SELECT 1 FROM project_members m
	                  WHERE m.project_id = p.project_id AND m.user_id = $4
	                    AND m.role = 'researcher'))`

// ComparisonTexts returns the prompt with id promptID and its responses
// responseA and responseB, which a judgments export names by id, so that
// importing the export can copy the texts. With user set, the prompt must
// belong to a project that user manages; uuid.Nil, as the command line
// passes, skips the check. It returns an ErrNotFound error when the ids
// name no such prompt and responses, or the user does not manage their
// project, without saying which.
func (db *DB) ComparisonTexts(ctx context.Context, user, promptID, responseA, responseB uuid.UUID) (
	labeling.Conversation, labeling.Candidate, labeling.Candidate, error) {
	var messages []byte
	var a, b labeling.Candidate
	var by *uuid.UUID
	if user != uuid.Nil {
		by = &user
	}
	err := db.pool.QueryRow(ctx, comparisonTextsSQL, promptID, responseA, responseB, by).
		Scan(&messages, &a.Content, &a.Model, &b.Content, &b.Model)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, a, b, labeling.Errorf(labeling.ErrNotFound,
			"prompt %s with responses %s and %s not found", promptID, responseA, responseB)
	}
	if err != nil {
		return nil, a, b, fmt.Errorf("get texts of prompt %s: %w", promptID, err)
	}
	var prompt labeling.Conversation
	if err := json.Unmarshal(messages, &prompt); err != nil {
		return nil, a, b, fmt.Errorf("decode prompt %s: %w", promptID, err)
	}
	return prompt, a, b, nil
}

// DeleteEmptyProject deletes project projectID if it has no comparisons,
// as after an import into a new project was rejected, and reports whether
// it did.
func (db *DB) DeleteEmptyProject(ctx context.Context, projectID uuid.UUID) (bool, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM projects WHERE id = $1
		AND NOT EXISTS (SELECT 1 FROM comparisons WHERE project_id = $1)`, projectID)
	if err != nil {
		return false, fmt.Errorf("delete empty project %s: %w", projectID, err)
	}
	return tag.RowsAffected() == 1, nil
}
