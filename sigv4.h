/*
 * sigv4.h: AWS Signature Version 4 (AWS4-HMAC-SHA256), in BearSSL's manner.
 *
 * Pure functions over caller buffers: nothing is allocated, nothing is
 * global, nothing is printed. The canonical request never exists as a
 * string: each of its fields is fed straight into a SHA-256 context (an
 * optional trace hook lets tests see the text).
 *
 * Terms (AWS, "Create a signed AWS API request"):
 *   amz_date    "YYYYMMDDTHHMMSSZ", UTC; the x-amz-date header or the
 *               X-Amz-Date query parameter. Its first 8 bytes are the date
 *               of the credential scope.
 *   scope       DATE/REGION/SERVICE/aws4_request.
 *   signing key HMAC chain over "AWS4" + secret, DATE, REGION, SERVICE,
 *               "aws4_request"; cached in a caller-owned `sigv4_key`.
 *
 * What the caller passes
 * ----------------------
 * `path`: the canonical URI is uri_encode(path) with '/' kept: every byte
 * but A-Z a-z 0-9 - . _ ~ and '/' becomes %XY (upper-case hex), once.
 *   - S3 (normalize = 0): pass the decoded path, e.g. "/bucket/my key+1".
 *     S3 signs the path encoded exactly once, which is also the path to put
 *     on the wire: sigv4_uri_encode(path, ..., 0) gives it. No dot-segment
 *     or slash normalisation ("a//b/../c" is a legal S3 key).
 *   - Other services (normalize = 1): dot segments are removed and empty
 *     segments dropped first (a trailing '/' is kept), then the path is
 *     encoded. Those services sign the wire path encoded a second time, so
 *     pass the path as sent on the wire (already encoded once): that is the
 *     "double encoding". The suite's request lines are such wire paths.
 *   An empty path is "/".
 * `query`: decoded name/value pairs (NULL value = empty). The canonical
 * query encodes both with '/' encoded too, and sorts by encoded name, then
 * encoded value. The caller puts the same parameters on the wire in any
 * order, each encoded with sigv4_uri_encode(..., 1).
 * `headers`: the headers to sign, and only those. The caller chooses them:
 * the s3 layer signs host, x-amz-* and content-type/content-md5 when sent,
 * never Accept-Encoding, Content-Length or others a proxy may rewrite.
 * Names are compared and signed lower-cased; values are trimmed and inner
 * runs of blanks (space, tab, CR, LF: folded lines) become one space;
 * repeated names are joined with ',' in the order given; lines are sorted
 * by name. Header form only: the signer itself adds `x-amz-date: amz_date`
 * and, with a session token (unless omit_session_token),
 * `x-amz-security-token: TOKEN`, unless the caller already lists that name
 * (then the caller's value is signed). The caller must SEND those headers
 * with those values (and the token even when omit_session_token). In the
 * query (presigned) form nothing is added to the headers: sign `host`
 * alone for a URL anyone can use.
 * `payload_hash`: lower-case hex SHA-256 of the body, or "UNSIGNED-PAYLOAD",
 * or "STREAMING-AWS4-HMAC-SHA256-PAYLOAD": signed as given. (S3 wants it in
 * the x-amz-content-sha256 header too: the caller lists that header.)
 *
 * Failures: functions that return int return -1 when the output does not
 * fit, when amz_date is malformed, or when a required field is NULL; the
 * output is then unspecified (but NUL-terminated when size > 0). A method
 * or header name is signed as given: pass HTTP tokens, no CR/LF.
 */
#ifndef S3PUB_SIGV4_H
#define S3PUB_SIGV4_H

#include <stddef.h>
#include <time.h>

#include "hmac.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
#define SIGV4_UNSIGNED_PAYLOAD "UNSIGNED-PAYLOAD"
#define SIGV4_STREAMING_PAYLOAD "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
/* SHA-256 of nothing: the payload hash of an empty body */
#define SIGV4_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

typedef struct {
	const char *name;
	const char *value;   /* NULL is the empty string */
} sigv4_pair;

/* Who signs, for which region and service, and when. */
typedef struct {
	const char *access_key;
	const char *secret_key;
	const char *session_token;   /* NULL or "": none */
	const char *region;          /* "us-east-1" */
	const char *service;         /* "s3" */
	const char *amz_date;        /* "YYYYMMDDTHHMMSSZ" */
} sigv4_scope;

/* What the trace hook receives (tests): pieces of text, in order. */
enum {
	SIGV4_TRACE_CANONICAL_REQUEST = 1,
	SIGV4_TRACE_STRING_TO_SIGN = 2
};

typedef struct {
	const char *method;               /* "GET", "PUT", ... */
	const char *path;                 /* see the contract above */
	const sigv4_pair *query;          /* decoded; may be NULL if nquery 0 */
	size_t nquery;
	const sigv4_pair *headers;        /* the headers to sign */
	size_t nheaders;
	const char *payload_hash;         /* hex, or one of the constants */
	/* 0: S3; 1: other services (costs segments^2: for short paths) */
	int normalize;
	/*
	 * With a session token: 0 signs it (header or X-Amz-Security-Token);
	 * 1 leaves it out of the signature (some services want it added after
	 * signing). The presigned query carries it either way.
	 */
	int omit_session_token;
	/*
	 * Optional (NULL: none): called with successive pieces of the canonical
	 * request and of the string to sign, exactly the bytes hashed/MACed.
	 */
	void (*trace)(void *arg, int what, const char *data, size_t len);
	void *trace_arg;
} sigv4_request;

/*
 * The signing key cache. Zero it (or sigv4_key_init) once; every signing
 * call derives the key only when the secret, date, region or service
 * differs from the last derivation (a tag of those is kept, not copies).
 * Holds secret-derived bytes: wipe with sigv4_key_wipe when done.
 */
typedef struct {
	int valid;
	unsigned char tag[SHA256_SIZE];   /* SHA-256 of secret, date, region, service */
	unsigned char key[SHA256_SIZE];   /* the signing key */
	hmac_sha256_ctx mac;              /* HMAC keyed with `key`, no message yet */
	unsigned long derivations;        /* how many times derived (tests) */
} sigv4_key;

void sigv4_key_init(sigv4_key *k);
void sigv4_key_wipe(sigv4_key *k);

/*
 * Derives (or keeps) the signing key for the scope's secret, date, region
 * and service. Called by every signing function; exported for tests and
 * for the chunk signer's caller. -1: NULL field or malformed amz_date.
 */
int sigv4_key_update(sigv4_key *k, const sigv4_scope *sc);

/*
 * Header form. Writes the Authorization header value
 *   AWS4-HMAC-SHA256 Credential=AK/DATE/REGION/SERVICE/aws4_request,
 *   SignedHeaders=a;b;c, Signature=HEX
 * (one line) to auth[authsz] and the signature to sig (64 hex + NUL; may be
 * NULL). Returns the length of the value, or -1.
 */
int sigv4_sign_header(sigv4_key *k, const sigv4_scope *sc,
    const sigv4_request *rq, char *auth, size_t authsz, char sig[65]);

/*
 * Query (presigned URL) form, valid `expires` seconds from amz_date: 1 to
 * 604800 (7 days, the SigV4 limit), else -1. Writes the parameters the signer adds, encoded, to out[outsz]:
 *   X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=...&X-Amz-Date=...
 *   &X-Amz-SignedHeaders=...&X-Amz-Expires=N[&X-Amz-Security-Token=...]
 *   &X-Amz-Signature=HEX
 * The URL is PATH?[caller's query&]OUT. The caller's query parameters must
 * not use these names. Returns the length written, or -1.
 */
int sigv4_presign(sigv4_key *k, const sigv4_scope *sc,
    const sigv4_request *rq, unsigned long expires,
    char *out, size_t outsz, char sig[65]);

/*
 * The signed-headers list ("host;x-amz-date") the header form would sign;
 * presign = 1: the query form's list. Returns its length, or -1.
 */
int sigv4_signed_headers(const sigv4_scope *sc, const sigv4_request *rq,
    int presign, char *out, size_t outsz);

/*
 * aws-chunked streaming (x-amz-content-sha256:
 * STREAMING-AWS4-HMAC-SHA256-PAYLOAD): the signature of one chunk, chained
 * from the previous one, prev_sig (64 hex and a NUL; the first chunk's is
 * the seed, the request's own signature, with the same scope):
 *   AWS4-HMAC-SHA256-PAYLOAD \n amz_date \n scope \n prev_sig \n
 *   SHA-256("") hex \n SHA-256(chunk data) hex
 * The final, empty chunk is signed with the hash of nothing. Writes 64 hex
 * + NUL to sig (which may be prev_sig itself). Returns 0, or -1 (see
 * sigv4_key_update; or prev_sig not 64 bytes long). On the wire a chunk is
 * hex(size) ";chunk-signature=" sig CRLF data CRLF.
 */
int sigv4_chunk_sign(sigv4_key *k, const sigv4_scope *sc,
    const char *prev_sig, const unsigned char chunk_sha256[SHA256_SIZE],
    char sig[65]);

/*
 * URI encoding of AWS: every byte but A-Z a-z 0-9 - . _ ~ (and '/' when
 * encode_slash is 0) becomes %XY, upper-case hex. Writes a NUL-terminated
 * string; returns its length, or -1 when it does not fit in outsz (out is
 * then truncated but terminated when outsz > 0).
 */
int sigv4_uri_encode(const char *src, char *out, size_t outsz, int encode_slash);

/* UTC time t as amz_date "YYYYMMDDTHHMMSSZ" and date stamp "YYYYMMDD". */
void sigv4_format_time(time_t t, char amz_date[17], char date_stamp[9]);

/*
 * Parses an amz_date (exactly "YYYYMMDDTHHMMSSZ", a real UTC time) into
 * *t (may be NULL: only checks). Returns 0, or -1 when malformed.
 */
int sigv4_parse_time(const char *amz_date, time_t *t);

#endif
