/*
 * test_text.c: text_find and text_str against the C library's memmem and
 * strstr (the oracle), on random haystacks and needles over a small
 * alphabet so that partial matches are frequent, and the edge cases.
 */
#include "../text.h"
#include "unit.h"

#include <errno.h>
#include <stdint.h>

int
main(void)
{
	uint32_t seed = 12345;
	char hay[64], needle[8], first[256] = "";
	int bad = 0;

	for (int it = 0; it < 200000; it++) {
		size_t hl, nl;

		seed = seed * 1103515245 + 12345;
		hl = (seed >> 8) % 40;
		nl = (seed >> 16) % 6;
		for (size_t i = 0; i < hl; i++) {
			seed = seed * 1103515245 + 12345;
			hay[i] = "abA"[(seed >> 16) % 3];
		}
		hay[hl] = '\0';
		for (size_t i = 0; i < nl; i++) {
			seed = seed * 1103515245 + 12345;
			needle[i] = "abA"[(seed >> 16) % 3];
		}
		needle[nl] = '\0';
		/* a length short of the string: the bytes past it must not count */
		size_t lim = hl > 0 ? (seed >> 4) % (hl + 1) : 0;
		if (text_find(hay, lim, needle) != memmem(hay, lim, needle, nl) ||
		    text_str(hay, needle) != strstr(hay, needle)) {
			if (!bad++)
				snprintf(first, sizeof first, "\"%s\" (first %zu) in "
				    "\"%s\"", needle, lim, hay);
		}
	}
	t_ok(bad == 0, "200000 random searches agree with memmem and strstr%s%s",
	    bad ? ": first " : "", first);
	t_ok(text_find("abc", 0, "") == memmem("abc", 0, "", 0) &&
	    text_str("", "") != NULL && text_str("", "a") == NULL &&
	    text_find("<Error>", 6, "<Error>") == NULL,
	    "empty needle, empty haystack, a match cut by the length");

	/* text_num against strtoull (the oracle) on random digit strings */
	{
		int bad_num = 0;
		for (int i = 0; i < 100000; i++) {
			char s[40], *end;
			unsigned base = i & 1 ? 16 : 10;
			size_t n = (size_t)(rand() % 24);
			uint64_t v = 0;
			const char *e;
			unsigned long long want;
			for (size_t k = 0; k < n; k++)
				s[k] = "0123456789abcdefABCDEFz-+ "[rand() % (base == 16 ? 26 : 13)];
			s[n] = '\0';
			if (s[0] == ' ' || s[0] == '-' || s[0] == '+')
				s[0] = '7';     /* strtoull skips these; text_num does not */
			errno = 0;
			want = strtoull(s, &end, (int)base);
			e = text_num(s, base, &v);
			if (errno == ERANGE ? e != NULL :
			    (e != end || (e != s && v != want)))
				bad_num++;
		}
		t_ok(bad_num == 0, "text_num agrees with strtoull on 100000 "
		    "strings, bases 10 and 16, overflow included (%d differ)",
		    bad_num);
		t_ok(text_num("-1", 10, &(uint64_t){ 0 }) != NULL &&
		    *text_num("-1", 10, &(uint64_t){ 0 }) == '-' &&
		    text_num("18446744073709551615", 10, &(uint64_t){ 0 }) != NULL &&
		    text_num("18446744073709551616", 10, &(uint64_t){ 0 }) == NULL,
		    "text_num: no sign; 2^64-1 fits, 2^64 does not");
	}
	/* text_base64: RFC 4648 section 10's test vectors */
	{
		static const char *const v[][2] = { { "", "" }, { "f", "Zg==" },
		    { "fo", "Zm8=" }, { "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		    { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" } };
		char out[16];
		int bad = 0;
		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
			text_base64((const unsigned char *)v[i][0], strlen(v[i][0]), out);
			bad += strcmp(out, v[i][1]) != 0;
		}
		t_ok(bad == 0, "text_base64: the RFC 4648 test vectors (%d differ)", bad);
	}
	return t_done();
}
