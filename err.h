/*
 * err.h: the one error value that flows up through every unit.
 *
 * A unit that fails fills a caller-owned `s3p_err` with an exit class (the
 * table of SPEC section 10) and one line of text that names what failed
 * (file, host, key) and why (errno text, BearSSL error, HTTP status with the
 * S3 code and message). Units never print and never exit; only s3pub.c
 * prints `msg` and exits with `status`. Secrets are never put in `msg`.
 */
#ifndef S3PUB_ERR_H
#define S3PUB_ERR_H

#include <signal.h>
#include <stddef.h>

/* Exit statuses, SPEC section 10. */
enum {
	S3P_OK = 0,
	S3P_EUSAGE = 1,     /* usage or configuration error */
	S3P_EINPUT = 2,     /* local input: missing directory, unreadable file */
	S3P_ENET = 3,       /* network or TLS error after all retries */
	S3P_EREFUSED = 4,   /* 403, no such bucket: refused by the server */
	S3P_ESERVER = 5,    /* other server error after all retries */
	S3P_EINTEGRITY = 6  /* checksum mismatch, truncated body */
};

typedef struct {
	int status;        /* one of the S3P_E* values; 0 while no error */
	char msg[1024];    /* one line, no trailing newline */
} s3p_err;

/*
 * Records an error; returns -1 so that `return err_set(...)` reads well.
 * A second call overwrites the first. `e` may be NULL (the error is dropped).
 */
int err_set(s3p_err *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Clears `e` (status 0, empty message). */
void err_clear(s3p_err *e);

/*
 * Whether the interrupt flag a signal handler sets (s3pub.c) and the
 * units poll (`cancel`; NULL: never) is set. An atomic load: the handler
 * may run on another thread than the one polling, and volatile
 * sig_atomic_t alone covers only the handler's own thread.
 */
static inline int
err_cancelled(const volatile sig_atomic_t *cancel)
{
	return cancel != NULL && __atomic_load_n(cancel, __ATOMIC_RELAXED) != 0;
}

#endif
