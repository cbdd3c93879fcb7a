/*
 * psurl.c: presigned URL parsing and Content-MD5. See psurl.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bearssl_hash.h>

#include "fmt.h"
#include "text.h"

#include "psurl.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int
psurl_decode(const char *in, size_t inlen, char *out, size_t outsz)
{
	size_t o = 0;

	for (size_t i = 0; i < inlen; i++) {
		int c = (unsigned char)in[i];
		if (c == '%') {
			int h, l;
			if (i + 2 >= inlen || (h = hexval(in[i + 1])) < 0 ||
			    (l = hexval(in[i + 2])) < 0)
				return -1;
			c = h * 16 + l;
			if (c == 0)
				return -1;
			i += 2;
		}
		if (o + 1 >= outsz)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

int
psurl_parse(const char *s, psurl *p, s3p_err *err)
{
	char path[HTTP_TARGET_MAX], auth[HTTP_HOST_MAX + 16];
	const char *q, *t, *vh;
	size_t plen;

	memset(p, 0, sizeof *p);
	if (http_url_parse(s, &p->url, err) < 0)
		return -1;
	if (http_url_authority(&p->url, auth, sizeof auth) < 0)
		return err_set(err, S3P_EUSAGE, "bad URL: host too long");
	t = p->url.target;
	q = strchr(t, '?');
	plen = q ? (size_t)(q - t) : strlen(t);
	fmt_snprintf(p->name, sizeof p->name, "%s://%s%.*s", p->url.https ? "https" : "http",
	    auth, (int)(plen > 1200 ? 1200 : plen), t);
	fmt_snprintf(p->origin, sizeof p->origin, "%s://%s", p->url.https ? "https" : "http", auth);
	if (psurl_decode(t, plen, path, sizeof path) < 0)
		return err_set(err, S3P_EUSAGE, "URL '%s': bad percent-encoding in the path",
		    p->name);
	if (strlen(path + 1) >= sizeof p->path)
		return err_set(err, S3P_EUSAGE, "URL '%s': path too long", p->name);
	memcpy(p->path, path + 1, strlen(path + 1) + 1);

	/* virtual-hosted: BUCKET.s3.... or BUCKET.s3-...; BUCKET.localhost;
	 * or a one-segment path under a host name of several labels */
	vh = NULL;
	if (!p->url.host_ip) {
		const char *a = text_str(p->url.host, ".s3."), *b = text_str(p->url.host, ".s3-");
		const char *dot = strchr(p->url.host, '.');
		vh = a && (!b || a < b) ? a : b;
		if (vh == NULL && dot != NULL && (strcmp(dot, ".localhost") == 0 ||
		    strchr(path + 1, '/') == NULL))
			vh = dot;
	}
	if (vh != NULL && vh > p->url.host) {
		size_t bl = (size_t)(vh - p->url.host);
		if (bl >= sizeof p->bucket)
			return err_set(err, S3P_EUSAGE, "URL '%s': bucket too long", p->name);
		memcpy(p->bucket, p->url.host, bl);
		if (strlen(path + 1) >= sizeof p->key)
			return err_set(err, S3P_EUSAGE, "URL '%s': key too long", p->name);
		memcpy(p->key, path + 1, strlen(path + 1) + 1);
		fmt_snprintf(p->endpoint, sizeof p->endpoint, "%s://%s",
		    p->url.https ? "https" : "http", auth + bl + 1);
	} else {
		const char *k = strchr(path + 1, '/');
		size_t bl = k ? (size_t)(k - path - 1) : strlen(path + 1);
		if (bl >= sizeof p->bucket || (k && strlen(k + 1) >= sizeof p->key))
			return err_set(err, S3P_EUSAGE, "URL '%s': bucket or key too long",
			    p->name);
		memcpy(p->bucket, path + 1, bl);
		if (k)
			memcpy(p->key, k + 1, strlen(k + 1) + 1);
		fmt_snprintf(p->endpoint, sizeof p->endpoint, "%s", p->origin);
	}
	if (p->bucket[0] == '\0' || p->key[0] == '\0')
		p->bucket[0] = p->key[0] = '\0';

	/* region: X-Amz-Credential=AK%2FDATE%2FREGION%2Fs3%2Faws4_request */
	for (const char *f = q; f != NULL; f = strchr(f + 1, '&')) {
		static const char cred[] = "X-Amz-Credential=";
		char v[512], *r;
		const char *e;
		if (strncasecmp(f + 1, cred, sizeof cred - 1) != 0)
			continue;
		f += sizeof cred;
		e = strchr(f, '&');
		if (psurl_decode(f, e ? (size_t)(e - f) : strlen(f), v, sizeof v) < 0)
			break;
		r = strchr(v, '/');
		if (r && (r = strchr(r + 1, '/')) != NULL) {
			char *end = strchr(r + 1, '/');
			if (end && (size_t)(end - r - 1) < sizeof p->region)
				memcpy(p->region, r + 1, (size_t)(end - r - 1));
		}
		break;
	}
	return 0;
}

int
psurl_md5_b64(s3_read_fn read, void *ctx, uint64_t len, char out[25], s3p_err *err)
{
	static unsigned char buf[65536];
	br_md5_context m;
	unsigned char d[br_md5_SIZE];

	br_md5_init(&m);
	for (uint64_t off = 0; off < len;) {
		size_t n = len - off < sizeof buf ? (size_t)(len - off) : sizeof buf;
		if (read(ctx, off, buf, n, err) < 0)
			return -1;
		br_md5_update(&m, buf, n);
		off += n;
	}
	br_md5_out(&m, d);
	s3_base64(d, sizeof d, out);
	return 0;
}
