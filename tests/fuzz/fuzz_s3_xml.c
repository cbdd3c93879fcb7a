/*
 * fuzz_s3_xml: what s3.c reads from a server's XML (error documents, the
 * fields of listings and of CompleteMultipartUpload's answer) on any
 * bytes: s3_parse_error and text_xml must stay in their buffers, end,
 * and return a value they document; a value text_xml returns 1 for is
 * NUL-terminated within its room, and out is "" otherwise.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"
#include "text.h"

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
		size_t room = 1 + size % sizeof out;
		r = text_xml(xml, size, names[i], out, room);
		if (r < -1 || r > 1 || strlen(out) >= room || (r != 1 && out[0]))
			abort();
	}
	free(xml);
	return 0;
}
