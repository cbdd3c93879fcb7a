/*
 * b1_sha256.c: benchmark B1 (shared/BENCHMARKS.md), the in-process half.
 *
 * Hashes one 1 GiB buffer in 16 KiB updates with s3pub's SHA-256 (the
 * run-time back-end, then forced portable) and with BearSSL's br_sha256,
 * RUNS times each, interleaved so that a noisy neighbour hits all alike.
 * Then the two-stream figure (issue 16: a part's hash and the whole
 * object's): the same buffer into two hashes with sha256x2_update(), and
 * the way hashpass did it before, two sha256_update() calls per 16 KiB,
 * both with the run-time back-end.
 * Prints one line per implementation: "NAME BEST_SECONDS BYTES HEXDIGEST",
 * BYTES being the buffer's size (each hashed twice in the last two).
 * bench/b1_sha256.sh adds openssl and the ratios.
 *
 * usage: b1_sha256 [MiB [RUNS]]    (default 1024 MiB, 3 runs)
 */
#include "sha256.h"

#include <bearssl_hash.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STEP 16384

enum { S3P_AUTO, S3P_PORTABLE, BEARSSL, S3P_X2, S3P_2PASS, NIMPL };

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
hash_s3pub(const unsigned char *p, size_t n, unsigned char out[32])
{
	sha256_ctx ctx;
	size_t off;

	sha256_init(&ctx);
	for (off = 0; off < n; off += STEP)
		sha256_update(&ctx, p + off, n - off < STEP ? n - off : STEP);
	sha256_final(&ctx, out);
}

/* Two hashes of the buffer in one pass: out and out2. */
static void
hash_x2(const unsigned char *p, size_t n, unsigned char out[32],
    unsigned char out2[32])
{
	sha256_ctx a, b;
	size_t off;

	sha256_init(&a);
	sha256_init(&b);
	for (off = 0; off < n; off += STEP)
		sha256x2_update(&a, &b, p + off, n - off < STEP ? n - off : STEP);
	sha256_final(&a, out);
	sha256_final(&b, out2);
}

/* The same two hashes, one update after the other for each 16 KiB. */
static void
hash_2pass(const unsigned char *p, size_t n, unsigned char out[32],
    unsigned char out2[32])
{
	sha256_ctx a, b;
	size_t off;

	sha256_init(&a);
	sha256_init(&b);
	for (off = 0; off < n; off += STEP) {
		sha256_update(&a, p + off, n - off < STEP ? n - off : STEP);
		sha256_update(&b, p + off, n - off < STEP ? n - off : STEP);
	}
	sha256_final(&a, out);
	sha256_final(&b, out2);
}

static void
hash_bearssl(const unsigned char *p, size_t n, unsigned char out[32])
{
	br_sha256_context ctx;
	size_t off;

	br_sha256_init(&ctx);
	for (off = 0; off < n; off += STEP)
		br_sha256_update(&ctx, p + off, n - off < STEP ? n - off : STEP);
	br_sha256_out(&ctx, out);
}

int
main(int argc, char **argv)
{
	size_t mib = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 1024;
	int runs = argc > 2 ? atoi(argv[2]) : 3;
	size_t n = mib << 20, i;
	unsigned char *buf, dig[NIMPL][32], dig2[NIMPL][32];
	double best[NIMPL];
	char names[NIMPL][32], hex[65];
	uint32_t x = 0x12345678;
	int r, k;

	if (mib == 0 || runs < 1 || (buf = malloc(n)) == NULL) {
		fprintf(stderr, "b1_sha256: cannot allocate %zu MiB\n", mib);
		return 1;
	}
	for (i = 0; i < n; i++) {   /* xorshift32: touches every page */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
	sha256_force_portable(0);
	snprintf(names[S3P_AUTO], sizeof names[0], "s3pub-%s", sha256_backend());
	snprintf(names[S3P_PORTABLE], sizeof names[0], "s3pub-portable");
	snprintf(names[BEARSSL], sizeof names[0], "bearssl");
	snprintf(names[S3P_X2], sizeof names[0], "s3pub-%s-x2", sha256_backend());
	snprintf(names[S3P_2PASS], sizeof names[0], "s3pub-%s-2pass",
	    sha256_backend());
	for (k = 0; k < NIMPL; k++)
		best[k] = 1e30;

	for (r = 0; r < runs; r++) {
		for (k = 0; k < NIMPL; k++) {
			double t0, t;

			sha256_force_portable(k == S3P_PORTABLE);
			memset(dig2[k], 0, 32);
			t0 = now();
			if (k == BEARSSL)
				hash_bearssl(buf, n, dig[k]);
			else if (k == S3P_X2)
				hash_x2(buf, n, dig[k], dig2[k]);
			else if (k == S3P_2PASS)
				hash_2pass(buf, n, dig[k], dig2[k]);
			else
				hash_s3pub(buf, n, dig[k]);
			t = now() - t0;
			if (t < best[k])
				best[k] = t;
		}
	}
	sha256_force_portable(0);

	for (k = 0; k < NIMPL; k++) {
		sha256_hex(dig[k], hex);
		printf("%s %.6f %zu %s\n", names[k], best[k], n, hex);
		if (memcmp(dig[k], dig[0], 32) != 0 || ((k == S3P_X2 ||
		    k == S3P_2PASS) && memcmp(dig2[k], dig[0], 32) != 0)) {
			fprintf(stderr, "b1_sha256: %s and %s disagree\n",
			    names[k], names[0]);
			return 1;
		}
	}
	free(buf);
	return 0;
}
