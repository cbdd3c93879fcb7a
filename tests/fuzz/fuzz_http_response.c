/*
 * fuzz_http_response.c: libFuzzer target for http.c's response parsing as
 * http_request_do() uses it: the head up to the blank line, then the body
 * framing, then the chunked decoder fed in two pieces split where the first
 * input byte says. Any input: no crash, no read outside it, headers inside
 * the head copy, a status in 100..599 when accepted, the decoder never
 * consuming more than it was given nor giving more than it consumed.
 */
#include "http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static http_response rs;

typedef struct {
	uint64_t got;
} count;

static int
sink(void *ctx, const unsigned char *p, size_t n, s3p_err *e)
{
	(void)p;
	(void)e;
	if (n == 0)
		abort();
	((count *)ctx)->got += n;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t split, n = 0, hl = 0;
	int nl = 0;
	s3p_err e;
	uint64_t len = 0;
	int fr;

	if (size < 1)
		return 0;
	split = data[0];
	data++;
	size--;
	/* the head, as read_head() collects it */
	while (n < size && n < HTTP_HEAD_MAX - 1) {
		char ch = (char)data[n++];

		if (ch == '\n') {
			if (++nl == 2) {
				hl = n;
				break;
			}
		} else if (ch != '\r') {
			nl = 0;
		}
	}
	if (hl == 0)
		return 0;
	memcpy(rs.head, data, hl);
	rs.head[hl] = '\0';
	err_clear(&e);
	if (http_parse_head(&rs, rs.head, hl, "h", &e) != 0) {
		if (e.status != S3P_ENET || rs.status != 0)
			abort();
		return 0;
	}
	if (rs.status < 100 || rs.status > 599 || rs.nhdr > HTTP_MAX_HEADERS)
		abort();
	for (size_t i = 0; i < rs.nhdr; i++) {
		const char *nm = rs.hdr[i].name, *v = rs.hdr[i].value;

		if (nm < rs.head || nm >= rs.head + hl || v < rs.head
		    || v > rs.head + hl || *nm == '\0'
		    || http_header_get(&rs, nm) == NULL)
			abort();
	}
	fr = http_body_framing(&rs, "GET", &len, "h", &e);
	if (fr == 2) {
		http_chunked ck;
		count c = { 0 };
		const unsigned char *b = data + hl;
		size_t bl = size - hl, used = 0;
		long r;

		if (split > bl)
			split = bl;
		http_chunked_init(&ck);
		r = http_chunked_feed(&ck, b, split, sink, &c, "h", &e);
		if (r > (long)split)
			abort();
		if (r >= 0) {
			used = (size_t)r;
			if (!ck.done && used == split) {
				r = http_chunked_feed(&ck, b + used, bl - used, sink, &c,
				    "h", &e);
				if (r > (long)(bl - used))
					abort();
				if (r >= 0)
					used += (size_t)r;
			}
		}
		/* data given is data consumed (on errors: before the error) */
		if (r >= 0 && c.got > used)
			abort();
		if (r < 0 && e.status != S3P_ENET)
			abort();
	}
	return 0;
}
