/*
 * test_tar: ustar and pax headers, read back by python3's tarfile (the
 * oracle) and checked field by field: the prefix/name split at 99, 100,
 * 101, 155, 156, 255, 256 and 300+ byte paths, long link targets, sizes
 * of 8 GiB and more, mtimes out of ustar's range, ids over 2097151, pax
 * record lengths where their digit count rolls over, header checksums.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tar.h"
#include "unit.h"

static unsigned char hdr[TAR_HEADER_MAX + 2048];
static char tmpdir[] = "/tmp/test_tar.XXXXXX";

/* The first member of headers+end blocks as python3's tarfile sees it:
 * "hex(name)|hex(linkname)|size|mtime|uid|gid|mode|type|paxkeys". */
static int
py_view(const tar_entry *e, char *out, size_t outsz)
{
	char path[64], cmd[1024];
	size_t n = tar_header_size(e);
	FILE *f, *p;
	int ok;

	tar_header(e, hdr);
	memset(hdr + n, 0, TAR_END_SIZE);
	snprintf(path, sizeof path, "%s/h.tar", tmpdir);
	f = fopen(path, "wb");
	if (f == NULL)
		return -1;
	/* data is not written: "r|" reads the header only */
	ok = fwrite(hdr, 1, n + TAR_END_SIZE, f) == n + TAR_END_SIZE;
	fclose(f);
	if (!ok)
		return -1;
	snprintf(cmd, sizeof cmd, "python3 -c 'import sys,tarfile,os\n"
	    "t=tarfile.open(sys.argv[1],\"r|\",errors=\"surrogateescape\")\n"
	    "m=t.next()\n"
	    "print(\"%%s|%%s|%%d|%%d|%%d|%%d|%%o|%%s|%%s\" %% (os.fsencode(m.name).hex(),"
	    " os.fsencode(m.linkname).hex(), m.size, m.mtime, m.uid, m.gid, m.mode,"
	    " m.type.decode(), \",\".join(sorted(m.pax_headers))))' %s", path);
	if ((p = popen(cmd, "r")) == NULL)
		return -1;
	if (fgets(out, (int)outsz, p) == NULL)
		out[0] = 0;
	out[strcspn(out, "\n")] = 0;
	return pclose(p) == 0 ? 0 : -1;
}

static void
hex(const char *s, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", (unsigned char)s[i]);
	out[2 * n] = 0;
}

/* python strips a directory's trailing '/' from the name */
static void
expect(const char *what, const tar_entry *e, const char *paxkeys)
{
	static char want[20000], got[20000], hn[9000], hl[9000];
	size_t nlen = e->path_len;

	if (e->type == TAR_DIR && nlen > 0 && e->path[nlen - 1] == '/')
		nlen--;
	hex(e->path, nlen, hn);
	hex(e->type == TAR_SYMLINK ? e->link : "", e->type == TAR_SYMLINK ?
	    e->link_len : 0, hl);
	snprintf(want, sizeof want, "%s|%s|%llu|%lld|%llu|%llu|%o|%c|%s", hn, hl,
	    (unsigned long long)e->size, (long long)e->mtime,
	    (unsigned long long)e->uid, (unsigned long long)e->gid, e->mode,
	    e->type, paxkeys);
	if (py_view(e, got, sizeof got) < 0)
		t_ok(0, "%s: python3 tarfile could not read it (%s)", what, got);
	else if (strcmp(got, want) != 0)
		t_ok(0, "%s: got %.300s want %.300s", what, got, want);
	else
		t_ok(1, "%s: python3 tarfile reads every field back", what);
}

static tar_entry
file_entry(const char *path)
{
	tar_entry e;
	memset(&e, 0, sizeof e);
	e.path = path;
	e.path_len = strlen(path);
	e.link = "";
	e.type = TAR_REG;
	e.mode = 0644;
	e.uid = 1000;
	e.gid = 100;
	e.size = 5;
	e.mtime = 1600000000;
	return e;
}

static char *
repeat(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = 0;
	return buf;
}

/* Records of the pax data: each one's length field counts it exactly. */
static int
pax_records_ok(const unsigned char *p, size_t len)
{
	size_t pos = 0;
	while (pos < len) {
		size_t n = 0, i = pos;
		while (i < len && p[i] >= '0' && p[i] <= '9')
			n = n * 10 + (p[i++] - '0');
		if (i == pos || i >= len || p[i] != ' ' || n == 0 ||
		    pos + n > len || p[pos + n - 1] != '\n')
			return 0;
		pos += n;
	}
	return 1;
}

static unsigned
octal(const unsigned char *f, size_t w)
{
	unsigned v = 0;
	for (size_t i = 0; i < w && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (f[i] - '0');
	return v;
}

int
main(void)
{
	static char p[5000], q[5000], l[5000];
	tar_entry e;

	/* the oracle (a fresh Debian 12 may lack it); run from the repo root */
	if (system("sh scripts/need.sh python3:python3 >&2") != 0) {
		/* every check below reads the header back with python */
		t_skip("ustar headers against python3's tarfile: "
		    "scripts/need.sh could not install python3");
		return t_done();
	}
	if (mkdtemp(tmpdir) == NULL) {
		t_ok(0, "cannot make a temporary directory");
		return t_done();
	}

	/* paths of one component, and the ustar name field's edges */
	{
		static const size_t lens[] = { 1, 99, 100, 101, 155, 156, 255 };
		for (size_t k = 0; k < sizeof lens / sizeof *lens; k++) {
			size_t L = lens[k];
			e = file_entry(repeat(p, 'n', L));
			t_ok(tar_header_size(&e) == (L <= 100 ? 512u : 1536u),
			    "%zu-byte name: %s", L, L <= 100 ? "ustar only" : "pax path");
			{
				char what[64];
				snprintf(what, sizeof what, "%zu-byte name", L);
				expect(what, &e, L <= 100 ? "" : "path");
			}
		}
	}
	/* whole paths: prefix 155 + '/' + name 100 = 256 fits, 257 does not */
	repeat(p, 'p', 155);
	p[155] = '/';
	repeat(p + 156, 'n', 100);
	e = file_entry(p);
	t_ok(tar_header_size(&e) == 512, "256-byte path: prefix 155 + name 100, no pax");
	tar_header(&e, hdr);
	t_ok(memcmp(hdr + 345, p, 155) == 0 && memcmp(hdr, p + 156, 100) == 0,
	    "256-byte path: prefix and name fields hold the two parts");
	expect("256-byte path split", &e, "");
	memmove(p + 1, p, strlen(p) + 1);
	p[0] = 'p';
	e = file_entry(p);
	expect("257-byte path (prefix would be 156)", &e, "path");
	/* a split that leaves the shortest prefix: "a/" + 150 + "/" + 99 */
	memcpy(q, "a/", 2);
	repeat(q + 2, 'b', 150);
	q[152] = '/';
	repeat(q + 153, 'c', 99);
	e = file_entry(q);
	tar_header(&e, hdr);
	t_ok(tar_header_size(&e) == 512 && memcmp(hdr + 345, q, 152) == 0 &&
	    hdr[345 + 152] == 0, "252-byte path: prefix is the shortest that fits");
	expect("252-byte two-slash path", &e, "");
	/* 300+ bytes: UTF-8, spaces, newline, backslash, deep */
	{
		size_t n = 0;
		for (int i = 0; i < 40; i++)
			n += (size_t)sprintf(q + n, "d\xc3\xa9 %02d\\\n/", i);
		strcpy(q + n, "leaf");
		e = file_entry(q);
		expect("300+ byte path with UTF-8, space, backslash, newline", &e, "path");
	}
	/* the longest accepted path and link target */
	repeat(p, 'x', TAR_PATH_MAX);
	for (int i = 100; i < TAR_PATH_MAX; i += 100)
		p[i] = '/';
	e = file_entry(p);
	e.type = TAR_SYMLINK;
	e.size = 0;
	e.link = repeat(l, 'y', TAR_PATH_MAX);
	e.link_len = TAR_PATH_MAX;
	t_ok(tar_header_size(&e) <= TAR_HEADER_MAX, "longest path and target fit TAR_HEADER_MAX");
	expect("4095-byte path and link target", &e, "linkpath,path");

	/* directories keep their '/' */
	e = file_entry("some/dir/");
	e.type = TAR_DIR;
	e.size = 0;
	e.mode = 01777;
	tar_header(&e, hdr);
	t_ok(hdr[156] == '5' && memcmp(hdr, "some/dir/", 10) == 0,
	    "directory: typeflag 5, name with its trailing '/'");
	expect("directory", &e, "");
	repeat(p, 'D', 100);
	p[100] = '/';
	p[101] = 0;
	e.path = p;
	e.path_len = 101;
	expect("directory whose path with '/' is 101 bytes", &e, "path");

	/* symlinks of 100 and 101 bytes */
	e = file_entry("link");
	e.type = TAR_SYMLINK;
	e.size = 0;
	e.mode = 0777;
	e.link = repeat(l, 't', 100);
	e.link_len = 100;
	expect("100-byte link target: ustar linkname", &e, "");
	e.link = repeat(l, 't', 101);
	e.link_len = 101;
	expect("101-byte link target: pax linkpath", &e, "linkpath");

	/* numbers */
	e = file_entry("big");
	e.size = 077777777777ull;
	expect("size 8 GiB - 1: ustar", &e, "");
	e.size = 077777777777ull + 1;
	expect("size 8 GiB: pax size", &e, "size");
	e.size = 5;
	e.mtime = -315619200;
	expect("mtime before 1970: pax mtime", &e, "mtime");
	e.mtime = 077777777777ll;
	expect("mtime 8^11-1: ustar", &e, "");
	e.mtime = 077777777777ll + 1;
	expect("mtime past 8^11-1 (year 2242): pax mtime", &e, "mtime");
	e.mtime = 0;
	e.uid = 2097151;
	e.gid = 2097152;
	expect("uid 2097151 ustar, gid 2097152 pax", &e, "gid");
	e.uid = 4294967294u;
	e.mode = 07755;
	expect("uid 2^32-2: pax uid; mode 7755", &e, "gid,uid");

	/* pax record lengths where the digit count rolls over (100, 1000) */
	{
		int bad = 0;
		for (size_t L = 85; L <= 1000 && !bad; L++) {
			if (L > 100 && L < 985)
				continue;
			e = file_entry(repeat(p, 'r', L));
			tar_header(&e, hdr);
			if (L > 100 && !pax_records_ok(hdr + 512, octal(hdr + 124, 11)))
				bad = (int)L;
		}
		t_ok(bad == 0, "pax record lengths count themselves (first bad %d)", bad);
		/* "NNN path=V\n" of 1000 bytes: V is 990 bytes */
		e = file_entry(repeat(p, 'r', 990));
		expect("pax record near 1000 bytes", &e, "path");
	}

	/* checksums and the pax header's own name (UTF-8 cut) */
	{
		size_t n = 0;
		for (int i = 0; i < 120; i++)
			n += (size_t)sprintf(q + n, "\xc3\xa9");  /* 240 bytes of é */
		e = file_entry(q);
		tar_header(&e, hdr);
		t_ok(memcmp(hdr, "PaxHeaders/", 11) == 0 && strlen((char *)hdr) == 11 + 88 &&
		    hdr[156] == 'x', "pax header named PaxHeaders/<basename>, cut at a "
		    "UTF-8 boundary (99 bytes, not 100)");
		{
			int badsum = 0;
			for (int b = 0; b < 3; b += 2) {
				const unsigned char *h = hdr + b * 512;
				unsigned sum = 0;
				for (int i = 0; i < 512; i++)
					sum += (i >= 148 && i < 156) ? ' ' : h[i];
				if (sum != octal(h + 148, 6) || h[154] != 0 || h[155] != ' ')
					badsum = 1;
			}
			t_ok(!badsum, "checksums of the pax and ustar headers (6 digits, NUL, space)");
		}
		t_ok(memcmp(hdr + 512 + 512 + 257, "ustar\0" "00", 8) == 0 &&
		    hdr[1024 + 265] == 0 && hdr[1024 + 297] == 0,
		    "magic ustar\\0 version 00, uname and gname empty");
	}
	t_ok(tar_padded(0) == 0 && tar_padded(1) == 512 && tar_padded(512) == 512 &&
	    tar_padded(513) == 1024, "data padded to whole blocks");
	{
		char path[64];
		snprintf(path, sizeof path, "%s/h.tar", tmpdir);
		unlink(path);
		rmdir(tmpdir);
	}
	return t_done();
}
