/*
 * get.h: the requester's download (SPEC section 8): an object or every
 * object under a prefix, streamed from s3_get() into DIR.
 *
 * The body flows one way: http -> SHA-256 -> (gunzip -> untar | file) ->
 * untar_x, the safe extractor, which writes into a staging directory in
 * DIR and moves it into place only once the body is complete and verified.
 * Nothing is buffered whole: memory is the contexts (about 110 KiB, static)
 * plus the extractor's list of directories.
 *
 * get_object(): an object whose name (key, or the URL's decoded path)
 * ends in ".tar.gz" or ".tgz" is unpacked into DIR (gzip members checked,
 * tar refusals of untar.h); anything else is saved as DIR/BASENAME (mode
 * 0644). The SHA-256 of the body is compared with o->checksum_b64 and
 * o->content_hex when given, and with the server's x-amz-checksum-sha256
 * when it sent a full-object one (a multipart "base64-N" checksum is of the
 * parts, not the body: not comparable). A mismatch is S3P_EINTEGRITY and
 * leaves nothing in DIR.
 *
 * get_prefix(): every object under bucket/prefix (ListObjectsV2, all
 * pages; the keys are kept in an unlinked temporary file, not in memory),
 * each saved as DIR/REST (REST: the key after the prefix, with the rules of
 * untar_safe_path(): no absolute path, no '..'); keys ending in '/' become
 * directories. All or nothing: moved into DIR after the last object.
 *
 * A plain prefix's manifest (manifest.h: PREFIX less its '/' +
 * MANIFEST_SUFFIX) is read first when it exists: its SHA-256 is compared
 * with o->manifest_hex when given (missing, it is then an error), then
 * every object under the prefix must be listed in it and every file it
 * lists must be there, each with the listed size and SHA-256; the files
 * get the listed mode. Any difference is S3P_EINTEGRITY naming the key.
 * Without the manifest (and no o->manifest_hex) every object is saved
 * unchecked, as before manifests.
 */
#ifndef S3PUB_GET_H
#define S3PUB_GET_H

#include <stdint.h>

#include "err.h"
#include "http.h"
#include "s3.h"

typedef struct {
	const char *dir;
	int force;                  /* overwrite existing files */
	const char *checksum_b64;   /* expected base64 SHA-256, or NULL */
	const char *content_hex;    /* expected hex SHA-256, or NULL */
	const char *version_id;     /* get_object: this version, or NULL */
	const char *manifest_hex;   /* get_prefix: the manifest's, or NULL */
} get_opts;

typedef struct {
	uint64_t bytes;             /* body bytes received */
	unsigned long objects;
	unsigned long entries;      /* archive members, or files written */
	unsigned long left_out;     /* get_prefix: objects a trusted manifest
				       does not list (an earlier publish's) */
	int archive;                /* the object was unpacked */
	char content_sha256[65];    /* of the (last) object */
	char checksum_sha256[96];   /* base64 of the same */
	char server_checksum[96];   /* what the server sent, else "" */
} get_result;

/* 1 when `name` ends in ".tar.gz" or ".tgz" (any case). */
int get_is_archive(const char *name);

/*
 * Downloads bucket/key (url NULL), or `url` as is (presigned; url_name
 * names it in messages), whose object name is `name`, into o->dir.
 */
int get_object(s3_client *s, const char *bucket, const char *key,
    const http_url *url, const char *url_name, const char *name,
    const get_opts *o, get_result *r, s3p_err *err);

/* Downloads every object under bucket/prefix into o->dir. */
int get_prefix(s3_client *s, const char *bucket, const char *prefix,
    const get_opts *o, get_result *r, s3p_err *err);

#endif
