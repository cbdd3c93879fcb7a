/*
 * fmt.h: printf-style formatting without floating point.
 *
 * Why not libc's: musl's vfprintf carries the long double formatter, and on
 * aarch64 long double is soft-float, so printf alone brings in about 21 KB
 * (vfprintf plus libgcc's 128-bit float arithmetic) of a binary whose target
 * is 250 KB. s3pub never prints a float: sizes, rates and percentages are
 * printed from integers.
 *
 * What is understood is C11's printf grammar without the float conversions:
 *   flags      - 0 + space #
 *   width      digits or *
 *   precision  .digits or .*
 *   length     hh h l ll z j t
 *   conversion d i u o x X c s p %
 * Anything else (%f, %n, %ls ...) is a programming error that the compiler's
 * format check (the attributes below) reports first; at run time such a
 * conversion is copied to the output as it stands and its argument is not
 * consumed.
 *
 * Results are as C11 says for snprintf: the return value is the length the
 * whole output has, the buffer holds as much as fits and is always
 * terminated when size > 0. %s with a NULL pointer prints "(null)".
 */
#ifndef S3PUB_FMT_H
#define S3PUB_FMT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

int fmt_vsnprintf(char *buf, size_t size, const char *format, va_list ap)
	__attribute__((format(printf, 3, 0)));
int fmt_snprintf(char *buf, size_t size, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Formats to a stdio stream. The text is staged in a buffer of a few
 * hundred bytes and handed to fwrite() in as few pieces as it can, so that
 * a line on unbuffered stderr is one write(2), not one per conversion.
 * Returns the number of bytes written, or -1 when the stream failed.
 */
int fmt_vfprintf(FILE *f, const char *format, va_list ap)
	__attribute__((format(printf, 2, 0)));
int fmt_fprintf(FILE *f, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
int fmt_printf(const char *format, ...)
	__attribute__((format(printf, 1, 2)));

#endif
