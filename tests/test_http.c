/*
 * test_http.c: http.c's parsers on canned inputs (no network): URLs, the
 * Host value, response heads, body framing, the chunked decoder fed in
 * every split. The network paths are tests/t_http.sh and tests/t_tls.sh.
 */
#include "unit.h"

#include "http.h"

static http_url u;
static s3p_err err;

static int
url_ok(const char *s, int https, const char *host, unsigned port,
    const char *target, int ip)
{
	if (http_url_parse(s, &u, &err) != 0)
		return t_ok(0, "url %s: %s", s, err.msg);
	return t_ok(u.https == https && strcmp(u.host, host) == 0
	    && u.port == port && strcmp(u.target, target) == 0
	    && u.host_ip == ip, "url %s: https %d host %s port %u target %s ip %d",
	    s, u.https, u.host, u.port, u.target, u.host_ip);
}

static int
url_bad(const char *s, const char *why)
{
	int r = http_url_parse(s, &u, &err);

	return t_ok(r == -1 && err.status == S3P_EUSAGE && strstr(err.msg, why),
	    "url refused: %s (%s)", s, r ? err.msg : "accepted");
}

static int
authority(const char *s, const char *want)
{
	char a[300];

	if (http_url_parse(s, &u, &err) != 0)
		return t_ok(0, "authority %s: %s", s, err.msg);
	http_url_authority(&u, a, sizeof a);
	return t_streq(a, want, s);
}

typedef struct {
	char buf[256];
	size_t len;
	int fail_after;
} sink_buf;

static int
sink(void *ctx, const unsigned char *p, size_t n, s3p_err *e)
{
	sink_buf *s = ctx;

	if (s->fail_after >= 0 && s->len + n > (size_t)s->fail_after)
		return err_set(e, S3P_EINTEGRITY, "sink full");
	if (s->len + n >= sizeof s->buf)
		return err_set(e, S3P_EINTEGRITY, "test sink overflow");
	memcpy(s->buf + s->len, p, n);
	s->len += n;
	s->buf[s->len] = '\0';
	return 0;
}

/* Feeds `in` to a fresh decoder in pieces of `step` bytes. */
static long
chunk_all(const char *in, size_t step, sink_buf *out, int *done)
{
	http_chunked ck;
	size_t len = strlen(in), off = 0;

	http_chunked_init(&ck);
	memset(out, 0, sizeof *out);
	out->fail_after = -1;
	while (off < len && !ck.done) {
		size_t n = len - off < step ? len - off : step;
		long r = http_chunked_feed(&ck, (const unsigned char *)in + off, n,
		    sink, out, "h", &err);

		if (r < 0)
			return -1;
		off += (size_t)r;
		if ((size_t)r < n && !ck.done)
			return -2;      /* stopped early without being done */
	}
	*done = ck.done;
	return (long)off;
}

static http_response rs;

static int
head(const char *s)
{
	char buf[2048];

	snprintf(buf, sizeof buf, "%s", s);
	memcpy(rs.head, buf, strlen(buf) + 1);
	return http_parse_head(&rs, rs.head, strlen(buf), "h", &err);
}

int
main(void)
{
	char big[HTTP_TARGET_MAX + 64];

	/* URLs */
	url_ok("https://s3.us-west-2.amazonaws.com", 1, "s3.us-west-2.amazonaws.com",
	    443, "/", 0);
	url_ok("http://Example.COM:9000/b/k?x=1&y", 0, "example.com", 9000,
	    "/b/k?x=1&y", 0);
	url_ok("HTTPS://10.0.0.5:8443/bucket", 1, "10.0.0.5", 8443, "/bucket", 4);
	url_ok("http://[::1]:9000/b", 0, "::1", 9000, "/b", 6);
	url_ok("https://[2001:db8::1]/", 1, "2001:db8::1", 443, "/", 6);
	url_ok("http://h?q=1", 0, "h", 80, "/?q=1", 0);
	url_ok("http://h/p#frag", 0, "h", 80, "/p", 0);
	url_ok("http://h/a%20b?X-Amz-Signature=abc", 0, "h", 80,
	    "/a%20b?X-Amz-Signature=abc", 0);
	url_bad("ftp://h/", "scheme");
	url_bad("h/path", "scheme");
	url_bad("http://user:pw@h/", "user info");
	url_bad("http://user@h/", "user info");
	url_bad("http:///p", "no host");
	url_bad("http://h:0/", "port");
	url_bad("http://h:65536/", "port");
	url_bad("http://h:/", "port");
	url_bad("http://h:8x/", "port");
	url_bad("http://[::1/", "IPv6");
	url_bad("http://[zz]/", "IPv6");
	url_bad("http://h/a b", "control");
	url_bad("http://h\x01/", "control");
	url_bad("http://h!/", "host");
	memset(big, 'a', sizeof big);
	memcpy(big, "http://h/", 9);
	big[sizeof big - 1] = '\0';
	url_bad(big, "longer than");
	http_url_parse("http://h/p?X-Amz-Signature=SECRET x", &u, &err);
	t_ok(strstr(err.msg, "SECRET") == NULL, "bad URL message omits the query");
	/* user info: the password is never quoted, whatever it holds */
	url_bad("https://alice:Pw0rd@host/b/k?x=1", "user info");
	t_ok(strstr(err.msg, "Pw0rd") == NULL && strstr(err.msg, "alice") == NULL
	    && strstr(err.msg, "'***@host/b/k'") != NULL,
	    "bad URL message hides the user info: %s", err.msg);
	url_bad("https://user:Pw/0rd@host/b/k", "port");
	t_ok(strstr(err.msg, "Pw") == NULL && strstr(err.msg, "0rd") == NULL,
	    "bad URL message hides a password holding '/': %s", err.msg);
	url_bad("https://user:P?w#0@rd@host/b/k", "");
	t_ok(strstr(err.msg, "P?w") == NULL && strstr(err.msg, "0@rd") == NULL
	    && strstr(err.msg, "'***@host/b/k'") != NULL,
	    "bad URL message hides a password holding '?', '#', '@': %s",
	    err.msg);
	/* an '@' in the query: the parameters after it stay unquoted */
	http_url_parse("https://host:99999/b/k?r=x@y&X-Amz-Signature=SECRET",
	    &u, &err);
	t_ok(strstr(err.msg, "SECRET") == NULL && strstr(err.msg,
	    "Signature") == NULL, "an '@' in the query quotes no parameter "
	    "after it: %s", err.msg);
	{
		char h[300] = "http://";
		memset(h + 7, 'a', 256);
		h[263] = '\0';
		url_bad(h, "too long");
		h[7 + 255] = '\0';
		url_ok(h, 0, h + 7, 80, "/", 0);
	}
	authority("http://h/", "h");
	authority("http://h:80/", "h");
	authority("https://h:80/", "h:80");
	authority("https://h:443/", "h");
	authority("http://[::1]:9000/", "[::1]:9000");
	authority("https://[::1]/", "[::1]");

	/* response heads */
	t_ok(head("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"abc\"  \r\n"
	    "x-amz-request-id:  R1\r\n\r\n") == 0 && rs.status == 200
	    && rs.version == 11 && rs.nhdr == 3 && !strcmp(rs.reason, "OK"),
	    "head: status, reason, 3 headers");
	t_streq(http_header_get(&rs, "etag"), "\"abc\"", "header lookup: any case, trimmed");
	t_streq(http_header_get(&rs, "X-AMZ-REQUEST-ID"), "R1", "header lookup: leading spaces");
	t_ok(http_header_get(&rs, "Date") == NULL, "missing header: NULL");
	t_ok(head("HTTP/1.0 404 Not Found\nServer: x\n\n") == 0 && rs.status == 404
	    && rs.version == 10, "head: bare LF, HTTP/1.0");
	t_ok(head("HTTP/1.1 204\r\n\r\n") == 0 && rs.status == 204
	    && !strcmp(rs.reason, ""), "head: no reason phrase");
	t_ok(head("HTTP/1.1 200 OK\r\nX-A: 1\r\n  folded\r\n\r\n") == -1
	    && strstr(err.msg, "folded"), "head: folded line refused");
	t_ok(head("HTTP/2 200\r\n\r\n") == -1, "head: HTTP/2 refused");
	t_ok(head("HTTP/1.1 20 OK\r\n\r\n") == -1, "head: two-digit status refused");
	t_ok(head("HTTP/1.1 600 X\r\n\r\n") == -1, "head: status 600 refused");
	t_ok(head("HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n") == -1, "head: space in name refused");
	t_ok(head("HTTP/1.1 200 OK\r\n: v\r\n\r\n") == -1, "head: empty name refused");
	t_ok(head("HTTP/1.1 200 OK\r\nA: 1\r\n") == -1, "head: no blank line refused");
	t_ok(head("HTTP/1.1 200 OK\r\nA: x\x01y\r\n\r\n") == -1, "head: control char refused");
	{
		char h[8192];
		size_t n = (size_t)sprintf(h, "HTTP/1.1 200 OK\r\n");
		for (int i = 0; i <= HTTP_MAX_HEADERS; i++)
			n += (size_t)sprintf(h + n, "A%d: v\r\n", i);
		sprintf(h + n, "\r\n");
		t_ok(head(h) == -1 && strstr(err.msg, "header lines"),
		    "head: more than %d headers refused", HTTP_MAX_HEADERS);
	}
	{
		/* S3 allows 2 KB of user metadata: a hundred short entries,
		 * with the headers the client reads around them */
		size_t n = (size_t)sprintf(rs.head, "HTTP/1.1 200 OK\r\n"
		    "Date: Mon, 07 Dec 2026 09:00:00 GMT\r\nETag: \"e1\"\r\n");
		int r;

		for (int i = 0; i < 100; i++)
			n += (size_t)sprintf(rs.head + n, "x-amz-meta-k%d: v%d\r\n",
			    i, i);
		n += (size_t)sprintf(rs.head + n, "X-Amz-Version-Id: v7\r\n"
		    "x-amz-checksum-sha256: c2\r\nContent-Length: 9\r\n"
		    "Connection: close\r\n\r\n");
		r = http_parse_head(&rs, rs.head, n, "h", &err);
		t_ok(r == 0, "head: 100 x-amz-meta lines accepted (%s)",
		    r ? err.msg : "ok");
		t_ok(r == 0 && http_header_get(&rs, "date") != NULL
		    && !strcmp(http_header_get(&rs, "etag"), "\"e1\"")
		    && !strcmp(http_header_get(&rs, "x-amz-version-id"), "v7")
		    && !strcmp(http_header_get(&rs, "x-amz-checksum-sha256"), "c2")
		    && !strcmp(http_header_get(&rs, "content-length"), "9")
		    && !strcmp(http_header_get(&rs, "connection"), "close"),
		    "head: the headers before and after the metadata are found");
	}

	/* framing */
	{
		uint64_t len = 0;

		head("HTTP/1.1 200 OK\r\nContent-Length: 12345678901\r\n\r\n");
		t_ok(http_body_framing(&rs, "GET", &len, "h", &err) == 1
		    && len == 12345678901ULL, "framing: Content-Length > 4 GiB");
		t_ok(http_body_framing(&rs, "HEAD", &len, "h", &err) == 0,
		    "framing: HEAD has no body");
		head("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n");
		t_ok(http_body_framing(&rs, "GET", &len, "h", &err) == 0, "framing: 304");
		head("HTTP/1.1 204 No Content\r\n\r\n");
		t_ok(http_body_framing(&rs, "GET", &len, "h", &err) == 0, "framing: 204");
		head("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\nContent-Length: 3\r\n\r\n");
		t_ok(http_body_framing(&rs, "GET", &len, "h", &err) == 2,
		    "framing: chunked wins over Content-Length");
		head("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
		t_ok(http_body_framing(&rs, "GET", &len, "h", &err) == -1,
		    "framing: other codings refused");
		head("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n");
		t_ok(http_body_framing(&rs, "GET", &len, "h", &err) == -1,
		    "framing: conflicting lengths refused");
		head("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n");
		t_ok(http_body_framing(&rs, "GET", &len, "h", &err) == 1 && len == 3,
		    "framing: repeated equal lengths accepted");
		head("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n");
		t_ok(http_body_framing(&rs, "GET", &len, "h", &err) == -1,
		    "framing: negative length refused");
		head("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n");
		t_ok(http_body_framing(&rs, "GET", &len, "h", &err) == -1,
		    "framing: overflowing length refused");
		head("HTTP/1.1 200 OK\r\n\r\n");
		t_ok(http_body_framing(&rs, "GET", &len, "h", &err) == 3,
		    "framing: no length, to the close");
	}

	/* chunked, in every split size */
	{
		static const char *in = "5;name=v\r\nhello\r\n1\r\n \r\n"
		    "A\r\n0123456789\r\n0\r\nX-T: 1\r\nY: 2\r\n\r\nNEXT";
		sink_buf out;
		int done = 0, bad = 0;

		for (size_t step = 1; step <= strlen(in); step++) {
			long r = chunk_all(in, step, &out, &done);

			if (r != (long)strlen(in) - 4 || !done
			    || strcmp(out.buf, "hello 0123456789") != 0) {
				bad = 1;
				t_ok(0, "chunked split %zu: r %ld done %d out '%s'",
				    step, r, done, out.buf);
				break;
			}
		}
		if (!bad)
			t_ok(1, "chunked: every split size, stops before the next response");
		t_ok(chunk_all("3\nabc\n0\n\n", 100, &out, &done) == 9 && done
		    && !strcmp(out.buf, "abc"), "chunked: bare LF accepted");
		t_ok(chunk_all("x\r\n", 100, &out, &done) == -1, "chunked: bad size refused");
		t_ok(chunk_all("3\r\nabcX\r\n", 100, &out, &done) == -1,
		    "chunked: missing CRLF after data refused");
		t_ok(chunk_all("11111111111111111\r\n", 100, &out, &done) == -1,
		    "chunked: 17 hex digits refused");
		t_ok(chunk_all("5\r\nab", 100, &out, &done) == 5 && !done,
		    "chunked: incomplete input is not done");
		{
			http_chunked ck;
			sink_buf o2 = { .fail_after = 2 };

			http_chunked_init(&ck);
			t_ok(http_chunked_feed(&ck, (const unsigned char *)"5\r\nhello\r\n",
			    10, sink, &o2, "h", &err) == -1 && !strcmp(err.msg, "sink full"),
			    "chunked: a sink failure is passed up");
		}
	}
	return t_done();
}
