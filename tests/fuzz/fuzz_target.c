/*
 * fuzz_target.c: the -p TARGET parser, s3:// URIs, bucket names and the
 * key rules on arbitrary strings. Checks the documented bounds: fields fit
 * their buffers, an expanded key is at most TARGET_KEY_MAX bytes of valid
 * UTF-8. Seed corpus: tests/fuzz/target/.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "target.h"

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static char arg[8192];
	char bucket[64], key[TARGET_KEY_MAX + 1], out[TARGET_KEY_MAX + 1];
	target_ids ids = { "exec", "job", size % 2 ? "node" : NULL };
	target t;
	s3p_err err;

	if (size >= sizeof arg)
		return 0;
	memcpy(arg, data, size);
	arg[size] = '\0';
	target_init(&t);
	if (target_parse(arg, &t, &err) == 0) {
		if (strlen(t.bucket) > TARGET_BUCKET_MAX ||
		    strlen(t.key) > TARGET_KEYTPL_MAX)
			abort();
		(void)target_check_required(&t, &err);
		if (target_expand_key(t.key, t.encoding, &ids, 1695737130, out,
		    sizeof out, &err) == 0) {
			size_t n = strlen(out);
			if (n > TARGET_KEY_MAX)
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
	if (target_s3_uri(arg, bucket, sizeof bucket, key, sizeof key, &err) == 0
	    && bucket[0] == '\0')
		abort();
	int b = target_bucket_valid(arg);
	if (b == TARGET_BUCKET_DNS && strchr(arg, '.') != NULL)
		abort();
	if (b != TARGET_BUCKET_INVALID && (strlen(arg) < 3 || strlen(arg) > 63))
		abort();
	(void)target_expand_key(arg, TARGET_PLAIN, &ids, 0, out, sizeof out, &err);
	return 0;
}
