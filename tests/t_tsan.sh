#!/bin/sh
# The unit tests of the units that run threads (zblocks: compressing
# workers; hashpass: the reader thread; archive: both through the scan and
# reads; crc32: the back-end chosen at the first use, from any thread;
# sync: the mutex and condition variable they all use),
# built with ThreadSanitizer (the Makefile's TSAN_TESTS): their checks as
# in the other builds, and a data race or a lock-order problem TSan
# reports is one failure under the test's name (ASLR off: TSAN_NORAND).
. tests/lib.sh
for t in build/tsan/test_zblocks build/tsan/test_hashpass build/tsan/test_archive build/tsan/test_sync \
    build/tsan/test_crc32; do
	if [ ! -x "$t" ]; then
		not_ok "$t built (make tests-build)"
		continue
	fi
	S3PUB_TEST_PASSES=5 TSAN_OPTIONS="exitcode=66 second_deadlock_stack=1" $TSAN_NORAND "$t" >"$TMP/out" 2>&1
	rc=$?
	# its checks, under a name of their own
	grep -aE '^(not )?ok ' "$TMP/out" | sed "s/^\(not \)\{0,1\}ok - /&tsan: /"
	if grep -q 'WARNING: ThreadSanitizer' "$TMP/out"; then
		not_ok "$t: ThreadSanitizer: $(grep -A3 'WARNING: ThreadSanitizer' "$TMP/out" | head -4 | tr '\n' ' ')"
	elif [ "$rc" -ne 0 ]; then
		not_ok "$t exited with status $rc: $(tail -n 5 "$TMP/out" | tr '\n' ' ')"
	else
		ok "$t: no report from ThreadSanitizer"
	fi
done
