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
 *
 * s3p_utc_to_time() and s3p_time_to_utc() convert between seconds and UTC
 * calendar fields (proleptic Gregorian), as timegm and gmtime_r do, for
 * every unit that prints or parses a date: libc's would bring musl's
 * time-zone machinery into the binary for the one zone s3pub uses.
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

/* UTC calendar fields: month 1..12, day 1..31, as people write them. */
typedef struct {
	int year, month, day, hour, min, sec;
} s3p_utc;

/*
 * Seconds since the epoch of the UTC time `u`. The month must be 1..12;
 * the other fields are taken as they come (day 0 is the last day of the
 * month before, second 60 the next minute's first), as timegm does.
 */
time_t s3p_utc_to_time(const s3p_utc *u);

/*
 * The UTC calendar fields of `t`. Returns 0, or -1 when the year is not
 * within 0..9999 (no four-digit form for it; `u` is then unspecified).
 */
int s3p_time_to_utc(time_t t, s3p_utc *u);

#endif
