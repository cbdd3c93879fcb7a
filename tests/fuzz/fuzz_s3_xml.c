/*
 * fuzz_s3_xml: what s3.c reads from a server's XML (error documents, the
 * fields of listings and of CompleteMultipartUpload's answer) on any
 * bytes: s3_parse_error and s3_xml_text must stay in their buffers, end,
 * and return a value they document; a value they return 1 for is
 * NUL-terminated within its room.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "Code", "Message", "ETag", "Key",
	    "UploadId", "PartNumber", "Size", "IsTruncated", "ChecksumSHA256" };
	char code[64], msg[256], rid[64], region[64], out[128];
	char *xml = malloc(size + 1);
	int r;

	if (xml == NULL)
		return 0;
	memcpy(xml, data, size);
	xml[size] = '\0';
	r = s3_parse_error(xml, size, code, sizeof code, msg, sizeof msg, rid,
	    sizeof rid, region, sizeof region);
	if (r != 0 && r != 1)
		abort();
	if (strlen(code) >= sizeof code || strlen(region) >= sizeof region)
		abort();
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		r = s3_xml_text(xml, size, names[i], out, (size_t)(1 + size % sizeof out));
		if (r < -1 || r > 1 || (r == 1 && strlen(out) >= sizeof out))
			abort();
	}
	free(xml);
	return 0;
}
