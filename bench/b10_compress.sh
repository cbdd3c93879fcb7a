#!/bin/sh
# bench/b10_compress.sh: benchmark B10, compression on the wire (issue 14).
#
# Data, made once under build/bench/: text40m/, a text-heavy result tree
# (CSV sensor rows, JSON lines, training logs; about 40 MB at B10_SCALE 1),
# and the random tree given as $1 (B4's, when run.sh calls it).
# Rows printed (tab-separated, run.sh's table format: id, what, s3pub,
# peer, ratio, goal); nothing is asserted:
#   bytes at the default level vs tar | gzip -6           goal <= 1.02x
#   one core: MB/s of ustar input vs gzip -6 (taskset)     goal >= 3x
#   two cores: MB/s vs pigz -6 -p 2                        goal >= 1.5x
#   random tree: CPU (user+sys) default vs --compress 0, of an archive
#   and of a publish to radosgw                           goal <= 1.3x
#   publish of the text tree through a 20 Mbit/s link (tests/faultproxy.py
#   "slow"), wall, default vs --compress 0                 goal >= 4x
# Environment: B10_SCALE (default 1), B10_RUNS (3); for the link row
# (else skipped) RGW_ENDPOINT, RGW_ACCESS_KEY, RGW_SECRET_KEY (build/s3/env.sh)
# and B10_BUCKET, a bucket that exists there.
cd "$(dirname "$0")/.." || exit 1
SCALE=${B10_SCALE:-1}
RUNS=${B10_RUNS:-3}
W=build/bench
S3PUB=$(pwd)/s3pub
RANDOM_TREE=${1:-}
TEXT=$W/text40m
TMPD=${BENCH_TMP:-/dev/shm}
[ -w "$TMPD" ] || TMPD=$W
sh scripts/need.sh gzip:gzip pigz:pigz tar:tar time:/usr/bin/time util-linux:taskset python3:python3 >&2

row() { printf 'B10\t%s\t%s\t%s\t%s\t%s\n' "$@"; }
num() { awk "BEGIN { print $1 }"; }

if [ "$(cat "$W/text40m.stamp" 2>/dev/null)" != "$SCALE" ]; then
	rm -rf "$TEXT"
	python3 - "$TEXT" "$SCALE" <<'PY'
import os, random, sys
root, scale = sys.argv[1], float(sys.argv[2])
rnd = random.Random(10)
os.makedirs(root)
def f(rel, lines):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as fh:
        fh.writelines(lines)
for part in range(4):
    f("sensors/part%d.csv" % part, ["ts,sensor,temp_c,humidity,pressure_hpa,status\n"] + [
        "2026-11-%02dT%02d:%02d:%02d.%03dZ,node-%04d,%.2f,%.1f,%.1f,%s\n" % (
            1 + i // 86400 % 28, i // 3600 % 24, i // 60 % 60, i % 60, rnd.randrange(1000),
            rnd.randrange(500), rnd.gauss(21, 4), rnd.uniform(15, 90),
            rnd.gauss(1013, 8), rnd.choice(["ok", "ok", "ok", "warn", "degraded"]))
        for i in range(int(100000 * scale))])
f("metrics.jsonl", ['{"step":%d,"epoch":%d,"loss":%.6f,"acc":%.5f,"lr":%.2e,"grad_norm":%.4f}\n' % (
    i, i // 1000, 3.0 / (1 + i / 500) + rnd.random() / 50, min(0.99, i / 40000 + rnd.random() / 20),
    1e-3 * 0.99 ** (i // 1000), rnd.lognormvariate(0, 0.5)) for i in range(int(150000 * scale))])
f("logs/train.log", ["%s INFO trainer: epoch=%d step=%d loss=%.4f throughput=%.1f samples/s gpu_mem=%dMiB\n" % (
    "2026-11-30 %02d:%02d:%02d" % (i // 3600 % 24, i // 60 % 60, i % 60), i // 1000, i,
    rnd.random() * 2, rnd.gauss(900, 40), rnd.randrange(10000, 16000)) for i in range(int(120000 * scale))])
f("logs/eval.log", ["eval step=%d metric=%s value=%.5f\n" % (
    i, rnd.choice(["bleu", "rouge-l", "f1", "exact"]), rnd.random()) for i in range(int(60000 * scale))])
PY
	echo "$SCALE" >"$W/text40m.stamp"
fi
tar -cf "$TMPD/b10.tar" -C "$TEXT" . 2>/dev/null
tarsz=$(wc -c <"$TMPD/b10.tar" | tr -d ' ')
echo "  B10 data: $TEXT, ustar $tarsz bytes" >&2

# best wall seconds of RUNS runs of CMD (output to /dev/null)
best() {
	_b=""
	_i=0
	while [ $_i -lt "$RUNS" ]; do
		_t0=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || { echo failed; return; }
		_t=$(num "$(date +%s.%N) - $_t0")
		echo "    $* : $_t s" >&2
		_b=$(awk -v a="$_b" -v b="$_t" 'BEGIN { print (a == "" || b < a) ? b : a }')
		_i=$((_i + 1))
	done
	echo "$_b"
}
# CPU seconds (user+sys) of CMD, best of RUNS
best_cpu() {
	_b=""
	_i=0
	while [ $_i -lt "$RUNS" ]; do
		/usr/bin/time -f "%U %S" -o "$TMPD/b10.time" "$@" >/dev/null 2>&1 || { echo failed; return; }
		_t=$(awk '{ print $1 + $2 }' "$TMPD/b10.time")
		echo "    $* : $_t s CPU" >&2
		_b=$(awk -v a="$_b" -v b="$_t" 'BEGIN { print (a == "" || b < a) ? b : a }')
		_i=$((_i + 1))
	done
	echo "$_b"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "failed" || b == "failed" || b == 0) print "-"; else printf "%.2fx\n", a / b }'; }
mbs() { awk -v s="$1" -v n="$tarsz" 'BEGIN { if (s == "failed") print "failed"; else printf "%.1f MB/s\n", n / s / 1e6 }'; }

# bytes
ours=$("$S3PUB" archive "$TEXT" | wc -c | tr -d ' ')
g6=$(gzip -6 -c "$TMPD/b10.tar" | wc -c | tr -d ' ')
g1=$(gzip -1 -c "$TMPD/b10.tar" | wc -c | tr -d ' ')
row "bytes, text tree, default level vs gzip -6" "$ours" "$g6" "$(ratio "$ours" "$g6")" "<= 1.02x"
row "bytes, text tree, default level vs gzip -1" "$ours" "$g1" "$(ratio "$ours" "$g1")" "-"

# one core, then two
s1=$(best taskset -c 0 "$S3PUB" archive --jobs 1 "$TEXT")
p1=$(best taskset -c 0 gzip -6 -c "$TMPD/b10.tar")
row "one core, MB/s of ustar input vs gzip -6" "$(mbs "$s1")" "$(mbs "$p1")" "$(ratio "$p1" "$s1")" ">= 3x"
s2=$(best "$S3PUB" archive --jobs 2 "$TEXT")
p2=$(best pigz -6 -p 2 -c "$TMPD/b10.tar")
row "two cores, MB/s vs pigz -6 -p 2" "$(mbs "$s2")" "$(mbs "$p2")" "$(ratio "$p2" "$s2")" ">= 1.5x"

# random data: the price of trying. The goal is about what a user pays,
# a publish (both passes: the hash pass and the send pass compress); with
# no radosgw, `archive` (one compression, against a stored archive that
# costs nothing but reading and a CRC: the harder ratio).
if [ -n "$RANDOM_TREE" ] && [ -d "$RANDOM_TREE" ]; then
	cr=$(best_cpu "$S3PUB" archive "$RANDOM_TREE")
	c0=$(best_cpu "$S3PUB" archive --compress 0 "$RANDOM_TREE")
	row "random tree CPU, archive, default vs --compress 0" "$cr s" "$c0 s" "$(ratio "$cr" "$c0")" "-"
	if [ -n "${RGW_ENDPOINT:-}" ] && [ -n "${B10_BUCKET:-}" ]; then
		# one run each (memstore keeps the objects in RAM), one key
		export AWS_ACCESS_KEY_ID=$RGW_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$RGW_SECRET_KEY
		runs_=$RUNS
		RUNS=1
		T="s3://$B10_BUCKET/b10-random,opt=endpoint=$RGW_ENDPOINT,opt=region=us-east-1"
		pr=$(best_cpu "$S3PUB" publish --quiet "$RANDOM_TREE" "$T")
		p0=$(best_cpu "$S3PUB" publish --quiet --compress 0 "$RANDOM_TREE" "$T")
		RUNS=$runs_
		row "random tree CPU, publish, default vs --compress 0" "$pr s" "$p0 s" "$(ratio "$pr" "$p0")" "<= 1.3x"
	else
		row "random tree CPU, publish, default vs --compress 0" "skipped: no radosgw" - - "<= 1.3x"
	fi
else
	row "random tree CPU, default vs --compress 0" "skipped: no random tree" - - "<= 1.3x"
fi
rm -f "$TMPD/b10.tar" "$TMPD/b10.time"

# a publish through a 20 Mbit/s link (2.5 MB/s of request body)
if [ -z "${RGW_ENDPOINT:-}" ] || [ -z "${B10_BUCKET:-}" ]; then
	row "publish via 20 Mbit/s, wall, default vs --compress 0" "skipped: no radosgw" - - ">= 4x"
	exit 0
fi
P=$W/b10proxy
rm -rf "$P" && mkdir -p "$P"
echo '[{"method": "PUT", "times": -1, "action": "slow 2500000"}]' >"$P/rules.json"
python3 tests/faultproxy.py --upstream "${RGW_ENDPOINT#http://}" --rules "$P/rules.json" \
	--log "$P/log" --port-file "$P/port" >"$P/out" 2>&1 &
ppid=$!
i=0
while [ ! -s "$P/port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
EP=http://127.0.0.1:$(cat "$P/port")
B=$B10_BUCKET
export AWS_ACCESS_KEY_ID=$RGW_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$RGW_SECRET_KEY
RUNS=1
wc_=$(best "$S3PUB" publish --quiet "$TEXT" "s3://$B/b10-default,opt=endpoint=$EP,opt=region=us-east-1")
w0=$(best "$S3PUB" publish --quiet --compress 0 "$TEXT" "s3://$B/b10-stored,opt=endpoint=$EP,opt=region=us-east-1")
row "publish via 20 Mbit/s, wall, default vs --compress 0" "$wc_ s" "$w0 s" "$(ratio "$w0" "$wc_")" ">= 4x"
kill "$ppid" 2>/dev/null
wait "$ppid" 2>/dev/null
exit 0
