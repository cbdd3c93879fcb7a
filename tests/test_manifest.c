/*
 * test_manifest.c: the manifest generator and get's reader. Expected
 * lines are written out by hand from RFC 8259; every document is also
 * checked by json.c's parser; the reader reads the generator's documents
 * back (a round trip) and refuses hand-made malformed ones.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
		if (manifest_read(m, 0, off, doc + off, len, &err) < 0) {
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

/* ---- the reader ---- */

/* A sorted list (the walk's order) with sizes and modes that vary. */
static const char *const sorted[] = { "a/b.txt", "caf\xc3\xa9/\xe2\x82\xac",
    "ctl\x01\x1f\x7f\t\n", "q\"uo\\te", "z" };
static char hexes[5][65];

static int
sorted_entry(void *ctx, size_t i, manifest_file *f)
{
	(void)ctx;
	f->path = sorted[i];
	f->size = i * 1000;
	f->mode = i % 2 ? 0755 : 0600;
	for (int k = 0; k < 64; k++)
		hexes[i][k] = "0123456789abcdef"[(i * 7 + (size_t)k) % 16];
	f->sha256_hex = hexes[i];
	return 1;
}

/* doc in a temporary file (unlinked), as get keeps it */
static int
doc_file(const char *doc, size_t len)
{
	char path[] = "/tmp/test_manifest-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	unlink(path);
	if (write(fd, doc, len) != (ssize_t)len) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Runs the cursor over doc to its end: the number of file lines read, or
 * -1 (err holds why). *matched counts lines that matched (size, hex given).
 */
static long
read_doc(const char *doc, uint64_t size, const char *hex, int *matched,
    s3p_err *err)
{
	static manifest_cursor c;
	long lines = 0;
	int rc, fd = doc_file(doc, strlen(doc));

	err_clear(err);
	*matched = 0;
	if (fd < 0)
		return -2;
	manifest_cursor_init(&c, fd);
	while ((rc = manifest_next(&c, "m.json", err)) == 1) {
		lines++;
		*matched += manifest_matches(&c, size, hex);
	}
	close(fd);
	return rc < 0 ? -1 : lines;
}

/* A document of the header, the given lines (a comma after each but the
 * last) and the trailer. */
static char *
doc_of(const char *const *lines, size_t n)
{
	static char doc[32768];
	size_t o = (size_t)snprintf(doc, sizeof doc, "{\"s3pubManifest\":1,\"files\":[\n");

	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(doc + o, sizeof doc - o, "%s%s\n", lines[i],
		    i + 1 < n ? "," : "");
	snprintf(doc + o, sizeof doc - o, "]}\n");
	return doc;
}

/* The generator's line for path (size 5, mode 0644, digest). */
static const char *
line_of(const char *path)
{
	static char out[4][8192];
	static int k;
	manifest_file f = { path, 5, 0644, digest };
	char *o = out[k++ % 4];

	o[manifest_line(o, 8192, &f)] = '\0';
	return o;
}

/* doc is refused with a message holding `why` (and the line number). */
static void
refused(const char *doc, const char *why, const char *name)
{
	s3p_err err;
	int m;
	long rc = read_doc(doc, 5, digest, &m, &err);

	t_ok(rc == -1 && err.status == S3P_EINTEGRITY && strstr(err.msg, why) != NULL &&
	    strncmp(err.msg, "m.json: line ", 13) == 0, "reader: %s refused (%ld: %s)",
	    name, rc, err.msg);
}

/* doc's one file line is read but never matches */
static void
no_match(const char *line, const char *name)
{
	const char *one[1] = { line };
	s3p_err err;
	int m;
	long rc = read_doc(doc_of(one, 1), 5, digest, &m, &err);

	t_ok(rc == 1 && m == 0, "reader: %s never matches (%ld, %d: %s)", name,
	    rc, m, err.msg);
}

static void
test_reader(void)
{
	static manifest_cursor c;
	manifest m;
	uint64_t size;
	s3p_err err;
	char *doc, *p;
	const char *lines[3];
	int fd, ok = 1, matched;
	size_t i;

	/* the round trip: manifest_read's output, file by file */
	manifest_init(&m, sorted_entry, NULL, 5);
	doc = read_all(&m, 100, &size);
	fd = doc != NULL ? doc_file(doc, (size_t)size) : -1;
	manifest_cursor_init(&c, fd);
	for (i = 0; ok && i < 5; i++) {
		ok = manifest_next(&c, "m", &err) == 1 && strcmp(c.path, sorted[i]) == 0 &&
		    c.mode == (i % 2 ? 0755u : 0600u) &&
		    manifest_matches(&c, i * 1000, hexes[i]) &&
		    !manifest_matches(&c, i * 1000 + 1, hexes[i]) &&
		    !manifest_matches(&c, i * 1000, digest);
	}
	t_ok(ok && i == 5, "reader: manifest_read's document read back: paths, "
	    "modes, each matching only its size and SHA-256 (file %zu)", i);
	t_ok(manifest_next(&c, "m", &err) == 0, "reader: then the end");
	close(fd);
	free(doc);
	t_ok(read_doc("{\"s3pubManifest\":1,\"files\":[\n]}\n", 0, digest,
	    &matched, &err) == 0, "reader: no files");

	/* malformed documents */
	refused("", "cut short", "an empty document");
	refused("{\"s3pubManifest\":2,\"files\":[\n]}\n", "version 1",
	    "version 2");
	refused("{\"s3pubManifest\": 1,\"files\":[\n]}\n", "version 1",
	    "another layout of the header");
	refused("{\"s3pubManifest\":1,\"files\":[\n]}", "cut short",
	    "no newline at the end");
	refused("{\"s3pubManifest\":1,\"files\":[\n]}\n\n", "more after the end",
	    "a newline after the end");
	lines[0] = line_of("a");
	doc = doc_of(lines, 1);
	doc[strlen(doc) - 4] = '\0';
	refused(doc, "cut short", "a document cut after a file line");
	p = doc_of(lines, 1);
	memmove(p + strlen(p) - 4, ",\n]}\n", 6);
	refused(p, "misplaced comma", "a comma after the last line");
	lines[1] = line_of("b");
	/* the comma after the first line removed */
	doc = doc_of(lines, 2);
	p = strstr(doc, "\"},\n");
	memmove(p + 2, p + 3, strlen(p + 3) + 1);
	refused(doc, "misplaced comma", "two lines without a comma");
	lines[0] = line_of("a");
	lines[1] = line_of("a");
	refused(doc_of(lines, 2), "out of order or twice", "a path listed twice");
	lines[0] = line_of("b");
	lines[1] = line_of("a");
	refused(doc_of(lines, 2), "out of order or twice", "paths out of order");
	lines[0] = line_of("a/b");
	lines[1] = line_of("a/b/");
	refused(doc_of(lines, 2), "not relative and normalized", "a trailing '/'");
	{
		static const char *const bad[] = { "../x", "a/../../x", "/etc/passwd",
		    "a//b", "./a", "a/.", "..", "." };
		for (i = 0; i < sizeof bad / sizeof *bad; i++) {
			lines[0] = line_of(bad[i]);
			refused(doc_of(lines, 1), "not relative and normalized", bad[i]);
		}
	}
	lines[0] = "{\"path\":\"a\"}";
	refused(doc_of(lines, 1), "not a file line", "a line without the other members");
	lines[0] = line_of("a");
	p = (char *)strstr(lines[0], "\"size\"");
	p[1] = 'S';
	refused(doc_of(lines, 1), "not a file line", "\"Size\" for \"size\"");
	lines[0] = "{\"path\":\"a\\u0000b\",\"size\":5,\"mode\":\"0644\",\"sha256\":"
	    "\"ab010000000000000000000000000000000000000000000000000000000000000\"}";
	refused(doc_of(lines, 1), "not a file line", "a path with \\u0000");
	{
		static char longline[7000];
		memset(longline, 'x', sizeof longline - 1);
		lines[0] = longline;
		refused(doc_of(lines, 1), "line too long", "a 7,000-byte line");
	}

	/* lines whose path is read but that no file matches */
	lines[0] = line_of("ab");
	t_ok(read_doc(doc_of(lines, 1), 5, digest, &matched, &err) == 1 &&
	    matched == 1, "reader: (the unchanged line matches: %s)", err.msg);
	{
		static const char *const alt[][2] = {
			{ "\"size\":5", "\"size\":05" },
			{ "\"size\":5", "\"size\":5.0" },
			{ "\"mode\":\"0644\"", "\"mode\":\"644\"" },
			{ "\"mode\":\"0644\"", "\"mode\":\"06x4\"" },
			{ "\"sha256\":\"ab01", "\"sha256\":\"AB01" },
			{ "\"path\":\"ab\"", "\"path\":\"\\u0061b\"" },
			{ "\"}", "\",\"x\":1}" },
			{ ",\"mode\"", " ,\"mode\"" },
		};
		for (i = 0; i < sizeof alt / sizeof *alt; i++) {
			static char line[400];
			const char *at = strstr(lines[0], alt[i][0]);
			size_t pre = (size_t)(at - lines[0]);
			snprintf(line, sizeof line, "%.*s%s%s", (int)pre, lines[0],
			    alt[i][1], at + strlen(alt[i][0]));
			no_match(line, alt[i][1]);
		}
	}
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
	t_ok(manifest_read(&m, 0, 3, buf, 10, &err) == 0 && doc != NULL &&
	    memcmp(buf, doc + 3, 10) == 0, "a backward read regenerates");
	t_ok(manifest_read(&m, 0, size - 2, buf, 3, &err) < 0 && err.status == S3P_EINPUT,
	    "a read past the end fails");
	free(doc);
	free(doc2);

	l.n = 1;                /* only a directory: an empty list */
	manifest_init(&m, list_entry, &l, l.n);
	doc = read_all(&m, 7, &size);
	t_streq(doc, "{\"s3pubManifest\":1,\"files\":[\n]}\n", "no files");
	free(doc);
	test_reader();
	return t_done();
}
