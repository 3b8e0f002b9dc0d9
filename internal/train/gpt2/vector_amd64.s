//go:build amd64 && !purego

#include "textflag.h"

// GELU_SETUP loads the constants kept in registers: Y15 = a, Y14 = b,
// Y13 = −87, Y12 = 88, Y11 = log2 e, Y10 = 1.5·2²³, Y9 = ln2 high,
// Y8 = ln2 low, Y7 = 1. R8 points at vectorConsts.
#define GELU_SETUP \
	VMOVUPS 0(R8), Y15 \
	VMOVUPS 32(R8), Y14 \
	VMOVUPS 64(R8), Y13 \
	VMOVUPS 96(R8), Y12 \
	VMOVUPS 128(R8), Y11 \
	VMOVUPS 160(R8), Y10 \
	VMOVUPS 192(R8), Y9 \
	VMOVUPS 224(R8), Y8 \
	VMOVUPS 256(R8), Y7

// EXP_BODY sets Y5 = e^Y2 for Y2 already clamped to [−87, 88], following
// exp32 lane by lane. It overwrites Y2, Y3 and Y4.
#define EXP_BODY \
	VMOVAPS Y11, Y3 \
	VFMADD213PS Y10, Y2, Y3 \
	VSUBPS Y10, Y3, Y4 \
	VFNMADD231PS Y9, Y4, Y2 \
	VFNMADD231PS Y8, Y4, Y2 \
	VMOVUPS 288(R8), Y5 \
	VFMADD213PS 320(R8), Y2, Y5 \
	VFMADD213PS 352(R8), Y2, Y5 \
	VFMADD213PS 384(R8), Y2, Y5 \
	VFMADD213PS 416(R8), Y2, Y5 \
	VFMADD213PS Y7, Y2, Y5 \
	VFMADD213PS Y7, Y2, Y5 \
	VPSUBD 448(R8), Y3, Y3 \
	VPSLLD $23, Y3, Y3 \
	VMULPS Y3, Y5, Y5

// GELU_BODY sets Y0 = gelu(x) and Y6 = σ(2u) for the 8 floats at DX.
#define GELU_BODY \
	VMOVUPS (DX), Y0 \
	VMULPS Y0, Y0, Y1 \
	VMOVAPS Y14, Y2 \
	VFMADD213PS Y15, Y1, Y2 \
	VMULPS Y0, Y2, Y2 \
	VMAXPS Y13, Y2, Y2 \
	VMINPS Y12, Y2, Y2 \
	EXP_BODY \
	VADDPS Y7, Y5, Y5 \
	VDIVPS Y5, Y7, Y6 \
	VMULPS Y6, Y0, Y0

// func geluAVX2(out, sig, x *float32, n int, consts *[15][8]float32)
TEXT ·geluAVX2(SB), NOSPLIT, $0-40
	MOVQ out+0(FP), DI
	MOVQ sig+8(FP), SI
	MOVQ x+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ consts+32(FP), R8
	GELU_SETUP

loop:
	GELU_BODY
	VMOVUPS Y0, (DI)
	VMOVUPS Y6, (SI)
	ADDQ $32, DX
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $8, CX
	JNZ  loop
	VZEROUPPER
	RET

// func geluAVX2NoSig(out, x *float32, n int, consts *[15][8]float32)
TEXT ·geluAVX2NoSig(SB), NOSPLIT, $0-32
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), DX
	MOVQ n+16(FP), CX
	MOVQ consts+24(FP), R8
	GELU_SETUP

loopnosig:
	GELU_BODY
	VMOVUPS Y0, (DI)
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  loopnosig
	VZEROUPPER
	RET

// func expShiftAVX2(dst, src *float32, n int, shift float32, consts *[15][8]float32) float32
TEXT ·expShiftAVX2(SB), NOSPLIT, $0-44
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), DX
	MOVQ n+16(FP), CX
	MOVQ consts+32(FP), R8
	GELU_SETUP
	VBROADCASTSS shift+24(FP), Y15
	VXORPS Y14, Y14, Y14

loopexp:
	VMOVUPS (DX), Y2
	VSUBPS Y15, Y2, Y2
	VMAXPS Y13, Y2, Y2
	VMINPS Y12, Y2, Y2
	EXP_BODY
	VMOVUPS Y5, (DI)
	VADDPS Y5, Y14, Y14
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JNZ  loopexp

	// Sum the eight lanes of Y14.
	VEXTRACTF128 $1, Y14, X0
	VADDPS X14, X0, X0
	VMOVHLPS X0, X1, X1
	VADDPS X1, X0, X0
	VMOVSHDUP X0, X1
	VADDSS X1, X0, X0
	VMOVSS X0, ret+40(FP)
	VZEROUPPER
	RET
