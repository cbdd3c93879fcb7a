/*
 * spec.c: the publish target (Bacalhau's -p syntax and --spec files), the
 * key rules, and the published result spec. SPEC sections 1, 2 and 7; the
 * contract is in spec.h.
 */
#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fmt.h"
#include "json.h"

static unsigned
lower(unsigned c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* ASCII case-insensitive equality of s[0, n) and the NUL-terminated w. */
static int
ieq(const char *s, size_t n, const char *w)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (w[k] == '\0' || lower((unsigned char)s[k]) !=
		    lower((unsigned char)w[k]))
			return 0;
	return w[k] == '\0';
}

static int
iprefix(const char *s, const char *w)
{
	for (; *w; s++, w++)
		if (lower((unsigned char)*s) != lower((unsigned char)*w))
			return 0;
	return 1;
}

/* ---- the target -------------------------------------------------------- */

void
spec_target_init(spec_target *t)
{
	memset(t, 0, sizeof *t);
	t->encoding = SPEC_GZIP;
}

/* The fields, in the order of the spec file's Params. */
static const struct field {
	const char *name;   /* lower case */
	const char *label;  /* as Bacalhau spells it */
	unsigned bit;
	size_t off, cap;    /* buffer in spec_target; cap 0: encoding */
} fields[] = {
	{ "bucket", "Bucket", SPEC_SET_BUCKET, offsetof(spec_target, bucket),
	  SPEC_BUCKET_MAX },
	{ "key", "Key", SPEC_SET_KEY, offsetof(spec_target, key),
	  SPEC_KEYTPL_MAX },
	{ "endpoint", "Endpoint", SPEC_SET_ENDPOINT,
	  offsetof(spec_target, endpoint), SPEC_ENDPOINT_MAX },
	{ "region", "Region", SPEC_SET_REGION, offsetof(spec_target, region),
	  SPEC_REGION_MAX },
	{ "encoding", "Encoding", SPEC_SET_ENCODING, 0, 0 },
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static const struct field *
field_find(const char *name, size_t n)
{
	for (size_t k = 0; k < NFIELDS; k++)
		if (ieq(name, n, fields[k].name))
			return &fields[k];
	return NULL;
}

/* Sets a field from value[0, n) (not NUL-terminated). */
static int
field_set(spec_target *t, const struct field *f, const char *value,
    size_t n, s3p_err *err)
{
	if (f->cap == 0) {
		if (n == 0) {
			t->encoding = SPEC_GZIP;
			t->set &= ~f->bit;
		} else if (ieq(value, n, "gzip"))
			t->encoding = SPEC_GZIP;
		else if (ieq(value, n, "plain"))
			t->encoding = SPEC_PLAIN;
		else
			return err_set(err, S3P_EUSAGE,
			    "encoding \"%.*s\": want gzip or plain",
			    (int)(n > 64 ? 64 : n), value);
		if (n > 0)
			t->set |= f->bit;
		return 0;
	}
	if (n > f->cap)
		return err_set(err, S3P_EUSAGE,
		    "%s too long: %zu bytes, at most %zu", f->name, n, f->cap);
	if (memchr(value, '\0', n) != NULL)
		return err_set(err, S3P_EUSAGE, "%s holds a NUL byte", f->name);
	char *dst = (char *)t + f->off;
	memcpy(dst, value, n);
	dst[n] = '\0';
	if (n > 0)
		t->set |= f->bit;
	else
		t->set &= ~f->bit;
	return 0;
}

int
spec_set(spec_target *t, const char *name, const char *value, s3p_err *err)
{
	const struct field *f = field_find(name, strlen(name));

	if (f == NULL)
		return err_set(err, S3P_EUSAGE,
		    "unknown target field \"%s\": want bucket, key, endpoint,"
		    " region or encoding", name);
	return field_set(t, f, value, strlen(value), err);
}

void
spec_merge(spec_target *dst, const spec_target *src)
{
	for (size_t k = 0; k < NFIELDS; k++) {
		const struct field *f = &fields[k];
		if (!(src->set & f->bit))
			continue;
		if (f->cap == 0)
			dst->encoding = src->encoding;
		else
			memcpy((char *)dst + f->off, (const char *)src + f->off,
			    f->cap + 1);
		dst->set |= f->bit;
	}
}

int
spec_check_required(const spec_target *t, s3p_err *err)
{
	int nb = !(t->set & SPEC_SET_BUCKET) || t->bucket[0] == '\0';
	int nk = !(t->set & SPEC_SET_KEY) || t->key[0] == '\0';

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

	if (n < 5 || !iprefix(u, "s3://"))
		return -1;
	*b = u + 5;
	slash = memchr(*b, '/', n - 5);
	if (slash == NULL) {
		*bn = n - 5;
		*k = u + n;
		*kn = 0;
	} else {
		*bn = (size_t)(slash - *b);
		*k = slash + 1;
		*kn = (size_t)(u + n - *k);
	}
	return 0;
}

int
spec_s3_uri(const char *uri, char *bucket, size_t bsz, char *key,
    size_t ksz, s3p_err *err)
{
	const char *b, *k;
	size_t bn, kn, n = strlen(uri);

	if (split_uri(uri, n, &b, &bn, &k, &kn) < 0)
		return err_set(err, S3P_EUSAGE,
		    "\"%.200s\" is not an s3://BUCKET/KEY URI", uri);
	if (bn == 0)
		return err_set(err, S3P_EUSAGE, "\"%.200s\": no bucket", uri);
	if (bn >= bsz)
		return err_set(err, S3P_EUSAGE,
		    "\"%.200s\": bucket name too long", uri);
	if (kn >= ksz)
		return err_set(err, S3P_EUSAGE,
		    "\"%.200s\": key too long (%zu bytes)", uri, kn);
	memcpy(bucket, b, bn);
	bucket[bn] = '\0';
	memcpy(key, k, kn);
	key[kn] = '\0';
	return 0;
}

/* One field of a target, f[0, n), number `idx` (1-based), into t. */
static int
target_field(const char *f, size_t n, int idx, spec_target *t,
    unsigned *given, s3p_err *err)
{
	const char *eq, *name, *val;
	const struct field *fd;
	size_t pn, nn;
	s3p_err e;

	if (n == 0)
		return err_set(err, S3P_EUSAGE,
		    "target: field %d is empty", idx);
	eq = memchr(f, '=', n);
	pn = eq ? (size_t)(eq - f) : 0;
	if (eq == NULL || !(ieq(f, pn, "opt") || ieq(f, pn, "option")))
		return err_set(err, S3P_EUSAGE,
		    "target: field %d \"%.*s\": want opt=NAME=VALUE", idx,
		    (int)(n > 200 ? 200 : n), f);
	name = eq + 1;
	eq = memchr(name, '=', (size_t)(f + n - name));
	if (eq == NULL)
		return err_set(err, S3P_EUSAGE,
		    "target: field %d \"%.*s\": want opt=NAME=VALUE", idx,
		    (int)(n > 200 ? 200 : n), f);
	nn = (size_t)(eq - name);
	val = eq + 1;
	fd = field_find(name, nn);
	if (fd == NULL)
		return err_set(err, S3P_EUSAGE,
		    "target: field %d \"%.*s\": unknown option \"%.*s\" (want"
		    " bucket, key, endpoint, region or encoding)", idx,
		    (int)(n > 200 ? 200 : n), f, (int)(nn > 64 ? 64 : nn), name);
	if (*given & fd->bit)
		return err_set(err, S3P_EUSAGE,
		    "target: field %d: %s given twice", idx, fd->name);
	*given |= fd->bit;
	if (field_set(t, fd, val, (size_t)(f + n - val), &e) < 0)
		return err_set(err, S3P_EUSAGE, "target: field %d: %s", idx,
		    e.msg);
	return 0;
}

int
spec_parse_target(const char *arg, spec_target *t, s3p_err *err)
{
	spec_target tmp = *t;
	unsigned given = 0;
	const char *f = arg, *comma, *b, *k;
	size_t n, bn, kn;
	int idx = 1;
	s3p_err e;

	comma = strchr(f, ',');
	n = comma ? (size_t)(comma - f) : strlen(f);
	if (split_uri(f, n, &b, &bn, &k, &kn) == 0) {
		if (field_set(&tmp, &fields[0], b, bn, &e) < 0 ||
		    field_set(&tmp, &fields[1], k, kn, &e) < 0)
			return err_set(err, S3P_EUSAGE, "target: field 1: %s",
			    e.msg);
		given = SPEC_SET_BUCKET | SPEC_SET_KEY;
	} else if (!ieq(f, n, "s3")) {
		return err_set(err, S3P_EUSAGE,
		    "target: field 1 \"%.*s\": want s3://BUCKET/KEY or s3",
		    (int)(n > 200 ? 200 : n), f);
	}
	while (comma != NULL) {
		f = comma + 1;
		idx++;
		comma = strchr(f, ',');
		n = comma ? (size_t)(comma - f) : strlen(f);
		if (target_field(f, n, idx, &tmp, &given, err) < 0)
			return -1;
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

/* Four dot-separated groups of 1-3 digits: "192.168.5.4". */
static int
ipv4_shaped(const char *b)
{
	int groups = 0, digits = 0;

	for (;; b++) {
		if (*b >= '0' && *b <= '9') {
			if (++digits > 3)
				return 0;
		} else if (*b == '.' || *b == '\0') {
			if (digits == 0)
				return 0;
			groups++;
			digits = 0;
			if (*b == '\0')
				return groups == 4;
		} else
			return 0;
	}
}

static int
has_suffix(const char *s, size_t n, const char *suf)
{
	size_t m = strlen(suf);
	return n >= m && memcmp(s + n - m, suf, m) == 0;
}

int
spec_bucket_valid(const char *b)
{
	size_t n = strlen(b);
	int dots = 0;

	if (n < 3 || n > 63)
		return SPEC_BUCKET_INVALID;
	if (!is_alnum((unsigned char)b[0]) || !is_alnum((unsigned char)b[n - 1]))
		return SPEC_BUCKET_INVALID;
	for (size_t k = 0; k < n; k++) {
		unsigned c = (unsigned char)b[k];
		if (c == '.') {
			dots = 1;
			/* "..", ".-" and "-." cannot make DNS labels */
			if (b[k + 1] == '.' || b[k + 1] == '-' ||
			    (k > 0 && b[k - 1] == '-'))
				return SPEC_BUCKET_INVALID;
		} else if (c != '-' && !is_alnum(c))
			return SPEC_BUCKET_INVALID;
	}
	if (ipv4_shaped(b))
		return SPEC_BUCKET_INVALID;
	/* reserved by AWS (access points, S3 Express, Object Lambda) */
	if (strncmp(b, "xn--", 4) == 0 || strncmp(b, "sthree-", 7) == 0 ||
	    has_suffix(b, n, "-s3alias") || has_suffix(b, n, "--ol-s3") ||
	    has_suffix(b, n, "--x-s3"))
		return SPEC_BUCKET_INVALID;
	return dots ? SPEC_BUCKET_DOTTED : SPEC_BUCKET_DNS;
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

static int
utf8_valid(const char *s, size_t n)
{
	for (size_t k = 0; k < n;) {
		int l = json_utf8_seq((const unsigned char *)s + k, n - k);
		if (l == 0)
			return 0;
		k += (size_t)l;
	}
	return 1;
}

/* v as exactly n decimal digits (v < 10^n). */
static void
put_digits(char *out, unsigned v, int n)
{
	while (n-- > 0) {
		out[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

int
spec_expand_key(const char *key, int encoding, const spec_ids *ids,
    time_t now, char *out, size_t outsz, s3p_err *err)
{
	static const struct {
		const char *ph, *opt, *env;
	} idnames[3] = {
		{ "{executionID}", "--execution-id", "BACALHAU_EXECUTION_ID" },
		{ "{jobID}", "--job-id", "BACALHAU_JOB_ID" },
		{ "{nodeID}", "--node-id", "BACALHAU_NODE_ID" },
	};
	char tpl[SPEC_KEYTPL_MAX + 16], date[9], tim[7];
	size_t n = strlen(key);
	s3p_utc tm;
	int have_tm = 0;
	obuf o;

	if (outsz == 0)
		return err_set(err, S3P_EUSAGE, "key: no room");
	if (n > SPEC_KEYTPL_MAX)
		return err_set(err, S3P_EUSAGE, "key too long: %zu bytes", n);
	/* 1. suffix first, so that a placeholder value never decides it */
	memcpy(tpl, key, n + 1);
	if (encoding == SPEC_PLAIN) {
		if (n == 0 || key[n - 1] != '/')
			memcpy(tpl + n, "/", 2);
	} else if (!has_suffix(key, n, ".tar.gz"))
		memcpy(tpl + n, ".tar.gz", 8);

	/* 2. placeholders, each value inserted once */
	o.p = out;
	o.cap = (outsz - 1 < SPEC_KEY_MAX ? outsz - 1 : SPEC_KEY_MAX);
	o.len = 0;
	o.over = 0;
	for (const char *p = tpl; *p;) {
		const char *val = NULL;
		size_t plen = 0;
		int k;

		if (*p != '{') {
			const char *q = strchr(p, '{');
			size_t run = q ? (size_t)(q - p) : strlen(p);
			oput(&o, p, run);
			p += run;
			continue;
		}
		for (k = 0; k < 3; k++) {
			const char *v;
			plen = strlen(idnames[k].ph);
			if (strncmp(p, idnames[k].ph, plen) != 0)
				continue;
			v = k == 0 ? ids->execution_id : k == 1 ? ids->job_id :
			    ids->node_id;
			if (v == NULL || *v == '\0')
				return err_set(err, S3P_EUSAGE,
				    "key \"%.200s\": placeholder %s has no value"
				    " (give %s or set %s)", key, idnames[k].ph,
				    idnames[k].opt, idnames[k].env);
			val = v;
			break;
		}
		if (val == NULL && (strncmp(p, "{date}", 6) == 0 ||
		    strncmp(p, "{time}", 6) == 0)) {
			if (!have_tm) {
				if (s3p_time_to_utc(now, &tm) < 0)
					return err_set(err, S3P_EUSAGE,
					    "key: the clock is out of range");
				put_digits(date, (unsigned)tm.year, 4);
				put_digits(date + 4, (unsigned)tm.month, 2);
				put_digits(date + 6, (unsigned)tm.day, 2);
				date[8] = '\0';
				put_digits(tim, (unsigned)tm.hour, 2);
				put_digits(tim + 2, (unsigned)tm.min, 2);
				put_digits(tim + 4, (unsigned)tm.sec, 2);
				tim[6] = '\0';
				have_tm = 1;
			}
			val = p[1] == 'd' ? date : tim;
			plen = 6;
		}
		if (val == NULL) {
			/* not ours: kept as written, as strings.Replace would */
			oput(&o, p, 1);
			p++;
			continue;
		}
		oput(&o, val, strlen(val));
		p += plen;
	}
	if (o.over)
		return err_set(err, S3P_EUSAGE,
		    "key \"%.200s...\" is longer than %zu bytes after suffix and"
		    " placeholders", key, o.cap);
	out[o.len] = '\0';
	if (!utf8_valid(out, o.len))
		return err_set(err, S3P_EUSAGE,
		    "key \"%.200s\" is not valid UTF-8", key);
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
	spec_target t;            /* what was read; merged at the end */
	int shape;                /* 0 unknown, 1 Publisher: {...}, 2 flat */
	int have_type;
	unsigned seen;            /* SEEN_* bits, to refuse duplicates */
	s3p_err *err;
} sink;

enum {
	SEEN_PUBLISHER = 1 << 0,
	SEEN_TYPE = 1 << 1,
	SEEN_PARAMS = 1 << 2,
	SEEN_FIELD = 1 << 3,      /* << field index */
	SEEN_EXTRA = 1 << 8       /* << index in extras */
};

/* Result-spec fields: accepted in Params and ignored (spec.h). */
static const char *const extras[] = {
	"versionid", "checksumsha256", "contentsha256", "size"
};

typedef struct {
	const char *p;
	size_t n;
} span;

static int
sink_fail(sink *s, int line, const char *fmt, const span *path, int depth,
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
	if (line > 0)
		err_set(s->err, S3P_EUSAGE, "%s:%d: %s %s%s", s->name, line,
		    fmt, dotted, extra ? extra : "");
	else
		err_set(s->err, S3P_EUSAGE, "%s: %s %s%s", s->name, fmt,
		    dotted, extra ? extra : "");
	return -1;
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
	int rdepth = depth;
	unsigned bit;

	if (depth == 0)
		return 0;
	/* which of the two shapes, decided by the first top-level key */
	if (ieq(path[0].p, path[0].n, "publisher")) {
		if (s->shape == 2)
			return sink_fail(s, line, "unexpected key", path, 1,
			    " (next to Type/Params)");
		s->shape = 1;
		rel = path + 1;
		rdepth = depth - 1;
	} else if (ieq(path[0].p, path[0].n, "type") ||
	    ieq(path[0].p, path[0].n, "params")) {
		if (s->shape == 1)
			return sink_fail(s, line, "unexpected key", path, 1,
			    " (next to Publisher)");
		s->shape = 2;
	} else
		return sink_fail(s, line, "unknown key", path, 1,
		    " (want Publisher, or Type and Params)");

	if (rdepth == 0) {
		bit = SEEN_PUBLISHER;
		if (!is_map && !is_null)
			return sink_fail(s, line, "expected a mapping at", path,
			    depth, NULL);
	} else if (ieq(rel[0].p, rel[0].n, "type")) {
		bit = SEEN_TYPE;
		if (rdepth > 1)
			return sink_fail(s, line, "unknown key", path, depth,
			    NULL);
		if (is_map)
			return sink_fail(s, line, "expected a scalar at", path,
			    depth, NULL);
		if (is_null || !ieq(v, vn, "s3")) {
			err_set(s->err, S3P_EUSAGE,
			    "%s:%d: publisher Type \"%.*s\" is not s3", s->name,
			    line, (int)(vn > 64 ? 64 : vn), is_null ? "" : v);
			return -1;
		}
		s->have_type = 1;
	} else if (ieq(rel[0].p, rel[0].n, "params")) {
		if (rdepth == 1) {
			bit = SEEN_PARAMS;
			if (!is_map && !is_null)
				return sink_fail(s, line,
				    "expected a mapping at", path, depth, NULL);
		} else {
			const struct field *f = NULL;
			size_t k;
			if (rdepth > 2)
				return sink_fail(s, line, "unknown key", path,
				    depth, NULL);
			for (k = 0; k < NFIELDS; k++)
				if (ieq(rel[1].p, rel[1].n, fields[k].name)) {
					f = &fields[k];
					break;
				}
			if (f != NULL)
				bit = SEEN_FIELD << k;
			else {
				for (k = 0; k < sizeof extras / sizeof extras[0];
				    k++)
					if (ieq(rel[1].p, rel[1].n, extras[k]))
						break;
				if (k == sizeof extras / sizeof extras[0])
					return sink_fail(s, line,
					    "unknown key", path, depth,
					    " (want Bucket, Key, Endpoint,"
					    " Region or Encoding)");
				bit = SEEN_EXTRA << k;
			}
			if (is_map)
				return sink_fail(s, line,
				    "expected a scalar at", path, depth, NULL);
			if (s->seen & bit)
				return sink_fail(s, line, "duplicate key", path,
				    depth, NULL);
			s->seen |= bit;
			if (f != NULL) {
				s3p_err e;
				if (field_set(&s->t, f, is_null ? "" : v,
				    is_null ? 0 : vn, &e) < 0) {
					err_set(s->err, S3P_EUSAGE, "%s:%d: %s",
					    s->name, line, e.msg);
					return -1;
				}
			}
			return 0;
		}
	} else
		return sink_fail(s, line, "unknown key", path, depth,
		    " (want Type or Params)");
	if (s->seen & bit)
		return sink_fail(s, line, "duplicate key", path, depth, NULL);
	s->seen |= bit;
	return 0;
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

static int
ylfail(sink *s, int line, const char *what)
{
	err_set(s->err, S3P_EUSAGE, "%s:%d: %s", s->name, line, what);
	return -1;
}

/*
 * A double-quoted scalar: p at the opening quote, end the end of the line.
 * Unescapes into out (cap bytes with the NUL), sets *after past the closing
 * quote. YAML 1.2 section 5.7 (escape sequences).
 */
static int
y_dquoted(sink *s, int line, const char *p, const char *end, char *out,
    size_t cap, size_t *outn, const char **after)
{
	size_t o = 0;
	char enc[4];

	for (p++; p < end && *p != '"'; ) {
		unsigned c = (unsigned char)*p;
		uint32_t cp;
		int len = 0;

		if (c == '\\') {
			int digits = 0;
			if (p + 1 >= end)
				return ylfail(s, line, "unterminated"
				    " double-quoted string");
			switch (p[1]) {
			case '0': cp = 0; break;
			case 'a': cp = 7; break;
			case 'b': cp = 8; break;
			case 't': case '\t': cp = 9; break;
			case 'n': cp = 10; break;
			case 'v': cp = 11; break;
			case 'f': cp = 12; break;
			case 'r': cp = 13; break;
			case 'e': cp = 27; break;
			case ' ': cp = ' '; break;
			case '"': cp = '"'; break;
			case '/': cp = '/'; break;
			case '\\': cp = '\\'; break;
			case 'N': cp = 0x85; break;
			case '_': cp = 0xA0; break;
			case 'L': cp = 0x2028; break;
			case 'P': cp = 0x2029; break;
			case 'x': digits = 2; break;
			case 'u': digits = 4; break;
			case 'U': digits = 8; break;
			default:
				return ylfail(s, line, "unknown escape in"
				    " double-quoted string");
			}
			if (digits > 0) {
				if (end - (p + 2) < digits)
					return ylfail(s, line, "bad hex escape in"
					    " double-quoted string");
				cp = 0;
				for (int k = 0; k < digits; k++) {
					int h = -1;
					unsigned d = (unsigned char)p[2 + k];
					if (d >= '0' && d <= '9')
						h = (int)(d - '0');
					else if (lower(d) >= 'a' && lower(d) <= 'f')
						h = (int)(lower(d) - 'a' + 10);
					if (h < 0)
						return ylfail(s, line, "bad hex"
						    " escape in double-quoted"
						    " string");
					cp = cp * 16 + (uint32_t)h;
				}
			}
			if (cp == 0)
				return ylfail(s, line, "NUL in string");
			len = json_utf8_put(cp, enc);
			if (len == 0)
				return ylfail(s, line, "escape is not a Unicode"
				    " scalar value");
			p += 2 + digits;
			if (o + (size_t)len >= cap)
				return ylfail(s, line, "value too long");
			memcpy(out + o, enc, (size_t)len);
			o += (size_t)len;
			continue;
		}
		if (o + 1 >= cap)
			return ylfail(s, line, "value too long");
		out[o++] = (char)c;
		p++;
	}
	if (p >= end)
		return ylfail(s, line, "unterminated double-quoted string"
		    " (multi-line scalars are not supported)");
	out[o] = '\0';
	*outn = o;
	*after = p + 1;
	return 0;
}

/* A single-quoted scalar ('' is a quote), as y_dquoted. */
static int
y_squoted(sink *s, int line, const char *p, const char *end, char *out,
    size_t cap, size_t *outn, const char **after)
{
	size_t o = 0;

	for (p++;; p++) {
		if (p >= end)
			return ylfail(s, line, "unterminated single-quoted"
			    " string (multi-line scalars are not supported)");
		if (*p == '\'') {
			if (p + 1 < end && p[1] == '\'')
				p++;
			else
				break;
		}
		if (o + 1 >= cap)
			return ylfail(s, line, "value too long");
		out[o++] = *p;
	}
	out[o] = '\0';
	*outn = o;
	*after = p + 1;
	return 0;
}

/* Nothing but white space and a comment from p to end. */
static int
y_rest_blank(const char *p, const char *end)
{
	const char *start = p;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p == end || (*p == '#' && p > start);
}

/*
 * A scalar at p (not blank): into out, with *is_null. Plain scalars end at
 * " #" or the line end; YAML 1.2 section 7.3.3.
 */
static int
y_scalar(sink *s, int line, const char *p, const char *end, char *out,
    size_t cap, size_t *outn, int *is_null)
{
	const char *after, *q;

	*is_null = 0;
	if (*p == '"' || *p == '\'') {
		if ((*p == '"' ? y_dquoted : y_squoted)(s, line, p, end, out,
		    cap, outn, &after) < 0)
			return -1;
		if (!y_rest_blank(after, end))
			return ylfail(s, line, "text after a quoted string");
		return 0;
	}
	switch (*p) {
	case '|': case '>':
		return ylfail(s, line, "block scalars (| >) are not supported");
	case '{': case '[':
		return ylfail(s, line, "flow collections ({ [) are not"
		    " supported");
	case '&': return ylfail(s, line, "anchors are not supported");
	case '*': return ylfail(s, line, "aliases are not supported");
	case '!': return ylfail(s, line, "tags are not supported");
	case '@': case '`': case '%': case ',': case ']': case '}':
		return ylfail(s, line, "a plain scalar cannot start with this"
		    " character: quote it");
	case '-': case '?': case ':':
		if (p + 1 == end || p[1] == ' ' || p[1] == '\t')
			return ylfail(s, line, "sequences and complex keys are"
			    " not supported");
		break;
	}
	for (q = p; q < end; q++) {
		if (*q == '#' && (q[-1] == ' ' || q[-1] == '\t'))
			break;
		if (*q == ':' && (q + 1 == end || q[1] == ' ' || q[1] == '\t'))
			return ylfail(s, line, "': ' inside a plain value:"
			    " quote the value (nested mappings go on the next"
			    " line)");
	}
	while (q > p && (q[-1] == ' ' || q[-1] == '\t'))
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


typedef struct {
	int indent;
	int line;
	char key[KEYMAX + 1];
	size_t n;
} ylevel;

static int
y_path(sink *s, const ylevel *lv, int depth, int line, int is_map,
    const char *v, size_t vn, int is_null)
{
	span path[MAXDEPTH];

	for (int k = 0; k < depth; k++) {
		path[k].p = lv[k].key;
		path[k].n = lv[k].n;
	}
	return sink_event(s, line, path, depth, is_map, v, vn, is_null);
}

/*
 * The YAML subset of spec.h, line by line. lv[] holds the keys from the
 * top to the current one with their indentation; `pending` says the last
 * key had no value on its line, so it opens a mapping if the next key is
 * deeper, and is null otherwise.
 */
static int
read_yaml(sink *s, const char *buf, size_t len)
{
	ylevel lv[MAXDEPTH];
	int depth = 0, pending = 0, started = 0, content = 0, ended = 0;
	int line = 0;
	char val[SPEC_KEYTPL_MAX + 2];
	const char *p = buf, *end = buf + len;

	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		p += 3;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end, *c, *q, *ke;
		char key[KEYMAX + 1];
		size_t kn, vn;
		int indent, is_null;

		line++;
		if (le > p && le[-1] == '\r')
			le--;
		for (c = p; c < le && *c == ' '; c++)
			;
		indent = (int)(c - p);
		p = eol ? eol + 1 : end;
		for (q = c; q < le && (*q == ' ' || *q == '\t'); q++)
			;
		if (q == le || *q == '#')
			continue;                       /* blank or comment */
		if (q != c)
			return ylfail(s, line, "tab in indentation");
		if (memchr(c, '\0', (size_t)(le - c)) != NULL ||
		    memchr(c, '\r', (size_t)(le - c)) != NULL)
			return ylfail(s, line, "NUL or CR inside a line");
		if (ended)
			return ylfail(s, line, "text after the document end"
			    " (...)");
		if (indent == 0 && le - c >= 3 && (memcmp(c, "---", 3) == 0 ||
		    memcmp(c, "...", 3) == 0) && (le - c == 3 || c[3] == ' ' ||
		    c[3] == '\t')) {
			if (*c == '.') {
				ended = 1;
				if (!y_rest_blank(c + 3, le))
					return ylfail(s, line, "text after ...");
				continue;
			}
			if (started || content)
				return ylfail(s, line, "several documents are"
				    " not supported");
			started = 1;
			if (!y_rest_blank(c + 3, le))
				return ylfail(s, line, "text after --- is not"
				    " supported: start the mapping on the next"
				    " line");
			continue;
		}
		if (indent == 0 && *c == '%') {
			if (started || content)
				return ylfail(s, line, "directive inside the"
				    " document");
			continue;
		}

		/* the key */
		if (*c == '"' || *c == '\'') {
			if ((*c == '"' ? y_dquoted : y_squoted)(s, line, c, le,
			    key, sizeof key, &kn, &ke) < 0)
				return -1;
			while (ke < le && (*ke == ' ' || *ke == '\t'))
				ke++;
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
			for (ke = c; ke < le; ke++) {
				if (*ke == ':' && (ke + 1 == le || ke[1] == ' ' ||
				    ke[1] == '\t'))
					break;
				if (*ke == '#' && (ke[-1] == ' ' ||
				    ke[-1] == '\t')) {
					ke = le;
					break;
				}
			}
			if (ke >= le)
				return ylfail(s, line, "expected 'key: value'"
				    " (multi-line scalars are not supported)");
			kn = (size_t)(ke - c);
			while (kn > 0 && (c[kn - 1] == ' ' || c[kn - 1] == '\t'))
				kn--;
			if (kn > KEYMAX)
				return ylfail(s, line, "key too long");
			memcpy(key, c, kn);
			key[kn] = '\0';
		}
		if (ke + 1 < le && ke[1] != ' ' && ke[1] != '\t')
			return ylfail(s, line, "expected ': ' after the key");

		/* where the key sits: under the open key, or a sibling */
		if (pending && indent > lv[depth - 1].indent) {
			if (depth == MAXDEPTH)
				return ylfail(s, line, "nesting too deep");
			if (y_path(s, lv, depth, lv[depth - 1].line, 1, NULL, 0,
			    0) < 0)
				return -1;
		} else {
			if (pending && y_path(s, lv, depth, lv[depth - 1].line,
			    0, "", 0, 1) < 0)
				return -1;
			if (content) {
				while (depth > 0 && lv[depth - 1].indent > indent)
					depth--;
				if (depth == 0 || lv[depth - 1].indent != indent)
					return ylfail(s, line, "bad indentation"
					    " (multi-line scalars are not"
					    " supported)");
				depth--;
			}
		}
		content = 1;
		lv[depth].indent = indent;
		lv[depth].line = line;
		memcpy(lv[depth].key, key, kn + 1);
		lv[depth].n = kn;
		depth++;

		/* the value */
		for (c = ke + 1; c < le && (*c == ' ' || *c == '\t'); c++)
			;
		if (c == le || *c == '#') {
			pending = 1;
			continue;
		}
		pending = 0;
		if (y_scalar(s, line, c, le, val, sizeof val, &vn, &is_null) < 0)
			return -1;
		if (y_path(s, lv, depth, line, 0, val, vn, is_null) < 0)
			return -1;
	}
	if (pending && y_path(s, lv, depth, lv[depth - 1].line, 0, "", 0,
	    1) < 0)
		return -1;
	return 0;
}

/* -- JSON -- */

static int
j_walk(sink *s, const char *buf, const json_val *obj, span *path,
    char (*keys)[KEYMAX + 1], int depth)
{
	char val[SPEC_KEYTPL_MAX + 2];
	json_val k, v;
	json_iter it = { 0 };
	int r, line;
	long n;

	while ((r = json_next(obj, &it, &k, &v)) == 1) {
		line = line_of(buf, (size_t)(k.p - buf));
		n = json_string(&k, keys[depth], KEYMAX + 1, 0);
		if (n < 0)
			return ylfail(s, line, "key too long, or holds \\u0000");
		path[depth].p = keys[depth];
		path[depth].n = (size_t)n;
		switch (v.type) {
		case JSON_OBJECT:
			if (sink_event(s, line, path, depth + 1, 1, NULL, 0, 0) < 0)
				return -1;
			if (depth + 1 >= MAXDEPTH)
				return ylfail(s, line, "nesting too deep");
			if (j_walk(s, buf, &v, path, keys, depth + 1) < 0)
				return -1;
			break;
		case JSON_STRING:
			n = json_string(&v, val, sizeof val, 0);
			if (n < 0)
				return ylfail(s, line, "value too long, or"
				    " holds \\u0000");
			if (sink_event(s, line, path, depth + 1, 0, val,
			    (size_t)n, 0) < 0)
				return -1;
			break;
		case JSON_NUMBER:
			if (sink_event(s, line, path, depth + 1, 0, v.p, v.len,
			    0) < 0)
				return -1;
			break;
		case JSON_NULL:
			if (sink_event(s, line, path, depth + 1, 0, "", 0, 1) < 0)
				return -1;
			break;
		default:
			return sink_fail(s, line, "expected a string or a"
			    " mapping at", path, depth + 1, NULL);
		}
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

int
spec_read_buf(const char *name, const char *buf, size_t len,
    spec_target *t, s3p_err *err)
{
	sink s;
	size_t k = 0;

	memset(&s, 0, sizeof s);
	s.name = name;
	s.err = err;
	spec_target_init(&s.t);
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		k = 3;
	while (k < len && (buf[k] == ' ' || buf[k] == '\t' || buf[k] == '\n' ||
	    buf[k] == '\r'))
		k++;
	if (k < len && buf[k] == '{') {
		/* from the line start, so that line numbers count right */
		size_t bom = len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0 ?
		    3 : 0;
		if (read_json(&s, buf + bom, len - bom) < 0)
			return -1;
	} else if (read_yaml(&s, buf, len) < 0)
		return -1;
	if (!s.have_type)
		return err_set(err, S3P_EUSAGE,
		    "%s: no publisher Type (want Publisher: Type: s3, Params:"
		    " ...)", name);
	spec_merge(t, &s.t);
	return 0;
}

int
spec_read_file(const char *path, spec_target *t, s3p_err *err)
{
	char buf[SPEC_FILE_MAX + 1];
	size_t len = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return err_set(err, S3P_EUSAGE, "spec file %s: %s", path,
		    strerror(errno));
	while (len < sizeof buf) {
		r = read(fd, buf + len, sizeof buf - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			return err_set(err, S3P_EUSAGE, "spec file %s: %s",
			    path, strerror(e));
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (len > SPEC_FILE_MAX)
		return err_set(err, S3P_EUSAGE,
		    "spec file %s: larger than %d bytes", path, SPEC_FILE_MAX);
	return spec_read_buf(path, buf, len, t, err);
}

/* ---- the published result spec: SPEC section 7 --------------------------- */

/* A JSON string, RFC 8259 section 7. */
static void
put_json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);

	putc('"', f);
	for (size_t k = 0; k < n;) {
		unsigned c = p[k];
		int len;

		switch (c) {
		case '"': fputs("\\\"", f); k++; continue;
		case '\\': fputs("\\\\", f); k++; continue;
		case '\b': fputs("\\b", f); k++; continue;
		case '\f': fputs("\\f", f); k++; continue;
		case '\n': fputs("\\n", f); k++; continue;
		case '\r': fputs("\\r", f); k++; continue;
		case '\t': fputs("\\t", f); k++; continue;
		}
		if (c < 0x20) {
			fmt_fprintf(f, "\\u%04x", c);
			k++;
			continue;
		}
		len = json_utf8_seq(p + k, n - k);
		if (len == 0) {
			fputs("\\ufffd", f);
			k++;
			continue;
		}
		fwrite(p + k, 1, (size_t)len, f);
		k += (size_t)len;
	}
	putc('"', f);
}

static uint32_t
utf8_decode(const unsigned char *p, int len)
{
	static const unsigned char mask[5] = { 0, 0x7F, 0x1F, 0x0F, 0x07 };
	uint32_t cp = p[0] & mask[len];

	for (int k = 1; k < len; k++)
		cp = (cp << 6) | (p[k] & 0x3F);
	return cp;
}

/*
 * A YAML double-quoted scalar (YAML 1.2 section 7.3.1): escapes what YAML
 * does not take raw (C0 and C1 controls, DEL), and the characters a
 * reader would take for line breaks or a byte order mark.
 */
static void
put_yaml_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);

	putc('"', f);
	for (size_t k = 0; k < n;) {
		unsigned c = p[k];
		uint32_t cp;
		int len;

		if (c == '"' || c == '\\') {
			putc('\\', f);
			putc((int)c, f);
			k++;
			continue;
		}
		if (c < 0x20 || c == 0x7F) {
			fmt_fprintf(f, "\\x%02X", c);
			k++;
			continue;
		}
		len = json_utf8_seq(p + k, n - k);
		if (len == 0) {
			fputs("\\uFFFD", f);
			k++;
			continue;
		}
		cp = utf8_decode(p + k, len);
		if ((cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
		    cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF)
			fmt_fprintf(f, "\\u%04X", (unsigned)cp);
		else
			fwrite(p + k, 1, (size_t)len, f);
		k += (size_t)len;
	}
	putc('"', f);
}

int
spec_write_result(FILE *out, const spec_result *r, int yaml)
{
	const char *names[7] = { "Bucket", "Key", "Region", "Endpoint",
	    "VersionID", "ChecksumSHA256", "ContentSHA256" };
	const char *vals[7] = { r->bucket, r->key, r->region, r->endpoint,
	    r->version_id, r->checksum_sha256, r->content_sha256 };

	if (r->encoding == SPEC_PLAIN)
		vals[5] = vals[6] = "";
	if (yaml) {
		fputs("Type: ", out);
		put_yaml_str(out, r->type ? r->type : "s3");
		fputs("\nParams:\n", out);
		for (int k = 0; k < 7; k++) {
			fmt_fprintf(out, "  %s: ", names[k]);
			put_yaml_str(out, vals[k]);
			putc('\n', out);
		}
		fmt_fprintf(out, "  Size: %llu\n", (unsigned long long)r->size);
	} else {
		fputs("{\"Type\":", out);
		put_json_str(out, r->type ? r->type : "s3");
		fputs(",\"Params\":{", out);
		for (int k = 0; k < 7; k++) {
			fmt_fprintf(out, "%s\"%s\":", k ? "," : "", names[k]);
			put_json_str(out, vals[k]);
		}
		fmt_fprintf(out, ",\"Size\":%llu}}\n", (unsigned long long)r->size);
	}
	if (fflush(out) != 0 || ferror(out))
		return -1;
	return 0;
}
