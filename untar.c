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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"

#include "untar.h"

enum { S_HDR, S_DATA, S_PAD, S_END, S_FAIL };
enum { M_SINK, M_LONGNAME, M_LONGLINK, M_PAX, M_SKIP };
enum { PX_LEN, PX_KEY, PX_VAL, PX_IGNORE };
enum { PV_NONE, PV_PATH, PV_LINK, PV_SIZE, PV_MTIME };

/* ---------------------------------------------------------------- */
/* The reader */

void
untar_init(untar_ctx *t, const untar_sink *sink)
{
	memset(t, 0, sizeof *t);
	t->sink = *sink;
	t->state = S_HDR;
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
		int negative = (p[0] & 0x40) != 0;
		x = (negative ? ~p[0] : p[0]) & 0x3f;
		for (i = 1; i < n; i++) {
			if (x >> 55)
				return -1;
			x = x << 8 | ((negative ? ~p[i] : p[i]) & 0xff);
		}
		if (negative)
			x += 1;
		*neg = negative;
		*v = x;
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

/* A field of n bytes, NUL-terminated or not, appended to out. */
static void
field(char *out, size_t outsz, const unsigned char *p, size_t n)
{
	size_t have = strlen(out), len = strnlen((const char *)p, n);

	if (have + len >= outsz)
		len = outsz - 1 - have;
	memcpy(out + have, p, len);
	out[have + len] = '\0';
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

/* A complete pax record's value: into the overrides for the next entry. */
static int
pax_apply(untar_ctx *t, s3p_err *err)
{
	int64_t v;

	t->tmp[t->px_vallen] = '\0';
	switch (t->px_which) {
	case PV_PATH:
		memcpy(t->path, t->tmp, t->px_vallen + 1);
		t->has_path = 1;
		break;
	case PV_LINK:
		memcpy(t->link, t->tmp, t->px_vallen + 1);
		t->has_link = 1;
		break;
	case PV_SIZE:
		if (parse_dec(t->tmp, 0, &v) < 0)
			return bad(t, err, "bad pax size");
		t->pax_size = (uint64_t)v;
		t->has_size = 1;
		break;
	case PV_MTIME:
		if (parse_dec(t->tmp, 1, &v) < 0)
			return bad(t, err, "bad pax mtime");
		t->pax_mtime = v;
		t->has_mtime = 1;
		break;
	}
	return 0;
}

/* pax extended header data ("LEN KEY=VALUE\n" records), a byte at a time. */
static int
pax_byte(untar_ctx *t, unsigned char c, s3p_err *err)
{
	switch (t->px_state) {
	case PX_LEN:
		if (c == '\0' && t->px_used == 0) {
			t->px_state = PX_IGNORE;        /* NUL padding */
			return 0;
		}
		t->px_used++;
		if (c >= '0' && c <= '9') {
			t->px_len = t->px_len * 10 + (c - '0');
			if (t->px_len > (1u << 24))
				return bad(t, err, "pax record too long");
			return 0;
		}
		if (c != ' ' || t->px_len == 0)
			return bad(t, err, "bad pax record length");
		t->px_keylen = 0;
		t->px_state = PX_KEY;
		return 0;
	case PX_KEY:
		t->px_used++;
		if (t->px_used >= t->px_len)
			return bad(t, err, "pax record without '='");
		if (c != '=') {
			if (t->px_keylen < sizeof t->px_key - 1)
				t->px_key[t->px_keylen] = (char)c;
			t->px_keylen++;
			return 0;
		}
		t->px_which = PV_NONE;
		if (t->px_keylen >= 10 && memcmp(t->px_key, "GNU.sparse", 10) == 0)
			t->sparse = 1;
		if (!t->px_global && t->px_keylen < sizeof t->px_key) {
			t->px_key[t->px_keylen] = '\0';
			if (strcmp(t->px_key, "path") == 0) t->px_which = PV_PATH;
			else if (strcmp(t->px_key, "linkpath") == 0) t->px_which = PV_LINK;
			else if (strcmp(t->px_key, "size") == 0) t->px_which = PV_SIZE;
			else if (strcmp(t->px_key, "mtime") == 0) t->px_which = PV_MTIME;
		}
		t->px_vallen = 0;
		t->px_state = PX_VAL;
		return 0;
	case PX_VAL:
		t->px_used++;
		if (t->px_used == t->px_len) {
			if (c != '\n')
				return bad(t, err, "pax record does not end in a newline");
			if (pax_apply(t, err) < 0)
				return -1;
			t->px_len = t->px_used = 0;
			t->px_state = PX_LEN;
			return 0;
		}
		if (t->px_which != PV_NONE) {
			if (t->px_vallen >= UNTAR_PATH_MAX)
				return bad(t, err, "pax value over 4096 bytes");
			t->tmp[t->px_vallen++] = (char)c;
		}
		return 0;
	default:
		return 0;
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

static int
header(untar_ctx *t, s3p_err *err)
{
	const unsigned char *b = t->block;
	uint64_t chk, size, mtime, mode, usum = 0;
	int64_t ssum = 0;
	int neg, nneg;
	char tf = (char)b[156];
	int kind;

	if (all_zero(b)) {
		t->ended = 1;
		t->state = S_END;
		return 0;
	}
	for (int i = 0; i < 512; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : b[i];
		usum += c;
		ssum += (signed char)c;
	}
	if (parse_num(b + 148, 8, &chk, &neg) < 0 ||
	    (chk != usum && (int64_t)chk != ssum))
		return bad(t, err, "bad header checksum");
	if (parse_num(b + 124, 12, &size, &neg) < 0 || neg)
		return bad(t, err, "bad size field");
	if (parse_num(b + 136, 12, &mtime, &nneg) < 0)
		return bad(t, err, "bad mtime field");
	if (parse_num(b + 100, 8, &mode, &neg) < 0)
		return bad(t, err, "bad mode field");

	t->left = size;
	t->collect = 0;
	if (tf == 'L' || tf == 'K') {
		if (size > UNTAR_PATH_MAX)
			return bad(t, err, "GNU long name over 4096 bytes");
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
		int ustar = memcmp(b + 257, "ustar\0", 6) == 0;
		memset(&e, 0, sizeof e);
		if (!t->has_path) {
			t->path[0] = '\0';
			if (ustar && b[345] != '\0') {
				field(t->path, sizeof t->path, b + 345, 155);
				field(t->path, sizeof t->path, (const unsigned char *)"/", 1);
			}
			field(t->path, sizeof t->path, b, 100);
		}
		if (!t->has_link) {
			t->link[0] = '\0';
			field(t->link, sizeof t->link, b + 157, 100);
		}
		if (t->has_size)
			size = t->left = t->pax_size;
		e.typeflag = tf;
		e.type = t->sparse ? UNTAR_UNSUPPORTED : entry_type(tf);
		e.path = t->path;
		e.linkpath = t->link;
		e.mode = (unsigned)(mode & 07777);
		e.mtime = t->has_mtime ? t->pax_mtime :
		    nneg ? -(int64_t)mtime : (int64_t)mtime;
		e.size = e.type == UNTAR_FILE ? size : 0;
		t->has_path = t->has_link = t->has_size = t->has_mtime = 0;
		t->sparse = 0;
		t->entries++;
		if (t->path[0] == '\0')
			return bad(t, err, "an entry with an empty name");
		if (t->sink.entry && t->sink.entry(t->sink.ctx, &e, err) < 0) {
			t->state = S_FAIL;
			return -1;
		}
		kind = e.type == UNTAR_FILE ? M_SINK : M_SKIP;
		if (kind == M_SKIP && t->sink.end && t->sink.end(t->sink.ctx, err) < 0) {
			t->state = S_FAIL;
			return -1;
		}
	}
	t->collect = kind;
	t->pad = (unsigned)((512 - size % 512) % 512);
	t->state = S_DATA;
	return 0;
}

/* The member's data is complete. */
static int
member_end(untar_ctx *t, s3p_err *err)
{
	switch (t->collect) {
	case M_SINK:
		if (t->sink.end && t->sink.end(t->sink.ctx, err) < 0) {
			t->state = S_FAIL;
			return -1;
		}
		break;
	case M_LONGNAME:
		t->path[t->longlen] = '\0';
		t->has_path = 1;
		break;
	case M_LONGLINK:
		t->link[t->longlen] = '\0';
		t->has_link = 1;
		break;
	case M_PAX:
		if (t->px_state != PX_IGNORE && (t->px_state != PX_LEN || t->px_used != 0))
			return bad(t, err, "pax header cut short");
		break;
	}
	t->state = t->pad ? S_PAD : S_HDR;
	return 0;
}

int
untar_feed(untar_ctx *t, const void *data, size_t len, s3p_err *err)
{
	const unsigned char *in = data;

	if (t->state == S_FAIL)
		return err_set(err, S3P_EINTEGRITY, "tar: reading after an error");
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
				if (header(t, err) < 0)
					return -1;
			}
			break;
		case S_DATA:
			if (t->left == 0) {
				if (member_end(t, err) < 0)
					return -1;
				break;
			}
			n = t->left < len ? (size_t)t->left : len;
			switch (t->collect) {
			case M_SINK:
				if (t->sink.data && t->sink.data(t->sink.ctx, in, n, err) < 0) {
					t->state = S_FAIL;
					return -1;
				}
				break;
			case M_LONGNAME:
			case M_LONGLINK:
				memcpy((t->collect == M_LONGNAME ? t->path : t->link) +
				    t->longlen, in, n);
				t->longlen += n;
				break;
			case M_PAX:
				for (size_t i = 0; i < n; i++)
					if (pax_byte(t, in[i], err) < 0)
						return -1;
				break;
			}
			t->left -= n;
			in += n;
			len -= n;
			break;
		case S_PAD:
			n = t->pad < len ? t->pad : len;
			t->pad -= (unsigned)n;
			in += n;
			len -= n;
			if (t->pad == 0)
				t->state = S_HDR;
			break;
		case S_END:
			len = 0;                /* after the end: ignored */
			break;
		default:
			return err_set(err, S3P_EINTEGRITY, "tar: reading after an error");
		}
	}
	return 0;
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

int
untar_safe_path(const char *in, char *out, size_t outsz, const char **why)
{
	size_t o = 0;

	if (in[0] == '/') {
		*why = "absolute path";
		return -1;
	}
	while (*in) {
		const char *e = strchr(in, '/');
		size_t n = e ? (size_t)(e - in) : strlen(in);
		if (n == 2 && in[0] == '.' && in[1] == '.') {
			*why = "'..' component";
			return -1;
		}
		if (n > 0 && !(n == 1 && in[0] == '.')) {
			if (o + (o > 0) + n + 1 > outsz) {
				*why = "path too long";
				return -1;
			}
			if (o > 0)
				out[o++] = '/';
			memcpy(out + o, in, n);
			o += n;
		}
		in += n;
		if (*in == '/')
			in++;
	}
	out[o] = '\0';
	return 0;
}

int
untar_safe_symlink(const char *path, const char *target, const char **why)
{
	unsigned depth = 0, ups = 0;
	int named = 0;

	for (const char *p = path; *p; p++)
		if (*p == '/')
			depth++;
	if (target[0] == '\0') {
		*why = "symbolic link with an empty target";
		return -1;
	}
	if (target[0] == '/') {
		*why = "symbolic link to an absolute path";
		return -1;
	}
	while (*target) {
		const char *e = strchr(target, '/');
		size_t n = e ? (size_t)(e - target) : strlen(target);
		if (n == 2 && target[0] == '.' && target[1] == '.') {
			/* a '..' after a name could climb out through a link */
			if (named) {
				*why = "symbolic link target with '..' after a name";
				return -1;
			}
			if (++ups > depth) {
				*why = "symbolic link pointing outside the directory";
				return -1;
			}
		} else if (n > 0 && !(n == 1 && target[0] == '.')) {
			named = 1;
		}
		target += n;
		if (*target == '/')
			target++;
	}
	return 0;
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
refuse(s3p_err *err, const char *name, const char *why)
{
	char b[300];

	return err_set(err, S3P_EINTEGRITY, "refusing entry '%s': %s",
	    shown(name, b, sizeof b), why);
}

static int
local_err(s3p_err *err, const untar_x *x, const char *path, const char *what)
{
	char b[300];
	int e = errno;

	return err_set(err, S3P_EINPUT, "%s '%s/%s': %s", what, x->dir,
	    shown(path, b, sizeof b), strerror(e));
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
		nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 && errno == ENOENT && create) {
			/* a directory the archive does not list: 0777 less the
			 * umask, as tar makes it */
			if (mkdirat(fd, comp, 0777) < 0 && errno != EEXIST) {
				close(fd);
				return local_err(err, x, rel, "creating a directory for");
			}
			nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
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
				return refuse(err, name, why);
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

/* Removes name in dir fd, recursively, never following a link. */
static void
rm_tree(int fd, const char *name, int depth)
{
	int dfd = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;
	struct dirent *de;

	if (dfd < 0) {
		unlinkat(fd, name, 0);
		return;
	}
	if (depth < 512 && (d = fdopendir(dfd)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			rm_tree(dirfd(d), de->d_name, depth + 1);
		}
		closedir(d);
	} else {
		close(dfd);
	}
	unlinkat(fd, name, AT_REMOVEDIR);
}

int
untar_x_open(untar_x *x, const char *dir, int force, s3p_err *err)
{
	static unsigned counter;

	memset(x, 0, sizeof *x);
	x->fd = -1;
	x->stagefd = -1;
	x->force = force;
	fmt_snprintf(x->dir, sizeof x->dir, "%s", dir);
	if (mkdir(dir, 0755) == 0)
		x->created = 1;
	else if (errno != EEXIST)
		return err_set(err, S3P_EINPUT, "creating '%s': %s", dir, strerror(errno));
	x->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (x->dirfd < 0)
		return err_set(err, S3P_EINPUT, "'%s': %s", dir, strerror(errno));
	for (int i = 0; i < 100; i++) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		fmt_snprintf(x->stage, sizeof x->stage, ".s3pub-get-%08lx",
		    ((unsigned long)ts.tv_nsec ^ ((unsigned long)getpid() << 12) ^
		    (++counter * 2654435761u)) & 0xffffffffUL);
		if (mkdirat(x->dirfd, x->stage, 0700) == 0) {
			x->stagefd = openat(x->dirfd, x->stage,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (x->stagefd >= 0)
				return 0;
			break;
		}
		if (errno != EEXIST)
			break;
	}
	err_set(err, S3P_EINPUT, "creating a staging directory in '%s': %s", dir,
	    strerror(errno));
	close(x->dirfd);
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

static int
remember_dir(untar_x *x, const char *rel, unsigned mode, int64_t mtime, s3p_err *err)
{
	if (x->ndirs == x->capdirs) {
		size_t cap = x->capdirs ? 2 * x->capdirs : 64;
		untar_dirattr *d = realloc(x->dirs, cap * sizeof *d);
		if (d == NULL)
			return err_set(err, S3P_EINPUT, "out of memory");
		x->dirs = d;
		x->capdirs = cap;
	}
	x->dirs[x->ndirs].path = strdup(rel);
	if (x->dirs[x->ndirs].path == NULL)
		return err_set(err, S3P_EINPUT, "out of memory");
	x->dirs[x->ndirs].mode = mode;
	x->dirs[x->ndirs].mtime = mtime;
	x->ndirs++;
	return 0;
}

/* Makes room for a new `leaf` in pfd: an earlier entry of the same name
 * (a later member replaces it, as tar does) unless it is a directory. */
static int
make_room(const untar_x *x, int pfd, const char *leaf, const char *rel,
    const char *name, s3p_err *err)
{
	struct stat st;

	if (fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return local_err(err, x, rel, "checking");
	if (S_ISDIR(st.st_mode))
		return refuse(err, name, "a directory of that name came before it");
	if (unlinkat(pfd, leaf, 0) < 0)
		return local_err(err, x, rel, "replacing");
	return 0;
}

static void
set_times(struct timespec ts[2], int64_t mtime)
{
	ts[0].tv_sec = 0;
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = (time_t)mtime;
	ts[1].tv_nsec = mtime < 0 ? UTIME_OMIT : 0;
}

int
untar_x_entry(void *ctx, const untar_entry *e, s3p_err *err)
{
	untar_x *x = ctx;
	char rel[UNTAR_PATH_MAX + 1], trel[UNTAR_PATH_MAX + 1];
	const char *why, *leaf, *tleaf;
	int pfd, tfd, rc;
	struct timespec ts[2];
	struct stat st;

	x->fd = -1;
	if (untar_safe_path(e->path, rel, sizeof rel, &why) < 0)
		return refuse(err, e->path, why);
	if (e->type == UNTAR_DEVICE)
		return refuse(err, e->path, "device node or FIFO");
	if (e->type == UNTAR_UNSUPPORTED)
		return refuse(err, e->path, "unsupported entry type (GNU sparse or multi-volume)");
	if (rel[0] == '\0') {
		if (e->type != UNTAR_DIR)
			return refuse(err, e->path, "the root is not a directory");
		x->root_set = 1;
		x->root_mode = e->mode;
		x->root_mtime = e->mtime;
		return 0;
	}
	if (e->type == UNTAR_SYMLINK &&
	    untar_safe_symlink(rel, e->linkpath, &why) < 0)
		return refuse(err, e->path, why);
	if (e->type == UNTAR_HARDLINK) {
		if (untar_safe_path(e->linkpath, trel, sizeof trel, &why) < 0) {
			char w[100];
			fmt_snprintf(w, sizeof w, "hard link target: %s", why);
			return refuse(err, e->path, w);
		}
		if (trel[0] == '\0')
			return refuse(err, e->path, "hard link to the root");
	}

	pfd = walk(x, x->stagefd, rel, 1, &leaf, e->path, err);
	if (pfd < 0)
		return -1;
	rc = 0;
	switch (e->type) {
	case UNTAR_DIR:
		if (mkdirat(pfd, leaf, 0700) < 0) {
			if (errno != EEXIST ||
			    fstatat(pfd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0) {
				rc = local_err(err, x, rel, "creating directory");
				break;
			}
			if (!S_ISDIR(st.st_mode) &&
			    (unlinkat(pfd, leaf, 0) < 0 || mkdirat(pfd, leaf, 0700) < 0)) {
				rc = local_err(err, x, rel, "creating directory");
				break;
			}
		}
		rc = remember_dir(x, rel, e->mode, e->mtime, err);
		break;
	case UNTAR_FILE:
		for (int i = 0; i < 2; i++) {
			x->fd = openat(pfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_CLOEXEC, 0600);
			if (x->fd >= 0 || errno != EEXIST || i == 1)
				break;
			if ((rc = make_room(x, pfd, leaf, rel, e->path, err)) < 0)
				break;
		}
		if (rc == 0 && x->fd < 0)
			rc = local_err(err, x, rel, "creating");
		fmt_snprintf(x->cur, sizeof x->cur, "%s", rel);
		x->cur_mode = e->mode;
		x->cur_mtime = e->mtime;
		break;
	case UNTAR_SYMLINK:
		for (int i = 0; i < 2; i++) {
			if (symlinkat(e->linkpath, pfd, leaf) == 0) {
				set_times(ts, e->mtime);
				utimensat(pfd, leaf, ts, AT_SYMLINK_NOFOLLOW);
				break;
			}
			if (errno != EEXIST || i == 1) {
				rc = local_err(err, x, rel, "creating symbolic link");
				break;
			}
			if ((rc = make_room(x, pfd, leaf, rel, e->path, err)) < 0)
				break;
		}
		break;
	case UNTAR_HARDLINK:
		tfd = walk(x, x->stagefd, trel, 0, &tleaf, e->path, err);
		if (tfd == -2 || (tfd >= 0 &&
		    fstatat(tfd, tleaf, &st, AT_SYMLINK_NOFOLLOW) < 0)) {
			if (tfd >= 0)
				close(tfd);
			rc = refuse(err, e->path, "hard link to a name that is not an earlier entry");
			break;
		}
		if (tfd < 0) {
			rc = -1;
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			close(tfd);
			rc = refuse(err, e->path, "hard link to a directory");
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (linkat(tfd, tleaf, pfd, leaf, 0) == 0)
				break;
			if (errno != EEXIST || i == 1) {
				rc = local_err(err, x, rel, "creating hard link");
				break;
			}
			if ((rc = make_room(x, pfd, leaf, rel, e->path, err)) < 0)
				break;
		}
		close(tfd);
		break;
	}
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
		x->bytes += (uint64_t)n;
	}
	return 0;
}

int
untar_x_end(void *ctx, s3p_err *err)
{
	untar_x *x = ctx;
	struct timespec ts[2];
	int fd = x->fd;

	if (fd < 0)
		return 0;
	x->fd = -1;
	set_times(ts, x->cur_mtime);
	if (fchmod(fd, x->cur_mode & 0777) < 0 || futimens(fd, ts) < 0) {
		close(fd);
		return local_err(err, x, x->cur, "setting mode and time of");
	}
	if (close(fd) < 0)
		return local_err(err, x, x->cur, "writing");
	x->files++;
	return 0;
}

static void
free_dirs(untar_x *x)
{
	for (size_t i = 0; i < x->ndirs; i++)
		free(x->dirs[i].path);
	free(x->dirs);
	x->dirs = NULL;
	x->ndirs = x->capdirs = 0;
}

void
untar_x_abort(untar_x *x)
{
	if (x->fd >= 0)
		close(x->fd);
	x->fd = -1;
	if (x->stagefd >= 0) {
		close(x->stagefd);
		x->stagefd = -1;
		rm_tree(x->dirfd, x->stage, 0);
	}
	if (x->dirfd >= 0)
		close(x->dirfd);
	x->dirfd = -1;
	if (x->created)
		rmdir(x->dir);          /* made for this: gone again (if empty) */
	free_dirs(x);
}

/*
 * Moves the entries of src into dst (`rel` names the place for messages):
 * pass 0 only checks, pass 1 moves. Existing directories are merged.
 */
static int
merge(untar_x *x, int src, int dst, const char *rel, int pass, int depth,
    s3p_err *err)
{
	DIR *d;
	struct dirent *de;
	int fd = dup(src), rc = 0;

	if (depth > 256)
		return err_set(err, S3P_EINPUT, "'%s/%s': directories nested too deep",
		    x->dir, rel);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return local_err(err, x, rel, "reading");
	}
	rewinddir(d);           /* a dup shares the offset of the last pass */
	while (rc == 0 && (de = readdir(d)) != NULL) {
		struct stat ss, ds;
		char path[UNTAR_PATH_MAX + 300];
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		fmt_snprintf(path, sizeof path, "%s%s%s", rel, rel[0] ? "/" : "", de->d_name);
		if (fstatat(src, de->d_name, &ss, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = local_err(err, x, path, "reading");
			break;
		}
		if (fstatat(dst, de->d_name, &ds, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT) {
				rc = local_err(err, x, path, "checking");
			} else if (pass == 1 &&
			    renameat(src, de->d_name, dst, de->d_name) < 0) {
				rc = local_err(err, x, path, "moving into place");
			}
			continue;
		}
		if (S_ISDIR(ss.st_mode) && S_ISDIR(ds.st_mode)) {
			int s2 = openat(src, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int d2 = openat(dst, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (s2 < 0 || d2 < 0)
				rc = local_err(err, x, path, "opening");
			else
				rc = merge(x, s2, d2, path, pass, depth + 1, err);
			if (s2 >= 0)
				close(s2);
			if (d2 >= 0)
				close(d2);
			if (rc == 0 && pass == 1)
				unlinkat(src, de->d_name, AT_REMOVEDIR);
			continue;
		}
		if (!x->force) {
			char b[300];
			rc = err_set(err, S3P_EINPUT,
			    "'%s/%s' already exists (--force overwrites it)", x->dir,
			    shown(path, b, sizeof b));
			break;
		}
		if (S_ISDIR(ds.st_mode)) {
			char b[300];
			rc = err_set(err, S3P_EINPUT,
			    "'%s/%s' is a directory: not replaced by a file, even with --force",
			    x->dir, shown(path, b, sizeof b));
			break;
		}
		if (pass == 1) {
			if (S_ISDIR(ss.st_mode) && unlinkat(dst, de->d_name, 0) < 0)
				rc = local_err(err, x, path, "replacing");
			else if (renameat(src, de->d_name, dst, de->d_name) < 0)
				rc = local_err(err, x, path, "moving into place");
		}
	}
	closedir(d);
	return rc;
}

int
untar_x_commit(untar_x *x, s3p_err *err)
{
	struct timespec ts[2];

	if (x->fd >= 0) {
		untar_x_abort(x);
		return err_set(err, S3P_EINTEGRITY, "a file was cut short");
	}
	if (merge(x, x->stagefd, x->dirfd, "", 0, 0, err) < 0 ||
	    merge(x, x->stagefd, x->dirfd, "", 1, 0, err) < 0) {
		untar_x_abort(x);
		return -1;
	}
	close(x->stagefd);
	x->stagefd = -1;
	unlinkat(x->dirfd, x->stage, AT_REMOVEDIR);
	/* directory modes and times last, children first */
	for (size_t i = x->ndirs; i-- > 0;) {
		const char *leaf;
		int pfd = walk(x, x->dirfd, x->dirs[i].path, 0, &leaf, x->dirs[i].path, err);
		int dfd;
		if (pfd < 0)
			continue;
		dfd = openat(pfd, leaf, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(pfd);
		if (dfd < 0)
			continue;
		set_times(ts, x->dirs[i].mtime);
		fchmod(dfd, x->dirs[i].mode & 01777);
		futimens(dfd, ts);
		close(dfd);
	}
	if (x->root_set && x->created) {
		set_times(ts, x->root_mtime);
		fchmod(x->dirfd, x->root_mode & 01777);
		futimens(x->dirfd, ts);
	}
	err_clear(err);
	close(x->dirfd);
	x->dirfd = -1;
	free_dirs(x);
	return 0;
}
