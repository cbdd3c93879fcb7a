/*
 * fuzz_url.c: libFuzzer target for http_url_parse(). Any input: no crash;
 * when accepted, the fields are within bounds (host lower case, 1..255
 * bytes; port 1..65535; target starting with "/"), and the URL rebuilt from
 * them ("scheme://" + authority + target) parses to the same fields.
 */
#include "http.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char in[HTTP_TARGET_MAX + 600];
static char again[HTTP_TARGET_MAX + 600];
static http_url u, v;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char auth[HTTP_HOST_MAX + 16];
	s3p_err e;
	size_t hl;

	if (size >= sizeof in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	if (http_url_parse(in, &u, &e) != 0) {
		if (e.status != S3P_EUSAGE)
			abort();
		return 0;
	}
	hl = strlen(u.host);
	if (hl == 0 || hl >= HTTP_HOST_MAX || u.port == 0 || u.port > 65535
	    || u.target[0] != '/' || strlen(u.target) >= HTTP_TARGET_MAX)
		abort();
	for (size_t i = 0; i < hl; i++)
		if (u.host[i] >= 'A' && u.host[i] <= 'Z')
			abort();
	if (http_url_authority(&u, auth, sizeof auth) < 0)
		abort();
	snprintf(again, sizeof again, "%s://%s%s", u.https ? "https" : "http",
	    auth, u.target);
	if (http_url_parse(again, &v, &e) != 0)
		abort();
	if (v.https != u.https || v.port != u.port || v.host_ip != u.host_ip
	    || strcmp(v.host, u.host) != 0 || strcmp(v.target, u.target) != 0)
		abort();
	return 0;
}
