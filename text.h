/*
 * text.h: the string helpers every unit shares, one of each: finding a
 * string in bytes, reading a number, ASCII case and classes, trimming,
 * Base64, and the text of an XML element. For the units that scan small
 * server answers (S3 and STS XML, headers), files and options.
 *
 * Nothing here allocates or keeps state; outputs go to the caller's
 * buffers. Every helper is ASCII-only and never looks at the locale:
 * bytes past 0x7f are no letter, no blank and no control character.
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

/*
 * ASCII case and classes. Two C strings equal in any case: strcasecmp
 * (<strings.h>; the C locale's is ASCII, and musl's is already linked),
 * and strncasecmp for a prefix.
 *
 * text_lower: c lower-cased when it is A-Z, else c itself.
 * text_blank: 1 for ' ' and '\t' (isblank in the C locale).
 * text_ieq: 1 when s[0, n) is the C string z in any case (so strlen(z)
 * is n).
 */
int text_lower(int c);
int text_blank(int c);
int text_ieq(const char *s, size_t n, const char *z);

/*
 * Removes blanks and line ends (' ', '\t', '\r', '\n') at both ends of
 * the C string s, in place: the text left starts at s itself (a token read
 * from a file or a server, " abc\r\n" -> "abc"). Returns s.
 */
char *text_trim(char *s);

/*
 * 1 when every byte of the C string s is visible ASCII, 0x21..0x7e
 * (RFC 5234's VCHAR): no blank, no control character, nothing past 0x7e.
 * What a credential or a token may hold to go into a header.
 */
int text_visible(const char *s);

/* 1 when the C string s holds a control character (0x01..0x1f, 0x7f). */
int text_has_ctl(const char *s);

/*
 * The text of the first element <name>...</name> in the len bytes at xml
 * (not necessarily terminated), decoded, into out as a C string. For the
 * small flat answers of S3 and STS, read without a parser: the first
 * "<name>" anywhere (no attributes on it, not an empty <name/>), up to the
 * first "</name>" after it, taken as text (markup inside is copied as is;
 * no CDATA). Decoded as XML 1.0 section 4.6 and 4.1 say: the five
 * predefined entities (&amp; &lt; &gt; &quot; &apos;) and character
 * references (&#65; &#x41;, any case of hex digit, to UTF-8; also the
 * controls XML 1.1 allows, such as S3's &#13; in keys). Other bytes are
 * copied as they are.
 * Returns
 *    1  found: out holds the text;
 *    0  no <name> in xml;
 *   -1  not readable: no </name> after it (a cut answer), an '&' that
 *       starts no entity or reference (undeclared, no ';', &#0;, a
 *       surrogate, past U+10FFFF: the answer is not XML), or a text that
 *       does not fit in outsz bytes with its NUL (never cut).
 * Unless 1 is returned, out is "" (when outsz > 0). name is at most 60
 * bytes (longer: -1).
 */
int text_xml(const char *xml, size_t len, const char *name, char *out,
    size_t outsz);

/* The value of hex digit c (either case), or -1. */
int text_hex(int c);

/* The n bytes that the 2n hex digits at s spell (either case): 0, or -1
 * at the first that is no hex digit (a NUL among them). */
int text_unhex(const char *s, unsigned char *out, size_t n);

/*
 * The address an IP literal names, as inet_pton(3) reads it: an IPv4
 * dotted quad (four decimal numbers up to 255, no leading zero), or IPv6
 * text (groups of one to four hex digits, one "::" at most standing for
 * one or more zero groups, an IPv4 quad as the last 32 bits; no zone).
 * Returns 4 or 16 (the address in out's first bytes), or 0 for anything
 * else. (musl's inet_pton is twice its size.)
 */
int text_ip(const char *s, unsigned char out[16]);

#endif
