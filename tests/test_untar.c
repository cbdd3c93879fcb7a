/*
 * test_untar: the tar reader on archives built here header by header (the
 * ustar layout of POSIX pax, GNU's base-256 numbers and ././@LongLink),
 * fed whole and one byte at a time; the path and symbolic link checks of
 * the extractor (untar_safe_path, untar_safe_symlink) case by case.
 * tests/t_untar.sh compares extraction with GNU tar, bsdtar and python.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "untar.h"
#include "unit.h"

static unsigned char arc[1 << 16];
static size_t alen;

/* one header: name, typeflag, size (octal, or base-256 when big256) */
static void
hdr(const char *name, char type, unsigned long size, int big256, const char *link,
    const char *prefix)
{
	unsigned char *h = arc + alen;
	unsigned sum = 0;

	memset(h, 0, 512);
	memcpy(h, name, strlen(name) < 100 ? strlen(name) : 100);
	memcpy(h + 100, "0000644", 7);
	memcpy(h + 108, "0000000", 7);
	memcpy(h + 116, "0000000", 7);
	if (big256) {
		h[124] = 0x80;
		for (int i = 0; i < 8; i++)
			h[135 - i] = (unsigned char)(size >> (8 * i));
	} else {
		snprintf((char *)h + 124, 12, "%011lo", size);
	}
	memcpy(h + 136, "14000000000", 11);
	h[156] = (unsigned char)type;
	if (link)
		memcpy(h + 157, link, strlen(link));
	memcpy(h + 257, "ustar\0" "00", 8);
	if (prefix)
		memcpy(h + 345, prefix, strlen(prefix));
	memset(h + 148, ' ', 8);
	for (int i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	alen += 512;
}

static void
body(const void *d, size_t n)
{
	memcpy(arc + alen, d, n);
	alen += (n + 511) / 512 * 512;
}

static char seen[8192];
static size_t nbytes;

static int
on_entry(void *ctx, const untar_entry *e, s3p_err *err)
{
	char line[5000];
	(void)ctx;
	(void)err;
	snprintf(line, sizeof line, "%d:%s>%s:%llu:%lld;", e->type, e->path, e->linkpath,
	    (unsigned long long)e->size, (long long)e->mtime);
	strncat(seen, line, sizeof seen - strlen(seen) - 1);
	return 0;
}

static int
on_data(void *ctx, const unsigned char *b, size_t n, s3p_err *err)
{
	(void)ctx;
	(void)b;
	(void)err;
	nbytes += n;
	return 0;
}

/* parses arc, whole (step 0) or by `step` bytes: the untar_finish result */
static int
parse(size_t step, s3p_err *err)
{
	static untar_ctx t;
	untar_sink s = { on_entry, on_data, NULL, NULL };
	size_t off = 0;

	seen[0] = '\0';
	nbytes = 0;
	untar_init(&t, &s);
	while (off < alen) {
		size_t n = step == 0 || alen - off < step ? alen - off : step;
		if (untar_feed(&t, arc + off, n, err) < 0)
			return -1;
		off += n;
	}
	return untar_finish(&t, err);
}

static void
both(const char *name, const char *want, size_t want_bytes)
{
	s3p_err err;
	char a[8192];
	int r1 = parse(0, &err);
	strcpy(a, seen);
	int r2 = parse(1, &err);
	t_ok(r1 == 0 && r2 == 0 && strcmp(a, want) == 0 && strcmp(seen, want) == 0 &&
	    nbytes == want_bytes, "%s: got \"%s\" (%d %d, %zu bytes)", name, a, r1, r2, nbytes);
}

int
main(void)
{
	s3p_err err;
	char out[256];
	const char *why;
	char longname[300];

	/* ustar with a prefix, a symlink, a directory, the end marker, then
	 * garbage that is ignored */
	alen = 0;
	hdr("file.txt", '0', 5, 0, NULL, "some/dir");
	body("hello", 5);
	hdr("lnk", '2', 0, 0, "file.txt", NULL);
	hdr("d/", '5', 0, 0, NULL, NULL);
	memset(arc + alen, 0, 1024);
	alen += 1024;
	memcpy(arc + alen, "garbage after the end", 21);
	alen += 512;
	both("ustar: prefix/name, symlink, directory, end marker",
	    "1:some/dir/file.txt>:5:1610612736;3:lnk>file.txt:0:1610612736;2:d/>:0:1610612736;", 5);

	/* GNU long name and long link, base-256 size */
	alen = 0;
	memset(longname, 'n', 250);
	longname[250] = '\0';
	hdr("././@LongLink", 'L', 251, 0, NULL, NULL);
	body(longname, 251);
	hdr("truncated", '0', 600, 1, NULL, NULL);
	{
		static unsigned char big[600];
		memset(big, 'x', sizeof big);
		body(big, sizeof big);
	}
	hdr("././@LongLink", 'K', 251, 0, NULL, NULL);
	body(longname, 251);
	hdr("sl", '2', 0, 0, "short", NULL);
	{
		char want[1200];
		snprintf(want, sizeof want, "1:%s>:600:1610612736;3:sl>%s:0:1610612736;",
		    longname, longname);
		both("GNU 'L' and 'K', base-256 size", want, 600);
	}

	/* pax: path, linkpath, size, mtime with a fraction; unknown records */
	alen = 0;
	{
		const char *rec = "30 mtime=1234567890.123456789\n"
		    "13 size=1000\n" "22 path=pax/long/name\n" "19 comment=ignored\n";
		hdr("PaxHeaders/x", 'x', strlen(rec), 0, NULL, NULL);
		body(rec, strlen(rec));
		hdr("short", '0', 0, 0, NULL, NULL);
		{
			static unsigned char k[1000];
			body(k, sizeof k);
		}
		hdr("after", '0', 0, 0, NULL, NULL);
		both("pax: path, size, mtime override the header; the next entry is itself again",
		    "1:pax/long/name>:1000:1234567890;1:after>:0:1610612736;", 1000);
	}

	/* errors */
	alen = 0;
	hdr("f", '0', 10, 0, NULL, NULL);
	arc[0] ^= 1;
	t_ok(parse(0, &err) < 0 && err.status == S3P_EINTEGRITY &&
	    strstr(err.msg, "checksum") != NULL, "bad header checksum: %s", err.msg);
	alen = 0;
	hdr("f", '0', 10, 0, NULL, NULL);
	body("0123", 4);
	alen -= 400;
	t_ok(parse(0, &err) < 0 && err.status == S3P_EINTEGRITY &&
	    strstr(err.msg, "cut short") != NULL, "cut inside a member: %s", err.msg);
	alen = 0;
	hdr("PaxHeaders/x", 'x', 8, 0, NULL, NULL);
	body("99 path=", 8);
	hdr("f", '0', 0, 0, NULL, NULL);
	t_ok(parse(0, &err) < 0 && strstr(err.msg, "pax") != NULL,
	    "a pax record longer than its header: %s", err.msg);
	alen = 0;
	hdr("././@LongLink", 'L', 5000, 0, NULL, NULL);
	t_ok(parse(0, &err) < 0 && strstr(err.msg, "4096") != NULL,
	    "a GNU long name over 4096 bytes: %s", err.msg);
	alen = 0;
	t_ok(parse(0, &err) == 0, "an empty input is an empty archive");

	/* the extractor's path rules */
	t_ok(untar_safe_path("./a//b/./c/", out, sizeof out, &why) == 0 &&
	    strcmp(out, "a/b/c") == 0, "'./a//b/./c/' is 'a/b/c'");
	t_ok(untar_safe_path("./", out, sizeof out, &why) == 0 && out[0] == '\0',
	    "'./' is the root");
	t_ok(untar_safe_path("/etc/passwd", out, sizeof out, &why) < 0 &&
	    strcmp(why, "absolute path") == 0, "absolute path refused");
	t_ok(untar_safe_path("a/../b", out, sizeof out, &why) < 0, "'a/../b' refused");
	t_ok(untar_safe_path("..", out, sizeof out, &why) < 0, "'..' refused");
	t_ok(untar_safe_path("a/..b/c..", out, sizeof out, &why) == 0,
	    "'..b' and 'c..' are names");
	t_ok(untar_safe_symlink("a/b/l", "../../x", &why) == 0, "two levels up from depth 2: inside");
	t_ok(untar_safe_symlink("a/b/l", "../../../x", &why) < 0, "three levels up from depth 2: out");
	t_ok(untar_safe_symlink("l", "x/../y", &why) < 0, "'..' after a name refused");
	t_ok(untar_safe_symlink("l", "/x", &why) < 0, "absolute target refused");
	t_ok(untar_safe_symlink("l", "", &why) < 0, "empty target refused");
	t_ok(untar_safe_symlink("a/l", "./.././x", &why) == 0, "'.' components ignored");
	return t_done();
}
