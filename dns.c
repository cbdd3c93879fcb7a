/*
 * dns.c: see dns.h. RFC 1035 (messages: section 4.1; names and their
 * compression: 4.1.4), RFC 3596 (AAAA).
 */
#include "dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "text.h"

#define TYPE_A 1
#define TYPE_AAAA 28

/*
 * a = the address ip (4 or 16 bytes: the family) and port. The socket
 * address is built in its own type and copied: writing a sockaddr_in
 * through a pointer into a sockaddr_storage breaks the aliasing rules
 * (the optimiser dropped such stores).
 */
static void
set_addr(dns_addr *a, const void *ip, size_t iplen, unsigned port)
{
	memset(a, 0, sizeof *a);
	if (iplen == 4) {
		struct sockaddr_in v4 = { .sin_family = AF_INET,
		    .sin_port = htons((uint16_t)port) };
		memcpy(&v4.sin_addr, ip, 4);
		memcpy(&a->sa, &v4, sizeof v4);
		a->len = sizeof v4;
	} else {
		struct sockaddr_in6 v6 = { .sin6_family = AF_INET6,
		    .sin6_port = htons((uint16_t)port) };
		memcpy(&v6.sin6_addr, ip, 16);
		memcpy(&a->sa, &v6, sizeof v6);
		a->len = sizeof v6;
	}
}

/* The address literal s (a whole token of n bytes) with port, or 0. */
static int
literal(const char *s, size_t n, unsigned port, dns_addr *a)
{
	char buf[64];
	unsigned char ip[16];

	if (n >= sizeof buf)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if ((n = (size_t)text_ip(buf, ip)) == 0)
		return 0;
	set_addr(a, ip, n, port);
	return 1;
}

/* The next blank-separated token of a line: its start, *n its length. */
static const char *
token(const char **p, size_t *n)
{
	const char *s = *p, *t;

	while (*s == ' ' || *s == '\t')
		s++;
	for (t = s; *t != '\0' && *t != ' ' && *t != '\t' && *t != '\n' &&
	    *t != '#' && *t != ';'; t++)
		continue;
	*p = t;
	*n = (size_t)(t - s);
	return s;
}

/* The start of the next line. */
static const char *
next_line(const char *p)
{
	while (*p != '\0' && *p != '\n')
		p++;
	return *p == '\n' ? p + 1 : p;
}

/* Whether token t (n bytes) is the word w. */
static int
is_word(const char *t, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(t, w, n) == 0;
}

void
dns_conf_parse(const char *text, dns_conf *c)
{
	memset(c, 0, sizeof *c);
	c->ndots = 1;
	c->timeout = 5;
	c->attempts = 2;
	for (const char *p = text; *p != '\0'; p = next_line(p)) {
		size_t n, an;
		const char *kw = token(&p, &n), *arg;

		if (is_word(kw, n, "nameserver")) {
			arg = token(&p, &an);
			/* a scope (fe80::1%eth0) is not taken: link-local
			 * servers are rare here */
			if (c->nns < DNS_MAX_NS && literal(arg, an, 53, &c->ns[c->nns]))
				c->nns++;
		} else if (is_word(kw, n, "search") || is_word(kw, n, "domain")) {
			size_t o = 0;
			while ((arg = token(&p, &an)), an > 0) {
				if (o + an + 1 >= sizeof c->search)
					break;
				memcpy(c->search + o, arg, an);
				o += an;
				c->search[o++] = ' ';
			}
			c->search[o ? o - 1 : 0] = '\0';
		} else if (is_word(kw, n, "options")) {
			while ((arg = token(&p, &an)), an > 0) {
				static const char *const names[3] = { "ndots:",
				    "timeout:", "attempts:" };
				int *field[3] = { &c->ndots, &c->timeout, &c->attempts };
				for (int i = 0; i < 3; i++) {
					size_t l = strlen(names[i]);
					int v = 0;
					if (an <= l || memcmp(arg, names[i], l) != 0)
						continue;
					for (size_t k = l; k < an && arg[k] >= '0' &&
					    arg[k] <= '9' && v < 100; k++)
						v = v * 10 + (arg[k] - '0');
					/* the resolvers' limits */
					*field[i] = i == 0 ? (v > 15 ? 15 : v) :
					    v < 1 ? 1 : v > 30 ? 30 : v;
				}
			}
		}
	}
	if (c->nns == 0) {
		literal("127.0.0.1", 9, 53, &c->ns[0]);
		c->nns = 1;
	}
}

/* Appends a, keeping IPv4 before IPv6; 0 when out is full. */
static int
add_addr(dns_addr *out, int *n, int max, const dns_addr *a)
{
	int at = *n;

	if (*n >= max)
		return 0;
	if (a->sa.ss_family == AF_INET)
		while (at > 0 && out[at - 1].sa.ss_family != AF_INET)
			at--;
	memmove(out + at + 1, out + at, (size_t)(*n - at) * sizeof *out);
	out[at] = *a;
	(*n)++;
	return 1;
}

void
dns_hosts(const char *text, const char *name, unsigned port, dns_addr *out,
    int *n, int max)
{
	/* an absolute name ("localhost.") is the same name */
	size_t len = strlen(name);

	len -= len > 0 && name[len - 1] == '.';
	for (const char *p = text; *p != '\0'; p = next_line(p)) {
		size_t al, nl;
		const char *addr = token(&p, &al), *nm;
		dns_addr a;

		if (al == 0 || !literal(addr, al, port, &a))
			continue;
		while ((nm = token(&p, &nl)), nl > 0)
			if (nl == len && strncasecmp(nm, name, nl) == 0) {
				add_addr(out, n, max, &a);
				break;
			}
	}
}

int
dns_query(const char *name, unsigned type, uint16_t id, unsigned char *out)
{
	size_t n = strlen(name), o = 12;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return -1;
	memset(out, 0, 12);
	out[0] = (unsigned char)(id >> 8);
	out[1] = (unsigned char)id;
	out[2] = 1;                     /* RD: recursion desired */
	out[5] = 1;                     /* QDCOUNT */
	for (size_t i = 0; i < n;) {
		size_t l = 0;
		while (i + l < n && name[i + l] != '.') {
			unsigned char ch = (unsigned char)name[i + l];
			if (!(ch >= 0x80 || ch == '-' || ch == '_' ||
			    (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' &&
			    (ch | 0x20) <= 'z')))
				return -1;
			l++;
		}
		if (l == 0 || l > 63)
			return -1;
		out[o++] = (unsigned char)l;
		memcpy(out + o, name + i, l);
		o += l;
		i += l + 1;
	}
	out[o++] = 0;
	out[o++] = 0;
	out[o++] = (unsigned char)type;
	out[o++] = 0;
	out[o++] = 1;                   /* class IN */
	return (int)o;
}

/* The offset after the name at off (compressed or not), or 0. */
static size_t
skip_name(const unsigned char *m, size_t len, size_t off)
{
	while (off < len) {
		if (m[off] == 0)
			return off + 1;
		if ((m[off] & 0xc0) == 0xc0)
			return off + 2 <= len ? off + 2 : 0;
		off += 1 + (size_t)m[off];
	}
	return 0;
}

int
dns_answer(const unsigned char *m, size_t len, uint16_t id, unsigned type,
    unsigned port, dns_addr *out, int *n, int max)
{
	size_t off = 12;
	unsigned qd, an, rcode;

	if (len < 12 || (m[0] << 8 | m[1]) != id || !(m[2] & 0x80))
		return DNS_BAD;
	rcode = m[3] & 15;
	if (rcode == 3)
		return DNS_NONAME;
	if (rcode != 0)
		return DNS_RETRY;
	qd = (unsigned)(m[4] << 8 | m[5]);
	an = (unsigned)(m[6] << 8 | m[7]);
	for (; qd > 0; qd--)
		if ((off = skip_name(m, len, off)) == 0 || (off += 4) > len)
			return DNS_BAD;
	for (; an > 0; an--) {
		unsigned rt, rl;
		dns_addr a;

		if ((off = skip_name(m, len, off)) == 0 || off + 10 > len)
			break;          /* truncated: what came is used */
		rt = (unsigned)(m[off] << 8 | m[off + 1]);
		rl = (unsigned)(m[off + 8] << 8 | m[off + 9]);
		off += 10;
		if (off + rl > len)
			break;
		if (rt == type && rl == (type == TYPE_A ? 4u : 16u)) {
			set_addr(&a, m + off, rl, port);
			add_addr(out, n, max, &a);
		}
		off += rl;
	}
	return DNS_OK;
}

/*
 * The next whole lines of fd from *off (moved past them) in buf
 * (NUL-terminated, the last '\n' dropped), or NULL at the end or an error.
 * A line longer than size - 2 bytes is skipped: the file is read in chunks
 * of whole lines, since half a line of /etc/hosts can name another host
 * (cut after "10.9.9.9 minio" of "10.9.9.9 minio.example").
 */
static const char *
next_lines(int fd, off_t *off, char *buf, size_t size)
{
	int skip = 0;           /* in a line longer than buf */
	ssize_t r;
	size_t len;
	char *nl;

	while ((r = pread(fd, buf, size - 1, *off)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		/* a chunk shorter than buf ends the file, its last line
		 * perhaps without a '\n' */
		buf[r] = '\n';
		len = (size_t)r + (r < (ssize_t)size - 1);
		nl = skip ? memchr(buf, '\n', len) : memrchr(buf, '\n', len);
		*off += nl != NULL ? nl - buf + 1 : r;
		if (nl != NULL && !skip) {
			*nl = '\0';
			return buf;
		}
		skip = nl == NULL;
	}
	return NULL;
}

static long
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
 * How long the other type is waited for once one has given addresses: an
 * edge router's IPv6 forwarder may never answer AAAA.
 */
#define GRACE_MS 1000

/*
 * Asks the servers of c for `name`'s A and AAAA records. Returns 0 (the
 * addresses in out, maybe none) or -1 with why set (no answer, the
 * servers failed, interrupted). A type is done once a server answers it,
 * or every server still there has failed it (SERVFAIL, REFUSED: another
 * server may know); a failure is an error only when no address came.
 */
static int
ask(const dns_conf *c, const char *name, unsigned port, dns_addr *out,
    int *n, const volatile sig_atomic_t *cancel, char *why, size_t whysz)
{
	static const unsigned types[2] = { TYPE_A, TYPE_AAAA };
	unsigned char q[2][300], msg[1500];
	/* per type, the servers (bits) done with it (all once answered); the
	 * servers still there; the last failure's RCODE */
	unsigned done[2] = { 0, 0 }, alive, rcode = 0;
	struct pollfd pf[DNS_MAX_NS];
	uint16_t id[2];
	long start = now_ms(), next = start, step,
	    end = start + c->timeout * 1000L;
	int ql[2], rc = -1;

	if (getrandom(id, sizeof id, 0) != sizeof id)
		id[0] = (uint16_t)start, id[1] = (uint16_t)(start >> 16);
	for (int t = 0; t < 2; t++)
		if ((ql[t] = dns_query(name, types[t], id[t], q[t])) < 0) {
			fmt_snprintf(why, whysz, "not a valid host name");
			return -1;
		}
	/* one connected socket per server: only its answers come in, and a
	 * server with nothing listening is known at once (ECONNREFUSED) */
	for (int i = 0; i < c->nns; i++) {
		pf[i].fd = socket(c->ns[i].sa.ss_family, SOCK_DGRAM |
		    SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		pf[i].events = POLLIN;
		if (pf[i].fd >= 0 && connect(pf[i].fd, (const struct sockaddr *)
		    &c->ns[i].sa, c->ns[i].len) != 0) {
			close(pf[i].fd);
			pf[i].fd = -1;
		}
	}
	step = c->timeout * 1000L / c->attempts;
	for (;;) {
		long t = now_ms(), wait;
		/* atomic: the signal's handler may run on another thread */
		if (cancel != NULL && __atomic_load_n(cancel, __ATOMIC_RELAXED)) {
			fmt_snprintf(why, whysz, "interrupted");
			goto out;
		}
		alive = 0;
		for (int i = 0; i < c->nns; i++)
			alive |= (unsigned)(pf[i].fd >= 0) << i;
		/* each type answered, or failed by every server still there */
		if (((done[0] & alive) == alive && (done[1] & alive) == alive) ||
		    t >= end)
			break;
		if (t >= next) {
			/* (again) to every server, what it has not answered */
			for (int i = 0; i < c->nns; i++)
				for (int k = 0; k < 2 && pf[i].fd >= 0; k++)
					if (!(done[k] & (1u << i)) &&
					    send(pf[i].fd, q[k], (size_t)ql[k],
					    MSG_NOSIGNAL) < 0 && errno == ECONNREFUSED) {
						/* the port unreachable of
						 * the first one */
						close(pf[i].fd);
						pf[i].fd = -1;
					}
			next = t + step;
		}
		wait = next - t < 250 ? next - t : 250;
		if (poll(pf, (nfds_t)c->nns, (int)wait) <= 0)
			continue;
		for (int i = 0; i < c->nns; i++) {
			ssize_t r;
			/* (none for a server out: its fd is -1) */
			if (!(pf[i].revents & (POLLIN | POLLERR)))
				continue;
			while ((r = recv(pf[i].fd, msg, sizeof msg, 0)) != 0) {
				if (r < 0) {
					/* nothing listens there (ICMP port
					 * unreachable): that server is out */
					if (errno == ECONNREFUSED) {
						close(pf[i].fd);
						pf[i].fd = -1;
					}
					break;
				}
				for (int k = 0; k < 2; k++) {
					int v;
					if (done[k] == ~0u)
						continue;
					v = dns_answer(msg, (size_t)r, id[k],
					    types[k], port, out, n, DNS_MAX_ADDRS);
					if (v == DNS_RETRY) {
						done[k] |= 1u << i;
						rcode = msg[3] & 15;
					} else if (v == DNS_NONAME) {
						/* it names the name: no
						 * type has an address */
						done[0] = done[1] = ~0u;
					} else if (v == DNS_OK) {
						long grace = now_ms() + GRACE_MS;
						done[k] = ~0u;
						if (*n > 0 && end > grace)
							end = grace;
					}
				}
			}
		}
	}
	/* an address, or answers that there is none */
	if (*n > 0 || (done[0] == ~0u && done[1] == ~0u))
		rc = 0;
	else if (rcode != 0)    /* RFC 1035 4.1.1: 1 FORMERR, 4 NOTIMP */
		fmt_snprintf(why, whysz, "the name server%s failed (%s)",
		    c->nns > 1 ? "s" : "", rcode == 2 ? "SERVFAIL" : rcode == 5 ?
		    "REFUSED" : "the query not understood");
	else if (alive == 0)
		fmt_snprintf(why, whysz, "no name server answers (connection "
		    "refused)");
	else
		fmt_snprintf(why, whysz, "no answer from the name server%s in "
		    "%d s", c->nns > 1 ? "s" : "", c->timeout);
out:
	for (int i = 0; i < c->nns; i++)
		if (pf[i].fd >= 0)
			close(pf[i].fd);
	return rc;
}

int
dns_resolve(const char *host, unsigned port, dns_addr *out,
    const volatile sig_atomic_t *cancel, char *why, size_t whysz)
{
	char text[4096];        /* on the stack: plain mode's workers resolve
				   at once */
	off_t off = 0;
	const char *p;
	dns_conf c;
	char list[sizeof c.search + 1];
	size_t hl = strlen(host), dots = 0, dl;
	int n = 0, fd, absolute;

	if (literal(host, hl, port, &out[0]))
		return 1;
	fd = open("/etc/hosts", O_RDONLY | O_CLOEXEC);
	while ((p = next_lines(fd, &off, text, sizeof text)) != NULL)
		dns_hosts(p, host, port, out, &n, DNS_MAX_ADDRS);
	close(fd);              /* (-1 when missing: EBADF, harmless) */
	if (n > 0)
		return n;
	/* its first 4 KiB of whole lines: what a resolv.conf holds */
	fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC);
	off = 0;
	p = next_lines(fd, &off, text, sizeof text);
	dns_conf_parse(p != NULL ? p : "", &c);
	close(fd);
	for (size_t i = 0; i < hl; i++)
		dots += host[i] == '.';
	absolute = hl > 0 && host[hl - 1] == '.';
	/* the domains to try host in, in the resolvers' order, blank-separated;
	 * "" is the name itself: first with ndots dots, else last */
	if (absolute || c.search[0] == '\0')
		list[0] = '\0';
	else
		fmt_snprintf(list, sizeof list, (int)dots >= c.ndots ? " %s" :
		    "%s ", c.search);
	for (const char *d = list;; d += dl + 1) {
		char name[300];

		dl = strcspn(d, " ");
		fmt_snprintf(name, sizeof name, "%s%s%.*s", host, dl > 0 ? "." :
		    "", (int)dl, d);
		if (ask(&c, name, port, out, &n, cancel, why, whysz) < 0)
			return -1;
		if (n > 0)
			return n;
		if (d[dl] == '\0')
			break;
	}
	fmt_snprintf(why, whysz, "no such host");
	return -1;
}
