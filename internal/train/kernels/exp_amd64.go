//go:build amd64 && !purego

package kernels

// expAVX2 sets dst[i] = e^x[i] for the first n values, n a multiple of 8.
//
//go:noescape
func expAVX2(dst, x *float32, n int)

// tanhAVX2 sets dst[i] = tanh(x[i]) for the first n values, n a multiple
// of 8.
//
//go:noescape
func tanhAVX2(dst, x *float32, n int)

func exp(dst, x []float32) {
	if !hasAVX2 {
		expGo(dst, x)
		return
	}
	vector8(dst, x, expAVX2)
}

func tanh(dst, x []float32) {
	if !hasAVX2 {
		tanhGo(dst, x)
		return
	}
	vector8(dst, x, tanhAVX2)
}

// vector8 applies an eight-wide assembly function f to x, running the
// last len(x) mod 8 values through a padded buffer so that every value
// takes the same arithmetic.
func vector8(dst, x []float32, f func(dst, x *float32, n int)) {
	n := len(x) &^ 7
	if n > 0 {
		f(&dst[0], &x[0], n)
	}
	if n == len(x) {
		return
	}
	var buf [8]float32
	copy(buf[:], x[n:])
	f(&buf[0], &buf[0], 8)
	copy(dst[n:], buf[:len(x)-n])
}
