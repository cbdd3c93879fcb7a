/*
 * alloc.h: the process's memory allocator in the static binary.
 *
 * Why s3pub has its own: musl's allocator (mallocng) is about 8 KB of a
 * binary whose target is 250 KB, and s3pub asks little of an allocator. Its
 * memory is bounded by design: a few buffers of fixed size (the hash
 * pass's ring, the HTTP buffers), the file list of an archive and small
 * strings; nothing is allocated per byte uploaded. So a simple design is
 * enough and easy to reason about:
 *
 *   - blocks up to ALLOC_SMALL_MAX bytes come in power-of-two size classes
 *     (16 bytes to 4 KiB), carved from 256 KiB regions taken with mmap and
 *     kept on a free list per class when freed (never returned to the
 *     system: the peak is small and short-lived);
 *   - larger blocks are their own mmap mapping, grown with mremap and
 *     given back with munmap when freed. So a list grown by realloc
 *     leaves at most 4 KiB behind it on the free lists (with classes up
 *     to 32 KiB, one freed block per class stayed resident: 60 KiB of a
 *     publish's peak), and a buffer's pages are resident only once
 *     written (a 16 KiB reply body that holds 300 bytes is one page).
 *
 * Every block is 16-byte aligned and carries a 16-byte
 * header saying which kind it is. One mutex guards the free lists; large
 * blocks need no lock.
 *
 * The alloc_* functions are the implementation and can be tested anywhere
 * (the sanitizer build tests them beside glibc's malloc). Built with
 * S3PUB_OWN_MALLOC defined (the static musl builds), alloc.c also defines
 * malloc, calloc, realloc and free themselves, so that libc's own code
 * (getaddrinfo, fopen) uses the same allocator; the static linker then
 * leaves musl's out.
 */
#ifndef S3PUB_ALLOC_H
#define S3PUB_ALLOC_H

#include <stddef.h>

#define ALLOC_SMALL_MAX 4096

/* As C11's malloc, calloc, realloc and free (errno ENOMEM on failure). */
void *alloc_malloc(size_t n);
void *alloc_calloc(size_t count, size_t size);
void *alloc_realloc(void *p, size_t n);
void alloc_free(void *p);

/* The usable size of a block (at least what was asked), for tests. */
size_t alloc_usable_size(const void *p);

#endif
