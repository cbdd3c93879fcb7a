/*
 * creds_parse.c: the credential documents (JSON, STS's XML) and their
 * times. See creds_parse.h.
 */
#include "creds_parse.h"

#include <stddef.h>
#include <string.h>

#include "clock.h"
#include "fmt.h"
#include "json.h"
#include "text.h"

/* ------------------------------------------------------------------ */
/* ISO 8601 times                                                       */

/*
 * Reads s against pat: '0' is a digit of the field f[0] points at, any
 * other character ends the field and must be there ('T' also 't' or ' ';
 * ';' is a ':' that may be left out). The rest of s, NULL on a mismatch.
 */
static const char *
scan(const char *s, const char *pat, int *f)
{
	for (; *pat != '\0'; pat++) {
		if (*pat == '0') {
			if (*s < '0' || *s > '9')
				return NULL;
			*f = *f * 10 + (*s++ - '0');
			continue;
		}
		f++;
		if (*pat == ';')
			s += *s == ':';
		else if (*s == *pat ||
		    (*pat == 'T' && (*s == 't' || *s == ' ')))
			s++;
		else
			return NULL;
	}
	return s;
}

_Static_assert(sizeof(s3p_utc) == 6 * sizeof(int), "s3p_utc: six ints");

int
creds_parse_time(const char *s, time_t *out)
{
	static const unsigned char mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };
	/* year, month, day, hour, minute, second, offset hours and minutes */
	static const unsigned short lim[8][2] = { { 1970, 9999 }, { 1, 12 },
		{ 1, 31 }, { 0, 23 }, { 0, 59 }, { 0, 60 }, { 0, 23 },
		{ 0, 59 } };
	int f[8] = { 0 }, sign = 0;
	s3p_utc u;

	s = scan(s, "0000-00-00T00:00:00", f);
	if (s == NULL)
		return -1;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '+' ? 1 : -1;
		s = scan(s + 1, "00;00", f + 6);
		if (s == NULL)
			return -1;
	} else {
		return -1;
	}
	if (*s != '\0')
		return -1;
	for (int i = 0; i < 8; i++)
		if (f[i] < lim[i][0] || f[i] > lim[i][1])
			return -1;
	if (f[2] > mdays[f[1] - 1])
		return -1;
	memcpy(&u, f, sizeof u);        /* s3p_utc: the first six, in order */
	*out = s3p_utc_to_time(&u) - sign * (f[6] * 3600 + f[7] * 60);
	return 0;
}

/* ------------------------------------------------------------------ */
/* credential JSON (credential_process, container, IMDS)                */

/* The string member `name` of obj into out: 1, 0 absent, -1 bad. */
static int
json_str(const json_val *obj, const char *name, char *out, size_t outsz,
    const char *what, s3p_err *err, int status)
{
	json_val v;
	const char *path[1] = { name };
	int r = json_get(obj, path, 1, &v);

	if (r < 0)
		return err_set(err, status, "%s: malformed JSON", what);
	if (r == 0 || v.type == JSON_NULL)
		return 0;
	if (v.type != JSON_STRING)
		return err_set(err, status, "%s: %s is not a string", what, name);
	if (json_string(&v, out, outsz, 0) < 0)
		return err_set(err, status, "%s: %s too long or malformed", what, name);
	return 1;
}

const creds_field creds_fields[3] = {
	{ "AccessKeyId", offsetof(creds, access_key_id), CREDS_KEY_MAX },
	{ "SecretAccessKey", offsetof(creds, secret_access_key), CREDS_SECRET_MAX },
	{ "SessionToken", offsetof(creds, session_token), CREDS_TOKEN_MAX }
};

/* Zeroes `c` but for its source, which the caller has set. */
static void
clear_keys(creds *c)
{
	memset(c, 0, offsetof(creds, source));
	memset(&c->anonymous, 0, sizeof *c - offsetof(creds, anonymous));
}

int
creds_check(const creds *c, const char *what, int status, s3p_err *err)
{
	if (c->access_key_id[0] == '\0')
		return err_set(err, status, "%s: empty access key id", what);
	if (c->secret_access_key[0] == '\0')
		return err_set(err, status, "%s: empty secret access key", what);
	if (!text_visible(c->access_key_id) ||
	    !text_visible(c->secret_access_key) ||
	    !text_visible(c->session_token))
		return err_set(err, status,
		    "%s: credentials hold blanks or control characters", what);
	return 0;
}

int
creds_parse_json(const char *buf, size_t len, int kind, const char *what,
    creds *c, s3p_err *err)
{
	int st = kind == CREDS_JSON_PROCESS ? S3P_EUSAGE : S3P_ESERVER;
	json_val root;
	size_t off;             /* json_check() sets both on failure */
	const char *why;
	char tmp[64];
	int r;

	clear_keys(c);
	if (json_check(buf, len, &off, &why) < 0)
		return err_set(err, st, "%s: malformed JSON at byte %zu: %s", what,
		    off, why);
	if (json_root(buf, len, &root) < 0 || root.type != JSON_OBJECT)
		return err_set(err, st, "%s: the JSON is not an object", what);
	if (kind == CREDS_JSON_PROCESS) {
		json_val v;
		const char *path[1] = { "Version" };
		int64_t ver;

		if (json_get(&root, path, 1, &v) != 1 || v.type != JSON_NUMBER ||
		    json_int64(&v, &ver) < 0 || ver != 1)
			return err_set(err, st, "%s: \"Version\": 1 missing or "
			    "unsupported", what);
	}
	if (kind == CREDS_JSON_IMDS) {
		r = json_str(&root, "Code", tmp, sizeof tmp, what, err, st);
		if (r < 0)
			return -1;
		if (r == 1 && strcmp(tmp, "Success") != 0)
			return err_set(err, st, "%s: Code is \"%s\", not \"Success\"",
			    what, text_visible(tmp) ? tmp : "?");
	}
	for (int i = 0; i < 3; i++) {
		const char *name = creds_fields[i].name;

		/* the metadata services call the session token "Token" */
		if (i == 2 && kind != CREDS_JSON_PROCESS)
			name += 7;
		r = json_str(&root, name, (char *)c + creds_fields[i].off,
		    creds_fields[i].size, what, err, st);
		if (r < 0)
			return -1;
		if (r == 0 && i < 2)
			return err_set(err, st, "%s: no %s", what, name);
	}
	r = json_str(&root, "Expiration", tmp, sizeof tmp, what, err, st);
	if (r < 0)
		return -1;
	if (r == 1 && creds_parse_time(tmp, &c->expiration) < 0)
		return err_set(err, st, "%s: Expiration is not an ISO 8601 time", what);
	if (r == 1 && c->expiration == 0)
		c->expiration = 1;      /* 0 means "never": 1970 is expired */
	return creds_check(c, what, st, err);
}

/* ------------------------------------------------------------------ */
/* STS XML                                                              */

int
creds_parse_sts_xml(const char *buf, size_t len, creds *c, s3p_err *err)
{
	/* the messages' common start, once */
	const char *sts = "STS AssumeRoleWithWebIdentity";
	const char *e = buf + len, *cs, *ce;
	char tmp[64];

	clear_keys(c);
	if (text_find(buf, len, "<ErrorResponse") != NULL ||
	    text_find(buf, len, "<Error>") != NULL) {
		char code[128], msg[512];
		if (text_xml(buf, len, "Code", code, sizeof code) != 1)
			fmt_snprintf(code, sizeof code, "unknown");
		if (text_xml(buf, len, "Message", msg, sizeof msg) != 1)
			msg[0] = '\0';
		return err_set(err, S3P_EREFUSED, "%s: %s%s%s", sts, code,
		    msg[0] ? ": " : "", msg);
	}
	cs = text_find(buf, len, "<Credentials>");
	if (cs == NULL)
		return err_set(err, S3P_ESERVER, "%s: no Credentials in the answer",
		    sts);
	ce = text_find(cs, (size_t)(e - cs), "</Credentials>");
	if (ce == NULL)
		return err_set(err, S3P_ESERVER, "%s: malformed answer", sts);
	for (int i = 0; i < 4; i++)
		if (text_xml(cs, (size_t)(ce - cs),
		    i < 3 ? creds_fields[i].name : "Expiration",
		    i < 3 ? (char *)c + creds_fields[i].off : tmp,
		    i < 3 ? creds_fields[i].size : sizeof tmp) != 1) {
			clear_keys(c);
			return err_set(err, S3P_ESERVER, "%s: AccessKeyId, "
			    "SecretAccessKey, SessionToken or Expiration missing or "
			    "too long", sts);
		}
	if (creds_parse_time(text_trim(tmp), &c->expiration) < 0 ||
	    c->expiration == 0)
		return err_set(err, S3P_ESERVER, "%s: bad Expiration", sts);
	return creds_check(c, sts, S3P_ESERVER, err);
}
