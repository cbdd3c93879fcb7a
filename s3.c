/* s3.c: see s3.h. */
#include "s3.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <bearssl_hash.h>

#include "clock.h"
#include "fmt.h"
#include "hashpass.h"
#include "s3_decide.h"
#include "sha256.h"
#include "sync.h"
#include "target.h"
#include "text.h"

/*
 * err_set() always returns -1. Returning its value makes a tail call, and
 * gcc then copies the function's epilogue at every such return; returning
 * -1 after the call lets them share one.
 */
#define ERR(...) (err_set(__VA_ARGS__), -1)

#define REPLY_BODY_MAX  16384       /* error and small XML answers */
#define HASH_CHUNK      65536

/* The literal s when c holds, else its terminating NUL: "" without a branch. */
#define WHEN(c, s) ((s) + ((c) ? 0 : sizeof (s) - 1))

/* One request as s3_do() sends it (and sends again on a retry). */
typedef struct {
	const char *method;
	const char *bucket;
	const char *key;                /* NULL: the bucket itself */
	const sigv4_pair *query;        /* decoded */
	size_t nquery;
	const http_header *hdrs;        /* extra headers, all signed */
	size_t nhdrs;
	const char *payload_hash;       /* NULL: the empty body's */
	s3_read_fn read;                /* NULL: no body */
	void *read_ctx;
	s3_span_fn span;                /* read's file stretches, or NULL */
	unsigned sender;                /* span's: 0, or 1 for the twin */
	uint64_t body_off, body_len;    /* the body is this range of read */
	int body_always;                /* send Content-Length: 0 too */
	http_sink_fn sink;              /* a 2xx answer's body; NULL: kept */
	void *sink_ctx;
	const char *what;               /* "PutObject", ... for messages */
	const http_url *url;            /* presigned: sent as is, unsigned */
	const char *url_name;           /* how messages name it */
	s3_hash_fn known;               /* the body's hashes known, or NULL */
	void *known_ctx;
	int no_cancel;                  /* runs even after a cancel (abort) */
	int attempts;                   /* 0: s->attempts */
	struct get_resume *resume;      /* GetObject's: carried on when cut */
	/* a listing's: the sink takes a page again from its start after a
	 * cut (list_again); 1 when the cut try brought enough to count as
	 * progress */
	int (*again)(void *sink_ctx);
} s3_op;

/* What s3_do() keeps of an answer. */
typedef struct {
	/* ETag, x-amz-version-id, x-amz-checksum-sha256, Content-Length */
	s3_put_result info;
	size_t body_len;
	char body[REPLY_BODY_MAX + 1];  /* NUL-terminated */
} s3_reply;

/*
 * Per-client scratch: the large buffers of one request in flight. Kept
 * off the stack (small device stacks) and out of statics (one client per
 * thread in plain mode's --jobs).
 */
struct s3_scratch {
	http_response rs;
	s3_reply reply;
	creds cred_snap;        /* what this request signs with (shared creds) */
	/* the last s3_do had a try that went out whole and got no answer:
	 * the server may have carried it out */
	int answer_lost;
};

/* ---------------------------------------------------------------- */

int
s3_is_aws_host(const char *host)
{
	size_t hl = strlen(host);

	return (hl > 14 && strcasecmp(host + hl - 14, ".amazonaws.com") == 0) ||
	    (hl > 17 && strcasecmp(host + hl - 17, ".amazonaws.com.cn") == 0);
}

int
s3_endpoint_default(const char *region, char *out, size_t outsz)
{
	int n = fmt_snprintf(out, outsz, "https://s3.%s.amazonaws.com", region);
	return n < 0 || (size_t)n >= outsz ? -1 : n;
}

/* The length of p when s starts with it in any case, else 0. */
static size_t
lead(const char *s, const char *p)
{
	size_t n = strlen(p);

	return strncasecmp(s, p, n) == 0 ? n : 0;
}

int
s3_region_from_endpoint(const char *endpoint, char *out, size_t outsz)
{
	const char *h = text_str(endpoint, "://");
	const char *end, *r;
	size_t n;

	h = h != NULL ? h + 3 : endpoint;
	end = h + strcspn(h, ":/?#");
	if ((n = lead(h, "s3.dualstack.")) == 0 && (n = lead(h, "s3.")) == 0 &&
	    (n = lead(h, "s3-")) == 0)
		return -1;
	r = h + n;
	n = strcspn(r, ".");
	if (r + n >= end || n == 0 || n >= outsz)
		return -1;
	/* "s3.amazonaws.com" names no region */
	if (lead(r, "amazonaws.") != 0 || lead(r + n, ".amazonaws.com") == 0)
		return -1;
	memcpy(out, r, n);
	out[n] = '\0';
	return 0;
}

int
s3_client_init(s3_client *s, http_client *http, creds *cred,
    const char *endpoint, const char *region, s3p_err *err)
{
	memset(s, 0, sizeof *s);
	s->http = http;
	s->cred = cred;
	if (strlen(endpoint) >= sizeof s->endpoint_str)
		return ERR(err, S3P_EUSAGE, "endpoint URL too long");
	if (http_url_parse(endpoint, &s->endpoint, err) < 0)
		return -1;
	if (strchr(s->endpoint.target, '?') != NULL)
		return ERR(err, S3P_EUSAGE,
		    "endpoint '%s' must not have a query", endpoint);
	strcpy(s->endpoint_str, endpoint);
	/* "https://host/" and "https://host" are the same endpoint */
	{
		char *e = s->endpoint_str + strlen(endpoint);
		const char *host = text_str(s->endpoint_str, "://") + 3;
		while (e - 1 > host && e[-1] == '/')
			*--e = '\0';
	}
	if (fmt_snprintf(s->region, sizeof s->region, "%s", region) >= (int)sizeof s->region)
		return ERR(err, S3P_EUSAGE, "region '%.40s...' too long", region);
	s->aws = s3_is_aws_host(s->endpoint.host);
	s->checksum = s->aws;
	s->attempts = 5;
	/* s->key is zero: sigv4_key_init's state */
	s->scratch = malloc(sizeof *s->scratch);
	if (s->scratch == NULL)
		return ERR(err, S3P_EINPUT, "out of memory");
	return 0;
}

void
s3_client_close(s3_client *s)
{
	sigv4_key_wipe(&s->key);
	free(s->scratch);
	s->scratch = NULL;
}

int
s3_use_virtual_hosted(const s3_client *s, const char *bucket)
{
	return s->aws && target_bucket_valid(bucket) == TARGET_BUCKET_DNS;
}

uint64_t
s3_part_size(uint64_t len, uint64_t part_size)
{
	if (part_size < S3_MIN_PART)
		part_size = S3_MIN_PART;
	if (part_size > S3_MAX_PART)
		part_size = S3_MAX_PART;
	/* grow in whole MiB until 10,000 parts hold the object */
	while ((len + part_size - 1) / part_size > S3_MAX_PARTS)
		part_size += 1 << 20;
	return part_size;
}

int
s3_one_put(uint64_t len, uint64_t part_size)
{
	return len <= part_size && len <= S3_MAX_PART;
}

/* ---------------------------------------------------------------- */
/* XML: S3's answers are small and flat; text_xml's search suffices. */

int
s3_parse_error(const char *xml, size_t len, char *code, size_t codesz,
    char *message, size_t msgsz, char *request_id, size_t ridsz,
    char *region, size_t regionsz)
{
	const char *e = text_find(xml, len, "<Error>");

	/* without an <Error>, nothing is searched and every field is "" */
	len = e != NULL ? len - (size_t)(e - xml) : 0;
	e = e != NULL ? e : xml;
	text_xml(e, len, "Code", code, codesz);
	text_xml(e, len, "Message", message, msgsz);
	text_xml(e, len, "RequestId", request_id, ridsz);
	text_xml(e, len, "Region", region, regionsz);
	return len != 0;
}

/* ---------------------------------------------------------------- */

static void
logf_(s3_client *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
logf_(s3_client *s, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (s->log == NULL)
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	s->log(s->log_ctx, line);
}

/*
 * The URL of a request (op->url, or the endpoint's with the decoded path
 * "/prefix/bucket/key" in `path` and the query), and its Host value.
 */
static int
build_url(s3_client *s, const s3_op *op, http_url *u, char *path,
    char *host, s3p_err *err)
{
	/* the endpoint's own path is a prefix (a gateway mounted below /) */
	const char *pre = s->endpoint.target, *b = "", *k = "";
	size_t pl = strlen(pre), cap;
	char *t;
	int n, slash = 0;

	if (op->url != NULL) {
		*u = *op->url;
		goto host;
	}
	while (pl > 0 && pre[pl - 1] == '/')
		pl--;
	*u = s->endpoint;
	if (op->bucket != NULL) {
		k = op->key != NULL ? op->key : "";
		if (s->virtual_hosted) {
			if (fmt_snprintf(u->host, sizeof u->host, "%s.%s", op->bucket,
			    s->endpoint.host) >= (int)sizeof u->host)
				return ERR(err, S3P_EUSAGE, "host name %s.%s too long",
				    op->bucket, s->endpoint.host);
			u->host_ip = 0;
		} else {
			b = op->bucket;
			slash = op->key != NULL;
		}
	}
	n = fmt_snprintf(path, HTTP_TARGET_MAX, "%.*s/%s%s%s", (int)pl, pre, b,
	    slash ? "/" : "", k);
	if (n < 0 || n >= HTTP_TARGET_MAX)
		return ERR(err, S3P_EUSAGE, "request path too long");
	/* the wire target: the path encoded once, then the query */
	n = sigv4_uri_encode(path, u->target, sizeof u->target, 0);
	if (n < 0)
		return ERR(err, S3P_EUSAGE, "request path too long");
	t = u->target + n;
	cap = sizeof u->target - (size_t)n;
	for (size_t i = 0; i < 2 * op->nquery; i++) {
		/* ?name=value&name ... (a NULL value: the name alone) */
		const sigv4_pair *qp = &op->query[i / 2];
		const char *x = i & 1 ? qp->value : qp->name;
		if (x == NULL)
			continue;
		if (cap < 2)
			return ERR(err, S3P_EUSAGE, "request query too long");
		*t++ = i & 1 ? '=' : i == 0 ? '?' : '&';
		cap--;
		if ((n = sigv4_uri_encode(x, t, cap, 1)) < 0)
			return ERR(err, S3P_EUSAGE, "request query too long");
		t += n;
		cap -= (size_t)n;
	}
host:
	if (http_url_authority(u, host, HTTP_HOST_MAX + 8) < 0)
		return ERR(err, S3P_EUSAGE, "host name too long");
	return 0;
}

/* Reads a body range for http, reporting progress once per byte. */
typedef struct {
	s3_client *s;
	const s3_op *op;
	uint64_t high;          /* bytes of this body reported so far */
} body_src;

/* A signal asked to stop (s3.h: Cancellation), and op may be stopped. */
static int
cancelled(const s3_client *s, const s3_op *op)
{
	return err_cancelled(s->cancel) && (op == NULL || !op->no_cancel);
}

static void
body_progress(body_src *b, uint64_t high)
{
	if (high > b->high) {
		if (b->s->progress != NULL)
			b->s->progress(b->s->progress_ctx, high - b->high);
		b->high = high;
	}
}

static long
body_read(void *ctx, uint64_t offset, unsigned char *buf, size_t len,
    s3p_err *err)
{
	body_src *b = ctx;
	uint64_t left = b->op->body_len - offset;

	if (cancelled(b->s, b->op))
		return ERR(err, S3P_ENET, "interrupted");
	if (len > left)
		len = (size_t)left;
	if (len > HASH_CHUNK)
		len = HASH_CHUNK;
	if (b->op->read(b->op->read_ctx, b->op->sender, b->op->body_off + offset,
	    buf, len, err) < 0)
		return -1;
	body_progress(b, offset + len);
	return (long)len;
}

/* The same for http's sendfile: where the bytes at offset come from. */
static int
body_span(void *ctx, uint64_t offset, size_t len, http_file_span *sp,
    s3p_err *err)
{
	body_src *b = ctx;
	int r;

	if (cancelled(b->s, b->op))
		return ERR(err, S3P_ENET, "interrupted");
	r = b->op->span(b->op->read_ctx, b->op->sender, b->op->body_off + offset,
	    len, sp, err);
	if (r == 1)
		body_progress(b, offset + sp->len);
	return r;
}

/* Keeps a small answer (error XML) or passes a 2xx body on. */
typedef struct {
	const s3_op *op;
	http_response *rs;
	s3_reply *r;
	int delivered;          /* the caller's sink got bytes: no retry */
} body_dst;

static int
body_sink(void *ctx, const unsigned char *buf, size_t len, s3p_err *err)
{
	body_dst *d = ctx;

	if (d->op->sink != NULL && d->rs->status >= 200 && d->rs->status < 300) {
		d->delivered = 1;
		return d->op->sink(d->op->sink_ctx, buf, len, err);
	}
	if (d->r->body_len + len > REPLY_BODY_MAX)
		len = REPLY_BODY_MAX - d->r->body_len;
	memcpy(d->r->body + d->r->body_len, buf, len);
	d->r->body_len += len;
	d->r->body[d->r->body_len] = '\0';
	return 0;
}

/*
 * A GetObject that carries on where a cut connection stopped (s3.h:
 * s3_get): its body goes to the caller's sink through resume_sink, which
 * counts what the sink took, checks each answer before its first byte and
 * skips what a store that ignores Range sends again.
 */
typedef struct get_resume {
	s3_client *s;
	http_sink_fn sink;              /* the caller's */
	void *sink_ctx;
	uint64_t got;                   /* body bytes the sink took */
	uint64_t at_try;                /* got when this try's body began */
	uint64_t skip;                  /* this answer's bytes still to skip */
	int checked;                    /* this try's answer was checked */
	char range[32];                 /* "bytes=GOT-" once resumed, else "" */
	s3_put_result info;             /* the first answer's (If-Match: ETag) */
} get_resume;

/* Sleeps ms, or less when a signal sets *cancel (may be NULL). */
static void
sleep_ms(long ms, const volatile sig_atomic_t *cancel)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		if (err_cancelled(cancel))
			break;
}

/* A random number for the back-off's jitter. */
static unsigned
jitter(void)
{
	unsigned r = 0;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = (unsigned)rand();
	return r;
}

/*
 * What s3_do, put_single and put_multipart return when the server refused
 * the body as changed (BadDigest, XAmzContentSHA256Mismatch): s3_upload
 * then starts again from a fresh hash pass. Other failures are -1.
 */
#define S3_BODY_CHANGED (-2)

static void
object_name(const s3_op *op, char *out, size_t outsz)
{
	if (op->url != NULL) {
		fmt_snprintf(out, outsz, "%s", op->url_name ? op->url_name : "the URL");
		return;
	}
	fmt_snprintf(out, outsz, "s3://%s%s%s", op->bucket ? op->bucket : "",
	    op->key ? "/" : "", op->key ? op->key : "");
}

/*
 * One s3_do() call: the request, its tries so far, and the buffers of the
 * try in flight (kept here for the messages that follow it).
 */
typedef struct {
	const s3_op *op;
	int attempt;                    /* this try's number, from 1 */
	int attempts;                   /* tries in all, at most */
	int skew_fixed;                 /* the clock was corrected (once) */
	const volatile sig_atomic_t *cancel; /* NULL: runs after a cancel too */
	/* the try in flight */
	time_t signed_at;               /* the clock it is signed with */
	int delivered;                  /* the caller's sink got bytes */
	size_t nhh;
	/* from here on written before use: not cleared (s3_do) */
	char obj[1200];                 /* "s3://bucket/key": for messages */
	http_url url;
	char path[HTTP_TARGET_MAX];     /* decoded: what is signed */
	char host[HTTP_HOST_MAX + 8];
	char amz_date[17];
	char auth[1024];
	http_header hh[40];
} s3_call;

/* A failed answer: its error document's fields and what its code means. */
typedef struct {
	char code[128], msg[512], rid[128], region[64];
	const char *cd;                 /* code, or the one the status implies */
	unsigned cls;                   /* S3_CODE_* of cd */
} s3_answer;

/*
 * The credentials a request signs with: refreshed first when they expire
 * soon, then, when plain mode's workers share them (cred_mu), copied
 * under the lock, so that one thread refreshes them at a time and each
 * request signs with a snapshot. NULL (err set) when they expired and
 * could not be refreshed.
 */
static const creds *
signing_creds(s3_client *s, time_t now, s3p_err *err)
{
	const creds *cr = s->cred;
	s3p_err rerr;

	if (s->cred_mu != NULL)
		sync_lock(s->cred_mu);
	if (s->cred_ctx != NULL && creds_refresh_needed(s->cred, now) &&
	    creds_refresh(s->cred_ctx, s->cred, now, &rerr) < 0) {
		if (creds_expired(s->cred, now)) {
			*err = rerr;
			cr = NULL;
		} else
			logf_(s, "credentials: refresh failed, still valid: %s",
			    rerr.msg);
	}
	if (cr != NULL && s->cred_mu != NULL) {
		s->scratch->cred_snap = *s->cred;
		cr = &s->scratch->cred_snap;
	}
	if (s->cred_mu != NULL)
		sync_unlock(s->cred_mu);
	return cr;
}

/*
 * The headers of the try in flight (c->url built): x-amz-content-sha256
 * and x-amz-date (not for a presigned URL), the op's own, then, signed
 * with cr, the session token and Authorization. Signed: host,
 * x-amz-content-sha256 and the op's headers (s3.h: Requests).
 */
static int
sign_try(s3_client *s, s3_call *c, const creds *cr, s3p_err *err)
{
	const s3_op *op = c->op;
	const char *phash = op->payload_hash ? op->payload_hash : SIGV4_EMPTY_SHA256;
	char stamp[9];
	sigv4_pair sh[36];
	size_t nsh = 0;

	sigv4_format_time(c->signed_at, c->amz_date, stamp);
	c->nhh = 0;
	sh[nsh++] = (sigv4_pair){ "host", c->host };
	sh[nsh++] = (sigv4_pair){ "x-amz-content-sha256", phash };
	if (op->url == NULL) {
		c->hh[c->nhh++] = (http_header){ "x-amz-content-sha256", phash };
		c->hh[c->nhh++] = (http_header){ "x-amz-date", c->amz_date };
	}
	for (size_t i = 0; i < op->nhdrs && nsh < 36; i++) {
		sh[nsh++] = (sigv4_pair){ op->hdrs[i].name, op->hdrs[i].value };
		c->hh[c->nhh++] = op->hdrs[i];
	}
	/* not signed: a presigned URL's signature covers only what its
	 * query names, and a signed request needs no more than host and
	 * x-amz-* (s3.h: Requests) */
	if (op->resume != NULL && op->resume->range[0] != '\0') {
		c->hh[c->nhh++] = (http_header){ "Range", op->resume->range };
		c->hh[c->nhh++] = (http_header){ "If-Match",
		    op->resume->info.etag };
	}
	if (op->url != NULL || cr->anonymous)
		return 0;
	{
		sigv4_scope sc = {
			cr->access_key_id, cr->secret_access_key,
			cr->session_token, s->region, "s3", c->amz_date
		};
		sigv4_request sr = {
			.method = op->method, .path = c->path,
			.query = op->query, .nquery = op->nquery,
			.headers = sh, .nheaders = nsh, .payload_hash = phash
		};
		if (sigv4_sign_header(&s->key, &sc, &sr, c->auth, sizeof c->auth,
		    NULL) < 0)
			return ERR(err, S3P_EUSAGE,
			    "%s %s: cannot sign the request", op->method, c->obj);
	}
	if (cr->session_token[0] != '\0')
		c->hh[c->nhh++] = (http_header){ "x-amz-security-token",
		    cr->session_token };
	c->hh[c->nhh++] = (http_header){ "Authorization", c->auth };
	return 0;
}

/*
 * One try: signed, sent, and its answer read into s->scratch (rs, and
 * reply: a 2xx body goes to op->sink instead when it has one). Returns 0
 * with an answer, 1 without one (err says why), -1 when it cannot be
 * sent at all (err set).
 */
static int
send_try(s3_client *s, s3_call *c, s3p_err *err)
{
	const s3_op *op = c->op;
	const creds *cr = s->cred;
	body_src src = { s, op, 0 };
	body_dst dst = { op, &s->scratch->rs, &s->scratch->reply, 0 };
	http_request rq;
	int rc;

	if (build_url(s, op, &c->url, c->path, c->host, err) < 0)
		return -1;
	c->signed_at = s3p_now() + s->clock_offset;
	if (op->url == NULL && !s->cred->anonymous &&
	    (cr = signing_creds(s, c->signed_at, err)) == NULL)
		return -1;
	if (sign_try(s, c, cr, err) < 0)
		return -1;

	memset(&rq, 0, sizeof rq);
	rq.method = op->method;
	rq.url = &c->url;
	rq.headers = c->hh;
	rq.nheaders = c->nhh;
	if (op->read != NULL || op->body_always) {
		rq.body = op->read != NULL ? body_read : NULL;
		rq.body_ctx = &src;
		rq.span = op->read != NULL && op->span != NULL ? body_span : NULL;
		rq.body_len = op->body_len;
		rq.expect_continue = op->body_len > 0;
	}
	rq.sink = body_sink;
	rq.sink_ctx = &dst;
	rq.cancel = c->cancel;
	s->requests++;
	rc = http_request_do(s->http, &rq, &s->scratch->rs, err);
	c->delivered = dst.delivered;
	return rc < 0 ? 1 : 0;
}

/*
 * A try without an answer (err says why): 1 when it is final (err then
 * names the operation when it was the last attempt), 0 when another try
 * may follow.
 */
static int
no_answer_final(s3_client *s, const s3_call *c, s3p_err *err)
{
	char why[sizeof err->msg];
	int final = s3_no_answer_final(s->scratch->rs.fail, err->status,
	    c->delivered);

	/* a local error names its file: as it is */
	if (final && (err->status == S3P_EUSAGE || err->status == S3P_EINPUT))
		return 1;
	if (!final) {
		logf_(s, "%s %s: attempt %d of %d failed: %s", c->op->method,
		    c->obj, c->attempt, c->attempts, err->msg);
		if (c->attempt < c->attempts)
			return 0;
	}
	/* name the operation (a certificate refused, a body cut short, or
	 * the last attempt): http's message names the host */
	memcpy(why, err->msg, sizeof why);
	err_set(err, err->status, final ? "%s %s: %s" : "%s %s: %s (%d "
	    "attempt%s)", c->op->what, c->obj, why, c->attempt, c->attempt > 1 ?
	    "s" : "");
	return 1;
}

/* Copies the value of header `name` (r is zero: "" without it). */
static void
copy_header(const http_response *rs, const char *name, char *out,
    size_t outsz)
{
	const char *v = http_header_get(rs, name);

	if (v != NULL)
		fmt_snprintf(out, outsz, "%s", v);
}

/* What s3_reply (and get_resume) keeps of an answer's headers. */
static void
keep_headers(const http_response *rs, s3_put_result *info)
{
	const char *v;

	copy_header(rs, "ETag", info->etag, sizeof info->etag);
	copy_header(rs, "x-amz-version-id", info->version_id,
	    sizeof info->version_id);
	copy_header(rs, "x-amz-checksum-sha256", info->checksum_sha256,
	    sizeof info->checksum_sha256);
	if ((v = http_header_get(rs, "Content-Length")) != NULL)
		text_num(v, 10, &info->size);
	if ((v = http_header_get(rs, "Last-Modified")) != NULL)
		s3_http_date(v, &info->last_modified);
}

/*
 * 1 when an answer is a success; else 0 and `a` says what failed. A 2xx
 * may fail too: CompleteMultipartUpload may answer 200 with an <Error>.
 */
static int
classify(const http_response *rs, const s3_reply *r, const s3_op *op,
    s3_answer *a)
{
	if (!s3_parse_error(r->body, r->body_len, a->code, sizeof a->code,
	    a->msg, sizeof a->msg, a->rid, sizeof a->rid, a->region,
	    sizeof a->region) && rs->status >= 200 && rs->status < 300)
		return 1;
	a->cd = a->code[0] != '\0' ? a->code :
	    s3_status_code(rs->status, op->key != NULL);
	a->cls = s3_code_class(a->cd);
	return 0;
}

/*
 * A wrong clock (SPEC section 4): once per request, the server's Date
 * sets s->clock_offset. 1 when it did: the request is signed again.
 */
static int
fix_clock(s3_client *s, s3_call *c, const s3_answer *a)
{
	long off;

	if (c->skew_fixed || !s3_skew(s->scratch->rs.status, a->cls,
	    http_header_get(&s->scratch->rs, "Date"), c->signed_at, s3p_now(),
	    &off))
		return 0;
	s->clock_offset = off;
	c->skew_fixed = 1;
	logf_(s, "clock: server time differs by %ld s; signing with the "
	    "server's clock", off);
	return 1;
}

/*
 * The bucket lives in another region: once per client, s->region (and an
 * AWS endpoint that names a region) switch to it. 1 when they did: the
 * request is signed again; 0 when not; -1 (err set) on a bad endpoint.
 */
static int
follow_region(s3_client *s, s3_answer *a, s3p_err *err)
{
	char ep[1024], was[sizeof s->region];

	if (s->redirected || !s3_moved(s->scratch->rs.status, a->cls,
	    http_header_get(&s->scratch->rs, "x-amz-bucket-region"), a->region,
	    sizeof a->region, s->region))
		return 0;
	logf_(s, "region: the bucket is in %s, not %s", a->region, s->region);
	memcpy(s->region, a->region, sizeof s->region);
	s->redirected = 1;
	if (!s->aws || s3_region_from_endpoint(s->endpoint_str, was,
	    sizeof was) < 0)
		return 1;
	s3_endpoint_default(s->region, ep, sizeof ep);
	if (http_url_parse(ep, &s->endpoint, err) < 0)
		return -1;
	memcpy(s->endpoint_str, ep, sizeof s->endpoint_str);
	return 1;
}

/*
 * A failed answer into err (s3.h: Errors). 1 when no try follows: the
 * failure is final, or this was the last attempt.
 */
static int
answer_final(s3_client *s, const s3_call *c, const s3_answer *a,
    s3p_err *err)
{
	int status = s->scratch->rs.status;
	int final = !s3_retryable(status, a->cls);
	const char *cd = a->cd;

	err_set(err, s3_exit_class(status, a->cls),
	    "%s %s at %s: HTTP %d%s%s%s%s%s%s%s", c->op->what, c->obj, c->host,
	    status, WHEN(cd[0], " "), cd, WHEN(a->msg[0], ": "), a->msg,
	    WHEN(a->rid[0], " (request id "), a->rid, WHEN(a->rid[0], ")"));
	if (!final && c->attempt >= c->attempts)
		logf_(s, "%s %s: giving up after %d attempts", c->op->method,
		    c->obj, c->attempt);
	return final || c->attempt >= c->attempts;
}

/* The wait before the next try after a failed answer (err says which). */
static void
back_off(s3_client *s, const s3_call *c, const s3p_err *err)
{
	long wait = s3_retry_wait(http_header_get(&s->scratch->rs,
	    "Retry-After"), c->attempt, jitter());

	logf_(s, "%s %s: attempt %d of %d: %s; again in %ld ms", c->op->method,
	    c->obj, c->attempt, c->attempts, err->msg, wait);
	sleep_ms(wait, c->cancel);
}

/*
 * A GetObject cut in its body (s3.h: s3_get): when it may carry on
 * (s3_get_resumable), the try is not final and the next ones ask for the
 * rest; a try that brought RESUME_PROGRESS new bytes or more starts the
 * count again, as the first of a new count. Fewer do not: a link that
 * cuts every answer after a few bytes would else be asked again without
 * end (a request per kilobyte), where it should fail after --retries.
 */
#define RESUME_PROGRESS 65536
static void
resume_next(s3_client *s, s3_call *c)
{
	get_resume *g = c->op->resume;

	if (!s3_get_resumable(s->scratch->rs.fail, g->got,
	    g->info.etag[0] != '\0'))
		return;
	if (g->got - g->at_try >= RESUME_PROGRESS)
		c->attempt = 1;
	c->delivered = 0;
	g->checked = 0;
	fmt_snprintf(g->range, sizeof g->range, "bytes=%llu-",
	    (unsigned long long)g->got);
}

/*
 * A listing page cut in its body (the same failures as resume_next's) is
 * asked for again: its sink skips the elements it handed over already.
 */
static void
again_next(s3_client *s, s3_call *c)
{
	if (!s3_cut_short(s->scratch->rs.fail))
		return;
	if (c->op->again(c->op->sink_ctx))
		c->attempt = 1;
	c->delivered = 0;
	logf_(s, "%s %s: asking for the page again", c->op->what, c->obj);
}

/*
 * Sends op until an answer settles it (s3.h: Retries): each try is signed
 * and sent, its answer classified; a wrong clock or region is corrected
 * and the request sent again (not counted as a try); a failure that may
 * pass is tried again after a wait. s->scratch->reply holds the last
 * try's answer. Returns 0, -1 (err set), or S3_BODY_CHANGED.
 */
static int
s3_do(s3_client *s, const s3_op *op, s3p_err *err)
{
	s3_reply *r = &s->scratch->reply;
	/*
	 * Not all of it cleared: an initialiser would zero its 36 KiB (the
	 * URL's and path's buffers, written before use), stack pages that a
	 * sender thread otherwise never touches.
	 */
	s3_call call, *c = &call;
	s3_answer a;
	int rc;

	memset(c, 0, offsetof(s3_call, obj));
	s->scratch->answer_lost = 0;
	c->op = op;
	c->attempt = 1;
	c->attempts = op->attempts > 0 ? op->attempts : s->attempts;
	c->cancel = op->no_cancel ? NULL : s->cancel;
	object_name(op, c->obj, sizeof c->obj);
	for (;;) {
		/* not the body's 16 KiB: pages a sender never touches else */
		memset(r, 0, offsetof(s3_reply, body) + 1);
		if (err_cancelled(c->cancel))
			break;
		if ((rc = send_try(s, c, err)) < 0)
			return -1;
		if (rc > 0) {
			/* (a 100 Continue is no answer) */
			if (s->scratch->rs.status < 200 &&
			    s3_cut_short(s->scratch->rs.fail))
				s->scratch->answer_lost = 1;
			if (err_cancelled(c->cancel))
				break;
			if (c->delivered && op->resume != NULL)
				resume_next(s, c);
			else if (c->delivered && op->again != NULL)
				again_next(s, c);
			if (no_answer_final(s, c, err))
				return -1;
			if (op->resume != NULL && op->resume->range[0] != '\0')
				logf_(s, "%s %s: resuming at byte %llu", op->method,
				    c->obj, (unsigned long long)op->resume->got);
			sleep_ms(s3_backoff_ms(c->attempt, jitter()), c->cancel);
			c->attempt++;
			continue;
		}
		keep_headers(&s->scratch->rs, &r->info);
		logf_(s, "%s %s -> %d%s", op->what, c->obj, s->scratch->rs.status,
		    c->attempt > 1 ? " (retry)" : "");
		if (classify(&s->scratch->rs, r, op, &a))
			return 0;
		if (fix_clock(s, c, &a))
			continue;
		if ((rc = follow_region(s, &a, err)) != 0) {
			if (rc < 0)
				return -1;
			continue;
		}
		if (answer_final(s, c, &a, err))
			/* the body changed under us: s3_upload starts again */
			return a.cls & S3_CODE_CHANGED ? S3_BODY_CHANGED : -1;
		back_off(s, c, err);
		c->attempt++;
	}
	return ERR(err, S3P_ENET, "%s %s: interrupted", op->what, c->obj);
}

/* A request's common fields, the rest zero. Not inlined: nine callers. */
static __attribute__((noinline)) void
op_init(s3_op *op, const char *method, const char *what, const char *bucket,
    const char *key)
{
	*op = (s3_op){ .method = method, .what = what, .bucket = bucket,
	    .key = key };
}

/* h[n..] gets SSE-C's headers (s3.h: s3_upload_rules); the new count. */
static size_t
add_key_hdrs(const s3_client *s, http_header *h, size_t n)
{
	for (size_t j = s->rules.nobj_hdrs - s->rules.nkey_hdrs; j < s->rules.nobj_hdrs; j++)
		h[n++] = s->rules.obj_hdrs[j];
	return n;
}

/*
 * SSE-C asked for but not confirmed by the answer to PutObject or
 * CreateMultipartUpload (Swift's s3api ignores it and stores the object
 * readable without the key): -1, err set; the caller undoes the write.
 */
static int
ssec_ignored(s3_client *s, const s3_op *op, s3p_err *err)
{
	/* the first of them names the algorithm, which the answer echoes */
	if (s->rules.nkey_hdrs == 0 || http_header_get(&s->scratch->rs,
	    s->rules.obj_hdrs[s->rules.nobj_hdrs - s->rules.nkey_hdrs].name) != NULL)
		return 0;
	return ERR(err, S3P_ESERVER, "s3://%s/%s: the server ignored SSE-C",
	    op->bucket, op->key);
}

/* ---------------------------------------------------------------- */
/* Uploads */

/*
 * The SHA-256 of [off, off+len) of the body into d; `whole` (may be NULL)
 * gets the same bytes. Stops when *stop is set. With `overlap`, reading
 * runs on a thread of its own (hashpass.h); a multipart upload's later
 * parts, whose hash thread already runs beside the sends, read and hash
 * in turn.
 */
static int
hash_body(int overlap, s3_read_fn read, void *ctx, uint64_t off,
    uint64_t len, sha256_ctx *whole, unsigned char *d,
    const volatile sig_atomic_t *stop, s3p_err *err)
{
	sha256_ctx h;

	sha256_init(&h);
	if (hashpass_run(read, ctx, off, len, &h, whole, overlap, stop,
	    err) < 0)
		return -1;
	sha256_final(&h, d);
	return 0;
}

/* What an answer says of the object: ETag, version, stored checksum. */
static void
reply_info(const s3_reply *r, s3_put_result *res)
{
	memcpy(res->etag, r->info.etag, sizeof res->etag);
	memcpy(res->version_id, r->info.version_id, sizeof res->version_id);
	memcpy(res->checksum_sha256, r->info.checksum_sha256,
	    sizeof res->checksum_sha256);
}

/*
 * Whether the server refused If-None-Match itself (Swift's s3api: 501
 * NotImplemented on PutObject, 400 InvalidRequest on
 * CompleteMultipartUpload): then the HEAD before the upload is the only
 * guard, the request goes again without it, and so do later ones.
 */
static int
conditional_refused(s3_client *s, const s3p_err *err)
{
	int st = s->scratch->rs.status;

	if (!s->rules.no_overwrite || s->unconditional || !(st == 501 || (st == 400 &&
	    text_str(err->msg, " InvalidRequest") != NULL)))
		return 0;
	logf_(s, "the server does not take If-None-Match (%s): --no-overwrite "
	    "is guarded by the HEAD before the upload only", err->msg);
	s->unconditional = 1;
	return 1;
}

/*
 * One PutObject: hash pass, then the send with that hash. `body` names the
 * object (bucket/key, or a presigned `url` sent as is, unsigned) and the
 * body; `extra` holds what a presigner allows (e.g. Content-MD5).
 */
static int
put_single(s3_client *s, const s3_op *body, const char *ctype,
    const http_header *extra, size_t nextra, s3_put_result *res, s3p_err *err)
{
	s3_reply *r = &s->scratch->reply;
	unsigned char d[SHA256_SIZE];
	http_header hdrs[20];
	size_t nh = 0;
	s3_op op = *body;
	int rc;

	if ((op.known == NULL ||
	    !op.known(op.known_ctx, 0, op.body_len, d)) &&
	    hash_body(1, op.read, op.read_ctx, 0, op.body_len, NULL, d, s->cancel,
	    err) < 0)
		return -1;
	sha256_hex(d, res->content_sha256);
	text_base64(d, sizeof d, res->local_checksum);
	if (ctype != NULL)
		hdrs[nh++] = (http_header){ "content-type", ctype };
	if (s->checksum && op.url == NULL)
		hdrs[nh++] = (http_header){ "x-amz-checksum-sha256",
		    res->local_checksum };
	for (size_t i = 0; i < s->rules.nobj_hdrs && op.url == NULL; i++)
		hdrs[nh++] = s->rules.obj_hdrs[i];
	if (s->rules.no_overwrite && !s->unconditional && op.url == NULL)
		hdrs[nh++] = (http_header){ "if-none-match", "*" };
	for (size_t i = 0; i < nextra && nh < sizeof hdrs / sizeof hdrs[0]; i++)
		hdrs[nh++] = extra[i];

	op.hdrs = hdrs;
	op.nhdrs = nh;
	op.payload_hash = res->content_sha256;
	op.body_always = 1;
	if ((rc = s3_do(s, &op, err)) < 0 && conditional_refused(s, err) &&
	    nh > 0 && strcmp(hdrs[nh - 1].name, "if-none-match") == 0) {
		op.nhdrs--;
		rc = s3_do(s, &op, err);
	}
	if (rc < 0)
		return rc;
	if (ssec_ignored(s, &op, err) < 0) {
		s3p_err e;
		size_t l = strlen(err->msg);
		fmt_snprintf(err->msg + l, sizeof err->msg - l, s3_delete(s,
		    op.bucket, op.key, &e) == 0 ? "; the object deleted" :
		    "; the object is left unencrypted: %s", e.msg);
		return -1;
	}
	reply_info(r, res);
	res->size = op.body_len;
	return 0;
}

/* One uploaded part: what CompleteMultipartUpload lists. */
typedef struct {
	char etag[80];
	unsigned char sha[SHA256_SIZE];
	unsigned char kept;             /* on the server already (resumed) */
} part_done;

/* CompleteMultipartUpload's body, generated on demand (no buffer). */
typedef struct {
	const part_done *parts;
	unsigned n;
	int checksum;
	uint64_t len;
} complete_body;

static const char complete_head[] =
    "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
static const char complete_tail[] = "</CompleteMultipartUpload>";

static int
complete_entry(const complete_body *cb, unsigned i, char *out, size_t outsz)
{
	char b64[48] = "";
	char etag[200];
	size_t o = 0;

	/* ETags hold quotes; XML text needs & and < escaped only */
	for (const char *p = cb->parts[i].etag; *p && o + 6 < sizeof etag; p++) {
		if (*p == '&') { memcpy(etag + o, "&amp;", 5); o += 5; }
		else if (*p == '<') { memcpy(etag + o, "&lt;", 4); o += 4; }
		else etag[o++] = *p;
	}
	etag[o] = '\0';
	if (cb->checksum)
		text_base64(cb->parts[i].sha, SHA256_SIZE, b64);
	return fmt_snprintf(out, outsz,
	    "<Part><PartNumber>%u</PartNumber><ETag>%s</ETag>%s%s%s</Part>",
	    i + 1, etag, cb->checksum ? "<ChecksumSHA256>" : "", b64,
	    cb->checksum ? "</ChecksumSHA256>" : "");
}

static int
complete_read(void *ctx, unsigned sender, uint64_t off, void *buf, size_t len,
    s3p_err *err)
{
	const complete_body *cb = ctx;
	unsigned char *out = buf;
	uint64_t pos = 0;
	char ent[400];

	(void)sender;
	(void)err;
	/* pieces in order: head, entries, tail; copy the overlap of each */
	for (unsigned i = 0; len > 0 && i <= cb->n + 1; i++) {
		const char *piece;
		size_t pl;
		if (i == 0) {
			piece = complete_head;
			pl = sizeof complete_head - 1;
		} else if (i == cb->n + 1) {
			piece = complete_tail;
			pl = sizeof complete_tail - 1;
		} else {
			pl = (size_t)complete_entry(cb, i - 1, ent, sizeof ent);
			piece = ent;
		}
		if (off < pos + pl) {
			size_t from = (size_t)(off - pos);
			size_t n = pl - from < len ? pl - from : len;
			memcpy(out, piece + from, n);
			out += n;
			off += n;
			len -= n;
		}
		pos += pl;
	}
	return 0;
}

/* Whether the last answer is an S3 error of `code` (its XML's Code: the
 * message also holds the key, which may hold any words). */
static int
reply_code_is(const s3_client *s, const char *code)
{
	char got[32];

	return text_xml(s->scratch->reply.body, s->scratch->reply.body_len,
	    "Code", got, sizeof got) == 1 && strcmp(got, code) == 0;
}

/*
 * Aborts the upload after a failure (err holds it): not cancellable, so
 * that a signal's exit leaves no orphan parts; a few attempts only then.
 * err's message gets whether it worked (else the upload is left open); the
 * failure's HTTP status stays (s3_upload reads a 412 there).
 */
static void
abort_upload(s3_client *s, const char *bucket, const char *key,
    const char *upload_id, s3p_err *err)
{
	sigv4_pair q[1] = { { "uploadId", upload_id } };
	s3_op op;
	s3p_err e;
	char was[sizeof err->msg];
	int status = s->scratch->rs.status;

	op_init(&op, "DELETE", "AbortMultipartUpload", bucket, key);
	op.query = q;
	op.nquery = 1;
	op.no_cancel = 1;
	if (cancelled(s, NULL))
		op.attempts = 3;
	memcpy(was, err->msg, sizeof was);
	if (s3_do(s, &op, &e) < 0) {
		logf_(s, "could not abort the multipart upload %s: %s", upload_id, e.msg);
		/* NoSuchUpload: not open, so not left open. A Complete cut
		 * short (a signal, an answer lost) may have ended it */
		if (s->scratch->rs.status == 404 &&
		    reply_code_is(s, "NoSuchUpload"))
			err_set(err, err->status, "%s; the multipart upload %s was "
			    "gone already: completed (s3://%s/%s may be whole) or "
			    "aborted meanwhile", was, upload_id, bucket, key);
		else
			err_set(err, err->status, "%s; the multipart upload %s is "
			    "left open: %s", was, upload_id, e.msg);
	} else {
		logf_(s, "aborted the multipart upload %s", upload_id);
		err_set(err, err->status, "%s; multipart upload aborted", was);
	}
	s->scratch->rs.status = status;
}

/*
 * The body serves one thread at a time (s3.h: s3_read_fn), and in a
 * multipart upload the hash pass and the senders read it at once: a mutex
 * makes their reads take turns.
 */
typedef struct {
	s3_read_fn read;
	s3_span_fn span;
	void *ctx;
	sync_mutex mu;
} locked_src;

static int
locked_span(void *c, unsigned sender, uint64_t off, size_t len,
    http_file_span *sp, s3p_err *err)
{
	locked_src *ls = c;
	int rc;

	sync_lock(&ls->mu);
	rc = ls->span(ls->ctx, sender, off, len, sp, err);
	sync_unlock(&ls->mu);
	return rc;
}

static int
locked_read(void *c, unsigned sender, uint64_t off, void *buf, size_t len,
    s3p_err *err)
{
	locked_src *ls = c;
	int rc;

	sync_lock(&ls->mu);
	rc = ls->read(ls->ctx, sender, off, buf, len, err);
	sync_unlock(&ls->mu);
	return rc;
}

/* A multipart upload in progress: what its steps share. */
typedef struct multipart multipart;
struct multipart {
	const s3_op *body;              /* &op */
	s3_op op;                       /* bucket, key, the body: its length
					   set once known (pending) */
	uint64_t part_size;
	unsigned nparts;                /* while pending: of the bound */
	part_done *parts;               /* nparts (of the bound) */
	/* s3_client's pending_len, on body->known_ctx: the body's length is
	 * an upper bound until pending_len gives it (under mu) */
	int pending;
	s3_len_fn pending_len;
	char upload_id[512];
	locked_src src;                 /* the body, one reader at a time */
	sha256_ctx whole;               /* the object's hash, fed in order */
	unsigned char dwhole[SHA256_SIZE]; /* its digest, when known */
	/* the parts' sending (mp_parts), under mu */
	sync_mutex mu;
	sync_cond cv;                   /* hashed, next or failed changed */
	unsigned hashed;                /* parts [0, hashed) have their hash */
	unsigned next;                  /* the next part a sender takes */
	volatile int failed;            /* a step failed: the others stop */
	int rc;                         /* the first failure's, and its err */
	s3p_err err;
	s3_progress_fn progress;        /* s's, called under mu */
	void *progress_ctx;
	const volatile sig_atomic_t *cancel; /* s's */
	int completing;                 /* CompleteMultipartUpload begun */
};

static int resume_find(s3_client *s, multipart *m, s3p_err *err);

/* The length of part i (from 0): part_size, but the last. */
static uint64_t
part_len(const multipart *m, unsigned i)
{
	uint64_t left = m->body->body_len - (uint64_t)i * m->part_size;

	return left < m->part_size ? left : m->part_size;
}

/* CreateMultipartUpload: a new upload's id in m->upload_id. */
static int
mp_create(s3_client *s, multipart *m, const char *ctype, s3p_err *err)
{
	s3_reply *r = &s->scratch->reply;
	sigv4_pair q[1] = { { "uploads", NULL } };
	http_header hdrs[14];
	size_t nh = 0;
	s3_op op;

	if (ctype != NULL)
		hdrs[nh++] = (http_header){ "content-type", ctype };
	if (s->checksum)
		hdrs[nh++] = (http_header){ "x-amz-checksum-algorithm", "SHA256" };
	for (size_t i = 0; i < s->rules.nobj_hdrs; i++)
		hdrs[nh++] = s->rules.obj_hdrs[i];
	op_init(&op, "POST", "CreateMultipartUpload", m->body->bucket,
	    m->body->key);
	op.query = q;
	op.nquery = 1;
	op.hdrs = hdrs;
	op.nhdrs = nh;
	op.body_always = 1;
	if (s3_do(s, &op, err) < 0)
		return -1;
	if (text_xml(r->body, r->body_len, "UploadId", m->upload_id,
	    sizeof m->upload_id) != 1 || m->upload_id[0] == '\0')
		return ERR(err, S3P_ESERVER, "CreateMultipartUpload s3://%s/%s: "
		    "no UploadId in the answer", m->body->bucket, m->body->key);
	return 0;
}

/*
 * UploadPart of part i (from 0), its hash computed: its ETag into
 * m->parts. A part kept from an upload left open is not sent again, only
 * counted. Returns 0, -1 or S3_BODY_CHANGED.
 */
static int
mp_send_part(s3_client *s, multipart *m, unsigned i, uint64_t len,
    unsigned sender, s3p_err *err)
{
	s3_reply *r = &s->scratch->reply;
	part_done *p = &m->parts[i];
	const char *bucket = m->body->bucket, *key = m->body->key;
	char num[16], phex[65], pb64[48];
	sigv4_pair q[2] = { { "partNumber", num }, { "uploadId", m->upload_id } };
	http_header ph[4] = { { "x-amz-checksum-sha256", pb64 } };
	s3_op op;
	int rc;

	if (p->kept) {
		if (s->progress != NULL)
			s->progress(s->progress_ctx, len);
		return 0;
	}
	sha256_hex(p->sha, phex);
	text_base64(p->sha, SHA256_SIZE, pb64);
	fmt_snprintf(num, sizeof num, "%u", i + 1);
	op_init(&op, "PUT", "UploadPart", bucket, key);
	op.query = q;
	op.nquery = 2;
	op.hdrs = ph;
	op.nhdrs = add_key_hdrs(s, ph, s->checksum ? 1 : 0);
	op.payload_hash = phex;
	op.read = locked_read;
	op.read_ctx = &m->src;
	op.span = m->src.span != NULL ? locked_span : NULL;
	op.sender = sender;
	op.body_off = (uint64_t)i * m->part_size;
	op.body_len = len;
	if ((rc = s3_do(s, &op, err)) < 0)
		return rc;
	if (r->info.etag[0] == '\0' || strlen(r->info.etag) >= sizeof p->etag)
		return ERR(err, S3P_ESERVER, "UploadPart %u of s3://%s/%s: %s ETag",
		    i + 1, bucket, key, r->info.etag[0] ? "overlong" : "no");
	strcpy(p->etag, r->info.etag);
	return 0;
}

/*
 * Sending the parts (issue 16). The hash pass runs on a thread of its own
 * and hashes them in order (the whole object's hash takes the bytes in
 * order), and each sender (s, and s->twin on another thread, each with
 * its own connection) takes the next part whose hash is ready. With two,
 * the server works on two parts at once, and one part's wait for its
 * answer no longer leaves the link idle. A failure stops the others
 * taking parts (a part in flight ends first); the first one is the
 * upload's.
 */
typedef struct {
	multipart *m;
	s3_client *s;
	unsigned sender;                /* 0, or 1: the twin */
	pthread_t tid;
} part_sender;

/* Records a failure (the first one's rc and err are kept) and wakes all. */
static void
mp_fail(multipart *m, int rc, const s3p_err *err)
{
	sync_lock(&m->mu);
	if (!m->failed) {
		m->failed = 1;
		m->rc = rc;
		m->err = *err;
	}
	sync_cond_broadcast(&m->cv);
	sync_unlock(&m->mu);
}

/*
 * With the length pending: waits until the body is known to go past byte
 * `past`, or until its length is known; then sets it, and the part count
 * it gives, under mu (the senders read them so). Returns -1 with err set
 * when the pass that finds it failed.
 */
static int
mp_reach(multipart *m, uint64_t past, s3p_err *err)
{
	uint64_t len = 0;
	int r = m->pending_len(m->body->known_ctx, past, &len, err);

	if (r != 0)
		return r < 0 ? -1 : 0;
	sync_lock(&m->mu);
	m->op.body_len = len;
	m->nparts = (unsigned)((len + m->part_size - 1) / m->part_size);
	m->pending = 0;
	sync_cond_broadcast(&m->cv);
	sync_unlock(&m->mu);
	return 0;
}

/*
 * Part i's hash, and the whole body's after the last part, from the
 * caller's pass (body->known): with the length pending, that pass runs
 * while the parts go, and mp_reach waited for it to pass the part.
 */
static int
mp_known_part(multipart *m, unsigned i, s3p_err *err)
{
	const s3_op *b = m->body;

	if (!b->known(b->known_ctx, (uint64_t)i * m->part_size, part_len(m, i),
	    m->parts[i].sha) || (i + 1 == m->nparts && !b->known(b->known_ctx,
	    0, b->body_len, m->dwhole)))
		return ERR(err, S3P_EINPUT, "part %u: no hash from the "
		    "compression pass", i + 1);
	return 0;
}

/*
 * The hash pass: stops at a signal (s->cancel), or at the next part after
 * a sender's failure. When the caller's own pass computed the hashes
 * (body->known, first try only), they are taken from it, part by part,
 * as it goes past them.
 */
static void *
mp_hash_main(void *arg)
{
	multipart *m = arg;
	s3p_err err;
	int failed = 0;         /* m->failed, read under the lock */
	int given = m->body->known != NULL;

	for (unsigned i = 0; i < m->nparts && !failed; i++) {
		int rc = 0;

		if (m->pending && (rc = mp_reach(m, (uint64_t)(i + 1) *
		    m->part_size, &err)) == 0 && i >= m->nparts)
			break;
		/* the first part's hash has nothing to overlap: its reads
		 * run on a thread of their own (hash_body) */
		if (rc == 0)
			rc = given ? mp_known_part(m, i, &err) : hash_body(i == 0,
			    locked_read, &m->src, (uint64_t)i * m->part_size,
			    part_len(m, i), &m->whole, m->parts[i].sha, m->cancel,
			    &err);
		if (rc < 0) {
			mp_fail(m, -1, &err);
			break;
		}
		sync_lock(&m->mu);
		m->hashed = i + 1;
		failed = m->failed;
		sync_cond_broadcast(&m->cv);
		sync_unlock(&m->mu);
	}
	return NULL;
}

/*
 * The next part to send, its hash ready, and its length (read under the
 * lock: a pending length is set under it); or -1: none left, or stop.
 * The twin takes none while the length is pending: the pass that finds it
 * reads the body too, and beside it the body takes one more reader only
 * (zblocks.h), the other sender's. `counts` (may be NULL) gets the part
 * count and how many are left untaken, unless it stops (the log's).
 */
static long
mp_take(part_sender *ps, uint64_t *len, unsigned counts[2])
{
	multipart *m = ps->m;
	long i = -1;

	sync_lock(&m->mu);
	/* the hash pass wakes us with each part, when the length is known,
	 * and when it fails */
	while (!m->failed && m->next < m->nparts && (m->next >= m->hashed ||
	    (ps->sender > 0 && m->pending)))
		sync_cond_wait(&m->cv, &m->mu);
	if (!m->failed && counts != NULL) {
		counts[0] = m->nparts;
		counts[1] = m->nparts - m->next;
	}
	if (!m->failed && m->next < m->nparts) {
		i = m->next++;
		*len = part_len(m, (unsigned)i);
	}
	sync_unlock(&m->mu);
	return i;
}

static void *
mp_sender_main(void *arg)
{
	part_sender *ps = arg;
	unsigned counts[2] = { 0, 0 };
	uint64_t len;
	long i = mp_take(ps, &len, ps->sender > 0 ? counts : NULL);

	if (counts[0] > 0)
		logf_(ps->s, "multipart upload %s: %u parts, %u left when a "
		    "second connection joins", ps->m->upload_id, counts[0],
		    counts[1]);
	for (; i >= 0; i = mp_take(ps, &len, NULL)) {
		s3p_err err;
		int rc = mp_send_part(ps->s, ps->m, (unsigned)i, len, ps->sender,
		    &err);

		if (rc == 0 && cancelled(ps->s, NULL))
			rc = ERR(&err, S3P_ENET, "interrupted");
		if (rc != 0) {
			mp_fail(ps->m, rc, &err);
			break;
		}
	}
	return NULL;
}

static void
locked_progress(void *c, uint64_t sent)
{
	multipart *m = c;

	sync_lock(&m->mu);
	m->progress(m->progress_ctx, sent);
	sync_unlock(&m->mu);
}

/*
 * The twin as s, but for its connection and scratch (s3.h: twin); its
 * credentials shared under a lock.
 */
static void
twin_setup(s3_client *s, sync_mutex *cred_mu)
{
	s3_client *t = s->twin;
	http_client *http = t->http;
	struct s3_scratch *scratch = t->scratch;

	if (s->cred_mu == NULL)
		s->cred_mu = cred_mu;
	*t = *s;
	t->http = http;
	t->scratch = scratch;
	t->twin = NULL;
	t->requests = 0;
}

/*
 * Every part hashed (or its hash taken from body->known) and sent.
 * Returns 0, -1 or S3_BODY_CHANGED.
 */
static int
mp_parts(s3_client *s, multipart *m, s3p_err *err)
{
	sync_mutex cred_mu = { 0 };
	sync_mutex *own_cred_mu = s->cred_mu;
	part_sender ps[2] = { { m, s, 0, 0 }, { m, s->twin, 1, 0 } };
	pthread_t hasher;
	/* (nparts read before the hash thread may change it) */
	int hashing = 0, twin = s->twin != NULL && m->nparts > 1;

	m->cancel = s->cancel;
	m->progress = s->progress;
	m->progress_ctx = s->progress_ctx;
	if (s->progress != NULL) {
		s->progress = locked_progress;
		s->progress_ctx = m;
	}
	if (!(hashing = pthread_create(&hasher, NULL, mp_hash_main, m) == 0)) {
		/* no thread: every hash first */
		mp_hash_main(m);
	}
	if (twin) {
		twin_setup(s, &cred_mu);
		twin = pthread_create(&ps[1].tid, NULL, mp_sender_main,
		    &ps[1]) == 0;
	}
	mp_sender_main(&ps[0]);
	if (twin) {
		pthread_join(ps[1].tid, NULL);
		s->requests += s->twin->requests;
	}
	if (hashing)
		pthread_join(hasher, NULL);
	s->cred_mu = own_cred_mu;
	s->progress = m->progress;
	s->progress_ctx = m->progress_ctx;
	if (m->failed) {
		*err = m->err;
		return m->rc;
	}
	return 0;
}

/*
 * CompleteMultipartUpload, its body hashed then sent like the parts.
 * Returns 0, -1 or S3_BODY_CHANGED.
 */
static int
mp_complete(s3_client *s, multipart *m, s3p_err *err)
{
	sigv4_pair q[1] = { { "uploadId", m->upload_id } };
	http_header ct[5] = { { "content-type", "application/xml" } };
	size_t n = add_key_hdrs(s, ct, 1);
	complete_body cb = { m->parts, m->nparts, s->checksum, 0 };
	unsigned char d[SHA256_SIZE];
	char chex[65];
	s3_op op;
	int rc;

	m->completing = 1;
again:
	cb.len = sizeof complete_head - 1 + sizeof complete_tail - 1;
	for (unsigned i = 0; i < m->nparts; i++) {
		char ent[400];
		cb.len += (uint64_t)complete_entry(&cb, i, ent, sizeof ent);
	}
	if (hash_body(1, complete_read, &cb, 0, cb.len, NULL, d, s->cancel,
	    err) < 0)
		return -1;
	sha256_hex(d, chex);
	op_init(&op, "POST", "CompleteMultipartUpload", m->body->bucket,
	    m->body->key);
	op.query = q;
	op.nquery = 1;
	op.payload_hash = chex;
	op.read = complete_read;
	op.read_ctx = &cb;
	op.body_len = cb.len;
	op.hdrs = ct;
	ct[n] = (http_header){ "if-none-match", "*" };
	op.nhdrs = n + (s->rules.no_overwrite && !s->unconditional);
	if ((rc = s3_do(s, &op, err)) < 0 && op.nhdrs > n &&
	    conditional_refused(s, err)) {
		op.nhdrs = n;
		rc = s3_do(s, &op, err);
	}
	/* Swift's s3api takes the parts' ETags only: the list again without
	 * their checksums (each part's was checked where the store keeps
	 * one, and the signed hash by any) */
	if (rc == -1 && cb.checksum && s->scratch->rs.status == 400 &&
	    reply_code_is(s, "MalformedXML")) {
		logf_(s, "%s: the parts' checksums left out of the list", err->msg);
		cb.checksum = 0;
		goto again;
	}
	return rc;
}

/* What the completed upload wrote: CompleteMultipartUpload's answer. */
static void
mp_result(s3_client *s, multipart *m, s3_put_result *res)
{
	s3_reply *r = &s->scratch->reply;
	unsigned char d[SHA256_SIZE];
	sha256_ctx h;

	/* the whole object's ETag and checksum are in the answer's XML, or
	 * (own_multipart's HEAD) in its headers */
	if (text_xml(r->body, r->body_len, "ETag", res->etag,
	    sizeof res->etag) != 1)
		memcpy(res->etag, r->info.etag, sizeof res->etag);
	if (text_xml(r->body, r->body_len, "ChecksumSHA256", res->checksum_sha256,
	    sizeof res->checksum_sha256) != 1)
		memcpy(res->checksum_sha256, r->info.checksum_sha256,
		    sizeof res->checksum_sha256);
	memcpy(res->version_id, r->info.version_id, sizeof res->version_id);
	/* (else mp_known_part took it from the caller's pass) */
	if (m->body->known == NULL)
		sha256_final(&m->whole, m->dwhole);
	sha256_hex(m->dwhole, res->content_sha256);
	/* the composite checksum S3 computes: SHA-256 of the parts' digests */
	sha256_init(&h);
	for (unsigned i = 0; i < m->nparts; i++)
		sha256_update(&h, m->parts[i].sha, SHA256_SIZE);
	sha256_final(&h, d);
	text_base64(d, sizeof d, res->local_checksum);
	/* after the 44 digits of 32 bytes */
	fmt_snprintf(res->local_checksum + 44, sizeof res->local_checksum - 44,
	    "-%u", m->nparts);
	res->size = m->body->body_len;
	res->parts = m->nparts;
}

/*
 * After a failure (err holds it): the upload is aborted, or, stopped by a
 * signal with --keep-partial, left open for a later run to resume; unless
 * the CompleteMultipartUpload that had gone out (m->completing) ended it.
 */
static void
mp_abandon(s3_client *s, multipart *m, s3p_err *err)
{
	char was[sizeof err->msg], whole[sizeof err->msg];

	if (!s->rules.keep_partial || !cancelled(s, NULL)) {
		abort_upload(s, m->body->bucket, m->body->key, m->upload_id, err);
		return;
	}
	memcpy(was, err->msg, sizeof was);
	whole[0] = '\0';
	if (m->completing)
		fmt_snprintf(whole, sizeof whole, ", unless the "
		    "CompleteMultipartUpload sent completed it: then s3://%s/%s "
		    "is whole", m->body->bucket, m->body->key);
	err_set(err, err->status, "%s; multipart upload %s left open for a "
	    "later run to resume (--keep-partial)%s", was, m->upload_id, whole);
}

/* A HEAD of the key (its checksum asked for, SSE-C's key given). */
static int
head_object(s3_client *s, const char *bucket, const char *key, s3p_err *err)
{
	http_header h[4] = { { "x-amz-checksum-mode", "ENABLED" } };
	s3_op op;

	op_init(&op, "HEAD", "HeadObject", bucket, key);
	op.hdrs = h;
	op.nhdrs = add_key_hdrs(s, h, 1);
	return s3_do(s, &op, err);
}

static const char own_found[] = "s3://%s/%s: a try's answer was lost and "
    "the next request found the object: it is this run's";

/*
 * After a CompleteMultipartUpload that failed (its answer lost on every
 * try, say): 1 when a HEAD finds the key holding this upload's object: its
 * size, and the ETag S3 gives an object of these parts (the MD5 of their
 * ETags' MD5s, then "-N"; the server's own part ETags, so SSE's too).
 * Else 0, and the failure stands.
 */
static int
own_multipart(s3_client *s, multipart *m)
{
	const s3_put_result *got = &s->scratch->reply.info;
	unsigned char d[br_md5_SIZE], want[br_md5_SIZE];
	br_md5_context c;
	s3p_err e;
	int status = s->scratch->rs.status;

	br_md5_init(&c);
	for (unsigned i = 0; i < m->nparts; i++) {
		if (s3_etag_md5(m->parts[i].etag, d) != 0)
			return 0;
		br_md5_update(&c, d, sizeof d);
	}
	br_md5_out(&c, want);
	if (head_object(s, m->body->bucket, m->body->key, &e) < 0 ||
	    got->size != m->body->body_len ||
	    s3_etag_md5(got->etag, d) != (int)m->nparts ||
	    memcmp(d, want, sizeof d) != 0) {
		/* the failure's status stays (abort_upload's caller reads it) */
		s->scratch->rs.status = status;
		return 0;
	}
	logf_(s, own_found, m->body->bucket, m->body->key);
	return 1;
}

/*
 * A multipart upload of `body` (as put_single's), parts of part_size;
 * `may_resume`: an upload left open for the key may be continued. An
 * upload found (s3.h: Resuming) or created, its parts sent, then
 * completed; after a failure, aborted. Returns 0, -1 or S3_BODY_CHANGED.
 */
static int
put_multipart(s3_client *s, const s3_op *body, uint64_t part_size,
    const char *ctype, int may_resume, int pending, s3_put_result *res,
    s3p_err *err)
{
	multipart m = { .op = *body };
	uint64_t len = body->body_len;
	int rc;

	m.body = &m.op;
	m.pending = pending;
	m.pending_len = s->pending_len;
	m.part_size = s3_part_size(len, part_size);
	m.nparts = (unsigned)((len + m.part_size - 1) / m.part_size);
	if (len > S3_MAX_OBJECT)
		return ERR(err, S3P_EINPUT,
		    "the archive is %llu bytes: over S3's 5 TiB object limit",
		    (unsigned long long)len);
	if ((m.parts = calloc(m.nparts, sizeof *m.parts)) == NULL)
		return ERR(err, S3P_EINPUT, "out of memory for %u parts", m.nparts);
	/* an upload of this key left open by an earlier run, or a new one */
	rc = may_resume || s->rules.fresh ? resume_find(s, &m, err) : 0;
	if (rc < 0 || (rc == 0 && mp_create(s, &m, ctype, err) < 0)) {
		free(m.parts);
		return -1;
	}
	if (rc == 0 && ssec_ignored(s, m.body, err) < 0) {
		abort_upload(s, body->bucket, body->key, m.upload_id, err);
		free(m.parts);
		return -1;
	}
	if (m.pending)
		logf_(s, "multipart upload %s: parts of %llu bytes, sent while "
		    "the compression pass finds the next ones", m.upload_id,
		    (unsigned long long)m.part_size);
	else
		logf_(s, "multipart upload %s: %u parts of %llu bytes",
		    m.upload_id, m.nparts, (unsigned long long)m.part_size);

	sha256_init(&m.whole);
	m.src.read = body->read;
	m.src.span = body->span;
	m.src.ctx = body->read_ctx;
	if ((rc = mp_parts(s, &m, err)) == 0)
		rc = mp_complete(s, &m, err);
	if (rc == -1 && m.completing && !cancelled(s, NULL) &&
	    own_multipart(s, &m))
		rc = 1;         /* the key holds this upload's object */
	if (rc >= 0)
		mp_result(s, &m, res);
	else
		mp_abandon(s, &m, err);
	if (rc == 1) {
		/* the same parts' object may have been there already, and
		 * this upload never completed: it goes (NoSuchUpload if it
		 * did complete) */
		s3p_err e = *err;

		abort_upload(s, body->bucket, body->key, m.upload_id, &e);
		err_clear(err);
		rc = 0;
	}
	free(m.parts);
	return rc == 0 || rc == S3_BODY_CHANGED ? rc : -1;
}

/*
 * --no-overwrite's first guard (If-None-Match is the second, where the
 * server honours it): a HEAD of the key; found, the upload is refused.
 */
int
s3_refuse_existing(s3_client *s, const char *bucket, const char *key,
    s3p_err *err)
{
	s3p_err e;

	if (head_object(s, bucket, key, &e) == 0)
		return ERR(err, S3P_EREFUSED, "s3://%s/%s exists (--no-overwrite): "
		    "nothing written", bucket, key);
	if (s->scratch->rs.status == 404)
		return 0;
	*err = e;
	if (s->scratch->rs.status == 403)
		fmt_snprintf(err->msg + strlen(err->msg), sizeof err->msg -
		    strlen(err->msg), " (--no-overwrite's HEAD: s3:GetObject, and"
		    " s3:ListBucket for a key not there)");
	return -1;
}

static int
mem_read(void *ctx, unsigned sender, uint64_t off, void *buf, size_t len,
    s3p_err *err)
{
	(void)sender;
	(void)err;
	memcpy(buf, (const char *)ctx + off, len);
	return 0;
}

/* PutObjectTagging of s->rules.tag_xml on what res names (s3.h: s3_upload). */
static int
put_tagging(s3_client *s, const char *bucket, const char *key,
    const s3_put_result *res, s3p_err *err)
{
	sigv4_pair q[2] = { { "tagging", NULL }, { "versionId", res->version_id } };
	char md5[25], hex[65];
	http_header h[1] = { { "content-md5", md5 } };
	unsigned char d[SHA256_SIZE];
	br_md5_context m;
	s3_op op;

	op_init(&op, "PUT", "PutObjectTagging", bucket, key);
	op.body_len = strlen(s->rules.tag_xml);
	op.read = mem_read;
	op.read_ctx = (void *)s->rules.tag_xml;
	br_md5_init(&m);
	br_md5_update(&m, s->rules.tag_xml, op.body_len);
	br_md5_out(&m, d);
	text_base64(d, br_md5_SIZE, md5);
	hash_body(1, mem_read, op.read_ctx, 0, op.body_len, NULL, d, NULL, err);
	sha256_hex(d, hex);
	op.query = q;
	op.nquery = res->version_id[0] != '\0' ? 2 : 1;
	op.hdrs = h;
	op.nhdrs = 1;
	op.payload_hash = hex;
	return s3_do(s, &op, err);
}

/* The MD5 of body bytes [off, off+len): what a part's ETag stands for. */
static int
part_md5(s3_client *s, const s3_op *body, uint64_t off, uint64_t len,
    unsigned char d[br_md5_SIZE], s3p_err *err)
{
	unsigned char *buf = malloc(HASHPASS_CHUNK);
	br_md5_context m;

	if (buf == NULL)
		return ERR(err, S3P_EINPUT, "out of memory");
	br_md5_init(&m);
	while (len > 0) {
		size_t n = len < HASHPASS_CHUNK ? (size_t)len : HASHPASS_CHUNK;
		if (cancelled(s, NULL) || body->read(body->read_ctx, 0, off, buf, n,
		    err) < 0) {
			free(buf);
			return cancelled(s, NULL) ? ERR(err, S3P_ENET, "interrupted") : -1;
		}
		br_md5_update(&m, buf, n);
		off += n;
		len -= n;
	}
	free(buf);
	br_md5_out(&m, d);
	return 0;
}

/*
 * After a PutObject whose answer was lost, the key holds an object: 1 when
 * it is the one this run sent (its size, and its SHA-256 checksum or, for
 * an object stored unencrypted, its ETag's MD5 of the body read again), 0
 * when it is not or cannot be told (why: in `why`), -1 on error.
 */
static int
own_object(s3_client *s, const s3_op *body, s3_put_result *res, char *why,
    size_t whysz, s3p_err *err)
{
	const s3_put_result *info = &s->scratch->reply.info;
	const char *sse;
	unsigned char want[br_md5_SIZE], got[br_md5_SIZE];

	if (head_object(s, body->bucket, body->key, err) < 0)
		return -1;
	sse = http_header_get(&s->scratch->rs, "x-amz-server-side-encryption");
	if (info->size != body->body_len) {
		fmt_snprintf(why, whysz, "it has %llu bytes, this run's %llu",
		    (unsigned long long)info->size,
		    (unsigned long long)body->body_len);
		return 0;
	}
	if (info->checksum_sha256[0] != '\0') {
		if (strcmp(info->checksum_sha256, res->local_checksum) != 0) {
			fmt_snprintf(why, whysz, "its SHA-256 checksum differs");
			return 0;
		}
	} else if ((sse != NULL && strcmp(sse, "AES256") != 0) ||
	    s->rules.nkey_hdrs > 0 || s3_etag_md5(info->etag, want) != 0) {
		/* SSE-KMS's and SSE-C's ETags are no MD5 of the bytes; a
		 * server may keep no checksum though one was sent */
		fmt_snprintf(why, whysz, "it may be this run's: neither its "
		    "ETag nor a SHA-256 checksum tells (%s)", s->checksum ?
		    "the server gave none" : "--checksum sends one");
		return 0;
	} else {
		/* (part_md5 only reads the body: the HEAD's answer stays) */
		if (part_md5(s, body, 0, body->body_len, got, err) < 0)
			return -1;
		if (memcmp(got, want, sizeof got) != 0) {
			fmt_snprintf(why, whysz, "its ETag is not this run's MD5");
			return 0;
		}
	}
	reply_info(&s->scratch->reply, res);
	res->size = body->body_len;
	return 1;
}

int
s3_upload(s3_client *s, const char *bucket, const char *key,
    s3_read_fn read, void *read_ctx, s3_hash_fn known, void *known_ctx,
    uint64_t len, uint64_t part_size, const char *content_type,
    s3_put_result *res, s3p_err *err)
{
	char was[sizeof err->msg], why[160];
	s3_op body;
	int rc, single, lost, pending = s->pending_len != NULL && known != NULL;

	op_init(&body, "PUT", "PutObject", bucket, key);
	body.read = read;
	body.read_ctx = read_ctx;
	body.span = s->span;
	body.body_len = len;
	if (s->rules.no_overwrite && s3_refuse_existing(s, bucket, key, err) < 0)
		return -1;
	for (int pass = 1;; pass++) {
		/* a second pass hashes again: the known hashes were refused;
		 * it reads the whole body, whose length it needs first */
		if (pass > 1 && pending) {
			if (s->pending_len(known_ctx, UINT64_MAX, &len, err) < 0)
				return -1;
			body.body_len = len;
			pending = 0;
		}
		body.known = pass == 1 ? known : NULL;
		body.known_ctx = known_ctx;
		memset(res, 0, sizeof *res);
		if ((single = s3_one_put(len, part_size) && !pending))
			rc = put_single(s, &body, content_type, NULL, 0, res,
			    err);
		else
			rc = put_multipart(s, &body, part_size, content_type,
			    s->rules.resume && pass == 1, pending, res, err);
		if (rc >= 0)
			return res->parts > 0 && s->rules.tag_xml != NULL ?
			    put_tagging(s, bucket, key, res, err) : 0;
		memcpy(was, err->msg, sizeof was);
		lost = single && s->scratch->answer_lost;
		/* If-None-Match refused: the object appeared meanwhile, or it
		 * is this run's own, stored by a try whose answer was lost */
		if (s->rules.no_overwrite && s->scratch->rs.status == 412) {
			if (!lost)
				return ERR(err, S3P_EREFUSED, "s3://%s/%s exists "
				    "(--no-overwrite): nothing written; %s", bucket,
				    key, was);
			if ((rc = own_object(s, &body, res, why, sizeof why,
			    err)) < 0)
				return -1;
			if (rc == 1)
				goto own;
			return ERR(err, S3P_EREFUSED, "s3://%s/%s exists "
			    "(--no-overwrite) after a try whose answer was lost: "
			    "%s; %s", bucket, key, why, was);
		}
		if (cancelled(s, NULL)) {
			/* hash_body's message names no object */
			if (strncmp(was, "interrupted", 11) == 0)
				err_set(err, S3P_ENET, "s3://%s/%s: %s", bucket, key, was);
			else if (lost)
				err_set(err, err->status, "%s; stopped while the answer "
				    "was awaited: s3://%s/%s may have been written", was,
				    bucket, key);
			return -1;
		}
		if (rc != S3_BODY_CHANGED && !lost)
			return -1;
		if (rc != S3_BODY_CHANGED) {
			s3p_err e;

			/* the lost try may have stored it: a HEAD tells */
			if ((rc = own_object(s, &body, res, why, sizeof why,
			    &e)) == 1)
				goto own;
			if (rc == 0)
				err_set(err, err->status, "%s; a try's answer was "
				    "lost, and s3://%s/%s is not known as this run's: "
				    "%s", was, bucket, key, why);
			else
				err_set(err, err->status, "%s; a try's answer was lost: "
				    "s3://%s/%s %s", was, bucket, key,
				    s->scratch->rs.status == 404 ? "was not written" :
				    "may have been written (whole: the server checks "
				    "the signed hash)");
			return -1;
		}
		/* BadDigest: the data changed between hashing and sending */
		if (pass == 2)
			return ERR(err, S3P_EINTEGRITY, "%s; refused twice: the "
			    "data changed while it was sent, or was corrupted on the "
			    "way", was);
		logf_(s, "s3://%s/%s: the server refused the body (%s); hashing "
		    "it again from the start", bucket, key, was);
		if (s->restart != NULL)
			s->restart(read_ctx);
	}
own:
	logf_(s, own_found, bucket, key);
	err_clear(err);
	return 0;
}

int
s3_get(s3_client *s, const char *bucket, const char *key,
    const http_url *url, const char *url_name, http_sink_fn sink,
    void *sink_ctx, s3_put_result *info, s3p_err *err)
{
	return s3_get_version(s, bucket, key, NULL, url, url_name, sink,
	    sink_ctx, info, err);
}

/* How a resumed GetObject that met another object's bytes ends. */
static const char changed_msg[] = "the object changed while it was read";

/*
 * The first body bytes of a try: the first answer gives the ETag that
 * later ones must have (If-Match) and the object's headers; a resumed
 * answer must have that ETag and start where the sink stopped.
 */
static int
resume_check(get_resume *g, s3p_err *err)
{
	const http_response *rs = &g->s->scratch->rs;
	const char *etag = http_header_get(rs, "ETag");
	const char *cr = http_header_get(rs, "Content-Range");

	g->at_try = g->got;
	if (g->range[0] == '\0') {
		keep_headers(rs, &g->info);
		return 0;
	}
	/* a store that ignores If-Match (a 200 ignores Range too) */
	if (etag != NULL && strcmp(etag, g->info.etag) != 0)
		return ERR(err, S3P_EREFUSED, "%s (ETag %s, was %s)", changed_msg,
		    etag, g->info.etag);
	if (s3_range_skip(rs->status, cr, g->got, &g->skip) < 0)
		return ERR(err, S3P_ESERVER, "resumed at byte %llu, the answer "
		    "is HTTP %d, Content-Range %s", (unsigned long long)g->got,
		    rs->status, cr != NULL ? cr : "missing");
	return 0;
}

/* Checks each answer, skips what was taken already, counts the rest. */
static int
resume_sink(void *ctx, const unsigned char *buf, size_t len, s3p_err *err)
{
	get_resume *g = ctx;
	size_t n;

	if (!g->checked && resume_check(g, err) < 0)
		return -1;
	g->checked = 1;
	n = g->skip < len ? (size_t)g->skip : len;
	g->skip -= n;
	g->got += len - n;
	return len > n ? g->sink(g->sink_ctx, buf + n, len - n, err) : 0;
}

int
s3_get_version(s3_client *s, const char *bucket, const char *key,
    const char *version_id, const http_url *url, const char *url_name,
    http_sink_fn sink, void *sink_ctx, s3_put_result *info, s3p_err *err)
{
	s3_reply *r = &s->scratch->reply;
	http_header h[4] = { { "x-amz-checksum-mode", "ENABLED" } };
	sigv4_pair q[1] = { { "versionId", version_id } };
	get_resume g = { .s = s, .sink = sink, .sink_ctx = sink_ctx };
	char was[sizeof err->msg];
	s3_op op;

	op_init(&op, "GET", "GetObject", bucket, key);
	if (version_id != NULL && *version_id != '\0') {
		op.query = q;
		op.nquery = 1;
	}
	op.url = url;
	op.url_name = url_name;
	if (url == NULL) {
		op.hdrs = h;
		op.nhdrs = add_key_hdrs(s, h, 1);
	}
	op.sink = resume_sink;
	op.sink_ctx = &g;
	op.resume = &g;
	if (s3_do(s, &op, err) < 0) {
		/* If-Match refused: another object took the key meanwhile;
		 * or, from a store that ignores If-Match, a shorter one: the
		 * range asked for starts past its end (416), where the first
		 * answer's object went on */
		if (g.range[0] != '\0' && (s->scratch->rs.status == 412 ||
		    s->scratch->rs.status == 416)) {
			memcpy(was, err->msg, sizeof was);
			err_set(err, S3P_EREFUSED, "%s; %s", was, changed_msg);
		}
		return -1;
	}
	/* a resumed body must end where the first answer said: an empty
	 * answer was not checked yet, a short or long one is no object */
	if (g.range[0] != '\0') {
		if (!g.checked && resume_check(&g, err) < 0)
			return -1;
		if (g.skip != 0 || (g.info.size != 0 && g.got != g.info.size)) {
			object_name(&op, was, sizeof was);
			return ERR(err, S3P_ESERVER, "GetObject %s: resumed, the "
			    "answers gave %llu bytes of its %llu", was,
			    (unsigned long long)g.got, (unsigned long long)g.info.size);
		}
	}
	/* a resumed answer's headers are of its range: the first's stand */
	if (info != NULL)
		*info = g.got > 0 ? g.info : r->info;
	return 0;
}

int
s3_put_url(s3_client *s, const http_url *url, const char *url_name,
    s3_read_fn read, void *read_ctx, uint64_t len, const http_header *hdrs,
    size_t nhdrs, s3_put_result *res, s3p_err *err)
{
	s3_op body;

	op_init(&body, "PUT", "PutObject", NULL, NULL);
	body.url = url;
	body.url_name = url_name;
	body.read = read;
	body.read_ctx = read_ctx;
	body.body_len = len;
	memset(res, 0, sizeof *res);
	return put_single(s, &body, NULL, hdrs, nhdrs, res, err) < 0 ? -1 : 0;
}

/*
 * Listings (ListObjectsV2, ListMultipartUploads, ListParts) can be large
 * (1,000 entries of up to 1 KiB): each <elem> element is handed over as it
 * arrives, in a bounded window, and the pages are followed.
 */
#define LIST_WINDOW 65536
#define LIST_TOKEN 2048

/* One kind of listing: its element, fixed query, and page markers. */
typedef struct {
	const char *what;               /* "ListObjectsV2": for messages */
	const char *elem;               /* "Contents" */
	const char *marks[2];           /* the answer's next-page fields */
	const char *params[2];          /* the query parameters they go to */
	int nmarks;
} list_kind;

typedef struct {
	char buf[LIST_WINDOW + 1];
	size_t len;
	const list_kind *kind;
	int (*each)(void *ctx, const char *el, size_t len, int url, s3p_err *err);
	void *ctx;
	char mark[2][LIST_TOKEN];       /* this page's markers */
	char next[2][LIST_TOKEN];       /* the next page's, from this answer */
	int truncated;                  /* this page's answer said IsTruncated */
	int url;                        /* ... and EncodingType url */
	/* a page asked for again after a cut (list_again) */
	unsigned long given;            /* elements of this page handed over */
	unsigned long skip;             /* ... of which this try skips */
	size_t fresh;                   /* bytes handed over by this try */
	unsigned char last[SHA256_SIZE]; /* the last one handed over's hash */
} list_state;

/*
 * IsTruncated and the next-page markers stand before the first element in
 * the answers of AWS and radosgw, after the last in others: look for them
 * in every part of the window that is about to be dropped, and in the
 * tail.
 */
static void
list_note(list_state *ls, size_t n)
{
	char t[16], tok[LIST_TOKEN];

	if (text_xml(ls->buf, n, "IsTruncated", t, sizeof t) == 1)
		ls->truncated = strcmp(t, "true") == 0;
	/* (markup in a key is escaped: no key holds this) */
	ls->url |= text_str(ls->buf, "<EncodingType>url<") != NULL;
	for (int i = 0; i < ls->kind->nmarks; i++)
		if (text_xml(ls->buf, n, ls->kind->marks[i], tok,
		    sizeof tok) == 1)
			memcpy(ls->next[i], tok, sizeof tok);
}

/* Drops the window's bytes before p. */
static void
list_drop(list_state *ls, const char *p)
{
	size_t n = (size_t)(p - ls->buf);

	memmove(ls->buf, p, ls->len - n + 1);
	ls->len -= n;
}

/*
 * Hands an element over, or skips it when an earlier try of this page
 * did: the last one skipped must be the one handed over last, else the
 * listing changed between the tries and what follows cannot be placed.
 */
static int
list_give(list_state *ls, const char *el, size_t len, s3p_err *err)
{
	sha256_ctx h;
	unsigned char d[SHA256_SIZE];

	sha256_init(&h);
	sha256_update(&h, el, len);
	sha256_final(&h, d);
	if (ls->skip > 0) {
		if (--ls->skip == 0 && memcmp(d, ls->last, sizeof d) != 0)
			return ERR(err, S3P_EREFUSED, "the listing changed "
			    "while it was read (a page asked for again after a "
			    "cut differs)");
		return 0;
	}
	if (ls->each(ls->ctx, el, len, ls->url, err) < 0)
		return -1;
	memcpy(ls->last, d, sizeof d);
	ls->given++;
	ls->fresh += len;
	return 0;
}

/*
 * s3_op.again: the page's answer starts again; the elements handed over
 * are skipped. A try that handed over 64 KiB (RESUME_PROGRESS) is
 * progress: a link that cuts every answer early still ends.
 */
static int
list_again(void *ctx)
{
	list_state *ls = ctx;
	int progress = ls->fresh >= RESUME_PROGRESS;

	ls->len = 0;
	ls->truncated = ls->url = 0;
	memset(ls->next, 0, sizeof ls->next);
	ls->skip = ls->given;
	ls->fresh = 0;
	return progress;
}

static int
list_sink(void *ctx, const unsigned char *data, size_t len, s3p_err *err)
{
	list_state *ls = ctx;
	char open_tag[32], close_tag[32];

	fmt_snprintf(open_tag, sizeof open_tag, "<%s>", ls->kind->elem);
	fmt_snprintf(close_tag, sizeof close_tag, "</%s>", ls->kind->elem);
	while (len > 0) {
		size_t n = LIST_WINDOW - ls->len < len ? LIST_WINDOW - ls->len : len;
		char *open, *close;
		memcpy(ls->buf + ls->len, data, n);
		ls->len += n;
		ls->buf[ls->len] = '\0';
		data += n;
		len -= n;
		/* hand over every complete element */
		while ((open = text_str(ls->buf, open_tag)) != NULL &&
		    (close = text_str(open, close_tag)) != NULL) {
			list_note(ls, (size_t)(open - ls->buf));
			if (list_give(ls, open, (size_t)(close - open), err) < 0)
				return -1;
			list_drop(ls, close + strlen(close_tag));
		}
		if (ls->len == LIST_WINDOW) {
			/* no element end in a full window: keep only the tail */
			char *keep = text_str(ls->buf, open_tag);
			if (keep == NULL || keep == ls->buf)
				return ERR(err, S3P_ESERVER,
				    "%s: an element longer than %d bytes",
				    ls->kind->what, LIST_WINDOW);
			list_note(ls, (size_t)(keep - ls->buf));
			list_drop(ls, keep);
		}
	}
	return 0;
}

/*
 * Every page of a listing of bucket (key: ListParts' object, else NULL)
 * with the fixed query q (room for kind->nmarks more pairs after nq).
 */
static int
list_all(s3_client *s, const list_kind *kind, const char *bucket,
    const char *key, sigv4_pair *q, size_t nq,
    int (*each)(void *ctx, const char *el, size_t len, int url, s3p_err *err),
    void *ctx, s3p_err *err)
{
	list_state *ls = malloc(sizeof *ls);
	http_header h[3];
	size_t nh = key != NULL ? add_key_hdrs(s, h, 0) : 0;
	int rc = -1;

	if (ls == NULL)
		return ERR(err, S3P_EINPUT, "out of memory");
	ls->kind = kind;
	ls->each = each;
	ls->ctx = ctx;
	memset(ls->mark, 0, sizeof ls->mark);
	for (;;) {
		size_t n = nq;
		s3_op op;

		/* the markers of a page after the first (empty ones left out) */
		for (int i = 0; i < kind->nmarks; i++)
			if (ls->mark[i][0] != '\0')
				q[n++] = (sigv4_pair){ kind->params[i], ls->mark[i] };
		ls->given = 0;
		list_again(ls);
		op_init(&op, "GET", kind->what, bucket, key);
		op.query = q;
		op.nquery = n;
		op.hdrs = h;
		op.nhdrs = nh;
		op.sink = list_sink;
		op.sink_ctx = ls;
		op.again = list_again;
		if (s3_do(s, &op, err) < 0)
			break;
		if (ls->skip > 0) {
			err_set(err, S3P_EREFUSED, "%s s3://%s: the listing "
			    "changed while it was read (a page asked for again "
			    "after a cut is shorter)", kind->what, bucket);
			break;
		}
		/* what is left in the window is the answer's tail */
		list_note(ls, ls->len);
		if (!ls->truncated) {
			rc = 0;
			break;
		}
		memcpy(ls->mark, ls->next, sizeof ls->mark);
		if (ls->mark[0][0] == '\0') {
			err_set(err, S3P_ESERVER, "%s s3://%s/%s: truncated answer "
			    "without a next-page marker", kind->what, bucket,
			    key != NULL ? key : (const char *)q[nq - 1].value);
			break;
		}
	}
	free(ls);
	return rc;
}

typedef struct {
	int (*fn)(void *ctx, const char *key, uint64_t size, const char *etag,
	    s3p_err *err);
	void *ctx;
} object_each;

static int
object_el(void *ctx, const char *el, size_t len, int url, s3p_err *err)
{
	object_each *oe = ctx;
	/* a key of S3's 1,024 bytes, URL-encoded: three times that */
	char key[3 * 1024 + 1], size[32], etag[80] = "", *o = key;
	uint64_t n = 0;

	if (text_xml(el, len, "Key", key, sizeof key) != 1 ||
	    text_xml(el, len, "Size", size, sizeof size) != 1)
		return ERR(err, S3P_ESERVER,
		    "ListObjectsV2: a <Contents> without Key or Size");
	/* encoding-type=url, when the answer says so (a store may ignore
	 * it): %XX a byte, '+' a blank (as botocore reads it; a '+' of the
	 * key comes as %2B), in place */
	for (const char *p = key; url && *p != '\0'; o++) {
		if (*p == '%' && text_unhex(p + 1, (unsigned char *)o, 1) == 0)
			p += 3;
		else {
			*o = *p == '+' ? ' ' : *p;
			p++;
		}
	}
	if (url)
		*o = '\0';
	/* (S3's limit: the callers' buffers hold no more) */
	if (strlen(key) > 1024)
		return ERR(err, S3P_ESERVER, "ListObjectsV2: a key of %zu bytes, "
		    "over S3's 1,024", strlen(key));
	n = 0;
	text_num(size, 10, &n);
	text_xml(el, len, "ETag", etag, sizeof etag);
	return oe->fn(oe->ctx, key, n, etag, err);
}

int
s3_list(s3_client *s, const char *bucket, const char *prefix,
    int (*fn)(void *ctx, const char *key, uint64_t size, const char *etag,
    s3p_err *err),
    void *ctx, s3p_err *err)
{
	static const list_kind objects = { "ListObjectsV2", "Contents",
	    { "NextContinuationToken" }, { "continuation-token" }, 1 };
	/* keys as URL text: an XML 1.0 document cannot carry a key's control
	 * characters (Swift answers 500) */
	sigv4_pair q[4] = { { "encoding-type", "url" }, { "list-type", "2" },
	    { "prefix", prefix } };
	object_each oe = { fn, ctx };

	return list_all(s, &objects, bucket, NULL, q, 3, object_el, &oe, err);
}

int
s3_delete(s3_client *s, const char *bucket, const char *key, s3p_err *err)
{
	s3_op op;

	op_init(&op, "DELETE", "DeleteObject", bucket, key);
	op.no_cancel = 1;       /* clean-up: runs after a signal too */
	return s3_do(s, &op, err);
}

int
s3_presign(s3_client *s, const char *method, const char *bucket,
    const char *key, unsigned long expires, char *out, size_t outsz,
    s3p_err *err)
{
	char path[HTTP_TARGET_MAX], host[HTTP_HOST_MAX + 8], amz_date[17],
	    stamp[9], q[4096 + CREDS_TOKEN_MAX * 3];
	http_url u;
	sigv4_pair sh[1];
	sigv4_request sr;
	s3_op op;
	int n;

	if (expires < 1 || expires > 604800)
		return ERR(err, S3P_EUSAGE,
		    "--expires %lu: must be 1 to 604800 seconds (7 days)", expires);
	if (s->cred->anonymous)
		return ERR(err, S3P_EUSAGE, "presign needs credentials");
	op_init(&op, method, NULL, bucket, key);
	if (build_url(s, &op, &u, path, host, err) < 0)
		return -1;
	sigv4_format_time(s3p_now() + s->clock_offset, amz_date, stamp);
	sh[0] = (sigv4_pair){ "host", host };
	sr = (sigv4_request){ .method = method, .path = path, .headers = sh,
	    .nheaders = 1, .payload_hash = SIGV4_UNSIGNED_PAYLOAD };
	{
		sigv4_scope sc = {
			s->cred->access_key_id, s->cred->secret_access_key,
			s->cred->session_token, s->region, "s3", amz_date
		};
		if (sigv4_presign(&s->key, &sc, &sr, expires, q, sizeof q, NULL) < 0)
			return ERR(err, S3P_EUSAGE, "cannot presign s3://%s/%s",
			    bucket, key);
	}
	n = fmt_snprintf(out, outsz, "%s://%s%s?%s", u.https ? "https" : "http",
	    host, u.target, q);
	if (n < 0 || (size_t)n >= outsz)
		return ERR(err, S3P_EUSAGE, "presigned URL too long");
	return n;
}

/* ---------------------------------------------------------------- */
/* Resuming a multipart upload (s3.h: Resuming) */

#define RESUME_UPLOADS 16       /* uploads of one key looked at, at most */

typedef struct {
	char id[512];
	char initiated[40];     /* ISO 8601, UTC: sorts as text */
} upload_seen;

typedef struct {
	const char *key;
	upload_seen *up;
	unsigned n;
} uploads_ctx;

static int
upload_el(void *ctx, const char *el, size_t len, int url, s3p_err *err)
{
	uploads_ctx *u = ctx;
	char key[1100];
	upload_seen *us = &u->up[u->n];

	(void)url;              /* (ListObjectsV2's only) */
	(void)err;
	/* the listing is by prefix: this very key only */
	if (u->n == RESUME_UPLOADS ||
	    text_xml(el, len, "Key", key, sizeof key) != 1 ||
	    strcmp(key, u->key) != 0 ||
	    text_xml(el, len, "UploadId", us->id, sizeof us->id) != 1 ||
	    us->id[0] == '\0')
		return 0;
	if (text_xml(el, len, "Initiated", us->initiated,
	    sizeof us->initiated) != 1)
		us->initiated[0] = '\0';
	u->n++;
	return 0;
}

typedef struct {
	part_done *parts;
	unsigned nparts;
	uint64_t part_size, len;
	char (*checksum)[48];   /* the server's ChecksumSHA256 per part, or "" */
	unsigned listed;        /* parts of the right number and size */
	int beyond;             /* a part numbered past nparts was listed */
} parts_ctx;

static int
part_el(void *ctx, const char *el, size_t len, int url, s3p_err *err)
{
	parts_ctx *pc = ctx;
	char num[16], size[32], etag[sizeof pc->parts->etag], ck[48];
	uint64_t n, want, got;

	(void)url;              /* (ListObjectsV2's only) */
	if (text_xml(el, len, "PartNumber", num, sizeof num) != 1 ||
	    text_xml(el, len, "Size", size, sizeof size) != 1 ||
	    text_xml(el, len, "ETag", etag, sizeof etag) != 1)
		return 0;
	if (text_num(num, 10, &n) == NULL || n < 1)
		return 0;
	/* (radosgw refuses a Complete that leaves out a part it holds) */
	if (n > pc->nparts) {
		pc->beyond = 1;
		return 0;
	}
	want = pc->len - (n - 1) * pc->part_size < pc->part_size ?
	    pc->len - (n - 1) * pc->part_size : pc->part_size;
	if (text_num(size, 10, &got) == NULL || got != want)
		return 0;
	memcpy(pc->parts[n - 1].etag, etag, sizeof etag);
	pc->listed++;
	if (text_xml(el, len, "ChecksumSHA256", ck, sizeof ck) == 1 &&
	    ck[0] != '\0') {
		if (pc->checksum == NULL &&
		    (pc->checksum = calloc(pc->nparts, sizeof *pc->checksum)) == NULL)
			return ERR(err, S3P_EINPUT, "out of memory");
		memcpy(pc->checksum[n - 1], ck, sizeof ck);
	}
	return 0;
}

/*
 * The parts of upload `id` that hold what we would send now: kept (and
 * counted in s->resumed); the others cleared. Returns how many are kept.
 */
static int
keep_parts(s3_client *s, const s3_op *body, const char *id,
    uint64_t part_size, unsigned nparts, part_done *parts, s3p_err *err)
{
	static const list_kind list_parts = { "ListParts", "Part",
	    { "NextPartNumberMarker" }, { "part-number-marker" }, 1 };
	sigv4_pair q[2] = { { "uploadId", id } };
	parts_ctx pc = { parts, nparts, part_size, body->body_len, NULL, 0, 0 };
	int kept = 0;

	memset(parts, 0, nparts * sizeof *parts);
	if (list_all(s, &list_parts, body->bucket, body->key, q, 1, part_el, &pc,
	    err) < 0) {
		free(pc.checksum);
		return -1;
	}
	/* an upload of a larger archive (the tree shrank): its last parts
	 * could be neither completed nor left out, so none of it is kept */
	if (pc.beyond)
		pc.listed = 0;
	for (unsigned i = 0; i < nparts && pc.listed > 0; i++) {
		uint64_t off = (uint64_t)i * part_size;
		uint64_t plen = body->body_len - off < part_size ?
		    body->body_len - off : part_size;
		char got[48];
		unsigned char want[br_md5_SIZE], md5[br_md5_SIZE];
		int same;

		if (parts[i].etag[0] == '\0')
			continue;
		if (pc.checksum != NULL && pc.checksum[i][0] != '\0') {
			unsigned char d[SHA256_SIZE];
			if (hash_body(1, body->read, body->read_ctx, off, plen, NULL, d,
			    s->cancel, err) < 0)
				goto fail;
			text_base64(d, sizeof d, got);
			same = strcmp(got, pc.checksum[i]) == 0;
		} else {
			if (s3_etag_md5(parts[i].etag, want) != 0)
				same = 0;
			else if (part_md5(s, body, off, plen, md5, err) < 0)
				goto fail;
			else
				same = memcmp(md5, want, sizeof want) == 0;
		}
		if (same) {
			parts[i].kept = 1;
			s->resumed += plen;
			kept++;
		} else
			parts[i].etag[0] = '\0';
	}
	free(pc.checksum);
	return kept;
fail:
	free(pc.checksum);
	return -1;
}

static int
resume_find(s3_client *s, multipart *m, s3p_err *err)
{
	const s3_op *body = m->body;
	static const list_kind uploads = { "ListMultipartUploads", "Upload",
	    { "NextKeyMarker", "NextUploadIdMarker" },
	    { "key-marker", "upload-id-marker" }, 2 };
	sigv4_pair q[4] = { { "uploads", NULL }, { "prefix", body->key } };
	uploads_ctx u = { body->key, NULL, 0 };
	int chosen = -1, kept = 0;

	if ((u.up = malloc(RESUME_UPLOADS * sizeof *u.up)) == NULL)
		return ERR(err, S3P_EINPUT, "out of memory");
	if (list_all(s, &uploads, body->bucket, NULL, q, 2, upload_el, &u,
	    err) < 0)
		goto failed;
	/* newest first (insertion sort: a handful) */
	for (unsigned i = 1; i < u.n; i++)
		for (unsigned j = i; j > 0 && strcmp(u.up[j - 1].initiated,
		    u.up[j].initiated) < 0; j--) {
			upload_seen t = u.up[j];
			u.up[j] = u.up[j - 1];
			u.up[j - 1] = t;
		}
	/* an upload to look at: its parts are compared with the body's
	 * own, whose length a pending pass gives first */
	if (!s->rules.fresh && u.n > 0 && m->pending &&
	    mp_reach(m, UINT64_MAX, err) < 0)
		goto failed;
	for (unsigned i = 0; !s->rules.fresh && chosen < 0 && i < u.n; i++) {
		kept = keep_parts(s, body, u.up[i].id, m->part_size, m->nparts,
		    m->parts, err);
		if (kept < 0)
			goto failed;
		logf_(s, "multipart upload %s left open: %d of its parts hold "
		    "what we send", u.up[i].id, kept);
		if (kept > 0)
			chosen = (int)i;
	}
	if (chosen < 0)
		memset(m->parts, 0, m->nparts * sizeof *m->parts);
	/* --no-resume: every upload of the key goes; else the others, maybe
	 * another writer's, are left alone */
	for (unsigned i = 0; s->rules.fresh && i < u.n; i++) {
		s3p_err e;
		err_clear(&e);
		abort_upload(s, body->bucket, body->key, u.up[i].id, &e);
	}
	if (chosen >= 0) {
		fmt_snprintf(m->upload_id, sizeof m->upload_id, "%s",
		    u.up[chosen].id);
		logf_(s, "resuming multipart upload %s: %d of %u parts already "
		    "uploaded; it keeps its first run's object options",
		    m->upload_id, kept, m->nparts);
	}
	free(u.up);
	return chosen >= 0;
failed:
	/* 403: a policy without a listing's permission (README: Least IAM
	 * permissions) only means that nothing is resumed here */
	free(u.up);
	if (s->scratch->rs.status != 403)
		return -1;
	logf_(s, "%s: not resumed", err->msg);
	return 0;
}
