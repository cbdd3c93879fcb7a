/* http.c: see http.h. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns.h"
#include "fmt.h"
#include "text.h"

#ifndef S3PUB_VERSION
#define S3PUB_VERSION "0"
#endif

#define IOBUF 16384
/* a plain connection's body bytes from the reader (over TLS they go
 * straight into the record, file stretches by sendfile): 64 KiB saved no
 * measurable time and cost 48 KiB more per connection */
#define WBUF 16384
#define CONTINUE_WAIT_MS 1000

struct http_conn {
	int fd;
	int https;
	int absolute;                   /* through a plain-HTTP proxy: absolute-
					 * form targets; a 407 is the proxy's */
	char key[HTTP_HOST_MAX + 16];   /* "s:host:port" */
	char what[2 * HTTP_HOST_MAX + 48]; /* "host:port[ via proxy h:p]" */
	int timeout_ms;
	int timed_out;                  /* the last I/O failure was a time-out */
	const char *to_dir;             /* "read" or "write" */
	int sys_errno;                  /* errno of the last I/O failure */
	int eof;
	const volatile sig_atomic_t *cancel; /* the request's, or NULL */
	tls_conn *tls;                  /* NULL for plain TCP */
	size_t rpos, rlen;
	unsigned char rbuf[IOBUF];
	unsigned char wbuf[WBUF];
};

/* ---- small string helpers ---- */

/* Does the comma-separated value hold `tok` (any case)? */
static int
has_token(const char *v, const char *tok)
{
	size_t n = strlen(tok);

	while (v != NULL && *v) {
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		if (strncasecmp(v, tok, n) == 0 && (v[n] == '\0' || v[n] == ',' ||
		    v[n] == ' ' || v[n] == '\t'))
			return 1;
		v = strchr(v, ',');
	}
	return 0;
}

/* ---- URLs ---- */

/*
 * The URL for messages: without query nor fragment, nor user info, which
 * may hold a password, itself holding any of "/?#@" unencoded: all up to
 * the last '@' is "***@". That '@' may be the query's: cut at '&' and '='
 * too, so that no query parameter (a signature) follows it.
 */
static void
url_quote(const char *s, char *out, size_t cap)
{
	const char *at = strrchr(s, '@'), *r = at != NULL ? at + 1 : s;
	size_t n = strcspn(r, "?#&=");

	if (n > 200)
		n = 200;
	fmt_snprintf(out, cap, "%s%.*s", at != NULL ? "***@" : "", (int)n, r);
}

/* Parses s into u: NULL, or why it is no URL (not quoting it). */
static const char *
url_parse(const char *s, http_url *u)
{
	const char *p, *a, *ae, *h, *he, *why;
	size_t n;

	memset(u, 0, sizeof *u);
	if (strncasecmp(s, "https://", 8) == 0) {
		u->https = 1;
		p = s + 8;
	} else if (strncasecmp(s, "http://", 7) == 0) {
		p = s + 7;
	} else {
		why = "the scheme must be http:// or https://";
		goto bad;
	}
	why = "spaces and control characters must be percent-encoded";
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c <= 0x20 || *c == 0x7f)
			goto bad;
	a = p;
	ae = a + strcspn(a, "/?#");
	why = "user info (user:password@) is not accepted; give credentials "
	    "otherwise";
	if (memchr(a, '@', (size_t)(ae - a)) != NULL)
		goto bad;
	if (*a == '[') {
		char v6[64];
		unsigned char tmp[16];

		why = "bad IPv6 address";
		h = a + 1;
		he = memchr(h, ']', (size_t)(ae - h));
		if (he == NULL || (size_t)(he - h) >= sizeof v6)
			goto bad;
		memcpy(v6, h, (size_t)(he - h));
		v6[he - h] = '\0';
		if (text_ip(v6, tmp) != 16)
			goto bad;
		u->host_ip = 6;
		p = he + 1;
	} else {
		h = a;
		he = h;
		while (he < ae && *he != ':')
			he++;
		p = he;
	}
	n = (size_t)(he - h);
	why = "no host";
	if (n == 0)
		goto bad;
	why = "host name too long";
	if (n >= HTTP_HOST_MAX)
		goto bad;
	why = "bad character in host name";
	for (size_t i = 0; i < n; i++) {
		int c = text_lower((unsigned char)h[i]);

		if (u->host_ip != 6 && !((c >= 'a' && c <= 'z')
		    || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'))
			goto bad;
		u->host[i] = (char)c;
	}
	u->host[n] = '\0';
	if (u->host_ip == 0) {
		unsigned char tmp[16];

		if (text_ip(u->host, tmp) == 4)
			u->host_ip = 4;
	}
	u->port = u->https ? 443 : 80;
	if (p < ae) {
		unsigned long port = 0;

		why = "bad port";
		if (*p != ':' || p + 1 == ae)
			goto bad;
		for (p++; p < ae; p++) {
			if (*p < '0' || *p > '9' || port > 65535)
				goto bad;
			port = port * 10 + (unsigned long)(*p - '0');
		}
		if (port == 0 || port > 65535)
			goto bad;
		u->port = (unsigned)port;
		u->port_given = 1;
	}
	/* path and query, fragment dropped (RFC 3986 section 3.5) */
	n = strcspn(ae, "#");
	why = "longer than 16382 bytes";
	_Static_assert(HTTP_TARGET_MAX - 2 == 16382, "the message's number");
	if (n + 2 > HTTP_TARGET_MAX)
		goto bad;
	u->target[0] = '/';
	memcpy(u->target + (*ae != '/'), ae, n);
	return NULL;
bad:
	return why;
}

int
http_url_parse(const char *s, http_url *u, s3p_err *err)
{
	const char *why = url_parse(s, u);
	char q[256];

	if (why == NULL)
		return 0;
	url_quote(s, q, sizeof q);
	return err_set(err, S3P_EUSAGE, "bad URL '%s': %s", q, why);
}

/* host, "[v6]" for IPv6, then ":port" unless it is the default one */
static int
authority(const http_url *u, char *out, size_t cap, int port)
{
	const char *b = u->host_ip == 6 ? "[]" : "";
	int n;

	port = port || u->port != (u->https ? 443u : 80u);
	n = fmt_snprintf(out, cap, port ? "%.1s%s%s:%u" : "%.1s%s%s", b, u->host,
	    *b ? b + 1 : b, u->port);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

int
http_url_authority(const http_url *u, char *out, size_t cap)
{
	return authority(u, out, cap, 0);
}

/* ---- response head, framing, chunked ---- */

static int
is_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int
malformed(const char *host, const char *why, s3p_err *err)
{
	return err_set(err, S3P_ENET, "%s: malformed response: %s", host, why);
}

int
http_parse_head(http_response *rs, char *head, size_t len, const char *host,
    s3p_err *err)
{
	char *p = head, *end = head + len, *eol, *line;
	const char *why = "NUL byte";
	size_t ll;

	rs->nhdr = 0;
	rs->reason = "";
	if (memchr(head, '\0', len) != NULL)
		goto bad;
	/* status-line = HTTP-version SP status-code SP reason-phrase */
	why = "no status line";
	if ((eol = memchr(p, '\n', len)) == NULL)
		goto bad;
	line = p;
	ll = (size_t)(eol - p);
	if (ll > 0 && line[ll - 1] == '\r')
		ll--;
	line[ll] = '\0';
	why = "bad status line";
	if (ll < 12 || memcmp(line, "HTTP/1.", 7) != 0
	    || (line[7] != '0' && line[7] != '1') || line[8] != ' '
	    || line[9] < '1' || line[9] > '5' || line[10] < '0' || line[10] > '9'
	    || line[11] < '0' || line[11] > '9' || (ll > 12 && line[12] != ' '))
		goto bad;
	rs->version = line[7] == '1' ? 11 : 10;
	rs->status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + line[11] - '0';
	rs->reason = ll > 12 ? line + 13 : "";
	p = eol + 1;
	for (;;) {
		char *colon, *v, *ve;

		why = "head not ended by a blank line";
		if (p >= end || (eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			goto bad;
		ll = (size_t)(eol - p);
		if (ll > 0 && p[ll - 1] == '\r')
			ll--;
		if (ll == 0)
			break;          /* the blank line */
		p[ll] = '\0';
		why = "folded header line (obsolete, RFC 7230 section 3.2.4)";
		if (*p == ' ' || *p == '\t')
			goto bad;
		colon = p;
		while (is_tchar((unsigned char)*colon))
			colon++;
		why = "bad header line";
		if (*colon != ':' || colon == p)
			goto bad;
		*colon = '\0';
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		ve = p + ll;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		*ve = '\0';
		why = "control character in header";
		for (char *c = v; c < ve; c++)
			if (*c == '\r' || ((unsigned char)*c < 0x20 && *c != '\t')
			    || *c == 0x7f)
				goto bad;
		why = "more than 64 header lines";
		_Static_assert(HTTP_MAX_HEADERS == 64, "the message's number");
		/* user metadata (2 KB in S3: a hundred lines) is read by nothing
		 * here: past half the table it is not kept, so that it never
		 * takes the room of a header the client reads */
		if (rs->nhdr < HTTP_MAX_HEADERS / 2
		    || strncasecmp(p, "x-amz-meta-", 11) != 0) {
			if (rs->nhdr == HTTP_MAX_HEADERS)
				goto bad;
			rs->hdr[rs->nhdr].name = p;
			rs->hdr[rs->nhdr].value = v;
			rs->nhdr++;
		}
		p = eol + 1;
	}
	return 0;
bad:
	rs->status = 0;
	return malformed(host, why, err);
}

const char *
http_header_get(const http_response *rs, const char *name)
{
	for (size_t i = 0; i < rs->nhdr; i++)
		if (strcasecmp(rs->hdr[i].name, name) == 0)
			return rs->hdr[i].value;
	return NULL;
}

int
http_body_framing(const http_response *rs, const char *method, uint64_t *len,
    const char *host, s3p_err *err)
{
	const char *te = NULL, *cl = NULL;

	if (strcasecmp(method, "HEAD") == 0 || rs->status < 200 ||
	    rs->status == 204 || rs->status == 304)
		return 0;
	for (size_t i = 0; i < rs->nhdr; i++) {
		const char *n = rs->hdr[i].name, *v = rs->hdr[i].value;

		if (strcasecmp(n, "Transfer-Encoding") == 0) {
			if (te != NULL)
				return malformed(host, "two Transfer-Encoding headers",
				    err);
			te = v;
		} else if (strcasecmp(n, "Content-Length") == 0) {
			if (cl != NULL && strcmp(cl, v) != 0)
				return malformed(host, "conflicting Content-Length "
				    "headers", err);
			cl = v;
		}
	}
	if (te != NULL) {
		if (strcasecmp(te, "chunked") != 0)
			return err_set(err, S3P_ENET, "%s: unsupported "
			    "Transfer-Encoding '%.40s'", host, te);
		return 2;
	}
	if (cl != NULL) {
		uint64_t n = 0;
		const char *c = cl;

		do {    /* digits, at least one */
			if (*c < '0' || *c > '9' || n > (UINT64_MAX - 9) / 10)
				goto bad_cl;
			n = n * 10 + (uint64_t)(*c - '0');
		} while (*++c != '\0');
		*len = n;
		return 1;
	}
	return 3;
bad_cl:
	return err_set(err, S3P_ENET, "%s: malformed response: bad "
	    "Content-Length '%.40s'", host, cl);
}

/* CK_LF | X: a LF, then state X (a CR ended the line) */
enum {
	CK_SIZE, CK_EXT, CK_DATA, CK_DATA_CR, CK_TRAILER, CK_TRAILER_LINE,
	CK_SIZE_END, CK_DONE, CK_LF = 16
};

/* The state after the LF (or CRLF) that ends a line in state i. */
static const unsigned char ck_eol[] = {
	CK_SIZE_END, CK_SIZE_END, 0, CK_SIZE, CK_DONE, CK_TRAILER
};

void
http_chunked_init(http_chunked *ck)
{
	memset(ck, 0, sizeof *ck);
	ck->state = CK_SIZE;
}


long
http_chunked_feed(http_chunked *ck, const unsigned char *in, size_t len,
    http_sink_fn out, void *out_ctx, const char *host, s3p_err *err)
{
	size_t i = 0;

	while (i < len && ck->state != CK_DONE) {
		int c = in[i], st = ck->state;

		if (st == CK_DATA) {
			size_t n = len - i;

			if (n > ck->left)
				n = (size_t)ck->left;
			if (out != NULL && out(out_ctx, in + i, n, err) != 0)
				return -1;
			ck->left -= n;
			i += n;
			if (ck->left == 0)
				ck->state = CK_DATA_CR;
			continue;
		}
		i++;
		if (st & CK_LF) {
			if (c != '\n')
				goto bad;
			st &= ~CK_LF;
		} else if (st == CK_SIZE && text_hex(c) >= 0) {
			if (ck->digits == 16)
				goto bad;
			ck->left = (ck->left << 4) | (uint64_t)text_hex(c);
			ck->digits++;
			continue;
		} else if (st == CK_SIZE && ck->digits == 0) {
			goto bad;
		} else if (c == '\r') {
			ck->state = CK_LF | ck_eol[st];
			continue;
		} else if (c == '\n') {
			st = ck_eol[st];
		} else {
			switch (st) {
			case CK_SIZE:
				if (c != ';' && c != ' ' && c != '\t')
					goto bad;
				ck->state = CK_EXT;
				ck->line = 0;
				continue;
			case CK_EXT:
				if (++ck->line > 4096)
					goto bad;
				continue;
			case CK_TRAILER:
				ck->state = CK_TRAILER_LINE;
				continue;
			case CK_TRAILER_LINE:
				if (++ck->line > 8192)
					goto bad;
				continue;
			default:
				goto bad;
			}
		}
		/* a line ended */
		if (st == CK_SIZE_END) {
			ck->digits = 0;
			ck->line = 0;
			st = ck->left ? CK_DATA : CK_TRAILER;
		}
		ck->state = st;
	}
	ck->done = ck->state == CK_DONE;
	return (long)i;
bad:
	return malformed(host, "bad chunked framing", err);
}

/* ---- sockets ---- */

static void
logf_(http_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
logf_(http_client *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (c->o.log == NULL)
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	c->o.log(c->o.log_ctx, line);
}

/*
 * Waits for `ev` on fd; 1 ready, 0 time-out, -1 error. A set *cancel ends
 * the wait as an error with errno EINTR: checked before each poll(), after
 * a signal interrupted one (the handler sets it, then poll returns), and
 * at least every CANCEL_SLICE_MS: a signal that came just before poll(),
 * or that another thread received, is seen within that.
 */
#define CANCEL_SLICE_MS 500
static int
wait_fd(int fd, short ev, int ms, const volatile sig_atomic_t *cancel)
{
	struct pollfd pf = { fd, ev, 0 };
	int r;

	for (;;) {
		int slice = cancel != NULL && (ms < 0 || ms > CANCEL_SLICE_MS)
		    ? CANCEL_SLICE_MS : ms;

		if (err_cancelled(cancel)) {
			errno = EINTR;
			return -1;
		}
		r = poll(&pf, 1, slice);
		if (r < 0 && errno == EINTR)
			continue;
		if (r != 0 || slice == ms)
			return r;
		if (ms > 0)
			ms -= slice;    /* a time-out: at least slice went by */
	}
}

/* Waits until k is readable (wr 0) or writable (wr 1): 0, or -1 failed. */
static int
io_wait(http_conn *k, int wr)
{
	int r = wait_fd(k->fd, wr ? POLLOUT : POLLIN, k->timeout_ms, k->cancel);

	if (r == 0) {
		k->timed_out = 1;
		k->to_dir = wr ? "write" : "read";
		return -1;
	}
	if (r < 0) {
		k->sys_errno = errno;
		return -1;
	}
	return 0;
}

/* One recv (wr 0) or send (wr 1) of at least a byte, waiting as needed. */
static long
raw_io(http_conn *k, unsigned char *buf, size_t len, int wr)
{
	for (;;) {
		ssize_t r;

		/* here too, not only in the waits: a body that is always
		 * there to read (a fast store, a slow sink) never waits */
		if (err_cancelled(k->cancel)) {
			k->sys_errno = EINTR;
			return -1;
		}
		r = wr ? send(k->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) :
		    recv(k->fd, buf, len, MSG_DONTWAIT);

		if (r > 0 || (r == 0 && wr))
			return r;
		if (r == 0) {
			k->eof = 1;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			k->sys_errno = errno;
			return -1;
		}
		if (io_wait(k, wr) < 0)
			return -1;
	}
}

/*
 * One sendfile(2) of at most len bytes of file fd from *off on, waiting
 * for the socket as raw_io does: bytes sent (*off advanced), 0 when the
 * file ends there or cannot be sent that way (EINVAL, ENOSYS: the caller
 * copies those bytes instead), -1 failed.
 */
static long
raw_sendfile(http_conn *k, int fd, uint64_t *off, size_t len)
{
	for (;;) {
		off_t o = (off_t)*off;
		ssize_t r = sendfile(k->fd, fd, &o, len);

		if (r >= 0) {
			*off = (uint64_t)o;
			return r;
		}
		if (errno == EINTR)
			continue;
		if (errno == EINVAL || errno == ENOSYS)
			return 0;       /* not this file: copied instead */
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			k->sys_errno = errno;
			return -1;
		}
		if (io_wait(k, 1) < 0)
			return -1;
	}
}

static int
tls_rd(void *ctx, unsigned char *buf, size_t len)
{
	http_conn *k = ctx;
	long r = raw_io(k, buf, len, 0);

	if (r == 0)
		k->tls->eof = 1;
	return r > 0 ? (int)r : -1;
}

static int
tls_wr(void *ctx, const unsigned char *buf, size_t len)
{
	long r = raw_io(ctx, (unsigned char *)buf, len, 1);

	return r > 0 ? (int)r : -1;
}

/* The message of an I/O failure of k, in words. */
static int
io_err(http_client *c, http_conn *k, http_response *rs, int fail,
    s3p_err *err)
{
	rs->fail = fail;
	if (k->timed_out) {
		rs->timeout = 1;
		return err_set(err, S3P_ENET, "%s: %s time-out (nothing for %d s)",
		    k->what, k->to_dir, k->timeout_ms / 1000);
	}
	if (k->sys_errno == EINTR)
		return err_set(err, S3P_ENET, "%s: interrupted", k->what);
	if (k->sys_errno)
		return err_set(err, S3P_ENET, "%s: %s: %s", k->what,
		    fail == HTTP_FAIL_SEND ? "send" : "receive",
		    strerror(k->sys_errno));
	if (k->eof)
		return err_set(err, S3P_ENET, "%s: connection closed by the server",
		    k->what);
	(void)c;
	return -1;      /* err already holds the TLS layer's message */
}

static void
conn_free(http_conn *k)
{
	if (k == NULL)
		return;
	if (k->tls != NULL) {
		tls_abandon(k->tls);
		free(k->tls);
	}
	if (k->fd >= 0)
		close(k->fd);
	free(k);
}

/* Clears the per-request I/O state. */
static void
conn_reset_io(http_conn *k)
{
	k->timed_out = 0;
	k->sys_errno = 0;
	k->eof = 0;
	k->to_dir = "read";
}

/* Makes sure rbuf holds unread bytes: 1, or 0 at end of stream, -1 error. */
static int
conn_fill(http_conn *k, s3p_err *err)
{
	long r;

	if (k->rpos < k->rlen)
		return 1;
	k->rpos = k->rlen = 0;
	r = k->tls != NULL ? tls_read(k->tls, k->rbuf, sizeof k->rbuf, err)
	    : raw_io(k, k->rbuf, sizeof k->rbuf, 0);
	if (r <= 0)
		return (int)r;
	k->rlen = (size_t)r;
	return 1;
}

static int
conn_write(http_conn *k, const void *buf, size_t len, s3p_err *err)
{
	const unsigned char *p = buf;

	if (k->tls != NULL)
		return tls_write(k->tls, buf, len, err);
	while (len > 0) {
		long r = raw_io(k, (unsigned char *)p, len, 1);

		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

static int
conn_flush(http_conn *k, s3p_err *err)
{
	return k->tls != NULL ? tls_flush(k->tls, err) : 0;
}

/*
 * An address for the log, as RFC 5952 writes it (the longest run of two or
 * more zero groups shortened to ::). libc's inet_ntop formats with
 * snprintf, and would bring musl's whole printf back into the binary.
 */
static void
format_addr(const struct sockaddr *sa, char *out, size_t size)
{
	const unsigned char *b;
	int best = -1, bestlen = 1, run = 0, n = 0;

	out[0] = '\0';
	if (sa->sa_family == AF_INET) {
		b = (const unsigned char *)
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		fmt_snprintf(out, size, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
		return;
	}
	if (sa->sa_family != AF_INET6)
		return;
	b = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	for (int i = 0; i < 8; i++) {
		run = b[2 * i] | b[2 * i + 1] ? 0 : run + 1;
		if (run > bestlen) {
			bestlen = run;
			best = i - run + 1;
		}
	}
	for (int i = 0; i < 8 && (size_t)n < size; i++) {
		if (i == best) {
			n += fmt_snprintf(out + n, size - (size_t)n, "::");
			i += bestlen - 1;
			continue;
		}
		n += fmt_snprintf(out + n, size - (size_t)n, "%s%x",
		    i > 0 && i != best + bestlen ? ":" : "",
		    (unsigned)(b[2 * i] << 8 | b[2 * i + 1]));
	}
}


/* Opens a TCP connection to host:port, every address in turn. */
static int
tcp_connect(http_client *c, const char *host, unsigned port, const char *who,
    const volatile sig_atomic_t *cancel, http_response *rs, s3p_err *err)
{
	dns_addr addrs[DNS_MAX_ADDRS];
	char addr[INET6_ADDRSTRLEN], why[128];
	int fd = -1, e = 0, timed_out = 0, r, na;
	int cto = c->o.connect_timeout_ms;

	na = dns_resolve(host, port, addrs, cancel, why, sizeof why);
	if (na < 0) {
		rs->fail = HTTP_FAIL_RESOLVE;
		return err_set(err, S3P_ENET, "%s: cannot resolve host name: %s",
		    who, why);
	}
	for (int i = 0; i < na; i++) {
		const struct sockaddr *sa = (const struct sockaddr *)&addrs[i].sa;
		socklen_t sl = sizeof e;
		int one = 1;

		fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd < 0) {
			e = errno;
			continue;
		}
		format_addr(sa, addr, sizeof addr);
		logf_(c, "* connecting to %s port %u (%s)", host, port, addr);
		if (connect(fd, sa, addrs[i].len) == 0)
			e = 0;
		else if (errno != EINPROGRESS)
			e = errno;
		else if ((r = wait_fd(fd, POLLOUT, cto, cancel)) == 0)
			e = ETIMEDOUT, timed_out = 1;
		else if (r < 0)
			e = errno;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) != 0)
			e = errno;
		if (e == 0) {
			/* 46 ms handshakes without it (issue 4), 3 ms with */
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
			break;
		}
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		rs->fail = HTTP_FAIL_CONNECT;
		if (timed_out && e == ETIMEDOUT) {
			rs->timeout = 1;
			return err_set(err, S3P_ENET, "%s: connect time-out (%d s)",
			    who, cto / 1000);
		}
		if (e == EINTR)
			return err_set(err, S3P_ENET, "%s: interrupted", who);
		return err_set(err, S3P_ENET, "%s: connect: %s", who, strerror(e));
	}
	c->connects++;
	return fd;
}

/* ---- proxies ---- */

/* "Basic " + base64 of the percent-decoded user info (RFC 7617). */
static int
basic_auth(const char *ui, size_t n, char *out, size_t cap)
{
	unsigned char raw[256];
	size_t rl = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)ui[i];

		if (c == '%' && i + 2 < n && text_unhex(ui + i + 1, &c, 1) == 0)
			i += 2;
		if (rl == sizeof raw)
			return -1;
		raw[rl++] = c;
	}
	if (6 + (rl + 2) / 3 * 4 + 1 > cap)
		return -1;
	memcpy(out, "Basic ", 6);
	text_base64(raw, rl, out + 6);
	return 0;
}

/* The value of `lower`, else of `upper` (*name says which); NULL if empty. */
static const char *
getenv2(const char *lower, const char *upper, const char **name)
{
	const char *v = getenv(lower);

	*name = lower;
	if (v == NULL || *v == '\0') {
		v = getenv(upper);
		*name = upper;
	}
	return v != NULL && *v ? v : NULL;
}

static int
proxy_from_env(http_proxy *px, const char *lower, const char *upper,
    s3p_err *err)
{
	const char *name, *v = getenv2(lower, upper, &name), *a, *at;
	const char *why = "only http:// proxies are supported";
	char buf[HTTP_HOST_MAX + 600];
	http_url *u;

	px->port = 0;
	px->auth[0] = '\0';
	if (v == NULL)
		return 0;
	/* messages never quote the value: it may hold a password */
	if (text_str(v, "://") == NULL)
		a = v;
	else if (strncasecmp(v, "http://", 7) == 0)
		a = v + 7;
	else
		goto bad;
	/* user info, up to the last '@': a password may hold '/', '?', '#'
	 * and '@' unencoded */
	why = "user info too long";
	if ((at = strrchr(a, '@')) != NULL) {
		if (basic_auth(a, (size_t)(at - a), px->auth,
		    sizeof px->auth) != 0)
			goto bad;
		a = at + 1;
	}
	why = "too long";
	if (strlen(a) + 8 >= sizeof buf)
		goto bad;
	fmt_snprintf(buf, sizeof buf, "http://%s", a);
	why = "out of memory";
	if ((u = malloc(sizeof *u)) == NULL)
		goto bad;
	if ((why = url_parse(buf, u)) == NULL) {
		memcpy(px->host, u->host, sizeof px->host);
		px->port = u->port_given ? u->port : 1080;      /* as curl */
	}
	free(u);
	if (why == NULL)
		return 0;
bad:
	return err_set(err, S3P_EUSAGE, "proxy %s: %s", name, why);
}

/*
 * A NO_PROXY entry of n bytes at p in CIDR form ("10.0.0.0/8",
 * "fd00::/8", as curl, Go and python's requests take it) holds host, an
 * IP literal of the same family.
 */
static int
in_cidr(const char *p, size_t n, const char *host)
{
	char a[64];
	unsigned char net[16], ip[16];
	const char *slash = memchr(p, '/', n), *end;
	uint64_t bits = 0;
	int len;

	if (slash == NULL || n >= sizeof a)
		return 0;
	memcpy(a, p, n);
	a[n] = '\0';
	a[slash - p] = '\0';
	end = text_num(a + (slash - p) + 1, 10, &bits);
	if (end != a + n || end == a + (slash - p) + 1 ||
	    (len = text_ip(a, net)) == 0 || text_ip(host, ip) != len ||
	    bits > (uint64_t)len * 8)
		return 0;
	for (unsigned i = 0; i < bits; i++)
		if ((net[i / 8] ^ ip[i / 8]) & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

/* NO_PROXY: "*", or names (domain suffixes, a leading dot ignored), IPs
 * and CIDR blocks. */
static int
no_proxy_match(const char *list, const char *host)
{
	const char *p = list;
	size_t hl = strlen(host);

	while (*p) {
		const char *e;
		size_t n;

		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		e = p + strcspn(p, ", \t");
		n = (size_t)(e - p);
		if ((n == 1 && *p == '*') || in_cidr(p, n, host))
			return 1;
		if (n > 0 && *p == '.')
			p++, n--;
		if (n > 0 && (n == hl || (hl > n && host[hl - n - 1] == '.'))
		    && strncasecmp(host + hl - n, p, n) == 0)
			return 1;
		p = e;
	}
	return 0;
}

/* ---- client ---- */

int
http_client_init(http_client *c, const http_options *o, s3p_err *err)
{
	const char *np, *name;

	memset(c, 0, sizeof *c);
	if (o != NULL)
		c->o = *o;
	if (c->o.connect_timeout_ms <= 0)
		c->o.connect_timeout_ms = 10000;
	if (c->o.timeout_ms <= 0)
		c->o.timeout_ms = 60000;
	if (c->o.no_env_proxy)
		return 0;
	if (proxy_from_env(&c->proxy_https, "https_proxy", "HTTPS_PROXY", err)
	    || proxy_from_env(&c->proxy_http, "http_proxy", "HTTP_PROXY", err))
		return -1;
	if ((np = getenv2("no_proxy", "NO_PROXY", &name)) != NULL)
		fmt_snprintf(c->no_proxy, sizeof c->no_proxy, "%s", np);
	return 0;
}

void
http_client_close(http_client *c)
{
	for (int i = 0; i < HTTP_POOL; i++) {
		conn_free(c->pool[i]);
		c->pool[i] = NULL;
	}
	if (c->own_loaded)
		tls_anchors_free(&c->own);
	c->own_loaded = 0;
}

static void
conn_key(const http_url *u, char *key, size_t cap)
{
	fmt_snprintf(key, cap, "%c:%s:%u", u->https ? 's' : 'p', u->host, u->port);
}

/* An idle pooled connection for key, unless the server closed it. */
static http_conn *
pool_take(http_client *c, const char *key)
{
	for (int i = 0; i < HTTP_POOL; i++) {
		http_conn *k = c->pool[i];

		if (k == NULL || strcmp(k->key, key) != 0)
			continue;
		c->pool[i] = NULL;
		/* readable while idle: EOF, close_notify, or junk; not reusable */
		if (wait_fd(k->fd, POLLIN, 0, NULL) != 0) {
			logf_(c, "* idle connection to %s was closed", k->what);
			conn_free(k);
			continue;
		}
		return k;
	}
	return NULL;
}

static void
pool_put(http_client *c, http_conn *k)
{
	int i;

	for (i = 0; i < HTTP_POOL; i++)
		if (c->pool[i] == NULL) {
			c->pool[i] = k;
			return;
		}
	conn_free(c->pool[0]);      /* the oldest */
	memmove(c->pool, c->pool + 1, (HTTP_POOL - 1) * sizeof c->pool[0]);
	c->pool[HTTP_POOL - 1] = k;
}

static tls_session *
sess_slot(http_client *c, const char *key)
{
	http_sess_slot *s;

	for (int i = 0; i < HTTP_POOL; i++)
		if (strcmp(c->sess[i].scheme_host_port, key) == 0)
			return &c->sess[i].sess;
	s = &c->sess[c->sess_next++ % HTTP_POOL];
	fmt_snprintf(s->scheme_host_port, sizeof s->scheme_host_port, "%s", key);
	s->sess.valid = 0;
	return &s->sess;
}

/* Reads a response head into rs->head and parses it. */
static int
read_head(http_client *c, http_conn *k, http_response *rs, int *got_any,
    s3p_err *err)
{
	size_t n = 0;
	int nl = 0;     /* newlines in a row (CR ignored) */
	int one = 1;

	/*
	 * radosgw (and python's http.server) write a response's head and body
	 * in two sends: Nagle holds the body until the head is acknowledged,
	 * and on a keep-alive connection Linux delays that ACK by 40 ms. Quick
	 * ACKs, set again per response (the kernel drops them): a get of 1,003
	 * small objects from radosgw took 44 s, now 1.4 s.
	 */
	setsockopt(k->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
	for (;;) {
		int r = conn_fill(k, err);

		if (r < 0)
			return io_err(c, k, rs, HTTP_FAIL_RECV, err);
		if (r == 0) {
			rs->fail = HTTP_FAIL_RECV;
			return err_set(err, S3P_ENET, "%s: connection closed %s",
			    k->what, n ? "in the middle of the response head"
			    : "before any response");
		}
		*got_any = 1;
		while (k->rpos < k->rlen) {
			char ch = (char)k->rbuf[k->rpos++];

			if (n == HTTP_HEAD_MAX - 1) {
				rs->fail = HTTP_FAIL_PROTOCOL;
				return err_set(err, S3P_ENET, "%s: response head longer "
				    "than %d bytes", k->what, HTTP_HEAD_MAX);
			}
			rs->head[n++] = ch;
			if (ch == '\n') {
				if (++nl == 2)
					goto done;
			} else if (ch != '\r') {
				nl = 0;
			}
		}
	}
done:
	rs->head[n] = '\0';
	if (http_parse_head(rs, rs->head, n, k->what, err) != 0) {
		rs->fail = HTTP_FAIL_PROTOCOL;
		return -1;
	}
	logf_(c, "< HTTP/1.%d %d %s", rs->version % 10, rs->status, rs->reason);
	for (size_t i = 0; i < rs->nhdr; i++)
		logf_(c, "< %s: %s", rs->hdr[i].name, rs->hdr[i].value);
	/* a plain-HTTP proxy's refusal, as of a CONNECT: no server answered */
	if (k->absolute && rs->status == 407) {
		rs->fail = HTTP_FAIL_PROXY_AUTH;
		rs->status = 0;
		return err_set(err, S3P_ENET, "%s: the proxy refused the request: "
		    "407 %.100s", k->what, rs->reason);
	}
	return 0;
}

typedef struct {
	const http_request *rq;
	http_response *rs;
} sink_ctx;

static int
sink_count(void *ctx, const unsigned char *buf, size_t len, s3p_err *err)
{
	sink_ctx *s = ctx;

	s->rs->body_len += len;
	if (s->rq->sink != NULL && s->rq->sink(s->rq->sink_ctx, buf, len, err)) {
		s->rs->fail = HTTP_FAIL_SINK;
		return -1;
	}
	return 0;
}

/* Reads the body per framing; 0 done (*reusable set), -1 failed. */
static int
read_body(http_client *c, http_conn *k, const http_request *rq,
    http_response *rs, int *reusable, s3p_err *err)
{
	sink_ctx sc = { rq, rs };
	uint64_t len = 0, left;
	int fr = http_body_framing(rs, rq->method, &len, k->what, err);
	const char *conn = http_header_get(rs, "Connection");
	http_chunked ck;

	if (fr < 0) {
		rs->fail = HTTP_FAIL_PROTOCOL;
		return -1;
	}
	*reusable = rs->version == 11 ? !has_token(conn, "close")
	    : has_token(conn, "keep-alive");
	if (fr == 0)
		return 0;
	/* to the close: complete by definition (RFC 7230 section 3.3.3 #7) */
	if (fr == 3)
		*reusable = 0;
	left = fr == 1 ? len : UINT64_MAX;
	http_chunked_init(&ck);
	while (fr == 2 ? !ck.done : left > 0) {
		int r = conn_fill(k, err);
		size_t n;
		long used;

		if (r < 0)
			return io_err(c, k, rs, HTTP_FAIL_RECV, err);
		if (r == 0 && fr == 3)
			return 0;
		if (r == 0) {
			rs->fail = HTTP_FAIL_TRUNCATED;
			if (fr == 2)
				return err_set(err, S3P_EINTEGRITY, "%s: chunked "
				    "response body cut short after %llu bytes",
				    k->what, (unsigned long long)rs->body_len);
			return err_set(err, S3P_EINTEGRITY, "%s: response body "
			    "cut short after %llu of %llu bytes", k->what,
			    (unsigned long long)(len - left),
			    (unsigned long long)len);
		}
		n = k->rlen - k->rpos;
		if (fr == 2) {
			used = http_chunked_feed(&ck, k->rbuf + k->rpos, n,
			    sink_count, &sc, k->what, err);
			if (used < 0) {
				if (rs->fail != HTTP_FAIL_SINK)
					rs->fail = HTTP_FAIL_PROTOCOL;
				return -1;
			}
			k->rpos += (size_t)used;
			continue;
		}
		if (n > left)
			n = (size_t)left;
		if (sink_count(&sc, k->rbuf + k->rpos, n, err) != 0)
			return -1;
		k->rpos += n;
		left -= n;
	}
	return 0;
}

static int
is_secret_header(const char *n)
{
	return strcasecmp(n, "Authorization") == 0 ||
	    strcasecmp(n, "X-Amz-Security-Token") == 0 ||
	    strcasecmp(n, "Proxy-Authorization") == 0 ||
	    strcasecmp(n, "x-amz-server-side-encryption-customer-key") == 0;
}

static int
find_header(const http_request *rq, const char *name)
{
	for (size_t i = 0; i < rq->nheaders; i++)
		if (strcasecmp(rq->headers[i].name, name) == 0)
			return 1;
	return 0;
}

/* Appends "name: value" and CRLF to the head at p; logs it, secrets hidden. */
static char *
put_header(http_client *c, char *p, const char *end, const char *name,
    const char *v)
{
	p += fmt_snprintf(p, (size_t)(end - p), "%s: %s\r\n", name, v);
	logf_(c, "> %s: %s", name, is_secret_header(name) ? "[redacted]" : v);
	return p;
}

/* Builds the request head (malloc'd, *len set); NULL with err set. */
static char *
build_head(http_client *c, const http_request *rq, int absolute,
    size_t *len, s3p_err *err)
{
	const http_url *u = rq->url;
	char auth[HTTP_HOST_MAX + 16], num[24];
	int has_body = rq->body != NULL;
	int need_cl = (has_body || strcasecmp(rq->method, "PUT") == 0 ||
	    strcasecmp(rq->method, "POST") == 0) &&
	    !find_header(rq, "Content-Length");
	const char *pauth = absolute ? c->proxy_http.auth : "";
	const char *sch = absolute ? "http://" : "", *aa = absolute ? auth : "";
	size_t cap = strlen(rq->method) + strlen(u->target) + 2 * sizeof auth
	    + strlen(pauth) + 300;
	char *h, *p, *end;

	if (http_url_authority(u, auth, sizeof auth) < 0)
		auth[0] = '\0';
	for (size_t i = 0; i < rq->nheaders; i++) {
		const char *nm = rq->headers[i].name, *v = rq->headers[i].value;

		for (const char *q = nm; *q; q++)
			if (!is_tchar((unsigned char)*q))
				goto bad;
		for (const char *q = v; *q; q++)
			if (*q == '\r' || *q == '\n' || *q == '\0')
				goto bad;
		if (*nm == '\0')
			goto bad;
		cap += strlen(nm) + strlen(v) + 4;
	}
	if ((h = malloc(cap)) == NULL) {
		err_set(err, S3P_ENET, "%s: out of memory", u->host);
		return NULL;
	}
	end = h + cap;
	p = h + fmt_snprintf(h, cap, "%s %s%s%s HTTP/1.1\r\n", rq->method, sch,
	    aa, u->target);
	logf_(c, "> %s %s%s%.*s%s HTTP/1.1", rq->method, sch, aa,
	    (int)strcspn(u->target, "?"), u->target,
	    strchr(u->target, '?') ? "?[query not shown]" : "");
	if (!find_header(rq, "Host"))
		p = put_header(c, p, end, "Host", auth);
	for (size_t i = 0; i < rq->nheaders; i++)
		p = put_header(c, p, end, rq->headers[i].name,
		    rq->headers[i].value);
	if (need_cl) {
		fmt_snprintf(num, sizeof num, "%llu",
		    (unsigned long long)(has_body ? rq->body_len : 0));
		p = put_header(c, p, end, "Content-Length", num);
	}
	if (!find_header(rq, "User-Agent"))
		p = put_header(c, p, end, "User-Agent", "s3pub/" S3PUB_VERSION);
	if (*pauth)
		p = put_header(c, p, end, "Proxy-Authorization", pauth);
	if (has_body && rq->expect_continue && rq->body_len > 0
	    && !find_header(rq, "Expect"))
		p = put_header(c, p, end, "Expect", "100-continue");
	memcpy(p, "\r\n", 3);
	*len = (size_t)(p + 2 - h);
	return h;
bad:
	err_set(err, S3P_EUSAGE, "%s: bad request header (control character or "
	    "bad name)", u->host);
	return NULL;
}

/*
 * The body: from the reader, and with rq->span the file stretches by
 * sendfile on a plain connection. Over TLS, which copies to encrypt, the
 * reader's bytes and the file stretches (pread, bypassing the reader and
 * what it does besides: a check, a copy) are written straight into the
 * record being filled: one copy; on a plain connection the reader's go
 * through wbuf. All of it is sent corked: the bytes between file
 * stretches leave with those that follow, not as small packets, and
 * TLS's 16 KiB records go out in full-sized segments (B4 over HTTPS:
 * about 3% less wall time, 1% less CPU). On a plain connection a
 * stretch is asked for up to SPAN_MAX bytes: a sendfile call is not
 * bound by wbuf.
 */
#define SPAN_MAX (1024 * 1024)

static int
send_body(http_client *c, http_conn *k, const http_request *rq,
    http_response *rs, s3p_err *err)
{
	uint64_t off = 0, copy_to = 0;
	int spans = rq->span != NULL, cork = 1, rc = -1;

	setsockopt(k->fd, IPPROTO_TCP, TCP_CORK, &cork, sizeof cork);
	while (off < rq->body_len) {
		uint64_t left = rq->body_len - off;
		size_t cap = sizeof k->wbuf, want;
		unsigned char *room = k->wbuf;
		http_file_span sp;
		long n = 0;

		/* over TLS a stretch is asked for what the record takes: the
		 * rest is asked for again with the next record (and the
		 * reader's check at a file's end would come with each) */
		if (k->tls != NULL && (room = tls_write_room(k->tls, &cap,
		    err)) == NULL)
			goto io_failed;
		want = k->tls != NULL ? cap : SPAN_MAX;
		sp = (http_file_span){ -1, 0, left < want ? (size_t)left : want };
		if (spans && off >= copy_to && (n = rq->span(rq->body_ctx, off,
		    sp.len, &sp, err)) == 1 && k->tls == NULL) {
			uint64_t fo = sp.off;

			rs->body_sent = 1;
			while (fo < sp.off + sp.len && (n = raw_sendfile(k,
			    sp.fd, &fo, (size_t)(sp.off + sp.len - fo))) > 0)
				;
			if (n < 0)
				goto io_failed;
			c->sendfile_bytes += fo - sp.off;
			if (fo < sp.off + sp.len)   /* shorter than said: the
						     * reader says why */
				copy_to = off + sp.len;
			off += fo - sp.off;
			continue;
		}
		if (n < 0)
			goto reader_failed;
		if (cap > sp.len)
			cap = sp.len;
		if (n == 1) {
			/* (EINTR too: the reader reads them then) */
			if ((n = pread(sp.fd, room, cap, (off_t)sp.off)) <= 0) {
				/* the reader says why */
				copy_to = off + sp.len;
				continue;
			}
		} else {
			n = rq->body(rq->body_ctx, off, room, cap, err);
		}
		if (n <= 0 || (size_t)n > cap) {
reader_failed:
			rs->fail = HTTP_FAIL_READER;
			if (n >= 0 || err == NULL || err->status == 0)
				err_set(err, S3P_EINPUT, "%s: the body reader returned "
				    "%ld at offset %llu", rq->url->host, n,
				    (unsigned long long)off);
			goto out;
		}
		rs->body_sent = 1;
		if (k->tls != NULL)
			tls_wrote(k->tls, (size_t)n);
		else if (conn_write(k, k->wbuf, (size_t)n, err) != 0)
			goto io_failed;
		off += (uint64_t)n;
	}
	if (conn_flush(k, err) != 0)
		goto io_failed;
	rc = 0;
	goto out;
io_failed:
	rc = io_err(c, k, rs, HTTP_FAIL_SEND, err);
out:
	cork = 0;       /* pushes what the cork held (a no-op when not set) */
	setsockopt(k->fd, IPPROTO_TCP, TCP_CORK, &cork, sizeof cork);
	return rc;
}

/* CONNECT host:port through the proxy on k (plain). */
static int
proxy_connect(http_client *c, http_conn *k, const http_url *u,
    const http_proxy *px, http_response *rs, s3p_err *err)
{
	char req[2 * HTTP_HOST_MAX + 600], hp[HTTP_HOST_MAX + 16];
	int got = 0, n;

	authority(u, hp, sizeof hp, 1);
	n = fmt_snprintf(req, sizeof req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: s3pub/" S3PUB_VERSION "\r\n%s%s%s\r\n", hp, hp,
	    *px->auth ? "Proxy-Authorization: " : "", px->auth,
	    *px->auth ? "\r\n" : "");
	logf_(c, "> CONNECT %s HTTP/1.1%s", hp, *px->auth
	    ? " (with Proxy-Authorization)" : "");
	if (conn_write(k, req, (size_t)n, err) != 0)
		return io_err(c, k, rs, HTTP_FAIL_PROXY, err);
	if (read_head(c, k, rs, &got, err) != 0) {
		rs->fail = HTTP_FAIL_PROXY;
		return -1;
	}
	if (rs->status < 200 || rs->status > 299) {
		n = rs->status;
		rs->fail = n == 407 ? HTTP_FAIL_PROXY_AUTH : HTTP_FAIL_PROXY;
		rs->status = 0;
		return err_set(err, S3P_ENET, "%s: the proxy refused CONNECT %s: "
		    "%d %.100s", k->what, hp, n, rs->reason);
	}
	rs->status = 0;
	rs->nhdr = 0;
	/* bytes after the 2xx head would be the origin's: none expected */
	k->rpos = k->rlen = 0;
	return 0;
}

/* A new connection for u, through the proxy when one applies. */
static http_conn *
conn_open(http_client *c, const http_url *u, const char *key,
    const volatile sig_atomic_t *cancel, http_response *rs,
    s3p_err *err)
{
	const http_proxy *px = u->https ? &c->proxy_https : &c->proxy_http;
	http_conn *k;
	int fd, n;
	char note[112];

	if (px->port == 0 || no_proxy_match(c->no_proxy, u->host))
		px = NULL;
	if ((k = calloc(1, sizeof *k)) == NULL) {
		err_set(err, S3P_ENET, "%s: out of memory", u->host);
		return NULL;
	}
	k->fd = -1;
	k->https = u->https;
	k->timeout_ms = c->o.timeout_ms;
	k->cancel = cancel;
	fmt_snprintf(k->key, sizeof k->key, "%s", key);
	/* "host:port" ("[v6]:port"), then " via proxy host:port" */
	n = authority(u, k->what, sizeof k->what, 1);
	if (px != NULL)
		fmt_snprintf(k->what + n, sizeof k->what - (size_t)n,
		    " via proxy %s:%u", px->host, px->port);
	fd = tcp_connect(c, px ? px->host : u->host, px ? px->port : u->port,
	    k->what, cancel, rs, err);
	if (fd < 0) {
		free(k);
		return NULL;
	}
	k->fd = fd;
	conn_reset_io(k);
	if (px != NULL && u->https && proxy_connect(c, k, u, px, rs, err) != 0)
		goto fail;
	k->absolute = px != NULL && !u->https;
	if (u->https) {
		const tls_anchors *a = c->o.anchors;

		if (a == NULL && !c->o.insecure) {
			if (!c->own_loaded) {
				if (tls_anchors_load(&c->own, c->o.ca_file, err) != 0) {
					rs->fail = HTTP_FAIL_CERT;
					goto fail;
				}
				c->own_loaded = 1;
				logf_(c, "* CA bundle %s: %zu anchors", c->own.path,
				    c->own.n);
			}
			a = &c->own;
		}
		if ((k->tls = malloc(sizeof *k->tls)) == NULL) {
			err_set(err, S3P_ENET, "%s: out of memory", u->host);
			goto fail;
		}
		if (tls_connect(k->tls, a, u->host, c->o.insecure,
		    sess_slot(c, key), tls_rd, tls_wr, k, err) != 0) {
			if (k->tls->io_failed) {
				if (io_err(c, k, rs, HTTP_FAIL_TLS, err) == -1
				    && !k->timed_out && !k->sys_errno)
					err_set(err, S3P_ENET, "%s: connection closed "
					    "during the TLS handshake", k->what);
			}
			rs->fail = tls_is_cert_error(k->tls) ? HTTP_FAIL_CERT
			    : HTTP_FAIL_TLS;
			goto fail;
		}
		logf_(c, "* TLS 1.2 %s%s", tls_suite_name(k->tls),
		    tls_resumed(k->tls) ? " (session resumed)"
		    : tls_clock_note(k->tls, note, sizeof note));
	}
	return k;
fail:
	conn_free(k);
	return NULL;
}

/* One attempt on connection k. *reusable says whether k may be pooled. */
static int
do_once(http_client *c, http_conn *k, const http_request *rq,
    http_response *rs, int *got_any, int *reusable,
    s3p_err *err)
{
	size_t hl;
	char *head;
	int has_body = rq->body != NULL && rq->body_len > 0;
	int expect = has_body && rq->expect_continue;
	int sent_body = !has_body, r;

	*reusable = 0;
	conn_reset_io(k);
	if ((head = build_head(c, rq, k->absolute, &hl, err)) == NULL) {
		rs->fail = HTTP_FAIL_SEND;
		return -1;
	}
	if (conn_write(k, head, hl, err) != 0
	    || ((expect || !has_body) && conn_flush(k, err) != 0)) {
		free(head);
		return io_err(c, k, rs, HTTP_FAIL_SEND, err);
	}
	free(head);
	if (expect) {
		/* curl's way: a bounded wait for 100, then send anyway */
		r = wait_fd(k->fd, POLLIN, CONTINUE_WAIT_MS, k->cancel);
		if (r < 0 && errno == EINTR) {
			k->sys_errno = EINTR;
			return io_err(c, k, rs, HTTP_FAIL_SEND, err);
		}
		if (r > 0) {
			if (read_head(c, k, rs, got_any, err) != 0)
				return -1;
			if (rs->status == 100) {
				if (send_body(c, k, rq, rs, err) != 0)
					return -1;
				sent_body = 1;
			} else if (rs->status >= 200) {
				goto early;     /* the body is never sent */
			}
		}
	}
	if (!sent_body && send_body(c, k, rq, rs, err) != 0) {
		/* the server may have answered (413, 403) and closed early */
		if (rs->fail == HTTP_FAIL_SEND && !rs->timeout) {
			s3p_err e2;
			int g = 0;

			err_clear(&e2);
			conn_reset_io(k);
			if (read_head(c, k, rs, &g, &e2) == 0 && rs->status >= 200) {
				*got_any = 1;
				rs->fail = HTTP_FAIL_NONE;
				err_clear(err);
				goto early;
			}
			rs->status = 0;
			rs->fail = HTTP_FAIL_SEND;
		}
		return -1;
	}
	do {
		if (read_head(c, k, rs, got_any, err) != 0)
			return -1;
	} while (rs->status >= 100 && rs->status < 200 && rs->status != 101);
	if (rs->status == 101) {
		rs->fail = HTTP_FAIL_PROTOCOL;
		return err_set(err, S3P_ENET, "%s: unexpected 101 Switching "
		    "Protocols", k->what);
	}
	return read_body(c, k, rq, rs, reusable, err);
early:
	/* a final answer before the whole body went: not reusable */
	r = read_body(c, k, rq, rs, reusable, err);
	*reusable = 0;
	return r;
}

static void
rs_clear(http_response *rs)
{
	rs->status = 0;
	rs->version = 0;
	rs->fail = HTTP_FAIL_NONE;
	rs->timeout = 0;
	rs->body_sent = 0;
	rs->reused = 0;
	rs->body_len = 0;
	rs->reason = "";
	rs->nhdr = 0;
	rs->head[0] = '\0';
}

int
http_request_do(http_client *c, const http_request *rq, http_response *rs,
    s3p_err *err)
{
	char key[HTTP_HOST_MAX + 16];
	int retried = 0;

	rs_clear(rs);
	rs->retried = 0;
	err_clear(err);
	conn_key(rq->url, key, sizeof key);
	for (;;) {
		http_conn *k = pool_take(c, key);
		int got_any = 0, reusable = 0, r;

		rs_clear(rs);
		rs->retried = retried;
		if (k != NULL) {
			rs->reused = 1;
			k->cancel = rq->cancel;
			logf_(c, "* reusing the connection to %s", k->what);
		} else if ((k = conn_open(c, rq->url, key, rq->cancel, rs,
		    err)) == NULL) {
			return -1;
		}
		r = do_once(c, k, rq, rs, &got_any, &reusable, err);
		if (r == 0) {
			if (reusable && k->rpos == k->rlen)
				pool_put(c, k);
			else
				conn_free(k);
			return 0;
		}
		/* closed with a reset, not a FIN: the request's bytes still
		 * queued in the kernel are dropped, not sent on after this run
		 * gave up on them (a signal's exit, then a rerun with other
		 * bytes that this one's would overwrite) */
		setsockopt(k->fd, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 },
		    sizeof(struct linger));
		conn_free(k);
		/* a kept-alive connection the server had closed: once, afresh */
		if (rs->reused && !retried && !got_any && !rs->body_sent
		    && !rs->timeout && !err_cancelled(rq->cancel)
		    && (rs->fail == HTTP_FAIL_SEND
		    || rs->fail == HTTP_FAIL_RECV)) {
			logf_(c, "* the kept-alive connection failed (%s); retrying "
			    "on a new one", err ? err->msg : "");
			retried = 1;
			err_clear(err);
			continue;
		}
		return -1;
	}
}
