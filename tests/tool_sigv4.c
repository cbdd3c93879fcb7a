/*
 * tool_sigv4.c: sigv4.c from the command line, for tests that compare it
 * with another signer (tests/t_sigv4_botocore.sh).
 *
 * usage: tool_sigv4 [options]
 *   -X METHOD        default GET
 *   -p PATH          the path as sigv4.h takes it (S3: decoded, "/b/k")
 *   -q NAME[=VALUE]  a query parameter, decoded; repeatable
 *   -H NAME:VALUE    a header to sign; repeatable
 *   -P HASH          payload hash (default: the hash of nothing)
 *   -f FILE          payload hash = SHA-256 of FILE's bytes
 *   -a KEY -s SECRET [-t TOKEN] -r REGION -S SERVICE -d AMZDATE
 *   -n               normalise the path (services other than S3)
 *   -o               omit the session token from the signature
 *   -e SECONDS       presign: print the URL (needs -u) instead of the
 *                    Authorization header value
 *   -u BASE          "https://host[:port]": the URL's start
 *   -v               canonical request and string to sign on stderr
 * Exit 0 and one line on stdout, or 2 and a message on stderr.
 */
#include "sigv4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX 64

static void
trace(void *arg, int what, const char *data, size_t len)
{
	static int last;

	(void)arg;
	if (what != last)
		fprintf(stderr, "\n--- %s\n", what == SIGV4_TRACE_CANONICAL_REQUEST ?
		    "canonical request" : "string to sign");
	last = what;
	fwrite(data, 1, len, stderr);
}

static int
die(const char *msg)
{
	fprintf(stderr, "tool_sigv4: %s\n", msg);
	return 2;
}

static int
hash_file(const char *path, char hex[65])
{
	unsigned char buf[65536], d[SHA256_SIZE];
	sha256_ctx c;
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return -1;
	sha256_init(&c);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		sha256_update(&c, buf, n);
	fclose(f);
	sha256_final(&c, d);
	sha256_hex(d, hex);
	return 0;
}

int
main(int argc, char **argv)
{
	sigv4_pair q[MAX], h[MAX];
	sigv4_scope sc;
	sigv4_request rq;
	sigv4_key key;
	char hex[65], out[16384], enc[8192], *p;
	const char *base = NULL;
	unsigned long expires = 0;
	size_t i;
	int c, n;

	memset(&sc, 0, sizeof sc);
	memset(&rq, 0, sizeof rq);
	rq.method = "GET";
	rq.path = "/";
	rq.payload_hash = SIGV4_EMPTY_SHA256;
	rq.query = q;
	rq.headers = h;
	while ((c = getopt(argc, argv, "X:p:q:H:P:f:a:s:t:r:S:d:noe:u:v")) != -1) {
		switch (c) {
		case 'X': rq.method = optarg; break;
		case 'p': rq.path = optarg; break;
		case 'q':
			if (rq.nquery == MAX)
				return die("too many -q");
			q[rq.nquery].name = optarg;
			q[rq.nquery].value = NULL;
			if ((p = strchr(optarg, '=')) != NULL) {
				*p = '\0';
				q[rq.nquery].value = p + 1;
			}
			rq.nquery++;
			break;
		case 'H':
			if (rq.nheaders == MAX || (p = strchr(optarg, ':')) == NULL)
				return die("bad or too many -H");
			*p = '\0';
			h[rq.nheaders].name = optarg;
			h[rq.nheaders++].value = p + 1;
			break;
		case 'P': rq.payload_hash = optarg; break;
		case 'f':
			if (hash_file(optarg, hex) != 0)
				return die("cannot read -f FILE");
			rq.payload_hash = hex;
			break;
		case 'a': sc.access_key = optarg; break;
		case 's': sc.secret_key = optarg; break;
		case 't': sc.session_token = optarg; break;
		case 'r': sc.region = optarg; break;
		case 'S': sc.service = optarg; break;
		case 'd': sc.amz_date = optarg; break;
		case 'n': rq.normalize = 1; break;
		case 'o': rq.omit_session_token = 1; break;
		case 'e': expires = strtoul(optarg, NULL, 10); break;
		case 'u': base = optarg; break;
		case 'v': rq.trace = trace; break;
		default: return die("unknown option (see the comment at the top)");
		}
	}
	sigv4_key_init(&key);
	if (expires == 0) {
		if (sigv4_sign_header(&key, &sc, &rq, out, sizeof out, NULL) < 0)
			return die("signing failed");
		if (rq.trace != NULL)
			fputc('\n', stderr);
		puts(out);
		return 0;
	}
	if (base == NULL)
		return die("-e needs -u BASE");
	n = sigv4_presign(&key, &sc, &rq, expires, out, sizeof out, NULL);
	if (n < 0)
		return die("presigning failed");
	if (rq.trace != NULL)
		fputc('\n', stderr);
	if (sigv4_uri_encode(rq.path, enc, sizeof enc, 0) < 0)
		return die("path too long");
	printf("%s%s?", base, enc);
	for (i = 0; i < rq.nquery; i++) {
		if (sigv4_uri_encode(q[i].name, enc, sizeof enc, 1) < 0)
			return die("query too long");
		printf("%s=", enc);
		if (sigv4_uri_encode(q[i].value ? q[i].value : "", enc, sizeof enc, 1) < 0)
			return die("query too long");
		printf("%s&", enc);
	}
	puts(out);
	sigv4_key_wipe(&key);
	return 0;
}
