/*
 * gunzip.h: RFC 1952 gzip reader, streaming, over inflate.h.
 *
 * Reads one or more gzip members back to back (multi-member files, as
 * `cat a.gz b.gz` or pigz make them; their outputs are concatenated), in
 * O(1) memory (the context, about 70 KiB, is the caller's; nothing is
 * allocated). Every member's header is checked (ID1 ID2 = 1f 8b, CM = 8,
 * reserved FLG bits clear) and its optional fields skipped: FEXTRA,
 * FNAME, FCOMMENT (of any length), FHCRC (checked: the low 16 bits of the
 * CRC-32 of the header bytes before it). Its trailer is checked: CRC-32 of
 * the member's output and ISIZE (its length mod 2^32).
 *
 *   gunzip_init    starts; decoded bytes go to out(out_ctx, buf, len).
 *   gunzip_feed    takes the next input bytes (any split). Returns 0, or a
 *                  negative GUNZIP_E* or INFLATE_E* code (sticky: the
 *                  context is dead after an error).
 *   gunzip_finish  end of input: 0 when at least one member was read and
 *                  the input ended right after a member's trailer;
 *                  GUNZIP_EEMPTY for no input, GUNZIP_ETRUNC when it ended
 *                  inside a member.
 *
 * Bytes after a member that are not another member's header are refused
 * (GUNZIP_EMAGIC): a published result is one gzip stream, and garbage after
 * it means something else went wrong.
 */
#ifndef S3PUB_GUNZIP_H
#define S3PUB_GUNZIP_H

#include <stddef.h>
#include <stdint.h>

#include "inflate.h"

/* Errors (the inflate.h codes pass through unchanged). */
enum {
	GUNZIP_EMAGIC = -20,    /* a member does not start with 1f 8b */
	GUNZIP_EMETHOD = -21,   /* CM is not 8 (deflate) */
	GUNZIP_EFLAGS = -22,    /* reserved FLG bits 5-7 set */
	GUNZIP_EHCRC = -23,     /* FHCRC does not match the header */
	GUNZIP_ECRC = -24,      /* trailer CRC-32 does not match the output */
	GUNZIP_EISIZE = -25,    /* trailer ISIZE does not match the output */
	GUNZIP_ETRUNC = -26,    /* input ended inside a member */
	GUNZIP_EEMPTY = -27,    /* no member at all */
	GUNZIP_EOUT = INFLATE_EOUT
};

typedef struct {
	/* all private */
	inflate_ctx z;
	int state;
	int err;
	unsigned flg;
	unsigned have;              /* bytes of the current fixed piece */
	unsigned xlen;              /* FEXTRA bytes left */
	unsigned char piece[10];
	uint32_t hcrc;              /* CRC-32 of the header so far */
	uint32_t crc;               /* CRC-32 of the member's output */
	uint64_t size;              /* the member's output bytes */
	unsigned long members;      /* members completed */
	inflate_out_fn out;
	void *out_ctx;
} gunzip_ctx;

void gunzip_init(gunzip_ctx *g, inflate_out_fn out, void *out_ctx);
int gunzip_feed(gunzip_ctx *g, const void *in, size_t len);
int gunzip_finish(gunzip_ctx *g);

/* Members completed so far. */
unsigned long gunzip_members(const gunzip_ctx *g);

/* A short English text for a GUNZIP_E* or INFLATE_E* code. */
const char *gunzip_strerror(int code);

#endif
