/*
 * hashpass.h: the hash pass of a body, with reading overlapped.
 *
 * Every upload hashes its body before sending it (the signed payload hash),
 * and producing the body (pread, stored-gzip framing, CRC-32) costs about a
 * third of hashing it. hashpass_run() reads on a second thread into a small
 * ring of buffers while the calling thread hashes, so on two cores the pass
 * takes about as long as SHA-256 alone; on one core it costs a few context
 * switches more than a plain loop.
 *
 * The reader is called with increasing, adjacent ranges of at most
 * HASHPASS_CHUNK bytes (so a reader that tracks a running CRC sees the
 * body in order), always from the same one thread. Memory: HASHPASS_SLOTS
 * buffers of HASHPASS_CHUNK bytes, allocated per call and freed before it
 * returns. Nothing else is shared between the threads.
 */
#ifndef S3PUB_HASHPASS_H
#define S3PUB_HASHPASS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sha256.h"

#define HASHPASS_CHUNK 131072
#define HASHPASS_SLOTS 4

/*
 * Writes exactly len bytes of the body at offset; 0, or -1 with err set.
 * The pass reads as reader 0 (s3.h: s3_read_fn's `sender`).
 */
typedef int (*hashpass_read_fn)(void *ctx, unsigned sender, uint64_t offset,
    void *buf, size_t len, s3p_err *err);

/*
 * Feeds bytes [off, off+len) of the body into `a` and, when not NULL, `b`
 * (a part's hash and the whole object's). With `overlap`, reading runs on
 * a second thread (above); without, this thread reads and hashes in turn:
 * the choice of a caller whose pass already runs beside other work (a
 * multipart upload hashes the next part while it sends one), where a
 * third thread only adds hand-overs and context switches. `cancel` (may
 * be NULL) is polled between chunks: once it is non-zero the pass stops
 * with S3P_ENET "interrupted". Returns 0, or -1 with err set (the
 * reader's error as is).
 */
int hashpass_run(hashpass_read_fn read, void *ctx, uint64_t off, uint64_t len,
    sha256_ctx *a, sha256_ctx *b, int overlap,
    const volatile sig_atomic_t *cancel, s3p_err *err);

/*
 * What a pass that produced a body once, in order, learnt of its hashes
 * (archive_scan's compression pass): the SHA-256 of the whole body and of
 * each slice of `slice` bytes (the parts of a multipart upload; the last
 * slice may be shorter). hashpass_memo_get() then answers for exactly
 * those ranges, so the upload needs no hash pass of its own. Memory: 32
 * bytes per slice.
 */
typedef struct {
	sha256_ctx whole, cur;
	uint64_t slice, pos;            /* pos: bytes seen */
	unsigned char (*digests)[SHA256_SIZE];
	size_t n, cap;                  /* slices done, room */
	unsigned char whole_digest[SHA256_SIZE];
	int final;
} hashpass_memo;

/* Starts empty; slice 0: the whole body only. */
void hashpass_memo_init(hashpass_memo *m, uint64_t slice);

/* The next bytes of the body (an archive_sink_fn); -1: out of memory. */
int hashpass_memo_add(void *m, const void *data, size_t len, s3p_err *err);

/* The body is complete: the last slice and the whole are final. */
int hashpass_memo_final(hashpass_memo *m, s3p_err *err);

/*
 * The SHA-256 of [off, off+len) when it is the whole body or one slice
 * (after hashpass_memo_final), or before it a whole slice already done: 1
 * and `out` written; else 0.
 */
int hashpass_memo_get(void *m, uint64_t off, uint64_t len,
    unsigned char out[SHA256_SIZE]);

void hashpass_memo_free(hashpass_memo *m);

#endif
