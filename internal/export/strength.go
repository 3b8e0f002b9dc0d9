package export

// StrengthWeighted labels a comparison like Majority, but each vote
// weighs by its strength. A preferred vote adds its weight to its side. A
// tie or both-bad vote adds nothing to either side, but its NoPreference
// weight counts in the total and in its own class. The leading class wins
// when its share of the total weight exceeds MinShare. With no strengths
// recorded and the defaults, every vote weighs 0.5 and the policy decides
// as Majority does.
type StrengthWeighted struct {
	Options
	// Weights maps the strength of a preferred vote to its weight; the
	// zero value means DefaultStrengthWeights.
	Weights StrengthScale
	// Unrated is the weight of a preferred vote without a strength; 0
	// means 0.5.
	Unrated float64
	// NoPreference is the weight of a tie or both-bad vote; 0 means 0.5.
	NoPreference float64
	// MinShare is the share of the total weight that the leading class
	// must exceed; 0 means 0.5.
	MinShare float64
}

// Validate returns an ErrInvalid error naming the first invalid setting.
func (s StrengthWeighted) Validate() error {
	if err := s.Options.validate(); err != nil {
		return err
	}
	if err := s.Weights.validate("weight"); err != nil {
		return err
	}
	if err := checkNonNegative("weight of a vote without strength", s.Unrated); err != nil {
		return err
	}
	if err := checkNonNegative("weight of a tie or both-bad vote", s.NoPreference); err != nil {
		return err
	}
	return checkShare("minimum weight share", s.MinShare)
}

// Decide returns the outcome of one comparison.
func (s StrengthWeighted) Decide(item ItemVotes) (Outcome, error) {
	if err := s.Validate(); err != nil {
		return Outcome{}, err
	}
	t, err := newTally(item.Votes)
	if err != nil {
		return Outcome{}, err
	}
	if item.Adjudication != nil {
		return s.adjudicated(t, *item.Adjudication)
	}

	shares := s.weightShares(t)
	c, ok := leader(shares)
	ok = ok && shares[c] > orDefault(s.MinShare, 0.5) && s.enough(len(t.votes))
	return s.outcome(t, c, shares[c], ok), nil
}

// weightShares returns each class's share of the total weight, all 0
// when the total is 0.
func (s StrengthWeighted) weightShares(t tally) [NumClasses]float64 {
	scale := s.Weights.orDefault(DefaultStrengthWeights)
	var w [NumClasses]float64
	total := 0.0
	for i, v := range t.votes {
		weight := orDefault(s.NoPreference, 0.5)
		if c := t.classes[i]; c == ClassA || c == ClassB {
			weight = orDefault(s.Unrated, 0.5)
			if sw, ok := scale.Value(v.Strength); ok {
				weight = sw
			}
		}
		w[t.classes[i]] += weight
		total += weight
	}
	if total == 0 {
		return [NumClasses]float64{}
	}
	for c := range w {
		w[c] /= total
	}
	return w
}

// Aggregate returns the outcome of each item; see Policy.
func (s StrengthWeighted) Aggregate(items []ItemVotes) ([]Outcome, error) {
	return decideEach(items, s.Decide)
}
