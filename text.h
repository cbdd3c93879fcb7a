/*
 * text.h: finding a string in bytes, for the units that scan small server
 * answers (S3 and STS XML) and options.
 *
 * Why not strstr and memmem: musl's are two-way string matchers, 2.5 KB of
 * code between them, built for long haystacks. Ours are a few KB at most
 * and the needles a few bytes, where the plain search is as fast.
 */
#ifndef S3PUB_TEXT_H
#define S3PUB_TEXT_H

#include <stddef.h>

/*
 * The first place the C string `needle` stands in the `len` bytes at
 * `hay` (which need not be terminated), or NULL. An empty needle is found
 * at `hay`. Like memmem, the result points into `hay`.
 */
char *text_find(const char *hay, size_t len, const char *needle);

/* The same in a C string: strstr(hay, needle). */
char *text_str(const char *hay, const char *needle);

#endif
