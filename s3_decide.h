/*
 * s3_decide.h: what s3.c does after an S3 answer, decided without a
 * network.
 *
 * s3.c's s3_do() signs and sends a request, then asks these functions what
 * the answer means: success, a correction followed by a new try (the clock,
 * the region), a retry after a wait, or a final failure with an exit class
 * (err.h). They read only their arguments (an answer's status, S3 error
 * code and headers, the clocks, a random number) and change nothing, so
 * that each decision is tested alone (tests/test_s3_decide.c); s3_do()
 * keeps the state: how many attempts, whether the clock or the region was
 * corrected already. The policy is s3.h's (Retries, Errors), from SPEC
 * section 4.
 */
#ifndef S3PUB_S3_DECIDE_H
#define S3PUB_S3_DECIDE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define S3_BACKOFF_BASE_MS 200
#define S3_BACKOFF_CAP_MS  20000
#define S3_SKEW_LIMIT      300      /* seconds: a 403 past this is skew */

/* What an S3 error code means (s3_code_class), any of: */
#define S3_CODE_RETRY   0x01    /* tried again */
#define S3_CODE_SKEW    0x02    /* the clock is wrong */
#define S3_CODE_MOVED   0x04    /* the bucket is in another region */
#define S3_CODE_REFUSED 0x08    /* S3P_EREFUSED */
#define S3_CODE_DIGEST  0x10    /* S3P_EINTEGRITY */
#define S3_CODE_CHANGED 0x20    /* the body changed: s3_upload starts again */

/*
 * The code an answer without an error document stands for (HEAD answers
 * and some proxies send no body): 404 NoSuchKey (NoSuchBucket when the
 * request names no key), 403 AccessDenied, 301 PermanentRedirect; else "".
 */
const char *s3_status_code(int status, int has_key);

/* The S3_CODE_* flags of an error code; 0 for a code not listed. */
unsigned s3_code_class(const char *code);

/*
 * 1 when a failed answer is tried again: HTTP 500, 502, 503, 504, 429, or
 * a code of class S3_CODE_RETRY. (501 Not Implemented is final.)
 */
int s3_retryable(int status, unsigned cls);

/*
 * The exit class of a failed answer: S3P_EREFUSED for 403, 412 and
 * S3_CODE_REFUSED codes; S3P_EINTEGRITY for S3_CODE_DIGEST; else
 * S3P_ESERVER.
 */
int s3_exit_class(int status, unsigned cls);

/*
 * 1 when a request that got no answer (http's HTTP_FAIL_* `fail`, the
 * error's exit class `status`) is final: a certificate refused, a proxy's
 * 407, the body reader or the sink failed, a usage or local input error, or the
 * caller's sink received bytes already (delivered). Else 0: tried again.
 */
int s3_no_answer_final(int fail, int status, int delivered);

/*
 * The MD5 that an object's or a part's ETag stands for, quoted or not:
 * the ETag of a plain PutObject or UploadPart is its body's MD5 in hex
 * (returns 0); a multipart object's is "HEX-N", HEX the MD5 of its N
 * parts' MD5s one after the other (returns N, 1 to 10,000). Returns -1
 * for any other (an SSE-KMS or SSE-C object's is no MD5 of its bytes, but
 * looks like one: the caller knows when to ask).
 */
int s3_etag_md5(const char *etag, unsigned char md5[16]);

/*
 * 1 when `fail` (http's HTTP_FAIL_*) is the network's once the request had
 * gone out: HTTP_FAIL_RECV (a reset, a time-out) or HTTP_FAIL_TRUNCATED
 * (a clean close before the answer's end). Such a try may have been
 * carried out, and its answer may have been cut after some body bytes.
 */
int s3_cut_short(int fail);

/*
 * 1 when a GetObject try cut in its body is carried on from where it
 * stopped (s3.h: s3_get): the sink took `got` > 0 bytes, the failure was
 * the network's (`fail` HTTP_FAIL_RECV: a reset, a time-out;
 * HTTP_FAIL_TRUNCATED: a clean close before the body's end), and the
 * first answer sent an ETag for If-Match (has_etag), without which an
 * object replaced meanwhile would go unnoticed. Else 0: the try is final.
 */
int s3_get_resumable(int fail, uint64_t got, int has_etag);

/*
 * Where the answer to `Range: bytes=GOT-` starts against the `got` bytes
 * taken already: a 206 whose Content-Range (may be NULL) is
 * "bytes GOT-LAST/LENGTH" (LENGTH may be '*'): 0 bytes to skip; a 200 (a
 * store that ignores Range sends the whole body again): `got` to skip.
 * Returns 0 with *skip set, or -1: any other start, status or form.
 */
int s3_range_skip(int status, const char *content_range, uint64_t got,
    uint64_t *skip);

/*
 * An RFC 7231 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") to seconds.
 * Returns 0, or -1 when v is NULL or not of that form.
 */
int s3_http_date(const char *v, time_t *out);

/*
 * The clock correction an answer asks for: the server's Date (may be
 * NULL) against `signed_at`, the time the request was signed with, when
 * the code says so (S3_CODE_SKEW) or the answer is a 403 and they differ
 * by more than S3_SKEW_LIMIT seconds. Then 1, and *offset is the server's
 * time minus `now` (the local clock, without any offset): what to add to
 * the local clock from now on. Else 0 (no Date, or no skew).
 */
int s3_skew(int status, unsigned cls, const char *date, time_t signed_at,
    time_t now, long *offset);

/*
 * The region a redirect names (a 301, or a code of class S3_CODE_MOVED):
 * the x-amz-bucket-region header (may be NULL) before the error
 * document's <Region>, which `region` holds on the way in. On the way out
 * `region` holds the one chosen (the header cut to regionsz). Returns 1
 * when that is a region other than `current`, else 0.
 */
int s3_moved(int status, unsigned cls, const char *header, char *region,
    size_t regionsz, const char *current);

/*
 * Exponential back-off with full jitter: a wait in [0, min(cap, base *
 * 2^(attempt-1))) milliseconds, chosen by `random` (any unsigned value).
 */
long s3_backoff_ms(int attempt, unsigned random);

/*
 * The wait after a failed answer: Retry-After's seconds (may be NULL;
 * digits only, capped at S3_BACKOFF_CAP_MS), else s3_backoff_ms().
 */
long s3_retry_wait(const char *retry_after, int attempt, unsigned random);

#endif
