/*
 * inflate.c: RFC 1951 decompression, streaming. See inflate.h.
 *
 * Shape of puff.c: one piece per block type (stored(), dynamic(), codes();
 * a fixed block is codes() over build_fixed()'s tables), every error its
 * own code; inflate_feed() only hands the input to the piece that the
 * state names. Speed of table decoding: each Huffman code is looked up in
 * a root table of 2^9 (literal/length) or 2^6 (distance) entries, with one
 * level of sub-tables for longer codes (as zlib's inflate_table does, so
 * zlib's ENOUGH bounds hold).
 *
 * Streaming: the input may stop anywhere. Bits are kept in a 64-bit buffer;
 * each item (block header, a code with its extra bits) is decoded only when
 * all of its bits are there, otherwise the state is kept and feed returns.
 * So when input runs out every buffered bit belongs to the stream, and when
 * the stream ends the whole bytes left in the buffer came from this call's
 * input: they are given back (the caller's gzip trailer).
 *
 * Output: decoded bytes go to win[], which holds the 32 KiB history and the
 * bytes not yet handed to out(). When it fills up to 64 KiB, its head is
 * flushed and the last 32 KiB moved to the front, so a match never wraps.
 */
#include <stddef.h>
#include <string.h>

#include "inflate.h"

/* Where the stream stopped (z->state), by the piece that goes on there. */
enum {
	ST_HEAD,                        /* header(): the next block's header */
	ST_STORED, ST_COPY,             /* stored(): LEN/NLEN; the bytes */
	ST_TABLE, ST_CLENS, ST_CODELENS, /* dynamic(): counts; the code-length
	                                 * code; the code lengths */
	ST_CODES, ST_DIST,              /* codes(): the next symbol; a match's
	                                 * distance */
	ST_DONE                         /* the final block ended */
};

#define LIMIT (2 * INFLATE_WSIZE)   /* slide the window when wpos gets here */
#define LEN_ROOT 9
#define DIST_ROOT 6
#define CL_ROOT 7

/*
 * A table entry: val << 16 | op << 8 | bits. bits: how many bits the code
 * takes (in a root entry that links, the root bits).
 */
enum {
	OP_LIT = 0x00,      /* val is a literal byte, or a code-length symbol */
	OP_BASE = 0x10,     /* | extra bits; val is a length or distance base */
	OP_EOB = 0x20,      /* end of block */
	OP_LINK = 0x40,     /* | sub-table bits; val is the sub-table's offset */
	OP_BADSYM = 0x60,   /* literal/length 286, 287; distance 30, 31 */
	OP_INVALID = 0x80   /* no code (an incomplete or empty code) */
};

enum { T_CODES, T_LENS, T_DISTS };

/* RFC 1951 section 3.2.7: the order of the code-length code lengths */
static const uint8_t cl_order[19] = {
	16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15
};

static uint32_t
entry(unsigned val, unsigned op, unsigned bits)
{
	return (uint32_t)val << 16 | (uint32_t)op << 8 | bits;
}

/*
 * Builds the decoding table of the canonical Huffman code with lengths
 * lens[0..n) (RFC 1951 section 3.2.2) into table[0..cap). Returns 0, -1
 * when the code is over-subscribed, -2 when incomplete (allowed only for a
 * single code of length 1 of the literal/length or distance code), -3 when
 * it does not fit (cannot happen: cap is zlib's ENOUGH).
 *
 * As zlib's inflate_table: the codes in canonical order (by length, then
 * symbol), each one's bit-reversed value `huff` counted up backwards; a
 * code longer than the root goes in the sub-table of its root prefix,
 * sized when the prefix first comes by the codes left to place.
 */
static int
build(const uint16_t *lens, unsigned n, int type, unsigned root,
    uint32_t *table, unsigned cap)
{
	unsigned count[16] = { 0 }, offs[16];
	uint32_t sorted[320];   /* entries (bits: code length), by length */
	unsigned sym, len, max, i, used, huff, sub, subbase, low;
	/*
	 * The bases of section 3.2.5 follow a rule, so they are computed, not
	 * kept in tables: from `first`, 2^(g+1) codes without extra bits
	 * (lengths 3..10: g = 2; distances 1..4: g = 1), then 2^g codes for
	 * each count x of extra bits, a base stepping by 2^x.
	 */
	unsigned first = type == T_LENS ? 257 : 0, g = type == T_LENS ? 2 : 1;
	unsigned base = type == T_LENS ? 3 : 1;
	int left;

	for (sym = 0; sym < n; sym++)
		count[lens[sym]]++;
	for (max = 15; max >= 1 && count[max] == 0; max--)
		;
	for (i = 0; i < (1u << root); i++)
		table[i] = entry(0, OP_INVALID, 1);
	if (max == 0)
		/* no code at all: fine for distances (literals only) */
		return type == T_DISTS ? 0 : -2;

	left = 1;
	for (len = 1; len <= 15; len++) {
		left <<= 1;
		left -= (int)count[len];
		if (left < 0)
			return -1;
	}
	if (left > 0 && (type == T_CODES || max != 1))
		return -2;

	/* symbols sorted by length (section 3.2.2 step 2) */
	offs[1] = 0;
	for (len = 1; len < 15; len++)
		offs[len + 1] = offs[len] + count[len];
	for (sym = 0; sym < n; sym++) {
		uint32_t se;

		i = sym - first;
		if (type != T_DISTS && sym < 256)
			se = entry(sym, OP_LIT, 0);
		else if (sym == 256)
			se = entry(0, OP_EOB, 0);
		else if (sym == 285)
			se = entry(258, OP_BASE, 0);
		else if (i >= 31 - g)   /* lit/len 286, 287; distance 30, 31 */
			se = entry(0, OP_BADSYM, 0);
		else {
			unsigned x = i < 2u << g ? 0 : (i >> g) - 1;
			se = entry(base, OP_BASE | x, 0);
			base += 1u << x;
		}
		len = lens[sym];
		if (len != 0)
			sorted[offs[len]++] = se | len;
	}

	used = 1u << root;
	huff = 0;
	sub = root;             /* bits of the table being filled */
	subbase = 0;
	low = ~0u;
	for (i = 0; i < n - count[0]; i++) {
		unsigned skip = 0, incr;        /* bits the table skips */
		len = sorted[i] & 0xff;
		if (len > root) {
			skip = root;
			if ((huff & ((1u << root) - 1)) != low) {
				/* a new sub-table: as many bits as the codes
				 * left need to fill it */
				low = huff & ((1u << root) - 1);
				sub = len - root;
				left = 1 << sub;
				while (sub + root < max) {
					left -= (int)count[sub + root];
					if (left <= 0)
						break;
					sub++;
					left <<= 1;
				}
				subbase = used;
				used += 1u << sub;
				if (used > cap)
					return -3;
				for (unsigned k = 0; k < (1u << sub); k++)
					table[subbase + k] = entry(0, OP_INVALID, 1);
				table[low] = entry(subbase, OP_LINK | sub, root);
			}
		}
		for (unsigned k = huff >> skip; k < (1u << sub); k += 1u << (len - skip))
			table[subbase + k] = (sorted[i] & ~0xffu) | (len - skip);
		/* the next code, bit-reversed: add 1 from the top bit down */
		incr = 1u << (len - 1);
		while (huff & incr)
			incr >>= 1;
		huff = incr ? (huff & (incr - 1)) + incr : 0;
		count[len]--;
	}
	return 0;
}

/* Loads input bytes into the bit buffer, up to 56..63 bits; returns where
 * the input goes on. */
static inline const unsigned char *
refill(inflate_ctx *z, const unsigned char *in, const unsigned char *end)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (end - in >= 8) {
		/* whole bytes that fit; the rest of v is the same bits that
		 * the next refill loads again (OR of equal bits) */
		uint64_t v;
		memcpy(&v, in, 8);
		z->bitbuf |= v << z->bitcnt;
		in += (63 - z->bitcnt) >> 3;
		z->bitcnt |= 56;
		return in;
	}
#endif
	while (z->bitcnt <= 55 && in < end) {
		z->bitbuf |= (uint64_t)*in++ << z->bitcnt;
		z->bitcnt += 8;
	}
	return in;
}

static inline void
drop(inflate_ctx *z, unsigned n)
{
	z->bitbuf >>= n;
	z->bitcnt -= n;
}

/*
 * Decodes one code of `t` from the bit buffer: its entry (bits: the code's
 * whole length, never 0), or 0 when more bits are needed.
 */
static inline uint32_t
lookup(const inflate_ctx *z, const uint32_t *t, unsigned root)
{
	uint32_t e = t[z->bitbuf & ((1u << root) - 1)];
	unsigned n = e & 0xff;

	if (((e >> 8) & 0xf0) == OP_LINK) {
		unsigned sub = (e >> 8) & 0x0f;
		e = t[(e >> 16) + ((z->bitbuf >> root) & ((1u << sub) - 1))];
		n = root + (e & 0xff);
		e = (e & ~0xffu) | n;
	}
	return n > z->bitcnt ? 0 : e;
}

static int
fail(inflate_ctx *z, int code)
{
	z->err = code;
	return code;
}

static int
flush(inflate_ctx *z)
{
	if (z->wpos > z->wflushed) {
		size_t n = z->wpos - z->wflushed;
		if (z->out(z->out_ctx, z->win + z->wflushed, n) != 0)
			return fail(z, INFLATE_EOUT);
		z->total_out += n;
		z->wflushed = z->wpos;
	}
	return 0;
}

/* Window full: flush, keep the last 32 KiB as history. */
static int
slide(inflate_ctx *z)
{
	if (flush(z) < 0)
		return -1;
	memmove(z->win, z->win + z->wpos - INFLATE_WSIZE, INFLATE_WSIZE);
	z->wpos = z->wflushed = INFLATE_WSIZE;
	return 0;
}

static inline void
copy_match(unsigned char *d, unsigned dist, unsigned len)
{
	const unsigned char *s = d - dist;

	if (dist >= 8) {
		/* 8 at a time, never overlapping; may write 7 bytes past the
		 * match, into the window's slack */
		unsigned char *stop = d + len;
		do {
			memcpy(d, s, 8);
			d += 8;
			s += 8;
		} while (d < stop);
	} else if (dist == 1) {
		memset(d, *s, len);
	} else {
		while (len-- > 0)
			*d++ = *s++;
	}
}

void
inflate_init(inflate_ctx *z, inflate_out_fn out, void *out_ctx)
{
	/* the header fields up to the tables (ST_HEAD is 0) */
	memset(z, 0, offsetof(inflate_ctx, lens));
	z->wpos = z->wflushed = 0;
	z->total_out = 0;
	z->out = out;
	z->out_ctx = out_ctx;
}

/* Section 3.2.6: the fixed codes. */
static void
build_fixed(inflate_ctx *z)
{
	unsigned i;

	/* 8 bits for 0-143, 9 for 144-255, 7 for 256-279, 8 for 280-287 */
	for (i = 0; i < 288; i++)
		z->lens[i] = (uint16_t)(8 + (i >= 144) - 2 * (i >= 256) + (i >= 280));
	build(z->lens, 288, T_LENS, LEN_ROOT, z->lencode, INFLATE_LENS_MAX);
	for (i = 0; i < 32; i++) z->lens[i] = 5;
	build(z->lens, 32, T_DISTS, DIST_ROOT, z->distcode, INFLATE_DISTS_MAX);
}

/*
 * The pieces of the decoder, one per block type (puff.c's stored(),
 * dynamic() and codes(); fixed blocks are codes() over build_fixed()'s
 * tables) and one for the block header. Each starts from the state it is
 * given, reads from s->p up to s->end, and returns
 *     STEP_NEXT  z->state moved on: the next piece follows;
 *     STEP_MORE  the input is used up: every byte of it is in the bit
 *                buffer or the window, and the state says where to go on;
 *     < 0        an INFLATE_E* code, made sticky by fail().
 * An item (a header, a code with its extra bits) is taken only when all of
 * its bits are there, so a piece can stop before any item and go on there.
 */
enum { STEP_MORE = 0, STEP_NEXT = 1 };

typedef struct {
	const unsigned char *p, *end;
} src;

/* The end of a block: the next header, or the end of the stream. */
static int
end_block(inflate_ctx *z)
{
	z->state = z->last ? ST_DONE : ST_HEAD;
	return STEP_NEXT;
}

/* Section 3.2.3: BFINAL and BTYPE. */
static int
header(inflate_ctx *z, src *s)
{
	unsigned btype;

	s->p = refill(z, s->p, s->end);
	if (z->bitcnt < 3)
		return STEP_MORE;
	z->last = (int)(z->bitbuf & 1);
	btype = (unsigned)(z->bitbuf >> 1) & 3;
	if (btype == 3)
		return fail(z, INFLATE_EBTYPE);
	drop(z, 3);
	if (btype == 0) {
		drop(z, z->bitcnt & 7);     /* to a byte boundary */
		z->state = ST_STORED;
	} else if (btype == 1) {
		build_fixed(z);
		z->state = ST_CODES;
	} else {
		z->state = ST_TABLE;
	}
	return STEP_NEXT;
}

/*
 * Section 3.2.4: a stored block. ST_STORED: LEN and its complement NLEN;
 * ST_COPY: the LEN bytes (z->left still to copy), as they are.
 */
static int
stored(inflate_ctx *z, src *s)
{
	if (z->state == ST_STORED) {
		s->p = refill(z, s->p, s->end);
		if (z->bitcnt < 32)
			return STEP_MORE;
		if ((z->bitbuf & 0xffff) != (~(z->bitbuf >> 16) & 0xffff))
			return fail(z, INFLATE_ESTORED);
		z->left = (unsigned)(z->bitbuf & 0xffff);
		drop(z, 32);
		z->state = ST_COPY;
	}
	while (z->left > 0) {
		size_t n;

		if (z->wpos >= LIMIT && slide(z) < 0)
			return z->err;
		if (z->bitcnt >= 8) {
			/* bytes the header's refill loaded: from the buffer */
			z->win[z->wpos++] = (unsigned char)z->bitbuf;
			drop(z, 8);
			z->left--;
			continue;
		}
		if (s->p == s->end)
			return STEP_MORE;
		/* the buffer is empty (bitcnt is 0 here: aligned), but refill
		 * may have left copies of the next bytes above bitcnt; they are
		 * taken from the input directly instead */
		z->bitbuf = 0;
		n = (size_t)(s->end - s->p);
		if (n > z->left)
			n = z->left;
		if (n > LIMIT - z->wpos)
			n = LIMIT - z->wpos;
		memcpy(z->win + z->wpos, s->p, n);
		z->wpos += n;
		s->p += n;
		z->left -= (unsigned)n;
	}
	return end_block(z);
}

/*
 * One symbol of the code-length code into z->lens[z->have...]: a length
 * 0..15, or a repeat (16: the previous length 3-6 times, 2 extra bits;
 * 17: 3-10 zeros, 3 bits; 18: 11-138 zeros, 7 bits).
 */
static int
code_length(inflate_ctx *z, src *s)
{
	uint32_t e;
	unsigned sym, n, x, rep, val;

	s->p = refill(z, s->p, s->end);
	if ((e = lookup(z, z->clcode, CL_ROOT)) == 0)
		return STEP_MORE;
	if (((e >> 8) & 0xff) != OP_LIT)
		return fail(z, INFLATE_EBADCODE);
	sym = e >> 16;
	n = e & 0xff;
	if (sym < 16) {
		drop(z, n);
		z->lens[z->have++] = (uint16_t)sym;
		return STEP_NEXT;
	}
	/* extra bits and base of 16, 17, 18: nibbles of 0x732 and 0xb33 */
	x = (0x732u >> (sym - 16) * 4) & 15;
	if (z->bitcnt < n + x)
		return STEP_MORE;
	rep = ((0xb33u >> (sym - 16) * 4) & 15) +
	    (unsigned)((z->bitbuf >> n) & ((1u << x) - 1));
	if (sym == 16 && z->have == 0)
		return fail(z, INFLATE_ENOPREV);
	val = sym == 16 ? z->lens[z->have - 1] : 0;
	drop(z, n + x);
	if (z->have + rep > z->nlen + z->ndist)
		return fail(z, INFLATE_EREPEAT);
	while (rep-- > 0)
		z->lens[z->have++] = (uint16_t)val;
	return STEP_NEXT;
}

/*
 * Section 3.2.7: a dynamic block's codes. ST_TABLE: the counts HLIT,
 * HDIST, HCLEN; ST_CLENS: the code-length code's lengths (3 bits each, in
 * cl_order); ST_CODELENS: the literal/length and distance code lengths in
 * that code. Then the two tables, and the block's data in codes().
 */
static int
dynamic(inflate_ctx *z, src *s)
{
	int rc;

	if (z->state == ST_TABLE) {
		s->p = refill(z, s->p, s->end);
		if (z->bitcnt < 14)
			return STEP_MORE;
		z->nlen = 257 + (unsigned)(z->bitbuf & 31);
		z->ndist = 1 + (unsigned)((z->bitbuf >> 5) & 31);
		z->ncode = 4 + (unsigned)((z->bitbuf >> 10) & 15);
		drop(z, 14);
		if (z->nlen > 286 || z->ndist > 30)
			return fail(z, INFLATE_ECOUNTS);
		z->have = 0;
		/* the code lengths not given are 0 */
		memset(z->lens, 0, 19 * sizeof z->lens[0]);
		z->state = ST_CLENS;
	}
	if (z->state == ST_CLENS) {
		while (z->have < z->ncode) {
			s->p = refill(z, s->p, s->end);
			if (z->bitcnt < 3)
				return STEP_MORE;
			z->lens[cl_order[z->have++]] = (uint16_t)(z->bitbuf & 7);
			drop(z, 3);
		}
		if (build(z->lens, 19, T_CODES, CL_ROOT, z->clcode, 128) != 0)
			return fail(z, INFLATE_ECLCODE);
		z->have = 0;
		z->state = ST_CODELENS;
	}
	while (z->have < z->nlen + z->ndist)
		if ((rc = code_length(z, s)) != STEP_NEXT)
			return rc;
	if (z->lens[256] == 0)
		return fail(z, INFLATE_ENOEOB);
	if (build(z->lens, z->nlen, T_LENS, LEN_ROOT, z->lencode,
	    INFLATE_LENS_MAX) != 0)
		return fail(z, INFLATE_ELITCODE);
	if (build(z->lens + z->nlen, z->ndist, T_DISTS, DIST_ROOT,
	    z->distcode, INFLATE_DISTS_MAX) != 0)
		return fail(z, INFLATE_EDISTCODE);
	z->state = ST_CODES;
	return STEP_NEXT;
}

/*
 * The distance of a match whose length is z->len, and the copy: STEP_NEXT
 * when copied, STEP_MORE when its bits are not all there yet.
 */
static inline int
distance(inflate_ctx *z)
{
	uint32_t e;
	unsigned op, n, x, dist;

	if ((e = lookup(z, z->distcode, DIST_ROOT)) == 0)
		return STEP_MORE;
	op = (e >> 8) & 0xff;
	n = e & 0xff;
	if ((op & 0xf0) != OP_BASE)
		return fail(z, op == OP_BADSYM ? INFLATE_EBADSYM : INFLATE_EBADCODE);
	x = op & 0x0f;
	if (z->bitcnt < n + x)
		return STEP_MORE;
	dist = (e >> 16) + (unsigned)((z->bitbuf >> n) & ((1u << x) - 1));
	drop(z, n + x);
	if (dist > z->wpos)
		return fail(z, INFLATE_EFAR);
	copy_match(z->win + z->wpos, dist, z->len);
	z->wpos += z->len;
	return STEP_NEXT;
}

/*
 * Section 3.2.5: the data of a Huffman block, fixed or dynamic alike:
 * literals, matches (a length, then a distance) and the end of block.
 * ST_CODES: the next symbol; ST_DIST: a match whose length (z->len) was
 * taken, its distance next. The hot loop: one refill and one window check
 * per symbol.
 */
static int
codes(inflate_ctx *z, src *s)
{
	const unsigned char *in = s->p, *end = s->end;
	int rc;

	for (;;) {
		in = refill(z, in, end);
		if (z->state == ST_CODES) {
			uint32_t e;
			unsigned op, n, x;

			if (z->wpos >= LIMIT && slide(z) < 0) {
				rc = z->err;
				break;
			}
			if ((e = lookup(z, z->lencode, LEN_ROOT)) == 0) {
				rc = STEP_MORE;
				break;
			}
			op = (e >> 8) & 0xff;
			n = e & 0xff;
			if (op == OP_LIT) {
				drop(z, n);
				z->win[z->wpos++] = (unsigned char)(e >> 16);
				continue;
			}
			if (op == OP_EOB) {
				drop(z, n);
				rc = end_block(z);
				break;
			}
			if ((op & 0xf0) != OP_BASE) {
				rc = fail(z, op == OP_BADSYM ? INFLATE_EBADSYM :
				    INFLATE_EBADCODE);
				break;
			}
			x = op & 0x0f;
			if (z->bitcnt < n + x) {
				rc = STEP_MORE;
				break;
			}
			z->len = (e >> 16) +
			    (unsigned)((z->bitbuf >> n) & ((1u << x) - 1));
			drop(z, n + x);
			z->state = ST_DIST;
		}
		if ((rc = distance(z)) != STEP_NEXT)
			break;
		z->state = ST_CODES;
	}
	s->p = in;
	return rc;
}

long
inflate_feed(inflate_ctx *z, const void *data, size_t len)
{
	src s = { data, (const unsigned char *)data + len };
	int rc = STEP_NEXT;

	if (z->err)
		return z->err;
	while (rc == STEP_NEXT && z->state != ST_DONE) {
		if (z->state == ST_HEAD)
			rc = header(z, &s);
		else if (z->state <= ST_COPY)
			rc = stored(z, &s);
		else if (z->state <= ST_CODELENS)
			rc = dynamic(z, &s);
		else
			rc = codes(z, &s);
	}
	if (rc < 0)
		return rc;
	if (z->state == ST_DONE) {
		/* give back the whole bytes read past the stream's end */
		s.p -= z->bitcnt >> 3;
		z->bitbuf = 0;
		z->bitcnt = 0;
	}
	/* every input byte taken is in the bit buffer or the window */
	if (flush(z) < 0)
		return z->err;
	return (long)(s.p - (const unsigned char *)data);
}

int
inflate_done(const inflate_ctx *z)
{
	return z->err == 0 && z->state == ST_DONE;
}

int
inflate_finish(inflate_ctx *z)
{
	if (z->err)
		return z->err;
	if (z->state != ST_DONE)
		return fail(z, INFLATE_ETRUNC);
	return 0;
}

uint64_t
inflate_total_out(const inflate_ctx *z)
{
	return z->total_out;
}

const char *
inflate_strerror(int code)
{
	/* 0 down to INFLATE_ETRUNC, in order, then any other code */
	const char *s = "no error\0"
	    "invalid block type\0"
	    "stored block length does not match its complement\0"
	    "too many length or distance codes\0"
	    "invalid code-length code\0"
	    "length repeat with no previous length\0"
	    "length repeat past the end of the lengths\0"
	    "no end-of-block code\0"
	    "invalid literal/length code\0"
	    "invalid distance code\0"
	    "invalid code in the compressed data\0"
	    "invalid literal/length or distance symbol\0"
	    "distance too far back\0"
	    "output refused\0"
	    "compressed data cut short\0"
	    "unknown inflate error";

	if (code > 0 || code < INFLATE_ETRUNC)
		code = INFLATE_ETRUNC - 1;
	for (; code < 0; code++)
		while (*s++ != '\0')
			;
	return s;
}
