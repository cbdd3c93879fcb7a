/*
 * test_crc32: every CRC-32 back-end this CPU has against python3's
 * zlib.crc32 (the oracle) on many lengths and alignments, split updates,
 * and crc32_combine.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crc32.h"
#include "unit.h"

#define DATA 200000
#define MAXCASES 4000

static unsigned char data[DATA + 64];
static struct { size_t off, len; uint32_t want; } cases[MAXCASES];
static int ncases;

static void
add(size_t off, size_t len)
{
	if (ncases < MAXCASES && off + len <= DATA) {
		cases[ncases].off = off;
		cases[ncases].len = len;
		ncases++;
	}
}

/* Asks python3's zlib for the CRC of every case; 0 on success. */
static int
oracle(void)
{
	char dpath[] = "/tmp/test_crc32.XXXXXX", cpath[64], cmd[256];
	FILE *f, *p;
	int fd = mkstemp(dpath), rc = -1, i;

	if (fd < 0 || write(fd, data, DATA) != DATA)
		return -1;
	close(fd);
	snprintf(cpath, sizeof cpath, "%s.cases", dpath);
	if ((f = fopen(cpath, "w")) == NULL)
		goto out;
	for (i = 0; i < ncases; i++)
		fprintf(f, "%zu %zu\n", cases[i].off, cases[i].len);
	fclose(f);
	snprintf(cmd, sizeof cmd, "python3 -c 'import sys,zlib\n"
	    "d=open(sys.argv[1],\"rb\").read()\n"
	    "for l in open(sys.argv[2]):\n"
	    " o,n=map(int,l.split()); print(zlib.crc32(d[o:o+n]))' %s %s",
	    dpath, cpath);
	if ((p = popen(cmd, "r")) == NULL)
		goto out;
	for (i = 0; i < ncases; i++) {
		unsigned long v;
		if (fscanf(p, "%lu", &v) != 1)
			break;
		cases[i].want = (uint32_t)v;
	}
	if (pclose(p) == 0 && i == ncases)
		rc = 0;
out:
	unlink(dpath);
	unlink(cpath);
	return rc;
}

static void
check_backend(int b, const char *name)
{
	int i;
	uint32_t got = 0;

	if (crc32_use(b) < 0) {
		t_skip("crc32 %s: not available on this CPU or build", name);
		return;
	}
	t_streq(crc32_backend(), name, "crc32_backend() names the chosen back-end");
	t_ok(crc32_update(0, "123456789", 9) == 0xcbf43926,
	    "crc32 %s: check value of \"123456789\" is cbf43926", name);
	for (i = 0; i < ncases; i++) {
		got = crc32_update(0, data + cases[i].off, cases[i].len);
		if (got != cases[i].want)
			break;
	}
	if (i < ncases)
		t_ok(0, "crc32 %s equals zlib.crc32 on %d cases: off %zu len %zu: "
		    "got %08x want %08x", name, ncases, cases[i].off, cases[i].len,
		    got, cases[i].want);
	else
		t_ok(1, "crc32 %s equals zlib.crc32 on %d lengths and alignments",
		    name, ncases);

	/* any split of the input gives the same value */
	{
		uint32_t whole = crc32_update(0, data, DATA), c = 0;
		size_t pos = 0, step = 1;
		while (pos < DATA) {
			size_t n = step < DATA - pos ? step : DATA - pos;
			c = crc32_update(c, data + pos, n);
			pos += n;
			step = (step * 7 + 3) % 4099;
		}
		t_ok(c == whole && whole == cases[ncases - 1].want,
		    "crc32 %s: updates in uneven pieces equal one update", name);
	}
}

static void *
first_use(void *arg)
{
	uint32_t *got = arg;

	*got = crc32_update(0, "123456789", 9);
	return NULL;
}

int
main(void)
{
	uint32_t s = 12345;

	/*
	 * First, before anything chose a back-end: the first use, from 4
	 * threads at once (compressing threads start so), each with a tail
	 * the portable loop ends (whatever the back-end): the check value of
	 * CRC-32. Under ThreadSanitizer too (tests/t_tsan.sh).
	 */
	{
		pthread_t th[4];
		uint32_t got[4] = { 0 };
		int all = 1, started = 0;
		for (int i = 0; i < 4; i++)
			started += pthread_create(&th[i], NULL, first_use,
			    &got[i]) == 0;
		for (int i = 0; i < started; i++)
			pthread_join(th[i], NULL);
		for (int i = 0; i < 4; i++)
			all = all && got[i] == 0xCBF43926u;
		t_ok(started == 4 && all, "the first use, from 4 threads at "
		    "once: each gets CRC-32(\"123456789\") = cbf43926 (%08x %08x "
		    "%08x %08x, %s)", got[0], got[1], got[2], got[3],
		    crc32_backend());
	}

	/* the oracle (a fresh Debian 12 may lack it); run from the repo root */
	if (system("sh scripts/need.sh python3:python3 >&2") != 0) {
		/* every check below compares with the oracle's values */
		t_skip("CRC-32 against python3's zlib: scripts/need.sh could "
		    "not install python3");
		return t_done();
	}

	for (size_t i = 0; i < sizeof data; i++) {
		s = s * 1103515245 + 12345;
		data[i] = (unsigned char)(s >> 16);
	}
	for (size_t len = 0; len <= 300; len++)
		add(len % 16, len);
	{
		static const size_t lens[] = { 511, 512, 513, 1023, 1024, 1025,
		    4095, 4096, 4097, 65534, 65535, 65536, 65537, 100003 };
		for (size_t k = 0; k < sizeof lens / sizeof *lens; k++)
			for (size_t off = 0; off < 17; off++)
				add(off, lens[k]);
	}
	for (size_t len = 60; len < 200; len += 4)
		for (size_t off = 0; off < 8; off++)
			add(off * 3, len);
	add(0, DATA);   /* the last case: the whole buffer */

	if (!t_ok(oracle() == 0, "python3 zlib.crc32 computed %d cases", ncases))
		return t_done();

	check_backend(CRC32_PORTABLE, "portable");
	check_backend(CRC32_PCLMUL, "pclmul");
	check_backend(CRC32_ARMV8, "armv8-crc");
	t_ok(crc32_use(CRC32_AUTO) == 0, "crc32_use(CRC32_AUTO) chooses a back-end");
	t_ok(crc32_use(99) < 0, "crc32_use rejects an unknown back-end");

	/* combine: CRC(A || B) from CRC(A), CRC(B), len(B) */
	{
		int bad = -1;
		static const size_t splits[] = { 0, 1, 7, 64, 1000, 65535, 150001, DATA };
		uint32_t whole = cases[ncases - 1].want;
		for (size_t k = 0; k < sizeof splits / sizeof *splits; k++) {
			size_t a = splits[k];
			uint32_t c = crc32_combine(crc32_update(0, data, a),
			    crc32_update(0, data + a, DATA - a), DATA - a);
			if (c != whole) {
				bad = (int)a;
				break;
			}
		}
		t_ok(bad < 0, "crc32_combine of two halves equals the whole's CRC "
		    "(first bad split: %d)", bad);
	}
	return t_done();
}
