/*
 * creds_proc.h: a profile's credential_process (SPEC section 5).
 *
 * The command runs with /bin/sh -c, stdin from /dev/null, stderr passed
 * through, stdout read (at most 64 KiB) as JSON: {"Version": 1,
 * "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"? (ISO
 * 8601)}. A non-zero exit or a signal is an error naming the profile and
 * the status.
 *
 * Internal: used by creds.c (the profile source); tested through it
 * (tests/test_creds.c runs small sh scripts as the process).
 */
#ifndef S3PUB_CREDS_PROC_H
#define S3PUB_CREDS_PROC_H

#include "creds.h"
#include "err.h"

/*
 * Runs `cmd` and reads its credentials into `c` (source left as it was);
 * `what` names the profile in messages ("profile 'dev'"). Returns 0, or -1
 * with err set (S3P_EUSAGE: the command could not run, failed, wrote more
 * than 64 KiB or no valid document). Forks: call it from one thread, as
 * creds.h says.
 */
int creds_process(creds_ctx *cx, const char *cmd, const char *what, creds *c,
    s3p_err *err);

#endif
