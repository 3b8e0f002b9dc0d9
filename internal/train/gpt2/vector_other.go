//go:build !amd64 || purego

package gpt2

// geluVector leaves all of x to the scalar loop on this platform.
func geluVector(out, sig, x []float32) int { return 0 }

// expShiftVector leaves all of src to the scalar loop on this platform.
func expShiftVector(dst, src []float32, shift float32) (int, float32) { return 0, 0 }
