/*
 * tool_creds.c: resolves credentials as s3pub would and prints what a
 * script test may compare, never a secret:
 *
 *   tool_creds [-v] [--profile NAME] [--refresh]
 *       source=NAME
 *       access_key_id=ID
 *       secret_sha256=HEX        SHA-256 of the secret access key
 *       token_sha256=HEX         of the session token ("" when none)
 *       expiration=SECONDS       0 when it does not expire
 *     (--refresh: resolves, then refreshes once and prints the result)
 *   tool_creds [--profile NAME] --value [SUB] KEY    the profile's value
 *   tool_creds --imds-region                        IMDS placement/region
 *
 * Errors: "tool_creds: MESSAGE" on stderr, exit status the s3p_err class.
 * -v sends the resolver's log lines to stderr.
 */
#include "creds.h"
#include "creds_net.h"
#include "sha256.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static void
log_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

static void
hex_of(const char *s, char out[65])
{
	unsigned char d[SHA256_SIZE];

	if (s[0] == '\0') {
		out[0] = '\0';
		return;
	}
	sha256(s, strlen(s), d);
	sha256_hex(d, out);
}

static int
fail(const s3p_err *e)
{
	fprintf(stderr, "tool_creds: %s\n", e->msg);
	return e->status ? e->status : 1;
}

int
main(int argc, char **argv)
{
	const char *profile = NULL, *sub = NULL, *key = NULL;
	int verbose = 0, refresh = 0, value = 0, region = 0;
	static creds c;
	creds_ctx cx;
	s3p_err e;
	char hs[65], ht[65], out[4096];
	int r;

	err_clear(&e);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-v") == 0) {
			verbose = 1;
		} else if (strcmp(argv[i], "--profile") == 0 && i + 1 < argc) {
			profile = argv[++i];
		} else if (strcmp(argv[i], "--refresh") == 0) {
			refresh = 1;
		} else if (strcmp(argv[i], "--imds-region") == 0) {
			region = 1;
		} else if (strcmp(argv[i], "--value") == 0 && i + 1 < argc) {
			value = 1;
			if (i + 2 < argc) {
				sub = argv[++i];
				key = argv[++i];
			} else {
				key = argv[++i];
			}
		} else {
			fprintf(stderr, "usage: tool_creds [-v] [--profile NAME] "
			    "[--refresh | --value [SUB] KEY | --imds-region]\n");
			return 1;
		}
	}
	if (creds_init(&cx, profile, &e) < 0)
		return fail(&e);
	if (verbose)
		cx.log = log_line;
	if (value) {
		r = creds_profile_value(&cx, sub, key, out, sizeof out, &e);
		if (r < 0)
			return fail(&e);
		printf(r ? "value=%s\n" : "absent\n", out);
		return 0;
	}
	if (region) {
		r = creds_imds_region(&cx, out, sizeof out, &e);
		if (r < 0)
			return fail(&e);
		printf(r ? "region=%s\n" : "absent\n", out);
		return 0;
	}
	if (creds_resolve(&cx, &c, time(NULL), &e) < 0)
		return fail(&e);
	if (refresh && creds_refresh(&cx, &c, time(NULL), &e) < 0)
		return fail(&e);
	hex_of(c.secret_access_key, hs);
	hex_of(c.session_token, ht);
	printf("source=%s\naccess_key_id=%s\nsecret_sha256=%s\ntoken_sha256=%s\n"
	    "expiration=%lld\n", c.source, c.access_key_id, hs, ht,
	    (long long)c.expiration);
	return 0;
}
