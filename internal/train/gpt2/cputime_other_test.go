//go:build !unix

package gpt2_test

import "time"

// processCPUTime returns 0 where getrusage is not available, so the
// benchmark reports no CPU time.
func processCPUTime() time.Duration { return 0 }
