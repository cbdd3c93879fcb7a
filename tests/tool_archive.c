/*
 * tool_archive: the archive unit from the shell, for tests/t_archive.sh.
 *
 *   tool_archive [options] DIR        the .tar.gz on stdout
 *     --size                          print archive_size()
 *     --tar-size                      print archive_tar_size()
 *     --range OFF LEN                 only bytes [OFF, OFF+LEN)
 *     --chunk N                       read in ranges of N bytes (default 65536)
 *     --reverse FILE                  read the chunks last to first (the
 *                                     trailer first) and pwrite them to FILE
 *     --sde N                         opts.source_date_epoch = N
 *     --after-open CMD                run CMD (sh -c) between plan and read
 *     --list                          print "TYPE MODE SIZE MTIME PATH" lines
 *     --file PATH                     the content of entry PATH (relative, as
 *                                     listed) via archive_file_read
 * Warnings go to stderr as "warning: ..."; an error prints its message and
 * exits with its status.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive.h"

static void
warn_cb(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "warning: %s\n", msg);
}

static void
die(const s3p_err *e)
{
	fprintf(stderr, "tool_archive: %s\n", e->msg);
	exit(e->status ? e->status : 99);
}

static void
put(const void *p, size_t n)
{
	if (fwrite(p, 1, n, stdout) != n) {
		perror("tool_archive: stdout");
		exit(99);
	}
}

int
main(int argc, char **argv)
{
	archive_opts o = { .source_date_epoch = -1, .warn = warn_cb };
	const char *after = NULL, *rev = NULL, *dir = NULL;
	int want_size = 0, want_tar = 0, list = 0;
	const char *file = NULL;
	uint64_t off = 0, len = UINT64_MAX, chunk = 65536;
	static unsigned char buf[1 << 20];
	archive *a;
	s3p_err err = { 0, "" };

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--size") == 0)
			want_size = 1;
		else if (strcmp(argv[i], "--tar-size") == 0)
			want_tar = 1;
		else if (strcmp(argv[i], "--list") == 0)
			list = 1;
		else if (strcmp(argv[i], "--range") == 0 && i + 2 < argc) {
			off = strtoull(argv[++i], NULL, 0);
			len = strtoull(argv[++i], NULL, 0);
		} else if (strcmp(argv[i], "--chunk") == 0 && i + 1 < argc) {
			chunk = strtoull(argv[++i], NULL, 0);
			if (chunk == 0 || chunk > sizeof buf)
				chunk = sizeof buf;
		} else if (strcmp(argv[i], "--reverse") == 0 && i + 1 < argc)
			rev = argv[++i];
		else if (strcmp(argv[i], "--sde") == 0 && i + 1 < argc)
			o.source_date_epoch = strtoll(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--after-open") == 0 && i + 1 < argc)
			after = argv[++i];
		else if (strcmp(argv[i], "--file") == 0 && i + 1 < argc)
			file = argv[++i];
		else if (dir == NULL && argv[i][0] != '-')
			dir = argv[i];
		else {
			fprintf(stderr, "tool_archive: bad argument '%s'\n", argv[i]);
			return 99;
		}
	}
	if (dir == NULL) {
		fprintf(stderr, "usage: tool_archive [options] DIR\n");
		return 99;
	}
	if (archive_open(&a, dir, &o, &err) < 0)
		die(&err);
	if (want_size || want_tar) {
		printf("%" PRIu64 "\n", want_size ? archive_size(a) : archive_tar_size(a));
		archive_close(a);
		return 0;
	}
	if (after != NULL && system(after) != 0) {
		fprintf(stderr, "tool_archive: '%s' failed\n", after);
		return 99;
	}
	if (list) {
		for (size_t i = 0; i < archive_count(a); i++) {
			archive_entry e;
			archive_entry_get(a, i, &e);
			printf("%c %04o %" PRIu64 " %" PRId64 " %s%s%s\n",
			    e.type == ARCHIVE_DIR ? 'd' : e.type == ARCHIVE_FILE ? 'f' : 'l',
			    e.mode, e.size, e.mtime, e.path, *e.link ? " -> " : "", e.link);
		}
		archive_close(a);
		return 0;
	}
	if (file != NULL) {
		archive_entry e;
		size_t idx = 0;
		for (; idx < archive_count(a); idx++) {
			archive_entry_get(a, idx, &e);
			if (strcmp(e.path, file) == 0)
				break;
		}
		if (idx == archive_count(a)) {
			fprintf(stderr, "tool_archive: no entry '%s'\n", file);
			return 99;
		}
		archive_file f;
		archive_file_init(&f);
		for (uint64_t p = 0; p < e.size; ) {
			size_t n = e.size - p < chunk ? (size_t)(e.size - p) : (size_t)chunk;
			if (archive_file_read(a, &f, idx, p, buf, n, &err) < 0)
				die(&err);
			put(buf, n);
			p += n;
		}
		archive_file_close(&f);
		archive_close(a);
		return 0;
	}
	if (len == UINT64_MAX)
		len = archive_size(a) - off;
	if (rev != NULL) {
		int fd = open(rev, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		uint64_t nchunks = (len + chunk - 1) / chunk;
		if (fd < 0) {
			perror(rev);
			return 99;
		}
		for (uint64_t k = nchunks; k-- > 0; ) {
			uint64_t p = k * chunk;
			size_t n = len - p < chunk ? (size_t)(len - p) : (size_t)chunk;
			if (archive_read(a, 0, off + p, buf, n, &err) < 0)
				die(&err);
			if (pwrite(fd, buf, n, (off_t)p) != (ssize_t)n) {
				perror(rev);
				return 99;
			}
		}
		close(fd);
	} else {
		for (uint64_t p = 0; p < len; ) {
			size_t n = len - p < chunk ? (size_t)(len - p) : (size_t)chunk;
			if (archive_read(a, 0, off + p, buf, n, &err) < 0)
				die(&err);
			put(buf, n);
			p += n;
		}
	}
	if (fflush(stdout) != 0) {
		perror("tool_archive: stdout");
		return 99;
	}
	archive_close(a);
	return 0;
}
