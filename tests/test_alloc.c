/*
 * test_alloc.c: alloc.c's contract (C11's malloc family) checked directly
 * through the alloc_* names, so that the sanitizer build tests it too; in
 * the static build the same code is also the process's malloc, which every
 * other test then exercises.
 */
#include "../alloc.h"
#include "unit.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>

static int
filled(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static void
sizes(void)
{
	static const size_t ns[] = { 0, 1, 15, 16, 17, 31, 32, 33, 100, 1000,
	    4095, 4096, 4097, 16383, 16384, 16385, 32767, 32768, 32769, 65536,
	    131072, 131073, 1 << 20, (1 << 20) + 5 };
	char why[128] = "";

	for (size_t i = 0; i < sizeof ns / sizeof *ns && !why[0]; i++) {
		unsigned char *p = alloc_malloc(ns[i]);

		if (p == NULL)
			snprintf(why, sizeof why, "malloc(%zu) failed", ns[i]);
		else if ((uintptr_t)p % 16 != 0)
			snprintf(why, sizeof why, "malloc(%zu) not 16-aligned", ns[i]);
		else if (alloc_usable_size(p) < ns[i])
			snprintf(why, sizeof why, "malloc(%zu): usable %zu", ns[i],
			    alloc_usable_size(p));
		else if (ns[i] <= ALLOC_SMALL_MAX && ns[i] > 16 &&
		    alloc_usable_size(p) >= 2 * ns[i])
			snprintf(why, sizeof why, "malloc(%zu): class %zu too big",
			    ns[i], alloc_usable_size(p));
		if (p != NULL) {
			memset(p, 0xa5, alloc_usable_size(p));
			alloc_free(p);
		}
	}
	t_ok(!why[0], "malloc: 24 sizes from 0 to 1 MiB: aligned, big enough, "
	    "the next power of two at most%s%s", why[0] ? ": " : "", why);
	alloc_free(NULL);       /* a no-op: a crash would end the test here */
}

static void
reuse_and_calloc(void)
{
	unsigned char *a = alloc_malloc(200), *b, *c;

	memset(a, 0xff, 200);
	alloc_free(a);
	b = alloc_malloc(256);
	t_ok(b == a, "a freed block is reused for the same class");
	memset(b, 0xff, 256);
	alloc_free(b);
	c = alloc_calloc(16, 16);
	t_ok(c == a && filled(c, 256, 0), "calloc zeroes a recycled block");
	alloc_free(c);
	c = alloc_calloc(1000, 1000);
	t_ok(c != NULL && filled(c, 1000000, 0), "calloc of 1 MB: zero");
	alloc_free(c);
	errno = 0;
	t_ok(alloc_calloc(SIZE_MAX / 2, 3) == NULL && errno == ENOMEM,
	    "calloc: count * size overflow is ENOMEM, not a short block");
	errno = 0;
	t_ok(alloc_malloc(SIZE_MAX - 8) == NULL && errno == ENOMEM,
	    "malloc(SIZE_MAX - 8) is ENOMEM");
}

static void
growth(void)
{
	unsigned char *p = alloc_malloc(10), *q;
	size_t n = 10;
	int ok = 1;

	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)i;
	/* grow through small classes, into a mapping, then mapping to mapping */
	while (n < 3000000 && ok) {
		size_t m = n * 3 + 7;

		q = alloc_realloc(p, m);
		if (q == NULL) {
			ok = 0;
			break;
		}
		for (size_t i = 0; i < n; i++)
			if (q[i] != (unsigned char)i)
				ok = 0;
		for (size_t i = n; i < m; i++)
			q[i] = (unsigned char)i;
		p = q;
		n = m;
	}
	t_ok(ok, "realloc from 10 bytes to %zu keeps every byte", n);
	q = alloc_realloc(p, 100);
	t_ok(q == p, "realloc to a smaller size keeps the block");
	alloc_free(q);
	p = alloc_realloc(NULL, 50);
	t_ok(p != NULL && alloc_usable_size(p) >= 50, "realloc(NULL, n) is malloc(n)");
	alloc_free(p);

	/* one element at a time past the small limit: mremap, no copy storm */
	p = NULL;
	n = 0;
	for (uint64_t i = 0; i < 300000 && ok; i++) {
		q = alloc_realloc(p, n + 8);
		if (q == NULL)
			ok = 0;
		else
			p = q;
		memcpy(p + n, &i, 8);
		n += 8;
	}
	for (uint64_t i = 0; i < 300000 && ok; i++) {
		uint64_t v;

		memcpy(&v, p + 8 * i, 8);
		ok = v == i;
	}
	t_ok(ok, "an array grown by 8 bytes 300000 times holds every element");
	alloc_free(p);
}

/* threads: each keeps blocks tagged with its own byte, checks, frees */
static void *
worker(void *arg)
{
	unsigned tag = (unsigned)(uintptr_t)arg;
	uint32_t seed = 2463534242u * (tag + 1);
	unsigned char *slot[64] = { 0 };
	size_t len[64];
	intptr_t bad = 0;

	for (int it = 0; it < 50000; it++) {
		int k;

		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		k = (int)(seed % 64);
		if (slot[k] != NULL) {
			if (!filled(slot[k], len[k], (unsigned char)tag))
				bad++;
			alloc_free(slot[k]);
			slot[k] = NULL;
		} else {
			len[k] = (seed >> 8) % ((seed & 7) == 0 ? 70000 : 600);
			slot[k] = alloc_malloc(len[k]);
			if (slot[k] == NULL)
				bad++;
			else
				memset(slot[k], (int)tag, len[k]);
		}
	}
	for (int k = 0; k < 64; k++)
		alloc_free(slot[k]);
	return (void *)bad;
}

static void
threads(void)
{
	pthread_t th[4];
	intptr_t bad = 0;

	for (uintptr_t i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, worker, (void *)(i + 1));
	for (int i = 0; i < 4; i++) {
		void *r;

		pthread_join(th[i], &r);
		bad += (intptr_t)r;
	}
	t_ok(bad == 0, "4 threads x 50000 random malloc/free: no block shared "
	    "or overwritten (%ld bad)", (long)bad);
}

/* Whether the page holding p is mapped (mincore fails with ENOMEM else). */
static int
mapped(const void *p)
{
	uintptr_t pg = (uintptr_t)getauxval(AT_PAGESZ);
	unsigned char v;

	return mincore((void *)((uintptr_t)p & ~(pg - 1)), 1, &v) == 0;
}

static void
release(void)
{
	/*
	 * Above ALLOC_SMALL_MAX a block is its own mapping, given back when
	 * freed: a list grown by realloc through the sizes leaves no
	 * resident block behind it but the small classes' (4 KiB at most).
	 */
	unsigned char *p = alloc_malloc(ALLOC_SMALL_MAX + 1), *q;
	int was;

	memset(p, 0x5a, ALLOC_SMALL_MAX + 1);
	was = mapped(p + ALLOC_SMALL_MAX);
	alloc_free(p);
	t_ok(was && !mapped(p + ALLOC_SMALL_MAX), "a freed block of "
	    "ALLOC_SMALL_MAX + 1 bytes goes back to the system");
	p = NULL;
	for (size_t n = 16; n <= 65536; n *= 2) {
		q = alloc_realloc(p, n);
		if (q == NULL)
			break;
		memset(q, 0x33, n);
		p = q;
	}
	q = alloc_malloc(ALLOC_SMALL_MAX);
	t_ok(p != NULL && filled(p, 65536, 0x33) && q != NULL &&
	    alloc_usable_size(q) == ALLOC_SMALL_MAX, "an array grown by "
	    "realloc from 16 bytes to 64 KiB: the 4 KiB class's block left "
	    "behind is reused");
	alloc_free(q);
	alloc_free(p);
	p = alloc_malloc(3000);
	memset(p, 0x5a, 3000);
	alloc_free(p);
	q = alloc_malloc(3000);
	t_ok(q == p && filled(q, 3000, 0x5a), "a small block (4 KiB class) "
	    "freed keeps its pages (its bytes still there when reused)");
	alloc_free(q);
}

int
main(void)
{
	sizes();
	reuse_and_calloc();
	growth();
	release();
	threads();
	return t_done();
}
