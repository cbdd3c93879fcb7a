/*
 * tool_gunzip: drives gunzip.h / inflate.h for script tests and benches.
 *
 *   tool_gunzip [-r] [-s SEED] < IN > OUT
 *       decompresses stdin (gzip; -r raw deflate) to stdout, fed in random
 *       chunk sizes from SEED (0: 64 KiB chunks). Exit 0, or 1 with the
 *       error code and text on stderr.
 *   tool_gunzip -b [-s SEED] < RECORDS
 *       batch: each record is a 4-byte little-endian length, a kind byte
 *       (0 gzip, 1 raw deflate) and the data; prints per record
 *       "OK LEN SHA256HEX" or "ERR CODE".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gunzip.h"
#include "inflate.h"
#include "sha256.h"

static gunzip_ctx g;
static inflate_ctx z;
static uint64_t rng = 1;

static size_t
chunk(size_t left)
{
	size_t n;

	if (rng == 0)
		return left < 65536 ? left : 65536;
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	switch (rng % 4) {
	case 0: n = 1 + rng % 3; break;
	case 1: n = 1 + (rng >> 8) % 64; break;
	case 2: n = 1 + (rng >> 8) % 4096; break;
	default: n = 1 + (rng >> 8) % 100000; break;
	}
	return n < left ? n : left;
}

typedef struct {
	sha256_ctx h;
	uint64_t n;
	int to_stdout;
} sink;

static int
out(void *ctx, const unsigned char *buf, size_t len)
{
	sink *s = ctx;

	s->n += len;
	if (s->to_stdout)
		return fwrite(buf, 1, len, stdout) == len ? 0 : -1;
	sha256_update(&s->h, buf, len);
	return 0;
}

/* decompresses in[0..len): 0 or an error code */
static int
run(const unsigned char *in, size_t len, int raw, sink *s)
{
	size_t off = 0;
	int rc;

	if (raw)
		inflate_init(&z, out, s);
	else
		gunzip_init(&g, out, s);
	while (off < len) {
		size_t n = chunk(len - off);
		if (raw) {
			long used = inflate_feed(&z, in + off, n);
			if (used < 0)
				return (int)used;
			if ((size_t)used < n || (inflate_done(&z) && off + n < len))
				return -100;        /* bytes after the stream */
		} else if ((rc = gunzip_feed(&g, in + off, n)) < 0) {
			return rc;
		}
		off += n;
	}
	return raw ? inflate_finish(&z) : gunzip_finish(&g);
}


int
main(int argc, char **argv)
{
	int batch = 0, raw = 0, opt, rc;
	static sink s;

	while ((opt = getopt(argc, argv, "brs:")) != -1) {
		if (opt == 'b') batch = 1;
		else if (opt == 'r') raw = 1;
		else if (opt == 's') rng = strtoull(optarg, NULL, 10);
		else return 2;
	}
	if (!batch) {
		/* streaming: stdin to stdout, never the whole input in memory */
		static unsigned char buf[1 << 16];
		size_t n;
		s.to_stdout = 1;
		if (raw)
			inflate_init(&z, out, &s);
		else
			gunzip_init(&g, out, &s);
		while ((n = fread(buf, 1, rng ? chunk(sizeof buf) : sizeof buf, stdin)) > 0) {
			if (raw) {
				long used = inflate_feed(&z, buf, n);
				rc = used < 0 ? (int)used : 0;
			} else {
				rc = gunzip_feed(&g, buf, n);
			}
			if (rc < 0)
				goto bad;
		}
		rc = raw ? inflate_finish(&z) : gunzip_finish(&g);
		if (rc < 0)
			goto bad;
		return fflush(stdout) == 0 ? 0 : 1;
bad:
		fprintf(stderr, "tool_gunzip: error %d: %s\n", rc, gunzip_strerror(rc));
		return 1;
	}
	for (;;) {
		unsigned char hdr[5], d[SHA256_SIZE];
		char hex[65];
		size_t len;
		unsigned char *in;
		if (fread(hdr, 1, 5, stdin) != 5)
			break;
		len = (size_t)hdr[0] | (size_t)hdr[1] << 8 | (size_t)hdr[2] << 16 |
		    (size_t)hdr[3] << 24;
		in = malloc(len ? len : 1);
		if (in == NULL || fread(in, 1, len, stdin) != len)
			return 2;
		memset(&s, 0, sizeof s);
		sha256_init(&s.h);
		rc = run(in, len, hdr[4] == 1, &s);
		free(in);
		if (rc < 0) {
			printf("ERR %d\n", rc);
		} else {
			sha256_final(&s.h, d);
			sha256_hex(d, hex);
			printf("OK %llu %s\n", (unsigned long long)s.n, hex);
		}
	}
	return 0;
}
