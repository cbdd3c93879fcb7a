/*
 * fuzz_s3_xml: what s3.c reads from a server's XML (error documents, the
 * fields of listings and of CompleteMultipartUpload's answer) on any
 * bytes: s3_parse_error and text_xml must stay in their buffers, end,
 * and return a value they document; a value text_xml returns 1 for is
 * NUL-terminated within its room, and out is "" otherwise. The same bytes
 * as a header value go to the decisions that read one (s3_decide.h): Date,
 * Retry-After (a wait within [0, 20 s]) and x-amz-bucket-region (cut to
 * its room).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s3.h"
#include "s3_decide.h"
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
	{
		time_t t;
		long off = 0, w;
		char reg[16] = "";
		if ((r = s3_http_date(xml, &t)) != 0 && r != -1)
			abort();
		r = s3_skew(403, 0, xml, 0, 0, &off);
		if (r != 0 && r != 1)
			abort();
		w = s3_retry_wait(xml, (int)(size % 12), (unsigned)size * 2654435761u);
		if (w < 0 || w > S3_BACKOFF_CAP_MS)
			abort();
		r = s3_moved(301, 0, xml, reg, sizeof reg, "us-east-1");
		if ((r != 0 && r != 1) || strlen(reg) >= sizeof reg)
			abort();
	}
	free(xml);
	return 0;
}
