/*
 * creds.h: where the keys come from (SPEC section 5), and the profile's
 * other settings (region, endpoint_url).
 *
 * The chain, in SPEC section 5's order (first source that yields wins).
 * It is the AWS CLI's (botocore's) order but for one point: botocore tries
 * AWS_WEB_IDENTITY_TOKEN_FILE before the files, s3pub after them.
 *
 *   1. environment   AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY
 *                    (+ AWS_SESSION_TOKEN). One of the two without the
 *                    other is a configuration error (S3P_EUSAGE) naming the
 *                    missing one. Skipped when a profile was given with
 *                    --profile (creds_init's `profile` argument): the AWS CLI
 *                    does the same, an explicit profile beats the
 *                    environment's keys (AWS_PROFILE does not).
 *   2. the profile   of the shared credentials file (AWS_SHARED_CREDENTIALS_
 *                    FILE, default ~/.aws/credentials, sections [NAME]) and
 *                    of the config file (AWS_CONFIG_FILE, default
 *                    ~/.aws/config, sections [profile NAME] and [default]).
 *                    In the profile, in botocore's order: role_arn +
 *                    web_identity_token_file (+ role_session_name) ->
 *                    "web-identity"; aws_access_key_id +
 *                    aws_secret_access_key (+ aws_session_token) in the
 *                    credentials file -> "shared-credentials-file";
 *                    credential_process -> "credential_process"; the same
 *                    keys in the config file -> "config-file". A key id
 *                    without its secret (or the reverse) is an error naming
 *                    the file and profile. With HOME unset and no variable
 *                    naming a file, the files are skipped.
 *   3. web identity  AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+
 *                    AWS_ROLE_SESSION_NAME): STS AssumeRoleWithWebIdentity,
 *                    an unsigned form POST to AWS_ENDPOINT_URL_STS, else
 *                    AWS_ENDPOINT_URL, else https://sts.REGION.amazonaws.com
 *                    (REGION: creds_ctx.region, which the caller found as
 *                    for S3), else https://sts.amazonaws.com.
 *   4. container     AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (at
 *                    http://169.254.170.2), or AWS_CONTAINER_CREDENTIALS_
 *                    FULL_URI (http only to a loopback address or the
 *                    ECS/EKS agent addresses, as botocore) with the
 *                    Authorization header from AWS_CONTAINER_AUTHORIZATION_
 *                    TOKEN_FILE, else AWS_CONTAINER_AUTHORIZATION_TOKEN.
 *                    2 s per attempt, 3 attempts.
 *   5. EC2 IMDSv2    PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-
 *                    seconds), GET /latest/meta-data/iam/security-
 *                    credentials/ and then the first role listed, with the
 *                    token. AWS_METADATA_SERVICE_TIMEOUT seconds per call
 *                    (default 1), AWS_METADATA_SERVICE_NUM_ATTEMPTS
 *                    (default 1), AWS_EC2_METADATA_DISABLED=true skips,
 *                    AWS_EC2_METADATA_SERVICE_ENDPOINT replaces
 *                    http://169.254.169.254. IMDSv2 only: when the token PUT
 *                    is refused (403, 404, 405: an IMDSv1-only service) no
 *                    unauthenticated GET follows.
 *
 * Nothing found: S3P_EUSAGE "no credentials found (looked in: ...)". A
 * source that is configured but fails (a credential_process exiting 1, STS
 * refusing the token, a container endpoint answering 500) stops the chain
 * with its own error: a wrong configuration is reported, not skipped.
 * Network failures of the metadata services are S3P_ENET, refusals
 * S3P_EREFUSED, malformed answers S3P_ESERVER.
 *
 * The files are INI as botocore reads them (creds_ini.h has the rules);
 * errors name "FILE:LINE". A profile named with --profile or AWS_PROFILE
 * that neither file holds is an error naming both files; the "default"
 * profile may be absent. A file that does not exist is no error; one that
 * exists but cannot be read is.
 *
 * credential_process runs with /bin/sh -c and prints the JSON document of
 * creds_parse.h (creds_proc.h says how it is run).
 *
 * The units: creds.c the chain and the profile files, creds_ini.c the INI
 * reader, creds_parse.c the JSON and XML documents, creds_net.c STS,
 * containers and IMDS over HTTP, creds_proc.c credential_process,
 * creds_io.c their environment, files and log.
 *
 * Secrets (secret key, session token, web identity token) never appear in
 * an error message nor in a log line. The log callback gets one line per
 * step ("credentials: trying ..."), without a newline.
 *
 * Nothing here is thread-safe (getenv, fork); resolve before starting
 * worker threads, and refresh from one thread.
 */
#ifndef S3PUB_CREDS_H
#define S3PUB_CREDS_H

#include <stddef.h>
#include <time.h>

#include "err.h"

#define CREDS_KEY_MAX     128    /* access key id, with its NUL */
#define CREDS_SECRET_MAX  128    /* secret access key */
#define CREDS_TOKEN_MAX   4096   /* session token (STS tokens run ~1-2 KiB) */
#define CREDS_PROFILE_MAX 256

/* Refresh when the expiry is this close (the SDKs' 5 minutes). */
#define CREDS_REFRESH_WINDOW 300

/*
 * A resolved credential. Caller-owned, fixed-size, no pointers: it may be
 * copied with memcpy() (e.g. a snapshot per worker).
 */
typedef struct {
	char access_key_id[CREDS_KEY_MAX];
	char secret_access_key[CREDS_SECRET_MAX];
	char session_token[CREDS_TOKEN_MAX];    /* "" when none */
	time_t expiration;                      /* 0: does not expire */
	/*
	 * "environment", "shared-credentials-file", "config-file",
	 * "credential_process", "web-identity", "container", "imds", or
	 * "anonymous" (--no-sign-request). Safe to print.
	 */
	char source[32];
	int anonymous;                          /* 1: send unsigned requests */
} creds;

/* One line of verbose log (no secrets, no newline). */
typedef void (*creds_log_fn)(void *log_ctx, const char *line);

/*
 * The resolver's context: caller-owned, set up by creds_init(), then the
 * public fields below may be changed before creds_resolve().
 */
typedef struct {
	/* --- set by the caller (creds_init gives the defaults) --- */
	char profile[CREDS_PROFILE_MAX];  /* --profile, AWS_PROFILE, "default" */
	int profile_explicit;             /* named by --profile or AWS_PROFILE */
	int profile_from_option;          /* named by --profile */
	/*
	 * The region in use, for STS's host name: one creds_region_ok()
	 * accepts (the caller checks it); NULL: STS's global endpoint.
	 */
	const char *region;
	/*
	 * The CA bundle for STS and container endpoints over https
	 * (--ca-file); NULL: tls.h's order (AWS_CA_BUNDLE, ...). Loaded on
	 * each such connection, freed after it.
	 */
	const char *ca_file;
	int insecure;                     /* --insecure, for those too */
	creds_log_fn log;                 /* NULL: silent */
	void *log_ctx;
	/* --- private: which source the last resolve used, for refresh --- */
	int src;
} creds_ctx;

/*
 * Sets up `cx`: the profile is `profile_option` (--profile) when not NULL,
 * else $AWS_PROFILE when set and non-empty, else "default". A name longer
 * than CREDS_PROFILE_MAX - 1 is an error (S3P_EUSAGE). Returns 0 or -1.
 */
int creds_init(creds_ctx *cx, const char *profile_option, s3p_err *err);

/*
 * Walks the chain (above) and fills `c`. `now` is the caller's notion of
 * the time (the clock with any skew correction applied): credentials that
 * are already expired at `now` are an error, never returned. Returns 0, or
 * -1 with err set (`c` is then zeroed).
 */
int creds_resolve(creds_ctx *cx, creds *c, time_t now, s3p_err *err);

/* Fills `c` for --no-sign-request: anonymous, source "anonymous". */
void creds_anonymous(creds *c);

/*
 * 1 when `c` expires within CREDS_REFRESH_WINDOW seconds of `now` (or has
 * expired): call creds_refresh() before signing the next request. 0 for
 * credentials without an expiry and for anonymous ones.
 */
int creds_refresh_needed(const creds *c, time_t now);

/* 1 when `c` has an expiry and it is at or before `now`: never sign. */
int creds_expired(const creds *c, time_t now);

/*
 * Fetches fresh credentials from the source that gave `c` (the same
 * profile, process, role or endpoint) and replaces `c` on success. On
 * failure `c` is left as it was (still usable until it expires) and -1 is
 * returned with err set; the caller keeps going with the old credentials
 * while creds_expired() says 0, and fails the upload once it says 1.
 */
int creds_refresh(creds_ctx *cx, creds *c, time_t now, s3p_err *err);

/*
 * A value of the profile (config file, then overridden by the credentials
 * file, as botocore merges them): `key` in the profile's section, or with
 * `sub` non-NULL, a service's setting as botocore reads it: the profile's
 * `services = NAME` names a [services NAME] section of the config file,
 * and `key` is looked up inside its sub-section `sub` ("s3" for
 * "s3 =\n  endpoint_url = ..."); a sub-section `sub` in the profile itself
 * is not read (the AWS CLI does not). Keys are case-insensitive,
 * sub-section keys are not (botocore). Returns 1 and the value in `out`,
 * 0 when absent (also when no file exists), -1 with err set on a
 * malformed file, an unknown explicit profile, a `services` naming no
 * section (botocore's InvalidConfigError), or a value longer than
 * outsz - 1.
 *   creds_profile_value(cx, NULL, "region", buf, sizeof buf, err)
 *   creds_profile_value(cx, "s3", "endpoint_url", buf, sizeof buf, err)
 *   creds_profile_value(cx, NULL, "endpoint_url", buf, sizeof buf, err)
 */
int creds_profile_value(creds_ctx *cx, const char *sub, const char *key,
    char *out, size_t outsz, s3p_err *err);

/*
 * 1 when s may go into a host name as a region: letters, digits and '-'
 * only (botocore's validate_region_name takes no other byte; "" too).
 * s3pub checks the region from every source with it (creds_ctx.region
 * among them); creds_imds_region() the one IMDS gives.
 */
int creds_region_ok(const char *s);

#endif
