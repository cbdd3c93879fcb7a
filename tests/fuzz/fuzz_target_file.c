/*
 * fuzz_target_file.c: the --spec file reader of target.c (YAML subset and
 * JSON) on arbitrary bytes. Besides the sanitizers, it checks that what was
 * read survives a round trip: printed as a result spec (JSON and YAML) and
 * read back, the fields are the same. Seed corpus: tests/fuzz/target_file/.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "target.h"

static int
utf8_ok(const char *s)
{
	size_t n = strlen(s);
	for (size_t k = 0; k < n;) {
		int l = json_utf8_seq((const unsigned char *)s + k, n - k);
		if (l == 0)
			return 0;
		k += (size_t)l;
	}
	return 1;
}

static void
round_trip(const target *t, int yaml)
{
	static char buf[TARGET_RESULT_MAX];
	target_result r = { NULL, t->bucket, t->key, t->region, t->endpoint,
	    "v", "", "", 1, t->encoding, NULL };
	target back;
	s3p_err err;
	int n = target_format_result(buf, sizeof buf, &r, yaml);

	if (n < 0)
		abort();
	target_init(&back);
	if (target_read_buf("rt", buf, (size_t)n, &back, &err) < 0) {
		fprintf(stderr, "round trip refused: %s\n%.*s", err.msg, (int)n,
		    buf);
		abort();
	}
	if (strcmp(back.bucket, t->bucket) || strcmp(back.key, t->key) ||
	    strcmp(back.region, t->region) ||
	    strcmp(back.endpoint, t->endpoint)) {
		fprintf(stderr, "round trip changed a field:\n%.*s", (int)n, buf);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	target t;
	s3p_err err;

	target_init(&t);
	err_clear(&err);
	if (target_read_buf("f", (const char *)data, size, &t, &err) < 0) {
		if (err.status != S3P_EUSAGE || err.msg[0] == '\0')
			abort();
		return 0;
	}
	if (strlen(t.bucket) > TARGET_BUCKET_MAX || strlen(t.key) > TARGET_KEYTPL_MAX
	    || strlen(t.endpoint) > TARGET_ENDPOINT_MAX ||
	    strlen(t.region) > TARGET_REGION_MAX)
		abort();
	if (utf8_ok(t.bucket) && utf8_ok(t.key) && utf8_ok(t.region) &&
	    utf8_ok(t.endpoint)) {
		round_trip(&t, 0);
		round_trip(&t, 1);
	}
	return 0;
}
