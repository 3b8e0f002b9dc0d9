package kernels

import (
	"runtime"
	"sync"
)

// Parallel calls fn on consecutive ranges [lo, hi) that together cover
// [0, n), one range per goroutine, up to GOMAXPROCS of them, and returns
// when all calls have returned. The calling goroutine runs the first range.
// With n ≤ 0 it does nothing, and with one range it calls fn(0, n)
// directly. fn must be safe to run concurrently on disjoint ranges. The
// ranges are equal in size, so the loop body should cost about the same
// for every index. Starting a goroutine costs about a microsecond, so
// loops with less work than that per range are faster without Parallel.
func Parallel(n int, fn func(lo, hi int)) {
	ParallelWorkers(n, func(_, lo, hi int) { fn(lo, hi) })
}

// ParallelWorkers is Parallel that also passes fn the index of its range,
// from 0 for the range the calling goroutine runs up to GOMAXPROCS-1, so
// that each call can use its own scratch space.
func ParallelWorkers(n int, fn func(worker, lo, hi int)) {
	if n <= 0 {
		return
	}
	parts := min(runtime.GOMAXPROCS(0), n)
	if parts == 1 {
		fn(0, 0, n)
		return
	}

	step := (n + parts - 1) / parts
	var wg sync.WaitGroup
	for lo := step; lo < n; lo += step {
		wg.Add(1)
		go func(worker, lo, hi int) {
			defer wg.Done()
			fn(worker, lo, hi)
		}(lo/step, lo, min(lo+step, n))
	}
	fn(0, 0, step)
	wg.Wait()
}
