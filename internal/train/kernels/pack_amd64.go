//go:build amd64 && !purego

package kernels

// packRows4 packs four rows of A into the first four values of n packed
// columns of stride mr, n a multiple of 8.
//
//go:noescape
func packRows4(dst, src *float32, lda, n, mr int)

// copyColumns copies n runs of mr values, one every lda values of src, to
// consecutive runs of dst, for mr = 6, 12, 16 or 32.
//
//go:noescape
func copyColumns(dst, src *float32, lda, n, mr int)

// packRowsFast sets panel[p·mr+r] = src[r·lda+p] for r < rows&^3 and
// p < kb&^7 and returns those two bounds; the caller packs the rest.
func packRowsFast(panel, src []float32, lda, rows, kb, mr int) (int, int) {
	doneRows, doneCols := rows&^3, kb&^7
	if !hasAVX2 || doneRows == 0 || doneCols == 0 {
		return 0, 0
	}
	for r := 0; r < doneRows; r += 4 {
		packRows4(&panel[r], &src[r*lda], lda, doneCols, mr)
	}
	return doneRows, doneCols
}

// copyColumnsFast sets panel[p·mr+r] = src[p·lda+r] for r < mr and p < kb
// and reports whether it did; it does when mr is 6, 12, 16 or 32.
func copyColumnsFast(panel, src []float32, lda, kb, mr int) bool {
	if !hasAVX2 || (mr != 6 && mr != 12 && mr != 16 && mr != 32) {
		return false
	}
	copyColumns(&panel[0], &src[0], lda, kb, mr)
	return true
}
