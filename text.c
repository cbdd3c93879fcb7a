/* text.c: see text.h. */
#include "text.h"

#include <string.h>
#include <strings.h>

#include "json.h"

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

int
text_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

int
text_blank(int c)
{
	return c == ' ' || c == '\t';
}

int
text_ieq(const char *s, size_t n, const char *z)
{
	return strlen(z) == n && strncasecmp(s, z, n) == 0;
}

/* ' ', '\t', '\r', '\n' */
static int
blank_or_eol(int c)
{
	return text_blank(c) || c == '\r' || c == '\n';
}

char *
text_trim(char *s)
{
	size_t a = 0, n = strlen(s);

	while (n > 0 && blank_or_eol((unsigned char)s[n - 1]))
		n--;
	while (a < n && blank_or_eol((unsigned char)s[a]))
		a++;
	memmove(s, s + a, n - a);
	s[n - a] = '\0';
	return s;
}

int
text_visible(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

int
text_has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* ---- XML text ---- */

/*
 * The reference that starts at p (its '&') and ends before `end`: the
 * code point it stands for into *cp, and where its ';' is; NULL when it is
 * none (XML 1.0 section 4.1: EntityRef and CharRef).
 */
static const char *
xml_ref(const char *p, const char *end, uint32_t *cp)
{
	static const char names[5][5] = { "amp", "lt", "gt", "quot", "apos" };
	const char *semi = memchr(p, ';', (size_t)(end - p)), *d;
	uint64_t v = 0;
	int hex;

	if (semi == NULL)
		return NULL;
	if (p[1] != '#') {
		/* the predefined entities, in their case only */
		for (int k = 0; k < 5; k++)
			if (strlen(names[k]) == (size_t)(semi - p - 1) &&
			    memcmp(p + 1, names[k], (size_t)(semi - p - 1)) == 0) {
				*cp = (unsigned char)"&<>\"'"[k];
				return semi;
			}
		return NULL;
	}
	/* &#DIGITS; or &#xHEXDIGITS; (the digits stop at the ';' at last) */
	hex = p[2] == 'x';
	d = p + 2 + hex;
	if (text_num(d, hex ? 16 : 10, &v) != semi || semi == d || v == 0 ||
	    v > 0x10FFFF)
		return NULL;
	*cp = (uint32_t)v;
	return semi;
}

/* The text in [p, end) decoded into out: 1, or -1 (out then unfinished). */
static int
xml_decode(const char *p, const char *end, char *out, size_t outsz)
{
	size_t o = 0;

	for (; p < end; p++) {
		char u[4];
		int n = 1;
		uint32_t cp;

		u[0] = *p;
		if (*p == '&' && ((p = xml_ref(p, end, &cp)) == NULL ||
		    (n = json_utf8_put(cp, u)) == 0))
			return -1;
		if (o + (size_t)n >= outsz)
			return -1;
		memcpy(out + o, u, (size_t)n);
		o += (size_t)n;
	}
	if (o >= outsz)
		return -1;      /* outsz 0 */
	out[o] = '\0';
	return 1;
}

int
text_xml(const char *xml, size_t len, const char *name, char *out,
    size_t outsz)
{
	char tag[64];   /* "</name>"; "<name>" at tag + 1 while tag[1] is '<' */
	size_t nl = strlen(name);
	const char *p, *end;
	int r;

	if (outsz > 0)
		out[0] = '\0';
	if (nl + 4 > sizeof tag)
		return -1;
	tag[0] = tag[1] = '<';
	memcpy(tag + 2, name, nl);
	memcpy(tag + 2 + nl, ">", 2);
	if ((p = text_find(xml, len, tag + 1)) == NULL)
		return 0;
	p += nl + 2;
	tag[1] = '/';
	if ((end = text_find(p, (size_t)(xml + len - p), tag)) == NULL)
		return -1;
	r = xml_decode(p, end, out, outsz);
	if (r < 0 && outsz > 0)
		out[0] = '\0';
	return r;
}

int
text_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = text_lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
text_unhex(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int h = text_hex((unsigned char)s[2 * i]), l;
		if (h < 0 || (l = text_hex((unsigned char)s[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(h * 16 + l);
	}
	return 0;
}

/* A dotted quad into out[0..3]: 1, or 0. */
static int
ipv4(const char *s, unsigned char *out)
{
	for (int i = 0; i < 4; i++) {
		unsigned v = 0, d = 0;
		while (d < 4 && s[d] >= '0' && s[d] <= '9')
			v = v * 10 + (unsigned)(s[d++] - '0');
		if (d == 0 || d > 3 || v > 255 || (d > 1 && s[0] == '0') ||
		    s[d] != (i < 3 ? '.' : '\0'))
			return 0;
		out[i] = (unsigned char)v;
		s += d + 1;
	}
	return 1;
}

int
text_ip(const char *s, unsigned char out[16])
{
	unsigned char b[16];
	int n = 0, gap = -1;    /* bytes so far; where "::" stands */

	if (strchr(s, ':') == NULL)
		return ipv4(s, out) ? 4 : 0;
	if (s[0] == ':') {
		if (s[1] != ':')
			return 0;
		gap = 0;
		s += 2;
	}
	while (*s != '\0') {
		unsigned v = 0;
		int d = 0, h;
		for (; (h = text_hex((unsigned char)s[d])) >= 0; d++)
			v = v * 16 + (unsigned)h;
		if (d == 0 || d > 4)
			return 0;
		if (s[d] == '.') {      /* the last 32 bits */
			if (n > 12 || !ipv4(s, b + n))
				return 0;
			n += 4;
			break;
		}
		if (n > 14)
			return 0;
		b[n++] = (unsigned char)(v >> 8);
		b[n++] = (unsigned char)v;
		s += d;
		if (*s == '\0')
			break;
		if (*s++ != ':' || *s == '\0')
			return 0;
		if (*s == ':') {
			if (gap >= 0)
				return 0;
			gap = n;
			s++;
		}
	}
	if (gap < 0 ? n != 16 : n > 14)
		return 0;
	if (gap >= 0) {
		memmove(b + 16 - (n - gap), b + gap, (size_t)(n - gap));
		memset(b + gap, 0, (size_t)(16 - n));
	}
	memcpy(out, b, 16);
	return 16;
}
