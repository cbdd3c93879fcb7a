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
 * DEFLATE_SYMS symbols; each is written in whichever form is smallest, by
 * its exact size in bits: dynamic Huffman (code lengths limited to 15
 * bits, 7 for the code-length code; not tried for a block of fewer than
 * 128 symbols, where its tables cost about what they save), fixed Huffman
 * or stored. Matches come from hash chains over the 32 KiB window: greedy
 * at levels 1 and 2 (which skip the insides of long matches), lazy at
 * 3..9, the chain and "nice" lengths growing with the level as in gzip.
 * Levels 1..6 look for matches of 5 bytes or more, 7..9 of 4 or more: on
 * text results (CSV, JSON lines, logs) a 4-byte match rarely beats its 4
 * literals, and chains of 5-byte prefixes are shorter, so level 6 is both
 * smaller and faster there; on program text and binaries, where 4-byte
 * matches pay, it is about 7% larger than gzip -6 (level 7 is not).
 *
 * Random stretches (random bytes, compressed files in the tree, small
 * random files between tar headers) are written as stored blocks of at
 * most 65,535 bytes, without a search: the input is looked at in 4 KiB
 * chunks at fixed offsets, each one random when a sample of its bytes
 * counts near flat and none of its "anchors" repeats 8 bytes seen within
 * the window (integer arithmetic; deflate.c says how), and the chunks
 * next to a random one in 512-byte pieces, so that a small random file's
 * first and last bytes are not searched either. That costs a few
 * percent of a pass: random input goes through at several GB/s, a memcpy
 * and little more, and the tar headers between random files are still
 * compressed. Input found random throughout gives level 0's bytes (and
 * sets c->stored), and so does input that would not shrink by 1/128 of
 * its stored form, by the sizes themselves (random files with a few tar
 * headers between them: stored whole, a sender gives them from the files
 * instead of compressing them again). Never larger than stored, hence,
 * exactly:
 *   n > 0:           at most n + 5 * ceil(n / 65535) bytes (the stored
 *                    form), whatever `final`;
 *   n == 0, final:   2 bytes (an empty fixed block); n == 0, !final: 0.
 * DEFLATE_BOUND(n) is that plus slack, always enough for `out`.
 *
 * The end of a call: with `final`, the last block has BFINAL set and the
 * bits are padded to a byte; without, an empty stored block (zlib's
 * Z_SYNC_FLUSH, pigz --independent) byte-aligns the stream, unless the
 * output already ends on a byte boundary (stored blocks). n == 0 with
 * `final` is an empty final block; without, nothing at all (0 bytes).
 *
 * Memory: sizeof(deflate_ctx) is about 198 KiB (the hash heads, the
 * window's chain links, the symbol buffer and the chunks' anchors); a
 * caller needs that plus DEFLATE_BLOCK of input and
 * DEFLATE_BOUND(DEFLATE_BLOCK) of output per context, about 454 KiB. A
 * context may be copied or moved (no interior pointers) and used by one
 * thread at a time.
 *
 * DEFLATE_BLOCK: 128 KiB. The blocks in memory at once (each thread's
 * input, the output slots) are most of s3pub's peak: 128 KiB keeps a
 * publish of any tree under 2 MiB with two threads, and with two parts
 * in flight (BENCHMARKS.md B5), where 256 KiB took 2.25 MiB. The price,
 * measured on text results at level 6: 0.5% more bytes than 256 KiB
 * blocks and 2 to 5% more CPU (each block starts with no history);
 * 1 MiB would give 0.5% fewer bytes than 256 KiB for 3x the memory.
 */
#ifndef S3PUB_DEFLATE_H
#define S3PUB_DEFLATE_H

#include <stddef.h>
#include <stdint.h>

/* Input bytes per independent block: the unit of regeneration. */
#define DEFLATE_BLOCK   (128 * 1024)
/* Symbols (literals and matches) per deflate block inside it. */
#define DEFLATE_SYMS    16384
#define DEFLATE_BOUND(n) ((n) + 5 * (((n) + 65534) / 65535) + 10)

#define DEFLATE_HASH_BITS 14
#define DEFLATE_WSIZE   32768

typedef struct {
	/* after deflate_block: non-zero when its output is level 0's (the
	 * input was found random throughout, or would not shrink by 1/128) */
	int stored;
	/* set by the caller after deflate_init: a block stored whole is not
	 * written (deflate_block returns its size and sets stored; out holds
	 * nothing of use); the caller, who has the input, gives its stored
	 * form itself (the layout: gzip.h's gzip_stored_blocks_locate) and
	 * saves a copy of the block */
	int stored_unwritten;
	/* the rest private */
	int level;
	unsigned min;                           /* shortest match sought */
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
	uint32_t seen[1024];                    /* random chunks' anchors */
	int repeat;                             /* a chunk looked at
						   repeated */
} deflate_ctx;

/*
 * Level 0..9 (clamped): 1 fastest, 9 smallest, as gzip's; 0 writes
 * stored blocks only (what deflate_block gives when it sets c->stored,
 * at the speed of a copy: zblocks regenerates such blocks so). Measured on
 * bench B10's text tree (bench/b10_deflate.sh, one core): level 6 gives
 * 0.99x gzip -6's bytes at 3.4x its speed; level 1 0.90x gzip -1's at 1.6x.
 */
void deflate_init(deflate_ctx *c, int level);

/*
 * Compresses in[0..n) (n <= DEFLATE_BLOCK) into out, which holds
 * DEFLATE_BOUND(n) bytes. Returns the bytes written.
 */
size_t deflate_block(deflate_ctx *c, const unsigned char *in, size_t n,
    int final, unsigned char *out);

#endif
