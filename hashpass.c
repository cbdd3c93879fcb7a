/* hashpass.c: see hashpass.h. */
#include "hashpass.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sync.h"

/* Bodies shorter than this are hashed in line: a thread costs more. */
#define HASHPASS_THREAD_MIN (4 * HASHPASS_CHUNK)

/* Free slots that wake a reader waiting on a full ring. */
#define HASHPASS_REFILL 2

typedef struct {
	sync_mutex mu;
	sync_cond cv;
	hashpass_read_fn read;
	void *ctx;
	uint64_t off, len;
	const volatile sig_atomic_t *cancel;
	unsigned char *buf;             /* HASHPASS_SLOTS * HASHPASS_CHUNK */
	size_t fill[HASHPASS_SLOTS];    /* bytes in a slot; 0: free */
	uint64_t produced, consumed;    /* chunks */
	int stop;                       /* the hasher gave up */
	int reader_waits, hasher_waits; /* asleep on cv: wake only them */
	int failed;                     /* the reader failed: err holds why */
	s3p_err err;
} ring;

static int
interrupted(const volatile sig_atomic_t *cancel)
{
	return err_cancelled(cancel);
}

static void *
reader(void *arg)
{
	ring *r = arg;
	uint64_t done = 0;

	while (done < r->len) {
		size_t n = r->len - done < HASHPASS_CHUNK ?
		    (size_t)(r->len - done) : HASHPASS_CHUNK;
		unsigned slot;
		s3p_err e;
		int rc;

		sync_lock(&r->mu);
		/* a full ring: sleep until REFILL slots are free, then fill
		 * them in a row (a wake-up, about 10 us here, costs a third
		 * of a chunk's read: one per chunk was 7% of a pass) */
		if (r->produced - r->consumed == HASHPASS_SLOTS) {
			r->reader_waits = 1;
			while (!r->stop && r->produced - r->consumed >
			    HASHPASS_SLOTS - HASHPASS_REFILL)
				sync_cond_wait(&r->cv, &r->mu);
			r->reader_waits = 0;
		}
		if (r->stop) {
			sync_unlock(&r->mu);
			return NULL;
		}
		slot = (unsigned)(r->produced % HASHPASS_SLOTS);
		sync_unlock(&r->mu);

		/* the slot is ours alone until it is marked full */
		err_clear(&e);
		rc = r->read(r->ctx, 0, r->off + done,
		    r->buf + (size_t)slot * HASHPASS_CHUNK, n, &e);

		sync_lock(&r->mu);
		if (rc < 0) {
			r->failed = 1;
			r->err = e;
		} else {
			r->fill[slot] = n;
			r->produced++;
		}
		if (r->hasher_waits)
			sync_cond_signal(&r->cv);
		sync_unlock(&r->mu);
		if (rc < 0)
			return NULL;
		done += n;
	}
	return NULL;
}

/* The part's hash and the whole object's in one pass over the bytes. */
static void
hash_chunk(sha256_ctx *a, sha256_ctx *b, const void *p, size_t n)
{
	if (b != NULL)
		sha256x2_update(a, b, p, n);
	else
		sha256_update(a, p, n);
}

/*
 * Reading and hashing in turn on this thread: chunks of up to
 * HASHPASS_CHUNK from the heap (fewer reads; no larger than the body, so
 * a small one stays below malloc's mmap threshold), of 4 KiB on the
 * stack without it.
 */
static int
inline_pass(hashpass_read_fn read, void *ctx, uint64_t off, uint64_t len,
    sha256_ctx *a, sha256_ctx *b, const volatile sig_atomic_t *cancel,
    s3p_err *err)
{
	unsigned char small[4096];
	size_t want = len < HASHPASS_CHUNK ? (size_t)len : HASHPASS_CHUNK;
	unsigned char *big = want > sizeof small ? malloc(want) : NULL;
	unsigned char *buf = big != NULL ? big : small;
	size_t room = big != NULL ? want : sizeof small;
	int rc = 0;

	while (len > 0) {
		size_t n = len < room ? (size_t)len : room;
		if (interrupted(cancel)) {
			rc = err_set(err, S3P_ENET, "interrupted while hashing");
			break;
		}
		if ((rc = read(ctx, 0, off, buf, n, err)) < 0)
			break;
		hash_chunk(a, b, buf, n);
		off += n;
		len -= n;
	}
	free(big);
	return rc < 0 ? -1 : 0;
}

int
hashpass_run(hashpass_read_fn read, void *ctx, uint64_t off, uint64_t len,
    sha256_ctx *a, sha256_ctx *b, int overlap,
    const volatile sig_atomic_t *cancel, s3p_err *err)
{
	ring *r;
	pthread_t tid;
	int rc = 0;

	if (!overlap || len < HASHPASS_THREAD_MIN)
		return inline_pass(read, ctx, off, len, a, b, cancel, err);
	r = calloc(1, sizeof *r);
	if (r != NULL)
		r->buf = malloc((size_t)HASHPASS_SLOTS * HASHPASS_CHUNK);
	if (r == NULL || r->buf == NULL) {
		if (r != NULL)
			free(r);
		return inline_pass(read, ctx, off, len, a, b, cancel, err);
	}
	r->read = read;
	r->ctx = ctx;
	r->off = off;
	r->len = len;
	r->cancel = cancel;
	if (pthread_create(&tid, NULL, reader, r) != 0) {
		free(r->buf);
		free(r);
		return inline_pass(read, ctx, off, len, a, b, cancel, err);
	}

	for (uint64_t done = 0; done < len;) {
		unsigned slot;
		size_t n;

		sync_lock(&r->mu);
		r->hasher_waits = 1;
		while (!r->failed && r->produced == r->consumed)
			sync_cond_wait(&r->cv, &r->mu);
		r->hasher_waits = 0;
		if (r->failed && r->produced == r->consumed) {
			*err = r->err;
			rc = -1;
		}
		slot = (unsigned)(r->consumed % HASHPASS_SLOTS);
		n = r->fill[slot];
		sync_unlock(&r->mu);
		if (rc < 0)
			break;
		if (interrupted(cancel)) {
			rc = err_set(err, S3P_ENET, "interrupted while hashing");
			break;
		}
		hash_chunk(a, b, r->buf + (size_t)slot * HASHPASS_CHUNK, n);
		done += n;

		sync_lock(&r->mu);
		r->fill[slot] = 0;
		r->consumed++;
		if (r->reader_waits && r->produced - r->consumed ==
		    HASHPASS_SLOTS - HASHPASS_REFILL)
			sync_cond_signal(&r->cv);
		sync_unlock(&r->mu);
	}

	sync_lock(&r->mu);
	r->stop = 1;
	sync_cond_broadcast(&r->cv);
	sync_unlock(&r->mu);
	pthread_join(tid, NULL);
	free(r->buf);
	free(r);
	return rc;
}

/* ---- hashpass_memo ---- */

void
hashpass_memo_init(hashpass_memo *m, uint64_t slice)
{
	memset(m, 0, sizeof *m);
	m->slice = slice;
	sha256_init(&m->whole);
	sha256_init(&m->cur);
}

/* Closes the slice in m->cur. */
static int
memo_push(hashpass_memo *m, s3p_err *err)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		void *p = realloc(m->digests, cap * sizeof *m->digests);
		if (p == NULL)
			return err_set(err, S3P_EINPUT, "out of memory");
		m->digests = p;
		m->cap = cap;
	}
	sha256_final(&m->cur, m->digests[m->n++]);
	sha256_init(&m->cur);
	return 0;
}

int
hashpass_memo_add(void *ctx, const void *data, size_t len, s3p_err *err)
{
	hashpass_memo *m = ctx;
	const unsigned char *p = data;

	if (m->slice == 0) {            /* the whole body only */
		sha256_update(&m->whole, p, len);
		m->pos += len;
		return 0;
	}
	while (len > 0) {
		uint64_t room = m->slice - m->pos % m->slice;
		size_t n = room < len ? (size_t)room : len;

		sha256x2_update(&m->whole, &m->cur, p, n);
		m->pos += n;
		p += n;
		len -= n;
		if (m->pos % m->slice == 0 && memo_push(m, err) < 0)
			return -1;
	}
	return 0;
}

int
hashpass_memo_final(hashpass_memo *m, s3p_err *err)
{
	if (m->slice != 0 && (m->pos % m->slice != 0 || m->pos == 0) &&
	    memo_push(m, err) < 0)
		return -1;
	sha256_final(&m->whole, m->whole_digest);
	m->final = 1;
	return 0;
}

int
hashpass_memo_get(void *ctx, uint64_t off, uint64_t len,
    unsigned char out[SHA256_SIZE])
{
	const hashpass_memo *m = ctx;
	const unsigned char *d = NULL;

	/* (before the end, the slices done are whole: pos is past them) */
	if (m->final && off == 0 && len == m->pos)
		d = m->whole_digest;
	else if (m->slice != 0 && off % m->slice == 0 && off / m->slice < m->n &&
	    len == (m->pos - off < m->slice ? m->pos - off : m->slice))
		d = m->digests[off / m->slice];
	if (d == NULL)
		return 0;
	memcpy(out, d, SHA256_SIZE);
	return 1;
}

void
hashpass_memo_free(hashpass_memo *m)
{
	free(m->digests);
	m->digests = NULL;
}
