#!/bin/sh
# bench/b10_deflate.sh: deflate.c alone (issue 14), the compressor part of
# B10. Not a test: nothing is asserted, and `make test` never runs it.
#
# Data: the ustar stream of B10's text tree (bench/b10_text.py, made once
# under build/bench/text40m/, shared with b10_compress.sh) and B10D_RANDOM_MIB
# (default 256) MiB of random bytes. build/tools/tool_deflate (the product's
# deflate.o: its -Os/-Oz) cuts each into DEFLATE_BLOCK blocks and writes
# their concatenation (the blocked output the archive sends); the peers
# compress the same bytes as one stream. Times: CPU seconds (user+sys,
# one thread), best of B10D_RUNS (default 3); MB is 10^6 input bytes.
# Rows (run.sh's table format: id, what, s3pub, peer, ratio, goal) on
# stdout, every run on stderr:
#   bytes at levels 1, 6, 9 vs gzip -1, -6, -9     ratio: ours / gzip's
#   level 6 vs pigz -6 --independent (when pigz is there)
#   MB/s at levels 1, 6, 9 vs gzip -1, -6, -9       ratio: ours / gzip's
#   level 6 vs pigz -6 -p 1
#   random bytes: MB/s at level 6 vs sha256sum (the stored path costs
#   about a SHA-256 pass)
# Environment: B10_SCALE (default 1; the tree's size), B10D_RUNS,
# B10D_RANDOM_MIB, BENCH_TMP (default /dev/shm when writable).
cd "$(dirname "$0")/.." || exit 1
SCALE=${B10_SCALE:-1}
RUNS=${B10D_RUNS:-3}
RMIB=${B10D_RANDOM_MIB:-256}
W=build/bench
TEXT=$W/text40m
TMPD=${BENCH_TMP:-/dev/shm}
[ -w "$TMPD" ] || TMPD=$W
TOOL=build/tools/tool_deflate
sh scripts/need.sh gzip:gzip tar:tar time:/usr/bin/time python3:python3 >&2 || exit 1
sh scripts/need.sh pigz:pigz >&2 || echo "b10_deflate.sh: no pigz: its rows are skipped" >&2
mkdir -p "$W"
make -s "$TOOL" >&2 || { echo "b10_deflate.sh: cannot build $TOOL" >&2; exit 1; }

if [ "$(cat "$W/text40m.stamp" 2>/dev/null)" != "$SCALE" ]; then
	rm -rf "$TEXT"
	python3 bench/b10_text.py "$TEXT" "$SCALE" || exit 1
	echo "$SCALE" >"$W/text40m.stamp"
fi
T=$TMPD/b10d.tar R=$TMPD/b10d.random
trap 'rm -f "$T" "$R" "$TMPD/b10d.time"' EXIT INT TERM
tar -cf "$T" -C "$TEXT" . 2>/dev/null
head -c $((RMIB * 1048576)) /dev/urandom >"$R"

row() { printf 'B10\t%s\t%s\t%s\t%s\t%s\n' "$@"; }
sz() { wc -c <"$1" | tr -d ' '; }
# cpu FILE CMD...: best CPU seconds of RUNS runs of CMD <FILE >/dev/null
cpu() {
	_f=$1; shift
	_b="" _i=0
	while [ $_i -lt "$RUNS" ]; do
		/usr/bin/time -f "%U %S" -o "$TMPD/b10d.time" "$@" <"$_f" >/dev/null 2>&1 || { echo failed; return; }
		_t=$(awk '{ print $1 + $2 }' "$TMPD/b10d.time")
		echo "  $* <$(basename "$_f"): $_t s CPU" >&2
		_b=$(awk -v a="$_b" -v b="$_t" 'BEGIN { print (a == "" || b < a) ? b : a }')
		_i=$((_i + 1))
	done
	echo "$_b"
}
# bytes FILE CMD...: bytes CMD writes for FILE
bytes() { _f=$1; shift; "$@" <"$_f" | wc -c | tr -d ' '; }
mbs() { awk -v s="$1" -v n="$2" 'BEGIN { if (s == "failed") print "failed"; else if (s == 0) print "-"; else printf "%.1f MB/s (%.2f s)\n", n / s / 1e6, s }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "failed" || b == "failed" || b == 0) print "-"; else printf "%.3fx\n", a / b }'; }
speedup() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "failed" || b == "failed" || a == 0) print "-"; else printf "%.2fx\n", b / a }'; }

n=$(sz "$T")
echo "  B10 deflate: $TEXT, ustar $n bytes" >&2
for l in 1 6 9; do
	goal=-
	[ $l = 6 ] && goal="<= 1.02x"
	o=$(bytes "$T" "$TOOL" -l $l) g=$(bytes "$T" gzip -$l -c)
	row "bytes, text, level $l vs gzip -$l" "$o" "$g" "$(ratio "$o" "$g")" "$goal"
done
if command -v pigz >/dev/null 2>&1; then
	o=$(bytes "$T" "$TOOL" -l 6) g=$(bytes "$T" pigz -6 -i -c)
	row "bytes, text, level 6 vs pigz -6 --independent" "$o" "$g" "$(ratio "$o" "$g")" -
fi
for l in 1 6 9; do
	goal=-
	[ $l = 6 ] && goal=">= 3x"
	o=$(cpu "$T" "$TOOL" -l $l) g=$(cpu "$T" gzip -$l -c)
	row "one core, text, level $l vs gzip -$l" "$(mbs "$o" "$n")" "$(mbs "$g" "$n")" "$(speedup "$o" "$g")" "$goal"
done
if command -v pigz >/dev/null 2>&1; then
	o=$(cpu "$T" "$TOOL" -l 6) g=$(cpu "$T" pigz -6 -p 1 -c)
	row "one core, text, level 6 vs pigz -6 -p 1" "$(mbs "$o" "$n")" "$(mbs "$g" "$n")" "$(speedup "$o" "$g")" -
fi
rn=$(sz "$R")
o=$(cpu "$R" "$TOOL" -l 6) g=$(cpu "$R" sha256sum)
row "random bytes, level 6 vs sha256sum" "$(mbs "$o" "$rn")" "$(mbs "$g" "$rn")" "$(speedup "$o" "$g")" -
exit 0
