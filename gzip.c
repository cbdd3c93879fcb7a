/*
 * gzip.c: the stored-deflate gzip member as a layout. See gzip.h.
 * RFC 1952 section 2.3 (member format), RFC 1951 section 3.2.4 (stored
 * blocks: after the 3 header bits the block is byte-aligned, so the block
 * header is one byte 0x00 or 0x01, then LEN and NLEN little-endian).
 */
#include "gzip.h"

#include <string.h>

#include "crc32.h"

#define BLOCK_SPAN (GZIP_BLOCK_HEADER_SIZE + GZIP_BLOCK_MAX)

static uint64_t
block_count(uint64_t n)
{
	return n == 0 ? 1 : (n + GZIP_BLOCK_MAX - 1) / GZIP_BLOCK_MAX;
}

uint64_t
gzip_stored_size(uint64_t n)
{
	return GZIP_HEADER_SIZE + n + GZIP_BLOCK_HEADER_SIZE * block_count(n) +
	    GZIP_TRAILER_SIZE;
}

void
gzip_header(unsigned char out[GZIP_HEADER_SIZE])
{
	static const unsigned char h[GZIP_HEADER_SIZE] = {
		0x1f, 0x8b,     /* ID1, ID2 */
		8,              /* CM: deflate */
		0,              /* FLG: no FTEXT, FHCRC, FEXTRA, FNAME, FCOMMENT */
		0, 0, 0, 0,     /* MTIME: none (reproducible bytes) */
		0,              /* XFL */
		255             /* OS: unknown */
	};
	memcpy(out, h, sizeof h);
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

void
gzip_trailer(uint32_t crc, uint64_t n, unsigned char out[GZIP_TRAILER_SIZE])
{
	put_le32(out, crc);                  /* CRC32 */
	put_le32(out + 4, (uint32_t)n);      /* ISIZE: size mod 2^32 */
}

void
gzip_stored_blocks_locate(uint64_t n, int final, uint64_t off, gzip_span *s)
{
	uint64_t nb = block_count(n), i, rel, blen;

	memset(s, 0, sizeof *s);
	i = off / BLOCK_SPAN;
	rel = off % BLOCK_SPAN;
	blen = i + 1 < nb ? GZIP_BLOCK_MAX : n - i * GZIP_BLOCK_MAX;
	if (rel < GZIP_BLOCK_HEADER_SIZE) {
		s->kind = GZIP_SPAN_FRAMING;
		s->bytes[0] = final && i + 1 == nb;  /* BFINAL, BTYPE 00 */
		s->bytes[1] = (unsigned char)blen;   /* LEN */
		s->bytes[2] = (unsigned char)(blen >> 8);
		s->bytes[3] = (unsigned char)~blen;  /* NLEN */
		s->bytes[4] = (unsigned char)(~blen >> 8);
		s->skip = (unsigned)rel;
		s->len = GZIP_BLOCK_HEADER_SIZE - rel;
		return;
	}
	s->kind = GZIP_SPAN_DATA;
	s->in_off = i * GZIP_BLOCK_MAX + (rel - GZIP_BLOCK_HEADER_SIZE);
	s->len = blen - (rel - GZIP_BLOCK_HEADER_SIZE);
}

void
gzip_stored_locate(uint64_t n, uint64_t off, gzip_span *s)
{
	uint64_t body_end = GZIP_HEADER_SIZE + n +
	    GZIP_BLOCK_HEADER_SIZE * block_count(n);

	if (off < GZIP_HEADER_SIZE) {
		memset(s, 0, sizeof *s);
		s->kind = GZIP_SPAN_FRAMING;
		gzip_header(s->bytes);
		s->skip = (unsigned)off;
		s->len = GZIP_HEADER_SIZE - off;
	} else if (off >= body_end) {
		memset(s, 0, sizeof *s);
		s->kind = GZIP_SPAN_TRAILER;
		s->skip = (unsigned)(off - body_end);
		s->len = GZIP_TRAILER_SIZE - s->skip;
	} else {
		gzip_stored_blocks_locate(n, 1, off - GZIP_HEADER_SIZE, s);
	}
}

void
gzip_stored_encode(const void *in, size_t n, unsigned char *out)
{
	uint64_t total = gzip_stored_size(n), off = 0;
	gzip_span s;

	while (off < total) {
		gzip_stored_locate(n, off, &s);
		switch (s.kind) {
		case GZIP_SPAN_FRAMING:
			memcpy(out + off, s.bytes + s.skip, (size_t)s.len);
			break;
		case GZIP_SPAN_DATA:
			memcpy(out + off, (const unsigned char *)in + s.in_off,
			    (size_t)s.len);
			break;
		default: {
			unsigned char t[GZIP_TRAILER_SIZE];
			gzip_trailer(crc32_update(0, in, n), n, t);
			memcpy(out + off, t + s.skip, (size_t)s.len);
		}
		}
		off += s.len;
	}
}
