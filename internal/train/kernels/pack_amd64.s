//go:build amd64 && !purego

#include "textflag.h"

// func packRows4(dst, src *float32, lda, n, mr int)
//
// For p < n (a multiple of 8) and r < 4 it sets dst[p·mr+r] = src[r·lda+p]:
// four rows of A become the first four values of n packed columns. Each
// step loads eight values from each row and transposes the 4×8 block with
// unpack and shuffle instructions.
TEXT ·packRows4(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ lda+16(FP), R8
	SHLQ $2, R8
	MOVQ n+24(FP), CX
	SHRQ $3, CX
	MOVQ mr+32(FP), R9
	SHLQ $2, R9              // R9 = one packed column in bytes
	LEAQ (R9)(R9*2), R10     // R10 = three columns
	LEAQ (SI)(R8*2), R11     // R11 = row 2

loop:
	VMOVUPS (SI), Y0          // a0..a7
	VMOVUPS (SI)(R8*1), Y1    // b0..b7
	VMOVUPS (R11), Y2         // c0..c7
	VMOVUPS (R11)(R8*1), Y3   // d0..d7
	VUNPCKLPS Y1, Y0, Y4      // a0 b0 a1 b1 | a4 b4 a5 b5
	VUNPCKHPS Y1, Y0, Y5      // a2 b2 a3 b3 | a6 b6 a7 b7
	VUNPCKLPS Y3, Y2, Y6      // c0 d0 c1 d1 | c4 d4 c5 d5
	VUNPCKHPS Y3, Y2, Y7      // c2 d2 c3 d3 | c6 d6 c7 d7
	VSHUFPS   $0x44, Y6, Y4, Y0 // column 0 | column 4
	VSHUFPS   $0xEE, Y6, Y4, Y1 // column 1 | column 5
	VSHUFPS   $0x44, Y7, Y5, Y2 // column 2 | column 6
	VSHUFPS   $0xEE, Y7, Y5, Y3 // column 3 | column 7
	VMOVUPS   X0, (DI)
	VMOVUPS   X1, (DI)(R9*1)
	VMOVUPS   X2, (DI)(R9*2)
	VMOVUPS   X3, (DI)(R10*1)
	LEAQ      (DI)(R9*4), DI
	VEXTRACTF128 $1, Y0, (DI)
	VEXTRACTF128 $1, Y1, (DI)(R9*1)
	VEXTRACTF128 $1, Y2, (DI)(R9*2)
	VEXTRACTF128 $1, Y3, (DI)(R10*1)
	LEAQ      (DI)(R9*4), DI
	ADDQ      $32, SI
	ADDQ      $32, R11
	DECQ      CX
	JNZ       loop
	VZEROUPPER
	RET

// func copyColumns(dst, src *float32, lda, n, mr int)
//
// For p < n it copies src[p·lda : p·lda+mr] to dst[p·mr:], for mr = 6, 12,
// 16 or 32: the packing of a transposed A, or of a B that is not
// transposed.
TEXT ·copyColumns(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ lda+16(FP), R8
	SHLQ $2, R8
	MOVQ n+24(FP), CX
	MOVQ mr+32(FP), R9
	CMPQ R9, $12
	JEQ  loop12
	CMPQ R9, $16
	JEQ  loop16
	CMPQ R9, $32
	JEQ  loop32

loop6:
	VMOVUPS (SI), X0
	MOVQ    16(SI), AX
	VMOVUPS X0, (DI)
	MOVQ    AX, 16(DI)
	ADDQ    R8, SI
	ADDQ    $24, DI
	DECQ    CX
	JNZ     loop6
	RET

loop12:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), X1
	VMOVUPS Y0, (DI)
	VMOVUPS X1, 32(DI)
	ADDQ    R8, SI
	ADDQ    $48, DI
	DECQ    CX
	JNZ     loop12
	VZEROUPPER
	RET

loop16:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    R8, SI
	ADDQ    $64, DI
	DECQ    CX
	JNZ     loop16
	VZEROUPPER
	RET

loop32:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    R8, SI
	ADDQ    $128, DI
	DECQ    CX
	JNZ     loop32
	VZEROUPPER
	RET
