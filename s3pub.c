/*
 * s3pub.c: the command line. Parses options, assembles the units (archive,
 * spec, creds, http, s3), prints the result spec, and maps every failure to
 * one line on stderr and the exit status of SPEC section 10. The only file
 * that prints or exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <bearssl_hash.h>

#include "archive.h"
#include "clock.h"
#include "crc32.h"
#include "creds.h"
#include "err.h"
#include "fmt.h"
#include "get.h"
#include "hashpass.h"
#include "help.h"
#include "help_z.h"
#include "http.h"
#include "inflate.h"
#include "manifest.h"
#include "objopts.h"
#include "presigned.h"
#include "s3.h"
#include "s3_decide.h"
#include "sha256.h"
#include "sync.h"
#include "target.h"
#include "text.h"

#define DEFAULT_PART_SIZE (64ULL << 20)



/*
 * Everything the options can say. The fields options set come first: the
 * option table holds their offsets in one byte.
 */
typedef struct {
	const char *spec_file;
	const char *version_id;
	const char *presigned_url;
	const char *profile;
	const char *ca_file;
	const char *execution_id, *job_id, *node_id;
	const char *checksum_b64, *content_hex, *manifest_hex;  /* get */
	const char *content_type;       /* publish, gzip encoding */
	uint64_t part_size;
	int dry_run;
	int checksum;                   /* -1: by endpoint */
	int attempts;
	int path_style, virtual_hosted;
	int no_sign;
	int insecure;
	int connect_timeout, timeout;
	int yaml;
	int quiet, verbose;
	int expires;
	int put;                        /* presign --method PUT */
	int force;                      /* get */
	int jobs;                       /* 0: not given */
	int parts_at_once;              /* multipart senders; 0: not given */
	int no_resume, keep_partial, no_overwrite;
	int compress;                   /* deflate level, 0: stored */
	const char *pos[8];
	int npos;
	target opt;                     /* endpoint, region, encoding given */
	objopts obj;                    /* --storage-class .. --metadata */
} options;

/*
 * The options, one table: name, how the value is read, the commands that
 * take it (C_*), the field, and a number whose meaning depends on the kind
 * (O_FLAG: the value stored; otherwise the message, W_*, for a bad value).
 */
enum { C_PUBLISH = 1, C_PRESIGN = 2, C_GET = 4, C_ARCHIVE = 8 };
enum { O_FLAG, O_STR, O_INT, O_SIZE, O_CHOICE, O_SHA, O_SPEC, O_OBJ };
enum {
	W_RETRIES, W_JOBS, W_SECONDS, W_EXPIRES, W_LEVEL, W_AT_ONCE, /* int_max[] */
	W_SIZE, W_MINPART, W_OUTPUT, W_METHOD, W_B64, W_HEX
};

#define P C_PUBLISH
#define S C_PRESIGN
#define G C_GET
#define OFF(f) offsetof(options, f)
#define OPTIONS(X) \
	X("spec",            O_STR,    P|G,       OFF(spec_file), 0) \
	X("presigned-url",   O_STR,    P,         OFF(presigned_url), 0) \
	X("dry-run",         O_FLAG,   P,         OFF(dry_run), 1) \
	X("part-size",       O_SIZE,   P,         OFF(part_size), W_SIZE) \
	X("checksum",        O_FLAG,   P,         OFF(checksum), 1) \
	X("no-checksum",     O_FLAG,   P,         OFF(checksum), 0) \
	X("retries",         O_INT,    P|G,       OFF(attempts), W_RETRIES) \
	X("jobs",            O_INT,    P|C_ARCHIVE, OFF(jobs), W_JOBS) \
	X("compress",        O_INT,    P|C_ARCHIVE, OFF(compress), W_LEVEL) \
	X("parts-at-once",   O_INT,    P,         OFF(parts_at_once), W_AT_ONCE) \
	X("no-resume",       O_FLAG,   P,         OFF(no_resume), 1) \
	X("keep-partial",    O_FLAG,   P,         OFF(keep_partial), 1) \
	X("no-overwrite",    O_FLAG,   P,         OFF(no_overwrite), 1) \
	X("path-style",      O_FLAG,   P|S|G,     OFF(path_style), 1) \
	X("virtual-hosted",  O_FLAG,   P|S|G,     OFF(virtual_hosted), 1) \
	X("profile",         O_STR,    P|S|G,     OFF(profile), 0) \
	X("no-sign-request", O_FLAG,   P|G,       OFF(no_sign), 1) \
	X("ca-file",         O_STR,    P|G,       OFF(ca_file), 0) \
	X("insecure",        O_FLAG,   P|G,       OFF(insecure), 1) \
	X("connect-timeout", O_INT,    P|G,       OFF(connect_timeout), W_SECONDS) \
	X("timeout",         O_INT,    P|G,       OFF(timeout), W_SECONDS) \
	X("output",          O_CHOICE, P,         OFF(yaml), W_OUTPUT) \
	X("quiet",           O_FLAG,   P|G|C_ARCHIVE, OFF(quiet), 1) \
	X("verbose",         O_FLAG,   P|S|G,     OFF(verbose), 1) \
	X("execution-id",    O_STR,    P,         OFF(execution_id), 0) \
	X("job-id",          O_STR,    P,         OFF(job_id), 0) \
	X("node-id",         O_STR,    P,         OFF(node_id), 0) \
	X("expires",         O_INT,    S,         OFF(expires), W_EXPIRES) \
	X("method",          O_CHOICE, S,         OFF(put), W_METHOD) \
	X("checksum-sha256", O_SHA,    G,         OFF(checksum_b64), W_B64) \
	X("content-sha256",  O_SHA,    G,         OFF(content_hex), W_HEX) \
	X("manifest-sha256", O_SHA,    G,         OFF(manifest_hex), W_HEX) \
	X("version-id",      O_STR,    G,         OFF(version_id), 0) \
	X("force",           O_FLAG,   G,         OFF(force), 1) \
	X("endpoint",        O_SPEC,   P|S|G,     0, 0) \
	X("region",          O_SPEC,   P|S|G,     0, 0) \
	X("encoding",        O_SPEC,   P,         0, 0) \
	X("content-type",    O_STR,    P,         OFF(content_type), 0) \
	X("storage-class",   O_OBJ,    P,         0, 0) \
	X("sse",             O_OBJ,    P,         0, 0) \
	X("sse-kms-key-id",  O_OBJ,    P,         0, 0) \
	X("tag",             O_OBJ,    P,         0, 0) \
	X("metadata",        O_OBJ,    P,         0, 0) \
	X("sse-c-key-file",  O_OBJ,    P|G,       0, 0)
#define OPT_NAME(n, k, c, o, a) n "\0"
#define OPT_DEF(n, k, c, o, a) { k, c, o, a },

static const char opt_names[] = OPTIONS(OPT_NAME);
static const struct {
	unsigned char kind, cmds, off, arg;
} opt_defs[] = { OPTIONS(OPT_DEF) };
#undef P
#undef S
#undef G

/* After "--NAME 'VALUE': ". O_CHOICE reads its two words from here. */
static const char opt_why[] =
	"a number of attempts from 1 to 100\0"
	"parallel uploads from 1 to 64\0"
	"seconds from 1 to 86400\0"
	"seconds from 1 to 604800 (7 days)\0"
	"a level from 0 (stored) to 9\0"
	"1 or 2\0"
	"not a size (e.g. 64MiB)\0"
	"at least 5MiB (S3's minimum part)\0"
	"json or yaml\0"
	"GET or PUT\0"
	"the base64 of a SHA-256 (44 characters)\0"
	"64 hex digits";
static const uint32_t int_max[] = { 100, 64, 86400, 604800, 9, 2 };

/* The bytes of a base64 digest, of a hex digest, of a non-AWS bucket. */
static const char base64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
static const char hex_chars[] = "0123456789abcdefABCDEF";
static const char bucket_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

/* How many bytes at the start of s are in the string set. */
static size_t
span(const char *s, const char *set)
{
	size_t i = 0;

	while (s[i] != '\0' && strchr(set, s[i]) != NULL)
		i++;
	return i;
}

/* Help text `skip` on its way out of inflate (put_help). */
typedef struct {
	int skip;               /* texts before ours; below 0: past it */
	int fd;
	int failed;
	size_t n;
	char line[128];
} help_out;

/* Each tab as the spaces up to column 24 (help.h). */
static int
help_bytes(void *ctx, const unsigned char *p, size_t len)
{
	help_out *h = ctx;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '\0')
			h->skip--;      /* a text's end: ours is at 0 to -1 */
		if (p[i] == '\0' || h->skip != 0)
			continue;
		if (p[i] != '\t')
			h->line[h->n++] = (char)p[i];
		else
			while (h->n < 24)
				h->line[h->n++] = ' ';
		if (p[i] == '\n' || h->n > sizeof h->line - 24) {
			h->failed |= fmt_write(h->fd, h->line, h->n);
			h->n = 0;
		}
	}
	return 0;
}

/*
 * Writes help text i of help.h (the commands' in the order of cmd_names,
 * then the usage) to f, inflated from help_z. Returns 0, or 1 (an exit
 * status) when that failed.
 */
static int
put_help(int i, int fd)
{
	inflate_ctx *z = malloc(sizeof *z);
	help_out h = { i, fd, 0, 0, "" };
	int rc = 1;

	if (z != NULL) {
		inflate_init(z, help_bytes, &h);
		rc = inflate_feed(z, help_z, sizeof help_z) < 0 ||
		    inflate_finish(z) != 0 ||
		    inflate_total_out(z) != HELP_TEXT_SIZE || h.failed;
	}
	free(z);
	if (rc)
		fmt_dprintf(2, "s3pub: cannot write the help text\n");
	return rc;
}

/* The i-th string of a NUL-separated list. */
static const char *
str_at(const char *s, int i)
{
	while (i-- > 0)
		s += strlen(s) + 1;
	return s;
}

/* Where `name` stands in a NUL-separated list, or -1. */
static int
str_index(const char *list, const char *name)
{
	for (int i = 0; *list != '\0'; i++, list += strlen(list) + 1)
		if (strcmp(list, name) == 0)
			return i;
	return -1;
}

/*
 * The state of the one command a process runs: its client, credentials,
 * and where requests go. The client points at the others for the whole
 * run (cx.region at pl.region).
 */
typedef struct {
	char region[64];
	char endpoint[1024];
	int endpoint_custom;            /* not AWS's default */
} place;

static http_client hc;
static s3_client s3c;
static http_client twin_hc;     /* the archive's second part sender */
static s3_client twin;
static creds cred;
static creds_ctx cx;
static place pl;
static presigned_info presigned; /* get or publish with a presigned URL */

static void
log_line(void *ctx, const char *line)
{
	(void)ctx;
	fmt_dprintf(2, "s3pub: %s\n", line);
}

static void
warn_line(void *ctx, const char *msg)
{
	options *o = ctx;

	if (!o->quiet)
		fmt_dprintf(2, "s3pub: warning: %s\n", msg);
}

/*
 * SIGINT/SIGTERM during a publish: the handler only records the signal;
 * s3.c notices it at its next wait or read (s3_client.cancel), aborts a
 * multipart upload from normal code, and publish exits 128 + the signal
 * (130, 143). A second signal kills at once (the handlers are reset).
 */
static volatile sig_atomic_t got_signal;

/*
 * No SA_RESTART: poll() and nanosleep() return EINTR. The handler runs
 * with the other signals blocked, so that a second SIGINT or SIGTERM
 * waits for the handlers to be reset. sigaction and sigfillset are
 * async-signal-safe (POSIX).
 */
static void
set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sigfillset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void
on_signal(int sig)
{
	/* atomic: the other threads poll it (err_cancelled) */
	if (__atomic_load_n(&got_signal, __ATOMIC_RELAXED) == 0)
		__atomic_store_n(&got_signal, sig, __ATOMIC_RELAXED);
	set_handler(SIGINT, SIG_DFL);
	set_handler(SIGTERM, SIG_DFL);
}

/* A signal ignored at start (nohup, a background job of sh) stays ignored. */
static void
catch_signal(int sig)
{
	struct sigaction old;

	if (sigaction(sig, NULL, &old) != 0 || old.sa_handler != SIG_IGN)
		set_handler(sig, on_signal);
}

static void
catch_signals(void)
{
	catch_signal(SIGINT);
	catch_signal(SIGTERM);
}

/* The one line on stderr and the exit status: 128 + the signal that
 * stopped the run, else the error's. */
static int
fail(const s3p_err *e)
{
	int sig = __atomic_load_n(&got_signal, __ATOMIC_RELAXED);

	fmt_dprintf(2, "s3pub: %s%s\n",
	    sig == 0 ? "" : sig == SIGINT ? "SIGINT: " : "SIGTERM: ",
	    e->msg[0] ? e->msg : sig ? "interrupted" : "failed");
	return sig ? 128 + sig : e->status ? e->status : 1;
}

/*
 * "5MiB", "64MB", "64M", "1048576": bytes. As the AWS CLI's SIZE_SUFFIX,
 * KB and KiB are both 1024 (MB, GB, TB likewise), case-insensitive.
 */
static int
parse_size(const char *s, uint64_t *out)
{
	/* the unit at i is 1024 to the power (i + 2) / 3 */
	static const char units[] = "b\0k\0kb\0kib\0m\0mb\0mib\0g\0gb\0gib\0"
	    "t\0tb\0tib\0";
	const char *end, *u = units;
	uint64_t v;
	unsigned i = 0, shift = 0;

	end = text_num(s, 10, &v);
	if (end == NULL || end == s)
		return -1;
	if (*end != '\0') {
		for (; *u != '\0'; i++, u += strlen(u) + 1)
			if (strcasecmp(end, u) == 0)
				break;
		if (*u == '\0')
			return -1;
		shift = (i + 2) / 3 * 10;
	}
	if (v > UINT64_MAX >> shift)
		return -1;
	*out = v << shift;
	return 0;
}

/*
 * Options of the command `cmd` (a C_* bit). Returns 0, -1 with err set,
 * or 1 for --help.
 */
static int
parse_options(int argc, char **argv, options *o, unsigned cmd, s3p_err *err)
{
	int rest = 0;

	memset(o, 0, sizeof *o);
	o->part_size = DEFAULT_PART_SIZE;
	o->checksum = -1;
	o->attempts = 5;
	o->connect_timeout = 10;
	o->timeout = 60;
	o->expires = 3600;
	o->compress = DEFAULT_COMPRESS;
	target_init(&o->opt);

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *eq, *w, *end;
		char name[64], *f;
		int k, why;
		uint64_t n;
		size_t l;

		if (rest || a[0] != '-' || a[1] == '\0') {
			if (o->npos >= (int)(sizeof o->pos / sizeof o->pos[0]))
				return err_set(err, S3P_EUSAGE, "too many arguments");
			o->pos[o->npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			rest = 1;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return 1;
		if (strncmp(a, "--", 2) != 0)
			return err_set(err, S3P_EUSAGE, "unknown option '%s'", a);
		eq = strchr(a, '=');
		fmt_snprintf(name, sizeof name, "%.*s", (int)(eq ? (size_t)(eq - a - 2) : strlen(a + 2)), a + 2);
		k = str_index(opt_names, name);
		if (k < 0 || !(opt_defs[k].cmds & cmd))
			return err_set(err, S3P_EUSAGE, "unknown option '--%s'", name);
		if (opt_defs[k].kind == O_FLAG) {
			if (eq != NULL)
				return err_set(err, S3P_EUSAGE,
				    "option '--%s' takes no value", name);
		} else if (eq != NULL)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			return err_set(err, S3P_EUSAGE,
			    "option '--%s' needs a value", name);

		f = (char *)o + opt_defs[k].off;
		why = opt_defs[k].arg;
		switch (opt_defs[k].kind) {
		case O_FLAG:
			*(int *)f = why;
			continue;
		case O_STR:
			*(const char **)f = val;
			continue;
		case O_INT:
			end = text_num(val, 10, &n);
			if (end == NULL || end == val || *end != '\0' ||
			    n < (why == W_LEVEL ? 0u : 1u) || n > int_max[why])
				break;
			*(int *)f = (int)n;
			continue;
		case O_SIZE:
			if (parse_size(val, &o->part_size) < 0)
				break;
			why = W_MINPART;
			if (o->part_size < S3_MIN_PART)
				break;
			continue;
		case O_CHOICE:
			/* "A or B": A stores 0, B stores 1 */
			w = str_at(opt_why, why);
			l = (size_t)(strchr(w, ' ') - w);
			if (strncmp(val, w, l) == 0 && val[l] == '\0')
				*(int *)f = 0;
			else if (strcmp(val, w + l + 4) == 0)
				*(int *)f = 1;
			else
				break;
			continue;
		case O_SHA:     /* base64 with its '=' pad, or hex */
			l = why == W_B64 ? 44 : 64;
			if (strlen(val) != l || (l == 44 && val[43] != '=') ||
			    span(val, l == 44 ? base64_chars : hex_chars) != l)
				break;
			*(const char **)f = val;
			continue;
		case O_OBJ:
			if (objopts_add(&o->obj, name, val, err) < 0)
				return -1;
			continue;
		default:        /* O_SPEC */
			if (target_set(&o->opt, name, val, err) < 0)
				return -1;
			continue;
		}
		return err_set(err, S3P_EUSAGE, "--%s '%s': %s", name, val,
		    str_at(opt_why, why));
	}
	if (o->path_style && o->virtual_hosted)
		return err_set(err, S3P_EUSAGE,
		    "--path-style and --virtual-hosted contradict each other");
	if (o->quiet && o->verbose)
		o->quiet = 0;
	return 0;
}

/* ---------------------------------------------------------------- */
/* Where requests go: SPEC section 4's region and endpoint order. */

/*
 * The first of the variables (NUL-separated) set and not empty, or NULL;
 * its name into *name.
 */
static const char *
env_first(const char *names, const char **name)
{
	for (; *names != '\0'; names += strlen(names) + 1) {
		const char *v = getenv(names);
		if (v != NULL && *v) {
			*name = names;
			return v;
		}
	}
	return NULL;
}

/*
 * The credential chain's context, the region and endpoint into pl, and
 * the bucket checked (when not NULL). --dry-run too reads the profile
 * (local files: the place printed is the one a publish would use).
 */
static int
resolve_place(const options *o, const target *t, const char *bucket,
    s3p_err *err)
{
	const char *v, *from;
	char buf[1024];
	size_t n;
	int rc;

	if (creds_init(&cx, o->profile, err) < 0)
		return -1;
	/* STS and container endpoints over https trust what S3 does */
	cx.ca_file = o->ca_file;
	cx.insecure = o->insecure;
	if (o->verbose)
		cx.log = log_line;
	v = (t->set & TARGET_SET_ENDPOINT) ? t->endpoint :
	    env_first("AWS_ENDPOINT_URL_S3\0AWS_ENDPOINT_URL\0", &from);
	if (v == NULL) {
		rc = creds_profile_value(&cx, "s3", "endpoint_url", buf, sizeof buf, err);
		if (rc == 0)
			rc = creds_profile_value(&cx, NULL, "endpoint_url", buf,
			    sizeof buf, err);
		if (rc < 0)
			return -1;
		if (rc == 1)
			v = buf;
	}
	fmt_snprintf(pl.endpoint, sizeof pl.endpoint, "%s", v ? v : "");

	from = "--region";      /* or the target's, or --spec's */
	v = (t->set & TARGET_SET_REGION) ? t->region :
	    env_first("AWS_REGION\0AWS_DEFAULT_REGION\0", &from);
	if (v == NULL &&
	    (rc = creds_profile_value(&cx, NULL, "region", buf, sizeof buf, err)) != 0) {
		if (rc < 0)
			return -1;
		v = buf;
		from = "the profile's region";
	}
	/* it goes into host names and the signature's scope (botocore
	 * refuses what is not a host label too) */
	if (fmt_snprintf(pl.region, sizeof pl.region, "%s", v ? v : "") >=
	    (int)sizeof pl.region || !creds_region_ok(pl.region))
		return err_set(err, S3P_EUSAGE, "%s '%s': not a region name",
		    from, text_has_ctl(v) ? "?" : v);
	if (pl.region[0] == '\0' && pl.endpoint[0] != '\0')
		s3_region_from_endpoint(pl.endpoint, pl.region, sizeof pl.region);
	if (pl.region[0] == '\0')
		strcpy(pl.region, "us-east-1");

	pl.endpoint_custom = pl.endpoint[0] != '\0';
	if (!pl.endpoint_custom)
		s3_endpoint_default(pl.region, pl.endpoint, sizeof pl.endpoint);
	cx.region = pl.region;

	/*
	 * AWS buckets follow today's naming rules. Other servers (Ceph, MinIO,
	 * Swift) may hold older names with capitals or '_': accept what
	 * botocore accepts there ([A-Za-z0-9._-], 1 to 255 bytes), as the AWS
	 * CLI would.
	 */
	if (bucket == NULL || target_bucket_valid(bucket) != TARGET_BUCKET_INVALID)
		return 0;
	n = strlen(bucket);
	if (pl.endpoint_custom && n >= 1 && n <= 255 &&
	    span(bucket, bucket_chars) == n)
		return 0;
	return err_set(err, S3P_EUSAGE,
	    "'%s': invalid bucket name (S3 bucket naming rules)", bucket);
}

/* ---------------------------------------------------------------- */
/* Progress on a terminal: bytes, percent, rate, ETA. */

/* isatty() as musl has it, through the ioctl() the resolver links anyway */
static int
is_terminal(int fd)
{
	struct winsize ws;

	return ioctl(fd, TIOCGWINSZ, &ws) == 0;
}

typedef struct {
	int on;
	uint64_t total, done;
	struct timespec start, last;
	sync_mutex mu;                  /* plain mode's workers all report */
} progress;

/* milliseconds from a to b, never negative */
static uint64_t
elapsed_ms(const struct timespec *a, const struct timespec *b)
{
	int64_t ms = (int64_t)(b->tv_sec - a->tv_sec) * 1000 +
	    (b->tv_nsec - a->tv_nsec) / 1000000;

	return ms > 0 ? (uint64_t)ms : 0;
}

/* tenths of a MiB, rounded: sizes and rates print as "%llu.%llu" of it */
static unsigned long long
mib_tenths(uint64_t bytes)
{
	return (unsigned long long)((bytes * 10 + 524288) / 1048576);
}

static void
progress_draw(progress *p, int final)
{
	struct timespec now;
	uint64_t ms, rate;
	unsigned long long done, total, speed;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!final && elapsed_ms(&p->last, &now) < 250)
		return;
	p->last = now;
	ms = elapsed_ms(&p->start, &now);
	/* bytes per second sent (parts found on the server came at once) */
	rate = ms > 0 && p->done > s3c.resumed ?
	    (p->done - s3c.resumed) * 1000 / ms : 0;
	done = mib_tenths(p->done);
	total = mib_tenths(p->total);
	speed = mib_tenths(rate);
	fmt_dprintf(2, "\r\033[Ks3pub: %llu.%llu / %llu.%llu MiB (%3llu%%) "
	    "%llu.%llu MiB/s", done / 10, done % 10, total / 10, total % 10,
	    p->total ? (unsigned long long)(p->done * 100 / p->total) : 100ULL,
	    speed / 10, speed % 10);
	if (s3c.resumed > 0) {
		unsigned long long r = mib_tenths(s3c.resumed);
		fmt_dprintf(2, ", %llu.%llu MiB found uploaded", r / 10, r % 10);
	}
	if (!final && rate > 0 && p->done < p->total)
		fmt_dprintf(2, " ETA %llu s", (unsigned long long)
		    ((p->total - p->done + rate / 2) / rate));
	if (final)
		fmt_dprintf(2, "\n");
}

static void
progress_add(void *ctx, uint64_t n)
{
	progress *p = ctx;

	sync_lock(&p->mu);
	p->done += n;
	progress_draw(p, 0);
	sync_unlock(&p->mu);
}

/* ---------------------------------------------------------------- */

static int
archive_reader(void *ctx, unsigned sender, uint64_t off, void *buf,
    size_t len, s3p_err *err)
{
	return archive_read(ctx, sender, off, buf, len, err);
}

/*
 * The archive's file stretches, sent without the reader (s3_span_fn:
 * sendfile, or over TLS read into its buffer): at level 0 all file
 * data, at levels 1..9 that of the blocks stored whole.
 */
static int
archive_spanner(void *ctx, unsigned sender, uint64_t off, size_t len,
    http_file_span *sp, s3p_err *err)
{
	archive_span as;
	int r = archive_span_at(ctx, sender, off, len, &as, err);

	sp->fd = as.fd;
	sp->off = as.fd_off;
	sp->len = as.len;
	return r;
}

/* s3_client.restart for the archive: the CRC-32 counted anew. */
static void
archive_restarter(void *ctx)
{
	archive_restart(ctx);
}

/*
 * Compressing threads: --jobs, else the cores this process may run on, at
 * most 2: each thread holds about 0.45 MiB (an input block, its output and
 * a context), and two keep the peak under 2 MiB while compressing faster
 * than an edge link sends. sched_getaffinity, not sysconf: musl's sysconf
 * is 1 KB.
 */
static unsigned
compress_jobs(const options *o)
{
	cpu_set_t set;
	int n;

	if (o->jobs > 0)
		return (unsigned)o->jobs;
	n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
	return n < 1 ? 1 : n > 2 ? 2 : (unsigned)n;
}

/* DIR's archive; `level` 0 (stored, and plain mode) or --compress. */
static int
open_archive(const char *dir, options *o, int level, archive **ap,
    s3p_err *err)
{
	archive_opts ao;
	const char *sde = getenv("SOURCE_DATE_EPOCH");

	memset(&ao, 0, sizeof ao);
	ao.source_date_epoch = -1;
	if (sde != NULL && *sde != '\0') {
		uint64_t v;
		const char *end = text_num(sde, 10, &v);
		if (end == NULL || *end != '\0' || v > INT64_MAX)
			return err_set(err, S3P_EUSAGE,
			    "SOURCE_DATE_EPOCH '%s': not a number of seconds", sde);
		ao.source_date_epoch = (int64_t)v;
	}
	ao.warn = warn_line;
	ao.warn_ctx = o;
	ao.level = level;
	ao.jobs = compress_jobs(o);
	return archive_open(ap, dir, &ao, err);
}

static int
write_all(int fd, const void *buf, size_t len, s3p_err *err)
{
	const unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_set(err, S3P_EINPUT, "writing to stdout: %s",
			    strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
write_sink(void *ctx, const void *data, size_t len, s3p_err *err)
{
	(void)ctx;
	return write_all(STDOUT_FILENO, data, len, err);
}

/* s3pub archive DIR: the exact bytes publish would upload. */
static int
cmd_archive(options *o)
{
	static unsigned char buf[65536];
	archive *a = NULL;
	s3p_err err;
	uint64_t size, off;

	err_clear(&err);
	if (o->npos != 1) {
		err_set(&err, S3P_EUSAGE, "archive takes one DIR (see s3pub archive --help)");
		return fail(&err);
	}
	if (is_terminal(STDOUT_FILENO)) {
		err_set(&err, S3P_EUSAGE,
		    "archive: refusing to write binary data to a terminal; redirect stdout");
		return fail(&err);
	}
	if (open_archive(o->pos[0], o, o->compress, &a, &err) < 0)
		return fail(&err);
	if (o->compress > 0) {
		/* the compression pass writes the archive as it goes */
		int rc = archive_scan(a, write_sink, NULL, NULL, &err);
		archive_close(a);
		return rc < 0 ? fail(&err) : 0;
	}
	size = archive_size(a);
	for (off = 0; off < size;) {
		size_t n = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
		if (archive_read(a, 0, off, buf, n, &err) < 0 ||
		    write_all(STDOUT_FILENO, buf, n, &err) < 0) {
			archive_close(a);
			return fail(&err);
		}
		off += n;
	}
	archive_close(a);
	return 0;
}

/*
 * An http and s3 client from the options, signing with `cred`. A plain
 * mode worker (s0 not NULL) shares the trust anchors already loaded and
 * takes what s0 has learnt or been given since its set-up.
 */
static int
setup_client(const options *o, const char *bucket, http_client *h,
    s3_client *s, const tls_anchors *anchors, const s3_client *s0,
    s3p_err *err)
{
	http_options ho;

	memset(&ho, 0, sizeof ho);
	ho.connect_timeout_ms = o->connect_timeout * 1000;
	ho.timeout_ms = o->timeout * 1000;
	ho.ca_file = o->ca_file;
	ho.anchors = anchors;
	ho.insecure = o->insecure;
	if (o->verbose)
		ho.log = log_line;
	if (o->insecure && s0 == NULL)
		fmt_dprintf(2, "%s\n", TLS_INSECURE_WARNING);
	if (http_client_init(h, &ho, err) < 0 ||
	    s3_client_init(s, h, &cred, pl.endpoint, pl.region, err) < 0)
		return -1;
	s->cred_ctx = o->no_sign ? NULL : &cx;
	s->attempts = o->attempts;
	s->cancel = &got_signal;
	if (o->checksum >= 0)
		s->checksum = o->checksum;
	if (o->verbose)
		s->log = log_line;
	s->virtual_hosted = o->virtual_hosted ? 1 : o->path_style ? 0 :
	    s3_use_virtual_hosted(s, bucket);
	if (s0 != NULL) {
		s->clock_offset = s0->clock_offset;
		s->progress = s0->progress;
		s->progress_ctx = s0->progress_ctx;
		s->cred_mu = s0->cred_mu;
		s->rules = s0->rules;   /* plain mode's workers: the same rules */
	}
	if (s->virtual_hosted && target_bucket_valid(bucket) == TARGET_BUCKET_INVALID)
		return err_set(err, S3P_EUSAGE,
		    "bucket '%s' cannot be a host name: use --path-style", bucket);
	return 0;
}

/* Credentials (none with --no-sign-request), then the client. */
static int
connect_client(const options *o, const char *bucket, time_t now, s3p_err *err)
{
	if (o->no_sign)
		creds_anonymous(&cred);
	else if (creds_resolve(&cx, &cred, now, err) < 0)
		return -1;
	else if (o->verbose)
		fmt_dprintf(2, "s3pub: credentials from %s (access key %.4s...)\n",
		    cred.source, cred.access_key_id);
	return setup_client(o, bucket, &hc, &s3c, NULL, NULL, err);
}

/*
 * An unsigned client for the URL in `presigned`: the endpoint is the
 * URL's origin, path style (the URL is sent as is anyway).
 */
static int
setup_presigned(options *o, s3p_err *err)
{
	fmt_snprintf(pl.endpoint, sizeof pl.endpoint, "%s", presigned.origin);
	fmt_snprintf(pl.region, sizeof pl.region, "%s",
	    presigned.region[0] ? presigned.region : "us-east-1");
	creds_anonymous(&cred);
	o->no_sign = 1;
	o->path_style = 1;
	o->virtual_hosted = 0;
	return setup_client(o, presigned.bucket, &hc, &s3c, NULL, NULL, err);
}

/* The first failed write to stdout's errno (close_client says it). */
static int stdout_errno;

static void
out_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* What a command prints on stdout: a URL, a listing, a version. */
static void
out_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (fmt_vdprintf(1, fmt, ap) < 0 && stdout_errno == 0)
		stdout_errno = errno;
	va_end(ap);
}

/*
 * The end of a command that may have opened a client. What it printed on
 * stdout (a result spec, a URL, a listing) must be written out: else the
 * one line saying why, and exit 2 (as archive's write_all).
 */
static int
close_client(int rc)
{
	s3p_err err;

	s3_client_close(&s3c);
	http_client_close(&hc);
	if (rc == 0 && stdout_errno != 0) {
		err_set(&err, S3P_EINPUT, "writing to stdout: %s",
		    strerror(stdout_errno));
		rc = fail(&err);
	}
	return rc;
}

static int
cmd_presign(options *o)
{
	s3p_err err;
	char bucket[TARGET_BUCKET_MAX + 1], key[TARGET_KEYTPL_MAX + 1], url[20000];

	err_clear(&err);
	if (o->npos != 1) {
		err_set(&err, S3P_EUSAGE, "presign takes one s3://BUCKET/KEY");
		goto fail;
	}
	if (target_s3_uri(o->pos[0], bucket, sizeof bucket, key, sizeof key, &err) < 0)
		goto fail;
	if (key[0] == '\0') {
		err_set(&err, S3P_EUSAGE, "'%s': no key after the bucket", o->pos[0]);
		goto fail;
	}
	if (resolve_place(o, &o->opt, bucket, &err) < 0 ||
	    connect_client(o, bucket, s3p_now(), &err) < 0 ||
	    s3_presign(&s3c, o->put ? "PUT" : "GET", bucket, key,
	    (unsigned long)o->expires, url, sizeof url, &err) < 0)
		goto fail;
	out_printf("%s\n", url);
	return close_client(0);
fail:
	return close_client(fail(&err));
}

/* The compression pass's sink that only hashes (an archive_sink_fn). */
static int
sha_sink(void *ctx, const void *data, size_t len, s3p_err *err)
{
	(void)err;
	sha256_update(ctx, data, len);
	return 0;
}

/* The SHA-256 of the whole archive: what --dry-run prints. */
static int
hash_archive(const options *o, archive *a, char hex[65], char b64[48],
    s3p_err *err)
{
	unsigned char d[SHA256_SIZE];
	sha256_ctx h;
	int rc;

	/* levels 1..9: in the compression pass, which gives the sizes */
	sha256_init(&h);
	rc = o->compress > 0 ? archive_scan(a, sha_sink, &h, &got_signal, err) :
	    hashpass_run(archive_reader, a, 0, archive_size(a), &h, NULL, 1,
	    &got_signal, err);
	sha256_final(&h, d);
	if (rc < 0)
		return -1;
	sha256_hex(d, hex);
	text_base64(d, sizeof d, b64);
	return 0;
}

/*
 * Plain mode: one PutObject per regular file, over --jobs parallel
 * connections (one http and s3 client per thread, the trust anchors
 * shared). Each upload opens its file on its own (archive_file: no lock
 * between the workers), once for reading and once for sendfile over plain
 * HTTP (the descriptor a part's send uses stays open while the next part
 * is read for its hash); hashing and sending run in parallel. On failure, the
 * objects this run wrote or may have written (PLAIN_TRIED, the manifest
 * first) are deleted (best effort), so that no partial prefix looks like a
 * complete result.
 */
typedef struct plain_run plain_run;

typedef struct {
	plain_run *run;
	s3_client *s;                   /* &s3c, else own */
	pthread_t tid;
	s3_client own;
	http_client own_hc;
} plain_worker;

struct plain_run {
	sync_mutex mu;
	archive *a;
	const char *bucket, *prefix;
	const options *o;
	size_t next;                    /* next entry to take */
	unsigned char *done;            /* PLAIN_* an entry */
	unsigned char *md5;             /* 16 bytes an entry: PLAIN_THERE's */
	unsigned char *sha;             /* 32 bytes an entry: its SHA-256 */
	char line_hex[65];              /* the manifest line's, one at a time */
	int failed;
	int manifest_tried;             /* its PUT sent: the object may be there */
	s3p_err err;                    /* the first failure */
	uint64_t bytes;
	size_t kept;                    /* files found there, not sent */
};

#define PLAIN_WRITTEN 1         /* this run wrote it (removed on failure) */
#define PLAIN_THERE   2         /* an object with its size and an MD5 ETag */
/* its upload failed, but the object may be there: the server carried out
 * a PUT whose answer was lost (a time-out, a reset, a signal while it was
 * awaited). Removed on failure too; a DELETE of no object is no error. */
#define PLAIN_TRIED   4

typedef struct {
	plain_run *run;
	size_t index;
	archive_file rd, snd;
} plain_src;

static int
plain_reader(void *ctx, unsigned sender, uint64_t off, void *buf, size_t len,
    s3p_err *err)
{
	plain_src *ps = ctx;

	(void)sender;   /* (each file's parts are read in turn, from rd) */
	return archive_file_read(ps->run->a, &ps->rd, ps->index, off, buf, len,
	    err);
}

static int
plain_spanner(void *ctx, unsigned sender, uint64_t off, size_t len,
    http_file_span *sp, s3p_err *err)
{
	plain_src *ps = ctx;
	archive_span as;
	int r = archive_file_span(ps->run->a, &ps->snd, ps->index, off, len,
	    &as, err);

	(void)sender;   /* plain mode's clients have no twin */

	sp->fd = as.fd;
	sp->off = as.fd_off;
	sp->len = as.len;
	return r;
}

/* How s3_upload sends a file of `size`: 0 in one PutObject, else its
 * number of parts, *psize (may be NULL) bytes each but the last. */
static unsigned
plain_parts(const plain_run *run, uint64_t size, uint64_t *psize)
{
	int one = s3_one_put(size, run->o->part_size);
	uint64_t ps = one ? UINT64_MAX : s3_part_size(size, run->o->part_size);

	if (psize != NULL)
		*psize = ps;
	return one ? 0 : (unsigned)((size + ps - 1) / ps);
}

/*
 * Resume: the objects that an earlier run left under KEY/ (one that was
 * stopped, or failed with its clean-up refused) arrive in the listing's
 * order, which is the plan's (both bytewise by path: archive.h), so one
 * cursor finds each one's file. An object of the file's size with an MD5
 * ETag is noted; plain_same then compares the file's MD5 with it.
 */
static int
plain_listed(void *ctx, const char *key, uint64_t size, const char *etag,
    s3p_err *err)
{
	plain_run *run = ctx;
	size_t pl = strlen(run->prefix);
	archive_entry e;
	int c = 1;

	if (strncmp(key, run->prefix, pl) != 0)
		return 0;
	while (run->next < archive_count(run->a)) {
		archive_entry_get(run->a, run->next, &e);
		if ((c = strcmp(e.path, key + pl)) >= 0)
			break;
		run->next++;
	}
	if (c != 0 || e.type != ARCHIVE_FILE || e.size != size)
		return 0;
	if (run->md5 == NULL &&
	    (run->md5 = calloc(archive_count(run->a), 16)) == NULL)
		return err_set(err, S3P_EINPUT, "out of memory");
	/* the parts this run would send it in: the ETag's "-N" */
	if (s3_etag_md5(etag, run->md5 + run->next * 16) == (int)plain_parts(run,
	    size, NULL))
		run->done[run->next] |= PLAIN_THERE;
	return 0;
}

/*
 * 1 when the object there holds file i's bytes (their MD5 is its ETag;
 * sent in parts, the MD5 of its parts' MD5s): not sent again, its SHA-256
 * for the manifest taken from the same read; 0 when it does not; -1 (err
 * set) when the file cannot be read.
 */
static int
plain_same(s3_client *s, plain_src *ps, uint64_t size, s3p_err *err)
{
	plain_run *run = ps->run;
	unsigned char *buf = malloc(HASHPASS_CHUNK), d[SHA256_SIZE];
	br_md5_context m, parts;
	sha256_ctx h;
	uint64_t psize, n;
	unsigned multi = plain_parts(run, size, &psize);
	int rc = 0;

	if (buf == NULL)
		return err_set(err, S3P_EINPUT, "out of memory");
	br_md5_init(&m);
	br_md5_init(&parts);
	sha256_init(&h);
	for (uint64_t off = 0; rc == 0 && off < size; off += n) {
		/* (a chunk ends at its part's end) */
		n = psize - off % psize;
		n = n < size - off ? n : size - off;
		n = n < HASHPASS_CHUNK ? n : HASHPASS_CHUNK;
		if (err_cancelled(s->cancel))
			rc = err_set(err, S3P_ENET, "interrupted");
		else if ((rc = plain_reader(ps, 0, off, buf, (size_t)n, err)) == 0) {
			br_md5_update(&m, buf, (size_t)n);
			sha256_update(&h, buf, (size_t)n);
		}
		if (multi && ((off + n) % psize == 0 || off + n == size)) {
			br_md5_out(&m, d);
			br_md5_update(&parts, d, 16);
			br_md5_init(&m);
		}
	}
	free(buf);
	if (rc < 0)
		return -1;
	br_md5_out(multi ? &parts : &m, d);
	if (memcmp(d, run->md5 + ps->index * 16, 16) != 0)
		return 0;
	sha256_final(&h, run->sha + ps->index * SHA256_SIZE);
	return 1;
}

static void *
plain_work(void *arg)
{
	plain_worker *w = arg;
	plain_run *run = w->run;

	for (;;) {
		archive_entry e;
		char k[TARGET_KEY_MAX + 1];
		s3_put_result pr;
		s3p_err err;
		plain_src ps;
		size_t i;
		int rc, sent = 0;

		sync_lock(&run->mu);
		while (run->next < archive_count(run->a)) {
			archive_entry_get(run->a, run->next, &e);
			if (e.type == ARCHIVE_FILE)
				break;
			run->next++;
		}
		if (run->failed || run->next >= archive_count(run->a)) {
			sync_unlock(&run->mu);
			return NULL;
		}
		i = run->next++;
		sync_unlock(&run->mu);

		err_clear(&err);
		ps.run = run;
		ps.index = i;
		archive_file_init(&ps.rd);
		archive_file_init(&ps.snd);
		w->s->span = plain_spanner;
		/* (it fits: plain_check) */
		fmt_snprintf(k, sizeof k, "%s%s", run->prefix, e.path);
		/* (done[i] is this worker's alone until the pass ends) */
		if ((rc = run->done[i] & PLAIN_THERE ?
		    plain_same(w->s, &ps, e.size, &err) : 0) == 0) {
			sent = 1;
			rc = s3_upload(w->s, run->bucket, k, plain_reader, &ps,
			    NULL, NULL, e.size, run->o->part_size,
			    run->o->content_type ? run->o->content_type :
			    objopts_type(e.path), &pr, &err);
		} else if (rc > 0 && w->s->progress != NULL)
			w->s->progress(w->s->progress_ctx, e.size);
		w->s->span = NULL;
		archive_file_close(&ps.rd);
		archive_file_close(&ps.snd);
		if (rc >= 0) {
			sync_lock(&run->mu);
			if (rc > 0)
				run->kept++;
			else {
				run->done[i] |= PLAIN_WRITTEN;
				text_unhex(pr.content_sha256, run->sha + i *
				    SHA256_SIZE, SHA256_SIZE);
			}
			run->bytes += e.size;
			sync_unlock(&run->mu);
			continue;
		}
		sync_lock(&run->mu);
		/* (a refusal wrote nothing: an object there is not ours) */
		if (sent && err.status != S3P_EREFUSED)
			run->done[i] |= PLAIN_TRIED;
		if (!run->failed) {
			run->failed = 1;
			run->err = err;
		}
		sync_unlock(&run->mu);
		return NULL;
	}
}

/* The manifest's view of entry i: regular files, with the hash the
 * send pass computed (no third read of the file). */
static int
plain_manifest_entry(void *ctx, size_t i, manifest_file *f)
{
	plain_run *run = ctx;
	archive_entry e;

	archive_entry_get(run->a, i, &e);
	f->path = e.path;
	f->size = e.size;
	f->mode = e.mode;
	/* (the generator asks for one line at a time: readers take turns) */
	sha256_hex(run->sha + i * SHA256_SIZE, run->line_hex);
	f->sha256_hex = run->line_hex;
	return e.type == ARCHIVE_FILE;
}

/*
 * Before the first file goes (and in --dry-run): every file's key and the
 * manifest's within S3's 1,024 bytes, every path fit for the manifest
 * (UTF-8, its length): not found out after files were sent.
 */
static int
plain_check(plain_run *run, s3p_err *err)
{
	static manifest man;
	unsigned char sha[SHA256_SIZE];
	uint64_t size;
	size_t pl = strlen(run->prefix);

	if (pl - 1 + sizeof MANIFEST_SUFFIX - 1 > TARGET_KEY_MAX)
		return err_set(err, S3P_EUSAGE, "KEY is %zu bytes: its manifest's "
		    "key would be over S3's 1024", pl);
	for (size_t i = 0; i < archive_count(run->a); i++) {
		archive_entry e;
		archive_entry_get(run->a, i, &e);
		if (e.type == ARCHIVE_FILE && pl + strlen(e.path) > TARGET_KEY_MAX)
			return err_set(err, S3P_EINPUT, "the key for '%.200s' is %zu "
			    "bytes, over S3's 1024", e.path, pl + strlen(e.path));
	}
	manifest_init(&man, plain_manifest_entry, run, archive_count(run->a));
	return manifest_measure(&man, &size, sha, err);
}

/* The manifest's key: KEY (less its '/') + MANIFEST_SUFFIX. */
#define MANIFEST_KEY_MAX (TARGET_KEY_MAX + sizeof MANIFEST_SUFFIX)
static void
manifest_key(const char *prefix, char k[MANIFEST_KEY_MAX])
{
	fmt_snprintf(k, MANIFEST_KEY_MAX, "%.*s%s", (int)strlen(prefix) - 1,
	    prefix, MANIFEST_SUFFIX);
}

/* After every file: the manifest; its hex SHA-256 into `hex`. */
static int
publish_manifest(const options *o, const char *bucket, const char *prefix,
    plain_run *run, char hex[65], s3p_err *err)
{
	static manifest man;
	static s3_put_result pr;
	char k[MANIFEST_KEY_MAX];
	unsigned char sha[SHA256_SIZE];
	uint64_t size;
	s3_progress_fn progress = s3c.progress;
	int rc;

	manifest_key(prefix, k);
	manifest_init(&man, plain_manifest_entry, run, archive_count(run->a));
	if (manifest_measure(&man, &size, sha, err) < 0)
		return -1;
	s3c.progress = NULL;    /* the bar counts the files only */
	run->manifest_tried = 1;
	rc = s3_upload(&s3c, bucket, k, manifest_read, &man, NULL, NULL, size,
	    o->part_size, NULL, &pr, err);
	s3c.progress = progress;
	memcpy(hex, pr.content_sha256, 65);
	return rc;
}

static int
publish_plain(const options *o, const char *bucket, const char *prefix,
    archive *a, uint64_t *bytes, char manifest_hex[65], s3p_err *err)
{
	plain_run run;
	plain_worker *w;
	int jobs = o->jobs ? o->jobs : 4, started = 0;
	tls_anchors anchors;
	int have_anchors = 0;
	sync_mutex cred_mu = { 0 };

	memset(&run, 0, sizeof run);
	run.a = a;
	run.bucket = bucket;
	run.prefix = prefix;
	run.o = o;
	run.done = calloc(archive_count(a) + 1, 1);
	run.sha = calloc(archive_count(a) + 1, SHA256_SIZE);
	w = calloc((size_t)jobs, sizeof *w);
	if (run.done == NULL || run.sha == NULL || w == NULL) {
		free(run.done);
		free(run.sha);
		free(w);
		return err_set(err, S3P_EINPUT, "out of memory");
	}
	if (plain_check(&run, err) < 0)
		goto out;
	/* --no-overwrite: the manifest's key is the result's; asked first,
	 * so that a result there is refused before any file is written */
	if (o->no_overwrite) {
		char k[MANIFEST_KEY_MAX];
		manifest_key(prefix, k);
		if (s3_refuse_existing(&s3c, bucket, k, err) < 0)
			goto out;
	}
	/* resume: what an earlier run left. Not with object options: a
	 * listing shows no SSE, metadata or tags to compare, and an object
	 * found would keep an earlier run's. A listing that fails (no
	 * s3:ListBucket, say) only means that every file is sent; what else
	 * it says, the uploads say again */
	if (o->no_resume)
		;
	else if (o->obj.n > 0 || o->obj.ntags > 0 || o->content_type != NULL) {
		if (o->verbose)
			fmt_dprintf(2, "s3pub: resume: not with object "
			    "options; every file is sent\n");
	} else if (s3_list(&s3c, bucket, prefix, plain_listed, &run, err) < 0) {
		if (err_cancelled(s3c.cancel))
			goto out;
		if (o->verbose)
			fmt_dprintf(2, "s3pub: %s: not resumed\n", err->msg);
		err_clear(err);
		memset(run.done, 0, archive_count(a));
	}
	run.next = 0;
	/* one bundle of trust anchors for every connection */
	if (jobs > 1 && s3c.endpoint.https && !o->insecure) {
		if (tls_anchors_load(&anchors, o->ca_file, err) < 0)
			goto out;
		have_anchors = 1;
	}
	/* every worker signs with the one set of credentials, which any of
	 * them refreshes (under cred_mu) when it nears expiry */
	s3c.cred_mu = &cred_mu;
	w[0].run = &run;
	w[0].s = &s3c;
	for (int j = 1; j < jobs; j++) {
		w[j].run = &run;
		w[j].s = &w[j].own;
		if (setup_client(o, bucket, &w[j].own_hc, w[j].s,
		    have_anchors ? &anchors : NULL, &s3c, err) < 0) {
			jobs = j + 1;   /* those set up so far, in part or whole */
			goto out;
		}
	}
	for (int j = 1; j < jobs; j++) {
		if (pthread_create(&w[j].tid, NULL, plain_work, &w[j]) != 0)
			break;
		started = j;
	}
	plain_work(&w[0]);
	for (int j = 1; j <= started; j++)
		pthread_join(w[j].tid, NULL);
	if (run.kept > 0 && o->verbose)
		fmt_dprintf(2, "s3pub: resume: %zu files found already "
		    "uploaded under s3://%s/%s, not sent again\n", run.kept,
		    bucket, prefix);
	if (run.failed)
		*err = run.err;
	else
		publish_manifest(o, bucket, prefix, &run, manifest_hex, err);
out:
	s3c.cred_mu = NULL;
	if (o->keep_partial && err_cancelled(s3c.cancel)) {
		/* (a later run finds them: no manifest, not a result) */
		size_t l = strlen(err->msg);
		fmt_snprintf(err->msg + l, sizeof err->msg - l, "; the objects "
		    "written are left for a later run to resume (--keep-partial)");
	} else if (run.failed || err->status != 0) {
		/* nothing that looks like a complete result stays behind:
		 * the manifest first (its PUT's answer lost: the files it
		 * lists are about to go) */
		unsigned long n[2] = { 0, 0 };  /* removed, left */
		s3p_err derr;
		if (run.manifest_tried && err->status != S3P_EREFUSED) {
			char k[MANIFEST_KEY_MAX];
			manifest_key(prefix, k);
			n[s3_delete(&s3c, bucket, k, &derr) != 0]++;
		}
		for (size_t i = 0; i < archive_count(a); i++) {
			archive_entry e;
			char k[TARGET_KEY_MAX + 1];
			if (!(run.done[i] & (PLAIN_WRITTEN | PLAIN_TRIED)))
				continue;
			archive_entry_get(a, i, &e);
			fmt_snprintf(k, sizeof k, "%s%s", prefix, e.path);
			n[s3_delete(&s3c, bucket, k, &derr) != 0]++;
		}
		if (n[0] + n[1] > 0) {
			/* still one line: the cause, then what was undone, and
			 * what could not be (no s3:DeleteObject, say) */
			size_t l = strlen(err->msg);
			fmt_snprintf(err->msg + l, sizeof err->msg - l,
			    " (of the objects this run wrote or was writing, "
			    "%lu removed, %lu left)", n[0], n[1]);
		}
	}
	for (int j = 1; j < jobs; j++) {
		s3_client_close(&w[j].own);
		http_client_close(&w[j].own_hc);
	}
	if (have_anchors)
		tls_anchors_free(&anchors);
	*bytes = run.bytes;
	free(run.done);
	free(run.md5);
	free(run.sha);
	free(w);
	return err->status != 0 ? -1 : 0;
}

/*
 * publish --presigned-url URL DIR (managed mode): the archive PUT to a URL
 * presigned by someone else; no credentials here. A presigned URL signs
 * only the host, so the body goes with an unsigned Content-MD5 that the
 * server checks (BadDigest when the body changed on the way).
 */
static int
publish_presigned(options *o, archive **a, s3_put_result *pr, s3p_err *err)
{
	char md5[25];
	http_header h;

	if (o->obj.n || o->obj.ntags || o->obj.ssec[0][0] || o->content_type)
		return err_set(err, S3P_EUSAGE, "--presigned-url: presign them, not here");
	if (o->npos != 1)
		return err_set(err, S3P_EUSAGE, "with --presigned-url, publish takes one DIR");
	/* (--no-overwrite too: a presigned PUT has no If-None-Match signed
	 * in, and the HEAD before it would need a second URL) */
	if (o->spec_file != NULL || o->dry_run || o->no_overwrite ||
	    ((o->opt.set & TARGET_SET_ENCODING) && o->opt.encoding == TARGET_PLAIN))
		return err_set(err, S3P_EUSAGE, "--presigned-url uploads one archive: "
		    "no --spec, --dry-run, --no-overwrite or plain encoding with it");
	if (presigned_parse(o->presigned_url, &presigned, err) < 0)
		return -1;
	if (presigned.bucket[0] == '\0')
		return err_set(err, S3P_EUSAGE, "--presigned-url '%s': no bucket and key in it "
		    "(BUCKET.s3.../KEY or /BUCKET/KEY)", presigned.name);
	if (presigned_check_upload(&presigned, err) < 0)
		return -1;
	if (open_archive(o->pos[0], o, o->compress, a, err) < 0)
		return -1;
	catch_signals();
	/* levels 1..9: the sizes (the hashes come below, with the MD5) */
	if (o->compress > 0 && archive_scan(*a, NULL, NULL, &got_signal,
	    err) < 0)
		return -1;
	/* one PUT: known before the MD5 pass and the upload, not after */
	if (archive_size(*a) > S3_MAX_PART)
		return err_set(err, S3P_EINPUT, "the archive is %llu bytes: over "
		    "the 5 GiB of one (presigned) PUT",
		    (unsigned long long)archive_size(*a));
	if (setup_presigned(o, err) < 0 ||
	    presigned_md5_b64(archive_reader, *a, archive_size(*a), md5, err) < 0)
		return -1;
	h.name = "Content-MD5";
	h.value = md5;
	return s3_put_url(&s3c, &presigned.url, presigned.name, archive_reader,
	    *a, archive_size(*a), &h, 1, pr, err);
}

/* The result spec's fields from what the server said of the object. */
static void
result_from_put(target_result *res, const s3_put_result *pr)
{
	res->version_id = pr->version_id;
	res->checksum_sha256 = pr->checksum_sha256;
	res->content_sha256 = pr->content_sha256;
	res->size = pr->size;
}

/*
 * The compression pass (levels 1..9) on a thread of its own while the
 * parts go (issue 16): before, nothing was sent until it ended (about
 * 0.3 s per 512 MiB here, minutes on a slow core). Its sink hashes the
 * whole and each part-sized slice, under mu; the upload asks for a slice
 * once the pass has gone past it (s3_len_fn), and for the length once
 * the pass has ended.
 */
typedef struct {
	sync_mutex mu;
	sync_cond cv;                   /* the pass went past `want`, or ended */
	hashpass_memo memo;
	uint64_t want;                  /* what live_len waits for: one waiter */
	archive *a;
	progress *pg;
	pthread_t tid;
	int ended, rc;                  /* the pass's end and result, its err */
	s3p_err err;
	int stop;                       /* the upload has ended (atomic) */
} live_scan;

static int
live_add(void *ctx, const void *data, size_t len, s3p_err *err)
{
	live_scan *ls = ctx;
	uint64_t before;
	int rc;

	if (__atomic_load_n(&ls->stop, __ATOMIC_RELAXED))
		return err_set(err, S3P_ENET, "interrupted");
	sync_lock(&ls->mu);
	before = ls->memo.pos;
	rc = hashpass_memo_add(&ls->memo, data, len, err);
	if (before <= ls->want && ls->memo.pos > ls->want)
		sync_cond_signal(&ls->cv);
	sync_unlock(&ls->mu);
	return rc;
}

static void *
live_main(void *arg)
{
	live_scan *ls = arg;
	s3p_err err;
	int rc;

	err_clear(&err);
	rc = archive_scan(ls->a, live_add, ls, &got_signal, &err);
	sync_lock(&ls->mu);
	ls->rc = rc = rc < 0 ? -1 : hashpass_memo_final(&ls->memo, &err);
	ls->err = err;
	ls->ended = 1;
	sync_cond_signal(&ls->cv);
	sync_unlock(&ls->mu);
	if (rc == 0) {
		/* the progress line's total: the bound until now */
		sync_lock(&ls->pg->mu);
		ls->pg->total = archive_size(ls->a);
		sync_unlock(&ls->pg->mu);
	}
	return NULL;
}

/* s3_len_fn: the pass past `past`, or its end. */
static int
live_len(void *ctx, uint64_t past, uint64_t *len, s3p_err *err)
{
	live_scan *ls = ctx;
	int rc;

	sync_lock(&ls->mu);
	ls->want = past;
	while (!ls->ended && ls->memo.pos <= past)
		sync_cond_wait(&ls->cv, &ls->mu);
	rc = !ls->ended ? 1 : ls->rc;
	if (rc < 0)
		*err = ls->err;
	*len = ls->memo.pos;
	sync_unlock(&ls->mu);
	return rc;
}

/* s3_hash_fn: hashpass_memo_get under the pass's lock. */
static int
live_get(void *ctx, uint64_t off, uint64_t len, unsigned char out[SHA256_SIZE])
{
	live_scan *ls = ctx;
	int rc;

	sync_lock(&ls->mu);
	rc = hashpass_memo_get(&ls->memo, off, len, out);
	sync_unlock(&ls->mu);
	return rc;
}

/*
 * The gzip encoding's upload. At levels 1..9 the compression pass gives
 * the sizes, and the hashes the upload then needs no pass for: parts cut
 * at the slices it hashed. An archive bound to go in one PutObject (its
 * whole hash only: slices would hash every byte twice for nothing) waits
 * for the pass's end; a larger one for its first part only, then goes on
 * while the pass finds the rest.
 */
static int
upload_archive(options *o, archive *a, const char *bucket, const char *key,
    progress *pg, s3_put_result *pr, s3p_err *err)
{
	live_scan ls;
	uint64_t part_size = o->part_size, bound = archive_size_bound(a), len;
	int rc = 0, one = 1, two = o->parts_at_once != 1;

	memset(&ls, 0, sizeof ls);
	pg->total = bound;
	if (o->compress > 0) {
		part_size = s3_part_size(bound, part_size);
		one = s3_one_put(bound, part_size);
		hashpass_memo_init(&ls.memo, one ? 0 : part_size);
		ls.a = a;
		ls.pg = pg;
		if (pthread_create(&ls.tid, NULL, live_main, &ls) != 0)
			return err_set(err, S3P_EINPUT, "cannot start the "
			    "compression thread");
		/*
		 * S3's 5 TiB limit is checked on the length: wait for it. Two
		 * parts at once need not: the second one waits for the pass's
		 * end in s3.c, as zblocks reads for the pass and one more
		 * reader beside it (zblocks.h), not two.
		 */
		rc = live_len(&ls, one || bound > S3_MAX_OBJECT ? UINT64_MAX :
		    part_size, &len, err);
		if (rc > 0)
			s3c.pending_len = live_len;
		rc = rc < 0 ? -1 : 0;
	} else {
		len = archive_size(a);
	}
	/*
	 * A second connection for the parts (s3.h: twin), its trust anchors
	 * loaded apart; unless --parts-at-once 1. At levels 1..9 the two
	 * parts' blocks are compressed again apart, the second connection's
	 * from when the pass ends, sharing zblocks' slots (B5's tree: 1.9
	 * MiB, as one part at a time).
	 */
	if (rc == 0 && two && !s3_one_put(len, part_size)) {
		rc = setup_client(o, bucket, &twin_hc, &twin, NULL, &s3c, err);
		if (rc == 0) {
			s3c.twin = &twin;
		} else {
			s3_client_close(&twin);
			http_client_close(&twin_hc);
		}
	}
	s3c.span = archive_spanner;
	s3c.restart = archive_restarter;
	if (rc == 0)
		rc = s3_upload(&s3c, bucket, key, archive_reader, a,
		    o->compress > 0 ? live_get : NULL, &ls, s3c.pending_len ?
		    bound : archive_size(a), part_size, o->content_type ?
		    o->content_type : "application/gzip", pr, err);
	s3c.span = NULL;
	s3c.restart = NULL;
	s3c.pending_len = NULL;
	if (s3c.twin != NULL) {
		s3c.twin = NULL;
		s3_client_close(&twin);
		http_client_close(&twin_hc);
	}
	if (o->compress > 0) {
		/* an upload that failed leaves the pass nothing to do
		 * (the thread runs: it started, or this returned above) */
		__atomic_store_n(&ls.stop, 1, __ATOMIC_RELAXED);
		pthread_join(ls.tid, NULL);
		hashpass_memo_free(&ls.memo);
	}
	return rc;
}

/* publish DIR TARGET (or --spec FILE): the target, then the archive. */
static int
publish_target(options *o, target *t, char *key, size_t keysz,
    archive **a, target_result *res, s3p_err *err)
{
	target_ids ids;
	time_t now;

	/* the target: --spec FILE, then TARGET, then options override */
	target_init(t);
	if (o->npos != (o->spec_file != NULL ? 1 : 2))
		return err_set(err, S3P_EUSAGE, o->spec_file != NULL ?
		    "with --spec, publish takes one DIR" :
		    "publish takes DIR and TARGET (see s3pub publish --help)");
	if ((o->spec_file != NULL ? target_read_file(o->spec_file, t, err) :
	    target_parse(o->pos[1], t, err)) < 0)
		return -1;
	target_merge(t, &o->opt);
	/* the spec's ObjectOptions, unless the command line gives its own */
	size_t spec_opts = o->obj.n || o->obj.ntags || o->obj.ssec[0][0] ||
	    o->content_type ? 0 : t->objopts_len;
	for (size_t i = 0; i < spec_opts; i += strlen(t->objopts + i) + 1) {
		const char *name = t->objopts + i;
		i += strlen(name) + 1;
		if (strcmp(name, "content-type") == 0)
			o->content_type = t->objopts + i;
		else if (objopts_add(&o->obj, name, t->objopts + i, err) < 0)
			return -1;
	}
	if (objopts_finish(&o->obj, err) < 0 || (o->content_type != NULL &&
	    (o->content_type[0] == '\0' || text_has_ctl(o->content_type) ||
	    strlen(o->content_type) > 255) && err_set(err, S3P_EUSAGE,
	    "bad --content-type")))
		return -1;
	if (target_check_required(t, err) < 0)
		return -1;
	/* placeholders' values: options, else BACALHAU_* variables */
	ids.execution_id = o->execution_id ? o->execution_id : getenv("BACALHAU_EXECUTION_ID");
	ids.job_id = o->job_id ? o->job_id : getenv("BACALHAU_JOB_ID");
	ids.node_id = o->node_id ? o->node_id : getenv("BACALHAU_NODE_ID");
	now = s3p_now();
	if (target_expand_key(t->key, t->encoding, &ids, now, key, keysz, err) < 0 ||
	    resolve_place(o, t, t->bucket, err) < 0 ||
	    open_archive(o->pos[0], o, t->encoding == TARGET_GZIP ? o->compress : 0,
	    a, err) < 0)
		return -1;
	res->bucket = t->bucket;
	res->key = key;
	res->region = pl.region;
	res->endpoint = pl.endpoint;
	res->encoding = t->encoding;
	return 0;
}

/*
 * Plain mode's --dry-run: the keys and sizes, one per line, then the
 * manifest's key, size and SHA-256 (each file read once, for its hash).
 */
static int
list_plain_keys(archive *a, const char *key, s3p_err *err)
{
	static manifest man;
	plain_run run;
	plain_src ps;
	unsigned char d[SHA256_SIZE];
	char hex[65];
	uint64_t size;
	int rc = 0;

	memset(&run, 0, sizeof run);
	run.a = a;
	run.prefix = key;
	ps.run = &run;
	archive_file_init(&ps.rd);
	if ((run.sha = calloc(archive_count(a) + 1, SHA256_SIZE)) == NULL)
		return err_set(err, S3P_EINPUT, "out of memory");
	if (plain_check(&run, err) < 0) {
		free(run.sha);
		return -1;
	}
	for (size_t i = 0; i < archive_count(a) && rc == 0; i++) {
		archive_entry e;
		sha256_ctx h;
		archive_entry_get(a, i, &e);
		if (e.type != ARCHIVE_FILE)
			continue;
		/* the hash an upload computes, read as it reads */
		sha256_init(&h);
		ps.index = i;
		rc = hashpass_run(plain_reader, &ps, 0, e.size, &h, NULL, 0,
		    &got_signal, err);
		sha256_final(&h, run.sha + i * SHA256_SIZE);
		out_printf("%s%s\t%llu\n", key, e.path, (unsigned long long)e.size);
	}
	manifest_init(&man, plain_manifest_entry, &run, archive_count(a));
	if (rc == 0 && (rc = manifest_measure(&man, &size, d, err)) == 0) {
		sha256_hex(d, hex);
		out_printf("%.*s%s\t%llu\tManifestSHA256 %s\n",
		    (int)strlen(key) - 1, key, MANIFEST_SUFFIX,
		    (unsigned long long)size, hex);
	}
	archive_file_close(&ps.rd);
	free(run.sha);
	return rc;
}

/* The upload to the target; res gets what the server said. */
static int
publish_upload(options *o, archive *a, const char *bucket, const char *key,
    target_result *res, s3_put_result *pr, s3p_err *err)
{
	static progress pg;
	int rc;

	catch_signals();
	if (connect_client(o, bucket, s3p_now(), err) < 0)
		return -1;
	s3c.rules.resume = !o->no_resume;
	s3c.rules.fresh = o->no_resume;
	s3c.rules.keep_partial = o->keep_partial;
	s3c.rules.no_overwrite = o->no_overwrite;
	s3c.rules.obj_hdrs = o->obj.h;
	s3c.rules.nobj_hdrs = o->obj.n;
	s3c.rules.nkey_hdrs = o->obj.nkey;
	s3c.rules.tag_xml = o->obj.ntags > 0 ? o->obj.tag_xml : NULL;
	pg.on = is_terminal(STDERR_FILENO) && !o->quiet && !o->verbose;
	if (pg.on) {
		s3c.progress = progress_add;
		s3c.progress_ctx = &pg;
		clock_gettime(CLOCK_MONOTONIC, &pg.start);
	}
	if (res->encoding == TARGET_GZIP) {
		rc = upload_archive(o, a, bucket, key, &pg, pr, err);
		if (rc == 0)
			result_from_put(res, pr);
	} else {
		for (size_t i = 0; i < archive_count(a); i++) {
			archive_entry e;
			archive_entry_get(a, i, &e);
			if (e.type == ARCHIVE_FILE)
				pg.total += e.size;
		}
		static char manifest_hex[65];
		rc = publish_plain(o, bucket, key, a, &res->size, manifest_hex, err);
		res->manifest_sha256 = manifest_hex;
	}
	if (pg.on)
		rc < 0 ? (void)fmt_dprintf(2, "\n") : progress_draw(&pg, 1);
	res->region = s3c.region;
	res->endpoint = s3c.endpoint_str;
	return rc;
}

static int
cmd_publish(options *o)
{
	static s3_put_result pr;
	s3p_err err;
	target t;
	target_result res;
	char key[TARGET_KEY_MAX + 1], hex[65], b64[48];
	archive *a = NULL;
	int rc, print_spec = 1;

	err_clear(&err);
	memset(&res, 0, sizeof res);
	if (o->presigned_url != NULL) {
		rc = publish_presigned(o, &a, &pr, &err);
		res.bucket = presigned.bucket;
		res.key = presigned.key;
		res.region = presigned.region;
		res.endpoint = presigned.endpoint;
		result_from_put(&res, &pr);
	} else if ((rc = publish_target(o, &t, key, sizeof key, &a, &res,
	    &err)) < 0) {
		/* nothing more to do */
	} else if (!o->dry_run) {
		rc = publish_upload(o, a, t.bucket, key, &res, &pr, &err);
	} else if ((rc = setup_client(o, t.bucket, &hc, &s3c, NULL, NULL,
	    &err)) < 0) {
		/* the endpoint as a publish checks it, without connecting */
	} else if (res.encoding == TARGET_PLAIN) {
		rc = list_plain_keys(a, key, &err);
		print_spec = 0;
	} else if ((rc = hash_archive(o, a, hex, b64, &err)) == 0) {
		res.endpoint = s3c.endpoint_str;        /* as normalised */
		res.content_sha256 = hex;
		res.checksum_sha256 = b64;
		res.size = archive_size(a);
	}
	if (rc < 0)
		rc = fail(&err);
	else if (print_spec) {
		/* (close_client checks that it went out) */
		static char spec[TARGET_RESULT_MAX];
		int n = target_format_result(spec, sizeof spec, &res, o->yaml);
		if ((n < 0 || fmt_write(1, spec, (size_t)n) < 0) &&
		    stdout_errno == 0)
			stdout_errno = n < 0 ? ENOBUFS : errno;
	}
	archive_close(a);
	return close_client(rc);
}

/* s3pub get SOURCE DIR (SPEC section 8); the work is get.c's. */
static int
cmd_get(options *o)
{
	static get_result fr;
	char bucket[TARGET_BUCKET_MAX + 1], key[TARGET_KEYTPL_MAX + 1];
	static target_digests dg;
	static target t;
	s3p_err err;
	get_opts fo;
	const char *src = o->pos[0];
	int spec = o->spec_file != NULL;

	err_clear(&err);
	if (o->npos != 2 - spec) {
		err_set(&err, S3P_EUSAGE, spec ? "get --spec FILE takes DIR only" :
		    "get takes SOURCE and DIR (see s3pub get --help)");
		goto fail;
	}
	memset(&fo, 0, sizeof fo);
	fo.dir = o->pos[1 - spec];
	fo.force = o->force;
	fo.checksum_b64 = o->checksum_b64;
	fo.content_hex = o->content_hex;
	fo.version_id = o->version_id;
	fo.manifest_hex = o->manifest_hex;
	if (spec) {
		/* the result spec gives the place and the digests; options win */
		target_init(&t);
		if (target_read_result_file(o->spec_file, &t, &dg, &err) < 0)
			goto fail;
		target_merge(&t, &o->opt);
		o->opt = t;
		if (target_check_required(&t, &err) < 0)
			goto fail;
		if (!fo.checksum_b64 && dg.checksum_sha256[0] &&
		    !strchr(dg.checksum_sha256, '-'))   /* "b64-N": of parts */
			fo.checksum_b64 = dg.checksum_sha256;
		if (!fo.content_hex && dg.content_sha256[0])
			fo.content_hex = dg.content_sha256;
		if (!fo.version_id && dg.version_id[0])
			fo.version_id = dg.version_id;
		if (!fo.manifest_hex && dg.manifest_sha256[0])
			fo.manifest_hex = dg.manifest_sha256;
		fmt_snprintf(bucket, sizeof bucket, "%s", t.bucket);
		fmt_snprintf(key, sizeof key, "%s%s", t.key,
		    t.encoding == TARGET_PLAIN && *t.key &&
		    t.key[strlen(t.key) - 1] != '/' ? "/" : "");
	}
	if (objopts_finish(&o->obj, &err) < 0)
		goto fail;
	catch_signals();
	if (!spec && (strncasecmp(src, "http://", 7) == 0 ||
	    strncasecmp(src, "https://", 8) == 0)) {
		if (fo.version_id || o->obj.nkey) {
			err_set(&err, S3P_EUSAGE, "--version-id and --sse-c-key-file "
			    "need s3://BUCKET/KEY (not a presigned URL)");
			goto fail;
		}
		if (presigned_parse(src, &presigned, &err) < 0 ||
		    setup_presigned(o, &err) < 0 ||
		    get_object(&s3c, NULL, NULL, &presigned.url, presigned.name,
		    presigned.path, &fo, &fr, &err) < 0)
			goto fail;
	} else {
		if (!spec && target_s3_uri(src, bucket, sizeof bucket, key,
		    sizeof key, &err) < 0)
			goto fail;
		if (resolve_place(o, &o->opt, bucket, &err) < 0 ||
		    connect_client(o, bucket, s3p_now(), &err) < 0)
			goto fail;
		s3c.rules.obj_hdrs = o->obj.h;        /* SSE-C's key only */
		s3c.rules.nobj_hdrs = s3c.rules.nkey_hdrs = o->obj.nkey;
		if (key[0] == '\0' || key[strlen(key) - 1] == '/') {
			if (fo.checksum_b64 || fo.content_hex || fo.version_id) {
				err_set(&err, S3P_EUSAGE, "--checksum-sha256, --content-sha256 "
				    "and --version-id name one object, not a prefix");
				goto fail;
			}
			if (get_prefix(&s3c, bucket, key, &fo, &fr, &err) < 0)
				goto fail;
		} else if (get_object(&s3c, bucket, key, NULL, NULL, key, &fo, &fr,
		    &err) < 0) {
			goto fail;
		}
	}
	if (!o->quiet) {
		if (fr.objects == 1)
			fmt_dprintf(2, "s3pub: %s into %s: %llu bytes, SHA-256 %s, %lu %s\n",
			    fr.archive ? "unpacked" : "saved", fo.dir,
			    (unsigned long long)fr.bytes, fr.content_sha256, fr.entries,
			    fr.archive ? "entries" : "file");
		else
			fmt_dprintf(2, "s3pub: saved %lu objects into %s: %llu "
			    "bytes%s\n", fr.objects, fo.dir, (unsigned long long)
			    fr.bytes, fr.left_out ? "; objects under the prefix that "
			    "its manifest does not list were left out" : "");
	}
	return close_client(0);
fail:
	return close_client(fail(&err));
}

/* The commands with options, in the order of help.h's texts; then the others. */
static const char cmd_names[] =
    "publish\0presign\0get\0archive\0version\0--version\0help\0--help\0-h\0";
static int (*const cmd_run[])(options *) = {
	cmd_publish, cmd_presign, cmd_get, cmd_archive
};

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	options o;
	s3p_err err;
	int c = str_index(cmd_names, cmd), rc;

	/* started with stdin, stdout or stderr closed (a supervisor, a
	 * `2>&-`), the first file opened would take its number, and what is
	 * meant for it would go into that file: /dev/null takes it, read-only
	 * as stdout, so that a result spec that cannot go out is still exit
	 * 2 (EBADF), and stderr's lines are lost as they would have been */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd == 2 ? O_WRONLY :
		    O_RDONLY) != fd)
			break;
	set_handler(SIGPIPE, SIG_IGN);
	if (c >= 0 && c < 4) {
		rc = parse_options(argc - 2, argv + 2, &o, 1u << c, &err);
		if (rc < 0)
			return fail(&err);
		if (rc == 0)
			return cmd_run[c](&o);
		return put_help(c, 1);
	}
	if (c == 4 || c == 5) {
		out_printf("s3pub %s (sha256: %s, crc32: %s, TLS: BearSSL 0.6)\n",
		    S3PUB_VERSION, sha256_backend(), crc32_backend());
		return close_client(0);         /* (stdout written?) */
	}
	if (c > 5)
		return put_help(4, 1);
	if (cmd[0] != '\0')
		fmt_dprintf(2, "s3pub: unknown command '%s'\n", cmd);
	put_help(4, 2);
	return 1;
}
