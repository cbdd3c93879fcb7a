/* creds_io.c: environment, files and log of the credential units. */
#include "creds_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt.h"

const char *
creds_env(const char *name)
{
	const char *v = getenv(name);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

int
creds_read_file(const char *path, size_t max, char **out, size_t *len,
    const char *what, s3p_err *err)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	int fd;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			goto missing;
		goto fail_errno;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		goto missing;
	}
	buf = malloc(max + 1);
	if (buf == NULL) {
		err_set(err, S3P_EUSAGE, "%s: out of memory", path);
		goto fail;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail_errno;
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			err_set(err, S3P_EUSAGE, "%s: larger than %zu bytes", path, max);
			goto fail;
		}
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 1;
missing:
	if (what == NULL)
		return 0;
	return err_set(err, S3P_EUSAGE, "%s %s: no such file", what, path);
fail_errno:
	err_set(err, S3P_EUSAGE, "%s: %s", path, strerror(errno));
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return -1;
}

void
creds_log(creds_ctx *cx, const char *fmt, ...)
{
	char line[768];
	va_list ap;

	if (cx->log == NULL)
		return;
	/* every line starts so */
	memcpy(line, "credentials: ", 13);
	va_start(ap, fmt);
	fmt_vsnprintf(line + 13, sizeof line - 13, fmt, ap);
	va_end(ap);
	cx->log(cx->log_ctx, line);
}
