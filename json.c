/*
 * json.c: a strict, non-allocating JSON reader (RFC 8259); see json.h.
 *
 * Every entry point re-scans the text it is given with the same checking
 * scanner, so a json_val built by hand over garbage is as safe as one from
 * json_root(). Recursion is bounded by JSON_MAX_DEPTH.
 */
#include "json.h"

#include <string.h>

/* The scanner: a cursor over [s, s+n), and the first fault found. */
typedef struct {
	const unsigned char *s;
	size_t n;
	size_t i;
	const char *why;
} jscan;

static int
fail(jscan *j, const char *why)
{
	if (j->why == NULL)
		j->why = why;
	return -1;
}

static void
skip_ws(jscan *j)
{
	while (j->i < j->n && (j->s[j->i] == ' ' || j->s[j->i] == '\t' ||
	    j->s[j->i] == '\n' || j->s[j->i] == '\r'))
		j->i++;
}

int
json_utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c, lo = 0x80, hi = 0xBF;
	int len, k;

	if (n == 0)
		return 0;
	c = p[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;          /* overlong */
		else if (c == 0xED)
			hi = 0x9F;          /* UTF-16 surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;          /* overlong */
		else if (c == 0xF4)
			hi = 0x8F;          /* past U+10FFFF */
	} else
		return 0;
	if ((size_t)len > n)
		return 0;
	for (k = 1; k < len; k++) {
		unsigned b = p[k];
		if (b < lo || b > hi)
			return 0;
		lo = 0x80;
		hi = 0xBF;
	}
	return len;
}

int
json_utf8_put(uint32_t cp, char out[4])
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return 0;
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (cp <= 0x10FFFF) {
		out[0] = (char)(0xF0 | (cp >> 18));
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[3] = (char)(0x80 | (cp & 0x3F));
		return 4;
	}
	return 0;
}

static int
hexval(unsigned c)
{
	if (c >= '0' && c <= '9')
		return (int)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (int)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (int)(c - 'A' + 10);
	return -1;
}

/* Four hex digits at s[i]: their value, or -1. */
static long
hex4(const jscan *j, size_t i)
{
	long v = 0;

	if (i > j->n || j->n - i < 4)
		return -1;
	for (size_t k = 0; k < 4; k++) {
		int h = hexval(j->s[i + k]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * One character of a string body at j->i (after the opening quote, not at
 * the closing one): advances past it and gives its code point in *cp, or
 * for a raw UTF-8 sequence, cp = -1 and *raw its byte length. RFC 8259
 * section 7.
 */
static int
string_char(jscan *j, long *cp, int *raw)
{
	unsigned c = j->s[j->i];
	long hi, lo;

	*raw = 0;
	if (c < 0x20)
		return fail(j, "control character in string");
	if (c != '\\') {
		int len = json_utf8_seq(j->s + j->i, j->n - j->i);
		if (len == 0)
			return fail(j, "invalid UTF-8 in string");
		*cp = -1;
		*raw = len;
		j->i += (size_t)len;
		return 0;
	}
	if (j->i + 1 >= j->n)
		return fail(j, "unterminated string");
	switch (j->s[j->i + 1]) {
	case '"': *cp = '"'; break;
	case '\\': *cp = '\\'; break;
	case '/': *cp = '/'; break;
	case 'b': *cp = '\b'; break;
	case 'f': *cp = '\f'; break;
	case 'n': *cp = '\n'; break;
	case 'r': *cp = '\r'; break;
	case 't': *cp = '\t'; break;
	case 'u':
		hi = hex4(j, j->i + 2);
		if (hi < 0)
			return fail(j, "bad \\u escape");
		if (hi >= 0xDC00 && hi <= 0xDFFF)
			return fail(j, "lone low surrogate in \\u escape");
		if (hi >= 0xD800 && hi <= 0xDBFF) {
			/* UTF-16 pair: \uD8xx\uDCxx, RFC 8259 section 7 */
			if (j->i + 8 > j->n || j->s[j->i + 6] != '\\' ||
			    j->s[j->i + 7] != 'u')
				return fail(j, "lone high surrogate in \\u escape");
			lo = hex4(j, j->i + 8);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return fail(j, "lone high surrogate in \\u escape");
			*cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
			j->i += 12;
			return 0;
		}
		*cp = hi;
		j->i += 6;
		return 0;
	default:
		return fail(j, "bad escape in string");
	}
	j->i += 2;
	return 0;
}

static int
scan_string(jscan *j)
{
	long cp;
	int raw;

	if (j->i >= j->n || j->s[j->i] != '"')
		return fail(j, "expected a string");
	j->i++;
	for (;;) {
		if (j->i >= j->n)
			return fail(j, "unterminated string");
		if (j->s[j->i] == '"') {
			j->i++;
			return 0;
		}
		if (string_char(j, &cp, &raw) < 0)
			return -1;
	}
}

static int
is_digit(jscan *j)
{
	return j->i < j->n && j->s[j->i] >= '0' && j->s[j->i] <= '9';
}

/* RFC 8259 section 6: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)? */
static int
scan_number(jscan *j)
{
	if (j->i < j->n && j->s[j->i] == '-')
		j->i++;
	if (!is_digit(j))
		return fail(j, "bad number");
	if (j->s[j->i] == '0') {
		j->i++;
		if (is_digit(j))
			return fail(j, "leading zero in number");
	} else
		while (is_digit(j))
			j->i++;
	if (j->i < j->n && j->s[j->i] == '.') {
		j->i++;
		if (!is_digit(j))
			return fail(j, "bad fraction in number");
		while (is_digit(j))
			j->i++;
	}
	if (j->i < j->n && (j->s[j->i] == 'e' || j->s[j->i] == 'E')) {
		j->i++;
		if (j->i < j->n && (j->s[j->i] == '+' || j->s[j->i] == '-'))
			j->i++;
		if (!is_digit(j))
			return fail(j, "bad exponent in number");
		while (is_digit(j))
			j->i++;
	}
	return 0;
}

static int
scan_word(jscan *j, const char *w)
{
	size_t len = strlen(w);

	if (j->n - j->i < len || memcmp(j->s + j->i, w, len) != 0)
		return fail(j, "unexpected character");
	j->i += len;
	return 0;
}

static int scan_value(jscan *j, int depth, int *type);

/* An object or array at j->i; `close` is '}' or ']'. */
static int
scan_container(jscan *j, int depth, unsigned close)
{
	int type;

	if (depth >= JSON_MAX_DEPTH)
		return fail(j, "nesting too deep");
	j->i++;
	skip_ws(j);
	if (j->i < j->n && j->s[j->i] == close) {
		j->i++;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			skip_ws(j);
			if (j->i >= j->n || j->s[j->i] != '"')
				return fail(j, "expected a member name");
			if (scan_string(j) < 0)
				return -1;
			skip_ws(j);
			if (j->i >= j->n || j->s[j->i] != ':')
				return fail(j, "expected ':'");
			j->i++;
		}
		skip_ws(j);
		if (scan_value(j, depth + 1, &type) < 0)
			return -1;
		skip_ws(j);
		if (j->i >= j->n)
			return fail(j, "unterminated object or array");
		if (j->s[j->i] == close) {
			j->i++;
			return 0;
		}
		if (j->s[j->i] != ',')
			return fail(j, close == '}' ? "expected ',' or '}'" :
			    "expected ',' or ']'");
		j->i++;
	}
}

static int
scan_value(jscan *j, int depth, int *type)
{
	if (j->i >= j->n)
		return fail(j, "expected a value");
	switch (j->s[j->i]) {
	case '{':
		*type = JSON_OBJECT;
		return scan_container(j, depth, '}');
	case '[':
		*type = JSON_ARRAY;
		return scan_container(j, depth, ']');
	case '"':
		*type = JSON_STRING;
		return scan_string(j);
	case 't':
		*type = JSON_TRUE;
		return scan_word(j, "true");
	case 'f':
		*type = JSON_FALSE;
		return scan_word(j, "false");
	case 'n':
		*type = JSON_NULL;
		return scan_word(j, "null");
	default:
		*type = JSON_NUMBER;
		if (j->s[j->i] == '-' || (j->s[j->i] >= '0' && j->s[j->i] <= '9'))
			return scan_number(j);
		return fail(j, "expected a value");
	}
}

int
json_check(const char *s, size_t n, size_t *off, const char **why)
{
	jscan j = { (const unsigned char *)s, n, 0, NULL };
	int type;

	skip_ws(&j);
	if (scan_value(&j, 0, &type) == 0) {
		skip_ws(&j);
		if (j.i == j.n)
			return 0;
		fail(&j, "text after the value");
	}
	if (off != NULL)
		*off = j.i;
	if (why != NULL)
		*why = j.why;
	return -1;
}

int
json_root(const char *s, size_t n, json_val *out)
{
	jscan j = { (const unsigned char *)s, n, 0, NULL };
	size_t start;
	int type;

	skip_ws(&j);
	start = j.i;
	if (scan_value(&j, 0, &type) < 0)
		return -1;
	out->type = type;
	out->p = s + start;
	out->len = j.i - start;
	skip_ws(&j);
	return j.i == j.n ? 0 : -1;
}

int
json_next(const json_val *c, json_iter *it, json_val *key, json_val *val)
{
	jscan j = { (const unsigned char *)c->p, c->len, 0, NULL };
	unsigned close;
	size_t start;
	int type;

	if (key != NULL) {
		key->type = JSON_NONE;
		key->p = NULL;
		key->len = 0;
	}
	if (c->type == JSON_OBJECT)
		close = '}';
	else if (c->type == JSON_ARRAY)
		close = ']';
	else
		return -1;
	if (c->len < 2 || c->p[0] != (close == '}' ? '{' : '['))
		return -1;
	if (it->pos > c->len)
		return -1;
	if (it->pos == 0) {
		j.i = 1;
		skip_ws(&j);
		if (j.i < j.n && j.s[j.i] == close) {
			it->pos = j.i;
			return 0;
		}
	} else {
		j.i = it->pos;
		skip_ws(&j);
		if (j.i < j.n && j.s[j.i] == close)
			return 0;
		if (j.i >= j.n || j.s[j.i] != ',')
			return -1;
		j.i++;
		skip_ws(&j);
	}
	if (close == '}') {
		start = j.i;
		if (scan_string(&j) < 0)
			return -1;
		if (key != NULL) {
			key->type = JSON_STRING;
			key->p = c->p + start;
			key->len = j.i - start;
		}
		skip_ws(&j);
		if (j.i >= j.n || j.s[j.i] != ':')
			return -1;
		j.i++;
		skip_ws(&j);
	}
	start = j.i;
	/* depth 1: the container itself is one level */
	if (scan_value(&j, 1, &type) < 0)
		return -1;
	val->type = type;
	val->p = c->p + start;
	val->len = j.i - start;
	it->pos = j.i;
	return 1;
}

long
json_string(const json_val *v, char *out, size_t outsz, int nul_ok)
{
	jscan j = { (const unsigned char *)v->p, v->len, 1, NULL };
	size_t o = 0;
	long cp;
	int raw;
	char enc[4];

	if (v->type != JSON_STRING || v->len < 2 || v->p[0] != '"' ||
	    outsz == 0)
		return -1;
	for (;;) {
		if (j.i >= j.n)
			return -1;
		if (j.s[j.i] == '"') {
			if (j.i + 1 != j.n)
				return -1;
			out[o] = '\0';
			return (long)o;
		}
		size_t at = j.i;
		if (string_char(&j, &cp, &raw) < 0)
			return -1;
		if (raw > 0) {
			if (outsz - o <= (size_t)raw)
				return -1;
			memcpy(out + o, j.s + at, (size_t)raw);
			o += (size_t)raw;
			continue;
		}
		if (cp == 0 && !nul_ok)
			return -1;
		int len = json_utf8_put((uint32_t)cp, enc);
		if (len == 0 || outsz - o <= (size_t)len)
			return -1;
		memcpy(out + o, enc, (size_t)len);
		o += (size_t)len;
	}
}

static unsigned
fold(unsigned c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

int
json_key_is(const json_val *key, const char *name)
{
	char buf[256];
	long len = json_string(key, buf, sizeof buf, 0);

	if (len < 0 || (size_t)len != strlen(name))
		return 0;
	for (long k = 0; k < len; k++)
		if (fold((unsigned char)buf[k]) != fold((unsigned char)name[k]))
			return 0;
	return 1;
}

int
json_get(const json_val *obj, const char *const *path, size_t npath,
    json_val *out)
{
	json_val cur = *obj, key, val;
	json_iter it;
	int r;

	for (size_t k = 0; k < npath; k++) {
		if (cur.type != JSON_OBJECT)
			return 0;
		it.pos = 0;
		for (;;) {
			r = json_next(&cur, &it, &key, &val);
			if (r < 0)
				return -1;
			if (r == 0)
				return 0;
			if (json_key_is(&key, path[k]))
				break;
		}
		cur = val;
	}
	*out = cur;
	return 1;
}

int
json_int64(const json_val *v, int64_t *out)
{
	const char *p = v->p, *end = v->p + v->len;
	int neg = 0;
	uint64_t acc = 0, lim;

	if (v->type != JSON_NUMBER || v->len == 0)
		return -1;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p == end || (*p == '0' && end - p > 1))
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		unsigned d = (unsigned)(*p - '0');
		if (acc > (lim - d) / 10)
			return -1;
		acc = acc * 10 + d;
	}
	if (neg)
		*out = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
	else
		*out = (int64_t)acc;
	return 0;
}
