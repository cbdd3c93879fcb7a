/*
 * deflate.c: independent deflate blocks. See deflate.h; RFC 1951 for the
 * format (section 3.2.5 for the length and distance codes, 3.2.7 dynamic
 * Huffman codes, 3.2.4 stored blocks).
 *
 * The pieces, in the order data goes through them: an incompressibility
 * test (a sampled histogram, a repeat probe), the match finder (hash
 * chains, greedy or lazy) filling the symbol buffer, then per buffer of
 * symbols the choice of a block form by its exact size in bits, and the
 * bit writer.
 */
#include "deflate.h"

#include <string.h>
#if defined(__SSE2__) && defined(__x86_64__)
#include <emmintrin.h>
#endif

#define MIN_MATCH 3
#define MAX_MATCH 258
#define STORED_MAX 65535

/*
 * A block that its deflate form would shrink by less than 1/128 of its
 * stored form is stored whole. Such a block is random files with a few
 * tar headers between them (headers save about 400 bytes each): stored
 * whole, the send pass sends it from the files (sendfile over plain
 * HTTP, read into the TLS buffer over HTTPS) instead of compressing it
 * again, for at most 0.8% more bytes on such blocks and none on any
 * other.
 */
#define STORE_UNLESS_SAVES 128

/* A symbol: a literal (< 256), or LEN_FLAG | length << 16 | distance. */
#define LEN_FLAG 0x80000000u

/*
 * Per level: how hard the match finder looks. Measured on text results
 * (bench B10): with chains of 4-byte prefixes, a tenth of gzip's chain
 * lengths gives gzip's bytes.
 */
static const struct {
	uint16_t chain;         /* candidates tried at most */
	uint16_t nice;          /* a match this long ends the search */
	uint16_t good;          /* lazy: a match this long quarters the
				   second look's chain */
	uint16_t lazy;          /* lazy: no second look past this length;
				   greedy: matches longer than this are not
				   added to the chains past their start */
	uint8_t greedy;
	uint8_t min;            /* shortest match looked for: 5 at the fast
				   levels (text: a 4-byte match rarely beats
				   4 literals, and chains of 5-byte prefixes
				   are shorter), 4 at 7..9 */
} params[10] = {
	{ 0, 0, 0, 0, 1, 5 },
	{ 4, 8, 0, 8, 1, 5 }, { 8, 16, 0, 16, 1, 5 },
	{ 4, 16, 4, 258, 0, 5 }, { 4, 32, 8, 258, 0, 5 },
	{ 5, 32, 8, 258, 0, 5 }, { 6, 32, 8, 258, 0, 5 },
	{ 32, 64, 32, 258, 0, 4 }, { 128, 258, 64, 258, 0, 4 },
	{ 1024, 258, 258, 258, 0, 4 }
};

/* Length codes 257..285: base length and extra bits (3.2.5). */
static const uint16_t len_base[29] = {
	3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51,
	59, 67, 83, 99, 115, 131, 163, 195, 227, 258
};
static const uint8_t len_extra[29] = {
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4,
	4, 5, 5, 5, 5, 0
};
/* Distance codes 0..29: base distance and extra bits. */
static const uint16_t dist_base[30] = {
	1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385,
	513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577
};
/* The code-length code's order of transmission (3.2.7). */
static const uint8_t cl_order[19] = {
	16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15
};

static unsigned
dist_extra(unsigned code)
{
	return code < 4 ? 0 : (code - 2) / 2;
}

/* The code of a length, of a distance: tables that deflate_init fills. */
static unsigned
len_code(const deflate_ctx *c, unsigned len)
{
	return c->len_code[len];
}

static unsigned
dist_code(const deflate_ctx *c, unsigned d)
{
	return c->dist_code[d <= 256 ? d - 1 : 256 + ((d - 1) >> 7)];
}

/* ---- bits ---- */

/*
 * The bit writer: LSB first (3.1.1), whole 32-bit words written as soon as
 * they are complete, so a code costs a shift and an or. Bits above n in
 * buf are always 0 (every value fits its width).
 */
typedef struct {
	unsigned char *out;
	size_t pos;
	uint64_t buf;
	unsigned n;             /* bits in buf, < 32 between calls */
} bits;

static void
put_bits(bits *b, uint32_t v, unsigned n)
{
	b->buf |= (uint64_t)v << b->n;
	b->n += n;
	if (b->n >= 32) {
		unsigned char *o = b->out + b->pos;
		o[0] = (unsigned char)b->buf;
		o[1] = (unsigned char)(b->buf >> 8);
		o[2] = (unsigned char)(b->buf >> 16);
		o[3] = (unsigned char)(b->buf >> 24);
		b->pos += 4;
		b->buf >>= 32;
		b->n -= 32;
	}
}

/* Pads to a byte with zero bits and writes every pending byte. */
static void
align(bits *b)
{
	for (b->n = (b->n + 7) & ~7u; b->n > 0; b->n -= 8) {
		b->out[b->pos++] = (unsigned char)b->buf;
		b->buf >>= 8;
	}
}

/* ---- Huffman codes ---- */

/*
 * Code lengths for freq[0..n) limited to `limit` bits, into len[]:
 * Moffat and Katajainen's in-place minimum-redundancy lengths over the
 * symbols sorted by frequency, then the lengths over the limit folded
 * back (the Kraft sum repaired from the longest codes up), then handed
 * out to the symbols from the rarest. Symbols of frequency 0 get 0. At
 * least two symbols always get a code (a lone code would be 1 bit anyway,
 * and some inflaters want a complete code).
 */
static void
huff_lengths(const uint16_t *freq, unsigned n, unsigned limit, uint8_t *len)
{
	uint32_t a[288];
	uint16_t sym[288];
	unsigned count[33] = { 0 }, m = 0, used = 0, forced;

	for (unsigned i = 0; i < n; i++) {
		len[i] = 0;
		if (freq[i] != 0)
			used++;
	}
	forced = used < 2 ? 2 - used : 0;
	/* sorted by frequency, ties by symbol: keys frequency << 9 | symbol
	 * (all distinct: any sort gives the same order), Shell's sort (gaps
	 * 121, 40, 13, 4, 1): an insertion sort's moves were a fifth of the
	 * instructions spent on B4's small random files, one sort per tar
	 * header */
	for (unsigned i = 0; i < n; i++) {
		unsigned f = freq[i];
		if (f == 0) {
			if (forced == 0)
				continue;
			forced--;
			f = 1;          /* one of the two codes always given */
		}
		a[m++] = (uint32_t)f << 9 | i;
	}
	for (unsigned gap = 121; gap > 0; gap /= 3)
		for (unsigned i = gap; i < m; i++) {
			uint32_t k = a[i];
			unsigned j = i;
			for (; j >= gap && a[j - gap] > k; j -= gap)
				a[j] = a[j - gap];
			a[j] = k;
		}
	for (unsigned i = 0; i < m; i++) {
		sym[i] = (uint16_t)(a[i] & 511);
		a[i] >>= 9;
	}
	if (m < 2)
		return;         /* n < 2: never asked */
	/* in-place minimum redundancy (the tree's internal nodes in a[]) */
	{
		int root = 0, leaf = 2, next, avail, depth, u;
		a[0] += a[1];
		for (next = 1; next < (int)m - 1; next++) {
			if (leaf >= (int)m || a[root] < a[leaf]) {
				a[next] = a[root];
				a[root++] = (uint32_t)next;
			} else
				a[next] = a[leaf++];
			if (leaf >= (int)m || (root < next && a[root] < a[leaf])) {
				a[next] += a[root];
				a[root++] = (uint32_t)next;
			} else
				a[next] += a[leaf++];
		}
		a[m - 2] = 0;
		for (next = (int)m - 3; next >= 0; next--)
			a[next] = a[a[next]] + 1;
		avail = 1;
		u = depth = 0;
		root = (int)m - 2;
		next = (int)m - 1;
		while (avail > 0) {
			while (root >= 0 && (int)a[root] == depth) {
				u++;
				root--;
			}
			while (avail > u) {
				count[depth < 32 ? depth : 32]++;
				next--;
				avail--;
			}
			avail = 2 * u;
			depth++;
			u = 0;
		}
	}
	/* fold lengths over the limit back under it, keeping Kraft's sum 1 */
	{
		uint32_t total = 0;
		for (unsigned i = limit + 1; i <= 32; i++) {
			count[limit] += count[i];
			count[i] = 0;
		}
		for (unsigned i = limit; i > 0; i--)
			total += count[i] << (limit - i);
		while (total > (1u << limit)) {
			count[limit]--;
			for (unsigned i = limit - 1; i > 0; i--)
				if (count[i] != 0) {
					count[i]--;
					count[i + 1] += 2;
					break;
				}
			total--;
		}
	}
	/* the longest codes to the rarest symbols */
	for (unsigned l = limit, i = 0; l > 0; l--)
		for (unsigned k = count[l]; k > 0; k--)
			len[sym[i++]] = (uint8_t)l;
}

/* Canonical codes from lengths (3.2.2), bit-reversed for LSB-first. */
static void
huff_codes(const uint8_t *len, unsigned n, uint16_t *code)
{
	unsigned count[16] = { 0 }, next[16], c = 0;

	for (unsigned i = 0; i < n; i++)
		count[len[i]]++;
	count[0] = 0;
	for (unsigned l = 1; l < 16; l++) {
		c = (c + count[l - 1]) << 1;
		next[l] = c;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned v, r = 0;
		if (len[i] == 0)
			continue;
		v = next[len[i]]++;
		for (unsigned k = 0; k < len[i]; k++, v >>= 1)
			r = (r << 1) | (v & 1);
		code[i] = (uint16_t)r;
	}
}

/* ---- the code-length code (3.2.7) ---- */

/*
 * The run-length form of the literal/length then distance lengths: each
 * item is a code 0..18 in bits 0..4 and its extra value from bit 8.
 */
static unsigned
cl_runs(const uint8_t *lens, unsigned n, uint16_t *items, uint16_t *freq)
{
	unsigned k = 0;

	memset(freq, 0, 19 * sizeof *freq);
	for (unsigned i = 0; i < n;) {
		unsigned l = lens[i], run = 1;
		while (i + run < n && lens[i + run] == l)
			run++;
		i += run;
		if (l == 0) {
			while (run >= 11) {
				unsigned r = run > 138 ? 138 : run;
				items[k++] = (uint16_t)(18 | (r - 11) << 8);
				freq[18]++;
				run -= r;
			}
			if (run >= 3) {
				items[k++] = (uint16_t)(17 | (run - 3) << 8);
				freq[17]++;
				run = 0;
			}
		} else {
			items[k++] = (uint16_t)l;
			freq[l]++;
			run--;
			while (run >= 3) {
				unsigned r = run > 6 ? 6 : run;
				items[k++] = (uint16_t)(16 | (r - 3) << 8);
				freq[16]++;
				run -= r;
			}
		}
		for (; run > 0; run--) {
			items[k++] = (uint16_t)l;
			freq[l]++;
		}
	}
	return k;
}

/* ---- blocks ---- */

/* Everything a dynamic block's header needs, with its size in bits. */
typedef struct {
	unsigned hlit, hdist, hclen, nitems;
	uint16_t items[288 + 32];
	uint8_t cllen[19];
	uint16_t clcode[19];
} dyn_header;

static const uint8_t cl_extra[3] = { 2, 3, 7 };

static uint64_t
dyn_header_build(deflate_ctx *c, dyn_header *h)
{
	uint8_t lens[288 + 32];
	uint16_t clfreq[19];
	uint64_t cost;

	h->hlit = 286;
	while (h->hlit > 257 && c->llen[h->hlit - 1] == 0)
		h->hlit--;
	h->hdist = 30;
	while (h->hdist > 1 && c->dlen[h->hdist - 1] == 0)
		h->hdist--;
	memcpy(lens, c->llen, h->hlit);
	memcpy(lens + h->hlit, c->dlen, h->hdist);
	h->nitems = cl_runs(lens, h->hlit + h->hdist, h->items, clfreq);
	huff_lengths(clfreq, 19, 7, h->cllen);
	huff_codes(h->cllen, 19, h->clcode);
	h->hclen = 19;
	while (h->hclen > 4 && h->cllen[cl_order[h->hclen - 1]] == 0)
		h->hclen--;
	cost = 3 + 5 + 5 + 4 + 3 * (uint64_t)h->hclen;
	for (unsigned i = 0; i < 19; i++)
		cost += (uint64_t)clfreq[i] * (h->cllen[i] +
		    (i >= 16 ? cl_extra[i - 16] : 0));
	return cost;
}

/* Bits of the block's symbols under code lengths ll/dl (no header). */
static uint64_t
symbol_bits(const deflate_ctx *c, const uint8_t *ll, const uint8_t *dl)
{
	uint64_t bitsum = 0;

	for (unsigned i = 0; i < 286; i++)
		bitsum += (uint64_t)c->lfreq[i] * (ll[i] +
		    (i > 256 ? len_extra[i - 257] : 0));
	for (unsigned i = 0; i < 30; i++)
		bitsum += (uint64_t)c->dfreq[i] * (dl[i] + dist_extra(i));
	return bitsum;
}

/* The block's symbols and its end, with the codes in c. */
static void
put_symbols(deflate_ctx *c, bits *b, size_t nsym)
{
	for (size_t i = 0; i < nsym; i++) {
		uint32_t s = c->sym[i];
		if (!(s & LEN_FLAG)) {
			put_bits(b, c->lcode[s], c->llen[s]);
		} else {
			/* each code with its extra bits: at most 15 + 13 */
			unsigned len = (s >> 16) & 0x1ff, d = s & 0xffff;
			unsigned lc = len_code(c, len), dc = dist_code(c, d);
			put_bits(b, c->lcode[257 + lc] |
			    (len - len_base[lc]) << c->llen[257 + lc],
			    c->llen[257 + lc] + len_extra[lc]);
			put_bits(b, c->dcode[dc] |
			    (d - dist_base[dc]) << c->dlen[dc],
			    c->dlen[dc] + dist_extra(dc));
		}
	}
	put_bits(b, c->lcode[256], c->llen[256]);
}

/* Stored blocks for in[0..n), the last one with BFINAL when `last`. */
static void
put_stored(bits *b, const unsigned char *in, size_t n, int last)
{
	do {
		size_t k = n < STORED_MAX ? n : STORED_MAX;
		put_bits(b, last && k == n, 3);
		align(b);
		put_bits(b, (uint32_t)k, 16);
		put_bits(b, (uint32_t)~k & 0xffff, 16);
		memcpy(b->out + b->pos, in, k);
		b->pos += k;
		in += k;
		n -= k;
	} while (n > 0);
}

/* Bits stored blocks for n bytes take, from a writer with `pending` bits. */
static uint64_t
stored_bits(size_t n, unsigned pending)
{
	uint64_t blocks = n == 0 ? 1 : (n + STORED_MAX - 1) / STORED_MAX;

	/* the first header's 3 bits and its padding, LEN and NLEN, the
	 * bytes; each further block a byte of header, LEN and NLEN */
	return 3 + (8 - (pending + 3) % 8) % 8 + 32 + 8 * (uint64_t)n +
	    (blocks - 1) * 40;
}

/* The fixed Huffman code's lengths (3.2.6): literal/length, distance. */
static void
fixed_lengths(uint8_t *ll, uint8_t *dl)
{
	for (unsigned i = 0; i < 288; i++)
		ll[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
	memset(dl, 5, 32);
}

#define FEW_SYMS 128

/*
 * Ends a deflate block of nsym symbols over in[0..n): dynamic Huffman
 * (of FEW_SYMS symbols or more), fixed Huffman or stored, whichever is
 * smallest, by exact sizes in bits (fixed wins for short blocks, where a
 * dynamic header does not pay).
 * `limit`: the writer must stay at or under this many bytes, else 0 is
 * returned (the caller stores the whole input).
 */
static int
flush_block(deflate_ctx *c, bits *b, const unsigned char *in, size_t n,
    size_t nsym, int last, size_t limit)
{
	dyn_header h;
	uint8_t fll[288], fdl[32];
	uint64_t dyn, fix, sto, best;

	c->lfreq[256] = 1;
	fixed_lengths(fll, fdl);
	/* below FEW_SYMS symbols (a tar header and its padding between
	 * stored stretches) a dynamic block's code tables cost about what
	 * they save, and building them was a quarter of the CPU spent on a
	 * tree of small random files: fixed or stored then */
	dyn = UINT64_MAX;
	if (nsym >= FEW_SYMS) {
		huff_lengths(c->lfreq, 286, 15, c->llen);
		huff_lengths(c->dfreq, 30, 15, c->dlen);
		/* never-used 286, 287, 30 and 31: no code (a fixed block's
		 * lengths may be left there, and they would shift the
		 * canonical codes) */
		c->llen[286] = c->llen[287] = c->dlen[30] = c->dlen[31] = 0;
		dyn = dyn_header_build(c, &h) +
		    symbol_bits(c, c->llen, c->dlen);
	}
	fix = 3 + symbol_bits(c, fll, fdl);
	sto = stored_bits(n, b->n);
	best = sto < dyn ? sto : dyn;
	best = fix < best ? fix : best;
	if (b->pos + (b->n + best + 7) / 8 > limit)
		return 0;
	if (best == sto) {
		put_stored(b, in, n, last);
	} else {
		if (best == fix) {
			memcpy(c->llen, fll, sizeof fll);
			memcpy(c->dlen, fdl, sizeof fdl);
			put_bits(b, (uint32_t)last | 1u << 1, 3);
		} else {
			put_bits(b, (uint32_t)last | 2u << 1, 3);
			put_bits(b, h.hlit - 257, 5);
			put_bits(b, h.hdist - 1, 5);
			put_bits(b, h.hclen - 4, 4);
			for (unsigned i = 0; i < h.hclen; i++)
				put_bits(b, h.cllen[cl_order[i]], 3);
			for (unsigned i = 0; i < h.nitems; i++) {
				unsigned code = h.items[i] & 31;
				put_bits(b, h.clcode[code], h.cllen[code]);
				if (code >= 16)
					put_bits(b, h.items[i] >> 8,
					    cl_extra[code - 16]);
			}
		}
		huff_codes(c->llen, 288, c->lcode);
		huff_codes(c->dlen, 32, c->dcode);
		put_symbols(c, b, nsym);
	}
	memset(c->lfreq, 0, sizeof c->lfreq);
	memset(c->dfreq, 0, sizeof c->dfreq);
	return 1;
}

/* ---- matches ---- */

/* The 4 bytes at p as a little-endian number (the same on every target). */
static uint32_t
get32(const unsigned char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint32_t v;

	memcpy(&v, p, 4);       /* one load where the order is already right */
	return v;
#else
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
#endif
}

/*
 * Chains link positions whose next `min` bytes (4 or 5, by level) hash
 * alike: shorter matches are not looked for (they rarely pay for their
 * length and distance codes), and the chains hold far fewer candidates
 * that cannot be used.
 */
static uint32_t
hash(const unsigned char *p, unsigned min)
{
	uint32_t v = get32(p) * 0x9E3779B1u;

	if (min > 4)
		v ^= get32(p + 1) * 0x85EBCA77u;        /* and the fifth byte */
	return v >> (32 - DEFLATE_HASH_BITS);
}

/* Bytes in common at a and b, at most max. */
static unsigned
common(const unsigned char *a, const unsigned char *b, unsigned max)
{
	unsigned n = 0;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	/* 8 bytes at a time: the first difference is the lowest set byte */
	while (n + 8 <= max) {
		uint64_t x, y;
		memcpy(&x, a + n, 8);
		memcpy(&y, b + n, 8);
		if (x != y)
			return n + (unsigned)__builtin_ctzll(x ^ y) / 8;
		n += 8;
	}
#endif
	while (n < max && a[n] == b[n])
		n++;
	return n;
}

/* Adds positions from..to-1 (those with c->min bytes left of n) to the
 * chains. */
static void
insert(deflate_ctx *c, const unsigned char *in, size_t from, size_t to,
    size_t n)
{
	/* (min in a local: the stores below may alias c->min) */
	unsigned min = c->min;

	if (n < min)
		return;
	if (to > n - min + 1)
		to = n - min + 1;
	for (size_t p = from; p < to; p++) {
		uint32_t h = hash(in + p, min), old = c->head[h];
		c->prev[p & (DEFLATE_WSIZE - 1)] = (uint16_t)(old != 0 &&
		    p - (old - 1) < DEFLATE_WSIZE ? p - (old - 1) : 0);
		c->head[h] = (uint32_t)p + 1;
	}
}

/*
 * The longest match for p among the earlier positions of its chain (p
 * already inserted, c->min <= max <= bytes left), longer than `best`: its
 * length (0: none), distance in *dist. A candidate is compared whole only
 * when its first c->min bytes and its byte at `best` agree.
 */
static unsigned
longest(const deflate_ctx *c, const unsigned char *in, size_t p,
    unsigned max, unsigned best, unsigned chain, unsigned nice,
    unsigned *dist)
{
	const unsigned char *cur = in + p;
	uint32_t first = get32(cur);
	unsigned found = 0;
	size_t cand = p;

	if (best >= max)
		return 0;
	if (nice > max)
		nice = max;
	while (chain-- > 0) {
		unsigned d = c->prev[cand & (DEFLATE_WSIZE - 1)], l;
		const unsigned char *m;
		if (d == 0 || p - (cand - d) > DEFLATE_WSIZE)
			break;
		cand -= d;
		m = in + cand;
		if (m[best] != cur[best] || get32(m) != first ||
		    m[c->min - 1] != cur[c->min - 1])
			continue;
		l = c->min + common(m + c->min, cur + c->min, max - c->min);
		if (l > best) {
			best = found = l;
			*dist = (unsigned)(p - cand);
			if (l >= nice)
				break;
		}
	}
	return found;
}

static void
add_literal(deflate_ctx *c, size_t *nsym, unsigned char v)
{
	c->sym[(*nsym)++] = v;
	c->lfreq[v]++;
}

static void
add_match(deflate_ctx *c, size_t *nsym, unsigned len, unsigned dist)
{
	c->sym[(*nsym)++] = LEN_FLAG | (uint32_t)len << 16 | dist;
	c->lfreq[257 + len_code(c, len)]++;
	c->dfreq[dist_code(c, dist)]++;
}

/*
 * Incompressible stretches that the chunks below do not catch (shorter
 * than a chunk, or in one with a tar header): after MISS_RUN positions
 * in a row without a match, positions are passed over as literals without
 * a search, more of them the longer the misses last (1 more every 8, at
 * most 64 at once; the next match ends it). They still join the chains,
 * so a later repeat of them is found. Text rarely goes 128 bytes without
 * a match, so its bytes hardly change; random bytes cost a literal's
 * bookkeeping and a chain insertion instead of a chain walk.
 */
#define MISS_RUN 128

static void
skip_literals(deflate_ctx *c, const unsigned char *in, size_t *p, size_t n,
    size_t *nsym, unsigned *misses)
{
	size_t k;

	if (++*misses <= MISS_RUN)
		return;
	k = (*misses - MISS_RUN) / 8;
	k = k > 64 ? 64 : k;
	if (k > n - *p)
		k = n - *p;
	if (k > DEFLATE_SYMS - 2 - *nsym)
		k = DEFLATE_SYMS - 2 - *nsym;
	/* in the chains still: a repeat of these bytes further on is found */
	insert(c, in, *p, *p + k, n);
	while (k-- > 0)
		add_literal(c, nsym, in[(*p)++]);
}

/* The 8 bytes at p as a little-endian number (the same on every target). */
static uint64_t
get64(const unsigned char *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
#else
	return get32(p) | (uint64_t)get32(p + 4) << 32;
#endif
}

/*
 * Random stretches (compressed files in the tree, random data, small
 * random files between tar headers) are written as stored blocks, never
 * searched nor added to the chains. The block is looked at in chunks of
 * CHUNK bytes at fixed offsets; a chunk is random when
 *   - its byte counts are near flat: over a sample of every 17th byte (17:
 *     every lane of 2^k-byte records), at most 3x the collisions (the sum
 *     of squared counts) of a flat histogram. Random bytes give 2.06x
 *     (10 standard deviations away), text 9x and more, a tar header's
 *     zeros about 4x; and
 *   - none of its anchors (the positions holding the byte 0x5a, one in 256
 *     of random bytes) starts 8 bytes seen at an anchor within the window
 *     before, in this chunk or an earlier random-looking one. Anchors are
 *     chosen by content, so a repeat at any distance brings its anchors
 *     with it (random bytes repeated compress).
 * Runs of random chunks make a stretch, and so do the random EDGE-byte
 * pieces of the chunks on either side of it, every byte of a piece
 * counted (a small compressed file between tar headers seldom starts or
 * ends on a chunk: its first and last chunks were deflated, a search per
 * byte, half the CPU of a tree of such files). Integer arithmetic only,
 * and one order of looking: the same answer on every target. A block
 * made of random chunks is stored whole, at several GB/s (a sample, a
 * word scan and a copy).
 */
#define CHUNK 4096
#define EDGE 512

#if defined(__ARM_NEON)
/* 16 bytes as one vector, compared in one instruction (GCC, clang). */
typedef unsigned char v16 __attribute__((vector_size(16)));

/* Whether in[0..32) holds a byte 0x5a. */
static int
has_anchor32(const unsigned char *in)
{
	v16 a, b, k = { 0 };
	uint64_t any[2];

	k += 0x5a;
	memcpy(&a, in, 16);
	memcpy(&b, in + 16, 16);
	a = (v16)((a == k) | (b == k));
	memcpy(any, &a, 16);
	return (any[0] | any[1]) != 0;
}
#endif

/* Records the anchor at in[p]; whether its 8 bytes were seen at an earlier
 * anchor within the window. */
static int
anchor_repeats(deflate_ctx *c, const unsigned char *in, size_t p)
{
	uint64_t k = get64(in + p);
	uint32_t *at = &c->seen[(k * 0x9E3779B97F4A7C15u) >> 54];
	int rep = *at != 0 && p - (*at - 1) <= DEFLATE_WSIZE &&
	    get64(in + *at - 1) == k;

	/* (all recorded: a later repeat finds the latest) */
	*at = (uint32_t)p + 1;
	return rep;
}

/*
 * Whether in[q..q+len) is whole and random: flat over a sample of every
 * step-th byte, and no 8 bytes at an anchor in it were seen at an earlier
 * anchor within the window (c->seen: their hash to their position + 1,
 * kept from chunk to chunk). A range flat but with a repeat sets c->repeat
 * (deflate_block clears it). Anchors are looked at in order, before `end`:
 * none in the block's last 8 to 15 bytes (where the word-at-a-time first
 * version stopped: the same anchors, the same archive bytes).
 */
static int
random_range(deflate_ctx *c, const unsigned char *in, size_t q, size_t len,
    size_t step, size_t n)
{
	uint16_t h[256] = { 0 };
	/* the sum of squared counts, grown one sample at a time: once past
	 * the bound it stays past it (text leaves early) */
	uint32_t sq = 0, m = (uint32_t)((len + step - 1) / step);
	size_t end;
	int repeat = 0;

	if (q + len > n)
		return 0;
	for (size_t i = 0; i < len; i += step) {
		sq += 2u * h[in[q + i]]++ + 1;
		if (sq * 256 > 3 * m * m)
			return 0;
	}
	end = n - q - 8 < len ? q + ((n - q - 8) & ~(size_t)7) : q + len;
#if defined(__SSE2__) && defined(__x86_64__)
	/* 16 bytes compared at once; the bits of the 0x5a bytes in order */
	for (size_t w = q; w < end; w += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(in + w));
		unsigned mask = (unsigned)_mm_movemask_epi8(
		    _mm_cmpeq_epi8(v, _mm_set1_epi8(0x5a)));
		for (; mask != 0; mask &= mask - 1) {
			size_t p = w + (unsigned)__builtin_ctz(mask);
			if (p < end && anchor_repeats(c, in, p))
				repeat = c->repeat = 1;
		}
	}
#else
	for (size_t w = q; w < end; w += 8) {
#if defined(__ARM_NEON)
		/* 32 bytes without a 0x5a: passed at once */
		if (w % 32 == 0 && w + 32 <= n && !has_anchor32(in + w)) {
			w += 24;
			continue;
		}
#endif
		/* the 0x5a bytes of the word: each high bit exact (no carry
		 * crosses a byte: the low 7 bits are added alone) */
		uint64_t v = get64(in + w) ^ 0x5a5a5a5a5a5a5a5au;
		uint64_t x = ~(((v & 0x7f7f7f7f7f7f7f7fu) +
		    0x7f7f7f7f7f7f7f7fu) | v) & 0x8080808080808080u;
		for (; x != 0; x &= x - 1) {
			size_t p = w + (unsigned)__builtin_ctzll(x) / 8;
			if (anchor_repeats(c, in, p))
				repeat = c->repeat = 1;
		}
	}
#endif
	return !repeat;
}

/* Whether the chunk at in[q..) is random (17: every lane of 2^k-byte
 * records). */
static int
random_chunk(deflate_ctx *c, const unsigned char *in, size_t q, size_t n)
{
	return random_range(c, in, q, CHUNK, 17, n);
}

/*
 * Whether the EDGE bytes at in[q..) are random, every byte counted: a
 * stretch's first and last chunks seldom start and end it (small
 * compressed files between tar headers), so the chunks next to it are
 * looked at in EDGE-byte pieces too. Random bytes give 1.5x a flat
 * histogram's collisions, 34 standard deviations from the bound.
 */
static int
random_edge(deflate_ctx *c, const unsigned char *in, size_t q, size_t n)
{
	return random_range(c, in, q, EDGE, 1, n);
}

/*
 * Where the next random stretch starts: the first random chunk from q (a
 * chunk's start, or past n) on, and the random EDGE pieces of the chunk
 * before it, not before lo; n: none.
 */
static size_t
next_random(deflate_ctx *c, const unsigned char *in, size_t q, size_t lo,
    size_t n)
{
	while (q < n && !random_chunk(c, in, q, n))
		q += CHUNK;
	if (q >= n)
		return n;
	for (size_t k = 1; k < CHUNK / EDGE && q >= lo + EDGE &&
	    random_edge(c, in, q - EDGE, n); k++)
		q -= EDGE;
	return q;
}

void
deflate_init(deflate_ctx *c, int level)
{
	c->level = level < 0 ? 0 : level > 9 ? 9 : level;
	c->stored_unwritten = 0;
	c->min = params[c->level].min;
	/* the codes from their bases, lengths and distances in order; a
	 * distance over 256 has the code of its (d-1)>>7 bucket (zlib's) */
	for (unsigned i = 0, k = 0; i < 259; i++) {
		while (k < 28 && len_base[k + 1] <= i)
			k++;
		c->len_code[i] = (uint8_t)k;
	}
	for (unsigned i = 0, k = 0; i < 512; i++) {
		while (k < 29 && dist_base[k + 1] <= (i < 256 ? i + 1 :
		    ((i - 256) << 7) + 1))
			k++;
		c->dist_code[i] = (uint8_t)k;
	}
}

size_t
deflate_block(deflate_ctx *c, const unsigned char *in, size_t n, int final,
    unsigned char *out)
{
	unsigned chain = params[c->level].chain, nice = params[c->level].nice;
	unsigned good = params[c->level].good, lazy = params[c->level].lazy;
	int greedy = params[c->level].greedy;
	/* stored whole, less what a block must save to stay compressed:
	 * the size never to pass */
	size_t stored = n + 5 * ((n + STORED_MAX - 1) / STORED_MAX);
	size_t limit = stored - stored / STORE_UNLESS_SAVES;
	bits b = { out, 0, 0, 0 };
	/* seg: where the next random stretch starts (n: none); stop:
	 * where it ends; next: the chunk after it */
	size_t p = 0, start = 0, nsym = 0, seg, stop, next;
	unsigned prev_len = 0, prev_dist = 0, misses = 0;
	int have_prev = 0;

	final = final != 0;     /* it becomes the BFINAL bit */
	c->stored = 0;
	if (n == 0) {
		if (final)
			put_bits(&b, 1 | 1 << 1, 3 + 7);  /* fixed, EOB only */
		align(&b);
		return b.pos;
	}
	if (c->level == 0)
		goto store;
	/* nothing of an earlier call may reach this one's matches */
	memset(c->head, 0, sizeof c->head);
	memset(c->lfreq, 0, sizeof c->lfreq);
	memset(c->dfreq, 0, sizeof c->dfreq);
	memset(c->seen, 0, sizeof c->seen);
	seg = next_random(c, in, 0, 0, n);
	while (p < n) {
		unsigned len = 0, dist = 0;

		if (p == seg) {
			/* a random stretch: the chunks after the one it
			 * starts in (or before) too */
			c->repeat = 0;
			for (stop = (p + CHUNK - 1) / CHUNK * CHUNK + CHUNK;
			    random_chunk(c, in, stop, n); stop += CHUNK)
				;
			/* (the chunk at stop is not random: looked at once;
			 * its random pieces join the stretch) */
			next = stop + CHUNK;
			while (stop + EDGE < next && random_edge(c, in, stop, n))
				stop += EDGE;
			/* stored, after the deflate block flushed below;
			 * random throughout: level 0's bytes */
			if (stop - p == n || b.pos + (b.n + stored_bits(stop -
			    p, b.n) + 7) / 8 > limit)
				goto store;
			put_stored(&b, in + p, stop - p, final && stop == n);
			seg = next_random(c, in, next, stop, n);
			/* a flat chunk that repeats before the next stretch,
			 * maybe this one: its last 32 KiB join the chains */
			if (c->repeat)
				insert(c, in, stop - p > DEFLATE_WSIZE ?
				    stop - DEFLATE_WSIZE : p, stop, n);
			p = start = stop;
			misses = 0;
			continue;
		}

		if (p + c->min <= seg) {
			unsigned max = seg - p < MAX_MATCH ? (unsigned)(seg - p) :
			    MAX_MATCH;
			insert(c, in, p, p + 1, seg);
			if (greedy)
				len = longest(c, in, p, max, 3, chain, nice,
				    &dist);
			else if (prev_len < lazy)
				len = longest(c, in, p, max,
				    prev_len > 3 ? prev_len : 3,
				    prev_len >= good ? chain / 4 : chain, nice,
				    &dist);
		}
		if (greedy) {
			if (len != 0) {
				add_match(c, &nsym, len, dist);
				/* the match's other positions join the chains,
				 * unless it is long (fast levels) */
				if (len <= lazy)
					insert(c, in, p + 1, p + len, seg);
				p += len;
				misses = 0;
			} else {
				add_literal(c, &nsym, in[p++]);
				skip_literals(c, in, &p, seg, &nsym, &misses);
			}
		} else if (have_prev && len <= prev_len) {
			/* the match found one byte back is the better one */
			add_match(c, &nsym, prev_len, prev_dist);
			insert(c, in, p + 1, p - 1 + prev_len, seg);
			p += prev_len - 1;
			have_prev = 0;
			prev_len = 0;
			misses = 0;
		} else {
			if (have_prev)
				add_literal(c, &nsym, in[p - 1]);
			have_prev = len != 0;
			if (!have_prev)
				add_literal(c, &nsym, in[p]);
			prev_len = len;
			prev_dist = dist;
			p++;
			if (have_prev)
				misses = 0;
			else
				skip_literals(c, in, &p, seg, &nsym, &misses);
		}
		/*
		 * A full symbol buffer ends a deflate block; a match still
		 * pending (lazy: found at p - 1) goes to the next one. So do
		 * a random stretch and the end (nothing is pending there: no
		 * match starts in a segment's last c->min - 1 bytes).
		 */
		if (nsym >= DEFLATE_SYMS - 2 || p == seg) {
			size_t end = have_prev ? p - 1 : p;
			if (!flush_block(c, &b, in + start, end - start, nsym,
			    final && end == n, limit))
				goto store;
			start = end;
			nsym = 0;
		}
	}
	if (!final && b.n % 8 != 0) {
		/* an empty stored block byte-aligns the stream (sync flush) */
		put_bits(&b, 0, 3);
		align(&b);
		put_bits(&b, 0, 16);
		put_bits(&b, 0xffff, 16);
	}
	align(&b);
	if (b.pos <= limit)
		return b.pos;
store:
	c->stored = 1;
	if (c->stored_unwritten)
		return stored;
	b = (bits){ out, 0, 0, 0 };
	put_stored(&b, in, n, final);
	return b.pos;
}
