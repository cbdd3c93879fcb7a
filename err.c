/* err.c: see err.h. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fmt.h"

int
err_set(s3p_err *e, int status, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->status = status;
	va_start(ap, fmt);
	fmt_vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	/* one line on stderr, whatever a file name or server message held */
	for (char *p = e->msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return -1;
}

void
err_clear(s3p_err *e)
{
	if (e == NULL)
		return;
	e->status = 0;
	e->msg[0] = '\0';
}
