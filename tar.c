/*
 * tar.c: ustar and pax headers. See tar.h.
 */
#include "tar.h"

#include <string.h>

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

/* The decimal digits of v at out (20 at most); returns their count. */
static size_t
put_dec(char *out, uint64_t v)
{
	size_t n = 1;

	for (uint64_t t = v; t >= 10; t /= 10)
		n++;
	for (size_t i = n; i-- > 0; v /= 10)
		out[i] = (char)('0' + v % 10);
	return n;
}

/* One pax record "LEN KEY=VALUE\n", where LEN counts the whole record,
 * its own digits included. Writes it at out + at (if out is not NULL);
 * returns LEN. */
static size_t
pax_record(unsigned char *out, size_t at, const char *key, const char *val,
    size_t vlen)
{
	size_t klen = strlen(key), body = 1 + klen + 1 + vlen + 1, d = 1;

	/* the total includes its own d digits: the fewest d with
	 * body + d < 10^d */
	for (size_t p = 10; body + d >= p; p *= 10)
		d++;
	if (out != NULL) {
		out += at;
		out += put_dec((char *)out, body + d);
		*out++ = ' ';
		memcpy(out, key, klen);
		out += klen;
		*out++ = '=';
		memcpy(out, val, vlen);
		out += vlen;
		*out = '\n';
	}
	return body + d;
}

/* The pax records for e (written when out is not NULL); returns their
 * length, 0 when ustar holds everything. */
static size_t
pax_data(const tar_entry *e, unsigned char *out)
{
	static const char keys[6][9] = {
		"path", "linkpath", "size", "mtime", "uid", "gid"
	};
	/* the numbers in record order; a negative mtime is over OCT11_MAX
	 * as unsigned */
	const uint64_t num[4] = { e->size, (uint64_t)e->mtime, e->uid, e->gid };
	size_t n = 0;

	for (int i = 0; i < 6; i++) {
		char dec[21];
		const char *val = dec;
		size_t len = 0;

		if (i == 0) {
			if (split_path(e->path, e->path_len) >= 0)
				continue;
			val = e->path;
			len = e->path_len;
		} else if (i == 1) {
			if (e->type != TAR_SYMLINK || e->link_len <= 100)
				continue;
			val = e->link;
			len = e->link_len;
		} else {
			uint64_t v = num[i - 2];
			if (v <= (i < 4 ? OCT11_MAX : OCT7_MAX))
				continue;
			if (i == 3 && e->mtime < 0) {
				dec[len++] = '-';
				v = -v;
			}
			len += put_dec(dec + len, v);
		}
		n += pax_record(out, n, keys[i], val, len);
	}
	return n;
}

size_t
tar_header_size(const tar_entry *e)
{
	size_t pax = pax_data(e, NULL);

	return TAR_BLOCK + (pax != 0 ? TAR_BLOCK + (size_t)tar_padded(pax) : 0);
}

/*
 * The rest of a header whose names are written: mode, uid, gid, size,
 * mtime from v (a value over its field is written as 0: pax carries it),
 * typeflag, magic, version, devmajor/devminor 0, then the checksum.
 */
static void
finish(unsigned char *h, const uint64_t v[5], int typeflag)
{
	unsigned char *f = h + H_MODE;
	unsigned sum = 0;

	for (int i = 0; i < 5; i++) {
		size_t w = i < 3 ? 8 : 12;

		put_octal(f, w, v[i] < 1ull << 3 * (w - 1) ? v[i] : 0);
		f += w;
	}
	h[H_TYPEFLAG] = (unsigned char)typeflag;
	memcpy(h + H_MAGIC, "ustar\0" "00", 8);
	memcpy(h + H_DEVMAJOR, "0000000\0" "0000000", 16);
	/* the checksum field counts as eight spaces */
	memset(h + H_CHKSUM, ' ', 8);
	for (int i = 0; i < TAR_BLOCK; i++)
		sum += h[i];
	/* six octal digits, NUL, and the last space stays (as every tar
	 * writes it) */
	put_octal(h + H_CHKSUM, 7, sum);
}

void
tar_header(const tar_entry *e, unsigned char *out)
{
	size_t pax = pax_data(e, NULL), padded = (size_t)tar_padded(pax);
	long split;

	memset(out, 0, TAR_BLOCK + (pax != 0 ? TAR_BLOCK + padded : 0));
	if (pax != 0) {
		/* the 'x' header, named after the entry's basename */
		const uint64_t v[5] = { 0644, 0, 0, pax, 0 };
		const char *base = e->path, *end = e->path + e->path_len;

		if (end > base && end[-1] == '/')
			end--;
		for (const char *p = base; p < end; p++)
			if (*p == '/')
				base = p + 1;
		memcpy(out, "PaxHeaders/", 11);
		memcpy(out + 11, base, utf8_cut(base, (size_t)(end - base), 100 - 11));
		finish(out, v, 'x');
		out += TAR_BLOCK;
		pax_data(e, out);
		out += padded;
	}

	split = split_path(e->path, e->path_len);
	if (split > 0) {
		memcpy(out + H_PREFIX, e->path, (size_t)split);
		memcpy(out + H_NAME, e->path + split + 1, e->path_len - (size_t)split - 1);
	} else {
		/* whole path, or a stand-in cut for a path carried by pax */
		memcpy(out + H_NAME, e->path, utf8_cut(e->path, e->path_len, 100));
	}
	if (e->type == TAR_SYMLINK)
		memcpy(out + H_LINKNAME, e->link, utf8_cut(e->link, e->link_len, 100));
	{
		const uint64_t v[5] = { e->mode & 07777, e->uid, e->gid, e->size,
		    (uint64_t)e->mtime };
		finish(out, v, e->type);
	}
}
