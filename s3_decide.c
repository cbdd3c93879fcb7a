/* s3_decide.c: see s3_decide.h. */
#include "s3_decide.h"

#include <stdint.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "fmt.h"
#include "http.h"
#include "text.h"

/* The S3 error codes that decide what follows, each with what it means. */
static const struct {
	const char *name;
	unsigned char flags;
} codes[] = {
	{ "NoSuchBucket", S3_CODE_REFUSED }, { "AccessDenied", S3_CODE_REFUSED },
	{ "PermanentRedirect", S3_CODE_MOVED },
	{ "SlowDown", S3_CODE_RETRY }, { "RequestTimeout", S3_CODE_RETRY },
	{ "InternalError", S3_CODE_RETRY }, { "ServiceUnavailable", S3_CODE_RETRY },
	{ "OperationAborted", S3_CODE_RETRY },
	{ "RequestTimeTooSkewed", S3_CODE_SKEW },
	{ "AuthorizationHeaderMalformed", S3_CODE_MOVED },
	{ "BadDigest", S3_CODE_DIGEST | S3_CODE_CHANGED },
	{ "XAmzContentSHA256Mismatch", S3_CODE_DIGEST | S3_CODE_CHANGED },
	{ "InvalidDigest", S3_CODE_DIGEST },
};

const char *
s3_status_code(int status, int has_key)
{
	return status == 404 ? (has_key ? "NoSuchKey" : "NoSuchBucket") :
	    status == 403 ? "AccessDenied" :
	    status == 301 ? "PermanentRedirect" : "";
}

unsigned
s3_code_class(const char *code)
{
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(code, codes[i].name) == 0)
			return codes[i].flags;
	return 0;
}

int
s3_retryable(int status, unsigned cls)
{
	return (status >= 500 && status <= 504 && status != 501) ||
	    status == 429 || (cls & S3_CODE_RETRY);
}

int
s3_exit_class(int status, unsigned cls)
{
	if (status == 403 || status == 412 || (cls & S3_CODE_REFUSED))
		return S3P_EREFUSED;
	return cls & S3_CODE_DIGEST ? S3P_EINTEGRITY : S3P_ESERVER;
}

int
s3_no_answer_final(int fail, int status, int delivered)
{
	return fail == HTTP_FAIL_CERT || fail == HTTP_FAIL_READER ||
	    fail == HTTP_FAIL_SINK || fail == HTTP_FAIL_PROXY_AUTH ||
	    status == S3P_EUSAGE ||
	    status == S3P_EINPUT || delivered;
}

int
s3_cut_short(int fail)
{
	return fail == HTTP_FAIL_RECV || fail == HTTP_FAIL_TRUNCATED;
}

int
s3_get_resumable(int fail, uint64_t got, int has_etag)
{
	return s3_cut_short(fail) && got > 0 && has_etag;
}

int
s3_range_skip(int status, const char *content_range, uint64_t got,
    uint64_t *skip)
{
	const char *v = content_range, *end;
	uint64_t first;

	*skip = status == 200 ? got : 0;
	if (status == 200)
		return 0;
	/* RFC 9110 section 14.4: "bytes" SP first "-" last "/" (length | "*") */
	if (status != 206 || v == NULL || strncmp(v, "bytes ", 6) != 0)
		return -1;
	end = text_num(v + 6, 10, &first);
	return end != NULL && end != v + 6 && *end == '-' && first == got ?
	    0 : -1;
}

int
s3_etag_md5(const char *etag, unsigned char md5[16])
{
	int q = etag[0] == '"';
	const char *p = etag + q + 32, *end;
	uint64_t parts = 0;

	/* (a NUL stops text_unhex: nothing past the string is read) */
	if (text_unhex(etag + q, md5, 16) < 0)
		return -1;
	/* "-N", then the closing quote if it opened with one */
	end = p;
	if (*p == '-') {
		end = text_num(p + 1, 10, &parts);
		if (end == NULL || end == p + 1 || parts < 1 || parts > 10000)
			return -1;
	}
	if (q ? end[0] != '"' || end[1] != '\0' : end[0] != '\0')
		return -1;
	return (int)parts;
}

int
s3_http_date(const char *v, time_t *out)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	/* '9': a digit of the next number (day, year, hour, minute, second);
	 * '*': not checked; anything else: itself */
	static const char form[] = "***,*99*****9999*99*99*99 GMT";
	int f[5] = { 0 }, n = 0, m;

	/* no sscanf: it would pull musl's scanf (and float parsing) into a
	 * binary that must stay small */
	if (v == NULL || strlen(v) != sizeof form - 1)
		return -1;
	for (int i = 0; form[i] != '\0'; i++) {
		if (form[i] == '9') {
			if (v[i] < '0' || v[i] > '9')
				return -1;
			f[n] = f[n] * 10 + (v[i] - '0');
			n += form[i + 1] != '9';
		} else if (form[i] != '*' && form[i] != v[i])
			return -1;
	}
	for (m = 0; m < 12 && memcmp(months + 3 * m, v + 8, 3) != 0; m++)
		;
	if (m == 12)
		return -1;
	*out = s3p_utc_to_time(&(s3p_utc){ f[1], m + 1, f[0], f[2], f[3], f[4] });
	return 0;
}

int
s3_skew(int status, unsigned cls, const char *date, time_t signed_at,
    time_t now, long *offset)
{
	time_t server;
	long diff;

	if (!((cls & S3_CODE_SKEW) || status == 403) ||
	    s3_http_date(date, &server) < 0)
		return 0;
	diff = (long)(server - signed_at);
	if (!(cls & S3_CODE_SKEW) && diff <= S3_SKEW_LIMIT &&
	    diff >= -S3_SKEW_LIMIT)
		return 0;
	*offset = (long)(server - now);
	return 1;
}

int
s3_moved(int status, unsigned cls, const char *header, char *region,
    size_t regionsz, const char *current)
{
	if (!(status == 301 || (cls & S3_CODE_MOVED)))
		return 0;
	if (header != NULL)
		fmt_snprintf(region, regionsz, "%s", header);
	return region[0] != '\0' && strcmp(region, current) != 0;
}

long
s3_backoff_ms(int attempt, unsigned random)
{
	long top = S3_BACKOFF_BASE_MS;

	for (int i = 1; i < attempt && top < S3_BACKOFF_CAP_MS; i++)
		top *= 2;
	if (top > S3_BACKOFF_CAP_MS)
		top = S3_BACKOFF_CAP_MS;
	return (long)(random % (unsigned)top);
}

long
s3_retry_wait(const char *retry_after, int attempt, unsigned random)
{
	/* a number too large for 64 bits: text_num's NULL, the cap */
	uint64_t secs = UINT64_MAX;

	if (retry_after == NULL || text_num(retry_after, 10, &secs) == retry_after)
		return s3_backoff_ms(attempt, random);
	return secs > S3_BACKOFF_CAP_MS / 1000 ? S3_BACKOFF_CAP_MS :
	    (long)secs * 1000;
}
