/*
 * deflate.h: RFC 1951 compression of one independent block, in BearSSL's
 * manner (caller-owned context, nothing allocated, nothing global).
 *
 * deflate_block() compresses in[0..n) with no reference to any byte before
 * `in` and ends on a byte boundary, so the outputs of consecutive calls,
 * concatenated, are one valid deflate stream, and the output of a call
 * depends only on its input, `final` and the level: never on the CPU, the
 * target, the thread count or what the context held before (deflate_init
 * resets everything that matters).
 *
 * Inside a call the input is cut into deflate blocks of at most
 * DEFLATE_SYMS symbols; each is written in whichever form is smaller:
 * dynamic Huffman (code lengths limited to 15 bits, 7 for the code-length
 * code) or stored. Matches come from hash chains of 4-byte
 * prefixes over the 32 KiB window, greedy at levels 1..3, lazy at 4..9, the chain
 * and "nice" lengths growing with the level as in gzip.
 *
 * Never larger than stored: input that does not shrink (random bytes, or
 * compressed files in the tree) is written as stored blocks of at most
 * 65,535 bytes, detected first by a sampled byte histogram and a probe for
 * repeats (so it costs a small fraction of a compression), then by the
 * sizes themselves. Hence the bound:
 *   DEFLATE_BOUND(n) = n + 5 * ceil(n / 65535) + 5 (+ 5 for n == 0 and
 *   an empty stored block's sync), always enough for `out`.
 *
 * The end of a call: with `final`, the last block has BFINAL set and the
 * bits are padded to a byte; without, an empty stored block (zlib's
 * Z_SYNC_FLUSH, pigz --independent) byte-aligns the stream, unless the
 * output already ends on a byte boundary (stored blocks). n == 0 with
 * `final` is an empty final block; without, nothing at all (0 bytes).
 */
#ifndef S3PUB_DEFLATE_H
#define S3PUB_DEFLATE_H

#include <stddef.h>
#include <stdint.h>

/* Input bytes per independent block: the unit of regeneration. */
#define DEFLATE_BLOCK   (256 * 1024)
/* Symbols (literals and matches) per deflate block inside it. */
#define DEFLATE_SYMS    16384
#define DEFLATE_BOUND(n) ((n) + 5 * (((n) + 65534) / 65535) + 10)

#define DEFLATE_HASH_BITS 15
#define DEFLATE_WSIZE   32768

typedef struct {
	/* all private */
	int level;
	uint32_t head[1 << DEFLATE_HASH_BITS];  /* position + 1, 0: none */
	uint16_t prev[DEFLATE_WSIZE];           /* distance to the previous
						   position of the same hash */
	uint32_t sym[DEFLATE_SYMS];             /* literal, or length and
						   distance of a match */
	uint16_t lfreq[286], dfreq[30];
	uint8_t llen[288], dlen[32];            /* the block's code lengths */
	uint16_t lcode[288], dcode[32];         /* bit-reversed codes */
	uint8_t len_code[259];                  /* length -> its code */
	uint8_t dist_code[512];                 /* distance -> its code */
} deflate_ctx;

/* Level 1..9 (clamped): 1 fastest, 9 smallest, as gzip's. */
void deflate_init(deflate_ctx *c, int level);

/*
 * Compresses in[0..n) (n <= DEFLATE_BLOCK) into out, which holds
 * DEFLATE_BOUND(n) bytes. Returns the bytes written.
 */
size_t deflate_block(deflate_ctx *c, const unsigned char *in, size_t n,
    int final, unsigned char *out);

#endif
