/*
 * fuzz_target.c: the -p TARGET parser, s3:// URIs, bucket names and the
 * key rules on arbitrary strings. Checks the documented bounds: fields fit
 * their buffers, an expanded key is at most SPEC_KEY_MAX bytes of valid
 * UTF-8. Seed corpus: tests/fuzz/target/.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "spec.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static char arg[8192];
	char bucket[64], key[SPEC_KEY_MAX + 1], out[SPEC_KEY_MAX + 1];
	spec_ids ids = { "exec", "job", size % 2 ? "node" : NULL };
	spec_target t;
	s3p_err err;

	if (size >= sizeof arg)
		return 0;
	memcpy(arg, data, size);
	arg[size] = '\0';
	spec_target_init(&t);
	if (spec_parse_target(arg, &t, &err) == 0) {
		if (strlen(t.bucket) > SPEC_BUCKET_MAX ||
		    strlen(t.key) > SPEC_KEYTPL_MAX)
			abort();
		(void)spec_check_required(&t, &err);
		if (spec_expand_key(t.key, t.encoding, &ids, 1695737130, out,
		    sizeof out, &err) == 0) {
			size_t n = strlen(out);
			if (n > SPEC_KEY_MAX)
				abort();
			for (size_t k = 0; k < n;) {
				int l = json_utf8_seq((unsigned char *)out + k,
				    n - k);
				if (l == 0)
					abort();
				k += (size_t)l;
			}
		}
	} else if (err.status != S3P_EUSAGE)
		abort();
	if (spec_s3_uri(arg, bucket, sizeof bucket, key, sizeof key, &err) == 0
	    && bucket[0] == '\0')
		abort();
	int b = spec_bucket_valid(arg);
	if (b == SPEC_BUCKET_DNS && strchr(arg, '.') != NULL)
		abort();
	if (b != SPEC_BUCKET_INVALID && (strlen(arg) < 3 || strlen(arg) > 63))
		abort();
	(void)spec_expand_key(arg, SPEC_PLAIN, &ids, 0, out, sizeof out, &err);
	return 0;
}
