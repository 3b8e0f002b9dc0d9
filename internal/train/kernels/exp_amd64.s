//go:build amd64 && !purego

#include "textflag.h"

// VEC8 defines a 32-byte constant holding eight copies of a float32 bit
// pattern, for use as the memory operand of a YMM instruction.
#define VEC8(name, bits) \
	DATA name<>+0(SB)/4, $bits; \
	DATA name<>+4(SB)/4, $bits; \
	DATA name<>+8(SB)/4, $bits; \
	DATA name<>+12(SB)/4, $bits; \
	DATA name<>+16(SB)/4, $bits; \
	DATA name<>+20(SB)/4, $bits; \
	DATA name<>+24(SB)/4, $bits; \
	DATA name<>+28(SB)/4, $bits; \
	GLOBL name<>(SB), RODATA|NOPTR, $32

VEC8(expHi, 0x42b17218)    // 88.72284, just above ln(MaxFloat32)
VEC8(expLo, 0xc2ad0000)    // -86.5, below which the result is 0
VEC8(expLog2e, 0x3fb8aa3b) // log2(e)
VEC8(expLn2Hi, 0x3f318000) // 0.693359375, the leading bits of ln 2
VEC8(expLn2Lo, 0xb95e8083) // ln 2 - 0.693359375
VEC8(expP0, 0x39506967)    // polynomial for (e^r - 1 - r)/r² on |r| ≤ ln2/2
VEC8(expP1, 0x3ab743ce)
VEC8(expP2, 0x3c088908)
VEC8(expP3, 0x3d2aa9c1)
VEC8(expP4, 0x3e2aaaaa)
VEC8(expP5, 0x3f000000)
VEC8(expOne, 0x3f800000)
VEC8(expTwo, 0x40000000)
VEC8(expBias, 0x0000007e) // 126, the float32 exponent bias minus one

// EXP8 replaces the eight floats in Y0 by e^Y0, using Y1 to Y4. It writes
// e^x = 2·2^(n-1)·e^r with n = round(x/ln 2) and r = x - n·ln 2, so that n
// = 128 near the overflow threshold still gives a valid exponent field.
// Inputs are clamped to [expLo, expHi]: above, the result rounds to +Inf;
// below, a mask sets it to 0. x stays the second operand of VMINPS and
// VMAXPS, so a NaN input passes through and gives NaN.
#define EXP8 \
	VCMPPS       $1, expLo<>(SB), Y0, Y4; \
	VMOVUPS      expHi<>(SB), Y1; \
	VMINPS       Y0, Y1, Y0; \
	VMOVUPS      expLo<>(SB), Y1; \
	VMAXPS       Y0, Y1, Y0; \
	VMULPS       expLog2e<>(SB), Y0, Y1; \
	VROUNDPS     $0, Y1, Y1; \
	VFNMADD231PS expLn2Hi<>(SB), Y1, Y0; \
	VFNMADD231PS expLn2Lo<>(SB), Y1, Y0; \
	VMULPS       Y0, Y0, Y2; \
	VMOVUPS      expP0<>(SB), Y3; \
	VFMADD213PS  expP1<>(SB), Y0, Y3; \
	VFMADD213PS  expP2<>(SB), Y0, Y3; \
	VFMADD213PS  expP3<>(SB), Y0, Y3; \
	VFMADD213PS  expP4<>(SB), Y0, Y3; \
	VFMADD213PS  expP5<>(SB), Y0, Y3; \
	VFMADD213PS  Y0, Y2, Y3; \
	VADDPS       expOne<>(SB), Y3, Y3; \
	VCVTPS2DQ    Y1, Y1; \
	VPADDD       expBias<>(SB), Y1, Y1; \
	VPSLLD       $23, Y1, Y1; \
	VMULPS       Y1, Y3, Y3; \
	VADDPS       Y3, Y3, Y3; \
	VANDNPS      Y3, Y4, Y0

// func expAVX2(dst, x *float32, n int)
TEXT ·expAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX

exploop:
	VMOVUPS (SI), Y0
	EXP8
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     exploop
	VZEROUPPER
	RET

// func tanhAVX2(dst, x *float32, n int)
//
// tanh(x) = 1 - 2/(e^(2x) + 1), which is ±1 once e^(2x) reaches 0 or +Inf.
TEXT ·tanhAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	SHRQ $3, CX

tanhloop:
	VMOVUPS (SI), Y0
	VADDPS  Y0, Y0, Y0
	EXP8
	VADDPS  expOne<>(SB), Y0, Y0
	VMOVUPS expTwo<>(SB), Y1
	VDIVPS  Y0, Y1, Y0
	VMOVUPS expOne<>(SB), Y1
	VSUBPS  Y0, Y1, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     tanhloop
	VZEROUPPER
	RET

VEC8(geluA, 0xbfcc422a)  // -2·√(2/π): z = x·(geluA + geluB·x²) = -2u
VEC8(geluB, 0xbd922279)  // -2·√(2/π)·0.044715
VEC8(geluD0, 0x3fcc422a) // 2·√(2/π): 2·du/dx = geluD0 + geluD1·x²
VEC8(geluD1, 0x3e5b33b6) // 6·√(2/π)·0.044715

// SUM8PD adds the eight floats in Y0 to the float64 sums in Y13 and Y14,
// using Y5 and Y6.
#define SUM8PD \
	VCVTPS2PD    X0, Y5; \
	VEXTRACTF128 $1, Y0, X6; \
	VCVTPS2PD    X6, Y6; \
	VADDPD       Y5, Y14, Y14; \
	VADDPD       Y6, Y13, Y13

// HSUMPD sets X0 to the sum of the eight float64 values in Y13 and Y14.
#define HSUMPD \
	VADDPD       Y13, Y14, Y14; \
	VEXTRACTF128 $1, Y14, X0; \
	VADDPD       X14, X0, X0; \
	VPERMILPD    $1, X0, X1; \
	VADDSD       X1, X0, X0

// func maxAVX2(x *float32, n int) float32
TEXT ·maxAVX2(SB), NOSPLIT, $0-20
	MOVQ    x+0(FP), SI
	MOVQ    n+8(FP), CX
	SHRQ    $3, CX
	VMOVUPS (SI), Y0
	ADDQ    $32, SI
	DECQ    CX
	JZ      maxdone

maxloop:
	VMAXPS (SI), Y0, Y0
	ADDQ   $32, SI
	DECQ   CX
	JNZ    maxloop

maxdone:
	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VMOVHLPS     X0, X1, X1
	VMAXPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VMAXSS       X1, X0, X0
	VMOVSS       X0, ret+16(FP)
	VZEROUPPER
	RET

// func expSumAVX2(dst, x *float32, n int, shift float32) float64
TEXT ·expSumAVX2(SB), NOSPLIT, $0-40
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	SHRQ         $3, CX
	VBROADCASTSS shift+24(FP), Y15
	VXORPD       Y13, Y13, Y13
	VXORPD       Y14, Y14, Y14

expsumloop:
	VMOVUPS (SI), Y0
	VSUBPS  Y15, Y0, Y0
	EXP8
	VMOVUPS Y0, (DI)
	SUM8PD
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     expsumloop
	HSUMPD
	VMOVSD  X0, ret+32(FP)
	VZEROUPPER
	RET

// func sumExpAVX2(x *float32, n int, shift float32) float64
TEXT ·sumExpAVX2(SB), NOSPLIT, $0-32
	MOVQ         x+0(FP), SI
	MOVQ         n+8(FP), CX
	SHRQ         $3, CX
	VBROADCASTSS shift+16(FP), Y15
	VXORPD       Y13, Y13, Y13
	VXORPD       Y14, Y14, Y14

sumexploop:
	VMOVUPS (SI), Y0
	VSUBPS  Y15, Y0, Y0
	EXP8
	SUM8PD
	ADDQ    $32, SI
	DECQ    CX
	JNZ     sumexploop
	HSUMPD
	VMOVSD  X0, ret+24(FP)
	VZEROUPPER
	RET

// GELU_SIGMOID sets Y0 = s = σ(2u) = 1/(1 + e^z) for x in Y7, with
// z = -2u = x·(geluA + geluB·x²), leaving x² in Y8. Y13 must hold 1.0,
// Y14 geluB and Y15 geluA.
#define GELU_SIGMOID \
	VMULPS      Y7, Y7, Y8; \
	VMOVAPS     Y14, Y1; \
	VFMADD213PS Y15, Y8, Y1; \
	VMULPS      Y7, Y1, Y0; \
	EXP8; \
	VADDPS      Y13, Y0, Y0; \
	VDIVPS      Y0, Y13, Y0

// func geluAVX2(dst, x *float32, n int)
TEXT ·geluAVX2(SB), NOSPLIT, $0-24
	MOVQ    dst+0(FP), DI
	MOVQ    x+8(FP), SI
	MOVQ    n+16(FP), CX
	SHRQ    $3, CX
	VMOVUPS expOne<>(SB), Y13
	VMOVUPS geluB<>(SB), Y14
	VMOVUPS geluA<>(SB), Y15

geluloop:
	VMOVUPS (SI), Y7
	GELU_SIGMOID
	VMULPS  Y7, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	DECQ    CX
	JNZ     geluloop
	VZEROUPPER
	RET

// func geluBackwardAVX2(dx, x, dy *float32, n int)
//
// gelu'(x) = s + s·(1-s)·x·2·du/dx with s = σ(2u).
TEXT ·geluBackwardAVX2(SB), NOSPLIT, $0-32
	MOVQ    dx+0(FP), DI
	MOVQ    x+8(FP), SI
	MOVQ    dy+16(FP), DX
	MOVQ    n+24(FP), CX
	SHRQ    $3, CX
	VMOVUPS geluD1<>(SB), Y11
	VMOVUPS geluD0<>(SB), Y12
	VMOVUPS expOne<>(SB), Y13
	VMOVUPS geluB<>(SB), Y14
	VMOVUPS geluA<>(SB), Y15

gelubackloop:
	VMOVUPS     (SI), Y7
	GELU_SIGMOID
	VSUBPS      Y0, Y13, Y1
	VMULPS      Y0, Y1, Y1
	VMOVAPS     Y11, Y2
	VFMADD213PS Y12, Y8, Y2
	VMULPS      Y7, Y2, Y2
	VFMADD213PS Y0, Y2, Y1
	VMULPS      (DX), Y1, Y1
	VMOVUPS     Y1, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DX
	ADDQ        $32, DI
	DECQ        CX
	JNZ         gelubackloop
	VZEROUPPER
	RET
