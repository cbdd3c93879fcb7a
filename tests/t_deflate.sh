#!/bin/sh
# deflate.c against outside oracles (issue 14): generated inputs (text of
# the CSV/JSON-lines/log kind, random bytes, random bytes with repeats,
# zeros, random files between tar headers, sizes around the 64 KiB and
# block edges, empty) are cut into
# blocks and compressed by build/tools/tool_deflate at levels 1, 6 and 9;
# the gzip member must pass `gzip -t` and `gzip -dc` must give the input
# back; the raw stream must inflate in python's zlib (decompressobj(-15))
# to the input, ending exactly at its end. Also: small blocks (1000 bytes,
# each one ending byte-aligned, BFINAL only on the last), the same bytes on
# a second run, and sizes against gzip -6 and the stored form.
. tests/lib.sh
make -s build/tools/tool_deflate >/dev/null 2>&1
TOOL=${TOOL_DEFLATE:-build/tools/tool_deflate}
[ -x "$TOOL" ] || { not_ok "build/tools/tool_deflate builds"; exit 0; }
sh scripts/need.sh python3:python3 gzip:gzip >/dev/null 2>&1
if ! command -v python3 >/dev/null 2>&1; then
	# the inputs and the zlib oracle are python's
	skip "t_deflate: no python3 to make the inputs and run zlib"
	exit 0
fi
have_gzip=1
command -v gzip >/dev/null 2>&1 || have_gzip=0

IN=$TMP/in
python3 - "$IN" <<'PY' || { not_ok "t_deflate: inputs made"; exit 0; }
import os, random, sys
d = sys.argv[1]
os.makedirs(d)
rnd = random.Random(1951)
def put(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
def text(n):
    out, i = [], 0
    while sum(map(len, out)) < n:
        k = rnd.randrange(3)
        if k == 0:
            out.append(b"2026-12-05T%02d:%02d:%02d,node-%03d,%.2f,%.1f,ok\n" % (
                i // 3600 % 24, i // 60 % 60, i % 60, rnd.randrange(300),
                rnd.gauss(21, 4), rnd.uniform(10, 90)))
        elif k == 1:
            out.append(b'{"step":%d,"loss":%.5f,"acc":%.4f}\n' % (
                i, 3.0 / (1 + i / 50) + rnd.random() / 30, rnd.random()))
        else:
            out.append(b"INFO trainer: epoch=%d step=%d lr=%.2e\n" % (
                i // 100, i, 1e-3 * 0.99 ** (i // 100)))
        i += 1
    return b"".join(out)[:n]
B = 131072
put("empty", b"")
put("one", b"x")
put("zeros", bytes(3 * B + 17))
put("ff", b"\xff" * 100000)
put("random", rnd.randbytes(700000))
put("text", text(1500000))
r = rnd.randbytes(10007)
put("random-repeats", (r * 60)[:600000])
put("mixed", text(200000) + rnd.randbytes(100000) + text(200000) + bytes(50000))
put("bytes", bytes(range(256)) * 1000)
# random files between tar headers, every fifth a repeat of the one before
# (random stretches stored inside compressed blocks, matches into them)
t, prev = [], b""
for i in range(40):
    data = prev if i % 5 == 4 else rnd.randbytes(rnd.randrange(1, 70000))
    hdr = (b"small/f-%d.dat" % i).ljust(124, b"\0") + b"%011o\0" % len(data)
    t.append(hdr.ljust(512, b"\0") + data + bytes(-len(data) % 512))
    prev = data
put("tarlike", b"".join(t) + bytes(1024))
put("random-tail", rnd.randbytes(2 * B + 4096 + 4103))
for n in (65535, 65536, B - 1, B, B + 1):
    put("text-%d" % n, text(n))
PY
ls "$IN" >"$TMP/names"

# zlib.py RAWLIST: each line "RAW ORIGINAL"; prints the first failure
cat >"$TMP/zlib.py" <<'PY'
import sys, zlib
for line in open(sys.argv[1]):
    raw, orig = line.split()
    d = zlib.decompressobj(-15)
    try:
        out = d.decompress(open(raw, "rb").read())
    except zlib.error as e:
        print("%s: %s" % (raw, e)); sys.exit(1)
    if not d.eof or d.unused_data or out != open(orig, "rb").read():
        print("%s: eof %s, %d bytes left over, %d bytes out" % (
            raw, d.eof, len(d.unused_data), len(out))); sys.exit(1)
PY

for block in default 1000; do
	bopt=""
	[ "$block" = default ] || bopt="-b $block"
	for level in 1 6 9; do
		tag="level $level, $block-byte blocks"
		[ "$block" = default ] && tag="level $level, DEFLATE_BLOCK blocks"
		bad="" gzbad="" : >"$TMP/raws"
		while read -r name; do
			f=$IN/$name o=$TMP/$name.$level.$block
			# small blocks: the inputs up to 300 KB (time)
			[ "$block" = default ] || [ "$(wc -c <"$f")" -le 300000 ] || continue
			# shellcheck disable=SC2086
			if ! "$TOOL" -l $level $bopt <"$f" >"$o.raw" 2>"$o.err" ||
			    ! "$TOOL" -l $level $bopt -g <"$f" >"$o.gz" 2>>"$o.err"; then
				bad="$bad $name($(head -c 200 "$o.err"))"
				continue
			fi
			echo "$o.raw $f" >>"$TMP/raws"
			[ $have_gzip = 1 ] || continue
			if ! gzip -t "$o.gz" 2>"$o.err" ||
			    ! gzip -dc "$o.gz" | cmp -s - "$f"; then
				gzbad="$gzbad $name"
			fi
		done <"$TMP/names"
		count=$(wc -l <"$TMP/raws" | tr -d ' ')
		check_eq "$tag: tool_deflate compresses all $count inputs" "$bad" ""
		if [ $have_gzip = 1 ]; then
			check_eq "$tag: gzip -t passes and gzip -dc gives back all $count inputs" "$gzbad" ""
		else
			skip "$tag: gzip -t and gzip -dc (no gzip)"
		fi
		check "$tag: python zlib (raw, wbits -15) inflates all $count inputs, ending at the end" \
			python3 "$TMP/zlib.py" "$TMP/raws"
	done
done

# the same bytes again, and from the gzip member the raw stream inside
"$TOOL" -l 6 <"$IN/mixed" >"$TMP/again.raw"
check "level 6: the same bytes on a second run" cmp "$TMP/again.raw" "$TMP/mixed.6.default.raw"
check "level 6: the gzip member holds the raw stream between its header and trailer" python3 -c '
import sys
gz, raw = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
assert gz[10:-8] == raw, "the member does not hold the raw stream"' \
	"$TMP/mixed.6.default.gz" "$TMP/mixed.6.default.raw"

# the same bytes from other builds: without SIMD (x86-64 without SSE2:
# the repeat probe's other path) and, when their cross compilers and qemu
# are here, aarch64 (NEON) and armv7 (none)
xbuild() { # NAME CC FLAGS...: builds $TMP/td-NAME
	_n=$1 _cc=$2; shift 2
	command -v "$_cc" >/dev/null 2>&1 &&
		"$_cc" "$@" -std=c11 -Oz -D_GNU_SOURCE -I. -static -o "$TMP/td-$_n" \
			tests/tool_deflate.c deflate.c crc32.c >"$TMP/xb.err" 2>&1
}
same_bytes() { # TAG RUNNER...: the runner's bytes are the native tool's
	_tag=$1; shift
	_bad=""
	for name in mixed random-repeats text-131073 bytes tarlike; do
		for level in 1 6 9; do
			"$@" -l $level <"$IN/$name" >"$TMP/x.raw" 2>/dev/null &&
				cmp -s "$TMP/x.raw" "$TMP/$name.$level.default.raw" ||
				_bad="$_bad $name/$level"
		done
	done
	check_eq "$_tag: the same bytes as this build's, 5 inputs x levels 1, 6, 9" "$_bad" ""
}
if [ "$(uname -m)" = x86_64 ] && xbuild nosimd musl-gcc -U__SSE2__; then
	same_bytes "x86-64 without SSE2" "$TMP/td-nosimd"
else
	skip "x86-64 without SSE2 (not x86-64, or no musl-gcc)"
fi
for t in aarch64:aarch64-linux-gnu-gcc:/usr/lib/aarch64-linux-musl/musl-gcc.specs:qemu-aarch64-static \
    armv7:arm-linux-gnueabihf-gcc:/usr/lib/arm-linux-musleabihf/musl-gcc.specs:qemu-arm-static; do
	IFS=: read -r n cc specs qemu <<EOF
$t
EOF
	if [ -f "$specs" ] && command -v "$qemu" >/dev/null 2>&1 &&
	    xbuild "$n" "$cc" -specs "$specs"; then
		same_bytes "$n under qemu" "$qemu" "$TMP/td-$n"
	else
		skip "$n: no $cc with musl, or no $qemu (sh scripts/cross-deps.sh)"
	fi
done

# sizes: never more than stored; text as gzip -6 makes it; levels ordered
sz() { wc -c <"$1" | tr -d ' '; }
# each block of DEFLATE_BLOCK (131072) bytes stored in 3 blocks (5 bytes
# of framing each), the rest in its own
B=131072
n=$(sz "$IN/random")
last=$((n % B))
stored=$((n / B * (B + 5 * ((B + 65534) / 65535)) + last + 5 * ((last + 65534) / 65535)))
check_eq "random, level 6: stored blocks, $stored bytes for $n" "$(sz "$TMP/random.6.default.raw")" "$stored"
t1=$(sz "$TMP/text.1.default.raw") t6=$(sz "$TMP/text.6.default.raw") t9=$(sz "$TMP/text.9.default.raw")
check "text: level 9 <= level 6 <= level 1 ($t9 $t6 $t1)" test "$t9" -le "$t6" -a "$t6" -le "$t1"
rr=$(sz "$TMP/random-repeats.6.default.raw")
check "random bytes repeating every 10007: compressed, not stored ($rr bytes of 600000)" \
	test "$rr" -lt 100000
if [ $have_gzip = 1 ]; then
	g6=$(gzip -6 -c "$IN/text" | wc -c | tr -d ' ')
	g6=$((g6 - 18))
	check "text, level 6: within 1.05x of gzip -6's deflate stream ($t6 vs $g6)" \
		test "$((t6 * 100))" -le "$((g6 * 105))"
	tl=$(sz "$TMP/tarlike.6.default.raw")
	gt=$(gzip -6 -c "$IN/tarlike" | wc -c | tr -d ' ')
	gt=$((gt - 18))
	check "tar-like random files, level 6: within 1.01x of gzip -6's stream ($tl vs $gt)" \
		test "$((tl * 100))" -le "$((gt * 101))"
else
	skip "text, level 6 against gzip -6 (no gzip)"
	skip "tar-like, level 6 against gzip -6 (no gzip)"
fi
exit 0
