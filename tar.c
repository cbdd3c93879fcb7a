/*
 * tar.c: ustar and pax headers. See tar.h.
 */
#include "tar.h"

#include <stdio.h>
#include <string.h>

#include "fmt.h"

/* Largest values of the ustar numeric fields (octal digits, NUL ended). */
#define OCT7_MAX 07777777ull              /* mode, uid, gid: 7 digits */
#define OCT11_MAX 077777777777ull         /* size, mtime: 11 digits */

/* Offsets of the ustar header fields (POSIX pax, "ustar Header Block"). */
enum {
	H_NAME = 0, H_MODE = 100, H_UID = 108, H_GID = 116, H_SIZE = 124,
	H_MTIME = 136, H_CHKSUM = 148, H_TYPEFLAG = 156, H_LINKNAME = 157,
	H_MAGIC = 257, H_VERSION = 263, H_UNAME = 265, H_GNAME = 297,
	H_DEVMAJOR = 329, H_DEVMINOR = 337, H_PREFIX = 345
};

uint64_t
tar_padded(uint64_t size)
{
	return (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
}

/* Length of s[0..len) cut to at most max bytes without splitting a UTF-8
 * sequence (a cut never lands before a continuation byte 10xxxxxx). */
static size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/*
 * Where the path splits into prefix (path[0..i)) and name (path(i..len)):
 * the shortest prefix ending at a '/' that leaves a non-empty name of at
 * most 100 bytes. Returns 0 when the whole path fits the name field, i
 * when split at i, -1 when no split fits.
 */
static long
split_path(const char *p, size_t len)
{
	size_t i;

	if (len <= 100)
		return 0;
	for (i = len - 101; i <= 155 && i + 1 < len; i++)
		if (p[i] == '/')
			return i == 0 ? -1 : (long)i;
	return -1;
}

static void
put_octal(unsigned char *f, size_t width, uint64_t v)
{
	/* width-1 digits, zero padded, then NUL */
	f[width - 1] = 0;
	for (size_t i = width - 1; i-- > 0; v >>= 3)
		f[i] = (unsigned char)('0' + (v & 7));
}

static int
mtime_fits(int64_t t)
{
	return t >= 0 && (uint64_t)t <= OCT11_MAX;
}

/* One pax record "LEN KEY=VALUE\n", where LEN counts the whole record,
 * its own digits included. Writes it at out (if not NULL); returns LEN. */
static size_t
pax_record(unsigned char *out, const char *key, const char *val, size_t vlen)
{
	size_t klen = strlen(key), body = 1 + klen + 1 + vlen + 1, n, d;
	char num[24];

	/* the number of digits of the total, which includes those digits */
	n = body + 1;
	for (;;) {
		d = (size_t)fmt_snprintf(num, sizeof num, "%zu", n);
		if (d + body == n)
			break;
		n = d + body;
	}
	if (out != NULL) {
		memcpy(out, num, d);
		out += d;
		*out++ = ' ';
		memcpy(out, key, klen);
		out += klen;
		*out++ = '=';
		memcpy(out, val, vlen);
		out += vlen;
		*out = '\n';
	}
	return n;
}

/* The pax records for e (written when out is not NULL); returns their
 * length, 0 when ustar holds everything. */
static size_t
pax_data(const tar_entry *e, unsigned char *out)
{
	size_t n = 0;
	char num[24];
	int len;

#define ADD(key, val, vlen) \
	(n += pax_record(out != NULL ? out + n : NULL, key, val, vlen))
	if (split_path(e->path, e->path_len) < 0)
		ADD("path", e->path, e->path_len);
	if (e->type == TAR_SYMLINK && e->link_len > 100)
		ADD("linkpath", e->link, e->link_len);
	if (e->size > OCT11_MAX) {
		len = fmt_snprintf(num, sizeof num, "%llu", (unsigned long long)e->size);
		ADD("size", num, (size_t)len);
	}
	if (!mtime_fits(e->mtime)) {
		len = fmt_snprintf(num, sizeof num, "%lld", (long long)e->mtime);
		ADD("mtime", num, (size_t)len);
	}
	if (e->uid > OCT7_MAX) {
		len = fmt_snprintf(num, sizeof num, "%llu", (unsigned long long)e->uid);
		ADD("uid", num, (size_t)len);
	}
	if (e->gid > OCT7_MAX) {
		len = fmt_snprintf(num, sizeof num, "%llu", (unsigned long long)e->gid);
		ADD("gid", num, (size_t)len);
	}
#undef ADD
	return n;
}

size_t
tar_header_size(const tar_entry *e)
{
	size_t pax = pax_data(e, NULL);

	return TAR_BLOCK + (pax != 0 ? TAR_BLOCK + (size_t)tar_padded(pax) : 0);
}

static void
checksum(unsigned char *h)
{
	unsigned sum = 0;

	/* the checksum field counts as eight spaces */
	memset(h + H_CHKSUM, ' ', 8);
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += h[i];
	/* six octal digits, NUL, space (as every tar writes it) */
	put_octal(h + H_CHKSUM, 7, sum);
	h[H_CHKSUM + 7] = ' ';
}

static void
ustar_common(unsigned char *h, int typeflag)
{
	h[H_TYPEFLAG] = (unsigned char)typeflag;
	memcpy(h + H_MAGIC, "ustar", 6);        /* "ustar\0" */
	memcpy(h + H_VERSION, "00", 2);
	put_octal(h + H_DEVMAJOR, 8, 0);
	put_octal(h + H_DEVMINOR, 8, 0);
}

void
tar_header(const tar_entry *e, unsigned char *out)
{
	size_t pax = pax_data(e, NULL), n;
	unsigned char *h;
	long split;

	if (pax != 0) {
		/* the 'x' header, named after the entry's basename */
		const char *base = e->path, *end = e->path + e->path_len;
		size_t blen;

		if (end > base && end[-1] == '/')
			end--;
		for (const char *p = base; p < end; p++)
			if (*p == '/')
				base = p + 1;
		blen = (size_t)(end - base);
		memset(out, 0, TAR_BLOCK);
		memcpy(out, "PaxHeaders/", 11);
		n = utf8_cut(base, blen, 100 - 11);
		memcpy(out + 11, base, n);
		put_octal(out + H_MODE, 8, 0644);
		put_octal(out + H_UID, 8, 0);
		put_octal(out + H_GID, 8, 0);
		put_octal(out + H_SIZE, 12, pax);
		put_octal(out + H_MTIME, 12, 0);
		ustar_common(out, 'x');
		checksum(out);
		out += TAR_BLOCK;
		memset(out, 0, (size_t)tar_padded(pax));
		pax_data(e, out);
		out += tar_padded(pax);
	}

	h = out;
	memset(h, 0, TAR_BLOCK);
	split = split_path(e->path, e->path_len);
	if (split > 0) {
		memcpy(h + H_PREFIX, e->path, (size_t)split);
		memcpy(h + H_NAME, e->path + split + 1, e->path_len - (size_t)split - 1);
	} else {
		/* whole path, or a stand-in cut for a path carried by pax */
		memcpy(h + H_NAME, e->path, utf8_cut(e->path, e->path_len, 100));
	}
	put_octal(h + H_MODE, 8, e->mode & 07777);
	put_octal(h + H_UID, 8, e->uid <= OCT7_MAX ? e->uid : 0);
	put_octal(h + H_GID, 8, e->gid <= OCT7_MAX ? e->gid : 0);
	put_octal(h + H_SIZE, 12, e->size <= OCT11_MAX ? e->size : 0);
	put_octal(h + H_MTIME, 12, mtime_fits(e->mtime) ? (uint64_t)e->mtime : 0);
	if (e->type == TAR_SYMLINK)
		memcpy(h + H_LINKNAME, e->link, utf8_cut(e->link, e->link_len, 100));
	ustar_common(h, e->type);
	checksum(h);
}
