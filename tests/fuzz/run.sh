#!/bin/sh
# Runs every libFuzzer target in build/fuzz for FUZZ_SECONDS (default 20)
# from its seed corpus tests/fuzz/NAME/ (copied, so the repo is not
# written), after replaying the seeds alone. Prints one ok/not ok line per
# target; a crash leaves its input in build/fuzz-artifacts/ (turn it into a
# seed file and a regression test).
cd "$(dirname "$0")/../.." || exit 1
secs=${FUZZ_SECONDS:-20}
mkdir -p build/fuzz-artifacts build/fuzz-corpus
status=0
for bin in build/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	seeds=tests/fuzz/$name
	work=build/fuzz-corpus/$name
	mkdir -p "$work"
	[ -d "$seeds" ] && cp -f "$seeds"/* "$work"/ 2>/dev/null
	log=build/fuzz-artifacts/$name.log
	t=$secs
	# the parsers that read what the network sends get at least 30 s
	case $name in http_response | url) [ "$t" -lt 30 ] && t=30 ;; esac
	if [ -d "$seeds" ] && ! "$bin" -runs=0 "$seeds" >"$log" 2>&1; then
		echo "not ok - fuzz $name: a seed of $seeds fails (see $log)"; status=1; continue
	fi
	if "$bin" -max_total_time="$t" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=build/fuzz-artifacts/"$name"- "$work" >"$log" 2>&1; then
		echo "ok - fuzz $name: $(grep -ao 'Done [0-9]*' "$log" | tail -1 | cut -d' ' -f2) runs in ${t} s, no crash"
	else
		echo "not ok - fuzz $name: crash, see $log and build/fuzz-artifacts/$name-*"
		status=1
	fi
done
exit $status
