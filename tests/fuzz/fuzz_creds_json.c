/*
 * fuzz_creds_json.c: libFuzzer target for the credential documents of
 * creds_parse.c: the JSON of credential_process, the container endpoint
 * and IMDS, the STS AssumeRoleWithWebIdentity XML, and ISO 8601 times. Any
 * input: no crash; accepted credentials are NUL-terminated, printable and
 * non-empty.
 */
#include "creds_parse.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static creds c;

static void
accepted(void)
{
	const char *s[3] = { c.access_key_id, c.secret_access_key, c.session_token };

	if (c.access_key_id[0] == '\0' || c.secret_access_key[0] == '\0')
		abort();
	for (int i = 0; i < 3; i++) {
		size_t n = strnlen(s[i], CREDS_TOKEN_MAX);
		if (n == CREDS_TOKEN_MAX)
			abort();
		for (size_t k = 0; k < n; k++)
			if ((unsigned char)s[i][k] <= 0x20 || (unsigned char)s[i][k] >= 0x7f)
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;
	s3p_err e;
	char *z;
	time_t t;

	for (int kind = CREDS_JSON_PROCESS; kind <= CREDS_JSON_IMDS; kind++)
		if (creds_parse_json(b, size, kind, "fuzz", &c, &e) == 0)
			accepted();
	if (creds_parse_sts_xml(b, size, &c, &e) == 0)
		accepted();
	z = malloc(size + 1);
	if (z == NULL)
		return 0;
	memcpy(z, data, size);
	z[size] = '\0';
	(void)creds_parse_time(z, &t);
	free(z);
	return 0;
}
