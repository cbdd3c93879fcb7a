# tests/t_http.sh: http.c over plain TCP against tests/http_server.py
# (python3's http.server) and the CONNECT/forward proxy tests/http_proxy.py.
. tests/lib.sh
sh scripts/need.sh python3 >/dev/null 2>&1
TOOL=${TOOL:-build/tools/tool_http}
[ -x "$TOOL" ] || make -s "$TOOL" >/dev/null

# start_py PORTFILE SCRIPT ARGS...: runs a python helper, waits for its port
start_py() {
	_pf=$1; shift
	python3 "$@" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	_i=0
	while [ ! -s "$_pf" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
}
PIDS=
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$TMP"' EXIT INT TERM

start_py "$TMP/port" tests/http_server.py "$TMP/port"
PORT=$(cat "$TMP/port")
U=http://127.0.0.1:$PORT
T="$TOOL -P"

out=$($T $U/hello 2>&1)
check_eq "GET /hello: body and status" "$(echo "$out" | sed -n '1p;3p')" "hello
status 200"

# the verbose log names the address connected to, as RFC 5952 writes it
out=$($T -v $U/hello 2>&1)
check_eq "verbose log: the IPv4 address connected to" \
	"$(echo "$out" | grep -o 'connecting to .*')" \
	"connecting to 127.0.0.1 port $PORT (127.0.0.1)"
out=$($T -v -T 1 'http://[0:0:0:0:0:0:0:1]:1/' 2>&1)
check_eq "verbose log: an IPv6 address shortened to ::1" \
	"$(echo "$out" | grep -o '(::1)' | head -1)" "(::1)"
out=$($T -v -T 1 'http://[2001:db8:0:0:1:0:0:0]:1/' 2>&1)
check_eq "verbose log: the longest zero run becomes ::" \
	"$(echo "$out" | grep -o '([0-9a-f:]*)' | head -1)" "(2001:db8:0:0:1::)"

out=$($T -X HEAD $U/hello 2>&1)
check_eq "HEAD: no body read although Content-Length 6" \
	"$(echo "$out" | grep -E '^(status|body-bytes)')" "status 200
body-bytes 0"

# keep-alive: the server counts the TCP connections it accepted
c0=$($T $U/conns | head -1)
$T -n 3 $U/hello >"$TMP/ka.out" 2>&1
c1=$($T $U/conns | head -1)
check_eq "keep-alive: 3 requests on 1 connection (server's count)" \
	"$((c1 - c0))" 2
check_eq "keep-alive: 2nd and 3rd marked reused" \
	"$(grep -c 'reused 1' "$TMP/ka.out")" 2

# A server that sends a response's head and body in two writes (python's
# http.server does, and so does radosgw) holds the body back (Nagle) until
# the head is acknowledged, and the client's kernel delays that ACK by 40 ms
# on a keep-alive connection: 40 ms a small GET (a get of 1,003 small
# objects from radosgw: 44 s, 1.4 s with quick ACKs). So each response is
# read with TCP_QUICKACK set after its request went out: strace shows, per
# request, the GET sent, TCP_QUICKACK, then the response received.
if sh scripts/need.sh strace:strace >/dev/null 2>&1; then
	strace -qq -e trace=sendto,setsockopt,recvfrom -o "$TMP/qa.st" $T -n 3 $U/hello >/dev/null 2>&1
	seq=$(sed -n -e 's/^sendto(.*"GET .*/G/p' -e 's/^setsockopt(.*TCP_QUICKACK, \[1\].*/Q/p' \
		-e 's/^recvfrom(.* = [1-9][0-9]*$/R/p' "$TMP/qa.st" | tr -d '\n' | tr -s R)
	check_eq "keep-alive: each response read with quick ACKs (GET sent, TCP_QUICKACK, received)" \
		"$seq" GQRGQRGQR
else
	not_ok "keep-alive: quick ACKs: strace is not installed and need.sh could not install it"
fi

out=$($T -o "$TMP/ck" $U/chunked 2>&1)
printf 'hello world\n' >"$TMP/ck.want"
check "chunked body with extension and trailer" cmp "$TMP/ck" "$TMP/ck.want"
echo "$out" | grep -q '^body-bytes 12$' && ok "chunked: 12 bytes" ||
	not_ok "chunked: 12 bytes: $out"

$T -o "$TMP/big" $U/big?n=3000001 >/dev/null 2>&1
want=$(python3 -c 'import hashlib;print(hashlib.sha256(bytes((i*7+3)&255 for i in range(3000001))).hexdigest())')
check_eq "3 MB Content-Length body intact (sha256)" \
	"$(sha256sum "$TMP/big" | cut -c1-64)" "$want"

out=$($T $U/eof-body 2>&1)
check_eq "body delimited by the close" "$(echo "$out" | head -1)" "to the end"

expect_exit "Content-Length body cut short: exit 6" 6 \
	"cut short after 10 of 100 bytes" $T $U/truncated
expect_exit "chunked body cut short: exit 6" 6 "cut short" $T $U/trunc-chunked
expect_exit "folded header refused" 3 "folded header" $T $U/folded

$T -H 'X-Amz-Date: 20250101T000000Z' -H 'Authorization: secret-sig' -v \
	$U/headers >"$TMP/h.out" 2>"$TMP/h.err"
grep -q "^Host: 127.0.0.1:$PORT" "$TMP/h.out" && ok "Host added when missing" ||
	not_ok "Host added when missing: $(cat "$TMP/h.out")"
grep -q '^User-Agent: s3pub/' "$TMP/h.out" && ok "User-Agent added" ||
	not_ok "User-Agent added"
grep -q '^X-Amz-Date: 20250101T000000Z' "$TMP/h.out" && ok "caller headers sent" ||
	not_ok "caller headers sent"
if grep -q 'secret-sig' "$TMP/h.err"; then
	not_ok "verbose log redacts Authorization"
else grep -q '> Authorization: \[redacted\]' "$TMP/h.err" &&
	ok "verbose log redacts Authorization" || not_ok "verbose log redacts Authorization"; fi
$T -H 'Host: example.test' $U/headers >"$TMP/h2.out" 2>&1
check_eq "caller's Host sent alone" "$(grep -ci '^host:' "$TMP/h2.out")" 1

head -c 777777 /dev/urandom >"$TMP/body"
want=$(sha256sum "$TMP/body" | cut -c1-64)
out=$($T -d "$TMP/body" $U/echo 2>&1)
check_eq "PUT body streamed intact (server's sha256)" "$(echo "$out" | head -1)" "$want"
out=$($T -e -d "$TMP/body" $U/echo 2>&1)
check_eq "PUT with Expect: 100-continue" "$(echo "$out" | head -1)" "$want"
# file stretches by sendfile (issue 16): 2000 of every 3000 bytes
out=$($T -e -d "$TMP/body" -F "$TMP/body" $U/echo 2>&1)
check_eq "PUT with file stretches: body intact (server's sha256)" "$(echo "$out" | head -1)" "$want"
check_eq "PUT with file stretches: 2000 of every 3000 bytes by sendfile" \
	"$(echo "$out" | sed -n 's/^sendfile-bytes //p')" \
	"$(python3 -c 'n = 777777; print(sum(min(2000, max(0, n - k - 1000)) for k in range(0, n, 3000)))')"
# the file shorter than the stretches say: sendfile stops at its end, the
# reader gives the rest (in s3pub its error names the file)
head -c 400000 "$TMP/body" >"$TMP/body.short"
out=$($T -d "$TMP/body" -F "$TMP/body.short" $U/echo 2>&1)
check_eq "file stretches past the file's end: the reader gives them, body intact" "$(echo "$out" | head -1)" "$want"
sf=$(echo "$out" | sed -n 's/^sendfile-bytes //p')
check "file stretches past the file's end: sendfile sent what the file had ($sf bytes)" \
	test "${sf:-0}" -gt 200000 -a "${sf:-0}" -le 266666
: >"$TMP/empty"
out=$($T -d "$TMP/empty" $U/echo 2>&1)
check_eq "PUT of an empty body" "$(echo "$out" | head -1)" \
	e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

out=$($T -e -d "$TMP/body" $U/deny 2>&1)
check_eq "Expect: early 403 reported, body never read" \
	"$(echo "$out" | grep -E '^(status|body-reads-from-zero)')" "status 403
body-reads-from-zero 0"
echo "$out" | grep -q '<Code>AccessDenied</Code>' && ok "Expect: 403 body delivered" ||
	not_ok "Expect: 403 body delivered: $out"

out=$($T -n 2 $U/drop-next 2>&1)
check_eq "stale kept-alive connection retried once on a new one" \
	"$(echo "$out" | grep -E '^(status|reused)' | tr '\n' ' ')" \
	"status 200 reused 0 retried 0 status 200 reused 0 retried 1 "

if python3 -c 'import socket;socket.socket(socket.AF_INET6).bind(("::1",0))' 2>/dev/null; then
	start_py "$TMP/port6" tests/http_server.py "$TMP/port6" --v6
	out=$($T "http://[::1]:$(cat "$TMP/port6")/headers" 2>&1)
	echo "$out" | grep -q "^Host: \[::1\]:$(cat "$TMP/port6")\$" &&
		ok "IPv6 literal: connected, Host [::1]:port" ||
		not_ok "IPv6 literal: connected, Host [::1]:port: $out"
	expect_exit "IPv6 literal: a failure names [::1]:port" 3 \
		"^error: \[::1\]:$(cat "$TMP/port6"): read time-out" $T -t 1 "http://[::1]:$(cat "$TMP/port6")/slow"
	FREE6=$(python3 -c 'import socket;s=socket.socket(socket.AF_INET6);s.bind(("::1",0));print(s.getsockname()[1])')
	expect_exit "IPv6 literal: connection refused names [::1]:port" 3 \
		"^error: \[::1\]:$FREE6: connect: Connection refused" $T "http://[::1]:$FREE6/"
else skip "IPv6 literal: no ::1 here"; fi

expect_exit "read time-out named, host and port" 3 "^error: 127.0.0.1:$PORT: read time-out" \
	$T -t 1 $U/slow
expect_exit "DNS failure named" 3 "nonexistent.invalid.*resolve" \
	$T http://nonexistent.invalid/
FREE=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
expect_exit "connection refused named" 3 "127.0.0.1:$FREE: connect: Connection refused" \
	$T http://127.0.0.1:$FREE/
expect_exit "user info refused" 1 "user info" $T http://u:p@127.0.0.1:$PORT/
expect_exit "ftp scheme refused" 1 "scheme" $T ftp://127.0.0.1/

# proxy: absolute-form target through HTTP_PROXY; NO_PROXY bypasses it
start_py "$TMP/pport" tests/http_proxy.py "$TMP/pport" "$TMP/plog"
PPORT=$(cat "$TMP/pport")
out=$(HTTP_PROXY=http://127.0.0.1:$PPORT $TOOL $U/hello 2>&1)
check_eq "HTTP_PROXY: fetched through the proxy" "$(echo "$out" | head -1)" hello
check_eq "HTTP_PROXY: absolute-form target" "$(cat "$TMP/plog" 2>/dev/null)" \
	"GET http://127.0.0.1:$PORT/hello HTTP/1.1"
out=$(http_proxy=127.0.0.1:$PPORT NO_PROXY=localhost,127.0.0.1 $TOOL $U/hello 2>&1)
check_eq "NO_PROXY: direct" "$(echo "$out" | head -1) $(wc -l <"$TMP/plog")" "hello 1"
# CIDR blocks (as curl, Go and python's requests read them): a block that
# holds the host goes direct; one that does not, a prefix too long for
# the family, or another family, leaves it to the proxy
for np in 127.0.0.0/8 10.0.0.0/8,127.0.0.1/32 127.0.0.0/31; do
	out=$(http_proxy=127.0.0.1:$PPORT NO_PROXY=$np $TOOL $U/hello 2>&1)
	check_eq "NO_PROXY=$np: direct" "$(echo "$out" | head -1) $(wc -l <"$TMP/plog")" "hello 1"
done
n=1
for np in 10.0.0.0/8 127.0.0.2/32 127.0.0.0/33 ::/0 127.0.0.0/ 127.0.0.0/8x; do
	out=$(http_proxy=127.0.0.1:$PPORT NO_PROXY=$np $TOOL $U/hello 2>&1)
	n=$((n + 1))
	check_eq "NO_PROXY=$np: through the proxy" "$(echo "$out" | head -1) $(wc -l <"$TMP/plog")" "hello $n"
done
start_py "$TMP/aport" tests/http_proxy.py "$TMP/aport" "$TMP/alog" 'user:pw'
out=$(http_proxy=http://user:pw@127.0.0.1:$(cat "$TMP/aport") $TOOL $U/hello 2>&1)
check_eq "HTTP_PROXY with credentials: absolute form, Proxy-Authorization" \
	"$(echo "$out" | head -1) $(cat "$TMP/alog")" \
	"hello GET http://127.0.0.1:$PORT/hello HTTP/1.1 auth-ok"
# its 407 is the proxy's refusal, not the server's answer
expect_exit "HTTP_PROXY's 407 without credentials: refused by the proxy" 3 \
	"^error: 127.0.0.1:$PORT via proxy 127.0.0.1:$(cat "$TMP/aport"): the proxy refused the request: 407 Proxy Authentication Required" \
	env http_proxy=http://127.0.0.1:$(cat "$TMP/aport") $TOOL $U/hello
# s3pub itself: a 407 is not tried again (the credentials will not change)
rm -rf "$TMP/g407"
expect_exit "s3pub get through a proxy's 407: exit 3 at the first attempt" 3 \
	"^s3pub: GetObject http://127.0.0.1:$PORT/hello: .*the proxy refused the request: 407" \
	env http_proxy=http://127.0.0.1:$(cat "$TMP/aport") "$S3PUB" get --verbose --retries 3 \
	"http://127.0.0.1:$PORT/hello" "$TMP/g407"
check_eq "... no second attempt" "$(grep -c 'attempt [0-9]* of' "$TMP/.ee.err")" 0
expect_exit "https:// proxy URL refused" 1 "only http:// proxies" \
	env HTTP_PROXY=https://127.0.0.1:1 $TOOL $U/hello
# a password holding '/', '?', '#' and '@' unencoded: the user info ends at
# the last '@'; a bad proxy URL's message never quotes it
start_py "$TMP/sport" tests/http_proxy.py "$TMP/sport" "$TMP/slog" 'user:se/c?r#e@t'
out=$(http_proxy="http://user:se/c?r#e@t@127.0.0.1:$(cat "$TMP/sport")" $TOOL $U/hello 2>&1)
check_eq "proxy password with /?#@ unencoded: sent as Proxy-Authorization" \
	"$(echo "$out" | head -1) $(cat "$TMP/slog")" \
	"hello GET http://127.0.0.1:$PORT/hello HTTP/1.1 auth-ok"
expect_exit "bad proxy URL whose password holds a '/': password not echoed" 1 \
	"^error: proxy http_proxy: bad port\$" \
	env http_proxy='http://user:se/cret@127.0.0.1:99999' $TOOL $U/hello

# write time-out: a server that accepts and never reads; once the socket
# buffers are full the upload must stop after the idle time-out, not hang
cat >"$TMP/blackhole.py" <<'PY'
import socket, sys, os, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1])); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    c, _ = s.accept()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    held.append(c)
PY
start_py "$TMP/bhport" "$TMP/blackhole.py" "$TMP/bhport"
head -c $((64 * 1024 * 1024)) /dev/zero >"$TMP/big.body"
start=$(date +%s)
expect_exit "write time-out named (server never reads)" 3 "write time-out" \
	$T -X PUT -d "$TMP/big.body" -t 2 "http://127.0.0.1:$(cat "$TMP/bhport")/sink"
took=$(( $(date +%s) - start ))
if [ "$took" -le 20 ]; then ok "write time-out: gave up after ${took} s (idle time-out 2 s)"
else not_ok "write time-out: took ${took} s"; fi

# connect time-out: a listener whose accept queue is full (backlog 0, never
# accepting) drops further SYNs, so a connect hangs until the time-out
cat >"$TMP/full.py" <<'PY'
import socket, sys, os, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(0)
port = s.getsockname()[1]
fill = []
for i in range(3):
    c = socket.socket(); c.setblocking(False)
    try: c.connect(("127.0.0.1", port))
    except BlockingIOError: pass
    fill.append(c)
time.sleep(0.3)
open(sys.argv[1] + ".tmp", "w").write(str(port)); os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(120)
PY
start_py "$TMP/fullport" "$TMP/full.py" "$TMP/fullport"
start=$(date +%s)
expect_exit "connect time-out named (accept queue full)" 3 "connect time-out \(2 s\)" \
	$T -T 2 "http://127.0.0.1:$(cat "$TMP/fullport")/x"
took=$(( $(date +%s) - start ))
if [ "$took" -le 6 ]; then ok "connect time-out: gave up after ${took} s"
else not_ok "connect time-out: took ${took} s"; fi
