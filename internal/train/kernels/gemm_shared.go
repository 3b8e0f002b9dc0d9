package kernels

import (
	"sync"
	"sync/atomic"
)

// sharedPool holds the packed B blocks that the workers of one Gemm share.
var sharedPool = sync.Pool{New: func() any { return new([]float32) }}

// runWorkers computes the product with kern on the given number of
// goroutines. It expects k ≥ 1 and alpha ≠ 0.
//
// For each nc-wide column block of C, the workers first pack that block of
// op(B), for all of k, into one shared buffer. They then take tasks, each a
// band of rows (split further by columns when there are few rows), from a
// shared counter until none are left, so a worker slowed by other load on
// the machine does fewer tasks and the others do not wait for it.
func (g *gemmArgs) runWorkers(kern *microKernel, workers int) {
	if workers <= 1 {
		g.block(kern, 0, g.m, 0, g.n)
		return
	}

	kc, mr, nr := min(kern.kc, g.k), kern.mr, kern.nr
	nc := min(kern.nc, roundUp(g.n, nr))
	buf := sharedPool.Get().(*[]float32)
	defer sharedPool.Put(buf)
	*buf = grow(*buf, nc*g.k)
	packed := *buf

	// Aim for about four tasks per worker so that the last ones balance
	// the load, with bands no higher than mc.
	rowsPerTask := min(kern.mc, roundUp(ceilDiv(g.m, 4*workers), mr))
	rowTasks := ceilDiv(g.m, rowsPerTask)
	colTasks := max(1, ceilDiv(4*workers, rowTasks))

	for jc := 0; jc < g.n; jc += nc {
		nb := min(nc, g.n-jc)
		width := roundUp(nb, nr)
		g.packShared(packed, nr, kc, jc, nb)

		colsPerTask := roundUp(ceilDiv(nb, colTasks), nr)
		tasks := rowTasks * ceilDiv(nb, colsPerTask)
		var next atomic.Int64
		work := func(lo, hi int) {
			s := scratchPool.Get().(*gemmScratch)
			defer scratchPool.Put(s)
			s.a = grow(s.a, rowsPerTask*kc)
			s.tile = grow(s.tile, mr*nr)
			for {
				t := int(next.Add(1) - 1)
				if t >= tasks {
					return
				}
				i0 := (t % rowTasks) * rowsPerTask
				j0 := (t / rowTasks) * colsPerTask
				g.sharedTask(kern, s, packed[:width*g.k], kc, i0,
					min(rowsPerTask, g.m-i0), jc, j0, min(colsPerTask, nb-j0))
			}
		}
		Parallel(workers, work)
	}
}

// packShared packs columns jc..jc+nb of op(B) into dst, all of k: the
// kc-deep slice starting at row pc sits at dst[pc·roundUp(nb, nr):], laid
// out as packB lays out one block. The panels are split across cores.
func (g *gemmArgs) packShared(dst []float32, nr, kc, jc, nb int) {
	width := roundUp(nb, nr)
	panels := width / nr
	Parallel(panels, func(lo, hi int) {
		for pc := 0; pc < g.k; pc += kc {
			kb := min(kc, g.k-pc)
			slice := dst[pc*width:]
			j0, j1 := lo*nr, min(hi*nr, nb)
			g.packB(slice[j0*kb:], nr, pc, kb, jc+j0, j1-j0)
		}
	})
}

// sharedTask computes rows i0..i0+mb and columns jc+j0..jc+j0+nb of C from
// the block of B that packShared packed into packed, packing its own rows
// of A.
func (g *gemmArgs) sharedTask(kern *microKernel, s *gemmScratch,
	packed []float32, kc, i0, mb, jc, j0, nb int) {
	width := len(packed) / g.k
	for pc := 0; pc < g.k; pc += kc {
		kb := min(kc, g.k-pc)
		beta := g.beta
		if pc > 0 {
			beta = 1
		}
		g.packA(s.a, kern.mr, i0, mb, pc, kb)
		pb := packed[pc*width+j0*kb:]
		g.tiles(kern, s.a, pb, s.tile, i0, mb, jc+j0, nb, kb, beta)
	}
}

func ceilDiv(x, y int) int {
	return (x + y - 1) / y
}
