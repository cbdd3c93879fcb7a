/*
 * fuzz_untar: the tar reader and the safe extractor on any bytes. The
 * first byte picks the mode and a chunk size: parse only (a sink that
 * checks what the reader promises: a NUL-terminated path that is never
 * empty, a file's data adding up to its size), or extraction into a fresh
 * temporary directory, committed, then checked: no symbolic link in it
 * points to an absolute path or climbs out, and nothing was written next
 * to it; then removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "untar.h"

static untar_ctx t;
static untar_x x;
static uint64_t want, got;
static int in_file;
static char base[64], dir[128];

static int
p_entry(void *ctx, const untar_entry *e, s3p_err *err)
{
	(void)ctx;
	(void)err;
	if (e->path[0] == '\0' || strlen(e->path) > UNTAR_PATH_MAX ||
	    strlen(e->linkpath) > UNTAR_PATH_MAX || in_file)
		abort();
	want = e->size;
	got = 0;
	in_file = 1;
	return 0;
}

static int
p_data(void *ctx, const unsigned char *buf, size_t len, s3p_err *err)
{
	(void)ctx;
	(void)buf;
	(void)err;
	got += len;
	if (!in_file || got > want)
		abort();
	return 0;
}

static int
p_end(void *ctx, s3p_err *err)
{
	(void)ctx;
	(void)err;
	if (!in_file || got != want)
		abort();
	in_file = 0;
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* every symlink under the directory stays inside it (lexically) */
static int
check_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	char target[UNTAR_PATH_MAX + 1];
	const char *why;
	ssize_t n;

	(void)f;
	if (flag != FTW_SL)
		return 0;
	if (S_ISLNK(st->st_mode) && (n = readlink(path, target, sizeof target - 1)) > 0) {
		target[n] = '\0';
		if (untar_safe_symlink(path + strlen(dir) + 1, target, &why) < 0)
			abort();
	}
	return 0;
}

static void
drop_base(void)
{
	rmdir(base);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	untar_sink sink;
	s3p_err err;
	size_t step, off = 0;
	int extract;

	if (size < 1)
		return 0;
	extract = data[0] & 1;
	step = 1 + (data[0] >> 1) * 4;
	data++;
	size--;
	if (base[0] == '\0') {
		snprintf(base, sizeof base, "/tmp/fuzz_untar.XXXXXX");
		if (mkdtemp(base) == NULL)
			abort();
		atexit(drop_base);
	}
	in_file = 0;
	if (extract) {
		snprintf(dir, sizeof dir, "%s/d", base);
		if (untar_x_open(&x, dir, 0, &err) < 0)
			abort();
		untar_x_sink(&x, &sink);
	} else {
		sink.entry = p_entry;
		sink.data = p_data;
		sink.end = p_end;
		sink.ctx = NULL;
	}
	untar_init(&t, &sink);
	while (off < size) {
		size_t k = size - off < step ? size - off : step;
		if (untar_feed(&t, data + off, k, &err) < 0)
			break;
		off += k;
	}
	if (extract) {
		if (off == size && untar_finish(&t, &err) == 0)
			untar_x_commit(&x, &err);
		else
			untar_x_abort(&x);
		nftw(dir, check_one, 16, FTW_PHYS);
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
		/* nothing next to DIR: its parent is empty again */
		if (rmdir(base) < 0 || mkdir(base, 0700) < 0)
			abort();
	}
	return 0;
}
