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

/* One-shot digest of a buffer. */
void sha256(const void *data, size_t len, unsigned char out[SHA256_SIZE]);

/* "sha-ni", "armv8-sha2" or "portable": the back-end now in use. */
const char *sha256_backend(void);

/* Forces (1) or stops forcing (0) the portable back-end. */
void sha256_force_portable(int on);

/* Lower-case hex of a digest, NUL-terminated (65 bytes). */
void sha256_hex(const unsigned char digest[SHA256_SIZE], char out[65]);

#endif
