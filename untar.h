/*
 * untar.h: a streaming tar reader, and a safe extractor into a directory.
 *
 * The reader (untar_ctx) is a push parser, BearSSL-style: the caller owns
 * the context (about 18 KiB, nothing allocated), feeds bytes in any split,
 * and the reader calls the sink: entry() once per member, then data() with
 * its bytes, then end(). It reads POSIX ustar (name with prefix), pax
 * extended headers ('x': path, linkpath, size, mtime; other records and
 * global 'g' headers are read and ignored), GNU long names and link names
 * (././@LongLink, types 'L' and 'K'), old-GNU headers (no prefix field),
 * and base-256 numbers. Header checksums are checked (unsigned or signed
 * sums, as GNU tar accepts). Reading stops at the first all-zero block
 * (the end-of-archive marker); what follows is ignored. GNU sparse files
 * (type 'S', or pax GNU.sparse.* records) are given as UNTAR_UNSUPPORTED:
 * their data is a sparse map, not the file. Names are limited
 * to UNTAR_PATH_MAX bytes. Errors are S3P_EINTEGRITY "tar: ...", or what a
 * sink callback set.
 *
 * The extractor (untar_x) is a sink that writes entries under DIR, never
 * outside it:
 *   - everything is first written into a fresh staging directory
 *     DIR/.s3pub-get-XXXXXX; untar_x_commit() moves it into DIR (existing
 *     directories are merged, an existing file or link is an error unless
 *     `force` or the same as the new one: mode, size, mtime and bytes, or
 *     target; checked for every entry before the first is moved), then
 *     restores directory modes and mtimes; untar_x_abort() removes the
 *     staging directory, so a failed or unverified download leaves nothing.
 *     The staging directory is locked (flock) while the extractor lives;
 *     untar_x_open() removes the unlocked ones (over 2 s old) that a
 *     killed process left in DIR.
 *   - refused with S3P_EINTEGRITY "refusing tar entry 'NAME': why":
 *     absolute paths, '..' components, symbolic links whose target is
 *     absolute or climbs above DIR (only leading '..' are allowed, at most
 *     as many as the link's depth), hard links whose target is absolute,
 *     has '..' or is not an earlier entry, a path through a symbolic link
 *     (every component is opened with O_NOFOLLOW, so a link written earlier
 *     or already in DIR is never followed), device nodes, FIFOs, and GNU
 *     sparse, multi-volume entries.
 *   - regular files, directories, symbolic links and hard links; modes
 *     (permission bits; directories keep the sticky bit, set-user-ID and
 *     set-group-ID are dropped) and mtimes restored. The root entry ("."
 *     or "./") sets DIR's mode and mtime only when untar_x_open created DIR.
 *   - local failures (disk full, an existing file without force) are
 *     S3P_EINPUT naming the path.
 * The extractor allocates: a list of directories whose attributes are set
 * at the end (a path per directory entry), as GNU tar does.
 *
 * Other writers (a plain download: one file per object) use the same
 * extractor by calling untar_x_entry/data/end with entries of their own.
 */
#ifndef S3PUB_UNTAR_H
#define S3PUB_UNTAR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define UNTAR_PATH_MAX 4096

enum {
	UNTAR_FILE = 1,
	UNTAR_DIR,
	UNTAR_SYMLINK,
	UNTAR_HARDLINK,
	UNTAR_DEVICE,           /* character or block device, FIFO */
	UNTAR_UNSUPPORTED       /* GNU sparse, multi-volume */
};

typedef struct {
	int type;               /* UNTAR_* */
	char typeflag;          /* as in the header */
	const char *path;       /* as in the archive (valid during entry()) */
	const char *linkpath;   /* symlink target, hard link target; else "" */
	unsigned mode;
	int64_t mtime;          /* seconds since the epoch; INT64_MIN: leave as is */
	uint64_t size;          /* data bytes that follow (files) */
} untar_entry;

typedef struct {
	int (*entry)(void *ctx, const untar_entry *e, s3p_err *err);
	int (*data)(void *ctx, const unsigned char *buf, size_t len, s3p_err *err);
	int (*end)(void *ctx, s3p_err *err);
	void *ctx;
} untar_sink;

typedef struct {
	/* all private */
	untar_sink sink;
	int state;
	size_t have;                    /* bytes in block */
	uint64_t left;                  /* data bytes left in the member */
	unsigned pad;                   /* padding bytes left after it */
	int to_sink;                    /* the member's data goes to the sink */
	int collect;                    /* 'L', 'K' being collected */
	/* pax record parsing (streamed: one record at a time) */
	int px_state;
	int px_global;
	uint64_t px_len, px_used;
	char px_key[32];
	size_t px_keylen, px_vallen;
	int px_which;                   /* which value is being stored */
	/* overrides for the next entry */
	int has_path, has_link, has_size, has_mtime;
	int sparse;                     /* GNU.sparse.* pax records seen */
	uint64_t pax_size;
	int64_t pax_mtime;
	size_t longlen;
	char path[UNTAR_PATH_MAX + 1];
	char link[UNTAR_PATH_MAX + 1];
	char tmp[UNTAR_PATH_MAX + 1];   /* pax value being read */
	unsigned char block[512];
	unsigned long entries;
	int ended;                      /* the end-of-archive block was read */
} untar_ctx;

void untar_init(untar_ctx *t, const untar_sink *sink);

/* Next bytes of the archive. 0, or -1 with err set (sticky). */
int untar_feed(untar_ctx *t, const void *in, size_t len, s3p_err *err);

/*
 * End of input: 0 when it ended at an entry boundary (with or without the
 * end-of-archive blocks), else -1 (S3P_EINTEGRITY, "tar: archive cut
 * short in 'NAME'").
 */
int untar_finish(untar_ctx *t, s3p_err *err);

/* Members read so far (not counting pax and long-name headers). */
unsigned long untar_entries(const untar_ctx *t);

/* ---- the extractor ---- */

typedef struct {
	/* all private */
	int dirfd, stagefd;
	int force;
	int created;                    /* DIR was created by untar_x_open */
	char dir[1024];                 /* for messages */
	char stage[64];
	int fd;                         /* the file being written, or -1 */
	char cur[UNTAR_PATH_MAX + 1];   /* its normalized path */
	unsigned cur_mode;
	int64_t cur_mtime;
	int root_set;
	unsigned root_mode;
	int64_t root_mtime;
	int dirsfd;                     /* the directories' attributes: a
	                                 * nameless file, or -1 */
	uint64_t dirs_len;
	unsigned long ndirs;
	uint64_t files, bytes;
} untar_x;

/*
 * Creates DIR when missing (one level: its parent must exist), then the
 * staging directory in it. 0, or -1 with err set (S3P_EINPUT).
 */
int untar_x_open(untar_x *x, const char *dir, int force, s3p_err *err);

/* The sink callbacks (ctx is the untar_x). */
int untar_x_entry(void *ctx, const untar_entry *e, s3p_err *err);
int untar_x_data(void *ctx, const unsigned char *buf, size_t len, s3p_err *err);
int untar_x_end(void *ctx, s3p_err *err);

/*
 * The mtime the file being written gets when untar_x_end closes it, in
 * place of its entry's (a plain object's: its Last-Modified, known once
 * the answer came).
 */
void untar_x_set_mtime(untar_x *x, int64_t mtime);

/* A sink for untar_init() over x. */
void untar_x_sink(untar_x *x, untar_sink *sink);

/*
 * Moves what was extracted into DIR (see the top), then frees everything.
 * On failure nothing was moved, the staging directory is removed and err
 * says why.
 */
int untar_x_commit(untar_x *x, s3p_err *err);

/* Removes the staging directory and frees everything. */
void untar_x_abort(untar_x *x);

/*
 * A nameless file in the staging directory, read and written (O_TMPFILE,
 * or a name removed at once where the file system has none): gone with
 * its descriptor, and the staging directory needs no /tmp. -1 with errno.
 */
int untar_x_tmpfile(untar_x *x);

/*
 * The checks of the extractor, exposed for tests and for keys: `in`
 * normalized into out (no "." or empty components, no trailing '/'; ""
 * for the root), or -1 with *why set ("absolute path", "'..' component").
 */
int untar_safe_path(const char *in, char *out, size_t outsz, const char **why);

/*
 * 0 when a symbolic link at normalized path `path` pointing to `target`
 * stays inside the root (see the top), else -1 with *why set.
 */
int untar_safe_symlink(const char *path, const char *target, const char **why);

#endif
