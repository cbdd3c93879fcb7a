#!/bin/sh
# bench/run.sh: the benchmarks of BENCHMARKS.md (`make bench`); bench/README.md
# says how to read the table it prints at the end.
#
#   sh bench/run.sh                      everything, full size (about 8 min on 2 cores)
#   BENCH=B3,B8 sh bench/run.sh          only some benchmarks
#   BENCH_SCALE=0.1 sh bench/run.sh      a tenth of the data (quick run)
#
# Every figure is a ratio against a peer measured in the same run, on the
# same data: best of BENCH_RUNS (default 3) runs, raw times printed beside
# (lines starting with "  " are the raw measurements). Nothing here is an
# assertion: a benchmark whose command fails says so in its row, and the
# script goes on with the next one.
#
# Environment:
#   BENCH          comma-separated ids, default B1,B2,B3,B4,B5,B6,B7,B8,B9,B10
#                  (B2 and B9 run when bench/b2_crc32.sh, bench/b9_inflate.sh
#                  exist; B9 is issue 8's inflate benchmark, 256 MiB)
#   BENCH_SCALE    multiplies every data size and count (default 1; 0.1 for
#                  a quick run); figures stay per GiB, per object, per run
#   BENCH_RUNS     runs per measurement (default 3; the best one counts)
#   BENCH_S3       shared (default): the local S3 servers of the tests
#                  (tests/s3/servers.sh; started if down, and then stopped
#                  at the end), or private: a copy of them of our own under
#                  build/bench/s3priv (ports BENCH_S3_PORT_BASE, default
#                  27700; memstore BENCH_MEMSTORE_MB, default 3072), always
#                  stopped at the end; use it when others run `make test`
#                  on the same checkout, which restarts the shared servers
#   BENCH_TMP      where the peers' tar files are staged (default /dev/shm
#                  when it has room, else build/bench/tmp)
#   BENCH_AWS_PRESIGN   aws runs per series in B7 (default 34: aws takes
#                  about 0.5 s a run; its figure is per run, so it scales)
#   BENCH_TIMEOUT  seconds after which one measured command is killed (900)
#   BENCH_PUBLISH_ARGS  extra options of s3pub publish in B4 (e.g.
#                  "--compress 0": the stored archive, sent with sendfile)
#
# Data, built once under build/bench/ (rebuilt when BENCH_SCALE changes):
#   tree1g/    8 files of 100 MiB and 2,000 small ones (1 B to 229 KiB,
#              mean 115 KiB): 1 GiB; random bytes, mtimes fixed
#   tree512m/  hard links to half of it: 4 big files, 1,000 small: 512 MiB
#   small4k/   2,000 files of 4 KiB in 20 folders
#
# Peers: openssl, GNU tar, coreutils sha256sum, curl, the AWS CLI (whichever
# `aws` is in PATH; a pyenv shim is resolved to the real script so that the
# shim's own start-up is not counted), rclone. Missing Debian packages are
# installed by scripts/need.sh.
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
W=$ROOT/build/bench
BENCH=${BENCH:-B1,B2,B3,B4,B5,B6,B7,B8,B9,B10}
SCALE=${BENCH_SCALE:-1}
RUNS=${BENCH_RUNS:-3}
TMO=${BENCH_TIMEOUT:-900}
S3PUB=$ROOT/s3pub
TABLE=$W/table.tsv
M=$W/m
BUCKET=s3pub-bench-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')

# the servers are on 127.0.0.1: never through a proxy; TLS trust is given
# explicitly to each client
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy NO_PROXY no_proxy
unset AWS_CA_BUNDLE CURL_CA_BUNDLE REQUESTS_CA_BUNDLE AWS_PROFILE AWS_SESSION_TOKEN
unset AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3
export AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export LC_ALL=C

say() { echo "bench: $*" >&2; }
want() { case ",$BENCH," in *",$1,"*) return 0 ;; esac; return 1; }
now() { date +%s.%N; }
# num EXPR: an awk expression, printed as a number
num() { awk "BEGIN { print $1 }"; }
# int EXPR: the same, rounded to an integer (at least 1)
int() { awk "BEGIN { v = int(($1) + 0.5); print (v < 1) ? 1 : v }"; }
# row ID WHAT S3PUB PEER RATIO GOAL: one line of the final table
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$TABLE"; }

mkdir -p "$W" "$M" || exit 1
: >"$TABLE"

sh scripts/need.sh time:/usr/bin/time openssl:openssl curl:curl tar:tar \
	coreutils:sha256sum rclone:rclone awscli:aws >&2 || say "some peers are missing; their rows will say so"
[ -x "$S3PUB" ] || make -s s3pub >&2 || { say "no ./s3pub and make failed"; exit 1; }
# a copy: a rebuild of ./s3pub during the run changes nothing
cp "$S3PUB" "$W/s3pub" || exit 1
S3PUB=$W/s3pub

if [ -z "${BENCH_TMP:-}" ]; then
	BENCH_TMP=$W/tmp
	if [ -d /dev/shm ] && [ -w /dev/shm ]; then
		free=$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')
		need=$(int "1.5 * 1048576 * $SCALE + 262144")
		[ "${free:-0}" -gt "$need" ] && BENCH_TMP=/dev/shm/s3pub-bench.$$
	fi
fi
mkdir -p "$BENCH_TMP" || exit 1

# --- measuring ---------------------------------------------------------------

# measure TAG CMD...: runs CMD once under GNU time (user, sys, max RSS of CMD
# and the children it waited for; not time's own), wall time from date;
# appends "WALL USER SYS MAXRSS_KIB EXIT" to $M/TAG, keeps stdout and stderr.
# "@RUN@" in an argument becomes the run's number, BENCH_RUN.
measure() {
	_tag=$1; shift
	_n=$#
	while [ "$_n" -gt 0 ]; do
		_a=$1; shift
		case $_a in *@RUN@*) _a="${_a%%@RUN@*}${BENCH_RUN:-0}${_a#*@RUN@}" ;; esac
		set -- "$@" "$_a"
		_n=$((_n - 1))
	done
	rm -f "$M/time.out"
	_t0=$(now)
	timeout "$TMO" /usr/bin/time -f '%U %S %M' -o "$M/time.out" "$@" \
		>"$M/$_tag.out" 2>"$M/$_tag.err" </dev/null
	_rc=$?
	_t1=$(now)
	# GNU time writes "Command exited with non-zero status N" first then
	_tm=$(tail -n 1 "$M/time.out" 2>/dev/null)
	case $_tm in [0-9]*) ;; *) _tm="0 0 0" ;; esac
	echo "$_t0 $_t1 $_tm $_rc" | awk '{ printf "%.3f %s %s %s %s\n", $2 - $1, $3, $4, $5, $6 }' >>"$M/$_tag"
	if [ "$_rc" -ne 0 ]; then
		say "$_tag: exit $_rc: $(tail -c 300 "$M/$_tag.err" | tr '\n' ' ')"
	fi
	return "$_rc"
}

# series TAG AFTER CMD...: BENCH_RUNS runs of `measure TAG CMD`, the shell
# command AFTER after each (clean-up); BENCH_RUN is the run's number (0..);
# prints the raw figures (a "-1" first field marks a peer that cannot run)
series() {
	_stag=$1 _after=$2; shift 2
	rm -f "$M/$_stag"
	_i=0
	while [ "$_i" -lt "$RUNS" ]; do
		export BENCH_RUN=$_i
		measure "$_stag" "$@"
		eval "$_after"
		_i=$((_i + 1))
	done
	awk -v tag="$_stag" '
		{ w = w sprintf(" %.3f", $1); c = c sprintf(" %.2f", $2 + $3); r = r sprintf(" %.1f", $4 / 1024)
		  if ($5 != 0) bad++ }
		END { printf "  %-22s wall%s s | cpu (user+sys)%s s | max RSS%s MiB%s\n",
		    tag, w, c, r, bad ? sprintf(" | %d FAILED", bad) : "" }' "$M/$_stag"
}

# best TAG wall|cpu|rss|ok: best wall seconds, best user+sys seconds, largest
# max RSS (KiB) of the runs; ok is true when every run exited 0
best() {
	awk -v f="$2" '
		$5 != 0 { bad = 1; next }
		{ n++; c = $2 + $3
		  if (n == 1 || $1 < w) w = $1
		  if (n == 1 || c < cpu) cpu = c
		  if ($4 > rss) rss = $4 }
		END {
			if (f == "ok") exit (bad || !n) ? 1 : 0
			if (bad || !n) { print "failed"; exit }
			if (f == "wall") print w; else if (f == "cpu") print cpu; else print rss
		}' "$M/$1" 2>/dev/null || { [ "$2" = ok ] && return 1; echo failed; }
}

# ratio A B [FMT]: A / B, or "-" when either failed
ratio() {
	case "$1" in failed | - | "") echo "-"; return ;; esac
	case "$2" in failed | - | "") echo "-"; return ;; esac
	awk -v a="$1" -v b="$2" -v f="${3:-%.2fx}" 'BEGIN { if (b + 0 == 0) print "-"; else printf f "\n", a / b }'
}
# fmt VALUE FMT: printf FMT VALUE, or "failed"
fmt() {
	case $1 in failed | "" | -) echo "${1:-failed}"; return ;; esac
	awk -v v="$1" -v f="$2" 'BEGIN { printf f "\n", v }'
}

# --- data ----------------------------------------------------------------------

MIB=1048576
BIG=$(int "100 * $MIB * $SCALE")
NSMALL=$(int "2000 * $SCALE")
N4K=$(int "2000 * $SCALE")
T1G=$W/tree1g T512=$W/tree512m T4K=$W/small4k

# small_size I: the size of small file I (1 B to 229 KiB; mean 115 KiB, so
# that 2,000 of them and 8 x 100 MiB make 1 GiB)
small_size() { echo $(( ($1 * 7919) % 234882 + 1 )); }

make_trees() {
	stamp="big=$BIG small=$NSMALL n4k=$N4K v=1"
	if [ "$(cat "$W/trees.stamp" 2>/dev/null)" = "$stamp" ] && [ -d "$T1G" ] && [ -d "$T512" ] && [ -d "$T4K" ]; then
		return 0
	fi
	say "building the data under $W (once per BENCH_SCALE)"
	rm -rf "$T1G" "$T512" "$T4K" "$W/trees.stamp"
	mkdir -p "$T1G/big" "$T512/big" "$T4K" || return 1
	i=1
	while [ $i -le 8 ]; do
		head -c "$BIG" /dev/urandom >"$T1G/big/part-$i.bin" || return 1
		[ $i -le 4 ] && ln "$T1G/big/part-$i.bin" "$T512/big/part-$i.bin"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt "$NSMALL" ]; do
		d=small/d$((i % 40))
		f=$d/f-$i.dat
		[ -d "$T1G/$d" ] || mkdir -p "$T1G/$d" "$T512/$d"
		head -c "$(small_size $i)" /dev/urandom >"$T1G/$f" || return 1
		[ $((i % 2)) -eq 0 ] && ln "$T1G/$f" "$T512/$f"
		i=$((i + 1))
	done
	i=0
	while [ $i -lt "$N4K" ]; do
		d=$T4K/d$((i % 20))
		[ -d "$d" ] || mkdir -p "$d"
		head -c 4096 /dev/urandom >"$d/f-$i.dat" || return 1
		i=$((i + 1))
	done
	# fixed mtimes: the archives are the same bytes from run to run
	find "$T1G" "$T512" "$T4K" -exec touch -h -d @1700000000 {} + || return 1
	echo "$stamp" >"$W/trees.stamp"
}

# warm DIR...: read every file once (page cache)
warm() { tar -cf - "$@" 2>/dev/null | cat >/dev/null; }

# --- S3 servers ----------------------------------------------------------------

S3_MODE=${BENCH_S3:-shared}
S3_STARTED=""
if [ "$S3_MODE" = private ]; then
	S3HOME=$W/s3priv
else
	S3HOME=$ROOT
fi
STATE=$S3HOME/build/s3
SERVERS=$S3HOME/tests/s3/servers.sh

servers_up() {
	want B4 || want B5 || want B6 || want B7 || want B10 || return 0
	if [ "$S3_MODE" = private ]; then
		mkdir -p "$S3HOME/tests/s3" "$S3HOME/scripts" || return 1
		cp tests/s3/servers.sh tests/s3/env.sh "$S3HOME/tests/s3/" &&
			cp scripts/need.sh "$S3HOME/scripts/" || return 1
		say "starting private S3 servers under $STATE (about a minute)"
		S3_PORT_BASE=${BENCH_S3_PORT_BASE:-27700} S3_MEMSTORE_MB=${BENCH_MEMSTORE_MB:-3072} \
			sh "$SERVERS" install start >"$W/servers.log" 2>&1 ||
			say "not every server came up (see $W/servers.log)"
		S3_STARTED=1
	elif ! sh "$SERVERS" status 2>/dev/null | grep -q '^rgw: answers'; then
		say "the local S3 servers are not up: starting them (about a minute)"
		sh "$SERVERS" install start >"$W/servers.log" 2>&1 ||
			say "not every server came up (see $W/servers.log)"
		S3_STARTED=1
	fi
	[ -f "$STATE/env.sh" ] || { say "no $STATE/env.sh: S3 benchmarks skipped"; return 1; }
	# shellcheck disable=SC1091
	. "$STATE/env.sh"
	cat >"$W/aws-config" <<'EOF'
[default]
region = us-east-1
output = json
request_checksum_calculation = when_required
response_checksum_validation = when_required
s3 =
    addressing_style = path
    signature_version = s3v4
EOF
	export AWS_CONFIG_FILE="$W/aws-config" AWS_SHARED_CREDENTIALS_FILE=/dev/null
	: >"$W/rclone.conf"
	export RCLONE_CONFIG="$W/rclone.conf"
	# the AWS CLI itself, not a pyenv shim (its bash start-up would count)
	AWS=$(command -v aws)
	case $AWS in */shims/*) AWS=$(pyenv which aws 2>/dev/null || echo "$AWS") ;; esac
	MEMSTORE=$(awk -F' *= *' '$1 == "memstore device bytes" { print $2 }' "$STATE/ceph/ceph.conf" 2>/dev/null)
	say "S3 servers up: ${S3_UP:-none} (rgw memstore ${MEMSTORE:-?} bytes); bucket $BUCKET; aws: $AWS"
	[ -n "${RGW_UP:-}" ] && aws_on rgw s3api create-bucket --bucket "$BUCKET" >/dev/null
	[ -n "${SWIFT_UP:-}" ] && aws_on swift s3api create-bucket --bucket "$BUCKET" >/dev/null
	return 0
}

# use SERVER: rgw, rgw-tls or swift; sets EP (endpoint), CA (CA file or
# empty), AK, SK, and exports the AWS_* keys and the rclone remote "bench"
use() {
	CA=""
	case $1 in
	rgw) EP=$RGW_ENDPOINT AK=$RGW_ACCESS_KEY SK=$RGW_SECRET_KEY ;;
	rgw-tls) EP=$RGW_TLS_ENDPOINT AK=$RGW_ACCESS_KEY SK=$RGW_SECRET_KEY CA=$RGW_CA ;;
	swift) EP=$SWIFT_ENDPOINT AK=$SWIFT_ACCESS_KEY SK=$SWIFT_SECRET_KEY ;;
	esac
	export AWS_ACCESS_KEY_ID="$AK" AWS_SECRET_ACCESS_KEY="$SK"
	export RCLONE_CONFIG_BENCH_TYPE=s3 RCLONE_CONFIG_BENCH_ENDPOINT="$EP" \
		RCLONE_CONFIG_BENCH_ACCESS_KEY_ID="$AK" RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY="$SK" \
		RCLONE_CONFIG_BENCH_REGION=us-east-1 RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE=true \
		RCLONE_CONFIG_BENCH_NO_CHECK_BUCKET=true
	case $1 in
	swift) export RCLONE_CONFIG_BENCH_PROVIDER=Other ;;
	*) export RCLONE_CONFIG_BENCH_PROVIDER=Ceph ;;
	esac
}
# aws_on SERVER ARGS...: the AWS CLI bound to SERVER
aws_on() {
	use "$1"; shift
	"$AWS" --endpoint-url "$EP" ${CA:+--ca-bundle "$CA"} "$@"
}

# drop SERVER KEY: delete one object; on radosgw also run its garbage
# collector at once, as memstore keeps deleted data in RAM until then
drop() {
	aws_on "$1" s3api delete-object --bucket "$BUCKET" --key "$2" >/dev/null 2>&1
	case $1 in rgw*)
		timeout 120 radosgw-admin -c "$STATE/ceph/ceph.conf" gc process --include-all >/dev/null 2>&1 ;;
	esac
	return 0
}

# empty SERVER: delete every object of the bucket, then the bucket
empty() {
	if [ "$1" = swift ]; then
		# Swift wants Content-MD5 on DeleteObjects, which newer botocore
		# does not send: one by one (few objects there)
		aws_on swift s3api list-objects-v2 --bucket "$BUCKET" --query 'Contents[].Key' --output text 2>/dev/null |
			tr '\t' '\n' | grep -v '^None$' | while read -r k; do
				[ -n "$k" ] && aws_on swift s3api delete-object --bucket "$BUCKET" --key "$k" >/dev/null 2>&1
			done
	else
		i=0
		while [ $i -lt 200 ]; do
			aws_on "$1" s3api list-objects-v2 --bucket "$BUCKET" --max-items 1000 \
				--query '{Objects: Contents[].{Key: Key}, Quiet: `true`}' >"$W/delete.json" 2>/dev/null || break
			grep -q '"Key"' "$W/delete.json" || break
			aws_on "$1" s3api delete-objects --bucket "$BUCKET" --delete "file://$W/delete.json" >/dev/null 2>&1 || break
			i=$((i + 1))
		done
	fi
	aws_on "$1" s3api list-multipart-uploads --bucket "$BUCKET" --query 'Uploads[].[Key, UploadId]' \
		--output text 2>/dev/null | grep -v '^None$' | while read -r k u; do
		aws_on "$1" s3api abort-multipart-upload --bucket "$BUCKET" --key "$k" --upload-id "$u" >/dev/null 2>&1
	done
	aws_on "$1" s3api delete-bucket --bucket "$BUCKET" >/dev/null 2>&1
}

cleanup() {
	if [ -n "${AWS:-}" ]; then
		[ -n "${RGW_UP:-}" ] && { empty rgw; drop rgw x; }
		[ -n "${SWIFT_UP:-}" ] && empty swift
	fi
	case $BENCH_TMP in /dev/shm/s3pub-bench.*) rm -rf "$BENCH_TMP" ;; *) rm -f "$BENCH_TMP"/*.tar ;; esac
	if [ -n "$S3_STARTED" ]; then
		say "stopping the S3 servers this run started"
		sh "$SERVERS" stop >/dev/null 2>&1
	fi
}
trap 'cleanup' EXIT
trap 'exit 1' INT TERM

# --- publish peers (B4, B5) ----------------------------------------------------

# publish_all ID SERVER DIR TAGPREFIX: publishes DIR to SERVER with s3pub and
# each peer, BENCH_RUNS times each, deleting the object after each run
publish_all() {
	_srv=$2 _dir=$3 _p=$4
	use "$_srv"
	_tar=$BENCH_TMP/$_p.tar
	_ca_s3pub=${CA:+--ca-file $CA}
	# shellcheck disable=SC2086
	series "$_p-s3pub" "drop $_srv $_p-s3pub.tar.gz" \
		"$S3PUB" publish --quiet ${BENCH_PUBLISH_ARGS:-} $_ca_s3pub "$_dir" "s3://$BUCKET/$_p-s3pub,opt=endpoint=$EP"
	case $AK in *:*)
		# curl splits --user at the first colon: Swift's keys (account:user)
		# cannot be given to it
		echo "  $_p-curl: n/a (curl cannot sign with the access key '$AK')"
		echo "-1 0 0 0 1" >"$M/$_p-curl" ;;
	*)
		series "$_p-curl" "drop $_srv $_p-curl.tar; rm -f $_tar" \
			sh -c 'tar -cf "$1" -C "$2" . &&
				h=$(sha256sum <"$1" | cut -c1-64) &&
				curl -sS --fail --noproxy "*" ${3:+--cacert "$3"} \
					--aws-sigv4 "aws:amz:us-east-1:s3" --user "$4" \
					-H "x-amz-content-sha256: $h" -T "$1" -o /dev/null "$5"' \
			sh "$_tar" "$_dir" "$CA" "$AK:$SK" "$EP/$BUCKET/$_p-curl.tar"
		# the upload alone (issue 4): tar and hash made before the clock starts
		if [ "$1" = B4 ]; then
			# s3pub in one PutObject too (as curl -T does), for the wall row
			# shellcheck disable=SC2086
			series "$_p-s3pub1" "drop $_srv $_p-s3pub1.tar.gz" \
				"$S3PUB" publish --quiet --part-size 5GiB ${BENCH_PUBLISH_ARGS:-} $_ca_s3pub "$_dir" "s3://$BUCKET/$_p-s3pub1,opt=endpoint=$EP"
			tar -cf "$_tar.pre" -C "$_dir" . && _h=$(sha256sum <"$_tar.pre" | cut -c1-64)
			series "$_p-curlput" "drop $_srv $_p-curlput.tar" \
				curl -sS --fail --noproxy "*" ${CA:+--cacert "$CA"} \
					--aws-sigv4 "aws:amz:us-east-1:s3" --user "$AK:$SK" \
					-H "x-amz-content-sha256: $_h" -T "$_tar.pre" -o /dev/null "$EP/$BUCKET/$_p-curlput.tar"
			# the same tar in 64 MiB parts, each hashed before the clock
			# starts: curl's own multipart upload (the server's per-part
			# cost, under s3pub's multipart wall row)
			_pd=$BENCH_TMP/$_p-parts
			rm -rf "$_pd" && mkdir -p "$_pd" &&
				split -b 67108864 -a 4 -d "$_tar.pre" "$_pd/x" && rm -f "$_tar.pre" &&
				_i=1 && for _f in "$_pd"/x*; do
					mv "$_f" "$_pd/p$_i" && sha256sum <"$_pd/p$_i" | cut -c1-64 >"$_pd/p$_i.sha"
					_i=$((_i + 1))
				done
			series "$_p-curlparts" "drop $_srv $_p-curlparts.tar" \
				sh bench/b4_curl_parts.sh "$EP/$BUCKET/$_p-curlparts.tar" "$AK:$SK" "$CA" "$_pd"
			rm -rf "$_pd" "$_tar.pre"
		fi ;;
	esac
	series "$_p-aws" "drop $_srv $_p-aws.tar; rm -f $_tar" \
		sh -c 'tar -cf "$1" -C "$2" . && shift 2 && exec "$@"' sh "$_tar" "$_dir" \
		"$AWS" --endpoint-url "$EP" ${CA:+--ca-bundle "$CA"} s3 cp --only-show-errors "$_tar" "s3://$BUCKET/$_p-aws.tar"
	series "$_p-rclone" "drop $_srv $_p-rclone.tar; rm -f $_tar" \
		sh -c 'tar -cf "$1" -C "$2" . && shift 2 && exec "$@"' sh "$_tar" "$_dir" \
		rclone ${CA:+--ca-cert "$CA"} copyto "$_tar" "bench:$BUCKET/$_p-rclone.tar"
}

# --- the benchmarks ------------------------------------------------------------

b1() {
	out=$(B1_MIB=$(int "1024 * $SCALE") B1_RUNS=$RUNS sh bench/b1_sha256.sh) || { row B1 "SHA-256 throughput" failed - - -; return; }
	echo "$out" | sed 's/^/  /'
	echo "$out" | awk -F'\t' '
		{ split($0, f, " "); name[NR] = f[2]; mbs[NR] = f[3]; rat[NR] = f[5]; peer[NR] = f[6] }
		f[2] ~ /^openssl/ { ossl = f[3] }
		f[2] ~ /^bearssl/ { br = f[3] }
		f[2] ~ /-2pass$/ { twopass = f[3] }
		END {
			for (i = 1; i <= NR; i++) {
				if (peer[i] == "openssl")
					printf "B1\tSHA-256 %s vs openssl speed\t%s MB/s\t%s MB/s\t%s\t>= 0.90x (SHA-NI)\n", name[i], mbs[i], ossl, rat[i]
				else if (peer[i] == "bearssl")
					printf "B1\tSHA-256 %s vs br_sha256\t%s MB/s\t%s MB/s\t%s\t>= 1.00x\n", name[i], mbs[i], br, rat[i]
				else if (peer[i] == "2pass")
					printf "B1\tSHA-256 two streams %s vs two passes\t%s MB/s\t%s MB/s\t%s\t>= 1.60x (SHA-NI)\n", name[i], mbs[i], twopass, rat[i]
			}
		}' >>"$TABLE"
}

b2() {
	[ -f bench/b2_crc32.sh ] || { say "B2: bench/b2_crc32.sh absent: skipped"; return; }
	out=$(B2_MIB=$(int "1024 * $SCALE") B2_RUNS=$RUNS sh bench/b2_crc32.sh) || { row B2 "CRC-32 throughput" failed - - ">= 4 GB/s"; return; }
	echo "$out" | sed 's/^/  /'
	# "B2 crc32-NAME X GB/s Rx slicing-by-8 (...)": each back-end but the
	# reference against it
	echo "$out" | awk '
		$2 ~ /portable/ { ref = $3 }
		{ name[NR] = $2; gbs[NR] = $3; rat[NR] = $5 }
		END {
			for (i = 1; i <= NR; i++) if (name[i] !~ /portable/)
				printf "B2\tCRC-32 %s vs slicing-by-8\t%s GB/s\t%s GB/s\t%s\t>= 4 GB/s\n", name[i], gbs[i], ref, rat[i]
		}' >>"$TABLE"
}

b9() {
	[ -f bench/b9_inflate.sh ] || { say "B9: bench/b9_inflate.sh absent: skipped"; return; }
	out=$(B9_MIB=$(int "256 * $SCALE") B9_RUNS=$RUNS sh bench/b9_inflate.sh) || { row B9 "inflate" failed - - ">= 0.70x"; return; }
	echo "$out" | sed 's/^/  /'
	# "B9 inflate X MB/s Rx gzip-dc (gzip -dc Y MB/s; ...)"; the goal is
	# issue 8's
	echo "$out" | awk '$1 == "B9" {
		peer = ($7 == "(gzip" && $8 == "-dc") ? $9 " " $10 : "(above)"; sub(/;$/, "", peer)
		printf "B9\t%s vs gzip -dc (MB/s of output)\t%s %s\t%s\t%s\t>= 0.70x\n", $2, $3, $4, peer, $5 }' >>"$TABLE"
}

b3() {
	make_trees || { row B3 "archive + hash" "failed (data)" - - -; return; }
	a=$W/tree1g.tar.gz
	"$S3PUB" archive "$T1G" >"$a" || { row B3 "archive + hash" "failed (s3pub archive)" - - -; return; }
	asz=$(wc -c <"$a")
	tsz=$(tar -cf - -C "$T1G" . | wc -c)
	warm "$T1G" "$a"
	echo "  B3 data: $T1G, archive $asz bytes (tar -cf: $tsz bytes)"
	series b3-s3pub : "$S3PUB" publish --dry-run --quiet "$T1G" "s3://$BUCKET/b3"
	series b3-openssl : openssl dgst -sha256 -r "$a"
	series b3-tar-sha256sum : sh -c 'tar -cf - -C "$1" . | sha256sum' sh "$T1G"
	# the dry run must have hashed the very bytes openssl read
	ours=$(sed -n 's/.*"ContentSHA256":"\([0-9a-f]*\)".*/\1/p' "$M/b3-s3pub.out")
	theirs=$(cut -c1-64 "$M/b3-openssl.out")
	note=""
	[ "$ours" = "$theirs" ] || { note=" (DIGEST MISMATCH)"; say "B3: s3pub's ContentSHA256 $ours, openssl's $theirs"; }
	w=$(best b3-s3pub wall) wo=$(best b3-openssl wall) wt=$(best b3-tar-sha256sum wall)
	s=$(ratio "$asz" "$w" "%.0f") o=$(ratio "$asz" "$wo" "%.0f") t=$(ratio "$tsz" "$wt" "%.0f")
	mb() { case $2 in failed) echo failed; return ;; esac
		case $1 in -) echo "- ($2 s)" ;; *) awk -v v="$1" -v w="$2" 'BEGIN { printf "%.0f MB/s (%.2f s)\n", v / 1e6, w }' ;; esac; }
	row B3 "publish --dry-run vs openssl dgst$note" "$(mb "$s" "$w")" "$(mb "$o" "$wo")" "$(ratio "$s" "$o")" ">= 0.90x"
	row B3 "publish --dry-run vs tar | sha256sum$note" "$(mb "$s" "$w")" "$(mb "$t" "$wt")" "$(ratio "$s" "$t")" "-"
	# the same by CPU seconds (user+sys): on a loaded machine the wall
	# time also counts the time spent waiting for a core
	c=$(best b3-s3pub cpu) co=$(best b3-openssl cpu)
	s=$(ratio "$asz" "$c" "%.0f") o=$(ratio "$asz" "$co" "%.0f")
	row B3 "the same, bytes per CPU second" "$(mb "$s" "$c")" "$(mb "$o" "$co")" "$(ratio "$s" "$o")" ">= 0.90x"
}

b4() {
	[ -n "${RGW_UP:-}" ] || { row B4 "publish CPU s/GiB" "skipped: radosgw is not up" - - -; return; }
	make_trees || { row B4 "publish CPU s/GiB" "failed (data)" - - -; return; }
	asz=$("$S3PUB" archive "$T512" | wc -c)
	gib=$(num "$asz / 1073741824")
	warm "$T512"
	echo "  B4 data: $T512, archive $asz bytes; CPU is user+sys of the client's processes (tar, sha256sum included)"
	for srv in rgw rgw-tls; do
		case $srv in rgw) pr=HTTP ;; *) pr=HTTPS ;; esac
		publish_all B4 "$srv" "$T512" "b4-$pr"
		c=$(best "b4-$pr-s3pub" cpu)
		cg() { case $1 in failed) echo failed ;; *) awk -v c="$1" -v g="$gib" 'BEGIN { printf "%.3f s/GiB (%.2f s)\n", c / g, c }' ;; esac; }
		for peer in curl aws rclone; do
			cp=$(best "b4-$pr-$peer" cpu)
			case $peer in
			# issue 16's goals (BENCHMARKS.md's 0.22x before it)
			curl) what="tar+sha256sum+curl"
				case $pr in HTTP) goal="<= 0.30x" ;; *) goal="<= 0.40x" ;; esac ;;
			aws) what="tar+aws s3 cp"; goal="< 1.00x" ;;
			rclone) what="tar+rclone copyto"; goal="-" ;;
			esac
			[ "$(head -c 2 "$M/b4-$pr-$peer")" = "-1" ] && { row B4 "CPU/GiB $pr vs $what" "$(cg "$c")" "n/a" - "$goal"; continue; }
			row B4 "CPU/GiB $pr vs $what" "$(cg "$c")" "$(cg "$cp")" "$(ratio "$c" "$cp")" "$goal"
		done
		# wall time: s3pub's whole publish (archive, hash, send) in one
		# PutObject, as curl -T sends it, against curl -T of a ready-made
		# tar whose hash is already known (issue 4); and the default
		# multipart publish (64 MiB parts) against the same
		# multipart (64 MiB parts) against one PutObject, CPU (issue 16)
		c1=$(best "b4-$pr-s3pub1" cpu)
		case "$c$c1" in *failed*) row B4 "CPU $pr multipart vs one PUT" "$c" "$c1" - "<= 1.10x" ;;
		*) row B4 "CPU $pr multipart vs one PUT" "$c s" "$c1 s" "$(ratio "$c" "$c1")" "<= 1.10x" ;; esac
		wp=$(best "b4-$pr-curlput" wall)
		for t in s3pub1:"one PUT" s3pub:"64 MiB parts"; do
			w=$(best "b4-$pr-${t%%:*}" wall)
			case "$w$wp" in *failed*) row B4 "wall $pr publish (${t#*:}) vs curl -T alone" "$w" "$wp" - "<= 1.15x" ;;
			*) row B4 "wall $pr publish (${t#*:}) vs curl -T alone" "$w s" "$wp s" "$(ratio "$w" "$wp")" "<= 1.15x" ;; esac
		done
		# the server's per-part cost: curl's own 64 MiB parts (nothing
		# hashed on the clock) against its one PUT, then s3pub against them
		wc=$(best "b4-$pr-curlparts" wall)
		ws=$(best "b4-$pr-s3pub" wall)
		case "$wc$wp" in *failed*) row B4 "wall $pr curl's 64 MiB parts vs curl -T alone" "$wc" "$wp" - "-" ;;
		*) row B4 "wall $pr curl's 64 MiB parts vs curl -T alone" "$wc s" "$wp s" "$(ratio "$wc" "$wp")" "-" ;; esac
		case "$ws$wc" in *failed*) row B4 "wall $pr publish (64 MiB parts) vs curl's parts" "$ws" "$wc" - "-" ;;
		*) row B4 "wall $pr publish (64 MiB parts) vs curl's parts" "$ws s" "$wc s" "$(ratio "$ws" "$wc")" "-" ;; esac
	done
}

b10() {
	[ -f bench/b10_compress.sh ] || { say "B10: bench/b10_compress.sh absent: skipped"; return; }
	make_trees || say "B10: no random tree (data failed)"
	B10_SCALE=$SCALE B10_RUNS=$RUNS B10_BUCKET=${RGW_UP:+$BUCKET} \
		sh bench/b10_compress.sh "$T512" >>"$TABLE" ||
		row B10 "compression" failed - - -
}

b5() {
	make_trees || { row B5 "peak RSS" "failed (data)" - - -; return; }
	asz=$("$S3PUB" archive "$T1G" | wc -c)
	# radosgw's memstore holds the object in RAM: it must fit, with room
	srv=""
	if [ -n "${RGW_UP:-}" ] && [ "${MEMSTORE:-0}" -gt $((asz + 536870912)) ]; then
		srv=rgw
	elif [ -n "${SWIFT_UP:-}" ]; then
		srv=swift
		say "B5: radosgw's memstore (${MEMSTORE:-?} bytes) cannot hold a $asz-byte object: Swift instead"
	else
		row B5 "peak RSS" "skipped: no server for $asz bytes" - - -; return
	fi
	warm "$T1G"
	echo "  B5 data: $T1G, archive $asz bytes, server $srv over HTTP; max RSS of the largest process"
	publish_all B5 "$srv" "$T1G" "b5-$srv"
	r=$(best "b5-$srv-s3pub" rss)
	mib() { case $1 in failed) echo failed ;; *) awk -v k="$1" 'BEGIN { printf "%.2f MiB\n", k / 1024 }' ;; esac; }
	for peer in curl aws rclone; do
		case $peer in
		curl) what="tar / sha256sum / curl" ;;
		aws) what="tar / aws s3 cp" ;;
		rclone) what="tar / rclone copyto" ;;
		esac
		if [ "$(head -c 2 "$M/b5-$srv-$peer")" = "-1" ]; then
			row B5 "peak RSS ($srv) vs $what" "$(mib "$r")" "n/a" - "s3pub <= 2 MiB"
			continue
		fi
		rp=$(best "b5-$srv-$peer" rss)
		row B5 "peak RSS ($srv) vs $what" "$(mib "$r")" "$(mib "$rp")" "$(ratio "$r" "$rp")" "s3pub <= 2 MiB"
	done
	# s3pub alone, its kernel high-water mark read from /proc while it
	# runs (bench/peak_rss.py: GNU time's figure reads less here); the
	# largest of the runs
	hw=0
	_i=0
	while [ "$_i" -lt "$RUNS" ]; do
		# shellcheck disable=SC2086
		_h=$(python3 bench/peak_rss.py "$S3PUB" publish --quiet ${BENCH_PUBLISH_ARGS:-} "$T1G" \
			"s3://$BUCKET/b5-$srv-hwm,opt=endpoint=$EP")
		drop "$srv" "b5-$srv-hwm.tar.gz"
		case $_h in failed) hw=failed; break ;; esac
		[ "$_h" -gt "$hw" ] && hw=$_h
		_i=$((_i + 1))
	done
	echo "  b5-$srv-s3pub VmHWM (KiB, the largest of $RUNS runs): $hw"
	row B5 "peak RSS ($srv), s3pub's VmHWM read while it runs" "$(mib "$hw")" - - "s3pub <= 2 MiB"
}

b6() {
	[ -n "${RGW_UP:-}" ] || { row B6 "plain, objects/s" "skipped: radosgw is not up" - - -; return; }
	make_trees || { row B6 "plain, objects/s" "failed (data)" - - -; return; }
	warm "$T4K"
	use rgw
	echo "  B6 data: $T4K, $N4K files of 4 KiB, radosgw over HTTP; a new prefix each run"
	series b6-s3pub : "$S3PUB" publish --quiet "$T4K" "s3://$BUCKET/b6-s3pub-@RUN@/,opt=endpoint=$EP,opt=encoding=plain"
	series b6-aws : "$AWS" --endpoint-url "$EP" s3 cp --recursive --only-show-errors "$T4K" "s3://$BUCKET/b6-aws-@RUN@/"
	series b6-rclone : rclone copy "$T4K" "bench:$BUCKET/b6-rclone-@RUN@/"
	n=$(aws_on rgw s3api list-objects-v2 --bucket "$BUCKET" --prefix b6-s3pub-0/ --query 'length(Contents)' 2>/dev/null)
	[ "$n" = "$N4K" ] || say "B6: s3pub's first run left ${n:-?} objects, not $N4K"
	w=$(best b6-s3pub wall)
	ops() { case $1 in failed) echo failed ;; *) awk -v n="$N4K" -v w="$1" 'BEGIN { printf "%.0f obj/s (%.2f s)\n", n / w, w }' ;; esac; }
	for peer in aws rclone; do
		wp=$(best "b6-$peer" wall)
		case $peer in aws) what="aws s3 cp --recursive" ;; *) what="rclone copy" ;; esac
		# objects per second: the ratio of the peer's time to ours
		row B6 "plain, objects/s vs $what" "$(ops "$w")" "$(ops "$wp")" "$(ratio "$wp" "$w")" ">= 2.00x"
	done
	# the other way (no goal in BENCHMARKS.md): s3pub's first run's objects
	# (and its manifest), fetched into a new folder one after another
	G=$W/b6-get
	series b6-get-s3pub "rm -rf $G" "$S3PUB" get --quiet --endpoint "$EP" "s3://$BUCKET/b6-s3pub-0/" "$G"
	series b6-get-aws "rm -rf $G" "$AWS" --endpoint-url "$EP" s3 cp --recursive --only-show-errors "s3://$BUCKET/b6-s3pub-0/" "$G"
	series b6-get-rclone "rm -rf $G" rclone copy "bench:$BUCKET/b6-s3pub-0/" "$G"
	w=$(best b6-get-s3pub wall)
	for peer in aws rclone; do
		wp=$(best "b6-get-$peer" wall)
		case $peer in aws) what="aws s3 cp --recursive" ;; *) what="rclone copy" ;; esac
		row B6 "get a prefix, objects/s vs $what" "$(ops "$w")" "$(ops "$wp")" "$(ratio "$wp" "$w")" "-"
	done
}

b7() {
	n=$(int "1000 * $SCALE")
	na=${BENCH_AWS_PRESIGN:-$(int "34 * $SCALE")}
	[ "$na" -lt 3 ] && na=3
	if [ -n "${RGW_UP:-}" ]; then use rgw; else
		export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
		EP=http://127.0.0.1:9
		AWS=${AWS:-$(command -v aws)}
		case $AWS in */shims/*) AWS=$(pyenv which aws 2>/dev/null || echo "$AWS") ;; esac
		export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
	fi
	echo "  B7: $n s3pub presign runs per series, $na aws s3 presign runs per series (figures per run)"
	series b7-s3pub : sh -c 'n=$1; shift; i=0; while [ $i -lt "$n" ]; do "$@" >/dev/null || exit 1; i=$((i + 1)); done' \
		sh "$n" "$S3PUB" presign --endpoint "$EP" "s3://$BUCKET/some/key.tar.gz"
	series b7-aws : sh -c 'n=$1; shift; i=0; while [ $i -lt "$n" ]; do "$@" >/dev/null || exit 1; i=$((i + 1)); done' \
		sh "$na" "$AWS" --endpoint-url "$EP" s3 presign "s3://$BUCKET/some/key.tar.gz"
	w=$(best b7-s3pub wall) wa=$(best b7-aws wall)
	per() { case $1 in failed) echo failed ;; *) awk -v w="$1" -v n="$2" 'BEGIN { printf "%.2f ms/run (%d in %.2f s)\n", w * 1000 / n, n, w }' ;; esac; }
	pa=$(num "${wa:-0} / $na") ps=$(num "${w:-0} / $n")
	case "$w$wa" in *failed*) r=- ;; *) r=$(ratio "$ps" "$pa" "%.4fx") ;; esac
	row B7 "presign, time per run vs aws s3 presign" "$(per "$w" "$n")" "$(per "$wa" "$na")" "$r" "report"
}

b8() {
	sz=$(wc -c <"$S3PUB")
	kind=$(file -b "$S3PUB" 2>/dev/null | grep -o 'statically linked\|static-pie linked\|stripped\|not stripped' | tr '\n' ' ')
	echo "  B8: $S3PUB: $sz bytes; $kind"
	row B8 "stripped static binary size vs goal" "$sz bytes ($(num "$sz / 1000") KB)" "250000 bytes" "$(ratio "$sz" 250000)" "<= 1.00x"
}

# --- run -------------------------------------------------------------------------

echo "bench: $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(uname -m), load $(cut -d' ' -f1-3 /proc/loadavg), BENCH_SCALE=$SCALE, BENCH_RUNS=$RUNS, $(wc -c <"$S3PUB") byte s3pub"
for id in B1 B2 B9 B8 B3; do
	want $id || continue
	echo "== $id"
	"b${id#B}"
done
if want B4 || want B5 || want B6 || want B7 || want B10; then
	servers_up || say "S3 servers unavailable"
	for id in B4 B5 B6 B7 B10; do
		want $id || continue
		echo "== $id"
		"b${id#B}"
	done
fi

echo
echo "bench: done $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(cut -d' ' -f1-3 /proc/loadavg) (the machine's, over 1, 5 and 15 min)"
echo "Ratios are s3pub / peer: above 1 means s3pub is faster (throughput, objects/s),"
echo "below 1 that it uses less (CPU, memory, time per run, bytes). Best of $RUNS runs."
awk -F'\t' '
	{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } ; n = NR }
	END {
		split("id|what|s3pub|peer|ratio|goal", h, "|")
		for (i = 1; i <= 6; i++) if (length(h[i]) > w[i]) w[i] = length(h[i])
		line = ""
		for (i = 1; i <= 6; i++) line = line sprintf("%-*s  ", w[i], h[i])
		print line
		line = ""
		for (i = 1; i <= 6; i++) { d = sprintf("%*s", w[i], ""); gsub(/ /, "-", d); line = line d "  " }
		print line
		for (r = 1; r <= n; r++) {
			line = ""
			for (i = 1; i <= 6; i++) line = line sprintf("%-*s  ", w[i], c[r, i])
			sub(/ +$/, "", line); print line
		}
	}' <<EOF
$(sort -s -t "$(printf '\t')" -k1,1 "$TABLE")
EOF
