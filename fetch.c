/*
 * fetch.c: download and unpack (SPEC section 8). See fetch.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fetch.h"
#include "fmt.h"
#include "gunzip.h"
#include "sha256.h"
#include "untar.h"

typedef struct {
	sha256_ctx h;
	uint64_t n;
	int archive;
	const char *name;
	gunzip_ctx g;
	untar_ctx t;
	untar_x x;
	s3p_err inner;              /* what untar said inside gunzip's out() */
} state;

static state st;

int
fetch_is_archive(const char *name)
{
	size_t n = strlen(name);

	return (n >= 7 && strcasecmp(name + n - 7, ".tar.gz") == 0) ||
	    (n >= 4 && strcasecmp(name + n - 4, ".tgz") == 0);
}

static int
to_tar(void *ctx, const unsigned char *buf, size_t len)
{
	state *s = ctx;

	return untar_feed(&s->t, buf, len, &s->inner) < 0 ? -1 : 0;
}

static int
gz_error(state *s, int rc, s3p_err *err)
{
	if (s->inner.status != 0) {
		*err = s->inner;
		return -1;
	}
	return err_set(err, S3P_EINTEGRITY, "%s: %s", s->name, gunzip_strerror(rc));
}

/* The body as it arrives: hashed, then unpacked or written. */
static int
sink(void *ctx, const unsigned char *buf, size_t len, s3p_err *err)
{
	state *s = ctx;
	int rc;

	sha256_update(&s->h, buf, len);
	s->n += len;
	if (!s->archive)
		return untar_x_data(&s->x, buf, len, err);
	if ((rc = gunzip_feed(&s->g, buf, len)) < 0)
		return gz_error(s, rc, err);
	return 0;
}

static int
hex_eq(const char *a, const char *b)
{
	return strlen(a) == strlen(b) && strcasecmp(a, b) == 0;
}

/* The body's digest against what was expected. */
static int
verify(state *s, const fetch_opts *o, const s3_put_result *info,
    fetch_result *r, s3p_err *err)
{
	unsigned char d[SHA256_SIZE];

	sha256_final(&s->h, d);
	sha256_hex(d, r->content_sha256);
	s3_base64(d, sizeof d, r->checksum_sha256);
	fmt_snprintf(r->server_checksum, sizeof r->server_checksum, "%s",
	    info->checksum_sha256);
	if (o->checksum_b64 && strcmp(o->checksum_b64, r->checksum_sha256) != 0)
		return err_set(err, S3P_EINTEGRITY,
		    "%s: checksum mismatch: SHA-256 of the body is %s, --checksum-sha256 says %s",
		    s->name, r->checksum_sha256, o->checksum_b64);
	if (o->content_hex && !hex_eq(o->content_hex, r->content_sha256))
		return err_set(err, S3P_EINTEGRITY,
		    "%s: checksum mismatch: SHA-256 of the body is %s, --content-sha256 says %s",
		    s->name, r->content_sha256, o->content_hex);
	if (info->checksum_sha256[0] != '\0' && strchr(info->checksum_sha256, '-') == NULL &&
	    strcmp(info->checksum_sha256, r->checksum_sha256) != 0)
		return err_set(err, S3P_EINTEGRITY,
		    "%s: checksum mismatch: SHA-256 of the body is %s, the server's "
		    "x-amz-checksum-sha256 is %s", s->name, r->checksum_sha256,
		    info->checksum_sha256);
	return 0;
}

static const char *
base_name(const char *name)
{
	const char *b = strrchr(name, '/');

	return b ? b + 1 : name;
}

/* One object into the open extractor: as a file at `path`, or unpacked. */
static int
get_one(s3_client *s, const char *bucket, const char *key, const http_url *url,
    const char *url_name, const char *name, const char *path, int archive,
    const fetch_opts *o, fetch_result *r, s3p_err *err)
{
	static s3_put_result info;
	untar_sink ts;
	int rc;

	sha256_init(&st.h);
	st.n = 0;
	st.archive = archive;
	st.name = name;
	err_clear(&st.inner);
	if (archive) {
		untar_x_sink(&st.x, &ts);
		untar_init(&st.t, &ts);
		gunzip_init(&st.g, to_tar, &st);
	} else {
		untar_entry e;
		memset(&e, 0, sizeof e);
		e.type = UNTAR_FILE;
		e.path = path;
		e.linkpath = "";
		e.mode = 0644;
		e.mtime = -1;
		if (untar_x_entry(&st.x, &e, err) < 0)
			return -1;
	}
	if (s3_get(s, bucket, key, url, url_name, sink, &st, &info, err) < 0)
		return -1;
	r->bytes += st.n;
	r->objects++;
	if (archive) {
		if ((rc = gunzip_finish(&st.g)) < 0)
			return gz_error(&st, rc, err);
		if (untar_finish(&st.t, err) < 0)
			return -1;
		r->entries += untar_entries(&st.t);
	} else {
		if (untar_x_end(&st.x, err) < 0)
			return -1;
		r->entries++;
	}
	return verify(&st, o, &info, r, err);
}

int
fetch_object(s3_client *s, const char *bucket, const char *key,
    const http_url *url, const char *url_name, const char *name,
    const fetch_opts *o, fetch_result *r, s3p_err *err)
{
	const char *base = base_name(name);

	memset(r, 0, sizeof *r);
	r->archive = fetch_is_archive(name);
	if (!r->archive && (base[0] == '\0' || strcmp(base, ".") == 0 ||
	    strcmp(base, "..") == 0))
		return err_set(err, S3P_EUSAGE, "'%s': no file name at the end of it", name);
	if (untar_x_open(&st.x, o->dir, o->force, err) < 0)
		return -1;
	if (get_one(s, bucket, key, url, url_name, name, base, r->archive, o, r, err) < 0) {
		untar_x_abort(&st.x);
		return -1;
	}
	return untar_x_commit(&st.x, err);
}

typedef struct {
	FILE *f;
	unsigned long n;
} key_list;

static int
list_key(void *ctx, const char *key, uint64_t size, s3p_err *err)
{
	key_list *l = ctx;

	(void)size;
	if (fwrite(key, 1, strlen(key) + 1, l->f) != strlen(key) + 1)
		return err_set(err, S3P_EINPUT, "writing the key list: disk full?");
	l->n++;
	return 0;
}

int
fetch_prefix(s3_client *s, const char *bucket, const char *prefix,
    const fetch_opts *o, fetch_result *r, s3p_err *err)
{
	key_list l = { NULL, 0 };
	char *key = NULL;
	size_t cap = 0;
	size_t plen = strlen(prefix);
	int rc = -1;

	memset(r, 0, sizeof *r);
	if ((l.f = tmpfile()) == NULL)
		return err_set(err, S3P_EINPUT, "a temporary file for the key list: %s",
		    "cannot create");
	if (s3_list(s, bucket, prefix, list_key, &l, err) < 0)
		goto out;
	if (l.n == 0) {
		err_set(err, S3P_ESERVER, "s3://%s/%s: no object under this prefix",
		    bucket, prefix);
		goto out;
	}
	rewind(l.f);
	if (untar_x_open(&st.x, o->dir, o->force, err) < 0)
		goto out;
	while (getdelim(&key, &cap, '\0', l.f) > 0) {
		const char *rest = key + plen;
		char name[1200];
		size_t rl = strlen(rest);
		if (strncmp(key, prefix, plen) != 0 || rl == 0)
			continue;               /* the prefix's own marker */
		fmt_snprintf(name, sizeof name, "s3://%s/%s", bucket, key);
		if (rest[rl - 1] == '/') {
			/* a "folder" marker: an empty directory */
			untar_entry e;
			memset(&e, 0, sizeof e);
			e.type = UNTAR_DIR;
			e.path = rest;
			e.linkpath = "";
			e.mode = 0755;
			e.mtime = -1;
			if (untar_x_entry(&st.x, &e, err) < 0)
				goto abort;
			continue;
		}
		if (get_one(s, bucket, key, NULL, NULL, name, rest, 0, o, r, err) < 0)
			goto abort;
	}
	rc = untar_x_commit(&st.x, err);
	goto out;
abort:
	untar_x_abort(&st.x);
out:
	free(key);
	fclose(l.f);
	return rc;
}
