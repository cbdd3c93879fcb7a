/*
 * manifest.c: plain mode's manifest, generated line by line (manifest.h).
 */
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "json.h"
#include "manifest.h"
#include "text.h"

static const char header[] = "{\"s3pubManifest\":1,\"files\":[";
static const char trailer[] = "\n]}\n";

void
manifest_init(manifest *m, manifest_entry_fn entry, void *ctx, size_t count)
{
	memset(m, 0, sizeof *m);
	m->entry = entry;
	m->ctx = ctx;
	m->count = count;
}

size_t
manifest_line(char *out, size_t outsz, const manifest_file *f)
{
	/* the two-byte escapes: the byte, then the letter after '\' */
	static const char esc[] = "\"\\\b\f\n\r\t", letter[] = "\"\\bfnrt";
	const unsigned char *p = (const unsigned char *)f->path;
	size_t n = strlen(f->path), o = 9, k = 0;
	/* the tail after the path takes at most 120 bytes */
	enum { TAIL = 128 };

	if (outsz < 16 + TAIL)
		return 0;
	memcpy(out, "{\"path\":\"", 9);
	while (k < n) {
		int len = json_utf8_seq(p + k, n - k);
		const char *e = strchr(esc, p[k]);      /* p[k] is not NUL */

		if (len == 0 || o + 6 + TAIL > outsz)
			return 0;
		if (e != NULL) {
			out[o++] = '\\';
			out[o++] = letter[e - esc];
		} else if (p[k] < 0x20 || p[k] == 0x7f) {
			o += (size_t)fmt_snprintf(out + o, 7, "\\u%04x", p[k]);
		} else {
			memcpy(out + o, p + k, (size_t)len);
			o += (size_t)len;
		}
		k += (size_t)len;
	}
	return o + (size_t)fmt_snprintf(out + o, TAIL, "\",\"size\":%llu,\"mode\":"
	    "\"%04o\",\"sha256\":\"%.64s\"}", (unsigned long long)f->size,
	    f->mode & 07777u, f->sha256_hex);
}

/* Makes the next chunk m->line; 0 when it was the last one already. */
static int
next_chunk(manifest *m, s3p_err *err)
{
	manifest_file f;
	size_t c = m->chunk, n;

	m->line_off += m->line_len;
	m->line_len = 0;
	if (c > m->count + 1)
		return 0;
	m->chunk++;
	if (c == 0) {
		memcpy(m->line, header, sizeof header - 1);
		m->line_len = sizeof header - 1;
	} else if (c == m->count + 1) {
		memcpy(m->line, trailer, sizeof trailer - 1);
		m->line_len = sizeof trailer - 1;
	} else if (m->entry(m->ctx, c - 1, &f)) {
		/* the separator before each line: ",\n", "\n" for the first */
		size_t sep = m->listed ? 2 : 1;
		memcpy(m->line, &",\n"[2 - sep], sep);
		n = manifest_line(m->line + sep, sizeof m->line - sep, &f);
		if (n == 0)
			return err_set(err, S3P_EINPUT, "'%s': not UTF-8, or too "
			    "long for the manifest", f.path);
		m->line_len = sep + n;
		m->listed = 1;
	}
	return 1;
}

static void
rewind_doc(manifest *m)
{
	m->chunk = 0;
	m->listed = 0;
	m->line_off = 0;
	m->line_len = 0;
}

int
manifest_read(void *ctx, unsigned sender, uint64_t off, void *buf, size_t len,
    s3p_err *err)
{
	manifest *m = ctx;
	unsigned char *out = buf;

	(void)sender;   /* (one reader: a read before the last one regenerates) */
	if (off < m->line_off)
		rewind_doc(m);
	while (len > 0) {
		if (off < m->line_off + m->line_len) {
			size_t at = (size_t)(off - m->line_off);
			size_t take = m->line_len - at < len ? m->line_len - at : len;
			memcpy(out, m->line + at, take);
			out += take;
			off += take;
			len -= take;
			continue;
		}
		int rc = next_chunk(m, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return err_set(err, S3P_EINPUT, "manifest read past its end");
	}
	return 0;
}

int
manifest_measure(manifest *m, uint64_t *size, unsigned char sha[SHA256_SIZE],
    s3p_err *err)
{
	sha256_ctx h;
	int rc;

	sha256_init(&h);
	rewind_doc(m);
	while ((rc = next_chunk(m, err)) > 0)
		sha256_update(&h, m->line, m->line_len);
	if (rc < 0)
		return -1;
	*size = m->line_off;
	sha256_final(&h, sha);
	rewind_doc(m);
	return 0;
}

/* ---- the reader ---- */

void
manifest_cursor_init(manifest_cursor *c, int fd)
{
	memset(c, 0, sizeof *c);
	c->fd = fd;
}

/* A path fit to be joined to DIR: see manifest_cursor. */
static int
path_ok(const char *s)
{
	for (;;) {
		size_t n = (size_t)(strchrnul(s, '/') - s);
		if (n == 0 || (s[0] == '.' && (n == 1 || (n == 2 && s[1] == '.'))))
			return 0;
		if (s[n] == '\0')
			return 1;
		s += n + 1;
	}
}

/* The next line into c->line (NUL for its newline): NULL, or why not. */
static const char *
next_line(manifest_cursor *c)
{
	ssize_t n = pread(c->fd, c->line, sizeof c->line - 1, (off_t)c->off);
	char *nl = n > 0 ? memchr(c->line, '\n', (size_t)n) : NULL;

	c->line_no++;
	if (nl == NULL)
		return n == (ssize_t)sizeof c->line - 1 ? "line too long" :
		    "cut short";
	*nl = '\0';
	c->len = (size_t)(nl - c->line);
	c->off += c->len + 1;
	return NULL;
}

/* The line's path (see manifest.h) into c->path: NULL, or why not. */
static const char *
file_line(manifest_cursor *c)
{
	const char *end = text_find(c->line, c->len, "\",\"size\":");
	json_val v = { JSON_STRING, c->line + 8, 0 };

	if (c->len < 111 || end == NULL || end < v.p ||
	    (v.len = (size_t)(end - v.p) + 1,
	    json_string(&v, c->path, sizeof c->path, 0) < 0))
		return "not a file line";
	if (!path_ok(c->path))
		return "path not relative and normalized";
	if (c->line_no > 2 && strcmp(c->prev, c->path) >= 0)
		return "path out of order or twice";
	strcpy(c->prev, c->path);
	c->mode = 0;
	for (int i = 0; i < 4; i++)
		c->mode = c->mode << 3 | (unsigned)(c->line[c->len - 82 + i] - '0');
	c->mode &= 07777;
	return NULL;
}

int
manifest_next(manifest_cursor *c, const char *name, s3p_err *err)
{
	const char *why;
	char b;

	why = NULL;
	if (c->line_no == 0 && (why = next_line(c)) == NULL &&
	    strcmp(c->line, header) != 0)
		why = "not an s3pub manifest, version 1";
	if (why == NULL && (why = next_line(c)) == NULL) {
		if (strcmp(c->line, "]}") == 0) {
			why = c->comma ? "misplaced comma" :
			    pread(c->fd, &b, 1, (off_t)c->off) != 0 ?
			    "more after the end" : NULL;
			if (why == NULL)
				return 0;
		} else if (c->line_no > 2 && !c->comma) {
			why = "misplaced comma";
		} else {
			c->comma = c->len > 0 && c->line[c->len - 1] == ',';
			c->len -= (size_t)c->comma;
			c->line[c->len] = '\0';
			if ((why = file_line(c)) == NULL)
				return 1;
		}
	}
	return err_set(err, S3P_EINTEGRITY, "%s: line %lu: %s", name,
	    c->line_no, why);
}

int
manifest_matches(const manifest_cursor *c, uint64_t size,
    const char *sha256_hex)
{
	char again[sizeof c->line];
	manifest_file f = { c->path, size, c->mode, sha256_hex };

	return manifest_line(again, sizeof again, &f) == c->len &&
	    memcmp(again, c->line, c->len) == 0;
}
