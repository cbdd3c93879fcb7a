/*
 * inflate.c: RFC 1951 decompression, streaming. See inflate.h.
 *
 * Shape of puff.c (one piece per block type, every error its own code),
 * speed of table decoding: each Huffman code is looked up in a root table
 * of 2^9 (literal/length) or 2^6 (distance) entries, with one level of
 * sub-tables for longer codes (as zlib's inflate_table does, so zlib's
 * ENOUGH bounds hold).
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
#include <string.h>

#include "inflate.h"

enum {
	ST_HEAD, ST_STORED, ST_COPY, ST_TABLE, ST_CLENS, ST_CODELENS,
	ST_CODES, ST_DIST, ST_DONE
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

static const uint16_t len_base[29] = {
	3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
	35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258
};
static const uint8_t len_extra[29] = {
	0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
	3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0
};
static const uint16_t dist_base[30] = {
	1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
	257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
	8193, 12289, 16385, 24577
};
static const uint8_t dist_extra[30] = {
	0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
	7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13
};
/* RFC 1951 section 3.2.7: the order of the code-length code lengths */
static const uint8_t cl_order[19] = {
	16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15
};

static uint32_t
entry(unsigned val, unsigned op, unsigned bits)
{
	return (uint32_t)val << 16 | (uint32_t)op << 8 | bits;
}

/* What symbol `sym` of a code of kind `type` decodes to. */
static uint32_t
sym_entry(int type, unsigned sym, unsigned bits)
{
	if (type == T_CODES)
		return entry(sym, OP_LIT, bits);
	if (type == T_LENS) {
		if (sym < 256)
			return entry(sym, OP_LIT, bits);
		if (sym == 256)
			return entry(0, OP_EOB, bits);
		if (sym < 286)
			return entry(len_base[sym - 257],
			    OP_BASE | len_extra[sym - 257], bits);
		return entry(0, OP_BADSYM, bits);
	}
	if (sym < 30)
		return entry(dist_base[sym], OP_BASE | dist_extra[sym], bits);
	return entry(0, OP_BADSYM, bits);
}

static unsigned
reverse(unsigned code, unsigned len)
{
	unsigned r = 0;

	while (len-- > 0) {
		r = (r << 1) | (code & 1);
		code >>= 1;
	}
	return r;
}

/*
 * Builds the decoding table of the canonical Huffman code with lengths
 * lens[0..n) (RFC 1951 section 3.2.2) into table[0..cap). Returns 0, -1
 * when the code is over-subscribed, -2 when incomplete (allowed only for a
 * single code of length 1 of the literal/length or distance code), -3 when
 * it does not fit (cannot happen: cap is zlib's ENOUGH).
 */
static int
build(const uint16_t *lens, unsigned n, int type, unsigned root,
    uint32_t *table, unsigned cap)
{
	unsigned count[16] = { 0 }, next[16];
	uint16_t sorted[320], code[320];
	unsigned sym, len, max, i, used, prefix = ~0u, sub = 0, subbase = 0;
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

	/* canonical codes (section 3.2.2 step 2), symbols sorted by length */
	next[1] = 0;
	for (len = 1; len < 15; len++)
		next[len + 1] = (next[len] + count[len]) << 1;
	{
		unsigned offs[16];
		offs[1] = 0;
		for (len = 1; len < 15; len++)
			offs[len + 1] = offs[len] + count[len];
		for (sym = 0; sym < n; sym++)
			if (lens[sym] != 0) {
				sorted[offs[lens[sym]]] = (uint16_t)sym;
				code[offs[lens[sym]]++] = (uint16_t)next[lens[sym]]++;
			}
	}

	used = 1u << root;
	for (i = 0; i < n - count[0]; i++) {
		unsigned s = sorted[i], l = lens[s];
		unsigned rev = reverse(code[i], l);
		if (l <= root) {
			for (unsigned k = rev; k < (1u << root); k += 1u << l)
				table[k] = sym_entry(type, s, l);
			continue;
		}
		/* longer than the root: a sub-table per root prefix. Codes of
		 * one prefix are consecutive in canonical order, the last the
		 * longest: that length sizes the sub-table. */
		if ((rev & ((1u << root) - 1)) != prefix) {
			unsigned j = i, maxl = l;
			prefix = rev & ((1u << root) - 1);
			while (j + 1 < n - count[0] &&
			    (code[j + 1] >> (lens[sorted[j + 1]] - root)) ==
			    (code[i] >> (l - root)))
				maxl = lens[sorted[++j]];
			sub = maxl - root;
			subbase = used;
			used += 1u << sub;
			if (used > cap)
				return -3;
			for (unsigned k = 0; k < (1u << sub); k++)
				table[subbase + k] = entry(0, OP_INVALID, 1);
			table[prefix] = entry(subbase, OP_LINK | sub, root);
		}
		for (unsigned k = rev >> root; k < (1u << sub); k += 1u << (l - root))
			table[subbase + k] = sym_entry(type, s, l - root);
	}
	return 0;
}

/* Loads input bytes into the bit buffer, up to 56..63 bits. */
static inline void
refill(inflate_ctx *z, const unsigned char **pin, const unsigned char *end)
{
	const unsigned char *in = *pin;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (end - in >= 8) {
		/* whole bytes that fit; the rest of v is the same bits that
		 * the next refill loads again (OR of equal bits) */
		uint64_t v;
		memcpy(&v, in, 8);
		z->bitbuf |= v << z->bitcnt;
		in += (63 - z->bitcnt) >> 3;
		z->bitcnt |= 56;
		*pin = in;
		return;
	}
#endif
	while (z->bitcnt <= 55 && in < end) {
		z->bitbuf |= (uint64_t)*in++ << z->bitcnt;
		z->bitcnt += 8;
	}
	*pin = in;
}

static inline void
drop(inflate_ctx *z, unsigned n)
{
	z->bitbuf >>= n;
	z->bitcnt -= n;
}

/*
 * Decodes one code of `t` from the bit buffer: 1 with *out the entry
 * (bits: the code's whole length), 0 when more bits are needed.
 */
static inline int
lookup(const inflate_ctx *z, const uint32_t *t, unsigned root, uint32_t *out)
{
	uint32_t e = t[z->bitbuf & ((1u << root) - 1)];
	unsigned n = e & 0xff;

	if (((e >> 8) & 0xf0) == OP_LINK) {
		unsigned sub = (e >> 8) & 0x0f;
		e = t[(e >> 16) + ((z->bitbuf >> root) & ((1u << sub) - 1))];
		n = root + (e & 0xff);
		e = (e & ~0xffu) | n;
	}
	if (n > z->bitcnt)
		return 0;
	*out = e;
	return 1;
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
	z->bitbuf = 0;
	z->bitcnt = 0;
	z->state = ST_HEAD;
	z->last = 0;
	z->err = 0;
	z->left = z->len = z->extra = 0;
	z->nlen = z->ndist = z->ncode = z->have = 0;
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

	for (i = 0; i < 144; i++) z->lens[i] = 8;
	for (; i < 256; i++) z->lens[i] = 9;
	for (; i < 280; i++) z->lens[i] = 7;
	for (; i < 288; i++) z->lens[i] = 8;
	build(z->lens, 288, T_LENS, LEN_ROOT, z->lencode, INFLATE_LENS_MAX);
	for (i = 0; i < 32; i++) z->lens[i] = 5;
	build(z->lens, 32, T_DISTS, DIST_ROOT, z->distcode, INFLATE_DISTS_MAX);
}

/*
 * The distance of a match whose length is z->len, and the copy: 1 done,
 * 0 more input needed, < 0 error.
 */
static inline int
do_dist(inflate_ctx *z)
{
	uint32_t e;
	unsigned op, n, x, dist;

	if (!lookup(z, z->distcode, DIST_ROOT, &e))
		return 0;
	op = (e >> 8) & 0xff;
	n = e & 0xff;
	if ((op & 0xf0) != OP_BASE)
		return fail(z, op == OP_BADSYM ? INFLATE_EBADSYM : INFLATE_EBADCODE);
	x = op & 0x0f;
	if (z->bitcnt < n + x)
		return 0;
	dist = (e >> 16) + (unsigned)((z->bitbuf >> n) & ((1u << x) - 1));
	drop(z, n + x);
	if (dist > z->wpos)
		return fail(z, INFLATE_EFAR);
	copy_match(z->win + z->wpos, dist, z->len);
	z->wpos += z->len;
	return 1;
}

long
inflate_feed(inflate_ctx *z, const void *data, size_t len)
{
	const unsigned char *in = data, *end = in + len;
	uint32_t e;
	int rc;

	if (z->err)
		return z->err;
	if (z->state == ST_DONE)
		return 0;
	for (;;) {
		switch (z->state) {
		case ST_HEAD:
			refill(z, &in, end);
			if (z->bitcnt < 3)
				goto more;
			z->last = (int)(z->bitbuf & 1);
			switch ((z->bitbuf >> 1) & 3) {
			case 0:
				drop(z, 3);
				drop(z, z->bitcnt & 7);     /* to a byte boundary */
				z->state = ST_STORED;
				break;
			case 1:
				drop(z, 3);
				build_fixed(z);
				z->state = ST_CODES;
				break;
			case 2:
				drop(z, 3);
				z->state = ST_TABLE;
				break;
			default:
				return fail(z, INFLATE_EBTYPE);
			}
			break;

		case ST_STORED:             /* section 3.2.4 */
			refill(z, &in, end);
			if (z->bitcnt < 32)
				goto more;
			if ((z->bitbuf & 0xffff) != (~(z->bitbuf >> 16) & 0xffff))
				return fail(z, INFLATE_ESTORED);
			z->left = (unsigned)(z->bitbuf & 0xffff);
			drop(z, 32);
			z->state = ST_COPY;
			/* fall through */
		case ST_COPY:
			while (z->left > 0) {
				size_t n;
				if (z->wpos >= LIMIT && slide(z) < 0)
					return z->err;
				if (z->bitcnt >= 8) {
					z->win[z->wpos++] = (unsigned char)z->bitbuf;
					drop(z, 8);
					z->left--;
					continue;
				}
				if (in == end)
					goto more;
				/* the buffer is empty (bitcnt is 0 here: aligned), but
				 * refill may have left copies of the next bytes above
				 * bitcnt; they are taken from `in` directly instead */
				z->bitbuf = 0;
				n = (size_t)(end - in);
				if (n > z->left)
					n = z->left;
				if (n > LIMIT - z->wpos)
					n = LIMIT - z->wpos;
				memcpy(z->win + z->wpos, in, n);
				z->wpos += n;
				in += n;
				z->left -= (unsigned)n;
			}
			z->state = z->last ? ST_DONE : ST_HEAD;
			if (z->state == ST_DONE)
				goto done;
			break;

		case ST_TABLE:              /* section 3.2.7 */
			refill(z, &in, end);
			if (z->bitcnt < 14)
				goto more;
			z->nlen = 257 + (unsigned)(z->bitbuf & 31);
			z->ndist = 1 + (unsigned)((z->bitbuf >> 5) & 31);
			z->ncode = 4 + (unsigned)((z->bitbuf >> 10) & 15);
			drop(z, 14);
			if (z->nlen > 286 || z->ndist > 30)
				return fail(z, INFLATE_ECOUNTS);
			z->have = 0;
			z->state = ST_CLENS;
			/* fall through */
		case ST_CLENS:
			while (z->have < z->ncode) {
				refill(z, &in, end);
				if (z->bitcnt < 3)
					goto more;
				z->lens[cl_order[z->have++]] = (uint16_t)(z->bitbuf & 7);
				drop(z, 3);
			}
			while (z->have < 19)
				z->lens[cl_order[z->have++]] = 0;
			if (build(z->lens, 19, T_CODES, CL_ROOT, z->clcode, 128) != 0)
				return fail(z, INFLATE_ECLCODE);
			z->have = 0;
			z->state = ST_CODELENS;
			/* fall through */
		case ST_CODELENS:
			while (z->have < z->nlen + z->ndist) {
				unsigned sym, n, x, rep, val;
				refill(z, &in, end);
				if (!lookup(z, z->clcode, CL_ROOT, &e))
					goto more;
				if (((e >> 8) & 0xff) != OP_LIT)
					return fail(z, INFLATE_EBADCODE);
				sym = e >> 16;
				n = e & 0xff;
				if (sym < 16) {
					drop(z, n);
					z->lens[z->have++] = (uint16_t)sym;
					continue;
				}
				/* 16: copy the previous length 3-6 times (2 bits);
				 * 17: 3-10 zeros (3 bits); 18: 11-138 zeros (7 bits) */
				x = sym == 16 ? 2 : sym == 17 ? 3 : 7;
				if (z->bitcnt < n + x)
					goto more;
				rep = (sym == 18 ? 11 : 3) +
				    (unsigned)((z->bitbuf >> n) & ((1u << x) - 1));
				if (sym == 16) {
					if (z->have == 0)
						return fail(z, INFLATE_ENOPREV);
					val = z->lens[z->have - 1];
				} else {
					val = 0;
				}
				drop(z, n + x);
				if (z->have + rep > z->nlen + z->ndist)
					return fail(z, INFLATE_EREPEAT);
				while (rep-- > 0)
					z->lens[z->have++] = (uint16_t)val;
			}
			if (z->lens[256] == 0)
				return fail(z, INFLATE_ENOEOB);
			if (build(z->lens, z->nlen, T_LENS, LEN_ROOT, z->lencode,
			    INFLATE_LENS_MAX) != 0)
				return fail(z, INFLATE_ELITCODE);
			if (build(z->lens + z->nlen, z->ndist, T_DISTS, DIST_ROOT,
			    z->distcode, INFLATE_DISTS_MAX) != 0)
				return fail(z, INFLATE_EDISTCODE);
			z->state = ST_CODES;
			/* fall through */
		case ST_CODES:              /* section 3.2.5 */
			for (;;) {
				unsigned op, n, x;
				refill(z, &in, end);
				if (z->wpos >= LIMIT && slide(z) < 0)
					return z->err;
				if (!lookup(z, z->lencode, LEN_ROOT, &e))
					goto more;
				op = (e >> 8) & 0xff;
				n = e & 0xff;
				if (op == OP_LIT) {
					drop(z, n);
					z->win[z->wpos++] = (unsigned char)(e >> 16);
					continue;
				}
				if (op == OP_EOB) {
					drop(z, n);
					break;
				}
				if ((op & 0xf0) != OP_BASE)
					return fail(z, op == OP_BADSYM ?
					    INFLATE_EBADSYM : INFLATE_EBADCODE);
				x = op & 0x0f;
				if (z->bitcnt < n + x)
					goto more;
				z->len = (e >> 16) + (unsigned)((z->bitbuf >> n) & ((1u << x) - 1));
				drop(z, n + x);
				rc = do_dist(z);
				if (rc < 0)
					return rc;
				if (rc == 0) {
					z->state = ST_DIST;
					goto more;
				}
			}
			z->state = z->last ? ST_DONE : ST_HEAD;
			if (z->state == ST_DONE)
				goto done;
			break;

		case ST_DIST:
			refill(z, &in, end);
			rc = do_dist(z);
			if (rc < 0)
				return rc;
			if (rc == 0)
				goto more;
			z->state = ST_CODES;
			break;

		default:
			goto done;
		}
	}

more:
	/* every input byte is in the bit buffer or the window */
	if (flush(z) < 0)
		return z->err;
	return (long)(in - (const unsigned char *)data);

done:
	if (flush(z) < 0)
		return z->err;
	/* give back the whole bytes read past the stream's end */
	in -= z->bitcnt >> 3;
	z->bitbuf = 0;
	z->bitcnt = 0;
	return (long)(in - (const unsigned char *)data);
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
	switch (code) {
	case 0: return "no error";
	case INFLATE_EBTYPE: return "invalid block type";
	case INFLATE_ESTORED: return "stored block length does not match its complement";
	case INFLATE_ECOUNTS: return "too many length or distance codes";
	case INFLATE_ECLCODE: return "invalid code-length code";
	case INFLATE_ENOPREV: return "length repeat with no previous length";
	case INFLATE_EREPEAT: return "length repeat past the end of the lengths";
	case INFLATE_ENOEOB: return "no end-of-block code";
	case INFLATE_ELITCODE: return "invalid literal/length code";
	case INFLATE_EDISTCODE: return "invalid distance code";
	case INFLATE_EBADCODE: return "invalid code in the compressed data";
	case INFLATE_EBADSYM: return "invalid literal/length or distance symbol";
	case INFLATE_EFAR: return "distance too far back";
	case INFLATE_EOUT: return "output refused";
	case INFLATE_ETRUNC: return "compressed data cut short";
	default: return "unknown inflate error";
	}
}
