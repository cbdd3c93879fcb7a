/*
 * hmac.h: HMAC-SHA256 (RFC 2104), streaming and one-shot.
 *
 * Caller-owned context, no allocation. Keys of any length (keys longer than
 * the 64-byte block are hashed first, as the RFC says). Like sha256_ctx,
 * the context may be copied with memcpy(): after hmac_sha256_init() with a
 * key, a copy is a ready-keyed start for another message (SigV4 signs many
 * strings with one derived key).
 */
#ifndef S3PUB_HMAC_H
#define S3PUB_HMAC_H

#include "sha256.h"

typedef struct {
	sha256_ctx inner;   /* keyed with key ^ ipad, then the message */
	sha256_ctx outer;   /* keyed with key ^ opad */
} hmac_sha256_ctx;

void hmac_sha256_init(hmac_sha256_ctx *ctx, const void *key, size_t key_len);
void hmac_sha256_update(hmac_sha256_ctx *ctx, const void *data, size_t len);
/* Writes the 32-byte MAC; the context is left unchanged. */
void hmac_sha256_final(const hmac_sha256_ctx *ctx, unsigned char out[SHA256_SIZE]);

void hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
    unsigned char out[SHA256_SIZE]);

#endif
