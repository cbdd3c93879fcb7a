/*
 * untar.c: streaming tar reader and safe extractor. See untar.h.
 *
 * Formats (POSIX.1-2008 pax and ustar, GNU tar's manual "Basic Tar
 * Format"): a member is a 512-byte header, then its data padded to 512.
 * Header fields used: name 0 (100), mode 100 (8), size 124 (12), mtime 136
 * (12), chksum 148 (8), typeflag 156, linkname 157 (100), magic 257 (6),
 * version 263 (2), prefix 345 (155; POSIX ustar only, old GNU keeps other
 * things there).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"

#include "untar.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1      /* (linux/fs.h; musl 1.2.3 has no name) */
#endif

enum { S_HDR, S_DATA, S_END, S_FAIL };
enum { M_SINK, M_LONGNAME, M_LONGLINK, M_PAX, M_SKIP };
enum { PX_LEN, PX_KEY, PX_VAL, PX_IGNORE };
enum { PV_NONE, PV_PATH, PV_LINK, PV_SIZE, PV_MTIME };

/* ---------------------------------------------------------------- */
/* The reader */

void
untar_init(untar_ctx *t, const untar_sink *sink)
{
	memset(t, 0, sizeof *t);       /* state S_HDR */
	t->sink = *sink;
}

unsigned long
untar_entries(const untar_ctx *t)
{
	return t->entries;
}

static int
bad(untar_ctx *t, s3p_err *err, const char *what)
{
	t->state = S_FAIL;
	return err_set(err, S3P_EINTEGRITY, "tar: %s (after %lu entries)", what,
	    t->entries);
}

/* What a sink callback returned: below 0 stops the reader for good. */
static int
sink_rc(untar_ctx *t, int rc)
{
	if (rc >= 0)
		return 0;
	t->state = S_FAIL;
	return -1;
}

static int
sink_end(untar_ctx *t, s3p_err *err)
{
	return t->sink.end ? sink_rc(t, t->sink.end(t->sink.ctx, err)) : 0;
}

/* Sets *why (what is wrong) and returns -1. */
static int
set_why(const char **why, const char *what)
{
	*why = what;
	return -1;
}

/* The string after the i-th NUL of a list of strings. */
static const char *
nth(const char *s, int i)
{
	while (i-- > 0)
		while (*s++ != '\0')
			;
	return s;
}

/*
 * A numeric field: octal digits with leading spaces and a space or NUL
 * after them, or GNU base-256 (first byte 0x80, or 0xff for negative).
 * 0 with *v and *neg, or -1 when malformed or over 63 bits.
 */
static int
parse_num(const unsigned char *p, size_t n, uint64_t *v, int *neg)
{
	size_t i = 0;
	uint64_t x = 0;

	*neg = 0;
	if (p[0] & 0x80) {
		/* two's complement: a negative number's bytes inverted, plus 1 */
		unsigned m = p[0] & 0x40 ? 0xff : 0;
		x = (p[0] ^ m) & 0x3f;
		for (i = 1; i < n; i++) {
			if (x >> 55)
				return -1;
			x = x << 8 | (p[i] ^ m);
		}
		*neg = m & 1;
		*v = x + (m & 1);
		return 0;
	}
	while (i < n && p[i] == ' ')
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (x >> 60)
			return -1;
		x = x << 3 | (uint64_t)(p[i] - '0');
	}
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != '\0')
			return -1;
	*v = x;
	return 0;
}

/* A field of up to n bytes, NUL-terminated or not, copied to out; returns
 * the end of the copy (header fields always fit the path buffers). */
static char *
field(char *out, const unsigned char *p, size_t n)
{
	while (n-- > 0 && *p != '\0')
		*out++ = (char)*p++;
	*out = '\0';
	return out;
}

static int
all_zero(const unsigned char *b)
{
	for (int i = 0; i < 512; i++)
		if (b[i])
			return 0;
	return 1;
}

/* Decimal (pax size, mtime: "-12.5" keeps -12). */
static int
parse_dec(const char *s, int allow_frac, int64_t *out)
{
	int neg = 0;
	uint64_t x = 0;

	if (allow_frac && *s == '-') {
		neg = 1;
		s++;
	}
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (x > (uint64_t)INT64_MAX / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	if (allow_frac && *s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++)
			;
	if (*s != '\0' || x > (uint64_t)INT64_MAX)
		return -1;
	*out = neg ? -(int64_t)x : (int64_t)x;
	return 0;
}

/*
 * The reader's steps below return what is wrong with the archive (for
 * bad(), called once by untar_feed), or NULL.
 */

/* A complete pax record's value: into the overrides for the next entry. */
static const char *
pax_apply(untar_ctx *t)
{
	int w = t->px_which;
	int64_t v;

	t->tmp[t->px_vallen] = '\0';
	if (w == PV_PATH || w == PV_LINK) {
		memcpy(w == PV_PATH ? t->path : t->link, t->tmp, t->px_vallen + 1);
		*(w == PV_PATH ? &t->has_path : &t->has_link) = 1;
	} else if (w != PV_NONE) {
		if (parse_dec(t->tmp, w == PV_MTIME, &v) < 0)
			return w == PV_MTIME ? "bad pax mtime" : "bad pax size";
		if (w == PV_MTIME) {
			t->pax_mtime = v;
			t->has_mtime = 1;
		} else {
			t->pax_size = (uint64_t)v;
			t->has_size = 1;
		}
	}
	return NULL;
}

/* pax extended header data ("LEN KEY=VALUE\n" records), a byte at a time. */
static const char *
pax_byte(untar_ctx *t, unsigned char c)
{
	switch (t->px_state) {
	case PX_LEN:
		if (c == '\0' && t->px_used == 0) {
			t->px_state = PX_IGNORE;        /* NUL padding */
			return NULL;
		}
		t->px_used++;
		if (c >= '0' && c <= '9') {
			t->px_len = t->px_len * 10 + (c - '0');
			return t->px_len > (1u << 24) ? "pax record too long" : NULL;
		}
		if (c != ' ' || t->px_len == 0)
			return "bad pax record length";
		t->px_keylen = 0;
		t->px_state = PX_KEY;
		return NULL;
	case PX_KEY:
		t->px_used++;
		if (t->px_used >= t->px_len)
			return "pax record without '='";
		if (c != '=') {
			if (t->px_keylen < sizeof t->px_key - 1)
				t->px_key[t->px_keylen] = (char)c;
			t->px_keylen++;
			return NULL;
		}
		t->px_which = PV_NONE;
		if (t->px_keylen >= 10 && memcmp(t->px_key, "GNU.sparse", 10) == 0)
			t->sparse = 1;
		if (!t->px_global && t->px_keylen < sizeof t->px_key) {
			t->px_key[t->px_keylen] = '\0';
			for (int w = PV_PATH; w <= PV_MTIME; w++)
				if (strcmp(t->px_key, nth("path\0linkpath\0size\0mtime",
				    w - PV_PATH)) == 0)
					t->px_which = w;
		}
		t->px_vallen = 0;
		t->px_state = PX_VAL;
		return NULL;
	case PX_VAL:
		t->px_used++;
		if (t->px_used == t->px_len) {
			t->px_len = t->px_used = 0;
			t->px_state = PX_LEN;
			return c != '\n' ? "pax record does not end in a newline" :
			    pax_apply(t);
		}
		if (t->px_which != PV_NONE) {
			if (t->px_vallen >= UNTAR_PATH_MAX)
				return "pax value over 4096 bytes";
			t->tmp[t->px_vallen++] = (char)c;
		}
		return NULL;
	default:
		return NULL;
	}
}

static int
entry_type(char tf)
{
	switch (tf) {
	case '1': return UNTAR_HARDLINK;
	case '2': return UNTAR_SYMLINK;
	case '3': case '4': case '6': return UNTAR_DEVICE;
	case '5': case 'D': return UNTAR_DIR;
	case 'S': case 'M': case 'N': return UNTAR_UNSUPPORTED;
	default: return UNTAR_FILE;     /* '0', '\0', '7' and unknown (POSIX) */
	}
}

/* A header block: 0, or -1 with *why set (NULL: a sink callback failed). */
static int
header(untar_ctx *t, s3p_err *err, const char **why)
{
	/* the numeric fields, in the order they are checked */
	static const unsigned char num_off[4] = { 148, 124, 136, 100 };
	const unsigned char *b = t->block;
	uint64_t v[4], usum = 0;        /* checksum, size, mtime, mode */
	int64_t ssum = 0;
	int neg[4];
	char tf = (char)b[156];
	int kind;

	if (all_zero(b)) {
		t->state = S_END;
		return 0;
	}
	for (int i = 0; i < 512; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : b[i];
		usum += c;
		ssum += (signed char)c;
	}
	for (int i = 0; i < 4; i++)
		if (parse_num(b + num_off[i], i == 1 || i == 2 ? 12 : 8, &v[i],
		    &neg[i]) < 0 || (i == 0 && v[0] != usum &&
		    (int64_t)v[0] != ssum) || (i == 1 && neg[1]))
			return set_why(why, nth("bad header checksum\0bad size field\0"
			    "bad mtime field\0bad mode field", i));

	t->left = v[1];
	if (tf == 'L' || tf == 'K') {
		if (v[1] > UNTAR_PATH_MAX)
			return set_why(why, "GNU long name over 4096 bytes");
		kind = tf == 'L' ? M_LONGNAME : M_LONGLINK;
		t->longlen = 0;
	} else if (tf == 'x' || tf == 'g') {
		kind = M_PAX;
		t->px_global = tf == 'g';
		t->px_state = PX_LEN;
		t->px_len = t->px_used = 0;
	} else if (tf == 'V') {
		kind = M_SKIP;                  /* volume label */
	} else {
		untar_entry e;
		if (!t->has_path) {
			char *p = t->path;
			if (memcmp(b + 257, "ustar\0", 6) == 0 && b[345] != '\0') {
				p = field(p, b + 345, 155);
				*p++ = '/';
			}
			field(p, b, 100);
		}
		if (!t->has_link)
			field(t->link, b + 157, 100);
		if (t->has_size)
			v[1] = t->left = t->pax_size;
		e.typeflag = tf;
		e.type = t->sparse ? UNTAR_UNSUPPORTED : entry_type(tf);
		e.path = t->path;
		e.linkpath = t->link;
		e.mode = (unsigned)(v[3] & 07777);
		e.mtime = t->has_mtime ? t->pax_mtime :
		    neg[2] ? -(int64_t)v[2] : (int64_t)v[2];
		e.size = e.type == UNTAR_FILE ? v[1] : 0;
		t->has_path = t->has_link = t->has_size = t->has_mtime = 0;
		t->sparse = 0;
		t->entries++;
		if (t->path[0] == '\0')
			return set_why(why, "an entry with an empty name");
		if (t->sink.entry && sink_rc(t, t->sink.entry(t->sink.ctx, &e, err)) < 0)
			return -1;
		kind = e.type == UNTAR_FILE ? M_SINK : M_SKIP;
		if (kind == M_SKIP && sink_end(t, err) < 0)
			return -1;
	}
	t->collect = kind;
	t->pad = (unsigned)((512 - v[1] % 512) % 512);
	t->state = S_DATA;
	return 0;
}

/* The member's data is complete: as header(). */
static int
member_end(untar_ctx *t, s3p_err *err, const char **why)
{
	switch (t->collect) {
	case M_SINK:
		if (sink_end(t, err) < 0)
			return -1;
		break;
	case M_LONGNAME:
	case M_LONGLINK:
		if (t->collect == M_LONGNAME) {
			t->path[t->longlen] = '\0';
			t->has_path = 1;
		} else {
			t->link[t->longlen] = '\0';
			t->has_link = 1;
		}
		break;
	case M_PAX:
		if (t->px_state != PX_IGNORE && (t->px_state != PX_LEN || t->px_used != 0))
			return set_why(why, "pax header cut short");
		break;
	}
	/* the padding is skipped as a member's data of its own */
	t->left = t->pad;
	t->pad = 0;
	t->collect = M_SKIP;
	if (t->left == 0)
		t->state = S_HDR;
	return 0;
}

int
untar_feed(untar_ctx *t, const void *data, size_t len, s3p_err *err)
{
	const unsigned char *in = data;
	const char *why = NULL;

	if (t->state == S_FAIL)
		goto dead;
	while (len > 0 || (t->state == S_DATA && t->left == 0)) {
		size_t n;
		switch (t->state) {
		case S_HDR:
			n = 512 - t->have < len ? 512 - t->have : len;
			memcpy(t->block + t->have, in, n);
			t->have += n;
			in += n;
			len -= n;
			if (t->have == 512) {
				t->have = 0;
				if (header(t, err, &why) < 0)
					goto fail;
			}
			break;
		case S_DATA:
			if (t->left == 0) {
				if (member_end(t, err, &why) < 0)
					goto fail;
				break;
			}
			n = t->left < len ? (size_t)t->left : len;
			switch (t->collect) {
			case M_SINK:
				if (t->sink.data && sink_rc(t, t->sink.data(t->sink.ctx,
				    in, n, err)) < 0)
					return -1;
				break;
			case M_LONGNAME:
			case M_LONGLINK:
				memcpy((t->collect == M_LONGNAME ? t->path : t->link) +
				    t->longlen, in, n);
				t->longlen += n;
				break;
			case M_PAX:
				for (size_t i = 0; i < n; i++)
					if ((why = pax_byte(t, in[i])) != NULL)
						goto fail;
				break;
			}
			t->left -= n;
			in += n;
			len -= n;
			break;
		case S_END:
			return 0;               /* after the end: ignored */
		default:
		dead:
			return err_set(err, S3P_EINTEGRITY, "tar: reading after an error");
		}
	}
	return 0;
fail:
	return why != NULL ? bad(t, err, why) : -1;
}

int
untar_finish(untar_ctx *t, s3p_err *err)
{
	if (t->state == S_FAIL)
		return -1;
	if (t->state == S_END || (t->state == S_HDR && t->have == 0))
		return 0;
	t->state = S_FAIL;
	return err_set(err, S3P_EINTEGRITY, "tar: archive cut short%s%s%s",
	    t->entries ? " in or after '" : "", t->entries ? t->path : "",
	    t->entries ? "'" : "");
}

/* ---------------------------------------------------------------- */
/* Path checks */

/*
 * The checks of both: `s` is normalized into out when out is not NULL (a
 * path), else checked as the target of a symbolic link `depth` levels
 * below the root.
 */
static int
check_path(const char *s, char *out, size_t outsz, int depth,
    const char **why)
{
	size_t o = 0, n;
	int ups = 0;            /* -1 once a name was seen */

	if (s[0] == '/')
		return set_why(why, out ? "absolute path" :
		    "symbolic link to an absolute path");
	for (; *s; s += n + (s[n] == '/')) {
		n = (size_t)(strchrnul(s, '/') - s);
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			if (out)
				return set_why(why, "'..' component");
			/* a '..' after a name could climb out through a link */
			if (ups < 0)
				return set_why(why, "symbolic link target with '..' after a name");
			if (++ups > depth)
				return set_why(why, "symbolic link pointing outside the directory");
			continue;
		}
		ups = -1;
		if (out) {
			if (o + (o > 0) + n + 1 > outsz)
				return set_why(why, "path too long");
			if (o > 0)
				out[o++] = '/';
			memcpy(out + o, s, n);
			o += n;
		}
	}
	if (out)
		out[o] = '\0';
	return 0;
}

int
untar_safe_path(const char *in, char *out, size_t outsz, const char **why)
{
	return check_path(in, out, outsz, 0, why);
}

int
untar_safe_symlink(const char *path, const char *target, const char **why)
{
	int depth = 0;

	for (const char *p = path; *p; p++)
		depth += *p == '/';
	if (target[0] == '\0')
		return set_why(why, "symbolic link with an empty target");
	return check_path(target, NULL, 0, depth, why);
}

/* ---------------------------------------------------------------- */
/* The extractor */

/* A name fit for one line of message: control characters as '?'. */
static const char *
shown(const char *s, char *buf, size_t sz)
{
	size_t i;

	for (i = 0; i + 1 < sz && s[i]; i++)
		buf[i] = (unsigned char)s[i] < 32 || s[i] == 127 ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

static int
refuse(s3p_err *err, const char *name, const char *pre, const char *why)
{
	char b[300];

	return err_set(err, S3P_EINTEGRITY, "refusing entry '%s': %s%s",
	    shown(name, b, sizeof b), pre, why);
}

static int
local_err(s3p_err *err, const untar_x *x, const char *path, const char *what)
{
	char b[300];
	int e = errno;

	return err_set(err, S3P_EINPUT, "%s '%s/%s': %s", what, x->dir,
	    shown(path, b, sizeof b), strerror(e));
}

/* A directory under fd, never through a symbolic link. */
static int
open_dir(int fd, const char *name)
{
	return openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* "." and "..", which readdir gives and a walk skips. */
static int
is_dot(const char *name)
{
	return name[0] == '.' && (name[1] == '\0' ||
	    (name[1] == '.' && name[2] == '\0'));
}

/*
 * Opens the directory that holds `rel` (normalized, not "") under base,
 * component by component with O_NOFOLLOW, creating missing ones when
 * `create`. Returns its fd (the caller closes it) and the last component
 * in *leaf; -1 with err set. ENOENT without create: -2 (err not set).
 */
static int
walk(const untar_x *x, int base, const char *rel, int create, const char **leaf,
    const char *name, s3p_err *err)
{
	int fd = dup(base);
	const char *p = rel;
	char comp[UNTAR_PATH_MAX + 1];

	if (fd < 0)
		return local_err(err, x, rel, "dup");
	for (;;) {
		const char *e = strchr(p, '/');
		int nfd;
		size_t n;
		if (e == NULL) {
			*leaf = p;
			return fd;
		}
		n = (size_t)(e - p);
		memcpy(comp, p, n);
		comp[n] = '\0';
		nfd = open_dir(fd, comp);
		if (nfd < 0 && errno == ENOENT && create) {
			/* a directory the archive does not list: 0777 less the
			 * umask, as tar makes it */
			if (mkdirat(fd, comp, 0777) < 0 && errno != EEXIST) {
				close(fd);
				return local_err(err, x, rel, "creating a directory for");
			}
			nfd = open_dir(fd, comp);
		}
		if (nfd < 0) {
			struct stat st;
			int saved = errno;
			if (saved == ENOENT) {
				close(fd);
				return -2;
			}
			if ((saved == ELOOP || saved == ENOTDIR) &&
			    fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0) {
				char why[400], b[300];
				close(fd);
				fmt_snprintf(why, sizeof why, S_ISLNK(st.st_mode) ?
				    "its path goes through the symbolic link '%.*s'" :
				    "'%.*s' in its path is not a directory",
				    (int)(e - rel), shown(rel, b, sizeof b));
				return refuse(err, name, "", why);
			}
			close(fd);
			errno = saved;
			return local_err(err, x, rel, "opening");
		}
		close(fd);
		fd = nfd;
		p = e + 1;
	}
}

/*
 * Removes name in dir fd and everything under it, never following a link.
 * One directory open at a time, gone into from its parent's descriptor
 * and left by "..": a tree as deep and as long in its paths as an archive
 * allows needs neither a stack frame nor a descriptor per level, nor a
 * path within PATH_MAX. Stops at the first directory it cannot empty.
 */
static void
rm_tree(int fd, const char *name)
{
	char p[UNTAR_PATH_MAX + 300];   /* names from name down, '/'-joined */
	size_t top = strlen(name), len = top, at;
	int cur = open_dir(fd, name), sub;

	if (cur < 0) {
		unlinkat(fd, name, 0);
		return;
	}
	memcpy(p, name, top + 1);
	for (;;) {
		DIR *d = fdopendir(sub = dup(cur));
		struct dirent *de;

		if (d == NULL && sub >= 0)
			close(sub);

		/* its files go at once; the first directory is gone into */
		for (at = len; d != NULL && len == at && (de = readdir(d)) != NULL;)
			if (!is_dot(de->d_name) && unlinkat(cur, de->d_name, 0) < 0 &&
			    errno == EISDIR && len + strlen(de->d_name) < sizeof p - 2 &&
			    (sub = open_dir(cur, de->d_name)) >= 0)
				len += (size_t)fmt_snprintf(p + len, sizeof p - len, "/%s",
				    de->d_name);
		if (d != NULL)
			closedir(d);
		if (len > at) {
			close(cur);
			cur = sub;
			continue;
		}
		/* as empty as it gets: up, and it goes */
		if (len == top) {
			close(cur);
			unlinkat(fd, p, AT_REMOVEDIR);
			return;
		}
		while (p[--at] != '/')
			;
		sub = openat(cur, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		close(cur);
		if ((cur = sub) < 0 || unlinkat(cur, p + at + 1, AT_REMOVEDIR) < 0)
			break;
		p[len = at] = '\0';
	}
	if (cur >= 0)
		close(cur);
}

/* A staging directory's name: ".s3pub-get-" and 8 hex digits. */
static int
is_stage_name(const char *n)
{
	if (strncmp(n, ".s3pub-get-", 11) != 0 || strlen(n) != 19)
		return 0;
	for (n += 11; *n != '\0'; n++)
		if (!((*n >= '0' && *n <= '9') || (*n >= 'a' && *n <= 'f')))
			return 0;
	return 1;
}

/*
 * Removes the staging directories that a get stopped by kill -9 or a
 * power cut left in dfd. Each get holds a lock on its own (flock, let go
 * by the kernel when the process ends): one that can be locked has no
 * get behind it, unless it is so new that its get has not locked it yet
 * (between its mkdir and its flock), hence the 2 seconds.
 */
static void
sweep_stale_stages(int dfd, const char *mine)
{
	DIR *d = fdopendir(dup(dfd));
	struct dirent *de;
	struct stat sb;
	time_t now = time(NULL);
	int fd;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (!is_stage_name(de->d_name) || strcmp(de->d_name, mine) == 0 ||
		    (fd = open_dir(dfd, de->d_name)) < 0)
			continue;
		if (fstat(fd, &sb) == 0 && now - sb.st_ctime >= 2 &&
		    flock(fd, LOCK_EX | LOCK_NB) == 0)
			rm_tree(dfd, de->d_name);
		close(fd);
	}
	closedir(d);
}

int
untar_x_open(untar_x *x, const char *dir, int force, s3p_err *err)
{
	static unsigned counter;
	/* each failure is "...'DIR'...: why" */
	const char *fmt = "creating '%s': %s";
	int dfd = -1;

	memset(x, 0, sizeof *x);
	x->fd = -1;
	x->stagefd = -1;
	x->dirsfd = -1;
	x->force = force;
	fmt_snprintf(x->dir, sizeof x->dir, "%s", dir);
	if (mkdir(dir, 0755) == 0)
		x->created = 1;
	else if (errno != EEXIST)
		goto fail;
	fmt = "'%s': %s";
	x->dirfd = dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		goto fail;
	for (int i = 0; i < 100; i++) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		fmt_snprintf(x->stage, sizeof x->stage, ".s3pub-get-%08lx",
		    ((unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 12) ^
		    (++counter * 2654435761u)) & 0xffffffffUL);
		if (mkdirat(dfd, x->stage, 0700) == 0) {
			x->stagefd = open_dir(dfd, x->stage);
			if (x->stagefd < 0)
				break;
			/* held until the get ends, however it ends: the mark
			 * of a staging directory in use (sweep_stale_stages) */
			flock(x->stagefd, LOCK_EX | LOCK_NB);
			sweep_stale_stages(dfd, x->stage);
			return 0;
		}
		if (errno != EEXIST)
			break;
	}
	fmt = "creating a staging directory in '%s': %s";
fail:
	err_set(err, S3P_EINPUT, fmt, dir, strerror(errno));
	if (dfd >= 0)
		close(dfd);
	return -1;
}

void
untar_x_sink(untar_x *x, untar_sink *sink)
{
	sink->entry = untar_x_entry;
	sink->data = untar_x_data;
	sink->end = untar_x_end;
	sink->ctx = x;
}

int
untar_x_tmpfile(untar_x *x)
{
	int fd = openat(x->stagefd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0 && (fd = openat(x->stagefd, ".s3pub-tmp", O_RDWR | O_CREAT |
	    O_EXCL | O_CLOEXEC, 0600)) >= 0)
		unlinkat(x->stagefd, ".s3pub-tmp", 0);
	return fd;
}

/*
 * A directory's mode and mtime, set once its files are in place (commit):
 * kept in a nameless file of the staging directory, not in memory, so
 * that a tree of any number of directories takes none. Each record is
 * the path and its NUL, then this trailer, so that commit reads them
 * from the last (children before their parents).
 */
typedef struct {
	int64_t mtime;
	uint32_t mode, path_len;
} dir_trailer;

static int
remember_dir(untar_x *x, const char *rel, unsigned mode, int64_t mtime, s3p_err *err)
{
	char rec[UNTAR_PATH_MAX + 1 + sizeof(dir_trailer)];
	dir_trailer t = { mtime, mode, (uint32_t)strlen(rel) };
	size_t n = t.path_len + 1, off = 0;
	ssize_t w;

	if (x->dirsfd < 0 && (x->dirsfd = untar_x_tmpfile(x)) < 0)
		goto fail;
	memcpy(rec, rel, n);
	memcpy(rec + n, &t, sizeof t);
	n += sizeof t;
	for (; off < n; off += (size_t)w)
		if ((w = pwrite(x->dirsfd, rec + off, n - off,
		    (off_t)(x->dirs_len + off))) <= 0)
			goto fail;
	x->dirs_len += n;
	x->ndirs++;
	return 0;
fail:
	return err_set(err, S3P_EINPUT, "keeping the attributes of %lu "
	    "directories in '%s', at '%.200s': %s", x->ndirs, x->dir, rel,
	    strerror(errno));
}

/*
 * The record that ends at *end (remember_dir), read into path, *end moved
 * to its start: 0, or -1 when none is left or it cannot be read.
 */
static int
recall_dir(untar_x *x, uint64_t *end, char path[UNTAR_PATH_MAX + 1],
    dir_trailer *t)
{
	if (*end < sizeof *t || pread(x->dirsfd, t, sizeof *t,
	    (off_t)(*end - sizeof *t)) != (ssize_t)sizeof *t ||
	    t->path_len > UNTAR_PATH_MAX || *end < sizeof *t + t->path_len + 1)
		return -1;
	*end -= sizeof *t + t->path_len + 1;
	return pread(x->dirsfd, path, t->path_len + 1, (off_t)*end) ==
	    (ssize_t)t->path_len + 1 ? 0 : -1;
}

static void
set_times(struct timespec ts[2], int64_t mtime)
{
	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = (time_t)mtime;
	ts[1].tv_nsec = mtime == INT64_MIN ? UTIME_OMIT : 0;
}

/* Mode, then mtime (INT64_MIN: left as is) of the open fd: 0, or -1 at the first
 * that fails. */
static int
set_attrs(int fd, unsigned mode, int64_t mtime)
{
	struct timespec ts[2];

	set_times(ts, mtime);
	return fchmod(fd, mode) < 0 || futimens(fd, ts) < 0 ? -1 : 0;
}

int
untar_x_entry(void *ctx, const untar_entry *e, s3p_err *err)
{
	untar_x *x = ctx;
	char rel[UNTAR_PATH_MAX + 1], trel[UNTAR_PATH_MAX + 1];
	char lnk[UNTAR_PATH_MAX + 1];
	const char *why, *what, *leaf, *tleaf = NULL, *pre = "";
	int pfd = -1, tfd = -1, rc = 0, type = e->type;
	struct timespec ts[2];
	struct stat st;

	x->fd = -1;
	if (untar_safe_path(e->path, rel, sizeof rel, &why) < 0)
		goto refused;
	why = "device node or FIFO";
	if (type == UNTAR_DEVICE)
		goto refused;
	why = "unsupported entry type (GNU sparse or multi-volume)";
	if (type == UNTAR_UNSUPPORTED)
		goto refused;
	if (rel[0] == '\0') {
		why = "the root is not a directory";
		if (type != UNTAR_DIR)
			goto refused;
		x->root_set = 1;
		x->root_mode = e->mode;
		x->root_mtime = e->mtime;
		return 0;
	}
	if (type == UNTAR_SYMLINK &&
	    untar_safe_symlink(rel, e->linkpath, &why) < 0)
		goto refused;
	if (type == UNTAR_HARDLINK) {
		pre = "hard link target: ";
		if (untar_safe_path(e->linkpath, trel, sizeof trel, &why) < 0)
			goto refused;
		pre = "";
		why = "hard link to the root";
		if (trel[0] == '\0')
			goto refused;
	}

	pfd = walk(x, x->stagefd, rel, 1, &leaf, e->path, err);
	if (pfd < 0)
		return -1;
	if (type == UNTAR_DIR) {
		what = "creating directory";
		if (mkdirat(pfd, leaf, 0700) < 0 && (errno != EEXIST ||
		    fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    (!S_ISDIR(st.st_mode) && (unlinkat(pfd, leaf, 0) < 0 ||
		    mkdirat(pfd, leaf, 0700) < 0))))
			goto failed;
		rc = remember_dir(x, rel, e->mode, e->mtime, err);
		goto out;
	}
	if (type == UNTAR_HARDLINK) {
		tfd = walk(x, x->stagefd, trel, 0, &tleaf, e->path, err);
		why = "hard link to a name that is not an earlier entry";
		if (tfd == -2 || (tfd >= 0 &&
		    fstatat(tfd, tleaf, &st, AT_SYMLINK_NOFOLLOW) < 0))
			goto refused;
		rc = -1;
		if (tfd < 0)
			goto out;
		why = "hard link to a directory";
		if (S_ISDIR(st.st_mode))
			goto refused;
		/* a second name of a symbolic link: its target, relative, must
		 * stay inside DIR from this name's place too */
		if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlinkat(tfd, tleaf, lnk, sizeof lnk - 1);
			why = "hard link to an unreadable symbolic link";
			lnk[n > 0 ? n : 0] = '\0';
			if (n <= 0 || untar_safe_symlink(rel, lnk, &why) < 0)
				goto refused;
		}
		rc = 0;
	}
	if (type == UNTAR_FILE) {
		strcpy(x->cur, rel);
		x->cur_mode = e->mode;
		x->cur_mtime = e->mtime;
	}
	/* a file or a link; where an earlier entry has the name, a second try
	 * once it is removed */
	for (int i = 0;; i++) {
		if (type == UNTAR_FILE) {
			x->fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_CLOEXEC, 0600);
			if (x->fd >= 0)
				break;
		} else if (type == UNTAR_SYMLINK) {
			if (symlinkat(e->linkpath, pfd, leaf) == 0) {
				set_times(ts, e->mtime);
				utimensat(pfd, leaf, ts, AT_SYMLINK_NOFOLLOW);
				break;
			}
		} else if (linkat(tfd, tleaf, pfd, leaf, 0) == 0) {
			break;
		}
		if (errno != EEXIST || i == 1) {
			what = nth("creating\0creating symbolic link\0creating hard link",
			    type == UNTAR_FILE ? 0 : type - UNTAR_DIR);
			goto failed;
		}
		/* room for a later member of the same name (as tar does),
		 * unless the earlier one is a directory */
		what = "checking";
		if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
			goto failed;
		why = "a directory of that name came before it";
		if (S_ISDIR(st.st_mode))
			goto refused;
		what = "replacing";
		if (unlinkat(pfd, leaf, 0) < 0)
			goto failed;
	}
	goto out;
refused:
	rc = refuse(err, e->path, pre, why);
	goto out;
failed:
	rc = local_err(err, x, rel, what);
out:
	if (tfd >= 0)
		close(tfd);
	if (pfd >= 0)
		close(pfd);
	return rc;
}

int
untar_x_data(void *ctx, const unsigned char *buf, size_t len, s3p_err *err)
{
	untar_x *x = ctx;

	while (len > 0) {
		ssize_t n;
		if (x->fd < 0)
			return err_set(err, S3P_EINPUT, "data without a file");
		n = write(x->fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return local_err(err, x, x->cur, "writing");
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
untar_x_end(void *ctx, s3p_err *err)
{
	untar_x *x = ctx;
	int fd = x->fd;
	const char *what = "setting mode and time of";

	if (fd < 0)
		return 0;
	x->fd = -1;
	if (set_attrs(fd, x->cur_mode & 0777, x->cur_mtime) < 0) {
		close(fd);
		goto fail;
	}
	what = "writing";
	if (close(fd) < 0)
		goto fail;
	return 0;
fail:
	return local_err(err, x, x->cur, what);
}

static void
free_dirs(untar_x *x)
{
	if (x->dirsfd >= 0)
		close(x->dirsfd);
	x->dirsfd = -1;
	x->dirs_len = 0;
	x->ndirs = 0;
}

void
untar_x_set_mtime(untar_x *x, int64_t mtime)
{
	x->cur_mtime = mtime;
}

void
untar_x_abort(untar_x *x)
{
	free_dirs(x);
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	if (x->stagefd >= 0) {
		close(x->stagefd);
		x->stagefd = -1;
		rm_tree(x->dirfd, x->stage);
	}
	if (x->dirfd >= 0)
		close(x->dirfd);
	x->dirfd = -1;
	if (x->created)
		rmdir(x->dir);          /* made for this: gone again (if empty) */
}

/*
 * Whether entry `name` of src (ss) is what dst holds under that name
 * already (ds): a file of the same mode, size, mtime and bytes, or a link
 * to the same place. Such a one is no conflict: a get run again, or one
 * cut short (kill -9, a power cut) while it moved its files into DIR,
 * then finishes. (A file its owner may not read, as another user than
 * root, cannot be told the same: a conflict.)
 */
static int
same_entry(int src, int dst, const char *name, const struct stat *ss,
    const struct stat *ds)
{
	char a[4096], b[4096];
	int fa, fb, same;
	ssize_t n = 1;

	if (ss->st_mode != ds->st_mode || ss->st_size != ds->st_size)
		return 0;
	if (S_ISLNK(ss->st_mode))
		return (n = readlinkat(src, name, a, sizeof a)) >= 0 &&
		    readlinkat(dst, name, b, sizeof b) == n &&
		    memcmp(a, b, (size_t)n) == 0;
	if (!S_ISREG(ss->st_mode) || ss->st_mtime != ds->st_mtime)
		return 0;
	fa = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	fb = openat(dst, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	same = fa >= 0 && fb >= 0;
	/* (a short read, which a regular file gives only at its end: not
	 * the same, and so a conflict, as without this test) */
	for (off_t off = 0; same && n > 0; off += n)
		same = (n = pread(fa, a, sizeof a, off)) >= 0 &&
		    pread(fb, b, (size_t)n, off) == n &&
		    memcmp(a, b, (size_t)n) == 0;
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

/*
 * Renames src's `name` to dst's. One that was not in dst (`fresh`) does
 * not replace what came meanwhile (another get into DIR at once: one of
 * the two fails, and DIR is the other's tree), where the kernel (3.15)
 * and the file system can tell.
 */
static int
move_entry(int src, int dst, const char *name, int fresh)
{
	if (fresh) {
		long r = syscall(SYS_renameat2, src, name, dst, name,
		    RENAME_NOREPLACE);
		if (r == 0 || (errno != EINVAL && errno != ENOSYS))
			return (int)r;
	}
	return renameat(src, name, dst, name);
}

/*
 * Moves the entries of src into dst (`rel` names the place for messages):
 * pass 0 only checks, pass 1 moves. Existing directories are merged; an
 * existing file or link the same as the new one is replaced by it.
 */
static int
merge(untar_x *x, int src, int dst, const char *rel, int pass, int depth,
    s3p_err *err)
{
	DIR *d;
	struct dirent *de;
	struct stat sa, sb;
	int fd, rc = 0, cannot = 0;

	/* pass 0 also asks whether the moves can be made here, so that a
	 * failure leaves DIR as it was: a directory we may not write into,
	 * or another file system (a mount point: rename gives EXDEV). The
	 * system call itself: musl's faccessat() carries a fork-based
	 * AT_EACCESS emulation of 800 bytes we never use */
	if (pass == 0 && (fstat(src, &sa) < 0 || fstat(dst, &sb) < 0 ||
	    syscall(SYS_faccessat, dst, ".", W_OK | X_OK) < 0))
		cannot = errno;
	else if (pass == 0 && sa.st_dev != sb.st_dev)
		cannot = EXDEV;
	if (depth > 256)
		return err_set(err, S3P_EINPUT, "'%s/%s': directories nested too deep",
		    x->dir, rel);
	/* a dup shares the offset of the last pass: back to the start */
	lseek(src, 0, SEEK_SET);
	fd = dup(src);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return local_err(err, x, rel, "reading");
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		const char *name = de->d_name, *what = NULL;
		struct stat ss, ds;
		char path[UNTAR_PATH_MAX + 300];
		int move = 0, fresh = 0;

		if (is_dot(name))
			continue;
		fmt_snprintf(path, sizeof path, "%s%s%s", rel, rel[0] ? "/" : "", name);
		if (fstatat(src, name, &ss, AT_SYMLINK_NOFOLLOW) < 0) {
			what = "reading";
		} else if (fstatat(dst, name, &ds, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				what = "checking";
			move = fresh = 1;
		} else if (S_ISDIR(ss.st_mode) && S_ISDIR(ds.st_mode)) {
			int s2 = open_dir(src, name), d2 = open_dir(dst, name);
			if (s2 < 0 || d2 < 0)
				rc = local_err(err, x, path, "opening");
			else
				rc = merge(x, s2, d2, path, pass, depth + 1, err);
			if (s2 >= 0)
				close(s2);
			if (d2 >= 0)
				close(d2);
			if (rc == 0 && pass == 1)
				unlinkat(src, name, AT_REMOVEDIR);
		} else if (!x->force && same_entry(src, dst, name, &ss, &ds)) {
			/* replaced by the staged copy all the same: it may be
			 * hard-linked to other new entries (asked again in pass
			 * 1: another get may have put a file there meanwhile) */
			move = 1;
		} else if (!x->force || S_ISDIR(ds.st_mode)) {
			char b[300];
			rc = err_set(err, S3P_EINPUT, !x->force ?
			    "'%s/%s' already exists (--force overwrites it)" :
			    "'%s/%s' is a directory: not replaced by a file, even with --force",
			    x->dir, shown(path, b, sizeof b));
		} else if (pass == 1 && S_ISDIR(ss.st_mode) &&
		    unlinkat(dst, name, 0) < 0) {
			what = "replacing";
		} else {
			move = 1;
		}
		/* pass 0: would the move fail (cannot, as errno)? */
		if (what == NULL && move && (pass ? move_entry(src, dst, name,
		    fresh) < 0 : (errno = cannot) != 0))
			what = "moving into place";
		if (what != NULL)
			rc = local_err(err, x, path, what);
	}
	closedir(d);
	return rc;
}

int
untar_x_commit(untar_x *x, s3p_err *err)
{
	char path[UNTAR_PATH_MAX + 1];
	dir_trailer t;

	if (x->fd >= 0) {
		untar_x_abort(x);
		return err_set(err, S3P_EINTEGRITY, "a file was cut short");
	}
	/* pass 0 checks every entry, pass 1 moves */
	for (int pass = 0; pass < 2; pass++)
		if (merge(x, x->stagefd, x->dirfd, "", pass, 0, err) < 0) {
			untar_x_abort(x);
			return -1;
		}
	close(x->stagefd);
	x->stagefd = -1;
	unlinkat(x->dirfd, x->stage, AT_REMOVEDIR);
	/* directory modes and times last, children first */
	for (uint64_t end = x->dirs_len; x->dirsfd >= 0 &&
	    recall_dir(x, &end, path, &t) == 0;) {
		const char *leaf;
		int pfd = walk(x, x->dirfd, path, 0, &leaf, path, err);
		int dfd;
		if (pfd < 0)
			continue;
		dfd = open_dir(pfd, leaf);
		close(pfd);
		if (dfd < 0)
			continue;
		set_attrs(dfd, t.mode & 01777, t.mtime);
		close(dfd);
	}
	if (x->root_set && x->created)
		set_attrs(x->dirfd, x->root_mode & 01777, x->root_mtime);
	err_clear(err);
	close(x->dirfd);
	x->dirfd = -1;
	free_dirs(x);
	return 0;
}
