/*
 * test_deflate.c: the compressor against the project's inflate (itself
 * tested against zlib and gzip in test_inflate.c and t_inflate.sh), and the
 * gzip/python oracles through t_deflate.sh and t_compress.sh. Checked
 * here: every level round-trips edge inputs (empty, one byte, zeros, 0xff,
 * random, text, matches of 258 and at distance 32768, runs and repeats
 * across 32 and 64 KiB, a full block, blocks concatenated as one stream),
 * the output never passes the stored form (deflate.h's exact bound), the
 * bytes do not depend on what the context held before, random data is
 * stored but random data with repeats is not, short inputs take fixed
 * Huffman blocks (under 128 symbols never dynamic ones), and the stream
 * ends byte-aligned without `final`.
 * Random stretches inside a block (tar headers between random files, a
 * text island, a random stretch repeated later, stretches that end and
 * start inside 4 KiB chunks) and level 0 against blocks stored whole
 * (c->stored).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deflate.h"
#include "inflate.h"
#include "unit.h"

static uint32_t rng = 2026;

static uint32_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

typedef struct {
	const unsigned char *want;
	size_t len, pos;
	int bad;
} check_out;

static int
check_fn(void *ctx, const unsigned char *buf, size_t len)
{
	check_out *c = ctx;

	if (c->pos + len > c->len || memcmp(c->want + c->pos, buf, len) != 0)
		c->bad = 1;
	c->pos += len;
	return 0;
}

/* 1 when z (n bytes) is one complete stream that inflates to want. */
static int
inflates_to(const unsigned char *z, size_t n, const unsigned char *want,
    size_t len)
{
	static inflate_ctx ic;
	check_out c = { want, len, 0, 0 };

	inflate_init(&ic, check_fn, &c);
	return inflate_feed(&ic, z, n) == (long)n && inflate_done(&ic) &&
	    inflate_finish(&ic) == 0 && !c.bad && c.pos == len;
}

/* deflate.h's exact worst case: the stored form. */
static size_t
stored_size(size_t n)
{
	return n == 0 ? 2 : n + 5 * ((n + 65534) / 65535);
}

/* in[0..n): `period` random bytes, then repeated (matches at that
 * distance, across every 32 and 64 KiB boundary). */
static void
fill_period(unsigned char *in, size_t n, size_t period)
{
	for (size_t i = 0; i < n; i++)
		in[i] = (unsigned char)(i < period ? next() : in[i - period]);
}

static void
fill_text(unsigned char *p, size_t n)
{
	static const char *w[] = { "the ", "sensor ", "reading ", "42.17,",
	    "\n", "epoch=", "loss=0.0", "ok ", "{\"k\":", "}" };
	size_t i = 0;

	while (i < n) {
		const char *s = w[next() % 10];
		while (*s && i < n)
			p[i++] = (unsigned char)*s++;
	}
}

/*
 * A tar-like stream: random "files" of 1 to 60000 bytes, each after a
 * 512-byte header (a name, an octal size, zeros) and padded with zeros to
 * 512; every fifth file repeats the one before (matches into what may
 * have been a stored stretch). Returns the bytes written (<= n).
 */
static size_t
fill_tarlike(unsigned char *p, size_t n)
{
	size_t i = 0, prev = 0, prevn = 0;

	for (unsigned f = 0;; f++) {
		size_t len = 1 + next() % 60000, at;
		if (f % 5 == 4 && prevn != 0)
			len = prevn;
		if (i + 512 + len + 511 > n)
			return i;
		memset(p + i, 0, 512);
		snprintf((char *)p + i, 100, "small/d%u/f-%u.dat", f % 7, f);
		snprintf((char *)p + i + 124, 12, "%011o", (unsigned)len & 0777777);
		i += 512;
		at = i;
		for (size_t k = 0; k < len; k++)
			p[i++] = f % 5 == 4 && prevn != 0 ? p[prev + k] :
			    (unsigned char)next();
		prev = at;
		prevn = len;
		while (i % 512 != 0)
			p[i++] = 0;
	}
}

int
main(void)
{
	static deflate_ctx c1;
	size_t max = DEFLATE_BLOCK;
	unsigned char *in = malloc(max), *out = malloc(DEFLATE_BOUND(max));
	unsigned char *out2 = malloc(DEFLATE_BOUND(max));
	size_t n, z, z2;
	int ok;

	/* edge inputs at every level */
	for (int kind = 0; kind < 12; kind++) {
		static const char *names[] = { "empty", "one byte", "zeros",
		    "0xff", "random", "text", "258-byte matches",
		    "distance 32768", "a run over 32 and 64 KiB",
		    "a random 1000-byte period over a full block",
		    "a random 32 KiB period: every match at distance 32768",
		    "text, a random 40000 bytes, text" };
		ok = 1;
		switch (kind) {
		case 0: n = 0; break;
		case 1: n = 1; in[0] = 'x'; break;
		case 2: n = max; memset(in, 0, n); break;
		case 3: n = max; memset(in, 0xff, n); break;
		case 4: n = max; for (size_t i = 0; i < n; i++) in[i] = (unsigned char)next(); break;
		case 5: n = max; fill_text(in, n); break;
		case 6: n = 3000; fill_period(in, n, 300); break;
		case 7:
			/* 100 random bytes, 32668 others, the first 100 again */
			n = 32768 + 100;
			for (size_t i = 0; i < n; i++)
				in[i] = (unsigned char)next();
			memcpy(in + 32768, in, 100);
			break;
		case 8:
			n = 70000;
			for (size_t i = 0; i < n; i++)
				in[i] = i > 30000 && i < 68000 ? 'a' : (unsigned char)next();
			break;
		case 9: n = max; fill_period(in, n, 1000); break;
		case 10: n = 3 * 32768 + 5000; fill_period(in, n, 32768); break;
		default:
			n = max;
			fill_text(in, n);
			for (size_t i = max * 3 / 8; i < max * 3 / 8 + 40000; i++)
				in[i] = (unsigned char)next();
			break;
		}
		for (int level = 1; ok && level <= 9; level++) {
			deflate_init(&c1, level);
			z = deflate_block(&c1, in, n, 1, out);
			ok = z <= stored_size(n) && z <= DEFLATE_BOUND(n) &&
			    inflates_to(out, z, in, n);
			if (!ok)
				t_ok(0, "%s, level %d: %zu bytes (stored: %zu) or "
				    "they do not inflate back", names[kind], level,
				    z, stored_size(n));
		}
		t_ok(ok, "%s (%zu bytes): levels 1..9 inflate back, never "
		    "larger than stored", names[kind], n);
	}

	/* random bytes with repeats must not pass for random: their
	 * byte counts are flat, but the repeats compress (a regression:
	 * the repeat probe once saw only distances that were multiples of
	 * its sampling step) */
	for (int k = 0; k < 3; k++) {
		static const size_t periods[] = { 10007, 20000, 32768 };
		size_t period = periods[k];
		fill_period(in, max, period);
		deflate_init(&c1, 6);
		z = deflate_block(&c1, in, max, 1, out);
		/* the first period is stored, every repeat is matches */
		t_ok(z < period + max / 16 && inflates_to(out, z, in, max),
		    "random bytes repeated every %zu: %zu bytes of %zu",
		    period, z, max);
	}

	/*
	 * Small random files between tar headers: the compressor passes
	 * over long runs without a match (no chain walk there), yet the
	 * bytes it passed over stay in the chains: their repeat 16 KiB on
	 * is matched, at every level (a regression: the repeat was sent as
	 * literals).
	 */
	ok = 1;
	for (size_t i = 0; i < 16384; i++)
		in[i] = i % 4096 < 3584 ? (unsigned char)next() : 0;
	memcpy(in + 16384, in, 16384);
	for (int level = 1; level <= 9; level++) {
		deflate_init(&c1, level);
		z = deflate_block(&c1, in, 32768, 1, out);
		/* 14,336 random bytes, sent once, and little more */
		if (z > 14336 + 14336 / 32 || !inflates_to(out, z, in, 32768)) {
			t_ok(0, "random runs between zeros, level %d: %zu bytes",
			    level, z);
			ok = 0;
		}
	}
	t_ok(ok, "random runs between zeros, repeated 16 KiB on: the repeat "
	    "matched at levels 1..9, the zeros compressed");

	/* fixed Huffman where a dynamic header does not pay: 9-bit
	 * literals (144..255) and a length code of 280 or more (a
	 * regression: codes 286 and 287 left out shifted the 9-bit codes) */
	for (size_t i = 0; i < 200; i++)
		in[i] = (unsigned char)(i < 20 ? 150 + i * 5 : in[i - 20]);
	ok = 1;
	for (int level = 1; level <= 9; level++) {
		deflate_init(&c1, level);
		z = deflate_block(&c1, in, 200, 1, out);
		if ((out[0] & 7) != (1 | 1 << 1) || !inflates_to(out, z, in, 200))
			ok = 0;
	}
	t_ok(ok, "200 bytes, 9-bit literals, a 180-byte match: a fixed "
	    "Huffman block at every level (%zu bytes)", z);

	/*
	 * fewer than 128 symbols (a tar header between stored stretches):
	 * no dynamic block, even where its tables would pay (eight 9-bit
	 * literal values in random order: 3-bit codes); the same bytes
	 * over 4 KiB are a dynamic block (BTYPE 2)
	 */
	for (size_t i = 0; i < 4096; i++)
		in[i] = (unsigned char)(0xf0 + (next() & 7));
	deflate_init(&c1, 6);
	z = deflate_block(&c1, in, 120, 1, out);
	ok = (out[0] >> 1 & 3) != 2 && inflates_to(out, z, in, 120);
	deflate_init(&c1, 6);
	z2 = deflate_block(&c1, in, 4096, 1, out2);
	t_ok(ok && (out2[0] >> 1 & 3) == 2 && inflates_to(out2, z2, in, 4096),
	    "eight byte values: 120 bytes not a dynamic block (%zu bytes), "
	    "4 KiB one (%zu bytes)", z, z2);

	/* text shrinks, more at higher levels; random is stored, at the bound */
	fill_text(in, max);
	deflate_init(&c1, 1);
	z = deflate_block(&c1, in, max, 1, out);
	deflate_init(&c1, 9);
	z2 = deflate_block(&c1, in, max, 1, out2);
	t_ok(z < max / 3 && z2 <= z, "text: level 1 %zu, level 9 %zu bytes of %zu",
	    z, z2, max);
	for (size_t i = 0; i < max; i++)
		in[i] = (unsigned char)next();
	deflate_init(&c1, 6);
	z = deflate_block(&c1, in, max, 1, out);
	t_ok(z == stored_size(max) && (out[0] & 6) == 0,
	    "random: stored blocks, %zu bytes for %zu", z, max);

	/*
	 * The bytes do not depend on what the context held before: a fresh
	 * context full of garbage (words that look like positions in the
	 * block, as stale hash heads would), and one used on other input,
	 * at every level: the greedy ones leave positions out of the chains.
	 */
	{
		deflate_ctx *g = malloc(sizeof *g);
		unsigned char *gb = (unsigned char *)g;
		ok = g != NULL;
		fill_text(in, max);
		for (int level = 1; ok && level <= 9; level++) {
			for (size_t i = 0; i + 4 <= sizeof *g; i += 4) {
				uint32_t v = next() % max + 1;
				memcpy(gb + i, &v, 4);
			}
			deflate_init(g, level);
			z2 = deflate_block(g, in, max, 1, out2);
			deflate_init(&c1, level);
			deflate_block(&c1, in + 7, max - 7, 0, out);
			deflate_init(&c1, level);
			z = deflate_block(&c1, in, max, 1, out);
			if (z != z2 || memcmp(out, out2, z) != 0)
				ok = t_ok(0, "level %d: a used context and a "
				    "fresh one give other bytes", level);
		}
		t_ok(ok, "the same bytes from a used context and from a fresh "
		    "one full of garbage, levels 1..9");
		/* and twice from one context, without a new deflate_init */
		z2 = deflate_block(&c1, in, max, 1, out2);
		t_ok(z == z2 && memcmp(out, out2, z) == 0,
		    "the same bytes twice from one context");
		free(g);
	}

	/*
	 * Random stretches inside a block (issue 14): a tar-like stream of
	 * random files between headers at every level inflates back, is
	 * smaller than stored (the headers and padding compress, the
	 * repeated files match, also into stored stretches), and is not
	 * "stored whole"; random input is, and level 0 gives its bytes.
	 */
	n = fill_tarlike(in, max);
	ok = 1;
	for (int level = 1; ok && level <= 9; level++) {
		deflate_init(&c1, level);
		z = deflate_block(&c1, in, n, level & 1, out);
		ok = !c1.stored && z < stored_size(n) - n / 100 &&
		    (level & 1 ? inflates_to(out, z, in, n) : 1);
		if (!ok)
			t_ok(0, "tar-like, level %d: %zu bytes of %zu, stored %d",
			    level, z, n, c1.stored);
	}
	t_ok(ok, "tar-like (%zu bytes): random files between headers, "
	    "levels 1..9 inflate back, 1%% under stored at least", n);
	/* its output is a pure function of the input: twice the same */
	deflate_init(&c1, 6);
	z = deflate_block(&c1, in, n, 0, out);
	deflate_init(&c1, 6);
	deflate_block(&c1, in + 1, n - 1, 0, out2);     /* other content */
	deflate_init(&c1, 6);
	z2 = deflate_block(&c1, in, n, 0, out2);
	t_ok(z == z2 && memcmp(out, out2, z) == 0,
	    "tar-like: the same bytes after another input in the context");

	/* random bytes with a 4 KiB text island: the island compresses */
	for (size_t i = 0; i < max; i++)
		in[i] = (unsigned char)next();
	fill_text(in + 100000, 4096);
	deflate_init(&c1, 6);
	z = deflate_block(&c1, in, max, 1, out);
	t_ok(!c1.stored && z < stored_size(max) - 2048 &&
	    inflates_to(out, z, in, max),
	    "random with a 4 KiB text island: %zu bytes of %zu", z, max);

	/*
	 * Small random files between tar headers: the random bytes up to a
	 * header and from the next file's start are stored (they appear in
	 * the output as they are), to within 512 bytes of the header, not
	 * from the 4 KiB chunks around it on (deflated, at the cost of a
	 * search per byte). Four headers with 512 bytes of padding before
	 * each, at 512-byte offsets inside chunks.
	 */
	{
		size_t at[4] = { 5 * 4096 + 1536, 9 * 4096 + 512,
		    17 * 4096 + 2560, 26 * 4096 + 3072 };
		int edges = 1;

		for (size_t i = 0; i < max; i++)
			in[i] = (unsigned char)next();
		for (int h = 0; h < 4; h++) {
			unsigned char *p = in + at[h];
			memset(p, 0, 1024);
			snprintf((char *)p + 512, 100, "results/img-%d.png", h);
			snprintf((char *)p + 512 + 124, 12, "%011o", 5000u);
		}
		deflate_init(&c1, 6);
		z = deflate_block(&c1, in, max, 1, out);
		for (int h = 0; h < 4; h++)
			edges &= memmem(out, z, in + at[h] - 256, 256) != NULL &&
			    memmem(out, z, in + at[h] + 1024, 256) != NULL;
		t_ok(edges && !c1.stored && inflates_to(out, z, in, max),
		    "random files between headers: stored up to the headers "
		    "and from the files' starts (%zu bytes of %zu)", z, max);
	}

	/*
	 * issue 16: a block that would save less than 1/128 of its stored
	 * form is stored whole (level 0's bytes: the send pass writes it
	 * from the files); one that saves more is not. Random bytes with
	 * two tar headers, then with a run of zeros 3/4 and 3/2 of 1/128.
	 */
	{
		size_t gain = stored_size(max) / 128;
		size_t runs[2] = { gain * 3 / 4, gain * 3 / 2 };

		for (size_t i = 0; i < max; i++)
			in[i] = (unsigned char)next();
		for (size_t h = 0; h < 2; h++) {
			unsigned char *p = in + max / 4 + h * (max / 2);
			memset(p, 0, 512);
			snprintf((char *)p, 100, "results/run-%zu.bin", h);
			snprintf((char *)p + 124, 12, "%011o", 100000u);
		}
		deflate_init(&c1, 6);
		z = deflate_block(&c1, in, max, 1, out);
		ok = c1.stored;
		deflate_init(&c1, 0);
		z2 = deflate_block(&c1, in, max, 1, out2);
		t_ok(ok && z == z2 && memcmp(out, out2, z) == 0,
		    "random with two tar headers: stored whole, level 0's "
		    "bytes (%zu of %zu)", z, max);
		for (int k = 0; k < 2; k++) {
			for (size_t i = 0; i < max; i++)
				in[i] = (unsigned char)next();
			memset(in + 50000, 0, runs[k]);
			deflate_init(&c1, 6);
			z = deflate_block(&c1, in, max, 1, out);
			t_ok(c1.stored == (k == 0) && inflates_to(out, z, in,
			    max), "random with %zu zeros (1/128 of stored: "
			    "%zu): %s (%zu bytes)", runs[k], gain, k == 0 ?
			    "stored whole" : "compressed", z);
		}
	}

	/*
	 * stored_unwritten (zblocks gives a block stored whole from its
	 * input): the same size and c->stored as without, nothing written
	 * for random input (stored at once) and level 0; a block that is
	 * not stored whole, the same bytes
	 */
	ok = 1;
	for (int kind = 0; ok && kind < 4; kind++) {
		int level = kind == 3 ? 0 : 6;
		n = max;
		if (kind == 0)
			fill_text(in, max);
		else if (kind == 1)
			n = fill_tarlike(in, max);
		else
			for (size_t i = 0; i < max; i++)
				in[i] = (unsigned char)next();
		deflate_init(&c1, level);
		z = deflate_block(&c1, in, n, kind & 1, out);
		ok = c1.stored == (kind >= 2);
		deflate_init(&c1, level);
		c1.stored_unwritten = 1;
		memset(out2, 0xa5, 64);
		z2 = deflate_block(&c1, in, n, kind & 1, out2);
		ok = ok && z2 == z && c1.stored == (kind >= 2) &&
		    (kind >= 2 ? out2[0] == 0xa5 && out2[63] == 0xa5 :
		    memcmp(out, out2, z) == 0);
		if (!ok)
			t_ok(0, "stored_unwritten, kind %d: %zu vs %zu bytes",
			    kind, z2, z);
	}
	t_ok(ok, "stored_unwritten: text and tar-like the same bytes; random "
	    "and level 0 the stored size, stored set, nothing written");
	deflate_init(&c1, 6);
	t_ok(c1.stored_unwritten == 0, "deflate_init clears stored_unwritten");

	/* random stored in one place, matched in another: 20 KiB random,
	 * 2 KiB text, the 20 KiB again */
	for (size_t i = 0; i < 20480; i++)
		in[i] = (unsigned char)next();
	fill_text(in + 20480, 2048);
	memcpy(in + 22528, in, 20480);
	n = 22528 + 20480;
	deflate_init(&c1, 6);
	z = deflate_block(&c1, in, n, 1, out);
	t_ok(z < 20480 + 2048 && inflates_to(out, z, in, n),
	    "random 20 KiB, text, the 20 KiB again: %zu bytes of %zu", z, n);

	/* random input at sizes around the chunk edges (anchors near the
	 * end; asan watches the reads): inflates back, stored whole, and
	 * level 0 gives the same bytes */
	ok = 1;
	for (size_t k = 0; ok && k < 24; k++) {
		static const size_t tail[] = { 0, 1, 7, 8, 15, 16, 31, 4095 };
		n = 4096 * (1 + k / 8 * (max / 4096 / 2 - 1)) + tail[k % 8];
		for (size_t i = 0; i < n; i++)
			in[i] = (unsigned char)next();
		for (int level = 1; ok && level <= 9; level += 4) {
			deflate_init(&c1, level);
			z = deflate_block(&c1, in, n, k & 1, out);
			deflate_init(&c1, 0);
			z2 = deflate_block(&c1, in, n, k & 1, out2);
			ok = c1.stored && z2 == stored_size(n) &&
			    (k & 1 ? inflates_to(out, z, in, n) : 1) &&
			    z <= stored_size(n) && inflates_to(out2, z2, in, n) ==
			    (int)(k & 1);
			if (!ok)
				t_ok(0, "random, %zu bytes, level %d", n, level);
		}
	}
	t_ok(ok, "random at 24 sizes around 4 KiB edges: inflate back, never "
	    "over stored; level 0: the stored form");
	/* level 0 = what deflate_block writes when it sets c->stored */
	ok = 1;
	for (int kind = 0; ok && kind < 3; kind++) {
		n = kind == 0 ? max : kind == 1 ? max - 12345 : 65535 + 3;
		for (size_t i = 0; i < n; i++)
			in[i] = (unsigned char)next();
		for (int final = 0; ok && final <= 1; final++) {
			deflate_init(&c1, 6);
			z = deflate_block(&c1, in, n, final, out);
			ok = c1.stored;
			deflate_init(&c1, 0);
			z2 = deflate_block(&c1, in, n, final, out2);
			ok = ok && c1.stored && z == z2 &&
			    memcmp(out, out2, z) == 0;
		}
	}
	fill_text(in, max);
	deflate_init(&c1, 6);
	deflate_block(&c1, in, max, 1, out);
	t_ok(ok && !c1.stored, "random, 3 sizes, final or not: stored whole, "
	    "level 0's bytes exactly; text: not stored whole");

	/* any non-zero `final` is BFINAL (a regression: 0x80 once leaked into
	 * the block header's other bits; found by fuzz_deflate) */
	memset(in, 5, 72);
	deflate_init(&c1, 4);
	z = deflate_block(&c1, in, 72, 0x80, out);
	deflate_init(&c1, 4);
	z2 = deflate_block(&c1, in, 72, 1, out2);
	t_ok(z == z2 && memcmp(out, out2, z) == 0 && inflates_to(out, z, in, 72),
	    "final 0x80 gives final 1's bytes");

	/* blocks concatenated: one stream; without `final` it ends aligned */
	{
		size_t total = 0, sizes[4] = { max, 1, 0, 77777 };
		unsigned char *all = malloc(4 * DEFLATE_BOUND(max)), *src = malloc(4 * max);
		size_t srcn = 0;
		ok = all != NULL && src != NULL;
		for (int b = 0; ok && b < 4; b++) {
			fill_text(src + srcn, sizes[b]);
			deflate_init(&c1, 6);
			z = deflate_block(&c1, src + srcn, sizes[b], b == 3, all + total);
			/* a non-final piece must not be a complete stream */
			if (b < 3 && z > 0 && inflates_to(all + total, z, src + srcn, sizes[b]))
				ok = 0;
			total += z;
			srcn += sizes[b];
		}
		t_ok(ok && inflates_to(all, total, src, srcn),
		    "four blocks (full, 1 byte, empty, 77777) concatenated inflate "
		    "as one stream, BFINAL on the last only");
		deflate_init(&c1, 6);
		t_ok(deflate_block(&c1, src, 0, 0, all) == 0,
		    "an empty block without final: no bytes at all");
		free(all);
		free(src);
	}
	free(in);
	free(out);
	free(out2);
	return t_done();
}
