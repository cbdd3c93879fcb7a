/*
 * creds_parse.h: the documents credentials come in, read from memory (no
 * I/O): the JSON of credential_process, of the container endpoints and of
 * IMDS; STS AssumeRoleWithWebIdentity's XML answer; the ISO 8601 times in
 * them. And what every credential must be before it is used.
 *
 * Used by creds.c, creds_net.c and creds_proc.c; public for
 * tests/test_creds_parse.c and tests/fuzz/fuzz_creds_json.c.
 */
#ifndef S3PUB_CREDS_PARSE_H
#define S3PUB_CREDS_PARSE_H

#include <stddef.h>
#include <time.h>

#include "creds.h"
#include "err.h"

/* Which JSON document creds_parse_json() reads. */
enum {
	CREDS_JSON_PROCESS,     /* credential_process: Version 1, SessionToken */
	CREDS_JSON_CONTAINER,   /* container endpoint: Token */
	CREDS_JSON_IMDS         /* IMDS: Code "Success", Token */
};

/*
 * Parses a credential JSON document of kind `kind` into `c` (source left
 * as it was). `what` names the origin in messages. Returns 0, or -1 with
 * err set (S3P_ESERVER; S3P_EUSAGE for CREDS_JSON_PROCESS).
 */
int creds_parse_json(const char *buf, size_t len, int kind, const char *what,
    creds *c, s3p_err *err);

/*
 * Parses an STS AssumeRoleWithWebIdentity answer (XML): the Credentials
 * element, or the ErrorResponse's Code and Message into err (S3P_EREFUSED).
 */
int creds_parse_sts_xml(const char *buf, size_t len, creds *c, s3p_err *err);

/*
 * ISO 8601 UTC time as the services write it: "2024-05-01T12:00:00Z",
 * fractional seconds and "+00:00"-style offsets accepted. 0 or -1.
 */
int creds_parse_time(const char *s, time_t *out);

/*
 * A credential fit to sign with: a key id and a secret, and all three
 * strings visible ASCII only (text_visible: a blank or a control character
 * would break, or inject into, the Authorization header). 0, or -1 with
 * err set, status `status`, "WHAT: ..." (never the secret itself).
 */
int creds_check(const creds *c, const char *what, int status, s3p_err *err);

/*
 * The three strings of a credential, in this order, with the names the
 * documents give them ("AccessKeyId", "SecretAccessKey", "SessionToken";
 * the metadata services say "Token"): where each is in a creds and its
 * size. creds.c fills them in the same order from the environment and the
 * profile files.
 */
typedef struct {
	char name[16];
	unsigned short off, size;
} creds_field;

extern const creds_field creds_fields[3];

#endif
