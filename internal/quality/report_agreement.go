package quality

import (
	"cmp"
	"slices"
)

// raterPair is two annotator indexes with lo < hi.
type raterPair struct{ lo, hi int }

// confusion counts, for one pair of annotators, how often lo gave verdict
// i while hi gave verdict j.
type confusion [VerdictCategories][VerdictCategories]int

// pairAgreement returns Cohen's kappa for every pair of annotators with a
// comparison in common and the mean kappa weighted by shared comparisons.
func (b *ReportBuilder) pairAgreement() ([]PairAgreement, Statistic) {
	tables := map[raterPair]*confusion{}
	for _, c := range b.comparisons {
		for i, x := range c.votes {
			for _, y := range c.votes[i+1:] {
				if x.annotator > y.annotator {
					x, y = y, x
				}
				key := raterPair{x.annotator, y.annotator}
				if tables[key] == nil {
					tables[key] = &confusion{}
				}
				tables[key][x.verdict][y.verdict]++
			}
		}
	}

	pairs := make([]PairAgreement, 0, len(tables))
	for key, table := range tables {
		p := PairAgreement{A: b.annotators[key.lo].ref, B: b.annotators[key.hi].ref,
			Kappa: table.kappa()}
		if compareRefs(p.A, p.B) > 0 {
			p.A, p.B = p.B, p.A
		}
		pairs = append(pairs, p)
	}
	slices.SortFunc(pairs, comparePairs)

	// Sum in sorted order, so the mean does not depend on map order.
	var weighted float64
	var shared int
	for _, p := range pairs {
		if p.Kappa.OK {
			weighted += p.Kappa.Value * float64(p.Kappa.N)
			shared += p.Kappa.N
		}
	}
	if shared == 0 {
		return pairs, Statistic{}
	}
	return pairs, Statistic{Value: weighted / float64(shared), N: len(pairs), OK: true}
}

// comparePairs orders pairs by shared comparisons, most first, then by
// the annotators' names.
func comparePairs(x, y PairAgreement) int {
	if c := cmp.Compare(y.Kappa.N, x.Kappa.N); c != 0 {
		return c
	}
	if c := compareRefs(x.A, y.A); c != 0 {
		return c
	}
	return compareRefs(x.B, y.B)
}

// kappa expands the table into the two raters' label lists and returns
// their Cohen's kappa over the verdict categories.
func (t *confusion) kappa() Statistic {
	var a, b []int
	for i, row := range t {
		for j, n := range row {
			for range n {
				a, b = append(a, i), append(b, j)
			}
		}
	}
	k, err := CohenKappa(a, b, VerdictCategories)
	if err != nil {
		return Statistic{N: len(a)}
	}
	return Statistic{Value: k, N: len(a), OK: true}
}

// fleiss returns Fleiss' kappa over the comparisons with exactly the
// project's overlap of judgments. It needs an overlap of at least two.
func (b *ReportBuilder) fleiss() Statistic {
	if b.opts.Overlap < 2 {
		return Statistic{}
	}
	var labels [][]int
	for _, c := range b.comparisons {
		if len(c.votes) != b.opts.Overlap {
			continue
		}
		item := make([]int, len(c.votes))
		for i, v := range c.votes {
			item[i] = v.verdict
		}
		labels = append(labels, item)
	}
	counts, err := CountsFromLabels(labels, VerdictCategories)
	if err != nil {
		return Statistic{N: len(labels)}
	}
	k, err := FleissKappa(counts)
	if err != nil {
		return Statistic{N: len(labels)}
	}
	return Statistic{Value: k, N: len(labels), OK: true}
}

// verdictAlphas returns Krippendorff's nominal alpha over verdicts and
// interval alpha over signed strengths, one unit per comparison.
func (b *ReportBuilder) verdictAlphas() (verdict, strength Statistic) {
	verdicts := make([][]float64, 0, len(b.comparisons))
	strengths := make([][]float64, 0, len(b.comparisons))
	for _, c := range b.comparisons {
		var vs, ss []float64
		for _, v := range c.votes {
			vs = append(vs, float64(v.verdict))
			if v.hasStrength {
				ss = append(ss, v.strength)
			}
		}
		verdicts, strengths = append(verdicts, vs), append(strengths, ss)
	}
	return alphaOfUnits(verdicts, Nominal), alphaOfUnits(strengths, Interval)
}

// alphaOfUnits returns KrippendorffAlphaUnits with N set to the number of
// units that have at least two values.
func alphaOfUnits(units [][]float64, metric Metric) Statistic {
	pairable := 0
	for _, u := range units {
		if len(u) >= 2 {
			pairable++
		}
	}
	alpha, err := KrippendorffAlphaUnits(units, metric)
	if err != nil {
		return Statistic{N: pairable}
	}
	return Statistic{Value: alpha, N: pairable, OK: true}
}
