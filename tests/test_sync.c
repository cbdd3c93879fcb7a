/*
 * test_sync.c: the futex mutex and condition variable.
 *
 * The oracle is arithmetic: what the threads did in all must add up, and
 * no two threads may ever be inside the lock at once. Run by ASan and by
 * ThreadSanitizer (t_tsan.sh), which reports a data race on the plain
 * counters below if a lock does not order them. A lost wake-up hangs a
 * test: the alarm's signal then ends it, a failure (run.sh).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "sync.h"
#include "unit.h"

#define THREADS 4
#define ROUNDS 100000
#define QUEUE 2

static sync_mutex mu;
static atomic_int inside;       /* threads inside the lock: never over 1 */
static int crowded;             /* times a thread found another inside */
static long counter;            /* plain: only the lock orders it */
static atomic_long clobbered;   /* locks and unlocks that changed errno */

static void *
count_main(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		/* contended, the futex wait fails (EAGAIN) now and then: the
		 * lock must leave errno as it was (alloc.c's free takes it) */
		errno = ENOENT;
		sync_lock(&mu);
		if (errno != ENOENT)
			atomic_fetch_add(&clobbered, 1);
		if (atomic_fetch_add(&inside, 1) != 0)
			crowded++;
		counter++;
		atomic_fetch_sub(&inside, 1);
		errno = ENOENT;
		sync_unlock(&mu);
		if (errno != ENOENT)
			atomic_fetch_add(&clobbered, 1);
	}
	return NULL;
}

/* A bounded queue: producers wait while it is full, consumers while it
 * is empty; each side wakes one of the other. */
static sync_cond not_full, not_empty, changed;
static long queue[QUEUE];
static int queued, produced_all;
static long consumed_sum, consumed_n;

static void *
produce_main(void *arg)
{
	long base = (long)(size_t)arg * ROUNDS;

	for (long i = 1; i <= ROUNDS; i++) {
		sync_lock(&mu);
		while (queued == QUEUE)
			sync_cond_wait(&not_full, &mu);
		queue[queued++] = base + i;
		sync_unlock(&mu);
		sync_cond_signal(&not_empty);
	}
	return NULL;
}

static void *
consume_main(void *arg)
{
	(void)arg;
	for (;;) {
		sync_lock(&mu);
		while (queued == 0 && !produced_all)
			sync_cond_wait(&not_empty, &mu);
		if (queued == 0) {
			sync_unlock(&mu);
			return NULL;
		}
		consumed_sum += queue[--queued];
		consumed_n++;
		sync_unlock(&mu);
		sync_cond_signal(&not_full);
	}
}

static int go, gone;

static void *
wait_go_main(void *arg)
{
	(void)arg;
	sync_lock(&mu);
	while (!go)
		sync_cond_wait(&changed, &mu);
	gone++;
	sync_unlock(&mu);
	return NULL;
}

int
main(void)
{
	pthread_t t[THREADS], c[THREADS];
	long want = 0;
	int started = 0;

	alarm(300);

	for (int i = 0; i < THREADS; i++)
		started += pthread_create(&t[i], NULL, count_main, NULL) == 0;
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	t_ok(started == THREADS && counter == (long)THREADS * ROUNDS &&
	    crowded == 0, "mutex: %d threads x %d increments: %ld, %d times "
	    "two inside", THREADS, ROUNDS, counter, crowded);
	t_ok(atomic_load(&clobbered) == 0, "mutex: errno as it was after "
	    "every contended lock and unlock (%ld changed)",
	    (long)atomic_load(&clobbered));

	/* two producers, two consumers, a queue of two: every hand-over
	 * wakes someone, so a lost wake-up soon hangs */
	started = 0;
	for (long i = 0; i < 2; i++) {
		started += pthread_create(&t[i], NULL, produce_main, (void *)(size_t)i) == 0;
		started += pthread_create(&c[i], NULL, consume_main, NULL) == 0;
		for (long k = 1; k <= ROUNDS; k++)
			want += i * ROUNDS + k;
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	sync_lock(&mu);
	produced_all = 1;
	sync_unlock(&mu);
	sync_cond_broadcast(&not_empty);
	for (int i = 0; i < 2; i++)
		pthread_join(c[i], NULL);
	t_ok(started == 4 && consumed_n == 2L * ROUNDS && consumed_sum == want,
	    "condition: 2 producers, 2 consumers, %d items each: %ld taken, "
	    "sum %ld (want %ld)", ROUNDS, consumed_n, consumed_sum, want);

	/* broadcast wakes every waiter, not one */
	started = 0;
	for (int i = 0; i < THREADS; i++)
		started += pthread_create(&t[i], NULL, wait_go_main, NULL) == 0;
	usleep(50000);          /* most of them asleep by now */
	sync_lock(&mu);
	go = 1;
	sync_unlock(&mu);
	sync_cond_broadcast(&changed);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	t_ok(started == THREADS && gone == THREADS,
	    "broadcast: %d of %d waiters woken", gone, THREADS);
	return t_done();
}
