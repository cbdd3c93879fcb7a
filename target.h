/*
 * target.h: the publish target, where it comes from and what is printed
 * once it is published (SPEC sections 1, 2 and 7): Bacalhau's `-p` syntax,
 * --spec files (YAML/JSON), the key rules, and the result spec written out.
 * (Named target, not spec, so it is not confused with SPEC.md.)
 *
 * Nothing here touches the network, allocates, or keeps global state. The
 * caller owns every struct; they hold no pointer into each other and may be
 * copied with memcpy(). Errors go into the caller's s3p_err, always with
 * the status S3P_EUSAGE: a bad target, or a spec file that is malformed or
 * cannot be read, is a usage or configuration error (SPEC section 10).
 *
 * The target, how it is assembled (the caller's side):
 *
 *     target t, opt;
 *     target_init(&t);  target_init(&opt);
 *     target_read_file(path, &t, err)      --spec FILE, or
 *     target_parse(arg, &t, err)           the positional TARGET
 *     target_set(&opt, "region", v, err)   each command-line option
 *     target_merge(&t, &opt)               options override the file
 *     target_check_required(&t, err)       Bucket and Key present
 *     ... defaults for region/endpoint where !(t.set & TARGET_SET_REGION)
 *     target_expand_key(t.key, t.encoding, &ids, now, key, sizeof key, err)
 *
 * Each field has a bit in `set`: a field is "set" when some source gave it
 * a non-empty value. An empty or null value in a spec file, or an empty
 * `opt=region=` in a target, leaves the field unset (so defaults apply
 * later, and an empty Bucket or Key is reported as missing).
 */
#ifndef S3PUB_TARGET_H
#define S3PUB_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "err.h"

/* Encodings (SPEC section 1): gzip (the default) or plain. */
enum { TARGET_GZIP = 0, TARGET_PLAIN = 1 };

/* Bits of target.set. */
enum {
	TARGET_SET_BUCKET = 1,
	TARGET_SET_KEY = 2,
	TARGET_SET_ENDPOINT = 4,
	TARGET_SET_REGION = 8,
	TARGET_SET_ENCODING = 16
};

/*
 * Field capacities, in bytes without the NUL. A longer value is a usage
 * error naming the field, never truncated. The bucket holds 255 bytes (the
 * legacy us-east-1 limit; target_bucket_valid() applies today's rules). The
 * key here is the template before suffix and placeholders; the expanded key
 * has the S3 limit TARGET_KEY_MAX.
 */
#define TARGET_BUCKET_MAX    255
#define TARGET_KEYTPL_MAX    2047
#define TARGET_KEY_MAX       1024
#define TARGET_ENDPOINT_MAX  1023
#define TARGET_REGION_MAX    63

typedef struct {
	char bucket[TARGET_BUCKET_MAX + 1];
	char key[TARGET_KEYTPL_MAX + 1];    /* template: no suffix, placeholders */
	char endpoint[TARGET_ENDPOINT_MAX + 1];
	char region[TARGET_REGION_MAX + 1];
	int encoding;                       /* TARGET_GZIP or TARGET_PLAIN */
	unsigned set;                       /* TARGET_SET_* bits */
	char objopts[2048];                 /* a spec's ObjectOptions: NAME\0 */
	size_t objopts_len;                 /* VALUE\0 pairs (target_read_file) */
} target;

/* All fields empty and unset, encoding TARGET_GZIP. */
void target_init(target *t);

/*
 * Sets one field by name, case-insensitive: "bucket", "key", "endpoint",
 * "region", "encoding" (value "gzip" or "plain", case-insensitive). An
 * empty value (never NULL) clears the field and its bit. Used for the command-line
 * options and by the parsers below. Unknown name, bad encoding or a value
 * too long: -1 and a usage error naming the field.
 */
int target_set(target *t, const char *name, const char *value, s3p_err *err);

/* Copies into dst every field that is set in src (src overrides dst), and
 * src's objopts when it has any. */
void target_merge(target *dst, const target *src);

/*
 * TARGET in Bacalhau's `-p` syntax (SPEC section 1). Fields are separated
 * by commas; a comma always separates (there is no escape, as in Bacalhau):
 * a value that holds a comma cannot be written here, use --spec or the
 * options. The first field is either
 *     s3://BUCKET/KEY   scheme case-insensitive; KEY is everything after
 *                       the first '/' after BUCKET, taken literally (no
 *                       percent-decoding, '?' and '#' are key bytes, as the
 *                       AWS CLI reads s3:// URIs); "s3://B" and "s3://B/"
 *                       give an empty key (reported by target_check_required)
 *     s3                the non-URI form; bucket and key come as options
 * and every further field is `opt=NAME=VALUE` or `option=NAME=VALUE`
 * (prefix and NAME case-insensitive; VALUE is everything after the second
 * '=', so it may hold '='). NAME is one of bucket, key, endpoint, region,
 * encoding. A field given twice (an option repeating the URI's bucket, say)
 * is an error: a typo must not publish somewhere unexpected. Empty fields
 * (",,", a trailing ",") are errors. Fields parsed are merged into t (t is
 * not cleared first; on error t is unchanged). Errors are usage errors
 * naming the offending field by its number and text.
 */
int target_parse(const char *arg, target *t, s3p_err *err);

/*
 * --spec FILE (SPEC section 1): the declarative form Bacalhau writes, YAML
 * or JSON (JSON when the first non-space byte is '{'). Keys are
 * case-insensitive. Two shapes are accepted:
 *
 *     Publisher:                         Type: s3
 *       Type: s3                         Params:
 *       Params:                            Bucket: ...
 *         Bucket: ...
 *
 * that is, either one top-level key Publisher, or the Publisher mapping
 * itself (which is also the shape of the result spec s3pub prints, so a
 * printed result can be read back). Type is required and must be "s3"
 * (case-insensitive). Params may hold Bucket, Key, Endpoint, Region,
 * Encoding. ObjectOptions (next to Type and Params, outside Bacalhau's
 * Params) may hold publish's object options by their option names:
 * storage-class, sse, sse-kms-key-id, sse-c-key-file, content-type
 * (scalars), tag and metadata (mappings K: V); they go into t->objopts
 * as NAME\0VALUE\0 pairs, VALUE "K=V" for tag and metadata, in the order
 * of the file, unchecked (objopts.h checks them); a null is left out,
 * over 2048 bytes in all is an error. The result-spec fields VersionID, ChecksumSHA256,
 * ContentSHA256 and Size are accepted and ignored, and so are a Bacalhau
 * result's Filter and Partition (any keys under it) when empty or null
 * (Partition's values may also be "none" or 0): s3pub fetches all of Key,
 * so a filter or partitioning is an error, never silently not done. Any
 * other key, at any level, is an error naming it (a typo must not
 * silently publish elsewhere; older Bacalhau's Compress too: SPEC reads
 * Encoding), and so is a key given twice. Scalars must be strings,
 * numbers (taken as their text) or null (= unset); JSON objects and arrays
 * where a scalar belongs are errors.
 *
 * The YAML subset: block mappings by indentation (spaces, no tabs), plain,
 * 'single-quoted' and "double-quoted" scalars on one line (double quotes
 * with the YAML escapes \0 \a \b \t \n \v \f \r \e \" \/ \\ \xXX \uXXXX
 * \UXXXXXXXX \N \_ \L \P and escaped space/tab), `~`/`null`/empty as null,
 * comments (# at a line start or after white space), blank lines, a
 * leading `---` (and `%` directives before it), a final `...`, a UTF-8 BOM,
 * CRLF line ends. Not supported, each an error naming the line: sequences,
 * flow collections, block scalars (| >), anchors, aliases, tags,
 * multi-line scalars, several documents.
 *
 * Errors name the file and line: "spec.yaml:4: unknown key Params.Bukcet".
 * Files larger than TARGET_FILE_MAX bytes are refused (the file is read into
 * a buffer of that size on the stack). Fields parsed are merged into t
 * only when the whole file is good; on error t is unchanged.
 */
#define TARGET_FILE_MAX 16384
int target_read_file(const char *path, target *t, s3p_err *err);

/* The same over a buffer; `name` is used in messages in place of a path. */
int target_read_buf(const char *name, const char *buf, size_t len,
    target *t, s3p_err *err);

/*
 * get --spec (SPEC sections 7 and 8): the same reader over a published
 * result spec (as `publish` prints it, or a Bacalhau job's published
 * result: `Type: s3` with Params), which also keeps the result fields that
 * target_read_file() ignores. Bucket, Key, Endpoint, Region and Encoding
 * go into t as above; VersionID, ChecksumSHA256, ContentSHA256 and
 * ManifestSHA256 into d
 * (each "" when absent, empty or null; d is cleared first). A value longer
 * than its buffer is a usage error. Path "-" reads standard input.
 */
#define TARGET_VERSION_MAX 1023
typedef struct {
	char version_id[TARGET_VERSION_MAX + 1];
	char checksum_sha256[96];     /* base64, or "base64-N" (multipart) */
	char content_sha256[65];      /* hex */
	char manifest_sha256[65];     /* hex: plain mode's manifest */
} target_digests;

int target_read_result_file(const char *path, target *t, target_digests *d,
    s3p_err *err);
int target_read_result_buf(const char *name, const char *buf, size_t len,
    target *t, target_digests *d, s3p_err *err);

/* Bucket and Key both set (non-empty), else a usage error naming the
 * missing one(s). */
int target_check_required(const target *t, s3p_err *err);

/*
 * Splits "s3://BUCKET/KEY" (presign, get). Same rules as the URI of a
 * target: scheme case-insensitive, key literal and possibly empty ("s3://B"
 * or "s3://B/"). The bucket must be non-empty. Output too small, wrong
 * scheme: usage error.
 */
int target_s3_uri(const char *uri, char *bucket, size_t bsz, char *key,
    size_t ksz, s3p_err *err);

/*
 * S3 bucket naming rules (AWS "Bucket naming rules", general purpose
 * buckets): 3-63 bytes of lower-case letters, digits, '.' and '-'; first
 * and last byte a letter or digit; no "..", no ".-" or "-." (AWS forbids
 * them next to a dot); not shaped like an IPv4 address. Returns
 *     TARGET_BUCKET_INVALID  breaks a rule
 *     TARGET_BUCKET_DOTTED   valid, but holds dots: path style on AWS
 *                            (TLS wildcards do not match)
 *     TARGET_BUCKET_DNS      valid and one DNS label: virtual-hosted style
 *                            is possible (SPEC section 4)
 */
enum {
	TARGET_BUCKET_INVALID = 0,
	TARGET_BUCKET_DOTTED = 1,
	TARGET_BUCKET_DNS = 2
};
int target_bucket_valid(const char *bucket);

/*
 * The values of the {executionID}, {jobID} and {nodeID} placeholders. The
 * caller resolves options against the BACALHAU_* environment variables;
 * NULL or "" means "no value".
 */
typedef struct {
	const char *execution_id;
	const char *job_id;
	const char *node_id;
} target_ids;

/*
 * The key rules of SPEC section 2, in their order:
 *  1. suffix: TARGET_GZIP appends ".tar.gz" unless the template already ends
 *     with it; TARGET_PLAIN appends "/" unless it already ends with "/".
 *  2. placeholders, exact spelling (case-sensitive, as Bacalhau's
 *     strings.Replace): {executionID} {jobID} {nodeID} from ids (one with
 *     no value is a usage error naming it and its option/variable), {date}
 *     YYYYMMDD and {time} HHMMSS, both from the one instant `now`, in UTC.
 *     Any other {...} text is left as it is. Values are inserted once: a
 *     value that itself holds "{date}" is not expanded again.
 * The result must be at most TARGET_KEY_MAX bytes, and valid UTF-8 (S3 keys
 * are UTF-8), else a usage error. `out` must hold outsz bytes; outsz of
 * TARGET_KEY_MAX + 1 is always enough.
 */
int target_expand_key(const char *key, int encoding, const target_ids *ids,
    time_t now, char *out, size_t outsz, s3p_err *err);

/*
 * The published result spec (SPEC section 7). Strings are the caller's;
 * NULL is printed as "". type NULL means "s3". With encoding TARGET_PLAIN the
 * two checksums are printed empty whatever they hold, and key is the
 * prefix.
 */
typedef struct {
	const char *type;
	const char *bucket;
	const char *key;
	const char *region;
	const char *endpoint;
	const char *version_id;
	const char *checksum_sha256;  /* base64, or "base64-N" (multipart) */
	const char *content_sha256;   /* hex SHA-256 of the whole object */
	uint64_t size;
	int encoding;
	const char *manifest_sha256;  /* plain mode's manifest; NULL: none */
} target_result;

/*
 * The result spec of a publish, one document:
 *  - yaml == 0: JSON on one line and a newline, fields in the order of SPEC
 *    section 7: {"Type":..,"Params":{"Bucket","Key","Region","Endpoint",
 *    "VersionID","ChecksumSHA256","ContentSHA256",["ManifestSHA256",]"Size"}}
 *    (ManifestSHA256 only when manifest_sha256 is set). Strings are
 *    escaped per RFC 8259 (", \, control bytes as \n \t ... or \u00XX);
 *    valid UTF-8 passes through; a byte that is not valid UTF-8 is written
 *    as \ufffd (keys are checked to be UTF-8 before, so this is a guard).
 *  - yaml != 0: a YAML block mapping in the same order, every string
 *    double-quoted with YAML escapes (control bytes, DEL, C1 controls,
 *    U+2028/U+2029/U+FEFF escaped; other UTF-8 passed through).
 * Into buf (NUL-terminated): returns its length, or -1 when it does not
 * fit in size bytes (TARGET_RESULT_MAX always holds it).
 */
#define TARGET_RESULT_MAX 32768
int target_format_result(char *buf, size_t size, const target_result *r,
    int yaml);

#endif
