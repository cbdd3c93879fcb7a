/* text.c: see text.h. */
#include "text.h"

#include <string.h>

char *
text_find(const char *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (; len >= n; hay++, len--)
		if (memcmp(hay, needle, n) == 0)
			return (char *)hay;
	return NULL;
}

char *
text_str(const char *hay, const char *needle)
{
	return text_find(hay, strlen(hay), needle);
}

const char *
text_num(const char *s, unsigned base, uint64_t *v)
{
	uint64_t n = 0;

	for (;; s++) {
		unsigned c = (unsigned char)*s, d;
		if (c - '0' < 10)
			d = c - '0';
		else if (base == 16 && (c | 0x20) - 'a' < 6)
			d = (c | 0x20) - 'a' + 10;
		else
			break;
		if (n > (UINT64_MAX - d) / base)
			return NULL;
		n = n * base + d;
	}
	*v = n;
	return s;
}
