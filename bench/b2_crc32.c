/*
 * b2_crc32.c: benchmark B2 (shared/BENCHMARKS.md), CRC-32 throughput.
 *
 * Runs the CRC-32 of one 1 GiB buffer, in 64 KiB updates (the archive
 * reader's block), through every back-end this CPU has, RUNS times each,
 * interleaved so that a noisy neighbour hits all alike. The reference is
 * the portable slicing-by-8 back-end. Prints one line per back-end:
 * "NAME BEST_SECONDS BYTES CRC" (bench/b2_crc32.sh formats the table); all
 * CRCs must agree.
 *
 * usage: b2_crc32 [MiB [RUNS]]    (default 1024 MiB, 3 runs)
 */
#include "crc32.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define STEP 65536

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static const struct { int id; const char *name; } be[] = {
		{ CRC32_PCLMUL, "pclmul" }, { CRC32_ARMV8, "armv8-crc" },
		{ CRC32_PORTABLE, "portable-slicing-by-8" },
	};
	enum { NB = sizeof be / sizeof *be };
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 1024;
	int runs = argc > 2 ? atoi(argv[2]) : 3;
	size_t n = mib << 20;
	unsigned char *buf = malloc(n);
	double best[NB];
	uint32_t crc[NB];
	uint64_t s = 88172645463325252ull;

	if (buf == NULL || runs < 1) {
		fprintf(stderr, "b2_crc32: cannot allocate %zu MiB\n", mib);
		return 1;
	}
	for (size_t i = 0; i < n; i += 8) {
		s ^= s << 13; s ^= s >> 7; s ^= s << 17;
		for (int k = 0; k < 8; k++)
			buf[i + k] = (unsigned char)(s >> (8 * k));
	}
	for (int b = 0; b < NB; b++)
		best[b] = -1;
	for (int r = 0; r < runs; r++) {
		for (int b = 0; b < NB; b++) {
			uint32_t c = 0;
			double t;
			if (crc32_use(be[b].id) < 0)
				continue;
			t = now();
			for (size_t off = 0; off < n; off += STEP)
				c = crc32_update(c, buf + off, n - off < STEP ? n - off : STEP);
			t = now() - t;
			if (best[b] < 0 || t < best[b])
				best[b] = t;
			crc[b] = c;
		}
	}
	for (int b = 0; b < NB; b++)
		if (best[b] >= 0)
			printf("%s %.6f %zu %08x\n", be[b].name, best[b], n, crc[b]);
	free(buf);
	return 0;
}
