#!/usr/bin/env python3
"""A tiny forward proxy for tests: CONNECT tunnels and absolute-form GETs.

  http_proxy.py PORTFILE LOGFILE [USER:PASS]

Binds 127.0.0.1 on a free port (written to PORTFILE); each request line it
receives is appended to LOGFILE. With USER:PASS, requests without the
matching Proxy-Authorization: Basic get 407 (the log line says "auth-ok"
or "auth-bad"). CONNECT to a port that is not on 127.0.0.1
is refused with 403. Other requests are relayed as they are to the origin
named in the absolute-form target.
"""
import base64, os, socket, sys, threading


def loopback(host):
    """RFC 6761: every NAME.localhost is the loopback (glibc and musl do not
    resolve them: the proxy does, so virtual-hosted style can be tested)."""
    h = host[:-1] if host.endswith(".") else host   # absolute names too
    return "127.0.0.1" if h == "localhost" or h.endswith(".localhost") else host

log = sys.argv[2]
need = sys.argv[3] if len(sys.argv) > 3 else None


def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(c):
    head = b""
    while b"\r\n\r\n" not in head:
        d = c.recv(4096)
        if not d:
            c.close()
            return
        head += d
    line = head.split(b"\r\n", 1)[0].decode()
    if need is not None:
        want = "Basic " + base64.b64encode(need.encode()).decode()
        got = [l.split(b":", 1)[1].strip().decode() for l in head.split(b"\r\n")[1:]
               if l.lower().startswith(b"proxy-authorization:")]
        line += " auth-ok" if got == [want] else " auth-bad"
    with open(log, "a") as f:
        f.write(line + "\n")
    if line.endswith("auth-bad"):
        c.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                  b"Content-Length: 0\r\nConnection: close\r\n\r\n")
        c.close()
        return
    method, target, _ = line.split(" ", 2)
    if method == "CONNECT":
        host, port = target.rsplit(":", 1)
        if host != "127.0.0.1" and loopback(host) != "127.0.0.1":
            c.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            c.close()
            return
        o = socket.create_connection((loopback(host), int(port)))
        c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        rest = head.split(b"\r\n\r\n", 1)[1]
        if rest:
            o.sendall(rest)
    else:
        hostport = target.split("/")[2]
        host, port = hostport.rsplit(":", 1) if ":" in hostport else (hostport, 80)
        o = socket.create_connection((loopback(host), int(port)))
        # to the origin in origin-form, as real proxies relay (RFC 9112 3.2)
        path = "/" + target.split("/", 3)[3] if target.count("/") >= 3 else "/"
        first, rest = head.split(b"\r\n", 1)
        o.sendall(("%s %s %s" % (method, path, line.split(" ")[2])).encode() + b"\r\n" + rest)
    threading.Thread(target=pump, args=(o, c), daemon=True).start()
    pump(c, o)


s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
