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
