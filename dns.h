/*
 * dns.h: host names to addresses for http.c: what getaddrinfo(3) did for
 * s3pub, in a tenth of the code (musl's resolver, with its RFC 3484
 * sorting and IDN checks, was 13 KB of a binary that must stay under 250
 * KB). A stub resolver as musl's and glibc's are:
 *
 *   - an IPv4 or IPv6 literal is its own address;
 *   - /etc/hosts first (address, then names; case-insensitive, '#'
 *     comments), read to its end in chunks of whole lines (a line longer
 *     than 4 KiB is skipped: never cut into a shorter name);
 *   - then DNS over UDP to the `nameserver`s of /etc/resolv.conf (its
 *     first 4 KiB of whole lines; at most 3; 127.0.0.1 when there is
 *     none), A and AAAA asked of all of them at once, the first answer for
 *     each kept, sent again every `timeout`/`attempts` seconds, for
 *     `timeout` seconds in all (options timeout:N attempts:N, default 5
 *     and 2); a truncated answer is used as far as it goes. A SERVFAIL (or
 *     REFUSED) waits for another server; a type every server has failed
 *     has no address; NXDOMAIN for one type is for both. Once one type
 *     has given addresses, the other is waited for a second more at most:
 *     an edge router's broken IPv6 forwarder fails or drops AAAA queries,
 *     and the A records are used, as by glibc's getaddrinfo. No address
 *     and a failure or a time-out is an error that says which;
 *   - `search` / `domain` and `options ndots:N` (default 1) as the
 *     resolvers do: a name with fewer than ndots dots tries the search
 *     domains first, then itself; a name with a trailing dot only itself;
 *     NXDOMAIN or no address moves to the next candidate.
 * Addresses come IPv4 first (in the order of the answer), then IPv6: an
 * edge network with broken IPv6 connects at once; the caller tries each.
 * Names are checked (letters, digits, '-', '.', '_', bytes >= 0x80; at most
 * 253 bytes): nothing else reaches a query.
 *
 * The parsers work on text and packets in memory, so the tests check them
 * without a network; dns_resolve reads the two files and asks.
 */
#ifndef S3PUB_DNS_H
#define S3PUB_DNS_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define DNS_MAX_ADDRS 16
#define DNS_MAX_NS 3

typedef struct {
	struct sockaddr_storage sa;
	socklen_t len;
} dns_addr;

/* What /etc/resolv.conf says. */
typedef struct {
	dns_addr ns[DNS_MAX_NS];
	int nns;
	char search[256];       /* domains, blank-separated */
	int ndots, timeout, attempts;
} dns_conf;

/* Parses resolv.conf text (NUL-terminated) into c, defaults first. */
void dns_conf_parse(const char *text, dns_conf *c);

/*
 * Appends the addresses /etc/hosts text (whole lines) gives `name` (port
 * set in each; a final dot of name ignored) to out (*n of max), IPv4
 * first: the file can be read in chunks.
 */
void dns_hosts(const char *text, const char *name, unsigned port,
    dns_addr *out, int *n, int max);

/*
 * A query for name (type 1: A, 28: AAAA) with id, into out (at least 300
 * bytes). Returns its length, or -1 when the name is not a valid host name.
 */
int dns_query(const char *name, unsigned type, uint16_t id,
    unsigned char *out);

/* dns_answer's verdicts. */
enum { DNS_OK = 0, DNS_NONAME = 1, DNS_RETRY = 2, DNS_BAD = 3 };

/*
 * Reads an answer to the query with `id` and `type`: DNS_OK with the
 * addresses of that type appended to out (*n of max; a CNAME chain's
 * records are taken whatever their owner, as the resolvers do), DNS_NONAME
 * (NXDOMAIN), DNS_RETRY (SERVFAIL, REFUSED: another server may know), or
 * DNS_BAD (not an answer to that query: ignored).
 */
int dns_answer(const unsigned char *msg, size_t len, uint16_t id,
    unsigned type, unsigned port, dns_addr *out, int *n, int max);

/*
 * Resolves host for port into out (DNS_MAX_ADDRS room). Returns how many
 * addresses (> 0), or -1 with a short reason in why ("no such host", "no
 * answer from the name servers in 5 s", "the name server failed
 * (SERVFAIL)", "no name server answers (connection refused)",
 * "interrupted"). `cancel` (may be NULL) stops the wait once set.
 */
int dns_resolve(const char *host, unsigned port, dns_addr *out,
    const volatile sig_atomic_t *cancel, char *why, size_t whysz);

#endif
