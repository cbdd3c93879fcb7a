/*
 * clock.h: the one place s3pub reads the wall clock.
 *
 * s3p_now() returns time(NULL), unless the environment variable
 * S3PUB_FAKE_TIME holds a time in the ISO 8601 basic form of SigV4,
 * "YYYYMMDDTHHMMSSZ" (UTC), in which case that time is returned on every
 * call (SPEC section 9: a testing aid, so that signatures and certificate
 * checks are reproducible). A malformed S3PUB_FAKE_TIME is ignored.
 *
 * s3p_parse_amz_time() is the parser used for it, public because other
 * units read the same form (x-amz-date).
 */
#ifndef S3PUB_CLOCK_H
#define S3PUB_CLOCK_H

#include <time.h>

/* Seconds since 1970-01-01T00:00:00Z, faked by S3PUB_FAKE_TIME. */
time_t s3p_now(void);

/*
 * Parses exactly "YYYYMMDDTHHMMSSZ" (16 characters, then NUL) into seconds
 * since the epoch (UTC). Returns 0 on success, -1 on any other input
 * (field out of range, years before 1970 or after 9999).
 */
int s3p_parse_amz_time(const char *s, time_t *out);

#endif
