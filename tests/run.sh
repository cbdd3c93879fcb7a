#!/bin/sh
# usage: tests/run.sh TEST...
# Runs each test (a program or a script), shows its "ok"/"not ok" lines and
# counts them; ends with the line "N passed, N failed" (and skipped) and
# exits non-zero when anything failed. A test that exits non-zero without
# having reported a failure (a crash, a sanitizer report), or that reports
# no check at all, counts as one failure under its own name. Logs: build/test-logs/NAME.log.
LOGS=${LOGS:-build/test-logs}
mkdir -p "$LOGS"
passed=0 failed=${PRE_FAILED:-0} skipped=0
for t in "$@"; do
	name=$(echo "$t" | sed 's|^build/||; s|^tests/||; s|/|-|g')
	log=$LOGS/$name.log
	echo "# $t"
	start=$(date +%s)
	case "$t" in
	*.sh) timeout "${TEST_TIMEOUT:-1500}" sh "$t" >"$log" 2>&1 ;;
	*.py) timeout "${TEST_TIMEOUT:-1500}" python3 "$t" >"$log" 2>&1 ;;
	*) timeout "${TEST_TIMEOUT:-1500}" "$t" >"$log" 2>&1 ;;
	esac
	rc=$?
	grep -aE '^(not )?ok ' "$log"
	p=$(grep -aE '^ok ' "$log" | grep -avc '# SKIP')
	s=$(grep -aE '^ok .*# SKIP' "$log" | wc -l)
	f=$(grep -acE '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc (see $log):"
		tail -n 15 "$log" | sed 's/^/#   /'
		f=1
	elif [ $((p + s + f)) -eq 0 ]; then
		# a test that said nothing proved nothing (as t_done does for C)
		echo "not ok - $name reported no check at all (see $log)"
		f=1
	elif [ "$f" -ne 0 ]; then
		echo "#   details: $log"
	fi
	# the counts per test, so that totals from two runs can be compared
	echo "#   $(( $(date +%s) - start )) s, $p passed, $f failed, $s skipped"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
