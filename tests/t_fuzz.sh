#!/bin/sh
# Each libFuzzer target replays its seed corpus, then fuzzes for 20 s
# (`make fuzz` runs longer: FUZZ_SECONDS).
ls build/fuzz/fuzz_* >/dev/null 2>&1 || { echo "ok - fuzz targets # SKIP none built"; exit 0; }
FUZZ_SECONDS=${FUZZ_SECONDS:-20} sh tests/fuzz/run.sh
