package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/pairwise/pairwise/internal/labeling"
	"github.com/pairwise/pairwise/internal/quality"
)

// verdictCategory returns SQL that numbers a verdict the way
// quality.Rating does: 0 when the response in column a is preferred, 1 for
// the other response, 2 for a tie, 3 for both bad, and -1 when verdict is
// NULL.
func verdictCategory(verdict, preferred, a string) string {
	return fmt.Sprintf(`CASE WHEN %[1]s IS NULL THEN -1
		WHEN %[1]s = 'preferred' AND %[2]s = %[3]s THEN 0
		WHEN %[1]s = 'preferred' THEN 1
		WHEN %[1]s = 'tie' THEN 2
		ELSE 3 END`, verdict, preferred, a)
}

// ratingsSQL reads every judgment of project $1 with its comparison's
// response lengths and gold answer. The lengths are counted once per
// judged comparison, and no text leaves the database.
var ratingsSQL = `WITH pairs AS MATERIALIZED (
		SELECT c.id, c.response_a_id, c.response_b_id,
			length(ra.content) AS length_a, length(rb.content) AS length_b,
			` + verdictCategory("c.gold_verdict", "c.gold_preferred_id", "c.response_a_id") + ` AS gold
		FROM comparisons c
		JOIN responses ra ON ra.id = c.response_a_id
		JOIN responses rb ON rb.id = c.response_b_id
		WHERE c.project_id = $1
		  AND EXISTS (SELECT 1 FROM judgments j WHERE j.comparison_id = c.id)
	)
	SELECT j.comparison_id, j.annotator_id, coalesce(u.display_name, u.email, ''),
		` + verdictCategory("j.verdict", "j.preferred_response_id", "c.response_a_id") + `,
		coalesce(array_position(ARRAY['negligibly', 'slightly', 'clearly', 'much'], j.strength), 0),
		j.scores -> c.response_a_id::text,
		j.scores -> c.response_b_id::text,
		j.left_response_id = c.response_a_id, c.length_a, c.length_b,
		j.shown_at, j.submitted_at, c.gold
	FROM pairs c
	JOIN judgments j ON j.comparison_id = c.id
	JOIN users u ON u.id = j.annotator_id
	ORDER BY j.seq`

// EachRating calls fn for every judgment of project projectID in the
// order they were submitted, reduced to what quality.Report needs and
// streamed from the database. An error from fn stops the walk and is
// returned.
func (db *DB) EachRating(ctx context.Context, projectID uuid.UUID, fn func(quality.Rating) error) error {
	rows, err := db.pool.Query(ctx, ratingsSQL, projectID)
	if err != nil {
		return fmt.Errorf("query ratings of project %s: %w", projectID, err)
	}
	defer rows.Close()

	for rows.Next() {
		r, err := scanRating(rows)
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

func scanRating(rows pgx.Rows) (quality.Rating, error) {
	var r quality.Rating
	var scoresA, scoresB []byte
	err := rows.Scan(&r.Comparison, &r.Annotator, &r.AnnotatorName, &r.Verdict, &r.Strength,
		&scoresA, &scoresB, &r.LeftIsA, &r.LengthA, &r.LengthB, &r.ShownAt, &r.SubmittedAt, &r.Gold)
	if err != nil {
		return r, fmt.Errorf("scan rating: %w", err)
	}
	if r.ScoresA, err = decodeScores(scoresA); err != nil {
		return r, fmt.Errorf("decode scores of comparison %s: %w", r.Comparison, err)
	}
	if r.ScoresB, err = decodeScores(scoresB); err != nil {
		return r, fmt.Errorf("decode scores of comparison %s: %w", r.Comparison, err)
	}
	return r, nil
}

// decodeScores decodes one response's {criterion: score} object, or
// returns nil for SQL NULL.
func decodeScores(data []byte) (map[string]int, error) {
	if data == nil {
		return nil, nil
	}
	var scores map[string]int
	err := json.Unmarshal(data, &scores)
	return scores, err
}

// DayCount is the number of judgments submitted on one day.
type DayCount struct {
	Day       time.Time // midnight UTC
	Judgments int
}

// VotesPerDay counts the judgments of project projectID by the UTC day
// they were submitted, oldest first. Days without judgments are left out.
func (db *DB) VotesPerDay(ctx context.Context, projectID uuid.UUID) ([]DayCount, error) {
	rows, err := db.pool.Query(ctx, `SELECT (j.submitted_at AT TIME ZONE 'UTC')::date AS day, count(*)
		FROM judgments j JOIN comparisons c ON c.id = j.comparison_id
		WHERE c.project_id = $1
		GROUP BY day ORDER BY day`, projectID)
	if err != nil {
		return nil, fmt.Errorf("count votes per day of project %s: %w", projectID, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (DayCount, error) {
		var d DayCount
		err := r.Scan(&d.Day, &d.Judgments)
		d.Day = time.Date(d.Day.Year(), d.Day.Month(), d.Day.Day(), 0, 0, 0, 0, time.UTC)
		return d, err
	})
}

// ReviewFilter selects which disputed comparisons ReviewQueue returns.
type ReviewFilter string

// Review filters.
const (
	ReviewAll         ReviewFilter = "all"         // open ones first
	ReviewOpen        ReviewFilter = "open"        // not adjudicated yet
	ReviewAdjudicated ReviewFilter = "adjudicated" // with a researcher's verdict
)

// Valid reports whether f is a known filter.
func (f ReviewFilter) Valid() bool {
	return f == ReviewAll || f == ReviewOpen || f == ReviewAdjudicated
}

// ReviewItem is a disputed comparison with everything a researcher needs
// to settle it. A and B are in the comparison's stored order.
type ReviewItem struct {
	ComparisonID uuid.UUID
	Prompt       labeling.Conversation
	A, B         labeling.Response
	Votes        []ReviewVote
	// Adjudicated and Gold are nil unless set.
	Adjudicated *Settlement
	Gold        *Settlement
}

// ReviewVote is one annotator's judgment as the review queue shows it.
type ReviewVote struct {
	AnnotatorName string
	Verdict       labeling.Verdict
	Preferred     uuid.UUID
	Strength      labeling.Strength
	Rationale     string
	Unsafe        bool
	SubmittedAt   time.Time
}

// disputedSQL selects the comparisons of project $1 with at least two
// judgments that do not all give the same verdict, filtered by $2. The
// select list goes in place of %s.
const disputedSQL = `WITH disputed AS (
		SELECT j.comparison_id AS id
		FROM judgments j JOIN comparisons c ON c.id = j.comparison_id
		WHERE c.project_id = $1
		GROUP BY j.comparison_id
		HAVING count(*) >= 2
		   AND count(DISTINCT coalesce(j.preferred_response_id::text, j.verdict)) > 1
	)
	SELECT %s
	FROM disputed d
	JOIN comparisons c ON c.id = d.id
	JOIN prompts p ON p.id = c.prompt_id
	JOIN responses ra ON ra.id = c.response_a_id
	JOIN responses rb ON rb.id = c.response_b_id
	WHERE $2 = 'all' OR ($2 = 'adjudicated') = (c.adjudicated_verdict IS NOT NULL)`

var reviewItemsSQL = fmt.Sprintf(disputedSQL, `c.id, p.messages,
		ra.id, ra.content, ra.model, rb.id, rb.content, rb.model,
		c.adjudicated_verdict, c.adjudicated_preferred_id, c.gold_verdict, c.gold_preferred_id`) + `
	ORDER BY c.adjudicated_verdict IS NOT NULL, c.seq
	LIMIT $3 OFFSET $4`

var reviewCountSQL = fmt.Sprintf(disputedSQL, `count(*)`)

// ReviewQueue returns up to limit of project projectID's disputed
// comparisons after skipping offset, open ones first and then in import
// order, and the number of disputed comparisons that filter selects. It
// returns ErrInvalid for an unknown filter.
func (db *DB) ReviewQueue(ctx context.Context, projectID uuid.UUID, filter ReviewFilter,
	limit, offset int) ([]ReviewItem, int, error) {
	if !filter.Valid() {
		return nil, 0, labeling.Errorf(labeling.ErrInvalid,
			"review filter %q is not one of all, open, adjudicated", filter)
	}
	var total int
	err := db.pool.QueryRow(ctx, reviewCountSQL, projectID, string(filter)).Scan(&total)
	if err != nil {
		return nil, 0, fmt.Errorf("count disputed comparisons of project %s: %w", projectID, err)
	}

	rows, err := db.pool.Query(ctx, reviewItemsSQL, projectID, string(filter), limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list disputed comparisons of project %s: %w", projectID, err)
	}
	items, err := pgx.CollectRows(rows, scanReviewItem)
	if err != nil {
		return nil, 0, fmt.Errorf("list disputed comparisons of project %s: %w", projectID, err)
	}
	if err := db.addReviewVotes(ctx, items); err != nil {
		return nil, 0, err
	}
	return items, total, nil
}

func scanReviewItem(row pgx.CollectableRow) (ReviewItem, error) {
	var it ReviewItem
	var messages []byte
	var adjudicated, gold *labeling.Verdict
	var adjudicatedPreferred, goldPreferred *uuid.UUID
	err := row.Scan(&it.ComparisonID, &messages,
		&it.A.ID, &it.A.Content, &it.A.Model, &it.B.ID, &it.B.Content, &it.B.Model,
		&adjudicated, &adjudicatedPreferred, &gold, &goldPreferred)
	if err != nil {
		return it, err
	}
	if err := json.Unmarshal(messages, &it.Prompt); err != nil {
		return it, fmt.Errorf("decode prompt of comparison %s: %w", it.ComparisonID, err)
	}
	it.Adjudicated = settlementOf(adjudicated, adjudicatedPreferred)
	it.Gold = settlementOf(gold, goldPreferred)
	return it, nil
}

// settlementOf returns the settlement stored in a verdict column and its
// preferred-response column, or nil when the verdict is NULL.
func settlementOf(verdict *labeling.Verdict, preferred *uuid.UUID) *Settlement {
	if verdict == nil {
		return nil
	}
	s := &Settlement{Verdict: *verdict}
	if preferred != nil {
		s.Preferred = *preferred
	}
	return s
}

const reviewVotesSQL = `SELECT j.comparison_id, coalesce(u.display_name, u.email, ''),
		j.verdict, j.preferred_response_id, coalesce(j.strength, ''), j.rationale, j.unsafe,
		j.submitted_at
	FROM judgments j JOIN users u ON u.id = j.annotator_id
	WHERE j.comparison_id = ANY($1)
	ORDER BY j.seq`

// addReviewVotes loads the judgments of items in one query.
func (db *DB) addReviewVotes(ctx context.Context, items []ReviewItem) error {
	if len(items) == 0 {
		return nil
	}
	at := make(map[uuid.UUID]int, len(items))
	ids := make([]uuid.UUID, len(items))
	for i, it := range items {
		at[it.ComparisonID], ids[i] = i, it.ComparisonID
	}

	rows, err := db.pool.Query(ctx, reviewVotesSQL, ids)
	if err != nil {
		return fmt.Errorf("list votes of disputed comparisons: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cid uuid.UUID
		var v ReviewVote
		var preferred *uuid.UUID
		err := rows.Scan(&cid, &v.AnnotatorName, &v.Verdict, &preferred, &v.Strength,
			&v.Rationale, &v.Unsafe, &v.SubmittedAt)
		if err != nil {
			return fmt.Errorf("scan vote of comparison %s: %w", cid, err)
		}
		if preferred != nil {
			v.Preferred = *preferred
		}
		items[at[cid]].Votes = append(items[at[cid]].Votes, v)
	}
	return rows.Err()
}

// GoldComparison is a comparison with a gold answer, as the review page
// lists it. A and B carry ids and models but no content.
type GoldComparison struct {
	ComparisonID uuid.UUID
	// PromptStart is the first 200 characters of the prompt's last message.
	PromptStart string
	A, B        labeling.Response
	Answer      Settlement
	Judged      int // judgments of the comparison
	Correct     int // judgments that match the gold answer
}

const goldComparisonsSQL = `SELECT c.id, left(p.messages -> -1 ->> 'content', 200),
		c.response_a_id, ra.model, c.response_b_id, rb.model,
		c.gold_verdict, c.gold_preferred_id,
		(SELECT count(*) FROM judgments j WHERE j.comparison_id = c.id),
		(SELECT count(*) FROM judgments j WHERE j.comparison_id = c.id
		   AND j.verdict = c.gold_verdict
		   AND j.preferred_response_id IS NOT DISTINCT FROM c.gold_preferred_id),
		count(*) OVER ()
	FROM comparisons c
	JOIN prompts p ON p.id = c.prompt_id
	JOIN responses ra ON ra.id = c.response_a_id
	JOIN responses rb ON rb.id = c.response_b_id
	WHERE c.project_id = $1 AND c.gold_verdict IS NOT NULL
	ORDER BY c.seq
	LIMIT $2`

// GoldComparisons returns up to limit (at least 1) of project projectID's
// gold comparisons in import order and how many it has in all.
func (db *DB) GoldComparisons(ctx context.Context, projectID uuid.UUID,
	limit int) ([]GoldComparison, int, error) {
	rows, err := db.pool.Query(ctx, goldComparisonsSQL, projectID, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("list gold comparisons of project %s: %w", projectID, err)
	}
	total := 0
	golds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (GoldComparison, error) {
		var g GoldComparison
		var preferred *uuid.UUID
		var start *string
		err := r.Scan(&g.ComparisonID, &start, &g.A.ID, &g.A.Model, &g.B.ID, &g.B.Model,
			&g.Answer.Verdict, &preferred, &g.Judged, &g.Correct, &total)
		if start != nil {
			g.PromptStart = *start
		}
		if preferred != nil {
			g.Answer.Preferred = *preferred
		}
		return g, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list gold comparisons of project %s: %w", projectID, err)
	}
	return golds, total, nil
}

// CheckComparison returns an ErrNotFound error unless comparison cid
// belongs to project projectID.
func (db *DB) CheckComparison(ctx context.Context, projectID, cid uuid.UUID) error {
	var found bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM comparisons
		WHERE id = $1 AND project_id = $2)`, cid, projectID).Scan(&found)
	if err != nil {
		return fmt.Errorf("find comparison %s: %w", cid, err)
	}
	if !found {
		return labeling.Errorf(labeling.ErrNotFound, "comparison %s not found in this project", cid)
	}
	return nil
}
