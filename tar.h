/*
 * tar.h: POSIX ustar headers with pax extended headers where ustar falls
 * short (POSIX.1-2008, pax "ustar Interchange Format" and "pax Extended
 * Header"). Pure functions: an entry description in, header bytes out.
 *
 * For one entry the archive holds tar_header_size(e) bytes of headers
 * (written by tar_header), then, for a regular file, its `size` bytes of
 * data padded with zeros to tar_padded(size). The archive ends with
 * TAR_END_SIZE zero bytes (two blocks), not padded to a 10240-byte record.
 *
 * The ustar header: name split into prefix and name where it fits (the
 * shortest prefix that leaves a name of at most 100 bytes), mode, uid,
 * gid, size and mtime in octal, typeflag '0', '2' or '5', linkname, magic
 * "ustar\0" version "00", uname and gname empty, devmajor/devminor 0.
 *
 * A pax extended header (typeflag 'x', name "PaxHeaders/<basename>" cut to
 * 100 bytes at a UTF-8 character boundary, mode 0644, owners 0, mtime 0)
 * precedes the entry when a value does not fit ustar; it holds only the
 * records needed, in this order: path (no prefix/name split possible),
 * linkpath (target over 100 bytes), size (8 GiB or more), mtime (< 0 or
 * > 8^11 - 1), uid and gid (> 2097151). The ustar field of a value carried
 * by pax holds a stand-in: the path or target cut to the field at a UTF-8
 * boundary, 0 for numbers. Times are whole seconds.
 */
#ifndef S3PUB_TAR_H
#define S3PUB_TAR_H

#include <stddef.h>
#include <stdint.h>

#define TAR_BLOCK 512
#define TAR_END_SIZE (2 * TAR_BLOCK)
/* Longest path and link target accepted (Linux PATH_MAX less the NUL). */
#define TAR_PATH_MAX 4095
/* Upper bound of tar_header_size() for paths within TAR_PATH_MAX. */
#define TAR_HEADER_MAX (12 * 1024)

enum { TAR_REG = '0', TAR_SYMLINK = '2', TAR_DIR = '5' };

typedef struct {
	const char *path;   /* relative, '/' separators; dirs end in '/' */
	size_t path_len;    /* 1 .. TAR_PATH_MAX */
	const char *link;   /* symlink target (TAR_SYMLINK), else unused */
	size_t link_len;    /* 0 .. TAR_PATH_MAX */
	int type;           /* TAR_REG, TAR_SYMLINK or TAR_DIR */
	unsigned mode;      /* permission bits, 07777 */
	uint64_t uid, gid;
	uint64_t size;      /* data bytes (TAR_REG), else 0 */
	int64_t mtime;      /* seconds since the epoch */
} tar_entry;

/* Bytes of headers for `e`: a multiple of TAR_BLOCK, <= TAR_HEADER_MAX. */
size_t tar_header_size(const tar_entry *e);

/* Writes the tar_header_size(e) bytes of headers for `e` to `out`. */
void tar_header(const tar_entry *e, unsigned char *out);

/* `size` rounded up to whole blocks: the data's share of the archive. */
uint64_t tar_padded(uint64_t size);

#endif
