/*
 * sha256.c: SHA-256 (FIPS 180-4) with three compression back-ends.
 *
 * Every back-end is a function that compresses `n` whole 64-byte blocks
 * into the state; the streaming layer above is shared. Passing many blocks
 * per call matters: the SHA-NI and ARMv8 paths keep the state in vector
 * registers for the whole run and only shuffle it in and out once.
 *
 * The back-end is chosen once, on first use, from what the CPU reports
 * (cpuid on x86, the kernel's HWCAP bits on ARM); S3PUB_SHA256=portable in
 * the environment or sha256_force_portable(1) overrides it.
 */
#include "sha256.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define S3P_SHA_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

/*
 * gcc exposes the SHA2 intrinsics to any function with the target
 * attribute below. clang (14) declares them only when the whole file is
 * built with the feature (-march=armv8-a+crypto), so with clang the ARM
 * back-end exists only then. 32-bit ARM needs a hard- or softfp-float ABI.
 */
#if (defined(__aarch64__) || (defined(__arm__) && !defined(__SOFTFP__))) \
    && (!defined(__clang__) || defined(__ARM_FEATURE_SHA2) \
	|| defined(__ARM_FEATURE_CRYPTO))
#define S3P_SHA_ARM 1
#include <arm_neon.h>
#include <sys/auxv.h>
#ifndef HWCAP_SHA2
#define HWCAP_SHA2 (1 << 6)      /* aarch64 AT_HWCAP bit */
#endif
#ifndef HWCAP2_SHA2
#define HWCAP2_SHA2 (1 << 3)     /* 32-bit ARM AT_HWCAP2 bit */
#endif
#if defined(__clang__)
#define S3P_ARM_TARGET __attribute__((target("crypto")))
#elif defined(__aarch64__)
#define S3P_ARM_TARGET __attribute__((target("+crypto")))
#else
#define S3P_ARM_TARGET __attribute__((target("fpu=crypto-neon-fp-armv8")))
#endif
#endif

/* FIPS 180-4 section 4.2.2; 16-byte aligned for the vector loads. */
static const uint32_t K[64] __attribute__((aligned(16))) = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

/* FIPS 180-4 section 5.3.3 */
static const uint32_t H0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
};

/* ---- portable C ---------------------------------------------------- */

static inline uint32_t
ror32(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t
load_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16
	    | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static inline void
store_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* The four functions of FIPS 180-4 section 4.1.2 built on rotations. */
static inline uint32_t
bsig0(uint32_t x)
{
	return ror32(x, 2) ^ ror32(x, 13) ^ ror32(x, 22);
}

static inline uint32_t
bsig1(uint32_t x)
{
	return ror32(x, 6) ^ ror32(x, 11) ^ ror32(x, 25);
}

static inline uint32_t
ssig0(uint32_t x)
{
	return ror32(x, 7) ^ ror32(x, 18) ^ (x >> 3);
}

static inline uint32_t
ssig1(uint32_t x)
{
	return ror32(x, 17) ^ ror32(x, 19) ^ (x >> 10);
}

/*
 * FIPS 180-4 section 6.2.2 as one rolled loop of 64 rounds: about 500
 * bytes of x86-64 code at -Os where the fully unrolled form took 5 KB and
 * was only some 5% faster; both beat BearSSL's br_sha256, bench B1's goal
 * for this path. Of the forms measured (rounds unrolled by 2, 4, 8 or 16;
 * the schedule in a separate pass or in a 16-word ring), this was the
 * smallest and the fastest: each round makes its schedule word just
 * before using it, so that work fills the gaps in the rounds' dependency
 * chain, and the 64-word array needs no index masking. The shift of the
 * eight working variables becomes register moves, which cost next to
 * nothing. Small rewrites moved the speed by 7% (one variable spilled to
 * the stack): run bench B1 after any change here.
 */
static void
blocks_portable(uint32_t state[8], const unsigned char *p, size_t n)
{
	uint32_t w[64];
	int t;

	while (n-- > 0) {
		uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
		uint32_t e = state[4], f = state[5], g = state[6], h = state[7];

		for (t = 0; t < 64; t++) {
			uint32_t t1, t2, x;

			if (t < 16)
				x = load_be32(p + 4 * t);
			else
				x = w[t - 16] + w[t - 7] + ssig0(w[t - 15])
				    + ssig1(w[t - 2]);
			w[t] = x;
			t1 = h + K[t] + x + (g ^ (e & (f ^ g))) + bsig1(e);
			t2 = ((a & b) | (c & (a | b))) + bsig0(a);
			h = g;
			g = f;
			f = e;
			e = d + t1;
			d = c;
			c = b;
			b = a;
			a = t1 + t2;
		}
		state[0] += a;
		state[1] += b;
		state[2] += c;
		state[3] += d;
		state[4] += e;
		state[5] += f;
		state[6] += g;
		state[7] += h;
		p += 64;
	}
}

/* ---- x86 SHA-NI ---------------------------------------------------- */

#ifdef S3P_SHA_X86
#define S3P_NI_TARGET __attribute__((target("sha,sse4.1,ssse3")))

/*
 * Four rounds. SHA256RNDS2 does two rounds on the state split as ABEF and
 * CDGH, taking its two K+W words from the low half of the third operand.
 */
static inline __attribute__((always_inline)) S3P_NI_TARGET void
ni_rounds4(__m128i *abef, __m128i *cdgh, __m128i w, const uint32_t *k)
{
	__m128i kw = _mm_add_epi32(w, _mm_load_si128((const __m128i *)k));

	*cdgh = _mm_sha256rnds2_epu32(*cdgh, *abef, kw);
	*abef = _mm_sha256rnds2_epu32(*abef, *cdgh, _mm_shuffle_epi32(kw, 0x0e));
}

/* W[t..t+3] from a = W[t-16..], b = W[t-12..], c = W[t-8..], d = W[t-4..]. */
static inline __attribute__((always_inline)) S3P_NI_TARGET __m128i
ni_sched4(__m128i a, __m128i b, __m128i c, __m128i d)
{
	__m128i x = _mm_add_epi32(_mm_sha256msg1_epu32(a, b),
	    _mm_alignr_epi8(d, c, 4));

	return _mm_sha256msg2_epu32(x, d);
}

/* state[] is A..H in order; the instructions want ABEF and CDGH */
static inline __attribute__((always_inline)) S3P_NI_TARGET void
ni_state_in(const uint32_t state[8], __m128i *abef, __m128i *cdgh)
{
	__m128i t = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)state), 0xb1);

	*cdgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)(state + 4)), 0x1b);
	*abef = _mm_alignr_epi8(t, *cdgh, 8);
	*cdgh = _mm_blend_epi16(*cdgh, t, 0xf0);
}

/* back from ABEF/CDGH to A..H */
static inline __attribute__((always_inline)) S3P_NI_TARGET void
ni_state_out(uint32_t state[8], __m128i abef, __m128i cdgh)
{
	__m128i t = _mm_shuffle_epi32(abef, 0x1b);

	cdgh = _mm_shuffle_epi32(cdgh, 0xb1);
	_mm_storeu_si128((__m128i *)state, _mm_blend_epi16(t, cdgh, 0xf0));
	_mm_storeu_si128((__m128i *)(state + 4), _mm_alignr_epi8(cdgh, t, 8));
}

/* 16 message words, big-endian, from a block that may be misaligned */
static inline __attribute__((always_inline)) S3P_NI_TARGET __m128i
ni_load_be(const unsigned char *p)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL,
	    0x0405060700010203ULL);

	return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), bswap);
}

/*
 * The bytes 1 KiB ahead, asked for now: a buffer larger than the caches
 * (B1's 1 GiB) hashed at 1.13 GB/s without, 1.92 with, on a virtual Intel
 * Xeon (Rocket Lake) whose hardware prefetch did not keep up with this
 * loop's loads; 1.07 against 1.31 GB/s for two hashes at once. A hint: an
 * address past the buffer's end is not read, nor does it fault.
 */
static inline __attribute__((always_inline)) S3P_NI_TARGET void
ni_prefetch(const unsigned char *p)
{
	_mm_prefetch((const char *)((uintptr_t)p + 1024), _MM_HINT_T0);
}

static S3P_NI_TARGET void
blocks_shani(uint32_t state[8], const unsigned char *p, size_t n)
{
	__m128i abef, cdgh, w0, w1, w2, w3, save0, save1;
	int j;

	ni_state_in(state, &abef, &cdgh);

	while (n-- > 0) {
		save0 = abef;
		save1 = cdgh;
		ni_prefetch(p);
		w0 = ni_load_be(p);
		w1 = ni_load_be(p + 16);
		w2 = ni_load_be(p + 32);
		w3 = ni_load_be(p + 48);
		ni_rounds4(&abef, &cdgh, w0, K);
		ni_rounds4(&abef, &cdgh, w1, K + 4);
		ni_rounds4(&abef, &cdgh, w2, K + 8);
		ni_rounds4(&abef, &cdgh, w3, K + 12);
		for (j = 16; j < 64; j += 16) {
			w0 = ni_sched4(w0, w1, w2, w3);
			ni_rounds4(&abef, &cdgh, w0, K + j);
			w1 = ni_sched4(w1, w2, w3, w0);
			ni_rounds4(&abef, &cdgh, w1, K + j + 4);
			w2 = ni_sched4(w2, w3, w0, w1);
			ni_rounds4(&abef, &cdgh, w2, K + j + 8);
			w3 = ni_sched4(w3, w0, w1, w2);
			ni_rounds4(&abef, &cdgh, w3, K + j + 12);
		}
		abef = _mm_add_epi32(abef, save0);
		cdgh = _mm_add_epi32(cdgh, save1);
		p += 64;
	}

	ni_state_out(state, abef, cdgh);
}

/*
 * Four rounds of two hashes of the same block: one K+W, two states, their
 * instructions alternated. One hash is a chain: each SHA256RNDS2 needs the
 * result of the one before, and on the EPYC (Zen 5) this was measured on
 * its latency is twice its issue interval, so a lone hash leaves the unit
 * idle half the time. The second hash's rounds fill those cycles (in this
 * order: the two hashes' rounds in pairs, one after the other, measured
 * 6% slower).
 */
static inline __attribute__((always_inline)) S3P_NI_TARGET void
ni2_rounds4(__m128i *abef0, __m128i *cdgh0, __m128i *abef1, __m128i *cdgh1,
    __m128i w, const uint32_t *k)
{
	__m128i kw = _mm_add_epi32(w, _mm_load_si128((const __m128i *)k));
	__m128i kw_hi = _mm_shuffle_epi32(kw, 0x0e);

	*cdgh0 = _mm_sha256rnds2_epu32(*cdgh0, *abef0, kw);
	*cdgh1 = _mm_sha256rnds2_epu32(*cdgh1, *abef1, kw);
	*abef0 = _mm_sha256rnds2_epu32(*abef0, *cdgh0, kw_hi);
	*abef1 = _mm_sha256rnds2_epu32(*abef1, *cdgh1, kw_hi);
}

/*
 * n blocks from p into both s and t: blocks_shani() for two states over
 * the same data (the idea of Linux's sha256_ni_finup2x for dm-verity,
 * where the two messages differ; here they are the same bytes, so the
 * message schedule is computed once). Sharing it mattered: with two
 * schedules (the same loop over two pointers) the pair ran at 1.42x two
 * single passes, with one at 1.55x (1.59x unrolled). Besides the saved
 * SHA256MSG1/MSG2, each K+W goes into XMM0 (SHA256RNDS2's implicit
 * operand) once for both hashes, and writes to XMM0 between the rounds
 * are what keeps two chains from the unit's full rate here: a
 * microbenchmark of two bare chains ran at 1.87x one chain's speed, at
 * 1.68x with this loop's XMM0 writes. Everything stays in the 16 XMM
 * registers: two states and their saved copies, four schedule words,
 * K+W (twice), the byte-swap mask.
 */
static S3P_NI_TARGET void
blocks2_shani(uint32_t s[8], uint32_t t[8], const unsigned char *p, size_t n)
{
	__m128i abef0, cdgh0, abef1, cdgh1, w0, w1, w2, w3;
	__m128i save0, save1, save2, save3;
	int j;

	ni_state_in(s, &abef0, &cdgh0);
	ni_state_in(t, &abef1, &cdgh1);
	while (n-- > 0) {
		save0 = abef0;
		save1 = cdgh0;
		save2 = abef1;
		save3 = cdgh1;
		ni_prefetch(p);
		w0 = ni_load_be(p);
		ni2_rounds4(&abef0, &cdgh0, &abef1, &cdgh1, w0, K);
		w1 = ni_load_be(p + 16);
		ni2_rounds4(&abef0, &cdgh0, &abef1, &cdgh1, w1, K + 4);
		w2 = ni_load_be(p + 32);
		ni2_rounds4(&abef0, &cdgh0, &abef1, &cdgh1, w2, K + 8);
		w3 = ni_load_be(p + 48);
		ni2_rounds4(&abef0, &cdgh0, &abef1, &cdgh1, w3, K + 12);
		/* unrolled: 2.5% faster here for 576 bytes (gcc keeps -Os
		 * loops rolled, and rotating w0..w3 then costs moves) */
#pragma GCC unroll 4
		for (j = 16; j < 64; j += 16) {
			w0 = ni_sched4(w0, w1, w2, w3);
			ni2_rounds4(&abef0, &cdgh0, &abef1, &cdgh1, w0, K + j);
			w1 = ni_sched4(w1, w2, w3, w0);
			ni2_rounds4(&abef0, &cdgh0, &abef1, &cdgh1, w1, K + j + 4);
			w2 = ni_sched4(w2, w3, w0, w1);
			ni2_rounds4(&abef0, &cdgh0, &abef1, &cdgh1, w2, K + j + 8);
			w3 = ni_sched4(w3, w0, w1, w2);
			ni2_rounds4(&abef0, &cdgh0, &abef1, &cdgh1, w3, K + j + 12);
		}
		abef0 = _mm_add_epi32(abef0, save0);
		cdgh0 = _mm_add_epi32(cdgh0, save1);
		abef1 = _mm_add_epi32(abef1, save2);
		cdgh1 = _mm_add_epi32(cdgh1, save3);
		p += 64;
	}
	ni_state_out(s, abef0, cdgh0);
	ni_state_out(t, abef1, cdgh1);
}

static int
cpu_has_shani(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	if (!(c & bit_SSSE3) || !(c & bit_SSE4_1))
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b >> 29) & 1;   /* leaf 7 EBX bit 29: SHA extensions */
}
#endif

/* ---- ARMv8 SHA2 instructions --------------------------------------- */

#ifdef S3P_SHA_ARM
/* Four rounds: SHA256H updates ABCD, SHA256H2 EFGH (from the old ABCD). */
static inline __attribute__((always_inline)) S3P_ARM_TARGET void
arm_rounds4(uint32x4_t *abcd, uint32x4_t *efgh, uint32x4_t w, const uint32_t *k)
{
	uint32x4_t kw = vaddq_u32(w, vld1q_u32(k));
	uint32x4_t abcd0 = *abcd;

	*abcd = vsha256hq_u32(abcd0, *efgh, kw);
	*efgh = vsha256h2q_u32(*efgh, abcd0, kw);
}

/* W[t..t+3] from a = W[t-16..], b = W[t-12..], c = W[t-8..], d = W[t-4..]. */
static inline __attribute__((always_inline)) S3P_ARM_TARGET uint32x4_t
arm_sched4(uint32x4_t a, uint32x4_t b, uint32x4_t c, uint32x4_t d)
{
	return vsha256su1q_u32(vsha256su0q_u32(a, b), c, d);
}

static inline __attribute__((always_inline)) S3P_ARM_TARGET uint32x4_t
arm_load_be(const unsigned char *p)
{
	return vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(p)));
}

static S3P_ARM_TARGET void
blocks_armv8(uint32_t state[8], const unsigned char *p, size_t n)
{
	uint32x4_t abcd = vld1q_u32(state), efgh = vld1q_u32(state + 4);
	uint32x4_t w0, w1, w2, w3, save0, save1;
	int j;

	while (n-- > 0) {
		save0 = abcd;
		save1 = efgh;
		w0 = arm_load_be(p);
		w1 = arm_load_be(p + 16);
		w2 = arm_load_be(p + 32);
		w3 = arm_load_be(p + 48);
		arm_rounds4(&abcd, &efgh, w0, K);
		arm_rounds4(&abcd, &efgh, w1, K + 4);
		arm_rounds4(&abcd, &efgh, w2, K + 8);
		arm_rounds4(&abcd, &efgh, w3, K + 12);
		for (j = 16; j < 64; j += 16) {
			w0 = arm_sched4(w0, w1, w2, w3);
			arm_rounds4(&abcd, &efgh, w0, K + j);
			w1 = arm_sched4(w1, w2, w3, w0);
			arm_rounds4(&abcd, &efgh, w1, K + j + 4);
			w2 = arm_sched4(w2, w3, w0, w1);
			arm_rounds4(&abcd, &efgh, w2, K + j + 8);
			w3 = arm_sched4(w3, w0, w1, w2);
			arm_rounds4(&abcd, &efgh, w3, K + j + 12);
		}
		abcd = vaddq_u32(abcd, save0);
		efgh = vaddq_u32(efgh, save1);
		p += 64;
	}
	vst1q_u32(state, abcd);
	vst1q_u32(state + 4, efgh);
}

/*
 * Four rounds of two hashes of the same block, alternated as in
 * ni2_rounds4(). SHA256H and SHA256H2 each wait on the previous round's
 * result (latency 4 on Cortex-A72, 2 to 3 cycles more than the issue
 * interval on most cores), and an in-order core (Cortex-A53, A55) stalls
 * on it unless the next instruction belongs to the other hash. Only run
 * under qemu here: the gain on a real core is unmeasured.
 */
static inline __attribute__((always_inline)) S3P_ARM_TARGET void
arm2_rounds4(uint32x4_t *abcd0, uint32x4_t *efgh0, uint32x4_t *abcd1,
    uint32x4_t *efgh1, uint32x4_t w, const uint32_t *k)
{
	uint32x4_t kw = vaddq_u32(w, vld1q_u32(k));
	uint32x4_t a0 = *abcd0, a1 = *abcd1;

	*abcd0 = vsha256hq_u32(a0, *efgh0, kw);
	*abcd1 = vsha256hq_u32(a1, *efgh1, kw);
	*efgh0 = vsha256h2q_u32(*efgh0, a0, kw);
	*efgh1 = vsha256h2q_u32(*efgh1, a1, kw);
}

/* blocks_armv8() for two states over the same data, as blocks2_shani(). */
static S3P_ARM_TARGET void
blocks2_armv8(uint32_t s[8], uint32_t t[8], const unsigned char *p, size_t n)
{
	uint32x4_t abcd0 = vld1q_u32(s), efgh0 = vld1q_u32(s + 4);
	uint32x4_t abcd1 = vld1q_u32(t), efgh1 = vld1q_u32(t + 4);
	uint32x4_t w0, w1, w2, w3, save0, save1, save2, save3;
	int j;

	while (n-- > 0) {
		save0 = abcd0;
		save1 = efgh0;
		save2 = abcd1;
		save3 = efgh1;
		w0 = arm_load_be(p);
		w1 = arm_load_be(p + 16);
		w2 = arm_load_be(p + 32);
		w3 = arm_load_be(p + 48);
		arm2_rounds4(&abcd0, &efgh0, &abcd1, &efgh1, w0, K);
		arm2_rounds4(&abcd0, &efgh0, &abcd1, &efgh1, w1, K + 4);
		arm2_rounds4(&abcd0, &efgh0, &abcd1, &efgh1, w2, K + 8);
		arm2_rounds4(&abcd0, &efgh0, &abcd1, &efgh1, w3, K + 12);
		for (j = 16; j < 64; j += 16) {
			w0 = arm_sched4(w0, w1, w2, w3);
			arm2_rounds4(&abcd0, &efgh0, &abcd1, &efgh1, w0, K + j);
			w1 = arm_sched4(w1, w2, w3, w0);
			arm2_rounds4(&abcd0, &efgh0, &abcd1, &efgh1, w1, K + j + 4);
			w2 = arm_sched4(w2, w3, w0, w1);
			arm2_rounds4(&abcd0, &efgh0, &abcd1, &efgh1, w2, K + j + 8);
			w3 = arm_sched4(w3, w0, w1, w2);
			arm2_rounds4(&abcd0, &efgh0, &abcd1, &efgh1, w3, K + j + 12);
		}
		abcd0 = vaddq_u32(abcd0, save0);
		efgh0 = vaddq_u32(efgh0, save1);
		abcd1 = vaddq_u32(abcd1, save2);
		efgh1 = vaddq_u32(efgh1, save3);
		p += 64;
	}
	vst1q_u32(s, abcd0);
	vst1q_u32(s + 4, efgh0);
	vst1q_u32(t, abcd1);
	vst1q_u32(t + 4, efgh1);
}

static int
cpu_has_armv8_sha2(void)
{
#if defined(__aarch64__)
	return (getauxval(AT_HWCAP) & HWCAP_SHA2) != 0;
#else
	return (getauxval(AT_HWCAP2) & HWCAP2_SHA2) != 0;
#endif
}
#endif

/* ---- the choice ---------------------------------------------------- */

enum { BE_UNSET, BE_PORTABLE, BE_SHANI, BE_ARMV8 };

/*
 * The only globals: the detected back-end and the force flag. Detection is
 * idempotent, so two threads racing through it store the same value;
 * relaxed atomics keep that race defined.
 */
static int be_detected = BE_UNSET;
static int be_forced;

static int
detect(void)
{
	const char *env = getenv("S3PUB_SHA256");

	if (env != NULL && strcmp(env, "portable") == 0)
		return BE_PORTABLE;
#ifdef S3P_SHA_X86
	if (cpu_has_shani())
		return BE_SHANI;
#endif
#ifdef S3P_SHA_ARM
	if (cpu_has_armv8_sha2())
		return BE_ARMV8;
#endif
	return BE_PORTABLE;
}

static int
backend(void)
{
	int be;

	if (__atomic_load_n(&be_forced, __ATOMIC_RELAXED))
		return BE_PORTABLE;
	be = __atomic_load_n(&be_detected, __ATOMIC_RELAXED);
	if (be == BE_UNSET) {
		be = detect();
		__atomic_store_n(&be_detected, be, __ATOMIC_RELAXED);
	}
	return be;
}

static void
compress(uint32_t state[8], const unsigned char *p, size_t n)
{
	switch (backend()) {
#ifdef S3P_SHA_X86
	case BE_SHANI:
		blocks_shani(state, p, n);
		return;
#endif
#ifdef S3P_SHA_ARM
	case BE_ARMV8:
		blocks_armv8(state, p, n);
		return;
#endif
	default:
		blocks_portable(state, p, n);
		return;
	}
}

/*
 * n blocks from p into both s and t. The portable code runs the two one
 * after the other: its rounds are bound by the ALU's throughput, not by
 * latency (each round's schedule word already fills the gaps in its
 * chain; see blocks_portable), so two hashes in one loop gained nothing.
 * Measured on x86-64 (AMD EPYC, gcc 12 -Os), the interleaved form of that
 * loop ran at 0.92x the speed of two passes: sixteen working variables and
 * two schedules spill from 16 registers. No ARM core was at hand to
 * measure (qemu's timings mean nothing), so ARM keeps the two passes too.
 */
static void
compress2(uint32_t s[8], uint32_t t[8], const unsigned char *p, size_t n)
{
	switch (backend()) {
#ifdef S3P_SHA_X86
	case BE_SHANI:
		blocks2_shani(s, t, p, n);
		return;
#endif
#ifdef S3P_SHA_ARM
	case BE_ARMV8:
		blocks2_armv8(s, t, p, n);
		return;
#endif
	default:
		blocks_portable(s, p, n);
		blocks_portable(t, p, n);
		return;
	}
}

const char *
sha256_backend(void)
{
	switch (backend()) {
	case BE_SHANI:
		return "sha-ni";
	case BE_ARMV8:
		return "armv8-sha2";
	default:
		return "portable";
	}
}

void
sha256_force_portable(int on)
{
	__atomic_store_n(&be_forced, on != 0, __ATOMIC_RELAXED);
}

/* ---- streaming ----------------------------------------------------- */

void
sha256_init(sha256_ctx *ctx)
{
	memcpy(ctx->state, H0, sizeof ctx->state);
	ctx->count = 0;
}

void
sha256_update(sha256_ctx *ctx, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t used = (size_t)(ctx->count & 63);

	if (len == 0)
		return;
	ctx->count += len;
	if (used != 0) {
		size_t room = 64 - used;

		if (len < room) {
			memcpy(ctx->buf + used, p, len);
			return;
		}
		memcpy(ctx->buf + used, p, room);
		compress(ctx->state, ctx->buf, 1);
		p += room;
		len -= room;
	}
	if (len >= 64) {
		compress(ctx->state, p, len / 64);
		p += len & ~(size_t)63;
		len &= 63;
	}
	if (len != 0)
		memcpy(ctx->buf, p, len);
}

/*
 * When a and b are at the same offset in their blocks, the same bytes fill
 * the same places: each completes its partial block alone (the two hold
 * different earlier bytes), then the whole blocks go through compress2()
 * once for both, then each keeps the same tail. At different offsets no
 * block is common to the two, and they are hashed one after the other.
 */
void
sha256x2_update(sha256_ctx *a, sha256_ctx *b, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t head = (64 - (size_t)(a->count & 63)) & 63, n;

	if ((a->count & 63) != (b->count & 63)) {
		sha256_update(a, p, len);
		sha256_update(b, p, len);
		return;
	}
	if (head > len)
		head = len;
	sha256_update(a, p, head);
	sha256_update(b, p, head);
	p += head;
	len -= head;
	n = len / 64;
	if (n > 0) {
		compress2(a->state, b->state, p, n);
		a->count += (uint64_t)n * 64;
		b->count += (uint64_t)n * 64;
		p += n * 64;
		len -= n * 64;
	}
	sha256_update(a, p, len);
	sha256_update(b, p, len);
}

/* Padding (FIPS 180-4 section 5.1.1) on a copy: ctx stays as it was. */
void
sha256_final(const sha256_ctx *ctx, unsigned char out[SHA256_SIZE])
{
	unsigned char pad[128];
	uint32_t state[8];
	size_t used = (size_t)(ctx->count & 63);
	size_t n = used < 56 ? 64 : 128;
	uint64_t bits = ctx->count << 3;
	int i;

	memcpy(state, ctx->state, sizeof state);
	memcpy(pad, ctx->buf, used);
	pad[used] = 0x80;
	memset(pad + used + 1, 0, n - used - 9);
	store_be32(pad + n - 8, (uint32_t)(bits >> 32));
	store_be32(pad + n - 4, (uint32_t)bits);
	compress(state, pad, n / 64);
	for (i = 0; i < 8; i++)
		store_be32(out + 4 * i, state[i]);
}

void
sha256(const void *data, size_t len, unsigned char out[SHA256_SIZE])
{
	sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, data, len);
	sha256_final(&ctx, out);
}

void
sha256_hex(const unsigned char digest[SHA256_SIZE], char out[65])
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 0; i < SHA256_SIZE; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 15];
	}
	out[64] = '\0';
}
