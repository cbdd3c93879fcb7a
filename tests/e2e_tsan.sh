#!/bin/sh
# The threads of a publish under ThreadSanitizer, end to end against the
# real local radosgw: s3pub built with -fsanitize=thread (build/tsan/s3pub,
# glibc) publishes with two parts at once (the hash pass on its thread, two
# senders with their own connections and the archive's two sendfile
# files), at --compress 0 and at level 6 (zblocks' workers beside the
# senders' reads), over HTTP and HTTPS, one and two parts at a time at
# level 6 (the parts sent while the compression pass runs on its own
# thread),
# and in plain mode on 4 workers
# with a multipart file among them (twice: the second run finds the files
# there and compares them on its workers). Each publish must exit 0, its object
# (or objects) must be what `s3pub archive` makes (or the files), and TSan
# must report nothing. Small trees: TSan makes the work 5 to 15 times
# slower.
. tests/lib.sh
. tests/s3/lib.sh
TS=$(pwd)/build/tsan/s3pub
[ -x "$TS" ] || { not_ok "build/tsan/s3pub built (make tests-build)"; exit 0; }

T=$TMP/tree
mkdir -p "$T/d" "$T/text"
head -c $((6 * 1024 * 1024)) /dev/urandom >"$T/d/random.bin"
head -c 300000 /dev/urandom >"$T/small.bin"
i=0
while [ $i -lt 8 ]; do
	seq $((i * 1000)) $((i * 1000 + 4000)) | sed 's/^/sensor,temp,/' >"$T/text/t$i.csv"
	i=$((i + 1))
done
ln -s small.bin "$T/link"
# for the parts sent during the compression pass: the same, 12 MiB more
# random bytes first and 24 MB of text last (the pass still running while
# the first parts go, more of them than two: likelier to end while a
# part that is not the last is being sent); its bound (the tar's size)
# gives about twice the parts its archive does
TL=$TMP/tree-live
mkdir -p "$TL"
cp -R "$T/." "$TL/"
head -c $((12 * 1024 * 1024)) /dev/urandom >"$TL/d/more.bin"
seq 1 1200000 | sed 's/^/sensor,temp,/' >"$TL/zz-text.csv"

# published NAME SERVER ARGS...: build/tsan/s3pub publish ARGS on SERVER;
# sets rc, the reports in $TMP/NAME.tsan.*
published() {
	_name=$1 _srv=$2; shift 2
	rm -f "$TMP/$_name".tsan.*
	with_keys "$_srv" env TSAN_OPTIONS="exitcode=66 log_path=$TMP/$_name.tsan" \
		$TSAN_NORAND "$TS" publish "$@" >"$TMP/$_name.json" 2>"$TMP/$_name.err"
	rc=$?
}

# same_object SERVER BUCKET KEY LEVEL [TREE]: the object is the archive of
# TREE ($T by default)
same_object() {
	rm -f "$TMP/obj"
	aws_s3 "$1" s3 cp "s3://$2/$3" "$TMP/obj" >/dev/null 2>&1 &&
		"$S3PUB" archive --compress "$4" "${5:-$T}" | cmp - "$TMP/obj"
}

for srv in rgw rgw-tls; do
	s3_use "$srv" || { skip "$srv: server not up"; continue; }
	b=$(new_bucket "$srv") || { not_ok "$srv: create a bucket"; continue; }
	ep=$S3_EP
	ca=${S3_CA:+--ca-file $S3_CA}
	for level in 0 6; do
		n=$srv-L$level
		# shellcheck disable=SC2086
		published "$n" "$srv" $ca --compress $level --part-size 5MiB \
			--parts-at-once 2 --jobs 2 "$T" "s3://$b/$n,opt=endpoint=$ep"
		check_eq "$n: two parts at once: exit 0 ($(head -c 300 "$TMP/$n.err"))" "$rc" 0
		tsan_clean "$n" "$TMP/$n.tsan"
		has_parts "$n" "$srv" "$b" "$n.tar.gz" 2
		check "$n: the object is 's3pub archive --compress $level'" \
			same_object "$srv" "$b" "$n.tar.gz" "$level"
	done
	# at level 6 (the default) the parts go while the compression pass,
	# on its own thread, finds the next ones, and the senders read zblocks
	# beside the scan (issue 16): one part at a time, and two (the second
	# connection joining at the pass's end, when the part count is known)
	lsz=$("$S3PUB" archive "$TL" | wc -c | tr -d ' ')
	lparts=$(( (lsz + 5242879) / 5242880 ))
	for at_once in 1 2; do
		n=$srv-live$at_once
		# shellcheck disable=SC2086
		published "$n" "$srv" $ca --verbose --part-size 5MiB --jobs 2 \
			--parts-at-once $at_once "$TL" "s3://$b/$n,opt=endpoint=$ep"
		check_eq "$n: parts sent during the compression pass: exit 0 ($(tail -n 2 "$TMP/$n.err" | tr '\n' ' ' | head -c 300))" "$rc" 0
		check "$n: the parts went while the compression pass ran" \
			grep -q 'sent while the compression pass finds the next ones$' "$TMP/$n.err"
		if [ "$at_once" = 2 ]; then
			check "$n: the second connection joined with the part count known ($lparts)" \
				grep -q "^s3pub: multipart upload .*: $lparts parts, [0-9]* left when a second connection joins\$" "$TMP/$n.err"
		else
			check_eq "$n: --parts-at-once 1: no second connection" \
				"$(grep -c 'when a second connection joins$' "$TMP/$n.err")" 0
		fi
		tsan_clean "$n" "$TMP/$n.tsan"
		has_parts "$n" "$srv" "$b" "$n.tar.gz" "$lparts"
		check "$n: the object is 's3pub archive'" same_object "$srv" "$b" "$n.tar.gz" 6 "$TL"
	done
	n=$srv-plain
	# shellcheck disable=SC2086
	published "$n" "$srv" $ca --jobs 4 --part-size 5MiB "$T" \
		"s3://$b/$n,opt=endpoint=$ep,opt=encoding=plain"
	check_eq "$n: plain mode, 4 workers: exit 0 ($(head -c 300 "$TMP/$n.err"))" "$rc" 0
	tsan_clean "$n" "$TMP/$n.tsan"
	check "$n: every object is its file" same_files "$srv" "$b" "$n" "$T"
	# again: the files found there compared on the 4 workers (resume)
	# shellcheck disable=SC2086
	published "$n-again" "$srv" $ca --jobs 4 --part-size 5MiB --verbose "$T" \
		"s3://$b/$n,opt=endpoint=$ep,opt=encoding=plain"
	check_eq "$n: published again, the files found there: exit 0 ($(grep -v '^s3pub: [<>*]' "$TMP/$n-again.err" | tail -n 1 | head -c 300))" "$rc" 0
	check "$n: ... and not sent again" grep -q 'resume: [0-9]* files found already uploaded' "$TMP/$n-again.err"
	tsan_clean "$n-again" "$TMP/$n-again.tsan"
	check_eq "$srv: no multipart upload left open" "$(list_uploads "$srv" "$b")" ""
done
