/*
 * archive.c: walk -> plan -> ustar bytes -> stored-gzip bytes, any range
 * on demand. See archive.h for the contract; tar.h and gzip.h for the
 * formats.
 *
 * The plan is one array of `struct ent` (about 56 bytes) plus a pool of
 * NUL-terminated strings (path, then link target). Each entry records
 * where its headers start in the ustar stream, so an offset maps to its
 * entry by binary search. Headers are regenerated from the plan when a
 * range touches them (one header is cached); file data is read with
 * pread() straight into the caller's buffer.
 *
 * Trailer CRC: a running CRC-32 follows the ustar bytes handed out in
 * ascending order from 0; if the trailer is asked for before the running
 * CRC reached the end, an internal pass reads the rest of the ustar stream
 * through a 64 KiB buffer (allocated then, freed at close). No
 * crc32_combine: the pass is needed anyway for the bytes never read.
 */
#include "archive.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32.h"
#include "fmt.h"
#include "gzip.h"
#include "tar.h"
#include "zblocks.h"

#define CRC_CHUNK (64 * 1024)

struct ent {
	uint64_t off;       /* ustar offset of the entry's first header byte */
	uint64_t size;      /* data bytes (regular files) */
	int64_t mtime;      /* seconds, as lstat saw them (before the clamp) */
	size_t str;         /* pool offset: path NUL link NUL */
	uint32_t mtime_ns;  /* nanoseconds, for change detection only */
	uint32_t uid, gid;
	uint16_t hdr_len;   /* tar_header_size() */
	uint16_t path_len, link_len;
	uint16_t mode;      /* st_mode & 07777 */
	uint8_t type;       /* TAR_REG, TAR_SYMLINK, TAR_DIR */
};

enum { READ_HDRS, SEND_HDRS };

struct archive {
	int dirfd;
	char *dir;              /* DIR as given, for messages */
	int64_t sde;            /* SOURCE_DATE_EPOCH or -1 */
	struct ent *ents;
	size_t n, cap;
	char *pool;
	size_t pool_len, pool_cap;
	uint64_t tar_size, gz_size;

	/* the open files (fd -1: none): the two archive_read reads (two
	 * parts sent at once read two places of the tree by turns: one file
	 * would be opened again at every turn), the one of them it read
	 * last, and the one archive_span_at gives each sender (other threads
	 * may send a part while the next one is read for its hash) */
	archive_file rd[2], snd[ARCHIVE_SENDERS];
	unsigned rd_last;
	uint64_t crc_pos;       /* the running CRC covers ustar [0, crc_pos) */
	uint32_t crc;
	unsigned char *scratch; /* CRC_CHUNK bytes, for the internal pass */
	zblocks *z;             /* levels 1..9; NULL at level 0 */
	/*
	 * Tar headers as made last: [READ_HDRS] archive_read's at level 0
	 * and the compression threads' (one at a time: zblocks' lock);
	 * [SEND_HDRS] the sender's, who makes those of blocks stored whole
	 * while the threads read the next blocks (one cache for both gave
	 * either of them the other's header now and then).
	 */
	struct hdr_cache {
		size_t idx;     /* entry whose headers are in b, or SIZE_MAX */
		unsigned char b[TAR_HEADER_MAX];
	} hdrs[2];
};

/* ---- the walk ---- */

/* What the walk keeps of one directory entry until its level is sorted
 * (not a whole struct stat: a directory of a million entries costs 40 MB
 * here, not 150 MB). */
struct child {
	size_t key;             /* offset in the level's name buffer */
	uint64_t size;
	int64_t mtime;
	uint32_t mtime_ns, uid, gid, mode;
};

struct level {
	struct child *c;
	size_t n, cap;
	char *names;            /* name, '/' for directories, NUL */
	size_t len, lcap;
};

static int
grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	q = realloc(*p, ncap * elem);
	if (q == NULL)
		return -1;
	*p = q;
	*cap = ncap;
	return 0;
}

/*
 * Sorts a level's children by name, bytewise (strcmp compares as unsigned
 * char); a directory's key ends in '/', so the order is that of the full
 * paths. A heapsort: musl's qsort_r (a smoothsort) is a kilobyte of the
 * binary, this a tenth of it, and names are unique, so stability is moot.
 */
static void
sort_children(struct child *c, size_t n, const char *names)
{
	size_t i = n / 2, end = n, r, j;
	struct child t;

	/* build the heap (i going down), then take its top off (end down) */
	while (end > 1) {
		if (i > 0) {
			i--;
		} else {
			t = c[0], c[0] = c[--end], c[end] = t;
		}
		for (r = i; (j = 2 * r + 1) < end; r = j) {
			j += j + 1 < end &&
			    strcmp(names + c[j].key, names + c[j + 1].key) < 0;
			if (strcmp(names + c[r].key, names + c[j].key) >= 0)
				break;
			t = c[r], c[r] = c[j], c[j] = t;
		}
	}
}

/* An input error naming a path under DIR, with errno's text: fmt has
 * three %s, DIR, path and that text. */
static int
sys_err(const archive *a, s3p_err *err, const char *fmt, const char *path)
{
	return err_set(err, S3P_EINPUT, fmt, a->dir, path, strerror(errno));
}

static int
oom(const archive *a, s3p_err *err)
{
	return err_set(err, S3P_EINPUT, "out of memory walking '%s'", a->dir);
}

static int64_t
clamp_mtime(const archive *a, int64_t t)
{
	return a->sde >= 0 && t > a->sde ? a->sde : t;
}

static void
to_tar_entry(const archive *a, const struct ent *e, tar_entry *t)
{
	memset(t, 0, sizeof *t);
	t->path = a->pool + e->str;
	t->path_len = e->path_len;
	t->link = t->path + e->path_len + 1;
	t->link_len = e->link_len;
	t->type = e->type;
	t->mode = e->mode;
	t->uid = a->sde >= 0 ? 0 : e->uid;
	t->gid = a->sde >= 0 ? 0 : e->gid;
	t->size = e->size;
	t->mtime = clamp_mtime(a, e->mtime);
}

static int
add_entry(archive *a, const char *path, size_t plen, const struct child *st,
    s3p_err *err)
{
	char link[TAR_PATH_MAX + 1];
	ssize_t llen = 0;
	size_t str = a->pool_len;
	struct ent *e;
	tar_entry t;

	if (S_ISLNK(st->mode)) {
		llen = readlinkat(a->dirfd, path, link, sizeof link);
		if (llen < 0)
			return sys_err(a, err, "cannot read link '%s/%s': %s", path);
		if ((size_t)llen > TAR_PATH_MAX)
			return err_set(err, S3P_EINPUT, "link target of '%s/%s' too long",
			    a->dir, path);
	}
	/* the pool gets "path NUL link NUL" (path is NUL-terminated) */
	if (grow((void **)&a->ents, &a->cap, a->n + 1, sizeof *a->ents) < 0 ||
	    grow((void **)&a->pool, &a->pool_cap, str + plen + (size_t)llen + 2,
	    1) < 0)
		return oom(a, err);
	memcpy(a->pool + str, path, plen + 1);
	memcpy(a->pool + str + plen + 1, link, (size_t)llen);
	a->pool[str + plen + 1 + (size_t)llen] = 0;
	a->pool_len = str + plen + (size_t)llen + 2;
	e = &a->ents[a->n];
	e->str = str;
	e->type = S_ISDIR(st->mode) ? TAR_DIR : S_ISLNK(st->mode) ?
	    TAR_SYMLINK : TAR_REG;
	e->size = e->type == TAR_REG ? st->size : 0;
	e->mtime = st->mtime;
	e->mtime_ns = st->mtime_ns;
	e->uid = st->uid;
	e->gid = st->gid;
	e->mode = (uint16_t)(st->mode & 07777);
	e->path_len = (uint16_t)plen;
	e->link_len = (uint16_t)llen;
	e->off = a->tar_size;
	to_tar_entry(a, e, &t);
	e->hdr_len = (uint16_t)tar_header_size(&t);
	a->tar_size += e->hdr_len + tar_padded(e->size);
	a->n++;
	return 0;
}

static void
warn(const archive_opts *o, const char *kind, const char *dir, const char *path)
{
	char msg[TAR_PATH_MAX + 256];

	if (o == NULL || o->warn == NULL)
		return;
	fmt_snprintf(msg, sizeof msg, "skipping %s '%s/%s'", kind, dir, path);
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	o->warn(o->warn_ctx, msg);
}

/*
 * Adds the entries under the directory `path` (plen bytes, "" or ending in
 * '/'; the buffer holds TAR_PATH_MAX + 2 bytes) in order, recursively.
 * Reads the whole directory first, so only one directory is open at a time.
 */
static int
walk(archive *a, char *path, size_t plen, const archive_opts *o, s3p_err *err)
{
	struct level lv = { 0 };
	struct dirent *d;
	DIR *dp = NULL;
	int fd, rc = -1;

	path[plen] = 0;
	fd = openat(a->dirfd, plen ? path : ".",
	    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || (dp = fdopendir(fd)) == NULL)
		goto read_err;
	for (;;) {
		size_t nlen;
		struct child *c;
		struct stat st;

		errno = 0;
		if ((d = readdir(dp)) == NULL) {
			if (errno != 0)
				goto read_err;
			break;
		}
		/* "." and ".." */
		if (d->d_name[0] == '.' && (d->d_name[1] == '\0' ||
		    (d->d_name[1] == '.' && d->d_name[2] == '\0')))
			continue;
		nlen = strlen(d->d_name);
		if (grow((void **)&lv.c, &lv.cap, lv.n + 1, sizeof *lv.c) < 0 ||
		    grow((void **)&lv.names, &lv.lcap, lv.len + nlen + 2, 1) < 0) {
			oom(a, err);
			goto out;
		}
		c = &lv.c[lv.n];
		if (fstatat(dirfd(dp), d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT)
				continue;       /* vanished before it was seen */
			err_set(err, S3P_EINPUT, "cannot stat '%s/%s%s': %s",
			    a->dir, path, d->d_name, strerror(errno));
			goto out;
		}
		c->key = lv.len;
		c->size = (uint64_t)st.st_size;
		c->mtime = (int64_t)st.st_mtim.tv_sec;
		c->mtime_ns = (uint32_t)st.st_mtim.tv_nsec;
		c->uid = (uint32_t)st.st_uid;
		c->gid = (uint32_t)st.st_gid;
		c->mode = (uint32_t)st.st_mode;
		memcpy(lv.names + lv.len, d->d_name, nlen);
		lv.len += nlen;
		if (S_ISDIR(st.st_mode))
			lv.names[lv.len++] = '/';
		lv.names[lv.len++] = 0;
		lv.n++;
	}
	closedir(dp);
	dp = NULL;
	fd = -1;

	sort_children(lv.c, lv.n, lv.names);

	for (size_t i = 0; i < lv.n; i++) {
		const char *key = lv.names + lv.c[i].key;
		size_t klen = strlen(key), nplen = plen + klen;
		mode_t m = (mode_t)lv.c[i].mode;

		if (nplen > TAR_PATH_MAX) {
			err_set(err, S3P_EINPUT, "path too long: '%s/%.*s%s'", a->dir,
			    (int)plen, path, key);
			goto out;
		}
		memcpy(path + plen, key, klen + 1);
		if (!S_ISDIR(m) && !S_ISREG(m) && !S_ISLNK(m)) {
			warn(o, S_ISFIFO(m) ? "FIFO" : S_ISSOCK(m) ? "socket" : "device",
			    a->dir, path);
			continue;
		}
		if (add_entry(a, path, nplen, &lv.c[i], err) < 0)
			goto out;
		if (S_ISDIR(m) && walk(a, path, nplen, o, err) < 0)
			goto out;
		path[plen] = 0;
	}
	rc = 0;
	goto out;
read_err:
	sys_err(a, err, "cannot read directory '%s/%s': %s", path);
out:
	if (dp != NULL)
		closedir(dp);
	else if (fd >= 0)
		close(fd);
	free(lv.c);
	free(lv.names);
	return rc;
}

static int block_read(void *ctx, uint64_t u, void *buf, size_t len,
    s3p_err *err);
static void block_changed(void *ctx, uint64_t u, uint64_t len, s3p_err *err);

int
archive_open(archive **ap, const char *dir, const archive_opts *opts,
    s3p_err *err)
{
	char path[TAR_PATH_MAX + 2];
	struct stat st;
	archive *a = NULL;

	*ap = NULL;
	if (stat(dir, &st) < 0)
		goto cannot_open;
	if (!S_ISDIR(st.st_mode))
		return err_set(err, S3P_EINPUT, "'%s' is not a directory", dir);
	a = calloc(1, sizeof *a);
	if (a == NULL || (a->dir = strdup(dir)) == NULL) {
		free(a);
		return err_set(err, S3P_EINPUT, "out of memory");
	}
	archive_file_init(&a->rd[0]);
	archive_file_init(&a->rd[1]);
	for (int i = 0; i < ARCHIVE_SENDERS; i++)
		archive_file_init(&a->snd[i]);
	a->dirfd = -1;
	a->hdrs[READ_HDRS].idx = a->hdrs[SEND_HDRS].idx = SIZE_MAX;
	a->sde = opts != NULL ? opts->source_date_epoch : -1;
	/* strip trailing slashes from DIR in messages ("d/" -> "d/x") */
	for (size_t l = strlen(a->dir); l > 1 && a->dir[l - 1] == '/'; l--)
		a->dir[l - 1] = 0;
	a->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a->dirfd < 0)
		goto cannot_open;
	if (walk(a, path, 0, opts, err) < 0)
		goto fail;
	a->tar_size += TAR_END_SIZE;
	a->gz_size = gzip_stored_size(a->tar_size);
	if (opts != NULL && opts->level > 0) {
		zblocks_opts zo = { a->tar_size, opts->level, opts->jobs,
		    block_read, block_changed, a };
		if (zblocks_open(&a->z, &zo, err) < 0)
			goto fail;
		a->gz_size = 0;         /* known after the scan */
	}
	/* the plan is final: give back the slack of the doubling */
	if (a->n > 0) {
		void *p = realloc(a->ents, a->n * sizeof *a->ents);
		if (p != NULL)
			a->ents = p;
		p = realloc(a->pool, a->pool_len);
		if (p != NULL)
			a->pool = p;
	}
	*ap = a;
	return 0;
cannot_open:
	err_set(err, S3P_EINPUT, "cannot open directory '%s': %s", dir,
	    strerror(errno));
fail:
	archive_close(a);
	return -1;
}

void
archive_close(archive *a)
{
	if (a == NULL)
		return;
	/* first: its threads may still be compressing ahead from the plan */
	zblocks_close(a->z);
	archive_file_close(&a->rd[0]);
	archive_file_close(&a->rd[1]);
	for (int i = 0; i < ARCHIVE_SENDERS; i++)
		archive_file_close(&a->snd[i]);
	if (a->dirfd >= 0)
		close(a->dirfd);
	free(a->ents);
	free(a->pool);
	free(a->scratch);
	free(a->dir);
	free(a);
}

uint64_t
archive_size(const archive *a)
{
	return __atomic_load_n(&a->gz_size, __ATOMIC_ACQUIRE);
}

/*
 * The bytes of the .tar.gz that may be read now: all of them (*whole set),
 * or at levels 1..9 while the scan runs, the header and the deflate bytes
 * it has passed to its sink (the trailer comes at its end).
 */
static uint64_t
readable(const archive *a, int *whole)
{
	uint64_t gz = archive_size(a), done;

	*whole = gz != 0 || a->z == NULL;
	if (*whole)
		return gz;
	/* nothing before the scan's first block (its header is given first) */
	done = zblocks_done(a->z);
	return done != 0 ? GZIP_HEADER_SIZE + done : 0;
}

uint64_t
archive_size_bound(const archive *a)
{
	if (a->z == NULL)
		return a->gz_size;
	return GZIP_HEADER_SIZE + zblocks_bound(a->tar_size) +
	    GZIP_TRAILER_SIZE;
}

uint64_t
archive_tar_size(const archive *a)
{
	return a->tar_size;
}

size_t
archive_count(const archive *a)
{
	return a->n;
}

void
archive_entry_get(const archive *a, size_t index, archive_entry *e)
{
	tar_entry t;

	to_tar_entry(a, &a->ents[index], &t);
	e->path = t.path;
	e->link = t.link;
	e->type = t.type == TAR_DIR ? ARCHIVE_DIR : t.type == TAR_SYMLINK ?
	    ARCHIVE_SYMLINK : ARCHIVE_FILE;
	e->size = t.size;
	e->mode = t.mode;
	e->mtime = t.mtime;
}

/* ---- reading files ---- */

static int
changed(const struct ent *e, const struct stat *st)
{
	return !S_ISREG(st->st_mode) || (uint64_t)st->st_size != e->size ||
	    (int64_t)st->st_mtim.tv_sec != e->mtime ||
	    (uint32_t)st->st_mtim.tv_nsec != e->mtime_ns;
}

static int
changed_err(const archive *a, const struct ent *e, s3p_err *err)
{
	return err_set(err, S3P_EINPUT,
	    "'%s/%s' changed while being archived (size or mtime differs "
	    "from the walk)", a->dir, a->pool + e->str);
}

/* An empty regular file still has to be what the walk saw. */
static int
empty_check(const archive *a, const struct ent *e, s3p_err *err)
{
	struct stat st;

	if (fstatat(a->dirfd, a->pool + e->str, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return sys_err(a, err, "cannot stat '%s/%s': %s", a->pool + e->str);
	return changed(e, &st) ? changed_err(a, e, err) : 0;
}

/*
 * Bytes [off, off+len) of regular file i, checked against the walk, read
 * from the file open in f (opened if it is another's). With len 0, only
 * the checks: at open, and when off is the file's end.
 */
static int
file_read(const archive *a, archive_file *f, size_t i, uint64_t off,
    unsigned char *buf, size_t len, s3p_err *err)
{
	const struct ent *e = &a->ents[i];
	const char *path = a->pool + e->str;
	struct stat st;

	if (f->fd < 0 || f->idx != i) {
		if (f->fd >= 0)
			close(f->fd);
		/* O_NONBLOCK: a FIFO put in the file's place must not hang us */
		f->fd = openat(a->dirfd, path,
		    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (f->fd < 0)
			return sys_err(a, err, "cannot open '%s/%s': %s", path);
		f->idx = i;
		if (fstat(f->fd, &st) < 0 || changed(e, &st))
			goto fail_changed;
	}
	while (len > 0) {
		ssize_t r = pread(f->fd, buf, len, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			sys_err(a, err, "cannot read '%s/%s': %s", path);
			goto fail;
		}
		if (r == 0)
			goto fail_changed;      /* shorter than the walk saw */
		buf += r;
		off += (uint64_t)r;
		len -= (size_t)r;
	}
	/*
	 * Re-check when a read reaches the file's end: a change made at any
	 * time before shows in size or mtime (checked at open too). Once per
	 * file, not once per read: a fstat per 64 KiB was a third of the
	 * system calls of a publish.
	 */
	if (off == e->size && (fstat(f->fd, &st) < 0 || changed(e, &st)))
		goto fail_changed;
	return 0;
fail_changed:
	changed_err(a, e, err);
fail:
	close(f->fd);
	f->fd = -1;
	return -1;
}

void
archive_file_init(archive_file *f)
{
	f->fd = -1;
	f->idx = 0;
}

void
archive_file_close(archive_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

static int
file_range_bad(const archive *a, size_t index, uint64_t offset, size_t len,
    s3p_err *err)
{
	if (index < a->n && a->ents[index].type == TAR_REG &&
	    offset <= a->ents[index].size && len <= a->ents[index].size - offset)
		return 0;
	return err_set(err, S3P_EUSAGE, "archive_file: bad range");
}

int
archive_file_read(const archive *a, archive_file *f, size_t index,
    uint64_t offset, void *buf, size_t len, s3p_err *err)
{
	if (file_range_bad(a, index, offset, len, err) < 0)
		return -1;
	return file_read(a, f, index, offset, buf, len, err);
}

int
archive_file_span(const archive *a, archive_file *f, size_t index,
    uint64_t offset, size_t len, archive_span *sp, s3p_err *err)
{
	/* a read of nothing at the range's end: the checks alone */
	if (file_range_bad(a, index, offset, len, err) < 0 ||
	    file_read(a, f, index, offset + len, NULL, 0, err) < 0)
		return -1;
	sp->fd = f->fd;
	sp->fd_off = offset;
	sp->len = len;
	return 1;
}

/* ---- the ustar stream ---- */

/* The entry whose bytes hold ustar offset u (u < tar_size - TAR_END_SIZE). */
static size_t
find_entry(const archive *a, uint64_t u)
{
	size_t lo = 0, hi = a->n;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (a->ents[mid].off <= u)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

enum { TAR_PIECE_ZEROS, TAR_PIECE_HEADER, TAR_PIECE_DATA };

/*
 * What ustar byte u is: zeros (padding, the end blocks), a header or a
 * file's data (entry *i, at *rel in the header or the data); *n (> 0 on
 * entry) is cut to the bytes of that kind from u on.
 */
static int
tar_piece(const archive *a, uint64_t u, size_t *i, uint64_t *rel, size_t *n)
{
	const struct ent *e;
	uint64_t left;
	int kind = TAR_PIECE_ZEROS;

	*i = 0;
	*rel = 0;
	if (u >= a->tar_size - TAR_END_SIZE)
		return kind;    /* the two end blocks */
	*i = find_entry(a, u);
	e = &a->ents[*i];
	*rel = u - e->off;
	if (*rel < e->hdr_len) {
		left = e->hdr_len - *rel;
		kind = TAR_PIECE_HEADER;
	} else if ((*rel -= e->hdr_len) < e->size) {
		left = e->size - *rel;
		kind = TAR_PIECE_DATA;
	} else {
		left = tar_padded(e->size) - *rel;
	}
	if (left < *n)
		*n = (size_t)left;
	return kind;
}

/*
 * Ustar bytes [u, u+len) into buf; or, with sp, where the first of them
 * come from (archive_span_at): nothing is read, and what follows the
 * first piece (header, data, padding) is not looked at.
 */
static int
tar_read(archive *a, uint64_t u, unsigned char *buf, size_t len,
    archive_span *sp, archive_file *snd, struct hdr_cache *hc, s3p_err *err)
{
	while (len > 0) {
		size_t i = 0, n = len;
		uint64_t rel = 0;
		int kind = tar_piece(a, u, &i, &rel, &n);

		if (sp != NULL) {
			sp->len = n;
			/* at level 0, file bytes the running CRC has not
			 * covered yet go through archive_read, which brings
			 * it along (at levels 1..9 the scan has it) */
			if (kind != TAR_PIECE_DATA ||
			    (a->z == NULL && u + n > a->crc_pos))
				return 0;
			if (file_read(a, snd, i, rel + n, NULL, 0, err) < 0)
				return -1;
			sp->fd = snd->fd;
			sp->fd_off = rel;
			return 1;
		}
		if (kind == TAR_PIECE_ZEROS) {
			memset(buf, 0, n);
		} else if (kind == TAR_PIECE_DATA) {
			/* the file open for it, else the other one */
			unsigned k = a->rd[0].idx == i && a->rd[0].fd >= 0 ? 0 :
			    a->rd[1].idx == i && a->rd[1].fd >= 0 ? 1 :
			    !a->rd_last;
			a->rd_last = k;
			if (file_read(a, &a->rd[k], i, rel, buf, n, err) < 0)
				return -1;
		} else {
			const struct ent *e = &a->ents[i];

			if (hc->idx != i) {
				tar_entry t;
				to_tar_entry(a, e, &t);
				tar_header(&t, hc->b);
				hc->idx = i;
			}
			memcpy(buf, hc->b + rel, n);
			/* an empty file is never opened: check it as its
			 * header ends */
			if (e->type == TAR_REG && e->size == 0 &&
			    rel + n == e->hdr_len && empty_check(a, e, err) < 0)
				return -1;
		}
		buf += n;
		u += n;
		len -= n;
	}
	return 0;
}

void
archive_restart(archive *a)
{
	if (a->z != NULL)
		return;         /* zblocks' table holds each block's CRC */
	a->crc = 0;
	a->crc_pos = 0;
}

/* tar_read, and the running CRC when the range continues it. */
static int
tar_read_crc(archive *a, uint64_t u, unsigned char *buf, size_t n,
    s3p_err *err)
{
	if (tar_read(a, u, buf, n, NULL, NULL, &a->hdrs[READ_HDRS], err) < 0)
		return -1;
	if (u <= a->crc_pos && a->crc_pos < u + n) {
		size_t skip = (size_t)(a->crc_pos - u);
		a->crc = crc32_update(a->crc, buf + skip, n - skip);
		a->crc_pos = u + n;
	}
	return 0;
}

/* Completes the running CRC with an internal pass over the rest. */
static int
finish_crc(archive *a, s3p_err *err)
{
	while (a->crc_pos < a->tar_size) {
		uint64_t left = a->tar_size - a->crc_pos;
		size_t n = left < CRC_CHUNK ? (size_t)left : CRC_CHUNK;

		if (a->scratch == NULL && (a->scratch = malloc(CRC_CHUNK)) == NULL)
			return err_set(err, S3P_EINPUT, "out of memory");
		if (tar_read_crc(a, a->crc_pos, a->scratch, n, err) < 0)
			return -1;
	}
	return 0;
}

/* ---- levels 1..9: the member around zblocks' deflate stream ---- */

/* zblocks' input: the ustar stream (the CRC comes from zblocks). */
static int
block_read(void *ctx, uint64_t u, void *buf, size_t len, s3p_err *err)
{
	archive *a = ctx;

	return tar_read(a, u, buf, len, NULL, NULL, &a->hdrs[READ_HDRS], err);
}

/*
 * The error for ustar [u, u+len) whose bytes differ from the scan's: the
 * file whose data lies there, or the first and last of several (a change
 * that kept size and mtime shows only as different bytes of the block).
 */
static void
block_changed(void *ctx, uint64_t u, uint64_t len, s3p_err *err)
{
	archive *a = ctx;
	size_t i = u < a->tar_size - TAR_END_SIZE ? find_entry(a, u) : a->n;
	const struct ent *first = NULL, *last = NULL;
	size_t n = 0;

	for (; i < a->n && a->ents[i].off < u + len; i++) {
		const struct ent *e = &a->ents[i];
		if (e->type == TAR_REG && e->size > 0 &&
		    e->off + e->hdr_len + e->size > u) {
			first = first != NULL ? first : e;
			last = e;
			n++;
		}
	}
	if (n == 1)
		err_set(err, S3P_EINPUT, "'%s/%s' changed while being archived "
		    "(its bytes differ from the first pass)", a->dir,
		    a->pool + first->str);
	else if (n > 1)
		err_set(err, S3P_EINPUT, "a file changed while being archived: "
		    "one of the %zu from '%s/%s' to '%s/%s' (their bytes differ "
		    "from the first pass)", n, a->dir, a->pool + first->str,
		    a->dir, a->pool + last->str);
	else
		err_set(err, S3P_EINPUT, "'%s': the archive changed while being "
		    "sent (ustar bytes %llu..%llu differ from the first pass)",
		    a->dir, (unsigned long long)u, (unsigned long long)(u + len));
}

struct scan_sink {
	archive_sink_fn sink;
	void *ctx;
};

static int
scan_sink(void *ctx, const void *data, size_t len, s3p_err *err)
{
	struct scan_sink *ss = ctx;

	return ss->sink != NULL ? ss->sink(ss->ctx, data, len, err) : 0;
}

int
archive_scan(archive *a, archive_sink_fn sink, void *sink_ctx,
    const volatile sig_atomic_t *cancel, s3p_err *err)
{
	struct scan_sink ss = { sink, sink_ctx };
	unsigned char h[GZIP_HEADER_SIZE], t[GZIP_TRAILER_SIZE];

	if (a->z == NULL)
		return 0;
	__atomic_store_n(&a->gz_size, 0, __ATOMIC_RELEASE);
	gzip_header(h);
	if (scan_sink(&ss, h, sizeof h, err) < 0 ||
	    zblocks_scan(a->z, scan_sink, &ss, cancel, err) < 0)
		return -1;
	gzip_trailer(zblocks_crc(a->z), a->tar_size, t);
	if (scan_sink(&ss, t, sizeof t, err) < 0)
		return -1;
	/* (the trailer's, then all, readable: atomic, with archive_size) */
	__atomic_store_n(&a->gz_size, GZIP_HEADER_SIZE + zblocks_size(a->z) +
	    GZIP_TRAILER_SIZE, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Bytes of a block the scan stored whole that come from no file (stored-
 * block framing, tar headers, padding), at deflate offset d: written to p,
 * *n cut to them, without reading or compressing the block again; 1. 0
 * when the first byte is compressed or a file's: zblocks_read gives those,
 * compared with the scan's. -1 with err set (tar_read's).
 */
static int
stored_unread(archive *a, uint64_t d, unsigned char *p, size_t *n,
    s3p_err *err)
{
	gzip_span gs;
	size_t k = *n, i;
	uint64_t rel;

	if (!zblocks_locate(a->z, d, &gs))
		return 0;
	if (gs.len < k)
		k = (size_t)gs.len;
	if (gs.kind == GZIP_SPAN_FRAMING)
		memcpy(p, gs.bytes + gs.skip, k);
	else if (tar_piece(a, gs.in_off, &i, &rel, &k) == TAR_PIECE_DATA)
		return 0;
	else if (tar_read(a, gs.in_off, p, k, NULL, NULL, &a->hdrs[SEND_HDRS],
	    err) < 0)
		return -1;
	*n = k;
	return 1;
}

/*
 * archive_read at levels 1..9: header, zblocks' stream, trailer. What a
 * sender with archive_span_at reads between file stretches (framing,
 * tar headers) costs no pass over the block around it.
 */
static int
member_read(archive *a, unsigned sender, uint64_t off, unsigned char *p,
    size_t len, s3p_err *err)
{
	uint64_t gz = archive_size(a);
	/* the trailer, once the scan has ended (the caller checked the range) */
	uint64_t body = gz != 0 ? gz - GZIP_TRAILER_SIZE : UINT64_MAX;
	unsigned char piece[GZIP_HEADER_SIZE];

	while (len > 0) {
		size_t n, skip;

		if (off < GZIP_HEADER_SIZE || off >= body) {
			skip = (size_t)(off < GZIP_HEADER_SIZE ? off : off - body);
			if (off < GZIP_HEADER_SIZE)
				gzip_header(piece);
			else
				gzip_trailer(zblocks_crc(a->z), a->tar_size, piece);
			n = (off < GZIP_HEADER_SIZE ? GZIP_HEADER_SIZE :
			    GZIP_TRAILER_SIZE) - skip;
			n = n < len ? n : len;
			memcpy(p, piece + skip, n);
		} else {
			int r;

			n = body - off < len ? (size_t)(body - off) : len;
			r = stored_unread(a, off - GZIP_HEADER_SIZE, p, &n, err);
			if (r < 0 || (r == 0 && zblocks_read(a->z,
			    sender, off - GZIP_HEADER_SIZE, p, n, err) < 0))
				return -1;
		}
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

int
archive_read(archive *a, unsigned sender, uint64_t offset, void *buf,
    size_t len, s3p_err *err)
{
	unsigned char *p = buf;
	int whole;
	uint64_t avail = readable(a, &whole);

	if (offset > avail || len > avail - offset)
		return err_set(err, S3P_EUSAGE, "archive_read: range %llu+%zu "
		    "beyond the archive's %llu bytes%s", (unsigned long long)offset,
		    len, (unsigned long long)avail, whole ? "" : " scanned so far");
	if (a->z != NULL)
		return member_read(a, sender, offset, p, len, err);
	while (len > 0) {
		gzip_span s;
		size_t n;

		gzip_stored_locate(a->tar_size, offset, &s);
		n = s.len < len ? (size_t)s.len : len;
		if (s.kind == GZIP_SPAN_FRAMING) {
			memcpy(p, s.bytes + s.skip, n);
		} else if (s.kind == GZIP_SPAN_DATA) {
			if (tar_read_crc(a, s.in_off, p, n, err) < 0)
				return -1;
		} else {
			unsigned char t[GZIP_TRAILER_SIZE];

			if (finish_crc(a, err) < 0)
				return -1;
			gzip_trailer(a->crc, a->tar_size, t);
			memcpy(p, t + s.skip, n);
		}
		p += n;
		offset += n;
		len -= n;
	}
	return 0;
}

int
archive_span_at(archive *a, unsigned sender, uint64_t offset, size_t len,
    archive_span *sp, s3p_err *err)
{
	gzip_span gs;
	int whole;
	uint64_t avail = readable(a, &whole);

	sp->len = len;
	if (offset >= avail)
		return 0;       /* archive_read's error */
	if (a->z == NULL) {
		gzip_stored_locate(a->tar_size, offset, &gs);
	} else if (offset < GZIP_HEADER_SIZE) {
		gs.kind = GZIP_SPAN_FRAMING;
		gs.len = GZIP_HEADER_SIZE - offset;
	} else if (whole && offset >= avail - GZIP_TRAILER_SIZE) {
		gs.kind = GZIP_SPAN_TRAILER;
		gs.len = len;
	} else {
		/* 0: compressed bytes, read to the block's end */
		zblocks_locate(a->z, offset - GZIP_HEADER_SIZE, &gs);
	}
	if (gs.len < len)
		sp->len = (size_t)gs.len;
	return gs.kind != GZIP_SPAN_DATA ? 0 :
	    tar_read(a, gs.in_off, NULL, sp->len, sp, &a->snd[sender], NULL, err);
}
