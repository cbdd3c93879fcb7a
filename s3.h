/*
 * s3.h: the S3 operations s3pub needs, over http.h and sigv4.h.
 *
 * Knows S3 (addressing, signing, errors, retries, multipart), knows nothing
 * of tar, files or the command line. A body is a pull reader that can
 * produce any byte range again (s3_read_fn): every upload hashes its body
 * first, then sends it with that hash signed in x-amz-content-sha256, so the
 * server rejects any byte that changed or was corrupted on the way, and a
 * retry regenerates the body instead of buffering it.
 *
 * Addressing (SPEC section 4): the endpoint is a URL (scheme, host, port,
 * and an optional path prefix). Virtual-hosted style puts the bucket in the
 * host name (BUCKET.HOST), path style in the path (/BUCKET/KEY). The caller
 * decides which (s3_client.virtual_hosted); s3_endpoint_default() and
 * s3_use_virtual_hosted() give SPEC's defaults.
 *
 * Requests (s3_do): signed with SigV4, service "s3", no path normalisation.
 * Signed headers: host, x-amz-date, x-amz-content-sha256, the session
 * token, and the caller's x-amz-* headers; never Accept-Encoding (not
 * sent at all), nor Content-Length. Anonymous credentials send no
 * Authorization.
 *
 * Retries (SPEC section 4): connection failures, time-outs, HTTP 500, 502,
 * 503, 504, 429 and the codes SlowDown, RequestTimeout, InternalError,
 * ServiceUnavailable are tried again, up to `attempts` in all, after an
 * exponential back-off with full jitter (base 200 ms, cap 20 s) or the
 * server's Retry-After. RequestTimeTooSkewed, and a 403 whose Date differs
 * from the local clock by more than 5 minutes, set `clock_offset` from the
 * server's Date and re-sign (once per request). PermanentRedirect,
 * AuthorizationHeaderMalformed or a 301 naming another region (header
 * x-amz-bucket-region or <Region>) switch `region` once, and the AWS
 * endpoint with it. A certificate refusal, a local read error and every
 * other 4xx are final at once; a GetObject cut in its body carries on
 * from where it stopped (s3_get). (s3_decide.h makes each of these decisions
 * from the answer alone; s3_do keeps the count and the once-only flags.)
 *
 * Errors: one line naming the operation and object ("PUT s3://b/k"), the
 * host, the HTTP status, and the S3 Code, Message and RequestId when the
 * server sent them; the exit class of SPEC section 10: 403 and
 * NoSuchBucket S3P_EREFUSED, BadDigest/XAmzContentSHA256Mismatch
 * S3P_EINTEGRITY, other server answers S3P_ESERVER, no answer S3P_ENET.
 * A request that fails without an answer after its last attempt is named
 * too ("UploadPart s3://b/k: HOST: receive: ...").
 *
 * Integrity (SPEC section 4): BadDigest or XAmzContentSHA256Mismatch means
 * the body changed between its hash pass and its send pass (or on the
 * way): s3_upload() starts once more from a fresh hash pass (a multipart
 * upload is aborted and begun anew, so that no part of it mixes old and
 * new data), then fails with S3P_EINTEGRITY.
 *
 * Cancellation (SIGINT/SIGTERM): s3_client.cancel points to a flag that a
 * signal handler sets. Once it is set, the request in flight stops at its
 * next wait (http_request.cancel), no retry nor back-off follows, hash
 * passes stop, and the call fails with S3P_ENET "...: interrupted"; a
 * multipart upload is then aborted (AbortMultipartUpload, up to 3
 * attempts, not itself cancellable; s3_delete(), a clean-up, is not
 * cancellable either). The caller decides the exit status.
 *
 * After any failure of a multipart upload, the message says
 * "; multipart upload aborted", or that the abort failed and the upload is
 * left open (naming its id). With keep_partial, an upload stopped by a
 * signal is not aborted but left open for a later run to resume (the
 * message says so).
 *
 * No overwrite (s3_client.rules.no_overwrite): s3_upload first sends a HEAD of
 * the key and refuses (S3P_EREFUSED, nothing written) when it exists; then
 * PutObject and CompleteMultipartUpload carry If-None-Match: *, so that a
 * server that honours it refuses (412, S3P_EREFUSED) an object written
 * meanwhile. A server that ignores the header, or refuses it (501, or 400
 * InvalidRequest: the request is then sent again without it), is guarded
 * by the HEAD only.
 *
 * Resuming (s3_client.rules.resume, issue 15): before CreateMultipartUpload,
 * ListMultipartUploads (prefix: the key, every page) finds the uploads in
 * progress for exactly this key, newest first, and ListParts (every page)
 * what each holds. A part is kept only when its size is the size of our
 * part with that number and its ETag is the MD5 of the bytes we would send
 * now (computed only for those parts, and only when such an upload
 * exists), or its ChecksumSHA256 is our part's. The newest upload with a
 * kept part is continued, with the object options (obj_hdrs, content
 * type) it was created with: only the other parts are sent, then
 * CompleteMultipartUpload lists them all. The other uploads of the key are
 * left alone (they may be another writer's). s3_client.rules.fresh aborts
 * every upload of the key first instead.
 * A listing refused with 403 (a policy without its permission) means
 * nothing is resumed: a new upload is created.
 * The whole object's SHA-256 is still computed over every byte, so a
 * resumed object never mixes two trees unnoticed.
 *
 * An s3_client is used by one thread at a time; several clients (each with
 * its own http_client) may run in parallel threads.
 */
#ifndef S3PUB_S3_H
#define S3PUB_S3_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "creds.h"
#include "err.h"
#include "http.h"
#include "sha256.h"
#include "sigv4.h"
#include "sync.h"

#define S3_MIN_PART   (5ULL << 20)        /* 5 MiB, except the last part */
#define S3_MAX_PART   (5ULL << 30)        /* 5 GiB */
#define S3_MAX_PARTS  10000
#define S3_MAX_OBJECT (5ULL << 40)        /* 5 TiB */

/*
 * Body reader: writes exactly len bytes of the body starting at offset.
 * Returns 0, or -1 with err set. Called any number of times, in any order.
 * `sender` is s3_span_fn's: 0, or 1 for the parts a twin sends (a reader
 * that reads ahead, as the compressed archive does, keeps a read-ahead
 * for each); hash passes read as 0.
 */
typedef int (*s3_read_fn)(void *ctx, unsigned sender, uint64_t offset,
    void *buf, size_t len, s3p_err *err);

/*
 * The SHA-256 of body bytes [offset, offset+len) when the caller knows it
 * already (a pass that produced the body hashed it): 1 and `out` written,
 * or 0 (then s3 hashes the range itself).
 */
typedef int (*s3_hash_fn)(void *ctx, uint64_t offset, uint64_t len,
    unsigned char out[SHA256_SIZE]);

/*
 * Optional companion of an upload's s3_read_fn (same ctx, same offsets):
 * where the body bytes at offset come from, for http's sendfile; the
 * contract is http_span_fn's (http.h). The bytes it describes must be the
 * reader's. `sender` is 0, or 1 for the parts a twin sends (s3_client):
 * each sender's file must stay open until that sender's next call, so
 * that two parts can be sent at once (the calls still take turns).
 */
typedef int (*s3_span_fn)(void *ctx, unsigned sender, uint64_t offset,
    size_t len, http_file_span *sp, s3p_err *err);

/*
 * For a body whose length a pass of the caller's is still finding (the
 * compression pass, run while the parts go): waits until the body is
 * known to be longer than `past` bytes (returns 1), or until its length
 * is known (returns 0, *len set); -1 with err set when that pass failed.
 * `ctx` is the upload's known_ctx.
 */
typedef int (*s3_len_fn)(void *ctx, uint64_t past, uint64_t *len,
    s3p_err *err);

/* Progress: `sent` more bytes of request bodies left (send passes only). */
typedef void (*s3_progress_fn)(void *ctx, uint64_t sent);

/*
 * What every upload of a client follows, set once from the command line.
 * Kept apart so that a client made for another thread takes all of it in
 * one assignment: a rule forgotten there once let plain mode's workers
 * overwrite objects under --no-overwrite.
 */
typedef struct {
	int resume;                 /* multipart: resume an upload left open */
	int fresh;                  /* multipart: abort those left open first */
	int keep_partial;           /* on a signal: leave the upload open */
	int no_overwrite;           /* s3_upload never replaces an object */
	const http_header *obj_hdrs; /* signed, on PutObject and Create- */
	size_t nobj_hdrs;           /* MultipartUpload (objopts.h); <= 13 */
	size_t nkey_hdrs;           /* the last n of them (SSE-C's key) also
	                             * on UploadPart, CompleteMultipartUpload,
	                             * ListParts, GetObject and HeadObject */
	const char *tag_xml;        /* NULL, or PutObjectTagging's body, sent
	                             * after a multipart upload (s3_upload) */
} s3_upload_rules;

typedef struct s3_client_s {
	http_client *http;          /* caller-owned */
	creds *cred;                /* caller-owned; refreshed in place */
	creds_ctx *cred_ctx;        /* for refresh; NULL: never refreshed */
	sync_mutex *cred_mu;        /* cred shared between threads: NULL if not */
	http_url endpoint;          /* base URL; target is the path prefix */
	char endpoint_str[1024];    /* as printed in the result spec */
	char region[64];
	int virtual_hosted;         /* bucket in the host name */
	int aws;                    /* the endpoint is AWS's own */
	int checksum;               /* send x-amz-checksum-sha256 */
	int attempts;               /* tries per request, >= 1 (default 5) */
	long clock_offset;          /* seconds added to s3p_now() */
	int redirected;             /* the region was switched once */
	sigv4_key key;
	http_log_fn log;            /* verbose (never secrets); NULL: quiet */
	void *log_ctx;
	s3_progress_fn progress;
	void *progress_ctx;
	unsigned long requests;     /* HTTP requests sent (tests) */
	s3_upload_rules rules;      /* the command's; plain mode's workers
	                             * copy them whole from the first client */
	int unconditional;          /* the server refused If-None-Match */
	uint64_t resumed;           /* bytes found already uploaded (progress) */
	const volatile sig_atomic_t *cancel; /* NULL, or set by a signal: stop */
	/* s3_upload's: the reader's file stretches (NULL: none); the caller
	 * sets it for the uploads whose reader it matches, then clears it */
	s3_span_fn span;
	/* s3_upload's, set and cleared as span: called with the reader's
	 * context before the fresh hash pass that follows a refused body
	 * (BadDigest), for a reader whose bytes depend on an earlier pass
	 * (the stored archive's CRC-32 trailer); NULL: none */
	void (*restart)(void *read_ctx);
	/*
	 * s3_upload's, set and cleared as span: NULL, or the body's length
	 * is pending (s3_len_fn): `len` is then an upper bound, the body is
	 * known to be longer than one part (the caller waited for that),
	 * and the parts go while the caller's pass finds the rest. `known`
	 * gives each part's hash once pending_len has said the body goes
	 * past the part's end, or how long it is; the whole body's once its
	 * length is known. A fresh pass (after a refused body), or an
	 * upload left open to compare parts with, waits for the length.
	 */
	s3_len_fn pending_len;
	/*
	 * NULL, or a second client (s3_client_init'ed with an http_client
	 * of its own) that sends every other part of a multipart upload at
	 * the same time as this one (issue 16): the server works on two
	 * parts at once and one part's wait for its answer overlaps the
	 * other's bytes. s3_upload gives it all of this client's settings
	 * before each use (it keeps only its connection and scratch), and
	 * the two share the credentials under a lock. The reader then
	 * serves two senders, one call at a time (s3_span_fn's sender).
	 */
	struct s3_client_s *twin;
	struct s3_scratch *scratch; /* private: one request's buffers */
} s3_client;

/*
 * Sets up `s` for `endpoint` (a URL) and `region`. http and cred must
 * stay valid while `s` is used. Returns 0, or -1 with a usage error (bad
 * endpoint URL).
 */
int s3_client_init(s3_client *s, http_client *http, creds *cred,
    const char *endpoint, const char *region, s3p_err *err);

/* Wipes the signing key. */
void s3_client_close(s3_client *s);

/*
 * AWS's endpoint for `region`: "https://s3.REGION.amazonaws.com". Returns
 * the length written, or -1 when it does not fit.
 */
int s3_endpoint_default(const char *region, char *out, size_t outsz);

/*
 * The region named by an AWS endpoint host (s3.REGION.amazonaws.com,
 * s3-REGION.amazonaws.com, s3.dualstack.REGION.amazonaws.com), written to
 * out; 0 when found, -1 otherwise.
 */
int s3_region_from_endpoint(const char *endpoint, char *out, size_t outsz);

/* 1 when the host is AWS's (ends in .amazonaws.com or .amazonaws.com.cn). */
int s3_is_aws_host(const char *host);

/*
 * SPEC section 4's default addressing: AWS endpoints use virtual-hosted
 * style for buckets that are one DNS label; other endpoints path style.
 */
int s3_use_virtual_hosted(const s3_client *s, const char *bucket);

/* What the server said about an object written. */
typedef struct {
	char etag[128];
	char version_id[256];
	char checksum_sha256[96];   /* as returned by the server, else "" */
	char content_sha256[65];    /* hex SHA-256 of the whole object */
	char local_checksum[96];    /* base64 (or base64-N) s3pub computed */
	uint64_t size;
	unsigned parts;             /* 0: one PutObject */
	time_t last_modified;       /* an answer's Last-Modified, else 0 */
} s3_put_result;

/*
 * Uploads `len` bytes from `read` to bucket/key: one PutObject when len <=
 * part_size, else a multipart upload with parts of part_size, grown when
 * needed so that there are at most 10,000 (each part hashed, then sent,
 * then retried alone when it fails; with s->twin two parts are sent at
 * once, the hashes still taken in order; the upload is aborted when it
 * fails for good: no orphan parts). part_size is clamped to [5 MiB, 5 GiB] for
 * multipart. content_type may be NULL. `known` (may be NULL) gives the
 * hashes of the whole body and of the parts when the caller has them:
 * with all of them there is no hash pass (only on the first try: after a
 * BadDigest the body is hashed again). With s->tag_xml, a multipart upload
 * is followed by PutObjectTagging (with Content-MD5; of the version
 * written, if any): radosgw drops x-amz-tagging on CreateMultipartUpload.
 * Its failure (the object written, untagged) is the upload's.
 */
int s3_upload(s3_client *s, const char *bucket, const char *key,
    s3_read_fn read, void *read_ctx, s3_hash_fn known, void *known_ctx,
    uint64_t len, uint64_t part_size, const char *content_type,
    s3_put_result *res, s3p_err *err);

/* The part size s3_upload uses for len bytes and a wished part_size. */
uint64_t s3_part_size(uint64_t len, uint64_t part_size);

/*
 * 1 when s3_upload sends len bytes in one PutObject with this part_size
 * (so does any shorter body): then only the whole body's hash is needed.
 */
int s3_one_put(uint64_t len, uint64_t part_size);

/*
 * GetObject of bucket/key (signed, with x-amz-checksum-mode: ENABLED), or
 * of `url` sent as is without signing (presigned; bucket and key then
 * unused, url_name names it in messages: never the query, it holds a
 * signature). The body of a 2xx answer goes to `sink`. A try cut in the
 * body by the network (a reset, a time-out, a close before its end; not
 * a failed sink, a certificate or a cancel) after the sink took N > 0
 * bytes is carried on: the next try asks for `Range: bytes=N-` with
 * `If-Match:` the first answer's ETag (not signed; none: no resume) and
 * feeds the same sink. Its answer must be a 206 whose Content-Range
 * starts at N, or a 200 (a store that ignores Range: its first N bytes
 * are skipped), with the first answer's ETag; another start fails
 * (S3P_ESERVER), another ETag or a 412 is S3P_EREFUSED "...; the object
 * changed while it was read". Tries are counted as s3_do counts them,
 * but a try that brought new bytes starts the count again (it is the
 * first of the new count): a link that drops every few MB still gets
 * there. info (may be NULL) gets the first answer's size, ETag, version
 * and x-amz-checksum-sha256.
 */
int s3_get(s3_client *s, const char *bucket, const char *key,
    const http_url *url, const char *url_name, http_sink_fn sink,
    void *sink_ctx, s3_put_result *info, s3p_err *err);

/* The same for one version of the object: `?versionId=` (signed, part of
 * the canonical request) when version_id is neither NULL nor "". */
int s3_get_version(s3_client *s, const char *bucket, const char *key,
    const char *version_id, const http_url *url, const char *url_name,
    http_sink_fn sink, void *sink_ctx, s3_put_result *info, s3p_err *err);

/*
 * PUT of `len` bytes from `read` to a presigned `url` (managed mode: no
 * credentials; s->cred may be NULL). The body is hashed first (ContentSHA256
 * and local_checksum of res), then sent with the caller's extra headers
 * (unsigned: only what the presigner allowed). Retried like every request.
 */
int s3_put_url(s3_client *s, const http_url *url, const char *url_name,
    s3_read_fn read, void *read_ctx, uint64_t len, const http_header *hdrs,
    size_t nhdrs, s3_put_result *res, s3p_err *err);

/*
 * ListObjectsV2 of every key under `prefix` (all pages): fn is called per
 * object, in the order of the answers (bytewise by key on S3, radosgw and
 * Swift), with its key, size and ETag ("" when the answer has none); it
 * returns 0, or -1 with err set to stop. Memory stays bounded whatever the
 * listing's size. A page cut in its body is asked for again and the
 * objects given already are skipped; when the page is no longer what it
 * was (the listing changed between the tries): -1, S3P_EREFUSED.
 */
int s3_list(s3_client *s, const char *bucket, const char *prefix,
    int (*fn)(void *ctx, const char *key, uint64_t size, const char *etag,
    s3p_err *err), void *ctx, s3p_err *err);

/*
 * --no-overwrite's HEAD of bucket/key: 0 when it is not there (404), -1
 * with err set when it is (S3P_EREFUSED "... exists (--no-overwrite):
 * nothing written") or the HEAD failed. s3_upload does it itself; plain
 * mode asks it of its manifest's key before the first file.
 */
int s3_refuse_existing(s3_client *s, const char *bucket, const char *key,
    s3p_err *err);

/* DeleteObject (plain mode's clean-up after a failed publish). */
int s3_delete(s3_client *s, const char *bucket, const char *key, s3p_err *err);

/*
 * A presigned URL for method ("GET" or "PUT") on bucket/key, valid
 * `expires` seconds (1..604800) from now. Returns its length, or -1.
 */
int s3_presign(s3_client *s, const char *method, const char *bucket,
    const char *key, unsigned long expires, char *out, size_t outsz,
    s3p_err *err);

/*
 * Parses an S3 error document (<Error><Code>..</Code><Message>..</Message>
 * <RequestId>..</RequestId>...): copies each element's text (text_xml:
 * entities decoded) when present and it fits, "" otherwise. Also <Region>
 * (redirects); <ServerTime> is not needed. Returns 1 when an <Error> element was found.
 */
int s3_parse_error(const char *xml, size_t len, char *code, size_t codesz,
    char *message, size_t msgsz, char *request_id, size_t ridsz,
    char *region, size_t regionsz);

#endif
