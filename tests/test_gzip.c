/*
 * test_gzip: the stored-deflate member, checked by python3's zlib (which
 * inflates it and checks CRC and ISIZE) and gzip -t, for the input sizes
 * around the 65,535-byte block limit; the layout from gzip_stored_locate
 * against the one-shot encoding.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32.h"
#include "gzip.h"
#include "unit.h"

#define MAXN 200000

static unsigned char in[MAXN];
static unsigned char out[MAXN + 100];

/* python3 inflates `path` and compares with the input file; 0 if equal */
static int
python_inflates(const char *gz, const char *raw)
{
	char cmd[512];

	snprintf(cmd, sizeof cmd, "python3 -c 'import sys,zlib\n"
	    "g=open(sys.argv[1],\"rb\").read(); r=open(sys.argv[2],\"rb\").read()\n"
	    "d=zlib.decompressobj(31); u=d.decompress(g)\n"
	    "sys.exit(0 if u==r and d.eof and d.unused_data==b\"\" else 1)' %s %s",
	    gz, raw);
	return system(cmd);
}

static int
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok = f != NULL && fwrite(p, 1, n, f) == n;
	if (f != NULL && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

int
main(void)
{
	static const size_t sizes[] = { 0, 1, 100, 65534, 65535, 65536, 65537,
	    131070, 131071, MAXN };
	char dir[] = "/tmp/test_gzip.XXXXXX", gz[64], raw[64], cmd[160];
	uint32_t s = 99;

	/* the oracle (a fresh Debian 12 may lack it); run from the repo root */
	int oracle = system("sh scripts/need.sh python3:python3 gzip:gzip >&2") == 0;

	if (!oracle)
		t_skip("python3 zlib and gzip -t: scripts/need.sh could not "
		    "install them (the layout checks still run)");
	if (mkdtemp(dir) == NULL) {
		t_ok(0, "cannot make a temporary directory");
		return t_done();
	}
	snprintf(gz, sizeof gz, "%s/x.gz", dir);
	snprintf(raw, sizeof raw, "%s/x", dir);
	for (size_t i = 0; i < MAXN; i++) {
		s = s * 1664525 + 1013904223;
		in[i] = (unsigned char)(s >> 24);
	}

	for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
		size_t n = sizes[k], total = (size_t)gzip_stored_size(n);
		size_t blocks = n == 0 ? 1 : (n + 65534) / 65535;

		t_ok(total == 10 + n + 5 * blocks + 8,
		    "n=%zu: size is 10 + n + 5 per block + 8", n);
		memset(out, 0xaa, sizeof out);
		gzip_stored_encode(in, n, out);
		write_file(gz, out, total);
		write_file(raw, in, n);
		if (oracle) {
			t_ok(python_inflates(gz, raw) == 0, "n=%zu: python3 zlib "
			    "inflates it to the input (CRC, ISIZE checked)", n);
			snprintf(cmd, sizeof cmd, "gzip -t %s", gz);
			t_ok(system(cmd) == 0, "n=%zu: gzip -t accepts it", n);
		}
		t_ok(memcmp(out, "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10) == 0,
		    "n=%zu: header: MTIME 0, no name, XFL 0, OS 255", n);
		/* the last block header: BFINAL set, LEN = the rest */
		{
			size_t last = 10 + (blocks - 1) * 65540;
			size_t llen = n - (blocks - 1) * 65535;
			t_ok(out[last] == 1 && out[last + 1] == (llen & 0xff) &&
			    out[last + 2] == (llen >> 8) && out[last + 3] == (~llen & 0xff),
			    "n=%zu: final stored block of %zu bytes with BFINAL", n, llen);
			if (blocks > 1)
				t_ok(out[10] == 0 && out[11] == 0xff && out[12] == 0xff &&
				    out[13] == 0 && out[14] == 0,
				    "n=%zu: first block not final, LEN 65535", n);
		}
		/* every byte's span agrees with the encoding */
		{
			size_t off = 0, bad = SIZE_MAX;
			while (off < total) {
				gzip_span sp;
				gzip_stored_locate(n, off, &sp);
				if (sp.len == 0 || off + sp.len > total) {
					bad = off;
					break;
				}
				if (sp.kind == GZIP_SPAN_DATA &&
				    memcmp(out + off, in + sp.in_off, (size_t)sp.len) != 0) {
					bad = off;
					break;
				}
				if (sp.kind == GZIP_SPAN_FRAMING &&
				    memcmp(out + off, sp.bytes + sp.skip, (size_t)sp.len) != 0) {
					bad = off;
					break;
				}
				if (sp.kind == GZIP_SPAN_TRAILER && off + sp.len != total) {
					bad = off;
					break;
				}
				/* a span seen from its middle is the same span */
				if (sp.len > 2) {
					gzip_span mid;
					gzip_stored_locate(n, off + 1, &mid);
					if (mid.kind != sp.kind || mid.len != sp.len - 1) {
						bad = off + 1;
						break;
					}
				}
				off += sp.len;
			}
			t_ok(bad == SIZE_MAX, "n=%zu: gzip_stored_locate spans tile the "
			    "member and match it (first bad offset %zu)", n, bad);
		}
	}
	{
		unsigned char t[8];
		gzip_trailer(0x12345678, 0x100000005ull, t);
		t_ok(memcmp(t, "\x78\x56\x34\x12\x05\x00\x00\x00", 8) == 0,
		    "trailer: CRC-32 and ISIZE = n mod 2^32, little-endian");
	}
	t_ok(gzip_stored_size(9663678976ull) ==
	    10 + 9663678976ull + 5 * ((9663678976ull + 65534) / 65535) + 8,
	    "size formula holds past 4 GiB");
	unlink(gz);
	unlink(raw);
	rmdir(dir);
	return t_done();
}
