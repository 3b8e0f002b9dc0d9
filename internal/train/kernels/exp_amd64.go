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

// maxAVX2 returns the maximum of the first n values, n a positive
// multiple of 8.
//
//go:noescape
func maxAVX2(x *float32, n int) float32

// expSumAVX2 sets dst[i] = e^(x[i]-shift) for the first n values, n a
// positive multiple of 8, and returns their sum.
//
//go:noescape
func expSumAVX2(dst, x *float32, n int, shift float32) float64

// sumExpAVX2 returns Σ e^(x[i]-shift) over the first n values, n a
// positive multiple of 8.
//
//go:noescape
func sumExpAVX2(x *float32, n int, shift float32) float64

// geluAVX2 sets dst[i] = gelu(x[i]) for the first n values, n a multiple
// of 8.
//
//go:noescape
func geluAVX2(dst, x *float32, n int)

// geluBackwardAVX2 sets dx[i] = dy[i]·gelu'(x[i]) for the first n values,
// n a multiple of 8.
//
//go:noescape
func geluBackwardAVX2(dx, x, dy *float32, n int)

func maxOf(x []float32) float32 {
	n := len(x) &^ 7
	if !hasAVX2 || n == 0 {
		return maxGo(x)
	}
	m := maxAVX2(&x[0], n)
	if n < len(x) {
		m = max(m, maxGo(x[n:]))
	}
	return m
}

func expSum(dst, x []float32, shift float32) float64 {
	n := len(x) &^ 7
	if !hasAVX2 || n == 0 {
		return expSumGo(dst, x, shift)
	}
	return expSumAVX2(&dst[0], &x[0], n, shift) + expSumTail(dst[n:], x[n:], shift)
}

func sumExp(x []float32, shift float32) float64 {
	n := len(x) &^ 7
	if !hasAVX2 || n == 0 {
		return sumExpGo(x, shift)
	}
	var buf [8]float32
	return sumExpAVX2(&x[0], n, shift) + expSumTail(buf[:len(x)-n], x[n:], shift)
}

// expSumTail is expSum on fewer than 8 values, run through a padded
// buffer so that they take the same arithmetic as the others.
func expSumTail(dst, x []float32, shift float32) float64 {
	if len(x) == 0 {
		return 0
	}
	var buf [8]float32
	copy(buf[:], x)
	expSumAVX2(&buf[0], &buf[0], 8, shift)
	var sum float64
	for i := range x {
		dst[i] = buf[i]
		sum += float64(buf[i])
	}
	return sum
}

func gelu(dst, x []float32) {
	if !hasAVX2 {
		geluGo(dst, x)
		return
	}
	vector8(dst, x, geluAVX2)
}

func geluBackward(dx, x, dy []float32) {
	if !hasAVX2 {
		geluBackwardGo(dx, x, dy)
		return
	}
	n := len(x) &^ 7
	if n > 0 {
		geluBackwardAVX2(&dx[0], &x[0], &dy[0], n)
	}
	if n == len(x) {
		return
	}
	var bx, bdy [8]float32
	copy(bx[:], x[n:])
	copy(bdy[:], dy[n:])
	geluBackwardAVX2(&bdy[0], &bx[0], &bdy[0], 8)
	copy(dx[n:], bdy[:len(x)-n])
}
