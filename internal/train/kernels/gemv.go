package kernels

// gemvRows computes a Gemm with m = 1, where op(A) is one row vector x.
// Packing B would copy as many values as the product reads, so it runs
// directly on B: one Dot per column when B is transposed (its rows are the
// columns of op(B)), otherwise one Axpy per row of B. It expects k ≥ 1 and
// alpha ≠ 0, and splits the columns across up to procs goroutines.
func (g *gemmArgs) gemvRows(procs int) {
	x := g.a[:g.k]
	if g.transA {
		// op(A) is column 0 of the k×m matrix A.
		x = make([]float32, g.k)
		for p := range x {
			x[p] = g.a[p*g.lda]
		}
	}
	c := g.c[:g.n]

	workers := min(procs, max(2*g.n*g.k/minWorkerFlops, 1))
	if workers <= 1 {
		g.gemvColumns(x, c, 0, g.n)
		return
	}
	step := roundUp((g.n+workers-1)/workers, 32)
	Parallel((g.n+step-1)/step, func(lo, hi int) {
		g.gemvColumns(x, c, lo*step, min(hi*step, g.n))
	})
}

// gemvColumns sets c[j] = alpha·Σ_p x[p]·op(B)[p][j] + beta·c[j] for j in
// j0..j1.
func (g *gemmArgs) gemvColumns(x, c []float32, j0, j1 int) {
	if g.transB {
		for j := j0; j < j1; j++ {
			s := g.alpha * dot(x, g.b[j*g.ldb:j*g.ldb+g.k])
			if g.beta == 0 {
				c[j] = s
			} else {
				c[j] = s + g.beta*c[j]
			}
		}
		return
	}
	dst := c[j0:j1]
	scaleMatrix(dst, 1, len(dst), len(dst), g.beta)
	for p, v := range x {
		axpy(g.alpha*v, g.b[p*g.ldb+j0:p*g.ldb+j1], dst)
	}
}
