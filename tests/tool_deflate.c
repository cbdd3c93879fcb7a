/*
 * tool_deflate: drives deflate.h for script tests and benches.
 *
 *   tool_deflate [-l LEVEL] [-b BLOCK] [-g] [-n] < IN > OUT
 *       cuts stdin into blocks of BLOCK bytes (default and at most
 *       DEFLATE_BLOCK), compresses each with deflate_block() at LEVEL
 *       (default 6), `final` on the last one only, and writes their
 *       concatenation: a raw deflate stream (RFC 1951), or with -g one gzip
 *       member around it (RFC 1952: header, stream, CRC-32, ISIZE). -n
 *       writes nothing (benches: the compressor's time alone). Exits 1 with
 *       a message when a block's output is larger than its stored form
 *       (deflate.h's bound).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32.h"
#include "deflate.h"

static int
write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Fills buf with up to n bytes of stdin; returns how many (short: EOF). */
static size_t
read_full(unsigned char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(0, buf + got, n - got);
		if (r < 0) {
			perror("tool_deflate: read");
			exit(1);
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return got;
}

int
main(int argc, char **argv)
{
	size_t block = DEFLATE_BLOCK, n, next_n, z;
	int level = 6, gz = 0, quiet = 0, opt;
	uint32_t crc = 0, isize = 0;
	deflate_ctx *c = malloc(sizeof *c);
	unsigned char *in = malloc(2 * (size_t)DEFLATE_BLOCK), *ahead;
	unsigned char *out = malloc(DEFLATE_BOUND(DEFLATE_BLOCK));

	while ((opt = getopt(argc, argv, "l:b:gn")) != -1) {
		switch (opt) {
		case 'l': level = atoi(optarg); break;
		case 'b': block = (size_t)strtoul(optarg, NULL, 10); break;
		case 'g': gz = 1; break;
		case 'n': quiet = 1; break;
		default:
			fprintf(stderr, "usage: tool_deflate [-l LEVEL] "
			    "[-b BLOCK] [-g] [-n]\n");
			return 2;
		}
	}
	if (c == NULL || in == NULL || out == NULL || block == 0 ||
	    block > DEFLATE_BLOCK) {
		fprintf(stderr, "tool_deflate: bad -b or out of memory\n");
		return 2;
	}
	if (gz && !quiet) {
		/* ID1 ID2 CM=8 FLG=0 MTIME=0 XFL=0 OS=255 (RFC 1952 2.3) */
		static const unsigned char hdr[10] = { 0x1f, 0x8b, 8, 0, 0, 0,
		    0, 0, 0, 255 };
		if (write_all(1, hdr, sizeof hdr) != 0)
			goto wfail;
	}
	/* one block read ahead: `final` needs to know a block is the last */
	ahead = in + DEFLATE_BLOCK;
	n = read_full(in, block);
	do {
		next_n = n == block ? read_full(ahead, block) : 0;
		deflate_init(c, level);
		z = deflate_block(c, in, n, next_n == 0, out);
		/* deflate.h's exact worst case: the stored form */
		if (z > (n == 0 ? 2 : n + 5 * ((n + 65534) / 65535))) {
			fprintf(stderr, "tool_deflate: %zu bytes for %zu input: "
			    "larger than stored\n", z, n);
			return 1;
		}
		if (gz)
			crc = crc32_update(crc, in, n);
		isize += (uint32_t)n;
		if (!quiet && write_all(1, out, z) != 0)
			goto wfail;
		memcpy(in, ahead, next_n);
		n = next_n;
	} while (n > 0);
	if (gz && !quiet) {
		unsigned char t[8];
		for (int i = 0; i < 4; i++) {
			t[i] = (unsigned char)(crc >> 8 * i);
			t[4 + i] = (unsigned char)(isize >> 8 * i);
		}
		if (write_all(1, t, 8) != 0)
			goto wfail;
	}
	free(c);
	free(in);
	free(out);
	return 0;
wfail:
	perror("tool_deflate: write");
	return 1;
}
