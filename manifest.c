/*
 * manifest.c: plain mode's manifest, generated line by line (manifest.h).
 */
#include <string.h>

#include "fmt.h"
#include "json.h"
#include "manifest.h"

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
	static const char hexd[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)f->path;
	size_t n = strlen(f->path), o = 0, k = 0;
	char tail[128];
	int t;

	/* room for the opening text, a 6-byte escape and the tail */
	if (outsz < 16 + sizeof tail)
		return 0;
	memcpy(out, "{\"path\":\"", 9);
	o = 9;
	while (k < n) {
		int len = json_utf8_seq(p + k, n - k);
		unsigned char c = p[k];
		const char *e = c == '"' ? "\\\"" : c == '\\' ? "\\\\" :
		    c == '\b' ? "\\b" : c == '\f' ? "\\f" : c == '\n' ? "\\n" :
		    c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;

		if (len == 0)
			return 0;
		if (o + 6 + sizeof tail > outsz)
			return 0;
		if (e != NULL) {
			memcpy(out + o, e, 2);
			o += 2;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(out + o, "\\u00", 4);
			out[o + 4] = hexd[c >> 4];
			out[o + 5] = hexd[c & 15];
			o += 6;
		} else {
			memcpy(out + o, p + k, (size_t)len);
			o += (size_t)len;
		}
		k += (size_t)len;
	}
	t = fmt_snprintf(tail, sizeof tail, "\",\"size\":%llu,\"mode\":\"%04o\","
	    "\"sha256\":\"", (unsigned long long)f->size, f->mode & 07777u);
	memcpy(out + o, tail, (size_t)t);
	o += (size_t)t;
	memcpy(out + o, f->sha256_hex, 64);
	memcpy(out + o + 64, "\"}", 2);
	return o + 66;
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
			return err_set(err, S3P_EINPUT, "'%s': cannot be listed in "
			    "the manifest (not UTF-8, or too long)", f.path);
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
manifest_read(void *ctx, uint64_t off, void *buf, size_t len, s3p_err *err)
{
	manifest *m = ctx;
	unsigned char *out = buf;

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
