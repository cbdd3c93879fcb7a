/*
 * gunzip.c: gzip members (RFC 1952 section 2), streaming. See gunzip.h.
 *
 * A small state machine over the member layout:
 *   header (10 bytes) [XLEN, extra] [name NUL] [comment NUL] [CRC16]
 *   deflate data (inflate.c)   trailer: CRC32, ISIZE (little-endian)
 * Fixed-size pieces collect into `piece` a byte at a time; variable fields
 * are skipped as they come, so no header field is ever held whole.
 */
#include <stddef.h>
#include <string.h>

#include "crc32.h"
#include "gunzip.h"

enum {
	ST_HEADER,      /* the fixed 10 bytes; also "between members" */
	ST_XLEN, ST_EXTRA, ST_NAME, ST_COMMENT, ST_HCRC,
	ST_DATA, ST_TRAILER
};

/* FLG bits, RFC 1952 section 2.3.1 */
#define FTEXT     0x01
#define FHCRC     0x02
#define FEXTRA    0x04
#define FNAME     0x08
#define FCOMMENT  0x10
#define FRESERVED 0xe0

static int
member_out(void *ctx, const unsigned char *buf, size_t len)
{
	gunzip_ctx *g = ctx;

	g->crc = crc32_update(g->crc, buf, len);
	g->size += len;
	return g->out(g->out_ctx, buf, len);
}

void
gunzip_init(gunzip_ctx *g, inflate_out_fn out, void *out_ctx)
{
	/* every field from state to members (ST_HEADER is 0); z is set up
	 * by each member */
	memset(&g->state, 0, offsetof(gunzip_ctx, out) - offsetof(gunzip_ctx, state));
	g->out = out;
	g->out_ctx = out_ctx;
}

static int
fail(gunzip_ctx *g, int code)
{
	g->err = code;
	return code;
}

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* After the optional fields of FLG that come after `state`: the next one. */
static int
next_field(const gunzip_ctx *g, int state)
{
	static const unsigned char flag[ST_DATA] = {
		0, FEXTRA, 0, FNAME, FCOMMENT, FHCRC
	};

	while (++state < ST_DATA && !(g->flg & flag[state]))
		;
	return state;
}

int
gunzip_feed(gunzip_ctx *g, const void *data, size_t len)
{
	const unsigned char *in = data, *end = in + len;
	int code;

	if (g->err)
		return g->err;
	while (in < end) {
		int st = g->state, done;
		size_t n, want, left = (size_t)(end - in);
		const unsigned char *nul;
		long used;

		switch (st) {
		case ST_EXTRA:
		case ST_NAME:
		case ST_COMMENT:
			/* skipped, into the header CRC: FEXTRA by its length,
			 * FNAME and FCOMMENT to their NUL */
			if (st == ST_EXTRA) {
				n = left < g->xlen ? left : g->xlen;
				g->xlen -= (unsigned)n;
				done = g->xlen == 0;
			} else {
				nul = memchr(in, 0, left);
				n = nul ? (size_t)(nul - in) + 1 : left;
				done = nul != NULL;
			}
			g->hcrc = crc32_update(g->hcrc, in, n);
			in += n;
			if (done)
				g->state = next_field(g, st);
			break;

		case ST_DATA:
			used = inflate_feed(&g->z, in, left);
			if (used < 0) {
				code = (int)used;
				goto fail;
			}
			in += used;
			if (inflate_done(&g->z))
				g->state = ST_TRAILER;
			break;

		default:
			/* the fixed pieces, a byte at a time: header, XLEN, CRC16,
			 * trailer */
			want = st == ST_HEADER ? 10 : st == ST_TRAILER ? 8 : 2;
			g->piece[g->have] = *in++;
			/* check the magic as early as it arrives */
			code = GUNZIP_EMAGIC;
			if (st == ST_HEADER && g->have < 2 &&
			    g->piece[g->have] != (g->have ? 0x8b : 0x1f))
				goto fail;
			if (++g->have < want)
				break;
			g->have = 0;
			/* the header CRC covers the header and XLEN (and what
			 * ST_EXTRA, ST_NAME, ST_COMMENT add) */
			if (st < ST_HCRC)
				g->hcrc = crc32_update(st == ST_HEADER ? 0 : g->hcrc,
				    g->piece, want);
			if (st == ST_HEADER) {
				code = GUNZIP_EMETHOD;
				if (g->piece[2] != 8)
					goto fail;
				code = GUNZIP_EFLAGS;
				if (g->piece[3] & FRESERVED)
					goto fail;
				g->flg = g->piece[3];
				/* a fresh stream for the member's data (the
				 * optional fields before it do not touch it) */
				inflate_init(&g->z, member_out, g);
				g->crc = 0;
				g->size = 0;
				st = next_field(g, ST_HEADER);
			} else if (st == ST_XLEN) {
				g->xlen = (unsigned)g->piece[0] | (unsigned)g->piece[1] << 8;
				st = g->xlen ? ST_EXTRA : next_field(g, ST_EXTRA);
			} else if (st == ST_HCRC) {
				code = GUNZIP_EHCRC;
				if (((unsigned)g->piece[0] | (unsigned)g->piece[1] << 8) !=
				    (g->hcrc & 0xffff))
					goto fail;
				st = ST_DATA;
			} else {
				code = GUNZIP_ECRC;
				if (le32(g->piece) != g->crc)
					goto fail;
				code = GUNZIP_EISIZE;
				if (le32(g->piece + 4) != (uint32_t)g->size)
					goto fail;
				g->members++;
				st = ST_HEADER;
			}
			g->state = st;
			break;
		}
	}
	return 0;
fail:
	return fail(g, code);
}

int
gunzip_finish(gunzip_ctx *g)
{
	if (g->err)
		return g->err;
	if (g->state == ST_HEADER && g->have == 0)
		return g->members > 0 ? 0 : fail(g, GUNZIP_EEMPTY);
	return fail(g, GUNZIP_ETRUNC);
}

unsigned long
gunzip_members(const gunzip_ctx *g)
{
	return g->members;
}

const char *
gunzip_strerror(int code)
{
	/* GUNZIP_EMAGIC down to GUNZIP_EEMPTY, in order */
	const char *s = "not in gzip format (bad magic)\0"
	    "unknown gzip compression method\0"
	    "reserved gzip header flags set\0"
	    "gzip header CRC mismatch\0"
	    "gzip CRC-32 mismatch\0"
	    "gzip length (ISIZE) mismatch\0"
	    "gzip data cut short\0"
	    "no gzip data";

	if (code > GUNZIP_EMAGIC || code < GUNZIP_EEMPTY)
		return inflate_strerror(code);
	for (; code < GUNZIP_EMAGIC; code++)
		while (*s++ != '\0')
			;
	return s;
}
