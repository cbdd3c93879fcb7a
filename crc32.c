/*
 * crc32.c: CRC-32 for the gzip trailer (RFC 1952 section 8), three
 * back-ends chosen at run time. See crc32.h.
 *
 * The state passed between the back-ends is the CRC register before the
 * final inversion ("c = ~crc"), so each back-end is one loop over bytes.
 */
#include "crc32.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define S3P_CRC_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

/* 32-bit ARM: gcc builds the CRC32 function for ARMv8 by its target
 * attribute alone, so an armv7 binary has it and uses it on ARMv8 CPUs
 * (AT_HWCAP2); clang only when the whole file is built for +crc */
#if defined(__aarch64__) || (defined(__arm__) && defined(__ARM_FEATURE_CRC32)) \
    || (defined(__arm__) && !defined(__clang__) && !defined(__SOFTFP__))
#define S3P_CRC_ARM 1
#include <arm_acle.h>
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
#ifndef HWCAP2_CRC32
#define HWCAP2_CRC32 (1 << 4)
#endif
#endif

#define POLY 0xedb88320u

/* ---- portable: slicing-by-8 (Intel's "Slicing-by-8", 2006) ---- */

static uint32_t crc_table[8][256];
static int crc_table_ready;

static void
make_tables(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		crc_table[0][n] = c;
	}
	/* table[k][n]: the CRC of byte n followed by k zero bytes */
	for (int n = 0; n < 256; n++)
		for (int k = 1; k < 8; k++)
			crc_table[k][n] = (crc_table[k - 1][n] >> 8) ^
			    crc_table[0][crc_table[k - 1][n] & 0xff];
	crc_table_ready = 1;
}

static uint32_t
crc_portable(uint32_t c, const unsigned char *p, size_t len)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	while (len > 0 && ((uintptr_t)p & 7) != 0) {
		c = (c >> 8) ^ crc_table[0][(c ^ *p++) & 0xff];
		len--;
	}
	while (len >= 8) {
		uint32_t lo, hi;
		memcpy(&lo, p, 4);
		memcpy(&hi, p + 4, 4);
		lo ^= c;
		c = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
		    crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
		    crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
		    crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
		p += 8;
		len -= 8;
	}
#endif
	while (len-- > 0)
		c = (c >> 8) ^ crc_table[0][(c ^ *p++) & 0xff];
	return c;
}

/* ---- x86: carry-less multiplication folding ----
 * Gopal et al., "Fast CRC Computation for Generic Polynomials Using
 * PCLMULQDQ Instruction" (Intel, 2009), bit-reflected form: four 128-bit
 * lanes are folded 512 bits at a time, then into one lane, then reduced
 * 128 -> 64 -> 32 bits (Barrett). The constants are x^k mod P for the
 * fold distances (reflected, shifted), and P and floor(x^64 / P) for the
 * Barrett step, as given at the end of the paper.
 */
#ifdef S3P_CRC_X86
#define S3P_CLMUL_TARGET __attribute__((target("pclmul,sse2")))

S3P_CLMUL_TARGET static __m128i
fold(__m128i x, __m128i k, __m128i data)
{
	__m128i lo = _mm_clmulepi64_si128(x, k, 0x00);
	__m128i hi = _mm_clmulepi64_si128(x, k, 0x11);
	return _mm_xor_si128(_mm_xor_si128(lo, hi), data);
}

/* len >= 64 and a multiple of 16 */
S3P_CLMUL_TARGET static uint32_t
crc_clmul_blocks(uint32_t c, const unsigned char *p, size_t len)
{
	const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
	const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
	const __m128i k5 = _mm_set_epi64x(0, 0x0163cd6124);
	const __m128i poly = _mm_set_epi64x(0x01f7011641, 0x01db710641);
	const __m128i mask32 = _mm_set_epi32(0, -1, 0, -1);
	__m128i x1, x2, x3, x4, t;

	x1 = _mm_loadu_si128((const __m128i *)(p + 0));
	x2 = _mm_loadu_si128((const __m128i *)(p + 16));
	x3 = _mm_loadu_si128((const __m128i *)(p + 32));
	x4 = _mm_loadu_si128((const __m128i *)(p + 48));
	x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)c));
	p += 64;
	len -= 64;
	while (len >= 64) {
		x1 = fold(x1, k1k2, _mm_loadu_si128((const __m128i *)(p + 0)));
		x2 = fold(x2, k1k2, _mm_loadu_si128((const __m128i *)(p + 16)));
		x3 = fold(x3, k1k2, _mm_loadu_si128((const __m128i *)(p + 32)));
		x4 = fold(x4, k1k2, _mm_loadu_si128((const __m128i *)(p + 48)));
		p += 64;
		len -= 64;
	}
	/* four lanes into one */
	x1 = fold(x1, k3k4, x2);
	x1 = fold(x1, k3k4, x3);
	x1 = fold(x1, k3k4, x4);
	while (len >= 16) {
		x1 = fold(x1, k3k4, _mm_loadu_si128((const __m128i *)p));
		p += 16;
		len -= 16;
	}
	/* 128 -> 64 bits */
	t = _mm_clmulepi64_si128(x1, k3k4, 0x10);
	x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), t);
	/* 64 -> 32 bits */
	t = _mm_srli_si128(x1, 4);
	x1 = _mm_and_si128(x1, mask32);
	x1 = _mm_clmulepi64_si128(x1, k5, 0x00);
	x1 = _mm_xor_si128(x1, t);
	/* Barrett reduction */
	t = _mm_and_si128(x1, mask32);
	t = _mm_clmulepi64_si128(t, poly, 0x10);
	t = _mm_and_si128(t, mask32);
	t = _mm_clmulepi64_si128(t, poly, 0x00);
	x1 = _mm_xor_si128(x1, t);
	return (uint32_t)_mm_cvtsi128_si32(_mm_srli_si128(x1, 4));
}

static uint32_t
crc_pclmul(uint32_t c, const unsigned char *p, size_t len)
{
	if (len >= 64) {
		size_t n = len & ~(size_t)15;
		c = crc_clmul_blocks(c, p, n);
		p += n;
		len -= n;
	}
	return crc_portable(c, p, len);
}

static int
cpu_has_pclmul(void)
{
	unsigned a, b, c, d;
	if (!__get_cpuid(1, &a, &b, &c, &d))
		return 0;
	return (c & bit_PCLMUL) != 0 && (d & bit_SSE2) != 0;
}
#endif

/* ---- ARMv8: the CRC32 instructions (ACLE __crc32d, __crc32b) ---- */
#ifdef S3P_CRC_ARM
/* clang's arm_acle.h (and gcc's on 32-bit ARM) declares the intrinsics
 * only when the whole file is built for +crc; the builtins work under the
 * target attribute */
#if defined(__clang__) || (defined(__arm__) && !defined(__ARM_FEATURE_CRC32))
#define CRC32B __builtin_arm_crc32b
#define CRC32W __builtin_arm_crc32w
#define CRC32D __builtin_arm_crc32d
#else
#define CRC32B __crc32b
#define CRC32W __crc32w
#define CRC32D __crc32d
#endif
#if defined(__aarch64__) && !defined(__clang__)
#define S3P_CRC_TARGET __attribute__((target("+crc")))
#elif defined(__aarch64__)
#define S3P_CRC_TARGET __attribute__((target("crc")))
#elif !defined(__clang__) && !defined(__ARM_FEATURE_CRC32)
/* +simd: with the hard-float ABI the architecture must keep an FPU */
#define S3P_CRC_TARGET __attribute__((target("arch=armv8-a+crc+simd")))
#else
#define S3P_CRC_TARGET
#endif

S3P_CRC_TARGET static uint32_t
crc_armv8(uint32_t c, const unsigned char *p, size_t len)
{
	while (len > 0 && ((uintptr_t)p & 7) != 0) {
		c = CRC32B(c, *p++);
		len--;
	}
#if defined(__aarch64__)
	while (len >= 32) {
		uint64_t w[4];
		memcpy(w, p, 32);
		c = CRC32D(c, w[0]);
		c = CRC32D(c, w[1]);
		c = CRC32D(c, w[2]);
		c = CRC32D(c, w[3]);
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		c = CRC32D(c, w);
		p += 8;
		len -= 8;
	}
#else
	while (len >= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		c = CRC32W(c, w);
		p += 4;
		len -= 4;
	}
#endif
	while (len-- > 0)
		c = CRC32B(c, *p++);
	return c;
}

static int
cpu_has_armv8_crc(void)
{
#if defined(__aarch64__)
	return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
#else
	return (getauxval(AT_HWCAP2) & HWCAP2_CRC32) != 0;
#endif
}
#endif

/* ---- dispatch ---- */

typedef uint32_t (*crc_fn)(uint32_t, const unsigned char *, size_t);

static crc_fn crc_impl;
static const char *crc_name;

static int
select_backend(int b)
{
	/* the portable loop ends the others' calls too (their tails) */
	if (!crc_table_ready)
		make_tables();
	switch (b) {
	case CRC32_PORTABLE:
		crc_impl = crc_portable;
		crc_name = "portable";
		return 0;
	case CRC32_PCLMUL:
#ifdef S3P_CRC_X86
		if (cpu_has_pclmul()) {
			crc_impl = crc_pclmul;
			crc_name = "pclmul";
			return 0;
		}
#endif
		return -1;
	case CRC32_ARMV8:
#ifdef S3P_CRC_ARM
		if (cpu_has_armv8_crc()) {
			crc_impl = crc_armv8;
			crc_name = "armv8-crc";
			return 0;
		}
#endif
		return -1;
	case CRC32_AUTO: {
		const char *env = getenv("S3PUB_CRC32");
		if (env != NULL && strcmp(env, "portable") == 0)
			return select_backend(CRC32_PORTABLE);
		if (select_backend(CRC32_PCLMUL) == 0 ||
		    select_backend(CRC32_ARMV8) == 0)
			return 0;
		return select_backend(CRC32_PORTABLE);
	}
	}
	return -1;
}

int
crc32_use(int backend)
{
	return select_backend(backend);
}

/*
 * The first use from any thread chooses (compressing threads start
 * together): one thread, while the others wait, so that none reads the
 * portable tables while another one writes them, or sees the choice
 * before the tables. (pthread_once does the same, for 500 bytes more of
 * musl's cancellation code.)
 */
enum { UNCHOSEN, CHOOSING, CHOSEN };
static int crc_chosen;

static void
choose_at_first_use(void)
{
	int was = UNCHOSEN;

	if (__atomic_load_n(&crc_chosen, __ATOMIC_ACQUIRE) == CHOSEN)
		return;
	if (__atomic_compare_exchange_n(&crc_chosen, &was, CHOOSING, 0,
	    __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)) {
		if (crc_impl == NULL)   /* else crc32_use chose */
			select_backend(CRC32_AUTO);
		__atomic_store_n(&crc_chosen, CHOSEN, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&crc_chosen, __ATOMIC_ACQUIRE) != CHOSEN)
		sched_yield();
}

const char *
crc32_backend(void)
{
	choose_at_first_use();
	return crc_name;
}

uint32_t
crc32_update(uint32_t crc, const void *data, size_t len)
{
	choose_at_first_use();
	if (len == 0)
		return crc;
	return ~crc_impl(~crc, data, len);
}

/* ---- combine: multiplication modulo P in the reflected domain ----
 * CRC(A || B) = CRC(A) * x^(8 len(B)) mod P  xor  CRC(B), as in zlib.
 * The representation has x^0 in the top bit (1 << 31).
 */
static uint32_t
mulmodp(uint32_t a, uint32_t b)
{
	uint32_t m = 1u << 31, p = 0;

	for (;;) {
		if (a & m) {
			p ^= b;
			if ((a & (m - 1)) == 0)
				break;
		}
		m >>= 1;
		b = b & 1 ? (b >> 1) ^ POLY : b >> 1;
	}
	return p;
}

uint32_t
crc32_combine(uint32_t crc1, uint32_t crc2, uint64_t len2)
{
	uint32_t sq = 1u << 23;      /* x^8: one byte of shift */
	uint32_t xn = 1u << 31;      /* x^0 */

	if (len2 == 0)
		return crc1;
	/* x^(8 len2) mod P by squaring */
	for (; len2 != 0; len2 >>= 1) {
		if (len2 & 1)
			xn = mulmodp(sq, xn);
		sq = mulmodp(sq, sq);
	}
	return mulmodp(xn, crc1) ^ crc2;
}
