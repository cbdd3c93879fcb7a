#!/bin/sh
# s3pub get against a small local HTTP server (no S3 server needed), for
# what the S3 test servers cannot do: an x-amz-checksum-sha256 that is
# right, wrong or a multipart one (radosgw 16 sends none), a body cut short,
# a gzip whose CRC does not match; each failure is exit 6 with nothing left
# in DIR. Also the usage errors of `get`. The server is python's
# http.server, serving tests' files with the headers each case asks for.
. tests/lib.sh
sh scripts/need.sh python3:python3 tar:tar gzip:gzip time:/usr/bin/time util-linux:prlimit strace:strace >&2 || exit 1
[ -x "$S3PUB" ] || make -s s3pub >/dev/null 2>&1

mkdir -p "$TMP/srv/b" "$TMP/tree/sub"
printf 'one\n' >"$TMP/tree/one"
head -c 200000 /dev/urandom >"$TMP/tree/sub/blob"
tar -czf "$TMP/srv/b/good.tar.gz" -C "$TMP/tree" .
for k in goodsum badsum multipart cut; do cp "$TMP/srv/b/good.tar.gz" "$TMP/srv/b/$k.tar.gz"; done
cp "$TMP/tree/sub/blob" "$TMP/srv/b/badsum-plain.bin"
# a gzip member whose CRC-32 is wrong (the trailer's first byte flipped)
python3 - "$TMP/srv/b/good.tar.gz" "$TMP/srv/b/crc.tar.gz" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-8] ^= 0xff
open(sys.argv[2], "wb").write(b)
PY

cat >"$TMP/server.py" <<'PY'
import base64, hashlib, os, sys, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
root = sys.argv[1]
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def do_GET(self):
        path = urllib.parse.unquote(self.path.split("?")[0])
        f = os.path.join(root, path.lstrip("/"))
        if "list-type=2" in self.path:
            # ListObjectsV2 as a store that ignores encoding-type=url
            # answers: raw keys, no EncodingType
            d = os.path.join(root, path.lstrip("/"), "p")
            if path.strip("/") == "lk":
                # a key over S3's 1,024 bytes: no file can be named so
                d, names = None, ["k" * 1100]
            body = "<ListBucketResult><IsTruncated>false</IsTruncated>" + "".join(
                "<Contents><Key>p/%s</Key><Size>%d</Size></Contents>" % (n, os.path.getsize(os.path.join(d, n)) if d else 1)
                for n in (sorted(os.listdir(d)) if d else names)) + "</ListBucketResult>"
            body = body.encode()
            self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
            self.wfile.write(body); return
        if not os.path.isfile(f):
            body = b"<Error><Code>NoSuchKey</Code></Error>" if path.endswith(".s3pub-manifest.json") else b""
            self.send_response(404); self.send_header("Content-Length", str(len(body))); self.end_headers()
            self.wfile.write(body); return
        body = open(f, "rb").read()
        name = os.path.basename(f)
        good = base64.b64encode(hashlib.sha256(body).digest()).decode()
        self.send_response(200)
        if name.startswith("goodsum"):
            self.send_header("x-amz-checksum-sha256", good)
        elif name.startswith("badsum"):
            self.send_header("x-amz-checksum-sha256", base64.b64encode(b"\0" * 32).decode())
        elif name.startswith("multipart"):
            self.send_header("x-amz-checksum-sha256", base64.b64encode(b"\1" * 32).decode() + "-3")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if name.startswith("cut"):
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
open(sys.argv[2], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
python3 "$TMP/server.py" "$TMP/srv" "$TMP/port" &
SRV=$!
trap 'kill $SRV 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
i=0
while [ ! -s "$TMP/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
U=http://127.0.0.1:$(cat "$TMP/port")/b

same() { diff -r --no-dereference "$TMP/tree" "$1" >/dev/null; }
nothing() { [ ! -e "$1" ] || [ -z "$(ls -A "$1")" ]; }

rm -rf "$TMP/o"
"$S3PUB" get --retries 1 "$U/goodsum.tar.gz?X-Amz-Signature=x" "$TMP/o" 2>"$TMP/err"
rc=$?
check_eq "the server's x-amz-checksum-sha256 matches: exit 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
check "... unpacked equal to the tree" same "$TMP/o"
rm -rf "$TMP/o"
expect_exit "a wrong x-amz-checksum-sha256 from the server -> 6" 6 "x-amz-checksum-sha256" \
	"$S3PUB" get --retries 1 "$U/badsum.tar.gz" "$TMP/o"
check "... nothing left in DIR" nothing "$TMP/o"
expect_exit "the same for a plain file -> 6" 6 "checksum mismatch" \
	"$S3PUB" get --retries 1 "$U/badsum-plain.bin" "$TMP/o"
check "... no file, no temporary file left" nothing "$TMP/o"
"$S3PUB" get --retries 1 "$U/multipart.tar.gz" "$TMP/o" 2>"$TMP/err"
check_eq "a multipart checksum (base64-N) is not compared with the body's: exit 0" "$?" 0
rm -rf "$TMP/o"
expect_exit "a body cut short -> 6, naming the operation and the URL" 6 "GetObject http://[^ ]*/cut.tar.gz: .*cut short" \
	"$S3PUB" get --retries 1 "$U/cut.tar.gz" "$TMP/o"
check "... nothing left in DIR" nothing "$TMP/o"
expect_exit "a gzip CRC-32 mismatch -> 6" 6 "CRC-32" \
	"$S3PUB" get --retries 1 "$U/crc.tar.gz" "$TMP/o"
check "... nothing left in DIR" nothing "$TMP/o"
# a bare 404 (no S3 error document) is read by s3.c as NoSuchBucket: 4
expect_exit "a bare 404 via a URL -> 4" 4 "404" \
	"$S3PUB" get --retries 1 "$U/none.tar.gz" "$TMP/o"
check "... no DIR made" nothing "$TMP/o"
# a prefix listed by a store that ignores encoding-type=url: its keys are
# taken as they come ('+' and '%41' stay)
mkdir -p "$TMP/srv/lb/p"
printf 'plus\n' >"$TMP/srv/lb/p/a+b"
printf 'pct\n' >"$TMP/srv/lb/p/x%41"
rm -rf "$TMP/o"
"$S3PUB" get --retries 1 --no-sign-request --path-style --endpoint "${U%/b}" s3://lb/p/ "$TMP/o" 2>"$TMP/err"
check_eq "a listing without EncodingType: keys taken as they are ($(head -c 200 "$TMP/err"))" \
	"$(cat "$TMP/o/a+b" "$TMP/o/x%41" 2>&1 | tr '\n' ' ')" "plus pct "
rm -rf "$TMP/o"
expect_exit "a listed key over S3's 1,024 bytes -> 5, not cut or skipped" 5 \
	"ListObjectsV2: a key of 1102 bytes, over S3's 1,024" \
	"$S3PUB" get --retries 1 --no-sign-request --path-style --endpoint "${U%/b}" s3://lk/p/ "$TMP/o"
check "... nothing left in DIR" nothing "$TMP/o"
# 20,000 directories of 3.8 KB paths (681 KB compressed), mode 750 and
# mtime 1,000,000,000: their attributes are kept in a file of the staging
# folder until the end, not in memory (80 MB once), so a 16 MiB
# address-space limit is enough, and every one gets them
python3 - "$TMP/srv/b/dirs.tar.gz" <<'PY'
import io, sys, tarfile
def d(name):
    ti = tarfile.TarInfo(name); ti.type = tarfile.DIRTYPE; ti.mode = 0o750
    ti.mtime = 1000000000
    return ti
with tarfile.open(sys.argv[1], mode="w:gz", format=tarfile.PAX_FORMAT) as t:
    top = [c * 255 for c in "bcdefghijklmno"]
    for k in range(1, len(top) + 1):
        t.addfile(d("/".join(top[:k])))
    for i in range(20000):
        t.addfile(d("/".join(top) + "/d%06d" % i + "x" * 190))
PY
rm -rf "$TMP/o"
prlimit --as=$((16 * 1024 * 1024)) "$S3PUB" get --retries 1 "$U/dirs.tar.gz" "$TMP/o" 2>"$TMP/err"
rc=$?
check_eq "20,000 directories under a 16 MiB address-space limit: exit 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
check_eq "... every one made, with mode 750 and mtime 1000000000" \
	"$(cd "$TMP/o" 2>/dev/null && find . -mindepth 1 -type d -printf '%m %T@\n' | sed 's/\.0*$//' | sort | uniq -c | sed 's/^ *//')" \
	"20014 750 1000000000"
rm -rf "$TMP/o"
rm -rf "$TMP/o"
"$S3PUB" get --retries 1 "HTTP${U#http}/good.tar.gz" "$TMP/o" 2>"$TMP/err"
rc=$?
check_eq "an upper-case scheme (HTTP://) is a URL as well ($(head -c 200 "$TMP/err"))" "$rc" 0
rm -rf "$TMP/o"
"$S3PUB" get --quiet "$U/good.tar.gz" "$TMP/o" 2>"$TMP/err"
check_eq "--quiet: nothing on stderr" "$(cat "$TMP/err")" ""

# DIR holding the same files already (a get run again, or one cut short
# by kill -9 or a power cut while it moved its files in: some of them in
# DIR): no conflict, exit 0 without --force. A file that differs in its
# bytes, mtime or mode, or a link to elsewhere, still is one (exit 2,
# kept)
"$S3PUB" get --retries 1 "$U/good.tar.gz" "$TMP/o" 2>"$TMP/err"
rc=$?
check_eq "the same get again into DIR, no --force: exit 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
check "... DIR equal to the tree" same "$TMP/o"
check "... no staging folder left" sh -c "! ls -A '$TMP/o' | grep -q s3pub-get"
rm "$TMP/o/sub/blob"
"$S3PUB" get --retries 1 "$U/good.tar.gz" "$TMP/o" 2>"$TMP/err"
rc=$?
check_eq "a get cut short while moving its files in (one in DIR, one not), run again: exit 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
check "... DIR equal to the tree" same "$TMP/o"
t=$(stat -c %Y "$TMP/o/one")
m=$(stat -c %a "$TMP/o/one")
printf 'two\n' >"$TMP/o/one"
touch -d "@$t" "$TMP/o/one"
expect_exit "DIR's file of the same size, mode and mtime, other bytes -> 2" 2 "/one' already exists" \
	"$S3PUB" get --retries 1 "$U/good.tar.gz" "$TMP/o"
check_eq "... kept" "$(cat "$TMP/o/one")" two
printf 'one\n' >"$TMP/o/one"
touch -d "@$((t + 1))" "$TMP/o/one"
expect_exit "DIR's file of the same bytes, another mtime -> 2" 2 "/one' already exists" \
	"$S3PUB" get --retries 1 "$U/good.tar.gz" "$TMP/o"
touch -d "@$t" "$TMP/o/one"
chmod "$([ "$m" = 600 ] && echo 640 || echo 600)" "$TMP/o/one"
expect_exit "DIR's file of the same bytes and mtime, another mode -> 2" 2 "/one' already exists" \
	"$S3PUB" get --retries 1 "$U/good.tar.gz" "$TMP/o"
chmod "$m" "$TMP/o/one"
"$S3PUB" get --retries 1 "$U/good.tar.gz" "$TMP/o" 2>"$TMP/err"
rc=$?
check_eq "... its mode back: the same file, exit 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
mkdir -p "$TMP/tree2"
printf 'one\n' >"$TMP/tree2/one"
ln -s one "$TMP/tree2/l"
tar -czf "$TMP/srv/b/links.tar.gz" -C "$TMP/tree2" .
rm -rf "$TMP/o2"
"$S3PUB" get --retries 1 "$U/links.tar.gz" "$TMP/o2" 2>/dev/null &&
	"$S3PUB" get --retries 1 "$U/links.tar.gz" "$TMP/o2" 2>"$TMP/err"
rc=$?
check_eq "a symbolic link, got twice: exit 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
check_eq "... the link as it was" "$(readlink "$TMP/o2/l")" one
ln -sfn elsewhere "$TMP/o2/l"
expect_exit "DIR's link to elsewhere -> 2" 2 "/l' already exists" \
	"$S3PUB" get --retries 1 "$U/links.tar.gz" "$TMP/o2"
check_eq "... kept" "$(readlink "$TMP/o2/l")" elsewhere
# hard links: a get cut short with one name of two moved in, run again:
# the same file is replaced by the new one, so the two names stay one file
mkdir -p "$TMP/tree3"
printf 'x\n' >"$TMP/tree3/a"
ln "$TMP/tree3/a" "$TMP/tree3/b"
tar -czf "$TMP/srv/b/hard.tar.gz" -C "$TMP/tree3" .
rm -rf "$TMP/o3"
"$S3PUB" get --retries 1 "$U/hard.tar.gz" "$TMP/o3" 2>/dev/null
rm -f "$TMP/o3/b"
"$S3PUB" get --retries 1 "$U/hard.tar.gz" "$TMP/o3" 2>"$TMP/err"
rc=$?
check_eq "hard links, a get cut short with one of their two names in DIR, run again: exit 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
check_eq "... the two names one file" "$(stat -c %i "$TMP/o3/a" 2>&1)" "$(stat -c %i "$TMP/o3/b" 2>&1)"
# two gets of two trees into one DIR at once: the later one's moves do
# not replace the files the other put there after its check (strace
# holds its first move 3 s, while the other runs whole): one fails, and
# DIR is the other's tree
mkdir -p "$TMP/ta" "$TMP/tb"
for f in f1 f2 f3; do printf 'A %s\n' $f >"$TMP/ta/$f"; printf 'B %s\n' $f >"$TMP/tb/$f"; done
tar -czf "$TMP/srv/b/ta.tar.gz" -C "$TMP/ta" .
tar -czf "$TMP/srv/b/tb.tar.gz" -C "$TMP/tb" .
rm -rf "$TMP/o4"
mkdir "$TMP/o4"
strace -f -o /dev/null -e trace=renameat,renameat2 -e inject=renameat,renameat2:delay_enter=3000000:when=1 \
	"$S3PUB" get --retries 1 "$U/tb.tar.gz" "$TMP/o4" 2>"$TMP/errb" &
pb=$!
sleep 1
"$S3PUB" get --retries 1 "$U/ta.tar.gz" "$TMP/o4" 2>"$TMP/erra"
rca=$?
wait $pb
rcb=$?
check_eq "two gets of two trees into one DIR at once: the first to move its files exits 0 ($(head -c 200 "$TMP/erra"))" "$rca" 0
check_eq "... the other exits 2 ($(head -c 200 "$TMP/errb"))" "$rcb" 2
check "... DIR is the first one's tree" diff -r "$TMP/ta" "$TMP/o4"
printf 'x' >"$TMP/file"
expect_exit "DIR is a file -> 2" 2 "file" "$S3PUB" get "$U/good.tar.gz" "$TMP/file"

# archives python's tarfile makes: what a hostile or odd archive holds
python3 - "$TMP/srv/b" <<'PY'
import io, sys, tarfile
out = sys.argv[1]
def tar(name, members):
    with tarfile.open(out + "/" + name, "w:gz", format=tarfile.PAX_FORMAT) as t:
        for info, data in members:
            t.addfile(info, io.BytesIO(data) if data is not None else None)
def entry(name, kind=tarfile.REGTYPE, link="", data=b"", mtime=1700000000):
    i = tarfile.TarInfo(name)
    i.type, i.linkname, i.mtime, i.mode = kind, link, mtime, 0o755 if kind == tarfile.DIRTYPE else 0o644
    i.size = len(data) if kind == tarfile.REGTYPE else 0
    return (i, data if kind == tarfile.REGTYPE else None)
# a second name (hard link) of a symbolic link that stays inside at its
# own depth, and would leave DIR from the top
tar("hardsym.tar.gz", [entry("a", tarfile.DIRTYPE), entry("a/b", tarfile.DIRTYPE),
    entry("a/b/s", tarfile.SYMTYPE, "../.."), entry("h", tarfile.LNKTYPE, "a/b/s")])
# the same, where the second name keeps it inside
tar("hardsym-ok.tar.gz", [entry("a", tarfile.DIRTYPE), entry("a/t", data=b"t\n"),
    entry("a/s", tarfile.SYMTYPE, "t"), entry("a/h", tarfile.LNKTYPE, "a/s")])
# 600 directories deep (a 1,201-byte path)
tar("deep.tar.gz", [entry("d/" * 600 + "f", data=b"deep\n")])
# paths of 4,080 bytes (16 directories of 254), past PATH_MAX with the
# staging folder's name before them, then an entry refused
tar("long.tar.gz", [entry(("a" * 254 + "/") * 16 + "f", data=b"f\n"),
    entry("zz", tarfile.SYMTYPE, "../../../etc")])
# times before 1970
tar("old.tar.gz", [entry("old", data=b"o\n", mtime=-315619200), entry("minus1", data=b"m\n", mtime=-1)])
PY
rm -rf "$TMP/o"
expect_exit "a hard link to a symbolic link, leaving DIR from its own place -> 6" 6 "h" \
	"$S3PUB" get --retries 1 "$U/hardsym.tar.gz" "$TMP/o"
check "... nothing left in DIR" nothing "$TMP/o"
"$S3PUB" get --retries 1 "$U/hardsym-ok.tar.gz" "$TMP/o" 2>"$TMP/err"
rc=$?
check_eq "a hard link to a symbolic link that stays inside: exit 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
check_eq "... the second name is the link" "$(readlink "$TMP/o/a/h" 2>&1)" t
rm -rf "$TMP/o"
expect_exit "600 directories deep, a wrong --content-sha256 -> 6" 6 "content-sha256|ContentSHA256|mismatch" \
	"$S3PUB" get --retries 1 --content-sha256 "$(printf '%064d' 0)" "$U/deep.tar.gz" "$TMP/o"
check "... nothing left in DIR, not even the staging folder" nothing "$TMP/o"
"$S3PUB" get --retries 1 "$U/deep.tar.gz" "$TMP/o" 2>"$TMP/err"
check_eq "... and with no hash given, unpacked ($(head -c 200 "$TMP/err"))" \
	"$(cat "$TMP/o/$(printf 'd/%.0s' $(seq 600))f" 2>/dev/null)" deep
rm -rf "$TMP/o"
expect_exit "paths of 4,080 bytes, then an entry refused -> 6" 6 "zz" \
	"$S3PUB" get --retries 1 "$U/long.tar.gz" "$TMP/o"
check "... nothing left in DIR, not even the staging folder" nothing "$TMP/o"
rm -rf "$TMP/o"
"$S3PUB" get --retries 1 "$U/old.tar.gz" "$TMP/o" 2>"$TMP/err"
check_eq "mtimes before 1970 restored (1960-01-01, and -1)" \
	"$(stat -c %Y "$TMP/o/old" "$TMP/o/minus1" 2>&1 | tr '\n' ' ')" "-315619200 -1 "
rm -rf "$TMP/o"

# a move into DIR that would fail halfway (a directory we may not write
# into) is found before anything moves: DIR is left as it was. As nobody
# (root writes anywhere), with setpriv as t_archive.sh uses it.
if setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
	NB="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	for v in 1 2; do
		mkdir -p "$TMP/ro$v/ro"
		# (many names: the staging folder is read in hash order, and
		# ro must not come first by chance)
		for n in a b c d e f g h i j k l m n o p q r s t; do
			printf '%s%s\n' $n $v >"$TMP/ro$v/$n.txt"
		done
		printf 'f%s\n' $v >"$TMP/ro$v/ro/f"
		chmod 555 "$TMP/ro$v/ro"
		tar -czf "$TMP/srv/b/ro$v.tar.gz" -C "$TMP/ro$v" .
	done
	chmod 755 "$TMP"
	mkdir -p "$TMP/nb" && chmod 777 "$TMP/nb"
	$NB "$S3PUB" get --retries 1 "$U/ro1.tar.gz" "$TMP/nb/o" 2>"$TMP/err"
	rc=$?
	check_eq "as nobody: an archive with a read-only directory unpacked ($(head -c 200 "$TMP/err"))" "$rc" 0
	expect_exit "as nobody: --force over it, ro/f cannot be replaced -> 2" 2 "ro/f.*denied" \
		$NB "$S3PUB" get --retries 1 --force "$U/ro2.tar.gz" "$TMP/nb/o"
	check_eq "... nothing moved: the 20 files as they were" \
		"$(cat "$TMP/nb/o/"*.txt "$TMP/nb/o/ro/f" | tr -d '\n')" "a1b1c1d1e1f1g1h1i1j1k1l1m1n1o1p1q1r1s1t1f1"
	check_eq "... and no staging folder left" "$(ls -A "$TMP/nb/o" | grep -c s3pub-get)" 0
	chmod -R u+w "$TMP/nb" "$TMP/ro1" "$TMP/ro2"
else
	skip "a move that would fail halfway: setpriv cannot switch to nobody here"
fi

# streaming: a 40 MB archive (of 60 MB) unpacks in bounded memory
head -c 20000000 /dev/urandom >"$TMP/big"
mkdir -p "$TMP/bigtree"
head -c 20000000 /dev/urandom >"$TMP/bigtree/random"
od -An -tx1 "$TMP/big" | head -c 40000000 >"$TMP/bigtree/text"
tar -czf "$TMP/srv/b/big.tar.gz" -C "$TMP/bigtree" .
rm -rf "$TMP/o"
/usr/bin/time -f '%M' -o "$TMP/rss" "$S3PUB" get --quiet "$U/big.tar.gz" "$TMP/o" 2>"$TMP/err"
check "a $(wc -c <"$TMP/srv/b/big.tar.gz") byte archive unpacked equal" diff -r "$TMP/bigtree" "$TMP/o"
rss=$(tail -n 1 "$TMP/rss")
check_eq "... with a peak RSS under 2 MiB (DESIGN.md budget: 1 MiB; got $rss KiB)" \
	"$([ "${rss:-99999}" -lt 2048 ] && echo yes)" yes
rm -rf "$TMP/o" "$TMP/bigtree" "$TMP/big"

# usage
expect_exit "get with one argument -> 1" 1 "SOURCE and DIR" "$S3PUB" get "$U/good.tar.gz"
expect_exit "a malformed --checksum-sha256 -> 1" 1 "base64" \
	"$S3PUB" get --checksum-sha256 abc "$U/good.tar.gz" "$TMP/o"
expect_exit "a malformed --content-sha256 -> 1" 1 "hex" \
	"$S3PUB" get --content-sha256 xyz "$U/good.tar.gz" "$TMP/o"
expect_exit "an unknown option -> 1" 1 "unknown option" "$S3PUB" get --bogus "$U/good.tar.gz" "$TMP/o"
expect_exit "a URL that is not http(s) -> 1" 1 "s3://" "$S3PUB" get "ftp://x/y" "$TMP/o"
"$S3PUB" get --help >"$TMP/help" 2>&1
check_eq "get --help exits 0 and names its options" \
	"$?$(grep -c 'checksum-sha256\|content-sha256\|--force' "$TMP/help")" "03"
