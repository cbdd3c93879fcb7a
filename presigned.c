/*
 * presigned.c: presigned URL parsing and Content-MD5. See presigned.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bearssl_hash.h>

#include "fmt.h"
#include "text.h"

#include "presigned.h"

/* err_set(), then -1 not as a tail call: one epilogue (see s3.c) */
#define ERR(...) (err_set(__VA_ARGS__), -1)

static int
hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	c |= 0x20;              /* only A-F and a-f land on a-f */
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	return -1;
}

int
presigned_decode(const char *in, size_t inlen, char *out, size_t outsz)
{
	size_t o = 0;

	for (size_t i = 0; i < inlen; i++) {
		int c = (unsigned char)in[i];
		if (c == '%') {
			c = 0;
			for (size_t k = i + 1; k <= i + 2; k++) {
				int h = k < inlen ? hexval(in[k]) : -1;
				if (h < 0)
					return -1;
				c = c * 16 + h;
			}
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
presigned_parse(const char *s, presigned_info *p, s3p_err *err)
{
	char path[HTTP_TARGET_MAX], auth[HTTP_HOST_MAX + 16];
	const char *q, *t, *vh, *scheme, *from, *key, *ep = auth, *why;
	size_t plen, bl;

	memset(p, 0, sizeof *p);
	if (http_url_parse(s, &p->url, err) < 0)
		return -1;
	if (http_url_authority(&p->url, auth, sizeof auth) < 0)
		return ERR(err, S3P_EUSAGE, "bad URL: host too long");
	scheme = p->url.https ? "https" : "http";
	t = p->url.target;
	plen = strcspn(t, "?");
	q = t + plen;           /* "?query", or "" */
	/* origin fits whole: scheme, "://" and an authority of under 300 */
	fmt_snprintf(p->origin, sizeof p->origin, "%s://%s", scheme, auth);
	fmt_snprintf(p->name, sizeof p->name, "%s%.*s", p->origin,
	    (int)(plen > 1200 ? 1200 : plen), t);
	if (presigned_decode(t, plen, path, sizeof path) < 0)
		return ERR(err, S3P_EUSAGE, "URL '%s': bad percent-encoding in the path",
		    p->name);
	if (strlen(path + 1) >= sizeof p->path)
		return ERR(err, S3P_EUSAGE, "URL '%s': path too long", p->name);
	strcpy(p->path, path + 1);

	/* virtual-hosted: BUCKET.s3.... or BUCKET.s3-...; BUCKET.localhost;
	 * or a one-segment path under a host name of several labels */
	vh = NULL;
	if (!p->url.host_ip) {
		const char *dot = strchr(p->url.host, '.');
		/* the first ".s3." or ".s3-" */
		for (vh = p->url.host; (vh = text_str(vh, ".s3")) != NULL; vh++)
			if (vh[3] == '.' || vh[3] == '-')
				break;
		if (vh == NULL && dot != NULL && (strcmp(dot, ".localhost") == 0 ||
		    strchr(p->path, '/') == NULL))
			vh = dot;
	}
	/* the key is the path or its tail: it fits as the path did */
	_Static_assert(sizeof p->key == sizeof p->path, "key and path");
	if (vh != NULL && vh > p->url.host) {
		from = p->url.host;
		bl = (size_t)(vh - from);
		key = p->path;
		ep = auth + bl + 1;
		why = "bucket too long";
	} else {
		from = p->path;
		key = strchr(from, '/');
		bl = key ? (size_t)(key++ - from) : strlen(from);
		why = "bucket or key too long";
	}
	if (bl >= sizeof p->bucket)
		return ERR(err, S3P_EUSAGE, "URL '%s': %s", p->name, why);
	memcpy(p->bucket, from, bl);
	if (key)
		strcpy(p->key, key);
	fmt_snprintf(p->endpoint, sizeof p->endpoint, "%s://%s", scheme, ep);
	if (p->bucket[0] == '\0' || p->key[0] == '\0')
		p->bucket[0] = p->key[0] = '\0';

	/* region: X-Amz-Credential=AK%2FDATE%2FREGION%2Fs3%2Faws4_request */
	for (const char *f = q; *f != '\0'; f += 1 + strcspn(f + 1, "&")) {
		static const char cred[] = "X-Amz-Credential=";
		char v[512], *r;
		/* the name in any case; no strncasecmp (musl's own copy) */
		fmt_snprintf(v, sizeof cred, "%s", f + 1);
		if (strcasecmp(v, cred) != 0)
			continue;
		f += sizeof cred;
		if (presigned_decode(f, strcspn(f, "&"), v, sizeof v) < 0)
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
presigned_check_upload(const presigned_info *p, s3p_err *err)
{
	/* base64 of each algorithm's value for 0 bytes */
	static const char *const empty[] = {
		"AAAAAA==",                     /* crc32, crc32c */
		"AAAAAAAAAAA=",                 /* crc64nvme */
		"2jmj7l5rSw0yVb/vlWAYkK/YBwk=", /* sha1 */
		"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", /* sha256 */
	};
	static const char pre[] = "x-amz-checksum-";
	const char *f = strchr(p->url.target, '?');

	for (; f != NULL && *f != '\0'; f += 1 + strcspn(f + 1, "&")) {
		size_t n = strcspn(f + 1, "&"), eq = strcspn(f + 1, "=&");
		char v[64];
		if (eq < sizeof pre - 1 || !text_ieq(f + 1, sizeof pre - 1, pre) ||
		    eq == n || presigned_decode(f + 2 + eq, n - eq - 1, v, sizeof v) < 0)
			continue;
		for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++)
			if (strcmp(v, empty[i]) == 0)
				return ERR(err, S3P_EUSAGE, "--presigned-url '%s': "
				    "%.*s=%s is an empty body's checksum: presign "
				    "without it", p->name, (int)eq, f + 1, v);
	}
	return 0;
}

int
presigned_md5_b64(s3_read_fn read, void *ctx, uint64_t len, char out[25], s3p_err *err)
{
	static unsigned char buf[65536];
	br_md5_context m;
	unsigned char d[br_md5_SIZE];

	br_md5_init(&m);
	for (uint64_t off = 0; off < len;) {
		size_t n = len - off < sizeof buf ? (size_t)(len - off) : sizeof buf;
		if (read(ctx, 0, off, buf, n, err) < 0)
			return -1;
		br_md5_update(&m, buf, n);
		off += n;
	}
	br_md5_out(&m, d);
	text_base64(d, sizeof d, out);
	return 0;
}
