#!/bin/sh
# bench/b9_inflate.sh: benchmark B9, inflate throughput (issue 8).
#
# The same .gz (B9_MIB MiB, default 256, of real files: a tar of /usr/lib
# and /usr/share, made once by gzip -6 and kept in build/bench/) is
# decompressed by gunzip.c + inflate.c (tests/tool_gunzip.c, static musl,
# -O2, CRC-32 and ISIZE checked, output to /dev/null) and by `gzip -dc`,
# best of B9_RUNS (default 3) each, in the same run. Prints one row:
#
#   B9 inflate MB/s-OF-OUTPUT MB/s RATIOx gzip-dc (raw figures)
#
# The issue's goal is >= 0.7x gzip -dc; nothing here asserts it. MB is 10^6
# bytes of decompressed output. The decompressed bytes are checked once
# against the source (sha256sum) before timing.
set -e
cd "$(dirname "$0")/.."
MIB=${B9_MIB:-256}
RUNS=${B9_RUNS:-3}
W=build/bench

sh scripts/need.sh musl-tools:musl-gcc gzip:gzip >&2
make -s build/musl/libs3pub.a >&2 || {
	[ -f build/musl/libs3pub.a ] || exit 1
	echo "b9_inflate.sh: make failed; using the existing build/musl/libs3pub.a" >&2
}
mkdir -p "$W"
# -O2 for the units timed here (the library is built -Os for size)
musl-gcc -O2 -static -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. \
	-o "$W/b9_gunzip" tests/tool_gunzip.c inflate.c gunzip.c crc32.c \
	build/musl/libs3pub.a

if [ "$(cat "$W/b9.stamp" 2>/dev/null)" != "$MIB" ] || [ ! -f "$W/b9.gz" ]; then
	echo "b9_inflate.sh: making $MIB MiB of input (once)" >&2
	tar -cf - /usr/lib /usr/share 2>/dev/null | head -c $((MIB * 1048576)) >"$W/b9.raw" || true
	gzip -6 -c "$W/b9.raw" >"$W/b9.gz"
	sha256sum <"$W/b9.raw" | cut -c1-64 >"$W/b9.sha"
	rm -f "$W/b9.raw"
	echo "$MIB" >"$W/b9.stamp"
fi
size=$(gzip -dc "$W/b9.gz" | wc -c)
got=$("$W/b9_gunzip" <"$W/b9.gz" | sha256sum | cut -c1-64)
[ "$got" = "$(cat "$W/b9.sha")" ] || { echo "B9 inflate: output differs from the source" >&2; exit 1; }

# best WALL of RUNS runs of CMD < b9.gz > /dev/null
best() {
	_b=""
	_i=0
	while [ $_i -lt "$RUNS" ]; do
		_t0=$(date +%s.%N)
		"$@" <"$W/b9.gz" >/dev/null
		_t1=$(date +%s.%N)
		_b=$(awk -v a="$_t0" -v b="$_t1" -v c="$_b" 'BEGIN { t = b - a; if (c == "" || t < c) c = t; printf "%.4f\n", c }')
		_i=$((_i + 1))
	done
	echo "$_b"
}
ours=$(best "$W/b9_gunzip")
peer=$(best gzip -dc)
awk -v s="$size" -v o="$ours" -v p="$peer" -v r="$RUNS" -v gz="$(wc -c <"$W/b9.gz")" 'BEGIN {
	printf "B9 inflate %.0f MB/s %.2fx gzip-dc (gzip -dc %.0f MB/s; best of %d: %.3f s vs %.3f s; %d bytes from %d)\n",
	    s / o / 1e6, p / o, s / p / 1e6, r, o, p, s, gz }'
