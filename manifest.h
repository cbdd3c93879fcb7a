/*
 * manifest.h: plain mode's manifest, the object KEY + MANIFEST_SUFFIX that
 * lists every file published under KEY/ (README "Plain-mode manifest").
 *
 * The document is generated, never held whole: like the archive it is a
 * pure function of the file list (and each file's SHA-256, which the send
 * pass already computed), so any byte range is regenerated on demand and
 * memory stays O(1) in the number of files (one line buffer). Layout, one
 * file per line, in the walk's order, no timestamps:
 *
 *   {"s3pubManifest":1,"files":[
 *   {"path":"a/b.txt","size":12,"mode":"0644","sha256":"<64 hex>"},
 *   ...
 *   ]}
 *
 * Paths are JSON strings (RFC 8259): '"' and '\' escaped, control bytes
 * as \b \f \n \r \t or \u00XX, DEL as \u007f, valid UTF-8 passed through.
 * A path that is not valid UTF-8 is refused (S3 keys are UTF-8 anyway).
 */
#ifndef S3PUB_MANIFEST_H
#define S3PUB_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sha256.h"

/* Appended to KEY: sorts after "KEY/..." never collides with a file. */
#define MANIFEST_SUFFIX ".s3pub-manifest.json"

typedef struct {
	const char *path;              /* relative, NUL-terminated */
	uint64_t size;
	unsigned mode;                 /* permission bits */
	const char *sha256_hex;        /* 64 lowercase hex digits */
} manifest_file;

/* Entry `index` of the caller's list: 1 and *f set for a file to list,
 * 0 to skip the entry (directories, symlinks). */
typedef int (*manifest_entry_fn)(void *ctx, size_t index, manifest_file *f);

/* A reader over the generated document; caller-owned, set up with
 * manifest_init. The line buffer fits a 1024-byte key escaped 6 times. */
typedef struct {
	manifest_entry_fn entry;
	void *ctx;
	size_t count;
	size_t chunk;          /* next chunk: 0 header, 1..count, count+1 end */
	int listed;            /* a file line was written (comma before next) */
	uint64_t line_off;     /* document offset of line[0] */
	size_t line_len;
	char line[6 * 1024 + 160];
} manifest;

void manifest_init(manifest *m, manifest_entry_fn entry, void *ctx,
    size_t count);

/*
 * One line of the document for `f` (without separator) into out: its
 * length, or 0 when it does not fit or the path is not valid UTF-8.
 */
size_t manifest_line(char *out, size_t outsz, const manifest_file *f);

/*
 * Copies bytes [off, off+len) of the document into buf: 0, or -1 with
 * S3P_EINPUT in err (a path that is not UTF-8 or too long; a range past
 * the end). Sequential reads cost O(len); a read before the last one
 * regenerates from the start. The signature is s3_read_fn's.
 */
int manifest_read(void *m, unsigned sender, uint64_t off, void *buf,
    size_t len, s3p_err *err);

/* The document's size and SHA-256 in one generating pass: 0 or -1. */
int manifest_measure(manifest *m, uint64_t *size,
    unsigned char sha[SHA256_SIZE], s3p_err *err);

/* ---- the reader ---- */

/*
 * get's reader: a cursor over the document in a file (fd, read with
 * pread), one file line at a time, so that memory stays O(1) whatever
 * the number of files: the line, its path and the path before it.
 *
 * Strict: the version-1 header line, file lines, "]}" and its newline,
 * nothing after; a comma ends each file line but the last. A file line's
 * path is taken from it (the JSON string after {"path": up to the first
 * ","size": which cannot occur inside an escaped string) and must be
 * relative and normalized: not empty, no leading '/', no empty, "." or
 * ".." component (it can name nothing outside DIR, and no two spellings
 * of one file are listed); paths must be bytewise ascending (the walk's
 * order, and S3's listing order: a path listed twice is out of order).
 * The line's other values are checked by manifest_matches, which
 * generates the line again for the file as it was downloaded and wants
 * the same bytes: whatever differs from the layout (members, order,
 * spaces, escapes, leading zeros, case) never matches.
 */
typedef struct {
	int fd;
	int comma;                     /* the last file line ended in ',' */
	uint64_t off;                  /* of the next line */
	unsigned long line_no;         /* of the current line, from 1 */
	unsigned mode;                 /* the current line's, 0..07777 */
	size_t len;                    /* of line, without its comma */
	char line[6 * 1024 + 160 + 2]; /* a line manifest_read writes, NUL */
	char path[4097];               /* the current line's path */
	char prev[4097];               /* the one before */
} manifest_cursor;

void manifest_cursor_init(manifest_cursor *c, int fd);

/*
 * The next file line (the header is read first): 1 with c->line, c->path
 * and c->mode set; 0 at the end (after "]}", nothing more); -1 with err:
 * S3P_EINTEGRITY "NAME: line N: why" (`name` names the document).
 */
int manifest_next(manifest_cursor *c, const char *name, s3p_err *err);

/* 1 when the current line is, byte for byte, the one manifest_line
 * writes for c->path, `size` bytes, c->mode and sha256_hex; else 0. */
int manifest_matches(const manifest_cursor *c, uint64_t size,
    const char *sha256_hex);

#endif
