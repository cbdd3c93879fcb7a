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
