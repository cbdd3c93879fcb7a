/* creds_proc.c: credential_process. See creds_proc.h. */
#include "creds_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "creds_io.h"
#include "creds_parse.h"

#define PROCESS_MAX   (64u << 10)   /* its stdout */

extern char **environ;

int
creds_process(creds_ctx *cx, const char *cmd, const char *what, creds *c,
    s3p_err *err)
{
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	char *out;
	size_t n = 0;
	int p[2], st, too_big = 0, rc;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set(err, S3P_EUSAGE, "%s: pipe: %s", what, strerror(errno));
	out = malloc(PROCESS_MAX + 1);
	if (out == NULL) {
		close(p[0]);
		close(p[1]);
		return err_set(err, S3P_EUSAGE, "%s: out of memory", what);
	}
	creds_log(cx, "running the credential_process of %s", what);
	/*
	 * _Fork, not posix_spawn: musl's spawn file actions allocate with
	 * libc's internal allocator and would bring it into the binary beside
	 * alloc.c. Not fork either: its at-fork handling (libc's locks, kept
	 * usable in the child) serves a child that goes on running libc, and
	 * brings 1.4 KB into the binary; this child only calls
	 * async-signal-safe functions (open, dup2, execve, _exit), as a child
	 * of a threaded process must; 127 is the shell's "could not run"
	 * status.
	 */
	pid = _Fork();
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (nul >= 0 && dup2(nul, 0) == 0 && dup2(p[1], 1) == 1)
			execve("/bin/sh", argv, environ);
		_exit(127);
	}
	rc = errno;
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		free(out);
		return err_set(err, S3P_EUSAGE, "%s: cannot run /bin/sh: %s", what,
		    strerror(rc));
	}
	for (;;) {
		ssize_t r = read(p[0], out + n, PROCESS_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n > PROCESS_MAX) {
			too_big = 1;    /* closing the pipe stops a runaway writer */
			break;
		}
	}
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	out[n > PROCESS_MAX ? PROCESS_MAX : n] = '\0';
	if (too_big)
		rc = err_set(err, S3P_EUSAGE, "%s: %s wrote more than %u bytes",
		    what, "credential_process", PROCESS_MAX);
	else if (WIFSIGNALED(st))
		rc = err_set(err, S3P_EUSAGE, "%s: %s killed by signal %d", what,
		    "credential_process", WTERMSIG(st));
	else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		rc = err_set(err, S3P_EUSAGE, "%s: %s exited with status %d%s",
		    what, "credential_process", WEXITSTATUS(st),
		    WEXITSTATUS(st) == 127 ?
		    " (command not found, or no /bin/sh)" : "");
	else
		rc = creds_parse_json(out, n, CREDS_JSON_PROCESS, what, c, err);
	free(out);
	return rc;
}
