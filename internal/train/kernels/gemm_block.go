package kernels

import "sync"

// microKernel computes one mr×nr tile of C from packed panels:
//
//	C[r][j] = alpha·Σ_p a[p·mr+r]·b[p·nr+j] + beta·C[r][j]   (r < mr, j < nr)
//
// where C[r][j] is c[r·ldc+j]. With beta = 0 it must not read C. The block
// sizes kc, mc and nc bound the panels packed at once, an mc×kc block of A
// and a kc×nc block of B. The values in use were the fastest of those
// timed on the trainer's shapes on one AMD EPYC (Zen 4) core, whose 1 MB
// L2 cache holds the A block.
type microKernel struct {
	name       string
	mr, nr     int
	kc, mc, nc int
	fn         func(k int, a, b, c []float32, ldc int, alpha, beta float32)
}

// gemmScratch holds the packed panels and one edge tile for one goroutine.
type gemmScratch struct {
	a, b, tile []float32
}

var scratchPool = sync.Pool{New: func() any { return new(gemmScratch) }}

// grow returns s resized to n, reusing its array when it is large enough.
func grow(s []float32, n int) []float32 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]float32, n)
}

// block computes rows i0..i1 and columns j0..j1 of C on this goroutine.
// It walks C in nc-wide column blocks and k in kc-deep slices, packs the
// matching panel of B, then each mc-high block of A, and runs the
// micro-kernel over the tiles. The first k slice applies beta, the later
// ones add to what is in C.
func (g *gemmArgs) block(kern *microKernel, i0, i1, j0, j1 int) {
	s := scratchPool.Get().(*gemmScratch)
	defer scratchPool.Put(s)

	kc := min(kern.kc, g.k)
	mc := min(kern.mc, roundUp(i1-i0, kern.mr))
	nc := min(kern.nc, roundUp(j1-j0, kern.nr))
	s.a = grow(s.a, mc*kc)
	s.b = grow(s.b, kc*nc)
	s.tile = grow(s.tile, kern.mr*kern.nr)

	for jc := j0; jc < j1; jc += nc {
		nb := min(nc, j1-jc)
		for pc := 0; pc < g.k; pc += kc {
			kb := min(kc, g.k-pc)
			beta := g.beta
			if pc > 0 {
				beta = 1
			}
			g.packB(s.b, kern.nr, pc, kb, jc, nb)
			for ic := i0; ic < i1; ic += mc {
				mb := min(mc, i1-ic)
				g.packA(s.a, kern.mr, ic, mb, pc, kb)
				g.tiles(kern, s.a, s.b, s.tile, ic, mb, jc, nb, kb, beta)
			}
		}
	}
}

// tiles runs the micro-kernel over the mb×nb block of C at (ic, jc) from
// packed panels pa and pb of depth kb. A tile that sticks out of C is
// computed into tile and the part inside C is merged.
func (g *gemmArgs) tiles(kern *microKernel, pa, pb, tile []float32,
	ic, mb, jc, nb, kb int, beta float32) {
	mr, nr := kern.mr, kern.nr
	for jr := 0; jr < nb; jr += nr {
		bp := pb[jr*kb : (jr+nr)*kb]
		cols := min(nr, nb-jr)
		for ir := 0; ir < mb; ir += mr {
			ap := pa[ir*kb : (ir+mr)*kb]
			rows := min(mr, mb-ir)
			off := (ic+ir)*g.ldc + jc + jr
			if rows == mr && cols == nr {
				kern.fn(kb, ap, bp, g.c[off:], g.ldc, g.alpha, beta)
				continue
			}
			kern.fn(kb, ap, bp, tile, nr, g.alpha, 0)
			mergeTile(g.c[off:], g.ldc, tile, nr, rows, cols, beta)
		}
	}
}

// mergeTile sets the rows×cols corner of C to tile + beta·C.
func mergeTile(c []float32, ldc int, tile []float32, nr, rows, cols int,
	beta float32) {
	for r := 0; r < rows; r++ {
		dst := c[r*ldc : r*ldc+cols]
		src := tile[r*nr : r*nr+cols]
		if beta == 0 {
			copy(dst, src)
			continue
		}
		for j := range dst {
			dst[j] = src[j] + beta*dst[j]
		}
	}
}

// packA copies rows ic..ic+mb and columns pc..pc+kb of op(A) into dst as
// panels of mr rows: panel q holds op(A)[ic+q·mr+r][pc+p] at q·mr·kb+p·mr+r.
// Rows past mb are zero so that the micro-kernel can run on whole panels.
func (g *gemmArgs) packA(dst []float32, mr, ic, mb, pc, kb int) {
	for q := 0; q*mr < mb; q++ {
		panel := dst[q*mr*kb : (q+1)*mr*kb]
		rows := min(mr, mb-q*mr)
		i := ic + q*mr
		if rows < mr {
			clear(panel)
		}
		if g.transA {
			// A is stored k×m, so each p reads rows contiguous values.
			src := g.a[pc*g.lda+i:]
			if rows == mr && copyColumnsFast(panel, src, g.lda, kb, mr) {
				continue
			}
			for p := 0; p < kb; p++ {
				copy(panel[p*mr:p*mr+rows], src[p*g.lda:p*g.lda+rows])
			}
			continue
		}
		src := g.a[i*g.lda+pc:]
		doneRows, doneCols := packRowsFast(panel, src, g.lda, rows, kb, mr)
		for r := 0; r < rows; r++ {
			p0 := 0
			if r < doneRows {
				p0 = doneCols
			}
			row := src[r*g.lda : r*g.lda+kb]
			for p := p0; p < kb; p++ {
				panel[p*mr+r] = row[p]
			}
		}
	}
}

// packB copies rows pc..pc+kb and columns jc..jc+nb of op(B) into dst as
// panels of nr columns: panel q holds op(B)[pc+p][jc+q·nr+j] at
// q·nr·kb+p·nr+j. Columns past nb are zero.
func (g *gemmArgs) packB(dst []float32, nr, pc, kb, jc, nb int) {
	for q := 0; q*nr < nb; q++ {
		panel := dst[q*nr*kb : (q+1)*nr*kb]
		cols := min(nr, nb-q*nr)
		j := jc + q*nr
		if cols < nr {
			clear(panel)
		}
		if !g.transB {
			src := g.b[pc*g.ldb+j:]
			if cols == nr && copyColumnsFast(panel, src, g.ldb, kb, nr) {
				continue
			}
			for p := 0; p < kb; p++ {
				copy(panel[p*nr:p*nr+cols], src[p*g.ldb:p*g.ldb+cols])
			}
			continue
		}
		// B is stored n×k, so each of its rows is one column of op(B).
		src := g.b[j*g.ldb+pc:]
		doneCols, doneDepth := packRowsFast(panel, src, g.ldb, cols, kb, nr)
		for col := 0; col < cols; col++ {
			p0 := 0
			if col < doneCols {
				p0 = doneDepth
			}
			row := src[col*g.ldb : col*g.ldb+kb]
			for p := p0; p < kb; p++ {
				panel[p*nr+col] = row[p]
			}
		}
	}
}
