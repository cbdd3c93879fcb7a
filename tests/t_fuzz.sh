#!/bin/sh
# Each libFuzzer target replays its seed corpus, then fuzzes for 10 s (the
# network parsers 20 s): make test's time on two cores; `make fuzz` runs
# 120 s each (FUZZ_SECONDS).
ls build/fuzz/fuzz_* >/dev/null 2>&1 || { echo "ok - fuzz targets # SKIP none built"; exit 0; }
FUZZ_SECONDS=${FUZZ_SECONDS:-10} sh tests/fuzz/run.sh
