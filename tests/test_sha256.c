/*
 * test_sha256.c: sha256.c against FIPS 180-4's examples and an outside
 * oracle (python3's hashlib, or coreutils' sha256sum when python3 is
 * missing), once for each back-end this CPU has.
 *
 * The oracle hashes a fixed pseudo-random buffer written to a temporary
 * file: every prefix of 0..1024 bytes, then the whole buffer (a little over
 * 1 MiB, so that a back-end is handed thousands of blocks in one call).
 */
#include "sha256.h"
#include "unit.h"

#include <stdint.h>
#include <unistd.h>

#define SHORT_MAX 1024
#define BIG_LEN ((1u << 20) + 77)

static unsigned char big[BIG_LEN];
static char want[SHORT_MAX + 2][65];     /* [n] = prefix n, [SHORT_MAX+1] = all */
static int have_oracle;

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

/* xorshift64*: deterministic, so a failure names a reproducible input */
static uint32_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void
hex_of(sha256_ctx *ctx, char out[65])
{
	unsigned char d[SHA256_SIZE];

	sha256_final(ctx, d);
	sha256_hex(d, out);
}

static void
oneshot_hex(const void *p, size_t n, char out[65])
{
	unsigned char d[SHA256_SIZE];

	sha256(p, n, d);
	sha256_hex(d, out);
}

/* Fills want[] from the oracle; returns 0 when no oracle could be run. */
static int
run_oracle(void)
{
	char path[] = "/tmp/s3pub-test-sha256.XXXXXX";
	char cmd[1024], line[256];
	FILE *f, *p;
	int fd, n = 0;

	fd = mkstemp(path);
	if (fd < 0 || (f = fdopen(fd, "wb")) == NULL)
		return 0;
	if (fwrite(big, 1, BIG_LEN, f) != BIG_LEN) {
		fclose(f);
		unlink(path);
		return 0;
	}
	fclose(f);
	snprintf(cmd, sizeof cmd,
	    "if command -v python3 >/dev/null 2>&1; then "
	    "python3 -c 'import hashlib,sys\n"
	    "d=open(sys.argv[1],\"rb\").read()\n"
	    "for n in range(%d): print(hashlib.sha256(d[:n]).hexdigest())\n"
	    "print(hashlib.sha256(d).hexdigest())' %s; "
	    "else n=0; while [ $n -le %d ]; do head -c $n %s | sha256sum; "
	    "n=$((n+1)); done; sha256sum < %s; fi",
	    SHORT_MAX + 1, path, SHORT_MAX, path, path);
	p = popen(cmd, "r");
	if (p != NULL) {
		while (n < SHORT_MAX + 2 && fgets(line, sizeof line, p) != NULL) {
			if (strlen(line) < 64)
				break;
			memcpy(want[n], line, 64);
			want[n][64] = '\0';
			n++;
		}
		pclose(p);
	}
	unlink(path);
	return n == SHORT_MAX + 2;
}

/* FIPS 180-4 / NIST CAVS examples, each hashed whole and byte by byte. */
static void
test_nist(const char *be)
{
	static const struct {
		const char *msg, *hex;
	} v[] = {
		{ "abc",
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "",
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
		  "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
		  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	};
	char got[65], name[64];
	size_t i, j;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		sha256_ctx ctx;

		snprintf(name, sizeof name, "%s: NIST %zu-bit message", be,
		    strlen(v[i].msg) * 8);
		oneshot_hex(v[i].msg, strlen(v[i].msg), got);
		t_streq(got, v[i].hex, name);

		sha256_init(&ctx);
		for (j = 0; j < strlen(v[i].msg); j++)
			sha256_update(&ctx, v[i].msg + j, 1);
		hex_of(&ctx, got);
		snprintf(name, sizeof name, "%s: NIST %zu-bit message, byte by byte",
		    be, strlen(v[i].msg) * 8);
		t_streq(got, v[i].hex, name);
	}
}

/* One million 'a' (FIPS 180-2 appendix B.3), in uneven updates. */
static void
test_million_a(const char *be)
{
	static const char *hex =
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	static char a[1000000];
	sha256_ctx ctx;
	char got[65], name[80];
	size_t off = 0, n;

	memset(a, 'a', sizeof a);
	oneshot_hex(a, sizeof a, got);
	snprintf(name, sizeof name, "%s: 1,000,000 x 'a', one update", be);
	t_streq(got, hex, name);

	sha256_init(&ctx);
	while (off < sizeof a) {
		n = rng() % 5000;
		if (n > sizeof a - off)
			n = sizeof a - off;
		sha256_update(&ctx, a + off, n);
		off += n;
	}
	hex_of(&ctx, got);
	snprintf(name, sizeof name, "%s: 1,000,000 x 'a', random updates", be);
	t_streq(got, hex, name);
}

/* Every length 0..1024 in one update, against the oracle. */
static void
test_all_lengths(const char *be)
{
	char got[65];
	int n;

	for (n = 0; n <= SHORT_MAX; n++) {
		oneshot_hex(big, (size_t)n, got);
		if (strcmp(got, want[n]) != 0)
			break;
	}
	if (n <= SHORT_MAX)
		t_ok(0, "%s: every length 0..%d, one update: length %d: got %s, "
		    "want %s", be, SHORT_MAX, n, got, want[n]);
	else
		t_ok(1, "%s: every length 0..%d, one update", be, SHORT_MAX);
}

/* Every length again, cut at 1..4 random points, and fed byte by byte. */
static void
test_splits(const char *be)
{
	char got[65];
	int n, bad = -1, bad_bytes = -1;

	for (n = 0; n <= SHORT_MAX && bad < 0; n++) {
		int rep;

		for (rep = 0; rep < 4 && bad < 0; rep++) {
			sha256_ctx ctx;
			int cuts = 1 + (int)(rng() % 4), off = 0, c;

			sha256_init(&ctx);
			for (c = 0; c < cuts; c++) {
				int len = n - off > 0 ? (int)(rng() % (uint32_t)(n - off + 1)) : 0;

				sha256_update(&ctx, big + off, (size_t)len);
				off += len;
			}
			sha256_update(&ctx, big + off, (size_t)(n - off));
			hex_of(&ctx, got);
			if (strcmp(got, want[n]) != 0)
				bad = n;
		}
	}
	if (bad >= 0)
		t_ok(0, "%s: every length, random split points: length %d: got %s, "
		    "want %s", be, bad, got, want[bad]);
	else
		t_ok(1, "%s: every length 0..%d, random split points", be, SHORT_MAX);

	/* byte by byte, with a final after every byte (a running digest) */
	{
		sha256_ctx ctx;

		sha256_init(&ctx);
		hex_of(&ctx, got);
		if (strcmp(got, want[0]) != 0)
			bad_bytes = 0;
		for (n = 1; n <= SHORT_MAX && bad_bytes < 0; n++) {
			sha256_update(&ctx, big + n - 1, 1);
			hex_of(&ctx, got);
			if (strcmp(got, want[n]) != 0)
				bad_bytes = n;
		}
	}
	if (bad_bytes < 0)
		t_ok(1, "%s: byte by byte, a final after each byte leaves the "
		    "context usable", be);
	else
		t_ok(0, "%s: byte by byte with a final after each byte: wrong at "
		    "length %d", be, bad_bytes);
}

/*
 * A context copied with memcpy() is an independent fork: hash a prefix,
 * copy, and finish the two copies with different continuations.
 */
static void
test_fork(const char *be)
{
	char got1[65], got2[65], got0[65];
	int bad = -1, i;

	for (i = 0; i < 200 && bad < 0; i++) {
		sha256_ctx a, b;
		int p = (int)(rng() % (SHORT_MAX + 1));
		int n1 = p + (int)(rng() % (uint32_t)(SHORT_MAX - p + 1));
		int n2 = p + (int)(rng() % (uint32_t)(SHORT_MAX - p + 1));

		sha256_init(&a);
		sha256_update(&a, big, (size_t)p);
		memcpy(&b, &a, sizeof a);
		sha256_update(&a, big + p, (size_t)(n1 - p));
		hex_of(&b, got0);          /* a final on the fork point too */
		sha256_update(&b, big + p, (size_t)(n2 - p));
		hex_of(&a, got1);
		hex_of(&b, got2);
		if (strcmp(got0, want[p]) != 0 || strcmp(got1, want[n1]) != 0
		    || strcmp(got2, want[n2]) != 0)
			bad = i;
	}
	t_ok(bad < 0, "%s: memcpy() of a context forks the hash (200 random "
	    "forks)%s", be, bad < 0 ? "" : ": a fork went wrong");
}

/* A long input: thousands of blocks per back-end call, in 16 KiB steps too. */
static void
test_big(const char *be)
{
	sha256_ctx ctx;
	char got[65], name[80];
	size_t off;

	oneshot_hex(big, BIG_LEN, got);
	snprintf(name, sizeof name, "%s: %u bytes in one update", be, BIG_LEN);
	t_streq(got, want[SHORT_MAX + 1], name);

	sha256_init(&ctx);
	for (off = 0; off < BIG_LEN; off += 16384)
		sha256_update(&ctx, big + off,
		    BIG_LEN - off < 16384 ? BIG_LEN - off : 16384);
	hex_of(&ctx, got);
	snprintf(name, sizeof name, "%s: %u bytes in 16 KiB updates", be, BIG_LEN);
	t_streq(got, want[SHORT_MAX + 1], name);

	/* misaligned source: blocks that do not start on a 4- or 16-byte line */
	sha256_init(&ctx);
	sha256_update(&ctx, big, 3);
	sha256_update(&ctx, big + 3, BIG_LEN - 3);
	hex_of(&ctx, got);
	snprintf(name, sizeof name, "%s: %u bytes from a misaligned pointer", be,
	    BIG_LEN);
	t_streq(got, want[SHORT_MAX + 1], name);
}

static void
run_all(const char *be)
{
	test_nist(be);
	test_million_a(be);
	if (!have_oracle) {
		t_skip("%s: oracle tests (neither python3 nor sha256sum ran)", be);
		return;
	}
	test_all_lengths(be);
	test_splits(be);
	test_fork(be);
	test_big(be);
}

/*
 * S3PUB_SHA256=portable is read once, at the first use: run this program
 * again with it set, in the "--backend" mode that only prints the choice.
 */
static void
test_env_override(const char *self)
{
	char cmd[1024], line[64] = "";
	FILE *p;

	snprintf(cmd, sizeof cmd, "S3PUB_SHA256=portable '%s' --backend", self);
	p = popen(cmd, "r");
	if (p != NULL) {
		if (fgets(line, sizeof line, p) == NULL)
			line[0] = '\0';
		pclose(p);
	}
	line[strcspn(line, "\n")] = '\0';
	t_streq(line, "portable", "S3PUB_SHA256=portable forces the portable back-end");
}

int
main(int argc, char **argv)
{
	char auto_be[32];
	size_t i;

	if (argc > 1 && strcmp(argv[1], "--backend") == 0) {
		puts(sha256_backend());
		return 0;
	}
	if (strchr(argv[0], '\'') == NULL)
		test_env_override(argv[0]);
	for (i = 0; i < BIG_LEN; i++)
		big[i] = (unsigned char)rng();
	have_oracle = run_oracle();
	t_ok(have_oracle, "the oracle (python3 hashlib or sha256sum) ran");

	{
		char h[65];
		unsigned char d[SHA256_SIZE];

		for (i = 0; i < SHA256_SIZE; i++)
			d[i] = (unsigned char)(i * 0x11 + 0x0f);
		sha256_hex(d, h);
		t_streq(h, "0f2031425364758697a8b9cadbecfd0e1f30415263748596a7b8c9daebfc0d1e",
		    "sha256_hex writes lower-case hex");
	}

	sha256_force_portable(1);
	t_streq(sha256_backend(), "portable", "sha256_force_portable(1) selects portable");
	run_all("portable");

	sha256_force_portable(0);
	snprintf(auto_be, sizeof auto_be, "%s", sha256_backend());
	if (strcmp(auto_be, "portable") == 0) {
		t_skip("no SHA instructions here (or S3PUB_SHA256=portable): only "
		    "the portable back-end tested");
	} else {
		/* the name e2e_cross.sh looks for: the choice is real when the
		 * back-end's own known-answer tests below pass */
		t_ok(strcmp(auto_be, "sha-ni") == 0 || strcmp(auto_be, "armv8-sha2") == 0,
		    "run-time choice: %s", auto_be);
		run_all(auto_be);
	}
	return t_done();
}
