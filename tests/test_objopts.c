/*
 * test_objopts: the object options' values checked and turned into
 * headers: names lower case, tags percent-encoded, S3's limits.
 */
#include <stdio.h>
#include <string.h>

#include "objopts.h"
#include "unit.h"

static const char *
hv(const objopts *o, const char *name)
{
	for (size_t i = 0; i < o->n; i++)
		if (strcmp(o->h[i].name, name) == 0)
			return o->h[i].value;
	return "";
}

int
main(void)
{
	static objopts o;
	s3p_err err;
	char big[300];

	objopts_init(&o);
	t_ok(objopts_add(&o, "storage-class", "STANDARD_IA", &err) == 0 &&
	    objopts_add(&o, "sse", "aws:kms", &err) == 0 &&
	    objopts_add(&o, "sse-kms-key-id", "arn:aws:kms:k/1", &err) == 0 &&
	    objopts_add(&o, "tag", "team=a b&c", &err) == 0 &&
	    objopts_add(&o, "tag", "k/2=é=", &err) == 0 &&
	    objopts_add(&o, "metadata", "Run-Id=42 x", &err) == 0 &&
	    objopts_finish(&o, &err) == 0, "every option accepted");
	t_streq(hv(&o, "x-amz-storage-class"), "STANDARD_IA", "storage class header");
	t_streq(hv(&o, "x-amz-server-side-encryption"), "aws:kms", "sse header");
	t_streq(hv(&o, "x-amz-server-side-encryption-aws-kms-key-id"), "arn:aws:kms:k/1", "kms key header");
	t_streq(hv(&o, "x-amz-tagging"), "team=a%20b%26c&k%2F2=%C3%A9%3D", "tags URL-encoded, joined with &");
	t_streq(hv(&o, "x-amz-meta-run-id"), "42 x", "metadata: x-amz-meta-KEY lower case");
	t_streq(o.tag_xml, "<Tagging><TagSet><Tag><Key>team</Key><Value>a b&#38;c</Value></Tag>"
	    "<Tag><Key>k/2</Key><Value>é=</Value></Tag></TagSet></Tagging>",
	    "PutObjectTagging's body: & as a character reference");
	objopts_init(&o);
	t_ok(objopts_add(&o, "tag", "a<>=]]>", &err) == 0 && objopts_finish(&o, &err) == 0 &&
	    strcmp(o.tag_xml, "<Tagging><TagSet><Tag><Key>a&#60;&#62;</Key><Value>]]&#62;</Value>"
	    "</Tag></TagSet></Tagging>") == 0, "tag XML: < > escaped: %s", o.tag_xml);
	objopts_init(&o);
	memset(big, '&', 256);
	big[0] = 'k';
	big[1] = '=';
	big[257] = '\0';
	{
		int ok = 0;
		while (ok < 10 && objopts_add(&o, "tag", big, &err) == 0)
			ok++;
		t_ok(ok == 2 && err.status == S3P_EUSAGE && strlen(o.tag_xml) < sizeof o.tag_xml - 20,
		    "a tag whose XML would not fit is refused (after %d): %s", ok, err.msg);
	}

	objopts_init(&o);
	t_ok(objopts_add(&o, "storage-class", "standard", &err) < 0 &&
	    err.status == S3P_EUSAGE && strstr(err.msg, "--storage-class 'standard'") != NULL,
	    "storage class in lower case refused: %s", err.msg);
	t_ok(objopts_add(&o, "storage-class", "", &err) < 0, "empty storage class refused");
	t_ok(objopts_add(&o, "sse", "aes256", &err) < 0, "--sse aes256 refused");
	t_ok(objopts_add(&o, "sse", "AES256", &err) == 0 &&
	    objopts_add(&o, "sse-kms-key-id", "k", &err) == 0 &&
	    objopts_finish(&o, &err) < 0 && strstr(err.msg, "aws:kms") != NULL,
	    "--sse-kms-key-id without aws:kms refused");
	t_ok(objopts_add(&o, "tag", "novalue", &err) < 0, "tag without '=' refused");
	t_ok(objopts_add(&o, "tag", "=v", &err) < 0, "tag with an empty key refused");
	t_ok(objopts_add(&o, "tag", "k=a\nb", &err) < 0, "tag with a control character refused");
	memset(big, 'x', sizeof big);
	big[0] = 'k'; big[1] = '=';
	big[sizeof big - 1] = '\0';
	t_ok(objopts_add(&o, "tag", big, &err) < 0, "tag value over 256 bytes refused");
	objopts_init(&o);
	for (int i = 0; i < 10; i++)
		objopts_add(&o, "tag", "k=v", &err);
	t_ok(objopts_add(&o, "tag", "k=v", &err) < 0, "an eleventh tag refused");
	t_ok(objopts_add(&o, "metadata", "a b=1", &err) < 0, "metadata key with a blank refused");
	t_ok(objopts_add(&o, "metadata", "k=\x01", &err) < 0, "metadata value with a control refused");
	t_ok(objopts_add(&o, "metadata", "k=\xc3\xa9", &err) < 0, "metadata value not ASCII refused");
	objopts_init(&o);
	memset(big, 'v', sizeof big);
	memcpy(big, "k1=", 3);
	big[sizeof big - 1] = '\0';
	int rc = 0;
	for (int i = 0; i < 7 && rc == 0; i++)
		rc = objopts_add(&o, "metadata", big, &err);
	t_ok(rc < 0 && strstr(err.msg, "2 KB") != NULL, "metadata over 2 KB in all refused");
	objopts_init(&o);
	rc = 0;
	for (int i = 0; i < 9 && rc == 0; i++)
		rc = objopts_add(&o, "metadata", "k=v", &err);
	t_ok(rc < 0, "a ninth metadata header refused");

	t_streq(objopts_type("a/b.txt"), "text/plain", "type: .txt");
	t_streq(objopts_type("x.CSV"), "text/csv", "type: extension case-insensitive");
	t_streq(objopts_type("d/r.parquet"), "application/vnd.apache.parquet", "type: .parquet");
	t_streq(objopts_type("p.jpg"), "image/jpeg", "type: .jpg");
	t_streq(objopts_type("s.GIF"), "image/gif", "type: the table's last entry");
	t_streq(objopts_type("data.bin"), "application/octet-stream", "type: unknown extension");
	t_streq(objopts_type("dir.txt/README"), "application/octet-stream", "type: a dot in a directory only");
	t_streq(objopts_type("noext"), "application/octet-stream", "type: no extension");
	t_streq(objopts_type("a."), "application/octet-stream", "type: empty extension");
	t_streq(objopts_type("a.tar.gz"), "application/gzip", "type: the last extension");

	/* SSE-C's key: 32 bytes, or their base64 */
	{
		static const char *key_b64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
		const char *path = "build/test-objopts-key";
		unsigned char raw[32];
		FILE *f;
		for (int i = 0; i < 32; i++)
			raw[i] = (unsigned char)i;
		f = fopen(path, "wb");
		fwrite(raw, 1, 32, f);
		fclose(f);
		objopts_init(&o);
		t_ok(objopts_add(&o, "sse-c-key-file", path, &err) == 0 &&
		    objopts_add(&o, "metadata", "a=b", &err) == 0 &&
		    objopts_finish(&o, &err) == 0 && o.nkey == 3 && o.n == 4,
		    "a 32-byte key file accepted, its headers last: %s", err.msg);
		t_streq(o.h[1].name, "x-amz-server-side-encryption-customer-algorithm", "SSE-C algorithm header");
		t_streq(o.h[1].value, "AES256", "SSE-C algorithm AES256");
		t_streq(o.h[2].name, "x-amz-server-side-encryption-customer-key", "SSE-C key header");
		t_streq(o.h[2].value, key_b64, "SSE-C key in base64");
		t_streq(o.h[3].name, "x-amz-server-side-encryption-customer-key-md5", "SSE-C key MD5 header");
		/* python3 -c 'import hashlib,base64; print(base64.b64encode(hashlib.md5(bytes(range(32))).digest()))' */
		t_streq(o.h[3].value, "tP/LI3N87DFaSk0aoqYgzg==", "SSE-C key MD5 in base64");
		f = fopen(path, "w");
		fprintf(f, "%s\n", key_b64);
		fclose(f);
		objopts_init(&o);
		t_ok(objopts_add(&o, "sse-c-key-file", path, &err) < 0 && err.status == S3P_EUSAGE &&
		    strstr(err.msg, "not 32 bytes") != NULL && strstr(err.msg, "AAEC") == NULL,
		    "a key file of 45 bytes (base64) refused, the content not shown: %s", err.msg);
		f = fopen(path, "w");
		fwrite(raw, 1, 31, f);
		fclose(f);
		t_ok(objopts_add(&o, "sse-c-key-file", path, &err) < 0 &&
		    strstr(err.msg, path) != NULL, "31 bytes refused, the file named: %s", err.msg);
		t_ok(objopts_add(&o, "sse-c-key-file", "build/no-such-key", &err) < 0 &&
		    strstr(err.msg, "No such file") != NULL, "a missing file: %s", err.msg);
		remove(path);
		objopts_init(&o);
		rc = objopts_add(&o, "sse", "AES256", &err);
		f = fopen(path, "wb");
		fwrite(raw, 1, 32, f);
		fclose(f);
		rc |= objopts_add(&o, "sse-c-key-file", path, &err);
		remove(path);
		t_ok(rc == 0 && objopts_finish(&o, &err) < 0 && strstr(err.msg, "--sse-c-key-file excludes --sse") != NULL,
		    "--sse with --sse-c-key-file refused: %s", err.msg);
	}
	return t_done();
}
