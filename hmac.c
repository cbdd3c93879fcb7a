/*
 * hmac.c: HMAC-SHA256 (RFC 2104 section 2, with the SHA-256 of FIPS 180-4).
 *
 *   HMAC(K, m) = H((K0 ^ opad) || H((K0 ^ ipad) || m))
 *
 * K0 is the key zero-padded to the 64-byte block, or the SHA-256 of the key
 * when the key is longer than a block. Both pads are absorbed at init, so
 * the context holds two hashes already one block in; the key itself is not
 * kept, and a copy of a freshly keyed context starts another message.
 */
#include "hmac.h"

#include <string.h>

#define HMAC_BLOCK 64

void
hmac_sha256_init(hmac_sha256_ctx *ctx, const void *key, size_t key_len)
{
	unsigned char k0[HMAC_BLOCK], pad[HMAC_BLOCK];
	int i;

	memset(k0, 0, sizeof k0);
	if (key_len > HMAC_BLOCK)
		sha256(key, key_len, k0);
	else if (key_len > 0)
		memcpy(k0, key, key_len);

	for (i = 0; i < HMAC_BLOCK; i++)
		pad[i] = k0[i] ^ 0x36;
	sha256_init(&ctx->inner);
	sha256_update(&ctx->inner, pad, sizeof pad);
	for (i = 0; i < HMAC_BLOCK; i++)
		pad[i] = k0[i] ^ 0x5c;
	sha256_init(&ctx->outer);
	sha256_update(&ctx->outer, pad, sizeof pad);

	/* key material does not outlive the call on the stack */
	memset(k0, 0, sizeof k0);
	memset(pad, 0, sizeof pad);
	__asm__ __volatile__("" : : "r"(k0), "r"(pad) : "memory");
}

void
hmac_sha256_update(hmac_sha256_ctx *ctx, const void *data, size_t len)
{
	sha256_update(&ctx->inner, data, len);
}

void
hmac_sha256_final(const hmac_sha256_ctx *ctx, unsigned char out[SHA256_SIZE])
{
	unsigned char ih[SHA256_SIZE];
	sha256_ctx outer = ctx->outer;

	sha256_final(&ctx->inner, ih);
	sha256_update(&outer, ih, sizeof ih);
	sha256_final(&outer, out);
}

void
hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
    unsigned char out[SHA256_SIZE])
{
	hmac_sha256_ctx ctx;

	hmac_sha256_init(&ctx, key, key_len);
	hmac_sha256_update(&ctx, data, len);
	hmac_sha256_final(&ctx, out);
}
