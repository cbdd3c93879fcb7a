/*
 * test_zblocks.c: independent deflate blocks read back by offset.
 *
 * The oracle for the bytes is inflate.c (tested against zlib and gzip in
 * its own tests) and crc32_update; the scan's output is the reference for
 * every read (whole, random ranges, backwards, across block edges), for
 * every thread count (the bytes must not depend on it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "deflate.h"
#include "inflate.h"
#include "zblocks.h"
#include "unit.h"

typedef struct {
	unsigned char *data;
	size_t len;
	unsigned reads;
	int fail_at_block;      /* >= 0: the read of this block fails */
} source;

static int
src_read(void *ctx, uint64_t off, void *buf, size_t len, s3p_err *err)
{
	source *s = ctx;

	s->reads++;
	if (s->fail_at_block >= 0 && off == (uint64_t)s->fail_at_block * DEFLATE_BLOCK)
		return err_set(err, S3P_EINPUT, "cannot read block %d",
		    s->fail_at_block);
	if (off > s->len || len > s->len - off)
		return err_set(err, S3P_EUSAGE, "read beyond the input");
	memcpy(buf, s->data + off, len);
	return 0;
}

static void
src_changed(void *ctx, uint64_t off, uint64_t len, s3p_err *err)
{
	(void)ctx;
	err_set(err, S3P_EINPUT, "changed at %llu+%llu",
	    (unsigned long long)off, (unsigned long long)len);
}

typedef struct {
	unsigned char *buf;
	size_t len, cap;
} sink_buf;

static int
sink_add(void *ctx, const void *data, size_t len, s3p_err *err)
{
	sink_buf *b = ctx;

	if (b->len + len > b->cap) {
		size_t cap = (b->len + len) * 2;
		unsigned char *p = realloc(b->buf, cap);
		if (p == NULL)
			return err_set(err, S3P_EINPUT, "out of memory");
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, len);
	b->len += len;
	return 0;
}

typedef struct {
	const unsigned char *want;
	size_t len, pos;
	int bad;
} check_out;

static int
check_fn(void *ctx, const unsigned char *buf, size_t len)
{
	check_out *c = ctx;

	if (c->pos + len > c->len || memcmp(c->want + c->pos, buf, len) != 0)
		c->bad = 1;
	c->pos += len;
	return 0;
}

/* 1 when `z` (n bytes of raw deflate) inflates to want[0..len). */
static int
inflates_to(const unsigned char *z, size_t n, const unsigned char *want,
    size_t len)
{
	static inflate_ctx ic;
	check_out c = { want, len, 0, 0 };
	long used;

	inflate_init(&ic, check_fn, &c);
	used = inflate_feed(&ic, z, n);
	return used == (long)n && inflate_done(&ic) && inflate_finish(&ic) == 0 &&
	    !c.bad && c.pos == len;
}

static uint32_t rng = 12345;

static uint32_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Text-like input: words from a small vocabulary, numbers, newlines. */
static void
fill_text(unsigned char *p, size_t n)
{
	static const char *words[] = { "sensor", "temp", "2026-12-05T04:56:51Z",
	    "ok", "loss=", "epoch", ",", "\n", "{\"id\":", "}" };
	size_t i = 0;

	while (i < n) {
		const char *w = words[next() % 10];
		for (; *w && i < n; w++)
			p[i++] = (unsigned char)*w;
		if (i < n)
			p[i++] = (unsigned char)('0' + next() % 10);
	}
}

static zblocks *
open_z(source *s, int level, unsigned jobs)
{
	zblocks_opts o = { s->len, level, jobs, src_read, src_changed, s };
	zblocks *z = NULL;
	s3p_err err;

	if (zblocks_open(&z, &o, &err) < 0)
		return NULL;
	return z;
}

/* Scans, then reads the stream back in pieces; 1 when all agree. */
static int
round_trip(source *s, int level, unsigned jobs, sink_buf *out, const char *name)
{
	zblocks *z = open_z(s, level, jobs);
	unsigned char *back = NULL;
	s3p_err err;
	int ok = 0;

	out->len = 0;
	if (z == NULL || zblocks_scan(z, sink_add, out, NULL, &err) < 0) {
		t_ok(0, "%s: scan failed", name);
		goto done;
	}
	if (zblocks_size(z) != out->len) {
		t_ok(0, "%s: size %llu, the scan gave %zu", name,
		    (unsigned long long)zblocks_size(z), out->len);
		goto done;
	}
	if (zblocks_crc(z) != crc32_update(0, s->data, s->len)) {
		t_ok(0, "%s: CRC-32 of the input differs", name);
		goto done;
	}
	if (!inflates_to(out->buf, out->len, s->data, s->len)) {
		t_ok(0, "%s: the stream does not inflate to the input", name);
		goto done;
	}
	back = malloc(out->len + 1);
	/* the whole, then random ranges in random order */
	if (zblocks_read(z, 0, back, out->len, &err) < 0 ||
	    memcmp(back, out->buf, out->len) != 0) {
		t_ok(0, "%s: whole read differs", name);
		goto done;
	}
	for (int i = 0; i < 60; i++) {
		uint64_t off = out->len ? next() % out->len : 0;
		size_t len = (size_t)(next() % (out->len - off + 1));
		if (i % 3 == 0)
			len = len % 300;        /* small ranges at block edges too */
		if (zblocks_read(z, off, back, len, &err) < 0 ||
		    memcmp(back, out->buf + off, len) != 0) {
			t_ok(0, "%s: range %llu+%zu differs (%s)", name,
			    (unsigned long long)off, len, err.msg);
			goto done;
		}
	}
	ok = 1;
done:
	free(back);
	zblocks_close(z);
	return ok;
}

int
main(void)
{
	static const size_t sizes[] = { 0, 1, 1000, DEFLATE_BLOCK - 1,
	    DEFLATE_BLOCK, DEFLATE_BLOCK + 1, 3 * DEFLATE_BLOCK + 12345 };
	size_t max = 3 * DEFLATE_BLOCK + 12345;
	unsigned char *data = malloc(max);
	sink_buf ref = { 0 }, out = { 0 };
	source s = { data, 0, 0, -1 };
	s3p_err err;
	zblocks *z;
	int ok;

	/* text, random and zeros; every thread count gives the same bytes */
	for (int kind = 0; kind < 3; kind++) {
		if (kind == 0)
			fill_text(data, max);
		else if (kind == 1)
			for (size_t i = 0; i < max; i++)
				data[i] = (unsigned char)next();
		else
			memset(data, 0, max);
		ok = 1;
		for (size_t i = 0; ok && i < sizeof sizes / sizeof sizes[0]; i++) {
			char name[64];
			s.len = sizes[i];
			snprintf(name, sizeof name, "kind %d, %zu bytes", kind, s.len);
			ok = round_trip(&s, 6, 1, &ref, name);
			for (unsigned jobs = 2; ok && jobs <= 3; jobs++) {
				ok = round_trip(&s, 6, jobs, &out, name);
				if (ok && (out.len != ref.len ||
				    memcmp(out.buf, ref.buf, ref.len) != 0))
					ok = t_ok(0, "%s: %u threads give other "
					    "bytes than one", name, jobs);
			}
			/* the bound holds */
			if (ok && ref.len > zblocks_bound(s.len))
				ok = t_ok(0, "%s: %zu bytes over the bound %llu",
				    name, ref.len,
				    (unsigned long long)zblocks_bound(s.len));
		}
		t_ok(ok, "%s input: scan, reads and inflate agree for 1, 2 and "
		    "3 threads, sizes 0 to 3.05 blocks", kind == 0 ? "text" :
		    kind == 1 ? "random" : "zero");
	}

	/* text compresses (against a stored stream of the same input) */
	fill_text(data, max);
	s.len = max;
	round_trip(&s, 6, 2, &ref, "text");
	t_ok(ref.len < max / 2, "text: %zu bytes from %zu", ref.len, max);

	/*
	 * an input that changes after the scan is named, not sent (block 0:
	 * the scan's last blocks may still be in the slots, as compressed
	 * then, which is what was hashed)
	 */
	s.len = max;
	z = open_z(&s, 6, 2);
	ok = z != NULL && zblocks_scan(z, NULL, NULL, NULL, &err) == 0;
	data[7] ^= 0x55;
	{
		unsigned char *b = malloc(zblocks_size(z));
		int rc = zblocks_read(z, 0, b, (size_t)zblocks_size(z), &err);
		char want[64];
		snprintf(want, sizeof want, "changed at 0+%llu",
		    (unsigned long long)DEFLATE_BLOCK);
		t_ok(ok && rc < 0 && strcmp(err.msg, want) == 0,
		    "a block whose input changed after the scan: the changed "
		    "function's error (%s)", err.msg);
		free(b);
	}
	zblocks_close(z);
	data[7] ^= 0x55;

	/* the reader's error comes back, for 1 and 2 threads */
	for (unsigned jobs = 1; jobs <= 2; jobs++) {
		s.fail_at_block = 2;
		z = open_z(&s, 6, jobs);
		ok = z != NULL && zblocks_scan(z, NULL, NULL, NULL, &err) < 0 &&
		    strcmp(err.msg, "cannot read block 2") == 0;
		zblocks_close(z);
		t_ok(ok, "%u thread(s): a read error stops the scan with its "
		    "message (%s)", jobs, err.msg);
		s.fail_at_block = -1;
	}

	/* cancel stops the scan */
	{
		volatile sig_atomic_t stop = 1;
		z = open_z(&s, 6, 2);
		ok = zblocks_scan(z, NULL, NULL, &stop, &err) < 0 &&
		    err.status == S3P_ENET;
		zblocks_close(z);
		t_ok(ok, "a set cancel flag stops the scan (%s)", err.msg);
	}

	/* a read before the scan, or beyond the end, is a usage error */
	z = open_z(&s, 6, 1);
	{
		unsigned char b[4];
		ok = zblocks_read(z, 0, b, 1, &err) < 0 && err.status == S3P_EUSAGE;
		zblocks_scan(z, NULL, NULL, NULL, &err);
		ok = ok && zblocks_read(z, zblocks_size(z), b, 1, &err) < 0 &&
		    err.status == S3P_EUSAGE &&
		    zblocks_read(z, zblocks_size(z), b, 0, &err) == 0;
	}
	zblocks_close(z);
	t_ok(ok, "reads before the scan or past the end are refused");

	/* sequential reads compress each block once (the slot is reused) */
	s.reads = 0;
	z = open_z(&s, 6, 1);
	zblocks_scan(z, NULL, NULL, NULL, &err);
	{
		unsigned reads_scan = s.reads;
		unsigned char b[1000];
		ok = 1;
		for (uint64_t off = 0; ok && off < zblocks_size(z); off += sizeof b) {
			size_t n = zblocks_size(z) - off < sizeof b ?
			    (size_t)(zblocks_size(z) - off) : sizeof b;
			ok = zblocks_read(z, off, b, n, &err) == 0;
		}
		t_ok(ok && s.reads - reads_scan <= 4 && reads_scan == 4,
		    "in-order reads compress each of the 4 blocks once (%u, %u)",
		    reads_scan, s.reads - reads_scan);
	}
	zblocks_close(z);

	free(ref.buf);
	free(out.buf);
	free(data);
	return t_done();
}
