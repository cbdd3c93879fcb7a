/*
 * test_creds_parse.c: the credential documents (creds_parse.c): the JSON
 * of IMDS, of the container endpoints and of credential_process, STS's
 * XML answer and error, and the ISO 8601 times in them.
 */
#include "creds_parse.h"
#include "unit.h"

#include <string.h>

/* ---- JSON and XML ---- */

static void
test_parsers(void)
{
	creds c;
	s3p_err e;
	const char *j;
	time_t t;

	t_ok(creds_parse_time("2024-05-01T12:00:00Z", &t) == 0 && t == 1714564800,
	    "time: Z");
	t_ok(creds_parse_time("2024-05-01T12:00:00.123Z", &t) == 0 && t == 1714564800,
	    "time: fraction");
	t_ok(creds_parse_time("2024-05-01T14:00:00+02:00", &t) == 0 && t == 1714564800,
	    "time: offset");
	t_ok(creds_parse_time("2024-05-01T12:00:00", &t) < 0 &&
	    creds_parse_time("2024-13-01T12:00:00Z", &t) < 0 &&
	    creds_parse_time("2024-05-01T12:00:00Zx", &t) < 0 &&
	    creds_parse_time("", &t) < 0, "time: malformed refused");

	j = "{\"Code\":\"Success\",\"LastUpdated\":\"2024-05-01T11:00:00Z\","
	    "\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"ASIA1\",\"SecretAccessKey\":"
	    "\"s\\/x\",\"Token\":\"t\",\"Expiration\":\"2024-05-01T12:00:00Z\"}";
	t_ok(creds_parse_json(j, strlen(j), CREDS_JSON_IMDS, "imds", &c, &e) == 0 &&
	    strcmp(c.access_key_id, "ASIA1") == 0 &&
	    strcmp(c.secret_access_key, "s/x") == 0 &&
	    strcmp(c.session_token, "t") == 0 && c.expiration == 1714564800,
	    "json: IMDS document");
	j = "{\"Code\":\"Failure\",\"AccessKeyId\":\"a\",\"SecretAccessKey\":\"b\"}";
	t_ok(creds_parse_json(j, strlen(j), CREDS_JSON_IMDS, "imds", &c, &e) < 0 &&
	    strstr(e.msg, "not \"Success\"") && e.status == S3P_ESERVER,
	    "json: IMDS Code Failure refused");
	j = "{\"AccessKeyId\":\"a\",\"SecretAccessKey\":\"b\",\"Token\":\"c\","
	    "\"RoleArn\":\"arn\",\"Expiration\":\"2024-05-01T12:00:00Z\"}";
	t_ok(creds_parse_json(j, strlen(j), CREDS_JSON_CONTAINER, "ctr", &c, &e) == 0 &&
	    strcmp(c.session_token, "c") == 0, "json: container document");
	j = "{\"AccessKeyId\":\"a\",\"SecretAccessKey\":\"b\",\"Expiration\":\"soon\"}";
	t_ok(creds_parse_json(j, strlen(j), CREDS_JSON_CONTAINER, "ctr", &c, &e) < 0 &&
	    strstr(e.msg, "ISO 8601"), "json: bad Expiration refused");
	j = "[1,2]";
	t_ok(creds_parse_json(j, strlen(j), CREDS_JSON_CONTAINER, "ctr", &c, &e) < 0,
	    "json: not an object");
	j = "{\"AccessKeyId\":\"a\",\"SecretAccessKey\":\"b\\nX-Evil: 1\"}";
	t_ok(creds_parse_json(j, strlen(j), CREDS_JSON_CONTAINER, "ctr", &c, &e) < 0,
	    "json: newline in a secret refused (header injection)");

	j = "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/"
	    "doc/2011-06-15/\"><AssumeRoleWithWebIdentityResult><Credentials>"
	    "<SessionToken>tok&amp;en</SessionToken><SecretAccessKey>sec"
	    "</SecretAccessKey><Expiration>2024-05-01T12:00:00Z</Expiration>"
	    "<AccessKeyId>ASIASTS</AccessKeyId></Credentials>"
	    "</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>";
	t_ok(creds_parse_sts_xml(j, strlen(j), &c, &e) == 0 &&
	    strcmp(c.access_key_id, "ASIASTS") == 0 &&
	    strcmp(c.session_token, "tok&en") == 0 && c.expiration == 1714564800,
	    "sts xml: credentials");
	j = "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken"
	    "</Code><Message>Token expired</Message></Error></ErrorResponse>";
	t_ok(creds_parse_sts_xml(j, strlen(j), &c, &e) < 0 &&
	    e.status == S3P_EREFUSED &&
	    strstr(e.msg, "InvalidIdentityToken: Token expired") != NULL,
	    "sts xml: error response: %s", e.msg);
	j = "<Credentials><AccessKeyId>a</AccessKeyId></Credentials>";
	t_ok(creds_parse_sts_xml(j, strlen(j), &c, &e) < 0 &&
	    e.status == S3P_ESERVER, "sts xml: incomplete credentials");
}

int
main(void)
{
	test_parsers();
	return t_done();
}
