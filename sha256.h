/*
 * sha256.h: SHA-256 (FIPS 180-4), streaming, in BearSSL's manner.
 *
 * The caller owns the context; nothing is allocated, nothing is global but
 * the back-end choice, made once on first use. The context holds no
 * interior pointer: it may be copied with memcpy() to fork a running hash
 * (hash a common prefix once, then finish two ways).
 *
 *   sha256_init    starts a hash.
 *   sha256_update  adds bytes; any split of the input gives the same digest.
 *   sha256_final   writes the 32-byte digest. The context is left unchanged,
 *                  so updating may go on after a final (a running digest).
 *   sha256x2_update  adds the same bytes to two hashes in one pass (a
 *                  part's hash and the whole object's): with SHA
 *                  instructions, faster than two updates (1.6x on the
 *                  AMD EPYC of bench B1).
 *
 * Back-ends: x86 SHA-NI, ARMv8 SHA2 instructions, and portable C. The
 * fastest the CPU has is chosen at run time; sha256_force_portable(1)
 * (tests and benchmarks) or S3PUB_SHA256=portable in the environment forces
 * the portable code.
 */
#ifndef S3PUB_SHA256_H
#define S3PUB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_SIZE 32

typedef struct {
	uint32_t state[8];
	uint64_t count;          /* bytes hashed so far */
	unsigned char buf[64];   /* the partial block: count % 64 bytes */
} sha256_ctx;

void sha256_init(sha256_ctx *ctx);
void sha256_update(sha256_ctx *ctx, const void *data, size_t len);
void sha256_final(const sha256_ctx *ctx, unsigned char out[SHA256_SIZE]);

/*
 * Exactly sha256_update(a, data, len) then sha256_update(b, data, len),
 * for any two contexts, whatever bytes each has seen before. a and b must
 * be two distinct contexts. When both have seen the same number of bytes
 * modulo 64 (a part that starts at a multiple of 64 bytes in the object,
 * as with the default 64 MiB parts or any size in KiB), each block of
 * data is compressed into the two states at once with the SHA-NI or ARMv8
 * back-end: one hash is a chain of dependent rounds that leaves the SHA
 * unit idle for much of each instruction's latency, and a second hash of
 * the same block (one message schedule for both) fills those cycles.
 * Otherwise, and with the portable back-end, the two are hashed one after
 * the other.
 */
void sha256x2_update(sha256_ctx *a, sha256_ctx *b, const void *data,
    size_t len);

/* One-shot digest of a buffer. */
void sha256(const void *data, size_t len, unsigned char out[SHA256_SIZE]);

/* "sha-ni", "armv8-sha2" or "portable": the back-end now in use. */
const char *sha256_backend(void);

/* Forces (1) or stops forcing (0) the portable back-end. */
void sha256_force_portable(int on);

/* Lower-case hex of a digest, NUL-terminated (65 bytes). */
void sha256_hex(const unsigned char digest[SHA256_SIZE], char out[65]);

#endif
