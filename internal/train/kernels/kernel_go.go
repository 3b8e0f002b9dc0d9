package kernels

// goKernel is the plain-Go micro-kernel. Its 2×4 tile keeps the eight
// accumulators and the six operands of one k step within the 15 floating
// point registers that Go code can use on amd64. A 4×4 tile spilled to the
// stack and ran at half the speed.
var goKernel = &microKernel{
	name: "go", mr: 2, nr: 4, kc: 256, mc: 128, nc: 1024, fn: kernelGo2x4,
}

// kernelGo2x4 is the microKernel contract for mr = 2, nr = 4.
func kernelGo2x4(k int, a, b, c []float32, ldc int, alpha, beta float32) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	a = a[:2*k]
	b = b[:4*k]
	for p := 0; p < k; p++ {
		ap := a[2*p : 2*p+2 : 2*p+2]
		bp := b[4*p : 4*p+4 : 4*p+4]
		b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
		a0, a1 := ap[0], ap[1]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
	}
	storeRow4(c, c00, c01, c02, c03, alpha, beta)
	storeRow4(c[ldc:], c10, c11, c12, c13, alpha, beta)
}

// storeRow4 sets the first four values of c to alpha·(s0..s3) + beta·c,
// without reading c when beta is 0.
func storeRow4(c []float32, s0, s1, s2, s3, alpha, beta float32) {
	c = c[:4]
	if beta == 0 {
		c[0], c[1], c[2], c[3] = alpha*s0, alpha*s1, alpha*s2, alpha*s3
		return
	}
	c[0] = alpha*s0 + beta*c[0]
	c[1] = alpha*s1 + beta*c[1]
	c[2] = alpha*s2 + beta*c[2]
	c[3] = alpha*s3 + beta*c[3]
}
