#!/bin/sh
# Runs every libFuzzer target in build/fuzz for FUZZ_SECONDS (default 20;
# the two network parsers, http_response and url, twice as long)
# from its seed corpus tests/fuzz/NAME/ (copied, so the repo is not
# written), after replaying the seeds alone. Prints one ok/not ok line per
# target; a crash leaves its input in build/fuzz-artifacts/ (turn it into a
# seed file and a regression test). The targets run FUZZ_JOBS at a time
# (default: the cores, at most 4): each one is single-threaded, so on two
# cores two of them fuzz as long each, in half the time.
cd "$(dirname "$0")/../.." || exit 1
secs=${FUZZ_SECONDS:-20}
jobs=${FUZZ_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
[ "$jobs" -gt 4 ] && jobs=4
mkdir -p build/fuzz-artifacts build/fuzz-corpus

# fuzz_one NAME BIN: its ok/not ok line into build/fuzz-artifacts/NAME.result
fuzz_one() {
	name=$1 bin=$2
	seeds=tests/fuzz/$name
	work=build/fuzz-corpus/$name
	log=build/fuzz-artifacts/$name.log
	out=build/fuzz-artifacts/$name.result
	mkdir -p "$work"
	[ -d "$seeds" ] && cp -f "$seeds"/* "$work"/ 2>/dev/null
	t=$secs
	# the parsers that read what the network sends get twice as long
	case $name in http_response | url) t=$((secs * 2)) ;; esac
	if [ -d "$seeds" ] && ! "$bin" -runs=0 "$seeds" >"$log" 2>&1; then
		echo "not ok - fuzz $name: a seed of $seeds fails (see $log)" >"$out"
		return
	fi
	if "$bin" -max_total_time="$t" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=build/fuzz-artifacts/"$name"- "$work" >"$log" 2>&1; then
		echo "ok - fuzz $name: $(grep -ao 'Done [0-9]*' "$log" | tail -1 | cut -d' ' -f2) runs in ${t} s, no crash" >"$out"
	else
		echo "not ok - fuzz $name: crash, see $log and build/fuzz-artifacts/$name-*" >"$out"
	fi
}

names=""
running=0
# the two of twice the time first, together: the pairs after them are even
for bin in build/fuzz/fuzz_http_response build/fuzz/fuzz_url build/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=${bin##*/fuzz_}
	case " $names " in *" $name "*) continue ;; esac
	rm -f "build/fuzz-artifacts/$name.result"
	names="$names $name"
	fuzz_one "$name" "$bin" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait
status=0
for name in $names; do
	out=build/fuzz-artifacts/$name.result
	if [ -s "$out" ]; then
		cat "$out"
		grep -q '^not ok' "$out" && status=1
	else
		echo "not ok - fuzz $name: no result (see build/fuzz-artifacts/$name.log)"
		status=1
	fi
done
exit $status
