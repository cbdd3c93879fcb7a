/*
 * creds.c: the AWS default credential chain (SPEC section 5) and the
 * profile's settings. See creds.h.
 *
 * Layout: the two profile files (read whole, looked up with creds_ini.c);
 * where STS is; each source as one function that returns 1 (found, `c`
 * filled), 0 (not configured: try the next) or -1 (configured but
 * failed: err set, the chain stops); the chain; refresh. The sources over
 * HTTP are in creds_net.c, credential_process in creds_proc.c, the
 * documents they answer with in creds_parse.c.
 */
#include "creds.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "creds_ini.h"
#include "creds_io.h"
#include "creds_net.h"
#include "creds_parse.h"
#include "creds_proc.h"
#include "fmt.h"
#include "text.h"

#define FILE_MAX      (1u << 20)    /* a config file larger is refused */
#define PATH_MAX_     1024
#define VALUE_MAX     8192          /* credential_process command etc. */

/*
 * The sources, for refresh (creds_ctx.src), and the name each gives
 * creds.source.
 */
enum {
	SRC_NONE = 0, SRC_ENV, SRC_WEBID_PROFILE, SRC_CREDFILE, SRC_PROCESS,
	SRC_CONFIG, SRC_WEBID_ENV, SRC_CONTAINER, SRC_IMDS, SRC_COUNT
};
static const char *const src_name[] = {
	[SRC_NONE] = "",
	[SRC_ENV] = "environment",
	[SRC_WEBID_PROFILE] = "web-identity",
	[SRC_CREDFILE] = "shared-credentials-file",
	[SRC_PROCESS] = "credential_process",
	[SRC_CONFIG] = "config-file",
	[SRC_WEBID_ENV] = "web-identity",
	[SRC_CONTAINER] = "container",
	[SRC_IMDS] = "imds"
};
_Static_assert(sizeof src_name / sizeof src_name[0] == SRC_COUNT,
    "a name for every source");

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
	const char *home = creds_env("HOME");
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
		const char *p = creds_env(vars[w]);
		char dummy[2];
		int sf;

		if (!expand_path(p != NULL ? p : dflt[w], f->path[w], sizeof f->path[w])) {
			/* no such file; the name in messages */
			fmt_snprintf(f->path[w], sizeof f->path[w], "%s (HOME unset)",
			    dflt[w]);
			continue;
		}
		if (creds_read_file(f->path[w], FILE_MAX, &f->text[w], &f->len[w], NULL,
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

	char name[CREDS_PROFILE_MAX];
	int found = 1;

	if (files_load(cx, &f, err) < 0)
		return -1;
	/* a service's settings: botocore's [services NAME] of the config
	 * file, NAME the profile's `services` */
	r = sub == NULL ? merged_value(&f, NULL, key, out, outsz) :
	    merged_value(&f, NULL, "services", name, sizeof name);
	if (r == 1 && sub != NULL) {
		r = f.text[1] == NULL ? 0 : creds_ini_lookup(f.text[1], f.len[1],
		    f.path[1], name, 2, sub, key, out, outsz, &found, err);
		if (!found)
			r = err_set(err, S3P_EUSAGE, "%s: no [services %s]",
			    f.path[1], name);
	}
	files_free(&f);
	return r;
}

/* ------------------------------------------------------------------ */
/* web identity: where STS is (SPEC section 5, step 3)                  */

/*
 * AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, else the regional endpoint
 * of creds_ctx.region (the caller's, from all the places a region may
 * come from, and checked), else the global one.
 */
static int
sts_endpoint(creds_ctx *cx, char *out, size_t outsz, s3p_err *err)
{
	const char *e = creds_env("AWS_ENDPOINT_URL_STS");
	const char *region = cx->region ? cx->region : "";

	if (e == NULL)
		e = creds_env("AWS_ENDPOINT_URL");
	if (e != NULL)
		return fmt_snprintf(out, outsz, "%s", e) < (int)outsz ? 0 :
		    err_set(err, S3P_EUSAGE, "STS endpoint URL too long");
	fmt_snprintf(out, outsz, "https://sts%s%s.amazonaws.com%s",
	    region[0] ? "." : "", region,
	    strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
	return 0;
}

/* Web identity at the endpoint above: creds_sts_assume(). */
static int
web_identity(creds_ctx *cx, const char *role_arn, const char *token_file,
    const char *session_name, creds *c, s3p_err *err)
{
	char url[1024];

	if (sts_endpoint(cx, url, sizeof url, err) < 0)
		return -1;
	return creds_sts_assume(cx, url, role_arn, token_file, session_name, c,
	    err);
}

/* ------------------------------------------------------------------ */
/* the sources                                                          */

static int
src_env(creds *c, s3p_err *err)
{
	static const char what[] = "environment (AWS_ACCESS_KEY_ID)";
	const char *v[3] = { creds_env("AWS_ACCESS_KEY_ID"),
		creds_env("AWS_SECRET_ACCESS_KEY"), creds_env("AWS_SESSION_TOKEN") };
	const char *exp = creds_env("AWS_CREDENTIAL_EXPIRATION");

	if (v[0] == NULL && v[1] == NULL)
		return 0;
	if (v[0] == NULL || v[1] == NULL)
		return err_set(err, S3P_EUSAGE, "%s is set but %s is not",
		    v[0] ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		    v[0] ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
	memset(c, 0, sizeof *c);
	for (int i = 0; i < 3; i++)
		if (v[i] != NULL && fmt_snprintf((char *)c + creds_fields[i].off,
		    creds_fields[i].size, "%s", v[i]) >= creds_fields[i].size)
			return i < 2 ? err_set(err, S3P_EUSAGE, "%s: %s too long",
			    what, i ? "secret access key" : "access key id") :
			    err_set(err, S3P_EUSAGE, "%s: session token longer than "
			    "%d bytes", what, CREDS_TOKEN_MAX - 1);
	if (creds_check(c, what, S3P_EUSAGE, err) < 0)
		return -1;
	if (exp != NULL && (creds_parse_time(exp, &c->expiration) < 0 ||
	    c->expiration == 0))
		return err_set(err, S3P_EUSAGE, "%s is not an ISO 8601 time",
		    "AWS_CREDENTIAL_EXPIRATION");
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
		got[i] = file_value(f, which, NULL, key[i],
		    (char *)c + creds_fields[i].off, creds_fields[i].size);
		if (got[i] < 0)
			return -1;
	}
	if (creds_check(c, what, S3P_EUSAGE, f->err) < 0)
		return -1;
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
		creds_log(cx, "profile '%s': web identity", cx->profile);
		if ((r = web_identity(cx, w, v, r == 1 ? sn : NULL, c, err)) < 0)
			goto out;
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
		if ((r = creds_process(cx, v, w, c, err)) < 0)
			goto out;
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

/* Web identity from the environment (step 3). */
static int
src_webid_env(creds_ctx *cx, creds *c, s3p_err *err)
{
	const char *tf = creds_env("AWS_WEB_IDENTITY_TOKEN_FILE");
	const char *role = creds_env("AWS_ROLE_ARN");

	if (tf == NULL && role == NULL)
		return 0;
	if (tf == NULL || role == NULL)
		return err_set(err, S3P_EUSAGE, "web identity: %s is set but %s is not",
		    tf ? "AWS_WEB_IDENTITY_TOKEN_FILE" : "AWS_ROLE_ARN",
		    tf ? "AWS_ROLE_ARN" : "AWS_WEB_IDENTITY_TOKEN_FILE");
	if (web_identity(cx, role, tf, creds_env("AWS_ROLE_SESSION_NAME"), c,
	    err) < 0)
		return -1;
	return 1;
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
		r = creds_container(cx, c, err);
	} else if (src == SRC_IMDS) {
		r = creds_imds(cx, c, why, whysz, err);
	} else {        /* the profile's sources; never SRC_NONE */
		r = src_profile(cx, c, used, why, whysz, err);
	}
	if (r == 1)
		fmt_snprintf(c->source, sizeof c->source, "%s", src_name[*used]);
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
	} else if ((p = creds_env("AWS_PROFILE")) != NULL) {
		cx->profile_explicit = 1;
	} else {
		p = "default";
	}
	if (p[0] == '\0')
		return err_set(err, S3P_EUSAGE, "empty profile name");
	if (text_has_ctl(p))
		return err_set(err, S3P_EUSAGE, "profile name holds a control "
		    "character");
	if (fmt_snprintf(cx->profile, sizeof cx->profile, "%s", p) >=
	    (int)sizeof cx->profile)
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
			creds_log(cx, "--profile given: environment keys "
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
			creds_log(cx, "from %s (profile '%s')%s%s", c->source, cx->profile,
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
	fmt_snprintf(c->source, sizeof c->source, "anonymous");
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
	creds_log(cx, "refreshing from %s", c->source);
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
