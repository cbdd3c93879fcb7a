#!/bin/sh
# Every test of `make test`: the unit tests (static musl build and ASan+UBSan
# build), the script tests, then the end-to-end tests against the local S3
# servers that tests/s3/servers.sh installs and starts (and stops at exit).
# Ends with "N passed, N failed".
cd "$(dirname "$0")/.." || exit 1
# A pyenv shim (a bash script that looks up the interpreter on every call)
# costs 0.4 s a call here, and the tests call python3 and aws thousands of
# times: the programs the shims stand for are linked into build/toolbin,
# first in PATH. The same programs, without the look-up.
rm -rf build/toolbin && mkdir -p build/toolbin
for tool in python3 aws; do
	path=$(command -v "$tool" 2>/dev/null) || continue
	case $path in */shims/*) ;; *) continue ;; esac
	real=$(pyenv which "$tool" 2>/dev/null) && [ -x "$real" ] &&
		ln -sf "$real" "build/toolbin/$tool"
done
PATH=$(pwd)/build/toolbin:$PATH
export PATH
# the cross toolchains (issue 9): under a minute to install; without them
# tests/e2e_cross.sh says it skipped
sh scripts/cross-deps.sh >build/cross-deps.log 2>&1 ||
	echo "# cross toolchains not installed (see build/cross-deps.log): tests/e2e_cross.sh skips"
# the unit tests of the sources here, both builds: not whatever build/
# holds (a binary left by a test since renamed or removed would run and
# be counted); one not built fails under its own name (run.sh)
units=""
for dir in build/test build/asan; do
	for src in tests/test_*.c; do
		units="$units $dir/$(basename "$src" .c)"
	done
done
scripts=$(ls tests/t_*.sh 2>/dev/null)
e2e=$(ls tests/e2e_*.sh 2>/dev/null)
if [ -n "$e2e" ]; then
	# servers already up (a developer's, started by hand) are used as they
	# are and left running; otherwise they are started and stopped here
	if sh tests/s3/servers.sh status >build/servers.log 2>&1 &&
	    grep -q 'rgw: answers' build/servers.log && grep -q 'swift: answers' build/servers.log; then
		echo "# using the S3 servers already running (tests/s3/servers.sh status)"
	elif trap 'sh tests/s3/servers.sh stop >/dev/null 2>&1' EXIT INT TERM &&
	    ! sh tests/s3/servers.sh install start >build/servers.log 2>&1; then
		echo "not ok - starting the local S3 servers (see build/servers.log):"
		tail -n 20 build/servers.log | sed 's/^/#   /'
		export PRE_FAILED=1
	fi
fi
sh tests/run.sh $units $scripts $e2e
