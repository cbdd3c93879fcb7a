/* fmt.c: see fmt.h. */
#include "fmt.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/*
 * Where formatted bytes go: a caller's buffer (snprintf), or a file
 * descriptor through a staging buffer (dprintf; fd is -1 for a buffer).
 * `len` counts every byte produced, stored or not, which is what snprintf
 * returns.
 */
typedef struct {
	char *buf;
	size_t size;
	size_t len;
	int fd;
	int failed;
	size_t staged;
	char stage[512];
} sink;

int
fmt_write(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
flush(sink *s)
{
	if (s->staged > 0 && fmt_write(s->fd, s->stage, s->staged) < 0)
		s->failed = 1;
	s->staged = 0;
}

static void
emit(sink *s, const char *p, size_t n)
{
	if (s->fd >= 0) {
		while (n > 0) {
			size_t k = sizeof s->stage - s->staged;

			if (k > n)
				k = n;
			memcpy(s->stage + s->staged, p, k);
			s->staged += k;
			s->len += k;
			p += k;
			n -= k;
			if (s->staged == sizeof s->stage)
				flush(s);
		}
		return;
	}
	if (s->len + 1 < s->size) {
		size_t room = s->size - 1 - s->len;

		memcpy(s->buf + s->len, p, n < room ? n : room);
	}
	s->len += n;
}

static void
repeat(sink *s, char c, size_t n)
{
	char run[32];

	memset(run, c, sizeof run);
	while (n > 0) {
		size_t k = n < sizeof run ? n : sizeof run;

		emit(s, run, k);
		n -= k;
	}
}

enum {
	F_LEFT = 1,    /* - */
	F_ZERO = 2,    /* 0 */
	F_PLUS = 4,    /* + */
	F_SPACE = 8,   /* space */
	F_ALT = 16     /* # */
};

/* `body` of `n` bytes, padded with spaces to `width` on the side flags say */
static void
emit_padded(sink *s, const char *body, size_t n, int flags, size_t width)
{
	size_t pad = width > n ? width - n : 0;

	if (!(flags & F_LEFT))
		repeat(s, ' ', pad);
	emit(s, body, n);
	if (flags & F_LEFT)
		repeat(s, ' ', pad);
}

/*
 * An integer conversion: `prefix` (sign or 0x), then zeros up to the
 * precision (or, with the 0 flag and no precision, up to the width), then
 * the digits; spaces pad the rest of the width.
 */
static void
emit_integer(sink *s, uintmax_t v, const char *prefix, unsigned base,
    int upper, int flags, size_t width, long prec)
{
	const char *digit = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char text[sizeof(uintmax_t) * 3 + 1];
	char *end = text + sizeof text, *p = end;
	size_t ndigits, zeros = 0, plen = strlen(prefix), total;

	while (v != 0) {
		*--p = digit[v % base];
		v /= base;
	}
	ndigits = (size_t)(end - p);
	if (prec < 0)
		prec = 1;
	if (ndigits < (size_t)prec)
		zeros = (size_t)prec - ndigits;
	/* %#o: the first digit is a 0, made by the precision if need be */
	if ((flags & F_ALT) && base == 8 && zeros == 0 &&
	    (ndigits == 0 || *p != '0'))
		zeros = 1;
	total = plen + zeros + ndigits;
	/* the caller has dropped F_ZERO when a precision was given */
	if ((flags & (F_ZERO | F_LEFT)) == F_ZERO && width > total) {
		zeros += width - total;
		total = width;
	}
	if (!(flags & F_LEFT) && width > total)
		repeat(s, ' ', width - total);
	emit(s, prefix, plen);
	repeat(s, '0', zeros);
	emit(s, p, ndigits);
	if ((flags & F_LEFT) && width > total)
		repeat(s, ' ', width - total);
}

enum { L_NONE, L_HH, L_H, L_L, L_LL, L_Z, L_J, L_T };

static void
render(sink *s, const char *f, va_list ap)
{
	while (*f != '\0') {
		const char *start = f, *str;
		int flags = 0, length = L_NONE, given_prec = 0;
		size_t width = 0, n;
		long prec = -1;
		uintmax_t u;
		intmax_t v;
		char c;

		if (*f != '%') {
			const char *pct = strchr(f, '%');

			n = pct != NULL ? (size_t)(pct - f) : strlen(f);
			emit(s, f, n);
			f += n;
			continue;
		}
		f++;
		for (;; f++) {
			if (*f == '-')
				flags |= F_LEFT;
			else if (*f == '0')
				flags |= F_ZERO;
			else if (*f == '+')
				flags |= F_PLUS;
			else if (*f == ' ')
				flags |= F_SPACE;
			else if (*f == '#')
				flags |= F_ALT;
			else
				break;
		}
		if (*f == '*') {
			int w = va_arg(ap, int);

			if (w < 0) {
				flags |= F_LEFT;
				width = (size_t)-(long)w;
			} else {
				width = (size_t)w;
			}
			f++;
		} else {
			while (*f >= '0' && *f <= '9')
				width = width * 10 + (size_t)(*f++ - '0');
		}
		if (*f == '.') {
			f++;
			given_prec = 1;
			if (*f == '*') {
				int p = va_arg(ap, int);

				prec = p < 0 ? -1 : p;
				given_prec = p >= 0;
				f++;
			} else {
				prec = 0;
				while (*f >= '0' && *f <= '9')
					prec = prec * 10 + (*f++ - '0');
			}
		}
		switch (*f) {
		case 'h':
			length = f[1] == 'h' ? L_HH : L_H;
			f += f[1] == 'h' ? 2 : 1;
			break;
		case 'l':
			length = f[1] == 'l' ? L_LL : L_L;
			f += f[1] == 'l' ? 2 : 1;
			break;
		case 'z': length = L_Z; f++; break;
		case 'j': length = L_J; f++; break;
		case 't': length = L_T; f++; break;
		}
		/* the 0 flag pads integers only when no precision is given */
		if (given_prec)
			flags &= ~F_ZERO;
		switch (c = *f++) {
		case 'd':
		case 'i':
			switch (length) {
			case L_HH: v = (signed char)va_arg(ap, int); break;
			case L_H: v = (short)va_arg(ap, int); break;
			case L_L: v = va_arg(ap, long); break;
			case L_LL: v = va_arg(ap, long long); break;
			case L_Z: v = va_arg(ap, ssize_t); break;
			case L_J: v = va_arg(ap, intmax_t); break;
			case L_T: v = va_arg(ap, ptrdiff_t); break;
			default: v = va_arg(ap, int); break;
			}
			u = v < 0 ? -(uintmax_t)v : (uintmax_t)v;
			emit_integer(s, u, v < 0 ? "-" : (flags & F_PLUS) ? "+" :
			    (flags & F_SPACE) ? " " : "", 10, 0, flags, width,
			    given_prec ? prec : -1);
			break;
		case 'u':
		case 'o':
		case 'x':
		case 'X':
			switch (length) {
			case L_HH: u = (unsigned char)va_arg(ap, unsigned); break;
			case L_H: u = (unsigned short)va_arg(ap, unsigned); break;
			case L_L: u = va_arg(ap, unsigned long); break;
			case L_LL: u = va_arg(ap, unsigned long long); break;
			case L_Z: u = va_arg(ap, size_t); break;
			case L_J: u = va_arg(ap, uintmax_t); break;
			case L_T: u = (size_t)va_arg(ap, ptrdiff_t); break;
			default: u = va_arg(ap, unsigned); break;
			}
			emit_integer(s, u,
			    (flags & F_ALT) && u != 0 && c == 'x' ? "0x" :
			    (flags & F_ALT) && u != 0 && c == 'X' ? "0X" : "",
			    c == 'u' ? 10 : c == 'o' ? 8 : 16, c == 'X',
			    flags, width, given_prec ? prec : -1);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			emit_integer(s, u, "0x", 16, 0, flags & ~F_ZERO, width,
			    -1);
			break;
		case 'c':
			c = (char)va_arg(ap, int);
			emit_padded(s, &c, 1, flags, width);
			break;
		case 's':
			str = va_arg(ap, const char *);
			if (str == NULL)
				str = "(null)";
			n = given_prec ? strnlen(str, (size_t)prec) : strlen(str);
			emit_padded(s, str, n, flags, width);
			break;
		case '%':
			emit(s, "%", 1);
			break;
		default:
			/* not a conversion fmt knows: shown as written */
			if (c == '\0')
				f--;
			emit(s, start, (size_t)(f - start));
			break;
		}
	}
}

int
fmt_vsnprintf(char *buf, size_t size, const char *format_, va_list ap)
{
	sink s = { .buf = buf, .size = size, .fd = -1 };
	va_list copy;

	va_copy(copy, ap);
	render(&s, format_, copy);
	va_end(copy);
	if (size > 0)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return s.len > INT32_MAX ? -1 : (int)s.len;
}

int
fmt_snprintf(char *buf, size_t size, const char *format_, ...)
{
	va_list ap;
	int n;

	va_start(ap, format_);
	n = fmt_vsnprintf(buf, size, format_, ap);
	va_end(ap);
	return n;
}

int
fmt_vdprintf(int fd, const char *format_, va_list ap)
{
	sink s = { .fd = fd };
	va_list copy;

	va_copy(copy, ap);
	render(&s, format_, copy);
	va_end(copy);
	flush(&s);
	return s.failed || s.len > INT32_MAX ? -1 : (int)s.len;
}

int
fmt_dprintf(int fd, const char *format_, ...)
{
	va_list ap;
	int n;

	va_start(ap, format_);
	n = fmt_vdprintf(fd, format_, ap);
	va_end(ap);
	return n;
}
