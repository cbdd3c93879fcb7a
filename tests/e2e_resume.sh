#!/bin/sh
# e2e_resume: an interrupted multipart publish resumed by a rerun (issue
# 15), against radosgw and Swift through tests/faultproxy.py (which logs
# every request and the body bytes it relayed).
#
# For each server: a 200 MiB tree (random data and text, so that parts are
# cut inside compressed blocks) in 16 MiB parts. The proxy stalls part 7,
# the publish is killed with SIGKILL (a power cut: nothing aborts), the
# same command runs again: it must send only parts 7 and later (counted in
# the proxy's log), the object must be `s3pub archive` of the tree, and no
# upload may stay open. Then the same with one file changed between the
# runs: the parts whose bytes changed are sent again, the object is the new
# tree's. A foreign upload of the key with other parts is not used and not
# aborted; --no-resume aborts it. --keep-partial: SIGTERM leaves the upload
# open (exit 143) and a rerun resumes it, leaving a foreign upload alone;
# without it SIGTERM aborts (tested in e2e_faults). --no-overwrite: an
# existing key is exit 4 and stays as it was, single and multipart; how
# each server takes If-None-Match itself.
# Two parts at once: the first run is killed while part 7 hangs and parts
# after it go on the second connection; the rerun sends exactly the parts
# not stored (its two listings each cut in the body once, and asked for
# again). At --compress 0, a 3-part tree whose part 2 hangs while part
# 3 is stored: the rerun sends part 2 only. Denied the listings resume
# needs (a bucket policy, radosgw), a multipart publish starts afresh.
. tests/lib.sh
. tests/s3/lib.sh
sh scripts/need.sh awscli:aws python3:python3 >&2 || exit 1

D=$TMP/tree
mkdir -p "$D/logs"
head -c $((190 * 1024 * 1024)) /dev/urandom >"$D/data.bin"
python3 -c '
import random, sys
r = random.Random(15)
with open(sys.argv[1], "w") as f:
    while f.tell() < 10 * 1024 * 1024:
        f.write("step=%d loss=%.5f node-%03d\n" % (r.randrange(10**6), r.random(), r.randrange(999)))
' "$D/logs/train.log"
printf 'late\n' >"$D/zz-last.txt"
mkdir -p "$TMP/small" "$TMP/mid"
printf 'small\n' >"$TMP/small/a.txt"
head -c $((12 * 1024 * 1024)) /dev/urandom >"$TMP/mid/m.bin"
PS=16MiB
PSB=$((16 * 1024 * 1024))

trap 'stop_proxy; s3_cleanup; rm -rf "$TMP"' EXIT
trap 'stop_proxy; s3_cleanup; rm -rf "$TMP"; exit 1' INT TERM

# the part numbers the proxy relayed to the end ("2 3 ..."), and their bytes
parts_sent() {
	python3 -c '
import json, re, sys
L = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
n = sorted(int(re.search(r"partNumber=(\d+)", e["target"]).group(1)) for e in L
           if e.get("method") == "PUT" and "partNumber=" in e.get("target", "") and e.get("status") == 200)
print(" ".join(map(str, n)))' "$TMP/proxy.log"
}
bytes_sent() {
	python3 -c '
import json, sys
L = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(sum(e.get("body_len", 0) for e in L if e.get("method") == "PUT"))' "$TMP/proxy.log"
}

# interrupted SIGNAL KEY [OPTIONS]: a publish of D stalled at part 7, then
# SIGNAL; RC its exit status
interrupted() {
	_sig=$1 _key=$2
	shift 2
	set_rules '{"method": "PUT", "query": "partNumber=7", "action": "stall 120"}'
	env AWS_ACCESS_KEY_ID="$S3_AK" AWS_SECRET_ACCESS_KEY="$S3_SK" \
		"$S3PUB" publish --part-size $PS --timeout 100 "$@" "$D" \
		"s3://$B/$_key,opt=endpoint=$PEP" >"$TMP/out" 2>"$TMP/err" &
	_pid=$!
	if ! proxy_wait partNumber=7; then
		not_ok "$srv: the publish never reached part 7: $(head -c 300 "$TMP/err")"
		kill -9 "$_pid" 2>/dev/null
	fi
	sleep 0.3
	kill -s "$_sig" "$_pid" 2>/dev/null
	wait "$_pid"
	RC=$?
	# the parts stored before the signal: 1..6, and the ones the second
	# connection sent beside the stalled part 7 (two parts at once); the
	# rerun must send all the others, and only them (after a moment: a
	# part whose body was whole when the client died is still answered
	# by the server, and logged by the proxy)
	sleep 1
	DONE1=$(parts_sent)
	printf '%s\n' $DONE1 >"$TMP/done1"
	WANT=$(seq 1 "$nparts" | grep -vxF -f "$TMP/done1" | tr '\n' ' ' | sed 's/ $//')
	NDONE1=$(echo $DONE1 | wc -w | tr -d ' ')
}

# rerun KEY [OPTIONS]: the same publish, nothing in the way (or the
# proxy rules RERUN_RULES); RC
rerun() {
	_key=$1
	shift
	set_rules "${RERUN_RULES:-}"
	with_keys "$srv" "$S3PUB" publish --part-size $PS --verbose "$@" "$D" \
		"s3://$B/$_key,opt=endpoint=$PEP" >"$TMP/out" 2>"$TMP/err"
	RC=$?
}

# the end of a --verbose stderr, without the HTTP lines
last_words() { grep -v '^s3pub: [<>]' "$TMP/err" | tail -n 2 | tr '\n' ' ' | tail -c 200; }

# object_is KEY: the object equals `s3pub archive` of the tree (then it
# is deleted: radosgw's memstore holds objects in RAM)
object_is() {
	rm -f "$TMP/obj"
	aws_s3 "$srv" s3 cp "s3://$B/$1.tar.gz" "$TMP/obj" >/dev/null 2>&1
	aws_s3 "$srv" s3 rm "s3://$B/$1.tar.gz" >/dev/null 2>&1
	[ "$(sha256sum <"$TMP/obj" | cut -d' ' -f1)" = "$("$S3PUB" archive "$D" | sha256sum | cut -d' ' -f1)" ]
}

suite() {
	srv=$1
	s3_use "$srv" || { skip "$srv: server not up"; return; }
	B=$(new_bucket "$srv") || { not_ok "$srv: create bucket"; return; }
	start_proxy "$S3_EP" || { not_ok "$srv: the proxy did not start: $(head -c 300 "$TMP/proxy.err")"; return; }
	total=$("$S3PUB" archive "$D" | wc -c | tr -d ' ')
	nparts=$(( (total + PSB - 1) / PSB ))

	# a power cut after six parts (and those sent beside part 7: two
	# parts at once, compressed again each in its own window), then the
	# same command
	interrupted KILL r1 --parts-at-once 2
	check_eq "$srv: SIGKILL during part 7" "$RC" 137
	case " $DONE1 " in
	*" 1 2 3 4 5 6 "*) ok "$srv: parts 1..6 stored before the cut ($DONE1)" ;;
	*) not_ok "$srv: parts stored before the cut: $DONE1" ;;
	esac
	if [ -n "$(list_uploads "$srv" "$B")" ]; then ok "$srv: the killed run left its upload open"
	else not_ok "$srv: the killed run left no upload open"; fi
	# its listings (the uploads of the key, the upload's parts) each cut
	# once in the body: asked for again, the entries taken skipped
	RERUN_RULES='{"method": "GET", "query": "uploads", "times": 1, "action": "cut_response 400"},
		{"method": "GET", "query": "uploadId=", "times": 1, "action": "cut_response 900"}'
	rerun r1 --parts-at-once 2
	RERUN_RULES=''
	check_eq "$srv: the rerun exits 0 ($(last_words))" "$RC" 0
	check_eq "$srv: the rerun's two listings were cut, and each asked for again" "$(python3 -c '
import json, sys
L = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
G = [e for e in L if e.get("method") == "GET" and "action" in e]
print(" ".join("%s:%s" % ("uploads" if "uploads" in e["target"] else "parts", "cut" if "cut_at" in e else "whole") for e in G))' "$TMP/proxy.log")" \
		"uploads:cut uploads:whole parts:cut parts:whole"
	check_eq "$srv: the rerun sent only the parts not stored (7 among them)" \
		"$(parts_sent)" "$WANT"
	sent=$(bytes_sent)
	check "$srv: the rerun sent $sent of $total bytes (at most the last $((nparts - 6)) parts and the list)" \
		test "$sent" -le $((total - 6 * PSB + 65536))
	check "$srv: the rerun said it resumed with $NDONE1 parts" \
		grep -q "resuming multipart upload .*$NDONE1 of" "$TMP/err"
	check "$srv: the resumed object is the tree's archive" object_is r1
	check_eq "$srv: the resumed object's ContentSHA256 is its SHA-256" \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Params"]["ContentSHA256"])' "$TMP/out")" \
		"$(sha256sum <"$TMP/obj" | cut -d' ' -f1)"
	check_eq "$srv: no upload left open" "$(list_uploads "$srv" "$B")" ""

	# the tree changes between the runs: the changed parts go again
	interrupted KILL r2
	# bytes in part 2 (data.bin's mtime kept: its header, in part 1, stays)
	# and the last file (a new size and mtime: the last part)
	printf 'changed\n' >"$D/zz-last.txt"
	touch -r "$D/data.bin" "$TMP/mtime"
	dd if=/dev/urandom of="$D/data.bin" bs=1 count=1000 seek=$((20 * 1024 * 1024)) conv=notrunc 2>/dev/null
	touch -r "$TMP/mtime" "$D/data.bin"
	rerun r2
	check_eq "$srv: changed tree: the rerun exits 0 ($(last_words))" "$RC" 0
	sent_parts=$(parts_sent)
	case " $sent_parts " in
	*" 2 "*) ok "$srv: changed tree: part 2 (whose bytes changed) was sent again ($sent_parts)" ;;
	*) not_ok "$srv: changed tree: part 2 not sent again ($sent_parts)" ;;
	esac
	case " $sent_parts " in
	*" 1 "*) not_ok "$srv: changed tree: part 1 (unchanged) was sent again ($sent_parts)" ;;
	*) ok "$srv: changed tree: part 1 (unchanged) was kept" ;;
	esac
	check "$srv: changed tree: the object is the new tree's archive" object_is r2
	check_eq "$srv: changed tree: no upload left open" "$(list_uploads "$srv" "$B")" ""

	# a foreign upload of the key, other bytes: not used, not aborted
	fid=$(aws_s3 "$srv" s3api create-multipart-upload --bucket "$B" --key r3.tar.gz --query UploadId --output text)
	head -c "$PSB" /dev/urandom >"$TMP/foreign"
	aws_s3 "$srv" s3api upload-part --bucket "$B" --key r3.tar.gz --upload-id "$fid" \
		--part-number 1 --body "$TMP/foreign" >/dev/null 2>&1
	rerun r3
	check_eq "$srv: a foreign upload: the publish exits 0" "$RC" 0
	check_eq "$srv: a foreign upload: every part sent" "$(parts_sent)" "$(seq 1 "$nparts" | tr '\n' ' ' | sed 's/ $//')"
	check "$srv: a foreign upload: the object is the tree's" object_is r3
	if list_uploads "$srv" "$B" | grep -q "$fid"; then ok "$srv: a foreign upload: left alone"
	else not_ok "$srv: a foreign upload: it is gone"; fi
	rerun r3 --no-resume
	check_eq "$srv: --no-resume: exits 0" "$RC" 0
	check_eq "$srv: --no-resume: the foreign upload was aborted" "$(list_uploads "$srv" "$B")" ""

	# --keep-partial: SIGTERM leaves the upload for the rerun; a foreign
	# upload of the key, opened meanwhile, is left alone; the object
	# options are the first run's (README), and --verbose says so
	interrupted TERM r4 --keep-partial --metadata run=one --content-type application/x-one
	check_eq "$srv: --keep-partial: SIGTERM exits 143" "$RC" 143
	check "$srv: --keep-partial: the message says the upload is left open" \
		grep -q 'left open for a later run to resume' "$TMP/err"
	fid=$(aws_s3 "$srv" s3api create-multipart-upload --bucket "$B" --key r4.tar.gz --query UploadId --output text)
	aws_s3 "$srv" s3api upload-part --bucket "$B" --key r4.tar.gz --upload-id "$fid" \
		--part-number 1 --body "$TMP/foreign" >/dev/null 2>&1
	rerun r4 --metadata run=two --content-type application/x-two
	check_eq "$srv: --keep-partial: the rerun exits 0" "$RC" 0
	check_eq "$srv: --keep-partial: the rerun sent only the parts not stored" \
		"$(parts_sent)" "$WANT"
	check "$srv: --keep-partial: the rerun says the upload keeps its object options" \
		grep -q "resuming multipart upload .*keeps its first run's object options" "$TMP/err"
	check_eq "$srv: --keep-partial: the object has the first run's metadata and type" \
		"$(aws_s3 "$srv" s3api head-object --bucket "$B" --key r4.tar.gz --query '[Metadata.run, ContentType]' --output text)" \
		"one	application/x-one"
	check "$srv: --keep-partial: the object is the tree's archive" object_is r4
	check_eq "$srv: --keep-partial: the foreign upload alone is left open" \
		"$(list_uploads "$srv" "$B" | cut -f2)" "$fid"
	aws_s3 "$srv" s3api abort-multipart-upload --bucket "$B" --key r4.tar.gz --upload-id "$fid" >/dev/null

	# two parts at once (--compress 0, 12 MiB in 5 MiB parts): part 2
	# hangs while part 3 goes beside it; a power cut then leaves parts 1
	# and 3 on the server, and the rerun sends part 2 only
	set_rules '{"method": "PUT", "query": "partNumber=2", "action": "stall 120"}'
	env AWS_ACCESS_KEY_ID="$S3_AK" AWS_SECRET_ACCESS_KEY="$S3_SK" \
		"$S3PUB" publish --compress 0 --part-size 5MiB --timeout 100 "$TMP/mid" \
		"s3://$B/r5,opt=endpoint=$PEP" >"$TMP/out" 2>"$TMP/err" &
	_pid=$!
	_i=0
	while [ $_i -lt 600 ] && [ "$(parts_sent)" != "1 3" ]; do sleep 0.1; _i=$((_i + 1)); done
	check_eq "$srv: two at once: parts 1 and 3 stored while part 2 hangs" "$(parts_sent)" "1 3"
	kill -9 "$_pid" 2>/dev/null
	wait "$_pid"
	set_rules ''
	with_keys "$srv" "$S3PUB" publish --compress 0 --part-size 5MiB --verbose "$TMP/mid" \
		"s3://$B/r5,opt=endpoint=$PEP" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	check_eq "$srv: two at once: the rerun exits 0 ($(last_words))" "$RC" 0
	check_eq "$srv: two at once: the rerun sent part 2 only" "$(parts_sent)" "2"
	rm -f "$TMP/obj"
	aws_s3 "$srv" s3 cp "s3://$B/r5.tar.gz" "$TMP/obj" >/dev/null 2>&1
	aws_s3 "$srv" s3 rm "s3://$B/r5.tar.gz" >/dev/null 2>&1
	check_eq "$srv: two at once: the object is 's3pub archive --compress 0' of the tree" \
		"$(sha256sum <"$TMP/obj" | cut -d' ' -f1)" \
		"$("$S3PUB" archive --compress 0 "$TMP/mid" | sha256sum | cut -d' ' -f1)"

	stop_proxy

	# --no-overwrite: a HEAD first, then If-None-Match where taken
	with_keys "$srv" "$S3PUB" publish "$TMP/small" "s3://$B/no,opt=endpoint=$S3_EP" >/dev/null 2>&1
	expect_exit "$srv: --no-overwrite on an existing key: exit 4, nothing written" 4 \
		'no.tar.gz exists \(--no-overwrite\): nothing written' \
		with_keys "$srv" "$S3PUB" publish --no-overwrite "$TMP/mid" "s3://$B/no,opt=endpoint=$S3_EP"
	rm -f "$TMP/obj"
	aws_s3 "$srv" s3 cp "s3://$B/no.tar.gz" "$TMP/obj" >/dev/null 2>&1
	check_eq "$srv: --no-overwrite: the object is unchanged" "$(sha256sum <"$TMP/obj" | cut -d' ' -f1)" \
		"$("$S3PUB" archive "$TMP/small" | sha256sum | cut -d' ' -f1)"
	with_keys "$srv" "$S3PUB" publish --no-overwrite "$TMP/small" "s3://$B/no-new,opt=endpoint=$S3_EP" >/dev/null 2>"$TMP/err"
	rc=$?
	check_eq "$srv: --no-overwrite on a new key: one PutObject ($(head -c 200 "$TMP/err"))" "$rc" 0
	with_keys "$srv" "$S3PUB" publish --no-overwrite --part-size 5MiB "$TMP/mid" \
		"s3://$B/no-mp,opt=endpoint=$S3_EP" >/dev/null 2>"$TMP/err"
	rc=$?
	check_eq "$srv: --no-overwrite on a new key: multipart ($(head -c 200 "$TMP/err"))" "$rc" 0
	expect_exit "$srv: --no-overwrite, multipart, existing key: exit 4" 4 'exists \(--no-overwrite\)' \
		with_keys "$srv" "$S3PUB" publish --no-overwrite --part-size 5MiB "$TMP/mid" "s3://$B/no-mp,opt=endpoint=$S3_EP"
	# plain mode, 4 workers: every one of them keeps the rule (the workers
	# other than the first once had their own, default, upload rules)
	mkdir -p "$TMP/pl" && for i in 1 2 3 4 5 6 7 8; do echo "first $i" >"$TMP/pl/f$i.txt"; done
	with_keys "$srv" "$S3PUB" publish --jobs 4 "$TMP/pl" "s3://$B/pl/,opt=endpoint=$S3_EP,opt=encoding=plain" >/dev/null 2>"$TMP/err"
	rc=$?
	check_eq "$srv: plain publish of 8 files ($(head -c 200 "$TMP/err"))" "$rc" 0
	for i in 1 2 3 4 5 6 7 8; do echo "second $i" >"$TMP/pl/f$i.txt"; done
	expect_exit "$srv: --no-overwrite, plain, 4 jobs, existing keys: exit 4" 4 'exists \(--no-overwrite\)' \
		with_keys "$srv" "$S3PUB" publish --no-overwrite --jobs 4 "$TMP/pl" "s3://$B/pl/,opt=endpoint=$S3_EP,opt=encoding=plain"
	rm -rf "$TMP/plget" && mkdir -p "$TMP/plget"
	aws_s3 "$srv" s3 cp --recursive "s3://$B/pl/" "$TMP/plget" >/dev/null 2>&1
	check_eq "$srv: --no-overwrite, plain, 4 jobs: every object is still the first" \
		"$(cat "$TMP/plget"/f*.txt 2>/dev/null | tr '\n' ' ')" \
		"first 1 first 2 first 3 first 4 first 5 first 6 first 7 first 8 "
	# what the server does with the header itself (README, --no-overwrite)
	if [ -n "${PY_BOTO:-}" ]; then
		got=$("$PY_BOTO" tests/s3/if_none_match.py "$S3_EP" "$S3_AK" "$S3_SK" 2>&1 | tr '\n' ' ')
		case $srv in
		rgw) want='put: refused PreconditionFailed complete: ignored ' ;;
		swift) want='put: refused NotImplemented complete: refused InvalidRequest ' ;;
		esac
		check_eq "$srv: If-None-Match: * as README says" "$got" "$want"
	else
		skip "$srv: If-None-Match probe: no python3 with boto3"
	fi
	# the tree shrank since the upload was left open: its first parts hold
	# what we send, but it has a part past the new archive's last, which
	# radosgw will not leave out of a Complete (InvalidPart): not resumed,
	# a fresh upload. The open upload is made with the AWS CLI from the
	# bigger tree's own archive, cut in 5 MiB parts.
	mkdir -p "$TMP/shrink"
	head -c 12000000 /dev/urandom >"$TMP/shrink/a"
	head -c 6000000 /dev/urandom >"$TMP/shrink/b"
	"$S3PUB" archive --compress 0 "$TMP/shrink" >"$TMP/shrink.tgz"
	id=$(aws_s3 "$srv" s3api create-multipart-upload --bucket "$B" --key shr.tar.gz \
		--query UploadId --output text)
	for n in 1 2 3 4; do
		dd if="$TMP/shrink.tgz" of="$TMP/part" bs=5242880 skip=$((n - 1)) count=1 2>/dev/null
		aws_s3 "$srv" s3api upload-part --bucket "$B" --key shr.tar.gz --upload-id "$id" \
			--part-number $n --body "$TMP/part" >/dev/null
	done
	rm "$TMP/shrink/b"
	with_keys "$srv" "$S3PUB" publish --compress 0 --part-size 5MiB --verbose "$TMP/shrink" \
		"s3://$B/shr,opt=endpoint=$S3_EP" >/dev/null 2>"$TMP/err"
	rc=$?
	check_eq "$srv: the tree shrank under an open upload (4 parts, now 3): exit 0 ($(last_words))" "$rc" 0
	check "$srv: ... that upload not resumed" sh -c "! grep -q 'resuming multipart upload' '$TMP/err'"
	aws_s3 "$srv" s3api get-object --bucket "$B" --key shr.tar.gz "$TMP/obj" >/dev/null
	check_eq "$srv: ... the object is the smaller tree's archive" "$(sha256sum <"$TMP/obj" | cut -d' ' -f1)" \
		"$("$S3PUB" archive --compress 0 "$TMP/shrink" | sha256sum | cut -d' ' -f1)"
	# least privilege: denied the listings resume needs (a bucket policy:
	# radosgw takes them, Swift's s3api not), a multipart publish starts
	# afresh; ListParts is asked of an upload left open
	if [ "$srv" = rgw ] && B2=$(new_bucket rgw); then
		aws_rgw s3api create-multipart-upload --bucket "$B2" --key lp.tar.gz >/dev/null
		for act in "ListBucketMultipartUploads:$B2" "ListMultipartUploadParts:$B2/*"; do
			printf '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:%s", "Resource": "arn:aws:s3:::%s"}]}' \
				"${act%%:*}" "${act#*:}" >"$TMP/policy.json"
			aws_rgw s3api put-bucket-policy --bucket "$B2" --policy "file://$TMP/policy.json"
			for o in --verbose --no-resume; do
				with_keys rgw "$S3PUB" publish --compress 0 --part-size 5MiB $o "$TMP/mid" \
					"s3://$B2/lp,opt=endpoint=$S3_EP" >/dev/null 2>"$TMP/err"
				rc=$?
				check_eq "$srv: denied s3:${act%%:*}: a multipart publish ($o) exits 0 ($(last_words))" "$rc" 0
			done
		done
		# --no-overwrite's HEAD denied (s3:GetObject): exit 4, and the
		# message says which permissions the HEAD needs (radosgw answers
		# 404 for a key not there whatever the policy: the key is there)
		with_keys rgw "$S3PUB" publish "$TMP/small" "s3://$B2/noh,opt=endpoint=$S3_EP" >/dev/null 2>&1
		printf '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::%s/*"}]}' \
			"$B2" >"$TMP/policy.json"
		aws_rgw s3api put-bucket-policy --bucket "$B2" --policy "file://$TMP/policy.json"
		expect_exit "$srv: denied s3:GetObject: --no-overwrite's HEAD refused, exit 4 naming the permissions" 4 \
			'403.*s3:GetObject, and s3:ListBucket' \
			with_keys rgw "$S3PUB" publish --no-overwrite "$TMP/small" "s3://$B2/noh,opt=endpoint=$S3_EP"
		aws_rgw s3api delete-bucket-policy --bucket "$B2"
	fi
	empty_bucket "$srv" "$B" >/dev/null 2>&1
}

suite rgw
suite swift
exit 0
