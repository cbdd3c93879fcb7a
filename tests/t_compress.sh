#!/bin/sh
# Compression on the wire (issue 14): `s3pub archive --compress LEVEL` and
# `publish --dry-run` against independent oracles: gzip -t and zcat, GNU
# tar, bsdtar, python3's tarfile and zlib. The ustar stream inside must be
# the same at every level (only the deflate framing differs), the bytes the
# same for every thread count, and level 0 today's stored member.
. tests/lib.sh
sh scripts/need.sh python3:python3 tar:tar gzip:gzip libarchive-tools:bsdtar >&2 ||
	{ not_ok "t_compress: missing tools"; exit 0; }

# a results tree: text (CSV, JSON lines, logs), random, zeros, sizes
# around the block edges, empty files and directories, a symlink
D=$TMP/tree
python3 - "$D" <<'PY'
import os, random, sys
root = sys.argv[1]
rnd = random.Random(14)
def f(rel, data):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as fh:
        fh.write(data)
rows = ["ts,sensor,temp,humidity"]
for i in range(60000):
    rows.append("2026-12-05T%02d:%02d:%02d,s%03d,%.2f,%.1f" % (
        i // 3600 % 24, i // 60 % 60, i % 60, rnd.randrange(200),
        rnd.gauss(21, 3), rnd.uniform(20, 80)))
f("sensors/readings.csv", ("\n".join(rows) + "\n").encode())
f("metrics.jsonl", "".join('{"step":%d,"loss":%.5f,"acc":%.4f}\n' % (
    i, 2.0 / (i + 1) + rnd.random() / 100, rnd.random()) for i in range(30000)).encode())
f("train.log", "".join("epoch %d batch %d lr=0.001 loss=%.4f\n" % (
    i // 500, i % 500, rnd.random()) for i in range(20000)).encode())
f("random.bin", rnd.randbytes(700000))
f("zeros.bin", bytes(3 * 262144 + 17))
for n in (1, 65535, 65536, 131071, 131072, 131073, 262143, 262144, 262145, 524289):
    f("edges/e%07d" % n, (b"edge %d " % n) * (n // 10) + b"x" * (n % 10))
f("empty", b"")
os.makedirs(os.path.join(root, "emptydir"))
os.symlink("train.log", os.path.join(root, "latest.log"))
PY

"$S3PUB" archive --compress 0 "$D" >"$TMP/l0.tgz"
rc0=$?
check_eq "level 0: archive exits 0" "$rc0" 0
zcat "$TMP/l0.tgz" >"$TMP/l0.tar"

# level 0 is the stored member: 18 + n + 5 * ceil(n / 65535) bytes
n=$(wc -c <"$TMP/l0.tar" | tr -d ' ')
check_eq "level 0: the stored layout's size" "$(wc -c <"$TMP/l0.tgz" | tr -d ' ')" \
	"$((18 + n + 5 * ((n + 65534) / 65535)))"

for level in 1 6 9; do
	out=$TMP/l$level.tgz
	"$S3PUB" archive --compress $level "$D" >"$out"
	rc=$?
	check_eq "level $level: archive exits 0" "$rc" 0
	check "level $level: gzip -t" gzip -t "$out"
	zcat "$out" >"$TMP/l$level.tar"
	check "level $level: the ustar stream is level 0's, byte for byte" \
		cmp "$TMP/l$level.tar" "$TMP/l0.tar"
	check "level $level: python zlib reads the member" python3 -c '
import sys, zlib
d = zlib.decompressobj(31)
out = d.decompress(open(sys.argv[1], "rb").read())
assert d.eof and not d.unused_data, "trailing bytes"
assert out == open(sys.argv[2], "rb").read()' "$out" "$TMP/l0.tar"
	rm -rf "$TMP/x" && mkdir "$TMP/x"
	check "level $level: GNU tar extracts the tree as it is" \
		sh -c "tar -xzf '$out' -C '$TMP/x' && diff -r --no-dereference '$D' '$TMP/x'"
	check "level $level: bsdtar lists every entry" \
		sh -c "bsdtar -tzf '$out' | sort >'$TMP/bsd.lst' && tar -tzf '$TMP/l0.tgz' | sort | cmp - '$TMP/bsd.lst'"
	check "level $level: python tarfile reads every member" python3 -c '
import sys, tarfile
with tarfile.open(sys.argv[1], "r:gz") as t:
    names = [m.name for m in t.getmembers()]
assert "sensors/readings.csv" in names and "latest.log" in names, names' "$out"
done

# smaller at higher levels, and text shrinks: the gzip -6 oracle
s0=$(wc -c <"$TMP/l0.tgz" | tr -d ' ')
s1=$(wc -c <"$TMP/l1.tgz" | tr -d ' ')
s6=$(wc -c <"$TMP/l6.tgz" | tr -d ' ')
s9=$(wc -c <"$TMP/l9.tgz" | tr -d ' ')
g6=$(gzip -6 -c "$TMP/l0.tar" | wc -c | tr -d ' ')
check "sizes: level 9 <= level 6 <= level 1 < level 0 ($s9 $s6 $s1 $s0)" \
	test "$s9" -le "$s6" -a "$s6" -le "$s1" -a "$s1" -lt "$s0"
check "level 6 within 1.10x of gzip -6 on this tree ($s6 vs $g6)" \
	test "$((s6 * 100))" -le "$((g6 * 110))"

# the bytes do not depend on the thread count
for jobs in 1 2 3 4; do
	"$S3PUB" archive --compress 6 --jobs $jobs "$D" >"$TMP/j$jobs.tgz"
done
check "level 6: the same bytes with 1, 2, 3 and 4 threads" sh -c \
	"cmp '$TMP/j1.tgz' '$TMP/j2.tgz' && cmp '$TMP/j1.tgz' '$TMP/j3.tgz' && cmp '$TMP/j1.tgz' '$TMP/j4.tgz' && cmp '$TMP/j1.tgz' '$TMP/l6.tgz'"

# an empty directory and a one-byte file: still valid members
mkdir -p "$TMP/e0" "$TMP/e1" && printf x >"$TMP/e1/one"
for t in e0 e1; do
	"$S3PUB" archive --compress 6 "$TMP/$t" >"$TMP/$t.tgz"
	check "level 6: $t: gzip -t and tar list" sh -c "gzip -t '$TMP/$t.tgz' && tar -tzf '$TMP/$t.tgz' >/dev/null"
done

# --dry-run prints the compressed object's size and SHA-256
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Params"][sys.argv[2]])' "$1" "$2"; }
for level in 0 6; do
	"$S3PUB" publish --dry-run --compress $level "$D" "s3://bucket/r/k,opt=region=us-west-2" >"$TMP/dry$level.json"
	check_eq "dry-run level $level: Size is the archive's" "$(field "$TMP/dry$level.json" Size)" \
		"$(wc -c <"$TMP/l$level.tgz" | tr -d ' ')"
	check_eq "dry-run level $level: ContentSHA256 is sha256sum's" "$(field "$TMP/dry$level.json" ContentSHA256)" \
		"$(sha256sum <"$TMP/l$level.tgz" | cut -d' ' -f1)"
done
# the default level is 6
"$S3PUB" archive "$D" >"$TMP/default.tgz"
check "the default level is 6" cmp "$TMP/default.tgz" "$TMP/l6.tgz"

# a sparse file over 4 GiB at the default level: the gzip trailer's ISIZE
# wraps (mod 2^32) and offsets pass 32 bits; gzip -dc checks CRC and ISIZE
# (its status kept apart from the pipe's), GNU tar gives the file back
# byte for byte (cmp against the original). (t_archive.sh has 9 GiB at
# level 0; 4.5 GiB keeps this one under a minute.)
mkdir "$TMP/huge"
if truncate -s 4608M "$TMP/huge/big" 2>/dev/null &&
   [ "$(du -k "$TMP/huge/big" | cut -f1)" -lt 1024 ] &&
   printf 'MARK-A' | dd of="$TMP/huge/big" bs=1 seek=4294967296 conv=notrunc 2>/dev/null &&
   printf 'MARK-B' | dd of="$TMP/huge/big" bs=1 seek=4831838202 conv=notrunc 2>/dev/null; then
	"$S3PUB" archive "$TMP/huge" >"$TMP/huge.tgz"
	rc=$?
	check_eq "4.5 GiB sparse file, level 6: archive exits 0" "$rc" 0
	echo none >"$TMP/huge.gzrc"
	{ gzip -dc "$TMP/huge.tgz"; echo $? >"$TMP/huge.gzrc"; } |
		tar -xOf - big | cmp - "$TMP/huge/big" >"$TMP/huge.cmp" 2>&1
	rc=$?
	check_eq "4.5 GiB sparse file, level 6: gzip -dc (CRC, ISIZE mod 2^32) exits 0" \
		"$(cat "$TMP/huge.gzrc")" 0
	check_eq "4.5 GiB sparse file, level 6: GNU tar gives the same bytes back (cmp)" \
		"$rc $(cat "$TMP/huge.cmp")" "0 "
	rm -f "$TMP/huge.tgz"
else
	skip "4.5 GiB sparse file: this file system cannot make one"
fi
rm -rf "$TMP/huge"

expect_exit "--compress 10 is refused" 1 "0 \\(stored\\) to 9" "$S3PUB" archive --compress 10 "$D"
expect_exit "--compress x is refused" 1 "0 \\(stored\\) to 9" "$S3PUB" archive --compress x "$D"
exit 0
