/*
 * test_tls.c: trust-anchor loading (the handshakes are tests/t_tls.sh).
 * Oracles: the number of certificates in the system bundle as counted by
 * grep, and the certificates of tests/t_tls.sh's kind made by openssl at
 * test time when it is installed.
 */
#include "unit.h"

#include "tls.h"

static size_t
count_pem(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	size_t n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, "-----BEGIN CERTIFICATE-----", 27) == 0)
			n++;
	fclose(f);
	return n;
}

/* the first line of a certificate's base64 only: a DER cut short */
static const char ec_ca[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBfjCCASWgAwIBAgIUF1p7pXgY3t2w2M8iZ1m1S6m0m0owCgYIKoZIzj0EAwIw\n"
    "-----END CERTIFICATE-----\n";

int
main(void)
{
	tls_anchors a;
	s3p_err err;
	const char *sys = "/etc/ssl/certs/ca-certificates.crt";
	char pem[4096];
	FILE *p;
	size_t n;

	unsetenv("AWS_CA_BUNDLE");
	unsetenv("SSL_CERT_FILE");
	n = count_pem(sys);
	if (n > 0) {
		int r = tls_anchors_load(&a, NULL, &err);

		t_ok(r == 0 && strcmp(a.path, sys) == 0,
		    "default search finds %s (%s)", sys, r ? err.msg : a.path);
		/* every CA of Debian's bundle is RSA or EC */
		t_ok(r == 0 && a.n == n, "system bundle: %zu anchors, grep counts %zu",
		    r == 0 ? a.n : 0, n);
		if (r == 0) {
			size_t ca = 0;

			for (size_t i = 0; i < a.n; i++)
				ca += (a.ta[i].flags & BR_X509_TA_CA) != 0;
			t_ok(ca == a.n, "system bundle: all anchors are CAs");
			tls_anchors_free(&a);
		}
	} else {
		t_skip("system bundle: %s missing", sys);
	}
	setenv("SSL_CERT_FILE", "/nonexistent/bundle.pem", 1);
	t_ok(tls_anchors_load(&a, NULL, &err) == -1 && err.status == S3P_EUSAGE
	    && strstr(err.msg, "/nonexistent/bundle.pem"),
	    "a set SSL_CERT_FILE naming a missing file is an error: %s", err.msg);
	setenv("AWS_CA_BUNDLE", "/nonexistent/aws.pem", 1);
	t_ok(tls_anchors_load(&a, NULL, &err) == -1 && strstr(err.msg, "aws.pem"),
	    "AWS_CA_BUNDLE comes before SSL_CERT_FILE");
	t_ok(tls_anchors_load(&a, "/nonexistent/ca.pem", &err) == -1
	    && strstr(err.msg, "/nonexistent/ca.pem"), "the ca_file argument first");
	unsetenv("AWS_CA_BUNDLE");
	unsetenv("SSL_CERT_FILE");

	t_ok(tls_anchors_load_mem(&a, "hello\n", 6, "mem", &err) == -1
	    && strstr(err.msg, "no usable certificate"), "no PEM: refused");
	t_ok(tls_anchors_load_mem(&a, ec_ca, sizeof ec_ca - 1, "mem", &err) == -1,
	    "a truncated certificate is skipped (none left: refused)");
	{
		static const char bad[] = "-----BEGIN CERTIFICATE-----\n@@@@\n"
		    "-----END CERTIFICATE-----\n";

		t_ok(tls_anchors_load_mem(&a, bad, sizeof bad - 1, "mem", &err) == -1,
		    "bad base64: refused");
	}

	/* a fresh EC CA and RSA CA from openssl, plus a private key to skip */
	p = popen("cd \"${TMPDIR:-/tmp}\" && openssl req -x509 -newkey ec "
	    "-pkeyopt ec_paramgen_curve:P-384 -nodes -keyout /dev/stdout "
	    "-subj /CN=t-ec -days 2 2>/dev/null; openssl req -x509 -newkey "
	    "rsa:2048 -nodes -keyout /dev/null -subj /CN=t-rsa -days 2 "
	    "2>/dev/null", "r");
	n = p ? fread(pem, 1, sizeof pem - 1, p) : 0;
	pem[n] = '\0';
	if (p)
		pclose(p);
	if (n > 0 && strstr(pem, "PRIVATE KEY") && strstr(pem, "CERTIFICATE")) {
		int r = tls_anchors_load_mem(&a, pem, n, "gen", &err);
		int kinds = 0;

		t_ok(r == 0 && a.n == 2, "openssl-made EC P-384 and RSA CAs: 2 anchors"
		    " (key skipped): %s", r ? err.msg : "");
		for (size_t i = 0; r == 0 && i < a.n; i++)
			kinds |= a.ta[i].pkey.key_type == BR_KEYTYPE_EC ? 1 : 2;
		t_ok(kinds == 3, "one EC and one RSA key");
		if (r == 0) {
			for (size_t i = 0; i < a.n; i++)
				if (a.ta[i].pkey.key_type == BR_KEYTYPE_EC)
					t_ok(a.ta[i].pkey.key.ec.curve == BR_EC_secp384r1,
					    "the EC anchor is on P-384");
			tls_anchors_free(&a);
		}
		/* as curl, openssl and python read them: CRLF line ends, and
		 * no newline after the last END line (the RSA CA is last) */
		{
			char crlf[2 * sizeof pem];
			size_t m = 0;

			for (size_t i = 0; i < n; i++) {
				if (pem[i] == '\n')
					crlf[m++] = '\r';
				crlf[m++] = pem[i];
			}
			r = tls_anchors_load_mem(&a, crlf, m, "crlf", &err);
			t_ok(r == 0 && a.n == 2, "the same bundle with CRLF line "
			    "ends: 2 anchors (%s)", r ? err.msg : "");
			if (r == 0)
				tls_anchors_free(&a);
			r = tls_anchors_load_mem(&a, pem, n - 1, "nonl", &err);
			t_ok(r == 0 && a.n == 2, "the same bundle without its last "
			    "newline: 2 anchors, the last one kept (%zu)",
			    r ? 0 : a.n);
			if (r == 0)
				tls_anchors_free(&a);
			r = tls_anchors_load_mem(&a, crlf, m - 2, "crlf-nonl", &err);
			t_ok(r == 0 && a.n == 2, "CRLF without the last CRLF: "
			    "2 anchors (%zu)", r ? 0 : a.n);
			if (r == 0)
				tls_anchors_free(&a);
		}
		/* as OpenSSL reads them too: blanks at every line's end (the
		 * BEGIN and END lines too), and a UTF-8 byte order mark before
		 * the first line (here the EC CA's BEGIN line: no key first) */
		{
			char sp[2 * sizeof pem];
			const char *certs = strstr(pem, "-----BEGIN CERTIFICATE");
			size_t m = 0;

			for (size_t i = 0; i < n; i++) {
				if (pem[i] == '\n') {
					sp[m++] = ' ';
					sp[m++] = '\t';
					sp[m++] = ' ';
				}
				sp[m++] = pem[i];
			}
			r = tls_anchors_load_mem(&a, sp, m, "blanks", &err);
			t_ok(r == 0 && a.n == 2, "blanks before every newline: "
			    "2 anchors (%zu)", r ? 0 : a.n);
			if (r == 0)
				tls_anchors_free(&a);
			m = (size_t)snprintf(sp, sizeof sp, "\xef\xbb\xbf%s", certs);
			r = tls_anchors_load_mem(&a, sp, m, "bom", &err);
			t_ok(r == 0 && a.n == 2, "a UTF-8 BOM before the first "
			    "BEGIN line: 2 anchors (%zu)", r ? 0 : a.n);
			if (r == 0)
				tls_anchors_free(&a);
		}
	} else {
		t_skip("openssl not installed: generated CAs");
	}

	/* openssl x509 -trustout: "TRUSTED CERTIFICATE", the certificate
	 * then its trust settings in one DER, which may reject it for
	 * servers and are not read: skipped, as a block of another kind */
	p = popen("cd \"${TMPDIR:-/tmp}\" && openssl req -x509 -newkey ec "
	    "-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null "
	    "-subj /CN=t-trusted -days 2 2>/dev/null | openssl x509 -trustout "
	    "-addtrust serverAuth 2>/dev/null", "r");
	n = p ? fread(pem, 1, sizeof pem - 1, p) : 0;
	pem[n] = '\0';
	if (p)
		pclose(p);
	if (strstr(pem, "-----BEGIN TRUSTED CERTIFICATE-----\n")) {
		int r = tls_anchors_load_mem(&a, pem, n, "trusted", &err);

		t_ok(r != 0 && strstr(err.msg, "no usable certificate") != NULL,
		    "a TRUSTED CERTIFICATE (openssl -trustout): skipped (%s)",
		    r ? err.msg : "loaded");
		if (r == 0)
			tls_anchors_free(&a);
	} else {
		t_skip("openssl not installed: TRUSTED CERTIFICATE");
	}
	return t_done();
}
