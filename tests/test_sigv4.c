/*
 * test_sigv4.c: sigv4.c against
 *   - every case of the AWS SigV4 test suite (tests/data/sigv4-suite, from
 *     awslabs/aws-c-auth): canonical request, string to sign, signature and
 *     Authorization header / presigned request line, byte for byte, in the
 *     header form and in the query form;
 *   - Amazon's aws-chunked example (tests/data/s3-chunked-signing-example.md):
 *     the seed signature and the three chunk signatures;
 *   - the signing key of AWS's "derive a signing key" example, its caching;
 *   - URI encoding, path normalisation, query and header canonicalisation
 *     edge cases, time formatting, and the failure returns.
 * botocore is a second oracle: tests/t_sigv4_botocore.sh.
 */
#include "sigv4.h"
#include "unit.h"

#include <dirent.h>
#include <stdint.h>

#define MAXH 32
#define MAXQ 32

/* ---- small helpers ---- */

static char *
slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap * 2 + 8192;
			buf = realloc(buf, cap);
			if (buf == NULL)
				abort();
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/* Shows a multi-line text on one line of the report. */
static const char *
oneline(const char *s, char *out, size_t outsz)
{
	size_t o = 0;

	for (; s != NULL && *s && o + 3 < outsz; s++) {
		if (*s == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
	return out;
}

/* What the trace hook saw. */
struct capture {
	char creq[8192];
	size_t ncreq;
	char sts[1024];
	size_t nsts;
};

static void
trace(void *arg, int what, const char *data, size_t len)
{
	struct capture *c = arg;
	char *buf = what == SIGV4_TRACE_CANONICAL_REQUEST ? c->creq : c->sts;
	size_t *n = what == SIGV4_TRACE_CANONICAL_REQUEST ? &c->ncreq : &c->nsts;
	size_t cap = what == SIGV4_TRACE_CANONICAL_REQUEST ? sizeof c->creq : sizeof c->sts;

	if (*n + len < cap) {
		memcpy(buf + *n, data, len);
		*n += len;
		buf[*n] = '\0';
	}
}

static void
capture_reset(struct capture *c)
{
	c->ncreq = c->nsts = 0;
	c->creq[0] = c->sts[0] = '\0';
}

/* ---- the suite's files ---- */

/* The value of "key" in a flat JSON text (strings, numbers, booleans). */
static int
json_get(const char *json, const char *key, char *out, size_t outsz)
{
	char pat[80];
	const char *p;
	size_t o = 0;

	snprintf(pat, sizeof pat, "\"%s\"", key);
	p = strstr(json, pat);
	if (p == NULL)
		return -1;
	p += strlen(pat);
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p++ != ':')
		return -1;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			if (o + 1 < outsz)
				out[o++] = *p;
		}
	} else {
		for (; *p && *p != ',' && *p != '}' && *p != '\n' && *p != ' '; p++)
			if (o + 1 < outsz)
				out[o++] = *p;
	}
	out[o] = '\0';
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..n) into a new string ('+' is not a space in AWS). */
static char *
pct_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1);
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return out;
}

static char *
dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

struct parsed {
	char method[16];
	char *target;            /* as in the request line: path[?query] */
	char *path;
	sigv4_pair q[MAXQ];
	size_t nq;
	sigv4_pair h[MAXH + 1];  /* +1: room for x-amz-content-sha256 */
	size_t nh;
	const char *body;
	size_t nbody;
};

static void
parsed_free(struct parsed *r)
{
	size_t i;

	free(r->target);
	free(r->path);
	for (i = 0; i < r->nq; i++) {
		free((char *)r->q[i].name);
		free((char *)r->q[i].value);
	}
	for (i = 0; i < r->nh; i++) {
		free((char *)r->h[i].name);
		free((char *)r->h[i].value);
	}
}

/*
 * request.txt: "METHOD TARGET HTTP/1.1", then "Name:value" lines (a line
 * starting with a blank continues the value), then an empty line and the
 * body. The target may hold spaces: it ends at the last " HTTP/".
 */
static int
parse_request(char *text, size_t len, struct parsed *r)
{
	char *p = text, *end = text + len, *eol, *sp, *http, *colon, *qs, *amp, *eq;
	size_t n;

	memset(r, 0, sizeof *r);
	eol = memchr(p, '\n', (size_t)(end - p));
	if (eol == NULL)
		eol = end;
	sp = memchr(p, ' ', (size_t)(eol - p));
	if (sp == NULL || (size_t)(sp - p) >= sizeof r->method)
		return -1;
	memcpy(r->method, p, (size_t)(sp - p));
	for (http = NULL, qs = sp; (qs = strstr(qs + 1, " HTTP/")) != NULL && qs < eol;)
		http = qs;
	if (http == NULL)
		return -1;
	r->target = dupn(sp + 1, (size_t)(http - sp - 1));
	qs = strchr(r->target, '?');
	r->path = dupn(r->target, qs != NULL ? (size_t)(qs - r->target) : strlen(r->target));
	for (qs = qs != NULL ? qs + 1 : NULL; qs != NULL && *qs; qs = amp != NULL ? amp + 1 : NULL) {
		amp = strchr(qs, '&');
		n = amp != NULL ? (size_t)(amp - qs) : strlen(qs);
		if (n == 0)
			continue;
		if (r->nq == MAXQ)
			return -1;
		eq = memchr(qs, '=', n);
		if (eq != NULL) {
			r->q[r->nq].name = pct_decode(qs, (size_t)(eq - qs));
			r->q[r->nq].value = pct_decode(eq + 1, n - (size_t)(eq - qs) - 1);
		} else {
			r->q[r->nq].name = pct_decode(qs, n);
			r->q[r->nq].value = NULL;
		}
		r->nq++;
	}
	p = eol < end ? eol + 1 : end;
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		n = (size_t)(eol - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0) {   /* the empty line: the body follows */
			p = eol < end ? eol + 1 : end;
			break;
		}
		if ((*p == ' ' || *p == '\t') && r->nh > 0) {
			/* a folded line: the value goes on after a space */
			char *v = (char *)r->h[r->nh - 1].value;
			size_t vl = strlen(v);
			v = realloc(v, vl + 1 + n + 1);
			v[vl] = ' ';
			memcpy(v + vl + 1, p, n);
			v[vl + 1 + n] = '\0';
			r->h[r->nh - 1].value = v;
		} else {
			colon = memchr(p, ':', n);
			if (colon == NULL || r->nh == MAXH)
				return -1;
			r->h[r->nh].name = dupn(p, (size_t)(colon - p));
			r->h[r->nh].value = dupn(colon + 1, n - (size_t)(colon - p) - 1);
			r->nh++;
		}
		p = eol < end ? eol + 1 : end;
	}
	r->body = p;
	r->nbody = (size_t)(end - p);
	return 0;
}

static char *
case_file(const char *dir, const char *name, const char *file, size_t *len)
{
	char path[1024];

	snprintf(path, sizeof path, "%s/%s/%s", dir, name, file);
	return slurp(path, len);
}

/* The line of text that starts with prefix, without its newline. */
static char *
line_with(const char *text, const char *prefix)
{
	const char *p = text, *eol;

	while (p != NULL && *p) {
		eol = strchr(p, '\n');
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return dupn(p, eol != NULL ? (size_t)(eol - p) : strlen(p));
		p = eol != NULL ? eol + 1 : NULL;
	}
	return NULL;
}

/* Compares one expected file; records the first difference in why. */
static void
expect(const char *got, const char *want, const char *what, char *why, size_t whysz)
{
	char g[600], w[600];

	if (why[0] != '\0' || want == NULL)
		return;
	if (got == NULL || strcmp(got, want) != 0)
		snprintf(why, whysz, "%s: got \"%s\", want \"%s\"", what,
		    oneline(got, g, sizeof g), oneline(want, w, sizeof w));
}

static void
run_case(const char *dir, const char *name, int presign)
{
	static const char *const files[2][4] = {
		{ "header-canonical-request.txt", "header-string-to-sign.txt",
		  "header-signature.txt", "header-signed-request.txt" },
		{ "query-canonical-request.txt", "query-string-to-sign.txt",
		  "query-signature.txt", "query-signed-request.txt" },
	};
	const char *form = presign ? "query" : "header";
	char *ctx, *req, *want[4], *wline = NULL, *gline = NULL;
	char ak[128], sk[128], token[1024], region[64], service[64], ts[64];
	char amz[17], norm[16], body[16], expires[32], omit[16];
	char missing[256] = "", why[2048] = "", out[4096], sig[65], hash[65];
	unsigned char d[SHA256_SIZE];
	struct parsed r;
	struct capture cap;
	sigv4_key key;
	sigv4_scope sc;
	sigv4_request rq;
	size_t len, i, o;
	int n;

	ctx = case_file(dir, name, "context.json", NULL);
	req = case_file(dir, name, "request.txt", &len);
	if (ctx == NULL || req == NULL) {
		t_ok(0, "sigv4 suite %s (%s): no context.json or request.txt", name, form);
		free(ctx);
		free(req);
		return;
	}
	for (i = 0; i < 4; i++) {
		want[i] = case_file(dir, name, files[presign][i], NULL);
		if (want[i] == NULL)
			snprintf(missing + strlen(missing), sizeof missing - strlen(missing),
			    " %s", files[presign][i]);
	}
	if (missing[0] != '\0')
		t_skip("sigv4 suite %s (%s): missing%s", name, form, missing);
	if (want[0] == NULL && want[1] == NULL && want[2] == NULL && want[3] == NULL)
		goto done;

	token[0] = omit[0] = '\0';
	if (json_get(ctx, "access_key_id", ak, sizeof ak) != 0 ||
	    json_get(ctx, "secret_access_key", sk, sizeof sk) != 0 ||
	    json_get(ctx, "region", region, sizeof region) != 0 ||
	    json_get(ctx, "service", service, sizeof service) != 0 ||
	    json_get(ctx, "timestamp", ts, sizeof ts) != 0 ||
	    json_get(ctx, "normalize", norm, sizeof norm) != 0 ||
	    json_get(ctx, "sign_body", body, sizeof body) != 0 ||
	    json_get(ctx, "expiration_in_seconds", expires, sizeof expires) != 0 ||
	    parse_request(req, len, &r) != 0) {
		t_ok(0, "sigv4 suite %s (%s): cannot parse context.json or request.txt", name, form);
		goto done;
	}
	json_get(ctx, "token", token, sizeof token);
	json_get(ctx, "omit_session_token", omit, sizeof omit);
	/* 2015-08-30T12:36:00Z -> 20150830T123600Z */
	for (i = o = 0; ts[i] && o < 16; i++)
		if (ts[i] != '-' && ts[i] != ':')
			amz[o++] = ts[i];
	amz[o] = '\0';

	/* sign_body: the body's hash, and (header form) x-amz-content-sha256 */
	strcpy(hash, SIGV4_EMPTY_SHA256);
	if (strcmp(body, "true") == 0) {
		sha256(r.body, r.nbody, d);
		sha256_hex(d, hash);
		if (!presign) {
			r.h[r.nh].name = strdup("x-amz-content-sha256");
			r.h[r.nh++].value = strdup(hash);
		}
	}

	sc.access_key = ak;
	sc.secret_key = sk;
	sc.session_token = token[0] ? token : NULL;
	sc.region = region;
	sc.service = service;
	sc.amz_date = amz;
	memset(&rq, 0, sizeof rq);
	rq.method = r.method;
	rq.path = r.path;
	rq.query = r.q;
	rq.nquery = r.nq;
	rq.headers = r.h;
	rq.nheaders = r.nh;
	rq.payload_hash = hash;
	rq.normalize = strcmp(norm, "true") == 0;
	rq.omit_session_token = strcmp(omit, "true") == 0;
	rq.trace = trace;
	rq.trace_arg = &cap;
	capture_reset(&cap);
	sigv4_key_init(&key);
	if (presign)
		n = sigv4_presign(&key, &sc, &rq, strtoul(expires, NULL, 10),
		    out, sizeof out, sig);
	else
		n = sigv4_sign_header(&key, &sc, &rq, out, sizeof out, sig);
	if (n < 0) {
		t_ok(0, "sigv4 suite %s (%s): signing failed", name, form);
		goto free;
	}
	if (presign) {
		/* the request line: the original target, then our parameters */
		size_t gl = strlen(r.method) + strlen(r.target) + strlen(out) + 32;
		gline = malloc(gl);
		snprintf(gline, gl, "%s %s%c%s HTTP/1.1", r.method, r.target,
		    strchr(r.target, '?') != NULL ? '&' : '?', out);
		if (want[3] != NULL) {
			char *eol = strchr(want[3], '\n');
			wline = dupn(want[3], eol != NULL ? (size_t)(eol - want[3]) : strlen(want[3]));
		}
	} else {
		size_t gl = strlen(out) + 32;
		gline = malloc(gl);
		snprintf(gline, gl, "Authorization:%s", out);
		if (want[3] != NULL)
			wline = line_with(want[3], "Authorization:");
		if (want[3] != NULL && wline == NULL)
			snprintf(why, sizeof why, "no Authorization line in %s", files[0][3]);
	}
	expect(cap.creq, want[0], "canonical request", why, sizeof why);
	expect(cap.sts, want[1], "string to sign", why, sizeof why);
	expect(sig, want[2], "signature", why, sizeof why);
	expect(gline, wline, presign ? "request line" : "Authorization", why, sizeof why);
	if (why[0] != '\0')
		t_ok(0, "sigv4 suite %s (%s): %s", name, form, why);
	else
		t_ok(1, "sigv4 suite %s (%s)", name, form);
free:
	parsed_free(&r);
done:
	for (i = 0; i < 4; i++)
		free(want[i]);
	free(wline);
	free(gline);
	free(ctx);
	free(req);
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_suite(void)
{
	char dir[1024], *names[256];
	size_t n = 0, i;
	struct dirent *e;
	DIR *d;

	snprintf(dir, sizeof dir, "%s/sigv4-suite", t_data_dir());
	d = opendir(dir);
	if (d == NULL) {
		t_ok(0, "sigv4 suite: cannot open %s", dir);
		return;
	}
	while ((e = readdir(d)) != NULL && n < 256) {
		char p[1400];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s/context.json", dir, e->d_name);
		if ((f = fopen(p, "r")) == NULL)
			continue;   /* README.md and the like */
		fclose(f);
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof names[0], cmpstr);
	t_ok(n >= 30, "sigv4 suite: %zu cases found in %s", n, dir);
	for (i = 0; i < n; i++) {
		run_case(dir, names[i], 0);
		run_case(dir, names[i], 1);
		free(names[i]);
	}
}

/* ---- aws-chunked ---- */

/* The hex signature in the row of the example's table that starts with row. */
static int
table_sig(const char *md, const char *row, char out[65])
{
	char pat[64];
	const char *p, *tick;

	snprintf(pat, sizeof pat, "| %s", row);
	p = strstr(md, pat);
	if (p == NULL || (tick = strchr(p + strlen(pat), '`')) == NULL ||
	    strspn(tick + 1, "0123456789abcdef") != 64)
		return -1;
	memcpy(out, tick + 1, 64);
	out[64] = '\0';
	return 0;
}

static void
test_chunked(void)
{
	static const char *const rows[4] = { "seed", "chunk 1", "chunk 2", "final" };
	static const size_t sizes[3] = { 65536, 1024, 0 };
	const sigv4_pair h[] = {
		{ "Host", "s3.amazonaws.com" },
		{ "x-amz-date", "20130524T000000Z" },
		{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
		{ "x-amz-content-sha256", SIGV4_STREAMING_PAYLOAD },
		{ "Content-Encoding", "aws-chunked" },
		{ "x-amz-decoded-content-length", "66560" },
		{ "Content-Length", "66824" },
	};
	sigv4_scope sc = { "AKIAIOSFODNN7EXAMPLE",
		"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", NULL, "us-east-1", "s3",
		"20130524T000000Z" };
	sigv4_request rq;
	sigv4_key key;
	char path[1024], want[4][65], sig[65], prev[65], auth[512], sh[256];
	unsigned char d[SHA256_SIZE];
	char *md, *data;
	int i, bad = 0;

	snprintf(path, sizeof path, "%s/s3-chunked-signing-example.md", t_data_dir());
	md = slurp(path, NULL);
	if (md == NULL) {
		t_ok(0, "aws-chunked example: cannot read %s", path);
		return;
	}
	for (i = 0; i < 4; i++)
		bad |= table_sig(md, rows[i], want[i]) != 0;
	free(md);
	if (!t_ok(!bad, "aws-chunked example: four expected signatures read"))
		return;

	memset(&rq, 0, sizeof rq);
	rq.method = "PUT";
	rq.path = "/examplebucket/chunkObject.txt";
	rq.headers = h;
	rq.nheaders = sizeof h / sizeof h[0];
	rq.payload_hash = SIGV4_STREAMING_PAYLOAD;
	sigv4_key_init(&key);
	t_ok(sigv4_sign_header(&key, &sc, &rq, auth, sizeof auth, sig) > 0,
	    "aws-chunked seed: signed");
	t_streq(sig, want[0], "aws-chunked seed signature");
	sigv4_signed_headers(&sc, &rq, 0, sh, sizeof sh);
	t_streq(sh, "content-encoding;content-length;host;x-amz-content-sha256;"
	    "x-amz-date;x-amz-decoded-content-length;x-amz-storage-class",
	    "aws-chunked seed: signed headers (x-amz-date listed once)");

	data = malloc(65536);
	memset(data, 'a', 65536);
	strcpy(prev, sig);
	for (i = 0; i < 3; i++) {
		sha256(data, sizes[i], d);
		/* chained in place: the output may be the previous signature */
		t_ok(sigv4_chunk_sign(&key, &sc, prev, d, prev) == 0 &&
		    strcmp(prev, want[i + 1]) == 0,
		    "aws-chunked %s signature (%zu bytes): got %s", rows[i + 1],
		    sizes[i], prev);
	}
	free(data);
	t_ok(key.derivations == 1, "aws-chunked: key derived once for the seed and "
	    "three chunks (%lu)", key.derivations);
	t_ok(sigv4_chunk_sign(&key, &sc, "abc", d, sig) == -1,
	    "aws-chunked: a previous signature that is not 64 hex is refused");
	sigv4_key_wipe(&key);
}

/* ---- the signing key ---- */

static void
test_key(void)
{
	/* AWS General Reference, "Examples of how to derive a signing key" */
	sigv4_scope sc = { "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		NULL, "us-east-1", "iam", "20120215T000000Z" };
	sigv4_scope other;
	sigv4_request rq;
	sigv4_key key, fresh;
	const sigv4_pair h[] = { { "host", "iam.amazonaws.com" } };
	char hex[65], auth[512], s1[65], s2[65];
	unsigned long n;

	sigv4_key_init(&key);
	t_ok(sigv4_key_update(&key, &sc) == 0, "signing key: derived");
	sha256_hex(key.key, hex);
	t_streq(hex, "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d",
	    "signing key: AWS's example (20120215/us-east-1/iam)");

	memset(&rq, 0, sizeof rq);
	rq.method = "GET";
	rq.path = "/";
	rq.headers = h;
	rq.nheaders = 1;
	rq.payload_hash = SIGV4_EMPTY_SHA256;
	sigv4_sign_header(&key, &sc, &rq, auth, sizeof auth, s1);
	sigv4_sign_header(&key, &sc, &rq, auth, sizeof auth, s1);
	t_ok(key.derivations == 1, "signing key: reused for the same scope (%lu)",
	    key.derivations);
	/* the time of day changes, the date does not: no new key */
	other = sc;
	other.amz_date = "20120215T235959Z";
	sigv4_sign_header(&key, &other, &rq, auth, sizeof auth, s1);
	t_ok(key.derivations == 1, "signing key: same date, other time: reused");

	/* each of date, region, service, secret forces a new key, right one */
	{
		const char *what[4] = { "date", "region", "service", "secret" };
		int i, ok = 1;

		for (i = 0; i < 4; i++) {
			other = sc;
			if (i == 0)
				other.amz_date = "20120216T000000Z";
			else if (i == 1)
				other.region = "eu-west-1";
			else if (i == 2)
				other.service = "s3";
			else
				other.secret_key = "another secret";
			n = key.derivations;
			sigv4_sign_header(&key, &other, &rq, auth, sizeof auth, s1);
			sigv4_key_init(&fresh);
			sigv4_sign_header(&fresh, &other, &rq, auth, sizeof auth, s2);
			if (key.derivations != n + 1 || strcmp(s1, s2) != 0) {
				t_ok(0, "signing key: a new %s re-derives the key", what[i]);
				ok = 0;
			}
		}
		if (ok)
			t_ok(1, "signing key: a new date, region, service or secret re-derives it");
	}

	/* secrets longer than the HMAC block: "AWS4"+secret is hashed first */
	{
		char longsk[200], full[210];
		unsigned char a[SHA256_SIZE], b[SHA256_SIZE];

		memset(longsk, 'k', sizeof longsk - 1);
		longsk[sizeof longsk - 1] = '\0';
		other = sc;
		other.secret_key = longsk;
		sigv4_key_init(&fresh);
		sigv4_key_update(&fresh, &other);
		/* the same chain through hmac.c's own long-key path */
		snprintf(full, sizeof full, "AWS4%s", longsk);
		hmac_sha256(full, strlen(full), "20120215", 8, a);
		hmac_sha256(a, 32, "us-east-1", 9, b);
		hmac_sha256(b, 32, "iam", 3, a);
		hmac_sha256(a, 32, "aws4_request", 12, b);
		t_ok(memcmp(b, fresh.key, 32) == 0,
		    "signing key: a 199-byte secret gives HMAC's long-key result");
	}
	sigv4_key_wipe(&key);
	t_ok(key.valid == 0, "signing key: wiped");
}

/* ---- URI encoding ---- */

static void
test_uri_encode(void)
{
	static const struct {
		const char *in;
		int slash;
		const char *out;
	} cases[] = {
		{ "", 0, "" },
		{ "a b", 0, "a%20b" },
		{ "a+b", 0, "a%2Bb" },
		{ "a*b", 0, "a%2Ab" },
		{ "~-._", 0, "~-._" },
		{ "100%", 0, "100%25" },
		{ "\xc3\xa9t\xc3\xa9", 0, "%C3%A9t%C3%A9" },           /* "été" */
		{ "\xe1\x88\xb4", 1, "%E1%88%B4" },
		{ "\xf0\x9f\x98\x80", 1, "%F0%9F%98%80" },              /* an emoji */
		{ "dir/sub/f.tar.gz", 0, "dir/sub/f.tar.gz" },
		{ "dir/sub/f.tar.gz", 1, "dir%2Fsub%2Ff.tar.gz" },
		{ "a=b&c;d,e:f@g$h!i'j(k)l", 1,
		  "a%3Db%26c%3Bd%2Ce%3Af%40g%24h%21i%27j%28k%29l" },
		{ "?#[]", 0, "%3F%23%5B%5D" },
	};
	static const char unres[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
	char out[128], in[2], want[8];
	size_t i;
	int c, bad = -1, n;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		n = sigv4_uri_encode(cases[i].in, out, sizeof out, cases[i].slash);
		t_ok(n == (int)strlen(cases[i].out) && strcmp(out, cases[i].out) == 0,
		    "uri_encode(\"%s\", encode_slash=%d) = \"%s\" (got \"%s\", %d)",
		    cases[i].out, cases[i].slash, cases[i].out, out, n);
	}
	/* every byte: itself if unreserved, else %XY upper-case, exactly once */
	for (c = 1; c < 256 && bad < 0; c++) {
		in[0] = (char)c;
		in[1] = '\0';
		if (strchr(unres, c) != NULL || (c == '/'))
			snprintf(want, sizeof want, "%c", c);
		else
			snprintf(want, sizeof want, "%%%02X", c);
		sigv4_uri_encode(in, out, sizeof out, 0);
		if (strcmp(out, want) != 0)
			bad = c;
		sigv4_uri_encode(in, out, sizeof out, 1);
		if (c == '/' && strcmp(out, "%2F") != 0)
			bad = c;
	}
	t_ok(bad < 0, "uri_encode: each of the 255 bytes (first bad: %d)", bad);

	/* the buffer: exact fit, one short, truncated but terminated */
	t_ok(sigv4_uri_encode("a b", out, 6, 0) == 5 && strcmp(out, "a%20b") == 0,
	    "uri_encode: exact fit (5 + NUL in 6)");
	memset(out, 'x', sizeof out);
	t_ok(sigv4_uri_encode("a b", out, 5, 0) == -1 && strlen(out) < 5,
	    "uri_encode: one byte short: -1, output terminated");
	t_ok(sigv4_uri_encode("a", out, 0, 0) == -1, "uri_encode: size 0: -1");
}

/* ---- canonicalisation details ---- */

/* Signs rq (header form) and returns line `line` (0-based) of the canonical request. */
static const char *
creq_line(const sigv4_request *rq0, int line, char *out, size_t outsz)
{
	static struct capture cap;
	sigv4_scope sc = { "AK", "SK", NULL, "us-east-1", "s3", "20260101T000000Z" };
	sigv4_request rq = *rq0;
	sigv4_key key;
	char auth[1024];
	const char *p;
	size_t n;

	capture_reset(&cap);
	rq.trace = trace;
	rq.trace_arg = &cap;
	sigv4_key_init(&key);
	if (sigv4_sign_header(&key, &sc, &rq, auth, sizeof auth, NULL) < 0)
		return "(signing failed)";
	for (p = cap.creq; line > 0 && p != NULL; line--)
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	if (p == NULL)
		return "(no such line)";
	n = strcspn(p, "\n");
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

static void
test_paths(void)
{
	static const struct {
		const char *path;
		int normalize;
		const char *want;
	} cases[] = {
		/* S3: the key encoded once, no normalisation */
		{ "", 0, "/" },
		{ "/", 0, "/" },
		{ "/bucket/a//b/../c/./d", 0, "/bucket/a//b/../c/./d" },
		{ "/bucket/my key+1 (copy).tar.gz", 0, "/bucket/my%20key%2B1%20%28copy%29.tar.gz" },
		{ "/bucket/\xc3\xa9/~x*", 0, "/bucket/%C3%A9/~x%2A" },
		{ "/bucket/100%25", 0, "/bucket/100%2525" },
		/* other services: normalised, then the (wire) path encoded again */
		{ "", 1, "/" },
		{ "/a/b/../c/./d//", 1, "/a/c/d/" },
		{ "/../a", 1, "/a" },
		{ "a/b", 1, "/a/b" },
		{ "/a/b/..", 1, "/a/" },
		{ "/a/b/.", 1, "/a/b/" },
		{ "/a/b/../..", 1, "/" },
		{ "/a/b/../../..", 1, "/" },
		{ "/a/./b/./../c", 1, "/a/c" },
		{ "/a%2Fb", 1, "/a%252Fb" },
		{ "/.../..a/a..", 1, "/.../..a/a.." },
	};
	sigv4_request rq;
	char buf[256];
	size_t i;

	memset(&rq, 0, sizeof rq);
	rq.method = "GET";
	rq.payload_hash = SIGV4_EMPTY_SHA256;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		rq.path = cases[i].path;
		rq.normalize = cases[i].normalize;
		t_ok(strcmp(creq_line(&rq, 1, buf, sizeof buf), cases[i].want) == 0,
		    "canonical URI (%s) of \"%s\" is \"%s\" (got \"%s\")",
		    cases[i].normalize ? "normalised" : "S3", cases[i].path,
		    cases[i].want, buf);
	}
}

static void
test_query_and_headers(void)
{
	const sigv4_pair q[] = {
		{ "a-b", "1" }, { "a b", "2" }, { "A", "3" }, { "a", "2" },
		{ "a", "10" }, { "\xc3\xa9", "x/y" }, { "uploads", NULL },
		{ "a", "10" },
	};
	const sigv4_pair h[] = {
		{ "Host", "example.com" },
		{ "X-Amz-Meta-B", "  two\t\tthree  " },
		{ "x-amz-meta-a", "z" },
		{ "X-AMZ-META-A", "y" },
		{ "x-amz-meta-c", "line1\r\n   line2" },
		{ "x-amz-meta-d", "" },
	};
	sigv4_scope sc = { "AK", "SK", "TOKEN/+=", "us-east-1", "s3", "20260101T000000Z" };
	sigv4_request rq;
	sigv4_key key;
	char buf[1024], out[1024];

	memset(&rq, 0, sizeof rq);
	rq.method = "GET";
	rq.path = "/";
	rq.payload_hash = SIGV4_EMPTY_SHA256;
	rq.query = q;
	rq.nquery = sizeof q / sizeof q[0];
	t_streq(creq_line(&rq, 2, buf, sizeof buf),
	    "%C3%A9=x%2Fy&A=3&a=10&a=10&a=2&a%20b=2&a-b=1&uploads=",
	    "canonical query: sorted by encoded name then value, '/' encoded, "
	    "duplicates kept");

	rq.query = NULL;
	rq.nquery = 0;
	rq.headers = h;
	rq.nheaders = sizeof h / sizeof h[0];
	creq_line(&rq, 3, buf, sizeof buf);
	{
		static struct capture cap;
		sigv4_request r2 = rq;
		const char *p;

		capture_reset(&cap);
		r2.trace = trace;
		r2.trace_arg = &cap;
		sigv4_key_init(&key);
		sigv4_sign_header(&key, &sc, &r2, out, sizeof out, NULL);
		p = strchr(strchr(strchr(cap.creq, '\n') + 1, '\n') + 1, '\n') + 1;
		t_ok(strncmp(p, "host:example.com\n"
		    "x-amz-date:20260101T000000Z\n"
		    "x-amz-meta-a:z,y\n"
		    "x-amz-meta-b:two three\n"
		    "x-amz-meta-c:line1 line2\n"
		    "x-amz-meta-d:\n"
		    "x-amz-security-token:TOKEN/+=\n"
		    "\n"
		    "host;x-amz-date;x-amz-meta-a;x-amz-meta-b;x-amz-meta-c;"
		    "x-amz-meta-d;x-amz-security-token\n", 200) == 0,
		    "canonical headers: lower-cased, sorted, trimmed, repeats joined "
		    "in order, x-amz-date and the token added (got \"%s\")",
		    oneline(p, buf, sizeof buf));
	}

	/* the query form: the token is signed, or only carried */
	{
		const sigv4_pair hh[] = { { "host", "b.s3.amazonaws.com" } };
		const sigv4_pair bad[] = { { "X-Amz-Signature", "x" } };
		char url1[1024], url2[1024];

		rq.headers = hh;
		rq.nheaders = 1;
		rq.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
		sigv4_presign(&key, &sc, &rq, 60, url1, sizeof url1, NULL);
		t_ok(strstr(url1, "&X-Amz-Security-Token=TOKEN%2F%2B%3D&") != NULL,
		    "presign: the token is encoded in the query (%s)", url1);
		rq.omit_session_token = 1;
		sigv4_presign(&key, &sc, &rq, 60, url2, sizeof url2, NULL);
		t_ok(strstr(url2, "&X-Amz-Security-Token=TOKEN%2F%2B%3D&") != NULL &&
		    strcmp(url1, url2) != 0,
		    "presign: omit_session_token still carries the token, signs otherwise");
		rq.omit_session_token = 0;
		t_ok(sigv4_signed_headers(&sc, &rq, 1, buf, sizeof buf) == 4 &&
		    strcmp(buf, "host") == 0, "presign: signed headers are the caller's (host)");
		rq.query = bad;
		rq.nquery = 1;
		t_ok(sigv4_presign(&key, &sc, &rq, 60, url1, sizeof url1, NULL) == -1,
		    "presign: a caller parameter named X-Amz-Signature is refused");
		rq.query = NULL;
		rq.nquery = 0;
		t_ok(sigv4_presign(&key, &sc, &rq, 0, url1, sizeof url1, NULL) == -1 &&
		    sigv4_presign(&key, &sc, &rq, 604801, url1, sizeof url1, NULL) == -1 &&
		    sigv4_presign(&key, &sc, &rq, 604800, url1, sizeof url1, NULL) > 0,
		    "presign: expires 0 and 604801 refused, 604800 accepted");
		t_ok(sigv4_presign(&key, &sc, &rq, 60, url1, 100, NULL) == -1 &&
		    strlen(url1) < 100, "presign: output too small: -1, terminated");
	}
	sigv4_key_wipe(&key);
}

static void
test_failures(void)
{
	sigv4_scope sc = { "AK", "SK", NULL, "us-east-1", "s3", "20260101T000000Z" };
	const sigv4_pair h[] = { { "host", "h" } };
	sigv4_request rq;
	sigv4_key key;
	char auth[512], sig[65];
	int n;

	memset(&rq, 0, sizeof rq);
	rq.method = "GET";
	rq.path = "/";
	rq.headers = h;
	rq.nheaders = 1;
	rq.payload_hash = SIGV4_EMPTY_SHA256;
	sigv4_key_init(&key);
	n = sigv4_sign_header(&key, &sc, &rq, auth, sizeof auth, sig);
	t_ok(n == (int)strlen(auth) && n > 0, "sign_header: returns the length (%d)", n);
	t_ok(sigv4_sign_header(&key, &sc, &rq, auth, (size_t)n + 1, NULL) == n,
	    "sign_header: exact fit");
	t_ok(sigv4_sign_header(&key, &sc, &rq, auth, (size_t)n, NULL) == -1 &&
	    strlen(auth) == (size_t)n - 1, "sign_header: one byte short: -1, terminated");
	sc.amz_date = "20260101T000000";
	t_ok(sigv4_sign_header(&key, &sc, &rq, auth, sizeof auth, NULL) == -1,
	    "sign_header: malformed amz_date refused");
	sc.amz_date = "20260101T000000Z";
	rq.method = NULL;
	t_ok(sigv4_sign_header(&key, &sc, &rq, auth, sizeof auth, NULL) == -1,
	    "sign_header: NULL method refused");
	rq.method = "GET";
	sc.secret_key = NULL;
	t_ok(sigv4_sign_header(&key, &sc, &rq, auth, sizeof auth, NULL) == -1,
	    "sign_header: NULL secret refused");
}

static void
test_time(void)
{
	static const struct {
		long long t;
		const char *s;
	} ok[] = {
		{ 0, "19700101T000000Z" },
		{ 1440938160, "20150830T123600Z" },
		{ 951782400, "20000229T000000Z" },
		{ 1369353600, "20130524T000000Z" },
		{ 4102444799LL, "20991231T235959Z" },
	};
	static const char *const bad[] = {
		"", "20150830T123600", "20150830T123600Z0", "20150830X123600Z",
		"20150830T123600z", "2015083OT123600Z", "20150230T000000Z",
		"21000229T000000Z", "20151301T000000Z", "20150800T000000Z",
		"20150830T240000Z", "20150830T236000Z", "20150830T235960Z",
		"2015-08-30T12:36:00Z",
	};
	char amz[17], ds[9];
	time_t t;
	size_t i;

	for (i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		sigv4_format_time((time_t)ok[i].t, amz, ds);
		t_ok(strcmp(amz, ok[i].s) == 0 && strncmp(ds, ok[i].s, 8) == 0 &&
		    strlen(ds) == 8 && sigv4_parse_time(ok[i].s, &t) == 0 &&
		    (long long)t == ok[i].t,
		    "time %lld <-> %s (got %s %s)", ok[i].t, ok[i].s, amz, ds);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		t_ok(sigv4_parse_time(bad[i], &t) == -1, "parse_time refuses \"%s\"", bad[i]);
	/* a round trip every ~9.7 days over 1970..2100, leap days included */
	{
		long long x;
		int good = 1;

		for (x = 0; x < 4102444800LL && good; x += 839999) {
			sigv4_format_time((time_t)x, amz, NULL);
			good = sigv4_parse_time(amz, &t) == 0 && (long long)t == x;
		}
		t_ok(good, "format_time/parse_time round trip 1970..2100 (stopped at %lld)", x);
	}
}

int
main(void)
{
	test_suite();
	test_chunked();
	test_key();
	test_uri_encode();
	test_paths();
	test_query_and_headers();
	test_failures();
	test_time();
	return t_done();
}
