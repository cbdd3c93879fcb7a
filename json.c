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

/* Not inlined: a call is smaller than its body at each of the faults. */
static __attribute__((noinline)) int
fail(jscan *j, const char *why)
{
	if (j->why == NULL)
		j->why = why;
	return -1;
}

/* The byte at the cursor, or -1 at the end. */
static int
peek(const jscan *j)
{
	return j->i < j->n ? j->s[j->i] : -1;
}

static void
skip_ws(jscan *j)
{
	int c;

	while ((c = peek(j)) == ' ' || c == '\t' || c == '\n' || c == '\r')
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
	if (c < 0xC2 || c > 0xF4)
		return 0;
	len = 2 + (c >= 0xE0) + (c >= 0xF0);
	/* overlong forms, UTF-16 surrogates, past U+10FFFF */
	if (c == 0xE0)
		lo = 0xA0;
	if (c == 0xF0)
		lo = 0x90;
	if (c == 0xED)
		hi = 0x9F;
	if (c == 0xF4)
		hi = 0x8F;
	if ((size_t)len > n)
		return 0;
	for (k = 1; k < len; k++) {
		if (p[k] < lo || p[k] > hi)
			return 0;
		lo = 0x80;
		hi = 0xBF;
	}
	return len;
}

int
json_utf8_put(uint32_t cp, char out[4])
{
	int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;

	if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return 0;
	for (int k = len - 1; k > 0; k--) {
		out[k] = (char)(0x80 | (cp & 0x3F));
		cp >>= 6;
	}
	/* the lead byte: 0xxxxxxx, 110xxxxx, 1110xxxx or 11110xxx */
	out[0] = (char)(len == 1 ? cp : (0xFF00u >> len) | cp);
	return len;
}

int
json_hex(const char *p, int digits, uint32_t *out)
{
	uint32_t v = 0;

	for (int k = 0; k < digits; k++) {
		unsigned c = (unsigned char)p[k];
		if (c - '0' < 10)
			c -= '0';
		else if ((c | 0x20) - 'a' < 6)
			c = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v * 16 + c;
	}
	*out = v;
	return 0;
}

/* Four hex digits at s[i]: their value, or -1. */
static long
hex4(const jscan *j, size_t i)
{
	uint32_t v;

	if (i > j->n || j->n - i < 4 ||
	    json_hex((const char *)j->s + i, 4, &v) < 0)
		return -1;
	return (long)v;
}

/*
 * One character of a string body at j->i (after the opening quote, not at
 * the closing one): advances past it and puts it in out as UTF-8. Returns
 * its length (1-4), or -1. RFC 8259 section 7.
 */
static int
string_char(jscan *j, char out[4])
{
	/* escape letter, then its character */
	static const char esc[] = "\"\"\\\\//b\bf\fn\nr\rt\t";
	unsigned c = j->s[j->i];
	long cp, lo;
	int k, adv = 2;

	if (c < 0x20)
		return fail(j, "control character in string");
	if (c != '\\') {
		k = json_utf8_seq(j->s + j->i, j->n - j->i);
		if (k == 0)
			return fail(j, "invalid UTF-8 in string");
		memcpy(out, j->s + j->i, (size_t)k);
		j->i += (size_t)k;
		return k;
	}
	if (j->i + 1 >= j->n)
		return fail(j, "unterminated string");
	c = j->s[j->i + 1];
	if (c != 'u') {
		for (k = 0; esc[k] != '\0' && (unsigned char)esc[k] != c; k += 2)
			;
		if (esc[k] == '\0')
			return fail(j, "bad escape in string");
		cp = esc[k + 1];
	} else {
		cp = hex4(j, j->i + 2);
		adv = 6;
		if (cp < 0)
			return fail(j, "bad \\u escape");
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			return fail(j, "lone low surrogate in \\u escape");
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			/* UTF-16 pair: \uD8xx\uDCxx, RFC 8259 section 7 */
			lo = j->i + 8 > j->n || j->s[j->i + 6] != '\\' ||
			    j->s[j->i + 7] != 'u' ? -1 : hex4(j, j->i + 8);
			if (lo < 0xDC00 || lo > 0xDFFF)
				return fail(j, "lone high surrogate in \\u escape");
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			adv = 12;
		}
	}
	j->i += (size_t)adv;
	/* never a surrogate: a lone one was refused above */
	return json_utf8_put((uint32_t)cp, out);
}

static int
scan_string(jscan *j)
{
	char enc[4];
	int c;

	if (peek(j) != '"')
		return fail(j, "expected a string");
	j->i++;
	while ((c = peek(j)) != '"') {
		if (c < 0)
			return fail(j, "unterminated string");
		if (string_char(j, enc) < 0)
			return -1;
	}
	j->i++;
	return 0;
}

static int
is_digit(const jscan *j)
{
	return (unsigned)(peek(j) - '0') < 10;
}

/* Digits at the cursor: 0 when there is none. */
static int
digits(jscan *j)
{
	int any = 0;

	for (; is_digit(j); j->i++)
		any = 1;
	return any;
}

/* RFC 8259 section 6: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)? */
static int
scan_number(jscan *j)
{
	if (peek(j) == '-')
		j->i++;
	if (peek(j) == '0') {
		j->i++;
		if (is_digit(j))
			return fail(j, "leading zero in number");
	} else if (!digits(j))
		return fail(j, "bad number");
	if (peek(j) == '.') {
		j->i++;
		if (!digits(j))
			return fail(j, "bad fraction in number");
	}
	if ((peek(j) | 0x20) == 'e') {
		j->i++;
		if (peek(j) == '+' || peek(j) == '-')
			j->i++;
		if (!digits(j))
			return fail(j, "bad exponent in number");
	}
	return 0;
}

static int scan_value(jscan *j, int depth, int *type);

/*
 * One step through an object or array (`close` is '}' or ']') whose
 * opening bracket (first) or last item ends at j->i: 0 at the closing
 * bracket (j->i on it), 1 past one more item (at[0], at[1]: where its key
 * starts and ends, at[2]: where its value starts), -1 malformed. Shared by
 * the checking scan and json_next(), so that both walk the same grammar.
 */
static int
scan_item(jscan *j, int depth, int close, int first, size_t at[3],
    int *type)
{
	skip_ws(j);
	if (!first) {
		if (peek(j) < 0)
			return fail(j, "unterminated object or array");
		if (peek(j) == close)
			return 0;
		if (peek(j) != ',')
			return fail(j, close == '}' ? "expected ',' or '}'" :
			    "expected ',' or ']'");
		j->i++;
		skip_ws(j);
	} else if (peek(j) == close)
		return 0;
	if (close == '}') {
		at[0] = j->i;
		if (peek(j) != '"')
			return fail(j, "expected a member name");
		if (scan_string(j) < 0)
			return -1;
		at[1] = j->i;
		skip_ws(j);
		if (peek(j) != ':')
			return fail(j, "expected ':'");
		j->i++;
		skip_ws(j);
	}
	at[2] = j->i;
	return scan_value(j, depth + 1, type) < 0 ? -1 : 1;
}

/* An object or array at j->i; `close` is '}' or ']'. */
static int
scan_container(jscan *j, int depth, int close)
{
	size_t at[3];
	int type, r, first = 1;

	if (depth >= JSON_MAX_DEPTH)
		return fail(j, "nesting too deep");
	j->i++;
	while ((r = scan_item(j, depth, close, first, at, &type)) > 0)
		first = 0;
	if (r == 0)
		j->i++;
	return r;
}

static int
scan_value(jscan *j, int depth, int *type)
{
	int c = peek(j);
	const char *w;
	size_t len;

	switch (c) {
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
		w = "true";
		break;
	case 'f':
		*type = JSON_FALSE;
		w = "false";
		break;
	case 'n':
		*type = JSON_NULL;
		w = "null";
		break;
	default:
		*type = JSON_NUMBER;
		if (c == '-' || (c >= '0' && c <= '9'))
			return scan_number(j);
		return fail(j, "expected a value");
	}
	for (len = 0; w[len] != '\0'; len++)
		if (j->i + len >= j->n ||
		    j->s[j->i + len] != (unsigned char)w[len])
			return fail(j, "unexpected character");
	j->i += len;
	return 0;
}

/* The document's one value into *out, then nothing but white space. */
static int
scan_doc(jscan *j, const char *s, size_t n, json_val *out)
{
	size_t start;
	int type;

	j->s = (const unsigned char *)s;
	j->n = n;
	j->i = 0;
	j->why = NULL;
	skip_ws(j);
	start = j->i;
	if (scan_value(j, 0, &type) < 0)
		return -1;
	out->type = type;
	out->p = s + start;
	out->len = j->i - start;
	skip_ws(j);
	return j->i == j->n ? 0 : fail(j, "text after the value");
}

int
json_check(const char *s, size_t n, size_t *off, const char **why)
{
	jscan j;
	json_val v;

	if (scan_doc(&j, s, n, &v) == 0)
		return 0;
	if (off != NULL)
		*off = j.i;
	if (why != NULL)
		*why = j.why;
	return -1;
}

int
json_root(const char *s, size_t n, json_val *out)
{
	jscan j;

	return scan_doc(&j, s, n, out);
}

int
json_next(const json_val *c, json_iter *it, json_val *key, json_val *val)
{
	jscan j = { (const unsigned char *)c->p, c->len, 0, NULL };
	size_t at[3];
	int close, type, r;

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
	/* '{' + 2 == '}', '[' + 2 == ']' */
	if (c->len < 2 || c->p[0] != close - 2 || it->pos > c->len)
		return -1;
	j.i = it->pos == 0 ? 1 : it->pos;
	/* depth 0: the container itself is one level */
	r = scan_item(&j, 0, close, it->pos == 0, at, &type);
	if (r <= 0) {
		if (r == 0 && it->pos == 0)
			it->pos = j.i;
		return r;
	}
	if (key != NULL && close == '}') {
		key->type = JSON_STRING;
		key->p = c->p + at[0];
		key->len = at[1] - at[0];
	}
	val->type = type;
	val->p = c->p + at[2];
	val->len = j.i - at[2];
	it->pos = j.i;
	return 1;
}

long
json_string(const json_val *v, char *out, size_t outsz, int nul_ok)
{
	jscan j = { (const unsigned char *)v->p, v->len, 1, NULL };
	size_t o = 0;
	int len;
	char enc[4];

	if (v->type != JSON_STRING || v->len < 2 || v->p[0] != '"' ||
	    outsz == 0)
		return -1;
	while (peek(&j) != '"') {
		if (peek(&j) < 0 || (len = string_char(&j, enc)) < 0)
			return -1;
		/* only "\u0000" gives a NUL: raw control bytes are refused */
		if ((len == 1 && enc[0] == '\0' && !nul_ok) ||
		    outsz - o <= (size_t)len)
			return -1;
		memcpy(out + o, enc, (size_t)len);
		o += (size_t)len;
	}
	if (j.i + 1 != j.n)
		return -1;
	out[o] = '\0';
	return (long)o;
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
		do {
			r = json_next(&cur, &it, &key, &val);
			if (r <= 0)
				return r;
		} while (!json_key_is(&key, path[k]));
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
	lim = (uint64_t)INT64_MAX + (unsigned)neg;
	for (; p < end; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (d > 9 || acc > (lim - d) / 10)
			return -1;
		acc = acc * 10 + d;
	}
	/* two's complement: -(2^63) wraps to INT64_MIN */
	*out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
	return 0;
}
