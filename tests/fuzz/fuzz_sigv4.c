/*
 * fuzz_sigv4.c: sigv4.c on arbitrary requests. The input is split at NUL
 * bytes: flags (the first byte of the first field), method, path, then
 * NAME VALUE pairs: the first (flags >> 3) are query parameters (a value
 * "\1" stands for NULL), the rest headers; all arbitrary bytes.
 *
 * Checks beyond "no crash, no sanitizer report":
 *   - both forms sign (a caller parameter named like an X-Amz-* one is the
 *     only refusal), outputs are terminated and as long as returned;
 *   - the canonical request ends with the payload hash, and a normalised
 *     canonical URI has no "//", "/./" or "/../";
 *   - uri_encode is decodable back to its input and never leaves a
 *     reserved byte.
 */
#include "sigv4.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAXP 16

struct cap {
	char creq[1 << 16];
	size_t n;
	int over;
};

static void
trace(void *arg, int what, const char *data, size_t len)
{
	struct cap *c = arg;

	if (what != SIGV4_TRACE_CANONICAL_REQUEST)
		return;
	if (c->n + len >= sizeof c->creq) {
		c->over = 1;
		return;
	}
	memcpy(c->creq + c->n, data, len);
	c->n += len;
	c->creq[c->n] = '\0';
}

static int
hexv(int c)
{
	return c <= '9' ? c - '0' : c - 'A' + 10;
}

static void
check_encode(const char *s)
{
	static char enc[1 << 16];
	size_t i, o = 0;
	int n, slash;

	for (slash = 0; slash < 2; slash++) {
		n = sigv4_uri_encode(s, enc, sizeof enc, slash);
		if (n < 0)
			continue;
		if ((size_t)n != strlen(enc))
			abort();
		for (i = 0, o = 0; enc[i]; i++, o++) {
			unsigned char c = (unsigned char)enc[i];
			if (c == '%') {
				if (!strchr("0123456789ABCDEF", enc[i + 1]) || !enc[i + 1] ||
				    !strchr("0123456789ABCDEF", enc[i + 2]) || !enc[i + 2])
					abort();
				c = (unsigned char)(hexv(enc[i + 1]) * 16 + hexv(enc[i + 2]));
				i += 2;
			} else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || strchr("-._~", c) ||
			    (c == '/' && !slash))) {
				abort();
			}
			if ((unsigned char)s[o] != c)
				abort();
		}
		if (s[o] != '\0')
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cap cap;
	static char out[1 << 16], sig[65];
	char *buf, *f[3 + 2 * 2 * MAXP], *p, *end;
	sigv4_pair q[MAXP], h[MAXP];
	sigv4_scope sc = { "AKID", "secret", NULL, "us-east-1", "s3", "20260101T000000Z" };
	sigv4_request rq;
	sigv4_key key;
	size_t nf = 0, i, nq = 0, nh = 0;
	unsigned flags;
	int n, form;

	buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	for (p = buf, end = buf + size; nf < sizeof f / sizeof f[0]; p += strlen(p) + 1) {
		f[nf++] = p;
		if (p + strlen(p) >= end)
			break;
	}
	if (nf < 3) {
		free(buf);
		return 0;
	}
	/* flags: bit 0 normalise, bit 1 token, bit 2 omit it; bits 3+: query count */
	flags = (unsigned char)f[0][0];
	for (i = 3; i + 1 < nf; i += 2) {
		if ((i - 3) / 2 < (flags >> 3) && nq < MAXP) {
			q[nq].name = f[i];
			q[nq++].value = f[i + 1][0] == '\1' ? NULL : f[i + 1];
		} else if (nh < MAXP) {
			h[nh].name = f[i];
			h[nh++].value = f[i + 1];
		}
	}
	memset(&rq, 0, sizeof rq);
	rq.method = f[1];
	rq.path = f[2];
	rq.query = q;
	rq.nquery = nq;
	rq.headers = h;
	rq.nheaders = nh;
	rq.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
	rq.normalize = flags & 1;
	rq.omit_session_token = (flags >> 2) & 1;
	rq.trace = trace;
	rq.trace_arg = &cap;
	if (flags & 2)
		sc.session_token = f[1];
	sigv4_key_init(&key);

	for (form = 0; form < 2; form++) {
		cap.n = 0;
		cap.over = 0;
		cap.creq[0] = '\0';
		if (form == 0)
			n = sigv4_sign_header(&key, &sc, &rq, out, sizeof out, sig);
		else
			n = sigv4_presign(&key, &sc, &rq, 3600, out, sizeof out, sig);
		if (n < 0) {
			/* allowed: a reserved X-Amz-* name, or output too long */
			if (strlen(out) >= sizeof out)
				abort();
			continue;
		}
		if ((size_t)n != strlen(out) || strlen(sig) != 64)
			abort();
		if (cap.over)
			continue;
		n = (int)strlen(SIGV4_UNSIGNED_PAYLOAD);
		if (cap.n < (size_t)n || strcmp(cap.creq + cap.n - n, SIGV4_UNSIGNED_PAYLOAD) != 0)
			abort();
		if (rq.normalize) {
			/* the method may hold a newline: skip it by its length */
			char *uri = cap.creq + strlen(rq.method) + 1;
			size_t ul = strcspn(uri, "\n");
			char save = uri[ul];

			uri[ul] = '\0';
			if (uri[0] != '/' || strstr(uri, "//") || strstr(uri, "/./") ||
			    strstr(uri, "/../"))
				abort();
			uri[ul] = save;
		}
	}
	if (key.derivations != 1)
		abort();
	sigv4_key_wipe(&key);
	for (i = 1; i < nf; i++)
		check_encode(f[i]);
	free(buf);
	return 0;
}
