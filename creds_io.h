/*
 * creds_io.h: what the credential units share to read their inputs and to
 * say what they do: environment variables, small whole files (profiles,
 * token files), the verbose log line.
 *
 * Internal: used by creds.c, creds_net.c and creds_proc.c. Callers outside
 * the credential units go through creds.h.
 */
#ifndef S3PUB_CREDS_IO_H
#define S3PUB_CREDS_IO_H

#include <stddef.h>

#include "creds.h"
#include "err.h"

/*
 * getenv(name), or NULL when the variable is unset or empty: an empty
 * AWS_* variable counts as unset, as in botocore.
 */
const char *creds_env(const char *name);

/*
 * Reads the whole file `path`, at most `max` bytes, into malloc'd memory
 * (NUL-terminated; *out is the caller's to free). Returns 1; 0 when it
 * does not exist or is a directory (botocore's isfile()), *out NULL; -1
 * with err set (S3P_EUSAGE: unreadable, larger than max, out of memory).
 * With `what` non-NULL, a file that does not exist is an error too, "WHAT
 * PATH: no such file".
 */
int creds_read_file(const char *path, size_t max, char **out, size_t *len,
    const char *what, s3p_err *err);

/*
 * One line to cx->log (nothing without one): "credentials: " and the
 * formatted text, cut at 768 bytes, no newline. Never give it a secret.
 */
void creds_log(creds_ctx *cx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
