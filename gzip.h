/*
 * gzip.h: one RFC 1952 gzip member whose deflate stream is made only of
 * *stored* blocks (RFC 1951 section 3.2.4, BTYPE 00), described as a
 * layout so that any byte of the member can be produced on demand.
 *
 * The member over an input of n bytes is, in order:
 *   - the 10-byte header: 1f 8b, CM 8, FLG 0 (no name, no extra),
 *     MTIME 0, XFL 0, OS 255 ("unknown": the bytes never depend on the
 *     host that made them);
 *   - ceil(n / 65535) stored blocks (one empty block when n is 0), each a
 *     5-byte block header (BFINAL on the last one, BTYPE 00, LEN, NLEN)
 *     and LEN input bytes, LEN = 65535 for all blocks but the last;
 *   - the 8-byte trailer: CRC-32 of the input, then n mod 2^32, both
 *     little-endian.
 * So the member's size is a function of n alone (gzip_stored_size), and
 * the member's bytes are a function of the input and its CRC-32.
 *
 * gzip_stored_locate() says what output byte `off` is and how far that
 * kind of byte runs: framing bytes (given), input bytes (the caller copies
 * them from the input at in_off) or trailer bytes (the caller supplies the
 * CRC, see gzip_trailer). Nothing here reads input or allocates.
 */
#ifndef S3PUB_GZIP_H
#define S3PUB_GZIP_H

#include <stddef.h>
#include <stdint.h>

#define GZIP_HEADER_SIZE 10
#define GZIP_TRAILER_SIZE 8
#define GZIP_BLOCK_HEADER_SIZE 5
#define GZIP_BLOCK_MAX 65535

/* Size of the member for n bytes of input. */
uint64_t gzip_stored_size(uint64_t n);

/* The member header (the same for every member this unit describes). */
void gzip_header(unsigned char out[GZIP_HEADER_SIZE]);

/* The trailer for an input of n bytes whose CRC-32 is crc. */
void gzip_trailer(uint32_t crc, uint64_t n, unsigned char out[GZIP_TRAILER_SIZE]);

enum {
	GZIP_SPAN_FRAMING = 1,  /* member header or a block header */
	GZIP_SPAN_DATA,         /* input bytes */
	GZIP_SPAN_TRAILER       /* CRC-32 and ISIZE */
};

typedef struct {
	int kind;
	uint64_t len;       /* bytes of this span from `off` on */
	uint64_t in_off;    /* DATA: input offset of byte `off` */
	unsigned skip;      /* FRAMING, TRAILER: offset of `off` in the piece */
	unsigned char bytes[GZIP_HEADER_SIZE];  /* FRAMING: the whole piece */
} gzip_span;

/*
 * Describes output byte `off` (< gzip_stored_size(n)) of the member over n
 * input bytes, and the span of bytes of the same kind that follow it.
 */
void gzip_stored_locate(uint64_t n, uint64_t off, gzip_span *s);

/*
 * The same for the stored blocks alone (a raw deflate stream of n bytes
 * stored, as deflate.h writes a block it stores whole): byte `off` (<
 * n + 5 * ceil(n / 65535), n > 0) is FRAMING or DATA; BFINAL is set on
 * the last block only when `final`.
 */
void gzip_stored_blocks_locate(uint64_t n, int final, uint64_t off,
    gzip_span *s);

/*
 * One-shot: writes the whole member for `in` (n bytes) to `out`, which must
 * hold gzip_stored_size(n) bytes. For tests and small bodies.
 */
void gzip_stored_encode(const void *in, size_t n, unsigned char *out);

#endif
