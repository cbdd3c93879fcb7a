/*
 * archive.h: the .tar.gz of a directory as a seekable range reader
 * (SPEC section 3, issue 3).
 *
 * archive_open() walks DIR once and builds the *plan*: the sorted entry
 * list with, for each entry, where its header and data sit in the ustar
 * stream. Every stage after the walk is a pure function of the plan and the
 * files' contents (ustar headers, deflate *stored* blocks, no compression),
 * so the exact size of the final .tar.gz is known before any content is
 * read, and any byte range of it can be produced on demand by re-reading
 * the files with pread(). Nothing is buffered but two headers (up to 12
 * KiB each) and, for the trailer's CRC when it is asked for early, one 64
 * KiB block: the memory used is the plan (about 60 bytes + path length +
 * link target length per entry) plus under 100 KiB, whatever the tree size.
 *
 * The walk (bytewise order of the relative paths, lstat, symlinks never
 * followed):
 *   - entries are paths relative to DIR with '/' separators, sorted
 *     bytewise as whole strings (a directory's path ends in '/', so "a-b",
 *     "a.txt", "a/", "a/x", "a0" is the order); DIR itself is not an entry;
 *   - directories (empty ones kept), regular files, symbolic links with
 *     their target (readlink, never followed);
 *   - sockets, FIFOs and devices are skipped, each with one call of
 *     opts->warn (the unit never prints);
 *   - hard links are stored as independent regular files;
 *   - an entry that vanishes between readdir() and lstat() is left out;
 *   - a relative path of 4096 bytes or more, or a link target of 4096 or
 *     more, is an input error (they could not be reopened by name).
 * Errors: DIR missing, DIR not a directory, a directory that cannot be
 * read, an entry that cannot be lstat'ed: S3P_EINPUT naming the path.
 *
 * The format: POSIX ustar, prefix/name split where it fits, and a pax
 * extended header (typeflag 'x', name "PaxHeaders/<basename>" cut to 100
 * bytes at a UTF-8 boundary) with the records path, linkpath, size, mtime,
 * uid, gid, each only when ustar cannot hold that value (path or link
 * target too long, size >= 8 GiB, mtime < 0 or > 8^11-1, ids > 2097151).
 * Modes are st_mode & 07777, times are whole seconds, owners numeric only
 * (uname and gname empty). The ustar stream ends with two zero blocks and
 * is *not* padded to a 10240-byte record (GNU tar, bsdtar and python read
 * it without a warning). The gzip member (gzip.h): 10-byte header with
 * MTIME 0, no name, XFL 0, OS 255 (unknown: the bytes do not depend on the
 * host), stored blocks of at most 65,535 bytes, CRC-32 and ISIZE trailer.
 * At levels 1..9 the same member holds, instead of stored blocks, the
 * ustar stream compressed as independent blocks (zblocks.h): the bytes
 * depend only on the files, the level and DEFLATE_BLOCK, never on the
 * thread count.
 *
 * Change detection: each time a file is opened for its content it is
 * fstat'ed and compared with the walk (regular file, size, mtime to the
 * nanosecond), and again after each read from it; a difference, a failed
 * open (O_NOFOLLOW) or a short read is S3P_EINPUT naming the file.
 *
 * The trailer's CRC-32 (of the whole ustar stream): a running CRC follows
 * reads made in ascending order from offset 0 (the hash pass), so reading
 * 0..size in order reads each file exactly once. When the trailer is asked
 * for before the running CRC reached the end, archive_read() finishes it
 * with an internal pass over the rest of the ustar stream (re-reading those
 * files). Once known it is kept: later passes reuse it.
 *
 * An archive is used by one thread at a time (its compressing threads read
 * files one at a time, on its behalf, with a header buffer of their own:
 * the caller's reads run beside theirs); reads may come in any order
 * and may repeat (multipart retries).
 */
#ifndef S3PUB_ARCHIVE_H
#define S3PUB_ARCHIVE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef struct archive archive;

typedef struct {
	/*
	 * -1: unset. Else (the caller read SOURCE_DATE_EPOCH): mtimes later
	 * than it are written as it, and owners as 0/0.
	 */
	int64_t source_date_epoch;
	/* Called once per skipped entry with one line naming it; may be NULL. */
	void (*warn)(void *ctx, const char *msg);
	void *warn_ctx;
	/*
	 * 0: stored deflate blocks (the sizes follow from the walk). 1..9:
	 * compressed as independent blocks (zblocks.h), sizes known after
	 * archive_scan().
	 */
	int level;
	unsigned jobs;          /* level > 0: compressing threads (<= 1: none) */
} archive_opts;

/* Entry types. */
enum { ARCHIVE_DIR = 1, ARCHIVE_FILE = 2, ARCHIVE_SYMLINK = 3 };

typedef struct {
	const char *path;  /* relative to DIR, NUL-terminated; dirs end in '/' */
	const char *link;  /* symlink target; "" for other types */
	int type;          /* ARCHIVE_DIR, ARCHIVE_FILE or ARCHIVE_SYMLINK */
	uint64_t size;     /* bytes of a regular file; 0 otherwise */
	unsigned mode;     /* permission bits, st_mode & 07777 */
	int64_t mtime;     /* seconds, as written (after the clamp) */
} archive_entry;

/*
 * Walks `dir` and builds the plan. `opts` may be NULL (no clamp, no
 * warnings). On success *ap is a new archive (free it with archive_close)
 * and 0 is returned; on failure -1, *ap is NULL and `err` says why.
 */
int archive_open(archive **ap, const char *dir, const archive_opts *opts,
    s3p_err *err);

/*
 * Exact byte size of the .tar.gz: from the plan alone at level 0; at
 * levels 1..9 only after archive_scan() (0 before).
 */
uint64_t archive_size(const archive *a);

/*
 * An upper bound of archive_size() known from the plan alone, at every
 * level (equal to it at level 0): what part sizes are chosen from.
 */
uint64_t archive_size_bound(const archive *a);

/* Gets the .tar.gz in order during archive_scan(); 0, or -1 to stop. */
typedef int (*archive_sink_fn)(void *ctx, const void *data, size_t len,
    s3p_err *err);

/*
 * Levels 1..9: the compression pass. Compresses every block of the ustar
 * stream (on opts->jobs threads), records each block's compressed size,
 * and gives the whole .tar.gz, from its first byte to its last, to `sink`
 * (may be NULL). After it archive_size() is exact and archive_read()
 * serves any range by compressing the blocks again. While it runs, one
 * other thread may read (archive_read, archive_span_at) what it has
 * already given the sink, but the trailer (zblocks.h: zblocks_done);
 * archive_size() is 0 until it ends. `cancel` as in zblocks_scan. Level
 * 0: returns 0 at once; the sink is not called.
 */
int archive_scan(archive *a, archive_sink_fn sink, void *sink_ctx,
    const volatile sig_atomic_t *cancel, s3p_err *err);

/* Byte size of the ustar stream inside it (what zcat prints). */
uint64_t archive_tar_size(const archive *a);

/*
 * Writes bytes [offset, offset+len) of the .tar.gz to `buf`, for reader
 * `sender` (0 or 1, as archive_span_at's: at levels 1..9 each keeps its
 * own read-ahead of compressed blocks). The range must lie within
 * archive_size() (else S3P_EUSAGE; at levels 1..9 also before
 * archive_scan, and while it runs past what it has given its sink).
 * Returns 0, or -1 with `err` set (S3P_EINPUT naming the file that
 * changed or could not be read; at levels 1..9 also a file whose bytes
 * differ from what archive_scan compressed).
 */
int archive_read(archive *a, unsigned sender, uint64_t offset, void *buf,
    size_t len, s3p_err *err);

/*
 * For a sender that moves file bytes to a socket without copying them
 * (sendfile): where bytes [offset, offset+len) of the .tar.gz (len >= 1)
 * come from. Returns 1 when the first sp->len of them are a file's data,
 * bytes [sp->fd_off, +sp->len) of file sp->fd, checked against the walk
 * as archive_read checks (at open, and when the stretch reaches the
 * file's end). sp->fd is the archive's, open until `sender`'s next call
 * or archive_close, and apart from the file archive_read uses (a part may
 * be sent while the next one is read for its hash, under the caller's
 * lock). Each of the ARCHIVE_SENDERS senders (0, 1) has a file of its own,
 * so that two parts can be sent at once (s3.h: twin), each sender calling
 * under the caller's lock.
 * A file that ends early (sendfile returns 0) is a change: read those
 * bytes with archive_read, whose error names the file. Returns 0 when
 * the first sp->len bytes are to be read with archive_read: framing, tar
 * headers, padding, the trailer, compressed bytes, and at level 0 file
 * bytes the trailer's running CRC has not covered yet (a send pass never
 * leaves it behind; after the hash pass it covers them all). At levels
 * 1..9 the file bytes of the blocks the scan stored whole (random data,
 * compressed files) are spans too: they go out unchecked against the
 * scan (the server checks the signed hash; after its refusal a fresh
 * pass through archive_read names the file), and archive_read gives the
 * framing and tar headers between them without a pass over the block.
 * -1 with err set as archive_read.
 */
typedef struct {
	int fd;
	uint64_t fd_off;    /* file offset of the range's first byte */
	size_t len;         /* 1..len */
} archive_span;

#define ARCHIVE_SENDERS 2

int archive_span_at(archive *a, unsigned sender, uint64_t offset,
    size_t len, archive_span *sp, s3p_err *err);

/*
 * The bytes may differ from the pass before (the server refused their
 * hash: a file changed, keeping its size and mtime). At level 0 the
 * trailer's CRC-32 is then counted anew by the next pass that reads in
 * order from offset 0 (the fresh hash pass), so that the trailer it
 * hashes matches the file bytes it hashes; until that pass covers a file
 * stretch, archive_span_at gives none. At levels 1..9 nothing changes:
 * archive_read refuses a block whose input differs from the scan's.
 */
void archive_restart(archive *a);

/* Number of entries (plain mode walks the same list). */
size_t archive_count(const archive *a);

/*
 * Fills `e` with entry `index` (< archive_count). The strings point into
 * the plan: valid until archive_close().
 */
void archive_entry_get(const archive *a, size_t index, archive_entry *e);

/*
 * One file of the list opened by the caller (plain mode's objects): the
 * caller owns it, so threads that each hold their own read without a
 * lock, and a descriptor given to a sender stays open while another file
 * is read. archive_file_init() first; archive_file_close() closes what
 * is open (fd -1: nothing).
 */
typedef struct {
	int fd;
	size_t idx;
} archive_file;

void archive_file_init(archive_file *f);
void archive_file_close(archive_file *f);

/*
 * Writes bytes [offset, offset+len) of regular file `index` (plain mode's
 * PutObject bodies), opening it in f when f holds another, with the same
 * change detection as archive_read (size and mtime at open, and when a
 * read reaches the file's end). The range must lie within the entry's
 * size and the entry must be a regular file (else S3P_EUSAGE). After a
 * failure f holds nothing.
 */
int archive_file_read(const archive *a, archive_file *f, size_t index,
    uint64_t offset, void *buf, size_t len, s3p_err *err);

/*
 * archive_span_at for file `index` alone: bytes [offset, offset+len) are
 * sp->fd's (f's, opened and checked as archive_file_read does, nothing
 * read), sp->fd_off = offset, sp->len = len. Returns 1, or -1 with err
 * set as archive_file_read.
 */
int archive_file_span(const archive *a, archive_file *f, size_t index,
    uint64_t offset, size_t len, archive_span *sp, s3p_err *err);

/* Closes the open file, frees the plan and the archive. NULL is fine. */
void archive_close(archive *a);

#endif
