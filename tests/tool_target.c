/*
 * tool_target.c: the target unit on the command line, for script tests
 * (t_target_oracle.sh) and for a look by hand.
 *
 *   tool_target [-x] target ARG      parse a -p TARGET, print the fields
 *   tool_target [-x] file PATH       read a --spec file, print the fields
 *   tool_target [-x] expand KEY gzip|plain EPOCH [JOB [EXEC [NODE]]]
 *   tool_target result json|yaml gzip|plain BUCKET KEY REGION ENDPOINT
 *               VERSION CHECKSUM CONTENT SIZE
 *   tool_target jsonlines            stdin: one hex-encoded document a
 *               line; stdout: "bad" or "ok TYPE" (+ " HEX" of the unescaped
 *               value when the document is a string)
 *
 * Fields print as name=value lines; with -x the values are in hex (exact
 * bytes whatever they hold). Errors: the message on stderr, exit status 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "target.h"

static int hex;

static void
put_value(const char *name, const char *v, size_t n)
{
	printf("%s=", name);
	if (hex)
		for (size_t k = 0; k < n; k++)
			printf("%02x", (unsigned char)v[k]);
	else
		fwrite(v, 1, n, stdout);
	putchar('\n');
}

static void
print_target(const target *t)
{
	put_value("bucket", t->bucket, strlen(t->bucket));
	put_value("key", t->key, strlen(t->key));
	put_value("endpoint", t->endpoint, strlen(t->endpoint));
	put_value("region", t->region, strlen(t->region));
	printf("encoding=%s\nset=%u\n", t->encoding == TARGET_PLAIN ? "plain" :
	    "gzip", t->set);
}

static int
unhex(const char *s, char *out, size_t cap, size_t *n)
{
	size_t len = strlen(s);
	if (len % 2 || len / 2 > cap)
		return -1;
	for (size_t k = 0; k < len / 2; k++) {
		unsigned v;
		if (sscanf(s + 2 * k, "%2x", &v) != 1)
			return -1;
		out[k] = (char)v;
	}
	*n = len / 2;
	return 0;
}

static int
jsonlines(void)
{
	static char line[1 << 17], doc[1 << 16], str[1 << 16];
	static const char *names[] = { "none", "object", "array", "string",
	    "number", "true", "false", "null" };

	while (fgets(line, sizeof line, stdin) != NULL) {
		size_t n;
		json_val v;
		line[strcspn(line, "\r\n")] = '\0';
		if (unhex(line, doc, sizeof doc, &n) < 0) {
			fprintf(stderr, "tool_target: bad hex line\n");
			return 1;
		}
		if (json_check(doc, n, NULL, NULL) < 0) {
			puts("bad");
			continue;
		}
		if (json_root(doc, n, &v) < 0) {
			puts("error: json_root refused a checked document");
			continue;
		}
		printf("ok %s", names[v.type]);
		if (v.type == JSON_STRING) {
			long len = json_string(&v, str, sizeof str, 1);
			putchar(' ');
			for (long k = 0; k < len; k++)
				printf("%02x", (unsigned char)str[k]);
			if (len < 0)
				printf("error");
		}
		putchar('\n');
		fflush(stdout);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	target t;
	s3p_err err;

	if (argc > 1 && strcmp(argv[1], "-x") == 0) {
		hex = 1;
		argv++;
		argc--;
	}
	if (argc < 2)
		goto usage;
	target_init(&t);
	err_clear(&err);
	if (strcmp(argv[1], "target") == 0 && argc == 3) {
		if (target_parse(argv[2], &t, &err) < 0)
			goto fail;
		print_target(&t);
		return 0;
	}
	if (strcmp(argv[1], "file") == 0 && argc == 3) {
		if (target_read_file(argv[2], &t, &err) < 0)
			goto fail;
		print_target(&t);
		return 0;
	}
	if (strcmp(argv[1], "expand") == 0 && argc >= 5 && argc <= 8) {
		target_ids ids = { argc > 6 ? argv[6] : NULL,
		    argc > 5 ? argv[5] : NULL, argc > 7 ? argv[7] : NULL };
		char out[TARGET_KEY_MAX + 1];
		if (target_expand_key(argv[2], strcmp(argv[3], "plain") == 0 ?
		    TARGET_PLAIN : TARGET_GZIP, &ids, (time_t)strtoll(argv[4], NULL,
		    10), out, sizeof out, &err) < 0)
			goto fail;
		put_value("key", out, strlen(out));
		return 0;
	}
	if (strcmp(argv[1], "result") == 0 && argc == 12) {
		target_result r = { NULL, argv[4], argv[5], argv[6], argv[7],
		    argv[8], argv[9], argv[10], strtoull(argv[11], NULL, 10),
		    strcmp(argv[3], "plain") == 0 ? TARGET_PLAIN : TARGET_GZIP,
		    NULL };
		static char out[TARGET_RESULT_MAX];
		int n = target_format_result(out, sizeof out, &r,
		    strcmp(argv[2], "yaml") == 0);
		return n < 0 || fwrite(out, 1, (size_t)n, stdout) != (size_t)n;
	}
	if (strcmp(argv[1], "jsonlines") == 0 && argc == 2)
		return jsonlines();
usage:
	fprintf(stderr, "usage: see the comment at the top of tests/tool_target.c\n");
	return 2;
fail:
	fprintf(stderr, "%s\n", err.msg);
	return 1;
}
