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
#include <strings.h>
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

	if (cx->log == NULL)
		return;
	/* every line starts so */
	memcpy(line, "credentials: ", 13);
	va_start(ap, fmt);
	fmt_vsnprintf(line + 13, sizeof line - 13, fmt, ap);
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

/* s[0..n) (no NUL in it) is the string z. */
static int
eq(const char *s, size_t n, const char *z)
{
	return strncmp(s, z, n) == 0 && z[n] == '\0';
}

static int
check_creds(const creds *c, const char *what, s3p_err *err)
{
	if (c->access_key_id[0] == '\0')
		return err_set(err, S3P_EUSAGE, "%s: empty access key id", what);
	if (c->secret_access_key[0] == '\0')
		return err_set(err, S3P_EUSAGE, "%s: empty secret access key", what);
	if (!text_visible(c->access_key_id) || !text_visible(c->secret_access_key) ||
	    !text_visible(c->session_token))
		return err_set(err, S3P_EUSAGE,
		    "%s: credentials hold blanks or control characters", what);
	return 0;
}

static void
set_source(creds *c, const char *s)
{
	fmt_snprintf(c->source, sizeof c->source, "%s", s);
}

/*
 * Reads a whole file into malloc'd memory (NUL-terminated). Returns 1, 0
 * when it does not exist (or is a directory: botocore's isfile()), -1 with
 * err set. With `what`, a file that does not exist is an error naming it
 * so.
 */
static int
read_file(const char *path, size_t max, char **out, size_t *len,
    const char *what, s3p_err *err)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0;
	int fd;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			goto missing;
		goto fail_errno;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		goto missing;
	}
	buf = malloc(max + 1);
	if (buf == NULL) {
		err_set(err, S3P_EUSAGE, "%s: out of memory", path);
		goto fail;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, max + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto fail_errno;
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
missing:
	if (what == NULL)
		return 0;
	return err_set(err, S3P_EUSAGE, "%s %s: no such file", what, path);
fail_errno:
	err_set(err, S3P_EUSAGE, "%s: %s", path, strerror(errno));
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return -1;
}

/* ------------------------------------------------------------------ */
/* ISO 8601 times                                                       */

/*
 * Reads s against pat: '0' is a digit of the field f[0] points at, any
 * other character ends the field and must be there ('T' also 't' or ' ';
 * ';' is a ':' that may be left out). The rest of s, NULL on a mismatch.
 */
static const char *
scan(const char *s, const char *pat, int *f)
{
	for (; *pat != '\0'; pat++) {
		if (*pat == '0') {
			if (*s < '0' || *s > '9')
				return NULL;
			*f = *f * 10 + (*s++ - '0');
			continue;
		}
		f++;
		if (*pat == ';')
			s += *s == ':';
		else if (*s == *pat ||
		    (*pat == 'T' && (*s == 't' || *s == ' ')))
			s++;
		else
			return NULL;
	}
	return s;
}

_Static_assert(sizeof(s3p_utc) == 6 * sizeof(int), "s3p_utc: six ints");

int
creds_parse_time(const char *s, time_t *out)
{
	static const unsigned char mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31,
		30, 31, 30, 31 };
	/* year, month, day, hour, minute, second, offset hours and minutes */
	static const unsigned short lim[8][2] = { { 1970, 9999 }, { 1, 12 },
		{ 1, 31 }, { 0, 23 }, { 0, 59 }, { 0, 60 }, { 0, 23 },
		{ 0, 59 } };
	int f[8] = { 0 }, sign = 0;
	s3p_utc u;

	s = scan(s, "0000-00-00T00:00:00", f);
	if (s == NULL)
		return -1;
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
		s = scan(s + 1, "00;00", f + 6);
		if (s == NULL)
			return -1;
	} else {
		return -1;
	}
	if (*s != '\0')
		return -1;
	for (int i = 0; i < 8; i++)
		if (f[i] < lim[i][0] || f[i] > lim[i][1])
			return -1;
	if (f[2] > mdays[f[1] - 1])
		return -1;
	memcpy(&u, f, sizeof u);        /* s3p_utc: the first six, in order */
	*out = s3p_utc_to_time(&u) - sign * (f[6] * 3600 + f[7] * 60);
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
	uint32_t h;
	uint32_t a_off, a_len, b_off, b_len;   /* header; key (b_len 0: a header) */
} ini_ent;                                 /* a_len 0: a free slot */

typedef struct {
	const char *buf;
	ini_ent *t;
	size_t cap;     /* a power of two */
} ini_set;

/* FNV-1a, 32 bits, of s[0..n) (lower-cased with fold) after h. */
static uint32_t
fnv(uint32_t h, const char *s, size_t n, int fold)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		h = (h ^ (unsigned char)(fold ? text_lower(ch) : ch)) * 16777619u;
	}
	return h;
}

/*
 * Adds (a, b) (only looks with add 0); 1 when it was already there. A
 * header is never empty, so a_len > 0.
 */
static int
set_put(ini_set *s, size_t a_off, size_t a_len, size_t b_off, size_t b_len,
    int add)
{
	uint32_t h = fnv(fnv(2166136261u, s->buf + a_off, a_len, 0) ^ 0xff,
	    s->buf + b_off, b_len, 1);
	size_t i;
	ini_ent *e;

	for (i = h & (s->cap - 1); (e = &s->t[i])->a_len != 0;
	    i = (i + 1) & (s->cap - 1))
		if (e->h == h && e->a_len == a_len && e->b_len == b_len &&
		    memcmp(s->buf + e->a_off, s->buf + a_off, a_len) == 0 &&
		    strncasecmp(s->buf + e->b_off, s->buf + b_off, b_len) == 0)
			return 1;
	if (add)
		*e = (ini_ent){ h, (uint32_t)a_off, (uint32_t)a_len,
		    (uint32_t)b_off, (uint32_t)b_len };
	return 0;
}

static int
set_add(ini_set *s, size_t a_off, size_t a_len, size_t b_off, size_t b_len)
{
	return set_put(s, a_off, a_len, b_off, b_len, 1);
}

/* One lookup in progress (the fields used on every line first). */
typedef struct {
	/* the option being read */
	int opt;                /* an option is open (continuations allowed) */
	int opt_sub;            /* its first line was empty: a sub-section */
	int opt_cont;           /* it had continuation lines */
	int opt_cap;            /* 1 default / 2 section: capture this one */
	size_t indent;          /* indentation of its line */
	size_t vlen;            /* captured length (plain value) */
	unsigned pending;       /* empty lines not yet joined */
	int in_target;          /* current section is the one looked up */
	int in_default;         /* current section is [DEFAULT] */
	int target_seen;        /* the key already appeared in the section */
	int section_found;
	int have[3];            /* captured: [1] [DEFAULT]'s, [2] the section's */
	unsigned long line;     /* the line being read, for messages */
	const char *buf;
	size_t sec_off, sec_len;  /* the current section's header text */
	const char *sub, *key;
	char *out;
	size_t outsz;
	size_t opt_key[2];          /* the current option's key */
	ini_set set;            /* every (section, key) seen */
	char *dout;             /* [DEFAULT]'s value (outsz bytes) */
	const char *name;       /* the file, for messages */
	const char *section;
	int config_style;
	s3p_err *err;
	unsigned long def_bad[4];   /* bad sub-section lines in [DEFAULT] */
	size_t def_key[4][2];       /* their keys (offset, length) */
} ini_q;

/* "FILE:LINE: what" (S3P_EUSAGE) for the line being read. */
static int
ini_err(ini_q *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
ini_err(ini_q *q, const char *fmt, ...)
{
	char m[sizeof q->err->msg];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	return err_set(q->err, S3P_EUSAGE, "%s:%lu: %s", q->name, q->line, m);
}

/*
 * Splits s[0..n) at its first '=' (with colon, or ':'): the key's length
 * without the blanks before the delimiter in *kl. Returns where the value
 * starts (blanks skipped), 0 when there is no delimiter.
 */
static size_t
split(const char *s, size_t n, int colon, size_t *kl)
{
	size_t i = 0, k;

	while (i < n && s[i] != '=' && !(colon && s[i] == ':'))
		i++;
	if (i == n)
		return 0;
	for (k = i; k > 0 && text_blank((unsigned char)s[k - 1]); k--)
		;
	*kl = k;
	for (i++; i < n && text_blank((unsigned char)s[i]); i++)
		;
	return i;
}

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

		/* shlex's blanks: ' ', '\t' (no line ends within a line) */
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
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

/* Appends nl newlines and s[0..n) to the captured value. */
static int
cap_put(ini_q *q, size_t nl, const char *s, size_t n)
{
	char *o = (q->opt_cap == 2 ? q->out : q->dout) + q->vlen;

	if (q->vlen + nl + n >= q->outsz)
		return ini_err(q, "value of '%s' too long",
		    q->sub != NULL ? q->sub : q->key);
	q->vlen += nl + n;
	while (nl-- > 0)
		*o++ = '\n';
	memcpy(o, s, n);
	o[n] = '\0';
	return 0;
}

/* A line of the current option's value (first line: cont == 0). */
static int
opt_value_line(ini_q *q, const char *v, size_t n, int cont)
{
	if (cont && q->opt_sub) {
		/* botocore's _parse_nested: key, value = line.split('=', 1) */
		size_t kl, vs = split(v, n, 0, &kl);

		if (vs == 0 && q->in_default) {
			/* botocore parses [DEFAULT]'s values only as part of
			 * the other sections: an error only if one exists */
			for (int k = 0; k < 4; k++)
				if (q->def_bad[k] == 0 || (q->def_key[k][0] ==
				    q->opt_key[0])) {
					if (q->def_bad[k] == 0)
						q->def_bad[k] = q->line;
					q->def_key[k][0] = q->opt_key[0];
					q->def_key[k][1] = q->opt_key[1];
					break;
				}
			return 0;
		}
		if (vs == 0)
			return ini_err(q, "sub-section line without '='");
		if (!q->opt_cap || q->sub == NULL || !eq(v, kl, q->key))
			return 0;
		q->vlen = 0;
		if (cap_put(q, 0, v + vs, n - vs) < 0)
			return -1;
		q->have[q->opt_cap] = 1;
		return 0;
	}
	if (!q->opt_cap || q->sub != NULL)
		return 0;
	/* configparser joins the lines with '\n', empty ones kept */
	if (cap_put(q, cont ? q->pending + 1 : 0, v, n) < 0)
		return -1;
	q->pending = 0;
	return 0;
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
opt_start(ini_q *q, const char *s, size_t n, size_t indent)
{
	const char *want = q->sub != NULL ? q->sub : q->key;
	size_t kl, vs = split(s, n, 1, &kl);

	if (vs == 0)
		return ini_err(q,
		    "not a 'key = value' line, a [section] or a comment");
	if (kl == 0)
		return ini_err(q, "empty key");
	/* any key repeated within a section, the one looked up included */
	if (set_add(&q->set, q->sec_off, q->sec_len, (size_t)(s - q->buf), kl))
		return ini_err(q, "key '%.*s' repeated in section [%.*s]",
		    (int)(kl > 100 ? 100 : kl), s,
		    (int)(q->sec_len > 100 ? 100 : q->sec_len), q->buf + q->sec_off);
	q->opt = 1;
	q->indent = indent;
	q->opt_sub = vs == n;
	q->opt_cont = 0;
	q->opt_key[0] = (size_t)(s - q->buf);
	q->opt_key[1] = kl;
	q->opt_cap = 0;
	q->pending = 0;
	if (text_ieq(s, kl, want)) {
		if (q->in_target) {
			q->target_seen = 1;
			q->opt_cap = 2;
		} else if (q->in_default) {
			q->opt_cap = 1;
		}
		q->vlen = 0;
	}
	return opt_value_line(q, s + vs, n - vs, 0);
}

/* A "[header]" line (already stripped). */
static int
section_start(ini_q *q, const char *s, size_t n)
{
	const char *h = s + 1;
	size_t hl = n - 1;

	/* SECTCRE "\[(?P<header>.+)\]" matched at the start: greedy, so the
	 * header ends at the line's last ']', and anything after it is lost */
	while (hl > 1 && s[hl] != ']')
		hl--;
	if (hl <= 1)
		return ini_err(q, "unterminated section header (no ']')");
	hl--;
	q->in_default = eq(h, hl, "DEFAULT");
	q->sec_off = (size_t)(h - q->buf);
	q->sec_len = hl;
	/* any header repeated, the one looked up included */
	if (!q->in_default && set_add(&q->set, q->sec_off, hl, 0, 0))
		return ini_err(q, "section [%.*s] repeated",
		    (int)(hl > 200 ? 200 : hl), h);
	q->in_target = !q->in_default && header_matches(q, h, hl);
	if (q->in_target) {
		/* [default] then [profile default]: the later one wins */
		if (q->section_found) {
			q->have[2] = 0;
			q->out[0] = '\0';
			q->target_seen = 0;
		}
		q->section_found = 1;
	}
	return 0;
}

static int ini_scan(ini_q *q, const char *buf, size_t len, char *out,
    int *section_found);

int
creds_ini_lookup(const char *buf, size_t len, const char *name,
    const char *section, int config_style, const char *sub, const char *key,
    char *out, size_t outsz, int *section_found, s3p_err *err)
{
	ini_q q;
	size_t lines = 1, cap = 16;
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
	while (cap < 2 * lines)
		cap *= 2;
	/* the set, then room for [DEFAULT]'s value */
	q.set.cap = cap;
	q.set.t = calloc(1, cap * sizeof *q.set.t + outsz);
	if (q.set.t == NULL)
		return err_set(err, S3P_EUSAGE, "%s: out of memory", name);
	q.dout = (char *)(q.set.t + cap);
	r = ini_scan(&q, buf, len, out, section_found);
	free(q.set.t);
	return r;
}

static int
ini_scan(ini_q *qp, const char *buf, size_t len, char *out,
    int *section_found)
{
#define q (*qp)
	size_t i = 0;

	/* a UTF-8 byte-order mark (Windows editors) */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len) {
		size_t ls = i, le, s, e;

		q.line++;
		/* universal newlines: LF, CR LF and CR end a line */
		while (i < len && buf[i] != '\n' && buf[i] != '\r') {
			unsigned char ch = (unsigned char)buf[i];
			if (ch >= 0x80) {
				int l = utf8_len((const unsigned char *)buf + i, len - i);
				if (l == 0)
					return ini_err(&q, "not text (invalid UTF-8)");
				i += (size_t)l;
				continue;
			}
			if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
				return ini_err(&q, "not text (byte 0x%02x)", ch);
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
		while (s < le && text_blank((unsigned char)buf[s]))
			s++;
		e = le;
		while (e > s && text_blank((unsigned char)buf[e - 1]))
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
			if (opt_value_line(&q, buf + s, e - s, 1) < 0)
				return -1;
			continue;
		}
		opt_end(&q);
		if (buf[s] == '[') {
			if (section_start(&q, buf + s, e - s) < 0)
				return -1;
			continue;
		}
		/* (a header's text starts after its '[': sec_off > 0) */
		if (q.sec_off == 0)
			return ini_err(&q, "key outside any [section]");
		if (opt_start(&q, buf + s, e - s, s - ls) < 0)
			return -1;
	}
	opt_end(&q);
	/* a bad [DEFAULT] sub-section counts where a section inherits it */
	for (int k = 0; k < 4 && q.def_bad[k] != 0; k++)
		for (size_t j = 0; j < q.set.cap; j++) {
			const ini_ent *en = &q.set.t[j];
			if (en->a_len != 0 && en->b_len == 0 && !set_put(&q.set,
			    en->a_off, en->a_len, q.def_key[k][0], q.def_key[k][1],
			    0)) {
				q.line = q.def_bad[k];
				return ini_err(&q, "sub-section line without '='");
			}
		}
	if (section_found != NULL)
		*section_found = q.section_found;
	/* the section's own key wins, even a sub-section without the sub
	 * key; else [DEFAULT]'s, which applies only to existing sections */
	if (q.have[2])
		return 1;
	if (q.section_found && !q.target_seen && q.have[1]) {
		strcpy(out, q.dout);
		return 1;
	}
	out[0] = '\0';
	return 0;
#undef q
}

/* ------------------------------------------------------------------ */
/* the two profile files                                                */

typedef struct {
	creds_ctx *cx;
	s3p_err *err;
	char path[2][PATH_MAX_];  /* [0] credentials, [1] config */
	char *text[2];            /* NULL: no such file */
	size_t len[2];
} files;

/* "~" and "~/..." as os.path.expanduser does; 0 when HOME is needed but unset. */
static int
expand_path(const char *p, char *out, size_t outsz)
{
	const char *home = env("HOME");
	int tilde = p[0] == '~' && (p[1] == '/' || p[1] == '\0');

	if (tilde && home == NULL)
		return 0;
	return fmt_snprintf(out, outsz, "%s%s", tilde ? home : "",
	    p + tilde) < (int)outsz;
}

static void
files_free(files *f)
{
	free(f->text[0]);
	free(f->text[1]);
	f->text[0] = f->text[1] = NULL;
}

/*
 * Reads both files (either may be missing) and checks that an explicitly
 * named profile is in one of them. Returns 0, or -1 with err set; the
 * lookups below report to the same err.
 */
static int
files_load(creds_ctx *cx, files *f, s3p_err *err)
{
	static const char vars[2][28] = { "AWS_SHARED_CREDENTIALS_FILE",
		"AWS_CONFIG_FILE" };
	static const char dflt[2][20] = { "~/.aws/credentials",
		"~/.aws/config" };
	int found = 0;

	memset(f, 0, sizeof *f);
	f->cx = cx;
	f->err = err;
	for (int w = 0; w < 2; w++) {
		const char *p = env(vars[w]);
		char dummy[2];
		int sf;

		if (!expand_path(p != NULL ? p : dflt[w], f->path[w], sizeof f->path[w])) {
			/* no such file; the name in messages */
			fmt_snprintf(f->path[w], sizeof f->path[w], "%s (HOME unset)",
			    dflt[w]);
			continue;
		}
		if (read_file(f->path[w], FILE_MAX, &f->text[w], &f->len[w], NULL,
		    err) < 0)
			goto fail;
		if (f->text[w] == NULL)
			continue;
		/* checks the whole file, and whether the profile is there */
		if (creds_ini_lookup(f->text[w], f->len[w], f->path[w], cx->profile,
		    w == 1, NULL, "\x01", dummy, sizeof dummy, &sf, err) < 0)
			goto fail;
		found |= sf;
	}
	if (!found && cx->profile_explicit) {
		err_set(err, S3P_EUSAGE, "profile '%s' not found in %s or %s%s",
		    cx->profile, f->path[0], f->path[1],
		    cx->profile_from_option ? "" : " (named by AWS_PROFILE)");
		goto fail;
	}
	return 0;
fail:
	files_free(f);
	return -1;
}

/* A value of one file (which: 0 credentials, 1 config). 1, 0 or -1. */
static int
file_value(files *f, int which, const char *sub, const char *key, char *out,
    size_t outsz)
{
	if (f->text[which] == NULL)
		return 0;
	return creds_ini_lookup(f->text[which], f->len[which], f->path[which],
	    f->cx->profile, which, sub, key, out, outsz, NULL, f->err);
}

/* botocore's merged profile: the credentials file's keys win. */
static int
merged_value(files *f, const char *sub, const char *key, char *out,
    size_t outsz)
{
	int r = file_value(f, 0, sub, key, out, outsz);

	if (r == 0)
		r = file_value(f, 1, sub, key, out, outsz);
	/* an empty value (even one hiding the config file's) is no value */
	return r == 1 && out[0] == '\0' ? 0 : r;
}

/* A value of src_profile(): `out` has VALUE_MAX bytes. */
static int
prof_value(files *f, const char *key, char *out)
{
	return merged_value(f, NULL, key, out, VALUE_MAX);
}

int
creds_profile_value(creds_ctx *cx, const char *sub, const char *key,
    char *out, size_t outsz, s3p_err *err)
{
	files f;
	int r;

	if (files_load(cx, &f, err) < 0)
		return -1;
	r = merged_value(&f, sub, key, out, outsz);
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

/* The three strings as the JSON documents and the STS answer name them. */
static const struct {
	char name[16];
	unsigned short off, size;
} fields[3] = {
	{ "AccessKeyId", offsetof(creds, access_key_id), CREDS_KEY_MAX },
	{ "SecretAccessKey", offsetof(creds, secret_access_key), CREDS_SECRET_MAX },
	{ "SessionToken", offsetof(creds, session_token), CREDS_TOKEN_MAX }
};

/* Zeroes `c` but for its source, which the caller has set. */
static void
clear_keys(creds *c)
{
	memset(c, 0, offsetof(creds, source));
	memset(&c->anonymous, 0, sizeof *c - offsetof(creds, anonymous));
}

/* check_creds() with the status of the parser's other errors. */
static int
check_parsed(const creds *c, const char *what, int st, s3p_err *err)
{
	if (check_creds(c, what, err) < 0) {
		if (err != NULL)
			err->status = st;
		return -1;
	}
	return 0;
}

int
creds_parse_json(const char *buf, size_t len, int kind, const char *what,
    creds *c, s3p_err *err)
{
	int st = kind == CREDS_JSON_PROCESS ? S3P_EUSAGE : S3P_ESERVER;
	json_val root;
	size_t off;             /* json_check() sets both on failure */
	const char *why;
	char tmp[64];
	int r;

	clear_keys(c);
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
			    what, text_visible(tmp) ? tmp : "?");
	}
	for (int i = 0; i < 3; i++) {
		const char *name = fields[i].name;

		/* the metadata services call the session token "Token" */
		if (i == 2 && kind != CREDS_JSON_PROCESS)
			name += 7;
		r = json_str(&root, name, (char *)c + fields[i].off, fields[i].size,
		    what, err, st);
		if (r < 0)
			return -1;
		if (r == 0 && i < 2)
			return err_set(err, st, "%s: no %s", what, name);
	}
	r = json_str(&root, "Expiration", tmp, sizeof tmp, what, err, st);
	if (r < 0)
		return -1;
	if (r == 1 && creds_parse_time(tmp, &c->expiration) < 0)
		return err_set(err, st, "%s: Expiration is not an ISO 8601 time", what);
	if (r == 1 && c->expiration == 0)
		c->expiration = 1;      /* 0 means "never": 1970 is expired */
	return check_parsed(c, what, st, err);
}

/* ------------------------------------------------------------------ */
/* STS XML                                                              */

int
creds_parse_sts_xml(const char *buf, size_t len, creds *c, s3p_err *err)
{
	/* the messages' common start, once */
	const char *sts = "STS AssumeRoleWithWebIdentity";
	const char *e = buf + len, *cs, *ce;
	char tmp[64];

	clear_keys(c);
	if (text_find(buf, len, "<ErrorResponse") != NULL ||
	    text_find(buf, len, "<Error>") != NULL) {
		char code[128], msg[512];
		if (text_xml(buf, len, "Code", code, sizeof code) != 1)
			fmt_snprintf(code, sizeof code, "unknown");
		if (text_xml(buf, len, "Message", msg, sizeof msg) != 1)
			msg[0] = '\0';
		return err_set(err, S3P_EREFUSED, "%s: %s%s%s", sts, code,
		    msg[0] ? ": " : "", msg);
	}
	cs = text_find(buf, len, "<Credentials>");
	if (cs == NULL)
		return err_set(err, S3P_ESERVER, "%s: no Credentials in the answer",
		    sts);
	ce = text_find(cs, (size_t)(e - cs), "</Credentials>");
	if (ce == NULL)
		return err_set(err, S3P_ESERVER, "%s: malformed answer", sts);
	for (int i = 0; i < 4; i++)
		if (text_xml(cs, (size_t)(ce - cs),
		    i < 3 ? fields[i].name : "Expiration",
		    i < 3 ? (char *)c + fields[i].off : tmp,
		    i < 3 ? fields[i].size : sizeof tmp) != 1) {
			clear_keys(c);
			return err_set(err, S3P_ESERVER, "%s: AccessKeyId, "
			    "SecretAccessKey, SessionToken or Expiration missing or "
			    "too long", sts);
		}
	if (creds_parse_time(text_trim(tmp), &c->expiration) < 0 || c->expiration == 0)
		return err_set(err, S3P_ESERVER, "%s: bad Expiration", sts);
	return check_parsed(c, sts, S3P_ESERVER, err);
}

/* ------------------------------------------------------------------ */
/* one HTTP exchange with a short time-out (http.h)                     */

typedef struct {
	char *buf;
	size_t len, cap;
	const char *what;
} membuf;

/* A buffer of cap bytes (buf NULL: malloc'd); 0 when out of memory. */
static int
mem_init(membuf *m, char *buf, size_t cap, const char *what)
{
	m->buf = buf != NULL ? buf : malloc(cap);
	m->len = 0;
	m->cap = cap;
	m->what = what;
	return m->buf != NULL;
}

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

#define NET_PROXY 1     /* through the environment's proxy (STS only) */
#define NET_RETRY 2     /* a failed exchange is tried again, not only a 5xx */

/*
 * One request, sent up to `tries` times while the answer is a 5xx (and
 * with NET_RETRY while the exchange fails), each time on a new connection.
 * The last answer's body goes into `sink` (NUL-terminated). Returns the
 * HTTP status, or -1 with err set (-2 when the exchange timed out).
 */
static int
net_do(creds_ctx *cx, const char *method, const char *url,
    const http_header *h, size_t nh, membuf *body, membuf *sink,
    int timeout_ms, int tries, int flags, s3p_err *err)
{
	http_options o;
	http_request rq;
	net_state *ns;
	int r = -1;

	memset(&o, 0, sizeof o);
	o.connect_timeout_ms = timeout_ms;
	o.timeout_ms = timeout_ms;
	o.anchors = cx->anchors;
	o.insecure = cx->insecure;
	o.no_env_proxy = !(flags & NET_PROXY);
	memset(&rq, 0, sizeof rq);
	rq.method = method;
	rq.headers = h;
	rq.nheaders = nh;
	if (body != NULL) {
		rq.body = mem_read;
		rq.body_ctx = body;
		rq.body_len = body->len;
	}
	rq.sink = mem_sink;
	rq.sink_ctx = sink;
	while (tries-- > 0) {
		sink->len = 0;
		sink->buf[0] = '\0';
		ns = calloc(1, sizeof *ns);
		if (ns == NULL)
			return err_set(err, S3P_ENET, "%s: out of memory", sink->what);
		rq.url = &ns->url;
		if (http_url_parse(url, &ns->url, err) < 0 ||
		    http_client_init(&ns->cl, &o, err) < 0) {
			free(ns);
			return -1;
		}
		r = http_request_do(&ns->cl, &rq, &ns->rs, err);
		r = r < 0 ? -1 - (ns->rs.timeout != 0) : ns->rs.status;
		http_client_close(&ns->cl);
		free(ns);
		if (r >= 0 ? r < 500 : !(flags & NET_RETRY))
			break;
	}
	return r;
}

/*
 * An exchange that failed (r < 0: "WHAT SEP WHERE: " before err's
 * message, S3P_ENET) or an answer other than 200 (status r: refused, or a
 * server error for a 5xx). Returns -1.
 */
static int
net_fail(s3p_err *err, const char *what, const char *sep, const char *where,
    int r)
{
	char m[sizeof err->msg];

	if (r >= 0)
		return err_set(err, r >= 500 ? S3P_ESERVER : S3P_EREFUSED,
		    "%s%s%s: HTTP %d", what, sep, where, r);
	if (err == NULL)
		return -1;
	fmt_snprintf(m, sizeof m, "%s", err->msg);
	return err_set(err, S3P_ENET, "%s%s%s: %s", what, sep, where, m);
}

/* A region, which goes into a host name: a-z, 0-9 and '-' only. */
static int
region_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		    *s == '-'))
			return 0;
	return 1;
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
	if (v == NULL)
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
	/* (v is never empty: a value without digits stops before its NUL or
	 * leaves ms 0) */
	if (*p != '\0' || ms <= 0)
		return 1000;
	return (int)ms;
}

/*
 * AWS_METADATA_SERVICE_NUM_ATTEMPTS, 1 to 10, read as atoi() reads it
 * (blanks, a sign, the leading digits, wrapping): atoi would be the only
 * caller of its libc member.
 */
static int
metadata_attempts(void)
{
	const char *v = env("AWS_METADATA_SERVICE_NUM_ATTEMPTS");
	unsigned n = 0;
	int neg = 0;

	if (v == NULL)
		return 1;
	while (*v == ' ' || (unsigned)(*v - '\t') < 5)
		v++;
	if (*v == '-' || *v == '+')
		neg = *v++ == '-';
	while (*v >= '0' && *v <= '9')
		n = 10 * n + (unsigned)(*v++ - '0');
	if (neg)
		n = -n;
	return n - 1 < 10 ? (int)n : 1;
}

/*
 * Appends "&NAME=VALUE" for the n names (one after the other in `names`,
 * NUL-separated) and values, application/x-www-form-urlencoded (RFC 3986
 * unreserved kept); -1 when it does not fit.
 */
static int
form_put(membuf *m, const char *names, const char *const *vals, int n)
{
	static const char hex[] = "0123456789ABCDEF";

	for (int i = 0; i < n; i++, names += strlen(names) + 1) {
		const unsigned char *p = (const unsigned char *)vals[i];

		if (m->len + strlen(names) + 2 + 3 * strlen(vals[i]) >= m->cap)
			return -1;
		m->len += (size_t)fmt_snprintf(m->buf + m->len, m->cap - m->len,
		    "&%s=", names);
		for (; *p; p++) {
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
	}
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
		region = "";    /* https://sts.amazonaws.com */
	} else if (!region_ok(region)) {
		return err_set(err, S3P_EUSAGE, "bad region '%s' for STS",
		    text_visible(region) ? region : "?");
	}
	fmt_snprintf(out, outsz, "https://sts%s%s.amazonaws.com%s",
	    region[0] ? "." : "", region,
	    strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
	return 0;
}

static int
sts_assume(creds_ctx *cx, const char *role_arn, const char *token_file,
    const char *session_name, creds *c, s3p_err *err)
{
	char url[1024], name[80], *token = NULL;
	size_t n;
	membuf fm, rs;
	static const http_header h[2] = {
		{ "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" },
		{ "Accept", "application/xml" } };
	/* the form starts so (nothing to encode in it) */
	static const char form[] = "Action=AssumeRoleWithWebIdentity&"
	    "Version=2011-06-15";
	const char *vals[3];
	int r;

	if (sts_endpoint(cx, url, sizeof url, err) < 0)
		return -1;
	if (read_file(token_file, TOKEN_FILE_MAX, &token, &n,
	    "web identity token file", err) < 0)
		return -1;
	if (session_name == NULL || session_name[0] == '\0') {
		fmt_snprintf(name, sizeof name, "s3pub-session-%lld",
		    (long long)time(NULL));
		session_name = name;
	}
	r = mem_init(&fm, NULL, 3 * TOKEN_FILE_MAX + 4096, "STS");
	r &= mem_init(&rs, NULL, BODY_MAX, "STS AssumeRoleWithWebIdentity");
	if (!r) {
		r = err_set(err, S3P_ENET, "STS: out of memory");
		goto out;
	}
	memcpy(fm.buf, form, sizeof form);
	fm.len = sizeof form - 1;
	vals[0] = role_arn;
	vals[1] = session_name;
	vals[2] = text_trim(token);
	if (form_put(&fm, "RoleArn\0RoleSessionName\0WebIdentityToken", vals,
	    3) < 0) {
		r = err_set(err, S3P_EUSAGE, "STS: role ARN or session name too long");
		goto out;
	}
	logf_(cx, "web identity: AssumeRoleWithWebIdentity %s at %s",
	    role_arn, url);
	r = net_do(cx, "POST", url, h, 2, &fm, &rs, 10000, 1, NET_PROXY, err);
	if (r < 0) {
		r = -1;
	} else if (r != 200) {
		s3p_err e2;
		creds tmp;

		if (creds_parse_sts_xml(rs.buf, rs.len, &tmp, &e2) < 0 &&
		    e2.status == S3P_EREFUSED)
			r = err_set(err, r >= 500 ? S3P_ESERVER : S3P_EREFUSED,
			    "%s (HTTP %d from %s)", e2.msg, r, url);
		else
			r = net_fail(err, "STS AssumeRoleWithWebIdentity", " at ", url,
			    r);
	} else {
		r = creds_parse_sts_xml(rs.buf, rs.len, c, err);
	}
out:
	if (r < 0)
		memset(c, 0, sizeof *c);
	free(token);
	free(rs.buf);
	free(fm.buf);
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
	static const char ok[] = "localhost\0" "169.254.170.2\0" "169.254.170.23\0"
	    "fd00:ec2::23\0" "::1\0";

	if (u->https)
		return 1;
	if (u->host_ip == 4 && strncmp(u->host, "127.", 4) == 0)
		return 1;
	for (const char *p = ok; *p != '\0'; p += strlen(p) + 1)
		if (strcmp(u->host, p) == 0)
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
	char url[2048], *tok = NULL;
	http_header h[2] = { { "Accept", "application/json" }, { NULL, NULL } };
	membuf rs;
	size_t nh = 1, tlen;
	http_url *u;
	int r;

	if (rel == NULL && full == NULL)
		return 0;
	if (fmt_snprintf(url, sizeof url, "%s%s%s",
	    rel != NULL ? "http://169.254.170.2" : "",
	    rel != NULL && rel[0] != '/' ? "/" : "",
	    rel != NULL ? rel : full) >= (int)sizeof url)
		return err_set(err, S3P_EUSAGE, "%s too long", rel != NULL ?
		    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI" :
		    "AWS_CONTAINER_CREDENTIALS_FULL_URI");
	if (rel == NULL) {
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
			return err_set(err, S3P_EUSAGE, "%s: http is allowed only to a "
			    "loopback address or the container agent (169.254.170.2, "
			    "169.254.170.23)", "AWS_CONTAINER_CREDENTIALS_FULL_URI");
		if (tokfile != NULL) {
			if (read_file(tokfile, TOKEN_FILE_MAX, &tok, &tlen,
			    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", err) < 0)
				return -1;
			h[1].value = text_trim(tok);
		} else if (tokenv != NULL) {
			h[1].value = tokenv;
		}
		if (h[1].value != NULL) {
			if (text_has_ctl(h[1].value)) {
				free(tok);
				return err_set(err, S3P_EUSAGE, "container "
				    "authorization token holds a control character");
			}
			h[1].name = "Authorization";
			nh = 2;
		}
	}
	if (!mem_init(&rs, NULL, BODY_MAX, "container credentials")) {
		free(tok);
		return err_set(err, S3P_ENET, "out of memory");
	}
	logf_(cx, "container endpoint %s", url);
	/* botocore: 2 s, 3 attempts */
	r = net_do(cx, "GET", url, h, nh, NULL, &rs, 2000, 3, 0, err);
	if (r != 200)
		r = net_fail(err, "container credentials", " at ", url, r);
	else
		r = creds_parse_json(rs.buf, rs.len, CREDS_JSON_CONTAINER,
		    "container credentials", c, err);
	free(rs.buf);
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
} imds;

/*
 * Gets a session token. 1 ok, 0 unavailable (`why` says so, for the final
 * message: disabled, no answer, IMDSv1 only), -1 error.
 */
static int
imds_start(creds_ctx *cx, imds *m, char *why, size_t whysz, s3p_err *err)
{
	const char *v = env("AWS_EC2_METADATA_DISABLED");
	const char *ep = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	const char *mode = env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	static const http_header h[1] = {
		{ "X-aws-ec2-metadata-token-ttl-seconds", "21600" } };
	membuf tk;
	char url[600];
	size_t n;
	int r;
	s3p_err e2;

	memset(m, 0, sizeof *m);
	if (v != NULL && strcasecmp(v, "true") == 0) {
		fmt_snprintf(why, whysz, "IMDS (disabled)");
		return 0;
	}
	if (ep == NULL)
		ep = mode != NULL && strcasecmp(mode, "ipv6") == 0 ?
		    "http://[fd00:ec2::254]" : "http://169.254.169.254";
	n = strlen(ep);
	while (n > 0 && ep[n - 1] == '/')
		n--;
	if (copy(m->base, sizeof m->base, ep, n) < 0)
		return err_set(err, S3P_EUSAGE, "%s too long",
		    "AWS_EC2_METADATA_SERVICE_ENDPOINT");
	m->timeout_ms = metadata_timeout_ms();
	m->attempts = metadata_attempts();
	fmt_snprintf(url, sizeof url, "%s/latest/api/token", m->base);
	logf_(cx, "IMDSv2 token from %s (time-out %d ms)", url,
	    m->timeout_ms);
	mem_init(&tk, m->token, sizeof m->token, "IMDS");
	r = net_do(cx, "PUT", url, h, 1, NULL, &tk, m->timeout_ms, m->attempts,
	    NET_RETRY, &e2);
	if (r < 0) {
		fmt_snprintf(why, whysz, "IMDS (%s)",
		    r == -2 ? "no answer within the time-out" : "unreachable");
		logf_(cx, "IMDS: %s", e2.msg);
		return 0;
	}
	if (r == 403 || r == 404 || r == 405) {
		/* IMDSv1 only (or v2 turned off): never fall back to v1 */
		fmt_snprintf(why, whysz, "IMDS (token request refused "
		    "with HTTP %d: IMDSv1 is not used)", r);
		return 0;
	}
	if (r != 200)
		return net_fail(err, "IMDS", " ", url, r);
	text_trim(m->token);    /* in place: the token starts the buffer */
	if (m->token[0] == '\0' || !text_visible(m->token))
		return err_set(err, S3P_ESERVER, "IMDS %s: malformed token", url);
	return 1;
}

/* GET base+path with the token: the HTTP status, or -1 with err set. */
static int
imds_get(creds_ctx *cx, imds *m, const char *path, membuf *out, s3p_err *err)
{
	http_header h[1] = { { "X-aws-ec2-metadata-token", m->token } };
	char url[1200];
	int r;

	fmt_snprintf(url, sizeof url, "%s%s", m->base, path);
	r = net_do(cx, "GET", url, h, 1, NULL, out, m->timeout_ms, m->attempts,
	    NET_RETRY, err);
	return r < 0 ? net_fail(err, "IMDS", " ", path, r) : r;
}

static int
src_imds(creds_ctx *cx, creds *c, char *why, size_t whysz, s3p_err *err)
{
	imds m;
	char role[256], what[420], *t;   /* what: "IMDS PATH" */
	membuf rs;
	const char *p = "/latest/meta-data/iam/security-credentials/";
	int r, status;

	r = imds_start(cx, &m, why, whysz, err);
	if (r <= 0)
		return r;
	if (!mem_init(&rs, NULL, BODY_MAX, "IMDS"))
		return err_set(err, S3P_ENET, "out of memory");
	r = -1;
	/* the role list, then the first role's credentials */
	for (int step = 0; step < 2; step++) {
		if ((status = imds_get(cx, &m, p, &rs, err)) < 0)
			goto out;
		if (status == 404) {
			if (step == 0)
				fmt_snprintf(why, whysz,
				    "IMDS (no IAM role attached to the instance)");
			else
				fmt_snprintf(why, whysz, "IMDS (role %s: HTTP 404)", role);
			r = 0;
			goto out;
		}
		if (status != 200) {
			net_fail(err, "IMDS", " ", p, status);
			goto out;
		}
		if (step == 1)
			break;
		/* the first line is the role name */
		rs.buf[strcspn(rs.buf, "\r\n")] = '\0';
		t = text_trim(rs.buf);
		if (copy(role, sizeof role, t, strlen(t)) < 0 ||
		    role[0] == '\0' || !text_visible(role) ||
		    role[strcspn(role, "/?%")] != '\0') {
			err_set(err, S3P_ESERVER, "IMDS %s: malformed role name", p);
			goto out;
		}
		fmt_snprintf(what, sizeof what, "IMDS %s%s", p, role);
		logf_(cx, "IMDS role %s", role);
		p = what + 5;
	}
	if (creds_parse_json(rs.buf, rs.len, CREDS_JSON_IMDS, what, c, err) < 0)
		goto out;
	set_source(c, "imds");
	r = 1;
out:
	free(rs.buf);
	return r;
}

int
creds_imds_region(creds_ctx *cx, char *out, size_t outsz, s3p_err *err)
{
	imds m;
	char buf[256];
	membuf rs;
	int r;
	s3p_err e2;

	if (outsz > 0)
		out[0] = '\0';
	r = imds_start(cx, &m, NULL, 0, err);
	if (r <= 0)
		return r;
	mem_init(&rs, buf, sizeof buf, "IMDS");
	if (imds_get(cx, &m, "/latest/meta-data/placement/region", &rs,
	    &e2) != 200)
		return 0;
	text_trim(buf);
	if (!region_ok(buf))
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
	logf_(cx, "running the credential_process of %s", what);
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

/* ------------------------------------------------------------------ */
/* the sources                                                          */

static int
src_env(creds *c, s3p_err *err)
{
	static const char what[] = "environment (AWS_ACCESS_KEY_ID)";
	const char *v[3] = { env("AWS_ACCESS_KEY_ID"),
		env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN") };
	const char *exp = env("AWS_CREDENTIAL_EXPIRATION");

	if (v[0] == NULL && v[1] == NULL)
		return 0;
	if (v[0] == NULL || v[1] == NULL)
		return err_set(err, S3P_EUSAGE, "%s is set but %s is not",
		    v[0] ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		    v[0] ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	memset(c, 0, sizeof *c);
	for (int i = 0; i < 3; i++)
		if (v[i] != NULL && copy((char *)c + fields[i].off, fields[i].size,
		    v[i], strlen(v[i])) < 0)
			return i < 2 ? err_set(err, S3P_EUSAGE, "%s: %s too long",
			    what, i ? "secret access key" : "access key id") :
			    err_set(err, S3P_EUSAGE, "%s: session token longer than "
			    "%d bytes", what, CREDS_TOKEN_MAX - 1);
	if (check_creds(c, what, err) < 0)
		return -1;
	if (exp != NULL && (creds_parse_time(exp, &c->expiration) < 0 ||
	    c->expiration == 0))
		return err_set(err, S3P_EUSAGE, "%s is not an ISO 8601 time",
		    "AWS_CREDENTIAL_EXPIRATION");
	set_source(c, "environment");
	return 1;
}

/* Static keys of one file's profile. 1, 0, -1. */
static int
static_keys(files *f, int which, creds *c)
{
	static const char key[3][24] = { "aws_access_key_id",
		"aws_secret_access_key", "aws_session_token" };
	char what[PATH_MAX_ + CREDS_PROFILE_MAX + 32];
	int got[3];

	memset(c, 0, sizeof *c);
	for (int i = 0; i < 3; i++) {
		if (i == 2) {
			if (got[0] + got[1] == 0)
				return 0;
			fmt_snprintf(what, sizeof what, "%s: profile '%s'",
			    f->path[which], f->cx->profile);
			if (got[0] + got[1] == 1)
				return err_set(f->err, S3P_EUSAGE, "%s has %s but no %s",
				    what, key[got[1]], key[got[0]]);
		}
		got[i] = file_value(f, which, NULL, key[i], (char *)c + fields[i].off,
		    fields[i].size);
		if (got[i] < 0)
			return -1;
	}
	if (check_creds(c, what, f->err) < 0)
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
	char *v, *w, *sn;
	int r;

	if (files_load(cx, &f, err) < 0)
		return -1;
	fmt_snprintf(looked, lsz, "%s, %s", f.path[0], f.path[1]);
	v = malloc(3 * VALUE_MAX);
	if (v == NULL) {
		r = err_set(err, S3P_EUSAGE, "out of memory");
		goto out;
	}
	w = v + VALUE_MAX;
	sn = w + VALUE_MAX;
	/* assume role with web identity, from the profile */
	r = prof_value(&f, "web_identity_token_file", v);
	if (r < 0)
		goto out;
	if (r == 1) {
		if ((r = prof_value(&f, "role_arn", w)) <= 0) {
			if (r == 0)
				r = err_set(err, S3P_EUSAGE, "profile '%s' has "
				    "web_identity_token_file but no role_arn", cx->profile);
			goto out;
		}
		if ((r = prof_value(&f, "role_session_name", sn)) < 0)
			goto out;
		logf_(cx, "profile '%s': web identity", cx->profile);
		if ((r = sts_assume(cx, w, v, r == 1 ? sn : NULL, c, err)) < 0)
			goto out;
		set_source(c, "web-identity");
		*which = SRC_WEBID_PROFILE;
		r = 1;
		goto out;
	}
	/* assume role from another profile: not supported, say so */
	if ((r = prof_value(&f, "role_arn", w)) != 0) {
		if (r > 0)
			r = err_set(err, S3P_EUSAGE, "profile '%s': role_arn without "
			    "web_identity_token_file (source_profile, "
			    "credential_source) is not supported", cx->profile);
		goto out;
	}
	if ((r = static_keys(&f, 0, c)) != 0) {
		*which = SRC_CREDFILE;
		goto out;
	}
	r = prof_value(&f, "credential_process", v);
	if (r < 0)
		goto out;
	if (r == 1) {
		fmt_snprintf(w, VALUE_MAX, "profile '%s'", cx->profile);
		if ((r = run_process(cx, v, w, c, err)) < 0)
			goto out;
		set_source(c, "credential_process");
		*which = SRC_PROCESS;
		r = 1;
		goto out;
	}
	if ((r = static_keys(&f, 1, c)) != 0) {
		*which = SRC_CONFIG;
		goto out;
	}
	if ((r = prof_value(&f, "sso_start_url", v)) == 0)
		r = prof_value(&f, "sso_session", v);
	if (r > 0)
		r = err_set(err, S3P_EUSAGE, "profile '%s' uses AWS IAM Identity "
		    "Center (SSO), which s3pub does not support: use "
		    "credential_process", cx->profile);
out:
	free(v);
	files_free(&f);
	if (r <= 0)
		memset(c, 0, sizeof *c);
	return r;
}

static int not_expired(const creds *c, time_t now, s3p_err *err);

/*
 * Runs one source: 1 found (and not expired at `now`), 0 not configured,
 * -1 error.
 */
static int
run_source(creds_ctx *cx, int src, creds *c, time_t now, char *why,
    size_t whysz, int *used, s3p_err *err)
{
	int r;

	why[0] = '\0';
	*used = src;
	if (src == SRC_ENV) {
		fmt_snprintf(why, whysz, "environment");
		r = src_env(c, err);
	} else if (src == SRC_WEBID_ENV) {
		fmt_snprintf(why, whysz, "web identity");
		r = src_webid_env(cx, c, err);
	} else if (src == SRC_CONTAINER) {
		fmt_snprintf(why, whysz, "container");
		r = src_container(cx, c, err);
	} else if (src == SRC_IMDS) {
		r = src_imds(cx, c, why, whysz, err);
	} else {        /* the profile's sources; never SRC_NONE */
		r = src_profile(cx, c, used, why, whysz, err);
	}
	return r == 1 && not_expired(c, now, err) < 0 ? -1 : r;
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
	if (text_has_ctl(p))
		return err_set(err, S3P_EUSAGE, "profile name holds a control "
		    "character");
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
	char looked[1024], why[PATH_MAX_ * 2 + 64], t[32];
	size_t ll = 0;
	int used = SRC_NONE;

	memset(c, 0, sizeof *c);
	looked[0] = '\0';
	for (size_t i = 0; i < sizeof chain / sizeof chain[0]; i++) {
		int r;

		if (chain[i] == SRC_ENV && cx->profile_from_option) {
			logf_(cx, "--profile given: environment keys "
			    "not used");
			continue;
		}
		r = run_source(cx, chain[i], c, now, why, sizeof why, &used, err);
		if (r < 0) {
			memset(c, 0, sizeof *c);
			return -1;
		}
		if (r == 1) {
			const char *x = "";

			cx->src = used;
			t[0] = '\0';
			if (c->expiration != 0) {
				fmt_time(c->expiration, t);
				x = ", expiring ";
			}
			logf_(cx, "from %s (profile '%s')%s%s", c->source, cx->profile,
			    x, t);
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
	logf_(cx, "refreshing from %s", c->source);
	r = run_source(cx, cx->src, fresh, now, why, sizeof why, &used, err);
	if (r == 0)
		r = err_set(err, S3P_EUSAGE, "credentials: refresh from %s found "
		    "nothing%s%s", c->source, why[0] ? ": " : "", why);
	if (r > 0) {
		memcpy(c, fresh, sizeof *c);
		cx->src = used;
	}
	memset(fresh, 0, sizeof *fresh);
	free(fresh);
	return r < 0 ? -1 : 0;
}
