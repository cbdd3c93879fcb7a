/*
 * fuzz_deflate: deflate.c on any bytes. The first byte picks the level and
 * whether the block is final; the rest is compressed, must never be larger
 * than its stored form (deflate.h's exact bound, within DEFLATE_BOUND), and
 * must inflate (inflate.c) back to exactly the input:
 * as one final block, or as a non-final block followed by an empty final
 * one (the stream the archive makes of several blocks).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deflate.h"
#include "inflate.h"

static deflate_ctx dc;
static inflate_ctx ic;
static unsigned char out[DEFLATE_BOUND(DEFLATE_BLOCK) + 16];

typedef struct {
	const uint8_t *want;
	size_t len, pos;
	int bad;
} check_out;

static int
check_fn(void *ctx, const unsigned char *buf, size_t len)
{
	check_out *c = ctx;

	if (c->pos + len > c->len || memcmp(c->want + c->pos, buf, len) != 0)
		c->bad = 1;
	c->pos += len;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_out c;
	size_t z;
	int level, final;

	if (size < 1)
		return 0;
	level = 1 + data[0] % 9;
	final = data[0] & 0x80;
	data++;
	size--;
	if (size > DEFLATE_BLOCK)
		size = DEFLATE_BLOCK;
	deflate_init(&dc, level);
	z = deflate_block(&dc, data, size, final, out);
	if (z > DEFLATE_BOUND(size) ||
	    z > (size == 0 ? 2 : size + 5 * ((size + 65534) / 65535)))
		abort();
	if (!final) {
		deflate_init(&dc, level);
		z += deflate_block(&dc, data, 0, 1, out + z);
	}
	c = (check_out){ data, size, 0, 0 };
	inflate_init(&ic, check_fn, &c);
	if (inflate_feed(&ic, out, z) != (long)z || !inflate_done(&ic) ||
	    inflate_finish(&ic) != 0 || c.bad || c.pos != size)
		abort();
	return 0;
}
