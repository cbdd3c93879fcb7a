#!/usr/bin/env python3
"""A DNS server on port 53 (UDP) that knows one name, for the tests.

    python3 tests/dns_stub.py [--servfail TYPE] [--drop TYPE] NAME ADDR [LISTEN]
        answers A queries for NAME with the IPv4 address ADDR, any other
        type of NAME with no record, any other name with NXDOMAIN (RFC 1035);
        listens on LISTEN (default 127.0.0.53: not 127.0.0.1, the address a
        resolver falls back to without /etc/resolv.conf). A query of a TYPE
        (a number, 28 for AAAA; each option may be repeated) given to
        --servfail is answered SERVFAIL (rcode 2: a broken forwarder), one
        given to --drop not at all
    python3 tests/dns_stub.py --check [LISTEN]
        exits 0 when LISTEN port 53 can be bound

Prints "ready" once listening, then "query NAME TYPE" per question, and runs
until killed. Only what a stub resolver (musl's) sends: one question, UDP.
"""
import socket
import struct
import sys


def bind(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 53))
    return s


def parse_question(msg):
    """The first question: (name, qtype, end offset), labels uncompressed."""
    i, labels = 12, []
    while True:
        n = msg[i]
        if n == 0:
            i += 1
            break
        if n & 0xC0:
            raise ValueError("compressed name in a question")
        labels.append(msg[i + 1:i + 1 + n].decode("ascii"))
        i += 1 + n
    qtype, _qclass = struct.unpack("!HH", msg[i:i + 4])
    return ".".join(labels).lower(), qtype, i + 4


def main():
    if sys.argv[1:2] == ["--check"]:
        listen = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.53"
        try:
            bind(listen).close()
        except OSError as e:
            print("cannot bind %s:53: %s" % (listen, e), file=sys.stderr)
            return 1
        return 0
    args, servfail, drop = sys.argv[1:], set(), set()
    while args[0] in ("--servfail", "--drop"):
        (servfail if args[0] == "--servfail" else drop).add(int(args[1]))
        args = args[2:]
    name, addr = args[0].lower().rstrip("."), socket.inet_aton(args[1])
    s = bind(args[2] if len(args) > 2 else "127.0.0.53")
    print("ready", flush=True)
    while True:
        msg, peer = s.recvfrom(512)
        if len(msg) < 12:
            continue
        try:
            qname, qtype, end = parse_question(msg)
        except (ValueError, IndexError, UnicodeDecodeError):
            continue
        print("query %s %d" % (qname, qtype), flush=True)
        if qtype in drop:
            continue
        qid, flags = struct.unpack("!HH", msg[:4])
        answers = b""
        rcode = 0
        if qtype in servfail:
            rcode = 2  # SERVFAIL
        elif qname != name:
            rcode = 3  # NXDOMAIN
        elif qtype == 1:  # A: a pointer to the question's name (offset 12)
            answers = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + addr
        # QR, the query's RD, RA
        rflags = 0x8000 | (flags & 0x0100) | 0x0080 | rcode
        head = struct.pack("!HHHHHH", qid, rflags, 1, 1 if answers else 0, 0, 0)
        s.sendto(head + msg[12:end] + answers, peer)


if __name__ == "__main__":
    sys.exit(main())
