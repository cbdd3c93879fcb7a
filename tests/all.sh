#!/bin/sh
# Every test of `make test`: the unit tests (static musl build and ASan+UBSan
# build), the script tests, then the end-to-end tests against the local S3
# servers that tests/s3/servers.sh installs and starts (and stops at exit).
# Ends with "N passed, N failed".
cd "$(dirname "$0")/.." || exit 1
units=$(ls build/test/test_* build/asan/test_* 2>/dev/null | grep -v '\.d$')
scripts=$(ls tests/t_*.sh 2>/dev/null)
e2e=$(ls tests/e2e_*.sh 2>/dev/null)
if [ -n "$e2e" ]; then
	trap 'sh tests/s3/servers.sh stop >/dev/null 2>&1' EXIT INT TERM
	if ! sh tests/s3/servers.sh install start >build/servers.log 2>&1; then
		echo "not ok - starting the local S3 servers (see build/servers.log):"
		tail -n 20 build/servers.log | sed 's/^/#   /'
		export PRE_FAILED=1
	fi
fi
sh tests/run.sh $units $scripts $e2e
