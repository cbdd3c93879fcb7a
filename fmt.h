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

int fmt_vsnprintf(char *buf, size_t size, const char *format, va_list ap)
	__attribute__((format(printf, 3, 0)));
int fmt_snprintf(char *buf, size_t size, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Formats to file descriptor fd, with write(2) (retried after EINTR and
 * short writes; no stdio, whose FILE machinery is 2 KB of a binary that
 * must stay small). The text is staged in a buffer of a few hundred bytes
 * and written in as few pieces as it can, so that a line on stderr is one
 * write(2), not one per conversion. Returns the number of bytes written,
 * or -1 when a write failed (errno says why).
 */
int fmt_vdprintf(int fd, const char *format, va_list ap)
	__attribute__((format(printf, 2, 0)));
int fmt_dprintf(int fd, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

/* All of p's n bytes to fd, as fmt_dprintf writes: 0, or -1 (errno). */
int fmt_write(int fd, const void *p, size_t n);

#endif
