/*
 * objopts.h: the object options of `publish` (storage class, server-side
 * encryption, tags, user metadata) as the request headers S3 reads them.
 *
 * The caller owns an objopts, zeroes it with objopts_init(), adds each
 * option as given on the command line with objopts_add() (which checks the
 * value and S3's limits), then calls objopts_finish() once: h[0..n) are
 * then the headers to sign and send on PutObject and CreateMultipartUpload
 * (s3_client.obj_hdrs). Names are lower case. Only the SSE-C key is a
 * secret: it is in the last `nkey` headers (s3_client.nkey_hdrs), whose
 * values are never printed (http.c redacts the key header).
 */
#ifndef S3PUB_OBJOPTS_H
#define S3PUB_OBJOPTS_H

#include <stddef.h>

#include "err.h"
#include "http.h"

#define OBJOPTS_MAX 13          /* headers; so at most 8 --metadata */

typedef struct {
	http_header h[OBJOPTS_MAX];
	size_t n;
	char buf[2400];         /* header names and values */
	size_t used;
	char tagging[2880];     /* K=V&K=V, percent-encoded */
	char tag_xml[3400];     /* the same as PutObjectTagging's body */
	unsigned ntags, nmeta;
	size_t meta_bytes;      /* S3: keys and values at most 2 KB */
	int kms_key, sse_kms, sse;
	char ssec[2][48];       /* SSE-C: the key's base64, its MD5's */
	size_t nkey;            /* the last nkey of h are SSE-C's (a secret) */
} objopts;

void objopts_init(objopts *o);

/*
 * opt is the option's name without "--": "storage-class" (A-Z and '_',
 * 1..32), "sse" (AES256 or aws:kms), "sse-kms-key-id" (visible ASCII),
 * "tag" (K=V: at most 10, key 1..128 and value 0..256 bytes without
 * control characters), "metadata" (K=V: K of letters, digits, "-_.~",
 * V printable ASCII; 2 KB in all), "sse-c-key-file" (a file of exactly
 * 32 bytes: SSE-C's key; get takes it too). 0, or -1 with a usage error naming the option
 * and the value (the file's name, never its content).
 */
int objopts_add(objopts *o, const char *opt, const char *val, s3p_err *err);

/*
 * Adds the tagging header and completes tag_xml (<Tagging><TagSet>..., or
 * "" without --tag: s3_client.tag_xml), then the three SSE-C headers
 * last; checks --sse-kms-key-id goes with aws:kms and that --sse and
 * --sse-c-key-file are not both given.
 */
int objopts_finish(objopts *o, s3p_err *err);

/*
 * Plain mode's Content-Type for a file: from the extension of `path`
 * (case-insensitive; a small table: txt csv html json xml pdf gz tar zip
 * parquet png jpg gif), else "application/octet-stream".
 */
const char *objopts_type(const char *path);

#endif
