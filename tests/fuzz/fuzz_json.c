/*
 * fuzz_json.c: the JSON reader on arbitrary bytes. Walks every value of an
 * accepted document (iteration, lookups, unescaping, integers) and checks
 * that json_check and json_root agree, and that an unescaped string is
 * valid UTF-8. Seed corpus: tests/fuzz/json/.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"

static void
utf8_or_die(const char *s, size_t n)
{
	for (size_t k = 0; k < n;) {
		int l = json_utf8_seq((const unsigned char *)s + k, n - k);
		if (l == 0)
			abort();
		k += (size_t)l;
	}
}

static void
walk(const json_val *v, int depth)
{
	static char buf[4096];
	static const char *const path[] = { "AccessKeyId", "Token" };
	json_iter it = { 0 };
	json_val k, m;
	int64_t n;
	long len;
	int r;

	if (depth > JSON_MAX_DEPTH)
		abort();
	switch (v->type) {
	case JSON_STRING:
		len = json_string(v, buf, sizeof buf, 0);
		if (len >= 0)
			utf8_or_die(buf, (size_t)len);
		break;
	case JSON_NUMBER:
		(void)json_int64(v, &n);
		break;
	case JSON_OBJECT:
		(void)json_get(v, path, 1, &m);
		(void)json_get(v, path, 2, &m);
		/* fall through */
	case JSON_ARRAY:
		while ((r = json_next(v, &it, &k, &m)) == 1) {
			if (v->type == JSON_OBJECT) {
				(void)json_key_is(&k, "expiration");
				walk(&k, depth + 1);
			}
			walk(&m, depth + 1);
		}
		if (r < 0)
			abort();    /* inside a checked document */
		break;
	}
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *s = (const char *)data;
	json_val root;
	size_t off = 0;
	const char *why = NULL;
	int c = json_check(s, size, &off, &why);
	int r = json_root(s, size, &root);

	if ((c == 0) != (r == 0))
		abort();
	if (c < 0) {
		if (why == NULL || off > size)
			abort();
		return 0;
	}
	walk(&root, 0);
	return 0;
}
