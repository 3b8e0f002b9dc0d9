package export

import (
	"fmt"
	"math"
	"slices"

	"github.com/pairwise/pairwise/internal/labeling"
)

// AnnotatorWeighted labels comparisons with the model of Dawid and Skene,
// "Maximum likelihood estimation of observer error-rates using the EM
// algorithm" (Applied Statistics 28(1), 1979). Each comparison has a
// hidden true class (a, b, tie or both bad). Each annotator has a
// confusion matrix: the probability of each vote given the true class.
// Expectation-maximisation fits the class priors and the confusion
// matrices to all comparisons of a project at once. An annotator who
// agrees with the consensus counts for more. The votes of one who
// consistently contradicts it count as evidence for the opposite class.
//
// The fit starts from the share of votes for each class per comparison,
// adds Smoothing to every count before it normalises priors and confusion
// rows, and stops when no prior and no confusion entry changes by
// Tolerance or more, or after MaxIterations rounds. An adjudicated
// comparison keeps its adjudicated class throughout the fit, so it also
// informs the estimates of its annotators. A comparison is labelled with
// its most probable class when that posterior is at least Threshold and
// it has at least MinVotes votes.
type AnnotatorWeighted struct {
	Options
	// Threshold is the least posterior probability for a label; 0 means
	// 0.5.
	Threshold float64
	// Smoothing is the pseudo-count added to every prior and confusion
	// count; 0 means 0.5, the pseudo-count of the Jeffreys prior. It
	// keeps every probability above zero and stops the fit from inventing
	// a tie class out of ties that coincide by chance.
	//
	// NOTE: the pseudo-counts of a confusion row add up to 4×Smoothing
	// votes. An annotator with about that many votes per class is pulled
	// toward uniform, and a project with only a handful of votes, such as
	// one comparison with two, converges to uniform posteriors and gets
	// no labels. Majority suits such projects better.
	Smoothing float64
	// MaxIterations bounds the rounds of EM; 0 means 100.
	MaxIterations int
	// Tolerance is the largest change in a prior or confusion entry
	// that counts as converged; 0 means 1e-6.
	Tolerance float64
}

// DawidSkeneFit is the fitted model and the outcomes of its comparisons.
type DawidSkeneFit struct {
	// Outcomes and Posteriors are in the order of the fitted items.
	Outcomes   []Outcome
	Posteriors [][NumClasses]float64
	Priors     [NumClasses]float64
	// Annotators are sorted by name.
	Annotators []Reliability
	Iterations int
	Converged  bool
}

// Reliability is the fitted error model of one annotator.
type Reliability struct {
	Annotator string
	Votes     int
	// Accuracy is the probability that the annotator's vote matches the
	// true class: the diagonal of Confusion weighted by the class priors.
	Accuracy float64
	// Confusion[true class][vote] is the probability of the vote given
	// the true class; each row sums to 1.
	Confusion [NumClasses][NumClasses]float64
}

// Validate returns an ErrInvalid error naming the first invalid setting.
func (p AnnotatorWeighted) Validate() error {
	if err := p.Options.validate(); err != nil {
		return err
	}
	if !(p.Threshold >= 0 && p.Threshold <= 1) {
		return labeling.Errorf(labeling.ErrInvalid,
			"posterior threshold is %g; use a probability from 0 to 1, such as 0.5", p.Threshold)
	}
	if err := checkNonNegative("smoothing", p.Smoothing); err != nil {
		return err
	}
	if p.MaxIterations < 0 {
		return labeling.Errorf(labeling.ErrInvalid,
			"maximum iterations is %d; use 1 or more, or 0 for the default of 100", p.MaxIterations)
	}
	if !(p.Tolerance >= 0 && p.Tolerance < 1) {
		return labeling.Errorf(labeling.ErrInvalid,
			"tolerance is %g; use a small positive number such as 1e-6", p.Tolerance)
	}
	return nil
}

// Aggregate returns the outcome of each item; see Policy.
func (p AnnotatorWeighted) Aggregate(items []ItemVotes) ([]Outcome, error) {
	fit, err := p.Fit(items)
	if err != nil {
		return nil, err
	}
	return fit.Outcomes, nil
}

// dsItem is one comparison prepared for the fit: its votes as annotator
// indices and classes, and the class an adjudication fixes.
type dsItem struct {
	tally      tally
	annotators []int
	fixed      Class
	isFixed    bool
}

// dsParams is the model that EM estimates.
type dsParams struct {
	priors    [NumClasses]float64
	confusion [][NumClasses][NumClasses]float64 // per annotator
}

// Fit runs EM over items, all the comparisons of one project, and
// returns the fitted model with one outcome per item. The same items in
// the same order always give the same fit.
func (p AnnotatorWeighted) Fit(items []ItemVotes) (DawidSkeneFit, error) {
	if err := p.Validate(); err != nil {
		return DawidSkeneFit{}, err
	}
	data, names, err := indexItems(items)
	if err != nil {
		return DawidSkeneFit{}, err
	}
	alpha := orDefault(p.Smoothing, 0.5)
	maxIter := p.MaxIterations
	if maxIter == 0 {
		maxIter = 100
	}

	// Start from the vote shares, then alternate M and E steps.
	post := initialPosteriors(data)
	params := mStep(data, post, len(names), alpha)
	fit := DawidSkeneFit{}
	for fit.Iterations < maxIter && !fit.Converged {
		fit.Iterations++
		post = eStep(data, params)
		next := mStep(data, post, len(names), alpha)
		fit.Converged = params.maxChange(next) < orDefault(p.Tolerance, 1e-6)
		params = next
	}

	post = eStep(data, params)
	fit.Posteriors = post
	fit.Priors = params.priors
	fit.Annotators = reliabilities(data, names, params)
	fit.Outcomes = p.outcomes(data, post)
	return fit, nil
}

// indexItems checks the votes of items and numbers the annotators in
// name order.
func indexItems(items []ItemVotes) ([]dsItem, []string, error) {
	index := map[string]int{}
	for _, it := range items {
		for _, v := range it.Votes {
			index[v.Annotator] = 0
		}
	}
	names := make([]string, 0, len(index))
	for name := range index {
		names = append(names, name)
	}
	slices.Sort(names)
	for i, name := range names {
		index[name] = i
	}

	data := make([]dsItem, len(items))
	for i, it := range items {
		d, err := newDSItem(it, index)
		if err != nil {
			return nil, nil, fmt.Errorf("comparison %q: %w", it.Item, err)
		}
		data[i] = d
	}
	return data, names, nil
}

func newDSItem(it ItemVotes, index map[string]int) (dsItem, error) {
	t, err := newTally(it.Votes)
	if err != nil {
		return dsItem{}, err
	}
	d := dsItem{tally: t, annotators: make([]int, len(it.Votes))}
	for j, v := range it.Votes {
		d.annotators[j] = index[v.Annotator]
	}
	if it.Adjudication != nil {
		d.fixed, err = classOf(it.Adjudication.Verdict, it.Adjudication.Preferred)
		if err != nil {
			return dsItem{}, fmt.Errorf("adjudication: %w", err)
		}
		d.isFixed = true
	}
	return d, nil
}

// initialPosteriors returns each item's vote shares, uniform for an item
// without votes and one-hot for an adjudicated item.
func initialPosteriors(data []dsItem) [][NumClasses]float64 {
	post := make([][NumClasses]float64, len(data))
	for i, d := range data {
		switch {
		case d.isFixed:
			post[i][d.fixed] = 1
		case len(d.tally.votes) == 0:
			for c := range post[i] {
				post[i][c] = 1.0 / NumClasses
			}
		default:
			post[i] = d.tally.shares()
		}
	}
	return post
}

// mStep returns the priors and confusion matrices that maximise the
// expected likelihood under post, with alpha added to every count.
func mStep(data []dsItem, post [][NumClasses]float64, annotators int, alpha float64) dsParams {
	p := dsParams{confusion: make([][NumClasses][NumClasses]float64, annotators)}
	for i, d := range data {
		for k := range NumClasses {
			p.priors[k] += post[i][k]
		}
		for j, a := range d.annotators {
			vote := d.tally.classes[j]
			for k := range NumClasses {
				p.confusion[a][k][vote] += post[i][k]
			}
		}
	}

	normalise(&p.priors, alpha)
	for a := range p.confusion {
		for k := range NumClasses {
			normalise(&p.confusion[a][k], alpha)
		}
	}
	return p
}

// normalise adds alpha to every count of row and scales it to sum to 1,
// leaving it uniform when it has no mass.
func normalise(row *[NumClasses]float64, alpha float64) {
	sum := 0.0
	for k := range row {
		row[k] += alpha
		sum += row[k]
	}
	for k := range row {
		if sum == 0 {
			row[k] = 1.0 / NumClasses
		} else {
			row[k] /= sum
		}
	}
}

// eStep returns each item's posterior over the true class given params.
// It works in log space, so items with many votes do not underflow.
func eStep(data []dsItem, params dsParams) [][NumClasses]float64 {
	post := make([][NumClasses]float64, len(data))
	for i, d := range data {
		if d.isFixed {
			post[i][d.fixed] = 1
			continue
		}
		var logp [NumClasses]float64
		for k := range NumClasses {
			logp[k] = math.Log(params.priors[k])
			for j, a := range d.annotators {
				logp[k] += math.Log(params.confusion[a][k][d.tally.classes[j]])
			}
		}
		post[i] = softmax(logp)
	}
	return post
}

// softmax returns exp(x) normalised to sum to 1, computed stably. A class
// of probability zero stays zero.
func softmax(x [NumClasses]float64) [NumClasses]float64 {
	hi := math.Inf(-1)
	for _, v := range x {
		hi = max(hi, v)
	}
	var out [NumClasses]float64
	if math.IsInf(hi, -1) {
		return out
	}
	sum := 0.0
	for k, v := range x {
		out[k] = math.Exp(v - hi)
		sum += out[k]
	}
	for k := range out {
		out[k] /= sum
	}
	return out
}

// maxChange returns the largest absolute difference between a prior or
// confusion entry of p and the same entry of q.
func (p dsParams) maxChange(q dsParams) float64 {
	d := 0.0
	for k := range NumClasses {
		d = max(d, math.Abs(p.priors[k]-q.priors[k]))
	}
	for a := range p.confusion {
		for k := range NumClasses {
			for l := range NumClasses {
				d = max(d, math.Abs(p.confusion[a][k][l]-q.confusion[a][k][l]))
			}
		}
	}
	return d
}

func reliabilities(data []dsItem, names []string, params dsParams) []Reliability {
	rs := make([]Reliability, len(names))
	for a, name := range names {
		rs[a] = Reliability{Annotator: name, Confusion: params.confusion[a]}
		for k := range NumClasses {
			rs[a].Accuracy += params.priors[k] * params.confusion[a][k][k]
		}
	}
	for _, d := range data {
		for _, a := range d.annotators {
			rs[a].Votes++
		}
	}
	return rs
}

// outcomes labels each item with its most probable class.
func (p AnnotatorWeighted) outcomes(data []dsItem, post [][NumClasses]float64) []Outcome {
	threshold := orDefault(p.Threshold, 0.5)
	outs := make([]Outcome, len(data))
	for i, d := range data {
		if d.isFixed {
			outs[i] = p.outcome(d.tally, d.fixed, 1, true)
			outs[i].Adjudicated = true
			continue
		}
		c := argmax(post[i])
		ok := post[i][c] >= threshold && p.enough(len(d.tally.votes))
		outs[i] = p.outcome(d.tally, c, post[i][c], ok)
	}
	return outs
}

// argmax returns the class of the largest value, the first on a tie.
func argmax(x [NumClasses]float64) Class {
	best := ClassA
	for c := ClassB; c < NumClasses; c++ {
		if x[c] > x[best] {
			best = c
		}
	}
	return best
}
