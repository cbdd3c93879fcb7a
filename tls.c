/* tls.c: see tls.h. */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"
#include "fmt.h"
#include "hmac.h"
#include "sha256.h"
#include "text.h"

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

static unsigned char *
cat(unsigned char *m, const void *src, size_t len)
{
	if (len > 0)
		memcpy(m, src, len);
	return m + len;
}

/* One certificate being decoded: the PEM decoder pushes DER into it. */
typedef struct {
	br_x509_decoder_context xd;
	dyn dn;
	uint32_t last;  /* the last 4 bytes pushed, for has_ext */
	int has_ext;    /* an extension's OID was seen */
} cert_in;

static void
cert_push(void *ctx, const void *buf, size_t len)
{
	cert_in *ci = ctx;

	/* any X.509 v3 extension's OID (2.5.29.x, DER 06 03 55 1d): a false
	 * match only keeps a certificate from being a CA */
	for (size_t i = 0; i < len; i++)
		if ((ci->last = ci->last << 8 | ((const unsigned char *)buf)[i])
		    == 0x0603551d)
			ci->has_ext = 1;
	/* the decoder must not run again once finished (found by fuzzing:
	 * a NULL dereference in br_x509_decoder_run); bytes after the
	 * certificate are ignored, as OpenSSL does */
	if (ci->xd.err == 0 && !ci->xd.decoded)
		br_x509_decoder_push(&ci->xd, buf, len);
}

/*
 * Turns a decoded certificate into an anchor; 0 skipped, 1 added, -1 oom.
 * Its DN and key bytes are one allocation, which the DN points to.
 */
static int
add_anchor(tls_anchors *a, size_t *cap, cert_in *ci)
{
	br_x509_pkey *pk;
	br_x509_trust_anchor *ta;
	unsigned char *m;
	int rsa;

	/* decoded: err is then 0, or EXTRA_ELEMENT for bytes after it */
	pk = &ci->xd.pkey;
	if (!ci->xd.decoded || ci->dn.oom || (pk->key_type != BR_KEYTYPE_RSA
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
	rsa = pk->key_type == BR_KEYTYPE_RSA;
	if ((m = malloc(ci->dn.len + 1 + (rsa ? pk->key.rsa.nlen
	    + pk->key.rsa.elen : pk->key.ec.qlen))) == NULL)
		return -1;
	ta = &a->ta[a->n++];
	ta->dn.data = m;
	ta->dn.len = ci->dn.len;
	/*
	 * A CA by basicConstraints, or one with no extension at all (X.509
	 * v1, as 'openssl x509 -req -signkey' makes for private CAs), as
	 * OpenSSL takes such a root. A v3 certificate without cA=TRUE (no
	 * basicConstraints, or cA=FALSE) is trusted only as itself: a
	 * server's own certificate pinned in the bundle signs nothing.
	 */
	ta->flags = br_x509_decoder_isCA(&ci->xd) || !ci->has_ext
	    ? BR_X509_TA_CA : 0;
	ta->pkey = *pk;     /* lengths and curve; the pointers are set next */
	m = cat(m, ci->dn.p, ci->dn.len);
	if (rsa) {
		ta->pkey.key.rsa.n = m;
		m = cat(m, pk->key.rsa.n, pk->key.rsa.nlen);
		ta->pkey.key.rsa.e = m;
		cat(m, pk->key.rsa.e, pk->key.rsa.elen);
	} else {
		ta->pkey.key.ec.q = m;
		cat(m, pk->key.ec.q, pk->key.ec.qlen);
	}
	return 1;
}

void
tls_anchors_free(tls_anchors *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->ta[i].dn.data);
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
	/* a UTF-8 byte order mark (Windows editors) would hide the first line */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
		p += 3;
		len -= 3;
	}
	/*
	 * A byte at a time: BearSSL's decoder keeps a CR or a blank in the
	 * BEGIN line's object name ("CERTIFICATE" then matches nothing) and
	 * its END line must end in dashes and a newline, and it ends an object
	 * only at the END line's newline, so CRs, and blanks before a line's
	 * end, are not pushed and one newline is pushed after the text, as
	 * BearSSL's own tools do (curl, openssl and python read such bundles).
	 * Debian's bundle of 144 CAs loads in about 36 ms, against 31 in one
	 * push.
	 */
	for (size_t i = 0, j = 0; i <= len && rc == 0; i++) {
		const char *nm;
		size_t l;

		/* j: the end of the run of blanks, CRs (any control byte but
		 * the newline) at i, found once a run */
		for (j = j > i ? j : i; j < len && p[j] <= ' ' && p[j] != '\n'; j++)
			;
		if (j > i && (p[i] == '\r' || j == len || p[j] == '\n'))
			continue;
		br_pem_decoder_push(&pc, i < len ? p + i
		    : (const unsigned char *)"\n", 1);
		switch (br_pem_decoder_event(&pc)) {
		case BR_PEM_BEGIN_OBJ:
			/* CERTIFICATE, X509 CERTIFICATE; not OpenSSL's TRUSTED
			 * CERTIFICATE: its trust settings may reject the CA
			 * for servers (p11-kit marks distrusted CAs so), and
			 * they are not read here */
			nm = br_pem_decoder_name(&pc);
			l = strlen(nm);
			in_cert = l >= 11 && *nm != 'T' &&
			    strcmp(nm + l - 11, "CERTIFICATE") == 0;
			if (in_cert) {
				ci->dn.len = 0;
				ci->dn.oom = 0;
				ci->has_ext = 0;
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

/* stdio's fopen and fread would bring 0.7 KB of libc for this one read */
static int
load_file(tls_anchors *a, const char *path, s3p_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
	dyn d = { 0 };
	unsigned char buf[4096];
	ssize_t k;

	if (fd < 0)
		return err_set(err, S3P_EUSAGE, "CA bundle %s: %s", path,
		    strerror(errno));
	while ((k = read(fd, buf, sizeof buf)) > 0)
		dyn_add(&d, buf, (size_t)k);
	close(fd);
	if (k < 0 || d.oom)
		rc = err_set(err, S3P_EUSAGE, "CA bundle %s: read error", path);
	else
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
	if (((e = getenv("AWS_CA_BUNDLE")) != NULL && *e)
	    || ((e = getenv("SSL_CERT_FILE")) != NULL && *e))
		return load_file(a, e, err);
	for (size_t i = 0; i < sizeof sys / sizeof sys[0]; i++) {
		int fd = open(sys[i], O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			close(fd);
			return load_file(a, sys[i], err);
		}
	}
	return err_set(err, S3P_EUSAGE, "no CA bundle found (tried %s, %s, %s): "
	    "give one with --ca-file", sys[0], sys[1], sys[2]);
}

/* ---- X.509 validation: br_x509_minimal plus iPAddress SAN, insecure ---- */

/*
 * Reads the DER element at *c (*len bytes left): returns its tag with its
 * value in *v, *vl and moves *c, *len past it; -1 when malformed.
 */
static int
der_next(const unsigned char **c, size_t *len, const unsigned char **v,
    size_t *vl)
{
	const unsigned char *p = *c;
	size_t n = *len, hl = 2, l;

	if (n < 2 || (p[0] & 0x1f) == 0x1f)
		return -1;          /* high tag numbers: never in these paths */
	l = p[1];
	if (l >= 0x80) {
		size_t k = l & 0x7f;

		if (k == 0 || k > 4 || n < 2 + k)
			return -1;
		for (l = 0; hl < 2 + k; hl++)
			l = (l << 8) | p[hl];
	}
	if (l > n - hl)
		return -1;
	*v = p + hl;
	*vl = l;
	*c = p + hl + l;
	*len = n - hl - l;
	return p[0];
}

/* Steps into the value of the next element, which must have tag `want`. */
static int
der_enter(const unsigned char **c, size_t *len, int want)
{
	const unsigned char *v;
	size_t vl;

	if (der_next(c, len, &v, &vl) != want)
		return -1;
	*c = v;
	*len = vl;
	return 0;
}

/*
 * RFC 5280 section 4.2.1.6: is ip[0..iplen) one of the iPAddress entries
 * of the certificate's subjectAltName? 1 yes, 0 no (or undecodable).
 */
static int
san_has_ip(const unsigned char *c, size_t len, const unsigned char *ip,
    int iplen)
{
	static const unsigned char san_oid[] = { 0x06, 0x03, 0x55, 0x1d, 0x11 };
	const unsigned char *e, *v;
	size_t elen, vl;
	int tag;

	/* Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { ... } ... } */
	if (der_enter(&c, &len, 0x30) < 0 || der_enter(&c, &len, 0x30) < 0)
		return 0;
	/* skip fields up to extensions [3] */
	do {
		if ((tag = der_next(&c, &len, &v, &vl)) < 0)
			return 0;
	} while (tag != 0xa3);
	if (der_enter(&v, &vl, 0x30) < 0)
		return 0;
	while (vl > 0) {      /* Extension ::= SEQ { OID, BOOL?, OCTET STRING } */
		if (der_next(&v, &vl, &e, &elen) != 0x30)
			return 0;
		if (elen < sizeof san_oid || memcmp(e, san_oid, sizeof san_oid))
			continue;
		e += sizeof san_oid;
		elen -= sizeof san_oid;
		if ((tag = der_next(&e, &elen, &c, &len)) == 0x01)    /* critical */
			tag = der_next(&e, &elen, &c, &len);
		if (tag != 0x04 || der_enter(&c, &len, 0x30) < 0)
			return 0;
		while (len > 0) {       /* GeneralName, iPAddress is [7] */
			if ((tag = der_next(&c, &len, &e, &elen)) < 0)
				return 0;
			if (tag == 0x87 && elen == (size_t)iplen
			    && memcmp(e, ip, elen) == 0)
				return 1;
		}
		return 0;
	}
	return 0;
}

#define XV(ctx) ((tls_x509 *)(void *)(ctx))

/* Certificate dates are checked at x->vtime. */
static void
set_vtime(tls_x509 *x)
{
	/* days since 0000-01-01 (proleptic Gregorian): 1970-01-01 is 719528 */
	br_x509_minimal_set_time(&x->min, (uint32_t)(x->vtime / 86400 + 719528),
	    (uint32_t)(x->vtime % 86400));
}

/* Seconds since 1970 of a date as br_x509_decoder gives it. */
static long long
x509_secs(uint32_t days, uint32_t secs)
{
	return ((long long)days - 719528) * 86400 + secs;
}

/*
 * The device clock is before the build date (a device without a real-time
 * clock starts at 1970): the true time is then only known to be after the
 * build date, and a certificate issued since is no sign of a bad one. So
 * each certificate br_x509_minimal checks is also decoded here, ahead of
 * it, and the time it checks dates at is moved up to the latest notBefore
 * seen; xv_end_chain then refuses the chain unless every notAfter is at or
 * after that time. The chain is thus valid at one time, which is after the
 * build date: no certificate expired before the build date is taken.
 */
static int
clock_early(const tls_x509 *x)
{
	return x->clock < S3PUB_BUILD_TIME && x->min.err == 0;
}

static void
xv_start_chain(const br_x509_class **ctx, const char *server_name)
{
	tls_x509 *x = XV(ctx);

	x->cert_index = -1;
	x->ip_ok = 0;
	x->der_len = 0;
	x->min_na = LLONG_MAX;
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
	br_x509_decoder_init(&x->dec, NULL, NULL);
}

static void
xv_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
	tls_x509 *x = XV(ctx);

	if (x->cert_index == 0 && x->der != NULL && x->der_len + len <= x->der_cap) {
		memcpy(x->der + x->der_len, buf, len);
		x->der_len += len;
	}
	/* never again once finished: see cert_push */
	if (clock_early(x) && !x->dec.decoded && x->dec.err == 0) {
		long long nb;

		br_x509_decoder_push(&x->dec, buf, len);
		nb = x509_secs(x->dec.notbefore_days, x->dec.notbefore_seconds);
		if (nb > x->vtime) {
			x->vtime = nb;
			set_vtime(x);
		}
	}
	if (!x->insecure)
		x->min.vtable->append(&x->min.vtable, buf, len);
}

static void
xv_end_cert(const br_x509_class **ctx)
{
	tls_x509 *x = XV(ctx);

	long long na = x509_secs(x->dec.notafter_days, x->dec.notafter_seconds);

	if (clock_early(x) && na < x->min_na)
		x->min_na = na;
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
		br_x509_decoder_init(&x->dec, NULL, NULL);
		br_x509_decoder_push(&x->dec, x->der, x->der_len);
		return br_x509_decoder_last_error(&x->dec) ? BR_ERR_X509_INVALID_VALUE
		    : 0;
	}
	r = x->min.vtable->end_chain(&x->min.vtable);
	if (r == 0 && x->min_na < x->vtime)
		r = BR_ERR_X509_EXPIRED;
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
		return br_x509_decoder_get_pkey(&x->dec);
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

/*
 * BearSSL's error names, without their "BR_ERR_" (or, from 33 on,
 * "BR_ERR_X509_") prefix, for the codes 1 to 62 in order: NUL-separated,
 * empty for the codes BearSSL leaves unused.
 */
static const char err_names[] =
	"BAD_PARAM\0BAD_STATE\0UNSUPPORTED_VERSION\0BAD_VERSION\0BAD_LENGTH\0"
	"TOO_LARGE\0BAD_MAC\0NO_RANDOM\0UNKNOWN_TYPE\0UNEXPECTED\0\0BAD_CCS\0"
	"BAD_ALERT\0BAD_HANDSHAKE\0OVERSIZED_ID\0BAD_CIPHER_SUITE\0"
	"BAD_COMPRESSION\0BAD_FRAGLEN\0BAD_SECRENEG\0EXTRA_EXTENSION\0"
	"BAD_SNI\0BAD_HELLO_DONE\0LIMIT_EXCEEDED\0BAD_FINISHED\0"
	"RESUME_MISMATCH\0INVALID_ALGORITHM\0BAD_SIGNATURE\0WRONG_KEY_USAGE\0"
	"NO_CLIENT_AUTH\0\0IO\0\0INVALID_VALUE\0TRUNCATED\0EMPTY_CHAIN\0"
	"INNER_TRUNC\0BAD_TAG_CLASS\0BAD_TAG_VALUE\0INDEFINITE_LENGTH\0"
	"EXTRA_ELEMENT\0UNEXPECTED\0NOT_CONSTRUCTED\0NOT_PRIMITIVE\0"
	"PARTIAL_BYTE\0BAD_BOOLEAN\0OVERFLOW\0BAD_DN\0BAD_TIME\0UNSUPPORTED\0"
	"LIMIT_EXCEEDED\0WRONG_KEY_TYPE\0BAD_SIGNATURE\0TIME_UNKNOWN\0"
	"EXPIRED\0DN_MISMATCH\0BAD_SERVER_NAME\0CRITICAL_EXTENSION\0NOT_CA\0"
	"FORBIDDEN_KEY_USAGE\0WEAK_PUBLIC_KEY\0\0NOT_TRUSTED";

static const char *
br_err_name(unsigned e, char *buf, size_t cap)
{
	const char *n = err_names;

	if (e >= BR_ERR_RECV_FATAL_ALERT) {     /* + the alert, 256 or 512 */
		int rcvd = e < BR_ERR_SEND_FATAL_ALERT;

		/* and the two received alerts a user can act on */
		e &= 255;
		fmt_snprintf(buf, cap, "%ssent fatal alert %u%s", rcvd ? "server "
		    : "", e, !rcvd ? "" : e == 70 ? " protocol_version (the "
		    "server wants TLS 1.3; s3pub speaks TLS 1.2)" : e == 40
		    ? " handshake_failure (no cipher suite in common)" : "");
		return buf;
	}
	if (e - 1 < BR_ERR_X509_NOT_TRUSTED) {     /* 1 to 62 (0 wraps) */
		for (unsigned i = 1; i < e; i++)
			n += strlen(n) + 1;
		if (*n != '\0') {
			fmt_snprintf(buf, cap, "BR_ERR_%s%s",
			    e > BR_ERR_X509_OK ? "X509_" : "", n);
			return buf;
		}
	}
	fmt_snprintf(buf, cap, "error %u", e);
	return buf;
}

static int tls_fail(tls_conn *t, s3p_err *err);


/*
 * SHA-256 for BearSSL (the handshake hash, HMAC, certificate signatures,
 * the PRF) is sha256.c's, as a br_hash_class: BearSSL's own (sha2small.o,
 * 2 KB) stays out of the binary, and the handshake gets SHA-NI. state()
 * and set_state() are BearSSL's way to save and restore a hash at a
 * block boundary (HMAC keys, the running handshake hashes); the layout
 * of the 32 state bytes is the class's own business.
 */
typedef struct {
	const br_hash_class *vtable;
	sha256_ctx h;
} br_s3p_sha256;

static const br_hash_class s3p_sha256_class;

static void
s3p_sha256_init(const br_hash_class **ctx)
{
	br_s3p_sha256 *c = (br_s3p_sha256 *)ctx;

	c->vtable = &s3p_sha256_class;
	sha256_init(&c->h);
}

static void
s3p_sha256_update(const br_hash_class **ctx, const void *data, size_t len)
{
	sha256_update(&((br_s3p_sha256 *)ctx)->h, data, len);
}

static void
s3p_sha256_out(const br_hash_class *const *ctx, void *dst)
{
	sha256_final(&((const br_s3p_sha256 *)ctx)->h, dst);
}

static uint64_t
s3p_sha256_state(const br_hash_class *const *ctx, void *dst)
{
	const br_s3p_sha256 *c = (const br_s3p_sha256 *)ctx;

	memcpy(dst, c->h.state, sizeof c->h.state);
	return c->h.count;
}

static void
s3p_sha256_set_state(const br_hash_class **ctx, const void *stb,
    uint64_t count)
{
	br_s3p_sha256 *c = (br_s3p_sha256 *)ctx;

	memcpy(c->h.state, stb, sizeof c->h.state);
	c->h.count = count;
}

static const br_hash_class s3p_sha256_class = {
	sizeof(br_s3p_sha256),
	BR_HASHDESC_ID(br_sha256_ID) | BR_HASHDESC_OUT(32) |
	    BR_HASHDESC_STATE(32) | BR_HASHDESC_LBLEN(6) |
	    BR_HASHDESC_MD_PADDING | BR_HASHDESC_MD_PADDING_BE,
	s3p_sha256_init, s3p_sha256_update, s3p_sha256_out,
	s3p_sha256_state, s3p_sha256_set_state
};

/* HMAC(secret, [a +] label + seed): the PRF's one step */
static void
prf_step(const hmac_sha256_ctx *key, const unsigned char *a, const char *label,
    size_t seed_num, const br_tls_prf_seed_chunk *seed,
    unsigned char out[SHA256_SIZE])
{
	hmac_sha256_ctx h = *key;

	if (a != NULL)
		hmac_sha256_update(&h, a, SHA256_SIZE);
	hmac_sha256_update(&h, label, strlen(label));
	for (size_t i = 0; i < seed_num; i++)
		hmac_sha256_update(&h, seed[i].data, seed[i].len);
	hmac_sha256_final(&h, out);
}

/* TLS 1.2's PRF, P_SHA256 (RFC 5246 section 5), over hmac.c */
static void
s3p_prf_sha256(void *dst, size_t len, const void *secret, size_t secret_len,
    const char *label, size_t seed_num, const br_tls_prf_seed_chunk *seed)
{
	hmac_sha256_ctx key;
	unsigned char a[SHA256_SIZE], out[SHA256_SIZE];
	unsigned char *d = dst;

	hmac_sha256_init(&key, secret, secret_len);
	prf_step(&key, NULL, label, seed_num, seed, a);         /* A(1) */
	while (len > 0) {
		size_t n = len < sizeof out ? len : sizeof out;

		prf_step(&key, a, label, seed_num, seed, out);
		memcpy(d, out, n);
		d += n;
		len -= n;
		prf_step(&key, a, "", 0, NULL, a);              /* A(i+1) */
	}
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
		&s3p_sha256_class, &br_sha384_vtable, &br_sha512_vtable,
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
	br_x509_minimal_init(xc, &s3p_sha256_class, a ? a->ta : NULL,
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
	/* a clock before the build date: see clock_early */
	t->xv.clock = (long long)s3p_now();
	t->xv.vtime = t->xv.clock < S3PUB_BUILD_TIME ? S3PUB_BUILD_TIME
	    : t->xv.clock;
	set_vtime(&t->xv);
	br_ssl_engine_set_prf_sha256(eng, s3p_prf_sha256);
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
	size_t offered_len = 0, hl;
	unsigned e;
	char nb[48];

	t->io_failed = 0;
	t->eof = 0;
	t->resumed = 0;
	t->xv.der = NULL;
	/* an absolute name's final dot is not sent in SNI (RFC 6066) nor
	 * matched against the certificate, as curl does */
	fmt_snprintf(t->host, sizeof t->host, "%s", host);
	hl = strlen(t->host);
	if (hl > 1 && t->host[hl - 1] == '.')
		t->host[hl - 1] = '\0';
	host = t->host;
	t->ca_path = a ? a->path : "(none)";
	setup(t, a, insecure);
	/* 4 or 16 bytes of an IP literal, or 0 for a name */
	t->xv.ip_len = text_ip(host, t->xv.ip);
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
	const char *why = "TLS handshake failed: ", *arg = "";
	char nb[112];

	switch (e) {
	case BR_ERR_IO:
		t->io_failed = 1;
		why = "connection failed";
		break;
	case BR_ERR_X509_NOT_TRUSTED:
		why = "certificate not trusted by CA bundle ";
		arg = t->ca_path;
		break;
	case BR_ERR_X509_BAD_SERVER_NAME:
		why = t->xv.ip_len ? "host name mismatch (the certificate has no "
		    "iPAddress subjectAltName for this address)"
		    : "host name mismatch";
		break;
	case BR_ERR_X509_EXPIRED:
		why = "certificate expired or not yet valid";
		arg = tls_clock_note(t, nb, sizeof nb);
		break;
	case BR_ERR_OK:
		why = "TLS connection closed";
		break;
	default:
		arg = br_err_name(e, nb, sizeof nb);
		break;
	}
	return err_set(err, S3P_ENET, "%s: %s%s", t->host, why, arg);
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

unsigned char *
tls_write_room(tls_conn *t, size_t *len, s3p_err *err)
{
	unsigned char *room = br_ssl_engine_sendapp_buf(&t->sc.eng, len);

	/*
	 * None: a full record waits to be sent (or the engine is busy with
	 * the peer). br_sslio_flush closes no record that is not full (it
	 * holds no application data then) and runs the engine until it
	 * takes application data again.
	 */
	if (room == NULL && (br_sslio_flush(&t->io) != 0 ||
	    (room = br_ssl_engine_sendapp_buf(&t->sc.eng, len)) == NULL)) {
		tls_fail(t, err);
		return NULL;
	}
	return room;
}

void
tls_wrote(tls_conn *t, size_t n)
{
	if (n > 0)
		br_ssl_engine_sendapp_ack(&t->sc.eng, n);
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
}

/* The names of suites[], in its order, as OpenSSL writes them. */
static const char suite_names[] =
#if TLS_CHAPOL
	"ECDHE-ECDSA-CHACHA20-POLY1305\0ECDHE-RSA-CHACHA20-POLY1305\0"
#endif
	"ECDHE-ECDSA-AES128-GCM-SHA256\0ECDHE-RSA-AES128-GCM-SHA256\0"
	"ECDHE-ECDSA-AES256-GCM-SHA384\0ECDHE-RSA-AES256-GCM-SHA384";

const char *
tls_suite_name(const tls_conn *t)
{
	const char *n = suite_names;

	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
		if (suites[i] == t->sc.eng.session.cipher_suite)
			return n;
		n += strlen(n) + 1;
	}
	return "?";     /* none other is offered */
}

int
tls_resumed(const tls_conn *t)
{
	return t->resumed;
}

const char *
tls_clock_note(const tls_conn *t, char *buf, size_t cap)
{
	s3p_utc c, v;

	*buf = '\0';
	if (t->xv.clock < S3PUB_BUILD_TIME) {
		/* both are within 0..9999: s3p_time_to_utc does not fail */
		s3p_time_to_utc(t->xv.clock, &c);
		s3p_time_to_utc(t->xv.vtime, &v);
		fmt_snprintf(buf, cap, " (the device clock, %04d-%02d-%02d, is "
		    "before this build's date: checked at %04d-%02d-%02d)",
		    c.year, c.month, c.day, v.year, v.month, v.day);
	}
	return buf;
}
