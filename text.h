/*
 * text.h: finding a string in bytes, and reading a number, for the units
 * that scan small server answers (S3 and STS XML, headers) and options.
 *
 * Why not strstr and memmem: musl's are two-way string matchers, 2.5 KB of
 * code between them, built for long haystacks. Ours are a few KB at most
 * and the needles a few bytes, where the plain search is as fast.
 */
#ifndef S3PUB_TEXT_H
#define S3PUB_TEXT_H

#include <stddef.h>
#include <stdint.h>

/*
 * The first place the C string `needle` stands in the `len` bytes at
 * `hay` (which need not be terminated), or NULL. An empty needle is found
 * at `hay`. Like memmem, the result points into `hay`.
 */
char *text_find(const char *hay, size_t len, const char *needle);

/* The same in a C string: strstr(hay, needle). */
char *text_str(const char *hay, const char *needle);

/*
 * The number written in digits of `base` (10 or 16, either case) at the
 * start of s, into *v: returns the end of the digits (s itself when there
 * are none), or NULL when the value does not fit in 64 bits. No sign, no
 * blanks: "-1" and " 1" have no digits. (libc's strtoull would bring
 * musl's general integer scanner, 2.4 KB.)
 */
const char *text_num(const char *s, unsigned base, uint64_t *v);

/*
 * Standard base64 (RFC 4648 section 4, '=' padded) of len bytes into out,
 * which needs 4 * ceil(len / 3) + 1 bytes; NUL-terminated. The one
 * encoder: checksums (s3.c) and proxy credentials (http.c).
 */
void text_base64(const unsigned char *in, size_t len, char *out);

#endif
