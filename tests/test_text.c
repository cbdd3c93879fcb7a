/*
 * test_text.c: text_find and text_str against the C library's memmem and
 * strstr (the oracle), on random haystacks and needles over a small
 * alphabet so that partial matches are frequent, and the edge cases.
 */
#include "../text.h"
#include "unit.h"

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
	return t_done();
}
