/*
 * test_hashpass.c: the hash pass and its memo of a body's hashes.
 *
 * The oracle is sha256() over the same bytes in one call (sha256.c is
 * tested against sha256sum and the NIST vectors in test_sha256.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hashpass.h"
#include "sha256.h"
#include "unit.h"

static uint32_t rng = 99;

static uint32_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static int
mem_read(void *ctx, unsigned sender, uint64_t off, void *buf, size_t len,
    s3p_err *err)
{
	(void)sender;
	(void)err;
	memcpy(buf, (const unsigned char *)ctx + off, len);
	return 0;
}

/* A reader that fails once it reaches byte 1,000,000 of the body. */
static int
failing_read(void *ctx, unsigned sender, uint64_t off, void *buf, size_t len,
    s3p_err *err)
{
	if (off + len > 1000000)
		return err_set(err, S3P_EINPUT, "failing_read: %llu",
		    (unsigned long long)off);
	return mem_read(ctx, sender, off, buf, len, err);
}

int
main(void)
{
	size_t max = 3 << 20;
	unsigned char *body = malloc(max), want[SHA256_SIZE], got[SHA256_SIZE];
	s3p_err err;
	int ok = 1;

	/* a lost wake-up between the reader and the hasher hangs the pass:
	 * the alarm's signal then ends the test, a failure (run.sh) */
	alarm(300);

	for (size_t i = 0; i < max; i++)
		body[i] = (unsigned char)next();

	/* the memo: every slice and the whole, fed in random pieces */
	for (int round = 0; ok && round < 40; round++) {
		size_t len = round == 0 ? 0 : next() % max;
		uint64_t slice = round % 5 == 0 ? 0 : 1 + next() % (len + 10);
		hashpass_memo m;
		size_t off = 0;

		if (round == 1)
			slice = len;            /* one slice: the whole */
		hashpass_memo_init(&m, slice);
		ok = hashpass_memo_get(&m, 0, len, got) == 0;  /* not final yet */
		while (ok && off < len) {
			size_t n = 1 + next() % 70000;
			n = n < len - off ? n : len - off;
			ok = hashpass_memo_add(&m, body + off, n, &err) == 0;
			off += n;
			/*
			 * Before the end (issue 16: the parts go while the pass
			 * runs): the last slice done is known, the one going on
			 * (at its length so far, or its whole) is not, nor the
			 * whole body so far.
			 */
			if (ok && slice != 0 && off >= slice) {
				uint64_t last = (off / slice - 1) * slice;
				sha256(body + last, (size_t)slice, want);
				ok = hashpass_memo_get(&m, last, slice, got) == 1 &&
				    memcmp(got, want, sizeof want) == 0;
			}
			if (ok && slice != 0 && off % slice != 0)
				ok = hashpass_memo_get(&m, off - off % slice,
				    off % slice, got) == 0 && hashpass_memo_get(&m,
				    off - off % slice, slice, got) == 0;
			/* (but when it is slice 0: the same bytes) */
			ok = ok && (off == slice ||
			    hashpass_memo_get(&m, 0, off, got) == 0);
		}
		ok = ok && hashpass_memo_final(&m, &err) == 0;
		sha256(body, len, want);
		ok = ok && hashpass_memo_get(&m, 0, len, got) == 1 &&
		    memcmp(got, want, sizeof want) == 0;
		for (uint64_t s = 0; ok && slice != 0 && s < len; s += slice) {
			size_t n = len - s < slice ? (size_t)(len - s) : (size_t)slice;
			sha256(body + s, n, want);
			ok = hashpass_memo_get(&m, s, n, got) == 1 &&
			    memcmp(got, want, sizeof want) == 0;
			/* the same offset with another length is not known */
			if (ok && n > 1 && !(s == 0 && n - 1 == len))
				ok = hashpass_memo_get(&m, s, n - 1, got) == 0;
		}
		/* a range that is no slice */
		if (ok && slice > 2 && len > slice)
			ok = hashpass_memo_get(&m, 1, slice, got) == 0;
		if (!ok)
			t_ok(0, "memo: round %d, %zu bytes, slices of %llu", round,
			    len, (unsigned long long)slice);
		hashpass_memo_free(&m);
	}
	t_ok(ok, "memo: the whole and every slice equal sha256() of those "
	    "bytes, other ranges unknown; before the end each slice done is "
	    "known, the one going on and the whole are not (40 bodies, random "
	    "slices and pieces)");

	/* hashpass_run: two contexts, a range in the middle; a reader thread
	 * or none, a body long enough for the thread or not, one shorter than
	 * a chunk */
	for (int overlap = 0; overlap <= 1; overlap++) {
		for (int shorter = 0; shorter <= 2; shorter++) {
			sha256_ctx a, b;
			unsigned char da[SHA256_SIZE], db[SHA256_SIZE];
			uint64_t off = 12345;
			uint64_t len = shorter == 2 ? 5000 : shorter ?
			    3 * HASHPASS_CHUNK + 777 : max - 2 * off;

			sha256_init(&a);
			sha256_init(&b);
			ok = hashpass_run(mem_read, body, off, len, &a, &b,
			    overlap, NULL, &err) == 0;
			sha256_final(&a, da);
			sha256_final(&b, db);
			sha256(body + off, (size_t)len, want);
			t_ok(ok && memcmp(da, want, sizeof want) == 0 &&
			    memcmp(db, want, sizeof want) == 0,
			    "hashpass_run (%s, %llu bytes): both contexts get "
			    "[off, off+len) in order", overlap ? "reader thread" :
			    "one thread", (unsigned long long)len);
		}
	}
	/* the reader's failure is the pass's, as it was said */
	for (int overlap = 0; overlap <= 1; overlap++) {
		sha256_ctx a;
		s3p_err e;

		sha256_init(&a);
		err_clear(&e);
		ok = hashpass_run(failing_read, body, 0, max, &a, NULL, overlap,
		    NULL, &e) == -1 && e.status == S3P_EINPUT &&
		    strncmp(e.msg, "failing_read: ", 14) == 0;
		t_ok(ok, "hashpass_run (%s): a failed read stops the pass with "
		    "the reader's error (%s)", overlap ? "reader thread" :
		    "one thread", e.msg);
	}
	free(body);
	return t_done();
}
