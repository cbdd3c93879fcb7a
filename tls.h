/*
 * tls.h: TLS 1.2 client connections over BearSSL, and the trust anchors.
 *
 * Trust anchors. tls_anchors_load() decodes a PEM bundle (RSA and EC CA
 * certificates; other PEM objects and undecodable certificates are skipped)
 * into a caller-owned tls_anchors. With ca_file NULL the bundle is the first
 * of: $AWS_CA_BUNDLE, $SSL_CERT_FILE (each when set and non-empty: a set
 * variable naming a missing file is an error, not a fall-through),
 * /etc/ssl/certs/ca-certificates.crt, /etc/pki/tls/certs/ca-bundle.crt,
 * /etc/ssl/cert.pem. The decoded anchors live in malloc'd memory (about
 * 71 KB for Debian's full bundle) until tls_anchors_free(). A loaded
 * tls_anchors is only read afterwards, so threads may share one.
 *
 * Connections. A tls_conn is a caller-owned struct of about 40 KiB (BearSSL
 * client context, X.509 validator, one full-duplex record buffer): heap or
 * static storage, not the stack of a small thread. It never touches a
 * socket: the caller gives two callbacks in the manner of br_sslio, which
 * must move at least one byte or return -1 (never 0) and do their own
 * time-outs. tls_connect() runs the whole handshake, so that a certificate
 * or handshake failure is reported there, in words:
 *   "HOST: certificate not trusted by CA bundle PATH"
 *   "HOST: host name mismatch" (or "...: certificate has no iPAddress
 *       subjectAltName matching IP")
 *   "HOST: certificate expired or not yet valid" (and tls_clock_note's
 *       words when the device clock is before the build date)
 *   "HOST: TLS handshake failed: BR_ERR_..." (the BearSSL error name;
 *       "server sent fatal alert N" for an alert received, explained for
 *       70 protocol_version and 40 handshake_failure)
 * all with status S3P_ENET. A failure of the I/O callbacks shows as -1 with
 * tls_conn.io_failed set and a generic message: the transport that owns the
 * callbacks knows the real cause (time-out, reset) and should overwrite it.
 *
 * Verification: the chain against the anchors, the validity dates at
 * s3p_now(), or, when that is before S3PUB_BUILD_TIME (a device whose clock
 * was never set), at the latest of the build time and the certificates'
 * notBefore, every certificate valid then (tls.c, clock_early); the host
 * name for names. SNI is sent for names only,
 * never for IP literals; for an IP literal the chain is validated without a
 * name and the end-entity certificate must carry an iPAddress
 * subjectAltName equal to the address (BearSSL only checks DNS names).
 * `insecure` skips every check (TLS_INSECURE_WARNING is the text the caller
 * prints on stderr).
 *
 * Suites: TLS 1.2 only, ECDHE_ECDSA and ECDHE_RSA (P-256/384/521) with
 * AES-128/256-GCM; on ARM and other non-x86-64 targets also
 * ChaCha20-Poly1305, offered first there (see tls.c for why). Certificate
 * and handshake signatures: RSA PKCS#1 and ECDSA with SHA-256/384/512; a
 * chain with a SHA-1-signed certificate is refused.
 * Entropy from getrandom(). Session resumption: tls_connect() offers the
 * parameters in *sess when valid and stores the new ones there on success.
 *
 * End of stream: tls_read() returns 0 both for a close_notify and for a TCP
 * close without one (truncation attacks are the HTTP framing's business:
 * http.c judges completeness by Content-Length or chunked framing).
 */
#ifndef S3PUB_TLS_H
#define S3PUB_TLS_H

#include <stddef.h>

#include <bearssl.h>

#include "err.h"

#define TLS_INSECURE_WARNING \
	"s3pub: warning: --insecure: TLS certificates are not verified"

typedef struct {
	br_x509_trust_anchor *ta;   /* malloc'd array; each anchor's DN and key share one block, freed through dn.data */
	size_t n;
	char path[512];             /* the bundle read, for error messages */
} tls_anchors;

/*
 * Loads the bundle (see above). Returns 0, or -1 with err set: S3P_EUSAGE
 * when the named file cannot be read or holds no usable certificate, or when
 * no system bundle exists (the message suggests --ca-file).
 */
int tls_anchors_load(tls_anchors *a, const char *ca_file, s3p_err *err);

/* Same from PEM text in memory; `name` is kept as `path` for messages. */
int tls_anchors_load_mem(tls_anchors *a, const void *pem, size_t len,
    const char *name, s3p_err *err);

/* Frees what a load allocated; the struct may be loaded again. */
void tls_anchors_free(tls_anchors *a);

/* Session parameters kept between connections to one server. */
typedef struct {
	br_ssl_session_parameters p;
	int valid;
} tls_session;

/* I/O callbacks, same contract as br_sslio's: >0 bytes moved, or -1. */
typedef int (*tls_rd_fn)(void *ctx, unsigned char *buf, size_t len);
typedef int (*tls_wr_fn)(void *ctx, const unsigned char *buf, size_t len);

/* Wraps br_x509_minimal to add the iPAddress check and `insecure`. */
typedef struct {
	const br_x509_class *vtable;
	br_x509_minimal_context min;
	int insecure;
	int ip_len;                 /* 0 for a name, 4 or 16 for an address */
	unsigned char ip[16];
	int ip_ok;                  /* the end-entity SAN matched */
	int cert_index;             /* 0 for the end-entity certificate */
	/* private: the EE key when insecure; dates when the clock is early */
	br_x509_decoder_context dec;
	unsigned char *der;         /* private: EE certificate bytes (malloc) */
	size_t der_len, der_cap;
	/* the device clock, the time dates are checked at, and (the device
	 * clock before the build date) the chain's earliest notAfter: s */
	long long clock, vtime, min_na;
} tls_x509;

typedef struct {
	br_ssl_client_context sc;
	tls_x509 xv;
	br_sslio_context io;
	int io_failed;              /* the last failure came from a callback */
	int eof;                    /* the rd callback sets it on a TCP close */
	int resumed;
	char host[256];             /* for messages */
	const char *ca_path;
	unsigned char buf[BR_SSL_BUFSIZE_BIDI];
} tls_conn;

/*
 * Starts a client connection to `host` (a name, or an IPv4/IPv6 literal
 * without brackets) and completes the handshake. `a` may be NULL only with
 * `insecure`. Returns 0, or -1 with err set (S3P_ENET). Nothing is
 * allocated but the end-entity certificate copy for IP checks and
 * `insecure` (and a key decoder for the latter), freed before returning.
 */
int tls_connect(tls_conn *t, const tls_anchors *a, const char *host,
    int insecure, tls_session *sess, tls_rd_fn rd, tls_wr_fn wr,
    void *io_ctx, s3p_err *err);

/* Writes all of buf (buffered in the record; tls_flush() sends it). */
int tls_write(tls_conn *t, const void *buf, size_t len, s3p_err *err);

/*
 * tls_write without the caller's copy: the room left in the record being
 * filled (*len > 0 bytes at the pointer; a full record is sent first), for
 * the caller to write its bytes there itself (a file read, a body reader),
 * then tls_wrote(n) with the n (<= *len) written: they then count as
 * tls_write's. Nothing written needs no tls_wrote. NULL with err set when
 * the connection failed.
 */
unsigned char *tls_write_room(tls_conn *t, size_t *len, s3p_err *err);
void tls_wrote(tls_conn *t, size_t n);
int tls_flush(tls_conn *t, s3p_err *err);

/* Reads up to len bytes: >0, 0 at end of stream, -1 with err set. */
long tls_read(tls_conn *t, void *buf, size_t len, s3p_err *err);

/*
 * Forgets the connection without waiting for the peer's close_notify
 * (br_sslio_close would block on it); the caller closes the socket.
 */
void tls_abandon(tls_conn *t);

/* The negotiated suite as OpenSSL names it ("ECDHE-RSA-AES128-GCM-SHA256"). */
const char *tls_suite_name(const tls_conn *t);

/* 1 when the last failure was a certificate refusal (not worth a retry). */
int tls_is_cert_error(const tls_conn *t);

/*
 * When the device clock is before the build date: " (the device clock,
 * 1970-01-01, is before this build's date: checked at 2026-12-07)" in buf
 * (112 bytes are enough), the time the last chain's dates were checked at;
 * "" otherwise. Returns buf.
 */
const char *tls_clock_note(const tls_conn *t, char *buf, size_t cap);

/* 1 when the last handshake resumed a session. */
int tls_resumed(const tls_conn *t);

#endif
