/*
 * test_json.c: the strict JSON reader (RFC 8259). Its decisions on many
 * random documents are also compared with python3's json module by
 * t_target_oracle.sh.
 */
#include "json.h"

#include <stdio.h>
#include <string.h>

#include "tests/unit.h"

static int
check(const char *s)
{
	return json_check(s, strlen(s), NULL, NULL);
}

static void
test_valid(void)
{
	static const char *const good[] = {
		"{}", "[]", "0", "-0", "1", "-1", "12.5e-3", "1E+2", "0.0",
		"\"\"", "\"a\"", "true", "false", "null", " \t\r\n{ } \n",
		"{\"a\":[1,2,{\"b\":null}],\"c\":\"\\u00e9\\ud83d\\udc1f\"}",
		"[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]",
		"\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9f \xef\xbf\xbf\"",
		"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
		"-123456789012345678901234567890.5e-300",
	};
	for (size_t k = 0; k < sizeof good / sizeof good[0]; k++)
		t_ok(check(good[k]) == 0, "valid JSON, case %zu", k);
}

static void
test_invalid(void)
{
	static const struct {
		const char *doc, *why;
		size_t off;
	} bad[] = {
		{ "", "expected a value", 0 },
		{ "   ", "expected a value", 3 },
		{ "{", "expected a member name", 1 },
		{ "{\"a\"}", "expected ':'", 4 },
		{ "{\"a\":1,}", "expected a member name", 7 },
		{ "[1,]", "expected a value", 3 },
		{ "[1 2]", "expected ',' or ']'", 3 },
		{ "{\"a\":1 \"b\":2}", "expected ',' or '}'", 7 },
		{ "{a:1}", "expected a member name", 1 },
		{ "{'a':1}", "expected a member name", 1 },
		{ "01", "leading zero in number", 1 },
		{ "-", "bad number", 1 },
		{ "+1", "expected a value", 0 },
		{ ".5", "expected a value", 0 },
		{ "1.", "bad fraction in number", 2 },
		{ "1e", "bad exponent in number", 2 },
		{ "NaN", "expected a value", 0 },
		{ "tru", "unexpected character", 0 },
		{ "nul", "unexpected character", 0 },
		{ "\"abc", "unterminated string", 4 },
		{ "\"a\x01\"", "control character in string", 2 },
		{ "\"a\tb\"", "control character in string", 2 },
		{ "\"\\x41\"", "bad escape in string", 1 },
		{ "\"\\u12\"", "bad \\u escape", 1 },
		{ "\"\\ud800\"", "lone high surrogate in \\u escape", 1 },
		{ "\"\\ud800\\u0041\"", "lone high surrogate in \\u escape", 1 },
		{ "\"\\udc00\"", "lone low surrogate in \\u escape", 1 },
		{ "\"\xff\"", "invalid UTF-8 in string", 1 },
		{ "\"\xc0\xaf\"", "invalid UTF-8 in string", 1 },
		{ "\"\xe0\x80\xaf\"", "invalid UTF-8 in string", 1 },
		{ "\"\xed\xa0\x80\"", "invalid UTF-8 in string", 1 },
		{ "\"\xf4\x90\x80\x80\"", "invalid UTF-8 in string", 1 },
		{ "\"\xe2\x82\"", "invalid UTF-8 in string", 1 },
		{ "{} {}", "text after the value", 3 },
		{ "[1]x", "text after the value", 3 },
		{ "/* c */ 1", "expected a value", 0 },
		{ "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
		  "nesting too deep", 32 },
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		size_t off = 9999;
		const char *why = NULL;
		int r = json_check(bad[k].doc, strlen(bad[k].doc), &off, &why);
		t_ok(r < 0 && why != NULL && strcmp(why, bad[k].why) == 0 &&
		    off == bad[k].off,
		    "invalid JSON \"%.40s\": r=%d why \"%s\" at %zu (want \"%s\""
		    " at %zu)", bad[k].doc, r, why ? why : "(null)", off,
		    bad[k].why, bad[k].off);
	}
	/* a NUL byte is not white space, and not a string byte */
	t_ok(json_check("{}\0", 3, NULL, NULL) < 0, "NUL after the value");
	t_ok(json_check("\"a\0b\"", 5, NULL, NULL) < 0, "NUL in a string");
}

/* The shapes of SPEC section 5's credential documents. */
static const char imds[] =
    "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"2026-11-25T13:00:00Z\","
    "\n  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"ASIAEXAMPLE\",\n"
    "  \"SecretAccessKey\" : \"wJalr\\/K7MDENG+bPxRfi\",\n"
    "  \"Token\" : \"IQoJb3JpZ2luX2Vj\\u003d\\u003d\",\n"
    "  \"Expiration\" : \"2026-11-25T19:00:00Z\"\n}\n";
static const char process[] =
    "{\"Version\": 1, \"AccessKeyId\": \"AKIA\", \"SecretAccessKey\": \"s\","
    " \"SessionToken\": \"t\", \"Expiration\": \"2026-11-25T19:00:00Z\","
    " \"nested\": {\"Inner\": {\"Deep\": \"found\"}, \"list\": [1, {}]}}";

static void
test_lookup(void)
{
	json_val root, v;
	char buf[64];
	int64_t n;
	const char *p1[] = { "accesskeyid" };
	const char *p2[] = { "SECRETACCESSKEY" };
	const char *p3[] = { "Token" };
	const char *p4[] = { "SessionToken" };
	const char *p5[] = { "nested", "inner", "deep" };
	const char *p6[] = { "nested", "list", "x" };
	const char *p7[] = { "Version" };

	t_ok(json_root(imds, strlen(imds), &root) == 0 &&
	    root.type == JSON_OBJECT, "IMDS document root");
	t_ok(json_get(&root, p1, 1, &v) == 1 && v.type == JSON_STRING &&
	    json_string(&v, buf, sizeof buf, 0) == 11 &&
	    strcmp(buf, "ASIAEXAMPLE") == 0, "IMDS AccessKeyId, any case");
	t_ok(json_get(&root, p2, 1, &v) == 1 &&
	    json_string(&v, buf, sizeof buf, 0) > 0 &&
	    strcmp(buf, "wJalr/K7MDENG+bPxRfi") == 0, "IMDS secret, \\/ escape");
	t_ok(json_get(&root, p3, 1, &v) == 1 &&
	    json_string(&v, buf, sizeof buf, 0) > 0 &&
	    strcmp(buf, "IQoJb3JpZ2luX2Vj==") == 0, "IMDS Token, \\u escapes");
	t_ok(json_get(&root, p4, 1, &v) == 0, "IMDS has no SessionToken");

	t_ok(json_root(process, strlen(process), &root) == 0,
	    "credential_process document");
	t_ok(json_get(&root, p4, 1, &v) == 1 &&
	    json_string(&v, buf, sizeof buf, 0) == 1 && strcmp(buf, "t") == 0,
	    "SessionToken");
	t_ok(json_get(&root, p5, 3, &v) == 1 &&
	    json_string(&v, buf, sizeof buf, 0) == 5 &&
	    strcmp(buf, "found") == 0, "nested path");
	t_ok(json_get(&root, p6, 3, &v) == 0, "path through an array");
	t_ok(json_get(&root, p7, 1, &v) == 1 && v.type == JSON_NUMBER &&
	    json_int64(&v, &n) == 0 && n == 1, "Version number");
	t_ok(json_get(&root, p5, 0, &v) == 1 && v.p == root.p,
	    "empty path is the value itself");
	/* first match wins; escaped keys compare unescaped */
	{
		const char d[] = "{\"K\\u0065y\":1,\"key\":2}";
		const char *pk[] = { "KEY" };
		t_ok(json_root(d, strlen(d), &root) == 0 &&
		    json_get(&root, pk, 1, &v) == 1 && v.len == 1 &&
		    v.p[0] == '1', "escaped key, first match");
	}
	/* a hand-made value over garbage is refused, not trusted */
	{
		json_val g = { JSON_OBJECT, "{\"a\":}", 6 };
		const char *pa[] = { "a" };
		t_ok(json_get(&g, pa, 1, &v) < 0, "json_get on a malformed object");
		g.type = JSON_STRING;
		g.p = "\"abc";
		g.len = 4;
		t_ok(json_string(&g, buf, sizeof buf, 0) < 0,
		    "json_string on an unterminated string");
		g.p = "\"a\"b\"";
		g.len = 5;
		t_ok(json_string(&g, buf, sizeof buf, 0) < 0,
		    "json_string on text after the quote");
	}
}

static void
test_iterate(void)
{
	const char d[] = " { \"a\" : [ 1 , \"x\" , { } , [ ] , null ] , \"b\" : {} } ";
	json_val root, k, v, arr;
	json_iter it = { 0 }, it2 = { 0 };
	int types[8], n = 0, r;
	char buf[8];

	t_ok(json_root(d, strlen(d), &root) == 0, "iterate: root");
	t_ok(json_next(&root, &it, &k, &arr) == 1 && json_key_is(&k, "A") &&
	    arr.type == JSON_ARRAY, "iterate: first member");
	while ((r = json_next(&arr, &it2, &k, &v)) == 1 && n < 8)
		types[n++] = v.type;
	t_ok(r == 0 && n == 5 && types[0] == JSON_NUMBER &&
	    types[1] == JSON_STRING && types[2] == JSON_OBJECT &&
	    types[3] == JSON_ARRAY && types[4] == JSON_NULL &&
	    k.type == JSON_NONE, "iterate: array items and their types");
	t_ok(json_next(&root, &it, &k, &v) == 1 && json_key_is(&k, "b") &&
	    v.type == JSON_OBJECT && v.len == 2, "iterate: second member");
	t_ok(json_next(&root, &it, &k, &v) == 0, "iterate: end");
	t_ok(json_next(&root, &it, &k, &v) == 0, "iterate: end stays end");
	it.pos = 0;
	t_ok(json_next(&v, &it, &k, &v) == 0, "iterate: empty object");
	t_ok(json_string(&k, buf, sizeof buf, 0) < 0, "no key: not a string");
	v.type = JSON_STRING;
	it.pos = 0;
	t_ok(json_next(&v, &it, &k, &v) < 0, "iterate: not a container");
}

static void
test_strings(void)
{
	struct {
		const char *doc, *want;
		long len;
	} cases[] = {
		{ "\"\"", "", 0 },
		{ "\"abc\"", "abc", 3 },
		{ "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8 },
		{ "\"\\u0041\\u00E9\\u20ac\\uFFFF\"", "A\xc3\xa9\xe2\x82\xac\xef\xbf\xbf",
		  9 },
		{ "\"\\uD83D\\uDC1F\\udbff\\udfff\"",
		  "\xf0\x9f\x90\x9f\xf4\x8f\xbf\xbf", 8 },
		{ "\"\\u007f\\u0080\\u07ff\\u0800\"", "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80",
		  8 },
		{ "\"raw \xf0\x9f\x90\x9f\"", "raw \xf0\x9f\x90\x9f", 8 },
	};
	char buf[32];
	json_val v;

	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		long n;
		v.type = JSON_STRING;
		v.p = cases[k].doc;
		v.len = strlen(cases[k].doc);
		n = json_string(&v, buf, sizeof buf, 0);
		t_ok(n == cases[k].len && memcmp(buf, cases[k].want,
		    (size_t)n + 1) == 0, "string %s: got %ld", cases[k].doc, n);
	}
	v.p = "\"a\\u0000b\"";
	v.len = strlen(v.p);
	t_ok(json_string(&v, buf, sizeof buf, 0) < 0, "\\u0000 refused");
	t_ok(json_string(&v, buf, sizeof buf, 1) == 3 && buf[1] == '\0' &&
	    buf[2] == 'b', "\\u0000 allowed with nul_ok");
	/* exact fit: n bytes need n + 1 */
	v.p = "\"abcd\"";
	v.len = 6;
	t_ok(json_string(&v, buf, 5, 0) == 4 && strcmp(buf, "abcd") == 0,
	    "string that just fits");
	t_ok(json_string(&v, buf, 4, 0) < 0, "string one byte too long");
	v.p = "\"\\u00e9\"";
	v.len = strlen(v.p);
	t_ok(json_string(&v, buf, 2, 0) < 0 && json_string(&v, buf, 3, 0) == 2,
	    "multi-byte escape at the buffer's end");
	t_ok(json_key_is(&v, "\xc3\xa9") && !json_key_is(&v, "\xc3\x89"),
	    "key_is folds ASCII only");
}

static void
test_numbers(void)
{
	static const struct {
		const char *doc;
		int ok;
		int64_t want;
	} cases[] = {
		{ "0", 1, 0 }, { "-0", 1, 0 }, { "42", 1, 42 },
		{ "9223372036854775807", 1, INT64_MAX },
		{ "-9223372036854775808", 1, INT64_MIN },
		{ "9223372036854775808", 0, 0 },
		{ "-9223372036854775809", 0, 0 },
		{ "99999999999999999999", 0, 0 },
		{ "1.5", 0, 0 }, { "1e3", 0, 0 }, { "01", 0, 0 },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		json_val v = { JSON_NUMBER, cases[k].doc, strlen(cases[k].doc) };
		int64_t n = 12345;
		int r = json_int64(&v, &n);
		t_ok(cases[k].ok ? r == 0 && n == cases[k].want : r < 0,
		    "int64 %s: r=%d n=%lld", cases[k].doc, r, (long long)n);
	}
}

/* Every code point encodes to what json_utf8_seq accepts, with its length. */
static void
test_utf8(void)
{
	char enc[4];
	uint32_t bad = 0xFFFFFFFF;

	for (uint32_t cp = 0; cp <= 0x10FFFF; cp++) {
		int n = json_utf8_put(cp, enc);
		int want = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
		if (cp >= 0xD800 && cp <= 0xDFFF) {
			if (n != 0) {
				bad = cp;
				break;
			}
			continue;
		}
		if (n != want || json_utf8_seq((unsigned char *)enc,
		    (size_t)n) != n || (n > 1 &&
		    json_utf8_seq((unsigned char *)enc, (size_t)n - 1) != 0)) {
			bad = cp;
			break;
		}
	}
	t_ok(bad == 0xFFFFFFFF, "UTF-8 round trip of every code point (first"
	    " failure U+%04X)", bad);
	t_ok(json_utf8_put(0x110000, enc) == 0, "no code point past U+10FFFF");
}

int
main(void)
{
	test_valid();
	test_invalid();
	test_lookup();
	test_iterate();
	test_strings();
	test_numbers();
	test_utf8();
	return t_done();
}
