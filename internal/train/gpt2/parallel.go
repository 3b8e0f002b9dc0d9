package gpt2

import (
	"runtime"
	"sync"
)

// numWorkers returns how many goroutines the row-parallel kernels use.
func numWorkers() int { return runtime.GOMAXPROCS(0) }

// parallelFor splits [0, n) into one contiguous range per worker, runs fn
// on each range and returns when all have finished. fn receives the worker
// index, below numWorkers(), for per-worker scratch space.
func parallelFor(n int, fn func(worker, lo, hi int)) {
	workers := min(numWorkers(), n)
	if workers <= 1 {
		if n > 0 {
			fn(0, 0, n)
		}
		return
	}
	var wg sync.WaitGroup
	for w := 1; w < workers; w++ {
		lo, hi := w*n/workers, (w+1)*n/workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(w, lo, hi)
		}()
	}
	fn(0, 0, n/workers)
	wg.Wait()
}

// parallelRows is parallelFor for row loops too short to be worth a
// goroutine: below minRows rows it runs fn inline.
func parallelRows(n, minRows int, fn func(worker, lo, hi int)) {
	if n < minRows {
		fn(0, 0, n)
		return
	}
	parallelFor(n, fn)
}
