#!/bin/sh
# bench/b2_crc32.sh: benchmark B2, CRC-32 throughput (shared/BENCHMARKS.md).
#
# 1 GiB in memory, 64 KiB updates, best of 3: every CRC-32 back-end this
# CPU has (PCLMULQDQ folding on x86, the ARMv8 CRC32 instructions on ARM)
# against the portable slicing-by-8 back-end, the reference, in the same
# static musl binary (bench/b2_crc32.c). Prints one row per back-end:
#
#   B2 WHAT GB/s RATIO-VS-REFERENCE (raw figures)
#
# Goal: >= 4 GB/s where PCLMUL or ARMv8 CRC32 exists. GB is 10^9 bytes.
# B2_MIB and B2_RUNS shrink the run. Run from anywhere.
set -e
cd "$(dirname "$0")/.."
MIB=${B2_MIB:-1024}
RUNS=${B2_RUNS:-3}

sh scripts/need.sh musl-tools:musl-gcc >&2
make -s build/musl/libs3pub.a >&2 || {
	[ -f build/musl/libs3pub.a ] || exit 1
	echo "b2_crc32.sh: make failed; using the existing build/musl/libs3pub.a" >&2
}
mkdir -p build/bench
musl-gcc -O2 -static -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	-I. -o build/bench/b2_crc32 bench/b2_crc32.c build/musl/libs3pub.a

out=$(build/bench/b2_crc32 "$MIB" "$RUNS")
echo "$out" | awk -v runs="$RUNS" '
	{ name[NR] = $1; secs[NR] = $2; gbs[NR] = $3 / $2 / 1e9; bytes = $3; crc[NR] = $4 }
	$1 ~ /^portable/ { ref = $3 / $2 / 1e9 }
	END {
		for (i = 1; i <= NR; i++)
			if (crc[i] != crc[1]) { print "B2 back-ends disagree on the CRC"; exit 1 }
		for (i = 1; i <= NR; i++)
			printf "B2 %-28s %7.2f GB/s %6.2fx slicing-by-8  (best of %d: %.3f s for %d MiB, crc %s)\n",
			    "crc32-" name[i], gbs[i], gbs[i] / ref, runs, secs[i], bytes / 1048576, crc[i]
	}'
