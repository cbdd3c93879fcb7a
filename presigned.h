/*
 * presigned.h: presigned URLs as the requester and managed mode see them.
 *
 * presigned_parse() reads an http(s) URL made by `s3pub presign`, the AWS SDKs
 * or the CLI: the bucket and key from a virtual-hosted host
 * (BUCKET.s3.REGION.amazonaws.com, BUCKET.s3-REGION..., BUCKET.s3.dualstack
 * ...: the host holds ".s3." or ".s3-" after the bucket; BUCKET.localhost;
 * or a host name of several labels with a one-segment path: the first
 * label is the bucket) or else path style (/BUCKET/KEY), percent-decoded
 * (an S3-compatible server's own virtual host names cannot be told from
 * path style in general: these are the cases seen); the region from the X-Amz-Credential
 * scope (ACCESS/DATE/REGION/s3/aws4_request) when there is one, else "";
 * the endpoint as the result spec shows it (scheme://host[:port], without
 * the bucket for virtual-hosted URLs); the origin to connect to
 * (scheme://host[:port], the bucket kept); and a name for messages that
 * never holds the query (the signature).
 *
 * presigned_md5_b64() is the Content-MD5 of a body: a presigned URL signs only
 * the host, so the body has no SigV4 hash; an unsigned Content-MD5 header
 * still makes S3 (and radosgw, Swift's s3api) refuse a body that changed on
 * the way (BadDigest), see README "Integrity of presigned uploads".
 */
#ifndef S3PUB_PRESIGNED_H
#define S3PUB_PRESIGNED_H

#include <stdint.h>

#include "err.h"
#include "http.h"
#include "s3.h"

typedef struct {
	http_url url;           /* as parsed, sent as is */
	char bucket[256];
	char key[1100];
	char path[1100];        /* the whole path, decoded, without the first '/' */
	char region[64];
	char endpoint[600];
	char origin[600];
	char name[1500];        /* scheme://authority/path, no query */
} presigned_info;

/*
 * 0, or -1 with err set (S3P_EUSAGE: not an http(s) URL, a bad %XX, too
 * long). bucket and key are "" when the URL has none (a URL to download
 * from needs only a path; an upload needs both: the caller checks).
 */
int presigned_parse(const char *s, presigned_info *p, s3p_err *err);

/*
 * Percent-decodes in into out (outsz bytes with the NUL); -1 when a
 * %XX is malformed or decodes to NUL, or when it does not fit.
 */
int presigned_decode(const char *in, size_t inlen, char *out, size_t outsz);

/*
 * 0 when the URL's query bakes in no checksum of an empty body; else -1
 * with err set (S3P_EUSAGE, naming the parameter). Some SDKs presign a
 * PutObject with a default checksum computed before there is a body
 * (x-amz-checksum-crc32=AAAAAA==, the CRC-32 of nothing): the signature
 * covers it, so the server refuses any body that is not empty, and an
 * archive never is. Checked before the upload (README "Managed mode").
 */
int presigned_check_upload(const presigned_info *p, s3p_err *err);

/* Base64 MD5 of len bytes of read (out: 25 bytes). 0, or -1 with err set. */
int presigned_md5_b64(s3_read_fn read, void *ctx, uint64_t len, char out[25],
    s3p_err *err);

#endif
