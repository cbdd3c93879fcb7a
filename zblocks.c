/*
 * zblocks.c: independent deflate blocks, produced ahead by worker threads
 * and read back by offset. See zblocks.h.
 *
 * Slots: (workers + 1) output buffers, each holding one block's compressed
 * bytes or waiting for them. The reader asks for block b: the slot that has
 * (or will have) b is kept, and the free ones are given to b+1, b+2, ...
 * (its window) so the workers stay ahead of a reader that goes forward. A
 * slot the reader holds (the block it copies from) is never reused under
 * it. Two readers (two parts sent at once, each sender named by its
 * caller) take turns (zblocks.h): one more slot comes into use, and each
 * reader's window is half the slots, so that neither takes the other's
 * blocks, and a reader always finds a slot that no window holds (the
 * other reader cannot move while it waits: the caller's lock).
 */
#include "zblocks.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "deflate.h"
#include "sync.h"

#define NO_READER UINT64_MAX

/* A checkpoint (the output offset of block i) every CKPT_EVERY blocks. */
#define CKPT_EVERY 64
#define OUT_MAX DEFLATE_BOUND(DEFLATE_BLOCK)
/* In the size table: the block came out stored whole (deflate.h's
 * c->stored), so reads write its stored form without compressing it. */
#define STORED 0x80000000u
/* Wanted blocks that wake a worker when blocks come out stored whole. */
#define REFILL 2

enum slot_state { SLOT_FREE, SLOT_WANTED, SLOT_BUSY, SLOT_DONE, SLOT_FAILED };

struct slot {
	enum slot_state state;
	uint64_t block;
	size_t len;             /* compressed bytes in out */
	uint32_t crc;           /* CRC-32 of the block's input */
	int stored;             /* wanted: write the stored form (the scan
				   found it so); done: the output is it */
	int raw;                /* out holds the input (stored whole: its
				   output is that input with the stored
				   blocks' framing, slot_piece) */
	unsigned char *out;     /* OUT_MAX bytes */
	s3p_err err;            /* SLOT_FAILED: the input function's error */
};

/* What one compressing thread owns. */
struct worker {
	zblocks *z;
	pthread_t th;
	deflate_ctx *dc;
	unsigned char *in;      /* OUT_MAX bytes: traded with a slot's out */
};

struct zblocks {
	zblocks_opts o;
	uint64_t nblocks;
	/* the table: sizes and input CRCs per block, offsets per checkpoint */
	uint32_t *size, *crc;   /* size: with STORED */
	uint64_t *ckpt;
	uint64_t total;
	uint32_t in_crc;
	/* the scan's progress: blocks in the table, and the output bytes
	 * they make, which reads may ask for while it runs (atomic: loaded
	 * with acquire, the table up to them is seen) */
	uint64_t done_blocks, done_off;
	int scanning;           /* under mu: the scan is reader 0, reads 1 */

	sync_mutex mu;          /* slots, quit */
	sync_mutex io;          /* one input read at a time */
	sync_cond work;         /* a slot became SLOT_WANTED, or quit */
	sync_cond done;         /* a slot became SLOT_DONE or SLOT_FAILED */
	int quit;
	struct slot *slots;
	unsigned nslots;        /* in use: workers + 1, + 1 with a second reader */
	unsigned win;           /* a reader's window: nslots, or half of them */
	uint64_t at[2];         /* the block each reader read last, or NO_READER */
	struct worker *w;
	unsigned nworkers, started;
	unsigned idle;          /* workers asleep on `work` */
	int cheap;              /* the last block done was stored whole */
	unsigned slots_used;    /* the highest slot taken so far, + 1 */
};

/* Input bytes of block b. */
static size_t
block_len(const zblocks *z, uint64_t b)
{
	uint64_t off = b * DEFLATE_BLOCK, left = z->o.in_size - off;

	return left < DEFLATE_BLOCK ? (size_t)left : DEFLATE_BLOCK;
}

/* Reads and compresses block s->block with w's context and buffer. */
static void
compress_slot(zblocks *z, struct worker *w, struct slot *s, uint64_t b)
{
	size_t n = block_len(z, b);
	int rc;

	sync_lock(&z->io);
	rc = z->o.read(z->o.ctx, b * DEFLATE_BLOCK, w->in, n, &s->err);
	sync_unlock(&z->io);
	if (rc < 0) {
		s->state = SLOT_FAILED;
		return;
	}
	s->crc = crc32_update(0, w->in, n);
	/* stored by the scan: level 0 gives the same bytes (the input
	 * unchanged: else the CRC tells) without a look at them */
	deflate_init(w->dc, s->stored ? 0 : z->o.level);
	w->dc->stored_unwritten = 1;
	s->len = deflate_block(w->dc, w->in, n, b + 1 == z->nblocks, s->out);
	s->stored = s->raw = w->dc->stored;
	if (s->raw) {
		/* the input becomes the slot's: no copy of the block */
		unsigned char *t = s->out;
		s->out = w->in;
		w->in = t;
	}
	s->state = SLOT_DONE;
}

/* The wanted slot with the lowest block (the reader needs it first). */
static struct slot *
next_wanted(zblocks *z)
{
	struct slot *best = NULL;

	for (unsigned i = 0; i < z->nslots; i++)
		if (z->slots[i].state == SLOT_WANTED &&
		    (best == NULL || z->slots[i].block < best->block))
			best = &z->slots[i];
	return best;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	zblocks *z = w->z;

	sync_lock(&z->mu);
	for (;;) {
		struct slot *s, tmp;

		while (!z->quit && (s = next_wanted(z)) == NULL) {
			z->idle++;
			sync_cond_wait(&z->work, &z->mu);
			z->idle--;
		}
		if (z->quit)
			break;
		s->state = SLOT_BUSY;
		tmp = *s;
		sync_unlock(&z->mu);
		/* the slot's buffer is ours while BUSY: nobody else writes it */
		compress_slot(z, w, &tmp, tmp.block);
		sync_lock(&z->mu);
		*s = tmp;
		z->cheap = tmp.state == SLOT_DONE && tmp.raw;
		sync_cond_broadcast(&z->done);
	}
	sync_unlock(&z->mu);
	return NULL;
}

static void
free_worker(struct worker *w)
{
	free(w->dc);
	free(w->in);
}

static int
oom(s3p_err *err)
{
	return err_set(err, S3P_EINPUT, "out of memory for compression");
}

int
zblocks_open(zblocks **zp, const zblocks_opts *o, s3p_err *err)
{
	zblocks *z;
	unsigned jobs = o->jobs > 1 ? o->jobs : 1;

	*zp = NULL;
	if ((z = calloc(1, sizeof *z)) == NULL)
		return oom(err);
	z->o = *o;
	/* an empty input is still one (empty, final) block */
	z->nblocks = o->in_size == 0 ? 1 :
	    (o->in_size + DEFLATE_BLOCK - 1) / DEFLATE_BLOCK;
	z->nworkers = jobs;
	z->win = z->nslots = jobs + 1;
	z->at[0] = z->at[1] = NO_READER;
	*zp = z;
	if (z->nblocks > SIZE_MAX / sizeof *z->size ||
	    (z->size = malloc(z->nblocks * sizeof *z->size)) == NULL ||
	    (z->crc = malloc(z->nblocks * sizeof *z->crc)) == NULL ||
	    (z->ckpt = malloc((z->nblocks / CKPT_EVERY + 1) *
	    sizeof *z->ckpt)) == NULL ||
	    (z->slots = calloc(jobs + 2, sizeof *z->slots)) == NULL ||
	    (z->w = calloc(jobs, sizeof *z->w)) == NULL)
		goto fail;
	for (unsigned i = 0; i < jobs + 2; i++)
		if ((z->slots[i].out = malloc(OUT_MAX)) == NULL)
			goto fail;
	return 0;
fail:
	zblocks_close(z);
	*zp = NULL;
	return oom(err);
}

/* Starts the workers (first use). */
static int
start(zblocks *z, s3p_err *err)
{
	for (; z->started < z->nworkers; z->started++) {
		struct worker *w = &z->w[z->started];
		w->z = z;
		if ((w->dc = malloc(sizeof *w->dc)) == NULL ||
		    (w->in = malloc(OUT_MAX)) == NULL) {
			free_worker(w);
			return oom(err);
		}
		if (pthread_create(&w->th, NULL, worker_main, w)) {
			free_worker(w);
			return err_set(err, S3P_EINPUT,
			    "cannot start a compression thread");
		}
	}
	return 0;
}

/* Whether block b is in reader k's window (from the block it read last). */
static int
in_window(const zblocks *z, unsigned k, uint64_t b)
{
	return z->at[k] != NO_READER && b >= z->at[k] && b < z->at[k] + z->win;
}

/* Whether a slot holding block `b` is still of use to a reader. */
static int
useful(const zblocks *z, uint64_t b)
{
	return in_window(z, 0, b) || in_window(z, 1, b);
}

/*
 * Reader k asks for block b. Going forward keeps its window (a sender
 * skips the blocks stored whole: it sends them from the files); its first
 * block, or going back (a part sent again, a new pass), starts afresh:
 * blocks no reader's window holds any more were compressed for an earlier
 * pass, and a new pass compresses them again, so that a change shows. A
 * second reader beside the first brings one more slot into use.
 */
static void
reader_at(zblocks *z, unsigned k, uint64_t b)
{
	if (z->at[k] == NO_READER || b < z->at[k]) {
		if (z->at[!k] != NO_READER && z->win == z->nslots) {
			z->nslots++;
			z->win = z->nslots / 2;
		}
		z->at[k] = NO_READER;
		for (unsigned i = 0; i < z->nslots; i++)
			if (z->slots[i].state == SLOT_DONE &&
			    !useful(z, z->slots[i].block))
				z->slots[i].state = SLOT_FREE;
	}
	z->at[k] = b;
}

/*
 * Under z->mu: the slot that holds (or will hold) block b, and the next
 * blocks asked for in the slots left; NULL when no slot can take b now.
 */
static struct slot *
want_blocks(zblocks *z, uint64_t b, unsigned k)
{
	struct slot *s = NULL;
	unsigned fresh = 0, wanted = 0;
	uint64_t known = __atomic_load_n(&z->done_blocks, __ATOMIC_ACQUIRE);
	int now;

	reader_at(z, k, b);
	for (uint64_t want = b; want < z->nblocks && want < b + z->win; want++) {
		struct slot *have = NULL, *spare = NULL;
		/*
		 * The second reader's slot (the last) is taken for a block
		 * read ahead only when the scan's table says it comes out
		 * small (text: its compression is what the read-ahead
		 * hides, and it touches a part of the slot). Large ones
		 * (random data between tar headers) are quickly made again,
		 * and would make the slot resident in full: 128 KiB of the
		 * peak with two parts in flight (BENCHMARKS.md B5). The
		 * block a reader needs now takes, before the last slot, one
		 * holding a block read ahead (not a reader's current one),
		 * or waits for a busy one: of the other slots, only the
		 * other reader's current block cannot be taken, so with
		 * large blocks the last slot stays untouched whichever
		 * thread ran first (qemu showed that it did not).
		 */
		int small = want < known && (z->size[want] & ~STORED) <= OUT_MAX / 2;
		unsigned n = z->nslots - (!small && z->nslots > z->nworkers + 1);
		unsigned soon = 0, taken = 0;
		struct slot *ahead = NULL;
		for (unsigned i = 0; i < z->nslots; i++) {
			struct slot *t = &z->slots[i];
			if (t->state != SLOT_FREE && t->block == want)
				have = t;
			else if (t->state == SLOT_BUSY)
				soon = 1;
			else if (t->state != SLOT_FREE && useful(z, t->block)) {
				if (t->block != z->at[0] && t->block != z->at[1])
					ahead = t;
			} else if (spare == NULL)
				spare = t, taken = i + 1;
		}
		if (taken > n && (want != b || soon || ahead != NULL))
			spare = NULL, taken = 0;
		if (spare == NULL && want == b)
			spare = ahead;
		if (have == NULL && spare == NULL)
			break;
		if (have == NULL) {
			if (taken > z->slots_used)
				z->slots_used = taken;
			spare->state = SLOT_WANTED;
			spare->block = want;
			spare->stored = want < known &&
			    (z->size[want] & STORED) != 0;
			fresh++;
		}
		if (want == b)
			s = have != NULL ? have : spare;
	}
	now = s != NULL && s->state == SLOT_WANTED;
	if (z->idle == 0 || (fresh == 0 && !now))
		return s;
	if (!z->cheap) {
		/* a block to compress costs far more than a wake-up */
		for (fresh = fresh ? fresh : 1; fresh > 0; fresh--)
			sync_cond_signal(&z->work);
		return s;
	}
	/*
	 * Blocks stored whole cost a read and a look (random data): about
	 * as much as waking a worker for each. One worker is woken when
	 * REFILL blocks are wanted, and does them in a row, while the reader
	 * has the rest of its window; or at once for the block the reader
	 * needs now. A window of two has no rest: each block at once.
	 */
	for (unsigned i = 0; i < z->nslots; i++)
		wanted += z->slots[i].state == SLOT_WANTED;
	if (now || wanted >= (z->win > REFILL ? REFILL : 1))
		sync_cond_signal(&z->work);
	return s;
}

/*
 * The slot holding block b, compressed; asks for the following blocks too.
 * The returned slot is held (not reused) until the next call. `sender` is
 * zblocks_read's, or -1 for the scan: the scan is reader 0, and a sender 0
 * reader 1, so that the one that sends while the scan runs keeps its
 * window when the scan ends and a sender 1 joins as reader 0.
 */
static struct slot *
get_block(zblocks *z, uint64_t b, int sender, s3p_err *err)
{
	struct slot *s = NULL;
	unsigned k;

	if (start(z, err) < 0)
		return NULL;
	sync_lock(&z->mu);
	k = sender < 0 ? 0 : z->scanning || sender == 0;
	/*
	 * b and the next ones: keep what is there, ask for what is not. When
	 * every slot is busy with blocks the reader left behind (it went
	 * back), wait for one to finish.
	 */
	while ((s = want_blocks(z, b, k)) == NULL)
		sync_cond_wait(&z->done, &z->mu);
	while (s->state == SLOT_WANTED || s->state == SLOT_BUSY)
		sync_cond_wait(&z->done, &z->mu);
	if (s->state == SLOT_FAILED) {
		*err = s->err;
		s->state = SLOT_FREE;   /* asked again: read again */
		s = NULL;
	}
	/* (a worker looks at the states: changed under the lock only) */
	sync_unlock(&z->mu);
	return s;
}

/* Byte `off` of block b stored whole: framing, or input at g->in_off. */
static void
stored_locate(const zblocks *z, uint64_t b, uint64_t off, gzip_span *g)
{
	gzip_stored_blocks_locate(block_len(z, b), b + 1 == z->nblocks, off, g);
}

/*
 * Where the bytes of slot s's output from `off` (< s->len) are, and in
 * *len how many follow there: in out, or for a raw slot the input in out
 * between framing pieces (in g).
 */
static const unsigned char *
slot_piece(const zblocks *z, const struct slot *s, size_t off, size_t *len,
    gzip_span *g)
{
	if (!s->raw) {
		*len = s->len - off;
		return s->out + off;
	}
	stored_locate(z, s->block, off, g);
	*len = (size_t)g->len;
	return g->kind == GZIP_SPAN_DATA ? s->out + g->in_off :
	    g->bytes + g->skip;
}

int
zblocks_scan(zblocks *z, zblocks_sink_fn sink, void *sink_ctx,
    const volatile sig_atomic_t *cancel, s3p_err *err)
{
	uint64_t off = 0;
	int failed = 0;

	z->in_crc = 0;
	__atomic_store_n(&z->done_blocks, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&z->done_off, 0, __ATOMIC_RELEASE);
	/* a fresh pass, alone (reads may come once it has blocks) */
	sync_lock(&z->mu);
	z->scanning = 1;
	z->at[0] = z->at[1] = NO_READER;
	sync_unlock(&z->mu);
	for (uint64_t b = 0; b < z->nblocks && !failed; b++) {
		struct slot *s;

		if (err_cancelled(cancel)) {
			err_set(err, S3P_ENET, "interrupted");
			break;
		}
		if ((s = get_block(z, b, -1, err)) == NULL)
			break;
		if (b % CKPT_EVERY == 0)
			z->ckpt[b / CKPT_EVERY] = off;
		z->size[b] = (uint32_t)s->len | (s->stored ? STORED : 0);
		z->crc[b] = s->crc;
		z->in_crc = crc32_combine(z->in_crc, s->crc, block_len(z, b));
		off += s->len;
		/* before the sink: who learns of these bytes from it may
		 * read them */
		__atomic_store_n(&z->done_blocks, b + 1, __ATOMIC_RELEASE);
		__atomic_store_n(&z->done_off, off, __ATOMIC_RELEASE);
		for (size_t at = 0, n; sink != NULL && at < s->len; at += n) {
			gzip_span g;
			const unsigned char *p = slot_piece(z, s, at, &n, &g);
			if ((failed = sink(sink_ctx, p, n, err) < 0))
				break;
		}
	}
	sync_lock(&z->mu);
	z->scanning = 0;
	/* what comes next starts from block 0 anew (a read already going
	 * on, reader 1, keeps its place) */
	z->at[0] = NO_READER;
	sync_unlock(&z->mu);
	if (failed || __atomic_load_n(&z->done_blocks, __ATOMIC_RELAXED) <
	    z->nblocks)
		return -1;
	z->total = off;
	return 0;
}

uint64_t
zblocks_bound(uint64_t in_size)
{
	uint64_t full = in_size / DEFLATE_BLOCK, last = in_size % DEFLATE_BLOCK;

	/* every block at its worst: stored, with deflate.h's framing */
	return full * DEFLATE_BOUND((uint64_t)DEFLATE_BLOCK) + DEFLATE_BOUND(last);
}

uint64_t
zblocks_done(const zblocks *z)
{
	return __atomic_load_n(&z->done_off, __ATOMIC_ACQUIRE);
}

uint64_t
zblocks_size(const zblocks *z)
{
	return z->total;
}

unsigned
zblocks_slots_used(const zblocks *z)
{
	return z->slots_used;
}

uint32_t
zblocks_crc(const zblocks *z)
{
	return z->in_crc;
}

/*
 * The block holding output offset off (below the scan's done_off, with
 * nb = its done_blocks), and where it starts.
 */
static uint64_t
find_block(const zblocks *z, uint64_t off, uint64_t nb, uint64_t *start)
{
	size_t lo = 0, hi = (size_t)((nb - 1) / CKPT_EVERY) + 1;
	uint64_t b, pos;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (z->ckpt[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	b = (uint64_t)lo * CKPT_EVERY;
	pos = z->ckpt[lo];
	/* empty blocks (size 0) are skipped: they hold no byte */
	while (pos + (z->size[b] & ~STORED) <= off) {
		pos += z->size[b] & ~STORED;
		b++;
	}
	*start = pos;
	return b;
}

int
zblocks_locate(const zblocks *z, uint64_t off, gzip_span *s)
{
	uint64_t start, b, nb;

	memset(s, 0, sizeof *s);
	if (off >= __atomic_load_n(&z->done_off, __ATOMIC_ACQUIRE))
		return 0;       /* s->len 0: nothing here */
	nb = __atomic_load_n(&z->done_blocks, __ATOMIC_ACQUIRE);
	b = find_block(z, off, nb, &start);
	if ((z->size[b] & STORED) == 0) {
		s->len = (z->size[b] & ~STORED) - (off - start);
		return 0;
	}
	stored_locate(z, b, off - start, s);
	if (s->kind == GZIP_SPAN_DATA)
		s->in_off += b * DEFLATE_BLOCK;
	return 1;
}

int
zblocks_read(zblocks *z, unsigned sender, uint64_t off, void *buf,
    size_t len, s3p_err *err)
{
	unsigned char *p = buf;
	uint64_t done = __atomic_load_n(&z->done_off, __ATOMIC_ACQUIRE);
	uint64_t nb = __atomic_load_n(&z->done_blocks, __ATOMIC_ACQUIRE);

	if (off > done || len > done - off)
		return err_set(err, S3P_EUSAGE, "zblocks_read: range %llu+%zu "
		    "beyond the stream scanned", (unsigned long long)off, len);
	while (len > 0) {
		uint64_t start, b = find_block(z, off, nb, &start);
		struct slot *s = get_block(z, b, (int)sender, err);
		size_t n, skip;

		if (s == NULL)
			return -1;
		if (s->len != (z->size[b] & ~STORED) || s->crc != z->crc[b]) {
			z->o.changed(z->o.ctx, b * DEFLATE_BLOCK, block_len(z, b),
			    err);
			return -1;
		}
		for (skip = (size_t)(off - start); len > 0 && skip < s->len;
		    skip += n) {
			gzip_span g;
			const unsigned char *q = slot_piece(z, s, skip, &n, &g);
			n = n < len ? n : len;
			memcpy(p, q, n);
			p += n;
			off += n;
			len -= n;
		}
	}
	return 0;
}

void
zblocks_close(zblocks *z)
{
	if (z == NULL)
		return;
	sync_lock(&z->mu);
	z->quit = 1;
	sync_cond_broadcast(&z->work);
	sync_unlock(&z->mu);
	for (unsigned i = 0; i < z->started; i++) {
		pthread_join(z->w[i].th, NULL);
		free_worker(&z->w[i]);
	}
	for (unsigned i = 0; z->slots != NULL && i < z->nworkers + 2; i++)
		free(z->slots[i].out);
	free(z->slots);
	free(z->w);
	free(z->size);
	free(z->crc);
	free(z->ckpt);
	free(z);
}
