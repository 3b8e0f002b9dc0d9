package quality

import (
	"fmt"
	"math"
)

// Battle is one comparison between models I and J.
type Battle struct {
	I, J int
	// Outcome is I's score: 1 when I won, 0 when J won, 0.5 for a tie.
	Outcome float64
}

// Settings of the Newton iterations in BradleyTerry.
const (
	btTolerance     = 1e-10 // largest strength change in a final Newton step
	btMaxIterations = 100
)

// BradleyTerry returns the maximum-likelihood Bradley-Terry strengths of
// models 0..models-1, under which model I beats model J with probability
// 1 / (1 + exp(-(s[I] - s[J]))) (Bradley and Terry, 1952). Model 0 is fixed
// at 0, so each strength is the log-odds of beating model 0.
//
// The likelihood is that of a logistic regression with no intercept and no
// penalty, with one feature per model other than 0: +1 for I, -1 for J, and
// the outcome as the label. The strengths therefore equal those of
// scikit-learn's LogisticRegression(penalty=None, fit_intercept=False)
// fitted on those features, up to that solver's tolerance. A tie counts as
// half a win for each model.
//
// Finite strengths exist only when every split of the models into two
// groups has each group winning or tying at least one battle against the
// other, the strong connection condition (Yan, arXiv:1411.1168, Ranking in
// the generalized Bradley-Terry models when the strong connection condition
// fails). BradleyTerry checks this first and returns an error naming the
// models that were never compared with the rest, or that won or lost every
// battle against the rest. The fit uses Newton's method from all zeros and
// stops when a Newton step moves no strength by more than 1e-10.
func BradleyTerry(models int, battles []Battle) ([]float64, error) {
	if err := checkBattles(models, battles); err != nil {
		return nil, err
	}
	if err := checkIdentifiable(models, battles); err != nil {
		return nil, err
	}
	return fitBradleyTerry(models, battles)
}

// Elo converts a Bradley-Terry strength to the Elo scale centred on 1000,
// on which a gap of 400 points means odds of 10 to 1:
// 1000 + 400·strength/ln 10.
func Elo(strength float64) float64 {
	return 1000 + 400*strength/math.Ln10
}

func checkBattles(models int, battles []Battle) error {
	if models < 2 {
		return fmt.Errorf("bradley-terry: models is %d, want at least 2", models)
	}
	for n, b := range battles {
		if b.I < 0 || b.I >= models || b.J < 0 || b.J >= models {
			return fmt.Errorf("bradley-terry: battle %d names models %d and %d, "+
				"want 0..%d", n, b.I, b.J, models-1)
		}
		if b.I == b.J {
			return fmt.Errorf("bradley-terry: battle %d pits model %d "+
				"against itself", n, b.I)
		}
		if !(b.Outcome >= 0 && b.Outcome <= 1) {
			return fmt.Errorf("bradley-terry: battle %d has outcome %v, "+
				"want 0..1", n, b.Outcome)
		}
	}
	return nil
}

// checkIdentifiable returns an error unless the graph with an edge u→v
// whenever u won or tied a battle against v is strongly connected, the
// condition for a finite maximum of the likelihood.
func checkIdentifiable(models int, battles []Battle) error {
	scored := make([][]int, models)   // scored[u]: models u won or tied against
	conceded := make([][]int, models) // conceded[v]: models that scored against v
	for _, b := range battles {
		if b.Outcome > 0 {
			scored[b.I] = append(scored[b.I], b.J)
			conceded[b.J] = append(conceded[b.J], b.I)
		}
		if b.Outcome < 1 {
			scored[b.J] = append(scored[b.J], b.I)
			conceded[b.I] = append(conceded[b.I], b.J)
		}
	}
	either := make([][]int, models)
	for u := range models {
		either[u] = append(append([]int(nil), scored[u]...), conceded[u]...)
	}

	if inside, outside := split(reach(either)); len(outside) > 0 {
		return fmt.Errorf("bradley-terry: models %v have no battles linking "+
			"them to models %v, so their strengths cannot be compared",
			outside, inside)
	}
	// Models out of reach of model 0 through wins and ties won every
	// battle against the models within reach, and the reverse below.
	if inside, outside := split(reach(scored)); len(outside) > 0 {
		return fmt.Errorf("bradley-terry: models %v won every battle against "+
			"models %v, so their strengths have no finite estimate",
			outside, inside)
	}
	if inside, outside := split(reach(conceded)); len(outside) > 0 {
		return fmt.Errorf("bradley-terry: models %v lost every battle against "+
			"models %v, so their strengths have no finite estimate",
			outside, inside)
	}
	return nil
}

// reach returns which models can be reached from model 0 along edges.
func reach(edges [][]int) []bool {
	seen := make([]bool, len(edges))
	seen[0] = true
	stack := []int{0}
	for len(stack) > 0 {
		u := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, v := range edges[u] {
			if !seen[v] {
				seen[v] = true
				stack = append(stack, v)
			}
		}
	}
	return seen
}

func split(seen []bool) (inside, outside []int) {
	for m, ok := range seen {
		if ok {
			inside = append(inside, m)
		} else {
			outside = append(outside, m)
		}
	}
	return inside, outside
}

// fitBradleyTerry maximizes the log-likelihood by Newton's method. A step
// that lowers the log-likelihood by more than rounding noise is halved
// until it does not. It stops when the full Newton step moves no strength
// by more than btTolerance.
//
// Shapes: M models, F = M-1 free strengths (model 0 is fixed at 0); grad is
// F, hess is F×F row-major, and free index f is model f+1.
func fitBradleyTerry(models int, battles []Battle) ([]float64, error) {
	strengths := make([]float64, models)
	candidate := make([]float64, models)
	for range btMaxIterations {
		grad, hess := btDerivatives(strengths, battles)
		step, err := solveCholesky(hess, grad)
		if err != nil {
			return nil, fmt.Errorf("bradley-terry: newton step: %w", err)
		}

		// Halve the step while it overshoots the maximum. The log-likelihood
		// is concave and the step points uphill, so only rounding can push
		// the halving to its floor of 1e-6.
		current := btLogLikelihood(strengths, battles)
		noise := 1e-12 * math.Max(1, math.Abs(current))
		scale := 1.0
		for {
			for f, d := range step {
				candidate[f+1] = strengths[f+1] + scale*d
			}
			likelihood := btLogLikelihood(candidate, battles)
			if likelihood >= current-noise || scale < 1e-6 {
				break
			}
			scale /= 2
		}

		copy(strengths, candidate)
		if maxAbsolute(step) < btTolerance {
			return strengths, nil
		}
	}
	return nil, fmt.Errorf("bradley-terry: newton iterations did not "+
		"converge in %d steps", btMaxIterations)
}

func maxAbsolute(values []float64) float64 {
	var m float64
	for _, v := range values {
		m = math.Max(m, math.Abs(v))
	}
	return m
}

// btDerivatives returns the gradient of the log-likelihood and the negated
// Hessian (positive definite), both over the free strengths.
func btDerivatives(strengths []float64, battles []Battle) (grad, hess []float64) {
	free := len(strengths) - 1
	grad = make([]float64, free)
	hess = make([]float64, free*free)
	for _, b := range battles {
		p := sigmoid(strengths[b.I] - strengths[b.J])
		residual := b.Outcome - p
		weight := p * (1 - p)
		i, j := b.I-1, b.J-1 // free indices, -1 for model 0
		if i >= 0 {
			grad[i] += residual
			hess[i*free+i] += weight
		}
		if j >= 0 {
			grad[j] -= residual
			hess[j*free+j] += weight
		}
		if i >= 0 && j >= 0 {
			hess[i*free+j] -= weight
			hess[j*free+i] -= weight
		}
	}
	return grad, hess
}

// btLogLikelihood returns Σ y·log p + (1-y)·log(1-p) over battles, with
// p = sigmoid(d) and log p = -softplus(-d) for stability.
func btLogLikelihood(strengths []float64, battles []Battle) float64 {
	var sum float64
	for _, b := range battles {
		d := strengths[b.I] - strengths[b.J]
		sum -= b.Outcome*softplus(-d) + (1-b.Outcome)*softplus(d)
	}
	return sum
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// softplus returns log(1 + exp(x)) without overflow.
func softplus(x float64) float64 {
	return math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x)))
}

// solveCholesky returns x with a·x = b for a symmetric positive definite
// n×n matrix a, stored row-major. It does not modify a or b.
func solveCholesky(a, b []float64) ([]float64, error) {
	n := len(b)
	if len(a) != n*n {
		panic(fmt.Sprintf("quality: solveCholesky on a %d-element matrix "+
			"and a %d-element vector", len(a), n))
	}

	// Factor a = L·Lᵀ, L lower triangular.
	l := make([]float64, n*n)
	for i := range n {
		for j := 0; j <= i; j++ {
			sum := a[i*n+j]
			for k := range j {
				sum -= l[i*n+k] * l[j*n+k]
			}
			if i == j {
				if sum <= 0 {
					return nil, fmt.Errorf("matrix is not positive definite "+
						"at row %d", i)
				}
				l[i*n+i] = math.Sqrt(sum)
			} else {
				l[i*n+j] = sum / l[j*n+j]
			}
		}
	}

	// Solve L·y = b, then Lᵀ·x = y.
	x := make([]float64, n)
	for i := range n {
		sum := b[i]
		for k := range i {
			sum -= l[i*n+k] * x[k]
		}
		x[i] = sum / l[i*n+i]
	}
	for i := n - 1; i >= 0; i-- {
		sum := x[i]
		for k := i + 1; k < n; k++ {
			sum -= l[k*n+i] * x[k]
		}
		x[i] = sum / l[i*n+i]
	}
	return x, nil
}
