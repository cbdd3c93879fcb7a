/*
 * tool_untar: drives untar.h (and gunzip.h) for script tests.
 *
 *   tool_untar [-z] [-f] [-s SEED] DIR < ARCHIVE
 *       extracts a tar (-z: .tar.gz) from stdin into DIR, fed in random
 *       chunk sizes from SEED; -f overwrites existing files. Exit status
 *       is the error's exit class (err.h), the message on stderr.
 *   tool_untar -l [-z] < ARCHIVE
 *       lists the entries: "TYPE MODE MTIME SIZE PATH -> LINK" per line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gunzip.h"
#include "untar.h"

static untar_ctx t;
static untar_x x;
static gunzip_ctx g;
static s3p_err err;
static uint64_t rng;

static size_t
chunk(size_t max)
{
	if (rng == 0)
		return max;
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return 1 + (size_t)(rng % (rng & 1 ? 7 : max));
}

static int
list_entry(void *ctx, const untar_entry *e, s3p_err *er)
{
	(void)ctx;
	(void)er;
	printf("%d %o %lld %llu %s -> %s\n", e->type, e->mode, (long long)e->mtime,
	    (unsigned long long)e->size, e->path, e->linkpath);
	return 0;
}

static int
to_tar(void *ctx, const unsigned char *buf, size_t len)
{
	(void)ctx;
	return untar_feed(&t, buf, len, &err) < 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	int opt, gz = 0, force = 0, list = 0, rc;
	static unsigned char buf[65536];
	untar_sink sink;
	size_t n;

	while ((opt = getopt(argc, argv, "zfls:")) != -1) {
		if (opt == 'z') gz = 1;
		else if (opt == 'f') force = 1;
		else if (opt == 'l') list = 1;
		else if (opt == 's') rng = strtoull(optarg, NULL, 10);
		else return 1;
	}
	if (list) {
		memset(&sink, 0, sizeof sink);
		sink.entry = list_entry;
	} else {
		if (optind + 1 != argc)
			return 1;
		if (untar_x_open(&x, argv[optind], force, &err) < 0)
			goto fail;
		untar_x_sink(&x, &sink);
	}
	untar_init(&t, &sink);
	gunzip_init(&g, to_tar, NULL);
	while ((n = fread(buf, 1, chunk(sizeof buf), stdin)) > 0) {
		if (gz) {
			rc = gunzip_feed(&g, buf, n);
			if (rc < 0) {
				if (err.status == 0)
					err_set(&err, 6, "gzip: %s", gunzip_strerror(rc));
				goto fail;
			}
		} else if (untar_feed(&t, buf, n, &err) < 0) {
			goto fail;
		}
	}
	if (gz && (rc = gunzip_finish(&g)) < 0) {
		err_set(&err, 6, "gzip: %s", gunzip_strerror(rc));
		goto fail;
	}
	if (untar_finish(&t, &err) < 0)
		goto fail;
	if (!list && untar_x_commit(&x, &err) < 0)
		goto fail;
	return 0;
fail:
	if (!list)
		untar_x_abort(&x);
	fprintf(stderr, "tool_untar: %s\n", err.msg);
	return err.status ? err.status : 1;
}
