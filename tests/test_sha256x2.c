/*
 * test_sha256x2.c: sha256x2_update(), two hashes over the same bytes in one
 * pass, once for each back-end this CPU has.
 *
 * Three kinds of answer:
 *   - FIPS 180-4's known answers, both contexts fresh;
 *   - the single-stream code with the portable back-end forced (checked
 *     against an outside oracle by test_sha256), for contexts at every pair
 *     of fill levels and random lengths, pointer alignments and splits;
 *   - an outside oracle (python3's hashlib, else coreutils' sha256sum) for
 *     the use hashpass makes of it: a part's hash and the whole object's
 *     over a buffer of a little over 1 MiB, in 128 KiB chunks.
 */
#include "sha256.h"
#include "unit.h"

#include <stdint.h>
#include <unistd.h>

#define BIG_LEN ((1u << 20) + 77)
#define CHUNK 131072            /* hashpass's HASHPASS_CHUNK */
#define MAXPARTS 8

/*
 * The part sizes of test_parts(): a multiple of 64, where a part's hash
 * and the whole's are at the same offset in their blocks (the two-state
 * compression), and one that is not (two plain updates).
 */
static const unsigned part_size[2] = { 262592, 300001 };

static unsigned char big[BIG_LEN + 64];
static char want_part[2][MAXPARTS][65], want_whole[65];
static unsigned nparts[2];
static int have_oracle;

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

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
hex_of(const sha256_ctx *ctx, char out[65])
{
	unsigned char d[SHA256_SIZE];

	sha256_final(ctx, d);
	sha256_hex(d, out);
}

/*
 * The oracle's digests of each part_size[i]-byte slice of big[0, BIG_LEN)
 * (the last one shorter), for both sizes, then of the whole; 0 when no
 * oracle could be run.
 */
static int
run_oracle(void)
{
	char path[] = "/tmp/s3pub-test-sha256x2.XXXXXX";
	char cmd[2048], line[256];
	FILE *f, *p;
	int fd, n = 0, want;
	unsigned i;

	for (i = 0; i < 2; i++)
		nparts[i] = (BIG_LEN + part_size[i] - 1) / part_size[i];
	want = (int)(nparts[0] + nparts[1] + 1);

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
	    "for s in (%u, %u):\n"
	    " for o in range(0, len(d), s): print(hashlib.sha256(d[o:o+s]).hexdigest())\n"
	    "print(hashlib.sha256(d).hexdigest())' %s; "
	    "else for s in %u %u; do i=0; while [ $((i * s)) -lt %u ]; do "
	    "tail -c +$((i * s + 1)) %s | head -c $s | sha256sum; i=$((i+1)); "
	    "done; done; sha256sum < %s; fi",
	    part_size[0], part_size[1], path, part_size[0], part_size[1],
	    BIG_LEN, path, path);
	p = popen(cmd, "r");
	if (p != NULL) {
		while (n < want && fgets(line, sizeof line, p) != NULL) {
			char *dst = want_whole;

			if (strlen(line) < 64)
				break;
			line[64] = '\0';
			if (n < (int)nparts[0])
				dst = want_part[0][n];
			else if (n < (int)(nparts[0] + nparts[1]))
				dst = want_part[1][n - (int)nparts[0]];
			memcpy(dst, line, 65);
			n++;
		}
		pclose(p);
	}
	unlink(path);
	return n == want;
}

/* FIPS 180-4 / NIST CAVS examples: both hashes must give the answer. */
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
	char ga[65], gb[65], name[96];
	size_t i, j;

	for (i = 0; i < sizeof v / sizeof v[0]; i++) {
		sha256_ctx a, b;
		size_t len = strlen(v[i].msg);

		sha256_init(&a);
		sha256_init(&b);
		sha256x2_update(&a, &b, v[i].msg, len);
		hex_of(&a, ga);
		hex_of(&b, gb);
		snprintf(name, sizeof name, "%s: NIST %zu-bit message, first hash",
		    be, len * 8);
		t_streq(ga, v[i].hex, name);
		snprintf(name, sizeof name, "%s: NIST %zu-bit message, second hash",
		    be, len * 8);
		t_streq(gb, v[i].hex, name);

		/* byte by byte, a first, then b first */
		sha256_init(&a);
		sha256_init(&b);
		for (j = 0; j < len; j++) {
			if (j & 1)
				sha256x2_update(&b, &a, v[i].msg + j, 1);
			else
				sha256x2_update(&a, &b, v[i].msg + j, 1);
		}
		hex_of(&a, ga);
		hex_of(&b, gb);
		snprintf(name, sizeof name, "%s: NIST %zu-bit message, byte by "
		    "byte, both hashes", be, len * 8);
		if (strcmp(ga, v[i].hex) == 0 && strcmp(gb, v[i].hex) == 0)
			t_ok(1, "%s", name);
		else
			t_ok(0, "%s: got %s and %s", name, ga, gb);
	}
}

/*
 * One million 'a' (FIPS 180-2 appendix B.3) into two hashes: one of them
 * starts with a 1-byte update alone, so from then on their blocks start
 * at different offsets of the same buffer; the rest in uneven updates.
 */
static void
test_million_a(const char *be)
{
	static const char *hex =
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	static char m[1000000];
	sha256_ctx a, b;
	char ga[65], gb[65], name[96];
	size_t off = 0, n;

	memset(m, 'a', sizeof m);
	sha256_init(&a);
	sha256_init(&b);
	sha256_update(&b, m, 1);                /* b one byte ahead */
	while (off < sizeof m - 1) {
		n = rng() % 70000;
		if (n > sizeof m - 1 - off)
			n = sizeof m - 1 - off;
		sha256x2_update(&a, &b, m + off, n);
		off += n;
	}
	sha256_update(&a, m, 1);                /* a's last byte */
	hex_of(&a, ga);
	hex_of(&b, gb);
	snprintf(name, sizeof name, "%s: 1,000,000 x 'a', two hashes one byte "
	    "apart: the first", be);
	t_streq(ga, hex, name);
	snprintf(name, sizeof name, "%s: 1,000,000 x 'a', two hashes one byte "
	    "apart: the second", be);
	t_streq(gb, hex, name);
}

/*
 * The reference: prefix then the data, with the single-stream code and the
 * portable back-end (the code without instructions of its own).
 */
static void
reference(const unsigned char *prefix, size_t plen, const unsigned char *data,
    size_t len, int portable_after, char out[65])
{
	sha256_ctx c;

	sha256_force_portable(1);
	sha256_init(&c);
	sha256_update(&c, prefix, plen);
	sha256_update(&c, data, len);
	hex_of(&c, out);
	sha256_force_portable(portable_after);
}

/*
 * Contexts that have seen pa and pb bytes of different prefixes, then
 * len bytes at big + off through sha256x2_update() in `cuts` random
 * pieces (a first, or b first, at random). 1 if both digests are right.
 */
static int
one_case(int portable, size_t pa, size_t pb, size_t off, size_t len,
    int cuts, char detail[200])
{
	/* the prefixes: from the end of big, so they differ from the data */
	const unsigned char *xa = big + BIG_LEN - 4096, *xb = big + BIG_LEN - 2048;
	char wa[65], wb[65], ga[65], gb[65];
	sha256_ctx a, b;
	size_t done = 0;
	int c;

	reference(xa, pa, big + off, len, portable, wa);
	reference(xb, pb, big + off, len, portable, wb);
	sha256_init(&a);
	sha256_init(&b);
	sha256_update(&a, xa, pa);
	sha256_update(&b, xb, pb);
	for (c = 0; c <= cuts; c++) {
		size_t n = c == cuts ? len - done : rng() % (len - done + 1);

		if (rng() & 1)
			sha256x2_update(&a, &b, big + off + done, n);
		else
			sha256x2_update(&b, &a, big + off + done, n);
		done += n;
	}
	hex_of(&a, ga);
	hex_of(&b, gb);
	if (strcmp(ga, wa) == 0 && strcmp(gb, wb) == 0)
		return 1;
	snprintf(detail, 200, "prefixes %zu and %zu, %zu bytes at offset %zu "
	    "in %d pieces: %s", pa, pb, len, off, cuts + 1,
	    strcmp(ga, wa) != 0 ? "the first hash is wrong" :
	    "the second hash is wrong");
	return 0;
}

/* Every pair of fill levels 0..63 x 0..63, each with a random length. */
static void
test_fill_levels(const char *be, int portable)
{
	char detail[200] = "";
	size_t pa, pb;
	int ok = 1;

	for (pa = 0; pa < 64 && ok; pa++)
		for (pb = 0; pb < 64 && ok; pb++)
			ok = one_case(portable, pa + 64 * (rng() % 3),
			    pb + 64 * (rng() % 3), rng() % 64,
			    rng() % 1200, (int)(rng() % 3), detail);
	t_ok(ok, "%s: every pair of fill levels (64 x 64), random lengths "
	    "0..1199 and pointer alignments%s%s", be, ok ? "" : ": ", detail);

	/* the same fill level: the two-state compression, 20 lengths each */
	for (pa = 0; pa < 64 * 20 && ok; pa++)
		ok = one_case(portable, pa % 64 + 64 * (rng() % 3),
		    pa % 64 + 64 * (rng() % 3), rng() % 64, rng() % 2000,
		    (int)(rng() % 3), detail);
	t_ok(ok, "%s: equal fill levels 0..63, 20 random lengths 0..1999 "
	    "each%s%s", be, ok ? "" : ": ", detail);
}

/* Random everything, some lengths long enough for thousands of blocks. */
static void
test_random(const char *be, int portable)
{
	char detail[200] = "";
	int i, ok = 1;

	for (i = 0; i < 600 && ok; i++) {
		size_t len = (i % 50 < 2) ? 200000 + rng() % 300000 :
		    rng() % 20000;
		size_t pa = rng() % 1000, pb = rng() % 1000;

		if (i & 1)              /* half of them at the same fill */
			pb = pb - pb % 64 + pa % 64;
		ok = one_case(portable, pa, pb, rng() % 4096, len,
		    (int)(rng() % 6), detail);
	}
	t_ok(ok, "%s: 600 random cases (prefixes 0..1023 bytes, half of them "
	    "at the same fill, lengths up to 500 KB, 1 to 6 updates)%s%s", be,
	    ok ? "" : ": ", detail);
}

/*
 * What hashpass does: the whole object's hash and each part's, every part
 * fed in 128 KiB chunks, against the oracle; for both part sizes (the
 * second puts the whole's hash at another offset in its blocks than the
 * part's), and once more from a misaligned copy of the buffer.
 */
static void
test_parts(const char *be)
{
	int shift, i;

	for (i = 0; i < 2; i++)
		for (shift = 0; shift < 2; shift++) {
			const unsigned char *src = big + shift;
			sha256_ctx whole, part;
			char got[65], name[128];
			size_t k, off, psz = part_size[i];
			int bad = -1;

			if (shift)
				memmove(big + 1, big, BIG_LEN);
			sha256_init(&whole);
			for (k = 0; k < nparts[i]; k++) {
				size_t end = (k + 1) * psz < BIG_LEN ?
				    (k + 1) * psz : BIG_LEN;

				sha256_init(&part);
				for (off = k * psz; off < end; off += CHUNK)
					sha256x2_update(&part, &whole, src + off,
					    end - off < CHUNK ? end - off : CHUNK);
				hex_of(&part, got);
				if (bad < 0 && strcmp(got, want_part[i][k]) != 0)
					bad = (int)k;
			}
			if (shift)
				memmove(big, big + 1, BIG_LEN);
			snprintf(name, sizeof name, "%s: parts of %zu bytes in "
			    "%u-byte chunks%s", be, psz, CHUNK,
			    shift ? ", misaligned" : "");
			if (bad < 0)
				t_ok(1, "%s: each part's hash is the oracle's", name);
			else
				t_ok(0, "%s: part %d's hash is not the oracle's",
				    name, bad);
			hex_of(&whole, got);
			strcat(name, ": the whole object's hash");
			t_streq(got, want_whole, name);
		}
}

static void
run_all(const char *be, int portable)
{
	test_nist(be);
	test_million_a(be);
	test_fill_levels(be, portable);
	test_random(be, portable);
	if (have_oracle)
		test_parts(be);
	else
		t_skip("%s: the parts against the oracle (neither python3 nor "
		    "sha256sum ran)", be);
}

int
main(void)
{
	char auto_be[32];
	size_t i;

	for (i = 0; i < sizeof big; i++)
		big[i] = (unsigned char)rng();
	have_oracle = run_oracle();
	t_ok(have_oracle, "the oracle (python3 hashlib or sha256sum) ran");

	sha256_force_portable(1);
	t_streq(sha256_backend(), "portable", "sha256_force_portable(1) selects portable");
	run_all("portable", 1);

	sha256_force_portable(0);
	snprintf(auto_be, sizeof auto_be, "%s", sha256_backend());
	if (strcmp(auto_be, "portable") == 0) {
		t_skip("no SHA instructions here (or S3PUB_SHA256=portable): only "
		    "the portable back-end tested");
	} else {
		t_ok(strcmp(auto_be, "sha-ni") == 0 || strcmp(auto_be, "armv8-sha2") == 0,
		    "run-time choice: %s", auto_be);
		run_all(auto_be, 0);
	}
	return t_done();
}
