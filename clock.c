/* clock.c: see clock.h. */
#include "clock.h"

#include <stdlib.h>
#include <string.h>

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's). */
static long long
days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

time_t
s3p_utc_to_time(const s3p_utc *u)
{
	return (time_t)(days_from_civil(u->year, u->month, u->day) * 86400LL +
	    u->hour * 3600LL + u->min * 60LL + u->sec);
}

int
s3p_time_to_utc(time_t t, s3p_utc *u)
{
	/* the inverse of days_from_civil (Howard Hinnant's civil_from_days) */
	long long days = (long long)t / 86400, secs = (long long)t % 86400;
	long long z, era, doe, yoe, doy, mp, y;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	u->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	u->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	y = yoe + era * 400 + (u->month <= 2);
	if (y < 0 || y > 9999)
		return -1;
	u->year = (int)y;
	u->hour = (int)(secs / 3600);
	u->min = (int)(secs / 60 % 60);
	u->sec = (int)(secs % 60);
	return 0;
}

static int
num(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
s3p_parse_amz_time(const char *s, time_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, mo, d, h, mi, se;

	if (s == NULL || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
		return -1;
	y = num(s, 4);
	mo = num(s + 4, 2);
	d = num(s + 6, 2);
	h = num(s + 9, 2);
	mi = num(s + 11, 2);
	se = num(s + 13, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1]
	    || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 || se > 59)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	*out = s3p_utc_to_time(&(s3p_utc){ y, mo, d, h, mi, se });
	return 0;
}

time_t
s3p_now(void)
{
	const char *f = getenv("S3PUB_FAKE_TIME");
	time_t t;

	if (f != NULL && s3p_parse_amz_time(f, &t) == 0)
		return t;
	return time(NULL);
}
