/*
 * test_s3.c: what s3.c reads from servers and decides without a network:
 * the error document (the S3 API reference's "Error Responses" example;
 * its fields are read by text_xml, tested in test_text.c), part sizes
 * within S3's limits (10,000 parts, 5 MiB..5 GiB), AWS endpoints and
 * their regions, and the URLs of requests (path and virtual-hosted style,
 * an endpoint's path prefix, keys encoded) as s3_presign() writes them:
 * the AWS documentation's presigned URL example (SigV4 "Authenticating
 * Requests: Using Query Parameters") is the oracle of the virtual-hosted
 * form. What follows an answer (retries, clock, region) is decided in
 * s3_decide.c (test_s3_decide.c); requests themselves are tested end to end
 * (e2e_faults.sh) against radosgw through a fault-injecting proxy.
 */
#include <stdlib.h>
#include <string.h>

#include "s3.h"
#include "unit.h"

/*
 * s3_presign's URL for GET bucket/key on endpoint (virtual-hosted or
 * not), up to its query (the address s3.c builds for every request), or
 * the whole URL when whole is set; "" when it fails.
 */
static const char *
presigned(const char *endpoint, const char *region, int vhost,
    const char *bucket, const char *key, int whole)
{
	static char url[8192];
	static creds cr;
	s3_client s;
	s3p_err err;
	char *q;

	strcpy(cr.access_key_id, "AKIAIOSFODNN7EXAMPLE");
	strcpy(cr.secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
	url[0] = '\0';
	if (s3_client_init(&s, NULL, &cr, endpoint, region, &err) < 0)
		return url;
	s.virtual_hosted = vhost;
	if (s3_presign(&s, "GET", bucket, key, 86400, url, sizeof url, &err) < 0)
		url[0] = '\0';
	else if (!whole && (q = strchr(url, '?')) != NULL)
		*q = '\0';
	s3_client_close(&s);
	return url;
}

/*
 * 1 when URL got is want: the same address before '?', and the same
 * query parameters (in any order: the signature covers them sorted).
 */
static int
same_url(const char *got, const char *want)
{
	const char *gq = strchr(got, '?'), *wq = strchr(want, '?'), *p;
	size_t n = 0;

	if (gq == NULL || wq == NULL || gq - got != wq - want ||
	    memcmp(got, want, (size_t)(gq - got)) != 0 ||
	    strlen(gq) != strlen(wq))
		return 0;
	for (p = wq; *p != '\0'; p += n) {
		const char *g;
		p++;
		n = strcspn(p, "&");
		for (g = gq + 1; g != NULL; g = strchr(g, '&') ? strchr(g, '&') + 1 : NULL)
			if (strncmp(g, p, n) == 0 && (g[n] == '&' || g[n] == '\0'))
				break;
		if (g == NULL)
			return 0;
	}
	return 1;
}

static void
test_urls(void)
{
	char big[300];

	/* the AWS documentation's example: its time, keys and URL */
	setenv("S3PUB_FAKE_TIME", "20130524T000000Z", 1);
	t_ok(same_url(presigned("https://s3.amazonaws.com", "us-east-1", 1,
	    "examplebucket", "test.txt", 1),
	    "https://examplebucket.s3.amazonaws.com/test.txt"
	    "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
	    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3"
	    "%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
	    "&X-Amz-SignedHeaders=host&X-Amz-Signature="
	    "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"),
	    "URL: virtual-hosted, the AWS documentation's presigned example");
	t_streq(presigned("https://s3.eu-west-1.amazonaws.com/", "eu-west-1", 0,
	    "examplebucket", "test.txt", 0),
	    "https://s3.eu-west-1.amazonaws.com/examplebucket/test.txt",
	    "URL: path style, the endpoint's trailing slash dropped");
	t_streq(presigned("http://127.0.0.1:9000", "us-east-1", 0, "b",
	    "dir/a b+c~d%e\xc3\xa9.tar.gz", 0),
	    "http://127.0.0.1:9000/b/dir/a%20b%2Bc~d%25e%C3%A9.tar.gz",
	    "URL: path style, a port kept, the key encoded once (RFC 3986 "
	    "unreserved and '/' left as they are)");
	t_streq(presigned("https://gw.example/s3/", "us-east-1", 0, "b", "k", 0),
	    "https://gw.example/s3/b/k",
	    "URL: an endpoint's path is a prefix (a gateway below /)");
	t_streq(presigned("https://gw.example:8443/a/b", "us-east-1", 1, "bk",
	    "x/y", 0), "https://bk.gw.example:8443/a/b/x/y",
	    "URL: virtual-hosted below a prefix, on a port");
	memset(big, 'h', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	t_streq(presigned("https://s3.amazonaws.com", "us-east-1", 1, big, "k",
	    0), "", "URL: a host name over its room is refused");
	unsetenv("S3PUB_FAKE_TIME");
}

int
main(void)
{
	char code[64], msg[256], rid[64], region[64], out[64];
	static const char err_doc[] =
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<Error><Code>NoSuchKey</Code><Message>The resource you requested "
	    "does not exist</Message><Resource>/mybucket/myfoto.jpg</Resource>"
	    "<RequestId>4442587FB7D0A2F9</RequestId></Error>";
	static const char redirect[] =
	    "<Error><Code>PermanentRedirect</Code><Message>The bucket is in "
	    "this region: eu-west-1. Please use this region to retry the "
	    "request</Message><Region>eu-west-1</Region></Error>";

	/* error documents */
	t_ok(s3_parse_error(err_doc, strlen(err_doc), code, sizeof code, msg,
	    sizeof msg, rid, sizeof rid, region, sizeof region) == 1 &&
	    strcmp(code, "NoSuchKey") == 0 &&
	    strcmp(msg, "The resource you requested does not exist") == 0 &&
	    strcmp(rid, "4442587FB7D0A2F9") == 0 && region[0] == '\0',
	    "error document: Code, Message, RequestId; no Region");
	t_ok(s3_parse_error(redirect, strlen(redirect), code, sizeof code, msg,
	    sizeof msg, rid, sizeof rid, region, sizeof region) == 1 &&
	    strcmp(code, "PermanentRedirect") == 0 &&
	    strcmp(region, "eu-west-1") == 0 && rid[0] == '\0',
	    "error document: a redirect's Region");
	t_ok(s3_parse_error("<html>Bad Gateway</html>", 24, code, sizeof code,
	    msg, sizeof msg, rid, sizeof rid, region, sizeof region) == 0 &&
	    code[0] == '\0', "not an error document: 0, fields empty");

	/* part sizes */
	t_ok(s3_part_size(100, 1) == S3_MIN_PART, "part size: at least 5 MiB");
	t_ok(s3_part_size(100, 6ULL << 30) == S3_MAX_PART, "part size: at most 5 GiB");
	t_ok(s3_part_size(64ULL << 20, 64ULL << 20) == 64ULL << 20,
	    "part size: as asked when it fits");
	{
		uint64_t len = 5ULL << 40, p = s3_part_size(len, 64ULL << 20);
		t_ok((len + p - 1) / p <= S3_MAX_PARTS && p % (1 << 20) == 0 &&
		    (len + p - (1 << 20) - 1) / (p - (1 << 20)) > S3_MAX_PARTS,
		    "part size: 5 TiB in at most 10,000 parts, the smallest whole "
		    "MiB that fits (%llu)", (unsigned long long)p);
	}

	/* one PutObject up to the part size, and never over S3's 5 GiB */
	t_ok(s3_one_put(0, S3_MIN_PART) && s3_one_put(64ULL << 20, 64ULL << 20) &&
	    !s3_one_put((64ULL << 20) + 1, 64ULL << 20) &&
	    s3_one_put(S3_MAX_PART, 6ULL << 30) &&
	    !s3_one_put(S3_MAX_PART + 1, 6ULL << 30),
	    "one PutObject: up to the part size, at most 5 GiB");

	/* AWS endpoints */
	t_ok(s3_is_aws_host("s3.us-west-2.amazonaws.com") &&
	    s3_is_aws_host("bucket.s3.cn-north-1.amazonaws.com.cn") &&
	    !s3_is_aws_host("amazonaws.com.evil.example") &&
	    !s3_is_aws_host("minio.local"), "AWS hosts: by their suffix only");
	t_ok(s3_region_from_endpoint("https://s3.eu-central-1.amazonaws.com",
	    out, sizeof out) == 0 && strcmp(out, "eu-central-1") == 0 &&
	    s3_region_from_endpoint("https://s3-us-west-1.amazonaws.com", out,
	    sizeof out) == 0 && strcmp(out, "us-west-1") == 0 &&
	    s3_region_from_endpoint("https://s3.dualstack.ap-south-1.amazonaws.com",
	    out, sizeof out) == 0 && strcmp(out, "ap-south-1") == 0 &&
	    s3_region_from_endpoint("http://127.0.0.1:9000", out, sizeof out) < 0,
	    "regions from AWS endpoints (three forms), none from others");
	t_ok(s3_endpoint_default("us-west-2", out, sizeof out) > 0 &&
	    strcmp(out, "https://s3.us-west-2.amazonaws.com") == 0,
	    "the default endpoint of a region");

	test_urls();
	return t_done();
}
