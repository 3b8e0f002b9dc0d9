package export

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
)

// JudgmentSource walks every judgment of a project.
type JudgmentSource interface {
	EachJudgment(ctx context.Context, projectID uuid.UUID, fn func(labeling.Judgment) error) error
}

// judgmentRow is one vote with every stored field. Optional fields are
// null when unset, so every row has the same keys.
type judgmentRow struct {
	JudgmentID     uuid.UUID                     `json:"judgment_id"`
	ComparisonID   uuid.UUID                     `json:"comparison_id"`
	PromptID       uuid.UUID                     `json:"prompt_id"`
	ResponseAID    uuid.UUID                     `json:"response_a_id"`
	ResponseBID    uuid.UUID                     `json:"response_b_id"`
	AnnotatorID    uuid.UUID                     `json:"annotator_id"`
	Verdict        labeling.Verdict              `json:"verdict"`
	Preferred      *uuid.UUID                    `json:"preferred_response_id"`
	Strength       *labeling.Strength            `json:"strength"`
	Scores         map[uuid.UUID]labeling.Scores `json:"scores"`
	Rationale      string                        `json:"rationale"`
	Unsafe         bool                          `json:"unsafe"`
	LeftResponseID uuid.UUID                     `json:"left_response_id"`
	ShownAt        time.Time                     `json:"shown_at"`
	SubmittedAt    time.Time                     `json:"submitted_at"`
}

// WriteJudgments writes one JSON line per judgment of projectID, in the
// order they were submitted, and returns how many it wrote.
func WriteJudgments(ctx context.Context, w io.Writer, src JudgmentSource, projectID uuid.UUID) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)

	n := 0
	err := src.EachJudgment(ctx, projectID, func(j labeling.Judgment) error {
		n++
		return enc.Encode(toJudgmentRow(j))
	})
	if err != nil {
		return n, fmt.Errorf("export judgments of project %s: %w", projectID, err)
	}
	return n, bw.Flush()
}

func toJudgmentRow(j labeling.Judgment) judgmentRow {
	row := judgmentRow{
		JudgmentID: j.ID, ComparisonID: j.ComparisonID, PromptID: j.PromptID,
		ResponseAID: j.ResponseAID, ResponseBID: j.ResponseBID, AnnotatorID: j.AnnotatorID,
		Verdict: j.Verdict, Scores: j.Scores, Rationale: j.Rationale, Unsafe: j.Unsafe,
		LeftResponseID: j.LeftResponseID, ShownAt: j.ShownAt, SubmittedAt: j.SubmittedAt,
	}
	if row.Scores == nil {
		row.Scores = map[uuid.UUID]labeling.Scores{}
	}
	if j.Preferred != uuid.Nil {
		row.Preferred = &j.Preferred
	}
	if j.Strength != "" {
		row.Strength = &j.Strength
	}
	return row
}
