package export

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/pairwise/pairwise/internal/store"
)

// PolicySource exports the label that came with the imported data, so that
// a project imported from a labelled dataset exports the same labels
// again. Votes do not change the label. An adjudication overrides it, as
// it overrides every policy, and labels a comparison that has no source
// label.
const PolicySource = "source"

// sourceDecider returns the outcome of each comparison from its
// adjudication or else its source label, and false for a comparison with
// neither. The outcome's vote counts and agreement describe how the
// annotators' votes, if any, agree with the label. Its margin is the mean
// margin of the agreeing votes with a strength, so it is 0 for a project
// that has only imported labels, because a source label has no strength.
func sourceDecider(opts Options) func(store.ComparisonVotes) (Outcome, bool, error) {
	return func(c store.ComparisonVotes) (Outcome, bool, error) {
		if c.SourceVerdict == "" && c.AdjudicatedVerdict == "" {
			return Outcome{}, false, nil
		}
		item, err := itemOf(c)
		if err != nil {
			return Outcome{}, false, err
		}
		t, err := newTally(item.Votes)
		if err != nil {
			return Outcome{}, false, fmt.Errorf("comparison %s: %w", c.ID, err)
		}
		if item.Adjudication != nil {
			out, err := opts.adjudicated(t, *item.Adjudication)
			return out, err == nil, err
		}

		pos, err := position(c, c.SourceVerdict, c.SourcePreferred)
		if err != nil {
			return Outcome{}, false, fmt.Errorf("source label: %w", err)
		}
		class, err := classOf(c.SourceVerdict, pos)
		if err != nil {
			return Outcome{}, false, fmt.Errorf("source label of comparison %s: %w", c.ID, err)
		}
		return opts.outcome(t, class, 1, true), true, nil
	}
}

// votedOnly passes on only the comparisons with a vote or an adjudication.
// The store also returns comparisons that have only a source label, for
// the source policy, and the Dawid-Skene fit must not see them: each one
// would pull the class priors toward its uniform starting posterior.
type votedOnly struct {
	DatasetSource
}

// EachComparisonVotes calls fn for the comparisons of projectID that have
// a vote or an adjudication.
func (v votedOnly) EachComparisonVotes(ctx context.Context, projectID uuid.UUID,
	fn func(store.ComparisonVotes) error) error {
	return v.DatasetSource.EachComparisonVotes(ctx, projectID, func(c store.ComparisonVotes) error {
		if len(c.Judgments) == 0 && c.AdjudicatedVerdict == "" {
			return nil
		}
		return fn(c)
	})
}
