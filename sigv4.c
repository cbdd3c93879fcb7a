/*
 * sigv4.c: AWS Signature Version 4 ("Create a signed AWS API request",
 * AWS General Reference; S3 API Reference, "Signature Calculations for the
 * Authorization Header" and "Query String Authentication").
 *
 * Three layers, testable alone:
 *   - canonicalising: small emitters that write one field of the canonical
 *     request (URI, query, headers, signed headers) into a sink;
 *   - the sink: a running SHA-256 (the canonical request), a running HMAC
 *     (the string to sign), or a caller buffer (the outputs); the trace
 *     hook sees exactly what is hashed;
 *   - signing: sign() writes the canonical request and the string to sign
 *     field by field, in the spec's order, one line each.
 *
 * Sorting needs no memory: the next header (or query parameter) is found
 * by a scan for the smallest one greater than the last emitted. Requests
 * carry a handful of each, so the quadratic scan costs less than a malloc.
 */
#include "sigv4.h"

#include "clock.h"
#include "fmt.h"
#include "text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define NONE SIZE_MAX

static const char hexup[] = "0123456789ABCDEF";

static void
wipe(void *p, size_t n)
{
	memset(p, 0, n);
	__asm__ __volatile__("" : : "r"(p) : "memory");
}

/* RFC 3986 section 2.3, the only bytes AWS leaves unencoded */
static int
unreserved(unsigned char c)
{
	/* bit c: A-Z a-z 0-9 - . _ ~ */
	static const unsigned char set[16] = {
		0, 0, 0, 0, 0, 0x60, 0xff, 0x03,
		0xfe, 0xff, 0xff, 0x87, 0xfe, 0xff, 0xff, 0x47
	};

	return c < 128 && (set[c >> 3] >> (c & 7) & 1);
}

/* ---- the sink ---- */

struct sink {
	sha256_ctx *hash;            /* the canonical request goes here */
	hmac_sha256_ctx *mac;        /* the string to sign goes here */
	const sigv4_request *rq;     /* its trace hook, if any */
	int what;                    /* SIGV4_TRACE_* */
	char *buf;                   /* or a caller buffer */
	size_t cap;
	size_t len;                  /* bytes put so far, even past cap */
	size_t n;                    /* staged bytes */
	char stage[128];
};

static void
sink_init(struct sink *s)
{
	memset(s, 0, sizeof *s);
}

static void
flush(struct sink *s)
{
	if (s->n == 0)
		return;
	if (s->hash != NULL)
		sha256_update(s->hash, s->stage, s->n);
	if (s->mac != NULL)
		hmac_sha256_update(s->mac, s->stage, s->n);
	if (s->rq != NULL && s->rq->trace != NULL)
		s->rq->trace(s->rq->trace_arg, s->what, s->stage, s->n);
	s->n = 0;
}

static void
put(struct sink *s, const char *p, size_t n)
{
	size_t i, k;

	if (s->buf != NULL) {
		/* keep one byte for the NUL */
		for (i = 0; i < n; i++)
			if (s->len + i + 1 < s->cap)
				s->buf[s->len + i] = p[i];
		s->len += n;
		return;
	}
	s->len += n;
	while (n > 0) {
		k = sizeof s->stage - s->n;
		if (k > n)
			k = n;
		memcpy(s->stage + s->n, p, k);
		s->n += k;
		p += k;
		n -= k;
		if (s->n == sizeof s->stage)
			flush(s);
	}
}

static void
putch(struct sink *s, int c)
{
	char ch = (char)c;

	put(s, &ch, 1);
}

static void
putstr(struct sink *s, const char *str)
{
	put(s, str, strlen(str));
}

/* Ends a buffer sink: NUL-terminates; the length, or -1 when it overflowed. */
static int
sink_end(struct sink *s)
{
	if (s->cap > 0)
		s->buf[s->len < s->cap ? s->len : s->cap - 1] = '\0';
	if (s->len >= s->cap || s->len > INT32_MAX)
		return -1;
	return (int)s->len;
}

/* ---- encoding ---- */

static void
put_pct(struct sink *s, unsigned char c)
{
	char e[3];

	e[0] = '%';
	e[1] = hexup[c >> 4];
	e[2] = hexup[c & 15];
	put(s, e, 3);
}

/* How put_encoded writes: '/' kept as is, lower-cased first, not encoded */
enum { E_SLASH = 1, E_LOWER = 2, E_RAW = 4 };

static void
put_encoded_n(struct sink *s, const char *p, size_t n, int how)
{
	unsigned char c;

	for (; n > 0; n--, p++) {
		c = (unsigned char)*p;
		if (how & E_LOWER)
			c = (unsigned char)text_lower(c);
		if ((how & E_RAW) || unreserved(c) || (c == '/' && (how & E_SLASH)))
			putch(s, c);
		else
			put_pct(s, c);
	}
}

static void
put_encoded(struct sink *s, const char *str, int how)
{
	put_encoded_n(s, str, strlen(str), how);
}

/* A header name lower-cased, and encoded too when it goes in a query value. */
static void
put_name(struct sink *s, const char *name, int encode)
{
	put_encoded(s, name, encode ? E_LOWER : E_LOWER | E_RAW);
}

/* Reads a string as uri_encode(str, encode_slash = 1) would write it. */
struct enc_iter {
	const unsigned char *p;
	char pend[2];
	int npend;
};

static int
enc_next(struct enc_iter *it)
{
	unsigned char c;

	if (it->npend > 0) {
		c = (unsigned char)it->pend[2 - it->npend];
		it->npend--;
		return c;
	}
	if (*it->p == '\0')
		return -1;
	c = *it->p++;
	if (unreserved(c))
		return c;
	it->pend[0] = hexup[c >> 4];
	it->pend[1] = hexup[c & 15];
	it->npend = 2;
	return '%';
}

/* Compares the encodings of a and b: the canonical query sorts by those. */
static int
enc_cmp(const char *a, const char *b)
{
	struct enc_iter ia = { (const unsigned char *)a, { 0, 0 }, 0 };
	struct enc_iter ib = { (const unsigned char *)b, { 0, 0 }, 0 };
	int ca, cb;

	do {
		ca = enc_next(&ia);
		cb = enc_next(&ib);
		if (ca != cb)
			return ca < cb ? -1 : 1;
	} while (ca != -1);
	return 0;
}

static const char *
val(const char *v)
{
	return v != NULL ? v : "";
}

/* ---- CanonicalURI ---- */

static int
is_dot(const char *seg, size_t n)
{
	return n == 1 && seg[0] == '.';
}

static int
is_dotdot(const char *seg, size_t n)
{
	return n == 2 && seg[0] == '.' && seg[1] == '.';
}

/*
 * Whether a segment followed by the path p[0..end) survives RFC 3986
 * section 5.2.4: it dies when a later ".." finds no surviving segment
 * between them to remove instead.
 */
static int
survives(const char *p, const char *end)
{
	const char *q;
	size_t depth = 0;

	while (p < end) {
		while (p < end && *p == '/')
			p++;
		for (q = p; q < end && *q != '/'; q++)
			;
		if (q == p || is_dot(p, (size_t)(q - p))) {
			/* empty or ".": neither counts nor removes */
		} else if (is_dotdot(p, (size_t)(q - p))) {
			if (depth == 0)
				return 0;
			depth--;
		} else {
			depth++;
		}
		p = q;
	}
	return 1;
}

/*
 * Other services: dot segments removed, empty segments dropped, a trailing
 * '/' kept (also after a final "." or ".."), then each segment encoded.
 */
static void
put_normalized_path(struct sink *s, const char *path)
{
	const char *p = path, *end = path + strlen(path), *q;
	int any = 0, trailing = 0;
	size_t n;

	putch(s, '/');
	while (p < end) {
		while (p < end && *p == '/')
			p++;
		for (q = p; q < end && *q != '/'; q++)
			;
		n = (size_t)(q - p);
		if (n > 0) {
			trailing = is_dot(p, n) || is_dotdot(p, n);
			if (!trailing && survives(q, end)) {
				if (any)
					putch(s, '/');
				put_encoded_n(s, p, n, 0);
				any = 1;
			}
		}
		p = q;
	}
	if (any && (trailing || end[-1] == '/'))
		putch(s, '/');
}

static void
put_canonical_uri(struct sink *s, const sigv4_request *rq)
{
	if (rq->normalize)
		put_normalized_path(s, rq->path);
	else if (rq->path[0] == '\0')
		putch(s, '/');
	else
		put_encoded(s, rq->path, E_SLASH);   /* S3: encoded once, as is */
}

/* ---- CanonicalHeaders and SignedHeaders ---- */

/* The caller's headers, plus what the header form adds. */
struct hdrs {
	const sigv4_pair *h;
	size_t n;
	sigv4_pair extra[2];
	size_t nextra;
};

static const sigv4_pair *
hdr_at(const struct hdrs *hs, size_t i)
{
	return i < hs->n ? &hs->h[i] : &hs->extra[i - hs->n];
}

static int
has_token(const sigv4_scope *sc)
{
	return sc->session_token != NULL && sc->session_token[0] != '\0';
}

static int
listed(const struct hdrs *hs, const char *name)
{
	size_t i;

	for (i = 0; i < hs->n; i++)
		if (strcasecmp(hs->h[i].name, name) == 0)
			return 1;
	return 0;
}

static void
hdrs_init(struct hdrs *hs, const sigv4_scope *sc, const sigv4_request *rq,
    int presign)
{
	hs->h = rq->headers;
	hs->n = rq->nheaders;
	hs->nextra = 0;
	if (presign)
		return;
	if (!listed(hs, "x-amz-date")) {
		hs->extra[hs->nextra].name = "x-amz-date";
		hs->extra[hs->nextra++].value = sc->amz_date;
	}
	if (has_token(sc) && !rq->omit_session_token &&
	    !listed(hs, "x-amz-security-token")) {
		hs->extra[hs->nextra].name = "x-amz-security-token";
		hs->extra[hs->nextra++].value = sc->session_token;
	}
}

/* The header with the smallest name above prev (NULL: the smallest). */
static size_t
hdr_next(const struct hdrs *hs, const char *prev)
{
	size_t i, best = NONE;
	const char *name;

	for (i = 0; i < hs->n + hs->nextra; i++) {
		name = hdr_at(hs, i)->name;
		if (prev != NULL && strcasecmp(name, prev) <= 0)
			continue;
		if (best == NONE || strcasecmp(name, hdr_at(hs, best)->name) < 0)
			best = i;
	}
	return best;
}

/* Trimmed, inner runs of blanks as one space (folded lines included). */
static void
put_trimmed(struct sink *s, const char *v)
{
	int started = 0, pending = 0;

	for (; *v; v++) {
		if (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') {
			pending = started;
			continue;
		}
		if (pending)
			putch(s, ' ');
		pending = 0;
		started = 1;
		putch(s, *v);
	}
}

/* name:value\n per distinct name, sorted; repeats joined in given order */
static void
put_canonical_headers(struct sink *s, const struct hdrs *hs)
{
	const char *prev = NULL;
	size_t i, j;
	int first;

	while ((i = hdr_next(hs, prev)) != NONE) {
		prev = hdr_at(hs, i)->name;
		put_name(s, prev, 0);
		putch(s, ':');
		first = 1;
		for (j = 0; j < hs->n + hs->nextra; j++) {
			if (strcasecmp(hdr_at(hs, j)->name, prev) != 0)
				continue;
			if (!first)
				putch(s, ',');
			put_trimmed(s, val(hdr_at(hs, j)->value));
			first = 0;
		}
		putch(s, '\n');
	}
}

/* a;b;c (encode: a%3Bb%3Bc, for the X-Amz-SignedHeaders value) */
static void
put_signed_headers(struct sink *s, const struct hdrs *hs, int encode)
{
	const char *prev = NULL;
	size_t i;

	while ((i = hdr_next(hs, prev)) != NONE) {
		if (prev != NULL)
			putstr(s, encode ? "%3B" : ";");
		prev = hdr_at(hs, i)->name;
		put_name(s, prev, encode);
	}
}

/* ---- CanonicalQueryString ---- */

/* The parameters of the query form, in the order of the canonical query. */
enum {
	QP_ALGORITHM, QP_CREDENTIAL, QP_DATE, QP_EXPIRES, QP_TOKEN,
	QP_SIGNED_HEADERS, QP_SIGNATURE, QP_COUNT
};

static const char *const qp_name[QP_COUNT] = {
	"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	"X-Amz-Security-Token", "X-Amz-SignedHeaders", "X-Amz-Signature"
};

struct qform {
	const sigv4_scope *sc;
	const struct hdrs *hs;
	unsigned long expires;
	const char *sig;
	int token;            /* X-Amz-Security-Token is signed */
};

/* DATE/REGION/SERVICE/aws4_request (encode: with %2F, for a query value) */
static void
put_scope(struct sink *s, const sigv4_scope *sc, int encode)
{
	const char *slash = encode ? "%2F" : "/";

	put(s, sc->amz_date, 8);
	putstr(s, slash);
	put_encoded(s, sc->region, 0);
	putstr(s, slash);
	put_encoded(s, sc->service, 0);
	putstr(s, slash);
	putstr(s, "aws4_request");
}

static void
put_qvalue(struct sink *s, int which, const struct qform *q)
{
	char num[24];

	switch (which) {
	case QP_ALGORITHM:
		putstr(s, SIGV4_ALGORITHM);
		break;
	case QP_CREDENTIAL:
		put_encoded(s, q->sc->access_key, 0);
		putstr(s, "%2F");
		put_scope(s, q->sc, 1);
		break;
	case QP_DATE:
		putstr(s, q->sc->amz_date);   /* checked: digits, T, Z */
		break;
	case QP_EXPIRES:
		fmt_snprintf(num, sizeof num, "%lu", q->expires);
		putstr(s, num);
		break;
	case QP_TOKEN:
		put_encoded(s, q->sc->session_token, 0);
		break;
	case QP_SIGNED_HEADERS:
		put_signed_headers(s, q->hs, 1);
		break;
	case QP_SIGNATURE:
		putstr(s, q->sig);
		break;
	}
}

static void
put_qparam(struct sink *s, int which, const struct qform *q)
{
	putstr(s, qp_name[which]);
	putch(s, '=');
	put_qvalue(s, which, q);
}

/* Order of the caller's parameters: encoded name, encoded value, index. */
static int
qcmp(const sigv4_pair *qs, size_t i, size_t j)
{
	int c = enc_cmp(qs[i].name, qs[j].name);

	if (c == 0)
		c = enc_cmp(val(qs[i].value), val(qs[j].value));
	if (c == 0 && i != j)
		c = i < j ? -1 : 1;
	return c;
}

/* The caller's parameters merged with the query form's (q may be NULL). */
static void
put_canonical_query(struct sink *s, const sigv4_request *rq,
    const struct qform *q)
{
	const sigv4_pair *qs = rq->query;
	size_t i, best, prev = NONE, vi = 0, nv = q != NULL ? QP_SIGNATURE : 0;
	int first = 1;

	for (;;) {
		best = NONE;
		for (i = 0; i < rq->nquery; i++)
			if ((prev == NONE || qcmp(qs, i, prev) > 0) &&
			    (best == NONE || qcmp(qs, i, best) < 0))
				best = i;
		/*
		 * The query form's names are unreserved (their own encoding)
		 * and in canonical order up to the signature, which is not
		 * signed; nor is the token, unless q->token.
		 */
		for (; vi < nv && (best == NONE ||
		    enc_cmp(qp_name[vi], qs[best].name) < 0); vi++) {
			if (vi == QP_TOKEN && !q->token)
				continue;
			if (!first)
				putch(s, '&');
			put_qparam(s, (int)vi, q);
			first = 0;
		}
		if (best == NONE)
			break;
		if (!first)
			putch(s, '&');
		put_encoded(s, qs[best].name, 0);
		putch(s, '=');
		put_encoded(s, val(qs[best].value), 0);
		first = 0;
		prev = best;
	}
}

/* ---- checks ---- */

/* The one parser of this form lives in clock.c (it reads S3PUB_FAKE_TIME). */
int
sigv4_parse_time(const char *s, time_t *t)
{
	time_t v;

	if (s == NULL || s3p_parse_amz_time(s, &v) < 0)
		return -1;
	if (t != NULL)
		*t = v;
	return 0;
}

void
sigv4_format_time(time_t t, char amz_date[17], char date_stamp[9])
{
	s3p_utc u;
	char buf[64];

	/* a year past 9999 has no amz_date; such a clock is broken anyway */
	if (s3p_time_to_utc(t, &u) < 0 ||
	    fmt_snprintf(buf, sizeof buf, "%04d%02d%02dT%02d%02d%02dZ",
	    u.year, u.month, u.day, u.hour, u.min, u.sec) != 16)
		strcpy(buf, "19700101T000000Z");
	if (amz_date != NULL)
		memcpy(amz_date, buf, 17);
	if (date_stamp != NULL) {
		memcpy(date_stamp, buf, 8);
		date_stamp[8] = '\0';
	}
}

static int
scope_ok(const sigv4_scope *sc)
{
	return sc != NULL && sc->access_key != NULL && sc->secret_key != NULL &&
	    sc->region != NULL && sc->service != NULL &&
	    sigv4_parse_time(sc->amz_date, NULL) == 0;
}

static int
request_ok(const sigv4_request *rq)
{
	size_t i;

	if (rq == NULL || rq->method == NULL || rq->path == NULL ||
	    rq->payload_hash == NULL || (rq->nquery > 0 && rq->query == NULL) ||
	    (rq->nheaders > 0 && rq->headers == NULL))
		return 0;
	for (i = 0; i < rq->nquery; i++)
		if (rq->query[i].name == NULL)
			return 0;
	for (i = 0; i < rq->nheaders; i++)
		if (rq->headers[i].name == NULL)
			return 0;
	return 1;
}

/* ---- the signing key ---- */

void
sigv4_key_init(sigv4_key *k)
{
	memset(k, 0, sizeof *k);
}

void
sigv4_key_wipe(sigv4_key *k)
{
	wipe(k, sizeof *k);
}

int
sigv4_key_update(sigv4_key *k, const sigv4_scope *sc)
{
	unsigned char tag[SHA256_SIZE], mid[SHA256_SIZE];
	unsigned char k0[64];
	const char *part[5];
	size_t len[5], n;
	sha256_ctx h;
	int i;

	if (k == NULL || !scope_ok(sc))
		return -1;
	/* the HMAC chain's messages; the secret keys the first */
	part[0] = sc->secret_key;
	part[1] = sc->amz_date;
	part[2] = sc->region;
	part[3] = sc->service;
	part[4] = "aws4_request";
	for (i = 0; i < 5; i++)
		len[i] = i == 1 ? 8 : strlen(part[i]);
	/* NUL-separated: no two different scopes hash alike */
	sha256_init(&h);
	for (i = 0; i < 4; i++)
		sha256_update(&h, part[i], len[i] + (i != 1));
	sha256_final(&h, tag);
	wipe(&h, sizeof h);
	if (k->valid && memcmp(tag, k->tag, sizeof tag) == 0)
		return 0;

	/* kSecret = "AWS4" + secret; hashed first when above the block size */
	n = len[0];
	if (n <= sizeof k0 - 4) {
		memcpy(k0, "AWS4", 4);
		memcpy(k0 + 4, sc->secret_key, n);
		n += 4;
	} else {
		sha256_init(&h);
		sha256_update(&h, "AWS4", 4);
		sha256_update(&h, sc->secret_key, n);
		sha256_final(&h, k0);
		wipe(&h, sizeof h);
		n = SHA256_SIZE;
	}
	/* kDate, kRegion, kService, then kSigning: each keys the next */
	hmac_sha256(k0, n, part[1], len[1], mid);
	for (i = 2; i < 5; i++)
		hmac_sha256(mid, sizeof mid, part[i], len[i], i < 4 ? mid : k->key);
	hmac_sha256_init(&k->mac, k->key, sizeof k->key);
	memcpy(k->tag, tag, sizeof tag);
	k->valid = 1;
	k->derivations++;
	wipe(k0, sizeof k0);
	wipe(mid, sizeof mid);
	return 0;
}

/* ---- signing ---- */

/*
 * The canonical request, hashed; then the string to sign, MACed with the
 * signing key. Each line mirrors a field of the spec.
 */
static void
sign(const sigv4_key *k, const sigv4_scope *sc, const sigv4_request *rq,
    const struct hdrs *hs, const struct qform *q, char sig[65], char *copy)
{
	struct sink s;
	sha256_ctx h;
	hmac_sha256_ctx mac;
	unsigned char d[SHA256_SIZE];
	char hex[65];

	sink_init(&s);
	sha256_init(&h);
	s.hash = &h;
	s.rq = rq;
	s.what = SIGV4_TRACE_CANONICAL_REQUEST;
	putstr(&s, rq->method);                 /* HTTPRequestMethod */
	putch(&s, '\n');
	put_canonical_uri(&s, rq);              /* CanonicalURI */
	putch(&s, '\n');
	put_canonical_query(&s, rq, q);         /* CanonicalQueryString */
	putch(&s, '\n');
	put_canonical_headers(&s, hs);          /* CanonicalHeaders, each \n */
	putch(&s, '\n');
	put_signed_headers(&s, hs, 0);          /* SignedHeaders */
	putch(&s, '\n');
	putstr(&s, rq->payload_hash);           /* HashedPayload */
	flush(&s);
	sha256_final(&h, d);
	sha256_hex(d, hex);

	sink_init(&s);
	mac = k->mac;
	s.mac = &mac;
	s.rq = rq;
	s.what = SIGV4_TRACE_STRING_TO_SIGN;
	putstr(&s, SIGV4_ALGORITHM);            /* Algorithm */
	putch(&s, '\n');
	putstr(&s, sc->amz_date);               /* RequestDateTime */
	putch(&s, '\n');
	put_scope(&s, sc, 0);                   /* CredentialScope */
	putch(&s, '\n');
	putstr(&s, hex);                        /* HashedCanonicalRequest */
	flush(&s);
	hmac_sha256_final(&mac, d);
	sha256_hex(d, sig);
	wipe(&mac, sizeof mac);
	if (copy != NULL)
		memcpy(copy, sig, 65);
}

/* The checks and the key of a signing call, whose output starts empty. */
static int
sign_start(sigv4_key *k, const sigv4_scope *sc, const sigv4_request *rq,
    struct sink *s, char *out, size_t outsz)
{
	sink_init(s);
	s->buf = out;
	s->cap = outsz;
	if (outsz > 0)
		out[0] = '\0';
	return request_ok(rq) && sigv4_key_update(k, sc) == 0 ? 0 : -1;
}

int
sigv4_sign_header(sigv4_key *k, const sigv4_scope *sc,
    const sigv4_request *rq, char *auth, size_t authsz, char sig[65])
{
	struct hdrs hs;
	struct sink s;
	char mysig[65];

	if (sign_start(k, sc, rq, &s, auth, authsz) != 0)
		return -1;
	hdrs_init(&hs, sc, rq, 0);
	sign(k, sc, rq, &hs, NULL, mysig, sig);
	putstr(&s, SIGV4_ALGORITHM " Credential=");
	putstr(&s, sc->access_key);
	putch(&s, '/');
	put_scope(&s, sc, 0);
	putstr(&s, ", SignedHeaders=");
	put_signed_headers(&s, &hs, 0);
	putstr(&s, ", Signature=");
	putstr(&s, mysig);
	return sink_end(&s);
}

int
sigv4_presign(sigv4_key *k, const sigv4_scope *sc,
    const sigv4_request *rq, unsigned long expires,
    char *out, size_t outsz, char sig[65])
{
	/* the order of AWS's own signers' URLs; the canonical one differs */
	static const unsigned char url_order[] = {
		QP_ALGORITHM, QP_CREDENTIAL, QP_DATE, QP_SIGNED_HEADERS,
		QP_EXPIRES, QP_TOKEN, QP_SIGNATURE
	};
	struct hdrs hs;
	struct qform q;
	struct sink s;
	char mysig[65];
	size_t i;
	int j;

	if (sign_start(k, sc, rq, &s, out, outsz) != 0 || expires == 0 ||
	    expires > 604800)
		return -1;
	for (i = 0; i < rq->nquery; i++)
		for (j = 0; j < QP_COUNT; j++)
			if (strcmp(rq->query[i].name, qp_name[j]) == 0)
				return -1;
	hdrs_init(&hs, sc, rq, 1);
	q.sc = sc;
	q.hs = &hs;
	q.expires = expires;
	q.sig = mysig;
	q.token = has_token(sc) && !rq->omit_session_token;
	sign(k, sc, rq, &hs, &q, mysig, sig);
	for (i = 0; i < sizeof url_order; i++) {
		/* the token travels even when left out of the signature */
		if (url_order[i] == QP_TOKEN && !has_token(sc))
			continue;
		if (i > 0)
			putch(&s, '&');
		put_qparam(&s, url_order[i], &q);
	}
	return sink_end(&s);
}

int
sigv4_signed_headers(const sigv4_scope *sc, const sigv4_request *rq,
    int presign, char *out, size_t outsz)
{
	struct hdrs hs;
	struct sink s;

	if (outsz > 0)
		out[0] = '\0';
	if (!request_ok(rq) || !scope_ok(sc))
		return -1;
	hdrs_init(&hs, sc, rq, presign);
	sink_init(&s);
	s.buf = out;
	s.cap = outsz;
	put_signed_headers(&s, &hs, 0);
	return sink_end(&s);
}

int
sigv4_chunk_sign(sigv4_key *k, const sigv4_scope *sc,
    const char *prev_sig, const unsigned char chunk_sha256[SHA256_SIZE],
    char sig[65])
{
	struct sink s;
	hmac_sha256_ctx mac;
	unsigned char d[SHA256_SIZE];
	char hex[65];

	if (prev_sig == NULL || strlen(prev_sig) != 64 ||
	    sigv4_key_update(k, sc) != 0)
		return -1;
	sha256_hex(chunk_sha256, hex);
	sink_init(&s);
	mac = k->mac;
	s.mac = &mac;
	putstr(&s, "AWS4-HMAC-SHA256-PAYLOAD\n");    /* Algorithm */
	putstr(&s, sc->amz_date);                    /* RequestDateTime */
	putch(&s, '\n');
	put_scope(&s, sc, 0);                        /* CredentialScope */
	putch(&s, '\n');
	putstr(&s, prev_sig);                        /* previous signature */
	putch(&s, '\n');
	putstr(&s, SIGV4_EMPTY_SHA256);              /* hash of no headers */
	putch(&s, '\n');
	putstr(&s, hex);                             /* hash of the chunk */
	flush(&s);
	hmac_sha256_final(&mac, d);
	sha256_hex(d, sig);
	wipe(&mac, sizeof mac);
	return 0;
}

int
sigv4_uri_encode(const char *src, char *out, size_t outsz, int encode_slash)
{
	struct sink s;

	sink_init(&s);
	s.buf = out;
	s.cap = outsz;
	put_encoded(&s, src, encode_slash ? 0 : E_SLASH);
	return sink_end(&s);
}
