#!/bin/sh
# get's resume of a cut body against a stand-in server (python), for the
# answers a real store does not give on demand: the first answer is 200,
# Content-Length 1000, ETag "e1", and the connection closes after 400
# bytes; the second answer (to Range: bytes=400- and If-Match: "e1") is,
# per case: right (206 from 400 to the end), the whole object again (200,
# a store that ignores Range: its first 400 bytes skipped), short (206
# ending at 699), long (206 to 1199 of 1200), empty with another ETag (200:
# a store that ignores If-Match), or 206 from the wrong byte. The file must
# be the object's bytes (cmp), else the get fails with nothing saved.
# e2e_getresume.sh covers radosgw itself.
. tests/lib.sh
sh scripts/need.sh python3:python3 >&2 || exit 1

cat >"$TMP/stand.py" <<'PY'
import socket, sys, threading, time
mode, portfile = sys.argv[1], sys.argv[2]
DATA = bytes((i * 7 + 3) % 251 for i in range(1000))
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(5)
open(portfile, "w").write(str(s.getsockname()[1]))
n = 0
def answer(c, status, hdrs, body):
    c.sendall(("HTTP/1.1 %s\r\nContent-Length: %d\r\n%s\r\n" % (status, len(body),
        "".join("%s: %s\r\n" % h for h in hdrs))).encode() + body)
def handle(c):
    global n
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = c.recv(4096)
        if not d:
            return
        buf += d
    n += 1
    if n == 1:
        c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nETag: "e1"\r\n\r\n' + DATA[:400])
        time.sleep(0.2)
        c.close()
        return
    e1 = ("ETag", '"e1"')
    if mode == "ok":
        answer(c, "206 Partial Content", [e1, ("Content-Range", "bytes 400-999/1000")], DATA[400:])
    elif mode == "whole":
        answer(c, "200 OK", [e1], DATA)
    elif mode == "short":
        answer(c, "206 Partial Content", [e1, ("Content-Range", "bytes 400-699/1000")], DATA[400:700])
    elif mode == "long":
        answer(c, "206 Partial Content", [e1, ("Content-Range", "bytes 400-1199/1200")], DATA[400:] + b"X" * 200)
    elif mode == "empty":
        answer(c, "200 OK", [("ETag", '"e2"')], b"")
    elif mode == "elsewhere":
        answer(c, "206 Partial Content", [e1, ("Content-Range", "bytes 300-999/1000")], DATA[300:])
    time.sleep(0.5)
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
PY
python3 -c 'import sys; sys.stdout.buffer.write(bytes((i * 7 + 3) % 251 for i in range(1000)))' >"$TMP/want"

# case MODE: STATUS its exit status, the saved file in $TMP/o/obj.bin
case_run() {
	rm -rf "$TMP/o" "$TMP/port"
	python3 "$TMP/stand.py" "$1" "$TMP/port" &
	_srv=$!
	_i=0
	while [ ! -s "$TMP/port" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
	"$S3PUB" get --verbose --no-sign-request --path-style --retries 3 \
		--endpoint "http://127.0.0.1:$(cat "$TMP/port")" s3://b/obj.bin "$TMP/o" \
		>/dev/null 2>"$TMP/err"
	STATUS=$?
	kill "$_srv" 2>/dev/null
	wait "$_srv" 2>/dev/null
}
last() { grep -v '^s3pub: [<>*]' "$TMP/err" | tail -n 1 | head -c 300; }
nothing() { [ ! -e "$TMP/o" ] || [ -z "$(ls -A "$TMP/o")" ]; }

for m in ok whole; do
	case_run $m
	check_eq "$m: resumed, exit 0 ($(last))" "$STATUS" 0
	check "$m: ... the file is the object's 1,000 bytes" cmp "$TMP/want" "$TMP/o/obj.bin"
	check "$m: ... --verbose says where it resumed" grep -q 'resuming at byte 400' "$TMP/err"
done
for m in short long; do
	case_run $m
	check_eq "$m: a resumed body that does not end at the object's end: exit 5 ($(last))" "$STATUS" 5
	check "$m: ... the message says how many bytes came" \
		grep -q 'GetObject s3://b/obj.bin: resumed, the answers gave [0-9]* bytes of its 1000' "$TMP/err"
	check "$m: ... nothing saved" nothing
done
case_run empty
check_eq "empty: an empty answer with another ETag: exit 4, the object changed ($(last))" "$STATUS" 4
check "empty: ... nothing saved" nothing
case_run elsewhere
check_eq "elsewhere: a 206 from another byte: exit 5 ($(last))" "$STATUS" 5
check "elsewhere: ... nothing saved" nothing
exit 0
