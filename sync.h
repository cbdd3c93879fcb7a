/*
 * sync.h: a mutex and a condition variable for s3pub's few threads.
 *
 * What pthread_mutex_t and pthread_cond_t give s3pub (the hash pass's
 * reader, a multipart upload's hasher and senders, plain mode's workers,
 * the compressing workers), on Linux futexes: musl's general versions
 * (robust, recursive and process-shared mutexes, timed and cancellable
 * waits) are 4 KB of a binary that must stay under 250,000 bytes, and
 * none of that is used here.
 *
 * A sync_mutex or sync_cond is ready when it is zero (static, calloc, or
 * `= { 0 }`); nothing is to be freed. Both are private to the process.
 * sync_cond_wait may return without a signal, as pthread_cond_wait may:
 * callers wait in a loop on their condition. The acquire and release
 * orders of the lock are C11 atomics, so ThreadSanitizer sees them.
 */
#ifndef S3PUB_SYNC_H
#define S3PUB_SYNC_H

#include <stdatomic.h>

typedef struct {
	atomic_int state;       /* 0 free, 1 held, 2 held and maybe waited on */
} sync_mutex;

typedef struct {
	atomic_int seq;         /* changes with every signal */
} sync_cond;

void sync_lock(sync_mutex *m);
void sync_unlock(sync_mutex *m);

/* Unlocks m, sleeps until a signal (or spuriously), locks m again. */
void sync_cond_wait(sync_cond *c, sync_mutex *m);
/* Wakes one waiter, or all. Either may be called without the mutex. */
void sync_cond_signal(sync_cond *c);
void sync_cond_broadcast(sync_cond *c);

#endif
