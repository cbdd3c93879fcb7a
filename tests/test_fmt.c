/*
 * test_fmt.c: fmt against the C library's own printf as the oracle (glibc in
 * the sanitizer build, musl in the static one): every flag, width,
 * precision and length combination C defines for the conversions fmt
 * knows, random formats from the same grammar, truncation, and streams.
 */
#include "../fmt.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

/* truncation is what some checks are about */
#pragma GCC diagnostic ignored "-Wformat-truncation"

/* both sides of one format with the same arguments */
#define SAME(...) do { \
	char want_[512], got_[512]; \
	int wn_ = snprintf(want_, sizeof want_, __VA_ARGS__); \
	int gn_ = fmt_snprintf(got_, sizeof got_, __VA_ARGS__); \
	if (wn_ != gn_ || strcmp(want_, got_) != 0) { \
		if (first_bad[0] == '\0') \
			snprintf(first_bad, sizeof first_bad, \
			    "format %s: got \"%s\" (%d), want \"%s\" (%d)", \
			    fmtbuf, got_, gn_, want_, wn_); \
		bad++; \
	} \
	cases++; \
} while (0)

static char first_bad[1024];
static char fmtbuf[64];
static int bad, cases;

static const long long signed_values[] = {
	0, 1, -1, 7, -8, 42, 255, -255, 32767, -32768, 65535, 2147483647,
	-2147483647 - 1, 4294967295LL, 1234567890123LL, INT64_MAX, INT64_MIN
};
static const unsigned long long unsigned_values[] = {
	0, 1, 7, 8, 255, 256, 65535, 4294967295ULL, 4294967296ULL,
	0xdeadbeefcafeULL, UINT64_MAX
};

static void
check_report(const char *what)
{
	t_ok(bad == 0, "%s: %d cases%s%s", what, cases, bad ? ", first: " : "",
	    first_bad);
	bad = cases = 0;
	first_bad[0] = '\0';
}

/* the flag sets C defines for a conversion: + and space for signed only,
 * # for o x X only */
static const char *
flagset(int i, char conv)
{
	static const char *sets[] = { "", "-", "0", "-0", "+", " ", "+0",
	    "- ", "#", "#0", "-#" };
	const char *f = sets[i];

	if (strchr(f, '+') != NULL || strchr(f, ' ') != NULL)
		return conv == 'd' || conv == 'i' ? f : NULL;
	if (strchr(f, '#') != NULL)
		return conv == 'o' || conv == 'x' || conv == 'X' ? f : NULL;
	return f;
}

static void
grammar(void)
{
	static const char convs[] = "diuoxX";
	static const char *widths[] = { "", "1", "5", "25" };
	static const char *precs[] = { "", ".", ".0", ".1", ".3", ".30" };
	static const char *lengths[] = { "hh", "h", "", "l", "ll", "z", "j",
	    "t" };

	for (const char *c = convs; *c; c++)
		for (int fi = 0; fi < 11; fi++) {
			const char *fl = flagset(fi, *c);

			if (fl == NULL)
				continue;
			for (int wi = 0; wi < 4; wi++)
				for (int pi = 0; pi < 6; pi++)
					for (int li = 0; li < 8; li++) {
						snprintf(fmtbuf, sizeof fmtbuf,
						    "[%%%s%s%s%s%c]", fl,
						    widths[wi], precs[pi],
						    lengths[li], *c);
						for (size_t k = 0; k < 17; k++) {
							long long sv = signed_values[k];
							unsigned long long uv = unsigned_values[k % 11];
							int sgn = *c == 'd' || *c == 'i';

							switch (li) {
							case 0: case 1: case 2:
								if (sgn) SAME(fmtbuf, (int)sv);
								else SAME(fmtbuf, (unsigned)uv);
								break;
							case 3:
								if (sgn) SAME(fmtbuf, (long)sv);
								else SAME(fmtbuf, (unsigned long)uv);
								break;
							case 4:
								if (sgn) SAME(fmtbuf, sv);
								else SAME(fmtbuf, uv);
								break;
							case 5:
								if (sgn) SAME(fmtbuf, (ssize_t)sv);
								else SAME(fmtbuf, (size_t)uv);
								break;
							case 6:
								if (sgn) SAME(fmtbuf, (intmax_t)sv);
								else SAME(fmtbuf, (uintmax_t)uv);
								break;
							default:
								SAME(fmtbuf, (ptrdiff_t)sv);
								break;
							}
						}
					}
		}
	check_report("integers: every flag, width, precision and length");

	static const char *strs[] = { "", "a", "hello", "a longer string of text",
	    "tab\there" };
	static const char *sfmts[] = { "[%s]", "[%10s]", "[%-10s]", "[%.3s]",
	    "[%.0s]", "[%8.2s]", "[%-8.2s]", "[%.30s]", "[%1s]" };
	for (size_t i = 0; i < sizeof sfmts / sizeof *sfmts; i++)
		for (size_t j = 0; j < sizeof strs / sizeof *strs; j++) {
			snprintf(fmtbuf, sizeof fmtbuf, "%s", sfmts[i]);
			SAME(fmtbuf, strs[j]);
		}
	static const char *cfmts[] = { "[%c]", "[%3c]", "[%-3c]" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(fmtbuf, sizeof fmtbuf, "%s", cfmts[i]);
		SAME(fmtbuf, 'x');
		SAME(fmtbuf, '%');
	}
	snprintf(fmtbuf, sizeof fmtbuf, "star forms");
	for (int w = -12; w <= 12; w += 3)
		for (int p = -2; p <= 6; p += 2) {
			SAME("[%*d]", w, 4711);
			SAME("[%*.*d]", w, p, -42);
			SAME("[%.*s]", p < 0 ? 0 : p, "abcdef");
			SAME("[%*.*s]", w, p, "abcdef");
			SAME("[%0*x]", w, 0xbeefu);
			SAME("[%-*.*s|]", w, p, "xy");
		}
	snprintf(fmtbuf, sizeof fmtbuf, "mixed");
	SAME("%s=%d, %u%% of %" PRIu64 " (%.*s) %c%02x%04X", "k", -3, 7u,
	    (uint64_t)1 << 40, 3, "abcdef", 'z', 10, 0xabc);
	SAME("%%%%%s%%", "x");
	SAME("%p", (void *)&cases);
	SAME("%20p|%-20p|", (void *)0x1234, (void *)0x1234);
	SAME("no conversions at all");
	SAME("%s", "");
	check_report("strings, characters, * forms, pointers, %%");
}

/* random formats from the grammar, against the oracle */
static void
random_formats(void)
{
	static const char convs[] = "diuxXoscp%";
	static const char flags[] = "-0+ #";
	uint64_t seed = 0x9e3779b97f4a7c15ULL;

	for (int it = 0; it < 20000; it++) {
		char *p = fmtbuf;
		char conv;
		int nflags;

		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		conv = convs[seed % 10];
		*p++ = '<';
		*p++ = '%';
		nflags = conv == '%' ? 0 : (int)(seed >> 8) % 3;
		for (int i = 0; i < nflags; i++) {
			char f = flags[(seed >> (12 + 3 * i)) % 5];

			if ((f == '+' || f == ' ') && conv != 'd' && conv != 'i')
				continue;
			if (f == '#' && conv != 'o' && conv != 'x' && conv != 'X')
				continue;
			if (f == '0' && (conv == 's' || conv == 'c' || conv == 'p'))
				continue;
			*p++ = f;
		}
		if (conv != '%') {
			if ((seed >> 24) % 2)
				p += sprintf(p, "%d", (int)((seed >> 26) % 40));
			if ((seed >> 32) % 2 && conv != 'c' && conv != 'p')
				p += sprintf(p, ".%d", (int)((seed >> 34) % 25));
		}
		*p++ = conv;
		*p++ = '>';
		*p = '\0';
		switch (conv) {
		case 'd': case 'i':
			SAME(fmtbuf, (int)(seed >> 20));
			break;
		case 's':
			SAME(fmtbuf, "The quick brown fox jumps" + (seed >> 40) % 26);
			break;
		case 'c':
			SAME(fmtbuf, 'A' + (int)((seed >> 40) % 26));
			break;
		case 'p':
			SAME(fmtbuf, (void *)(uintptr_t)((seed >> 16) | 1));
			break;
		case '%':
			SAME(fmtbuf);
			break;
		default:
			SAME(fmtbuf, (unsigned)(seed >> 30));
			break;
		}
	}
	check_report("20000 random formats");
}

static void
truncation(void)
{
	char buf[16];
	const char *full = "0123456789abcdefghij";

	t_ok(fmt_snprintf(NULL, 0, "%s-%d", "abc", 12345) == 9,
	    "size 0: nothing written, the whole length returned");
	memset(buf, 'X', sizeof buf);
	t_ok(fmt_snprintf(buf, 1, "%s", full) == 20 && buf[0] == '\0' &&
	    buf[1] == 'X', "size 1: only the terminator");
	for (size_t size = 2; size <= sizeof buf; size++) {
		char want[16];

		memset(buf, 'X', sizeof buf);
		snprintf(want, size, "%s", full);
		if (fmt_snprintf(buf, size, "%.10s%s", full, full + 10) != 20 ||
		    strcmp(buf, want) != 0 ||
		    (size < sizeof buf && buf[size] != 'X')) {
			t_ok(0, "truncated to %zu: got \"%s\"", size, buf);
			return;
		}
	}
	t_ok(1, "truncation at every size 2..16: C11's result, nothing past size");
}

static int
stream_printf(int fd, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static int
stream_printf(int fd, const char *format, ...)
{
	va_list ap;
	int n;

	va_start(ap, format);
	n = fmt_vdprintf(fd, format, ap);
	va_end(ap);
	return n;
}

/* fmt_dprintf through a pipe: what comes out, whole and in order; a
 * write that fails (/dev/full) is -1, with errno */
static void
streams(void)
{
	int p[2], n1, n2, fd;
	char big[3000], back[4000], want[4000];
	size_t got = 0;
	ssize_t r;

	if (!t_ok(pipe(p) == 0, "a pipe for the stream test"))
		return;
	for (size_t i = 0; i < sizeof big - 1; i++)
		big[i] = (char)('a' + i % 26);
	big[sizeof big - 1] = '\0';
	/* longer than the staging buffer: must arrive whole and in order
	 * (under the pipe's 64 KiB: no reader needed meanwhile) */
	n1 = fmt_dprintf(p[1], "[%s|%5d]", big, -7);
	n2 = stream_printf(p[1], "%-4s.", "x");
	close(p[1]);
	while ((r = read(p[0], back + got, sizeof back - 1 - got)) > 0)
		got += (size_t)r;
	close(p[0]);
	back[got] = '\0';
	snprintf(want, sizeof want, "[%s|%5d]%-4s.", big, -7, "x");
	t_ok(n1 == 3007 && n2 == 5 && strcmp(back, want) == 0,
	    "dprintf: 3007 + 5 bytes through the staging buffer, in order "
	    "(returned %d, %d; read %zu)", n1, n2, got);

	fd = open("/dev/full", O_WRONLY);
	if (fd >= 0) {
		errno = 0;
		t_ok(fmt_dprintf(fd, "%s", "x") == -1 && errno == ENOSPC,
		    "dprintf to a full device returns -1, errno ENOSPC");
		close(fd);
	}
}

int
main(void)
{
	grammar();
	random_formats();
	truncation();
	streams();
	return t_done();
}
