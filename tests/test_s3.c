/*
 * test_s3.c: what s3.c reads from servers and decides without a network:
 * the error document (the S3 API reference's "Error Responses" example;
 * its fields are read by text_xml, tested in test_text.c), part sizes
 * within S3's limits (10,000 parts, 5 MiB..5 GiB), AWS endpoints and
 * their regions. Requests, retries and corrections are tested end to end
 * (e2e_faults.sh) against radosgw through a fault-injecting proxy.
 */
#include <string.h>

#include "s3.h"
#include "unit.h"

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
	return t_done();
}
