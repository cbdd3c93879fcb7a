/* alloc.c: see alloc.h. */
#include "alloc.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include "sync.h"

/*
 * The header in front of every block. `size` is the block's usable size: a
 * power of two up to ALLOC_SMALL_MAX for a small block, otherwise the
 * length of the whole mapping minus the header (always more than
 * ALLOC_SMALL_MAX, which is how free tells the two apart). `next` links a
 * small block on its class's free list while it is free. 16 bytes on every
 * target, and every block 16-byte aligned (max_align_t's alignment).
 */
typedef struct header {
	_Alignas(16) size_t size;
	struct header *next;
} header;

#define HDR sizeof(header)
#define CLASSES 9                      /* 16 << 0 ... 16 << 8 = 4 KiB */
#define REGION (256 * 1024)

static sync_mutex lock = { 0 };
static header *free_list[CLASSES];
static char *region_next, *region_end;  /* the unused rest of a region */

static size_t
page_round(size_t n)
{
	return (n + 4095) & ~(size_t)4095;
}

static void *
large_new(size_t n)
{
	size_t len;
	header *b;

	if (n > SIZE_MAX / 2) {
		errno = ENOMEM;
		return NULL;
	}
	len = page_round(n + HDR);
	b = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (b == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	b->size = len - HDR;
	return b + 1;
}

void *
alloc_malloc(size_t n)
{
	int c = 0;
	header *b;

	if (n > ALLOC_SMALL_MAX)
		return large_new(n);
	while ((size_t)16 << c < n)
		c++;
	sync_lock(&lock);
	b = free_list[c];
	if (b != NULL) {
		free_list[c] = b->next;
	} else {
		size_t need = HDR + ((size_t)16 << c);

		if ((size_t)(region_end - region_next) < need) {
			/* the rest of the old region is left unused: at most
			 * one block's worth per region */
			char *r = mmap(NULL, REGION, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (r == MAP_FAILED) {
				sync_unlock(&lock);
				errno = ENOMEM;
				return NULL;
			}
			region_next = r;
			region_end = r + REGION;
		}
		b = (header *)(void *)region_next;
		region_next += need;
		b->size = (size_t)16 << c;
	}
	sync_unlock(&lock);
	return b + 1;
}

void
alloc_free(void *p)
{
	header *b;
	int c = 0;

	if (p == NULL)
		return;
	b = (header *)p - 1;
	if (b->size > ALLOC_SMALL_MAX) {
		munmap(b, b->size + HDR);
		return;
	}
	while ((size_t)16 << c < b->size)
		c++;
	sync_lock(&lock);
	b->next = free_list[c];
	free_list[c] = b;
	sync_unlock(&lock);
}

void *
alloc_calloc(size_t count, size_t size)
{
	void *p;

	if (size != 0 && count > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	p = alloc_malloc(count * size);
	/* a new large mapping is zero already; a recycled small block is not */
	if (p != NULL && count * size <= ALLOC_SMALL_MAX)
		memset(p, 0, count * size);
	return p;
}

void *
alloc_realloc(void *p, size_t n)
{
	header *b;
	void *q;

	if (p == NULL)
		return alloc_malloc(n);
	b = (header *)p - 1;
	if (n <= b->size)
		return p;
	if (b->size > ALLOC_SMALL_MAX) {
		/* the kernel moves the pages: growing a large array one
		 * element at a time costs no copy */
		size_t len;

		if (n > SIZE_MAX / 2) {
			errno = ENOMEM;
			return NULL;
		}
		len = page_round(n + HDR);
		b = mremap(b, b->size + HDR, len, MREMAP_MAYMOVE);
		if (b == MAP_FAILED) {
			errno = ENOMEM;
			return NULL;
		}
		b->size = len - HDR;
		return b + 1;
	}
	q = alloc_malloc(n);
	if (q != NULL) {
		memcpy(q, p, b->size);
		alloc_free(p);
	}
	return q;
}

size_t
alloc_usable_size(const void *p)
{
	return p != NULL ? ((const header *)p - 1)->size : 0;
}

#ifdef S3PUB_OWN_MALLOC
void *malloc(size_t n) __attribute__((alias("alloc_malloc")));
void *calloc(size_t count, size_t size) __attribute__((alias("alloc_calloc")));
void *realloc(void *p, size_t n) __attribute__((alias("alloc_realloc")));
void free(void *p) __attribute__((alias("alloc_free")));
#endif
