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

void
text_base64(const unsigned char *in, size_t len, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	/* n bytes left give n + 1 digits (4 when n > 2), then '=' */
	for (size_t i = 0; i < len; i += 3) {
		size_t n = len - i;
		unsigned v = (unsigned)in[i] << 16;
		if (n > 1)
			v |= (unsigned)in[i + 1] << 8;
		if (n > 2)
			v |= in[i + 2];
		for (size_t k = 0; k < 4; k++)
			*out++ = k <= n ? tab[(v >> (18 - 6 * k)) & 63] : '=';
	}
	*out = '\0';
}
