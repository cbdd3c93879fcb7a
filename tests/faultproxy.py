#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 proxy for the reliability tests (issue 7).

  faultproxy.py --upstream HOST:PORT --rules FILE --log FILE --port-file FILE
                [--tls-cert PEM --tls-key PEM --upstream-ca PEM]

With the three TLS options it speaks HTTPS on both sides: it serves PEM's
certificate (the test server's own, so that a client that trusts the
server trusts the proxy) and connects to the upstream with TLS, checking
its certificate against the CA (the name: the upstream's HOST). A store
that takes some requests only over HTTPS (radosgw's SSE-C) can then be
put behind it.

Listens on 127.0.0.1 (a free port chosen by the kernel, written to the port
file) and relays each request to the upstream S3 server, unless a rule of
the rules file matches it. s3pub points its endpoint at the proxy; the
signatures stay valid because the Host header is passed as it is.

The rules file is JSON, re-read before every request; when its content
changes, the rule counters start again from zero:

  [{"method": "PUT", "query": "partNumber=2", "times": 2, "action": "500"}]

A rule matches a request when its "method" (optional) equals the request's
and its "query" (optional) is a substring of the request target; "skip"
matching requests pass first, then the next "times" ones (-1: all) get the
action, then they pass again. The first matching rule decides. Actions:

  reset_body N    read N bytes of the request body, then reset (RST)
  reset_response  read the whole request, then reset without answering
  503 / 500 / 412  an S3 error answer: SlowDown / InternalError /
                  PreconditionFailed ("retry_after": N adds a Retry-After
                  header)
  redirect R      301 PermanentRedirect with x-amz-bucket-region: R
  malformed_auth R  400 AuthorizationHeaderMalformed naming region R
  stall N         read the whole request, then say nothing for N seconds
  truncate        answer 200 with Content-Length 400 and an ETag, send 100
                  bytes of the body, then close cleanly (FIN)
  garbage         read the whole request, answer bytes that are not HTTP
  corrupt N       relay the request with body byte N (mod the length)
                  flipped: the server must refuse it (SHA-256 mismatch)
  slow N          relay the request body at N bytes per second
  late N          relay the request, then hold the upstream's answer N
                  seconds (the server has done the work: a line
                  {"late": TARGET} when the hold starts)
  cut_response N  relay the request and the upstream answer's head, then
                  only N bytes of its body (of its data, when chunked),
                  then close cleanly (FIN);
                  "cut_response N rst": wait 0.3 s (the client has read
                  them), then reset. With "hold": FILE in the rule, a line
                  {"cut": TARGET} is logged after the N bytes, and the cut
                  waits until FILE exists (at most 60 s)
  forward         relay (what every unmatched request gets)

A rule with "strip": [NAME, ...] removes those request headers (any case)
from every request it matches, inside its window or not: "strip":
["Range"] mimics a store that ignores Range.

The proxy answers "100 Continue" itself and relays the body upstream
without Expect (so that it can cut or change it). Each request appends one
JSON line to the log file when it ends: method, target, x-amz-date, the
SigV4 signature, x-amz-content-sha256, the SHA-256 and length of the body
bytes received, the Range and If-Match headers (null when absent), the
action, the upstream status, and the monotonic time at
the request's head (t0) and end (t1). Lines {"begin": TARGET} when a
request's head arrives and {"stall": TARGET} when a stall starts let tests
time a signal.
"""
import argparse
import hashlib
import json
import os
import socket
import socketserver
import ssl
import struct
import threading
import time

ARGS = None
SERVE_TLS = None        # ssl contexts, with the TLS options
UPSTREAM_TLS = None
LOCK = threading.Lock()
STATE = {"text": None, "rules": [], "seen": []}


def load_rules():
    try:
        with open(ARGS.rules) as f:
            text = f.read()
    except OSError:
        text = "[]"
    if text != STATE["text"]:
        STATE["text"] = text
        STATE["rules"] = json.loads(text or "[]")
        STATE["seen"] = [0] * len(STATE["rules"])


def decide(method, target):
    """The action (and its rule) for a request; counts matches."""
    with LOCK:
        load_rules()
        for i, r in enumerate(STATE["rules"]):
            if "method" in r and r["method"] != method:
                continue
            if "query" in r and r["query"] not in target:
                continue
            n = STATE["seen"][i]
            STATE["seen"][i] += 1
            skip = r.get("skip", 0)
            times = r.get("times", -1)
            if n < skip or (times >= 0 and n >= skip + times):
                return "forward", r
            return r["action"], r
        return "forward", {}


def log(entry):
    with LOCK:
        with open(ARGS.log, "a") as f:
            f.write(json.dumps(entry) + "\n")


class Conn:
    """A socket with a read buffer."""

    def __init__(self, sock):
        self.s = sock
        self.buf = b""

    def read_until(self, sep, limit=65536):
        while sep not in self.buf:
            if len(self.buf) > limit:
                raise ValueError("head too long")
            d = self.s.recv(65536)
            if not d:
                if self.buf:
                    raise ValueError("eof in head")
                return None
            self.buf += d
        i = self.buf.index(sep) + len(sep)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_some(self, n):
        if self.buf:
            out, self.buf = self.buf[:n], self.buf[n:]
            return out
        d = self.s.recv(min(n, 65536))
        if not d:
            raise ValueError("eof in body")
        return d

    def read_exact(self, n):
        out = b""
        while len(out) < n:
            out += self.read_some(n - len(out))
        return out


def parse_head(raw):
    lines = raw.decode("latin-1").split("\r\n")
    first = lines[0]
    hdrs = []
    for ln in lines[1:]:
        if ln:
            k, _, v = ln.partition(":")
            hdrs.append((k.strip(), v.strip()))
    return first, hdrs


def hget(hdrs, name):
    for k, v in hdrs:
        if k.lower() == name:
            return v
    return None


def rst(sock):
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass


def s3_error(status, reason, code, msg, extra=b"", head_only=False,
             region=None):
    body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>%s</Code>"
            "<Message>%s</Message>%s<RequestId>faultproxy-1</RequestId></Error>"
            % (code, msg, "<Region>%s</Region>" % region if region else "")
            ).encode()
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())
    head = ("HTTP/1.1 %d %s\r\nContent-Type: application/xml\r\n"
            "Content-Length: %d\r\nDate: %s\r\nConnection: close\r\n"
            % (status, reason, len(body), date)).encode() + extra + b"\r\n"
    return head if head_only else head + body


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.request.settimeout(300)
        if SERVE_TLS is not None:
            try:
                self.request = SERVE_TLS.wrap_socket(self.request,
                                                     server_side=True)
            except (OSError, ValueError):
                self.request.close()
                return
        c = Conn(self.request)
        up = None
        try:
            while True:
                raw = c.read_until(b"\r\n\r\n")
                if raw is None:
                    break
                keep, up = self.one(c, raw, up)
                if not keep:
                    break
        except (OSError, ValueError):
            pass
        finally:
            if up is not None:
                up.s.close()
            try:
                self.request.close()
            except OSError:
                pass

    def read_body(self, c, length, entry, limit=None, sink=None, flip=None,
                  rate=None):
        """Reads (and passes to sink) up to limit bytes of the body."""
        h = hashlib.sha256()
        got = 0
        want = length if limit is None else min(limit, length)
        start = time.monotonic()
        while got < want:
            d = c.read_some(min(want - got, 65536 if rate is None else 16384))
            if flip is not None and got <= flip < got + len(d):
                b = bytearray(d)
                b[flip - got] ^= 0x01
                d = bytes(b)
            h.update(d)
            got += len(d)
            if sink is not None:
                sink.sendall(d)
            if rate is not None:
                ahead = got / rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
        entry["body_len"] = got
        if got == length:
            entry["body_sha256"] = h.hexdigest()
        return got

    def one(self, c, raw, up):
        first, hdrs = parse_head(raw)
        method, target = first.split(" ")[0], first.split(" ")[1]
        action, rule = decide(method, target)
        parts = action.split()
        auth = hget(hdrs, "authorization") or ""
        entry = {
            "method": method, "target": target, "action": action,
            "amz_date": hget(hdrs, "x-amz-date"),
            "signature": auth.rpartition("Signature=")[2],
            "scope": auth.partition("Credential=")[2].partition(",")[0],
            "content_sha256": hget(hdrs, "x-amz-content-sha256"),
            "range": hget(hdrs, "range"), "if_match": hget(hdrs, "if-match"),
            "t0": time.monotonic(),
        }
        log({"begin": target, "method": method})
        length = int(hget(hdrs, "content-length") or "0")
        expect = (hget(hdrs, "expect") or "").lower() == "100-continue"
        sock = self.request
        try:
            if parts[0] in ("503", "500", "412"):
                status = int(parts[0])
                extra = b""
                if "retry_after" in rule:
                    extra = b"Retry-After: %d\r\n" % rule["retry_after"]
                if status == 503:
                    ans = s3_error(503, "Slow Down", "SlowDown",
                                   "Please reduce your request rate.", extra,
                                   method == "HEAD")
                elif status == 412:
                    ans = s3_error(412, "Precondition Failed",
                                   "PreconditionFailed",
                                   "At least one of the pre-conditions you "
                                   "specified did not hold", extra,
                                   method == "HEAD")
                else:
                    ans = s3_error(500, "Internal Server Error",
                                   "InternalError",
                                   "We encountered an internal error.", extra,
                                   method == "HEAD")
                if not expect:
                    self.read_body(c, length, entry)
                sock.sendall(ans)
                return False, up
            if parts[0] in ("redirect", "malformed_auth"):
                region = parts[1]
                if parts[0] == "redirect":
                    ans = s3_error(301, "Moved Permanently", "PermanentRedirect",
                                   "The bucket you are attempting to access must be "
                                   "addressed using the specified endpoint.",
                                   b"x-amz-bucket-region: %s\r\n" % region.encode(),
                                   method == "HEAD")
                else:
                    ans = s3_error(400, "Bad Request", "AuthorizationHeaderMalformed",
                                   "The authorization header is malformed; the region "
                                   "'us-east-1' is wrong; expecting '%s'" % region,
                                   b"", method == "HEAD", region)
                if not expect:
                    self.read_body(c, length, entry)
                sock.sendall(ans)
                return False, up
            if parts[0] == "truncate":
                if expect:
                    sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                self.read_body(c, length, entry)
                body = (b"<?xml version=\"1.0\"?><CompleteMultipartUploadResult>"
                        b"<ETag>&quot;x&quot;</ETag>" + b" " * 400)[:100]
                sock.sendall(b"HTTP/1.1 200 OK\r\nETag: \"0123456789abcdef\"\r\n"
                             b"Content-Length: 400\r\n\r\n" + body)
                sock.shutdown(socket.SHUT_WR)
                return False, up
            if parts[0] in ("reset_body", "reset_response", "stall", "garbage"):
                if expect:
                    sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                limit = int(parts[1]) if parts[0] == "reset_body" else None
                self.read_body(c, length, entry, limit=limit)
                if parts[0] == "stall":
                    log({"stall": target})
                    time.sleep(float(parts[1]))
                    return False, up
                if parts[0] == "garbage":
                    sock.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n\r\n")
                    sock.shutdown(socket.SHUT_WR)
                    return False, up
                rst(sock)
                return False, up
            # forward, corrupt, slow, cut_response, late
            if up is None:
                us = socket.create_connection(ARGS.upstream)
                us.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                us.settimeout(300)
                if UPSTREAM_TLS is not None:
                    us = UPSTREAM_TLS.wrap_socket(
                        us, server_hostname=ARGS.upstream[0])
                up = Conn(us)
            head = first + "\r\n" + "".join(
                "%s: %s\r\n" % (k, v) for k, v in hdrs
                if k.lower() != "expect" and k.lower() not in
                [n.lower() for n in rule.get("strip", [])]) + "\r\n"
            up.s.sendall(head.encode("latin-1"))
            if expect:
                sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            flip = None
            if parts[0] == "corrupt" and length > 0:
                flip = int(parts[1]) % length
            rate = float(parts[1]) if parts[0] == "slow" else None
            self.read_body(c, length, entry, sink=up.s, flip=flip, rate=rate)
            cut = None
            if parts[0] == "cut_response":
                cut = (int(parts[1]), parts[2:] == ["rst"], rule.get("hold"),
                       target)
            late = (float(parts[1]), target) if parts[0] == "late" else None
            return self.relay_response(up, sock, method, entry, cut, late), up
        finally:
            entry["t1"] = time.monotonic()
            log(entry)

    def cut(self, sock, cut):
        """Ends an answer cut after cut[0] body bytes: FIN, or RST."""
        _, reset, hold, target = cut
        if hold:
            log({"cut": target})
            for _ in range(600):
                if os.path.exists(hold):
                    break
                time.sleep(0.1)
        if reset:
            time.sleep(0.3)
            rst(sock)
        else:
            sock.shutdown(socket.SHUT_WR)
        return False

    def relay_response(self, up, sock, method, entry, cut=None, late=None):
        while True:
            raw = up.read_until(b"\r\n\r\n")
            if raw is None:
                raise ValueError("upstream closed")
            first, hdrs = parse_head(raw)
            status = int(first.split(" ")[1])
            if status != 100:
                break
        entry["status"] = status
        if late is not None:
            log({"late": late[1]})
            time.sleep(late[0])
        sock.sendall(raw)
        te = (hget(hdrs, "transfer-encoding") or "").lower()
        cl = hget(hdrs, "content-length")
        close = (hget(hdrs, "connection") or "").lower() == "close"
        if method == "HEAD" or status in (204, 304):
            pass
        elif "chunked" in te:
            sent = 0
            while True:
                line = up.read_until(b"\r\n")
                sock.sendall(line)
                n = int(line.split(b";")[0].strip(), 16)
                if cut is not None and sent + n > cut[0]:
                    # cut inside this chunk's data
                    entry["cut_at"] = cut[0]
                    sock.sendall(up.read_exact(cut[0] - sent))
                    return self.cut(sock, cut)
                sent += n
                if n == 0:
                    while True:
                        t = up.read_until(b"\r\n")
                        sock.sendall(t)
                        if t == b"\r\n":
                            break
                    break
                sock.sendall(up.read_exact(n + 2))
        elif cl is not None:
            left = int(cl)
            if cut is not None and cut[0] < left:
                entry["cut_at"] = cut[0]
                sock.sendall(up.read_exact(cut[0]))
                return self.cut(sock, cut)
            while left > 0:
                d = up.read_some(left)
                sock.sendall(d)
                left -= len(d)
        else:
            while True:
                try:
                    d = up.read_some(65536)
                except ValueError:
                    break
                sock.sendall(d)
            return False
        return not close


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ARGS, SERVE_TLS, UPSTREAM_TLS
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", required=True)
    p.add_argument("--rules", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--upstream-ca")
    ARGS = p.parse_args()
    h, _, port = ARGS.upstream.rpartition(":")
    ARGS.upstream = (h, int(port))
    if ARGS.tls_cert:
        SERVE_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        SERVE_TLS.load_cert_chain(ARGS.tls_cert, ARGS.tls_key)
        UPSTREAM_TLS = ssl.create_default_context(cafile=ARGS.upstream_ca)
    srv = Server(("127.0.0.1", 0), Handler)
    with open(ARGS.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(ARGS.port_file + ".tmp", ARGS.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
