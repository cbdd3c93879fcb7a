/*
 * test_presigned: presigned URLs read back (virtual-hosted AWS, path style,
 * BUCKET.localhost), percent-decoding, the region from X-Amz-Credential,
 * messages without the signature; Content-MD5 against RFC 1321's vectors.
 */
#include <string.h>

#include "presigned.h"
#include "unit.h"

static int
mem_read(void *ctx, unsigned sender, uint64_t off, void *buf, size_t len,
    s3p_err *err)
{
	(void)sender;
	(void)err;
	memcpy(buf, (const char *)ctx + off, len);
	return 0;
}

int
main(void)
{
	static presigned_info p;
	s3p_err err;
	char out[64], md5[25];

	t_ok(presigned_parse("https://my-bucket.s3.us-west-2.amazonaws.com/a/b%20c%2B.tar.gz"
	    "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20240101%2F"
	    "us-west-2%2Fs3%2Faws4_request&X-Amz-Signature=deadbeef", &p, &err) == 0,
	    "virtual-hosted AWS URL parses");
	t_streq(p.bucket, "my-bucket", "virtual-hosted: bucket from the host");
	t_streq(p.key, "a/b c+.tar.gz", "virtual-hosted: key percent-decoded");
	t_streq(p.region, "us-west-2", "region from the X-Amz-Credential scope");
	t_streq(p.endpoint, "https://s3.us-west-2.amazonaws.com", "endpoint without the bucket");
	t_streq(p.origin, "https://my-bucket.s3.us-west-2.amazonaws.com", "origin keeps the bucket");
	t_ok(strstr(p.name, "deadbeef") == NULL && strchr(p.name, '?') == NULL,
	    "the name for messages has no query: %s", p.name);

	t_ok(presigned_parse("http://127.0.0.1:9000/bkt/dir/k.tgz?X-Amz-Credential=AK/20240101/"
	    "eu-central-1/s3/aws4_request&X-Amz-Signature=x", &p, &err) == 0,
	    "path-style URL parses");
	t_streq(p.bucket, "bkt", "path style: bucket");
	t_streq(p.key, "dir/k.tgz", "path style: key");
	t_streq(p.region, "eu-central-1", "path style: region (unencoded slashes)");
	t_streq(p.endpoint, "http://127.0.0.1:9000", "path style: endpoint");

	t_ok(presigned_parse("http://bkt.localhost:8080/dir/k.tar.gz", &p, &err) == 0 &&
	    strcmp(p.bucket, "bkt") == 0 && strcmp(p.key, "dir/k.tar.gz") == 0 &&
	    strcmp(p.endpoint, "http://localhost:8080") == 0 && p.region[0] == '\0',
	    "BUCKET.localhost is virtual-hosted; no region without a credential");
	t_ok(presigned_parse("https://b.s3-eu-west-1.amazonaws.com/k", &p, &err) == 0 &&
	    strcmp(p.bucket, "b") == 0 && strcmp(p.key, "k") == 0,
	    "BUCKET.s3-REGION host");
	t_ok(presigned_parse("http://127.0.0.1/one%20name.tgz", &p, &err) == 0 &&
	    p.bucket[0] == '\0' && p.key[0] == '\0' && strcmp(p.path, "one name.tgz") == 0,
	    "one path segment: no bucket and key, the path decoded");
	t_ok(presigned_parse("http://127.0.0.1/b/%zz", &p, &err) < 0, "bad percent-encoding refused");
	t_ok(presigned_parse("ftp://h/b/k", &p, &err) < 0, "not http(s): refused");

	t_ok(presigned_decode("a%2Fb%41", 8, out, sizeof out) == 0 && strcmp(out, "a/bA") == 0,
	    "decode %%2F and %%41");
	t_ok(presigned_decode("a%00", 4, out, sizeof out) < 0, "decode refuses %%00");
	t_ok(presigned_decode("a%4", 3, out, sizeof out) < 0, "decode refuses a cut escape");
	t_ok(presigned_decode("abcdef", 6, out, 4) < 0, "decode refuses what does not fit");

	/* a checksum of an empty body baked into the signature */
	t_ok(presigned_parse("http://127.0.0.1:9000/b/k.tgz?X-Amz-Algorithm=AWS4-HMAC-SHA256"
	    "&x-amz-checksum-crc32=AAAAAA%3D%3D&X-Amz-Signature=x", &p, &err) == 0 &&
	    presigned_check_upload(&p, &err) < 0 && err.status == S3P_EUSAGE &&
	    strstr(err.msg, "x-amz-checksum-crc32=AAAAAA==") != NULL &&
	    strstr(err.msg, "empty body") != NULL && strstr(err.msg, "X-Amz-Signature") == NULL,
	    "empty-body crc32 in the query refused: %s", err.msg);
	t_ok(presigned_parse("http://h:1/b/k?X-Amz-Checksum-SHA256=47DEQpj8HBSa%2B%2FTImW%2B5JCeuQeRkm5NMpJWZG3hSuFU%3D",
	    &p, &err) == 0 && presigned_check_upload(&p, &err) < 0,
	    "empty-body sha256, name in any case, value encoded: refused");
	t_ok(presigned_parse("http://h:1/b/k?x-amz-checksum-crc32=zX8aNA%3D%3D&X-Amz-Signature=x",
	    &p, &err) == 0 && presigned_check_upload(&p, &err) == 0,
	    "a checksum of another body: left to the server");
	t_ok(presigned_parse("http://h:1/b/k?X-Amz-Signature=AAAAAA%3D%3D&x-amz-checksum-crc32",
	    &p, &err) == 0 && presigned_check_upload(&p, &err) == 0,
	    "no checksum parameter with a value: accepted");

	/* RFC 1321 appendix A.5 */
	t_ok(presigned_md5_b64(mem_read, (void *)"", 0, md5, &err) == 0 &&
	    strcmp(md5, "1B2M2Y8AsgTpgAmY7PhCfg==") == 0, "Content-MD5 of \"\": %s", md5);
	t_ok(presigned_md5_b64(mem_read, (void *)"abc", 3, md5, &err) == 0 &&
	    strcmp(md5, "kAFQmDzST7DWlj99KOF/cg==") == 0, "Content-MD5 of \"abc\": %s", md5);
	return t_done();
}
