/*
 * inflate.h: RFC 1951 (DEFLATE) decompression, streaming, in BearSSL's
 * manner, with puff.c's one-error-per-cause reporting.
 *
 * The caller owns an inflate_ctx (about 70 KiB: the 32 KiB history window
 * doubled so that matches never wrap, plus the Huffman tables); nothing is
 * allocated, nothing is global. The context holds no interior pointer, so a
 * running decompression may be copied with memcpy().
 *
 *   inflate_init    starts a stream; decoded bytes go to out(out_ctx, ...).
 *   inflate_feed    takes the next input bytes, any split of the stream
 *                   (one byte at a time works). Returns the number of bytes
 *                   consumed: all of them until the final block ends; when
 *                   the stream ends inside this chunk, the bytes after its
 *                   last byte are left (a gzip trailer, the next member).
 *                   Or a negative INFLATE_E* code, and the context is then
 *                   dead: every later call returns the same code.
 *                   When it returns, every byte decoded from the input so
 *                   far has been passed to out(), in order, in pieces of
 *                   1 byte to 64 KiB + 265 bytes.
 *   inflate_done    1 once the final block's end was decoded.
 *   inflate_finish  end of input: 0 when the stream was complete, else
 *                   INFLATE_ETRUNC (or the sticky error).
 *
 * out() returns 0 to go on; anything else stops the stream with
 * INFLATE_EOUT (the caller keeps its own reason).
 *
 * All three block types are decoded (stored, fixed and dynamic Huffman,
 * section 3.2), distances up to 32768 (3.2.5). Huffman codes are checked as
 * zlib checks them: over-subscribed codes are refused everywhere;
 * incomplete ones only when they are a single code of length 1 (the
 * literal/length and distance codes; the code-length code must be
 * complete); a distance code with no code at all is allowed (a block of
 * literals only).
 */
#ifndef S3PUB_INFLATE_H
#define S3PUB_INFLATE_H

#include <stddef.h>
#include <stdint.h>

/* Errors: each names the input that causes it. */
enum {
	INFLATE_EBTYPE = -1,     /* block type 3 (reserved) */
	INFLATE_ESTORED = -2,    /* stored block: LEN is not the complement of NLEN */
	INFLATE_ECOUNTS = -3,    /* dynamic block: HLIT > 286 or HDIST > 30 */
	INFLATE_ECLCODE = -4,    /* code-length code over-subscribed or incomplete */
	INFLATE_ENOPREV = -5,    /* repeat code 16 with no previous length */
	INFLATE_EREPEAT = -6,    /* a repeat runs past HLIT + HDIST lengths */
	INFLATE_ENOEOB = -7,     /* literal/length code without end-of-block (256) */
	INFLATE_ELITCODE = -8,   /* literal/length code over-subscribed or incomplete */
	INFLATE_EDISTCODE = -9,  /* distance code over-subscribed or incomplete */
	INFLATE_EBADCODE = -10,  /* bits that are no code of the table in use */
	INFLATE_EBADSYM = -11,   /* literal/length 286, 287 or distance 30, 31 */
	INFLATE_EFAR = -12,      /* distance back past the start of the output */
	INFLATE_EOUT = -13,      /* out() refused the bytes */
	INFLATE_ETRUNC = -14     /* input ended before the final block's end */
};

#define INFLATE_WSIZE   32768                   /* RFC 1951 window */
#define INFLATE_BUFSIZE (2 * INFLATE_WSIZE + 512)
#define INFLATE_LENS_MAX 852                    /* zlib's ENOUGH_LENS, root 9 */
#define INFLATE_DISTS_MAX 592                   /* zlib's ENOUGH_DISTS, root 6 */

typedef int (*inflate_out_fn)(void *ctx, const unsigned char *buf, size_t len);

typedef struct {
	/* all private */
	uint64_t bitbuf;                /* bits not yet used, LSB first */
	unsigned bitcnt;
	int state;                      /* where the stream stopped (inflate.c) */
	int last;                       /* BFINAL of the current block */
	int err;                        /* sticky error, 0 while none */
	unsigned left;                  /* stored block: bytes still to copy */
	unsigned len;                   /* a match's length, its distance to come */
	unsigned nlen, ndist, ncode;    /* dynamic block: HLIT + 257, HDIST + 1,
	                                 * HCLEN + 4 */
	unsigned have;                  /* code lengths read so far */
	uint16_t lens[320];             /* code lengths being read */
	uint32_t lencode[INFLATE_LENS_MAX];
	uint32_t distcode[INFLATE_DISTS_MAX];
	uint32_t clcode[128];           /* code-length code, root 7 */
	size_t wpos;                    /* end of the output in win */
	size_t wflushed;                /* win[wflushed..wpos) not yet out */
	uint64_t total_out;
	inflate_out_fn out;
	void *out_ctx;
	unsigned char win[INFLATE_BUFSIZE];
} inflate_ctx;

void inflate_init(inflate_ctx *z, inflate_out_fn out, void *out_ctx);
long inflate_feed(inflate_ctx *z, const void *in, size_t len);
int inflate_done(const inflate_ctx *z);
int inflate_finish(inflate_ctx *z);

/* Bytes decoded so far. */
uint64_t inflate_total_out(const inflate_ctx *z);

/* A short English text for an INFLATE_E* code ("invalid block type"). */
const char *inflate_strerror(int code);

#endif
