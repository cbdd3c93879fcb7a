/*
 * fuzz_tls_anchors.c: libFuzzer target for tls_anchors_load_mem(), the PEM
 * bundle -> trust anchors path (br_pem_decoder, br_x509_decoder, copies).
 * Any input: no crash, no leak; success means at least one anchor, each
 * with a DN and an RSA or EC key of non-zero length; failure is a usage
 * error naming the bundle.
 */
#include "tls.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tls_anchors a;
	s3p_err e;

	if (tls_anchors_load_mem(&a, data, size, "fz", &e) != 0) {
		if (e.status != S3P_EUSAGE || strstr(e.msg, "fz") == NULL
		    || a.n != 0 || a.ta != NULL)
			abort();
		return 0;
	}
	if (a.n == 0)
		abort();
	for (size_t i = 0; i < a.n; i++) {
		const br_x509_trust_anchor *t = &a.ta[i];

		if (t->pkey.key_type == BR_KEYTYPE_RSA) {
			if (t->pkey.key.rsa.nlen == 0 || t->pkey.key.rsa.elen == 0)
				abort();
		} else if (t->pkey.key_type != BR_KEYTYPE_EC
		    || t->pkey.key.ec.qlen == 0) {
			abort();
		}
	}
	tls_anchors_free(&a);
	return 0;
}
