/*
 * test_text.c: each helper of text.h against an oracle outside the
 * project. text_find and text_str against the C library's memmem and
 * strstr, on random haystacks and needles over a small alphabet so that
 * partial matches are frequent, and the edge cases; text_num against
 * strtoull; text_base64 against RFC 4648's vectors and python3's base64;
 * the ASCII helpers against the C library's classes in the C locale;
 * text_xml against python3's XML parser (expat) on random texts of
 * entities, references and plain bytes, and on the answers' edge cases
 * (absent, cut, too long).
 */
#include "../text.h"
#include "unit.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <strings.h>
#include <unistd.h>

/* ---- python3 as the oracle of text_base64 and text_xml ---- */

#define NXML 4000
#define NB64 300

static char xml_case[NXML][96];         /* a text between <K> and </K> */
static char xml_want[NXML][200];        /* python3: its UTF-8 in hex, "ERR" */
static unsigned char b64_in[NB64][64];
static char b64_want[NB64][96];

/*
 * Writes the cases to a file, one a line in hex, and reads python3's
 * answers: 0, or -1 when python3 did not answer them all.
 */
static int
oracle(void)
{
	char path[] = "/tmp/test_text.XXXXXX", cmd[1024], line[200];
	FILE *f, *p;
	int fd = mkstemp(path), i, rc = -1;

	if (fd < 0 || (f = fdopen(fd, "w")) == NULL)
		return -1;
	for (i = 0; i < NXML; i++) {
		for (const char *c = xml_case[i]; *c; c++)
			fprintf(f, "%02x", (unsigned char)*c);
		fputc('\n', f);
	}
	for (i = 0; i < NB64; i++) {
		for (int k = 0; k < i % 64; k++)
			fprintf(f, "%02x", b64_in[i][k]);
		fputc('\n', f);
	}
	fclose(f);
	snprintf(cmd, sizeof cmd, "python3 -c 'import sys,base64\n"
	    "import xml.etree.ElementTree as ET\n"
	    "for i,l in enumerate(open(sys.argv[1]).read().split(\"\\n\")[:-1]):\n"
	    " b=bytes.fromhex(l)\n"
	    " if i>=%d: print(base64.b64encode(b).decode() or \"-\"); continue\n"
	    " try: print((ET.fromstring(b\"<R><A>x</A><K>\"+b+b\"</K></R>\")"
	    ".find(\"K\").text or \"\").encode().hex() or \"-\")\n"
	    " except ET.ParseError: print(\"ERR\")' %s", NXML, path);
	if ((p = popen(cmd, "r")) == NULL)
		goto out;
	for (i = 0; i < NXML + NB64 && fgets(line, sizeof line, p) != NULL; i++) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "-") == 0)
			line[0] = '\0';
		if (i < NXML)
			memcpy(xml_want[i], line, sizeof line);
		else
			snprintf(b64_want[i - NXML], sizeof b64_want[0], "%.95s", line);
	}
	if (pclose(p) == 0 && i == NXML + NB64)
		rc = 0;
out:
	unlink(path);
	return rc;
}

/*
 * Random texts of pieces: plain bytes (UTF-8 included), the predefined
 * entities, references to every kind of code point XML 1.0 allows, and
 * what is not a reference. (No raw '<', ']' or line end, no control
 * reference but tab, LF and CR: XML forbids them, and text_xml, which
 * reads answers and does not judge them, lets them through.)
 */
static void
make_xml_cases(uint32_t seed)
{
	static const char *const piece[] = { "a", "Z", " ", ">", "\"", "'",
	    "\xc3\xa9", "\xe2\x82\xac", ";", "#", "x", "0",
	    "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#65;", "&#x41;",
	    "&#x4a;", "&#x4A;", "&#0065;", "&#x0041;", "&#233;", "&#xe9;",
	    "&#x20AC;", "&#x1F600;", "&#128512;", "&#x10FFFF;", "&#9;", "&#xA;",
	    "&#13;", "&#0;", "&#xD800;", "&#xDFFF;", "&#x110000;",
	    "&#99999999999999999999;", "&#;", "&#x;", "&#X41;", "&#65a;",
	    "&#x4G;", "&AMP;", "&Amp;", "&foo;", "&amp", "&", "&;", "& amp;",
	    "&#", "&#x" };
	size_t np = sizeof piece / sizeof piece[0];

	for (int i = 0; i < NXML; i++) {
		char *t = xml_case[i];
		int k = (int)(seed >> 8) % 8;

		t[0] = '\0';
		while (k-- > 0) {
			const char *pc;
			seed = seed * 1103515245 + 12345;
			/* one text in four plain: the bad pieces are the last */
			pc = piece[(seed >> 12) % (i % 4 == 0 ? 12 : np)];
			if (strlen(t) + strlen(pc) < sizeof xml_case[0])
				strcat(t, pc);
		}
		seed = seed * 1103515245 + 12345;
	}
}

static void
hex(const char *s, char *out)
{
	for (; *s; s++, out += 2)
		sprintf(out, "%02x", (unsigned char)*s);
	*out = '\0';
}

static void
test_xml_oracle(void)
{
	char doc[160], out[160], got[400], first[400] = "";
	int bad = 0, room_bad = 0, nerr = 0;

	for (int i = 0; i < NXML; i++) {
		int r, n = snprintf(doc, sizeof doc, "<R><A>x</A><K>%s</K></R>",
		    xml_case[i]);
		size_t len;

		r = text_xml(doc, (size_t)n, "K", out, sizeof out);
		hex(out, got);
		if (strcmp(xml_want[i], "ERR") == 0) {
			nerr++;
			if (r == -1 && out[0] == '\0')
				continue;
		} else if (r == 1 && strcmp(got, xml_want[i]) == 0) {
			/* room: its length with the NUL fits, one byte less not */
			len = strlen(out);
			if (text_xml(doc, (size_t)n, "K", out, len + 1) != 1 ||
			    strlen(out) != len ||
			    text_xml(doc, (size_t)n, "K", out, len) != -1 ||
			    (len > 0 && out[0] != '\0'))
				room_bad++;
			continue;
		}
		if (!bad++)
			snprintf(first, sizeof first, "<K>%.95s</K>: %d \"%.120s\", "
			    "python3 \"%.120s\"", xml_case[i], r, got, xml_want[i]);
	}
	t_ok(bad == 0, "text_xml agrees with python3's XML parser on %d random "
	    "texts (%d not XML) (%d differ%s%s)", NXML, nerr, bad,
	    bad ? "; first " : "", first);
	t_ok(room_bad == 0 && nerr > NXML / 10 && nerr < NXML * 9 / 10,
	    "text_xml: each text fits in its length + 1 bytes, never in its "
	    "length (%d wrong)", room_bad);
}

static void
test_xml_cases(void)
{
	char out[64];

	t_ok(text_xml("<ETag>&quot;abc&quot;</ETag>", 28, "ETag", out,
	    sizeof out) == 1 && strcmp(out, "\"abc\"") == 0,
	    "xml: &quot; decoded (ETags are quoted)");
	t_ok(text_xml("<K>a&amp;b&lt;c&gt;d&apos;e&#34;f&#x41;</K>", 43, "K",
	    out, sizeof out) == 1 && strcmp(out, "a&b<c>d'e\"fA") == 0,
	    "xml: the five entities and decimal and hex references");
	t_ok(text_xml("<Key>a&#13;&#x1;b</Key>", 23, "Key", out, sizeof out) == 1
	    && strcmp(out, "a\r\x01" "b") == 0,
	    "xml: control references (S3 writes them in keys) decoded");
	t_ok(text_xml("<Key>x</Key>", 12, "UploadId", out, sizeof out) == 0 &&
	    out[0] == '\0', "xml: an absent element is 0, out \"\"");
	t_ok(text_xml("<Key>0123456789</Key>", 21, "Key", out, 5) == -1 &&
	    out[0] == '\0', "xml: a value over the room is -1, never cut");
	t_ok(text_xml("<Key></Key>", 11, "Key", out, 1) == 1 && out[0] == '\0' &&
	    text_xml("<Key></Key>", 11, "Key", out, 0) == -1,
	    "xml: an empty value needs one byte");
	t_ok(text_xml("<Key>first</Key><Key>second</Key>", 33, "Key", out,
	    sizeof out) == 1 && strcmp(out, "first") == 0,
	    "xml: the first element of that name");
	t_ok(text_xml("<Key>abc</Key>", 10, "Key", out, sizeof out) == -1 &&
	    text_xml("<Key>abc", 8, "Key", out, sizeof out) == -1,
	    "xml: an element cut by the length, or without its end, is -1");
	t_ok(text_xml("<KeyMarker>m</KeyMarker><Key>k</Key>", 36, "Key", out,
	    sizeof out) == 1 && strcmp(out, "k") == 0,
	    "xml: <Key> is not the start of <KeyMarker>");
	t_ok(text_xml("<K>a&b</K>", 10, "K", out, sizeof out) == -1 &&
	    text_xml("<K>&unknown;</K>", 16, "K", out, sizeof out) == -1 &&
	    out[0] == '\0', "xml: a bare '&' or an undeclared entity is -1");
	{
		char name[80];
		memset(name, 'n', sizeof name - 1);
		name[sizeof name - 1] = '\0';
		t_ok(text_xml("<K>v</K>", 8, name, out, sizeof out) == -1,
		    "xml: a name over 60 bytes is -1");
	}
}

/* ---- ASCII ---- */

static void
test_ascii(void)
{
	int bad = 0;
	char s[16];

	/* the C library in the C locale (no setlocale here) as the oracle */
	for (int c = -1; c < 256; c++)
		bad += text_lower(c) != (c < 0 ? c : tolower(c)) ||
		    text_blank(c) != (c >= 0 && isblank(c) != 0);
	t_ok(bad == 0, "text_lower and text_blank agree with tolower and "
	    "isblank on every byte (%d differ)", bad);
	bad = 0;
	for (int c = 1; c < 256; c++) {
		char one[2] = { (char)c, '\0' };
		bad += text_visible(one) != (c < 128 && isgraph(c) != 0) ||
		    text_has_ctl(one) != (c < 128 && iscntrl(c) != 0);
	}
	t_ok(bad == 0 && text_visible("") && !text_has_ctl("") &&
	    text_visible("AKIA/+=") && !text_visible("a b") &&
	    text_has_ctl("a\tb") && !text_has_ctl("a b\xc3\xa9"),
	    "text_visible and text_has_ctl agree with isgraph and iscntrl "
	    "(%d differ)", bad);
	bad = 0;
	for (int i = 0; i < 20000; i++) {
		char a[6], b[6];
		size_t n = (size_t)(rand() % 6), m = (size_t)(rand() % 6);
		for (size_t k = 0; k < 5; k++) {
			a[k] = "aAbB["[rand() % 5];
			b[k] = "aAbB["[rand() % 5];
		}
		a[n] = b[m] = '\0';
		bad += text_ieq(a, n, b) != (n == m && strcasecmp(a, b) == 0);
	}
	t_ok(bad == 0 && text_ieq("HTTPS://x", 8, "https://") &&
	    !text_ieq("abc", 2, "abc") && !text_ieq("ab", 2, "a") &&
	    text_ieq("", 0, ""), "text_ieq agrees with strcasecmp on 20000 "
	    "pairs (%d differ)", bad);

	strcpy(s, " \t tok en\r\n");
	t_ok(text_trim(s) == s && strcmp(s, "tok en") == 0,
	    "text_trim: blanks and line ends at both ends, the text moved to "
	    "the start (a token served between blanks)");
	strcpy(s, " \r\n\t");
	t_ok(text_trim(s) == s && s[0] == '\0', "text_trim: blanks only");
	strcpy(s, "\v x\f");
	t_ok(strcmp(text_trim(s), "\v x\f") == 0,
	    "text_trim: other white space kept");
}

/*
 * text_ip against the C library's inet_pton (musl's in the static build,
 * glibc's in the sanitizer one): fixed edge cases, then random strings of
 * the characters an address is made of. Both must agree on whether a
 * string is an address, and on the bytes.
 */
static void
test_ip(void)
{
	static const char *fixed[] = {
		"0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3", "1.2.3.4.5",
		"01.2.3.4", "1.2.3.04", "1..2.3", "1.2.3.4 ", " 1.2.3.4", "",
		"1234.1.1.1", "1.2.3.-4", "::", "::1", "1::", "1:2:3:4:5:6:7:8",
		"1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1::2:3:4:5:6:7:8",
		"1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", ":::", "1:::2", "1::2::3",
		":1::", "1:", ":1", "12345::", "0000:0000::", "fFfF::AbCd",
		"::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4",
		"1:2:3:4:5:6:7:1.2.3.4", "::1.2.3", "::1.2.3.4:5", "1.2.3.4::",
		"::256.1.1.1", "::01.2.3.4", "fe80::1%eth0", "g::", "::g",
		"1::2:", "::ffff:1.2.3.4.5", "2001:db8::8a2e:370:7334", "[::1]",
		"1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7", "::0:1:2:3:4:5:6:7",
	};
	char first[128] = "";
	int n = 0, bad = 0, addrs = 0;
	uint32_t seed = 2024;

	for (int it = 0; it < 400000 + (int)(sizeof fixed / sizeof *fixed);
	    it++) {
		static const char alpha[] = "0123456789abcdefABCDEF:.:.:0g ";
		char s[48];
		unsigned char a[16], b4[4], b6[16];
		int got, want;

		if (it < (int)(sizeof fixed / sizeof *fixed)) {
			snprintf(s, sizeof s, "%s", fixed[it]);
		} else {
			int len;
			seed = seed * 1103515245 + 12345;
			len = (int)(seed >> 16) % 40;
			for (int k = 0; k < len; k++) {
				seed = seed * 1103515245 + 12345;
				s[k] = alpha[(seed >> 16) % (sizeof alpha - 1)];
			}
			s[len] = 0;
		}
		n++;
		got = text_ip(s, a);
		want = inet_pton(AF_INET, s, b4) == 1 ? 4 :
		    inet_pton(AF_INET6, s, b6) == 1 ? 16 : 0;
		addrs += want != 0;
		if (got != want || (want && memcmp(a, want == 4 ? b4 : b6,
		    (size_t)want) != 0)) {
			if (bad++ == 0)
				snprintf(first, sizeof first, "'%s': %d, libc %d", s,
				    got, want);
		}
	}
	t_ok(bad == 0 && addrs > 100, "text_ip agrees with inet_pton on %d "
	    "strings, %d of them addresses (%d differ; first: %s)", n, addrs,
	    bad, first);
}

int
main(void)
{
	uint32_t seed = 12345;
	char hay[64], needle[8], first[256] = "";
	int bad = 0;

	for (int it = 0; it < 200000; it++) {
		size_t hl, nl;

		seed = seed * 1103515245 + 12345;
		hl = (seed >> 8) % 40;
		nl = (seed >> 16) % 6;
		for (size_t i = 0; i < hl; i++) {
			seed = seed * 1103515245 + 12345;
			hay[i] = "abA"[(seed >> 16) % 3];
		}
		hay[hl] = '\0';
		for (size_t i = 0; i < nl; i++) {
			seed = seed * 1103515245 + 12345;
			needle[i] = "abA"[(seed >> 16) % 3];
		}
		needle[nl] = '\0';
		/* a length short of the string: the bytes past it must not count */
		size_t lim = hl > 0 ? (seed >> 4) % (hl + 1) : 0;
		if (text_find(hay, lim, needle) != memmem(hay, lim, needle, nl) ||
		    text_str(hay, needle) != strstr(hay, needle)) {
			if (!bad++)
				snprintf(first, sizeof first, "\"%s\" (first %zu) in "
				    "\"%s\"", needle, lim, hay);
		}
	}
	t_ok(bad == 0, "200000 random searches agree with memmem and strstr%s%s",
	    bad ? ": first " : "", first);
	t_ok(text_find("abc", 0, "") == memmem("abc", 0, "", 0) &&
	    text_str("", "") != NULL && text_str("", "a") == NULL &&
	    text_find("<Error>", 6, "<Error>") == NULL,
	    "empty needle, empty haystack, a match cut by the length");

	/* text_num against strtoull (the oracle) on random digit strings */
	{
		int bad_num = 0;
		for (int i = 0; i < 100000; i++) {
			char s[40], *end;
			unsigned base = i & 1 ? 16 : 10;
			size_t n = (size_t)(rand() % 24);
			uint64_t v = 0;
			const char *e;
			unsigned long long want;
			for (size_t k = 0; k < n; k++)
				s[k] = "0123456789abcdefABCDEFz-+ "[rand() % (base == 16 ? 26 : 13)];
			s[n] = '\0';
			if (s[0] == ' ' || s[0] == '-' || s[0] == '+')
				s[0] = '7';     /* strtoull skips these; text_num does not */
			errno = 0;
			want = strtoull(s, &end, (int)base);
			e = text_num(s, base, &v);
			if (errno == ERANGE ? e != NULL :
			    (e != end || (e != s && v != want)))
				bad_num++;
		}
		t_ok(bad_num == 0, "text_num agrees with strtoull on 100000 "
		    "strings, bases 10 and 16, overflow included (%d differ)",
		    bad_num);
		t_ok(text_num("-1", 10, &(uint64_t){ 0 }) != NULL &&
		    *text_num("-1", 10, &(uint64_t){ 0 }) == '-' &&
		    text_num("18446744073709551615", 10, &(uint64_t){ 0 }) != NULL &&
		    text_num("18446744073709551616", 10, &(uint64_t){ 0 }) == NULL,
		    "text_num: no sign; 2^64-1 fits, 2^64 does not");
	}
	/* text_base64: RFC 4648 section 10's test vectors */
	{
		static const char *const v[][2] = { { "", "" }, { "f", "Zg==" },
		    { "fo", "Zm8=" }, { "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		    { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" } };
		char out[16];
		int bad = 0;
		for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
			text_base64((const unsigned char *)v[i][0], strlen(v[i][0]), out);
			bad += strcmp(out, v[i][1]) != 0;
		}
		t_ok(bad == 0, "text_base64: the RFC 4648 test vectors (%d differ)", bad);
	}

	test_ascii();
	test_xml_cases();
	/* the oracle (a fresh Debian 12 may lack it); run from the repo root */
	if (system("sh scripts/need.sh python3:python3 >&2") != 0) {
		t_skip("text_base64 and text_xml against python3: scripts/need.sh "
		    "could not install python3");
		return t_done();
	}
	make_xml_cases(777);
	for (int i = 0; i < NB64; i++)
		for (int k = 0; k < 64; k++)
			b64_in[i][k] = (unsigned char)rand();
	if (!t_ok(oracle() == 0, "python3 answered %d XML texts and %d base64 "
	    "inputs", NXML, NB64))
		return t_done();
	test_xml_oracle();
	{
		char out[96];
		int bad = 0;
		for (int i = 0; i < NB64; i++) {
			text_base64(b64_in[i], (size_t)(i % 64), out);
			bad += strcmp(out, b64_want[i]) != 0;
		}
		t_ok(bad == 0, "text_base64 agrees with python3's base64 on %d "
		    "inputs of 0..63 bytes (%d differ)", NB64, bad);
	}
	test_ip();
	/* text_unhex against the C library's own reading of each byte pair
	 * (sscanf "%2hhx"), every pair of the 22 hex digits, any case */
	{
		static const char digits[] = "0123456789abcdefABCDEF";
		int bad = 0;
		for (int i = 0; i < 22; i++)
			for (int j = 0; j < 22; j++) {
				char s[3] = { digits[i], digits[j], 0 };
				unsigned char got = 0, want = 0;
				if (text_unhex(s, &got, 1) != 0 ||
				    sscanf(s, "%2hhx", &want) != 1 || got != want)
					bad++;
			}
		unsigned char o[3] = { 1, 2, 3 };
		t_ok(bad == 0 && text_unhex("00fF7a", o, 3) == 0 && o[0] == 0 &&
		    o[1] == 0xff && o[2] == 0x7a, "text_unhex: 484 pairs as sscanf "
		    "reads them (%d differ)", bad);
		t_ok(text_unhex("0g", o, 1) < 0 && text_unhex("a", o, 1) < 0 &&
		    text_unhex(" a", o, 1) < 0 && text_unhex("ab\0cd", o, 2) < 0,
		    "text_unhex: a non-digit, a blank or an early NUL is -1");
	}
	return t_done();
}
