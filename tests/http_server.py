#!/usr/bin/env python3
"""A test HTTP/1.1 server for tests/t_http.sh and tests/t_tls.sh.

  http_server.py PORTFILE [--v6] [--tls CERT KEY]

Binds 127.0.0.1 (::1 with --v6) on a free port, writes the port to PORTFILE, serves until
killed. Paths (each answer is what the client's test expects):
  /hello          "hello\\n", Content-Length, keep-alive
  /hello-close    same with Connection: close, and no TLS close_notify
  /conns          the number of TCP connections accepted so far
  /chunked        a chunked body with extensions and a trailer
  /big?n=N        N bytes (i*7+3 mod 256), Content-Length
  /eof-body       no length: the body runs to the close
  /truncated      Content-Length 100, 10 bytes, then close
  /trunc-chunked  a chunked body cut in the middle
  /folded         a folded header line (obsolete; to be refused)
  /headers        the request head as received, as the body
  /drop-next      answers, then drops the next request on this connection
  /slow           waits 30 s before answering
  PUT /echo       reads the body (100-continue honoured), answers its sha256
  PUT /deny       answers 403 at once (to Expect too), never reads the body
Absolute-form targets (through a proxy) are accepted.
"""
import hashlib, socket, ssl, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

conns = 0
lock = threading.Lock()


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def setup(self):
        global conns
        with lock:
            conns += 1
        super().setup()
        self.drop_next = False

    def send(self, code, body, extra=()):
        self.send_response(code)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def route(self):
        p = self.path
        if p.startswith("http://"):
            p = "/" + p.split("/", 3)[3]
        return p

    def handle_expect_100(self):
        if self.route().startswith("/deny"):
            self.send(403, b"<Error><Code>AccessDenied</Code></Error>",
                      [("Connection", "close")])
            self.close_connection = True
            return False
        return super().handle_expect_100()

    def do_HEAD(self):
        self.do_GET(head=True)

    def do_GET(self, head=False):
        if self.drop_next:
            self.close_connection = True
            return
        p = self.route()
        if p == "/hello":
            self.send(200, b"hello\n")
        elif p == "/hello-close":
            self.send(200, b"hello\n", [("Connection", "close")])
            self.close_connection = True
        elif p == "/conns":
            self.send(200, str(conns).encode() + b"\n")
        elif p == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"5;ext=1\r\nhello\r\n1\r\n \r\n"
                             b"6\r\nworld\n\r\n0\r\nX-Trailer: t\r\n\r\n")
        elif p.startswith("/big"):
            n = int(p.split("=")[1])
            body = bytes((i * 7 + 3) & 255 for i in range(n))
            self.send(200, body)
        elif p == "/eof-body":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"to the end\n")
            self.close_connection = True
        elif p == "/truncated":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.close_connection = True
        elif p == "/trunc-chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.write(b"a\r\n0123456789\r\n10\r\nabc")
            self.close_connection = True
        elif p == "/folded":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nX-A: one\r\n two\r\n"
                             b"Content-Length: 0\r\n\r\n")
        elif p == "/headers":
            self.send(200, (self.requestline + "\n" + str(self.headers)).encode())
        elif p == "/drop-next":
            self.send(200, b"ok\n")
            self.drop_next = True
        elif p == "/slow":
            time.sleep(30)
            self.send(200, b"late\n")
        else:
            self.send(404, b"not found\n")

    def do_PUT(self):
        if self.drop_next:
            self.close_connection = True
            return
        p = self.route()
        if p.startswith("/deny"):
            self.send(403, b"<Error><Code>AccessDenied</Code></Error>",
                      [("Connection", "close")])
            self.close_connection = True
            return
        n = int(self.headers.get("Content-Length", "0"))
        h = hashlib.sha256()
        while n > 0:
            b = self.rfile.read(min(n, 65536))
            if not b:
                return
            h.update(b)
            n -= len(b)
        self.send(200, h.hexdigest().encode() + b"\n")

    do_POST = do_PUT


class V6(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def main():
    args = sys.argv[1:]
    portfile = args.pop(0)
    v6 = bool(args) and args[0] == "--v6"
    if v6:
        args.pop(0)
    srv = (V6 if v6 else ThreadingHTTPServer)(("::1" if v6 else "127.0.0.1", 0), H)
    srv.daemon_threads = True
    if args and args[0] == "--tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args[1], args[2])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


main()
