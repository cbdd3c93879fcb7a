/*
 * test_creds_ini.c: the INI reader (creds_ini.c) on each rule of
 * botocore's RawConfigParser (creds_ini.h) and on every malformed file,
 * with the "FILE:LINE:" of its message.
 *
 * (tests/t_creds_ini.sh compares the same reading with botocore itself.)
 */
#include "creds_ini.h"
#include "unit.h"

#include <stdio.h>
#include <string.h>

/* ---- INI ---- */

/* Looks key (sub) up in text; returns the value, "<absent>" or "<error>". */
static const char *
look(const char *text, const char *section, int config, const char *sub,
    const char *key, s3p_err *e)
{
	static char out[512];
	int r;

	err_clear(e);
	r = creds_ini_lookup(text, strlen(text), "f.ini", section, config, sub,
	    key, out, sizeof out, NULL, e);
	if (r < 0)
		return "<error>";
	return r ? out : "<absent>";
}

static void
val(const char *name, const char *text, const char *section, int config,
    const char *sub, const char *key, const char *want)
{
	s3p_err e;
	const char *got = look(text, section, config, sub, key, &e);

	if (strcmp(got, "<error>") == 0)
		t_ok(0, "ini: %s: error %s", name, e.msg);
	else
		t_streq(got, want, name);
}

/* A malformed text: the message must start with the expected "f.ini:N:". */
static void
bad(const char *name, const char *text, const char *want_prefix)
{
	s3p_err e;
	const char *got = look(text, "default", 0, NULL, "region", &e);

	if (strcmp(got, "<error>") != 0) {
		t_ok(0, "ini malformed: %s: accepted (value %s)", name, got);
		return;
	}
	t_ok(strncmp(e.msg, want_prefix, strlen(want_prefix)) == 0 &&
	    e.status == S3P_EUSAGE, "ini malformed: %s: \"%s\"", name, e.msg);
}

static void
test_ini(void)
{
	const char *t;

	t = "[default]\nregion=us-west-2\n";
	val("plain key", t, "default", 0, NULL, "region", "us-west-2");
	val("absent key", t, "default", 0, NULL, "output", "<absent>");
	val("absent section", t, "other", 0, NULL, "region", "<absent>");
	t = "[default]\n  region   =   eu-west-1   \n";
	val("blanks around = and indented key", t, "default", 0, NULL, "region",
	    "eu-west-1");
	t = "[default]\nregion: ap-south-1\n";
	val("':' delimiter", t, "default", 0, NULL, "region", "ap-south-1");
	t = "[default]\nsecret = a:b=c\n";
	val("first delimiter splits", t, "default", 0, NULL, "secret", "a:b=c");
	t = "[default]\nREGION = sa-east-1\n";
	val("keys are case-insensitive", t, "default", 0, NULL, "region",
	    "sa-east-1");
	t = "[Default]\nregion = x\n";
	val("section names are case-sensitive", t, "default", 0, NULL, "region",
	    "<absent>");
	t = "# comment\n; other\n[default]\n  # indented comment\nregion = r1 # not a comment\n";
	val("no inline comments (botocore)", t, "default", 0, NULL, "region",
	    "r1 # not a comment");
	t = "[default]\nregion = r1 ;x\n";
	val("no inline ';' comments", t, "default", 0, NULL, "region", "r1 ;x");
	t = "[default]\nregion = a\n  b\n\n  c\nx = 1\n";
	val("continuation lines joined with newlines", t, "default", 0, NULL,
	    "region", "a\nb\n\nc");
	t = "[default]\ns3 =\n  endpoint_url = http://h:9000\n  Addressing_Style = path\n"
	    "region = r\n";
	val("sub-section key", t, "default", 0, "s3", "endpoint_url",
	    "http://h:9000");
	val("sub-section keys keep their case", t, "default", 0, "s3",
	    "addressing_style", "<absent>");
	val("sub-section key, exact case", t, "default", 0, "s3",
	    "Addressing_Style", "path");
	val("key after a sub-section", t, "default", 0, NULL, "region", "r");
	val("sub-section is no plain value", t, "default", 0, NULL, "s3",
	    "<absent>");
	t = "[default]\ns3 =\n  # c\n\n  endpoint_url=http://a\n";
	val("comment and blank line inside a sub-section", t, "default", 0, "s3",
	    "endpoint_url", "http://a");
	t = "[default]\nregion =\nx = 1\n";
	val("'key =' alone is the empty string", t, "default", 0, NULL, "region", "");
	t = "[default]\ns3 = x\n";
	val("plain value is no sub-section", t, "default", 0, "s3",
	    "endpoint_url", "<absent>");
	t = "[DEFAULT]\nregion = d\n[default]\nother = 1\n[p]\nregion = own\n";
	val("[DEFAULT] applies to every section", t, "default", 0, NULL,
	    "region", "d");
	val("a section's own key beats [DEFAULT]", t, "p", 0, NULL, "region",
	    "own");
	val("[DEFAULT] alone makes no section", t, "zz", 0, NULL, "region",
	    "<absent>");
	t = "[profile dev]\nregion = r-dev\n[dev]\nregion = wrong\n";
	val("config style: [profile NAME]", t, "dev", 1, NULL, "region", "r-dev");
	val("credentials style: [NAME]", t, "dev", 0, NULL, "region", "wrong");
	t = "[default]\nregion = r-default\n";
	val("config style: [default]", t, "default", 1, NULL, "region",
	    "r-default");
	t = "[default]\nregion = a\n[profile default]\nregion = b\n";
	val("config style: the later of [default], [profile default] wins", t,
	    "default", 1, NULL, "region", "b");
	t = "[profile \"my prof\"]\nregion = q\n[profile   sp  ]\nregion = s\n";
	val("config style: quoted name (shlex)", t, "my prof", 1, NULL, "region",
	    "q");
	val("config style: extra blanks", t, "sp", 1, NULL, "region", "s");
	t = "[profile a b]\nregion = q\n";
	val("config style: three words is no profile", t, "a", 1, NULL,
	    "region", "<absent>");
	t = "[default] trailing\nregion = tr\n";
	val("text after ']' ignored (configparser)", t, "default", 0, NULL,
	    "region", "tr");
	t = "\xEF\xBB\xBF[default]\r\nregion = crlf\r\n";
	val("BOM and CR LF", t, "default", 0, NULL, "region", "crlf");
	t = "[default]\rregion = cr\r";
	val("lone CR ends lines", t, "default", 0, NULL, "region", "cr");
	t = "[default]\nregion = caf\xC3\xA9\n";
	val("UTF-8 value", t, "default", 0, NULL, "region", "caf\xC3\xA9");

	bad("unterminated section header", "[default]\nregion = x\n[profile y\n",
	    "f.ini:3: unterminated section header");
	bad("unterminated first header", "[default\nregion = x\n",
	    "f.ini:1: unterminated section header");
	bad("empty header", "[]\n", "f.ini:1: unterminated");
	bad("key outside any section", "region = x\n[default]\n",
	    "f.ini:1: key outside any [section]");
	bad("key after comments, outside any section", "# c\n\nregion = x\n",
	    "f.ini:3: key outside");
	bad("line without '='", "[default]\njust words\n", "f.ini:2: not a 'key = value'");
	bad("empty key", "[default]\n= value\n", "f.ini:2: empty key");
	bad("binary garbage", "[default]\n\x01\x02\x7f\x1b[0m\n", "f.ini:2: not text");
	bad("invalid UTF-8", "[default]\nregion = \xff\xfe\n", "f.ini:2: not text (invalid UTF-8)");
	bad("overlong UTF-8", "[x]\n\n\nk = \xC0\xAF\n", "f.ini:4: not text");
	bad("sub-section line without '='", "[default]\ns3 =\n  endpoint_url\n",
	    "f.ini:3: sub-section line without '='");
	bad("sub-section error in another section",
	    "[other]\ns3 =\n  junk\n[default]\n", "f.ini:3:");
	bad("key repeated", "[default]\nregion = a\nREGION = b\n",
	    "f.ini:3: key 'REGION' repeated");
	bad("section repeated", "[default]\n[x]\n[default]\n",
	    "f.ini:3: section [default] repeated");

	{
		/* NUL inside the buffer is binary even where strlen stops */
		static const char nul[] = "[default]\nregion = a\n\0\n";
		s3p_err e;
		char out[64];
		int r = creds_ini_lookup(nul, sizeof nul - 1, "n.ini", "default", 0,
		    NULL, "region", out, sizeof out, NULL, &e);
		t_ok(r < 0 && strncmp(e.msg, "n.ini:3: not text", 17) == 0,
		    "ini malformed: NUL on its own line: %s", r < 0 ? e.msg : "accepted");
	}
	{
		s3p_err e;
		char out[4];
		int r = creds_ini_lookup("[d]\nk = 12345\n", 14, "s.ini", "d", 0, NULL,
		    "k", out, sizeof out, NULL, &e);
		t_ok(r < 0 && strstr(e.msg, "s.ini:2: value of 'k' too long") != NULL,
		    "ini: value longer than the buffer is an error: %s",
		    r < 0 ? e.msg : "accepted");
	}
}

int
main(void)
{
	test_ini();
	return t_done();
}
