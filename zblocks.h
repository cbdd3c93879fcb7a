/*
 * zblocks.h: a stream compressed as independent deflate blocks, any byte
 * range of it produced again on demand (issue 14).
 *
 * The input (the ustar stream, read through a caller's function) is cut
 * into blocks of DEFLATE_BLOCK bytes; deflate.h compresses each one with no
 * reference to the others, ending byte-aligned, the last one with BFINAL.
 * So the compressed bytes of block i depend only on block i's input and the
 * level, and their concatenation is one raw deflate stream (RFC 1951) that
 * every inflater reads. Nothing depends on the thread count.
 *
 * Two passes, as the rest of s3pub:
 *   - the scan (zblocks_scan) compresses every block in order and hands
 *     each one's output to a sink (the hash pass hashes it, `archive`
 *     writes it). It records, per block, the compressed size, whether the
 *     block came out stored whole (deflate.h's c->stored, a bit of the
 *     size) and the CRC-32 of the input: 8 bytes a block, plus 8 every 64
 *     blocks.
 *   - reads (zblocks_read) map an output offset to its block through that
 *     table and compress the block again, or for a block stored whole
 *     give its stored form from the input read (deflate level 0's bytes:
 *     the framing between input bytes, no random test again, no copy
 *     into an output buffer; the scan gives them so too). A regenerated
 *     block whose size or input CRC differs from the scan's means the
 *     input changed between the passes: the caller's `changed` function
 *     names what changed.
 *
 * Threads: `jobs` (at least 1) worker threads compress blocks ahead of
 * the reader (the block asked for and the next ones), each with its own
 * deflate context and input buffer; the reader waits only for the block it
 * needs. The input function is called from the workers, one call at a
 * time (under a lock), never concurrently. A zblocks is used by one
 * thread at a time; two readers far apart may take turns (the two parts
 * of a multipart upload in flight at once, zblocks_read's `sender` 0 and
 * 1): each keeps its own read-ahead.
 * The one exception: while zblocks_scan runs, one other thread may call
 * zblocks_read and zblocks_locate for what the scan has already given
 * its sink (zblocks_done: the parts of an upload sent while the scan
 * goes on). The scan is then one reader, the reads the other.
 *
 * Memory: jobs x deflate context (198 KiB) + (2 x jobs + 1) buffers of
 * DEFLATE_BOUND(DEFLATE_BLOCK), 128 KiB (each worker's input, the output
 * slots: a block stored whole trades its input buffer for the slot's),
 * plus the table; one more output slot, allocated but touched only once
 * a second reader shows up, and then only for blocks that the scan's
 * table says come out small (text: its read-ahead hides their
 * compression), so that two readers of large ones (random data between
 * tar headers) use no more memory than one; all freed by zblocks_close.
 */
#ifndef S3PUB_ZBLOCKS_H
#define S3PUB_ZBLOCKS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "gzip.h"

typedef struct zblocks zblocks;

/* Writes exactly len input bytes at off; 0, or -1 with err set. */
typedef int (*zblocks_read_fn)(void *ctx, uint64_t off, void *buf,
    size_t len, s3p_err *err);

/* Sets err for input bytes [off, off+len) that changed since the scan. */
typedef void (*zblocks_changed_fn)(void *ctx, uint64_t off, uint64_t len,
    s3p_err *err);

/* Gets the compressed stream in order during the scan; 0, or -1 to stop. */
typedef int (*zblocks_sink_fn)(void *ctx, const void *data, size_t len,
    s3p_err *err);

typedef struct {
	uint64_t in_size;           /* bytes of input */
	int level;                  /* deflate level, 1..9 */
	unsigned jobs;              /* compressing threads (0 counts as 1) */
	zblocks_read_fn read;
	zblocks_changed_fn changed;
	void *ctx;                  /* for read and changed */
} zblocks_opts;

/*
 * Sets up (no thread is started, nothing is read yet). Returns 0, or -1
 * with err set (out of memory).
 */
int zblocks_open(zblocks **zp, const zblocks_opts *o, s3p_err *err);

/*
 * The scan: compresses every block in order, gives the output to sink
 * (may be NULL), records the table. `cancel` (may be NULL) is polled
 * between blocks: once set, the scan stops with S3P_ENET "interrupted".
 * May be called again (a fresh scan: the table is rebuilt).
 */
int zblocks_scan(zblocks *z, zblocks_sink_fn sink, void *sink_ctx,
    const volatile sig_atomic_t *cancel, s3p_err *err);

/* The most bytes the deflate stream of in_size input bytes can take. */
uint64_t zblocks_bound(uint64_t in_size);

/*
 * Bytes of the deflate stream the scan has passed to its sink so far (all
 * of them after it): zblocks_read and zblocks_locate take any range below
 * that, from another thread than the scan's while it runs.
 */
uint64_t zblocks_done(const zblocks *z);

/* After a scan: bytes of the deflate stream, and the input's CRC-32. */
uint64_t zblocks_size(const zblocks *z);
uint32_t zblocks_crc(const zblocks *z);

/*
 * Bytes [off, off+len) of the deflate stream (after a scan; else, or out
 * of range, S3P_EUSAGE), for reader `sender` (0 or 1: a reader that goes
 * back, or another sender's, starts a fresh window; while the scan runs
 * there is one reader beside it, whatever its number). Returns 0, or -1
 * with err set: the input function's error, or the `changed` function's.
 */
int zblocks_read(zblocks *z, unsigned sender, uint64_t off, void *buf,
    size_t len, s3p_err *err);

/*
 * For a sender that moves input bytes without copying them (sendfile):
 * what deflate-stream byte `off` is (after a scan and off < zblocks_size;
 * else 0 with s->len 0). In a block the scan stored whole, its bytes are
 * stored-block framing and input bytes verbatim: returns 1 with s as
 * gzip.h's gzip_stored_blocks_locate describes it (FRAMING bytes given;
 * DATA from input offset s->in_off), s->len bytes of that kind within the
 * block. Else 0: compressed bytes, s->len of them to the block's end,
 * which only zblocks_read gives. Reads and checks nothing: input bytes
 * sent this way are not compared with the scan's as zblocks_read compares
 * them, so the receiver must check them (S3 checks the signed hash; a
 * fresh pass through zblocks_read then names the change).
 */
int zblocks_locate(const zblocks *z, uint64_t off, gzip_span *s);

/* Stops the workers, frees everything. NULL is fine. */
void zblocks_close(zblocks *z);

/*
 * How many output slots have held a block so far (the first ones are
 * taken first): what the slots have made resident, for tests.
 */
unsigned zblocks_slots_used(const zblocks *z);

#endif
