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
