/*
 * creds.c: the AWS default credential chain (SPEC section 5). See creds.h.
 *
 * Layout: small helpers; the INI reader (botocore's RawConfigParser
 * rules); the profile files; each source as one function that returns
 * 1 (found, `c` filled), 0 (not configured: try the next) or -1 (configured
 * but failed: err set, the chain stops); the chain; refresh.
 */
#include "creds.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "fmt.h"
#include "http.h"
#include "json.h"
#include "text.h"

extern char **environ;

#define FILE_MAX      (1u << 20)    /* a config file larger is refused */
#define PROCESS_MAX   (64u << 10)   /* credential_process stdout */
#define TOKEN_FILE_MAX (16u << 10)  /* web identity token */
#define BODY_MAX      (64u << 10)   /* metadata / STS answer */
#define PATH_MAX_     1024
#define VALUE_MAX     8192          /* credential_process command etc. */

/* The sources, for refresh (creds_ctx.src). */
enum {
	SRC_NONE = 0, SRC_ENV, SRC_WEBID_PROFILE, SRC_CREDFILE, SRC_PROCESS,
	SRC_CONFIG, SRC_WEBID_ENV, SRC_CONTAINER, SRC_IMDS
};

/* ------------------------------------------------------------------ */
/* helpers                                                              */

static void
logf_(creds_ctx *cx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
logf_(creds_ctx *cx, const char *fmt, ...)
{
	char line[768];
	va_list ap;

	if (cx == NULL || cx->log == NULL)
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	cx->log(cx->log_ctx, line);
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* Copies s into out; -1 when it does not fit. */
static int
copy(char *out, size_t outsz, const char *s, size_t n)
{
	if (n >= outsz)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static int
is_blank(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f';
}

static int
lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
}

/* Case-insensitive (ASCII) comparison of s[0..n) with the string z. */
static int
eq_ci(const char *s, size_t n, const char *z)
{
	size_t zl = strlen(z);

	if (zl != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower((unsigned char)s[i]) != lower((unsigned char)z[i]))
			return 0;
	return 1;
}

static int
eq(const char *s, size_t n, const char *z)
{
	return strlen(z) == n && memcmp(s, z, n) == 0;
}

/*
 * Credentials go into HTTP headers and the signature: printable ASCII
 * without blanks only (a stray newline would inject a header).
 */
static int
printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static int
check_creds(const creds *c, const char *what, s3p_err *err)
{
	if (c->access_key_id[0] == '\0')
		return err_set(err, S3P_EUSAGE, "%s: empty access key id", what);
	if (c->secret_access_key[0] == '\0')
		return err_set(err, S3P_EUSAGE, "%s: empty secret access key", what);
	if (!printable(c->access_key_id) || !printable(c->secret_access_key) ||
	    !printable(c->session_token))
		return err_set(err, S3P_EUSAGE,
		    "%s: credentials hold blanks or control characters", what);
	return 0;
}

/* Fills the three strings; -1 with err naming `what` when one is too long. */
static int
set_keys(creds *c, const char *id, const char *secret, const char *token,
    const char *what, s3p_err *err)
{
	memset(c, 0, sizeof *c);
	if (copy(c->access_key_id, sizeof c->access_key_id, id, strlen(id)) < 0)
		return err_set(err, S3P_EUSAGE, "%s: access key id too long", what);
	if (copy(c->secret_access_key, sizeof c->secret_access_key, secret,
	    strlen(secret)) < 0)
		return err_set(err, S3P_EUSAGE, "%s: secret access key too long", what);
	if (token != NULL && copy(c->session_token, sizeof c->session_token,
	    token, strlen(token)) < 0)
		return err_set(err, S3P_EUSAGE, "%s: session token longer than %d bytes",
		    what, CREDS_TOKEN_MAX - 1);
	return check_creds(c, what, err);
}

static void
set_source(creds *c, const char *s)
{
	fmt_snprintf(c->source, sizeof c->source, "%s", s);
}

/* Strips blanks and line ends at both ends, in place. */
static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

/*
 * Reads a whole file into malloc'd memory (NUL-terminated). Returns 1, 0
 * when it does not exist (or is a directory: botocore's isfile()), -1 with
 * err set.
 */
static int
read_file(const char *path, size_t max, char **out, size_t *len, s3p_err *err)
{
	struct stat st;
	char *buf;
	size_t n = 0;
	int fd;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return err_set(err, S3P_EUSAGE, "%s: %s", path, strerror(errno));
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return 0;
	}
	buf = malloc(max + 1);
	if (buf == NULL) {
		close(fd);
		return err_set(err, S3P_EUSAGE, "%s: out of memory", path);
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_set(err, S3P_EUSAGE, "%s: %s", path, strerror(errno));
			goto fail;
		}
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
fail:
	close(fd);
	free(buf);
	return -1;
}

/* ------------------------------------------------------------------ */
/* ISO 8601 times                                                       */

static int
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
creds_parse_time(const char *s, time_t *out)
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	time_t t;

	if (strlen(s) < 19 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) ||
	    s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	s += 19;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s == '+' ? 1 : -1;
		if (digits(s + 1, 2, &oh))
			return -1;
		s += 3;
		if (*s == ':')
			s++;
		if (digits(s, 2, &om))
			return -1;
		s += 2;
	} else {
		return -1;
	}
	if (*s != '\0' || y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60 || oh > 23 || om > 59)
		return -1;
	t = s3p_utc_to_time(&(s3p_utc){ y, mo, d, h, mi, sec });
	*out = t - sign * (oh * 3600 + om * 60);
	return 0;
}

/* ------------------------------------------------------------------ */
/* INI, as botocore reads it (Python's configparser.RawConfigParser)    */


/*
 * configparser's strict mode: a section header or a key repeated within a
 * section is an error anywhere in the file. A set of (section, key) spans
 * of the text, hashed; sized from the line count, so linear time.
 */
typedef struct {
	uint64_t h;
	uint32_t a_off, a_len, b_off, b_len;   /* header; key (b_len 0: a header) */
	int used;
} ini_ent;

typedef struct {
	const char *buf;
	ini_ent *t;
	size_t cap;     /* a power of two */
} ini_set;

static uint64_t
fnv(uint64_t h, const char *s, size_t n, int fold)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)(fold ? lower((unsigned char)s[i]) : s[i]);
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Adds (a, b) (only looks with add 0); 1 when it was already there. */
static int
set_put(ini_set *s, size_t a_off, size_t a_len, size_t b_off, size_t b_len,
    int add)
{
	uint64_t h = fnv(0xcbf29ce484222325ull, s->buf + a_off, a_len, 0);
	size_t i;

	h = fnv(h ^ 0xff, s->buf + b_off, b_len, 1);
	for (i = (size_t)h & (s->cap - 1); s->t[i].used; i = (i + 1) & (s->cap - 1)) {
		ini_ent *e = &s->t[i];
		if (e->h == h && e->a_len == a_len && e->b_len == b_len &&
		    memcmp(s->buf + e->a_off, s->buf + a_off, a_len) == 0) {
			size_t k;
			for (k = 0; k < b_len; k++)
				if (lower((unsigned char)s->buf[e->b_off + k]) !=
				    lower((unsigned char)s->buf[b_off + k]))
					break;
			if (k == b_len)
				return 1;
		}
	}
	if (!add)
		return 0;
	s->t[i].used = 1;
	s->t[i].h = h;
	s->t[i].a_off = (uint32_t)a_off;
	s->t[i].a_len = (uint32_t)a_len;
	s->t[i].b_off = (uint32_t)b_off;
	s->t[i].b_len = (uint32_t)b_len;
	return 0;
}

static int
set_add(ini_set *s, size_t a_off, size_t a_len, size_t b_off, size_t b_len)
{
	return set_put(s, a_off, a_len, b_off, b_len, 1);
}

/* One lookup in progress. */
typedef struct {
	const char *buf;
	ini_set set;            /* every (section, key) seen */
	size_t sec_off, sec_len;  /* the current section's header text */
	const char *name;       /* the file, for messages */
	const char *section;
	int config_style;
	const char *sub, *key;
	char *out;
	size_t outsz;
	s3p_err *err;
	/* where the value came from: 0 nowhere, 1 [DEFAULT], 2 the section */
	int have[3];            /* [1] [DEFAULT]'s value, [2] the section's */
	int seen_def;           /* [DEFAULT] has the key */
	char *dout;             /* [DEFAULT]'s value (outsz bytes) */
	int section_found;
	int real_section;       /* a section other than [DEFAULT] exists */
	unsigned long def_bad[4];   /* bad sub-section lines in [DEFAULT] */
	size_t def_key[4][2];       /* their keys (offset, length) */
	size_t opt_key[2];          /* the current option's key */
	const char *sect_hdr;   /* the matching header seen, for repeats */
	size_t sect_hdr_len;
	int target_seen;        /* the key already appeared in the section */
	/* the option being read */
	int in_target;          /* current section is the one looked up */
	int in_default;         /* current section is [DEFAULT] */
	int opt;                /* an option is open (continuations allowed) */
	size_t indent;          /* indentation of its line */
	int opt_sub;            /* its first line was empty: a sub-section */
	int opt_cont;           /* it had continuation lines */
	int opt_cap;            /* 1 default / 2 section: capture this one */
	size_t vlen;            /* captured length (plain value) */
	unsigned pending;       /* empty lines not yet joined */
	unsigned long opt_line;
} ini_q;

/* Length of the UTF-8 sequence at p, 0 when invalid. */
static int
utf8_len(const unsigned char *p, size_t n)
{
	return json_utf8_seq(p, n);
}

/*
 * shlex.split() of a header into at most 3 tokens (quotes '...' and "...",
 * backslash escapes outside single quotes), enough to see whether it is
 * "profile NAME". Returns the token count (3 means "more than 2"), -1 on
 * an unbalanced quote. tok2 gets the second token.
 */
static int
shlex2(const char *s, size_t n, char *tok2, size_t tok2sz)
{
	size_t i = 0, tl;
	int ntok = 0;

	tok2[0] = '\0';
	while (i < n) {
		int started = 0;
		char q = 0;

		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' ||
		    s[i] == '\r'))
			i++;
		if (i >= n)
			break;
		tl = 0;
		while (i < n) {
			char ch = s[i];
			if (q == 0 && (ch == ' ' || ch == '\t'))
				break;
			i++;
			started = 1;
			if (q == 0 && (ch == '"' || ch == '\'')) {
				q = ch;
				continue;
			}
			if (q != 0 && ch == q) {
				q = 0;
				continue;
			}
			if (ch == '\\' && q != '\'' && i < n) {
				if (q == 0 || s[i] == '"' || s[i] == '\\')
					ch = s[i++];
			}
			if (ntok == 1 && tl + 1 < tok2sz)
				tok2[tl++] = ch;
			if (ntok == 1)
				tok2[tl] = '\0';
		}
		if (q != 0)
			return -1;
		if (started && ++ntok >= 3)
			return 3;
	}
	return ntok;
}

/* Does the header [h, h+n) name the section looked up? */
static int
header_matches(const ini_q *q, const char *h, size_t n)
{
	char tok2[CREDS_PROFILE_MAX + 2];

	if (!q->config_style)
		return eq(h, n, q->section);
	if (eq(h, n, "default"))
		return strcmp(q->section, "default") == 0;
	/* botocore: key.startswith("profile") and len(shlex.split(key)) == 2 */
	if (n < 7 || memcmp(h, "profile", 7) != 0)
		return 0;
	if (shlex2(h, n, tok2, sizeof tok2) != 2)
		return 0;
	return strcmp(tok2, q->section) == 0;
}

/* Appends s[0..n) to the captured value. */
static int
cap_put(ini_q *q, const char *s, size_t n, unsigned long line)
{
	char *o = q->opt_cap == 2 ? q->out : q->dout;

	if (q->vlen + n >= q->outsz)
		return err_set(q->err, S3P_EUSAGE, "%s:%lu: value of '%s' too long",
		    q->name, line, q->sub != NULL ? q->sub : q->key);
	memcpy(o + q->vlen, s, n);
	q->vlen += n;
	o[q->vlen] = '\0';
	return 0;
}

/* A line of the current option's value (first line: cont == 0). */
static int
opt_value_line(ini_q *q, const char *v, size_t n, int cont, unsigned long line)
{
	if (cont && q->opt_sub) {
		/* botocore's _parse_nested: key, value = line.split('=', 1) */
		const char *e = memchr(v, '=', n);
		size_t kl, vs;

		if (e == NULL && q->in_default) {
			/* botocore parses [DEFAULT]'s values only as part of
			 * the other sections: an error only if one exists */
			for (int k = 0; k < 4; k++)
				if (q->def_bad[k] == 0 || (q->def_key[k][0] ==
				    q->opt_key[0])) {
					if (q->def_bad[k] == 0)
						q->def_bad[k] = line;
					q->def_key[k][0] = q->opt_key[0];
					q->def_key[k][1] = q->opt_key[1];
					break;
				}
			return 0;
		}
		if (e == NULL)
			return err_set(q->err, S3P_EUSAGE,
			    "%s:%lu: sub-section line without '='", q->name, line);
		if (!q->opt_cap || q->sub == NULL)
			return 0;
		kl = (size_t)(e - v);
		while (kl > 0 && is_blank((unsigned char)v[kl - 1]))
			kl--;
		if (!eq(v, kl, q->key))
			return 0;
		vs = (size_t)(e - v) + 1;
		while (vs < n && is_blank((unsigned char)v[vs]))
			vs++;
		q->vlen = 0;
		if (cap_put(q, v + vs, n - vs, line) < 0)
			return -1;
		q->have[q->opt_cap] = 1;
		return 0;
	}
	if (!q->opt_cap || q->sub != NULL)
		return 0;
	if (cont) {
		/* configparser joins the lines with '\n', empty ones kept */
		for (unsigned i = 0; i <= q->pending; i++)
			if (cap_put(q, "\n", 1, line) < 0)
				return -1;
		q->pending = 0;
	}
	return cap_put(q, v, n, line);
}

/* The option being read ends. */
static void
opt_end(ini_q *q)
{
	/* "key =" alone is the empty string; followed by lines, a dict */
	if (q->opt && q->opt_cap && q->sub == NULL &&
	    (!q->opt_sub || !q->opt_cont))
		q->have[q->opt_cap] = 1;
	q->opt = 0;
	q->pending = 0;
}

/* A "key = value" line at indentation `indent`. */
static int
opt_start(ini_q *q, const char *s, size_t n, size_t indent, unsigned long line)
{
	const char *d = NULL;
	size_t kl, vs;
	const char *want = q->sub != NULL ? q->sub : q->key;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '=' || s[i] == ':') {
			d = s + i;
			break;
		}
	if (d == NULL)
		return err_set(q->err, S3P_EUSAGE,
		    "%s:%lu: not a 'key = value' line, a [section] or a comment",
		    q->name, line);
	kl = (size_t)(d - s);
	while (kl > 0 && is_blank((unsigned char)s[kl - 1]))
		kl--;
	if (kl == 0)
		return err_set(q->err, S3P_EUSAGE, "%s:%lu: empty key", q->name, line);
	if (set_add(&q->set, q->sec_off, q->sec_len, (size_t)(s - q->buf), kl))
		return err_set(q->err, S3P_EUSAGE,
		    "%s:%lu: key '%.*s' repeated in section [%.*s]", q->name, line,
		    (int)(kl > 100 ? 100 : kl), s,
		    (int)(q->sec_len > 100 ? 100 : q->sec_len), q->buf + q->sec_off);
	vs = (size_t)(d - s) + 1;
	while (vs < n && is_blank((unsigned char)s[vs]))
		vs++;
	q->opt = 1;
	q->indent = indent;
	q->opt_sub = vs == n;
	q->opt_cont = 0;
	q->opt_key[0] = (size_t)(s - q->buf);
	q->opt_key[1] = kl;
	q->opt_line = line;
	q->opt_cap = 0;
	q->pending = 0;
	if (eq_ci(s, kl, want)) {
		if (q->in_target) {
			if (q->target_seen)
				return err_set(q->err, S3P_EUSAGE,
				    "%s:%lu: key '%s' repeated in section [%s]",
				    q->name, line, want, q->section);
			q->target_seen = 1;
			q->opt_cap = 2;
		} else if (q->in_default) {
			q->seen_def = 1;
			q->opt_cap = 1;
		}
		q->vlen = 0;
	}
	return opt_value_line(q, s + vs, n - vs, 0, line);
}

/* A "[header]" line (already stripped). */
static int
section_start(ini_q *q, const char *s, size_t n, unsigned long line)
{
	const char *h = s + 1;
	size_t hl;
	const char *rb = NULL;

	/* SECTCRE "\[(?P<header>.+)\]" matched at the start: greedy, so the
	 * header ends at the line's last ']', and anything after it is lost */
	for (size_t i = n; i > 1; i--)
		if (s[i - 1] == ']') {
			rb = s + i - 1;
			break;
		}
	if (rb == NULL || rb == s + 1)
		return err_set(q->err, S3P_EUSAGE,
		    "%s:%lu: unterminated section header (no ']')", q->name, line);
	hl = (size_t)(rb - h);
	q->in_default = eq(h, hl, "DEFAULT");
	q->sec_off = (size_t)(h - q->buf);
	q->sec_len = hl;
	q->real_section |= !q->in_default;
	if (!q->in_default && set_add(&q->set, q->sec_off, hl, 0, 0))
		return err_set(q->err, S3P_EUSAGE, "%s:%lu: section [%.*s] repeated",
		    q->name, line, (int)(hl > 200 ? 200 : hl), h);
	q->in_target = !q->in_default && header_matches(q, h, hl);
	if (q->in_target) {
		if (q->sect_hdr != NULL && q->sect_hdr_len == hl &&
		    memcmp(q->sect_hdr, h, hl) == 0)
			return err_set(q->err, S3P_EUSAGE,
			    "%s:%lu: section [%.*s] repeated", q->name, line,
			    (int)(hl > 200 ? 200 : hl), h);
		/* [default] then [profile default]: the later one wins */
		if (q->section_found) {
			q->have[2] = 0;
			q->out[0] = '\0';
			q->target_seen = 0;
		}
		q->sect_hdr = h;
		q->sect_hdr_len = hl;
		q->section_found = 1;
	}
	return 0;
}

static int ini_scan(ini_q *q, const char *buf, size_t len, char *out,
    int *section_found, s3p_err *err);

int
creds_ini_lookup(const char *buf, size_t len, const char *name,
    const char *section, int config_style, const char *sub, const char *key,
    char *out, size_t outsz, int *section_found, s3p_err *err)
{
	ini_q q;
	size_t lines = 1;
	int r;

	if (section_found != NULL)
		*section_found = 0;
	if (outsz == 0)
		return err_set(err, S3P_EUSAGE, "%s: no room for a value", name);
	out[0] = '\0';
	if (len > 0xffffffffu)
		return err_set(err, S3P_EUSAGE, "%s: too large", name);
	memset(&q, 0, sizeof q);
	q.buf = q.set.buf = buf;
	q.name = name;
	q.section = section;
	q.config_style = config_style;
	q.sub = sub;
	q.key = key;
	q.out = out;
	q.outsz = outsz;
	q.err = err;
	for (size_t i = 0; i < len; i++)
		lines += buf[i] == '\n' || buf[i] == '\r';
	for (q.set.cap = 16; q.set.cap < 2 * lines; q.set.cap *= 2)
		;
	q.set.t = calloc(q.set.cap, sizeof *q.set.t);
	q.dout = calloc(1, outsz);
	if (q.set.t == NULL || q.dout == NULL) {
		free(q.set.t);
		free(q.dout);
		return err_set(err, S3P_EUSAGE, "%s: out of memory", name);
	}
	r = ini_scan(&q, buf, len, out, section_found, err);
	free(q.set.t);
	free(q.dout);
	return r;
}

static int
ini_scan(ini_q *qp, const char *buf, size_t len, char *out,
    int *section_found, s3p_err *err)
{
#define q (*qp)
	const char *name = q.name;
	size_t i = 0;
	unsigned long line = 0;
	int have_section = 0;

	/* a UTF-8 byte-order mark (Windows editors) */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len) {
		size_t ls = i, le, s, e;

		line++;
		/* universal newlines: LF, CR LF and CR end a line */
		while (i < len && buf[i] != '\n' && buf[i] != '\r') {
			unsigned char ch = (unsigned char)buf[i];
			if (ch >= 0x80) {
				int l = utf8_len((const unsigned char *)buf + i, len - i);
				if (l == 0)
					return err_set(err, S3P_EUSAGE,
					    "%s:%lu: not text (invalid UTF-8)", name, line);
				i += (size_t)l;
				continue;
			}
			if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
				return err_set(err, S3P_EUSAGE,
				    "%s:%lu: not text (byte 0x%02x)", name, line, ch);
			i++;
		}
		le = i;
		if (i < len && buf[i] == '\r') {
			i++;
			if (i < len && buf[i] == '\n')
				i++;
		} else if (i < len) {
			i++;        /* '\n' */
		}
		s = ls;
		while (s < le && is_blank((unsigned char)buf[s]))
			s++;
		e = le;
		while (e > s && is_blank((unsigned char)buf[e - 1]))
			e--;
		if (s == e) {
			/* empty_lines_in_values: kept inside a value */
			if (q.opt)
				q.pending++;
			continue;
		}
		if (buf[s] == '#' || buf[s] == ';')
			continue;       /* comment_prefixes, full lines only */
		if (q.opt && s - ls > q.indent) {
			q.opt_cont = 1;
		if (opt_value_line(&q, buf + s, e - s, 1, line) < 0)
				return -1;
			continue;
		}
		opt_end(&q);
		if (buf[s] == '[') {
			if (section_start(&q, buf + s, e - s, line) < 0)
				return -1;
			have_section = 1;
			continue;
		}
		if (!have_section)
			return err_set(err, S3P_EUSAGE,
			    "%s:%lu: key outside any [section]", name, line);
		if (opt_start(&q, buf + s, e - s, s - ls, line) < 0)
			return -1;
	}
	opt_end(&q);
	/* a bad [DEFAULT] sub-section counts where a section inherits it */
	for (int k = 0; k < 4 && q.def_bad[k] != 0; k++)
		for (size_t j = 0; j < q.set.cap; j++) {
			const ini_ent *en = &q.set.t[j];
			if (en->used && en->b_len == 0 && !set_put(&q.set, en->a_off,
			    en->a_len, q.def_key[k][0], q.def_key[k][1], 0))
				return err_set(err, S3P_EUSAGE,
				    "%s:%lu: sub-section line without '='", name,
				    q.def_bad[k]);
		}
	if (section_found != NULL)
		*section_found = q.section_found;
	/* the section's own key wins, even a sub-section without the sub
	 * key; else [DEFAULT]'s, which applies only to existing sections */
	if (q.section_found && q.target_seen && q.have[2])
		return 1;
	if (q.section_found && !q.target_seen && q.seen_def && q.have[1]) {
		memcpy(out, q.dout, strlen(q.dout) + 1);
		return 1;
	}
	out[0] = '\0';
	return 0;
#undef q
}

/* ------------------------------------------------------------------ */
/* the two profile files                                                */

typedef struct {
	char path[2][PATH_MAX_];  /* [0] credentials, [1] config; "" unknown */
	char *text[2];            /* NULL: no such file */
	size_t len[2];
} files;

/* "~" and "~/..." as os.path.expanduser does; 0 when HOME is needed but unset. */
static int
expand_path(const char *p, char *out, size_t outsz)
{
	const char *home = env("HOME");

	if (p[0] == '~' && (p[1] == '/' || p[1] == '\0')) {
		if (home == NULL)
			return 0;
		return fmt_snprintf(out, outsz, "%s%s", home, p + 1) < (int)outsz;
	}
	return fmt_snprintf(out, outsz, "%s", p) < (int)outsz;
}

static void
files_free(files *f)
{
	free(f->text[0]);
	free(f->text[1]);
	f->text[0] = f->text[1] = NULL;
}

static const char *
file_name(const files *f, int which)
{
	if (f->path[which][0] != '\0')
		return f->path[which];
	return which == 0 ? "~/.aws/credentials (HOME unset)" :
	    "~/.aws/config (HOME unset)";
}

/*
 * Reads both files (either may be missing) and checks that an explicitly
 * named profile is in one of them. Returns 0, or -1 with err set.
 */
static int
files_load(creds_ctx *cx, files *f, s3p_err *err)
{
	static const char *vars[2] = { "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE" };
	static const char *dflt[2] = { "~/.aws/credentials", "~/.aws/config" };
	int found = 0;

	memset(f, 0, sizeof *f);
	for (int w = 0; w < 2; w++) {
		const char *p = env(vars[w]);
		char dummy[2];
		int sf = 0;

		if (!expand_path(p != NULL ? p : dflt[w], f->path[w], sizeof f->path[w])) {
			f->path[w][0] = '\0';
			continue;
		}
		if (read_file(f->path[w], FILE_MAX, &f->text[w], &f->len[w], err) < 0) {
			files_free(f);
			return -1;
		}
		if (f->text[w] == NULL)
			continue;
		/* checks the whole file, and whether the profile is there */
		if (creds_ini_lookup(f->text[w], f->len[w], f->path[w], cx->profile,
		    w == 1, NULL, "\x01", dummy, sizeof dummy, &sf, err) < 0) {
			files_free(f);
			return -1;
		}
		found |= sf;
	}
	if (!found && cx->profile_explicit) {
		err_set(err, S3P_EUSAGE, "profile '%s' not found in %s or %s%s",
		    cx->profile, file_name(f, 0), file_name(f, 1),
		    cx->profile_from_option ? "" : " (named by AWS_PROFILE)");
		files_free(f);
		return -1;
	}
	return 0;
}

/* A value of one file (which: 0 credentials, 1 config). 1, 0 or -1. */
static int
file_value(creds_ctx *cx, files *f, int which, const char *sub,
    const char *key, char *out, size_t outsz, s3p_err *err)
{
	if (f->text[which] == NULL)
		return 0;
	return creds_ini_lookup(f->text[which], f->len[which], f->path[which],
	    cx->profile, which == 1, sub, key, out, outsz, NULL, err);
}

/* botocore's merged profile: the credentials file's keys win. */
static int
merged_value(creds_ctx *cx, files *f, const char *sub, const char *key,
    char *out, size_t outsz, s3p_err *err)
{
	int r = file_value(cx, f, 0, sub, key, out, outsz, err);

	if (r == 0)
		r = file_value(cx, f, 1, sub, key, out, outsz, err);
	/* an empty value (even one hiding the config file's) is no value */
	return r == 1 && out[0] == '\0' ? 0 : r;
}

int
creds_profile_value(creds_ctx *cx, const char *sub, const char *key,
    char *out, size_t outsz, s3p_err *err)
{
	files f;
	int r;

	if (files_load(cx, &f, err) < 0)
		return -1;
	r = merged_value(cx, &f, sub, key, out, outsz, err);
	files_free(&f);
	return r;
}

/* ------------------------------------------------------------------ */
/* credential JSON (credential_process, container, IMDS)                */

/* The string member `name` of obj into out: 1, 0 absent, -1 bad. */
static int
json_str(const json_val *obj, const char *name, char *out, size_t outsz,
    const char *what, s3p_err *err, int status)
{
	json_val v;
	const char *path[1] = { name };
	int r = json_get(obj, path, 1, &v);

	if (r < 0)
		return err_set(err, status, "%s: malformed JSON", what);
	if (r == 0 || v.type == JSON_NULL)
		return 0;
	if (v.type != JSON_STRING)
		return err_set(err, status, "%s: %s is not a string", what, name);
	if (json_string(&v, out, outsz, 0) < 0)
		return err_set(err, status, "%s: %s too long or malformed", what, name);
	return 1;
}

int
creds_parse_json(const char *buf, size_t len, int kind, const char *what,
    creds *c, s3p_err *err)
{
	int st = kind == CREDS_JSON_PROCESS ? S3P_EUSAGE : S3P_ESERVER;
	json_val root;
	size_t off = 0;
	const char *why = "";
	char tmp[64], src[sizeof c->source];
	int r;

	memcpy(src, c->source, sizeof src);
	memset(c, 0, sizeof *c);
	memcpy(c->source, src, sizeof src);
	if (json_check(buf, len, &off, &why) < 0)
		return err_set(err, st, "%s: malformed JSON at byte %zu: %s", what,
		    off, why);
	if (json_root(buf, len, &root) < 0 || root.type != JSON_OBJECT)
		return err_set(err, st, "%s: the JSON is not an object", what);
	if (kind == CREDS_JSON_PROCESS) {
		json_val v;
		const char *path[1] = { "Version" };
		int64_t ver;

		if (json_get(&root, path, 1, &v) != 1 || v.type != JSON_NUMBER ||
		    json_int64(&v, &ver) < 0 || ver != 1)
			return err_set(err, st, "%s: \"Version\": 1 missing or "
			    "unsupported", what);
	}
	if (kind == CREDS_JSON_IMDS) {
		r = json_str(&root, "Code", tmp, sizeof tmp, what, err, st);
		if (r < 0)
			return -1;
		if (r == 1 && strcmp(tmp, "Success") != 0)
			return err_set(err, st, "%s: Code is \"%s\", not \"Success\"",
			    what, printable(tmp) ? tmp : "?");
	}
	if ((r = json_str(&root, "AccessKeyId", c->access_key_id,
	    sizeof c->access_key_id, what, err, st)) <= 0)
		return r < 0 ? -1 : err_set(err, st, "%s: no AccessKeyId", what);
	if ((r = json_str(&root, "SecretAccessKey", c->secret_access_key,
	    sizeof c->secret_access_key, what, err, st)) <= 0)
		return r < 0 ? -1 : err_set(err, st, "%s: no SecretAccessKey", what);
	r = json_str(&root, kind == CREDS_JSON_PROCESS ? "SessionToken" : "Token",
	    c->session_token, sizeof c->session_token, what, err, st);
	if (r < 0)
		return -1;
	r = json_str(&root, "Expiration", tmp, sizeof tmp, what, err, st);
	if (r < 0)
		return -1;
	if (r == 1 && creds_parse_time(tmp, &c->expiration) < 0)
		return err_set(err, st, "%s: Expiration is not an ISO 8601 time", what);
	if (r == 1 && c->expiration == 0)
		c->expiration = 1;      /* 0 means "never": 1970 is expired */
	if (check_creds(c, what, err) < 0) {
		if (err != NULL)
			err->status = st;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* STS XML                                                              */

/* The text of the first <tag>...</tag> inside [s, e), entities decoded. */
static int
xml_text(const char *s, const char *e, const char *tag, char *out,
    size_t outsz, const char **after)
{
	char open[64], close_[64];
	const char *p, *q;
	size_t n = 0;

	fmt_snprintf(open, sizeof open, "<%s>", tag);
	fmt_snprintf(close_, sizeof close_, "</%s>", tag);
	p = text_find(s, (size_t)(e - s), open);
	if (p == NULL)
		return 0;
	p += strlen(open);
	q = text_find(p, (size_t)(e - p), close_);
	if (q == NULL)
		return -1;
	if (after != NULL)
		*after = q + strlen(close_);
	while (p < q) {
		char ch = *p++;
		if (ch == '&') {
			static const struct { const char *ent; char ch; } ents[] = {
				{ "amp;", '&' }, { "lt;", '<' }, { "gt;", '>' },
				{ "quot;", '"' }, { "apos;", '\'' } };
			size_t k;
			for (k = 0; k < sizeof ents / sizeof ents[0]; k++) {
				size_t l = strlen(ents[k].ent);
				if ((size_t)(q - p) >= l && memcmp(p, ents[k].ent, l) == 0) {
					ch = ents[k].ch;
					p += l;
					break;
				}
			}
			if (k == sizeof ents / sizeof ents[0])
				return -1;
		}
		if (n + 1 >= outsz)
			return -1;
		out[n++] = ch;
	}
	out[n] = '\0';
	return 1;
}

int
creds_parse_sts_xml(const char *buf, size_t len, creds *c, s3p_err *err)
{
	const char *e = buf + len, *cs, *ce;
	char tmp[64], src[sizeof c->source];

	memcpy(src, c->source, sizeof src);
	memset(c, 0, sizeof *c);
	memcpy(c->source, src, sizeof src);
	if (text_find(buf, len, "<ErrorResponse") != NULL ||
	    text_find(buf, len, "<Error>") != NULL) {
		char code[128], msg[512];
		if (xml_text(buf, e, "Code", code, sizeof code, NULL) != 1)
			fmt_snprintf(code, sizeof code, "unknown");
		if (xml_text(buf, e, "Message", msg, sizeof msg, NULL) != 1)
			msg[0] = '\0';
		return err_set(err, S3P_EREFUSED, "STS AssumeRoleWithWebIdentity: "
		    "%s%s%s", code, msg[0] ? ": " : "", msg);
	}
	cs = text_find(buf, len, "<Credentials>");
	if (cs == NULL)
		return err_set(err, S3P_ESERVER,
		    "STS AssumeRoleWithWebIdentity: no Credentials in the answer");
	ce = text_find(cs, (size_t)(e - cs), "</Credentials>");
	if (ce == NULL)
		return err_set(err, S3P_ESERVER,
		    "STS AssumeRoleWithWebIdentity: malformed answer");
	if (xml_text(cs, ce, "AccessKeyId", c->access_key_id,
	    sizeof c->access_key_id, NULL) != 1 ||
	    xml_text(cs, ce, "SecretAccessKey", c->secret_access_key,
	    sizeof c->secret_access_key, NULL) != 1 ||
	    xml_text(cs, ce, "SessionToken", c->session_token,
	    sizeof c->session_token, NULL) != 1 ||
	    xml_text(cs, ce, "Expiration", tmp, sizeof tmp, NULL) != 1) {
		memset(c, 0, sizeof *c);
		memcpy(c->source, src, sizeof src);
		return err_set(err, S3P_ESERVER, "STS AssumeRoleWithWebIdentity: "
		    "AccessKeyId, SecretAccessKey, SessionToken or Expiration "
		    "missing or too long");
	}
	if (creds_parse_time(trim(tmp), &c->expiration) < 0 || c->expiration == 0)
		return err_set(err, S3P_ESERVER,
		    "STS AssumeRoleWithWebIdentity: bad Expiration");
	if (check_creds(c, "STS AssumeRoleWithWebIdentity", err) < 0) {
		if (err != NULL)
			err->status = S3P_ESERVER;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* one HTTP exchange with a short time-out (http.h)                     */

typedef struct {
	char *buf;
	size_t len, cap;
	const char *what;
} membuf;

static int
mem_sink(void *ctx, const unsigned char *b, size_t n, s3p_err *err)
{
	membuf *m = ctx;

	if (m->len + n >= m->cap)
		return err_set(err, S3P_ESERVER, "%s: answer larger than %zu bytes",
		    m->what, m->cap - 1);
	memcpy(m->buf + m->len, b, n);
	m->len += n;
	m->buf[m->len] = '\0';
	return 0;
}

static long
mem_read(void *ctx, uint64_t off, unsigned char *buf, size_t len, s3p_err *err)
{
	const membuf *m = ctx;
	size_t left = m->len - (size_t)off;

	(void)err;
	if (len > left)
		len = left;
	memcpy(buf, m->buf + off, len);
	return (long)len;
}

typedef struct {
	http_client cl;
	http_url url;
	http_response rs;
} net_state;

/*
 * One request. Returns 0 with *status and the body in out (NUL-terminated,
 * *outlen), or -1 with err set (*timed_out tells a time-out, *no_conn a
 * failure to connect at all).
 */
static int
net_do(creds_ctx *cx, int timeout_ms, int use_proxy, const char *method,
    const char *url, const http_header *h, size_t nh, const char *body,
    size_t blen, const char *what, int *status, char *out, size_t outsz,
    size_t *outlen, int *timed_out, int *no_conn, s3p_err *err)
{
	http_options o;
	http_request rq;
	membuf sink = { out, 0, outsz, what }, src = { (char *)body, blen, blen, what };
	net_state *ns;
	int r;

	*status = 0;
	*outlen = 0;
	out[0] = '\0';
	if (timed_out != NULL)
		*timed_out = 0;
	if (no_conn != NULL)
		*no_conn = 0;
	ns = calloc(1, sizeof *ns);
	if (ns == NULL)
		return err_set(err, S3P_ENET, "%s: out of memory", what);
	memset(&o, 0, sizeof o);
	o.connect_timeout_ms = timeout_ms;
	o.timeout_ms = timeout_ms;
	o.anchors = cx->anchors;
	o.insecure = cx->insecure;
	o.no_env_proxy = !use_proxy;
	if (http_url_parse(url, &ns->url, err) < 0 ||
	    http_client_init(&ns->cl, &o, err) < 0) {
		free(ns);
		return -1;
	}
	memset(&rq, 0, sizeof rq);
	rq.method = method;
	rq.url = &ns->url;
	rq.headers = h;
	rq.nheaders = nh;
	if (body != NULL) {
		rq.body = mem_read;
		rq.body_ctx = &src;
		rq.body_len = blen;
	}
	rq.sink = mem_sink;
	rq.sink_ctx = &sink;
	r = http_request_do(&ns->cl, &rq, &ns->rs, err);
	if (r < 0) {
		if (timed_out != NULL)
			*timed_out = ns->rs.timeout;
		if (no_conn != NULL)
			*no_conn = ns->rs.fail == HTTP_FAIL_CONNECT ||
			    ns->rs.fail == HTTP_FAIL_RESOLVE ||
			    (ns->rs.timeout && ns->rs.status == 0);
	} else {
		*status = ns->rs.status;
		*outlen = sink.len;
	}
	http_client_close(&ns->cl);
	free(ns);
	return r;
}

/* AWS_METADATA_SERVICE_TIMEOUT (seconds, may be fractional), in ms. */
static int
metadata_timeout_ms(void)
{
	const char *v = env("AWS_METADATA_SERVICE_TIMEOUT");
	long ms = 0, scale = 1000;
	const char *p;

	/*
	 * Seconds with an optional fraction ("1", "0.5"), read by hand:
	 * strtod would pull musl's whole float parser into the binary.
	 */
	if (v == NULL || *v == '\0')
		return 1000;
	for (p = v; *p >= '0' && *p <= '9'; p++) {
		ms = ms * 10 + (*p - '0') * 1000;
		if (ms > 3600000)
			return 1000;
	}
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++) {
			scale /= 10;
			ms += (*p - '0') * scale;
		}
	if (*p != '\0' || p == v || ms <= 0)
		return 1000;
	return (int)ms;
}

static int
metadata_attempts(void)
{
	const char *v = env("AWS_METADATA_SERVICE_NUM_ATTEMPTS");
	int n = v != NULL ? atoi(v) : 1;

	return n >= 1 && n <= 10 ? n : 1;
}

/* application/x-www-form-urlencoded (RFC 3986 unreserved kept) */
static int
form_put(membuf *m, const char *name, const char *val)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t need = strlen(name) + 2 + 3 * strlen(val);

	if (m->len + need >= m->cap)
		return -1;
	if (m->len > 0)
		m->buf[m->len++] = '&';
	m->len += (size_t)fmt_snprintf(m->buf + m->len, m->cap - m->len, "%s=", name);
	for (const unsigned char *p = (const unsigned char *)val; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.' || *p == '~') {
			m->buf[m->len++] = (char)*p;
		} else {
			m->buf[m->len++] = '%';
			m->buf[m->len++] = hex[*p >> 4];
			m->buf[m->len++] = hex[*p & 15];
		}
	}
	m->buf[m->len] = '\0';
	return 0;
}

/* ------------------------------------------------------------------ */
/* web identity: STS AssumeRoleWithWebIdentity                          */

static int
sts_endpoint(creds_ctx *cx, char *out, size_t outsz, s3p_err *err)
{
	const char *e = env("AWS_ENDPOINT_URL_STS");
	const char *region = cx->region;
	char pr[64];

	if (e == NULL)
		e = env("AWS_ENDPOINT_URL");
	if (e != NULL)
		return fmt_snprintf(out, outsz, "%s", e) < (int)outsz ? 0 :
		    err_set(err, S3P_EUSAGE, "STS endpoint URL too long");
	if (region == NULL || region[0] == '\0')
		region = env("AWS_REGION");
	if (region == NULL)
		region = env("AWS_DEFAULT_REGION");
	if (region == NULL) {
		s3p_err e2;
		if (creds_profile_value(cx, NULL, "region", pr, sizeof pr, &e2) == 1)
			region = pr;
	}
	if (region == NULL) {
		fmt_snprintf(out, outsz, "https://sts.amazonaws.com");
		return 0;
	}
	for (const char *p = region; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return err_set(err, S3P_EUSAGE, "bad region '%s' for STS",
			    printable(region) ? region : "?");
	fmt_snprintf(out, outsz, "https://sts.%s.amazonaws.com%s", region,
	    strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
	return 0;
}

static int
sts_assume(creds_ctx *cx, const char *role_arn, const char *token_file,
    const char *session_name, creds *c, s3p_err *err)
{
	char url[1024], name[80], *token = NULL, *resp = NULL, *form = NULL;
	size_t tlen, rlen;
	membuf fm;
	http_header h[2] = {
		{ "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
		{ "Accept", "application/xml" } };
	int status, r, to;

	if (sts_endpoint(cx, url, sizeof url, err) < 0)
		return -1;
	r = read_file(token_file, TOKEN_FILE_MAX, &token, &tlen, err);
	if (r <= 0)
		return r < 0 ? -1 : err_set(err, S3P_EUSAGE,
		    "web identity token file %s: no such file", token_file);
	if (session_name == NULL || session_name[0] == '\0') {
		fmt_snprintf(name, sizeof name, "s3pub-session-%lld",
		    (long long)time(NULL));
		session_name = name;
	}
	form = malloc(3 * TOKEN_FILE_MAX + 4096);
	resp = malloc(BODY_MAX);
	if (form == NULL || resp == NULL) {
		r = err_set(err, S3P_ENET, "STS: out of memory");
		goto out;
	}
	fm.buf = form;
	fm.len = 0;
	fm.cap = 3 * TOKEN_FILE_MAX + 4096;
	fm.what = "STS";
	if (form_put(&fm, "Action", "AssumeRoleWithWebIdentity") < 0 ||
	    form_put(&fm, "Version", "2011-06-15") < 0 ||
	    form_put(&fm, "RoleArn", role_arn) < 0 ||
	    form_put(&fm, "RoleSessionName", session_name) < 0 ||
	    form_put(&fm, "WebIdentityToken", trim(token)) < 0) {
		r = err_set(err, S3P_EUSAGE, "STS: role ARN or session name too long");
		goto out;
	}
	logf_(cx, "credentials: web identity: AssumeRoleWithWebIdentity %s at %s",
	    role_arn, url);
	r = net_do(cx, 10000, 1, "POST", url, h, 2, form, fm.len,
	    "STS AssumeRoleWithWebIdentity", &status, resp, BODY_MAX, &rlen,
	    &to, NULL, err);
	if (r < 0)
		goto out;
	if (status != 200) {
		s3p_err e2;
		creds tmp;

		memset(&tmp, 0, sizeof tmp);
		if (creds_parse_sts_xml(resp, rlen, &tmp, &e2) < 0 &&
		    e2.status == S3P_EREFUSED)
			err_set(err, status >= 500 ? S3P_ESERVER : S3P_EREFUSED,
			    "%s (HTTP %d from %s)", e2.msg, status, url);
		else
			err_set(err, status >= 500 ? S3P_ESERVER : S3P_EREFUSED,
			    "STS AssumeRoleWithWebIdentity at %s: HTTP %d", url, status);
		r = -1;
		goto out;
	}
	r = creds_parse_sts_xml(resp, rlen, c, err);
out:
	if (r < 0)
		memset(c, 0, sizeof *c);
	free(token);
	free(resp);
	free(form);
	return r;
}

/* Web identity from the environment (step 3). */
static int
src_webid_env(creds_ctx *cx, creds *c, s3p_err *err)
{
	const char *tf = env("AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *role = env("AWS_ROLE_ARN");

	if (tf == NULL && role == NULL)
		return 0;
	if (tf == NULL || role == NULL)
		return err_set(err, S3P_EUSAGE, "web identity: %s is set but %s is not",
		    tf ? "AWS_WEB_IDENTITY_TOKEN_FILE" : "AWS_ROLE_ARN",
		    tf ? "AWS_ROLE_ARN" : "AWS_WEB_IDENTITY_TOKEN_FILE");
	if (sts_assume(cx, role, tf, env("AWS_ROLE_SESSION_NAME"), c, err) < 0)
		return -1;
	set_source(c, "web-identity");
	return 1;
}

/* ------------------------------------------------------------------ */
/* containers (ECS, EKS Pod Identity)                                   */

/* botocore's rule for a full URI: http only to these hosts */
static int
container_host_ok(const http_url *u)
{
	static const char *ok[] = { "localhost", "169.254.170.2",
		"169.254.170.23", "fd00:ec2::23", "::1" };

	if (u->https)
		return 1;
	if (u->host_ip == 4 && strncmp(u->host, "127.", 4) == 0)
		return 1;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strcmp(u->host, ok[i]) == 0)
			return 1;
	return 0;
}

static int
src_container(creds_ctx *cx, creds *c, s3p_err *err)
{
	const char *rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	const char *tokfile = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *tokenv = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	char url[2048], *resp = NULL, *tok = NULL;
	http_header h[2] = { { "Accept", "application/json" }, { NULL, NULL } };
	size_t nh = 1, rlen, tlen;
	http_url *u;
	int status = 0, r = -1, to, nc;

	if (rel == NULL && full == NULL)
		return 0;
	if (rel != NULL) {
		if (fmt_snprintf(url, sizeof url, "http://169.254.170.2%s%s",
		    rel[0] == '/' ? "" : "/", rel) >= (int)sizeof url)
			return err_set(err, S3P_EUSAGE,
			    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI too long");
	} else {
		if (fmt_snprintf(url, sizeof url, "%s", full) >= (int)sizeof url)
			return err_set(err, S3P_EUSAGE,
			    "AWS_CONTAINER_CREDENTIALS_FULL_URI too long");
		u = malloc(sizeof *u);
		if (u == NULL)
			return err_set(err, S3P_EUSAGE, "out of memory");
		if (http_url_parse(full, u, err) < 0) {
			free(u);
			return -1;
		}
		r = container_host_ok(u);
		free(u);
		if (!r)
			return err_set(err, S3P_EUSAGE,
			    "AWS_CONTAINER_CREDENTIALS_FULL_URI: http is allowed only "
			    "to a loopback address or the container agent "
			    "(169.254.170.2, 169.254.170.23)");
		if (tokfile != NULL) {
			r = read_file(tokfile, TOKEN_FILE_MAX, &tok, &tlen, err);
			if (r <= 0)
				return r < 0 ? -1 : err_set(err, S3P_EUSAGE,
				    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE %s: no such "
				    "file", tokfile);
			h[1].value = trim(tok);
		} else if (tokenv != NULL) {
			h[1].value = tokenv;
		}
		if (h[1].value != NULL) {
			for (const char *p = h[1].value; *p; p++)
				if ((unsigned char)*p < 0x20 || *p == 0x7f) {
					free(tok);
					return err_set(err, S3P_EUSAGE, "container "
					    "authorization token holds a control character");
				}
			h[1].name = "Authorization";
			nh = 2;
		}
	}
	resp = malloc(BODY_MAX);
	if (resp == NULL) {
		free(tok);
		return err_set(err, S3P_ENET, "out of memory");
	}
	logf_(cx, "credentials: container endpoint %s", url);
	/* botocore: 2 s, 3 attempts */
	for (int attempt = 0; attempt < 3; attempt++) {
		r = net_do(cx, 2000, 0, "GET", url, h, nh, NULL, 0,
		    "container credentials", &status, resp, BODY_MAX, &rlen,
		    &to, &nc, err);
		if (r == 0 && status >= 500)
			continue;
		break;
	}
	if (r == 0 && status != 200) {
		r = err_set(err, status >= 500 ? S3P_ESERVER : S3P_EREFUSED,
		    "container credentials at %s: HTTP %d", url, status);
	} else if (r == 0) {
		r = creds_parse_json(resp, rlen, CREDS_JSON_CONTAINER,
		    "container credentials", c, err);
	} else if (err != NULL) {
		char m[sizeof err->msg];
		fmt_snprintf(m, sizeof m, "%s", err->msg);
		err_set(err, S3P_ENET, "container credentials at %s: %s", url, m);
	}
	free(resp);
	free(tok);
	if (r < 0)
		return -1;
	set_source(c, "container");
	return 1;
}

/* ------------------------------------------------------------------ */
/* EC2 instance metadata, IMDSv2                                        */

typedef struct {
	char base[512];
	char token[1024];
	int timeout_ms, attempts;
	char reason[160];       /* why it gave nothing, for the final message */
} imds;

/*
 * Gets a session token. 1 ok, 0 unavailable (reason set: disabled, no
 * answer, IMDSv1 only), -1 error.
 */
static int
imds_start(creds_ctx *cx, imds *m, s3p_err *err)
{
	const char *v = env("AWS_EC2_METADATA_DISABLED");
	const char *ep = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	http_header h[1] = { { "X-aws-ec2-metadata-token-ttl-seconds", "21600" } };
	char url[600];
	size_t n;
	int status = 0, r = -1, to = 0, nc = 0;
	s3p_err e2;

	memset(m, 0, sizeof *m);
	if (v != NULL && eq_ci(v, strlen(v), "true")) {
		fmt_snprintf(m->reason, sizeof m->reason, "IMDS (disabled)");
		return 0;
	}
	if (ep == NULL)
		ep = mode != NULL && eq_ci(mode, strlen(mode), "ipv6") ?
		    "http://[fd00:ec2::254]" : "http://169.254.169.254";
	n = strlen(ep);
	while (n > 0 && ep[n - 1] == '/')
		n--;
	if (copy(m->base, sizeof m->base, ep, n) < 0)
		return err_set(err, S3P_EUSAGE,
		    "AWS_EC2_METADATA_SERVICE_ENDPOINT too long");
	m->timeout_ms = metadata_timeout_ms();
	m->attempts = metadata_attempts();
	fmt_snprintf(url, sizeof url, "%s/latest/api/token", m->base);
	logf_(cx, "credentials: IMDSv2 token from %s (time-out %d ms)", url,
	    m->timeout_ms);
	for (int a = 0; a < m->attempts; a++) {
		r = net_do(cx, m->timeout_ms, 0, "PUT", url, h, 1, NULL, 0,
		    "IMDS", &status, m->token, sizeof m->token, &n, &to, &nc, &e2);
		if (r == 0 && status < 500)
			break;
	}
	if (r < 0) {
		fmt_snprintf(m->reason, sizeof m->reason, "IMDS (%s)",
		    to ? "no answer within the time-out" : "unreachable");
		logf_(cx, "credentials: IMDS: %s", e2.msg);
		return 0;
	}
	if (status == 403 || status == 404 || status == 405) {
		/* IMDSv1 only (or v2 turned off): never fall back to v1 */
		fmt_snprintf(m->reason, sizeof m->reason, "IMDS (token request refused "
		    "with HTTP %d: IMDSv1 is not used)", status);
		return 0;
	}
	if (status != 200)
		return err_set(err, status >= 500 ? S3P_ESERVER : S3P_EREFUSED,
		    "IMDS %s: HTTP %d", url, status);
	trim(m->token);
	if (m->token[0] == '\0' || !printable(m->token))
		return err_set(err, S3P_ESERVER, "IMDS %s: malformed token", url);
	return 1;
}

/* GET base+path with the token: 0 with *status, -1 err. */
static int
imds_get(creds_ctx *cx, imds *m, const char *path, char *out, size_t outsz,
    size_t *outlen, int *status, s3p_err *err)
{
	http_header h[1] = { { "X-aws-ec2-metadata-token", m->token } };
	char url[1200];
	int r = -1, to, nc;

	fmt_snprintf(url, sizeof url, "%s%s", m->base, path);
	for (int a = 0; a < m->attempts; a++) {
		r = net_do(cx, m->timeout_ms, 0, "GET", url, h, 1, NULL, 0, "IMDS",
		    status, out, outsz, outlen, &to, &nc, err);
		if (r == 0 && *status < 500)
			break;
	}
	if (r < 0 && err != NULL) {
		char msg[sizeof err->msg];
		fmt_snprintf(msg, sizeof msg, "%s", err->msg);
		err_set(err, S3P_ENET, "IMDS %s: %s", path, msg);
	}
	return r;
}

static int
src_imds(creds_ctx *cx, creds *c, char *why, size_t whysz, s3p_err *err)
{
	imds m;
	char *resp, role[256], path[400], what[420];
	size_t rlen;
	int status, r;
	static const char pfx[] = "/latest/meta-data/iam/security-credentials/";

	r = imds_start(cx, &m, err);
	if (r <= 0) {
		fmt_snprintf(why, whysz, "%s", m.reason[0] ? m.reason : "IMDS");
		return r;
	}
	resp = malloc(BODY_MAX);
	if (resp == NULL)
		return err_set(err, S3P_ENET, "out of memory");
	r = -1;
	if (imds_get(cx, &m, pfx, resp, BODY_MAX, &rlen, &status, err) < 0)
		goto out;
	if (status == 404) {
		fmt_snprintf(why, whysz, "IMDS (no IAM role attached to the instance)");
		r = 0;
		goto out;
	}
	if (status != 200) {
		err_set(err, status >= 500 ? S3P_ESERVER : S3P_EREFUSED,
		    "IMDS %s: HTTP %d", pfx, status);
		goto out;
	}
	/* the first line is the role name */
	rlen = strcspn(resp, "\r\n");
	resp[rlen] = '\0';
	if (copy(role, sizeof role, trim(resp), strlen(trim(resp))) < 0 ||
	    role[0] == '\0' || !printable(role) || strchr(role, '/') != NULL ||
	    strchr(role, '?') != NULL || strchr(role, '%') != NULL) {
		err_set(err, S3P_ESERVER, "IMDS %s: malformed role name", pfx);
		goto out;
	}
	fmt_snprintf(path, sizeof path, "%s%s", pfx, role);
	logf_(cx, "credentials: IMDS role %s", role);
	if (imds_get(cx, &m, path, resp, BODY_MAX, &rlen, &status, err) < 0)
		goto out;
	if (status == 404) {
		fmt_snprintf(why, whysz, "IMDS (role %s: HTTP 404)", role);
		r = 0;
		goto out;
	}
	if (status != 200) {
		err_set(err, status >= 500 ? S3P_ESERVER : S3P_EREFUSED,
		    "IMDS %s: HTTP %d", path, status);
		goto out;
	}
	fmt_snprintf(what, sizeof what, "IMDS %s", path);
	if (creds_parse_json(resp, rlen, CREDS_JSON_IMDS, what, c, err) < 0)
		goto out;
	set_source(c, "imds");
	r = 1;
out:
	free(resp);
	return r;
}

int
creds_imds_region(creds_ctx *cx, char *out, size_t outsz, s3p_err *err)
{
	imds m;
	char buf[256];
	size_t n;
	int status, r;
	s3p_err e2;

	if (outsz > 0)
		out[0] = '\0';
	r = imds_start(cx, &m, err);
	if (r <= 0)
		return r;
	if (imds_get(cx, &m, "/latest/meta-data/placement/region", buf,
	    sizeof buf, &n, &status, &e2) < 0 || status != 200)
		return 0;
	trim(buf);
	for (const char *p = buf; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return err_set(err, S3P_ESERVER,
			    "IMDS placement/region: malformed region");
	if (buf[0] == '\0')
		return 0;
	if (copy(out, outsz, buf, strlen(buf)) < 0)
		return err_set(err, S3P_ESERVER, "IMDS placement/region: too long");
	return 1;
}

/* ------------------------------------------------------------------ */
/* credential_process                                                   */

static int
run_process(creds_ctx *cx, const char *cmd, const char *what, creds *c,
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
	logf_(cx, "credentials: running the credential_process of %s", what);
	/*
	 * fork, not posix_spawn: musl's spawn file actions allocate with
	 * libc's internal allocator and would bring it into the binary beside
	 * alloc.c. The child only calls async-signal-safe functions (open,
	 * dup2, execve, _exit), as a child of a threaded process must; 127 is
	 * the shell's "could not run" status.
	 */
	pid = fork();
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
	if (WIFSIGNALED(st) && !too_big)
		rc = err_set(err, S3P_EUSAGE, "%s: credential_process killed by "
		    "signal %d", what, WTERMSIG(st));
	else if (WIFEXITED(st) && WEXITSTATUS(st) != 0 && !too_big)
		rc = err_set(err, S3P_EUSAGE, "%s: credential_process exited with "
		    "status %d%s", what, WEXITSTATUS(st), WEXITSTATUS(st) == 127 ?
		    " (command not found, or no /bin/sh)" : "");
	else if (too_big)
		rc = err_set(err, S3P_EUSAGE, "%s: credential_process wrote more "
		    "than %u bytes", what, PROCESS_MAX);
	else
		rc = creds_parse_json(out, n, CREDS_JSON_PROCESS, what, c, err);
	free(out);
	return rc;
}

/* ------------------------------------------------------------------ */
/* the sources                                                          */

static int
src_env(creds_ctx *cx, creds *c, s3p_err *err)
{
	const char *id = env("AWS_ACCESS_KEY_ID");
	const char *sec = env("AWS_SECRET_ACCESS_KEY");
	const char *exp = env("AWS_CREDENTIAL_EXPIRATION");

	(void)cx;
	if (id == NULL && sec == NULL)
		return 0;
	if (id == NULL || sec == NULL)
		return err_set(err, S3P_EUSAGE, "%s is set but %s is not",
		    id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		    id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	if (set_keys(c, id, sec, env("AWS_SESSION_TOKEN"), "environment "
	    "(AWS_ACCESS_KEY_ID)", err) < 0)
		return -1;
	if (exp != NULL && (creds_parse_time(exp, &c->expiration) < 0 ||
	    c->expiration == 0))
		return err_set(err, S3P_EUSAGE, "AWS_CREDENTIAL_EXPIRATION is not "
		    "an ISO 8601 time");
	set_source(c, "environment");
	return 1;
}

/* Static keys of one file's profile. 1, 0, -1. */
static int
static_keys(creds_ctx *cx, files *f, int which, creds *c, s3p_err *err)
{
	char what[PATH_MAX_ + CREDS_PROFILE_MAX + 32];
	int a, b, t;

	memset(c, 0, sizeof *c);
	a = file_value(cx, f, which, NULL, "aws_access_key_id", c->access_key_id,
	    sizeof c->access_key_id, err);
	if (a < 0)
		return -1;
	b = file_value(cx, f, which, NULL, "aws_secret_access_key",
	    c->secret_access_key, sizeof c->secret_access_key, err);
	if (b < 0)
		return -1;
	if (a == 0 && b == 0)
		return 0;
	fmt_snprintf(what, sizeof what, "%s: profile '%s'", f->path[which], cx->profile);
	if (a == 0 || b == 0)
		return err_set(err, S3P_EUSAGE, "%s has %s but no %s", what,
		    a ? "aws_access_key_id" : "aws_secret_access_key",
		    a ? "aws_secret_access_key" : "aws_access_key_id");
	t = file_value(cx, f, which, NULL, "aws_session_token", c->session_token,
	    sizeof c->session_token, err);
	if (t < 0)
		return -1;
	if (check_creds(c, what, err) < 0)
		return -1;
	set_source(c, which == 0 ? "shared-credentials-file" : "config-file");
	return 1;
}

/*
 * The profile (step 2), in botocore's order. `which` gets the SRC_* used.
 */
static int
src_profile(creds_ctx *cx, creds *c, int *which, char *looked, size_t lsz,
    s3p_err *err)
{
	files f;
	char *v = NULL, *w = NULL, *sn = NULL;
	int r;

	if (files_load(cx, &f, err) < 0)
		return -1;
	fmt_snprintf(looked, lsz, "%s, %s", file_name(&f, 0), file_name(&f, 1));
	v = malloc(VALUE_MAX);
	w = malloc(VALUE_MAX);
	sn = malloc(VALUE_MAX);
	if (v == NULL || w == NULL || sn == NULL) {
		r = err_set(err, S3P_EUSAGE, "out of memory");
		goto out;
	}
	/* assume role with web identity, from the profile */
	r = merged_value(cx, &f, NULL, "web_identity_token_file", v, VALUE_MAX, err);
	if (r < 0)
		goto out;
	if (r == 1) {
		if ((r = merged_value(cx, &f, NULL, "role_arn", w, VALUE_MAX, err)) <= 0) {
			if (r == 0)
				r = err_set(err, S3P_EUSAGE, "profile '%s' has "
				    "web_identity_token_file but no role_arn", cx->profile);
			goto out;
		}
		if ((r = merged_value(cx, &f, NULL, "role_session_name", sn,
		    VALUE_MAX, err)) < 0)
			goto out;
		logf_(cx, "credentials: profile '%s': web identity", cx->profile);
		if ((r = sts_assume(cx, w, v, r == 1 ? sn : NULL, c, err)) < 0)
			goto out;
		set_source(c, "web-identity");
		*which = SRC_WEBID_PROFILE;
		r = 1;
		goto out;
	}
	/* assume role from another profile: not supported, say so */
	if ((r = merged_value(cx, &f, NULL, "role_arn", w, VALUE_MAX, err)) != 0) {
		if (r > 0)
			r = err_set(err, S3P_EUSAGE, "profile '%s': role_arn without "
			    "web_identity_token_file (source_profile, "
			    "credential_source) is not supported", cx->profile);
		goto out;
	}
	if ((r = static_keys(cx, &f, 0, c, err)) != 0) {
		*which = SRC_CREDFILE;
		goto out;
	}
	r = merged_value(cx, &f, NULL, "credential_process", v, VALUE_MAX, err);
	if (r < 0)
		goto out;
	if (r == 1 && v[0] != '\0') {
		fmt_snprintf(w, VALUE_MAX, "profile '%s'", cx->profile);
		if ((r = run_process(cx, v, w, c, err)) < 0)
			goto out;
		set_source(c, "credential_process");
		*which = SRC_PROCESS;
		r = 1;
		goto out;
	}
	if ((r = static_keys(cx, &f, 1, c, err)) != 0) {
		*which = SRC_CONFIG;
		goto out;
	}
	if ((r = merged_value(cx, &f, NULL, "sso_start_url", v, VALUE_MAX, err)) == 0)
		r = merged_value(cx, &f, NULL, "sso_session", v, VALUE_MAX, err);
	if (r > 0)
		r = err_set(err, S3P_EUSAGE, "profile '%s' uses AWS IAM Identity "
		    "Center (SSO), which s3pub does not support: use "
		    "credential_process", cx->profile);
out:
	free(v);
	free(w);
	free(sn);
	files_free(&f);
	if (r <= 0)
		memset(c, 0, sizeof *c);
	return r;
}

/* Runs one source: 1 found, 0 not configured, -1 error. */
static int
run_source(creds_ctx *cx, int src, creds *c, char *why, size_t whysz,
    int *used, s3p_err *err)
{
	int r;

	why[0] = '\0';
	*used = src;
	switch (src) {
	case SRC_ENV:
		fmt_snprintf(why, whysz, "environment");
		return src_env(cx, c, err);
	case SRC_WEBID_PROFILE: case SRC_CREDFILE: case SRC_PROCESS:
	case SRC_CONFIG:
		return src_profile(cx, c, used, why, whysz, err);
	case SRC_WEBID_ENV:
		fmt_snprintf(why, whysz, "web identity");
		return src_webid_env(cx, c, err);
	case SRC_CONTAINER:
		fmt_snprintf(why, whysz, "container");
		return src_container(cx, c, err);
	case SRC_IMDS:
		r = src_imds(cx, c, why, whysz, err);
		return r;
	}
	return 0;
}

static void
fmt_time(time_t t, char out[32])
{
	s3p_utc u;

	if (s3p_time_to_utc(t, &u) < 0) {
		strcpy(out, "(out of range)");
		return;
	}
	fmt_snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", u.year, u.month,
	    u.day, u.hour, u.min, u.sec);
}

static int
not_expired(const creds *c, time_t now, s3p_err *err)
{
	char a[32], b[32];

	if (!creds_expired(c, now))
		return 0;
	fmt_time(c->expiration, a);
	fmt_time(now, b);
	return err_set(err, S3P_EUSAGE, "credentials from %s expired at %s "
	    "(the time is %s)", c->source, a, b);
}

/* ------------------------------------------------------------------ */
/* the API                                                              */

int
creds_init(creds_ctx *cx, const char *profile_option, s3p_err *err)
{
	const char *p = profile_option;

	memset(cx, 0, sizeof *cx);
	if (p != NULL) {
		cx->profile_explicit = 1;
		cx->profile_from_option = 1;
	} else if ((p = env("AWS_PROFILE")) != NULL) {
		cx->profile_explicit = 1;
	} else {
		p = "default";
	}
	if (p[0] == '\0')
		return err_set(err, S3P_EUSAGE, "empty profile name");
	for (const char *q = p; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			return err_set(err, S3P_EUSAGE, "profile name holds a "
			    "control character");
	if (copy(cx->profile, sizeof cx->profile, p, strlen(p)) < 0)
		return err_set(err, S3P_EUSAGE, "profile name longer than %d bytes",
		    CREDS_PROFILE_MAX - 1);
	return 0;
}

int
creds_resolve(creds_ctx *cx, creds *c, time_t now, s3p_err *err)
{
	static const int chain[] = { SRC_ENV, SRC_CREDFILE, SRC_WEBID_ENV,
		SRC_CONTAINER, SRC_IMDS };
	char looked[1024] = "", why[PATH_MAX_ * 2 + 64];
	size_t ll = 0;
	int used = SRC_NONE;

	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < sizeof chain / sizeof chain[0]; i++) {
		int r;

		if (chain[i] == SRC_ENV && cx->profile_from_option) {
			logf_(cx, "credentials: --profile given: environment keys "
			    "not used");
			continue;
		}
		r = run_source(cx, chain[i], c, why, sizeof why, &used, err);
		if (r < 0) {
			memset(c, 0, sizeof *c);
			return -1;
		}
		if (r == 1) {
			if (not_expired(c, now, err) < 0) {
				memset(c, 0, sizeof *c);
				return -1;
			}
			cx->src = used;
			if (c->expiration != 0) {
				char t[32];
				fmt_time(c->expiration, t);
				logf_(cx, "credentials: from %s (profile '%s'), "
				    "expiring %s", c->source, cx->profile, t);
			} else {
				logf_(cx, "credentials: from %s (profile '%s')",
				    c->source, cx->profile);
			}
			return 0;
		}
		if (why[0] != '\0' && ll + strlen(why) + 3 < sizeof looked)
			ll += (size_t)fmt_snprintf(looked + ll, sizeof looked - ll, "%s%s",
			    ll ? ", " : "", why);
	}
	return err_set(err, S3P_EUSAGE, "no credentials found (looked in: %s); "
	    "use --no-sign-request for anonymous access", looked);
}

void
creds_anonymous(creds *c)
{
	memset(c, 0, sizeof *c);
	c->anonymous = 1;
	set_source(c, "anonymous");
}

int
creds_expired(const creds *c, time_t now)
{
	return !c->anonymous && c->expiration != 0 && c->expiration <= now;
}

int
creds_refresh_needed(const creds *c, time_t now)
{
	return !c->anonymous && c->expiration != 0 &&
	    c->expiration - now <= CREDS_REFRESH_WINDOW;
}

int
creds_refresh(creds_ctx *cx, creds *c, time_t now, s3p_err *err)
{
	creds *fresh;
	char why[PATH_MAX_ * 2 + 64];
	int used, r;

	if (c->anonymous)
		return 0;
	if (cx->src == SRC_NONE)
		return err_set(err, S3P_EUSAGE, "credentials: nothing to refresh");
	fresh = malloc(sizeof *fresh);
	if (fresh == NULL)
		return err_set(err, S3P_EUSAGE, "out of memory");
	memset(fresh, 0, sizeof *fresh);
	logf_(cx, "credentials: refreshing from %s", c->source);
	r = run_source(cx, cx->src, fresh, why, sizeof why, &used, err);
	if (r == 0)
		r = err_set(err, S3P_EUSAGE, "credentials: refresh from %s found "
		    "nothing%s%s", c->source, why[0] ? ": " : "", why);
	if (r > 0 && (r = not_expired(fresh, now, err)) == 0) {
		memcpy(c, fresh, sizeof *c);
		cx->src = used;
	}
	memset(fresh, 0, sizeof *fresh);
	free(fresh);
	return r < 0 ? -1 : 0;
}
