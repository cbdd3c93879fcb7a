/*
 * unit.h: the tiny harness of the C unit tests.
 *
 * Each tests/test_X.c is a program whose main() makes checks with t_ok()
 * and returns t_done(). Every check prints one line in the TAP manner,
 * "ok - NAME" or "not ok - NAME: detail"; tests/run.sh counts those lines
 * for the final "N passed, N failed". A test that loops over many inputs
 * (lengths 0..1024, say) reports once, naming the first input that failed.
 *
 * t_data_dir() finds the test data: tests/data in the repo (copied there so
 * that `make test` works from a clone alone).
 */
#ifndef S3PUB_TEST_UNIT_H
#define S3PUB_TEST_UNIT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int t_failures;
static int t_count;
static int t_skips;

__attribute__((format(printf, 2, 3), unused)) static int
t_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	t_count++;
	fputs(cond ? "ok - " : "not ok - ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	if (!cond)
		t_failures++;
	return cond;
}

__attribute__((format(printf, 1, 2), unused)) static void
t_skip(const char *fmt, ...)
{
	va_list ap;

	t_skips++;
	fputs("ok - ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputs(" # SKIP\n", stdout);
	fflush(stdout);
}

/* A string check that shows both sides on failure. */
__attribute__((unused)) static int
t_streq(const char *got, const char *want, const char *name)
{
	if (got != NULL && want != NULL && strcmp(got, want) == 0)
		return t_ok(1, "%s", name);
	return t_ok(0, "%s: got \"%s\", want \"%s\"", name,
	    got ? got : "(null)", want ? want : "(null)");
}

__attribute__((unused)) static const char *
t_data_dir(void)
{
	const char *d = getenv("S3PUB_TEST_DATA");
	return d != NULL ? d : "tests/data";
}

__attribute__((unused)) static int
t_done(void)
{
	/* a test that skipped everything said so; one that did nothing at
	 * all is broken */
	if (t_count == 0 && t_skips == 0) {
		printf("not ok - no check was run\n");
		return 1;
	}
	return t_failures != 0;
}

#endif
