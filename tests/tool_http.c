/*
 * tool_http: fetches a URL with http.c, for tests/t_http.sh and t_tls.sh.
 *
 *   tool_http [options] URL
 *     -X METHOD         request method (default GET, PUT with a body)
 *     -H 'Name: value'  a request header (repeatable)
 *     -d FILE           the body, read from FILE (served by offset)
 *     -e                send Expect: 100-continue with the body
 *     -c FILE           CA bundle (--ca-file); -k: insecure
 *     -t SECONDS        idle time-out; -T SECONDS: connect time-out
 *     -n N              make the request N times on one client
 *     -v                verbose log on stderr
 *     -P                no proxies from the environment
 *     -F FILE           with -d: of every 3000 body bytes, the last 2000
 *                       are given to http as stretches of FILE (sendfile on
 *                       plain connections; FILE is normally the -d file, a
 *                       shorter copy tests the fall-back to the reader)
 *
 * Prints, per request, "status N" and the headers ("name: value"), then
 * "body-bytes N" and the body on stdout when -o FILE is not given (the body
 * goes to FILE otherwise), and finally "connects N". On failure: the line
 * "error: MESSAGE" and "fail F timeout T body-sent B" on stderr, exit with
 * the s3p_err status.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http.h"

typedef struct {
	unsigned char *p;
	size_t len;
	unsigned long reads_from_zero;
	int fd;                 /* -F */
} body_src;

/* -F: 1000 bytes from the reader, then 2000 of the file, and so on. */
static int
body_span(void *ctx, uint64_t off, size_t len, http_file_span *sp,
    s3p_err *err)
{
	body_src *b = ctx;
	size_t k = (size_t)(off % 3000);

	(void)err;
	sp->fd = b->fd;
	sp->off = off;
	sp->len = (k < 1000 ? 1000 : 3000) - k;
	if (sp->len > len)
		sp->len = len;
	return k >= 1000;
}

static long
body_read(void *ctx, uint64_t off, unsigned char *buf, size_t len,
    s3p_err *err)
{
	body_src *b = ctx;

	(void)err;
	if (off == 0)
		b->reads_from_zero++;
	if (len > 1000 + (size_t)(off % 7000))
		len = 1000 + (size_t)(off % 7000);  /* odd sizes on purpose */
	if (len > b->len - off)
		len = (size_t)(b->len - off);
	memcpy(buf, b->p + off, len);
	return (long)len;
}

static int
sink_file(void *ctx, const unsigned char *buf, size_t len, s3p_err *err)
{
	if (fwrite(buf, 1, len, ctx) != len)
		return err_set(err, S3P_EINPUT, "write failed");
	return 0;
}

static void
log_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

int
main(int argc, char **argv)
{
	http_options o;
	http_client c;
	http_request rq;
	http_response *rs;
	http_url u;
	http_header hd[32];
	char hbuf[32][512];
	size_t nh = 0;
	body_src b = { .fd = -1 };
	s3p_err err;
	const char *method = NULL, *out = NULL, *data = NULL;
	int expect = 0, n = 1, i;
	FILE *of = stdout;

	memset(&o, 0, sizeof o);
	for (i = 1; i < argc - 1 && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-X"))
			method = argv[++i];
		else if (!strcmp(a, "-H") && nh < 32) {
			char *colon;

			snprintf(hbuf[nh], sizeof hbuf[nh], "%s", argv[++i]);
			if ((colon = strchr(hbuf[nh], ':')) == NULL)
				return 1;
			*colon++ = '\0';
			while (*colon == ' ')
				colon++;
			hd[nh].name = hbuf[nh];
			hd[nh].value = colon;
			nh++;
		} else if (!strcmp(a, "-d"))
			data = argv[++i];
		else if (!strcmp(a, "-e"))
			expect = 1;
		else if (!strcmp(a, "-c"))
			o.ca_file = argv[++i];
		else if (!strcmp(a, "-k"))
			o.insecure = 1;
		else if (!strcmp(a, "-t"))
			o.timeout_ms = atoi(argv[++i]) * 1000;
		else if (!strcmp(a, "-T"))
			o.connect_timeout_ms = atoi(argv[++i]) * 1000;
		else if (!strcmp(a, "-n"))
			n = atoi(argv[++i]);
		else if (!strcmp(a, "-o"))
			out = argv[++i];
		else if (!strcmp(a, "-v"))
			o.log = log_line;
		else if (!strcmp(a, "-P"))
			o.no_env_proxy = 1;
		else if (!strcmp(a, "-F")) {
			if ((b.fd = open(argv[++i], O_RDONLY)) < 0)
				return 2;
		}
		else {
			fprintf(stderr, "tool_http: unknown option %s\n", a);
			return 1;
		}
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: tool_http [options] URL\n");
		return 1;
	}
	if (http_url_parse(argv[i], &u, &err) != 0) {
		fprintf(stderr, "error: %s\n", err.msg);
		return err.status;
	}
	if (data != NULL) {
		FILE *f = fopen(data, "rb");
		long sz;

		if (f == NULL || fseek(f, 0, SEEK_END) || (sz = ftell(f)) < 0)
			return 2;
		rewind(f);
		b.p = malloc((size_t)sz + 1);
		b.len = (size_t)sz;
		if (b.p == NULL || fread(b.p, 1, b.len, f) != b.len)
			return 2;
		fclose(f);
	}
	if (out != NULL && (of = fopen(out, "wb")) == NULL)
		return 2;
	if (http_client_init(&c, &o, &err) != 0) {
		fprintf(stderr, "error: %s\n", err.msg);
		return err.status;
	}
	if (o.insecure)
		fprintf(stderr, "%s\n", TLS_INSECURE_WARNING);
	rs = malloc(sizeof *rs);
	memset(&rq, 0, sizeof rq);
	rq.method = method ? method : data ? "PUT" : "GET";
	rq.url = &u;
	rq.headers = hd;
	rq.nheaders = nh;
	if (data != NULL) {
		rq.body = body_read;
		rq.body_ctx = &b;
		rq.body_len = b.len;
		rq.expect_continue = expect;
		rq.span = b.fd >= 0 ? body_span : NULL;
	}
	rq.sink = sink_file;
	rq.sink_ctx = of;
	for (int k = 0; k < n; k++) {
		if (http_request_do(&c, &rq, rs, &err) != 0) {
			fflush(of);
			fprintf(stderr, "error: %s\n", err.msg);
			fprintf(stderr, "fail %d timeout %d body-sent %d status %d\n",
			    rs->fail, rs->timeout, rs->body_sent, rs->status);
			http_client_close(&c);
			free(rs);
			free(b.p);
			return err.status ? err.status : 99;
		}
		fflush(of);
		printf("%sstatus %d\n", out == NULL ? "\n" : "", rs->status);
		for (size_t j = 0; j < rs->nhdr; j++)
			printf("%s: %s\n", rs->hdr[j].name, rs->hdr[j].value);
		printf("body-bytes %llu\n", (unsigned long long)rs->body_len);
		printf("reused %d retried %d\n", rs->reused, rs->retried);
	}
	printf("connects %lu\n", c.connects);
	printf("body-reads-from-zero %lu\n", b.reads_from_zero);
	printf("sendfile-bytes %llu\n", (unsigned long long)c.sendfile_bytes);
	http_client_close(&c);
	if (out != NULL)
		fclose(of);
	free(rs);
	free(b.p);
	return 0;
}
