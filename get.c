/*
 * get.c: download and unpack (SPEC section 8). See get.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "get.h"
#include "fmt.h"
#include "gunzip.h"
#include "manifest.h"
#include "sha256.h"
#include "text.h"
#include "untar.h"

/* err_set(), then -1 not as a tail call: one epilogue (see s3.c) */
#define ERR(...) (err_set(__VA_ARGS__), -1)

typedef struct {
	sha256_ctx h;
	uint64_t n;
	int archive;
	const char *name;
	gunzip_ctx g;
	untar_ctx t;
	untar_x x;
	s3p_err inner;              /* what untar said inside gunzip's out() */
	unsigned mode;              /* of a file saved from one object */
	/* the download's, for get_one() */
	s3_client *s3;
	const char *bucket;
	const get_opts *o;
	get_result *r;
} state;

static state st;

int
get_is_archive(const char *name)
{
	size_t n = strlen(name);

	return (n >= 7 && strcasecmp(name + n - 7, ".tar.gz") == 0) ||
	    (n >= 4 && strcasecmp(name + n - 4, ".tgz") == 0);
}

static int
to_tar(void *ctx, const unsigned char *buf, size_t len)
{
	state *s = ctx;

	return untar_feed(&s->t, buf, len, &s->inner);  /* 0 or -1 */
}

static int
gz_error(state *s, int rc, s3p_err *err)
{
	if (s->inner.status != 0) {
		*err = s->inner;
		return -1;
	}
	return ERR(err, S3P_EINTEGRITY, "%s: %s", s->name, gunzip_strerror(rc));
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

/* The three checksum checks' one message. */
static int
mismatch(const state *s, const char *got, const char *who, const char *want,
    s3p_err *err)
{
	return ERR(err, S3P_EINTEGRITY,
	    "%s: checksum mismatch: SHA-256 of the body is %s, %s %s",
	    s->name, got, who, want);
}

/* The body's digest against what was expected. */
static int
verify(state *s, const get_opts *o, const s3_put_result *info,
    get_result *r, s3p_err *err)
{
	unsigned char d[SHA256_SIZE];

	sha256_final(&s->h, d);
	sha256_hex(d, r->content_sha256);
	text_base64(d, sizeof d, r->checksum_sha256);
	memcpy(r->server_checksum, info->checksum_sha256,
	    sizeof r->server_checksum);
	if (o->checksum_b64 && strcmp(o->checksum_b64, r->checksum_sha256) != 0)
		return mismatch(s, r->checksum_sha256, "--checksum-sha256 says",
		    o->checksum_b64, err);
	if (o->content_hex && strcasecmp(o->content_hex, r->content_sha256) != 0)
		return mismatch(s, r->content_sha256, "--content-sha256 says",
		    o->content_hex, err);
	if (info->checksum_sha256[0] != '\0' && strchr(info->checksum_sha256, '-') == NULL &&
	    strcmp(info->checksum_sha256, r->checksum_sha256) != 0)
		return mismatch(s, r->checksum_sha256,
		    "the server's x-amz-checksum-sha256 is", info->checksum_sha256,
		    err);
	return 0;
}

/*
 * An entry of our own (no archive): a file, or a "folder" marker's
 * directory. Not inlined: two callers.
 */
static __attribute__((noinline)) int
x_entry(int type, const char *path, unsigned mode, s3p_err *err)
{
	untar_entry e = {
		.type = type, .path = path, .linkpath = "", .mode = mode,
		.mtime = INT64_MIN
	};

	return untar_x_entry(&st.x, &e, err);
}

/*
 * One object of st.bucket into the open extractor: as a file at `path`, or
 * unpacked when path is NULL.
 */
static int
get_one(const char *key, const http_url *url, const char *url_name,
    const char *name, const char *path, s3p_err *err)
{
	static s3_put_result info;
	get_result *r = st.r;
	untar_sink ts;
	int rc;

	sha256_init(&st.h);
	st.n = 0;
	st.archive = path == NULL;
	st.name = name;
	err_clear(&st.inner);
	if (st.archive) {
		untar_x_sink(&st.x, &ts);
		untar_init(&st.t, &ts);
		gunzip_init(&st.g, to_tar, &st);
	} else if (x_entry(UNTAR_FILE, path, st.mode, err) < 0)
		return -1;
	if (s3_get_version(st.s3, st.bucket, key, st.o->version_id, url,
	    url_name, sink, &st, &info, err) < 0)
		return -1;
	r->bytes += st.n;
	r->objects++;
	if (st.archive) {
		if ((rc = gunzip_finish(&st.g)) < 0)
			return gz_error(&st, rc, err);
		if (untar_finish(&st.t, err) < 0)
			return -1;
		r->entries += untar_entries(&st.t);
	} else {
		/* the object's time, as aws s3 cp gives it: the same file
		 * when it is got again (untar.c: same_entry) */
		if (info.last_modified != 0)
			untar_x_set_mtime(&st.x, info.last_modified);
		if (untar_x_end(&st.x, err) < 0)
			return -1;
		r->entries++;
	}
	return verify(&st, st.o, &info, r, err);
}

/* Sets up a download into o->dir; r is cleared. */
static void
start(s3_client *s, const char *bucket, const get_opts *o, get_result *r)
{
	memset(r, 0, sizeof *r);
	st.mode = 0644;
	st.s3 = s;
	st.bucket = bucket;
	st.o = o;
	st.r = r;
}

int
get_object(s3_client *s, const char *bucket, const char *key,
    const http_url *url, const char *url_name, const char *name,
    const get_opts *o, get_result *r, s3p_err *err)
{
	const char *base = name;

	for (const char *p = name; *p != '\0'; p++)
		if (*p == '/')
			base = p + 1;
	if (o->manifest_hex)
		return ERR(err, S3P_EUSAGE, "a manifest is a prefix's (KEY/)");
	start(s, bucket, o, r);
	r->archive = get_is_archive(name);
	/* "", "." and ".." name no file */
	if (!r->archive && (base[0] == '\0' || (base[0] == '.' &&
	    (base[1] == '\0' || (base[1] == '.' && base[2] == '\0')))))
		return ERR(err, S3P_EUSAGE, "'%s': no file name at the end of it", name);
	if (untar_x_open(&st.x, o->dir, o->force, err) < 0)
		return -1;
	if (get_one(key, url, url_name, name, r->archive ? NULL : base, err) < 0) {
		untar_x_abort(&st.x);
		return -1;
	}
	return untar_x_commit(&st.x, err);
}

/*
 * The key list: keys NUL-terminated in an unlinked file. Plain fd I/O:
 * tmpfile, getdelim and rewind would bring 1.5 KB of stdio for one list.
 */
typedef struct {
	int fd;
	unsigned long n;
} key_list;

/* n bytes to the temporary file fd: the key list's, the manifest's */
static int
to_file(int fd, const void *buf, size_t n, s3p_err *err)
{
	if (write(fd, buf, n) != (ssize_t)n)
		return ERR(err, S3P_EINPUT, "writing a temporary file: disk full?");
	return 0;
}

static int
list_key(void *ctx, const char *key, uint64_t size, const char *etag,
    s3p_err *err)
{
	key_list *l = ctx;

	(void)size;
	(void)etag;
	l->n++;
	return to_file(l->fd, key, strlen(key) + 1, err);
}

/* A plain prefix's manifest (get.h): hashed into a file as it arrives. */
static manifest_cursor man;

static int
manifest_sink(void *ctx, const unsigned char *buf, size_t len, s3p_err *err)
{
	(void)ctx;
	sha256_update(&st.h, buf, len);
	return to_file(man.fd, buf, len, err);
}

/*
 * Fetches the manifest of prefix (plen bytes, ending in '/') into the
 * file man.fd and checks its SHA-256: 1 fetched, 0 none (NoSuchKey, and
 * none expected: with a hash, NoSuchKey is the error), -1 with err set.
 * `name` gets its s3:// name.
 */
static int
get_manifest(const char *prefix, size_t plen, char *name, s3p_err *err)
{
	const char *want = st.o->manifest_hex;
	char key[1200], got[65];
	unsigned char d[SHA256_SIZE];

	fmt_snprintf(key, 1200, "%.*s" MANIFEST_SUFFIX, (int)plen - 1, prefix);
	fmt_snprintf(name, 1200, "s3://%s/%s", st.bucket, key);
	st.name = name;
	sha256_init(&st.h);
	if (s3_get(st.s3, st.bucket, key, NULL, NULL, manifest_sink, NULL,
	    NULL, err) < 0)
		return !want && text_str(err->msg, "NoSuchKey") ? 0 : -1;
	sha256_final(&st.h, d);
	sha256_hex(d, got);
	if (want && strcasecmp(want, got) != 0)
		return mismatch(&st, got, "ManifestSHA256 is", want, err);
	return 1;
}

int
get_prefix(s3_client *s, const char *bucket, const char *prefix,
    const get_opts *o, get_result *r, s3p_err *err)
{
	key_list l = { -1, 0 };
	/* s3_list's keys are under 1,100 bytes */
	char key[1200], name[1200];
	size_t plen = strlen(prefix);
	off_t off = 0;
	/* the manifest's name, then its next file line's (1), or 0 */
	char mname[1200];
	int more = 0, have;
	ssize_t n;
	int rc = -1;

	start(s, bucket, o, r);
	man.fd = -1;
	if (untar_x_open(&st.x, o->dir, o->force, err) < 0)
		goto out;
	manifest_cursor_init(&man, untar_x_tmpfile(&st.x));
	if ((l.fd = untar_x_tmpfile(&st.x)) < 0 || man.fd < 0) {
		err_set(err, S3P_EINPUT, "a temporary file in '%s': %s", o->dir,
		    strerror(errno));
		goto abort;
	}
	if (s3_list(s, bucket, prefix, list_key, &l, err) < 0 ||
	    (have = get_manifest(prefix, plen, mname, err)) < 0 ||
	    (have && (more = manifest_next(&man, mname, err)) < 0))
		goto abort;
	if (l.n == 0 && !have) {
		err_set(err, S3P_ESERVER, "s3://%s/%s: no object under this prefix",
		    bucket, prefix);
		goto abort;
	}
	while ((n = pread(l.fd, key, sizeof key, off)) > 0) {
		size_t kl = strnlen(key, (size_t)n);
		if (kl == (size_t)n)
			break;                  /* not a key we wrote */
		off += (off_t)kl + 1;
		if (kl <= plen || memcmp(key, prefix, plen) != 0)
			continue;               /* the prefix's own marker */
		fmt_snprintf(name, sizeof name, "s3://%s/%s", bucket, key);
		if (have) {
			/* both in bytewise order: a path before the key is
			 * missing, a key before the next path is not listed */
			int c = more ? strcmp(man.path, key + plen) : 1;
			if (c < 0)
				goto missing;
			/* not listed: with the manifest's hash given (a spec
			 * you trust) it is no part of the result, say an
			 * earlier publish's file at the same KEY, and is left
			 * out; without, an object added since: refused */
			if (c > 0 && o->manifest_hex) {
				r->left_out++;
				continue;
			}
			if (c > 0) {
				err_set(err, S3P_EINTEGRITY, "%s: not in the manifest",
				    name);
				goto abort;
			}
			st.mode = man.mode;
		}
		if (key[kl - 1] == '/') {
			/* a "folder" marker: an empty directory */
			if (x_entry(UNTAR_DIR, key + plen, 0755, err) < 0)
				goto abort;
			continue;
		}
		if (get_one(key, NULL, NULL, name, key + plen, err) < 0)
			goto abort;
		if (!have)
			continue;
		if (!manifest_matches(&man, st.n, r->content_sha256)) {
			mismatch(&st, r->content_sha256, "the manifest says", man.line,
			    err);
			goto abort;
		}
		if ((more = manifest_next(&man, mname, err)) < 0)
			goto abort;
	}
	if (!more) {
		rc = untar_x_commit(&st.x, err);
		goto out;
	}
missing:
	err_set(err, S3P_EINTEGRITY, "s3://%s/%s%s: in the manifest, missing",
	    bucket, prefix, man.path);
abort:
	untar_x_abort(&st.x);
out:
	close(man.fd);
	close(l.fd);
	return rc;
}
