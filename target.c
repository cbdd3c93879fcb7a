/*
 * target.c: the publish target (Bacalhau's -p syntax and --spec files), the
 * key rules, and the published result spec. SPEC sections 1, 2 and 7; the
 * contract is in target.h.
 */
#include "target.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fmt.h"
#include "json.h"
#include "text.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* String k (0-based) of a list of NUL-terminated strings. */
static const char *
nth(const char *list, int k)
{
	while (k-- > 0)
		list += strlen(list) + 1;
	return list;
}

/* ---- the target -------------------------------------------------------- */

void
target_init(target *t)
{
	memset(t, 0, sizeof *t);
	t->encoding = TARGET_GZIP;
}

/*
 * The fields, lower case, in the order of their TARGET_SET_* bits (field k
 * has bit 1 << k), then the result-spec fields that a spec file's Params
 * may hold and that are ignored (target.h), then the source-spec fields of
 * Bacalhau's result that must be empty.
 */
static const char names[] =
    "bucket\0key\0endpoint\0region\0encoding\0"
    "versionid\0checksumsha256\0contentsha256\0manifestsha256\0size\0"
    "filter\0partition";
enum { NFIELDS = 5, NNAMES = 12, F_ENCODING = 4, F_FILTER = 10 };

/* The buffers in target of the fields (encoding has none). */
static const struct {
	unsigned short off, cap;
} fbuf[NFIELDS] = {
	{ offsetof(target, bucket), TARGET_BUCKET_MAX },
	{ offsetof(target, key), TARGET_KEYTPL_MAX },
	{ offsetof(target, endpoint), TARGET_ENDPOINT_MAX },
	{ offsetof(target, region), TARGET_REGION_MAX }
};

/* The index of name[0, n) among the first `count` strings of list, or -1. */
static int
find(const char *list, int count, const char *name, size_t n)
{
	for (int k = 0; k < count; k++)
		if (text_ieq(name, n, nth(list, k)))
			return k;
	return -1;
}

/* Sets field k from value[0, n) (not NUL-terminated). */
static int
field_set(target *t, int k, const char *value, size_t n,
    s3p_err *err)
{
	const char *name = nth(names, k);
	char *dst = (char *)t + fbuf[k].off;
	int enc = TARGET_GZIP;

	if (k == F_ENCODING) {
		if (n > 0 && !text_ieq(value, n, "gzip")) {
			if (!text_ieq(value, n, "plain"))
				return err_set(err, S3P_EUSAGE,
				    "encoding \"%.*s\": want gzip or plain",
				    (int)(n > 64 ? 64 : n), value);
			enc = TARGET_PLAIN;
		}
		t->encoding = enc;
	} else if (n > fbuf[k].cap)
		return err_set(err, S3P_EUSAGE,
		    "%s too long: %zu bytes, at most %zu", name, n,
		    (size_t)fbuf[k].cap);
	else if (memchr(value, '\0', n) != NULL)
		return err_set(err, S3P_EUSAGE, "%s holds a NUL byte", name);
	else {
		memcpy(dst, value, n);
		dst[n] = '\0';
	}
	if (n > 0)
		t->set |= 1u << k;
	else
		t->set &= ~(1u << k);
	return 0;
}

int
target_set(target *t, const char *name, const char *value, s3p_err *err)
{
	int k = find(names, NFIELDS, name, strlen(name));

	if (k < 0)
		return err_set(err, S3P_EUSAGE,
		    "unknown target field \"%s\": want bucket, key, endpoint,"
		    " region or encoding", name);
	return field_set(t, k, value, strlen(value), err);
}

void
target_merge(target *dst, const target *src)
{
	for (int k = 0; k < NFIELDS; k++) {
		if (!(src->set & 1u << k))
			continue;
		if (k == F_ENCODING)
			dst->encoding = src->encoding;
		else
			memcpy((char *)dst + fbuf[k].off,
			    (const char *)src + fbuf[k].off, fbuf[k].cap + 1u);
		dst->set |= 1u << k;
	}
	if (src->objopts_len > 0) {
		memcpy(dst->objopts, src->objopts, sizeof dst->objopts);
		dst->objopts_len = src->objopts_len;
	}
}

int
target_check_required(const target *t, s3p_err *err)
{
	int nb = !(t->set & TARGET_SET_BUCKET) || t->bucket[0] == '\0';
	int nk = !(t->set & TARGET_SET_KEY) || t->key[0] == '\0';

	if (nb && nk)
		return err_set(err, S3P_EUSAGE,
		    "target: Bucket and Key are required");
	if (nb)
		return err_set(err, S3P_EUSAGE, "target: Bucket is required");
	if (nk)
		return err_set(err, S3P_EUSAGE,
		    "target: Key is required (s3://BUCKET/KEY)");
	return 0;
}

/* ---- s3:// URIs and the -p syntax --------------------------------------- */

/*
 * Splits u[0, n) = "s3://B[/K]": *b, *bn the bucket, *k, *kn the key.
 * 0, or -1 when it is not an s3:// URI.
 */
static int
split_uri(const char *u, size_t n, const char **b, size_t *bn,
    const char **k, size_t *kn)
{
	const char *slash;

	if (n < 5 || !text_ieq(u, 5, "s3://"))
		return -1;
	*b = u + 5;
	slash = memchr(*b, '/', n - 5);
	*k = slash ? slash + 1 : u + n;
	*bn = (size_t)((slash ? slash : u + n) - *b);
	*kn = (size_t)(u + n - *k);
	return 0;
}

int
target_s3_uri(const char *uri, char *bucket, size_t bsz, char *key,
    size_t ksz, s3p_err *err)
{
	const char *b, *k;
	size_t bn, kn, n = strlen(uri);

	if (split_uri(uri, n, &b, &bn, &k, &kn) < 0)
		return err_set(err, S3P_EUSAGE,
		    "\"%.200s\" is not an s3://BUCKET/KEY URI", uri);
	if (bn == 0 || bn >= bsz)
		return err_set(err, S3P_EUSAGE, "\"%.200s\": %s", uri,
		    bn == 0 ? "no bucket" : "bucket name too long");
	if (kn >= ksz)
		return err_set(err, S3P_EUSAGE,
		    "\"%.200s\": key too long (%zu bytes)", uri, kn);
	memcpy(bucket, b, bn);
	bucket[bn] = '\0';
	memcpy(key, k, kn);
	key[kn] = '\0';
	return 0;
}

/* field_set() for field `idx` of a target, whose number the message says. */
static int
arg_field_set(target *t, int k, const char *v, size_t n, int idx,
    s3p_err *err)
{
	s3p_err e;

	if (field_set(t, k, v, n, &e) < 0)
		return err_set(err, S3P_EUSAGE, "target: field %d: %s", idx,
		    e.msg);
	return 0;
}

/* One field after the first of a target, f[0, n), number idx, into t. */
static int
arg_field(const char *f, size_t n, int idx, target *t,
    unsigned *given, s3p_err *err)
{
	const char *eq, *name = NULL, *val;
	int cut = (int)(n > 200 ? 200 : n), k;
	size_t nn;

	if (n == 0)
		return err_set(err, S3P_EUSAGE,
		    "target: field %d is empty", idx);
	eq = memchr(f, '=', n);
	if (eq != NULL && (text_ieq(f, (size_t)(eq - f), "opt") ||
	    text_ieq(f, (size_t)(eq - f), "option"))) {
		name = eq + 1;
		eq = memchr(name, '=', (size_t)(f + n - name));
	} else
		eq = NULL;
	if (eq == NULL)
		return err_set(err, S3P_EUSAGE,
		    "target: field %d \"%.*s\": want opt=NAME=VALUE", idx,
		    cut, f);
	nn = (size_t)(eq - name);
	val = eq + 1;
	k = find(names, NFIELDS, name, nn);
	if (k < 0)
		return err_set(err, S3P_EUSAGE,
		    "target: field %d \"%.*s\": unknown option \"%.*s\" (want"
		    " bucket, key, endpoint, region or encoding)", idx,
		    cut, f, (int)(nn > 64 ? 64 : nn), name);
	if (*given & 1u << k)
		return err_set(err, S3P_EUSAGE,
		    "target: field %d: %s given twice", idx, nth(names, k));
	*given |= 1u << k;
	return arg_field_set(t, k, val, (size_t)(f + n - val), idx, err);
}

int
target_parse(const char *arg, target *t, s3p_err *err)
{
	target tmp = *t;
	unsigned given = 0;
	const char *f = arg, *comma, *b, *k;
	size_t n, bn, kn;

	for (int idx = 1;; idx++) {
		comma = strchr(f, ',');
		n = comma ? (size_t)(comma - f) : strlen(f);
		if (idx > 1) {
			if (arg_field(f, n, idx, &tmp, &given, err) < 0)
				return -1;
		} else if (split_uri(f, n, &b, &bn, &k, &kn) == 0) {
			if (arg_field_set(&tmp, 0, b, bn, 1, err) < 0 ||
			    arg_field_set(&tmp, 1, k, kn, 1, err) < 0)
				return -1;
			given = TARGET_SET_BUCKET | TARGET_SET_KEY;
		} else if (!text_ieq(f, n, "s3"))
			return err_set(err, S3P_EUSAGE,
			    "target: field 1 \"%.*s\": want s3://BUCKET/KEY or"
			    " s3", (int)(n > 200 ? 200 : n), f);
		if (comma == NULL)
			break;
		f = comma + 1;
	}
	*t = tmp;
	return 0;
}

/* ---- bucket names ------------------------------------------------------- */

static int
is_alnum(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int
has_suffix(const char *s, size_t n, const char *suf)
{
	size_t m = strlen(suf);
	return n >= m && memcmp(s + n - m, suf, m) == 0;
}

int
target_bucket_valid(const char *b)
{
	/* reserved by AWS (access points, S3 Express, Object Lambda): '<'
	 * marks a prefix, '>' a suffix */
	static const char reserved[] =
	    "<xn--\0<sthree-\0>-s3alias\0>--ol-s3\0>--x-s3";
	size_t n = strlen(b);
	int dots = 0, run = 0, longest = 0, digits_only = 1;

	if (n < 3 || n > 63)
		return TARGET_BUCKET_INVALID;
	if (!is_alnum((unsigned char)b[0]) || !is_alnum((unsigned char)b[n - 1]))
		return TARGET_BUCKET_INVALID;
	for (size_t k = 0; k < n; k++) {
		unsigned c = (unsigned char)b[k];
		if (c == '.') {
			dots++;
			run = 0;
			/* "..", ".-" and "-." cannot make DNS labels */
			if (b[k + 1] == '.' || b[k + 1] == '-' ||
			    (k > 0 && b[k - 1] == '-'))
				return TARGET_BUCKET_INVALID;
			continue;
		}
		if (c != '-' && !is_alnum(c))
			return TARGET_BUCKET_INVALID;
		if (c - '0' > 9)
			digits_only = 0;
		if (++run > longest)
			longest = run;
	}
	/* shaped like an IPv4 address: four groups of 1-3 digits (the
	 * checks above leave no group empty) */
	if (digits_only && dots == 3 && longest <= 3)
		return TARGET_BUCKET_INVALID;
	for (int k = 0; k < 5; k++) {
		const char *r = nth(reserved, k);
		size_t m = strlen(r + 1);
		if (n >= m && memcmp(b + (*r == '<' ? 0 : n - m), r + 1, m) == 0)
			return TARGET_BUCKET_INVALID;
	}
	return dots ? TARGET_BUCKET_DOTTED : TARGET_BUCKET_DNS;
}

/* ---- keys: SPEC section 2 ----------------------------------------------- */

/* A bounded output string. */
typedef struct {
	char *p;
	size_t cap, len;
	int over;
} obuf;

static void
oput(obuf *o, const char *s, size_t n)
{
	if (o->over || n > o->cap - o->len) {
		o->over = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

int
target_expand_key(const char *key, int encoding, const target_ids *ids,
    time_t now, char *out, size_t outsz, s3p_err *err)
{
	/* the placeholders without their braces: three ids, then the clock */
	static const char ph[] = "executionID\0jobID\0nodeID\0date\0time";
	/* each id's option and variable, for the message when it has none */
	static const char give[] = "execution-id\0EXECUTION_ID\0job-id\0JOB_ID\0"
	    "node-id\0NODE_ID";
	const char *idv[3] = { ids->execution_id, ids->job_id, ids->node_id };
	char tpl[TARGET_KEYTPL_MAX + 16], dt[15];
	size_t n = strlen(key);
	s3p_utc tm;
	int have_tm = 0;
	obuf o;

	if (outsz == 0)
		return err_set(err, S3P_EUSAGE, "key: no room");
	if (n > TARGET_KEYTPL_MAX)
		return err_set(err, S3P_EUSAGE, "key too long: %zu bytes", n);
	/* 1. suffix first, so that a placeholder value never decides it */
	memcpy(tpl, key, n + 1);
	if (encoding == TARGET_PLAIN) {
		if (n == 0 || key[n - 1] != '/')
			memcpy(tpl + n, "/", 2);
	} else if (!has_suffix(key, n, ".tar.gz"))
		memcpy(tpl + n, ".tar.gz", 8);

	/* 2. placeholders, each value inserted once */
	o.p = out;
	o.cap = (outsz - 1 < TARGET_KEY_MAX ? outsz - 1 : TARGET_KEY_MAX);
	o.len = 0;
	o.over = 0;
	for (const char *p = tpl; *p;) {
		const char *name = NULL;
		size_t m = 0;
		int k;

		for (k = 0; *p == '{' && k < 5; k++) {
			name = nth(ph, k);
			m = strlen(name);
			if (strncmp(p + 1, name, m) == 0 && p[m + 1] == '}')
				break;
		}
		if (*p != '{' || k == 5) {
			/* not ours: kept as written, as strings.Replace would */
			oput(&o, p, 1);
			p++;
			continue;
		}
		p += m + 2;
		if (k < 3) {
			if (idv[k] == NULL || *idv[k] == '\0')
				return err_set(err, S3P_EUSAGE,
				    "key \"%.200s\": placeholder {%s} has no value"
				    " (give --%s or set BACALHAU_%s)", key, name,
				    nth(give, 2 * k), nth(give, 2 * k + 1));
			oput(&o, idv[k], strlen(idv[k]));
			continue;
		}
		if (!have_tm) {
			/* YYYYMMDDHHMMSS: {date} is the first 8, {time} the rest */
			if (s3p_time_to_utc(now, &tm) < 0)
				return err_set(err, S3P_EUSAGE,
				    "key: the clock is out of range");
			/* the year is 0..9999: always 14 digits */
			fmt_snprintf(dt, sizeof dt, "%04d%02d%02d%02d%02d%02d",
			    tm.year, tm.month, tm.day, tm.hour, tm.min, tm.sec);
			have_tm = 1;
		}
		if (k == 3)
			oput(&o, dt, 8);
		else
			oput(&o, dt + 8, 6);
	}
	if (o.over)
		return err_set(err, S3P_EUSAGE,
		    "key \"%.200s...\" is longer than %zu bytes after suffix and"
		    " placeholders", key, o.cap);
	out[o.len] = '\0';
	for (size_t k = 0; k < o.len;) {
		int l = json_utf8_seq((const unsigned char *)out + k, o.len - k);
		if (l == 0)
			return err_set(err, S3P_EUSAGE,
			    "key \"%.200s\" is not valid UTF-8", key);
		k += (size_t)l;
	}
	return 0;
}

/* ---- spec files --------------------------------------------------------- */

/*
 * Both readers, YAML and JSON, feed the same sink with (key path, value)
 * events, so that the two forms accept exactly the same documents. Keys of
 * the path are spans of the source (YAML) or unescaped copies (JSON).
 */
#define MAXDEPTH 4
#define KEYMAX 64

typedef struct {
	const char *name;         /* file name for messages */
	target t;                 /* what was read; merged at the end */
	int shape;                /* 0 unknown, 1 Publisher: {...}, 2 flat */
	int have_type;
	unsigned seen;            /* SEEN_* bits, to refuse duplicates */
	target_digests *d;        /* result fields kept here, or NULL */
	s3p_err *err;
} sink;

enum {
	SEEN_PUBLISHER = 1 << 0,
	SEEN_TYPE = 1 << 1,
	SEEN_PARAMS = 1 << 2,
	SEEN_FIELD = 1 << 3       /* << index in names[] */
};

typedef struct {
	const char *p;
	size_t n;
} span;

/* Every error of a spec file names the file and the line. */
static int
ylfail(sink *s, int line, const char *what)
{
	return err_set(s->err, S3P_EUSAGE, "%s:%d: %s", s->name, line, what);
}

static int
sink_fail(sink *s, int line, const char *what, const span *path, int depth,
    const char *extra)
{
	char dotted[MAXDEPTH * (KEYMAX + 1) + 1];
	size_t o = 0;

	dotted[0] = '\0';
	for (int k = 0; k < depth; k++) {
		size_t n = path[k].n > KEYMAX ? KEYMAX : path[k].n;
		if (k > 0)
			dotted[o++] = '.';
		memcpy(dotted + o, path[k].p, n);
		o += n;
		dotted[o] = '\0';
	}
	return err_set(s->err, S3P_EUSAGE, "%s:%d: %s %s%s", s->name, line,
	    what, dotted, extra);
}

/*
 * One event: the key path path[0, depth), and either a mapping that opens
 * there (is_map) or a scalar value v[0, vn) (null when is_null).
 */
static int
sink_event(sink *s, int line, const span *path, int depth, int is_map,
    const char *v, size_t vn, int is_null)
{
	const span *rel = path;
	const char *why = "unknown key", *extra = "";
	int rdepth = depth, fdepth = 1, k = -1;
	unsigned bit;

	if (depth == 0)
		return 0;
	/* which of the two shapes, decided by the first top-level key */
	if (text_ieq(path[0].p, path[0].n, "publisher")) {
		if (s->shape == 2) {
			why = "unexpected key";
			extra = " (next to Type/Params)";
			goto fail;
		}
		s->shape = 1;
		rel = path + 1;
		rdepth = depth - 1;
	} else if (text_ieq(path[0].p, path[0].n, "type") ||
	    text_ieq(path[0].p, path[0].n, "params") ||
	    text_ieq(path[0].p, path[0].n, "objectoptions")) {
		if (s->shape == 1) {
			why = "unexpected key";
			extra = " (next to Publisher)";
			goto fail;
		}
		s->shape = 2;
	} else {
		extra = " (want Publisher, or Type, Params, ObjectOptions)";
		goto fail;
	}

	/* from here on, errors name the whole path */
	fdepth = depth;
	if (rdepth == 0)
		bit = SEEN_PUBLISHER;
	else if (text_ieq(rel[0].p, rel[0].n, "type")) {
		bit = SEEN_TYPE;
		if (rdepth > 1)
			goto fail;
	} else if (text_ieq(rel[0].p, rel[0].n, "params")) {
		bit = SEEN_PARAMS;
		if (rdepth > 1) {
			k = find(names, NNAMES, rel[1].p, rel[1].n);
			/* Partition (k 11) holds a mapping of its own */
			if (k < 0 || rdepth > 2 + (k > F_FILTER)) {
				extra = " (want Bucket, Key, Endpoint, Region"
				    " or Encoding)";
				goto fail;
			}
			bit = SEEN_FIELD << k;
		}
		/* Bacalhau's Filter and Partition (a SourceSpec's, in its
		 * pkg/s3): get fetches all of Key, so any filtering or
		 * partitioning (other than Type none, indexes 0) is refused
		 * rather than silently not done */
		if (k >= F_FILTER) {
			if (is_map || is_null || vn == 0 || (rdepth > 2 &&
			    (text_ieq(v, vn, "0") || text_ieq(v, vn, "none"))))
				return 0;
			why = "not supported: a non-empty";
			extra = " (s3pub gets all of Key)";
			goto fail;
		}
	} else if (text_ieq(rel[0].p, rel[0].n, "objectoptions")) {
		/* NAME: V, or tag / metadata: K: V (target.h) */
		static const char opts[] = "storage-class\0sse\0sse-kms-key-id\0"
		    "sse-c-key-file\0content-type\0tag\0metadata";
		size_t at = s->t.objopts_len, cap = sizeof s->t.objopts - at;
		int n, sub;

		k = rdepth > 1 ? find(opts, 7, rel[1].p, rel[1].n) : 0;
		sub = k > 4;            /* tag, metadata: a mapping of K: V */
		if (k >= 0 && rdepth <= 2 + sub) {
			if (rdepth < 2 + sub) {
				why = "expected a mapping at";
				if (!is_map && !is_null)
					goto fail;
				return 0;
			}
			why = "expected a scalar at";
			if (is_map)
				goto fail;
			if (is_null)
				return 0;
			n = fmt_snprintf(s->t.objopts + at, cap, "%s%c%.*s%s%.*s",
			    nth(opts, k), '\0', (int)(sub ? rel[2].n : 0),
			    sub ? rel[2].p : "", sub ? "=" : "", (int)vn, v);
			if (n < 0 || (size_t)n + 1 >= cap)
				return sink_fail(s, line, "too long at", path,
				    depth, "");
			s->t.objopts_len += (size_t)n + 1;
			return 0;
		}
		extra = " (want publish's option names)";
		goto fail;
	} else {
		extra = " (want Type, Params or ObjectOptions)";
		goto fail;
	}
	/* Publisher and Params hold a mapping (or nothing), the rest scalars */
	if (bit == SEEN_PUBLISHER || bit == SEEN_PARAMS) {
		if (!is_map && !is_null) {
			why = "expected a mapping at";
			goto fail;
		}
	} else if (is_map) {
		why = "expected a scalar at";
		goto fail;
	}
	if (bit == SEEN_TYPE) {
		if (is_null || !text_ieq(v, vn, "s3"))
			return err_set(s->err, S3P_EUSAGE,
			    "%s:%d: publisher Type \"%.*s\" is not s3", s->name,
			    line, (int)(vn > 64 ? 64 : vn), is_null ? "" : v);
		s->have_type = 1;
	}
	if (s->seen & bit) {
		why = "duplicate key";
		goto fail;
	}
	s->seen |= bit;
	if (k >= 0 && k < NFIELDS) {
		s3p_err e;
		if (field_set(&s->t, k, is_null ? "" : v, is_null ? 0 : vn,
		    &e) < 0)
			return ylfail(s, line, e.msg);
	}
	/* VersionID, ChecksumSHA256, ContentSHA256, ManifestSHA256: kept
	 * for get --spec */
	if (s->d != NULL && k >= NFIELDS && k < NFIELDS + 4 && !is_null) {
		static const unsigned short doff[] = {
			offsetof(target_digests, version_id),
			offsetof(target_digests, checksum_sha256),
			offsetof(target_digests, content_sha256),
			offsetof(target_digests, manifest_sha256)
		}, dcap[] = { TARGET_VERSION_MAX, 95, 64, 64 };
		if (vn > dcap[k - NFIELDS])
			return sink_fail(s, line, "value too long at", path,
			    depth, "");
		memcpy((char *)s->d + doff[k - NFIELDS], v, vn);
		((char *)s->d + doff[k - NFIELDS])[vn] = '\0';
	}
	return 0;
fail:
	return sink_fail(s, line, why, path, fdepth, extra);
}

/* -- the YAML subset -- */

/* The line number of offset `off` in buf. */
static int
line_of(const char *buf, size_t off)
{
	int line = 1;
	for (size_t k = 0; k < off; k++)
		if (buf[k] == '\n')
			line++;
	return line;
}

static const char *
skip_blank(const char *p, const char *end)
{
	while (p < end && text_blank(*p))
		p++;
	return p;
}

/* Nothing but white space and a comment from p to end. */
static int
y_rest_blank(const char *p, const char *end)
{
	const char *q = skip_blank(p, end);

	return q == end || (*q == '#' && q > p);
}

/*
 * The end of a plain scalar at p: the first ':' before a blank or the line
 * end (a key ends there, a value may not hold it), or the first '#' after
 * a blank (a comment), or the line end. p is not at a ':' or '#' of its own.
 */
static const char *
y_plain(const char *p, const char *end)
{
	for (; p < end; p++)
		if ((*p == ':' && (p + 1 == end || text_blank(p[1]))) ||
		    (*p == '#' && text_blank(p[-1])))
			break;
	return p;
}

/*
 * A quoted scalar, "double" or 'single': p at the opening quote, end the
 * end of the line. Unescapes into out (cap bytes with the NUL), sets
 * *after past the closing quote. YAML 1.2 sections 5.7 (escape sequences)
 * and 7.3.2 ('' is a quote).
 */
static int
y_quoted(sink *s, int line, const char *p, const char *end, char *out,
    size_t cap, size_t *outn, const char **after)
{
	/* escape letters, then \x \u \U; the code points of the first 18 */
	static const char letters[] = "0abt\tnvfre \"/\\N_LPxuU";
	static const unsigned short cps[18] = { 0, 7, 8, 9, 9, 10, 11, 12, 13,
	    27, ' ', '"', '/', '\\', 0x85, 0xA0, 0x2028, 0x2029 };
	char q = *p;
	size_t o = 0;

	for (p++;; p++) {
		const char *from;
		uint32_t cp;
		int len = 1;
		char enc[4];

		/* a '\\' last on the line escapes nothing there */
		if (p >= end || (*p == '\\' && q == '"' && p + 1 >= end))
			return ylfail(s, line, "unterminated quoted string"
			    " (multi-line scalars are not supported)");
		if (*p == q) {
			if (q == '"' || p + 1 >= end || p[1] != '\'')
				break;
			p++;
		}
		from = p;
		if (*p == '\\' && q == '"') {
			const char *e;
			int k, digits = 0;
			e = memchr(letters, p[1], sizeof letters - 1);
			if (e == NULL)
				return ylfail(s, line, "unknown escape in"
				    " double-quoted string");
			k = (int)(e - letters);
			if (k < 18)
				cp = cps[k];
			else {
				digits = 2 << (k - 18);
				if (end - (p + 2) < digits ||
				    json_hex(p + 2, digits, &cp) < 0)
					return ylfail(s, line, "bad hex escape in"
					    " double-quoted string");
			}
			if (cp == 0)
				return ylfail(s, line, "NUL in string");
			len = json_utf8_put(cp, enc);
			if (len == 0)
				return ylfail(s, line, "escape is not a Unicode"
				    " scalar value");
			p += 1 + digits;
			from = enc;
		}
		if (o + (size_t)len >= cap)
			return ylfail(s, line, "value too long");
		memcpy(out + o, from, (size_t)len);
		o += (size_t)len;
	}
	out[o] = '\0';
	*outn = o;
	*after = p + 1;
	return 0;
}

/*
 * A scalar at p (not blank): into out, with *is_null. Plain scalars end at
 * " #" or the line end; YAML 1.2 section 7.3.3.
 */
static int
y_scalar(sink *s, int line, const char *p, const char *end, char *out,
    size_t cap, size_t *outn, int *is_null)
{
	/* YAML indicators that cannot start a plain scalar here; the message
	 * of ind[k] is number ind_msg[k] of ind_msgs */
	static const char ind[] = "|>{[&*!@`%,]}", ind_msg[] = "0011234555555";
	static const char ind_msgs[] =
	    "block scalars (| >) are not supported\0"
	    "flow collections ({ [) are not supported\0"
	    "anchors are not supported\0aliases are not supported\0"
	    "tags are not supported\0"
	    "a plain scalar cannot start with this character: quote it";
	const char *after, *q, *e;

	*is_null = 0;
	if (*p == '"' || *p == '\'') {
		if (y_quoted(s, line, p, end, out, cap, outn, &after) < 0)
			return -1;
		if (!y_rest_blank(after, end))
			return ylfail(s, line, "text after a quoted string");
		return 0;
	}
	e = memchr(ind, *p, sizeof ind - 1);
	if (e != NULL)
		return ylfail(s, line, nth(ind_msgs, ind_msg[e - ind] - '0'));
	if ((*p == '-' || *p == '?' || *p == ':') && (p + 1 == end ||
	    text_blank(p[1])))
		return ylfail(s, line, "sequences and complex keys are not"
		    " supported");
	q = y_plain(p, end);
	if (q < end && *q == ':')
		return ylfail(s, line, "': ' inside a plain value: quote the"
		    " value (nested mappings go on the next line)");
	while (q > p && text_blank(q[-1]))
		q--;
	if ((size_t)(q - p) >= cap)
		return ylfail(s, line, "value too long");
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
	*outn = (size_t)(q - p);
	/* the YAML 1.2 core schema's nulls */
	*is_null = (*outn == 1 && *p == '~') || (*outn == 4 &&
	    (memcmp(p, "null", 4) == 0 || memcmp(p, "Null", 4) == 0 ||
	     memcmp(p, "NULL", 4) == 0));
	return 0;
}


/*
 * The YAML subset of target.h, line by line. path[] holds the keys from the
 * top to the current one (copied in keys[]), with their indentation and
 * line; `pending` says the last key had no value on its line, so it opens
 * a mapping if the next key is deeper, and is null otherwise.
 */
static int
read_yaml(sink *s, const char *buf, size_t len)
{
	span path[MAXDEPTH];
	char keys[MAXDEPTH][KEYMAX + 1];
	int ind[MAXDEPTH], lines[MAXDEPTH];
	/* doc: 1 after "---", 2 after "..." (nothing may follow) */
	int depth = 0, pending = 0, doc = 0, content = 0;
	int line = 0;
	char val[TARGET_KEYTPL_MAX + 2];
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end, *c, *q, *ke;
		char key[KEYMAX + 1];
		size_t kn, vn;
		int indent, is_null, deeper;

		line++;
		if (le > p && le[-1] == '\r')
			le--;
		for (c = p; c < le && *c == ' '; c++)
			;
		indent = (int)(c - p);
		p = eol ? eol + 1 : end;
		q = skip_blank(c, le);
		if (q == le || *q == '#')
			continue;                       /* blank or comment */
		if (q != c)
			return ylfail(s, line, "tab in indentation");
		for (q = c; q < le; q++)
			if (*q == '\0' || *q == '\r')
				return ylfail(s, line, "NUL or CR inside a line");
		if (doc == 2)
			return ylfail(s, line, "text after the document end"
			    " (...)");
		if (indent == 0 && le - c >= 3 && (*c == '-' || *c == '.') &&
		    c[1] == *c && c[2] == *c && (le - c == 3 ||
		    text_blank(c[3]))) {
			if (*c == '.') {
				doc = 2;
				if (!y_rest_blank(c + 3, le))
					return ylfail(s, line, "text after ...");
				continue;
			}
			if (doc || content)
				return ylfail(s, line, "several documents are"
				    " not supported");
			doc = 1;
			if (!y_rest_blank(c + 3, le))
				return ylfail(s, line, "text after --- is not"
				    " supported: start the mapping on the next"
				    " line");
			continue;
		}
		if (indent == 0 && *c == '%') {
			if (doc || content)
				return ylfail(s, line, "directive inside the"
				    " document");
			continue;
		}

		/* the key */
		if (*c == '"' || *c == '\'') {
			if (y_quoted(s, line, c, le, key, sizeof key, &kn,
			    &ke) < 0)
				return -1;
			ke = skip_blank(ke, le);
			if (ke >= le || *ke != ':')
				return ylfail(s, line, "expected ':' after the"
				    " key");
		} else {
			if (*c == '-' && (c + 1 == le || c[1] == ' '))
				return ylfail(s, line, "sequences are not"
				    " supported");
			if (strchr("[]{},#&*!|>%@`?:", *c) != NULL)
				return ylfail(s, line, "expected 'key: value'"
				    " (flow style, anchors, tags and complex"
				    " keys are not supported)");
			ke = y_plain(c, le);
			if (ke == le || *ke != ':')
				return ylfail(s, line, "expected 'key: value'"
				    " (multi-line scalars are not supported)");
			kn = (size_t)(ke - c);
			while (kn > 0 && text_blank(c[kn - 1]))
				kn--;
			if (kn > KEYMAX)
				return ylfail(s, line, "key too long");
			memcpy(key, c, kn);
			key[kn] = '\0';
		}
		if (ke + 1 < le && !text_blank(ke[1]))
			return ylfail(s, line, "expected ': ' after the key");

		/* where the key sits: under the open key, or a sibling */
		deeper = pending && indent > ind[depth - 1];
		if (deeper && depth == MAXDEPTH)
			return ylfail(s, line, "nesting too deep");
		if (pending && sink_event(s, lines[depth - 1], path, depth,
		    deeper, "", 0, !deeper) < 0)
			return -1;
		if (!deeper && content) {
			while (depth > 0 && ind[depth - 1] > indent)
				depth--;
			if (depth == 0 || ind[depth - 1] != indent)
				return ylfail(s, line, "bad indentation"
				    " (multi-line scalars are not supported)");
			depth--;
		}
		content = 1;
		ind[depth] = indent;
		lines[depth] = line;
		memcpy(keys[depth], key, kn + 1);
		path[depth].p = keys[depth];
		path[depth].n = kn;
		depth++;

		/* the value: ke[1] is blank, so a '#' after it starts a comment */
		pending = y_rest_blank(ke + 1, le);
		if (pending)
			continue;
		if (y_scalar(s, line, skip_blank(ke + 1, le), le, val,
		    sizeof val, &vn, &is_null) < 0 ||
		    sink_event(s, line, path, depth, 0, val, vn, is_null) < 0)
			return -1;
	}
	if (pending && sink_event(s, lines[depth - 1], path, depth, 0, "", 0,
	    1) < 0)
		return -1;
	return 0;
}

/* -- JSON -- */

static int
j_walk(sink *s, const char *buf, const json_val *obj, span *path,
    char (*keys)[KEYMAX + 1], int depth)
{
	char val[TARGET_KEYTPL_MAX + 2];
	json_val k, v;
	json_iter it = { 0 };
	int r, line;
	long n;

	while ((r = json_next(obj, &it, &k, &v)) == 1) {
		const char *vp = v.p;
		int is_map = v.type == JSON_OBJECT, is_null = v.type == JSON_NULL;

		line = line_of(buf, (size_t)(k.p - buf));
		n = json_string(&k, keys[depth], KEYMAX + 1, 0);
		if (n < 0)
			return ylfail(s, line, "key too long, or holds \\u0000");
		path[depth].p = keys[depth];
		path[depth].n = (size_t)n;
		n = (long)v.len;
		if (v.type == JSON_STRING) {
			n = json_string(&v, val, sizeof val, 0);
			if (n < 0)
				return ylfail(s, line, "value too long, or"
				    " holds \\u0000");
			vp = val;
		} else if (is_null)
			n = 0;
		/* the key first, so that an unknown one is named as such */
		if (sink_event(s, line, path, depth + 1, is_map, vp,
		    (size_t)n, is_null) < 0)
			return -1;
		if (!is_map && !is_null && v.type != JSON_NUMBER &&
		    v.type != JSON_STRING)
			return sink_fail(s, line, "expected a string or a"
			    " mapping at", path, depth + 1, "");
		if (!is_map)
			continue;
		if (depth + 1 >= MAXDEPTH)
			return ylfail(s, line, "nesting too deep");
		if (j_walk(s, buf, &v, path, keys, depth + 1) < 0)
			return -1;
	}
	return r < 0 ? ylfail(s, line_of(buf, (size_t)(obj->p - buf)),
	    "malformed JSON") : 0;
}

static int
read_json(sink *s, const char *buf, size_t len)
{
	span path[MAXDEPTH];
	char keys[MAXDEPTH][KEYMAX + 1];
	const char *why = NULL;
	size_t off = 0;
	json_val root;

	if (json_check(buf, len, &off, &why) < 0)
		return ylfail(s, line_of(buf, off), why ? why : "malformed JSON");
	if (json_root(buf, len, &root) < 0 || root.type != JSON_OBJECT)
		return ylfail(s, 1, "expected a JSON object");
	return j_walk(s, buf, &root, path, keys, 0);
}

static int
read_buf(const char *name, const char *buf, size_t len, target *t,
    target_digests *d, s3p_err *err)
{
	sink s;
	size_t bom = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
	size_t k = bom;

	memset(&s, 0, sizeof s);
	s.name = name;
	s.err = err;
	s.d = d;
	target_init(&s.t);
	if (d != NULL)
		memset(d, 0, sizeof *d);
	while (k < len && (buf[k] == ' ' || buf[k] == '\t' || buf[k] == '\n' ||
	    buf[k] == '\r'))
		k++;
	/* JSON from the line start, so that line numbers count right */
	if ((k < len && buf[k] == '{' ? read_json : read_yaml)(&s, buf + bom,
	    len - bom) < 0)
		return -1;
	if (!s.have_type)
		return err_set(err, S3P_EUSAGE,
		    "%s: no publisher Type (want Publisher: Type: s3, Params:"
		    " ...)", name);
	target_merge(t, &s.t);
	return 0;
}

int
target_read_buf(const char *name, const char *buf, size_t len,
    target *t, s3p_err *err)
{
	return read_buf(name, buf, len, t, NULL, err);
}

int
target_read_result_buf(const char *name, const char *buf, size_t len,
    target *t, target_digests *d, s3p_err *err)
{
	return read_buf(name, buf, len, t, d, err);
}

static int
read_file(const char *path, target *t, target_digests *d, s3p_err *err)
{
	char buf[TARGET_FILE_MAX + 1];
	size_t len = 0;
	ssize_t r = 0;
	int fd = d != NULL && strcmp(path, "-") == 0 ? dup(0) :
	    open(path, O_RDONLY | O_CLOEXEC), e;

	while (fd >= 0 && len < sizeof buf) {
		r = read(fd, buf + len, sizeof buf - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	e = errno;
	if (fd >= 0)
		close(fd);
	if (fd < 0 || r < 0 || len > TARGET_FILE_MAX)
		return err_set(err, S3P_EUSAGE, "spec file %s: %s", path,
		    len > TARGET_FILE_MAX ? "larger than " STR(TARGET_FILE_MAX)
		    " bytes" : strerror(e));
	return read_buf(path, buf, len, t, d, err);
}

int
target_read_file(const char *path, target *t, s3p_err *err)
{
	return read_file(path, t, NULL, err);
}

int
target_read_result_file(const char *path, target *t, target_digests *d,
    s3p_err *err)
{
	return read_file(path, t, d, err);
}

/* ---- the published result spec: SPEC section 7 --------------------------- */

/*
 * A string, double-quoted. JSON (RFC 8259 section 7): the short escapes
 * where there is one, other control bytes as \u00XX. YAML (YAML 1.2
 * section 7.3.1): escapes what YAML does not take raw (C0 and C1 controls,
 * DEL), and the characters a reader would take for line breaks or a byte
 * order mark. A byte that is not UTF-8 is U+FFFD in both.
 */
/* The result as it is written: into buf, counted past its end. */
typedef struct {
	char *buf;
	size_t size, len;
} out_buf;

static void
put(out_buf *o, const void *p, size_t n)
{
	if (o->len + n < o->size)
		memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void
putf(out_buf *o, const char *fmt, unsigned long long v)
{
	char t[24];

	put(o, t, (size_t)fmt_snprintf(t, sizeof t, fmt, v));
}

static void
put_str(out_buf *o, const char *s, int yaml)
{
	/* JSON's short escapes: the control byte, then its letter */
	static const char shortesc[] = "\bb\ff\nn\rr\tt";
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);

	put(o, "\"", 1);
	for (size_t k = 0; k < n;) {
		unsigned c = p[k];
		const char *e = NULL;
		uint32_t cp = 0xFFFD;
		int len = json_utf8_seq(p + k, n - k);

		/* the lead byte's bits under its length prefix (none at 1) */
		if (len > 0)
			cp = c & (0x7Fu >> (len - 1));
		for (int i = 1; i < len; i++)
			cp = (cp << 6) | (p[k + i] & 0x3F);
		/* a control byte matches a control, never a letter */
		if (c < 0x20 && !yaml)
			e = memchr(shortesc, (int)c, sizeof shortesc - 1);
		if (c == '"' || c == '\\' || e != NULL) {
			char esc[2] = { '\\', e != NULL ? e[1] : (char)c };
			put(o, esc, 2);
		}
		else if (len == 0 || cp < 0x20 || (yaml && ((cp >= 0x7F &&
		    cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
		    cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF)))
			putf(o, !yaml ? "\\u%04llx" : cp < 0x80 ? "\\x%02llX" :
			    "\\u%04llX", (unsigned long long)cp);
		else
			put(o, p + k, (size_t)len);
		k += len > 0 ? (size_t)len : 1;
	}
	put(o, "\"", 1);
}

int
target_format_result(char *buf, size_t size, const target_result *r,
    int yaml)
{
	/* SPEC section 7's order: each '%' is the next string, '#' the size */
	static const char json[] = "{\"Type\":%,\"Params\":{\"Bucket\":%,"
	    "\"Key\":%,\"Region\":%,\"Endpoint\":%,\"VersionID\":%,"
	    "\"ChecksumSHA256\":%,\"ContentSHA256\":%@,\"Size\":#}}\n";
	static const char yml[] = "Type: %\nParams:\n  Bucket: %\n  Key: %\n"
	    "  Region: %\n  Endpoint: %\n  VersionID: %\n  ChecksumSHA256: %\n"
	    "  ContentSHA256: %\n@  Size: #\n";
	const char *vals[8] = { r->type ? r->type : "s3", r->bucket, r->key,
	    r->region, r->endpoint, r->version_id, r->checksum_sha256,
	    r->content_sha256 };
	out_buf o = { buf, size, 0 };
	int k = 0;

	if (r->encoding == TARGET_PLAIN)
		vals[6] = vals[7] = "";
	for (const char *t = yaml ? yml : json; *t != '\0'; t++) {
		if (*t == '%')
			put_str(&o, vals[k++], yaml);
		else if (*t == '@') {
			if (r->manifest_sha256 != NULL) {
				const char *m = yaml ? "  ManifestSHA256: " :
				    ",\"ManifestSHA256\":";
				put(&o, m, strlen(m));
				put_str(&o, r->manifest_sha256, yaml);
				put(&o, "\n", yaml);
			}
		} else if (*t == '#')
			putf(&o, "%llu", (unsigned long long)r->size);
		else
			put(&o, t, 1);
	}
	if (o.len >= size)
		return -1;
	buf[o.len] = '\0';
	return (int)o.len;
}
