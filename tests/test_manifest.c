/*
 * test_manifest.c: the manifest generator. Expected lines are written out
 * by hand from RFC 8259; every document is also checked by json.c's
 * parser, and tests/t_manifest.sh checks tool_manifest's output with
 * python3's json module as an independent oracle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "manifest.h"
#include "unit.h"

static const char digest[] =
    "ab01000000000000000000000000000000000000000000000000000000000000";

typedef struct {
	const char *const *paths;
	size_t n;
} list;

static int
list_entry(void *ctx, size_t i, manifest_file *f)
{
	const list *l = ctx;

	if (l->paths[i][0] == '\0' || l->paths[i][strlen(l->paths[i]) - 1] == '/')
		return 0;               /* a directory: not listed */
	f->path = l->paths[i];
	f->size = 1000 + i;
	f->mode = 0644;
	f->sha256_hex = digest;
	return 1;
}

static void
line_is(const char *path, const char *want_path)
{
	char out[8192], want[512];
	manifest_file f = { path, 7, 0755, digest };
	size_t n = manifest_line(out, sizeof out, &f);

	snprintf(want, sizeof want, "{\"path\":\"%s\",\"size\":7,\"mode\":\"0755\","
	    "\"sha256\":\"ab01%060d\"}", want_path, 0);
	out[n] = '\0';
	t_streq(out, want, want_path);
}

/* The whole document through reads of `step` bytes, and its measure. */
static char *
read_all(manifest *m, size_t step, uint64_t *size)
{
	unsigned char sha[SHA256_SIZE], sha2[SHA256_SIZE];
	sha256_ctx h;
	s3p_err err;
	char *doc;

	if (manifest_measure(m, size, sha, &err) < 0 || (doc = malloc(*size + 1)) == NULL)
		return NULL;
	for (uint64_t off = 0; off < *size; off += step) {
		size_t len = *size - off < step ? (size_t)(*size - off) : step;
		if (manifest_read(m, off, doc + off, len, &err) < 0) {
			free(doc);
			return NULL;
		}
	}
	doc[*size] = '\0';
	sha256_init(&h);
	sha256_update(&h, doc, (size_t)*size);
	sha256_final(&h, sha2);
	t_ok(memcmp(sha, sha2, sizeof sha) == 0, "measured SHA-256 = read bytes' (step %zu)", step);
	return doc;
}

int
main(void)
{
	static const char *const paths[] = { "a/", "a/b.txt", "q\"uo\\te",
	    "ctl\x01\x1f\x7f\t\n", "caf\xc3\xa9/\xe2\x82\xac\xf0\x9f\x98\x80" };
	list l = { paths, 5 };
	manifest m;
	uint64_t size, size2;
	char *doc, *doc2;
	size_t off;
	const char *why;
	char buf[8192], big[1100];
	manifest_file f = { big, 1, 0644, digest };
	s3p_err err;

	line_is("a/b.txt", "a/b.txt");
	line_is("q\"uo\\te", "q\\\"uo\\\\te");
	line_is("c\x01\x1f\x7f\b\f\r\t\n", "c\\u0001\\u001f\\u007f\\b\\f\\r\\t\\n");
	line_is("caf\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "caf\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	f.path = "bad\xc3(";
	t_ok(manifest_line(buf, sizeof buf, &f) == 0, "invalid UTF-8 is refused");
	f.path = "over\xed\xa0\x80";
	t_ok(manifest_line(buf, sizeof buf, &f) == 0, "a surrogate is refused");
	memset(big, 1, sizeof big - 1);
	big[sizeof big - 1] = '\0';
	f.path = big;
	t_ok(manifest_line(buf, sizeof buf, &f) == 6 * 1099 + 110, "1099 control bytes fit escaped");
	t_ok(manifest_line(buf, 200, &f) == 0, "a line over the buffer is refused");

	manifest_init(&m, list_entry, &l, l.n);
	doc = read_all(&m, 1, &size);
	doc2 = read_all(&m, 4096, &size2);
	t_ok(doc != NULL && doc2 != NULL && size == size2 && strcmp(doc, doc2) == 0,
	    "byte-by-byte reads = large reads");
	t_ok(doc != NULL && json_check(doc, (size_t)size, &off, &why) == 0,
	    "the document is valid JSON");
	t_ok(doc != NULL && strncmp(doc, "{\"s3pubManifest\":1,\"files\":[\n"
	    "{\"path\":\"a/b.txt\",\"size\":1001,", 59) == 0, "header and first file");
	t_ok(doc != NULL && strstr(doc, "\"a/\"") == NULL, "directories are not listed");
	t_ok(doc != NULL && size > 4 && strcmp(doc + size - 4, "\n]}\n") == 0, "trailer");
	/* a read before the last one regenerates from the start */
	t_ok(manifest_read(&m, 3, buf, 10, &err) == 0 && doc != NULL &&
	    memcmp(buf, doc + 3, 10) == 0, "a backward read regenerates");
	t_ok(manifest_read(&m, size - 2, buf, 3, &err) < 0 && err.status == S3P_EINPUT,
	    "a read past the end fails");
	free(doc);
	free(doc2);

	l.n = 1;                /* only a directory: an empty list */
	manifest_init(&m, list_entry, &l, l.n);
	doc = read_all(&m, 7, &size);
	t_streq(doc, "{\"s3pubManifest\":1,\"files\":[\n]}\n", "no files");
	free(doc);
	return t_done();
}
