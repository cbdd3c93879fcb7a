/*
 * test_clock.c: s3p_parse_amz_time() against epochs computed by GNU date
 * (`date -u -d 2000-02-29T12:34:56Z +%s`), and S3PUB_FAKE_TIME.
 */
#include "unit.h"

#include "clock.h"

static void
parse(const char *s, long long want)
{
	time_t t = 0;
	int r = s3p_parse_amz_time(s, &t);

	if (want < 0)
		t_ok(r == -1, "refused: %s", s);
	else
		t_ok(r == 0 && (long long)t == want, "%s = %lld (got %lld)", s, want,
		    (long long)t);
}

int
main(void)
{
	time_t before, now;

	parse("20250101T000000Z", 1735689600);
	parse("20000229T123456Z", 951827696);
	parse("19700101T000000Z", 0);
	parse("20991231T235959Z", 4102444799LL);
	parse("20250229T000000Z", -1);     /* not a leap year */
	parse("19000229T000000Z", -1);
	parse("20251301T000000Z", -1);
	parse("20250100T000000Z", -1);
	parse("20250101T240000Z", -1);
	parse("20250101T000000", -1);
	parse("20250101 000000Z", -1);
	parse("2025-01-01T00:00:00Z", -1);
	parse("20250101T000000Z ", -1);
	parse("19691231T235959Z", -1);
	parse("", -1);

	/* both conversions against libc's gmtime_r and timegm: every day from
	 * year 0 to 9999 at a varying time of day, and the range's ends */
	{
		char first[160] = "";
		long bad = 0, n = 0;
		const long long lo = -62167219200LL, hi = 253402300799LL;

		for (long long t = lo; t <= hi; t += 86400 + 3607) {
			struct tm tm;
			s3p_utc u;
			time_t back;

			n++;
			if (gmtime_r(&(time_t){ (time_t)t }, &tm) == NULL ||
			    s3p_time_to_utc((time_t)t, &u) < 0 ||
			    u.year != tm.tm_year + 1900 || u.month != tm.tm_mon + 1 ||
			    u.day != tm.tm_mday || u.hour != tm.tm_hour ||
			    u.min != tm.tm_min || u.sec != tm.tm_sec ||
			    (back = s3p_utc_to_time(&u)) != (time_t)t ||
			    back != timegm(&tm)) {
				if (!bad++)
					snprintf(first, sizeof first, ": first at %lld",
					    t);
			}
		}
		t_ok(bad == 0, "s3p_time_to_utc/s3p_utc_to_time agree with "
		    "gmtime_r/timegm on %ld times from year 0 to 9999%s", n,
		    first);
		s3p_utc u;
		t_ok(s3p_time_to_utc((time_t)(hi + 1), &u) == -1 &&
		    s3p_time_to_utc((time_t)(lo - 1), &u) == -1 &&
		    s3p_time_to_utc((time_t)hi, &u) == 0 && u.year == 9999 &&
		    u.sec == 59 && s3p_time_to_utc((time_t)lo, &u) == 0 &&
		    u.year == 0 && u.month == 1 && u.day == 1,
		    "s3p_time_to_utc: years 0 and 9999 in range, one second "
		    "beyond them not");
		t_ok(s3p_utc_to_time(&(s3p_utc){ 2024, 3, 0, 23, 59, 60 }) ==
		    1709251200, "s3p_utc_to_time: day 0 and second 60 roll over "
		    "as in timegm");
	}

	setenv("S3PUB_FAKE_TIME", "20250101T000000Z", 1);
	t_ok(s3p_now() == 1735689600, "S3PUB_FAKE_TIME fixes s3p_now()");
	setenv("S3PUB_FAKE_TIME", "garbage", 1);
	before = time(NULL);
	now = s3p_now();
	t_ok(now >= before && now <= time(NULL), "a malformed S3PUB_FAKE_TIME is ignored");
	unsetenv("S3PUB_FAKE_TIME");
	before = time(NULL);
	now = s3p_now();
	t_ok(now >= before && now <= time(NULL), "unset: the real clock");
	return t_done();
}
