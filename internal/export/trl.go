// Package export writes a project's labels as datasets that training tools
// read as they are. Every writer streams: rows go from the database to
// the output one at a time, so memory does not grow with the project.
package export

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/labeling"
)

// PreferenceSource walks the comparisons of a project that have a
// majority winner.
type PreferenceSource interface {
	EachPreference(ctx context.Context, projectID uuid.UUID, fn func(labeling.Preference) error) error
}

// TRLOptions tunes the TRL preference writer.
type TRLOptions struct {
	// Conversational writes every row in the conversational form, even
	// single-turn ones.
	Conversational bool
}

// standardRow is TRL's standard preference row with an explicit prompt.
type standardRow struct {
	Prompt   string `json:"prompt"`
	Chosen   string `json:"chosen"`
	Rejected string `json:"rejected"`
}

// conversationalRow is TRL's conversational preference row: the prompt is a
// message list and each completion is a list of one assistant message.
type conversationalRow struct {
	Prompt   labeling.Conversation `json:"prompt"`
	Chosen   labeling.Conversation `json:"chosen"`
	Rejected labeling.Conversation `json:"rejected"`
}

// WriteTRL writes one JSON line per comparison of projectID that has a
// majority winner, in import order, and returns how many it wrote. Every
// row takes one form, as in WriteDataset: the conversational form when
// opts.Conversational is set or any prompt of the project has a system
// message or several turns, and the standard form ({"prompt", "chosen",
// "rejected"} as strings) otherwise.
func WriteTRL(ctx context.Context, w io.Writer, src PreferenceSource, projectID uuid.UUID,
	opts TRLOptions) (int, error) {
	if !opts.Conversational {
		multiTurn, err := anyMultiTurnPreference(ctx, src, projectID)
		if err != nil {
			return 0, fmt.Errorf("export trl preferences of project %s: %w", projectID, err)
		}
		opts.Conversational = multiTurn
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)

	n := 0
	err := src.EachPreference(ctx, projectID, func(p labeling.Preference) error {
		n++
		return enc.Encode(trlRow(p, opts))
	})
	if err != nil {
		return n, fmt.Errorf("export trl preferences of project %s: %w", projectID, err)
	}
	return n, bw.Flush()
}

// anyMultiTurnPreference reports whether any prompt of projectID, or
// without a PromptFormSource any preference's prompt, is other than a
// single user message.
func anyMultiTurnPreference(ctx context.Context, src PreferenceSource, projectID uuid.UUID) (bool, error) {
	each := func(fn func(labeling.Preference) error) error {
		return src.EachPreference(ctx, projectID, fn)
	}
	return multiTurnIn(ctx, src, projectID, each,
		func(p labeling.Preference) labeling.Conversation { return p.Prompt })
}

func trlRow(p labeling.Preference, opts TRLOptions) any {
	if p.Prompt.SingleTurn() && !opts.Conversational {
		return standardRow{Prompt: p.Prompt[0].Content, Chosen: p.Chosen.Content, Rejected: p.Rejected.Content}
	}
	return conversationalRow{
		Prompt:   p.Prompt,
		Chosen:   labeling.Conversation{{Role: labeling.RoleAssistant, Content: p.Chosen.Content}},
		Rejected: labeling.Conversation{{Role: labeling.RoleAssistant, Content: p.Rejected.Content}},
	}
}
