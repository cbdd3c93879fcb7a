/*
 * crc32.h: CRC-32 (ISO-HDLC, the gzip and zlib CRC: reflected polynomial
 * 0xEDB88320, initial and final XOR 0xFFFFFFFF), streaming.
 *
 *   crc32_update(0, data, len) is the CRC of `data`; feeding the result
 *   back (crc32_update(crc, more, n)) continues it, so any split of the
 *   input gives the same value (zlib's crc32() convention).
 *   crc32_combine(crc1, crc2, len2) is the CRC of A followed by B, from the
 *   CRC of A, the CRC of B and the length of B (zlib's crc32_combine()).
 *
 * Back-ends, chosen at run time, the fastest the CPU has: x86 PCLMULQDQ
 * folding ("pclmul"), ARMv8 CRC32 instructions ("armv8-crc", aarch64 and
 * 32-bit ARM builds for ARMv8), and portable slicing-by-8 ("portable").
 * Nothing is allocated; the only global state is the back-end choice and
 * the portable tables, both set on first use. S3PUB_CRC32=portable in the
 * environment forces the portable code.
 */
#ifndef S3PUB_CRC32_H
#define S3PUB_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_update(uint32_t crc, const void *data, size_t len);
uint32_t crc32_combine(uint32_t crc1, uint32_t crc2, uint64_t len2);

/* Back-end identifiers for crc32_use(). */
enum { CRC32_AUTO = 0, CRC32_PORTABLE, CRC32_PCLMUL, CRC32_ARMV8 };

/*
 * Selects a back-end (tests and benchmarks), while no other thread uses
 * this unit: CRC32_AUTO restores the run-time choice. Returns 0, or -1
 * when this CPU or build lacks it (the choice is then unchanged). Without
 * it the first crc32_update or crc32_backend, from any thread, chooses.
 */
int crc32_use(int backend);

/* "pclmul", "armv8-crc" or "portable": the back-end now in use. */
const char *crc32_backend(void);

#endif
