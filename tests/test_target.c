/*
 * test_target.c: the target syntax, spec files, bucket names, key rules and
 * the result spec (SPEC sections 1, 2, 7). The result spec's escaping is
 * also checked against python3's json and yaml modules by t_target_oracle.sh.
 */
#include "target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit.h"

/* Parses a target; returns 0/-1 and leaves the message in err. */
static int
parse_arg(const char *arg, target *t, s3p_err *err)
{
	target_init(t);
	err_clear(err);
	return target_parse(arg, t, err);
}

static void
target_ok(const char *arg, const char *bucket, const char *key,
    const char *endpoint, const char *region, int encoding, unsigned set)
{
	target t;
	s3p_err err;
	int r = parse_arg(arg, &t, &err);

	t_ok(r == 0 && strcmp(t.bucket, bucket) == 0 &&
	    strcmp(t.key, key) == 0 && strcmp(t.endpoint, endpoint) == 0 &&
	    strcmp(t.region, region) == 0 && t.encoding == encoding &&
	    t.set == set,
	    "target \"%s\": got r=%d bucket=\"%s\" key=\"%s\" endpoint=\"%s\""
	    " region=\"%s\" enc=%d set=%u (%s)", arg, r, t.bucket, t.key,
	    t.endpoint, t.region, t.encoding, t.set, err.msg);
}

/* A target that must fail with a usage error whose message holds `want`. */
static void
target_bad(const char *arg, const char *want)
{
	target t;
	s3p_err err;
	int r = parse_arg(arg, &t, &err);

	t_ok(r < 0 && err.status == S3P_EUSAGE && strstr(err.msg, want),
	    "bad target \"%s\": r=%d status=%d msg \"%s\" (want \"%s\")", arg,
	    r, err.status, err.msg, want);
}

enum { B = TARGET_SET_BUCKET, K = TARGET_SET_KEY, E = TARGET_SET_ENDPOINT,
	R = TARGET_SET_REGION, N = TARGET_SET_ENCODING };

static void
test_targets(void)
{
	target t, o;
	s3p_err err;

	target_ok("s3://bucket/key", "bucket", "key", "", "", TARGET_GZIP, B | K);
	target_ok("S3://bucket/a/b/c.tar.gz", "bucket", "a/b/c.tar.gz", "", "",
	    TARGET_GZIP, B | K);
	target_ok("s3://b1/results/{jobID}/{date}/", "b1",
	    "results/{jobID}/{date}/", "", "", TARGET_GZIP, B | K);
	target_ok("s3://bkt/k,opt=region=eu-west-1,opt=endpoint=http://h:9000,"
	    "opt=encoding=plain", "bkt", "k", "http://h:9000", "eu-west-1",
	    TARGET_PLAIN, B | K | E | R | N);
	target_ok("s3://bkt/k,OPTION=Region=us-east-2,Opt=ENCODING=GZIP", "bkt",
	    "k", "", "us-east-2", TARGET_GZIP, B | K | R | N);
	target_ok("s3,opt=bucket=bb,opt=key=kk", "bb", "kk", "", "", TARGET_GZIP,
	    B | K);
	target_ok("S3,option=key=x/y,option=bucket=bb,opt=region=r", "bb",
	    "x/y", "", "r", TARGET_GZIP, B | K | R);
	/* values keep every '=' after the second one */
	target_ok("s3,opt=bucket=b,opt=key=a=b==c", "b", "a=b==c", "", "",
	    TARGET_GZIP, B | K);
	target_ok("s3://b/k,opt=endpoint=https://h/?x=1", "b", "k",
	    "https://h/?x=1", "", TARGET_GZIP, B | K | E);
	/* the key is literal: no percent-decoding, ? and # are key bytes */
	target_ok("s3://b/a%20b?c#d", "b", "a%20b?c#d", "", "", TARGET_GZIP,
	    B | K);
	target_ok("s3://b//lead", "b", "/lead", "", "", TARGET_GZIP, B | K);
	/* empty key and bucket parse (unset), target_check_required reports */
	target_ok("s3://b", "b", "", "", "", TARGET_GZIP, B);
	target_ok("s3://b/", "b", "", "", "", TARGET_GZIP, B);
	target_ok("s3:///k", "", "k", "", "", TARGET_GZIP, K);
	target_ok("s3", "", "", "", "", TARGET_GZIP, 0);
	target_ok("s3://b/k,opt=region=", "b", "k", "", "", TARGET_GZIP, B | K);

	target_bad("", "field 1 \"\": want s3://BUCKET/KEY or s3");
	target_bad("http://b/k", "field 1 \"http://b/k\": want s3://BUCKET/KEY");
	target_bad("ipfs", "field 1 \"ipfs\"");
	target_bad("s3:/b/k", "field 1");
	target_bad("s3://b/k,", "field 2 is empty");
	target_bad("s3://b/k,,opt=region=r", "field 2 is empty");
	target_bad("s3://b/k,region=r", "field 2 \"region=r\": want opt=NAME=VALUE");
	target_bad("s3://b/k,opt=region", "field 2 \"opt=region\": want opt=NAME=VALUE");
	target_bad("s3://b/k,opts=region=r", "field 2 \"opts=region=r\"");
	target_bad("s3://b/k,opt=regoin=r", "unknown option \"regoin\"");
	target_bad("s3://b/k,opt=encoding=zstd", "field 2: encoding \"zstd\": want gzip or plain");
	target_bad("s3://b/k,opt=bucket=c", "field 2: bucket given twice");
	target_bad("s3,opt=key=a,opt=region=r,opt=key=b", "field 4: key given twice");
	target_bad("s3://b/k,opt=region=a,opt=Region=b", "field 3: region given twice");
	target_bad("s3://b/k,opt=region=0123456789012345678901234567890123456789012345678901234567890123",
	    "region too long");

	/* a failed parse leaves the target as it was */
	target_init(&t);
	target_set(&t, "region", "keep", &err);
	t_ok(target_parse("s3://x/y,opt=bogus=1", &t, &err) < 0 &&
	    strcmp(t.region, "keep") == 0 && t.bucket[0] == '\0' &&
	    t.set == R, "failed target leaves the struct unchanged");

	/* required fields */
	parse_arg("s3://b/k", &t, &err);
	t_ok(target_check_required(&t, &err) == 0, "required: bucket and key");
	parse_arg("s3://b", &t, &err);
	t_ok(target_check_required(&t, &err) < 0 && err.status == S3P_EUSAGE &&
	    strstr(err.msg, "Key is required"), "required: empty key (%s)",
	    err.msg);
	parse_arg("s3:///k", &t, &err);
	t_ok(target_check_required(&t, &err) < 0 &&
	    strstr(err.msg, "Bucket is required"), "required: empty bucket");
	parse_arg("s3", &t, &err);
	t_ok(target_check_required(&t, &err) < 0 &&
	    strstr(err.msg, "Bucket and Key are required"), "required: both");

	/* options override, defaults stay unset */
	parse_arg("s3://b/k,opt=region=file-region", &t, &err);
	target_init(&o);
	t_ok(target_set(&o, "Region", "cli-region", &err) == 0 &&
	    target_set(&o, "ENDPOINT", "http://cli", &err) == 0 &&
	    target_set(&o, "encoding", "Plain", &err) == 0, "target_set");
	target_merge(&t, &o);
	t_ok(strcmp(t.region, "cli-region") == 0 &&
	    strcmp(t.endpoint, "http://cli") == 0 && t.encoding == TARGET_PLAIN &&
	    strcmp(t.bucket, "b") == 0 && strcmp(t.key, "k") == 0 &&
	    t.set == (B | K | R | E | N), "target_merge: options override");
	t_ok(target_set(&o, "colour", "x", &err) < 0 &&
	    strstr(err.msg, "unknown target field \"colour\""),
	    "target_set unknown field: %s", err.msg);
	t_ok(target_set(&o, "region", "", &err) == 0 && !(o.set & R),
	    "target_set empty value unsets");

	/* the longest key template, and one byte more */
	{
		char arg[TARGET_KEYTPL_MAX + 32];
		strcpy(arg, "s3://b/");
		memset(arg + 7, 'k', TARGET_KEYTPL_MAX);
		arg[7 + TARGET_KEYTPL_MAX] = '\0';
		t_ok(parse_arg(arg, &t, &err) == 0 &&
		    strlen(t.key) == TARGET_KEYTPL_MAX, "key template of max size");
		strcat(arg, "k");
		t_ok(parse_arg(arg, &t, &err) < 0 && strstr(err.msg, "key too long"),
		    "key template too long: %s", err.msg);
	}
}

static void
test_uri(void)
{
	char b[64], k[32];
	s3p_err err;

	t_ok(target_s3_uri("s3://bucket/dir/obj.tar.gz", b, sizeof b, k, sizeof k,
	    &err) == 0 && strcmp(b, "bucket") == 0 &&
	    strcmp(k, "dir/obj.tar.gz") == 0, "s3 uri");
	t_ok(target_s3_uri("S3://bucket", b, sizeof b, k, sizeof k, &err) == 0 &&
	    strcmp(b, "bucket") == 0 && k[0] == '\0', "s3 uri without key");
	t_ok(target_s3_uri("s3://bucket/", b, sizeof b, k, sizeof k, &err) == 0 &&
	    k[0] == '\0', "s3 uri with empty key");
	t_ok(target_s3_uri("s3:///k", b, sizeof b, k, sizeof k, &err) < 0 &&
	    err.status == S3P_EUSAGE && strstr(err.msg, "no bucket"),
	    "s3 uri: empty bucket");
	t_ok(target_s3_uri("https://b/k", b, sizeof b, k, sizeof k, &err) < 0 &&
	    strstr(err.msg, "not an s3://"), "s3 uri: other scheme");
	t_ok(target_s3_uri("s3://b/0123456789012345678901234567890123", b,
	    sizeof b, k, sizeof k, &err) < 0 && strstr(err.msg, "key too long"),
	    "s3 uri: key too long for the buffer");
	t_ok(target_s3_uri("s3://b/0123456789012345678901234567890", b,
	    sizeof b, k, sizeof k, &err) == 0 && strlen(k) == 31,
	    "s3 uri: key that just fits");
	t_ok(target_s3_uri("s3://abc/k", b, 3, k, sizeof k, &err) < 0 &&
	    strstr(err.msg, "bucket name too long"), "s3 uri: bucket too long");
}

static void
test_bucket(void)
{
	static const struct {
		const char *name;
		int want;
	} cases[] = {
		{ "abc", TARGET_BUCKET_DNS },
		{ "my-task-results", TARGET_BUCKET_DNS },
		{ "0123", TARGET_BUCKET_DNS },
		{ "a.b.c", TARGET_BUCKET_DOTTED },
		{ "www.example.com", TARGET_BUCKET_DOTTED },
		{ "123456789012345678901234567890123456789012345678901234567890123",
		  TARGET_BUCKET_DNS },
		{ "1234567890123456789012345678901234567890123456789012345678901234",
		  TARGET_BUCKET_INVALID },
		{ "ab", TARGET_BUCKET_INVALID },
		{ "", TARGET_BUCKET_INVALID },
		{ "Abc", TARGET_BUCKET_INVALID },
		{ "ab_c", TARGET_BUCKET_INVALID },
		{ "-abc", TARGET_BUCKET_INVALID },
		{ "abc-", TARGET_BUCKET_INVALID },
		{ ".abc", TARGET_BUCKET_INVALID },
		{ "abc.", TARGET_BUCKET_INVALID },
		{ "a..b", TARGET_BUCKET_INVALID },
		{ "a.-b", TARGET_BUCKET_INVALID },
		{ "a-.b", TARGET_BUCKET_INVALID },
		{ "a b", TARGET_BUCKET_INVALID },
		{ "192.168.5.4", TARGET_BUCKET_INVALID },
		{ "1.2.3.4", TARGET_BUCKET_INVALID },
		{ "1.2.3", TARGET_BUCKET_DOTTED },
		{ "1.2.3.4.5", TARGET_BUCKET_DOTTED },
		{ "1234.2.3.4", TARGET_BUCKET_DOTTED },
		{ "192.168.5.4a", TARGET_BUCKET_DOTTED },
		{ "xn--abc", TARGET_BUCKET_INVALID },
		{ "sthree-abc", TARGET_BUCKET_INVALID },
		{ "abc-s3alias", TARGET_BUCKET_INVALID },
		{ "abc--ol-s3", TARGET_BUCKET_INVALID },
		{ "abc--x-s3", TARGET_BUCKET_INVALID },
		{ "a--b", TARGET_BUCKET_DNS },
		{ "caf\xc3\xa9", TARGET_BUCKET_INVALID },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		int got = target_bucket_valid(cases[k].name);
		t_ok(got == cases[k].want, "bucket \"%s\": got %d, want %d",
		    cases[k].name, got, cases[k].want);
	}
}

/* 2023-09-26 14:05:30 UTC, the example of SPEC section 2 */
#define T_EXAMPLE ((time_t)1695737130)

static void
expand_ok(const char *tpl, int enc, const target_ids *ids, time_t now,
    const char *want)
{
	char out[TARGET_KEY_MAX + 1];
	s3p_err err;
	int r;

	err_clear(&err);
	r = target_expand_key(tpl, enc, ids, now, out, sizeof out, &err);
	if (r < 0)
		t_ok(0, "expand \"%s\": %s", tpl, err.msg);
	else
		t_streq(out, want, tpl);
}

static void
expand_bad(const char *tpl, int enc, const target_ids *ids, const char *want)
{
	char out[TARGET_KEY_MAX + 1];
	s3p_err err;
	int r;

	err_clear(&err);
	r = target_expand_key(tpl, enc, ids, T_EXAMPLE, out, sizeof out, &err);
	t_ok(r < 0 && err.status == S3P_EUSAGE && strstr(err.msg, want),
	    "expand \"%.40s\" fails: r=%d msg \"%s\" (want \"%s\")", tpl, r,
	    err.msg, want);
}

static void
test_keys(void)
{
	target_ids ids = { "exec-1", "abc123", "node-7" };
	target_ids none = { NULL, "", NULL };
	char big[TARGET_KEY_MAX + 8], out[TARGET_KEY_MAX + 1];
	s3p_err err;

	/* the SPEC example */
	expand_ok("results/{jobID}/{date}/{time}/", TARGET_PLAIN, &ids, T_EXAMPLE,
	    "results/abc123/20230926/140530/");
	expand_ok("results/{jobID}/{date}/{time}/", TARGET_GZIP, &ids, T_EXAMPLE,
	    "results/abc123/20230926/140530/.tar.gz");
	/* suffixes */
	expand_ok("task123/result.tar.gz", TARGET_GZIP, &ids, T_EXAMPLE,
	    "task123/result.tar.gz");
	expand_ok("task123/result", TARGET_GZIP, &ids, T_EXAMPLE,
	    "task123/result.tar.gz");
	expand_ok("task123/result.tar", TARGET_GZIP, &ids, T_EXAMPLE,
	    "task123/result.tar.tar.gz");
	expand_ok("task123/result.TAR.GZ", TARGET_GZIP, &ids, T_EXAMPLE,
	    "task123/result.TAR.GZ.tar.gz");
	expand_ok("prefix", TARGET_PLAIN, &ids, T_EXAMPLE, "prefix/");
	expand_ok("prefix/", TARGET_PLAIN, &ids, T_EXAMPLE, "prefix/");
	/* suffix first: a value ending in ".tar.gz" or "/" does not count */
	{
		target_ids odd = { "e", "j.tar.gz", "n/" };
		expand_ok("{jobID}", TARGET_GZIP, &odd, T_EXAMPLE, "j.tar.gz.tar.gz");
		expand_ok("x/{nodeID}", TARGET_PLAIN, &odd, T_EXAMPLE, "x/n//");
	}
	/* every placeholder, repeated */
	expand_ok("{executionID}/{jobID}/{nodeID}/{date}{time}/{jobID}",
	    TARGET_GZIP, &ids, T_EXAMPLE,
	    "exec-1/abc123/node-7/20230926140530/abc123.tar.gz");
	/* UTC, midnight, epoch, leap day */
	expand_ok("{date}T{time}", TARGET_PLAIN, &ids, 0, "19700101T000000/");
	expand_ok("{date}T{time}", TARGET_PLAIN, &ids, 951782399,
	    "20000228T235959/");
	expand_ok("{date}T{time}", TARGET_PLAIN, &ids, 951782400,
	    "20000229T000000/");
	/* unknown placeholders and stray braces stay as written */
	expand_ok("a/{jobid}/{JobID}/{foo}/{/}{{jobID}}", TARGET_PLAIN, &ids,
	    T_EXAMPLE, "a/{jobid}/{JobID}/{foo}/{/}{abc123}/");
	expand_ok("{date", TARGET_PLAIN, &ids, T_EXAMPLE, "{date/");
	/* values are inserted once, never expanded again */
	{
		target_ids tricky = { "{date}", "{jobID}", "{nodeID}" };
		expand_ok("{executionID}-{jobID}-{nodeID}", TARGET_PLAIN, &tricky,
		    T_EXAMPLE, "{date}-{jobID}-{nodeID}/");
	}
	/* placeholders without a value */
	expand_bad("r/{jobID}", TARGET_GZIP, &none,
	    "placeholder {jobID} has no value (give --job-id or set"
	    " BACALHAU_JOB_ID)");
	expand_bad("r/{executionID}", TARGET_GZIP, &none,
	    "placeholder {executionID} has no value (give --execution-id or"
	    " set BACALHAU_EXECUTION_ID)");
	expand_bad("r/{nodeID}", TARGET_GZIP, &none,
	    "{nodeID} has no value (give --node-id or set BACALHAU_NODE_ID)");
	expand_ok("r/{date}", TARGET_GZIP, &none, T_EXAMPLE, "r/20230926.tar.gz");
	/* length: 1024 bytes after expansion is the limit */
	memset(big, 'k', TARGET_KEY_MAX - 1);
	big[TARGET_KEY_MAX - 1] = '\0';
	expand_ok(big, TARGET_PLAIN, &ids, T_EXAMPLE,
	    (big[TARGET_KEY_MAX - 1] = '/', big[TARGET_KEY_MAX] = '\0', big));
	big[TARGET_KEY_MAX - 1] = 'k';
	expand_bad(big, TARGET_PLAIN, &ids, "longer than 1024 bytes");
	memset(big, 'k', TARGET_KEY_MAX - 6);
	strcpy(big + TARGET_KEY_MAX - 6, "{date}");
	expand_bad(big, TARGET_PLAIN, &ids, "longer than 1024 bytes");
	/* a small output buffer is an error, never a truncation */
	err_clear(&err);
	t_ok(target_expand_key("abcdef", TARGET_PLAIN, &ids, 0, out, 8, &err) == 0
	    && strcmp(out, "abcdef/") == 0, "small buffer that fits");
	t_ok(target_expand_key("abcdefg", TARGET_PLAIN, &ids, 0, out, 8, &err) < 0
	    && strstr(err.msg, "longer than 7 bytes"),
	    "buffer of 8 cannot hold 8 bytes and the NUL: %s", err.msg);
	/* UTF-8 */
	expand_ok("r\xc3\xa9sultats/\xf0\x9f\x90\x9f", TARGET_PLAIN, &ids,
	    T_EXAMPLE, "r\xc3\xa9sultats/\xf0\x9f\x90\x9f/");
	expand_bad("bad\xff", TARGET_PLAIN, &ids, "not valid UTF-8");
	expand_bad("bad\xc3", TARGET_GZIP, &ids, "not valid UTF-8");
	{
		target_ids bad = { "x", "\xed\xa0\x80", "n" };
		expand_bad("{jobID}", TARGET_PLAIN, &bad, "not valid UTF-8");
	}
}

/* Reads a spec from a string; 0/-1, message in err. */
static int
spec_str(const char *text, target *t, s3p_err *err)
{
	target_init(t);
	err_clear(err);
	return target_read_buf("spec.yaml", text, strlen(text), t, err);
}

static void
spec_ok(const char *name, const char *text, const char *bucket,
    const char *key, const char *endpoint, const char *region, int enc,
    unsigned set)
{
	target t;
	s3p_err err;
	int r = spec_str(text, &t, &err);

	t_ok(r == 0 && strcmp(t.bucket, bucket) == 0 &&
	    strcmp(t.key, key) == 0 && strcmp(t.endpoint, endpoint) == 0 &&
	    strcmp(t.region, region) == 0 && t.encoding == enc && t.set == set,
	    "spec %s: r=%d bucket=\"%s\" key=\"%s\" endpoint=\"%s\""
	    " region=\"%s\" enc=%d set=%u (%s)", name, r, t.bucket, t.key,
	    t.endpoint, t.region, t.encoding, t.set, err.msg);
}

static void
spec_bad(const char *name, const char *text, const char *want)
{
	target t;
	s3p_err err;
	int r = spec_str(text, &t, &err);

	t_ok(r < 0 && err.status == S3P_EUSAGE && strstr(err.msg, want) &&
	    t.set == 0,
	    "bad spec %s: r=%d msg \"%s\" (want \"%s\")", name, r, err.msg,
	    want);
}

static void
test_spec_yaml(void)
{
	const unsigned ALL = B | K | E | R | N;

	spec_ok("SPEC example",
	    "Publisher:\n"
	    "  Type: \"s3\"\n"
	    "  Params:\n"
	    "    Bucket: \"my-task-results\"\n"
	    "    Key: \"task123/result.tar.gz\"\n"
	    "    Endpoint: \"https://s3.us-west-2.amazonaws.com\"\n"
	    "    Region: \"us-west-2\"\n"
	    "    Encoding: \"gzip\"\n",
	    "my-task-results", "task123/result.tar.gz",
	    "https://s3.us-west-2.amazonaws.com", "us-west-2", TARGET_GZIP, ALL);
	spec_ok("flat, plain scalars, lower-case keys",
	    "type: s3\nparams:\n  bucket: b1\n  key: results/{jobID}/\n"
	    "  encoding: plain\n",
	    "b1", "results/{jobID}/", "", "", TARGET_PLAIN, B | K | N);
	spec_ok("comments, blank lines, ---, CRLF, BOM, 4-space indent",
	    "\xEF\xBB\xBF# a comment\r\n%YAML 1.2\r\n---   # start\r\n\r\n"
	    "PUBLISHER:   # the publisher\r\n"
	    "    TYPE: S3\r\n"
	    "    # between\r\n"
	    "    PARAMS:\r\n"
	    "\r\n"
	    "        BUCKET: 'b#1'   # not part of it\r\n"
	    "        KEY: k # comment\r\n"
	    "        ENDPOINT: http://host:9000/path#frag\r\n"
	    "...\r\n# trailing comment\r\n",
	    "b#1", "k", "http://host:9000/path#frag", "", TARGET_GZIP, B | K | E);
	spec_ok("quoting and escapes",
	    "Type: s3\n"
	    "Params:\n"
	    "  Bucket: 'it''s'\n"
	    "  Key: \"a\\\"b\\\\c\\td\\x41\\u00e9\\U0001F41F\\/\\ e\"\n"
	    "  Region: \"\"\n"
	    "  Endpoint: ~\n"
	    "  Encoding: null\n",
	    "it's", "a\"b\\c\tdA\xc3\xa9\xf0\x9f\x90\x9f/ e", "", "", TARGET_GZIP,
	    B | K);
	spec_ok("the result spec read back",
	    "Type: \"s3\"\nParams:\n  Bucket: \"b\"\n  Key: \"k.tar.gz\"\n"
	    "  Region: \"us-east-1\"\n  Endpoint: \"http://x\"\n"
	    "  VersionID: \"v\"\n  ChecksumSHA256: \"\"\n"
	    "  ContentSHA256: \"ab\"\n  Size: 12\n",
	    "b", "k.tar.gz", "http://x", "us-east-1", TARGET_GZIP, B | K | E | R);
	spec_ok("Params empty", "Publisher:\n  Type: s3\n  Params:\n", "", "",
	    "", "", TARGET_GZIP, 0);
	spec_ok("Params before Type, key order free",
	    "Publisher:\n  Params:\n    Key: k\n    Bucket: b\n  Type: s3\n",
	    "b", "k", "", "", TARGET_GZIP, B | K);
	spec_ok("indented document",
	    "  Type: s3\n  Params:\n     Bucket: b\n", "b", "", "", "",
	    TARGET_GZIP, B);
	spec_ok("plain scalar with inner colon and quotes",
	    "Type: s3\nParams:\n  Key: a:b 'c' \"d\"\n", "", "a:b 'c' \"d\"",
	    "", "", TARGET_GZIP, K);
	spec_ok("quoted keys, space before the colon",
	    "\"Type\" : s3\n'Params'\t:\n  \"Bucket\"  :   b\n", "b", "", "",
	    "", TARGET_GZIP, B);
	spec_ok("numbers are text", "Type: s3\nParams:\n  Bucket: 12345\n",
	    "12345", "", "", "", TARGET_GZIP, B);

	spec_bad("unknown Params key", "Publisher:\n  Type: s3\n  Params:\n"
	    "    Bucket: b\n    Bukcet: c\n",
	    "spec.yaml:5: unknown key Publisher.Params.Bukcet (want Bucket,");
	spec_bad("unknown top key", "Type: s3\nParams:\n  Bucket: b\nName: x\n",
	    "spec.yaml:4: unknown key Name");
	spec_bad("unknown Publisher key", "Publisher:\n  Type: s3\n  Tipe: x\n",
	    "spec.yaml:3: unknown key Publisher.Tipe (want Type, Params or ObjectOptions)");
	spec_bad("not s3", "Publisher:\n  Type: ipfs\n",
	    "spec.yaml:2: publisher Type \"ipfs\" is not s3");
	spec_bad("no type", "Publisher:\n  Params:\n    Bucket: b\n",
	    "spec.yaml: no publisher Type");
	spec_bad("empty file", "", "spec.yaml: no publisher Type");
	spec_bad("only comments", "# nothing\n---\n", "no publisher Type");
	spec_bad("duplicate", "Type: s3\nParams:\n  Bucket: a\n  bucket: b\n",
	    "spec.yaml:4: duplicate key Params.bucket");
	spec_bad("duplicate Params", "Type: s3\nParams:\n  Bucket: a\n"
	    "Params:\n  Key: b\n", "spec.yaml:4: duplicate key Params");
	spec_bad("duplicate Type", "Type: s3\nType: s3\n",
	    "spec.yaml:2: duplicate key Type");
	spec_bad("mixed shapes", "Publisher:\n  Type: s3\nParams:\n  Bucket: b\n",
	    "spec.yaml:3: unexpected key Params (next to Publisher)");
	spec_bad("mixed shapes 2", "Type: s3\nPublisher:\n  Type: s3\n",
	    "spec.yaml:2: unexpected key Publisher (next to Type/Params)");
	spec_bad("bad encoding", "Type: s3\nParams:\n  Encoding: bzip2\n",
	    "spec.yaml:3: encoding \"bzip2\": want gzip or plain");
	spec_bad("Params scalar", "Type: s3\nParams: b\n",
	    "spec.yaml:2: expected a mapping at Params");
	spec_bad("Type mapping", "Type:\n  Name: s3\n",
	    "spec.yaml:1: expected a scalar at Type");
	spec_bad("field mapping", "Type: s3\nParams:\n  Bucket:\n    x: y\n",
	    "spec.yaml:3: expected a scalar at Params.Bucket");
	spec_bad("tab indentation", "Type: s3\nParams:\n\tBucket: b\n",
	    "spec.yaml:3: tab in indentation");
	spec_bad("bad indentation", "Publisher:\n    Type: s3\n  Params:\n",
	    "spec.yaml:3: bad indentation");
	spec_bad("multi-line plain", "Type: s3\nParams:\n  Key: abc\n    def\n",
	    "spec.yaml:4: expected 'key: value'");
	spec_bad("multi-line plain 2", "Type: s3\nParams:\n  Key: abc\n    d: f\n",
	    "spec.yaml:4: bad indentation");
	spec_bad("unterminated dq", "Type: s3\nParams:\n  Key: \"abc\n  def\"\n",
	    "spec.yaml:3: unterminated quoted string (multi-line");
	spec_bad("unterminated sq", "Type: s3\nParams:\n  Key: 'abc\n",
	    "spec.yaml:3: unterminated quoted string (multi-line");
	spec_bad("dq ending in a backslash", "Type: s3\nParams:\n  Key: \"a\\\r\n",
	    "spec.yaml:3: unterminated quoted string (multi-line");
	spec_bad("dq ending in a backslash at the end", "Type: s3\nKey: \"a\\",
	    "spec.yaml:2: unterminated quoted string (multi-line");
	spec_bad("bad escape", "Type: s3\nParams:\n  Key: \"a\\qb\"\n",
	    "spec.yaml:3: unknown escape");
	spec_bad("bad hex escape", "Type: s3\nParams:\n  Key: \"a\\x4\"\n",
	    "spec.yaml:3: bad hex escape");
	spec_bad("surrogate escape", "Type: s3\nParams:\n  Key: \"\\ud800\"\n",
	    "spec.yaml:3: escape is not a Unicode scalar value");
	spec_bad("NUL escape", "Type: s3\nParams:\n  Key: \"a\\0\"\n",
	    "spec.yaml:3: NUL in string");
	spec_bad("text after quote", "Type: s3\nParams:\n  Key: \"a\" b\n",
	    "spec.yaml:3: text after a quoted string");
	spec_bad("sequence", "Type: s3\nParams:\n  - Bucket: b\n",
	    "spec.yaml:3: sequences are not supported");
	spec_bad("sequence value", "Type: s3\nParams:\n  Bucket: - b\n",
	    "spec.yaml:3: sequences and complex keys are not supported");
	spec_bad("flow mapping", "Type: s3\nParams: {Bucket: b}\n",
	    "spec.yaml:2: flow collections");
	spec_bad("block scalar", "Type: s3\nParams:\n  Key: |\n    abc\n",
	    "spec.yaml:3: block scalars");
	spec_bad("anchor", "Type: &a s3\n", "spec.yaml:1: anchors");
	spec_bad("alias", "Type: *a\n", "spec.yaml:1: aliases");
	spec_bad("tag", "Type: !!str s3\n", "spec.yaml:1: tags");
	spec_bad("two documents", "Type: s3\n---\nType: s3\n",
	    "spec.yaml:2: several documents");
	spec_bad("after end", "Type: s3\n...\nParams:\n",
	    "spec.yaml:3: text after the document end");
	spec_bad("no colon", "Type: s3\nParams\n", "spec.yaml:2: expected 'key: value'");
	spec_bad("colon without space", "Type:s3\n",
	    "spec.yaml:1: expected 'key: value'");
	spec_bad("colon in plain value", "Type: s3\nParams:\n  Key: a: b\n",
	    "spec.yaml:3: ': ' inside a plain value");
	spec_bad("value too long for the field",
	    "Type: s3\nParams:\n  Region: 0123456789012345678901234567890123456789012345678901234567890123456789\n",
	    "spec.yaml:3: region too long");
	spec_bad("too deep", "Type: s3\nParams:\n  Bucket:\n    a:\n      b:\n"
	    "        c:\n          d: e\n", "spec.yaml:");
	{
		/* a NUL inside the buffer: strlen would stop; use the length */
		static const char text[] = "Type: s3\nParams:\n  Bucket: a\0b\n";
		target t;
		s3p_err err;
		target_init(&t);
		t_ok(target_read_buf("x.yaml", text, sizeof text - 1, &t, &err) < 0
		    && strstr(err.msg, "x.yaml:3: NUL"), "NUL byte in a line: %s",
		    err.msg);
	}
	/* merge: a spec file does not clear what it does not set */
	{
		target t;
		s3p_err err;
		target_init(&t);
		target_set(&t, "region", "r0", &err);
		const char *text = "Type: s3\nParams:\n  Region: ~\n"
		    "  Bucket: b\n";
		t_ok(target_read_buf("m.yaml", text, strlen(text), &t, &err) == 0 &&
		    strcmp(t.region, "r0") == 0 && strcmp(t.bucket, "b") == 0,
		    "spec file merges into the target");
	}
}

static void
test_spec_json(void)
{
	spec_ok("JSON nested",
	    "{\"Publisher\":{\"Type\":\"s3\",\"Params\":{\"Bucket\":\"b\","
	    "\"Key\":\"k\\u00e9\\ud83d\\udc1f\",\"Endpoint\":\"http://h\","
	    "\"Region\":\"r\",\"Encoding\":\"PLAIN\"}}}",
	    "b", "k\xc3\xa9\xf0\x9f\x90\x9f", "http://h", "r", TARGET_PLAIN,
	    B | K | E | R | N);
	spec_ok("JSON flat with whitespace, result fields",
	    "  \n{\n  \"type\": \"S3\",\n  \"params\": {\n    \"bucket\": \"b\",\n"
	    "    \"key\": \"k\", \"Size\": 123, \"VersionID\": null,\n"
	    "    \"region\": null\n  }\n}\n",
	    "b", "k", "", "", TARGET_GZIP, B | K);
	spec_bad("JSON unknown key",
	    "{\"Type\":\"s3\",\n\"Params\":{\n\"Bukcet\":\"b\"}}",
	    "spec.yaml:3: unknown key Params.Bukcet");
	spec_bad("JSON duplicate",
	    "{\"Type\":\"s3\",\"Params\":{\"Bucket\":\"b\",\"BUCKET\":\"c\"}}",
	    "spec.yaml:1: duplicate key Params.BUCKET");
	spec_bad("JSON trailing comma", "{\"Type\":\"s3\",\n\"Params\":{},\n}",
	    "spec.yaml:3: expected a member name");
	spec_bad("JSON unterminated", "{\"Type\":\"s3\",\n\"Params\":{\n",
	    "spec.yaml:3:");
	spec_bad("JSON bool", "{\"Type\":\"s3\",\"Params\":{\"Bucket\":true}}",
	    "spec.yaml:1: expected a string or a mapping at Params.Bucket");
	spec_bad("JSON array", "{\"Type\":\"s3\",\"Params\":[]}",
	    "expected a mapping at Params");
	spec_bad("JSON not s3", "{\"Publisher\":{\"Type\":\"local\"}}",
	    "publisher Type \"local\" is not s3");
	spec_bad("JSON NUL", "{\"Type\":\"s3\",\"Params\":{\"Key\":\"a\\u0000\"}}",
	    "holds \\u0000");
	spec_bad("JSON after blank lines, error line",
	    "\n\n{\"Type\":\"s3\",\n\"Params\":{\"Bucket\":1,\"X\":2}}",
	    "spec.yaml:4: unknown key Params.X");
	spec_ok("JSON with a BOM", "\xEF\xBB\xBF {\"Type\":\"s3\"}", "", "", "",
	    "", TARGET_GZIP, 0);
	spec_bad("JSON text after", "{\"Type\":\"s3\"} x", "text after the value");
}

static void
test_spec_file(void)
{
	char path[] = "/tmp/test_target.XXXXXX";
	target t;
	s3p_err err;
	int fd = mkstemp(path);
	FILE *f;

	if (fd < 0) {
		t_skip("spec file: mkstemp failed");
		return;
	}
	f = fdopen(fd, "w");
	fputs("Publisher:\n  Type: s3\n  Params:\n    Bucket: fb\n"
	    "    Key: fk\n    Bukcet: x\n", f);
	fclose(f);
	target_init(&t);
	t_ok(target_read_file(path, &t, &err) < 0 && strncmp(err.msg, path,
	    strlen(path)) == 0 && strstr(err.msg, ":6: unknown key"),
	    "spec file: error names the file and line: %s", err.msg);
	f = fopen(path, "w");
	fputs("{\"Publisher\":{\"Type\":\"s3\",\"Params\":{\"Bucket\":\"fb\","
	    "\"Key\":\"fk\"}}}", f);
	fclose(f);
	target_init(&t);
	t_ok(target_read_file(path, &t, &err) == 0 && strcmp(t.bucket, "fb") == 0
	    && strcmp(t.key, "fk") == 0, "spec file: JSON");
	f = fopen(path, "w");
	for (int k = 0; k <= TARGET_FILE_MAX / 10; k++)
		fputs("#23456789\n", f);
	fclose(f);
	t_ok(target_read_file(path, &t, &err) < 0 && strstr(err.msg, "larger than"),
	    "spec file: too large: %s", err.msg);
	unlink(path);
	t_ok(target_read_file(path, &t, &err) < 0 && err.status == S3P_EUSAGE &&
	    strstr(err.msg, "No such file"), "spec file: missing: %s", err.msg);
}

/* Formats a result into a string. */
static const char *
result_str(const target_result *r, int yaml)
{
	static char buf[8192];

	if (target_format_result(buf, sizeof buf, r, yaml) < 0)
		strcpy(buf, "did not fit");
	return buf;
}

static void
test_result(void)
{
	target_result r = {
		NULL, "my-task-results", "task123/result.tar.gz", "us-west-2",
		"https://s3.us-west-2.amazonaws.com", "3/L4kqtJlcpXroDTDmJ+rm",
		"n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
		"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		12345, TARGET_GZIP, NULL
	};

	t_streq(result_str(&r, 0),
	    "{\"Type\":\"s3\",\"Params\":{\"Bucket\":\"my-task-results\","
	    "\"Key\":\"task123/result.tar.gz\",\"Region\":\"us-west-2\","
	    "\"Endpoint\":\"https://s3.us-west-2.amazonaws.com\","
	    "\"VersionID\":\"3/L4kqtJlcpXroDTDmJ+rm\","
	    "\"ChecksumSHA256\":\"n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=\","
	    "\"ContentSHA256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c"
	    "d15d6c15b0f00a08\",\"Size\":12345}}\n", "result JSON, SPEC order");
	t_streq(result_str(&r, 1),
	    "Type: \"s3\"\nParams:\n  Bucket: \"my-task-results\"\n"
	    "  Key: \"task123/result.tar.gz\"\n  Region: \"us-west-2\"\n"
	    "  Endpoint: \"https://s3.us-west-2.amazonaws.com\"\n"
	    "  VersionID: \"3/L4kqtJlcpXroDTDmJ+rm\"\n"
	    "  ChecksumSHA256: \"n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=\"\n"
	    "  ContentSHA256: \"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c"
	    "d15d6c15b0f00a08\"\n  Size: 12345\n", "result YAML");
	r.encoding = TARGET_PLAIN;
	r.key = "prefix/";
	r.version_id = NULL;
	r.size = 18446744073709551615ull;
	t_streq(result_str(&r, 0),
	    "{\"Type\":\"s3\",\"Params\":{\"Bucket\":\"my-task-results\","
	    "\"Key\":\"prefix/\",\"Region\":\"us-west-2\","
	    "\"Endpoint\":\"https://s3.us-west-2.amazonaws.com\","
	    "\"VersionID\":\"\",\"ChecksumSHA256\":\"\",\"ContentSHA256\":\"\","
	    "\"Size\":18446744073709551615}}\n", "result JSON, plain mode");
	r.manifest_sha256 = "ab12";
	t_ok(strstr(result_str(&r, 0), "\"ChecksumSHA256\":\"\",\"ContentSHA256\":\"\","
	    "\"ManifestSHA256\":\"ab12\",\"Size\":18446744073709551615}}\n") != NULL,
	    "result JSON: ManifestSHA256");
	t_ok(strstr(result_str(&r, 1), "  ContentSHA256: \"\"\n  ManifestSHA256: "
	    "\"ab12\"\n  Size: 1844") != NULL, "result YAML: ManifestSHA256");
	r.manifest_sha256 = NULL;
	r.encoding = TARGET_GZIP;
	r.bucket = "q\"b\\s/\x01\x1f\x7f\n\r\t\b\f";
	r.key = "caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x90\x9f \xc2\x85 \xff!";
	r.region = r.endpoint = r.checksum_sha256 = r.content_sha256 = "";
	r.size = 0;
	t_streq(result_str(&r, 0),
	    "{\"Type\":\"s3\",\"Params\":{\"Bucket\":\"q\\\"b\\\\s/\\u0001\\u001f"
	    "\x7f\\n\\r\\t\\b\\f\",\"Key\":\"caf\xc3\xa9 \xe2\x80\xa8 "
	    "\xf0\x9f\x90\x9f \xc2\x85 \\ufffd!\",\"Region\":\"\","
	    "\"Endpoint\":\"\",\"VersionID\":\"\",\"ChecksumSHA256\":\"\","
	    "\"ContentSHA256\":\"\",\"Size\":0}}\n", "result JSON escaping");
	t_streq(result_str(&r, 1),
	    "Type: \"s3\"\nParams:\n  Bucket: \"q\\\"b\\\\s/\\x01\\x1F\\x7F\\x0A"
	    "\\x0D\\x09\\x08\\x0C\"\n  Key: \"caf\xc3\xa9 \\u2028 "
	    "\xf0\x9f\x90\x9f \\u0085 \\uFFFD!\"\n  Region: \"\"\n"
	    "  Endpoint: \"\"\n  VersionID: \"\"\n  ChecksumSHA256: \"\"\n"
	    "  ContentSHA256: \"\"\n  Size: 0\n", "result YAML escaping");
	/* the YAML output reads back through our own reader */
	{
		target t;
		s3p_err err;
		const char *y;
		r.bucket = "b";
		r.key = "k\t\"\\\xc2\x85\xe2\x80\xa9";
		r.region = "us-east-1";
		y = result_str(&r, 1);
		target_init(&t);
		t_ok(target_read_buf("out.yaml", y, strlen(y), &t, &err) == 0 &&
		    strcmp(t.key, r.key) == 0 && strcmp(t.bucket, "b") == 0 &&
		    strcmp(t.region, "us-east-1") == 0,
		    "result YAML reads back: %s", err.msg);
		y = result_str(&r, 0);
		target_init(&t);
		t_ok(target_read_buf("out.json", y, strlen(y), &t, &err) == 0 &&
		    strcmp(t.key, r.key) == 0, "result JSON reads back: %s",
		    err.msg);
	}
	/* a buffer it does not fit in: -1, and nothing past its end; one
	 * byte more than the document (its NUL) is enough */
	{
		char small[600];
		int n = target_format_result(small, sizeof small, &r, 0);
		memset(small, 'X', sizeof small);
		t_ok(n > 0 && target_format_result(small, (size_t)n, &r, 0) < 0 &&
		    small[n] == 'X' && target_format_result(small, (size_t)n + 1,
		    &r, 0) == n && small[n] == '\0', "result: -1 when it does "
		    "not fit (%d bytes), whole with room for its NUL", n);
	}
}

/* A result spec that get --spec refuses, with a message holding want. */
static void
result_bad(const char *text, const char *want)
{
	static target_digests d;
	target t;
	s3p_err err;

	target_init(&t);
	err_clear(&err);
	t_ok(target_read_result_buf("f.yaml", text, strlen(text), &t, &d, &err)
	    < 0 && strstr(err.msg, want) != NULL, "result refused: %s (want %s)",
	    err.msg, want);
}

/* get --spec: the result fields are kept, in every shape and encoding */
static void
test_result_read(void)
{
	static target_digests d;
	target t, opt;
	s3p_err err;
	const char *j = "{\"Type\":\"s3\",\"Params\":{\"Bucket\":\"b\","
	    "\"Key\":\"k.tar.gz\",\"Region\":\"r1\",\"Endpoint\":"
	    "\"http://h:1\",\"VersionID\":\"v1\",\"ChecksumSHA256\":"
	    "\"AAAA\",\"ContentSHA256\":\"abcd\",\"Size\":3}}\n";
	const char *y = "Type: \"s3\"\nParams:\n  Bucket: \"b\"\n"
	    "  Key: \"p/\"\n  VersionID: \"\"\n  ChecksumSHA256: \"\"\n"
	    "  ContentSHA256: \"\"\n  Size: 0\n"
	    "  ManifestSHA256: \"00ff\"\n";  /* plain mode's, as publish prints it */
	/* Bacalhau's published result: keys in its spelling, no Size */
	const char *bac = "type: s3\nparams:\n  bucket: bb\n  key: out.tar.gz\n"
	    "  region: eu-west-1\n  endpoint: https://e\n  versionid: 3/L4\n"
	    "  checksumsha256: Zm9v-2\n";
	const char *bacf = "{\"Type\":\"s3\",\"Params\":{\"Bucket\":\"b\","
	    "\"Key\":\"o.tar.gz\",\"Filter\":\"\",\"Region\":\"\",\"Endpoint\":"
	    "\"\",\"VersionID\":\"v\",\"ChecksumSHA256\":\"\",\"Partition\":"
	    "{\"Type\":\"\",\"Pattern\":\"\",\"StartIndex\":0,\"EndIndex\":0,"
	    "\"DateFormat\":\"\"}}}";
	const char *pn = "Type: s3\nParams:\n  Bucket: b\n  Filter:\n"
	    "  Partition:\n    Type: None\n    EndIndex: 0\n";

	err_clear(&err);
	target_init(&t);
	t_ok(target_read_result_buf("r.json", j, strlen(j), &t, &d, &err) == 0 &&
	    strcmp(t.bucket, "b") == 0 && strcmp(t.key, "k.tar.gz") == 0 &&
	    strcmp(t.region, "r1") == 0 && strcmp(t.endpoint, "http://h:1") == 0 &&
	    strcmp(d.version_id, "v1") == 0 &&
	    strcmp(d.checksum_sha256, "AAAA") == 0 &&
	    strcmp(d.content_sha256, "abcd") == 0 && d.manifest_sha256[0] == '\0',
	    "result JSON read: %s", err.msg);
	/* options override the spec */
	target_init(&opt);
	target_set(&opt, "region", "r2", &err);
	target_merge(&t, &opt);
	t_ok(strcmp(t.region, "r2") == 0 && strcmp(t.endpoint, "http://h:1") == 0,
	    "result: an option overrides the spec's Region only");
	target_init(&t);
	t_ok(target_read_result_buf("r.yaml", y, strlen(y), &t, &d, &err) == 0 &&
	    strcmp(t.key, "p/") == 0 && d.version_id[0] == '\0' &&
	    d.checksum_sha256[0] == '\0' && d.content_sha256[0] == '\0' &&
	    !(t.set & TARGET_SET_REGION) &&
	    strcmp(d.manifest_sha256, "00ff") == 0, "result YAML (plain) read, "
	    "ManifestSHA256 kept: %s", err.msg);
	target_init(&t);
	t_ok(target_read_result_buf("b.yaml", bac, strlen(bac), &t, &d, &err) == 0 &&
	    strcmp(t.bucket, "bb") == 0 && strcmp(d.version_id, "3/L4") == 0 &&
	    strcmp(d.checksum_sha256, "Zm9v-2") == 0 &&
	    d.content_sha256[0] == '\0', "Bacalhau's result read: %s", err.msg);
	/* Bacalhau's result as it writes it now (SourceSpec.ToMap() in its
	 * pkg/s3/types.go): Filter and Partition, empty, are ignored... */
	target_init(&t);
	t_ok(target_read_result_buf("f.json", bacf, strlen(bacf), &t, &d, &err) == 0
	    && strcmp(t.key, "o.tar.gz") == 0 && strcmp(d.version_id, "v") == 0,
	    "Bacalhau's result with empty Filter, Partition read: %s", err.msg);
	target_init(&t);
	t_ok(target_read_result_buf("p.yaml", pn, strlen(pn), &t, &d, &err) == 0,
	    "Partition Type none read: %s", err.msg);
	/* ... and a filter or partitioning that get does not do is refused */
	result_bad("{\"Type\":\"s3\",\"Params\":{\"Filter\":\".*csv\"}}",
	    "f.yaml:1: not supported: a non-empty Params.Filter (s3pub gets all");
	result_bad("Type: s3\nParams:\n  Partition:\n    Type: regex\n",
	    "f.yaml:4: not supported: a non-empty Params.Partition.Type");
	result_bad("Type: s3\nParams:\n  Partition:\n    StartIndex: 2\n",
	    "non-empty Params.Partition.StartIndex");
	result_bad("Type: s3\nParams:\n  Filter: 0\n", "non-empty Params.Filter");
	result_bad("Type: s3\nParams:\n  Partition: x\n",
	    "non-empty Params.Partition (");
	result_bad("Type: s3\nParams:\n  Filter:\n    a: ''\n",
	    "unknown key Params.Filter.a");
	/* older Bacalhau's Compress (SPEC reads Encoding only): named as an
	 * unknown key in JSON as in YAML, not as a bad value */
	result_bad("{\"Type\":\"s3\",\"Params\":{\"Compress\":true}}",
	    "f.yaml:1: unknown key Params.Compress (want Bucket, Key, Endpoint,"
	    " Region or Encoding)");
	/* d is cleared, not left from the document before */
	target_init(&t);
	t_ok(target_read_result_buf("m.yaml", "Type: s3\nParams:\n  Key: k\n",
	    26, &t, &d, &err) == 0 && d.version_id[0] == '\0' &&
	    target_check_required(&t, &err) < 0 && strstr(err.msg, "ucket"),
	    "result without Bucket: reported missing: %s", err.msg);
	target_init(&t);
	t_ok(target_read_result_buf("x.yaml", "Params:\n  Bucket: b\n", 20, &t,
	    &d, &err) < 0 && strstr(err.msg, "Type"), "result without Type refused");
	{
		static char big[1200];
		size_t n = (size_t)snprintf(big, sizeof big,
		    "Type: s3\nParams:\n  ContentSHA256: %065d\n", 0);
		t_ok(target_read_result_buf("l.yaml", big, n, &t, &d, &err) < 0 &&
		    strstr(err.msg, "too long"), "result: too long a digest refused");
	}
	/* and publish's reader still ignores the result fields */
	target_init(&t);
	t_ok(target_read_buf("r.json", j, strlen(j), &t, &err) == 0 &&
	    strcmp(t.bucket, "b") == 0, "publish --spec reads a result too");
}

/* ObjectOptions: NAME\0VALUE\0 pairs joined by '|' for comparison */
static void
objopts_ok(const char *name, const char *text, const char *want)
{
	static target t;
	s3p_err err;
	char got[600] = "";
	int r = spec_str(text, &t, &err);

	for (size_t i = 0; r == 0 && i < t.objopts_len && strlen(got) < 500; i++)
		strncat(got, t.objopts[i] ? &t.objopts[i] : "|", 1);
	t_ok(r == 0 && strcmp(got, want) == 0 && strcmp(t.bucket, "b") == 0,
	    "ObjectOptions %s: r=%d got \"%s\" want \"%s\" (%s)", name, r, got,
	    want, err.msg);
}

static void
test_objopts(void)
{
	static target t, u;

	objopts_ok("YAML, next to Type and Params",
	    "Type: s3\nParams:\n  Bucket: b\n  Key: k\nObjectOptions:\n"
	    "  storage-class: STANDARD_IA\n  SSE: AES256\n  tag:\n    team: a&b c\n"
	    "    k/2: 'v='\n  metadata:\n    Run-Id: 42\n  content-type: text/csv\n"
	    "  sse-c-key-file: /k\n  sse-kms-key-id: ~\n",
	    "storage-class|STANDARD_IA|sse|AES256|tag|team=a&b c|tag|k/2=v=|"
	    "metadata|Run-Id=42|content-type|text/csv|sse-c-key-file|/k|");
	objopts_ok("YAML, under Publisher",
	    "Publisher:\n  Type: s3\n  Params:\n    Bucket: b\n  ObjectOptions:\n"
	    "    tag:\n      x: ''\n", "tag|x=|");
	objopts_ok("JSON", "{\"Type\": \"s3\", \"Params\": {\"Bucket\": \"b\"},"
	    " \"ObjectOptions\": {\"sse\": \"aws:kms\", \"sse-kms-key-id\": \"arn:k\","
	    " \"metadata\": {\"a\": \"1\", \"b\": 2}}}",
	    "sse|aws:kms|sse-kms-key-id|arn:k|metadata|a=1|metadata|b=2|");
	objopts_ok("empty", "Type: s3\nParams:\n  Bucket: b\nObjectOptions:\n", "");
	spec_bad("ObjectOptions: unknown name",
	    "Type: s3\nParams:\n  Bucket: b\nObjectOptions:\n  storageclass: X\n",
	    "spec.yaml:5: unknown key ObjectOptions.storageclass (want publish's option names)");
	spec_bad("ObjectOptions: a scalar",
	    "Type: s3\nObjectOptions: x\n", "spec.yaml:2: expected a mapping at ObjectOptions");
	spec_bad("ObjectOptions: tag as a scalar",
	    "Type: s3\nObjectOptions:\n  tag: k=v\n", "spec.yaml:3: expected a mapping at ObjectOptions.tag");
	spec_bad("ObjectOptions: a mapping for sse",
	    "Type: s3\nObjectOptions:\n  sse:\n    a: b\n", "expected a scalar at ObjectOptions.sse");
	spec_bad("ObjectOptions: too deep",
	    "Type: s3\nObjectOptions:\n  tag:\n    a:\n      b: c\n", "spec.yaml:4: expected a scalar at ObjectOptions.tag.a");
	spec_bad("ObjectOptions: in Params (Bacalhau's)",
	    "Type: s3\nParams:\n  ObjectOptions:\n    sse: AES256\n", "unknown key Params.ObjectOptions");
	{
		/* over 2048 bytes in all */
		static char text[4096];
		int n = snprintf(text, sizeof text, "Type: s3\nObjectOptions:\n  metadata:\n");
		s3p_err err;
		for (int i = 0; i < 30; i++)
			n += snprintf(text + n, sizeof text - (size_t)n, "    k%02d: %080d\n", i, 0);
		t_ok(spec_str(text, &t, &err) < 0 && strstr(err.msg, "too long at ObjectOptions.metadata.k") != NULL,
		    "ObjectOptions over 2048 bytes refused: %s", err.msg);
	}
	/* target_merge keeps the file's ObjectOptions under options without any */
	spec_str("Type: s3\nObjectOptions:\n  sse: AES256\n", &t, &(s3p_err){ 0 });
	target_init(&u);
	target_set(&u, "bucket", "x", &(s3p_err){ 0 });
	target_merge(&t, &u);
	t_ok(t.objopts_len == 11 && memcmp(t.objopts, "sse\0AES256", 11) == 0 &&
	    strcmp(t.bucket, "x") == 0, "target_merge keeps the ObjectOptions");
}

int
main(void)
{
	test_targets();
	test_uri();
	test_bucket();
	test_keys();
	test_spec_yaml();
	test_spec_json();
	test_spec_file();
	test_result();
	test_result_read();
	test_objopts();
	return t_done();
}
