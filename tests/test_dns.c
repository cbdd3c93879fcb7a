/*
 * test_dns.c: the stub resolver's parsers, without a network.
 *
 * resolv.conf and hosts text as the man pages (resolv.conf(5), hosts(5))
 * describe them; queries and answers byte for byte as RFC 1035 section 4
 * lays them out (the answers below are written out by hand from it, one
 * of them as captured from a real resolver: a CNAME chain with name
 * compression). The network part (dns_resolve against a server) is tested
 * by tests/t_dns.sh and tests/e2e_scratch.sh with tests/dns_stub.py.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "dns.h"
#include "unit.h"

static const char *
addr_str(const dns_addr *a, char *buf, size_t n)
{
	const struct sockaddr_in *v4 = (const struct sockaddr_in *)&a->sa;
	const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&a->sa;
	char ip[64];

	if (a->sa.ss_family == AF_INET)
		inet_ntop(AF_INET, &v4->sin_addr, ip, sizeof ip);
	else
		inet_ntop(AF_INET6, &v6->sin6_addr, ip, sizeof ip);
	snprintf(buf, n, "%s/%u", ip, ntohs(a->sa.ss_family == AF_INET ?
	    v4->sin_port : v6->sin6_port));
	return buf;
}

/* All addresses as "a/port a/port". */
static void
list(const dns_addr *a, int n, char *out, size_t size)
{
	char b[80];

	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		strncat(out, addr_str(&a[i], b, sizeof b), size - strlen(out) - 1);
		if (i + 1 < n)
			strncat(out, " ", size - strlen(out) - 1);
	}
}

int
main(void)
{
	dns_conf c;
	dns_addr a[DNS_MAX_ADDRS];
	char got[512];
	unsigned char q[300];
	int n;

	/* resolv.conf */
	dns_conf_parse("", &c);
	list(c.ns, c.nns, got, sizeof got);
	t_ok(c.nns == 1 && strcmp(got, "127.0.0.1/53") == 0 && c.ndots == 1 &&
	    c.timeout == 5 && c.attempts == 2 && c.search[0] == '\0',
	    "resolv.conf empty: 127.0.0.1, ndots 1, timeout 5, attempts 2 (%s)", got);
	dns_conf_parse("# comment\nnameserver 10.0.0.2\n"
	    "nameserver   fd00::53  # v6\nnameserver 10.0.0.3\nnameserver 10.0.0.4\n"
	    "search a.example b.example\t c.example\n"
	    "options ndots:5 timeout:2 attempts:3 rotate\n", &c);
	list(c.ns, c.nns, got, sizeof got);
	t_streq(got, "10.0.0.2/53 fd00::53/53 10.0.0.3/53", "resolv.conf: 3 servers at most, v4 and v6");
	t_streq(c.search, "a.example b.example c.example", "resolv.conf: search list");
	t_ok(c.ndots == 5 && c.timeout == 2 && c.attempts == 3,
	    "resolv.conf: options ndots timeout attempts");
	dns_conf_parse("search x.example\ndomain y.example\noptions ndots:99 timeout:0\n"
	    "nameserver not-an-address\n", &c);
	t_ok(strcmp(c.search, "y.example") == 0 && c.ndots == 15 && c.timeout == 1 &&
	    c.nns == 1, "resolv.conf: the last search/domain wins, limits, bad servers skipped");

	/* hosts */
	n = 0;
	dns_hosts("127.0.0.1 localhost\n::1 localhost ip6-localhost\n"
	    "# 10.9.9.9 minio\n10.1.2.3\tMinIO.local minio # lab\n"
	    "fd00::7 minio\n10.1.2.4 minio\nbad-address minio\n", "minio", 443,
	    a, &n, DNS_MAX_ADDRS);
	list(a, n, got, sizeof got);
	t_streq(got, "10.1.2.3/443 10.1.2.4/443 fd00::7/443",
	    "hosts: every line naming it, IPv4 first, comments and bad lines skipped");
	/* the next chunk of the file: merged, IPv4 still first */
	dns_hosts("fd00::8 minio\n10.1.2.5 minio", "minio", 443, a, &n, DNS_MAX_ADDRS);
	list(a, n, got, sizeof got);
	t_streq(got, "10.1.2.3/443 10.1.2.4/443 10.1.2.5/443 fd00::7/443 fd00::8/443",
	    "hosts: a second chunk appended, IPv4 first");
	n = 0;
	dns_hosts("127.0.0.1 LocalHost\n", "localhost", 80, a, &n, DNS_MAX_ADDRS);
	t_ok(n == 1, "hosts: names match case-insensitively");
	n = 0;
	dns_hosts("127.0.0.1 localhost\n", "local", 80, a, &n, DNS_MAX_ADDRS);
	t_ok(n == 0, "hosts: a prefix is not a match");
	n = 0;
	dns_hosts("127.0.0.1 localhost\n", "localhost.", 80, a, &n, DNS_MAX_ADDRS);
	t_ok(n == 1, "hosts: an absolute name (final dot) is the same name");
	n = 0;
	dns_hosts("127.0.0.1 localhost\n", "localhost..", 80, a, &n, DNS_MAX_ADDRS);
	t_ok(n == 0, "hosts: one final dot only");

	/* queries */
	n = dns_query("s3.us-west-2.amazonaws.com", 1, 0xbeef, q);
	t_ok(n == 12 + 28 + 4 && memcmp(q, "\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12) == 0 &&
	    memcmp(q + 12, "\x02s3\x09us-west-2\x09" "amazonaws\x03" "com\x00\x00\x01\x00\x01", 32) == 0,
	    "query: header (id, RD, one question), labels, type A, class IN");
	t_ok(dns_query("minio.", 28, 1, q) == 12 + 7 + 4 && q[12 + 7 + 1] == 28,
	    "query: a trailing dot, type AAAA");
	t_ok(dns_query("a..b", 1, 1, q) < 0 && dns_query("", 1, 1, q) < 0 &&
	    dns_query("a b", 1, 1, q) < 0 && dns_query("a/b", 1, 1, q) < 0,
	    "query: empty labels, blanks and slashes are refused");
	{
		char big[300];
		memset(big, 'a', 64);
		big[64] = '\0';
		t_ok(dns_query(big, 1, 1, q) < 0, "query: a label of 64 bytes is refused");
	}

	/* answers */
	{
		/* www.example.com A: CNAME web.example.com (compressed), then
		 * two A records owned by it, one AAAA ignored for type A */
		static const unsigned char ans[] = {
			0x12, 0x34, 0x81, 0x80, 0, 1, 0, 4, 0, 0, 0, 0,
			3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
			0, 1, 0, 1,
			0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 6,
			3, 'w', 'e', 'b', 0xc0, 16,
			0xc0, 45, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1,
			0xc0, 45, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 2,
			0xc0, 45, 0, 28, 0, 1, 0, 0, 0, 60, 0, 16,
			0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		};
		unsigned char bad[sizeof ans];
		int v;

		n = 0;
		v = dns_answer(ans, sizeof ans, 0x1234, 1, 443, a, &n, DNS_MAX_ADDRS);
		list(a, n, got, sizeof got);
		t_ok(v == DNS_OK && strcmp(got, "192.0.2.1/443 192.0.2.2/443") == 0,
		    "answer: a CNAME chain's A records, compressed names (%s)", got);
		n = 0;
		v = dns_answer(ans, sizeof ans, 0x1234, 28, 443, a, &n, DNS_MAX_ADDRS);
		list(a, n, got, sizeof got);
		t_ok(v == DNS_OK && strcmp(got, "2001:db8::1/443") == 0,
		    "answer: asked for AAAA, only AAAA (%s)", got);
		n = 0;
		t_ok(dns_answer(ans, sizeof ans, 0x1235, 1, 443, a, &n, 16) == DNS_BAD && n == 0,
		    "answer: another id is not ours");
		n = 0;
		v = dns_answer(ans, sizeof ans - 20, 0x1234, 1, 443, a, &n, 16);
		t_ok(v == DNS_OK && n == 2, "answer: truncated in the last record: the rest used");
		memcpy(bad, ans, sizeof ans);
		bad[3] = 0x83;          /* NXDOMAIN */
		n = 0;
		t_ok(dns_answer(bad, sizeof bad, 0x1234, 1, 443, a, &n, 16) == DNS_NONAME,
		    "answer: NXDOMAIN");
		bad[3] = 0x82;          /* SERVFAIL */
		t_ok(dns_answer(bad, sizeof bad, 0x1234, 1, 443, a, &n, 16) == DNS_RETRY,
		    "answer: SERVFAIL asks another server");
		bad[3] = 0x80;
		bad[2] = 0x01;          /* QR clear: a query, not an answer */
		t_ok(dns_answer(bad, sizeof bad, 0x1234, 1, 443, a, &n, 16) == DNS_BAD,
		    "answer: a query is not an answer");
		/* a loop of compression pointers does not hang */
		memcpy(bad, ans, sizeof ans);
		bad[33] = 0xc0;
		bad[34] = 33;
		n = 0;
		dns_answer(bad, sizeof bad, 0x1234, 1, 443, a, &n, 16);
		t_ok(n <= 2, "answer: a pointer to itself ends (names are skipped, never followed)");
		/* the table is bounded */
		n = 0;
		dns_answer(ans, sizeof ans, 0x1234, 1, 443, a, &n, 1);
		t_ok(n == 1, "answer: at most max addresses");
	}

	/* literals resolve to themselves without any file or server */
	{
		char why[64];
		n = dns_resolve("192.0.2.9", 9000, a, NULL, why, sizeof why);
		list(a, n, got, sizeof got);
		t_streq(got, "192.0.2.9/9000", "resolve: an IPv4 literal");
		n = dns_resolve("2001:db8::9", 443, a, NULL, why, sizeof why);
		list(a, n, got, sizeof got);
		t_streq(got, "2001:db8::9/443", "resolve: an IPv6 literal");
	}
	return t_done();
}
