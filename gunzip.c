/*
 * gunzip.c: gzip members (RFC 1952 section 2), streaming. See gunzip.h.
 *
 * A small state machine over the member layout:
 *   header (10 bytes) [XLEN, extra] [name NUL] [comment NUL] [CRC16]
 *   deflate data (inflate.c)   trailer: CRC32, ISIZE (little-endian)
 * Fixed-size pieces collect into `piece`; variable fields are skipped byte
 * by byte, so no header field is ever held whole.
 */
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
	g->state = ST_HEADER;
	g->err = 0;
	g->flg = 0;
	g->have = 0;
	g->xlen = 0;
	g->hcrc = 0;
	g->crc = 0;
	g->size = 0;
	g->members = 0;
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
	if (state < ST_XLEN && (g->flg & FEXTRA))
		return ST_XLEN;
	if (state < ST_NAME && (g->flg & FNAME))
		return ST_NAME;
	if (state < ST_COMMENT && (g->flg & FCOMMENT))
		return ST_COMMENT;
	if (state < ST_HCRC && (g->flg & FHCRC))
		return ST_HCRC;
	return ST_DATA;
}

/* Consumes header bytes into the header CRC. */
static void
hdr_bytes(gunzip_ctx *g, const unsigned char *p, size_t n)
{
	g->hcrc = crc32_update(g->hcrc, p, n);
}

int
gunzip_feed(gunzip_ctx *g, const void *data, size_t len)
{
	const unsigned char *in = data, *end = in + len;

	if (g->err)
		return g->err;
	while (in < end) {
		size_t n;
		const unsigned char *nul;
		long used;

		switch (g->state) {
		case ST_HEADER:
			n = (size_t)(end - in) < 10 - g->have ? (size_t)(end - in) : 10 - g->have;
			memcpy(g->piece + g->have, in, n);
			if (g->have == 0)
				g->hcrc = 0;
			hdr_bytes(g, in, n);
			/* check the magic as early as it arrives */
			if (g->piece[0] != 0x1f || (g->have + n >= 2 && g->piece[1] != 0x8b))
				return fail(g, GUNZIP_EMAGIC);
			g->have += (unsigned)n;
			in += n;
			if (g->have < 10)
				break;
			if (g->piece[2] != 8)
				return fail(g, GUNZIP_EMETHOD);
			if (g->piece[3] & FRESERVED)
				return fail(g, GUNZIP_EFLAGS);
			g->flg = g->piece[3];
			g->have = 0;
			g->state = next_field(g, ST_HEADER);
			break;

		case ST_XLEN:
			n = (size_t)(end - in) < 2 - g->have ? (size_t)(end - in) : 2 - g->have;
			memcpy(g->piece + g->have, in, n);
			hdr_bytes(g, in, n);
			g->have += (unsigned)n;
			in += n;
			if (g->have < 2)
				break;
			g->xlen = (unsigned)g->piece[0] | (unsigned)g->piece[1] << 8;
			g->have = 0;
			g->state = ST_EXTRA;
			/* fall through */
		case ST_EXTRA:
			n = (size_t)(end - in) < g->xlen ? (size_t)(end - in) : g->xlen;
			hdr_bytes(g, in, n);
			in += n;
			g->xlen -= (unsigned)n;
			if (g->xlen == 0)
				g->state = next_field(g, ST_EXTRA);
			break;

		case ST_NAME:
		case ST_COMMENT:
			nul = memchr(in, 0, (size_t)(end - in));
			n = nul ? (size_t)(nul - in) + 1 : (size_t)(end - in);
			hdr_bytes(g, in, n);
			in += n;
			if (nul != NULL)
				g->state = next_field(g, g->state);
			break;

		case ST_HCRC:
			n = (size_t)(end - in) < 2 - g->have ? (size_t)(end - in) : 2 - g->have;
			memcpy(g->piece + g->have, in, n);
			g->have += (unsigned)n;
			in += n;
			if (g->have < 2)
				break;
			if (((unsigned)g->piece[0] | (unsigned)g->piece[1] << 8) !=
			    (g->hcrc & 0xffff))
				return fail(g, GUNZIP_EHCRC);
			g->have = 0;
			g->state = ST_DATA;
			break;

		case ST_DATA:
			if (g->have == 0) {
				/* first data byte: start the member's stream */
				inflate_init(&g->z, member_out, g);
				g->crc = 0;
				g->size = 0;
				g->have = 1;
			}
			used = inflate_feed(&g->z, in, (size_t)(end - in));
			if (used < 0)
				return fail(g, (int)used);
			in += used;
			if (inflate_done(&g->z)) {
				g->have = 0;
				g->state = ST_TRAILER;
			}
			break;

		case ST_TRAILER:
			n = (size_t)(end - in) < 8 - g->have ? (size_t)(end - in) : 8 - g->have;
			memcpy(g->piece + g->have, in, n);
			g->have += (unsigned)n;
			in += n;
			if (g->have < 8)
				break;
			if (le32(g->piece) != g->crc)
				return fail(g, GUNZIP_ECRC);
			if (le32(g->piece + 4) != (uint32_t)g->size)
				return fail(g, GUNZIP_EISIZE);
			g->members++;
			g->have = 0;
			g->state = ST_HEADER;
			break;
		}
	}
	return 0;
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
	switch (code) {
	case GUNZIP_EMAGIC: return "not in gzip format (bad magic)";
	case GUNZIP_EMETHOD: return "unknown gzip compression method";
	case GUNZIP_EFLAGS: return "reserved gzip header flags set";
	case GUNZIP_EHCRC: return "gzip header CRC mismatch";
	case GUNZIP_ECRC: return "gzip CRC-32 mismatch";
	case GUNZIP_EISIZE: return "gzip length (ISIZE) mismatch";
	case GUNZIP_ETRUNC: return "gzip data cut short";
	case GUNZIP_EEMPTY: return "no gzip data";
	default: return inflate_strerror(code);
	}
}
