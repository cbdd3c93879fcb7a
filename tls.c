/* tls.c: see tls.h. */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "clock.h"
#include "fmt.h"

#ifndef S3PUB_BUILD_TIME
#define S3PUB_BUILD_TIME 0
#endif

/* ---- trust anchors: PEM -> DER -> br_x509_decoder -> anchor ---- */

typedef struct {
	unsigned char *p;
	size_t len, cap;
	int oom;
} dyn;

static void
dyn_add(void *ctx, const void *buf, size_t len)
{
	dyn *d = ctx;

	if (d->oom)
		return;
	if (d->len + len > d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 256;
		unsigned char *np;

		while (cap < d->len + len)
			cap *= 2;
		if ((np = realloc(d->p, cap)) == NULL) {
			d->oom = 1;
			return;
		}
		d->p = np;
		d->cap = cap;
	}
	memcpy(d->p + d->len, buf, len);
	d->len += len;
}

static void *
dup_bytes(const void *src, size_t len)
{
	void *p = malloc(len ? len : 1);

	if (p != NULL && len)
		memcpy(p, src, len);
	return p;
}

/* One certificate being decoded: the PEM decoder pushes DER into it. */
typedef struct {
	br_x509_decoder_context xd;
	dyn dn;
	int extra;      /* bytes after the certificate's end: skip it */
} cert_in;

static void
cert_push(void *ctx, const void *buf, size_t len)
{
	cert_in *ci = ctx;

	/* the decoder must not run again once finished (found by fuzzing:
	 * a NULL dereference in br_x509_decoder_run) */
	if (ci->xd.err != 0 || ci->xd.decoded) {
		ci->extra = 1;
		return;
	}
	br_x509_decoder_push(&ci->xd, buf, len);
}

/* Turns a decoded certificate into an anchor; 0 skipped, 1 added, -1 oom. */
static int
add_anchor(tls_anchors *a, size_t *cap, cert_in *ci)
{
	br_x509_pkey *pk;
	br_x509_trust_anchor *ta;

	if (br_x509_decoder_last_error(&ci->xd) != 0 || ci->dn.oom || ci->extra)
		return 0;
	pk = br_x509_decoder_get_pkey(&ci->xd);
	if (pk == NULL || (pk->key_type != BR_KEYTYPE_RSA
	    && pk->key_type != BR_KEYTYPE_EC))
		return 0;
	if (a->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		br_x509_trust_anchor *nt = realloc(a->ta, nc * sizeof *nt);

		if (nt == NULL)
			return -1;
		a->ta = nt;
		*cap = nc;
	}
	ta = &a->ta[a->n];
	memset(ta, 0, sizeof *ta);
	ta->dn.data = dup_bytes(ci->dn.p, ci->dn.len);
	ta->dn.len = ci->dn.len;
	ta->flags = br_x509_decoder_isCA(&ci->xd) ? BR_X509_TA_CA : 0;
	ta->pkey.key_type = pk->key_type;
	if (pk->key_type == BR_KEYTYPE_RSA) {
		ta->pkey.key.rsa.n = dup_bytes(pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.nlen = pk->key.rsa.nlen;
		ta->pkey.key.rsa.e = dup_bytes(pk->key.rsa.e, pk->key.rsa.elen);
		ta->pkey.key.rsa.elen = pk->key.rsa.elen;
		if (ta->pkey.key.rsa.n == NULL || ta->pkey.key.rsa.e == NULL) {
			a->n++;
			return -1;
		}
	} else {
		ta->pkey.key.ec.curve = pk->key.ec.curve;
		ta->pkey.key.ec.q = dup_bytes(pk->key.ec.q, pk->key.ec.qlen);
		ta->pkey.key.ec.qlen = pk->key.ec.qlen;
		if (ta->pkey.key.ec.q == NULL) {
			a->n++;
			return -1;
		}
	}
	a->n++;
	return ta->dn.data == NULL ? -1 : 1;
}

void
tls_anchors_free(tls_anchors *a)
{
	for (size_t i = 0; i < a->n; i++) {
		br_x509_trust_anchor *ta = &a->ta[i];

		free(ta->dn.data);
		if (ta->pkey.key_type == BR_KEYTYPE_RSA) {
			free(ta->pkey.key.rsa.n);
			free(ta->pkey.key.rsa.e);
		} else {
			free(ta->pkey.key.ec.q);
		}
	}
	free(a->ta);
	a->ta = NULL;
	a->n = 0;
}

int
tls_anchors_load_mem(tls_anchors *a, const void *pem, size_t len,
    const char *name, s3p_err *err)
{
	br_pem_decoder_context pc;
	cert_in *ci;
	const unsigned char *p = pem;
	size_t cap = 0;
	int in_cert = 0, rc = 0;

	memset(a, 0, sizeof *a);
	fmt_snprintf(a->path, sizeof a->path, "%s", name);
	if ((ci = calloc(1, sizeof *ci)) == NULL)
		return err_set(err, S3P_EUSAGE, "%s: out of memory", name);
	br_pem_decoder_init(&pc);
	while (len > 0 && rc == 0) {
		size_t k = br_pem_decoder_push(&pc, p, len);

		p += k;
		len -= k;
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			in_cert = strcmp(br_pem_decoder_name(&pc), "CERTIFICATE") == 0
			    || strcmp(br_pem_decoder_name(&pc), "X509 CERTIFICATE") == 0;
			if (in_cert) {
				ci->dn.len = 0;
				ci->dn.oom = 0;
				ci->extra = 0;
				br_x509_decoder_init(&ci->xd, dyn_add, &ci->dn);
				br_pem_decoder_setdest(&pc, cert_push, ci);
			} else {
				br_pem_decoder_setdest(&pc, NULL, NULL);
			}
			break;
		case BR_PEM_END_OBJ:
			if (in_cert && add_anchor(a, &cap, ci) < 0)
				rc = err_set(err, S3P_EUSAGE, "%s: out of memory", name);
			in_cert = 0;
			break;
		case BR_PEM_ERROR:
			rc = err_set(err, S3P_EUSAGE, "CA bundle %s: malformed PEM", name);
			break;
		default:
			break;
		}
	}
	free(ci->dn.p);
	free(ci);
	if (rc == 0 && a->n == 0)
		rc = err_set(err, S3P_EUSAGE,
		    "CA bundle %s: no usable certificate", name);
	if (rc != 0)
		tls_anchors_free(a);
	return rc;
}

static int
load_file(tls_anchors *a, const char *path, s3p_err *err)
{
	FILE *f = fopen(path, "rb");
	dyn d = { 0 };
	unsigned char buf[4096];
	size_t k;
	int rc;

	if (f == NULL)
		return err_set(err, S3P_EUSAGE, "CA bundle %s: %s", path,
		    strerror(errno));
	while ((k = fread(buf, 1, sizeof buf, f)) > 0)
		dyn_add(&d, buf, k);
	if (ferror(f) || d.oom) {
		fclose(f);
		free(d.p);
		return err_set(err, S3P_EUSAGE, "CA bundle %s: read error", path);
	}
	fclose(f);
	rc = tls_anchors_load_mem(a, d.p, d.len, path, err);
	free(d.p);
	return rc;
}

int
tls_anchors_load(tls_anchors *a, const char *ca_file, s3p_err *err)
{
	static const char *const sys[] = {
		"/etc/ssl/certs/ca-certificates.crt",
		"/etc/pki/tls/certs/ca-bundle.crt",
		"/etc/ssl/cert.pem",
	};
	const char *e;

	memset(a, 0, sizeof *a);
	if (ca_file != NULL)
		return load_file(a, ca_file, err);
	if ((e = getenv("AWS_CA_BUNDLE")) != NULL && *e)
		return load_file(a, e, err);
	if ((e = getenv("SSL_CERT_FILE")) != NULL && *e)
		return load_file(a, e, err);
	for (size_t i = 0; i < sizeof sys / sizeof sys[0]; i++) {
		FILE *f = fopen(sys[i], "rb");

		if (f != NULL) {
			fclose(f);
			return load_file(a, sys[i], err);
		}
	}
	return err_set(err, S3P_EUSAGE, "no CA bundle found (tried "
	    "/etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt,"
	    " /etc/ssl/cert.pem): give one with --ca-file");
}

/* ---- X.509 validation: br_x509_minimal plus iPAddress SAN, insecure ---- */

/* Reads one DER TLV at p[0..len): tag, header length, value length. */
static int
der_tlv(const unsigned char *p, size_t len, unsigned *tag, size_t *hl,
    size_t *vl)
{
	size_t n, i;

	if (len < 2)
		return -1;
	*tag = p[0];
	if ((p[0] & 0x1f) == 0x1f)
		return -1;          /* high tag numbers: never in these paths */
	if (p[1] < 0x80) {
		*hl = 2;
		*vl = p[1];
	} else {
		n = p[1] & 0x7f;
		if (n == 0 || n > 4 || len < 2 + n)
			return -1;
		*vl = 0;
		for (i = 0; i < n; i++)
			*vl = (*vl << 8) | p[2 + i];
		*hl = 2 + n;
	}
	if (*vl > len - *hl)
		return -1;
	return 0;
}

/*
 * RFC 5280 section 4.2.1.6: is ip[0..iplen) one of the iPAddress entries
 * of the certificate's subjectAltName? 1 yes, 0 no (or undecodable).
 */
/* Steps into the value of the next element, which must have tag `want`. */
static int
der_enter(const unsigned char **c, size_t *len, unsigned want)
{
	unsigned tag;
	size_t hl, vl;

	if (der_tlv(*c, *len, &tag, &hl, &vl) || tag != want)
		return -1;
	*c += hl;
	*len = vl;
	return 0;
}

static int
san_has_ip(const unsigned char *c, size_t len, const unsigned char *ip,
    int iplen)
{
	static const unsigned char san_oid[] = { 0x06, 0x03, 0x55, 0x1d, 0x11 };
	unsigned tag;
	size_t hl, vl;

	/* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { ... } ... } */
	if (der_enter(&c, &len, 0x30) < 0)
		return 0;
	if (der_enter(&c, &len, 0x30) < 0)
		return 0;
	/* skip fields up to extensions [3] */
	while (len > 0) {
		if (der_tlv(c, len, &tag, &hl, &vl))
			return 0;
		if (tag == 0xa3)
			break;
		c += hl + vl;
		len -= hl + vl;
	}
	if (len == 0)
		return 0;
	c += hl;
	len = vl;
	if (der_enter(&c, &len, 0x30) < 0)
		return 0;
	while (len > 0) {      /* Extension ::= SEQ { OID, BOOL?, OCTET STRING } */
		const unsigned char *e;
		size_t elen, ehl, evl;

		if (der_tlv(c, len, &tag, &ehl, &evl) || tag != 0x30)
			return 0;
		e = c + ehl;
		elen = evl;
		c += ehl + evl;
		len -= ehl + evl;
		if (elen < sizeof san_oid || memcmp(e, san_oid, sizeof san_oid))
			continue;
		e += sizeof san_oid;
		elen -= sizeof san_oid;
		if (der_tlv(e, elen, &tag, &hl, &vl))
			return 0;
		if (tag == 0x01) {          /* critical */
			e += hl + vl;
			elen -= hl + vl;
			if (der_tlv(e, elen, &tag, &hl, &vl))
				return 0;
		}
		if (tag != 0x04)
			return 0;
		e += hl;
		elen = vl;
		if (der_tlv(e, elen, &tag, &hl, &vl) || tag != 0x30)
			return 0;
		e += hl;
		elen = vl;
		while (elen > 0) {      /* GeneralName, iPAddress is [7] */
			if (der_tlv(e, elen, &tag, &hl, &vl))
				return 0;
			if (tag == 0x87 && vl == (size_t)iplen
			    && memcmp(e + hl, ip, vl) == 0)
				return 1;
			e += hl + vl;
			elen -= hl + vl;
		}
		return 0;
	}
	return 0;
}

#define XV(ctx) ((tls_x509 *)(void *)(ctx))

static void
xv_start_chain(const br_x509_class **ctx, const char *server_name)
{
	tls_x509 *x = XV(ctx);

	x->cert_index = -1;
	x->ip_ok = 0;
	x->der_len = 0;
	x->min.vtable->start_chain(&x->min.vtable, server_name);
}

static void
xv_start_cert(const br_x509_class **ctx, uint32_t length)
{
	tls_x509 *x = XV(ctx);

	x->cert_index++;
	if (x->cert_index == 0 && (x->ip_len || x->insecure)) {
		free(x->der);
		x->der = malloc(length ? length : 1);
		x->der_cap = x->der ? length : 0;
		x->der_len = 0;
	}
	if (!x->insecure)
		x->min.vtable->start_cert(&x->min.vtable, length);
}

static void
xv_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	tls_x509 *x = XV(ctx);

	if (x->cert_index == 0 && x->der != NULL && x->der_len + len <= x->der_cap) {
		memcpy(x->der + x->der_len, buf, len);
		x->der_len += len;
	}
	if (!x->insecure)
		x->min.vtable->append(&x->min.vtable, buf, len);
}

static void
xv_end_cert(const br_x509_class **ctx)
{
	tls_x509 *x = XV(ctx);

	if (!x->insecure)
		x->min.vtable->end_cert(&x->min.vtable);
}

static unsigned
xv_end_chain(const br_x509_class **ctx)
{
	tls_x509 *x = XV(ctx);
	unsigned r = 0;
	int have = x->der != NULL && x->der_len == x->der_cap && x->der_len > 0;

	if (x->insecure) {
		if (!have)
			return BR_ERR_X509_EMPTY_CHAIN;
		if (x->dec == NULL && (x->dec = malloc(sizeof *x->dec)) == NULL)
			return BR_ERR_X509_LIMIT_EXCEEDED;
		br_x509_decoder_init(x->dec, NULL, NULL);
		br_x509_decoder_push(x->dec, x->der, x->der_len);
		return br_x509_decoder_last_error(x->dec) ? BR_ERR_X509_INVALID_VALUE
		    : 0;
	}
	r = x->min.vtable->end_chain(&x->min.vtable);
	if (r == 0 && x->ip_len) {
		x->ip_ok = have && san_has_ip(x->der, x->der_len, x->ip, x->ip_len);
		if (!x->ip_ok)
			r = BR_ERR_X509_BAD_SERVER_NAME;
	}
	return r;
}

static const br_x509_pkey *
xv_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
	tls_x509 *x = XV(ctx);

	if (x->insecure) {
		if (usages != NULL)
			*usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
		return x->dec != NULL ? br_x509_decoder_get_pkey(x->dec) : NULL;
	}
	return x->min.vtable->get_pkey(&x->min.vtable, usages);
}

static const br_x509_class xv_class = {
	sizeof(tls_x509),
	xv_start_chain,
	xv_start_cert,
	xv_append,
	xv_end_cert,
	xv_end_chain,
	xv_get_pkey,
};

/* ---- the client profile ---- */

/*
 * ECDHE with AEAD suites only: every S3 service we know (AWS, GCS, MinIO,
 * Ceph, Swift behind any current TLS terminator) offers ECDHE with AES-GCM,
 * and dropping CBC keeps about 5 KB of record and cipher code out of a
 * binary that must stay small.
 *
 * ChaCha20-Poly1305 depends on the architecture. BearSSL has AES-NI and
 * PCLMUL code for x86 but no ARMv8 AES/PMULL path, so on ARM (aarch64,
 * armv7) AES-GCM runs on the bitsliced constant-time code and ChaCha20 is
 * the fast constant-time cipher: it is offered first there. On x86-64
 * every CPU of the last decade has AES-NI and PCLMUL, so ChaCha20 would
 * only cost its 6 KB; an older CPU still gets AES-GCM through BearSSL's
 * constant-time fallbacks (aes_ct64, ghash_ctmul64), which
 * br_ssl_engine_set_default_aes_gcm() picks at run time.
 */
#if defined(__x86_64__)
#define TLS_CHAPOL 0
#else
#define TLS_CHAPOL 1
#endif

static const uint16_t suites[] = {
#if TLS_CHAPOL
	BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
#endif
	BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
};

static const struct {
	unsigned err;
	const char *name;
} err_names[] = {
	{ BR_ERR_BAD_PARAM, "BR_ERR_BAD_PARAM" },
	{ BR_ERR_BAD_STATE, "BR_ERR_BAD_STATE" },
	{ BR_ERR_UNSUPPORTED_VERSION, "BR_ERR_UNSUPPORTED_VERSION" },
	{ BR_ERR_BAD_VERSION, "BR_ERR_BAD_VERSION" },
	{ BR_ERR_BAD_LENGTH, "BR_ERR_BAD_LENGTH" },
	{ BR_ERR_TOO_LARGE, "BR_ERR_TOO_LARGE" },
	{ BR_ERR_BAD_MAC, "BR_ERR_BAD_MAC" },
	{ BR_ERR_NO_RANDOM, "BR_ERR_NO_RANDOM" },
	{ BR_ERR_UNKNOWN_TYPE, "BR_ERR_UNKNOWN_TYPE" },
	{ BR_ERR_UNEXPECTED, "BR_ERR_UNEXPECTED" },
	{ BR_ERR_BAD_CCS, "BR_ERR_BAD_CCS" },
	{ BR_ERR_BAD_ALERT, "BR_ERR_BAD_ALERT" },
	{ BR_ERR_BAD_HANDSHAKE, "BR_ERR_BAD_HANDSHAKE" },
	{ BR_ERR_OVERSIZED_ID, "BR_ERR_OVERSIZED_ID" },
	{ BR_ERR_BAD_CIPHER_SUITE, "BR_ERR_BAD_CIPHER_SUITE" },
	{ BR_ERR_BAD_COMPRESSION, "BR_ERR_BAD_COMPRESSION" },
	{ BR_ERR_BAD_FRAGLEN, "BR_ERR_BAD_FRAGLEN" },
	{ BR_ERR_BAD_SECRENEG, "BR_ERR_BAD_SECRENEG" },
	{ BR_ERR_EXTRA_EXTENSION, "BR_ERR_EXTRA_EXTENSION" },
	{ BR_ERR_BAD_SNI, "BR_ERR_BAD_SNI" },
	{ BR_ERR_BAD_HELLO_DONE, "BR_ERR_BAD_HELLO_DONE" },
	{ BR_ERR_LIMIT_EXCEEDED, "BR_ERR_LIMIT_EXCEEDED" },
	{ BR_ERR_BAD_FINISHED, "BR_ERR_BAD_FINISHED" },
	{ BR_ERR_RESUME_MISMATCH, "BR_ERR_RESUME_MISMATCH" },
	{ BR_ERR_INVALID_ALGORITHM, "BR_ERR_INVALID_ALGORITHM" },
	{ BR_ERR_BAD_SIGNATURE, "BR_ERR_BAD_SIGNATURE" },
	{ BR_ERR_WRONG_KEY_USAGE, "BR_ERR_WRONG_KEY_USAGE" },
	{ BR_ERR_NO_CLIENT_AUTH, "BR_ERR_NO_CLIENT_AUTH" },
	{ BR_ERR_IO, "BR_ERR_IO" },
	{ BR_ERR_X509_INVALID_VALUE, "BR_ERR_X509_INVALID_VALUE" },
	{ BR_ERR_X509_TRUNCATED, "BR_ERR_X509_TRUNCATED" },
	{ BR_ERR_X509_EMPTY_CHAIN, "BR_ERR_X509_EMPTY_CHAIN" },
	{ BR_ERR_X509_INNER_TRUNC, "BR_ERR_X509_INNER_TRUNC" },
	{ BR_ERR_X509_BAD_TAG_CLASS, "BR_ERR_X509_BAD_TAG_CLASS" },
	{ BR_ERR_X509_BAD_TAG_VALUE, "BR_ERR_X509_BAD_TAG_VALUE" },
	{ BR_ERR_X509_INDEFINITE_LENGTH, "BR_ERR_X509_INDEFINITE_LENGTH" },
	{ BR_ERR_X509_EXTRA_ELEMENT, "BR_ERR_X509_EXTRA_ELEMENT" },
	{ BR_ERR_X509_UNEXPECTED, "BR_ERR_X509_UNEXPECTED" },
	{ BR_ERR_X509_NOT_CONSTRUCTED, "BR_ERR_X509_NOT_CONSTRUCTED" },
	{ BR_ERR_X509_NOT_PRIMITIVE, "BR_ERR_X509_NOT_PRIMITIVE" },
	{ BR_ERR_X509_PARTIAL_BYTE, "BR_ERR_X509_PARTIAL_BYTE" },
	{ BR_ERR_X509_BAD_BOOLEAN, "BR_ERR_X509_BAD_BOOLEAN" },
	{ BR_ERR_X509_OVERFLOW, "BR_ERR_X509_OVERFLOW" },
	{ BR_ERR_X509_BAD_DN, "BR_ERR_X509_BAD_DN" },
	{ BR_ERR_X509_BAD_TIME, "BR_ERR_X509_BAD_TIME" },
	{ BR_ERR_X509_UNSUPPORTED, "BR_ERR_X509_UNSUPPORTED" },
	{ BR_ERR_X509_LIMIT_EXCEEDED, "BR_ERR_X509_LIMIT_EXCEEDED" },
	{ BR_ERR_X509_WRONG_KEY_TYPE, "BR_ERR_X509_WRONG_KEY_TYPE" },
	{ BR_ERR_X509_BAD_SIGNATURE, "BR_ERR_X509_BAD_SIGNATURE" },
	{ BR_ERR_X509_TIME_UNKNOWN, "BR_ERR_X509_TIME_UNKNOWN" },
	{ BR_ERR_X509_EXPIRED, "BR_ERR_X509_EXPIRED" },
	{ BR_ERR_X509_DN_MISMATCH, "BR_ERR_X509_DN_MISMATCH" },
	{ BR_ERR_X509_BAD_SERVER_NAME, "BR_ERR_X509_BAD_SERVER_NAME" },
	{ BR_ERR_X509_CRITICAL_EXTENSION, "BR_ERR_X509_CRITICAL_EXTENSION" },
	{ BR_ERR_X509_NOT_CA, "BR_ERR_X509_NOT_CA" },
	{ BR_ERR_X509_FORBIDDEN_KEY_USAGE, "BR_ERR_X509_FORBIDDEN_KEY_USAGE" },
	{ BR_ERR_X509_WEAK_PUBLIC_KEY, "BR_ERR_X509_WEAK_PUBLIC_KEY" },
	{ BR_ERR_X509_NOT_TRUSTED, "BR_ERR_X509_NOT_TRUSTED" },
};

static const char *
br_err_name(unsigned e, char *buf, size_t cap)
{
	const char *pre = "";

	if (e >= BR_ERR_SEND_FATAL_ALERT) {
		fmt_snprintf(buf, cap, "sent fatal alert %u", e - BR_ERR_SEND_FATAL_ALERT);
		return buf;
	}
	if (e >= BR_ERR_RECV_FATAL_ALERT) {
		fmt_snprintf(buf, cap, "server sent fatal alert %u",
		    e - BR_ERR_RECV_FATAL_ALERT);
		return buf;
	}
	for (size_t i = 0; i < sizeof err_names / sizeof err_names[0]; i++)
		if (err_names[i].err == e)
			return err_names[i].name;
	fmt_snprintf(buf, cap, "%serror %u", pre, e);
	return buf;
}

static int tls_fail(tls_conn *t, s3p_err *err);

/* 4 or 16 bytes of an IP literal in ip, or 0 for a name. */
static int
ip_literal(const char *host, unsigned char *ip)
{
	if (inet_pton(AF_INET, host, ip) == 1)
		return 4;
	if (inet_pton(AF_INET6, host, ip) == 1)
		return 16;
	return 0;
}

static void
set_time(br_x509_minimal_context *xc)
{
	long long t = (long long)s3p_now();

	if (t < (long long)S3PUB_BUILD_TIME)
		t = S3PUB_BUILD_TIME;
	/* days since 0000-01-01 (proleptic Gregorian): 1970-01-01 is 719528 */
	br_x509_minimal_set_time(xc, (uint32_t)(t / 86400 + 719528),
	    (uint32_t)(t % 86400));
}

static void
setup(tls_conn *t, const tls_anchors *a, int insecure)
{
	/*
	 * Hashes for the handshake (PRF, ServerKeyExchange signatures; the
	 * client offers in signature_algorithms only those set here) and for
	 * certificate signatures. No SHA-1 (nor MD5): TLS 1.2 needs neither,
	 * and the CA/Browser Forum has not allowed SHA-1-signed certificates
	 * since 2016, so a chain with a SHA-1 (or SHA-224) signature on a
	 * certificate below the anchor is refused (BR_ERR_X509_UNSUPPORTED);
	 * the anchor's own self-signature is never checked, so old roots with
	 * SHA-1 self-signatures still work. This keeps sha1.o (1.4 KB) out.
	 */
	static const br_hash_class *const hashes[] = {
		&br_sha256_vtable, &br_sha384_vtable, &br_sha512_vtable,
	};
	br_ssl_client_context *cc = &t->sc;
	br_ssl_engine_context *eng = &cc->eng;
	br_x509_minimal_context *xc = &t->xv.min;

	br_ssl_client_zero(cc);
	br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
	br_ssl_engine_set_suites(eng, suites, sizeof suites / sizeof suites[0]);
	/*
	 * One generic implementation for every curve (P-256, P-384, P-521)
	 * and for RSA, instead of BearSSL's defaults, which add a P-256
	 * special case, Curve25519 and a 62-bit RSA: about 12 KB less code
	 * for a handshake that stays around a millisecond. Key exchange then
	 * offers the NIST curves, which every S3 endpoint accepts.
	 */
	br_ssl_engine_set_rsavrfy(eng, &br_rsa_i31_pkcs1_vrfy);
	br_ssl_engine_set_ec(eng, &br_ec_prime_i31);
	br_ssl_engine_set_ecdsa(eng, &br_ecdsa_i31_vrfy_asn1);
	br_x509_minimal_init(xc, &br_sha256_vtable, a ? a->ta : NULL,
	    a ? a->n : 0);
	br_x509_minimal_set_rsa(xc, br_ssl_engine_get_rsavrfy(eng));
	br_x509_minimal_set_ecdsa(xc, br_ssl_engine_get_ec(eng),
	    br_ssl_engine_get_ecdsa(eng));
	for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++) {
		int id = (int)((hashes[i]->desc >> BR_HASHDESC_ID_OFF)
		    & BR_HASHDESC_ID_MASK);

		br_ssl_engine_set_hash(eng, id, hashes[i]);
		br_x509_minimal_set_hash(xc, id, hashes[i]);
	}
	set_time(xc);
	br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
	br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
	br_ssl_engine_set_default_aes_gcm(eng);
#if TLS_CHAPOL
	/*
	 * What br_ssl_engine_set_default_chapol() picks on ARM, without
	 * linking what it cannot pick there: the SSE2 ChaCha20 (x86 only),
	 * and with 128-bit integers (aarch64) the 32-bit Poly1305 fallback,
	 * as the 64-bit one always works (the #ifdef is BearSSL's BR_INT128
	 * test). A 32-bit x86 build would forgo SSE2: slower, still correct.
	 */
	br_ssl_engine_set_chapol(eng, &br_sslrec_in_chapol_vtable,
	    &br_sslrec_out_chapol_vtable);
	br_ssl_engine_set_chacha20(eng, &br_chacha20_ct_run);
#ifdef __SIZEOF_INT128__
	br_ssl_engine_set_poly1305(eng, &br_poly1305_ctmulq_run);
#else
	br_ssl_engine_set_poly1305(eng, &br_poly1305_ctmul_run);
#endif
#endif
	t->xv.vtable = &xv_class;
	t->xv.insecure = insecure;
	br_ssl_engine_set_x509(eng, &t->xv.vtable);
	br_ssl_engine_set_buffer(eng, t->buf, sizeof t->buf, 1);
}

int
tls_connect(tls_conn *t, const tls_anchors *a, const char *host,
    int insecure, tls_session *sess, tls_rd_fn rd, tls_wr_fn wr,
    void *io_ctx, s3p_err *err)
{
	unsigned char rnd[32];
	unsigned char offered[32];
	size_t offered_len = 0;
	unsigned e;
	char nb[48];

	t->io_failed = 0;
	t->eof = 0;
	t->resumed = 0;
	t->xv.der = NULL;
	t->xv.dec = NULL;
	fmt_snprintf(t->host, sizeof t->host, "%s", host);
	t->ca_path = a ? a->path : "(none)";
	setup(t, a, insecure);
	t->xv.ip_len = ip_literal(host, t->xv.ip);
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return err_set(err, S3P_ENET, "%s: getrandom: %s", host,
		    strerror(errno));
	br_ssl_engine_inject_entropy(&t->sc.eng, rnd, sizeof rnd);
	if (sess != NULL && sess->valid) {
		br_ssl_engine_set_session_parameters(&t->sc.eng, &sess->p);
		offered_len = sess->p.session_id_len;
		memcpy(offered, sess->p.session_id, offered_len);
	}
	/* no SNI for an IP literal (RFC 6066 section 3), nor a name check */
	if (!br_ssl_client_reset(&t->sc, t->xv.ip_len ? NULL : host,
	    sess != NULL && sess->valid)) {
		e = br_ssl_engine_last_error(&t->sc.eng);
		return err_set(err, S3P_ENET, "%s: TLS setup failed: %s", host,
		    br_err_name(e, nb, sizeof nb));
	}
	br_sslio_init(&t->io, &t->sc.eng, rd, io_ctx, wr, io_ctx);
	if (br_sslio_flush(&t->io) != 0) {
		tls_abandon(t);
		if (sess != NULL)
			sess->valid = 0;
		return tls_fail(t, err);
	}
	tls_abandon(t);     /* the certificate copies are no longer needed */
	if (sess != NULL) {
		br_ssl_engine_get_session_parameters(&t->sc.eng, &sess->p);
		sess->valid = sess->p.session_id_len > 0;
		t->resumed = offered_len > 0
		    && offered_len == sess->p.session_id_len
		    && memcmp(offered, sess->p.session_id, offered_len) == 0;
	}
	return 0;
}

static int
tls_fail(tls_conn *t, s3p_err *err)
{
	unsigned e = br_ssl_engine_last_error(&t->sc.eng);
	char nb[48];

	switch (e) {
	case BR_ERR_IO:
		t->io_failed = 1;
		return err_set(err, S3P_ENET, "%s: connection failed", t->host);
	case BR_ERR_X509_NOT_TRUSTED:
		return err_set(err, S3P_ENET,
		    "%s: certificate not trusted by CA bundle %s", t->host,
		    t->ca_path);
	case BR_ERR_X509_BAD_SERVER_NAME:
		if (t->xv.ip_len)
			return err_set(err, S3P_ENET, "%s: host name mismatch "
			    "(the certificate has no iPAddress subjectAltName "
			    "for this address)", t->host);
		return err_set(err, S3P_ENET, "%s: host name mismatch", t->host);
	case BR_ERR_X509_EXPIRED:
		return err_set(err, S3P_ENET,
		    "%s: certificate expired or not yet valid", t->host);
	case BR_ERR_OK:
		return err_set(err, S3P_ENET, "%s: TLS connection closed",
		    t->host);
	default:
		return err_set(err, S3P_ENET, "%s: TLS handshake failed: %s",
		    t->host, br_err_name(e, nb, sizeof nb));
	}
}

int
tls_is_cert_error(const tls_conn *t)
{
	unsigned e = br_ssl_engine_last_error(&t->sc.eng);

	return e >= BR_ERR_X509_OK && e < BR_ERR_X509_OK + 32;
}

int
tls_write(tls_conn *t, const void *buf, size_t len, s3p_err *err)
{
	if (br_sslio_write_all(&t->io, buf, len) != 0)
		return tls_fail(t, err);
	return 0;
}

int
tls_flush(tls_conn *t, s3p_err *err)
{
	if (br_sslio_flush(&t->io) != 0)
		return tls_fail(t, err);
	return 0;
}

long
tls_read(tls_conn *t, void *buf, size_t len, s3p_err *err)
{
	int r = br_sslio_read(&t->io, buf, len);

	if (r > 0)
		return r;
	/* closed: by close_notify (err 0), or a TCP close without one */
	if (br_ssl_engine_current_state(&t->sc.eng) == BR_SSL_CLOSED) {
		unsigned e = br_ssl_engine_last_error(&t->sc.eng);

		if (e == BR_ERR_OK)
			return 0;
		if (e == BR_ERR_IO && t->eof)
			return 0;
	}
	return tls_fail(t, err);
}

void
tls_abandon(tls_conn *t)
{
	free(t->xv.der);
	t->xv.der = NULL;
	free(t->xv.dec);
	t->xv.dec = NULL;
}

const char *
tls_suite_name(const tls_conn *t)
{
	switch (t->sc.eng.session.cipher_suite) {
	case BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:
		return "ECDHE-ECDSA-AES128-GCM-SHA256";
	case BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:
		return "ECDHE-RSA-AES128-GCM-SHA256";
	case BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:
		return "ECDHE-ECDSA-AES256-GCM-SHA384";
	case BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:
		return "ECDHE-RSA-AES256-GCM-SHA384";
#if TLS_CHAPOL
	case BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256:
		return "ECDHE-ECDSA-CHACHA20-POLY1305";
	case BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:
		return "ECDHE-RSA-CHACHA20-POLY1305";
#endif
	default:
		return "?";     /* none other is offered */
	}
}

int
tls_resumed(const tls_conn *t)
{
	return t->resumed;
}
