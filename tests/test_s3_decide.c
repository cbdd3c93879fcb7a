/*
 * test_s3_decide.c: what s3.c does after an answer, decided without a
 * network (s3_decide.h). The oracles: HTTP dates converted by python3's
 * email.utils.parsedate_to_datetime (the values below were printed by it;
 * RFC 7231 section 7.1.1.1's own example among them); the retry policy
 * and error codes of s3.h and SPEC section 4 (the codes as the S3 API
 * reference's "Error Responses" list spells them); the back-off bounds
 * worked out by hand from "base 200 ms, cap 20 s, full jitter".
 */
#include <limits.h>
#include <string.h>

#include "err.h"
#include "http.h"
#include "s3_decide.h"
#include "unit.h"

static void
test_dates(void)
{
	static const struct {
		const char *date;
		long long secs;         /* python3's, -1: refused */
	} v[] = {
		{ "Sun, 06 Nov 1994 08:49:37 GMT", 784111777 },
		{ "Tue, 29 Feb 2000 23:59:59 GMT", 951868799 },
		{ "Thu, 01 Jan 1970 00:00:00 GMT", 0 },
		{ "Tue, 19 Jan 2038 03:14:08 GMT", 2147483648LL },
		{ "Mon, 01 Mar 2100 12:00:00 GMT", 4107585600LL },
		{ "Sat, 05 Dec 2026 07:30:00 GMT", 1796455800 },
		/* RFC 7231's obsolete forms, which S3 never sends: refused */
		{ "Sunday, 06-Nov-94 08:49:37 GMT", -1 },
		{ "Sun Nov  6 08:49:37 1994", -1 },
		{ "Sun, 6 Nov 1994 08:49:37 GMT", -1 },
		{ "Sun, 06 Nov 1994 08:49:37 UTC", -1 },
		{ "Sun, 06 Nox 1994 08:49:37 GMT", -1 },
		{ "Sun, 06 Nov 1994 08:4a:37 GMT", -1 },
		{ "", -1 },
	};
	size_t bad = 0;
	time_t t;

	for (size_t i = 0; i < sizeof v / sizeof v[0] && bad == 0; i++) {
		int rc = s3_http_date(v[i].date, &t);
		if (v[i].secs < 0 ? rc != -1 : rc != 0 || (long long)t != v[i].secs)
			bad = i + 1;
	}
	t_ok(bad == 0, "HTTP dates as python's email.utils reads them, other "
	    "forms refused (%s)", bad ? v[bad - 1].date : "all");
	t_ok(s3_http_date(NULL, &t) == -1, "HTTP date: no Date header");
}

static void
test_classes(void)
{
	static const struct {
		int status;
		const char *code;
		int retry, exit;
	} v[] = {
		{ 500, "InternalError", 1, S3P_ESERVER },
		{ 503, "SlowDown", 1, S3P_ESERVER },
		{ 503, "ServiceUnavailable", 1, S3P_ESERVER },
		{ 502, "", 1, S3P_ESERVER },
		{ 504, "", 1, S3P_ESERVER },
		{ 429, "", 1, S3P_ESERVER },
		{ 400, "RequestTimeout", 1, S3P_ESERVER },
		{ 409, "OperationAborted", 1, S3P_ESERVER },
		{ 501, "NotImplemented", 0, S3P_ESERVER },
		{ 505, "", 0, S3P_ESERVER },
		{ 400, "InvalidRequest", 0, S3P_ESERVER },
		{ 403, "AccessDenied", 0, S3P_EREFUSED },
		{ 403, "SignatureDoesNotMatch", 0, S3P_EREFUSED },
		{ 404, "NoSuchBucket", 0, S3P_EREFUSED },
		{ 404, "NoSuchKey", 0, S3P_ESERVER },
		{ 412, "PreconditionFailed", 0, S3P_EREFUSED },
		{ 400, "BadDigest", 0, S3P_EINTEGRITY },
		{ 400, "XAmzContentSHA256Mismatch", 0, S3P_EINTEGRITY },
		{ 400, "InvalidDigest", 0, S3P_EINTEGRITY },
		{ 200, "InternalError", 1, S3P_ESERVER },  /* Complete's 200 */
	};
	size_t bad = 0;

	for (size_t i = 0; i < sizeof v / sizeof v[0] && bad == 0; i++) {
		unsigned cls = s3_code_class(v[i].code);
		if (s3_retryable(v[i].status, cls) != v[i].retry ||
		    s3_exit_class(v[i].status, cls) != v[i].exit)
			bad = i + 1;
	}
	if (bad)
		t_ok(0, "answers: retried or final, and their exit class: %d %s "
		    "differs", v[bad - 1].status, v[bad - 1].code);
	else
		t_ok(1, "answers: retried or final, and their exit class (%zu "
		    "status and code pairs)", sizeof v / sizeof v[0]);
	t_ok(s3_code_class("BadDigest") & S3_CODE_CHANGED &&
	    s3_code_class("XAmzContentSHA256Mismatch") & S3_CODE_CHANGED &&
	    !(s3_code_class("InvalidDigest") & S3_CODE_CHANGED),
	    "the body changed: BadDigest and XAmzContentSHA256Mismatch only");
	t_ok(s3_code_class("RequestTimeTooSkewed") == S3_CODE_SKEW &&
	    s3_code_class("PermanentRedirect") == S3_CODE_MOVED &&
	    s3_code_class("AuthorizationHeaderMalformed") == S3_CODE_MOVED &&
	    s3_code_class("") == 0 && s3_code_class("slowdown") == 0,
	    "codes: skew, moved; unknown, empty and other cases mean nothing");
	t_ok(strcmp(s3_status_code(404, 1), "NoSuchKey") == 0 &&
	    strcmp(s3_status_code(404, 0), "NoSuchBucket") == 0 &&
	    strcmp(s3_status_code(403, 1), "AccessDenied") == 0 &&
	    strcmp(s3_status_code(301, 0), "PermanentRedirect") == 0 &&
	    strcmp(s3_status_code(500, 1), "") == 0,
	    "an answer without a body: the code its status implies");
	t_ok(s3_no_answer_final(HTTP_FAIL_CERT, S3P_ENET, 0) &&
	    s3_no_answer_final(HTTP_FAIL_READER, S3P_EINPUT, 0) &&
	    s3_no_answer_final(HTTP_FAIL_SINK, S3P_EINTEGRITY, 0) &&
	    s3_no_answer_final(HTTP_FAIL_NONE, S3P_EUSAGE, 0) &&
	    s3_no_answer_final(HTTP_FAIL_RECV, S3P_ENET, 1) &&
	    !s3_no_answer_final(HTTP_FAIL_RECV, S3P_ENET, 0) &&
	    !s3_no_answer_final(HTTP_FAIL_CONNECT, S3P_ENET, 0) &&
	    !s3_no_answer_final(HTTP_FAIL_TLS, S3P_ENET, 0) &&
	    !s3_no_answer_final(HTTP_FAIL_TRUNCATED, S3P_ENET, 0),
	    "no answer: a refused certificate, a failed reader or sink, a "
	    "usage error or bytes delivered are final; the network is retried");
	t_ok(s3_no_answer_final(HTTP_FAIL_PROXY_AUTH, S3P_ENET, 0) &&
	    !s3_no_answer_final(HTTP_FAIL_PROXY, S3P_ENET, 0),
	    "no answer: a proxy's 407 is final (its credentials will not "
	    "change), its other refusals (502, 503) are retried");
}

/* A GetObject cut in its body: carried on, and its answer checked. */
static void
test_resume(void)
{
	uint64_t skip = 99;

	/* the oracle: md5sum of "" is d41d8cd98f00b204e9800998ecf8427e */
	{
		static const unsigned char empty[16] = { 0xd4, 0x1d, 0x8c, 0xd9,
		    0x8f, 0x00, 0xb2, 0x04, 0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8,
		    0x42, 0x7e };
		unsigned char d[16], q[16];
		t_ok(s3_etag_md5("\"d41d8cd98f00b204e9800998ecf8427e\"", q) == 0 &&
		    memcmp(q, empty, 16) == 0 &&
		    s3_etag_md5("D41D8CD98F00B204E9800998ECF8427E", d) == 0 &&
		    memcmp(d, empty, 16) == 0,
		    "etag: a quoted or bare 32-digit hex ETag is its MD5, any case");
		t_ok(s3_etag_md5("\"d41d8cd98f00b204e9800998ecf8427e-2\"", d) == 2 &&
		    memcmp(d, empty, 16) == 0 &&
		    s3_etag_md5("d41d8cd98f00b204e9800998ecf8427e-10000", q) == 10000,
		    "etag: a multipart ETag HEX-N gives N and its MD5");
		t_ok(s3_etag_md5("d41d8cd98f00b204e9800998ecf8427", d) < 0 &&
		    s3_etag_md5("\"d41d8cd98f00b204e9800998ecf8427e", d) < 0 &&
		    s3_etag_md5("d41d8cd98f00b204e9800998ecf8427e\"", d) < 0 &&
		    s3_etag_md5("d41d8cd98f00b204e9800998ecf8427g", d) < 0 &&
		    s3_etag_md5("d41d8cd98f00b204e9800998ecf8427e0", d) < 0 &&
		    s3_etag_md5("\"d41d8cd98f00b204e9800998ecf8427e-0\"", d) < 0 &&
		    s3_etag_md5("d41d8cd98f00b204e9800998ecf8427e-10001", d) < 0 &&
		    s3_etag_md5("d41d8cd98f00b204e9800998ecf8427e-", d) < 0 &&
		    s3_etag_md5("d41d8cd98f00b204e9800998ecf8427e-2x", d) < 0 &&
		    s3_etag_md5("W/\"d41d8cd98f00b204e9800998ecf8427e\"", d) < 0 &&
		    s3_etag_md5("", d) < 0,
		    "etag: a short, long, unbalanced, non-hex or weak one, a part "
		    "count of 0, over 10,000 or not a number, or none is no MD5");
	}
	t_ok(s3_cut_short(HTTP_FAIL_RECV) && s3_cut_short(HTTP_FAIL_TRUNCATED) &&
	    !s3_cut_short(HTTP_FAIL_NONE) && !s3_cut_short(HTTP_FAIL_SEND) &&
	    !s3_cut_short(HTTP_FAIL_CONNECT) && !s3_cut_short(HTTP_FAIL_SINK) &&
	    !s3_cut_short(HTTP_FAIL_READER) && !s3_cut_short(HTTP_FAIL_PROTOCOL) &&
	    !s3_cut_short(HTTP_FAIL_CERT),
	    "cut short: a reset, a time-out or a clean close once the request "
	    "went out; not a send, connect, sink, reader, malformed or "
	    "certificate failure");
	t_ok(s3_get_resumable(HTTP_FAIL_RECV, 1, 1) &&
	    s3_get_resumable(HTTP_FAIL_TRUNCATED, 5000000, 1) &&
	    !s3_get_resumable(HTTP_FAIL_RECV, 0, 1) &&
	    !s3_get_resumable(HTTP_FAIL_RECV, 1, 0) &&
	    !s3_get_resumable(HTTP_FAIL_SINK, 1, 1) &&
	    !s3_get_resumable(HTTP_FAIL_CERT, 1, 1) &&
	    !s3_get_resumable(HTTP_FAIL_PROTOCOL, 1, 1) &&
	    !s3_get_resumable(HTTP_FAIL_NONE, 1, 1),
	    "resumed: a reset, a time-out or a clean close after bytes, with "
	    "an ETag; not a sink, certificate or malformed answer, nor "
	    "before the body or without an ETag");
	t_ok(s3_range_skip(206, "bytes 1000-4999/5000", 1000, &skip) == 0 &&
	    skip == 0, "resumed: 206 from the byte asked for, nothing skipped");
	skip = 99;
	t_ok(s3_range_skip(206, "bytes 7-9/*", 7, &skip) == 0 && skip == 0,
	    "resumed: 206 of an unknown length ('*')");
	t_ok(s3_range_skip(200, NULL, 1000, &skip) == 0 && skip == 1000,
	    "resumed: a 200 (Range ignored) skips the bytes taken already");
	t_ok(s3_range_skip(206, "bytes 0-4999/5000", 1000, &skip) < 0 &&
	    s3_range_skip(206, "bytes 1001-4999/5000", 1000, &skip) < 0 &&
	    s3_range_skip(206, "bytes 10000-4999/5000", 1000, &skip) < 0 &&
	    s3_range_skip(206, NULL, 1000, &skip) < 0 &&
	    s3_range_skip(206, "bytes -5/10", 0, &skip) < 0 &&
	    s3_range_skip(206, "bytes=1000-", 1000, &skip) < 0 &&
	    s3_range_skip(206, "bytes 1000", 1000, &skip) < 0 &&
	    s3_range_skip(206, "bytes 99999999999999999999-/*", 1000,
	    &skip) < 0 &&
	    s3_range_skip(204, "bytes 1000-4999/5000", 1000, &skip) < 0,
	    "resumed: a Content-Range from another byte, missing or "
	    "malformed, or another status, is refused");
}

static void
test_skew(void)
{
	/* the server's Date: 2026-12-05 07:30:00 (python3's) */
	const char *date = "Sat, 05 Dec 2026 07:30:00 GMT";
	const time_t server = 1796455800;
	unsigned skewed = s3_code_class("RequestTimeTooSkewed");
	long off = 12345;
	int rc;

	/* the offset is the server's time minus the local clock's now */
	rc = s3_skew(403, skewed, date, server - 10, server - 20, &off);
	t_ok(rc == 1 && off == 20, "skew: RequestTimeTooSkewed takes the "
	    "server's clock however small the difference (%d, offset %ld)", rc,
	    off);
	off = 0;
	rc = s3_skew(403, 0, date, server + 301, server + 900, &off);
	t_ok(rc == 1 && off == -900, "skew: a 403 signed 301 s ahead of the "
	    "server (%d, offset %ld)", rc, off);
	rc = s3_skew(403, 0, date, server - 301, server - 301, &off);
	t_ok(rc == 1 && off == 301, "skew: a 403 signed 301 s behind the server "
	    "(%d, offset %ld)", rc, off);
	off = 777;
	t_ok(s3_skew(403, 0, date, server - 300, server, &off) == 0 &&
	    s3_skew(403, 0, date, server + 300, server, &off) == 0 &&
	    off == 777, "skew: a 403 within 300 s is no skew (offset untouched)");
	t_ok(s3_skew(400, 0, date, server - 3600, server, &off) == 0 &&
	    s3_skew(500, 0, date, server - 3600, server, &off) == 0,
	    "skew: other answers never set the clock");
	t_ok(s3_skew(403, skewed, NULL, server - 3600, server, &off) == 0 &&
	    s3_skew(403, skewed, "yesterday", server - 3600, server, &off) == 0,
	    "skew: no usable Date, no correction");
}

static void
test_moved(void)
{
	char region[16];
	unsigned moved = s3_code_class("PermanentRedirect");
	unsigned malformed = s3_code_class("AuthorizationHeaderMalformed");

	strcpy(region, "");
	t_ok(s3_moved(301, moved, "eu-west-1", region, sizeof region,
	    "us-east-1") == 1 && strcmp(region, "eu-west-1") == 0,
	    "redirect: a 301's x-amz-bucket-region");
	strcpy(region, "ap-south-1");
	t_ok(s3_moved(301, 0, "eu-west-1", region, sizeof region,
	    "us-east-1") == 1 && strcmp(region, "eu-west-1") == 0,
	    "redirect: the header before the document's <Region>");
	strcpy(region, "eu-central-1");
	t_ok(s3_moved(400, malformed, NULL, region, sizeof region,
	    "us-east-1") == 1 && strcmp(region, "eu-central-1") == 0,
	    "redirect: AuthorizationHeaderMalformed's <Region>");
	strcpy(region, "us-east-1");
	t_ok(s3_moved(301, moved, NULL, region, sizeof region,
	    "us-east-1") == 0, "redirect: to the region in use is no switch");
	strcpy(region, "");
	t_ok(s3_moved(301, moved, NULL, region, sizeof region, "us-east-1") == 0,
	    "redirect: naming no region is no switch");
	strcpy(region, "eu-west-1");
	t_ok(s3_moved(400, s3_code_class("InvalidRequest"), "eu-west-2", region,
	    sizeof region, "us-east-1") == 0 &&
	    s3_moved(403, 0, "eu-west-2", region, sizeof region,
	    "us-east-1") == 0, "redirect: other answers never switch");
	t_ok(s3_moved(301, moved, "a-region-name-longer-than-16", region,
	    sizeof region, "us-east-1") == 1 &&
	    strcmp(region, "a-region-name-l") == 0,
	    "redirect: a header over the room is cut to it");
}

static void
test_waits(void)
{
	/* min(20000, 200 * 2^(attempt-1)) */
	static const long top[] = { 0, 200, 400, 800, 1600, 3200, 6400, 12800,
	    20000, 20000, 20000 };
	int bad = 0;

	for (int a = 1; a <= 10 && bad == 0; a++) {
		/* every value below the top is reachable; the top never is */
		if (s3_backoff_ms(a, 0) != 0 ||
		    s3_backoff_ms(a, (unsigned)top[a] - 1) != top[a] - 1 ||
		    s3_backoff_ms(a, (unsigned)top[a]) != 0 ||
		    s3_backoff_ms(a, UINT_MAX) >= top[a] ||
		    s3_backoff_ms(a, UINT_MAX) < 0)
			bad = a;
	}
	t_ok(bad == 0, "back-off: [0, min(20 s, 200 ms * 2^(n-1))) for attempt "
	    "n (first wrong: %d, 0: none)", bad);
	t_ok(s3_backoff_ms(1000, UINT_MAX) < 20000 &&
	    s3_backoff_ms(INT_MAX, 19999) == 19999, "back-off: capped at 20 s "
	    "for any attempt");

	t_ok(s3_retry_wait("1", 1, 150) == 1000 &&
	    s3_retry_wait("0", 3, 150) == 0 &&
	    s3_retry_wait("20", 1, 150) == 20000,
	    "Retry-After: its seconds, whatever the attempt");
	t_ok(s3_retry_wait("21", 1, 150) == 20000 &&
	    s3_retry_wait("3600", 1, 150) == 20000 &&
	    s3_retry_wait("99999999999999999999999", 1, 150) == 20000,
	    "Retry-After: capped at 20 s, even past 64 bits");
	t_ok(s3_retry_wait(NULL, 2, 350) == 350 &&
	    s3_retry_wait("", 2, 350) == 350 &&
	    s3_retry_wait("Wed, 21 Oct 2015 07:28:00 GMT", 2, 350) == 350 &&
	    s3_retry_wait("-1", 2, 350) == 350,
	    "Retry-After: absent, a date or no number: the back-off");
}

int
main(void)
{
	test_dates();
	test_classes();
	test_resume();
	test_skew();
	test_moved();
	test_waits();
	return t_done();
}
