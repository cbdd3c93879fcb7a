/*
 * test_creds.c: creds.c without a network. The chain's precedence between
 * environment, files and profiles; credential_process (creds_proc.c)
 * through small sh scripts; expiry and refresh.
 *
 * (test_creds_ini.c tests the INI reader, test_creds_parse.c the
 * documents; tests/t_creds_ini.sh compares the profile files' reading with
 * botocore itself; tests/t_creds_network.sh covers IMDS, containers and
 * STS, creds_net.c.)
 */
#include "creds.h"
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

/* ---- files, environment, profiles ---- */

static void
put(const char *name, const char *text, int mode)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	f = fopen(p, "w");
	if (f == NULL) {
		perror(p);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	chmod(p, (mode_t)mode);
}

static char *
path(const char *name)
{
	static char p[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof p[i], "%s/%s", dir, name);
	return p[i];
}

static void
clean_env(void)
{
	static const char *vars[] = { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
		"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CREDENTIAL_EXPIRATION",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN" };

	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		unsetenv(vars[i]);
	setenv("AWS_SHARED_CREDENTIALS_FILE", path("credentials"), 1);
	setenv("AWS_CONFIG_FILE", path("config"), 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	unlink(path("credentials"));
	unlink(path("config"));
}

/* Resolves with --profile `opt`; "SOURCE ID" or "error: MSG" (status). */
static const char *
resolve(const char *opt, int *status)
{
	static char out[1200];
	static creds c;
	creds_ctx cx;
	s3p_err e;

	err_clear(&e);
	*status = 0;
	if (creds_init(&cx, opt, &e) < 0 || creds_resolve(&cx, &c, time(NULL), &e) < 0) {
		*status = e.status;
		snprintf(out, sizeof out, "error: %s", e.msg);
		return out;
	}
	snprintf(out, sizeof out, "%s %s", c.source, c.access_key_id);
	return out;
}

static void
want_src(const char *name, const char *opt, const char *want)
{
	int st;
	t_streq(resolve(opt, &st), want, name);
}

static void
want_err(const char *name, const char *opt, const char *pattern)
{
	int st;
	const char *got = resolve(opt, &st);

	t_ok(st == S3P_EUSAGE && strstr(got, pattern) != NULL,
	    "%s: got \"%s\" (status %d), want \"%s\"", name, got, st, pattern);
}

static void
test_chain(void)
{
	creds_ctx cx;
	s3p_err e;
	char v[256];
	int st;

	clean_env();
	want_err("nothing anywhere", NULL, "no credentials found (looked in: "
	    "environment, ");
	t_ok(strstr(resolve(NULL, &st), "IMDS (disabled)") != NULL,
	    "the message lists IMDS as disabled");

	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	want_err("key id without secret", NULL,
	    "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
	unsetenv("AWS_ACCESS_KEY_ID");
	setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
	want_err("secret without key id", NULL,
	    "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
	setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
	want_src("environment", NULL, "environment AKIDENV");

	put("credentials", "[default]\naws_access_key_id = AKIDFILE\n"
	    "aws_secret_access_key = sf\n[prod]\naws_access_key_id=AKIDPROD\n"
	    "aws_secret_access_key=sp\naws_session_token=tok\n", 0600);
	want_src("environment beats the files", NULL, "environment AKIDENV");
	setenv("AWS_PROFILE", "prod", 1);
	want_src("AWS_PROFILE does not beat environment keys (botocore)", NULL,
	    "environment AKIDENV");
	unsetenv("AWS_PROFILE");
	want_src("--profile beats environment keys (botocore)", "prod",
	    "shared-credentials-file AKIDPROD");
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	want_src("credentials file, default profile", NULL,
	    "shared-credentials-file AKIDFILE");
	setenv("AWS_PROFILE", "prod", 1);
	want_src("AWS_PROFILE picks the profile", NULL,
	    "shared-credentials-file AKIDPROD");
	setenv("AWS_PROFILE", "nope", 1);
	want_err("unknown profile from AWS_PROFILE", NULL,
	    "profile 'nope' not found in ");
	unsetenv("AWS_PROFILE");
	want_err("unknown profile from --profile names both files", "nope",
	    "/credentials or ");

	put("config", "[default]\nregion = eu-central-1\n"
	    "[profile cfg]\naws_access_key_id = AKIDCFG\naws_secret_access_key = sc\n"
	    "region = us-east-2\ns3 =\n  endpoint_url = http://own:1\n"
	    "services = local\n"
	    "[services local]\ns3 =\n  endpoint_url = http://minio:9000\n"
	    "[profile nosvc]\nservices = gone\n"
	    "[profile both]\naws_access_key_id = AKIDCFGBOTH\naws_secret_access_key=x\n"
	    "[profile proc]\ncredential_process = sh %s/proc.sh\n"
	    "aws_access_key_id = AKIDCFGPROC\naws_secret_access_key = y\n"
	    "[profile half]\naws_access_key_id = AKIDHALF\n"
	    "[profile sso]\nsso_start_url = https://x\n"
	    "[profile chain]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = default\n"
	    "[profile web]\nrole_arn = arn:aws:iam::1:role/r\n"
	    "[profile bin]\nregion = \x01\n", 0600);
	/* "%s" in the text above is replaced below */
	{
		char text[2048], cfg[4096];
		FILE *f = fopen(path("config"), "r");
		size_t n = fread(text, 1, sizeof text - 1, f);
		fclose(f);
		text[n] = '\0';
		char *p = strstr(text, "%s");
		*p = '\0';
		snprintf(cfg, sizeof cfg, "%s%s%s", text, dir, p + 2);
		put("config", cfg, 0600);
	}
	put("credentials", "[default]\naws_access_key_id = AKIDFILE\n"
	    "aws_secret_access_key = sf\n[both]\naws_access_key_id = AKIDCREDBOTH\n"
	    "aws_secret_access_key = z\n[bin]\n", 0600);
	want_err("a malformed config file is an error even for another profile",
	    NULL, "/config:32: not text");
	{
		/* drop the binary profile */
		char text[4096];
		FILE *f = fopen(path("config"), "r");
		size_t n = fread(text, 1, sizeof text - 1, f);
		fclose(f);
		text[n] = '\0';
		*strstr(text, "[profile bin]") = '\0';
		put("config", text, 0600);
	}
	want_src("config file: [profile NAME]", "cfg", "config-file AKIDCFG");
	want_src("credentials file beats config file", "both",
	    "shared-credentials-file AKIDCREDBOTH");
	want_err("key id without secret in a file names file and profile", "half",
	    "/config: profile 'half' has aws_access_key_id but no "
	    "aws_secret_access_key");
	want_err("SSO is refused in words", "sso", "(SSO)");
	want_err("role_arn with source_profile is refused in words", "chain",
	    "role_arn without web_identity_token_file");
	want_err("role_arn alone", "web", "is not supported");

	/* credential_process: runs before the config file's static keys */
	put("proc.sh", "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
	    "\"SecretAccessKey\": \"sp\", \"SessionToken\": \"tp\", "
	    "\"Expiration\": \"2999-01-01T00:00:00Z\"}'\n", 0700);
	want_src("credential_process beats the config file's keys", "proc",
	    "credential_process AKIDPROC");
	put("proc.sh", "echo 'oops' >&2; exit 3\n", 0700);
	want_err("credential_process exit status", "proc",
	    "profile 'proc': credential_process exited with status 3");
	put("proc.sh", "kill -9 $PPID\n", 0700);
	want_err("credential_process killed", "proc", "killed by signal 9");
	put("proc.sh", "echo '{\"Version\": 2, \"AccessKeyId\": \"a\", "
	    "\"SecretAccessKey\": \"b\"}'\n", 0700);
	want_err("credential_process Version 2", "proc", "\"Version\": 1 missing");
	put("proc.sh", "echo '{\"Version\": 1, \"AccessKeyId\": \"a\"'\n", 0700);
	want_err("credential_process malformed JSON", "proc", "malformed JSON");
	put("proc.sh", "echo '{\"Version\": 1, \"AccessKeyId\": \"a\", "
	    "\"SecretAccessKey\": \"b\", \"Expiration\": \"2001-01-01T00:00:00Z\"}'\n",
	    0700);
	want_err("credential_process expired credentials", "proc",
	    "credentials from credential_process expired at 2001-01-01T00:00:00Z");
	put("proc.sh", "head -c 100000 /dev/zero | tr '\\0' x\n", 0700);
	want_err("credential_process output bounded", "proc", "more than 65536 bytes");
	put("proc.sh", "echo '{\"Version\": 1, \"AccessKeyId\": \"a b\", "
	    "\"SecretAccessKey\": \"b\"}'\n", 0700);
	want_err("credential_process: blanks in a key refused", "proc",
	    "blanks or control characters");

	/* values for the lead */
	err_clear(&e);
	creds_init(&cx, "cfg", &e);
	t_ok(creds_profile_value(&cx, NULL, "region", v, sizeof v, &e) == 1 &&
	    strcmp(v, "us-east-2") == 0, "profile value: region");
	t_ok(creds_profile_value(&cx, "s3", "endpoint_url", v, sizeof v, &e) == 1 &&
	    strcmp(v, "http://minio:9000") == 0,
	    "profile value: s3 endpoint_url of [services NAME], not the profile's own");
	creds_init(&cx, "nosvc", &e);
	t_ok(creds_profile_value(&cx, "s3", "endpoint_url", v, sizeof v, &e) < 0 &&
	    strstr(e.msg, "/config: no [services gone]") != NULL,
	    "profile value: services naming no section is an error");
	creds_init(&cx, "cfg", &e);
	t_ok(creds_profile_value(&cx, NULL, "endpoint_url", v, sizeof v, &e) == 0,
	    "profile value: absent global endpoint_url");
	creds_init(&cx, NULL, &e);
	t_ok(creds_profile_value(&cx, NULL, "region", v, sizeof v, &e) == 1 &&
	    strcmp(v, "eu-central-1") == 0, "profile value: [default] region");
	put("credentials", "[default]\nregion = from-credentials-file\n", 0600);
	t_ok(creds_profile_value(&cx, NULL, "region", v, sizeof v, &e) == 1 &&
	    strcmp(v, "from-credentials-file") == 0,
	    "profile value: credentials file overrides config (botocore merge)");

	/* HOME unset and no variables: the files are skipped */
	clean_env();
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	unsetenv("AWS_CONFIG_FILE");
	{
		char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
		unsetenv("HOME");
		want_err("HOME unset: files skipped", NULL, "(HOME unset)");
		setenv("HOME", dir, 1);
		mkdir(path(".aws"), 0700);
		put(".aws/credentials", "[default]\naws_access_key_id=AKIDHOME\n"
		    "aws_secret_access_key=h\n", 0600);
		want_src("~/.aws/credentials from HOME", NULL,
		    "shared-credentials-file AKIDHOME");
		setenv("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials", 1);
		want_src("~ expanded in AWS_SHARED_CREDENTIALS_FILE", NULL,
		    "shared-credentials-file AKIDHOME");
		if (home != NULL)
			setenv("HOME", home, 1);
		free(home);
	}
	clean_env();
	put("credentials", "[default]\naws_access_key_id=A\n", 0);
	if (geteuid() != 0)
		want_err("unreadable file is an error", NULL, "Permission denied");
	else
		t_skip("unreadable file (running as root)");
	clean_env();
	setenv("AWS_WEB_IDENTITY_TOKEN_FILE", path("tok"), 1);
	want_err("web identity: token file without AWS_ROLE_ARN", NULL,
	    "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
	clean_env();
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds", 1);
	want_err("container full URI to a remote http host refused", NULL,
	    "http is allowed only to a loopback address");
	clean_env();
}

/* ---- expiry and refresh ---- */

static void
test_expiry(void)
{
	creds c;
	creds_ctx cx;
	s3p_err e;
	int st;

	memset(&c, 0, sizeof c);
	t_ok(!creds_refresh_needed(&c, 1000) && !creds_expired(&c, 1000),
	    "no expiry: never refreshed, never expired");
	c.expiration = 10000;
	t_ok(!creds_refresh_needed(&c, 10000 - CREDS_REFRESH_WINDOW - 1),
	    "expiry: 301 s ahead: no refresh");
	t_ok(creds_refresh_needed(&c, 10000 - CREDS_REFRESH_WINDOW),
	    "expiry: 300 s ahead: refresh");
	t_ok(!creds_expired(&c, 9999) && creds_expired(&c, 10000),
	    "expiry: expired at the expiration second");
	creds_anonymous(&c);
	t_ok(c.anonymous && strcmp(c.source, "anonymous") == 0 &&
	    !creds_refresh_needed(&c, 0), "anonymous");


	/* refresh re-runs the same credential_process */
	clean_env();
	{
		char text[1024];
		snprintf(text, sizeof text, "[profile r]\ncredential_process = sh %s\n",
		    path("count.sh"));
		put("config", text, 0600);
		snprintf(text, sizeof text, "n=$(cat %s 2>/dev/null || echo 0); "
		    "n=$((n+1)); echo $n > %s\nexp=$(date -u -d @$(( $(date +%%s) + "
		    "$n * 100 )) +%%Y-%%m-%%dT%%H:%%M:%%SZ)\n"
		    "echo \"{\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"AKID$n\\\", "
		    "\\\"SecretAccessKey\\\": \\\"s\\\", \\\"Expiration\\\": \\\"$exp\\\"}\"\n",
		    path("count"), path("count"));
		put("count.sh", text, 0700);
	}
	err_clear(&e);
	creds_init(&cx, "r", &e);
	st = creds_resolve(&cx, &c, time(NULL), &e);
	t_ok(st == 0 && strcmp(c.access_key_id, "AKID1") == 0 &&
	    creds_refresh_needed(&c, time(NULL)),
	    "short-lived process credentials need a refresh: %s %s", c.access_key_id,
	    st ? e.msg : "");
	st = creds_refresh(&cx, &c, time(NULL), &e);
	t_ok(st == 0 && strcmp(c.access_key_id, "AKID2") == 0 &&
	    strcmp(c.source, "credential_process") == 0,
	    "refresh runs the process again: %s %s", c.access_key_id, st ? e.msg : "");
	put("count.sh", "exit 7\n", 0700);
	st = creds_refresh(&cx, &c, time(NULL), &e);
	t_ok(st < 0 && strcmp(c.access_key_id, "AKID2") == 0 &&
	    strstr(e.msg, "status 7") != NULL,
	    "a failed refresh keeps the old credentials: %s", e.msg);
	t_ok(creds_refresh(&cx, &c, c.expiration + 10, &e) < 0,
	    "refresh failing after expiry is an error");
	clean_env();
}

int
main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_creds.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_chain();
	test_expiry();
	{
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return t_done();
}
