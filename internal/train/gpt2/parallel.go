package gpt2

import (
	"runtime"

	"github.com/pairwise/pairwise/internal/train/kernels"
)

// numWorkers returns how many goroutines the row-parallel kernels use,
// and so how many per-worker scratch buffers they need.
func numWorkers() int { return runtime.GOMAXPROCS(0) }

// parallelRows is kernels.ParallelWorkers for row loops that may be too
// short to be worth a goroutine: below minRows rows it runs fn inline.
func parallelRows(n, minRows int, fn func(worker, lo, hi int)) {
	if n < minRows {
		fn(0, 0, n)
		return
	}
	kernels.ParallelWorkers(n, fn)
}
