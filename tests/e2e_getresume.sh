#!/bin/sh
# e2e_getresume: `get` over a flaky link carries on where a cut connection
# stopped (Range: bytes=N- and If-Match: the first answer's ETag), against
# the real local radosgw through tests/faultproxy.py, which cuts the
# answers' bodies ("cut_response N": a clean close, or a reset) and logs
# the Range header of each request.
#
# A 6 MiB archive whose first two GETs are cut at 1,000,000 bytes unpacks
# equal to the tree (diff -r), the proxy saw Range bytes=1000000- and
# bytes=2000000- (If-Match the ETag), --verbose says "resuming at byte N";
# the same for a plain object cut by resets (cmp), and through a presigned
# URL. Cut five times with --retries 2: each try brought new bytes, so the
# count starts again and the get finishes. The object replaced between the
# cut and the resume: radosgw answers 412, exit 4 "the object changed
# while it was read", DIR as it was. A store that ignores Range (the proxy
# strips it): the 200's first N bytes are skipped, the tree is right; one
# that ignores If-Match and Range too: the 200's other ETag is refused the
# same way.
# One that ignores If-Match only, the object replaced by a shorter one: the
# 416 is refused the same way. Every answer cut after 1,000 bytes: tries
# that bring less than 64 KiB do not start the count again, so --retries 3
# ends after three GETs (exit 6).
# --retries 1 still fails at the first cut (exit 6, "cut short").
# A ListObjectsV2 answer cut in its body (a plain prefix of 1,003 keys):
# the page is asked for again, the keys handed over already skipped, every
# file right; every listing answer cut early: --retries 3 ends after three;
# a key deleted meanwhile, or a page shorter than what was handed over:
# exit 4, "the listing changed while it was read".
. tests/lib.sh
. tests/s3/lib.sh
sh scripts/need.sh awscli:aws python3:python3 diffutils:diff >&2 || exit 1

if ! s3_use rgw; then
	skip "getresume: radosgw not up"
	exit 0
fi

trap 'stop_proxy; s3_cleanup; rm -rf "$TMP"' EXIT
trap 'stop_proxy; s3_cleanup; rm -rf "$TMP"; exit 1' INT TERM
if ! start_proxy "$RGW_ENDPOINT"; then
	not_ok "getresume: the proxy did not start: $(head -c 300 "$TMP/proxy.err")"
	exit 0
fi

B=$(new_bucket rgw) || { not_ok "getresume: create bucket"; exit 0; }
T=$TMP/tree
mkdir -p "$T/sub"
head -c $((6 * 1024 * 1024)) /dev/urandom >"$T/data.bin"
printf 'hello\n' >"$T/sub/a.txt"
with_keys rgw "$S3PUB" publish "$T" "s3://$B/r1,opt=endpoint=$S3_EP" >/dev/null 2>"$TMP/err" ||
	not_ok "getresume: publish: $(head -c 300 "$TMP/err")"
head -c $((3 * 1024 * 1024)) /dev/urandom >"$TMP/blob.bin"
aws_rgw s3 cp --quiet "$TMP/blob.bin" "s3://$B/blob.bin" ||
	not_ok "getresume: aws s3 cp blob.bin"

# ranges: the Range header of each GET the proxy saw, "-" for none
ranges() {
	python3 -c '
import json, sys
L = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(" ".join(e["range"] or "-" for e in L if e.get("method") == "GET" and "action" in e))' "$TMP/proxy.log"
}
# if_matched: every GET with a Range had If-Match, the first answer's ETag
if_matched() {
	python3 -c '
import json, sys
L = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
G = [e for e in L if e.get("method") == "GET" and "action" in e and e["range"]]
sys.exit(0 if G and all(e["if_match"] == sys.argv[2] for e in G) else 1)' "$TMP/proxy.log" "$1"
}
etag_of() {
	aws_rgw s3api head-object --bucket "$B" --key "$1" --query ETag --output text
}
same_tree() { diff -r --no-dereference "$T" "$1" >/dev/null; }
G="with_keys rgw $S3PUB get --endpoint $PEP"

# an archive whose first two GETs are cut cleanly (FIN) at 1,000,000 bytes
set_rules '{"method": "GET", "query": "r1.tar.gz", "times": 2, "action": "cut_response 1000000"}'
rm -rf "$TMP/o1"
$G --verbose "s3://$B/r1.tar.gz" "$TMP/o1" 2>"$TMP/err"
rc=$?
check_eq "archive cut twice: exit 0 ($(tail -n 1 "$TMP/err" | head -c 300))" "$rc" 0
check "... unpacked equal to the tree" same_tree "$TMP/o1"
check_eq "... the proxy saw the rest asked for from the bytes received" "$(ranges)" \
	"- bytes=1000000- bytes=2000000-"
check "... each with If-Match: the first answer's ETag" if_matched "$(etag_of r1.tar.gz)"
check "... --verbose: resuming at byte 1000000, then 2000000" sh -c \
	"grep -q 'resuming at byte 1000000' '$TMP/err' && grep -q 'resuming at byte 2000000' '$TMP/err'"

# a plain object cut twice by resets (RST) after 700,000 bytes
set_rules '{"method": "GET", "query": "blob.bin", "times": 2, "action": "cut_response 700000 rst"}'
rm -rf "$TMP/o2"
$G "s3://$B/blob.bin" "$TMP/o2" 2>"$TMP/err"
rc=$?
check_eq "plain object reset twice: exit 0 ($(tail -c 300 "$TMP/err"))" "$rc" 0
check "... the same bytes" cmp -s "$TMP/blob.bin" "$TMP/o2/blob.bin"
check_eq "... the proxy saw Range from 700000, then 1400000" "$(ranges)" \
	"- bytes=700000- bytes=1400000-"

# through a presigned URL (Range and If-Match are not signed there)
url=$(with_keys rgw "$S3PUB" presign --endpoint "$PEP" "s3://$B/r1.tar.gz")
set_rules '{"method": "GET", "query": "r1.tar.gz", "times": 2, "action": "cut_response 1500000"}'
rm -rf "$TMP/o3"
"$S3PUB" get "$url" "$TMP/o3" 2>"$TMP/err"
rc=$?
check_eq "presigned URL cut twice: exit 0 ($(tail -c 300 "$TMP/err"))" "$rc" 0
check "... unpacked equal to the tree" same_tree "$TMP/o3"
check_eq "... the proxy saw Range from 1500000, then 3000000" "$(ranges)" \
	"- bytes=1500000- bytes=3000000-"
check "... each with If-Match" if_matched "$(etag_of r1.tar.gz)"

# a link that drops every 1,000,000 bytes, with 2 attempts: each try
# brings new bytes, so the count starts again
set_rules '{"method": "GET", "query": "r1.tar.gz", "times": 5, "action": "cut_response 1000000"}'
rm -rf "$TMP/o4"
$G --retries 2 "s3://$B/r1.tar.gz" "$TMP/o4" 2>"$TMP/err"
rc=$?
check_eq "cut five times, --retries 2: exit 0 ($(tail -c 300 "$TMP/err"))" "$rc" 0
check "... unpacked equal to the tree" same_tree "$TMP/o4"
check_eq "... six GETs" "$(ranges | wc -w)" 6

# every answer cut after 1,000 bytes: a try that brings less than 64 KiB
# does not start the count again, so --retries 3 ends after three GETs
# (not one GET per kilobyte of the object, without end)
set_rules '{"method": "GET", "query": "blob.bin", "times": -1, "action": "cut_response 1000"}'
rm -rf "$TMP/o8"
expect_exit "cut after every 1,000 bytes, --retries 3: exit 6, cut short" 6 "GetObject s3://$B/blob.bin: .*cut short" \
	$G --retries 3 "s3://$B/blob.bin" "$TMP/o8"
check_eq "... three GETs, from 0, 1000 and 2000" "$(ranges)" "- bytes=1000- bytes=2000-"

# --retries 1: no second try, so no resume either
set_rules '{"method": "GET", "query": "r1.tar.gz", "times": 1, "action": "cut_response 1000000"}'
rm -rf "$TMP/o5"
expect_exit "cut once, --retries 1: exit 6, cut short" 6 "GetObject s3://$B/r1.tar.gz: .*cut short" \
	$G --retries 1 "s3://$B/r1.tar.gz" "$TMP/o5"

# a store that ignores Range: the 200 sends it all again, the first
# 1,000,000 bytes are skipped
set_rules '{"method": "GET", "query": "r1.tar.gz", "times": 1, "action": "cut_response 1000000", "strip": ["Range"]}'
rm -rf "$TMP/o6"
$G "s3://$B/r1.tar.gz" "$TMP/o6" 2>"$TMP/err"
rc=$?
check_eq "Range ignored (a 200 after the cut): exit 0 ($(tail -c 300 "$TMP/err"))" "$rc" 0
check "... unpacked equal to the tree" same_tree "$TMP/o6"
check_eq "... the proxy saw (and stripped) Range from 1000000" "$(ranges)" "- bytes=1000000-"
check_eq "... and relayed a 200" "$(python3 -c '
import json, sys
L = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
print(" ".join(str(e.get("status")) for e in L if e.get("method") == "GET" and "action" in e))' "$TMP/proxy.log")" "200 200"

# replaced EXTRA [FILE]: swap.bin (blob.bin) fetched into o7 (holding keep.txt),
# its answer cut after 1,000,000 bytes and held there while other.bin (or FILE)
# takes the key, then let go; EXTRA is more of the proxy rule's JSON. rc
# get's exit status, its stderr in err7
head -c 100000 /dev/urandom >"$TMP/other.bin"
replaced() {
	aws_rgw s3 cp --quiet "$TMP/blob.bin" "s3://$B/swap.bin" ||
		not_ok "getresume: aws s3 cp swap.bin"
	rm -rf "$TMP/o7" "$TMP/go"
	set_rules "{\"method\": \"GET\", \"query\": \"swap.bin\", \"times\": 1, \"action\": \"cut_response 1000000\", \"hold\": \"$TMP/go\"$1}"
	mkdir -p "$TMP/o7"
	printf 'mine\n' >"$TMP/o7/keep.txt"
	$G "s3://$B/swap.bin" "$TMP/o7" >"$TMP/out7" 2>"$TMP/err7" &
	_get=$!
	proxy_wait '"cut"' || not_ok "getresume: the answer was never cut"
	aws_rgw s3 cp --quiet "$TMP/${2:-other.bin}" "s3://$B/swap.bin" ||
		not_ok "getresume: aws s3 cp ${2:-other.bin}"
	touch "$TMP/go"
	wait $_get
	rc=$?
}

# replaced between the cut and the resume: 412, nothing written to DIR
replaced ""
check_eq "replaced between the cut and the resume: exit 4 ($(head -c 300 "$TMP/err7"))" "$rc" 4
check "... HTTP 412, 'the object changed while it was read', naming it" \
	grep -Eq "GetObject s3://$B/swap.bin at [^ ]*: HTTP 412 .*; the object changed while it was read\$" "$TMP/err7"
check_eq "... one line on stderr" "$(wc -l <"$TMP/err7")" 1
check_eq "... DIR as it was" "$(ls -A "$TMP/o7")" keep.txt
check_eq "... the resume asked from 1000000" "$(ranges)" "- bytes=1000000-"

# the same with a store that ignores If-Match and Range: the new ETag of
# the 200 is refused
replaced ', "strip": ["Range", "If-Match"]'
check_eq "replaced, If-Match ignored (a 200): exit 4 ($(head -c 300 "$TMP/err7"))" "$rc" 4
check "... the object changed while it was read, ETag named" \
	grep -q "GetObject s3://$B/swap.bin: the object changed while it was read (ETag " "$TMP/err7"
check_eq "... DIR as it was" "$(ls -A "$TMP/o7")" keep.txt

# a store that ignores If-Match (not Range), the object replaced by one
# shorter than the bytes taken: 416 for the rest, the object changed
head -c 1000 /dev/urandom >"$TMP/short.bin"
replaced ', "strip": ["If-Match"]' short.bin
check_eq "replaced by a shorter one, If-Match ignored (a 416): exit 4 ($(head -c 300 "$TMP/err7"))" "$rc" 4
check "... HTTP 416, the object changed while it was read" \
	grep -Eq "GetObject s3://$B/swap.bin at [^ ]*: HTTP 416 .*; the object changed while it was read\$" "$TMP/err7"
check_eq "... DIR as it was" "$(ls -A "$TMP/o7")" keep.txt

# a ListObjectsV2 answer cut in its body (radosgw's is chunked): the page
# is asked for again and the keys handed over already are skipped. 1,003
# keys: two pages, the first cut twice at 100,000 bytes
mkdir -p "$TMP/many"
i=0; while [ $i -lt 1003 ]; do echo "$i" >"$TMP/many/f$i"; i=$((i + 1)); done
with_keys rgw "$S3PUB" publish --jobs 8 "$TMP/many" "s3://$B/many/,opt=endpoint=$S3_EP,opt=encoding=plain" \
	>/dev/null 2>"$TMP/err" || not_ok "getresume: publish 1,003 files: $(head -c 300 "$TMP/err")"
# lists: the continuation token (or "-") of each ListObjectsV2 the proxy saw
lists() {
	python3 -c '
import json, sys, urllib.parse
L = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
q = [urllib.parse.parse_qs(e["target"].partition("?")[2]) for e in L
     if e.get("method") == "GET" and "action" in e and "list-type=2" in e["target"]]
print(" ".join("next" if "continuation-token" in x else "first" for x in q))' "$TMP/proxy.log"
}
set_rules '{"method": "GET", "query": "list-type=2", "times": 2, "action": "cut_response 100000"}'
rm -rf "$TMP/m"
$G --verbose "s3://$B/many/" "$TMP/m" 2>"$TMP/err"
rc=$?
check_eq "a listing page cut twice in its body: exit 0 ($(grep -v '^s3pub: [A-Z]' "$TMP/err" | tail -c 300))" "$rc" 0
check_eq "... all 1,003 files" "$(ls "$TMP/m" 2>/dev/null | wc -l)" 1003
bad=0
i=0; while [ $i -lt 1003 ]; do cmp -s "$TMP/many/f$i" "$TMP/m/f$i" || bad=$((bad + 1)); i=$((i + 1)); done
check_eq "... each one right" "$bad" 0
check_eq "... the first page asked for three times, then the second" "$(lists)" "first first first next"
check "... --verbose says the page was asked for again" grep -q 'ListObjectsV2 .*asking for the page again' "$TMP/err"

# every listing answer cut: tries that hand over less than 64 KiB do not
# start the count again, so --retries 3 ends after three
set_rules '{"method": "GET", "query": "list-type=2", "times": -1, "action": "cut_response 20000"}'
rm -rf "$TMP/m"
expect_exit "every listing answer cut at 20,000 bytes, --retries 3: exit 6, cut short" 6 \
	"ListObjectsV2 s3://$B.*cut short" $G --retries 3 "s3://$B/many/" "$TMP/m"
check_eq "... three requests" "$(lists)" "first first first"
check "... nothing in DIR" test ! -e "$TMP/m"

# changed HOLD AWS-ARGS...: a get of many/ whose first listing answer is
# cut at 100,000 bytes and held there (until HOLD exists) while the AWS
# CLI runs AWS-ARGS; rc, err. (Each call its own HOLD: a rule the same
# as the last one would not start its count again.)
changed() {
	_hold=$1
	shift
	rm -rf "$TMP/m" "$_hold"
	set_rules "{\"method\": \"GET\", \"query\": \"list-type=2\", \"times\": 1, \"action\": \"cut_response 100000\", \"hold\": \"$_hold\"}"
	$G "s3://$B/many/" "$TMP/m" 2>"$TMP/err" &
	_get=$!
	proxy_wait '"cut"' || not_ok "getresume: the listing was never cut"
	aws_rgw "$@" || not_ok "getresume: aws $*"
	touch "$_hold"
	wait $_get
	rc=$?
}

# the listing changed between the cut and the new try (a key before the
# cut deleted): what follows cannot be placed, exit 4, nothing in DIR
changed "$TMP/go" s3 rm --quiet "s3://$B/many/f0"
check_eq "a key deleted between the cut and the new try: exit 4 ($(head -c 300 "$TMP/err"))" "$rc" 4
check "... 'the listing changed while it was read'" grep -q "ListObjectsV2 s3://$B: the listing changed while it was read (a page asked for again after a cut differs)\$" "$TMP/err"
check "... nothing in DIR" test ! -e "$TMP/m"

# ... or all but 111 keys deleted: the page asked for again is shorter
# than what was handed over, exit 4 the same way
changed "$TMP/go2" s3 rm --quiet --recursive --exclude 'f9*' "s3://$B/many/"
check_eq "all but 111 keys deleted between the cut and the new try: exit 4 ($(head -c 300 "$TMP/err"))" "$rc" 4
check "... 'the listing changed while it was read', a shorter page" grep -q "ListObjectsV2 s3://$B: the listing changed while it was read (a page asked for again after a cut is shorter)\$" "$TMP/err"
check "... nothing in DIR" test ! -e "$TMP/m"
