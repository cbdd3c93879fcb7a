/*
 * fuzz_ini.c: libFuzzer target for creds_ini.c's INI reader (botocore's
 * rules, creds_ini.h). Any input: no crash, no read outside it, a value
 * always NUL-terminated within its buffer, and an error always names
 * "f:LINE:" or the file.
 */
#include "creds_ini.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void
one(const char *buf, size_t len, const char *section, int config,
    const char *sub, const char *key, size_t outsz)
{
	char out[64];
	s3p_err e;
	int found = -1;
	int r;

	err_clear(&e);
	r = creds_ini_lookup(buf, len, "f", section, config, sub, key, out, outsz,
	    &found, &e);
	if (r == 1 && strlen(out) >= outsz)
		abort();
	if (r < 0 && (e.status != S3P_EUSAGE || strncmp(e.msg, "f", 1) != 0))
		abort();
	if (r >= 0 && found != 0 && found != 1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;

	one(b, size, "default", 0, NULL, "region", 64);
	one(b, size, "default", 1, NULL, "aws_access_key_id", 64);
	one(b, size, "p", 1, "s3", "endpoint_url", 64);
	one(b, size, "p", 2, "s3", "endpoint_url", 64);  /* [services p] */
	one(b, size, "p", 0, NULL, "region", 4);
	one(b, size, "my prof", 1, "s3", "x", 1);
	return 0;
}
