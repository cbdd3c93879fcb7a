/*
 * s3pub.c: the command line. Parses options, assembles the units (archive,
 * spec, creds, http, s3), prints the result spec, and maps every failure to
 * one line on stderr and the exit status of SPEC section 10. The only file
 * that prints or exits.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive.h"
#include "fetch.h"
#include "fmt.h"
#include "psurl.h"
#include "clock.h"
#include "crc32.h"
#include "hashpass.h"
#include "creds.h"
#include "err.h"
#include "http.h"
#include "s3.h"
#include "sha256.h"
#include "spec.h"
#include "text.h"

#define DEFAULT_PART_SIZE (64ULL << 20)

static const char usage_text[] =
"usage: s3pub publish [options] DIR TARGET\n"
"       s3pub publish [options] --spec FILE DIR\n"
"       s3pub publish [options] --presigned-url URL DIR\n"
"       s3pub presign [options] s3://BUCKET/KEY\n"
"       s3pub get [options] SOURCE DIR\n"
"       s3pub archive [options] DIR > FILE.tar.gz\n"
"       s3pub version | --help | COMMAND --help\n"
"\n"
"TARGET: s3://BUCKET/KEY[,opt=endpoint=URL][,opt=region=R][,opt=encoding=gzip|plain]\n"
"Run 's3pub COMMAND --help' for a command's options; README.md has the rest.\n";

static const char publish_help[] =
"usage: s3pub publish [options] DIR TARGET\n"
"       s3pub publish [options] --spec FILE DIR\n"
"       s3pub publish [options] --presigned-url URL DIR\n"
"Publishes DIR: one .tar.gz object (encoding gzip, the default) or one\n"
"object per file under KEY/ (encoding plain); prints the result spec.\n"
"\n"
"  --spec FILE           the Publisher spec, YAML or JSON (as Bacalhau writes it)\n"
"  --endpoint URL        S3 endpoint (default: AWS_ENDPOINT_URL_S3,\n"
"                        AWS_ENDPOINT_URL, else AWS for the region)\n"
"  --region R            (default: AWS_REGION, AWS_DEFAULT_REGION, profile,\n"
"                        endpoint, else us-east-1)\n"
"  --encoding gzip|plain\n"
"  --job-id ID, --execution-id ID, --node-id ID\n"
"                        values of {jobID} {executionID} {nodeID} (default:\n"
"                        BACALHAU_JOB_ID, BACALHAU_EXECUTION_ID, BACALHAU_NODE_ID)\n"
"  --dry-run             no network: print the spec it would publish\n"
"  --part-size SIZE      multipart above this size (default 64MiB, min 5MiB)\n"
"  --jobs N              plain mode: parallel uploads (default 4)\n"
"  --checksum, --no-checksum\n"
"                        send x-amz-checksum-sha256 (default: AWS endpoints only)\n"
"  --retries N           attempts per request (default 5)\n"
"  --path-style, --virtual-hosted\n"
"  --profile NAME        credentials/config profile (default: AWS_PROFILE, default)\n"
"  --no-sign-request     anonymous requests\n"
"  --ca-file FILE        trust anchors (default: AWS_CA_BUNDLE, SSL_CERT_FILE,\n"
"                        the system bundle)\n"
"  --insecure            do not verify TLS certificates\n"
"  --connect-timeout S   (default 10)   --timeout S   idle time-out (default 60)\n"
"  --output json|yaml    the result spec's form (default json)\n"
"  --quiet, --verbose\n";

static const char presign_help[] =
"usage: s3pub presign [options] s3://BUCKET/KEY\n"
"Prints a presigned URL (SigV4 query string).\n"
"\n"
"  --expires SECONDS     1 to 604800 (default 3600)\n"
"  --method GET|PUT      (default GET)\n"
"  --endpoint URL, --region R, --profile NAME, --path-style, --virtual-hosted\n";

static const char get_help[] =
"usage: s3pub get [options] SOURCE DIR\n"
"Downloads SOURCE into DIR: s3://BUCKET/KEY (signed), s3://BUCKET/PREFIX/\n"
"(every object under it), or an http(s):// presigned URL (sent as is).\n"
"A key or URL path ending in .tar.gz or .tgz is unpacked into DIR; anything\n"
"else is saved as DIR/NAME. Nothing is left in DIR when a check fails.\n"
"\n"
"  --checksum-sha256 B64 the expected SHA-256 (base64, the spec's ChecksumSHA256)\n"
"  --content-sha256 HEX  the expected SHA-256 (hex, the spec's ContentSHA256)\n"
"  --force               overwrite existing files in DIR\n"
"  --endpoint URL, --region R, --profile NAME, --no-sign-request,\n"
"  --path-style, --virtual-hosted, --ca-file FILE, --insecure,\n"
"  --connect-timeout S, --timeout S, --retries N, --quiet, --verbose\n"
"                        as for publish (s3pub publish --help)\n";

static const char archive_help[] =
"usage: s3pub archive [options] DIR > FILE.tar.gz\n"
"Writes the exact bytes 'publish' would upload (refuses a terminal).\n";

/* Everything the options can say. */
typedef struct {
	const char *spec_file;
	const char *presigned_url;
	int dry_run;
	uint64_t part_size;
	int checksum;                   /* -1: by endpoint */
	int attempts;
	int path_style, virtual_hosted;
	const char *profile;
	int no_sign;
	const char *ca_file;
	int insecure;
	int connect_timeout, timeout;
	int yaml;
	int quiet, verbose;
	const char *execution_id, *job_id, *node_id;
	unsigned long expires;
	const char *method;
	const char *checksum_b64, *content_hex;  /* get */
	int force;                      /* get */
	int jobs;
	spec_target opt;                /* endpoint, region, encoding given */
	const char *pos[8];
	int npos;
} options;

static int verbose_on;
static int publish_presigned(options *o);

static void
log_line(void *ctx, const char *line)
{
	(void)ctx;
	fmt_fprintf(stderr, "s3pub: %s\n", line);
}

static void
warn_line(void *ctx, const char *msg)
{
	options *o = ctx;

	if (!o->quiet)
		fmt_fprintf(stderr, "s3pub: warning: %s\n", msg);
}

static int
fail(const s3p_err *e)
{
	fmt_fprintf(stderr, "s3pub: %s\n", e->msg[0] ? e->msg : "failed");
	return e->status ? e->status : 1;
}

/*
 * SIGINT/SIGTERM during a publish: the handler only records the signal;
 * s3.c notices it at its next wait or read (s3_client.cancel), aborts a
 * multipart upload from normal code, and publish exits 128 + the signal
 * (130, 143). A second signal kills at once (the handlers are reset).
 */
static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	if (got_signal == 0)
		got_signal = sig;
	signal(SIGINT, SIG_DFL);        /* async-signal-safe (POSIX) */
	signal(SIGTERM, SIG_DFL);
}

/* No SA_RESTART: poll() and nanosleep() return EINTR. A signal ignored
 * at start (nohup, a background job of sh) stays ignored. */
static void
catch_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM };

	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction sa, old;

		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		sigaddset(&sa.sa_mask, SIGINT);
		sigaddset(&sa.sa_mask, SIGTERM);
		sigaction(sigs[i], &sa, NULL);
	}
}

/* fail(), or 128 + the signal that stopped the run. */
static int
fail_or_signal(const s3p_err *e)
{
	if (got_signal == 0)
		return fail(e);
	fmt_fprintf(stderr, "s3pub: %s: %s\n", got_signal == SIGINT ? "SIGINT" :
	    "SIGTERM", e->msg[0] ? e->msg : "interrupted");
	return 128 + got_signal;
}

/* "5MiB", "64M", "1048576": bytes. */
static int
parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno != 0 || *s == '-')
		return -1;
	if (*end != '\0') {
		static const struct { const char *s; uint64_t m; } u[] = {
			{ "k", 1ULL << 10 }, { "kib", 1ULL << 10 }, { "kb", 1000 },
			{ "m", 1ULL << 20 }, { "mib", 1ULL << 20 }, { "mb", 1000000 },
			{ "g", 1ULL << 30 }, { "gib", 1ULL << 30 }, { "gb", 1000000000 },
			{ "b", 1 }
		};
		size_t i;
		for (i = 0; i < sizeof u / sizeof u[0]; i++)
			if (strcasecmp(end, u[i].s) == 0)
				break;
		if (i == sizeof u / sizeof u[0])
			return -1;
		mul = u[i].m;
	}
	if (v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static int
parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

/*
 * Options of every command; `allowed` lists the ones the command takes.
 * Returns 0, -1 with err set, or 1 for --help.
 */
static int
parse_options(int argc, char **argv, options *o, const char *allowed,
    s3p_err *err)
{
	memset(o, 0, sizeof *o);
	o->part_size = DEFAULT_PART_SIZE;
	o->checksum = -1;
	o->attempts = 5;
	o->connect_timeout = 10;
	o->timeout = 60;
	o->expires = 3600;
	o->method = "GET";
	o->jobs = 4;
	spec_target_init(&o->opt);

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		char name[64];
		const char *val = NULL;
		const char *eq;
		long n;

		if (strcmp(a, "--") == 0) {
			for (i++; i < argc; i++) {
				if (o->npos >= (int)(sizeof o->pos / sizeof o->pos[0]))
					return err_set(err, S3P_EUSAGE, "too many arguments");
				o->pos[o->npos++] = argv[i];
			}
			break;
		}
		if (a[0] != '-' || a[1] == '\0') {
			if (o->npos >= (int)(sizeof o->pos / sizeof o->pos[0]))
				return err_set(err, S3P_EUSAGE, "too many arguments");
			o->pos[o->npos++] = a;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return 1;
		if (strncmp(a, "--", 2) != 0)
			return err_set(err, S3P_EUSAGE, "unknown option '%s'", a);
		eq = strchr(a, '=');
		fmt_snprintf(name, sizeof name, "%.*s", (int)(eq ? (size_t)(eq - a - 2) : strlen(a + 2)), a + 2);
		{
			/* is it one of this command's options, and takes it a value? */
			char flag[70], valued[70];
			fmt_snprintf(flag, sizeof flag, " %s ", name);
			fmt_snprintf(valued, sizeof valued, " %s= ", name);
			if (text_str(allowed, valued) != NULL) {
				if (eq != NULL)
					val = eq + 1;
				else if (i + 1 < argc)
					val = argv[++i];
				else
					return err_set(err, S3P_EUSAGE,
					    "option '--%s' needs a value", name);
			} else if (text_str(allowed, flag) == NULL)
				return err_set(err, S3P_EUSAGE, "unknown option '--%s'", name);
			else if (eq != NULL)
				return err_set(err, S3P_EUSAGE,
				    "option '--%s' takes no value", name);
		}

#define IS(s) (strcmp(name, s) == 0)
		if (IS("spec")) o->spec_file = val;
		else if (IS("presigned-url")) o->presigned_url = val;
		else if (IS("dry-run")) o->dry_run = 1;
		else if (IS("part-size")) {
			if (parse_size(val, &o->part_size) < 0)
				return err_set(err, S3P_EUSAGE,
				    "--part-size '%s': not a size (e.g. 64MiB)", val);
			if (o->part_size < S3_MIN_PART)
				return err_set(err, S3P_EUSAGE,
				    "--part-size '%s': at least 5MiB (S3's minimum part)", val);
		} else if (IS("checksum")) o->checksum = 1;
		else if (IS("no-checksum")) o->checksum = 0;
		else if (IS("retries")) {
			if (parse_int(val, 1, 100, &n) < 0)
				return err_set(err, S3P_EUSAGE,
				    "--retries '%s': a number of attempts from 1 to 100", val);
			o->attempts = (int)n;
		} else if (IS("jobs")) {
			if (parse_int(val, 1, 64, &n) < 0)
				return err_set(err, S3P_EUSAGE,
				    "--jobs '%s': parallel uploads from 1 to 64", val);
			o->jobs = (int)n;
		} else if (IS("path-style")) o->path_style = 1;
		else if (IS("virtual-hosted")) o->virtual_hosted = 1;
		else if (IS("profile")) o->profile = val;
		else if (IS("no-sign-request")) o->no_sign = 1;
		else if (IS("ca-file")) o->ca_file = val;
		else if (IS("insecure")) o->insecure = 1;
		else if (IS("connect-timeout") || IS("timeout")) {
			if (parse_int(val, 1, 86400, &n) < 0)
				return err_set(err, S3P_EUSAGE,
				    "--%s '%s': seconds from 1 to 86400", name, val);
			*(IS("timeout") ? &o->timeout : &o->connect_timeout) = (int)n;
		} else if (IS("output")) {
			if (strcmp(val, "json") == 0) o->yaml = 0;
			else if (strcmp(val, "yaml") == 0) o->yaml = 1;
			else return err_set(err, S3P_EUSAGE,
			    "--output '%s': json or yaml", val);
		} else if (IS("quiet")) o->quiet = 1;
		else if (IS("verbose")) o->verbose = verbose_on = 1;
		else if (IS("execution-id")) o->execution_id = val;
		else if (IS("job-id")) o->job_id = val;
		else if (IS("node-id")) o->node_id = val;
		else if (IS("expires")) {
			if (parse_int(val, 1, 604800, &n) < 0)
				return err_set(err, S3P_EUSAGE,
				    "--expires '%s': seconds from 1 to 604800 (7 days)", val);
			o->expires = (unsigned long)n;
		} else if (IS("method")) {
			if (strcmp(val, "GET") != 0 && strcmp(val, "PUT") != 0)
				return err_set(err, S3P_EUSAGE, "--method '%s': GET or PUT", val);
			o->method = val;
		} else if (IS("checksum-sha256")) {
			if (strlen(val) != 44 || val[43] != '=' ||
			    strspn(val, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != 44)
				return err_set(err, S3P_EUSAGE,
				    "--checksum-sha256 '%s': the base64 of a SHA-256 (44 characters)", val);
			o->checksum_b64 = val;
		} else if (IS("content-sha256")) {
			if (strlen(val) != 64 || strspn(val, "0123456789abcdefABCDEF") != 64)
				return err_set(err, S3P_EUSAGE,
				    "--content-sha256 '%s': 64 hex digits", val);
			o->content_hex = val;
		} else if (IS("force")) o->force = 1;
		else if (IS("endpoint") || IS("region") || IS("encoding")) {
			if (spec_set(&o->opt, name, val, err) < 0)
				return -1;
		}
#undef IS
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

typedef struct {
	char region[64];
	char endpoint[1024];
	int endpoint_custom;            /* not AWS's default */
} place;

static int
resolve_place(const spec_target *t, creds_ctx *cx, place *p, s3p_err *err)
{
	const char *v;
	char buf[1024];
	int rc;

	p->endpoint[0] = p->region[0] = '\0';
	if (t->set & SPEC_SET_ENDPOINT)
		fmt_snprintf(p->endpoint, sizeof p->endpoint, "%s", t->endpoint);
	else if ((v = getenv("AWS_ENDPOINT_URL_S3")) != NULL && *v)
		fmt_snprintf(p->endpoint, sizeof p->endpoint, "%s", v);
	else if ((v = getenv("AWS_ENDPOINT_URL")) != NULL && *v)
		fmt_snprintf(p->endpoint, sizeof p->endpoint, "%s", v);
	else if (cx != NULL) {
		rc = creds_profile_value(cx, "s3", "endpoint_url", buf, sizeof buf, err);
		if (rc == 0)
			rc = creds_profile_value(cx, NULL, "endpoint_url", buf,
			    sizeof buf, err);
		if (rc < 0)
			return -1;
		if (rc == 1)
			fmt_snprintf(p->endpoint, sizeof p->endpoint, "%s", buf);
	}

	if (t->set & SPEC_SET_REGION)
		fmt_snprintf(p->region, sizeof p->region, "%s", t->region);
	else if ((v = getenv("AWS_REGION")) != NULL && *v)
		fmt_snprintf(p->region, sizeof p->region, "%s", v);
	else if ((v = getenv("AWS_DEFAULT_REGION")) != NULL && *v)
		fmt_snprintf(p->region, sizeof p->region, "%s", v);
	else if (cx != NULL &&
	    (rc = creds_profile_value(cx, NULL, "region", buf, sizeof buf, err)) != 0) {
		if (rc < 0)
			return -1;
		fmt_snprintf(p->region, sizeof p->region, "%.63s", buf);
	}
	if (p->region[0] == '\0' && p->endpoint[0] != '\0')
		s3_region_from_endpoint(p->endpoint, p->region, sizeof p->region);
	if (p->region[0] == '\0')
		strcpy(p->region, "us-east-1");

	p->endpoint_custom = p->endpoint[0] != '\0';
	if (!p->endpoint_custom)
		s3_endpoint_default(p->region, p->endpoint, sizeof p->endpoint);
	return 0;
}

/*
 * AWS buckets follow today's naming rules. Other servers (Ceph, MinIO,
 * Swift) may hold older names with capitals or '_': accept what botocore
 * accepts there ([A-Za-z0-9._-], 1 to 255 bytes), as the AWS CLI would.
 */
static int
check_bucket(const char *bucket, const place *pl, s3p_err *err)
{
	size_t n = strlen(bucket);

	if (spec_bucket_valid(bucket) != SPEC_BUCKET_INVALID)
		return 0;
	if (pl->endpoint_custom && n >= 1 && n <= 255 &&
	    strspn(bucket, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") == n)
		return 0;
	return err_set(err, S3P_EUSAGE,
	    "'%s': invalid bucket name (S3 bucket naming rules)", bucket);
}

/* ---------------------------------------------------------------- */
/* Progress on a terminal: bytes, percent, rate, ETA. */

typedef struct {
	int on;
	uint64_t total, done;
	struct timespec start, last;
	pthread_mutex_t mu;             /* plain mode's workers all report */
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
	rate = ms > 0 ? p->done * 1000 / ms : 0;          /* bytes per second */
	done = mib_tenths(p->done);
	total = mib_tenths(p->total);
	speed = mib_tenths(rate);
	fmt_fprintf(stderr, "\r\033[Ks3pub: %llu.%llu / %llu.%llu MiB (%3llu%%) "
	    "%llu.%llu MiB/s", done / 10, done % 10, total / 10, total % 10,
	    p->total ? (unsigned long long)(p->done * 100 / p->total) : 100ULL,
	    speed / 10, speed % 10);
	if (!final && rate > 0 && p->done < p->total)
		fmt_fprintf(stderr, " ETA %llu s", (unsigned long long)
		    ((p->total - p->done + rate / 2) / rate));
	if (final)
		fputc('\n', stderr);
}

static void
progress_add(void *ctx, uint64_t n)
{
	progress *p = ctx;

	pthread_mutex_lock(&p->mu);
	p->done += n;
	progress_draw(p, 0);
	pthread_mutex_unlock(&p->mu);
}

/* ---------------------------------------------------------------- */

static int
archive_reader(void *ctx, uint64_t off, void *buf, size_t len, s3p_err *err)
{
	return archive_read(ctx, off, buf, len, err);
}

static int
open_archive(const char *dir, options *o, archive **ap, s3p_err *err)
{
	archive_opts ao;
	const char *sde = getenv("SOURCE_DATE_EPOCH");

	memset(&ao, 0, sizeof ao);
	ao.source_date_epoch = -1;
	if (sde != NULL && *sde != '\0') {
		char *end;
		long long v;
		errno = 0;
		v = strtoll(sde, &end, 10);
		if (*end != '\0' || errno != 0 || v < 0)
			return err_set(err, S3P_EUSAGE,
			    "SOURCE_DATE_EPOCH '%s': not a number of seconds", sde);
		ao.source_date_epoch = v;
	}
	ao.warn = warn_line;
	ao.warn_ctx = o;
	return archive_open(ap, dir, &ao, err);
}

/* Placeholders' values: options, else BACALHAU_* variables. */
static void
resolve_ids(const options *o, spec_ids *ids)
{
	ids->execution_id = o->execution_id ? o->execution_id : getenv("BACALHAU_EXECUTION_ID");
	ids->job_id = o->job_id ? o->job_id : getenv("BACALHAU_JOB_ID");
	ids->node_id = o->node_id ? o->node_id : getenv("BACALHAU_NODE_ID");
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

/* s3pub archive DIR: the exact bytes publish would upload. */
static int
cmd_archive(int argc, char **argv)
{
	static unsigned char buf[65536];
	options o;
	archive *a = NULL;
	s3p_err err;
	uint64_t size, off;
	int rc;

	err_clear(&err);
	rc = parse_options(argc, argv, &o, " quiet ", &err);
	if (rc == 1) {
		fputs(archive_help, stdout);
		return 0;
	}
	if (rc < 0)
		return fail(&err);
	if (o.npos != 1) {
		err_set(&err, S3P_EUSAGE, "archive takes one DIR (see s3pub archive --help)");
		return fail(&err);
	}
	if (isatty(STDOUT_FILENO)) {
		err_set(&err, S3P_EUSAGE,
		    "archive: refusing to write binary data to a terminal; redirect stdout");
		return fail(&err);
	}
	if (open_archive(o.pos[0], &o, &a, &err) < 0)
		return fail(&err);
	size = archive_size(a);
	for (off = 0; off < size;) {
		size_t n = size - off < sizeof buf ? (size_t)(size - off) : sizeof buf;
		if (archive_read(a, off, buf, n, &err) < 0 ||
		    write_all(STDOUT_FILENO, buf, n, &err) < 0) {
			archive_close(a);
			return fail(&err);
		}
		off += n;
	}
	archive_close(a);
	return 0;
}

/* Credentials for commands that sign (not for --no-sign-request). */
static int
get_creds(options *o, creds_ctx *cx, creds *c, time_t now, s3p_err *err)
{
	if (o->no_sign) {
		creds_anonymous(c);
		return 0;
	}
	if (creds_resolve(cx, c, now, err) < 0)
		return -1;
	if (o->verbose)
		fmt_fprintf(stderr, "s3pub: credentials from %s (access key %.4s...)\n",
		    c->source, c->access_key_id);
	return 0;
}

static int
setup_client(options *o, const place *pl, const char *bucket, http_client *hc,
    s3_client *s, creds *c, creds_ctx *cx, s3p_err *err)
{
	http_options ho;

	memset(&ho, 0, sizeof ho);
	ho.connect_timeout_ms = o->connect_timeout * 1000;
	ho.timeout_ms = o->timeout * 1000;
	ho.ca_file = o->ca_file;
	ho.insecure = o->insecure;
	if (o->verbose) {
		ho.log = log_line;
	}
	if (o->insecure)
		fmt_fprintf(stderr, "%s\n", TLS_INSECURE_WARNING);
	if (http_client_init(hc, &ho, err) < 0)
		return -1;
	if (s3_client_init(s, hc, c, pl->endpoint, pl->region, err) < 0)
		return -1;
	s->cred_ctx = o->no_sign ? NULL : cx;
	s->attempts = o->attempts;
	s->cancel = &got_signal;
	if (o->checksum >= 0)
		s->checksum = o->checksum;
	if (o->verbose)
		s->log = log_line;
	s->virtual_hosted = o->virtual_hosted ? 1 : o->path_style ? 0 :
	    s3_use_virtual_hosted(s, bucket);
	if (s->virtual_hosted && spec_bucket_valid(bucket) == SPEC_BUCKET_INVALID)
		return err_set(err, S3P_EUSAGE,
		    "bucket '%s' cannot be a host name: use --path-style", bucket);
	return 0;
}

/* Another connection like s0 (plain mode's --jobs), signing with c. */
static int
setup_worker(options *o, const place *pl, const char *bucket, http_client *hc,
    s3_client *s, creds *c, const tls_anchors *anchors, const s3_client *s0,
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
	if (http_client_init(hc, &ho, err) < 0 ||
	    s3_client_init(s, hc, c, pl->endpoint, pl->region, err) < 0)
		return -1;
	s->attempts = s0->attempts;
	s->cancel = s0->cancel;
	s->checksum = s0->checksum;
	s->virtual_hosted = s0->virtual_hosted;
	s->clock_offset = s0->clock_offset;
	s->log = s0->log;
	s->progress = s0->progress;
	s->progress_ctx = s0->progress_ctx;
	(void)bucket;
	return 0;
}

static int
cmd_presign(int argc, char **argv)
{
	options o;
	s3p_err err;
	char bucket[SPEC_BUCKET_MAX + 1], key[SPEC_KEYTPL_MAX + 1], url[20000];
	creds_ctx cx;
	static creds c;
	place pl;
	static http_client hc;
	static s3_client s;
	int rc;

	err_clear(&err);
	rc = parse_options(argc, argv, &o,
	    " expires= method= endpoint= region= profile= path-style virtual-hosted verbose ",
	    &err);
	if (rc == 1) {
		fputs(presign_help, stdout);
		return 0;
	}
	if (rc < 0)
		return fail(&err);
	if (o.npos != 1) {
		err_set(&err, S3P_EUSAGE, "presign takes one s3://BUCKET/KEY");
		return fail(&err);
	}
	if (spec_s3_uri(o.pos[0], bucket, sizeof bucket, key, sizeof key, &err) < 0)
		return fail(&err);
	if (key[0] == '\0') {
		err_set(&err, S3P_EUSAGE, "'%s': no key after the bucket", o.pos[0]);
		return fail(&err);
	}
	if (creds_init(&cx, o.profile, &err) < 0 ||
	    resolve_place(&o.opt, &cx, &pl, &err) < 0 ||
	    check_bucket(bucket, &pl, &err) < 0)
		return fail(&err);
	cx.region = pl.region;
	if (get_creds(&o, &cx, &c, s3p_now(), &err) < 0)
		return fail(&err);
	if (setup_client(&o, &pl, bucket, &hc, &s, &c, &cx, &err) < 0 ||
	    s3_presign(&s, o.method, bucket, key, o.expires, url, sizeof url, &err) < 0)
		return fail(&err);
	fmt_printf("%s\n", url);
	s3_client_close(&s);
	http_client_close(&hc);
	return 0;
}

/* Hash pass of the whole archive: what --dry-run prints. */
static int
hash_archive(archive *a, char hex[65], char b64[48], s3p_err *err)
{
	sha256_ctx h;
	unsigned char d[SHA256_SIZE];

	sha256_init(&h);
	if (hashpass_run(archive_reader, a, 0, archive_size(a), &h, NULL,
	    &got_signal, err) < 0)
		return -1;
	sha256_final(&h, d);
	sha256_hex(d, hex);
	s3_base64(d, sizeof d, b64);
	return 0;
}

/*
 * Plain mode: one PutObject per regular file, over --jobs parallel
 * connections (one http and s3 client per thread, the trust anchors
 * shared). The archive is read under a lock (archive_file_read serves one
 * thread at a time); hashing and sending run in parallel. On failure, the
 * objects this run already wrote are deleted (best effort), so that no
 * partial prefix looks like a complete result.
 */
typedef struct plain_run plain_run;

typedef struct {
	plain_run *run;
	s3_client *s;
	http_client *hc;
	pthread_t tid;
} plain_worker;

struct plain_run {
	pthread_mutex_t mu;
	archive *a;
	const char *bucket, *prefix;
	const options *o;
	size_t next;                    /* next entry to take */
	unsigned char *done;            /* entries written, for clean-up */
	int failed;
	s3p_err err;                    /* the first failure */
	uint64_t bytes;
};

typedef struct {
	plain_run *run;
	size_t index;
} plain_src;

static int
plain_reader(void *ctx, uint64_t off, void *buf, size_t len, s3p_err *err)
{
	plain_src *ps = ctx;
	int rc;

	pthread_mutex_lock(&ps->run->mu);
	rc = archive_file_read(ps->run->a, ps->index, off, buf, len, err);
	pthread_mutex_unlock(&ps->run->mu);
	return rc;
}

static void *
plain_work(void *arg)
{
	plain_worker *w = arg;
	plain_run *run = w->run;

	for (;;) {
		archive_entry e;
		char k[SPEC_KEY_MAX + 1];
		s3_put_result pr;
		s3p_err err;
		plain_src ps;
		size_t i;

		pthread_mutex_lock(&run->mu);
		while (run->next < archive_count(run->a)) {
			archive_entry_get(run->a, run->next, &e);
			if (e.type == ARCHIVE_FILE)
				break;
			run->next++;
		}
		if (run->failed || run->next >= archive_count(run->a)) {
			pthread_mutex_unlock(&run->mu);
			return NULL;
		}
		i = run->next++;
		pthread_mutex_unlock(&run->mu);

		err_clear(&err);
		ps.run = run;
		ps.index = i;
		if (fmt_snprintf(k, sizeof k, "%s%s", run->prefix, e.path) >= (int)sizeof k)
			err_set(&err, S3P_EUSAGE, "the key for '%s' is %zu bytes, over "
			    "S3's 1024", e.path, strlen(run->prefix) + strlen(e.path));
		else if (s3_upload(w->s, run->bucket, k, plain_reader, &ps, e.size,
		    run->o->part_size, NULL, &pr, &err) == 0) {
			pthread_mutex_lock(&run->mu);
			run->done[i] = 1;
			run->bytes += e.size;
			pthread_mutex_unlock(&run->mu);
			continue;
		}
		pthread_mutex_lock(&run->mu);
		if (!run->failed) {
			run->failed = 1;
			run->err = err;
		}
		pthread_mutex_unlock(&run->mu);
		return NULL;
	}
}

static int
publish_plain(options *o, const place *pl, const char *bucket,
    const char *prefix, archive *a, s3_client *s0, creds *c, uint64_t *bytes,
    s3p_err *err)
{
	plain_run run;
	plain_worker *w;
	int jobs = o->jobs, started = 0;
	tls_anchors anchors;
	int have_anchors = 0;
	pthread_mutex_t cred_mu = PTHREAD_MUTEX_INITIALIZER;

	memset(&run, 0, sizeof run);
	pthread_mutex_init(&run.mu, NULL);
	run.a = a;
	run.bucket = bucket;
	run.prefix = prefix;
	run.o = o;
	run.done = calloc(archive_count(a) + 1, 1);
	w = calloc((size_t)jobs, sizeof *w);
	if (run.done == NULL || w == NULL) {
		free(run.done);
		free(w);
		return err_set(err, S3P_EINPUT, "out of memory");
	}
	/* one bundle of trust anchors for every connection */
	if (jobs > 1 && s0->endpoint.https && !o->insecure) {
		if (tls_anchors_load(&anchors, o->ca_file, err) < 0)
			goto out;
		have_anchors = 1;
	}
	for (int j = 0; j < jobs; j++) {
		w[j].run = &run;
		if (j == 0) {
			w[j].s = s0;
			continue;
		}
		w[j].hc = calloc(1, sizeof *w[j].hc);
		w[j].s = calloc(1, sizeof *w[j].s);
		if (w[j].hc == NULL || w[j].s == NULL ||
		    setup_worker(o, pl, bucket, w[j].hc, w[j].s, c,
		    have_anchors ? &anchors : NULL, s0, err) < 0) {
			jobs = j;       /* those set up so far */
			goto out;
		}
		/* every worker signs with the one set of credentials, which
		 * any of them refreshes (under cred_mu) when it nears expiry */
		w[j].s->cred_ctx = s0->cred_ctx;
		w[j].s->cred_mu = &cred_mu;
	}
	s0->cred_mu = &cred_mu;
	for (int j = 1; j < jobs; j++) {
		if (pthread_create(&w[j].tid, NULL, plain_work, &w[j]) != 0)
			break;
		started = j;
	}
	plain_work(&w[0]);
	for (int j = 1; j <= started; j++)
		pthread_join(w[j].tid, NULL);
	s0->cred_mu = NULL;
	if (run.failed)
		*err = run.err;
out:
	if (run.failed || err->status != 0) {
		/* nothing that looks like a complete result stays behind */
		unsigned long removed = 0;
		for (size_t i = 0; i < archive_count(a); i++) {
			archive_entry e;
			char k[SPEC_KEY_MAX + 1];
			s3p_err derr;
			if (!run.done[i])
				continue;
			archive_entry_get(a, i, &e);
			fmt_snprintf(k, sizeof k, "%s%s", prefix, e.path);
			if (s3_delete(s0, bucket, k, &derr) == 0)
				removed++;
		}
		if (removed > 0) {
			/* still one line: the cause, then what was undone */
			size_t l = strlen(err->msg);
			fmt_snprintf(err->msg + l, sizeof err->msg - l,
			    " (the %lu object%s this run had written were removed)",
			    removed, removed == 1 ? "" : "s");
		}
	}
	for (int j = 1; j < jobs; j++) {
		if (w[j].s != NULL && w[j].s->scratch != NULL)
			s3_client_close(w[j].s);
		if (w[j].hc != NULL)
			http_client_close(w[j].hc);
		free(w[j].s);
		free(w[j].hc);
	}
	if (have_anchors)
		tls_anchors_free(&anchors);
	*bytes = run.bytes;
	free(run.done);
	free(w);
	pthread_mutex_destroy(&run.mu);
	return err->status != 0 ? -1 : 0;
}

static int
cmd_publish(int argc, char **argv)
{
	options o;
	s3p_err err;
	spec_target t;
	spec_ids ids;
	char key[SPEC_KEY_MAX + 1];
	creds_ctx cx;
	static creds c;
	place pl;
	static http_client hc;
	static s3_client s;
	archive *a = NULL;
	spec_result res;
	const char *dir;
	time_t now;
	int rc;

	err_clear(&err);
	rc = parse_options(argc, argv, &o,
	    " spec= presigned-url= dry-run part-size= checksum no-checksum retries= "
	    "path-style virtual-hosted profile= no-sign-request ca-file= insecure "
	    "connect-timeout= timeout= output= quiet verbose execution-id= job-id= "
	    "node-id= endpoint= region= encoding= jobs= ", &err);
	if (rc == 1) {
		fputs(publish_help, stdout);
		return 0;
	}
	if (rc < 0)
		return fail(&err);
	if (o.presigned_url != NULL)
		return publish_presigned(&o);

	/* the target: --spec FILE, then TARGET, then options override */
	spec_target_init(&t);
	if (o.spec_file != NULL) {
		if (o.npos != 1) {
			err_set(&err, S3P_EUSAGE, "with --spec, publish takes one DIR");
			return fail(&err);
		}
		if (spec_read_file(o.spec_file, &t, &err) < 0)
			return fail(&err);
	} else {
		if (o.npos != 2) {
			err_set(&err, S3P_EUSAGE, "publish takes DIR and TARGET "
			    "(see s3pub publish --help)");
			return fail(&err);
		}
		if (spec_parse_target(o.pos[1], &t, &err) < 0)
			return fail(&err);
	}
	dir = o.pos[0];
	spec_merge(&t, &o.opt);
	if (spec_check_required(&t, &err) < 0)
		return fail(&err);
	resolve_ids(&o, &ids);
	now = s3p_now();
	if (spec_expand_key(t.key, t.encoding, &ids, now, key, sizeof key, &err) < 0)
		return fail(&err);

	if (creds_init(&cx, o.profile, &err) < 0 ||
	    resolve_place(&t, o.dry_run ? NULL : &cx, &pl, &err) < 0 ||
	    check_bucket(t.bucket, &pl, &err) < 0)
		return fail(&err);
	cx.region = pl.region;

	if (open_archive(dir, &o, &a, &err) < 0)
		return fail(&err);

	memset(&res, 0, sizeof res);
	res.type = "s3";
	res.bucket = t.bucket;
	res.key = key;
	res.region = pl.region;
	res.endpoint = pl.endpoint;
	res.encoding = t.encoding;

	if (o.dry_run) {
		char hex[65] = "", b64[48] = "";
		if (t.encoding == SPEC_PLAIN) {
			/* keys and sizes, one per line */
			for (size_t i = 0; i < archive_count(a); i++) {
				archive_entry e;
				archive_entry_get(a, i, &e);
				if (e.type == ARCHIVE_FILE)
					fmt_printf("%s%s\t%llu\n", key, e.path,
					    (unsigned long long)e.size);
			}
			archive_close(a);
			return 0;
		}
		if (hash_archive(a, hex, b64, &err) < 0) {
			archive_close(a);
			return fail(&err);
		}
		res.content_sha256 = hex;
		res.checksum_sha256 = b64;
		res.size = archive_size(a);
		archive_close(a);
		return spec_write_result(stdout, &res, o.yaml) < 0 ? 2 : 0;
	}

	catch_signals();
	if (get_creds(&o, &cx, &c, now, &err) < 0 ||
	    setup_client(&o, &pl, t.bucket, &hc, &s, &c, &cx, &err) < 0) {
		archive_close(a);
		return fail_or_signal(&err);
	}
	{
		static progress pg;
		static s3_put_result pr;
		pg.on = isatty(STDERR_FILENO) && !o.quiet && !o.verbose;
		pthread_mutex_init(&pg.mu, NULL);
		if (pg.on) {
			s.progress = progress_add;
			s.progress_ctx = &pg;
			clock_gettime(CLOCK_MONOTONIC, &pg.start);
		}
		if (t.encoding == SPEC_GZIP) {
			pg.total = archive_size(a);
			if (s3_upload(&s, t.bucket, key, archive_reader, a,
			    archive_size(a), o.part_size, "application/gzip", &pr,
			    &err) < 0)
				goto failed;
			res.version_id = pr.version_id;
			res.checksum_sha256 = pr.checksum_sha256;
			res.content_sha256 = pr.content_sha256;
			res.size = pr.size;
		} else {
			for (size_t i = 0; i < archive_count(a); i++) {
				archive_entry e;
				archive_entry_get(a, i, &e);
				if (e.type == ARCHIVE_FILE)
					pg.total += e.size;
			}
			if (publish_plain(&o, &pl, t.bucket, key, a, &s, &c, &res.size,
			    &err) < 0)
				goto failed;
		}
		if (pg.on)
			progress_draw(&pg, 1);
	}
	res.region = s.region;
	res.endpoint = s.endpoint_str;
	archive_close(a);
	rc = spec_write_result(stdout, &res, o.yaml);
	s3_client_close(&s);
	http_client_close(&hc);
	return rc < 0 ? 2 : 0;

failed:
	if (isatty(STDERR_FILENO) && !o.quiet && !o.verbose)
		fputc('\n', stderr);
	archive_close(a);
	s3_client_close(&s);
	http_client_close(&hc);
	return fail_or_signal(&err);
}

/*
 * Sets up an unsigned client for a presigned URL: the endpoint is the
 * URL's origin, path style (the URL is sent as is anyway).
 */
static int
setup_presigned(options *o, const psurl *ps, http_client *hc, s3_client *s,
    creds *c, s3p_err *err)
{
	place pl;

	memset(&pl, 0, sizeof pl);
	fmt_snprintf(pl.endpoint, sizeof pl.endpoint, "%s", ps->origin);
	fmt_snprintf(pl.region, sizeof pl.region, "%s", ps->region[0] ? ps->region : "us-east-1");
	creds_anonymous(c);
	o->no_sign = 1;
	o->path_style = 1;
	o->virtual_hosted = 0;
	return setup_client(o, &pl, ps->bucket, hc, s, c, NULL, err);
}

/*
 * publish --presigned-url URL DIR (managed mode): the archive PUT to a URL
 * presigned by someone else; no credentials here. A presigned URL signs
 * only the host, so the body goes with an unsigned Content-MD5 that the
 * server checks (BadDigest when the body changed on the way).
 */
static int
publish_presigned(options *o)
{
	static http_client hc;
	static s3_client s;
	static creds c;
	static psurl ps;
	static s3_put_result pr;
	s3p_err err;
	archive *a = NULL;
	spec_result res;
	char md5[25];
	http_header h[1];
	int rc;

	err_clear(&err);
	if (o->npos != 1) {
		err_set(&err, S3P_EUSAGE, "with --presigned-url, publish takes one DIR");
		return fail(&err);
	}
	if (o->spec_file != NULL || o->dry_run ||
	    ((o->opt.set & SPEC_SET_ENCODING) && o->opt.encoding == SPEC_PLAIN)) {
		err_set(&err, S3P_EUSAGE, "--presigned-url uploads one archive: "
		    "no --spec, --dry-run or plain encoding with it");
		return fail(&err);
	}
	if (psurl_parse(o->presigned_url, &ps, &err) < 0)
		return fail(&err);
	if (ps.bucket[0] == '\0') {
		err_set(&err, S3P_EUSAGE, "--presigned-url '%s': no bucket and key in it "
		    "(BUCKET.s3.../KEY or /BUCKET/KEY)", ps.name);
		return fail(&err);
	}
	if (open_archive(o->pos[0], o, &a, &err) < 0)
		return fail(&err);
	catch_signals();
	if (setup_presigned(o, &ps, &hc, &s, &c, &err) < 0 ||
	    psurl_md5_b64(archive_reader, a, archive_size(a), md5, &err) < 0)
		goto failed;
	h[0].name = "Content-MD5";
	h[0].value = md5;
	if (s3_put_url(&s, &ps.url, ps.name, archive_reader, a, archive_size(a),
	    h, 1, &pr, &err) < 0)
		goto failed;
	memset(&res, 0, sizeof res);
	res.type = "s3";
	res.bucket = ps.bucket;
	res.key = ps.key;
	res.region = ps.region;
	res.endpoint = ps.endpoint;
	res.version_id = pr.version_id;
	res.checksum_sha256 = pr.checksum_sha256;
	res.content_sha256 = pr.content_sha256;
	res.size = pr.size;
	res.encoding = SPEC_GZIP;
	archive_close(a);
	rc = spec_write_result(stdout, &res, o->yaml);
	s3_client_close(&s);
	http_client_close(&hc);
	return rc < 0 ? 2 : 0;
failed:
	archive_close(a);
	s3_client_close(&s);
	http_client_close(&hc);
	return fail_or_signal(&err);
}

/* s3pub get SOURCE DIR (SPEC section 8); the work is fetch.c's. */
static int
cmd_get(int argc, char **argv)
{
	static http_client hc;
	static s3_client s;
	static creds c;
	static psurl ps;
	static fetch_result fr;
	char bucket[SPEC_BUCKET_MAX + 1], key[SPEC_KEYTPL_MAX + 1];
	options o;
	s3p_err err;
	fetch_opts fo;
	creds_ctx cx;
	place pl;
	const char *src;
	int rc;

	err_clear(&err);
	rc = parse_options(argc, argv, &o,
	    " checksum-sha256= content-sha256= force endpoint= region= profile= "
	    "no-sign-request path-style virtual-hosted ca-file= insecure "
	    "connect-timeout= timeout= retries= quiet verbose ", &err);
	if (rc == 1) {
		fputs(get_help, stdout);
		return 0;
	}
	if (rc < 0)
		return fail(&err);
	if (o.npos != 2) {
		err_set(&err, S3P_EUSAGE, "get takes SOURCE and DIR (see s3pub get --help)");
		return fail(&err);
	}
	src = o.pos[0];
	memset(&fo, 0, sizeof fo);
	fo.dir = o.pos[1];
	fo.force = o.force;
	fo.checksum_b64 = o.checksum_b64;
	fo.content_hex = o.content_hex;
	catch_signals();
	if (strncmp(src, "http://", 7) == 0 || strncmp(src, "https://", 8) == 0) {
		if (psurl_parse(src, &ps, &err) < 0 ||
		    setup_presigned(&o, &ps, &hc, &s, &c, &err) < 0 ||
		    fetch_object(&s, NULL, NULL, &ps.url, ps.name, ps.path, &fo, &fr,
		    &err) < 0)
			goto failed;
	} else {
		if (spec_s3_uri(src, bucket, sizeof bucket, key, sizeof key, &err) < 0)
			return fail(&err);
		if (spec_bucket_valid(bucket) == SPEC_BUCKET_INVALID) {
			err_set(&err, S3P_EUSAGE,
			    "'%s': invalid bucket name (S3 bucket naming rules)", bucket);
			return fail(&err);
		}
		if (creds_init(&cx, o.profile, &err) < 0 ||
		    resolve_place(&o.opt, &cx, &pl, &err) < 0)
			return fail(&err);
		cx.region = pl.region;
		if (get_creds(&o, &cx, &c, s3p_now(), &err) < 0 ||
		    setup_client(&o, &pl, bucket, &hc, &s, &c, &cx, &err) < 0)
			goto failed;
		if (key[0] == '\0' || key[strlen(key) - 1] == '/') {
			if (fo.checksum_b64 || fo.content_hex) {
				err_set(&err, S3P_EUSAGE, "--checksum-sha256 and --content-sha256 "
				    "check one object, not a prefix");
				goto failed;
			}
			if (fetch_prefix(&s, bucket, key, &fo, &fr, &err) < 0)
				goto failed;
		} else if (fetch_object(&s, bucket, key, NULL, NULL, key, &fo, &fr,
		    &err) < 0) {
			goto failed;
		}
	}
	if (!o.quiet) {
		if (fr.objects == 1)
			fmt_fprintf(stderr, "s3pub: %s into %s: %llu bytes, SHA-256 %s, %lu %s\n",
			    fr.archive ? "unpacked" : "saved", fo.dir,
			    (unsigned long long)fr.bytes, fr.content_sha256, fr.entries,
			    fr.archive ? "entries" : "file");
		else
			fmt_fprintf(stderr, "s3pub: saved %lu objects into %s: %llu bytes\n",
			    fr.objects, fo.dir, (unsigned long long)fr.bytes);
	}
	s3_client_close(&s);
	http_client_close(&hc);
	return 0;
failed:
	s3_client_close(&s);
	http_client_close(&hc);
	return fail_or_signal(&err);
}

static int
cmd_version(void)
{
	fmt_printf("s3pub %s (sha256: %s, crc32: %s, TLS: BearSSL 0.6)\n",
	    S3PUB_VERSION, sha256_backend(), crc32_backend());
	return 0;
}

int
main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	signal(SIGPIPE, SIG_IGN);
	if (strcmp(cmd, "publish") == 0)
		return cmd_publish(argc - 2, argv + 2);
	if (strcmp(cmd, "presign") == 0)
		return cmd_presign(argc - 2, argv + 2);
	if (strcmp(cmd, "archive") == 0)
		return cmd_archive(argc - 2, argv + 2);
	if (strcmp(cmd, "get") == 0)
		return cmd_get(argc - 2, argv + 2);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0)
		return cmd_version();
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
	    strcmp(cmd, "-h") == 0) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (cmd[0] == '\0')
		fputs(usage_text, stderr);
	else
		fmt_fprintf(stderr, "s3pub: unknown command '%s'\n%s", cmd, usage_text);
	return 1;
}
