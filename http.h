/*
 * http.h: an HTTP/1.1 client for S3: URLs, requests with streamed bodies,
 * responses into a sink, keep-alive, time-outs, proxies, TLS (tls.h).
 *
 * URLs. http_url_parse() accepts "http://" and "https://" URLs with a host
 * name, an IPv4 address or a bracketed IPv6 address, an optional port
 * (default 80 and 443), a path and a query; the fragment is dropped. User
 * info ("user:pass@") is refused, as are spaces and control characters.
 * The result lives in fixed-size fields: no pointer into the input.
 *
 * Clients. An http_client is caller-owned and NOT thread-safe: use one per
 * thread (the trust anchors may be shared: see http_options.anchors). The
 * struct itself is about 3 KiB. It keeps up to HTTP_POOL idle keep-alive
 * connections, keyed by scheme/host/port, each malloc'd (about 74 KiB for
 * TLS: BearSSL's 40 KiB plus two 16 KiB I/O buffers; 33 KiB for plain TCP)
 * and freed by http_client_close(). A connection in use is the one of the
 * current request: at most HTTP_POOL + 1 exist. The trust anchors are loaded
 * on the first https request (not when only http is used), once; a bundle
 * that cannot be loaded fails that request with S3P_EUSAGE and
 * HTTP_FAIL_CERT.
 *
 * Requests. The caller gives the method, the URL, its headers and an
 * optional body of known length produced by a pull reader. http sends the
 * caller's headers exactly, in order, and adds only the ones missing among:
 *   Host            the URL's authority (http_url_authority())
 *   Content-Length  when there is a body, or for PUT and POST (a caller's
 *                   Content-Length must equal body_len: it is not checked)
 *   User-Agent      "s3pub/VERSION"
 *   Expect          "100-continue" when rq.expect_continue and a body
 * (none of them needs to be signed by SigV4). Nothing else is added: no
 * Accept-Encoding, no Connection (HTTP/1.1 keep-alive is the default).
 *
 * The body reader is called with increasing offsets from 0 to body_len; it
 * may be called again from 0 when a request is retried on a fresh connection
 * (a reused keep-alive connection the server had closed: retried once, and
 * only when no byte of the body was sent). With expect_continue, http waits
 * up to 1 s for "100 Continue" and then sends the body anyway (as curl
 * does); a final status received instead is returned without sending the
 * body, and that connection is closed.
 *
 * Responses. Status, headers (names compared case-insensitively, obsolete
 * line folding refused, head at most HTTP_HEAD_MAX bytes and HTTP_MAX_HEADERS
 * lines kept: x-amz-meta-* lines past half of them are read but not kept,
 * nor logged), and the body handed to the sink as it arrives. Framing by
 * Content-Length, chunked, or connection close; no body for HEAD, 1xx, 204
 * and 304. A response is complete or it is an error: a body cut short is
 * never success. The sink sees every status's body (error XML included);
 * with no sink the body is read and dropped.
 *
 * Errors. http_request_do() returns 0 when a complete response was read,
 * whatever its status (s3.c judges statuses), and -1 otherwise with err set
 * and rs->fail saying where it failed, so that s3.c decides retries (http
 * never sleeps nor retries, except the one stale-connection retry above):
 *   S3P_ENET        naming "host:port" ("[v6]:port"; then " via proxy
 *                   host:port") and the cause: DNS failure, connection
 *                   refused, connect/read/write time-out (which one),
 *                   reset, TLS failures in words (tls.h), the proxy's
 *                   refusal (of the CONNECT, or a plain-HTTP proxy's 407:
 *                   rs->fail HTTP_FAIL_PROXY, rs->status 0), malformed
 *                   response
 *   S3P_EINTEGRITY  the server closed cleanly before the framing said the
 *                   body was complete ("body cut short after N of M bytes")
 *   anything else   passed up from the body reader or the sink unchanged
 * rs->body_sent tells whether any byte of the request body left; rs->timeout
 * tells a time-out from other failures; rs->status is non-zero once a
 * status line was read (a failure during the response body).
 *
 * Time-outs: the connect time-out bounds each address tried (getaddrinfo's
 * every address, in order); the idle time-out bounds each wait for the
 * socket to become readable or writable, TLS handshake included. Sockets
 * are non-blocking with poll(), TCP_NODELAY, MSG_NOSIGNAL (no SIGPIPE).
 *
 * A body framed by the connection's close is complete at the close, with
 * or without TLS close_notify (S3 always sends a length or chunks; this is
 * for odd servers and proxies). When a plain-HTTP server answers early and
 * resets the connection while the body is being sent, the answer is still
 * read when the kernel kept it; with TLS the failure is reported.
 *
 * Proxies (read at http_client_init unless opts.no_env_proxy):
 * https_proxy/HTTPS_PROXY for https URLs, http_proxy/HTTP_PROXY for http
 * URLs (lower case wins, as in curl), no_proxy/NO_PROXY ("*", or a comma
 * list of names matched as domain suffixes, IP literals, and CIDR blocks
 * such as 10.0.0.0/8 or fd00::/8 for IP literal hosts). A proxy URL is
 * "http://host[:port]" (port 1080 by default as in curl; a scheme-less
 * "host:port" is accepted). https goes through a CONNECT tunnel; http uses
 * the absolute-form request target. User info in the proxy URL
 * ("http://user:pass@proxy:3128", percent-encoded or not: it ends at the
 * last '@') is sent as Proxy-Authorization: Basic, to the proxy only, and
 * never shown.
 *
 * Verbose log: opts.log receives one line at a time (no newline): connects,
 * TLS suite and resumption, the request line and headers sent, the status
 * line and headers received. Authorization, X-Amz-Security-Token and
 * Proxy-Authorization values are shown as "[redacted]"; query strings of
 * request targets are cut after "?" (presigned URLs carry signatures).
 */
#ifndef S3PUB_HTTP_H
#define S3PUB_HTTP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "tls.h"

#define HTTP_HOST_MAX    256     /* host name, 255 bytes + NUL */
#define HTTP_TARGET_MAX  16384   /* path?query + NUL; presigned URLs are long */
#define HTTP_HEAD_MAX    16384   /* response status line + headers */
#define HTTP_MAX_HEADERS 64      /* response header lines kept */
#define HTTP_POOL        2       /* idle keep-alive connections kept */

typedef struct {
	int https;                      /* 1 for https, 0 for http */
	int host_ip;                    /* 0 name, 4 IPv4, 6 IPv6 literal */
	unsigned port;                  /* explicit, or 80/443 */
	int port_given;                 /* the URL named the port */
	char host[HTTP_HOST_MAX];       /* lower-cased; IPv6 without brackets */
	char target[HTTP_TARGET_MAX];   /* "/path?query", at least "/" */
} http_url;

/*
 * Parses `s`. Returns 0, or -1 with err set (S3P_EUSAGE, "bad URL 'S':
 * why"; the URL is quoted without its query, which may hold a signature,
 * and all up to its last '@' shows as "***@": user info may hold a
 * password, itself holding '/', '?' or '#').
 */
int http_url_parse(const char *s, http_url *u, s3p_err *err);

/*
 * Writes the Host header value: host, "[v6]" for IPv6, ":port" when the
 * port is not the scheme's default. Returns its length, or -1 when it does
 * not fit in cap bytes (NUL included).
 */
int http_url_authority(const http_url *u, char *out, size_t cap);

typedef struct {
	const char *name;
	const char *value;
} http_header;

/*
 * Body reader: writes between 1 and len bytes of the body starting at
 * `offset` into buf and returns how many; -1 on failure with err set (its
 * status is passed up as is). Never asked past body_len.
 */
typedef long (*http_read_fn)(void *ctx, uint64_t offset, unsigned char *buf,
    size_t len, s3p_err *err);

/*
 * Optional companion of the body reader, for a sender that moves file
 * bytes without copying them through user space: where the body bytes
 * [offset, offset+len) come from. Returns 1 when the first sp->len (1..len)
 * of them are bytes [sp->off, sp->off+sp->len) of file sp->fd (open, read
 * only; http never closes it); 0 when the first sp->len (1..len) are to be
 * asked of the body reader; -1 on failure with err set. On a plain
 * connection http sends the file stretches with sendfile(2) and the rest
 * corked (TCP_CORK: no small packets between them); over TLS, which must
 * copy to encrypt, it reads them (pread) into the TLS record itself,
 * bypassing the reader and what it would do besides (a check, a copy).
 * When the file turns out shorter than said, those bytes are asked of the
 * body reader, whose error names the file.
 */
typedef struct {
	int fd;
	uint64_t off;
	size_t len;
} http_file_span;

typedef int (*http_span_fn)(void *ctx, uint64_t offset, size_t len,
    http_file_span *sp, s3p_err *err);

/*
 * Body sink: takes len (> 0) bytes of the response body. Returns 0, or -1
 * with err set to abort (the connection is then closed; the status is
 * passed up as is).
 */
typedef int (*http_sink_fn)(void *ctx, const unsigned char *buf, size_t len,
    s3p_err *err);

/* Verbose log: one line, without newline; never holds a secret. */
typedef void (*http_log_fn)(void *ctx, const char *line);

typedef struct {
	int connect_timeout_ms;         /* 0: 10000 */
	int timeout_ms;                 /* idle read/write; 0: 60000 */
	const char *ca_file;            /* NULL: tls.h's search order */
	const tls_anchors *anchors;     /* shared, already loaded; else own */
	int insecure;                   /* skip certificate checks */
	int no_env_proxy;               /* ignore the proxy variables */
	http_log_fn log;                /* NULL: quiet */
	void *log_ctx;
} http_options;

typedef struct http_conn http_conn;   /* private to http.c */

typedef struct {
	char scheme_host_port[HTTP_HOST_MAX + 16];
	tls_session sess;
} http_sess_slot;

typedef struct {
	char host[HTTP_HOST_MAX];
	unsigned port;                      /* 0: no proxy */
	char auth[400];                     /* "Basic base64(user:pass)" or "" */
} http_proxy;

typedef struct {
	http_options o;
	http_proxy proxy_http, proxy_https;
	char no_proxy[1024];
	tls_anchors own;                    /* when o.anchors is NULL */
	int own_loaded;
	http_conn *pool[HTTP_POOL];         /* idle connections, or NULL */
	http_sess_slot sess[HTTP_POOL];     /* TLS sessions, round robin */
	unsigned sess_next;
	unsigned long connects;             /* TCP connections opened so far */
	uint64_t sendfile_bytes;            /* body bytes sent by sendfile */
} http_client;

typedef struct {
	const char *method;             /* "GET", "PUT", "HEAD", ... */
	const http_url *url;
	const http_header *headers;     /* sent as given, in order */
	size_t nheaders;
	http_read_fn body;              /* NULL: no body */
	void *body_ctx;
	http_span_fn span;              /* NULL, or as above (body_ctx) */
	uint64_t body_len;
	int expect_continue;            /* with a body: Expect: 100-continue */
	http_sink_fn sink;              /* NULL: the body is dropped */
	void *sink_ctx;
	/*
	 * NULL, or a flag a signal handler sets: once it is non-zero, the
	 * request stops at its next wait (checked before each poll() and
	 * when a signal interrupts one) and fails with S3P_ENET
	 * "interrupted", rs->fail saying where. http never sets it.
	 */
	const volatile sig_atomic_t *cancel;
} http_request;

/* Where a failed request stopped (http_response.fail). */
enum {
	HTTP_FAIL_NONE = 0,
	HTTP_FAIL_RESOLVE,      /* getaddrinfo: no such host */
	HTTP_FAIL_CONNECT,      /* refused, unreachable, time-out */
	HTTP_FAIL_PROXY,        /* the proxy refused the CONNECT (not 407) */
	HTTP_FAIL_TLS,          /* handshake failed (not a certificate) */
	HTTP_FAIL_CERT,         /* certificate refused: retrying won't help */
	HTTP_FAIL_SEND,         /* writing the request */
	HTTP_FAIL_RECV,         /* reading the response: reset, time-out */
	HTTP_FAIL_PROTOCOL,     /* malformed response, head too long */
	HTTP_FAIL_TRUNCATED,    /* clean close before the body's end */
	HTTP_FAIL_READER,       /* the body reader failed */
	HTTP_FAIL_SINK,         /* the sink refused */
	HTTP_FAIL_PROXY_AUTH    /* the proxy's 407: retrying won't help */
};

typedef struct {
	int status;                     /* 0 until a status line was read */
	int version;                    /* 10 or 11: HTTP/1.0 or HTTP/1.1 */
	int fail;                       /* HTTP_FAIL_* */
	int timeout;                    /* the failure was a time-out */
	int body_sent;                  /* a byte of the request body left */
	int reused;                     /* the connection was a kept-alive one */
	int retried;                    /* sent again on a fresh connection */
	uint64_t body_len;              /* response body bytes given to sink */
	const char *reason;             /* points into head */
	http_header hdr[HTTP_MAX_HEADERS];  /* point into head */
	size_t nhdr;
	char head[HTTP_HEAD_MAX];
} http_response;

/*
 * Sets up a client (nothing is connected nor loaded yet). Returns 0, or -1
 * with err set (S3P_EUSAGE: a malformed proxy variable).
 */
int http_client_init(http_client *c, const http_options *o, s3p_err *err);

/* Closes every pooled connection and frees what the client allocated. */
void http_client_close(http_client *c);

/* Sends rq and reads the response into rs. See the top of this file. */
int http_request_do(http_client *c, const http_request *rq,
    http_response *rs, s3p_err *err);

/*
 * The value of the first response header named `name` (any case), or
 * NULL. Values are trimmed of surrounding spaces and tabs.
 */
const char *http_header_get(const http_response *rs, const char *name);

/*
 * Response-head parser, exposed for tests and fuzzing: parses the bytes
 * head[0..len) that end with the blank line (CRLF CRLF; bare LF accepted)
 * in place (rs->head is a copy when called from http_request_do) and fills
 * status, reason, hdr, nhdr. Returns 0, or -1 with err set (S3P_ENET,
 * "HOST: malformed response: why").
 */
int http_parse_head(http_response *rs, char *head, size_t len,
    const char *host, s3p_err *err);

/*
 * Body framing as decided from a parsed head: the response to `method`
 * has no body (0), a Content-Length (1, *len set), chunked framing (2), or
 * runs to the connection's close (3); -1 with err set for a bad or
 * conflicting Content-Length / Transfer-Encoding.
 */
int http_body_framing(const http_response *rs, const char *method,
    uint64_t *len, const char *host, s3p_err *err);

/*
 * Chunked decoder, fed from memory (tests, fuzzing) or the socket. Caller-
 * owned; http_chunked_init() then http_chunked_feed() with any split of
 * the input: returns the number of input bytes consumed (it stops after
 * the final CRLF of the trailer, leaving later bytes), passing data bytes
 * to out() as found, or -1 with err set on a syntax error or when out()
 * fails. done becomes 1 at the end of the trailer.
 */
typedef struct {
	int state;
	uint64_t left;          /* data bytes left in the current chunk */
	unsigned line;          /* length of the current size/trailer line */
	int digits;
	int done;
} http_chunked;

void http_chunked_init(http_chunked *ck);
long http_chunked_feed(http_chunked *ck, const unsigned char *in, size_t len,
    http_sink_fn out, void *out_ctx, const char *host, s3p_err *err);

#endif
