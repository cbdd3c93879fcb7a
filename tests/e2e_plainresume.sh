#!/bin/sh
# e2e_plainresume: an interrupted plain-mode publish (one object per file)
# resumed by a rerun, against radosgw and Swift through tests/faultproxy.py
# (which logs every request).
#
# For each server: a tree of 40 files whose names test the order in which
# the listing and the plan meet ("a.txt" < "a/x" < "a0": bytewise, as S3
# lists keys). With one connection (--jobs 1, files in the plan's order)
# the proxy stalls the PUT of "f30", the publish is killed with SIGKILL (a
# power cut: nothing removes what was written), and the same command runs
# again: it must PUT only "f30" and the files after it, plus the manifest
# (counted in the proxy's log: "big.bin", sent in two parts before, is not
# sent again, and --no-overwrite is no obstacle); the objects must be the files, byte for
# byte; its spec's ManifestSHA256 must be that of a publish to a fresh key;
# and `get --spec` of it must give the tree back. Then: a file changed in
# place (same size, other bytes) and one that grew are sent again, and only
# they; --no-resume sends every file; SIGTERM with --keep-partial leaves
# the written objects (exit 143, the message says so) and a rerun sends
# only the rest, while SIGTERM without it removes them. With object options
# (here --storage-class, --metadata) every file is sent. Denied the listing
# (a bucket policy, radosgw), a publish sends every file and exits 0.
. tests/lib.sh
. tests/s3/lib.sh
sh scripts/need.sh awscli:aws python3:python3 >&2 || exit 1

D=$TMP/tree
mkdir -p "$D/a" "$D/b"
i=1
while [ $i -le 34 ]; do
	head -c $((2000 + i * 997)) /dev/urandom >"$D/f$i"
	i=$((i + 1))
done
printf 'dot\n' >"$D/a.txt"
printf 'slash\n' >"$D/a/x"
printf 'zero\n' >"$D/a0"
printf 'dash\n' >"$D/b-c"
printf 'deep\n' >"$D/b/c"
head -c 70000 /dev/urandom >"$D/zz-last.bin"
# sent in two parts (--part-size 5MiB): its ETag is the MD5 of the parts'
# MD5s, "-2"
head -c $((6 * 1024 * 1024 + 1000)) /dev/urandom >"$D/big.bin"
NFILES=$(find "$D" -type f | wc -l | tr -d ' ')

trap 'stop_proxy; s3_cleanup; rm -rf "$TMP"' EXIT
trap 'stop_proxy; s3_cleanup; rm -rf "$TMP"; exit 1' INT TERM

# the files (paths under KEY/) the proxy relayed a 200 PUT for, sorted,
# one per line; the manifest is not one of them
files_put() {
	python3 -c '
import json, sys, urllib.parse
key = "/%s/%s/" % (sys.argv[2], sys.argv[3])
L = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
n = sorted(urllib.parse.unquote(e["target"].split("?")[0])[len(key):] for e in L
           if e.get("method") == "PUT" and e.get("status") == 200
           and urllib.parse.unquote(e["target"].split("?")[0]).startswith(key))
print("\n".join(sorted(set(n))))' "$TMP/proxy.log" "$B" "$1"
}
# how many objects are under KEY/
objects_under() {
	aws_s3 "$srv" s3api list-objects-v2 --bucket "$B" --prefix "$1/" \
		--query 'length(Contents || `[]`)' --output text
}
# same_tree KEY: the objects under KEY/ are the files of D, byte for byte,
# and no more (the AWS CLI fetches them)
same_tree() {
	rm -rf "$TMP/dl"
	aws_s3 "$srv" s3 sync --only-show-errors "s3://$B/$1" "$TMP/dl" && diff -r "$D" "$TMP/dl"
}
last_words() { grep -v '^s3pub: [<>]' "$TMP/err" | tail -n 2 | tr '\n' ' ' | tail -c 300; }

# interrupted SIGNAL KEY [OPTIONS]: a plain publish of D on one connection,
# stalled at f30's PUT, then SIGNAL; RC its exit status
interrupted() {
	_sig=$1 _key=$2
	shift 2
	set_rules '{"method": "PUT", "query": "/f30", "action": "stall 120"}'
	# (env, not with_keys: $! must be s3pub's own PID)
	env AWS_ACCESS_KEY_ID="$S3_AK" AWS_SECRET_ACCESS_KEY="$S3_SK" \
		"$S3PUB" publish --jobs 1 --timeout 100 --part-size 5MiB "$@" "$D" \
		"s3://$B/$_key,opt=endpoint=$PEP,opt=encoding=plain" >"$TMP/out" 2>"$TMP/err" &
	_pid=$!
	if ! proxy_wait '"stall": *"[^"]*/f30'; then
		not_ok "$srv: the publish never reached f30: $(head -c 300 "$TMP/err")"
		kill -9 "$_pid" 2>/dev/null
	fi
	sleep 0.3
	kill -s "$_sig" "$_pid" 2>/dev/null
	wait "$_pid"
	RC=$?
	sleep 0.5
}

# publish KEY [OPTIONS]: a plain publish of D through the proxy (no fault,
# --verbose); RC its status, the spec in $TMP/out
publish() {
	_key=$1
	shift
	set_rules ''
	with_keys "$srv" "$S3PUB" publish --verbose --part-size 5MiB "$@" "$D" \
		"s3://$B/$_key,opt=endpoint=$PEP,opt=encoding=plain" >"$TMP/out" 2>"$TMP/err"
	RC=$?
}
manifest_of() { sed -n 's/.*"ManifestSHA256":"\([0-9a-f]*\)".*/\1/p' "$1"; }

suite() {
	srv=$1
	s3_use "$srv" || { skip "$srv: server not up"; return; }
	B=$(new_bucket "$srv") || { not_ok "$srv: create bucket"; return; }
	start_proxy "$S3_EP" || { not_ok "$srv: the proxy did not start: $(head -c 300 "$TMP/proxy.err")"; return; }
	# the files after f30 in the plan's (bytewise) order, f30 first
	(cd "$D" && find . -type f | sed 's|^\./||' | LC_ALL=C sort) >"$TMP/all"
	sed -n '/^f30$/,$p' "$TMP/all" >"$TMP/rest"

	# the reference: the same tree to a fresh key, every file sent
	publish ref
	check_eq "$srv: a plain publish to a fresh key exits 0 ($(last_words))" "$RC" 0
	REF=$(manifest_of "$TMP/out")
	check_eq "$srv: ... and PUTs every file" "$(files_put ref | wc -l | tr -d ' ')" "$NFILES"

	# a power cut while f30 is on its way, then the same command
	interrupted KILL r1
	check_eq "$srv: SIGKILL during f30's PUT" "$RC" 137
	n1=$(objects_under r1)
	check_eq "$srv: the files before f30 stay after the cut" "$n1" \
		"$(sed -n '/^f30$/q;p' "$TMP/all" | wc -l | tr -d ' ')"
	# (--no-overwrite: the objects found are no conflict, the manifest's
	# key is what it guards)
	publish r1 --no-overwrite
	check_eq "$srv: the rerun (--no-overwrite) exits 0 ($(last_words))" "$RC" 0
	files_put r1 >"$TMP/sent"
	if cmp -s "$TMP/sent" "$TMP/rest"; then
		ok "$srv: the rerun PUTs f30 and the $(($(wc -l <"$TMP/rest") - 1)) files after it, and no other"
	else
		not_ok "$srv: the rerun PUT $(tr '\n' ' ' <"$TMP/sent" | head -c 300), want $(tr '\n' ' ' <"$TMP/rest" | head -c 300)"
	fi
	check "$srv: --verbose says how many files were found" \
		grep -q "resume: $((NFILES - $(wc -l <"$TMP/rest"))) files found already uploaded under s3://$B/r1/" "$TMP/err"
	check_eq "$srv: one listing of the key" "$(grep '"status"' "$TMP/proxy.log" | grep -c 'list-type=2')" 1
	check "$srv: the objects are the files, byte for byte" same_tree r1
	check_eq "$srv: the spec's ManifestSHA256 is a fresh publish's" "$(manifest_of "$TMP/out")" "$REF"
	rm -rf "$TMP/got"
	with_keys "$srv" "$S3PUB" get --spec "$TMP/out" "$TMP/got" >/dev/null 2>"$TMP/err"
	rc=$?
	check_eq "$srv: get --spec of the resumed result exits 0 ($(last_words))" "$rc" 0
	check "$srv: ... and gives the tree back" diff -r "$D" "$TMP/got"

	# one file changed in place (its size the same), one grown: they go
	# again, the rest stays
	cp "$D/f7" "$TMP/f7.was"
	head -c "$(wc -c <"$D/f7")" /dev/urandom >"$D/f7"
	printf 'more\n' >>"$D/b/c"
	publish r1
	check_eq "$srv: after two files changed, the rerun exits 0 ($(last_words))" "$RC" 0
	check_eq "$srv: ... and PUTs those two only" "$(files_put r1 | tr '\n' ' ')" "b/c f7 "
	check "$srv: ... and the objects are the new files" same_tree r1

	# with object options (the listing cannot show them to compare, and
	# a file found would keep the earlier run's): every file goes
	publish r1 --storage-class STANDARD --metadata run=2
	check_eq "$srv: with object options, the rerun exits 0 ($(last_words))" "$RC" 0
	check_eq "$srv: ... and PUTs every file" "$(files_put r1 | wc -l | tr -d ' ')" "$NFILES"
	check "$srv: ... and --verbose says why" grep -q 'resume: not with object options' "$TMP/err"
	check_eq "$srv: ... and the objects have the new metadata" \
		"$(aws_s3 "$srv" s3api head-object --bucket "$B" --key r1/f1 --query Metadata.run --output text)" 2

	# --no-resume: every file
	publish r1 --no-resume
	check_eq "$srv: --no-resume exits 0 ($(last_words))" "$RC" 0
	check_eq "$srv: ... and PUTs every file" "$(files_put r1 | wc -l | tr -d ' ')" "$NFILES"
	check_eq "$srv: ... with no listing" "$(grep '"status"' "$TMP/proxy.log" | grep -c 'list-type=2')" 0

	# SIGTERM with --keep-partial: what was written stays, for a rerun
	interrupted TERM r2 --keep-partial
	check_eq "$srv: SIGTERM with --keep-partial: exit 143" "$RC" 143
	check "$srv: ... and the message says the objects are left" \
		grep -q 'left for a later run to resume (--keep-partial)' "$TMP/err"
	n2=$(objects_under r2)
	check "$srv: ... and they stay ($n2 objects)" test "$n2" -gt 0
	publish r2
	check_eq "$srv: ... and the rerun exits 0 ($(last_words))" "$RC" 0
	check_eq "$srv: ... and PUTs only the files not there" \
		"$(files_put r2 | wc -l | tr -d ' ')" "$((NFILES - n2))"
	check "$srv: ... and the objects are the files" same_tree r2

	# SIGTERM without it: nothing that looks like a result stays
	interrupted TERM r3
	check_eq "$srv: SIGTERM without --keep-partial: exit 143" "$RC" 143
	check_eq "$srv: ... and the objects written are removed" "$(objects_under r3)" 0

	# denied the listing: every file goes, and the publish succeeds
	if [ "$srv" = rgw ]; then
		printf '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::%s"}]}' \
			"$B" >"$TMP/policy.json"
		aws_rgw s3api put-bucket-policy --bucket "$B" --policy "file://$TMP/policy.json"
		publish r1
		check_eq "$srv: denied s3:ListBucket: the publish exits 0 ($(last_words))" "$RC" 0
		check_eq "$srv: ... and PUTs every file" "$(files_put r1 | wc -l | tr -d ' ')" "$NFILES"
		check "$srv: ... and --verbose says it was not resumed" grep -q 'not resumed' "$TMP/err"
		aws_rgw s3api delete-bucket-policy --bucket "$B"
	fi
	cp "$TMP/f7.was" "$D/f7"
	sed -i '$d' "$D/b/c"
	stop_proxy
	empty_bucket "$srv" "$B" >/dev/null 2>&1
}

suite rgw
suite swift
exit 0
