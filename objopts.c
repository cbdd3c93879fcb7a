/*
 * objopts.c: object options as headers. See objopts.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <bearssl_hash.h>

#include "fmt.h"
#include "text.h"

#include "objopts.h"

#define ERR(...) (err_set(__VA_ARGS__), -1)

void
objopts_init(objopts *o)
{
	memset(o, 0, sizeof *o);
}

/* A copy of s (n bytes) in o->buf, or NULL when it is full. */
static char *
keep(objopts *o, const char *s, size_t n)
{
	char *p = o->buf + o->used;

	if (o->used + n + 1 > sizeof o->buf)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	o->used += n + 1;
	return p;
}

static int
add(objopts *o, const char *name, size_t nlen, const char *val)
{
	char *k = keep(o, name, nlen), *v = keep(o, val, strlen(val));

	if (k == NULL || v == NULL || o->n == OBJOPTS_MAX)
		return -1;
	for (char *c = k; *c; c++)
		*c = (char)text_lower(*c);
	o->h[o->n++] = (http_header){ k, v };
	return 0;
}

/* A-Z a-z 0-9 - _ . ~: RFC 3986's unreserved, an HTTP token too */
static int
unreserved(int c)
{
	return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
	    (c >= '0' && c <= '9') || (c != 0 && strchr("-_.~", c) != NULL);
}

/*
 * pre, s (n bytes), post appended to o->tagging (xml 0: S3's tag encoding,
 * unreserved bytes as they are, the rest %XX) or to o->tag_xml (xml 1:
 * & < > as character references). The last 64 bytes of either stay free
 * for a pre, a post and objopts_finish's close.
 */
static int
tag_put(objopts *o, int xml, const char *pre, const char *s, size_t n,
    const char *post)
{
	char *p = strchr(xml ? o->tag_xml : o->tagging, '\0');
	char *end = xml ? o->tag_xml + sizeof o->tag_xml - 64 :
	    o->tagging + sizeof o->tagging - 64;

	p = stpcpy(p, pre);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (p > end)
			return -1;
		if (xml ? strchr("&<>", c) == NULL : unreserved(c))
			*p++ = (char)c;
		else
			p += fmt_snprintf(p, 8, xml ? "&#%u;" : "%%%02X", c);
	}
	strcpy(p, post);
	return 0;
}

/* SSE-C's key from `path`, 32 bytes, into o->ssec: NULL, or why not. */
static const char *
ssec_read(objopts *o, const char *path)
{
	unsigned char k[33], d[br_md5_SIZE];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, k, sizeof k);
	br_md5_context m;

	if (fd >= 0)
		close(fd);
	if (n < 0)
		return strerror(errno);
	if (n != 32)
		return "not 32 bytes";
	text_base64(k, 32, o->ssec[0]);
	br_md5_init(&m);
	br_md5_update(&m, k, 32);
	br_md5_out(&m, d);
	text_base64(d, sizeof d, o->ssec[1]);
	memset(k, 0, sizeof k);
	return NULL;
}

int
objopts_add(objopts *o, const char *opt, const char *val, s3p_err *err)
{
	const char *eq = strchr(val, '=');
	size_t klen = eq ? (size_t)(eq - val) : 0;
	const char *why;

	if (strcmp(opt, "storage-class") == 0) {
		size_t n = 0;
		why = "A-Z_";
		while ((val[n] >= 'A' && val[n] <= 'Z') || val[n] == '_')
			n++;
		if (n == 0 || n > 32 || val[n] != '\0')
			goto bad;
		if (add(o, "x-amz-storage-class", 19, val) < 0)
			goto bad;
		return 0;
	}
	if (strcmp(opt, "sse") == 0) {
		why = "AES256 or aws:kms";
		o->sse = 1;
		o->sse_kms = strcmp(val, "aws:kms") == 0;
		if (!o->sse_kms && strcmp(val, "AES256") != 0)
			goto bad;
		if (add(o, "x-amz-server-side-encryption", 28, val) < 0)
			goto bad;
		return 0;
	}
	if (strcmp(opt, "sse-kms-key-id") == 0) {
		why = "visible ASCII";
		if (!text_visible(val) || strlen(val) > 2048 ||
		    add(o, "x-amz-server-side-encryption-aws-kms-key-id", 43,
		    val) < 0)
			goto bad;
		o->kms_key = 1;
		return 0;
	}
	if (strcmp(opt, "tag") == 0) {
		why = "K=V within S3's limits";
		if (eq == NULL || klen == 0 || klen > 128 || strlen(eq + 1) > 256 ||
		    text_has_ctl(val) || o->ntags == 10)
			goto bad;
		if (tag_put(o, 0, o->ntags > 0 ? "&" : "", val, klen, "=") < 0 ||
		    tag_put(o, 0, "", eq + 1, strlen(eq + 1), "") < 0 ||
		    tag_put(o, 1, o->ntags++ > 0 ? "<Tag><Key>" :
		    "<Tagging><TagSet><Tag><Key>", val, klen, "</Key><Value>") < 0 ||
		    tag_put(o, 1, "", eq + 1, strlen(eq + 1), "</Value></Tag>") < 0)
			goto bad;
		return 0;
	}
	if (strcmp(opt, "sse-c-key-file") == 0) {
		if ((why = ssec_read(o, val)) != NULL)
			goto bad;
		return 0;
	}
	/* metadata */
	why = "K=V, K [A-Za-z0-9._~-], V ASCII, 8 and 2 KB";
	{
		char name[160];
		const char *v = eq ? eq + 1 : "";
		int printable = 1;
		size_t n = 0;
		for (const char *c = v; *c; c++)
			printable &= (unsigned char)(*c - 0x20) < 0x5f;
		while (n < klen && unreserved(val[n]))
			n++;
		o->meta_bytes += klen + strlen(v);
		if (eq == NULL || klen == 0 || klen > 128 || !printable || ++o->nmeta > 8 ||
		    n != klen || o->meta_bytes > 2048)
			goto bad;
		fmt_snprintf(name, sizeof name, "x-amz-meta-%.*s", (int)klen, val);
		if (add(o, name, strlen(name), v) < 0)
			goto bad;
		return 0;
	}
bad:
	return ERR(err, S3P_EUSAGE, "--%s '%s': %s", opt, val, why);
}

int
objopts_finish(objopts *o, s3p_err *err)
{
	if (o->kms_key && !o->sse_kms)
		return ERR(err, S3P_EUSAGE, "--sse-kms-key-id: needs --sse aws:kms");
	if (o->ntags > 0)
		strcat(o->tag_xml, "</TagSet></Tagging>");  /* room kept */
	static const char ssec_alg[] =
	    "x-amz-server-side-encryption-customer-algorithm",
	    ssec_key[] = "x-amz-server-side-encryption-customer-key-md5";

	if (o->ntags > 0 && add(o, "x-amz-tagging", 13, o->tagging) < 0)
		goto many;
	if (o->ssec[0][0] == '\0')
		return 0;
	if (o->sse)
		return ERR(err, S3P_EUSAGE, "--sse-c-key-file excludes --sse");
	if (add(o, ssec_alg, 47, "AES256") < 0 ||
	    add(o, ssec_key, 41, o->ssec[0]) < 0 ||
	    add(o, ssec_key, 45, o->ssec[1]) < 0)
		goto many;
	o->nkey = 3;
	return 0;
many:
	return ERR(err, S3P_EUSAGE, "too many object options");
}

/* extension, type, ...: the most common kinds of result files */
static const char types[] =
    "txt\0text/plain\0csv\0text/csv\0html\0text/html\0"
    "json\0application/json\0xml\0application/xml\0pdf\0application/pdf\0"
    "gz\0application/gzip\0tar\0application/x-tar\0zip\0application/zip\0"
    "parquet\0application/vnd.apache.parquet\0"
    "png\0image/png\0jpg\0image/jpeg\0gif\0image/gif\0\0"
    "application/octet-stream";

const char *
objopts_type(const char *path)
{
	const char *dot = strrchr(path, '.'), *t = types;

	if (dot == NULL || strchr(dot, '/') != NULL)
		dot = "/";      /* no extension: matches nothing */
	while (*t && strcasecmp(t, dot + 1) != 0)
		t = strchr(strchr(t, '\0') + 1, '\0') + 1;
	return strchr(t, '\0') + 1;
}
