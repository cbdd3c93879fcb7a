#!/bin/sh
# bench/b1_sha256.sh: benchmark B1, SHA-256 throughput (shared/BENCHMARKS.md).
#
# 1 GiB in memory, 16 KiB updates, best of 3: s3pub's SHA-256 with the
# run-time back-end and forced portable, BearSSL's br_sha256 (same static
# musl binary, bench/b1_sha256.c), and `openssl speed -evp sha256 -bytes
# 16384`. Prints one row per implementation:
#
#   B1 WHAT MB/s RATIO-VS-PEER (raw figures)
#
# The run-time back-end is compared with openssl (goal >= 0.9x where the CPU
# has SHA instructions), the portable one with BearSSL (goal >= 1.0x).
# Two more rows (issue 16): the same buffer into two hashes at once with
# sha256x2_update() (a part's and the whole object's), against two
# sha256_update() calls per 16 KiB; MB/s counts the buffer once, so the
# ratio is the speed-up of the pair (goal >= 1.6x with SHA instructions).
# MB is 10^6 bytes, as openssl counts. B1_MIB and B1_RUNS shrink the run.
# Run from anywhere; it works in the repository root.
set -e
cd "$(dirname "$0")/.."
MIB=${B1_MIB:-1024}
RUNS=${B1_RUNS:-3}

sh scripts/need.sh musl-tools:musl-gcc openssl:openssl >&2
make -s build/musl/libs3pub.a build/bearssl-musl/libbearssl.a >&2 || {
	[ -f build/musl/libs3pub.a ] || exit 1
	echo "b1_sha256.sh: make failed; using the existing build/musl/libs3pub.a" >&2
}
mkdir -p build/bench
musl-gcc -O2 -static -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	-I. -Ibuild/bearssl-musl/inc -o build/bench/b1_sha256 bench/b1_sha256.c \
	build/musl/libs3pub.a build/bearssl-musl/libbearssl.a

out=$(build/bench/b1_sha256 "$MIB" "$RUNS")

# openssl prints "sha256  2076173.72k": thousands of bytes per second
ossl=0
i=0
while [ "$i" -lt "$RUNS" ]; do
	v=$(openssl speed -evp sha256 -bytes 16384 2>/dev/null |
		awk '$1 == "sha256" { v = $NF; sub(/k$/, "", v); print v / 1000 }')
	[ -n "$v" ] || { echo "b1_sha256.sh: cannot parse openssl speed" >&2; exit 1; }
	ossl=$(awk -v a="$ossl" -v b="$v" 'BEGIN { print (b > a) ? b : a }')
	i=$((i + 1))
done

echo "$out" | awk -v ossl="$ossl" -v runs="$RUNS" '
	{ name[NR] = $1; mbs[NR] = $3 / $2 / 1e6; secs[NR] = $2; bytes = $3 }
	END {
		# rows 1..3: s3pub (run-time back-end), s3pub-portable, bearssl;
		# 4, 5: two hashes in one pass, and in two
		printf "B1 %-22s %8.1f MB/s %5.2fx openssl  (best of %d: %.3f s for %d MiB)\n",
		    name[1], mbs[1], mbs[1] / ossl, runs, secs[1], bytes / 1048576
		printf "B1 %-22s %8.1f MB/s %5.2fx bearssl  (best of %d: %.3f s for %d MiB)\n",
		    name[2], mbs[2], mbs[2] / mbs[3], runs, secs[2], bytes / 1048576
		printf "B1 %-22s %8.1f MB/s  peer          (best of %d: %.3f s for %d MiB)\n",
		    "bearssl-br_sha256", mbs[3], runs, secs[3], bytes / 1048576
		printf "B1 %-22s %8.1f MB/s  peer          (best of %d runs of openssl speed -evp sha256 -bytes 16384)\n",
		    "openssl-evp-sha256", ossl, runs
		printf "B1 %-22s %8.1f MB/s %5.2fx 2pass    (best of %d: %.3f s for 2 x %d MiB)\n",
		    name[4], mbs[4], mbs[4] / mbs[5], runs, secs[4], bytes / 1048576
		printf "B1 %-22s %8.1f MB/s  peer          (best of %d: %.3f s for 2 x %d MiB)\n",
		    name[5], mbs[5], runs, secs[5], bytes / 1048576
	}'
