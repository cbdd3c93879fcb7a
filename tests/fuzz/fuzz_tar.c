/*
 * fuzz_tar: tar headers, the gzip layout and the CRC-32 back-ends.
 *
 * The input is split into an entry (numbers from the first 32 bytes, then
 * a path and a link target) whose headers must satisfy: whole blocks
 * within TAR_HEADER_MAX; valid checksums; pax records whose lengths count
 * themselves; without a pax path, prefix '/' name (or name) is the path.
 * The same bytes go through every CRC-32 back-end (they must agree, also
 * split), and the gzip layout is walked at offsets derived from them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "gzip.h"
#include "tar.h"

static unsigned char hdr[TAR_HEADER_MAX];

static uint64_t
get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static unsigned
octal(const unsigned char *f, size_t w)
{
	unsigned long long v = 0;
	for (size_t i = 0; i < w && f[i] >= '0' && f[i] <= '7'; i++)
		v = v * 8 + (unsigned)(f[i] - '0');
	return (unsigned)v;
}

static void
check_block(const unsigned char *h)
{
	unsigned sum = 0;
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	if (sum != octal(h + 148, 6) || memcmp(h + 257, "ustar\0" "00", 8) != 0)
		abort();
}

static void
check_crc(const uint8_t *d, size_t n)
{
	uint32_t ref, c;
	size_t cut = n ? d[0] % (n + 1) : 0;

	crc32_use(CRC32_PORTABLE);
	ref = crc32_update(0, d, n);
	for (int b = CRC32_PORTABLE; b <= CRC32_ARMV8; b++) {
		if (crc32_use(b) < 0)
			continue;
		c = crc32_update(crc32_update(0, d, cut), d + cut, n - cut);
		if (c != ref || crc32_update(0, d, n) != ref)
			abort();
	}
	if (crc32_combine(crc32_update(0, d, cut), crc32_update(0, d + cut, n - cut),
	    n - cut) != ref)
		abort();
	crc32_use(CRC32_AUTO);
}

static void
check_gzip(uint64_t n, uint64_t off)
{
	uint64_t total = gzip_stored_size(n);
	gzip_span s, t;

	off %= total;
	gzip_stored_locate(n, off, &s);
	if (s.len == 0 || off + s.len > total)
		abort();
	if (off + s.len < total) {
		/* the next span starts where this one ends, and is another kind
		 * or another block */
		gzip_stored_locate(n, off + s.len, &t);
		if (t.kind == s.kind && s.kind != GZIP_SPAN_FRAMING)
			abort();
	}
	if (s.kind == GZIP_SPAN_DATA && s.in_off + s.len > n)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[TAR_PATH_MAX + 1], link[TAR_PATH_MAX + 1];
	tar_entry e;
	size_t plen, llen, hs;

	check_crc(data, size);
	if (size < 32)
		return 0;
	/* sizes below 2^62: the layout's arithmetic is for real archive sizes */
	check_gzip(get64(data) >> (2 + data[31] % 62), get64(data + 8));

	memset(&e, 0, sizeof e);
	e.type = data[0] % 3 == 0 ? TAR_REG : data[0] % 3 == 1 ? TAR_DIR : TAR_SYMLINK;
	e.mode = (unsigned)(data[1] << 8 | data[2]) & 07777;
	e.uid = get64(data + 3) >> (data[28] & 63);
	e.gid = get64(data + 11) >> (data[29] & 63);
	e.size = e.type == TAR_REG ? get64(data + 19) >> (data[30] & 63) : 0;
	e.mtime = (int64_t)(get64(data + 20) >> (data[27] & 63)) * (data[26] & 1 ? -1 : 1);
	data += 32;
	size -= 32;
	/* path: up to the first 0xff byte; link: the rest */
	plen = 0;
	while (plen < size && data[plen] != 0xff)
		plen++;
	llen = size > plen ? size - plen - 1 : 0;
	if (plen == 0 || plen > TAR_PATH_MAX - 1 || llen > TAR_PATH_MAX)
		return 0;
	for (size_t i = 0; i < plen; i++)
		path[i] = data[i] ? (char)data[i] : 'a';
	for (size_t i = 0; i < llen; i++)
		link[i] = data[plen + 1 + i] ? (char)data[plen + 1 + i] : 'b';
	if (e.type == TAR_DIR)
		path[plen++] = '/';
	e.path = path;
	e.path_len = plen;
	e.link = link;
	e.link_len = e.type == TAR_SYMLINK ? llen : 0;

	hs = tar_header_size(&e);
	if (hs % TAR_BLOCK != 0 || hs > TAR_HEADER_MAX)
		abort();
	tar_header(&e, hdr);
	check_block(hdr + hs - TAR_BLOCK);
	if (hs > TAR_BLOCK) {
		/* pax: 'x' header, records that count themselves */
		size_t n = octal(hdr + 124, 11), pos = 0;
		int has_path = 0;
		check_block(hdr);
		if (hdr[156] != 'x' || n == 0 || TAR_BLOCK + n > hs)
			abort();
		while (pos < n) {
			const unsigned char *r = hdr + TAR_BLOCK + pos;
			size_t len = 0, i = 0;
			while (r[i] >= '0' && r[i] <= '9')
				len = len * 10 + (size_t)(r[i++] - '0');
			if (i == 0 || r[i] != ' ' || pos + len > n || r[len - 1] != '\n')
				abort();
			if (len > i + 6 && memcmp(r + i + 1, "path=", 5) == 0) {
				if (len - i - 7 != plen || memcmp(r + i + 6, path, plen) != 0)
					abort();
				has_path = 1;
			}
			pos += len;
		}
		if (has_path)
			return 0;
	}
	{
		/* ustar alone holds the path */
		const unsigned char *h = hdr + hs - TAR_BLOCK;
		char full[260];
		size_t pl = strnlen((const char *)h + 345, 155);
		size_t nl = strnlen((const char *)h, 100);
		if (pl > 0) {
			memcpy(full, h + 345, pl);
			full[pl] = '/';
			memcpy(full + pl + 1, h, nl);
			nl += pl + 1;
		} else {
			memcpy(full, h, nl);
		}
		if (nl != plen || memcmp(full, path, plen) != 0)
			abort();
	}
	return 0;
}
