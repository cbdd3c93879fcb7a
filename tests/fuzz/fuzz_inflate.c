/*
 * fuzz_inflate: inflate.c and gunzip.c on any bytes. The first byte picks
 * raw deflate or gzip and a chunk size; the rest is decoded twice, whole
 * and in chunks, and both runs must agree on the verdict, the output (its
 * SHA-256 and length) and the bytes consumed. Never a crash, a hang, an
 * out-of-bounds access or a read of uninitialized window bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gunzip.h"
#include "inflate.h"
#include "sha256.h"

static inflate_ctx z;
static gunzip_ctx g;

typedef struct {
	sha256_ctx h;
	uint64_t n;
} out_state;

static int
out(void *ctx, const unsigned char *buf, size_t len)
{
	out_state *o = ctx;

	sha256_update(&o->h, buf, len);
	o->n += len;
	return o->n > (64u << 20);      /* bound the work: 64 MiB of output */
}

static int
run(int gz, const uint8_t *in, size_t len, size_t step, unsigned char d[32],
    uint64_t *n, size_t *used)
{
	out_state o;
	size_t off = 0;
	int rc = 0;

	sha256_init(&o.h);
	o.n = 0;
	if (gz)
		gunzip_init(&g, out, &o);
	else
		inflate_init(&z, out, &o);
	while (off < len) {
		size_t k = len - off < step ? len - off : step;
		if (gz) {
			rc = gunzip_feed(&g, in + off, k);
			if (rc < 0)
				break;
			off += k;
		} else {
			long u = inflate_feed(&z, in + off, k);
			if (u < 0) {
				rc = (int)u;
				break;
			}
			off += (size_t)u;
			if (inflate_done(&z))
				break;
		}
	}
	if (rc == 0)
		rc = gz ? gunzip_finish(&g) : inflate_finish(&z);
	sha256_final(&o.h, d);
	*n = o.n;
	*used = off;
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char d1[32], d2[32];
	uint64_t n1, n2;
	size_t u1, u2, step;
	int gz, r1, r2;

	if (size < 1)
		return 0;
	gz = data[0] & 1;
	step = 1 + (data[0] >> 1);
	r1 = run(gz, data + 1, size - 1, size, d1, &n1, &u1);
	r2 = run(gz, data + 1, size - 1, step, d2, &n2, &u2);
	if (r1 == INFLATE_EOUT || r2 == INFLATE_EOUT)
		return 0;               /* the output bound: verdicts may differ */
	if (r1 != r2 || (r1 == 0 && (n1 != n2 || memcmp(d1, d2, 32) != 0)) ||
	    (!gz && r1 == 0 && u1 != u2))
		abort();
	return 0;
}
