/*
 * test_hmac.c: hmac.c against RFC 4231 section 4 (test cases 1-7, typed
 * from the RFC) and against python3's hmac module for random keys and
 * messages of 0..200 bytes.
 */
#include "hmac.h"
#include "unit.h"

#include <stdint.h>
#include <unistd.h>

#define NRAND 201

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint32_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void
tohex(const unsigned char *p, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[p[i] >> 4];
		out[2 * i + 1] = hex[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* RFC 4231 section 4.2 to 4.8 */
static void
test_rfc4231(const char *be)
{
	static const char tc7_data[] =
	    "This is a test using a larger than block-size key and a larger "
	    "than block-size data. The key needs to be hashed before being "
	    "used by the HMAC algorithm.";
	unsigned char k0b[20], kaa20[20], k25[25], k0c[20], kaa131[131];
	unsigned char ddd[50], dcd[50];
	struct {
		const unsigned char *key;
		size_t key_len;
		const void *data;
		size_t data_len;
		const char *mac;   /* hex; test case 5 keeps 128 bits */
	} tc[7];
	unsigned char mac[SHA256_SIZE];
	char got[65], name[80];
	size_t i;

	memset(k0b, 0x0b, sizeof k0b);
	memset(kaa20, 0xaa, sizeof kaa20);
	for (i = 0; i < sizeof k25; i++)
		k25[i] = (unsigned char)(i + 1);
	memset(k0c, 0x0c, sizeof k0c);
	memset(kaa131, 0xaa, sizeof kaa131);
	memset(ddd, 0xdd, sizeof ddd);
	memset(dcd, 0xcd, sizeof dcd);

	tc[0].key = k0b; tc[0].key_len = 20;
	tc[0].data = "Hi There"; tc[0].data_len = 8;
	tc[0].mac = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7";
	tc[1].key = (const unsigned char *)"Jefe"; tc[1].key_len = 4;
	tc[1].data = "what do ya want for nothing?"; tc[1].data_len = 28;
	tc[1].mac = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
	tc[2].key = kaa20; tc[2].key_len = 20;
	tc[2].data = ddd; tc[2].data_len = 50;
	tc[2].mac = "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe";
	tc[3].key = k25; tc[3].key_len = 25;
	tc[3].data = dcd; tc[3].data_len = 50;
	tc[3].mac = "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b";
	tc[4].key = k0c; tc[4].key_len = 20;
	tc[4].data = "Test With Truncation"; tc[4].data_len = 20;
	tc[4].mac = "a3b6167473100ee06e0c796c2955552b";
	tc[5].key = kaa131; tc[5].key_len = 131;
	tc[5].data = "Test Using Larger Than Block-Size Key - Hash Key First";
	tc[5].data_len = 54;
	tc[5].mac = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
	tc[6].key = kaa131; tc[6].key_len = 131;
	tc[6].data = tc7_data; tc[6].data_len = sizeof tc7_data - 1;
	tc[6].mac = "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2";

	for (i = 0; i < 7; i++) {
		hmac_sha256_ctx ctx;
		size_t j;

		hmac_sha256(tc[i].key, tc[i].key_len, tc[i].data, tc[i].data_len,
		    mac);
		tohex(mac, strlen(tc[i].mac) / 2, got);
		snprintf(name, sizeof name, "%s: RFC 4231 test case %zu", be, i + 1);
		t_streq(got, tc[i].mac, name);

		/* streaming, byte by byte */
		hmac_sha256_init(&ctx, tc[i].key, tc[i].key_len);
		for (j = 0; j < tc[i].data_len; j++)
			hmac_sha256_update(&ctx, (const char *)tc[i].data + j, 1);
		hmac_sha256_final(&ctx, mac);
		tohex(mac, strlen(tc[i].mac) / 2, got);
		snprintf(name, sizeof name, "%s: RFC 4231 test case %zu, byte by byte",
		    be, i + 1);
		t_streq(got, tc[i].mac, name);
	}
}

static unsigned char keys[NRAND][200], msgs[NRAND][200];
static size_t key_len[NRAND], msg_len[NRAND];
static char want[NRAND][65];

/* python3's hmac over the cases written to a file, one "key msg" a line. */
static int
run_oracle(void)
{
	char path[] = "/tmp/s3pub-test-hmac.XXXXXX";
	char cmd[512], line[512], hk[401], hm[401];
	FILE *f, *p;
	int fd, i, n = 0;

	fd = mkstemp(path);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL)
		return 0;
	for (i = 0; i < NRAND; i++) {
		tohex(keys[i], key_len[i], hk);
		tohex(msgs[i], msg_len[i], hm);
		fprintf(f, "%s. %s.\n", hk, hm);   /* '.' keeps empty fields */
	}
	fclose(f);
	snprintf(cmd, sizeof cmd,
	    "python3 -c 'import hmac,hashlib,sys\n"
	    "for l in open(sys.argv[1]):\n"
	    " k,m=(bytes.fromhex(x[:-1]) for x in l.split())\n"
	    " print(hmac.new(k,m,hashlib.sha256).hexdigest())' %s 2>/dev/null",
	    path);
	p = popen(cmd, "r");
	if (p != NULL) {
		while (n < NRAND && fgets(line, sizeof line, p) != NULL) {
			if (strlen(line) < 64)
				break;
			memcpy(want[n], line, 64);
			want[n][64] = '\0';
			n++;
		}
		pclose(p);
	}
	unlink(path);
	return n == NRAND;
}

static void
test_random(const char *be)
{
	unsigned char mac[SHA256_SIZE];
	char got[65];
	int i, bad_one = -1, bad_split = -1, bad_copy = -1;

	for (i = 0; i < NRAND; i++) {
		hmac_sha256_ctx ctx, keyed;
		size_t cut = msg_len[i] ? rng() % (msg_len[i] + 1) : 0;

		hmac_sha256(keys[i], key_len[i], msgs[i], msg_len[i], mac);
		tohex(mac, SHA256_SIZE, got);
		if (bad_one < 0 && strcmp(got, want[i]) != 0)
			bad_one = i;

		hmac_sha256_init(&ctx, keys[i], key_len[i]);
		hmac_sha256_update(&ctx, msgs[i], cut);
		hmac_sha256_final(&ctx, mac);   /* leaves ctx unchanged */
		hmac_sha256_update(&ctx, msgs[i] + cut, msg_len[i] - cut);
		hmac_sha256_final(&ctx, mac);
		tohex(mac, SHA256_SIZE, got);
		if (bad_split < 0 && strcmp(got, want[i]) != 0)
			bad_split = i;

		/* a keyed context copied and reused for two messages */
		hmac_sha256_init(&keyed, keys[i], key_len[i]);
		memcpy(&ctx, &keyed, sizeof ctx);
		hmac_sha256_update(&ctx, "something else", 14);
		memcpy(&ctx, &keyed, sizeof ctx);
		hmac_sha256_update(&ctx, msgs[i], msg_len[i]);
		hmac_sha256_final(&ctx, mac);
		tohex(mac, SHA256_SIZE, got);
		if (bad_copy < 0 && strcmp(got, want[i]) != 0)
			bad_copy = i;
	}
	if (bad_one < 0)
		t_ok(1, "%s: %d random keys and messages of 0..200 bytes match "
		    "python3 hmac", be, NRAND);
	else
		t_ok(0, "%s: random case %d (key %zu bytes, message %zu bytes) "
		    "differs from python3 hmac", be, bad_one, key_len[bad_one],
		    msg_len[bad_one]);
	t_ok(bad_split < 0, "%s: streaming at a random split point, with a final "
	    "midway, matches (first bad case %d)", be, bad_split);
	t_ok(bad_copy < 0, "%s: a memcpy() of a keyed context starts a fresh "
	    "message (first bad case %d)", be, bad_copy);
}

int
main(void)
{
	int i, have;
	size_t j;

	if (system("sh scripts/need.sh python3:python3 >/dev/null 2>&1") != 0) {
		/* not fatal: the oracle check below reports it */
	}
	for (i = 0; i < NRAND; i++) {
		key_len[i] = (size_t)i;
		msg_len[i] = (size_t)((i * 37 + 11) % NRAND);
		for (j = 0; j < key_len[i]; j++)
			keys[i][j] = (unsigned char)rng();
		for (j = 0; j < msg_len[i]; j++)
			msgs[i][j] = (unsigned char)rng();
	}
	have = run_oracle();
	t_ok(have, "the oracle (python3's hmac module) ran");

	sha256_force_portable(1);
	test_rfc4231("portable");
	if (have)
		test_random("portable");
	sha256_force_portable(0);
	if (strcmp(sha256_backend(), "portable") != 0) {
		test_rfc4231(sha256_backend());
		if (have)
			test_random(sha256_backend());
	}
	return t_done();
}
