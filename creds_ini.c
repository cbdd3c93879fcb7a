/*
 * creds_ini.c: the INI reader of the AWS config and credentials files.
 * See creds_ini.h.
 *
 * One pass over the text, line by line (ini_scan), checks every line as
 * configparser would and captures the value looked up: in the section
 * asked for, else in [DEFAULT].
 */
#include "creds_ini.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "creds.h"
#include "fmt.h"
#include "json.h"
#include "text.h"

/* s[0..n) (no NUL in it) is the string z. */
static int
eq(const char *s, size_t n, const char *z)
{
	return strncmp(s, z, n) == 0 && z[n] == '\0';
}

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

	const char *kind = q->config_style == 1 ? "profile" : "services";
	size_t kl = strlen(kind);

	if (!q->config_style)
		return eq(h, n, q->section);
	if (q->config_style == 1 && eq(h, n, "default"))
		return strcmp(q->section, "default") == 0;
	/* botocore: key.startswith("profile") and len(shlex.split(key)) == 2;
	 * the same for "services" */
	if (n < kl || memcmp(h, kind, kl) != 0)
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
