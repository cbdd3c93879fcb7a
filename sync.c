/* sync.c: see sync.h. The mutex is the third of Drepper's "Futexes Are
 * Tricky"; the condition variable a sequence number to sleep on. */
#include "sync.h"

#include <errno.h>
#include <limits.h>
#include <sys/syscall.h>
#include <unistd.h>

/* linux/futex.h's values: musl's headers do not carry the kernel's */
enum { FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_PRIVATE_FLAG = 128 };

/* errno kept: a wait's EAGAIN (the word changed) or EINTR is no failure
 * of the lock, and malloc and free take it (free must leave errno be) */
static void
futex(atomic_int *word, int op, int val)
{
	int e = errno;

	syscall(SYS_futex, word, op | FUTEX_PRIVATE_FLAG, val, NULL, NULL, 0);
	errno = e;
}

void
sync_lock(sync_mutex *m)
{
	int c = 0;

	if (atomic_compare_exchange_strong(&m->state, &c, 1))
		return;
	/* contended: mark it so (2), and sleep while another holds it */
	if (c != 2)
		c = atomic_exchange(&m->state, 2);
	while (c != 0) {
		futex(&m->state, FUTEX_WAIT, 2);
		c = atomic_exchange(&m->state, 2);
	}
}

void
sync_unlock(sync_mutex *m)
{
	if (atomic_fetch_sub(&m->state, 1) != 1) {
		atomic_store(&m->state, 0);
		futex(&m->state, FUTEX_WAKE, 1);
	}
}

void
sync_cond_wait(sync_cond *c, sync_mutex *m)
{
	/* read before unlocking: a signal after it changes seq, and then
	 * FUTEX_WAIT returns at once rather than sleep through it */
	int seq = atomic_load(&c->seq);

	sync_unlock(m);
	futex(&c->seq, FUTEX_WAIT, seq);
	sync_lock(m);
}

void
sync_cond_signal(sync_cond *c)
{
	atomic_fetch_add(&c->seq, 1);
	futex(&c->seq, FUTEX_WAKE, 1);
}

void
sync_cond_broadcast(sync_cond *c)
{
	atomic_fetch_add(&c->seq, 1);
	futex(&c->seq, FUTEX_WAKE, INT_MAX);
}
