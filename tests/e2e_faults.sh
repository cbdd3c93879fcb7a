#!/bin/sh
# e2e_faults: reliability against faults (SPEC sections 4 and 10, issue 7).
#
# tests/faultproxy.py sits between s3pub and the real local radosgw and
# injects one scripted fault per case: a reset after N bytes of a request
# body, a reset before the response, 503 SlowDown, 500 InternalError, a
# stall past --timeout, a truncated response body, an answer that is not
# HTTP, Retry-After, a corrupted body byte (radosgw must refuse it with
# XAmzContentSHA256Mismatch). Each case runs in single-PUT mode (a small
# tree), in multipart mode (--part-size 5MiB, a 12 MiB tree, the fault on
# part 2) and in multipart mode at --compress 0 (two parts at once),
# twice: the fault a few times, then s3pub must succeed with an object
# byte-identical to `s3pub archive` of the tree (downloaded with the AWS
# CLI); the fault every time with --retries 2, then s3pub must exit with
# the right status and one line on stderr, leaving no object and no open
# multipart upload. Also: every complete request body the proxy saw matched
# its signed x-amz-content-sha256 (each retry regenerated it), a retry after
# Retry-After is signed with a new date; AbortMultipartUpload is itself
# retried, and an abort that fails is reported; a 301 PermanentRedirect or
# AuthorizationHeaderMalformed naming another region is followed once (and
# the result spec names it); S3PUB_FAKE_TIME 2 hours and 10 years off
# still publishes (radosgw refuses more than 15 minutes), with one 403 for
# the whole run; SIGTERM and SIGINT during a multipart upload (while a part
# is sent, and while its answer is awaited; also with two parts at once)
# abort it and exit 143 / 130; two parts at once are in flight together
# (the proxy's log), one at a time with --parts-at-once 1; SIGTERM stops
# a plain-mode --jobs run; a plain-mode PUT whose answer is lost after the
# server carried it out (a file's, the manifest's) is found this run's by
# a HEAD (exit 0), one never carried out, or a SIGTERM while an answer is
# awaited, leaves no object; --no-overwrite's 412 on CompleteMultipartUpload
# is exit 4 naming the key; an archive's PutObject whose answer is lost:
# with --no-overwrite the next try's 412 finds this run's object (exit 0)
# or another writer's of the same size (exit 4, saying why); without it,
# with --retries 1, a HEAD finds this run's object (exit 0), none (exit 3,
# 'was not written') or another (exit 3, why); publishes run under valgrind memcheck (a glibc
# build: valgrind cannot replace malloc in the static binary) with no
# error and no definite leak. About 150 s.
. tests/lib.sh
. tests/s3/lib.sh
sh scripts/need.sh awscli:aws python3:python3 >&2 || exit 1

if ! s3_use rgw; then
	skip "faults: radosgw not up"
	exit 0
fi

# the proxy, on a free port the kernel picks
trap 'stop_proxy; s3_cleanup; rm -rf "$TMP"' EXIT
trap 'stop_proxy; s3_cleanup; rm -rf "$TMP"; exit 1' INT TERM
if ! start_proxy "$RGW_ENDPOINT"; then
	not_ok "faults: the proxy did not start: $(head -c 300 "$TMP/proxy.err")"
	exit 0
fi

# trees: small (one PutObject) and big: 8 MiB random and 12 MiB of text,
# about 11.5 MiB once compressed (three 5 MiB parts, cut inside compressed
# blocks: every retry regenerates its part by compressing again)
mkdir -p "$TMP/small/sub" "$TMP/big"
head -c 300000 /dev/urandom >"$TMP/small/data.bin"
printf 'hello\n' >"$TMP/small/sub/a.txt"
head -c $((8 * 1024 * 1024)) /dev/urandom >"$TMP/big/data.bin"
python3 -c '
import random, sys
r = random.Random(7)
with open(sys.argv[1], "w") as f:
    while f.tell() < 12 * 1024 * 1024:
        f.write("%d,node-%03d,%.3f,%s\n" % (r.randrange(10**9), r.randrange(999), r.random(), r.choice(["ok", "warn"])))
' "$TMP/big/log.csv"
printf 'x\n' >"$TMP/big/b.txt"
WANT_small=$("$S3PUB" archive "$TMP/small" | sha256sum | cut -d' ' -f1)
WANT_big=$("$S3PUB" archive "$TMP/big" | sha256sum | cut -d' ' -f1)
WANT_multi0=$("$S3PUB" archive --compress 0 "$TMP/big" | sha256sum | cut -d' ' -f1)

# rules JSON: set_rules 'RULE,...'

# proxy_py CODE: python over the proxy log's request lines (list `L`)
proxy_py() {
	python3 -c "
import json, sys
L = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
L = [e for e in L if 'action' in e]
$1" "$TMP/proxy.log"
}

# bodies_ok: every complete request body the proxy received (not the
# ones it corrupted itself) hashes to its signed x-amz-content-sha256
bodies_ok() {
	proxy_py '
bad = [e["target"] for e in L if "body_sha256" in e and e["body_len"] > 0
       and not e["action"].startswith("corrupt")
       and e["body_sha256"] != e["content_sha256"]]
print(" ".join(bad))'
}

# one_line FILE: stderr is exactly one line
one_line() { [ "$(wc -l <"$1")" -eq 1 ]; }

# fault MODE NAME ACTION TIMES WANT PATTERN [OPTIONS...]
#   MODE single|multi; ACTION the proxy's, on PutObject (single) or on
#   UploadPart 2 (multi), TIMES times (-1: always); WANT the exit status
#   (0: success expected, the object checked later); PATTERN for stderr.
fault() {
	_mode=$1 _name=$2 _act=$3 _times=$4 _want=$5 _pat=$6
	shift 6
	if [ "$_mode" = single ]; then
		_dir=$TMP/small _m='"method": "PUT"' _ps=""
	else
		_dir=$TMP/big _m='"method": "PUT", "query": "partNumber=2"' _ps="--part-size 5MiB"
	fi
	# multi0: --compress 0, whose parts go two at once (issue 16)
	[ "$_mode" = multi0 ] && _ps="$_ps --compress 0"
	_key=$_mode-$_name-$_want
	set_rules "{$_m, \"times\": $_times, \"action\": \"$_act\"$EXTRA_RULE}"
	with_keys rgw "$S3PUB" publish $_ps "$@" "$_dir" "s3://$B/$_key,opt=endpoint=$PEP" \
		>"$TMP/out" 2>"$TMP/err"
	_rc=$?
	_bad=$(bodies_ok)
	[ -z "$_bad" ] || not_ok "$_mode $_name: a body differed from its signed hash: $_bad"
	if [ "$_want" = 0 ]; then
		if [ $_rc = 0 ] && grep -q '"Key":"'"$_key"'.tar.gz"' "$TMP/out"; then
			ok "$_mode $_name: succeeds after retries"
			echo "$_key.tar.gz $_mode" >>"$TMP/present"
		else
			not_ok "$_mode $_name: exit $_rc: $(tail -c 300 "$TMP/err")"
		fi
		return
	fi
	echo "$_key.tar.gz" >>"$TMP/absent"
	if [ $_rc != "$_want" ]; then
		not_ok "$_mode $_name, retries exhausted: exit $_rc, want $_want: $(tail -c 300 "$TMP/err")"
	elif ! one_line "$TMP/err" || ! grep -Eq -- "$_pat" "$TMP/err"; then
		not_ok "$_mode $_name, retries exhausted: stderr is not one line matching /$_pat/: $(head -c 400 "$TMP/err")"
	elif [ "$_mode" != single ] && ! grep -q '; multipart upload aborted' "$TMP/err"; then
		not_ok "$_mode $_name, retries exhausted: the line does not say the upload was aborted: $(head -c 400 "$TMP/err")"
	else
		ok "$_mode $_name, retries exhausted: exit $_want, one line: $(cut -c1-150 "$TMP/err")"
	fi
}

# check_bucket MODE: success objects equal the archive, failures left
# nothing, no multipart upload is open (one listing, one download)
check_bucket() {
	rm -rf "$TMP/dl" && mkdir -p "$TMP/dl"
	aws_s3 rgw s3 cp --recursive "s3://$B/" "$TMP/dl" >/dev/null 2>"$TMP/aws.err" ||
		not_ok "$1: aws s3 cp --recursive: $(head -c 300 "$TMP/aws.err")"
	while read -r _k _m; do
		[ "$_m" = "$1" ] || continue
		case $_m in single) _w=$WANT_small ;; multi0) _w=$WANT_multi0 ;; *) _w=$WANT_big ;; esac
		check_eq "$1: $_k equals 's3pub archive' of its tree (AWS CLI)" \
			"$(sha256sum <"$TMP/dl/$_k" 2>/dev/null | cut -d' ' -f1)" "$_w"
	done <"$TMP/present"
	while read -r _k; do
		case $_k in "$1"-*) ;; *) continue ;; esac
		if [ -e "$TMP/dl/$_k" ]; then not_ok "$1: $_k exists after a failure"
		else ok "$1: no object $_k after the failure"; fi
	done <"$TMP/absent"
	check_eq "$1: no multipart upload left open" "$(list_uploads rgw "$B")" ""
}

B=$(new_bucket rgw) || { not_ok "faults: create a bucket"; exit 0; }
: >"$TMP/present"
: >"$TMP/absent"
EXTRA_RULE=""

for mode in single multi multi0; do
	fault $mode reset-body "reset_body 100000" 2 0 ""
	fault $mode reset-body "reset_body 100000" -1 3 'reset|closed|Broken pipe' --retries 2
	fault $mode reset-response reset_response 2 0 ""
	fault $mode reset-response reset_response -1 3 'reset|closed' --retries 2
	fault $mode 503 503 2 0 ""
	fault $mode 503 503 -1 5 'HTTP 503 SlowDown' --retries 2
	fault $mode 500 500 2 0 ""
	fault $mode 500 500 -1 5 'HTTP 500 InternalError' --retries 2
	fault $mode stall "stall 4" 1 0 "" --timeout 2
	fault $mode stall "stall 4" -1 3 'time-out' --retries 2 --timeout 2
	fault $mode truncate truncate 2 0 ""
	fault $mode truncate truncate -1 6 'cut short' --retries 2
	fault $mode not-http garbage 2 0 ""
	fault $mode not-http garbage -1 3 'malformed' --retries 2
	# a changed byte: radosgw refuses the body; once: hashed and sent
	# again; always: exit 6 after the second pass (whatever --retries)
	fault $mode corrupt "corrupt 1000" 1 0 "" --verbose
	grep -q 'hashing it again' "$TMP/err" &&
		ok "$mode corrupt: the refusal started a fresh hash pass" ||
		not_ok "$mode corrupt: no fresh hash pass in: $(grep -c . "$TMP/err") lines"
	check_eq "$mode corrupt: radosgw refused the changed body" \
		"$(proxy_py 'print(" ".join(str(e.get("status")) for e in L if e["action"].startswith("corrupt")))')" 400
	fault $mode corrupt "corrupt 1000" -1 6 'XAmzContentSHA256Mismatch|BadDigest'

	# SlowDown on the first 3 requests of any kind, then success
	set_rules '{"times": 3, "action": "503"}'
	if [ $mode = single ]; then _d=$TMP/small _ps=""; else _d=$TMP/big _ps="--part-size 5MiB"; fi
	[ $mode = multi0 ] && _ps="$_ps --compress 0"
	with_keys rgw "$S3PUB" publish $_ps "$_d" "s3://$B/$mode-first3.tar.gz,opt=endpoint=$PEP" >"$TMP/out" 2>"$TMP/err"
	if [ $? = 0 ]; then ok "$mode: 503 SlowDown on the first 3 requests, then success"
		echo "$mode-first3.tar.gz $mode" >>"$TMP/present"
	else not_ok "$mode: 503 on the first 3 requests: $(tail -c 300 "$TMP/err")"; fi

	# Retry-After: 1 is honoured, and the retry is signed anew
	EXTRA_RULE=', "retry_after": 1'
	fault $mode retry-after 503 1 0 "" --verbose
	EXTRA_RULE=""
	grep -q 'again in 1000 ms' "$TMP/err" && ok "$mode: Retry-After: 1 -> again in 1000 ms" ||
		not_ok "$mode: Retry-After not honoured: $(grep 'again in' "$TMP/err" | head -c 300)"
	check_eq "$mode: the retry after Retry-After has a new x-amz-date and signature" "$(proxy_py '
T = [e for e in L if e["method"] == "PUT" and ("partNumber=2" in e["target"] or "partNumber" not in e["target"])]
# the first try and the last (a kept-alive connection the proxy closed
# may log one more start in between)
print(len(T) >= 2 and T[0]["amz_date"] != T[-1]["amz_date"] and T[0]["signature"] != T[-1]["signature"]
      and T[-1]["t0"] - T[0]["t1"] >= 0.9)  # 1 s, less the timing noise of the proxy')" True

	check_bucket $mode
done

# --- AbortMultipartUpload is itself retried ---------------------------------
set_rules '{"method": "PUT", "query": "partNumber=2", "action": "500"}, {"method": "DELETE", "times": 1, "action": "503"}'
with_keys rgw "$S3PUB" publish --retries 2 --part-size 5MiB "$TMP/big" "s3://$B/abort-retried,opt=endpoint=$PEP" \
	>"$TMP/out" 2>"$TMP/err"
rc=$?
check_eq "abort retried: exit 5 ($(head -c 300 "$TMP/err"))" "$rc" 5
check_eq "abort retried: DELETE answered 503, then 204" \
	"$(proxy_py 'print(" ".join(str(e.get("status", e["action"])) for e in L if e["method"] == "DELETE"))')" "503 204"
check_eq "abort retried: no multipart upload left open" "$(list_uploads rgw "$B")" ""
# an abort that fails for good: the one line says the upload is left open
set_rules '{"method": "PUT", "query": "partNumber=2", "action": "500"}, {"method": "DELETE", "action": "500"}'
with_keys rgw "$S3PUB" publish --retries 2 --part-size 5MiB "$TMP/big" "s3://$B/abort-failed,opt=endpoint=$PEP" \
	>"$TMP/out" 2>"$TMP/err"
check_eq "abort failed: exit 5" "$?" 5
if one_line "$TMP/err" && grep -q 'InternalError.*the multipart upload .* is left open' "$TMP/err"; then
	ok "abort failed: one line says the upload is left open"
else
	not_ok "abort failed: stderr: $(head -c 400 "$TMP/err")"
fi
list_uploads rgw "$B" | while read -r _k _u; do
	aws_s3 rgw s3api abort-multipart-upload --bucket "$B" --key "$_k" --upload-id "$_u" </dev/null >/dev/null
done

# --- --no-overwrite: CompleteMultipartUpload refused with 412 ----------------
# (AWS honours If-None-Match there, radosgw not: the proxy answers for it)
set_rules '{"method": "POST", "query": "uploadId=", "action": "412"}'
expect_exit "no-overwrite: 412 on CompleteMultipartUpload: exit 4, the key exists" 4 \
	'nox.tar.gz exists \(--no-overwrite\): nothing written; .*PreconditionFailed.*multipart upload aborted' \
	with_keys rgw "$S3PUB" publish --no-overwrite --part-size 5MiB "$TMP/big" "s3://$B/nox,opt=endpoint=$PEP"
check_eq "no-overwrite: 412: no multipart upload left open" "$(list_uploads rgw "$B")" ""

# --- CompleteMultipartUpload's answer lost on every try --------------------
# radosgw completes the object, the answer is cut; with --retries 1 there
# is no second try: a HEAD finds the key holding this upload's parts (its
# ETag is S3's for them), so the publish succeeds
set_rules '{"method": "POST", "query": "/lost-complete.tar.gz?uploadId=", "action": "cut_response 0"}'
with_keys rgw "$S3PUB" publish --retries 1 --part-size 5MiB "$TMP/big" \
	"s3://$B/lost-complete,opt=endpoint=$PEP" >"$TMP/out" 2>"$TMP/err"
rc=$?
check_eq "Complete's answer lost: exit 0 ($(head -c 300 "$TMP/err"))" "$rc" 0
check_eq "... the answer was cut (the proxy's log)" \
	"$(proxy_py 'print(sum(e["method"] == "POST" and e["action"].startswith("cut") for e in L))')" 1
check_eq "... the spec gives the archive's SHA-256" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Params"]["ContentSHA256"])' "$TMP/out" 2>&1)" "$WANT_big"
aws_s3 rgw s3 cp "s3://$B/lost-complete.tar.gz" "$TMP/obj" >/dev/null 2>&1
check_eq "... the object is the archive" "$(sha256sum <"$TMP/obj" | cut -d' ' -f1)" "$WANT_big"
# the Complete never reaches radosgw and the key holds another archive of
# the same size and parts (a byte of data.bin changed): not this run's,
# so the upload is aborted and the other object stays
rm -rf "$TMP/big2" && cp -r "$TMP/big" "$TMP/big2"
printf 'Z' | dd of="$TMP/big2/data.bin" bs=1 seek=4096 conv=notrunc 2>/dev/null
set_rules ''
with_keys rgw "$S3PUB" publish --compress 0 --part-size 5MiB "$TMP/big2" \
	"s3://$B/other-complete,opt=endpoint=$PEP" >"$TMP/out" 2>"$TMP/err"
check_eq "another archive of the same size published first" "$?" 0
set_rules '{"method": "POST", "query": "/other-complete.tar.gz?uploadId=", "action": "reset_body 10"}'
expect_exit "Complete never reached radosgw, another archive there: exit 3, aborted" 3 \
	'reset|closed.*; multipart upload aborted$' \
	with_keys rgw "$S3PUB" publish --retries 1 --compress 0 --part-size 5MiB "$TMP/big" \
	"s3://$B/other-complete,opt=endpoint=$PEP"
aws_s3 rgw s3 cp "s3://$B/other-complete.tar.gz" "$TMP/other" >/dev/null 2>&1
check_eq "... the other archive stays" "$(sha256sum <"$TMP/other" | cut -d' ' -f1)" \
	"$("$S3PUB" archive --compress 0 "$TMP/big2" | sha256sum | cut -d' ' -f1)"
check_eq "... no multipart upload left open" "$(list_uploads rgw "$B")" ""
# ... while the key holds the same archive in the same parts (an earlier
# run's): the HEAD takes it as this run's (the same bytes), exit 0, and
# this run's upload, never completed, is aborted, not left open
set_rules ''
with_keys rgw "$S3PUB" publish --compress 0 --part-size 5MiB "$TMP/big" \
	"s3://$B/same-complete,opt=endpoint=$PEP" >"$TMP/out" 2>"$TMP/err"
check_eq "the same archive published first" "$?" 0
set_rules '{"method": "POST", "query": "/same-complete.tar.gz?uploadId=", "action": "reset_body 10"}'
with_keys rgw "$S3PUB" publish --retries 1 --compress 0 --part-size 5MiB "$TMP/big" \
	"s3://$B/same-complete,opt=endpoint=$PEP" >"$TMP/out" 2>"$TMP/err"
rc=$?
check_eq "Complete never reached radosgw, the same archive there: exit 0 ($(head -c 300 "$TMP/err"))" "$rc" 0
check_eq "... this run's upload aborted, none left open" "$(list_uploads rgw "$B")" ""
aws_s3 rgw s3 cp "s3://$B/same-complete.tar.gz" "$TMP/obj" >/dev/null 2>&1
check_eq "... the object is the archive" "$(sha256sum <"$TMP/obj" | cut -d' ' -f1)" "$WANT_multi0"

# --- region redirects: followed once (radosgw takes any region's scope) ------
region_case() {
	_name=$1 _rule=$2 _region=$3 _dir=$4
	shift 4
	set_rules "$_rule"
	with_keys rgw "$S3PUB" publish "$@" "$_dir" "s3://$B/region-$_name,opt=endpoint=$PEP" \
		>"$TMP/out" 2>"$TMP/err"
	rc=$?
	check_eq "region $_name: publishes ($(head -c 200 "$TMP/err"))" "$rc" 0
	check_eq "region $_name: the result spec names $_region" \
		"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Params"]["Region"])' "$TMP/out" 2>&1)" "$_region"
	check_eq "region $_name: signed for us-east-1, then for $_region only" \
		"$(proxy_py 'print(" ".join(sorted(set(e["scope"].split("/")[2] for e in L))), L[0]["scope"].split("/")[2])')" \
		"$(printf '%s\n' us-east-1 "$_region" | sort | tr '\n' ' ')us-east-1"
}
region_case 301 '{"times": 1, "action": "redirect eu-west-1"}' eu-west-1 "$TMP/small"
region_case malformed '{"times": 1, "action": "malformed_auth eu-central-1"}' eu-central-1 "$TMP/big" --part-size 5MiB
set_rules '{"action": "redirect eu-west-1"}'
with_keys rgw "$S3PUB" publish "$TMP/small" "s3://$B/region-loop,opt=endpoint=$PEP" >"$TMP/out" 2>"$TMP/err"
check_eq "region: a second redirect is not followed (exit 5)" "$?" 5
check_eq "region: two requests, no loop" "$(proxy_py 'print(len(L))')" 2
if one_line "$TMP/err" && grep -q 'PermanentRedirect' "$TMP/err"; then
	ok "region: one line names PermanentRedirect"
else
	not_ok "region: stderr: $(head -c 300 "$TMP/err")"
fi

# --- clock skew: radosgw refuses requests 15 minutes off -------------------
set_rules ''
skew() {
	_name=$1 _fake=$2 _dir=$3
	shift 3
	: >"$TMP/proxy.log"
	with_keys rgw env S3PUB_FAKE_TIME="$_fake" "$S3PUB" publish --verbose "$@" "$_dir" \
		"s3://$B/skew-$_name,opt=endpoint=$PEP" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	check_eq "skew $_name ($_fake): publishes ($(grep -v '^s3pub: [<>*]' "$TMP/err" | tail -n 1 | cut -c1-200))" "$rc" 0
	grep -q 'clock: server time differs by' "$TMP/err" &&
		ok "skew $_name: --verbose reports the clock offset" ||
		not_ok "skew $_name: no clock offset reported"
}
skew 2h "$(date -u -d '+2 hours' +%Y%m%dT%H%M%SZ)" "$TMP/small"
check_eq "skew 2h: one refusal (403), then 200" \
	"$(proxy_py 'print(" ".join(str(e.get("status")) for e in L))')" "403 200"
skew 10y "$(date -u -d '-10 years' +%Y%m%dT%H%M%SZ)" "$TMP/big" --part-size 5MiB
# the offset is kept: one refusal (the first request), then every other
# (the uploads list, Create, the parts, Complete) succeeds
check_eq "skew 10y multipart: the offset is kept for the run (one 403)" \
	"$(proxy_py 'print(L[0].get("status"), sum(e.get("status") == 403 for e in L), all(e.get("status") in (200, 403) for e in L), len(L) >= 6)')" "403 1 True True"
rm -rf "$TMP/dl" && mkdir -p "$TMP/dl"
aws_s3 rgw s3 cp "s3://$B/skew-2h.tar.gz" "$TMP/dl/2h" >/dev/null 2>&1
aws_s3 rgw s3 cp "s3://$B/skew-10y.tar.gz" "$TMP/dl/10y" >/dev/null 2>&1
check_eq "skew 2h: object equals the archive" "$(sha256sum <"$TMP/dl/2h" | cut -d' ' -f1)" "$WANT_small"
check_eq "skew 10y: object equals the archive" "$(sha256sum <"$TMP/dl/10y" | cut -d' ' -f1)" "$WANT_big"

# --- signals during a multipart upload --------------------------------------
# wait_log PYEXPR: until a proxy log line (any JSON object e) matches
wait_log() {
	_i=0
	while [ $_i -lt 300 ]; do
		python3 -c "
import json, sys
sys.exit(0 if any(($1) for e in (json.loads(l) for l in open(sys.argv[1]) if l.strip())) else 1)" \
			"$TMP/proxy.log" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
# wait_exit PID: RC its exit status, or "hung" after 30 s (then killed);
# a zombie has state Z in /proc (kill -0 still finds it)
wait_exit() {
	_i=0
	while [ $_i -lt 300 ] && [ -e "/proc/$1" ] &&
		! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if [ $_i -ge 300 ]; then
		kill -9 "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		RC=hung
		return
	fi
	wait "$1"
	RC=$?
}
# signal_case NAME SIGNAL WANT RULE PYEXPR: publish the big tree through
# RULE, send SIGNAL when PYEXPR matches a log line
signal_case() {
	_name=$1 _sig=$2 _want=$3
	set_rules "$4"
	# a background job of sh ignores SIGINT: env gives it back its
	# default; env execs s3pub, so $! is s3pub's pid
	env --default-signal=INT AWS_ACCESS_KEY_ID="$S3_AK" AWS_SECRET_ACCESS_KEY="$S3_SK" \
		"$S3PUB" publish --part-size 5MiB --timeout 60 $SIG_ARGS \
		"$TMP/big" "s3://$B/sig-$_name,opt=endpoint=$PEP" >"$TMP/out" 2>"$TMP/err" &
	_pid=$!
	if ! wait_log "$5"; then
		not_ok "signal $_name: the upload never reached the moment to signal"
		kill "$_pid" 2>/dev/null
		wait_exit "$_pid"
		return
	fi
	kill -s "$_sig" "$_pid"
	wait_exit "$_pid"
	check_eq "signal $_name: exit $_want ($(head -c 300 "$TMP/err"))" "$RC" "$_want"
	if one_line "$TMP/err" && grep -q "$_sig: .*interrupted.*multipart upload aborted" "$TMP/err"; then
		ok "signal $_name: one line says the upload was aborted"
	else
		not_ok "signal $_name: stderr: $(head -c 400 "$TMP/err")"
	fi
	check_eq "signal $_name: AbortMultipartUpload sent" \
		"$(proxy_py 'print(any(e["method"] == "DELETE" and e.get("status") == 204 for e in L))')" True
	check_eq "signal $_name: no multipart upload left open" "$(list_uploads rgw "$B")" ""
	if aws_s3 rgw s3api head-object --bucket "$B" --key "sig-$_name.tar.gz" >/dev/null 2>&1; then
		not_ok "signal $_name: an object was left"
	else
		ok "signal $_name: no object"
	fi
}
# part 2 sent slowly (1 MB/s): the signal arrives while its body flows
signal_case term-sending TERM 143 '{"method": "PUT", "query": "partNumber=2", "action": "slow 1000000"}' \
	'e.get("begin", "").find("partNumber=2") >= 0'
# part 2's answer never comes: the signal must interrupt the wait itself
signal_case term-waiting TERM 143 '{"method": "PUT", "query": "partNumber=2", "action": "stall 120"}' \
	'e.get("stall", "").find("partNumber=2") >= 0'
signal_case int-sending INT 130 '{"method": "PUT", "query": "partNumber=2", "action": "slow 1000000"}' \
	'e.get("begin", "").find("partNumber=2") >= 0'
# two parts at once (--compress 0): parts 1 and 2 sent slowly, the signal
# while both flow; then while part 2's answer never comes and part 3 flows
SIG_ARGS="--compress 0"
signal_case term-two-sending TERM 143 '{"method": "PUT", "query": "partNumber=", "action": "slow 1000000"}' \
	'e.get("begin", "").find("partNumber=2") >= 0'
signal_case int-two-waiting INT 130 '{"method": "PUT", "query": "partNumber=2", "action": "stall 120"}, {"method": "PUT", "query": "partNumber=3", "action": "slow 1000000"}' \
	'e.get("stall", "").find("partNumber=2") >= 0'
# term_completing KEY OPTIONS...: a publish of KEY whose
# CompleteMultipartUpload answer is held (the server has completed the
# object), SIGTERM once it is: RC, err; false when it never got there
term_completing() {
	_k=$1
	shift
	set_rules "{\"method\": \"POST\", \"query\": \"/$_k.tar.gz?uploadId=\", \"action\": \"late 30\"}"
	env AWS_ACCESS_KEY_ID="$S3_AK" AWS_SECRET_ACCESS_KEY="$S3_SK" \
		"$S3PUB" publish --part-size 5MiB --timeout 60 "$@" \
		"$TMP/big" "s3://$B/$_k,opt=endpoint=$PEP" >"$TMP/out" 2>"$TMP/err" &
	_pid=$!
	if wait_log "e.get(\"late\", \"\").find(\"/$_k.tar.gz?uploadId=\") >= 0"; then
		kill -s TERM "$_pid"
		wait_exit "$_pid"
		return 0
	fi
	not_ok "signal during Complete's answer ($_k): the publish never reached it: $(head -c 300 "$TMP/err")"
	kill "$_pid" 2>/dev/null
	wait_exit "$_pid"
	return 1
}
# the abort that follows finds no upload, and the message says the object
# may be whole instead of "left open"; the object is there
if term_completing sig-completing; then
	check_eq "signal during Complete's answer: exit 143 ($(head -c 300 "$TMP/err"))" "$RC" 143
	if one_line "$TMP/err" && grep -q "SIGTERM: .*multipart upload .* was gone already: completed (s3://$B/sig-completing.tar.gz may be whole)" "$TMP/err"; then
		ok "signal during Complete's answer: one line says the upload may have completed"
	else
		not_ok "signal during Complete's answer: stderr: $(head -c 400 "$TMP/err")"
	fi
	check "signal during Complete's answer: the object is there" \
		aws_s3 rgw s3api head-object --bucket "$B" --key sig-completing.tar.gz
	check_eq "signal during Complete's answer: no multipart upload left open" "$(list_uploads rgw "$B")" ""
fi
# ... with --keep-partial no abort asks: the message says the upload is
# left open unless the Complete sent completed it (it did: no upload open)
if term_completing sig-completing-kp --keep-partial; then
	check_eq "signal during Complete's answer, --keep-partial: exit 143 ($(head -c 300 "$TMP/err"))" "$RC" 143
	check "... the message: left open unless the Complete sent completed it" grep -q \
		"left open for a later run to resume (--keep-partial), unless the CompleteMultipartUpload sent completed it: then s3://$B/sig-completing-kp.tar.gz is whole\$" "$TMP/err"
	check "... it did: the object is there" \
		aws_s3 rgw s3api head-object --bucket "$B" --key sig-completing-kp.tar.gz
	check_eq "... and no multipart upload open" "$(list_uploads rgw "$B")" ""
fi
# the abort refused (a bucket policy denies it) for a key whose name holds
# "NoSuchUpload": the upload is left open, and the message says so (the
# code of the answer decides, not words of the message)
if B3=$(new_bucket rgw); then
	printf '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:AbortMultipartUpload", "Resource": "arn:aws:s3:::%s/*"}]}' \
		"$B3" >"$TMP/policy.json"
	aws_rgw s3api put-bucket-policy --bucket "$B3" --policy "file://$TMP/policy.json"
	set_rules '{"method": "PUT", "query": "partNumber=2", "action": "stall 120"}'
	env AWS_ACCESS_KEY_ID="$S3_AK" AWS_SECRET_ACCESS_KEY="$S3_SK" \
		"$S3PUB" publish --part-size 5MiB --timeout 60 --parts-at-once 1 \
		"$TMP/big" "s3://$B3/k-NoSuchUpload,opt=endpoint=$PEP" >"$TMP/out" 2>"$TMP/err" &
	_pid=$!
	if wait_log 'e.get("stall", "").find("partNumber=2") >= 0'; then
		kill -s TERM "$_pid"
		wait_exit "$_pid"
		check_eq "abort denied, key naming NoSuchUpload: exit 143" "$RC" 143
		check "... the message says the upload is left open" \
			grep -q 'is left open: AbortMultipartUpload .*AccessDenied' "$TMP/err"
		check_eq "... and it is" "$(list_uploads rgw "$B3" | cut -f1)" "k-NoSuchUpload.tar.gz"
	else
		not_ok "abort denied: the publish never reached part 2: $(head -c 300 "$TMP/err")"
		kill "$_pid" 2>/dev/null
		wait_exit "$_pid"
	fi
	aws_rgw s3api delete-bucket-policy --bucket "$B3"
fi
SIG_ARGS=""
# the two-parts case again, s3pub built with ThreadSanitizer: the flag
# the handler sets is read by the senders' threads; a report (in
# $TMP/tsan-sig.*) fails it
if [ -x build/tsan/s3pub ]; then
	printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$TSAN_NORAND" "$(pwd)/build/tsan/s3pub" >"$TMP/tsan-s3pub"
	chmod +x "$TMP/tsan-s3pub"
	saved_s3pub=$S3PUB S3PUB=$TMP/tsan-s3pub SIG_ARGS="--compress 0"
	export TSAN_OPTIONS="log_path=$TMP/tsan-sig"
	signal_case tsan-two-sending TERM 143 \
		'{"method": "PUT", "query": "partNumber=", "action": "slow 1000000"}' \
		'e.get("begin", "").find("partNumber=2") >= 0'
	unset TSAN_OPTIONS
	S3PUB=$saved_s3pub SIG_ARGS=""
	tsan_clean "signal tsan-two-sending" "$TMP/tsan-sig"
else
	not_ok "build/tsan/s3pub built (make tests-build)"
fi

# --- two parts at once (issue 16) --------------------------------------------
# --compress 0 sends the parts on two connections: with each part slowed
# to 4 MB/s by the proxy, two are in flight at once; --parts-at-once 1
# sends them one after another (the most in flight at any moment: 1)
for n in 2 1; do
	set_rules '{"method": "PUT", "query": "partNumber=", "action": "slow 4000000"}'
	with_keys rgw "$S3PUB" publish --compress 0 --part-size 5MiB --parts-at-once $n \
		"$TMP/big" "s3://$B/at-once-$n,opt=endpoint=$PEP" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	check_eq "parts at once $n: exit 0 ($(head -c 300 "$TMP/err"))" "$RC" 0
	got=$(proxy_py '
# the requests of this key only (a stall of an earlier case may end here)
P = [e for e in L if "/at-once-" in e["target"] and "partNumber=" in e["target"]
     and e["method"] == "PUT"]
# a request ends before one that begins at the same instant
ev = sorted([(e["t0"], 1) for e in P] + [(e["t1"], -1) for e in P])
most = now = 0
for t, d in ev:
    now += d
    most = max(most, now)
print(len(P), most)')
	check_eq "parts at once $n: 5 UploadParts, at most $n in flight at once" "$got" "5 $n"
	aws_s3 rgw s3 cp "s3://$B/at-once-$n.tar.gz" "$TMP/at-once" >/dev/null 2>&1
	check_eq "parts at once $n: the object equals 's3pub archive --compress 0' (AWS CLI)" \
		"$(sha256sum <"$TMP/at-once" 2>/dev/null | cut -d' ' -f1)" "$WANT_multi0"
done

# plain_term NAME PREFIX PYEXPR ARGS...: a plain publish of ARGS (options,
# then the tree) to PREFIX/ through the proxy, SIGTERM once a proxy log
# line matches PYEXPR (wait_log): exit 143, no object left under PREFIX/
plain_term() {
	_name=$1 _prefix=$2 _expr=$3
	shift 3
	env AWS_ACCESS_KEY_ID="$S3_AK" AWS_SECRET_ACCESS_KEY="$S3_SK" "$S3PUB" publish "$@" \
		"s3://$B/$_prefix/,opt=endpoint=$PEP,opt=encoding=plain" >"$TMP/out" 2>"$TMP/err" &
	_pid=$!
	if wait_log "$_expr"; then
		sleep 0.3
		kill -s TERM "$_pid"
		wait_exit "$_pid"
		check_eq "$_name: exit 143 ($(head -c 300 "$TMP/err"))" "$RC" 143
		check_eq "$_name: no object left under the prefix" \
			"$(aws_s3 rgw s3api list-objects-v2 --bucket "$B" --prefix "$_prefix/" --query 'Contents[].Key' --output text 2>&1)" "None"
	else
		not_ok "$_name: the request to hold never came"
		kill "$_pid" 2>/dev/null
		wait_exit "$_pid"
	fi
}

# plain mode, --jobs 3: a thread waits for an answer that never comes
# (whichever thread the signal reaches, every one stops); the objects this
# run wrote are removed
mkdir -p "$TMP/plain"
for f in a b c d; do head -c 200000 /dev/urandom >"$TMP/plain/$f.bin"; done
printf 'x\n' >"$TMP/plain/stall-me.txt"
set_rules '{"method": "PUT", "query": "stall-me", "action": "stall 120"}'
plain_term "signal plain --jobs 3" sig-plain 'e.get("stall", "").find("stall-me") >= 0' \
	--jobs 3 --timeout 60 "$TMP/plain"

# plain mode, a PUT whose answer is lost after the server carried it out
# ("late": relayed, its answer held past --timeout; --retries 1): a HEAD
# finds the object this run's, and the publish goes on (exit 0, every file
# and the manifest there); a PUT read whole but never carried out (the
# proxy resets it): the HEAD finds none, the publish fails, and the
# objects the run wrote go (else a prefix without its file would stay)
# plain_lost NAME QUERY ACTION: the PUT whose target has QUERY gets ACTION
plain_lost() {
	set_rules "{\"method\": \"PUT\", \"query\": \"$2\", \"action\": \"$3\"}"
	env AWS_ACCESS_KEY_ID="$S3_AK" AWS_SECRET_ACCESS_KEY="$S3_SK" "$S3PUB" publish --jobs 1 --timeout 2 --retries 1 \
		"$TMP/lost" "s3://$B/$1/,opt=endpoint=$PEP,opt=encoding=plain" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	# the held answer's upstream work is done before the hold: nothing
	# can land after the run
	LISTED=$(aws_s3 rgw s3api list-objects-v2 --bucket "$B" --prefix "$1" --query 'Contents[].Key' --output text 2>&1)
}
mkdir -p "$TMP/lost"
printf 'hello\n' >"$TMP/lost/a.txt"
printf 'x\n' >"$TMP/lost/b.dat"
# plain_found NAME QUERY: the answer lost, the object this run's
plain_found() {
	plain_lost "$1" "$2" "late 4"
	check_eq "lost answer, $1: the object is this run's: exit 0 ($(head -c 300 "$TMP/err"))" "$RC" 0
	check_eq "... every file and the manifest there" "$LISTED" \
		"$1.s3pub-manifest.json	$1/a.txt	$1/b.dat"
	check "... the spec gives the manifest's SHA-256" grep -q '"ManifestSHA256":"[0-9a-f]\{64\}"' "$TMP/out"
}
plain_found lost-file a.txt
plain_found lost-manifest s3pub-manifest
plain_lost lost-nw-file a.txt reset_response
check_eq "lost answer, not carried out: exit 3 ($(head -c 300 "$TMP/err"))" "$RC" 3
check "... the line: 'was not written', the run's objects removed" grep -q \
	"a.txt was not written (of the objects this run wrote or was writing, [0-9]* removed, 0 left)\$" "$TMP/err"
check_eq "... nothing left under the prefix, no manifest" "$LISTED" "None"
# SIGTERM while the late answer is awaited: that object goes too
set_rules '{"method": "PUT", "query": "b.dat", "action": "late 5"}'
plain_term "lost answer, SIGTERM" lost-sig 'e.get("late", "").find("b.dat") >= 0' \
	--jobs 1 --timeout 30 "$TMP/lost"

# SIGTERM while a PutObject's body goes slowly (the proxy takes 1 MB/s):
# the connection is reset, so the bytes the kernel still held are dropped,
# not sent on to complete the old object after a rerun wrote a new one
# term_at KEY ACTION EVENT TARGET_OPTS: a publish of $TMP/land to KEY
# through the proxy, whose PUT gets ACTION; SIGTERM a second after the
# proxy logs EVENT ("begin", "late") for it; RC, err
term_at() {
	set_rules "{\"method\": \"PUT\", \"query\": \"$1\", \"action\": \"$2\"}"
	env AWS_ACCESS_KEY_ID="$S3_AK" AWS_SECRET_ACCESS_KEY="$S3_SK" "$S3PUB" publish \
		"$TMP/land" "s3://$B/$1,opt=endpoint=$PEP$4" >"$TMP/out" 2>"$TMP/err" &
	_pid=$!
	wait_log "e.get(\"$3\", \"\").find(\"$1\") >= 0" || not_ok "$1: no '$3' for its PUT"
	sleep 1
	kill -s TERM "$_pid"
	wait_exit "$_pid"
}
mkdir -p "$TMP/land"
head -c 4000000 /dev/urandom >"$TMP/land/data.bin"
term_at late-land "slow 1000000" begin ""
check_eq "SIGTERM during a slow PutObject: exit 143 ($(head -c 200 "$TMP/err"))" "$RC" 143
printf 'new\n' >"$TMP/land/new.txt"
with_keys rgw "$S3PUB" publish "$TMP/land" "s3://$B/late-land,opt=endpoint=$RGW_ENDPOINT" >/dev/null 2>"$TMP/err"
rc=$?
check_eq "... the rerun (another tree) exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
sleep 5     # the old run's 4 MB at the proxy's pace, had they gone on
rm -f "$TMP/obj"
aws_s3 rgw s3 cp "s3://$B/late-land.tar.gz" "$TMP/obj" >/dev/null 2>&1
check_eq "... 5 s later the key holds the rerun's archive, not the interrupted run's" \
	"$(sha256sum <"$TMP/obj" | cut -d' ' -f1)" "$("$S3PUB" archive "$TMP/land" | sha256sum | cut -d' ' -f1)"
# SIGTERM while the answer is awaited (the server stored the object): the
# line says the object may have been written
term_at late-sig "late 30" late ""
check_eq "SIGTERM while a PutObject's answer is awaited: exit 143" "$RC" 143
check "... the line: stopped while the answer was awaited, may have been written" grep -q \
	"SIGTERM: .*; stopped while the answer was awaited: s3://$B/late-sig.tar.gz may have been written\$" "$TMP/err"
# ... in plain mode: the file's object, counted as removed, stays away
rm -f "$TMP/land/new.txt"
term_at land-plain/ "slow 1000000" begin ",opt=encoding=plain"
check "SIGTERM during a slow plain PutObject: '1 removed, 0 left'" grep -q '1 removed, 0 left)$' "$TMP/err"
sleep 5
check_eq "... 5 s later nothing under the prefix" \
	"$(aws_s3 rgw s3api list-objects-v2 --bucket "$B" --prefix land-plain --query 'Contents[].Key' --output text 2>&1)" "None"
set_rules ''

# an archive's one PutObject whose answer is lost (held past --timeout)
# lost_put KEY OPTIONS...: the first PUT of KEY answers late; RC, err, out
lost_put() {
	_k=$1
	shift
	set_rules "{\"method\": \"PUT\", \"query\": \"$_k\", \"times\": 1, \"action\": \"late 4\"}"
	env AWS_ACCESS_KEY_ID="$S3_AK" AWS_SECRET_ACCESS_KEY="$S3_SK" "$S3PUB" publish --timeout 2 "$@" \
		"$TMP/lost" "s3://$B/$_k,opt=endpoint=$PEP" >"$TMP/out" 2>"$TMP/err"
	RC=$?
}
archive_is() {
	rm -f "$TMP/obj"
	aws_s3 rgw s3 cp "s3://$B/$1.tar.gz" "$TMP/obj" >/dev/null 2>&1 &&
		"$S3PUB" archive "$TMP/lost" | cmp -s - "$TMP/obj"
}
# --no-overwrite: the next try's 412 is this run's own object (its ETag is
# the MD5 of the body, read again): exit 0, the result spec
lost_put lost-nx1 --no-overwrite --verbose
check_eq "lost answer, --no-overwrite: the object the 412 found is this run's: exit 0 ($(grep -v '^s3pub: [<>]' "$TMP/err" | tail -n 1 | head -c 300))" "$RC" 0
check "... --verbose says so" grep -q "lost-nx1.tar.gz: a try's answer was lost and the next request found the object: it is this run's" "$TMP/err"
sha=$("$S3PUB" archive "$TMP/lost" | sha256sum | cut -d' ' -f1)
check "... the result spec's ContentSHA256 is the archive's" grep -q "\"ContentSHA256\":\"$sha\"" "$TMP/out"
check "... the object is the archive" archive_is lost-nx1
# ... another writer's object of the same size took the key during the
# hold: not this run's, exit 4, nothing of ours claimed
# (5 s for the AWS CLI to write it before the next try)
set_rules "{\"method\": \"PUT\", \"query\": \"lost-nx2\", \"times\": 1, \"action\": \"late 6\"}"
env AWS_ACCESS_KEY_ID="$S3_AK" AWS_SECRET_ACCESS_KEY="$S3_SK" "$S3PUB" publish --timeout 5 --no-overwrite \
	"$TMP/lost" "s3://$B/lost-nx2,opt=endpoint=$PEP" >"$TMP/out" 2>"$TMP/err" &
_pid=$!
wait_log 'e.get("late", "").find("lost-nx2") >= 0' || not_ok "lost answer: the PUT was never held"
head -c "$("$S3PUB" archive "$TMP/lost" | wc -c)" /dev/urandom >"$TMP/other"
aws_rgw s3 cp --quiet "$TMP/other" "s3://$B/lost-nx2.tar.gz" || not_ok "aws s3 cp lost-nx2.tar.gz"
wait_exit "$_pid"
check_eq "lost answer, --no-overwrite, another object took the key: exit 4 ($(head -c 300 "$TMP/err"))" "$RC" 4
check "... 'after a try whose answer was lost: its ETag is not this run's MD5'" \
	grep -q "s3://$B/lost-nx2.tar.gz exists (--no-overwrite) after a try whose answer was lost: its ETag is not this run's MD5; " "$TMP/err"
rm -f "$TMP/obj"
aws_rgw s3 cp --quiet "s3://$B/lost-nx2.tar.gz" "$TMP/obj"
check "... the other object stays" cmp -s "$TMP/other" "$TMP/obj"
# without --no-overwrite, every try's answer lost (--retries 1): a HEAD
# finds this run's object (its ETag the body's MD5): exit 0
lost_put lost-ow --retries 1 --verbose
check_eq "lost answer, --retries 1: the object is this run's: exit 0 ($(grep -v '^s3pub: [<>]' "$TMP/err" | tail -n 1 | head -c 300))" "$RC" 0
check "... --verbose says so" grep -q "lost-ow.tar.gz: a try's answer was lost and the next request found the object: it is this run's" "$TMP/err"
check "... the result spec's ContentSHA256 is the archive's" grep -q "\"ContentSHA256\":\"$sha\"" "$TMP/out"
check "... the object is the archive" archive_is lost-ow
# the request read whole but never carried out (the proxy resets it): the
# HEAD finds no object: exit 3, 'was not written'
set_rules '{"method": "PUT", "query": "lost-nw", "action": "reset_response"}'
expect_exit "lost answer, not carried out: exit 3, 'was not written'" 3 \
	"a try's answer was lost: s3://$B/lost-nw.tar.gz was not written\$" \
	with_keys rgw "$S3PUB" publish --retries 1 "$TMP/lost" "s3://$B/lost-nw,opt=endpoint=$PEP"
# ... while the key holds another, smaller object: not this run's, which
# stays
printf 'old\n' >"$TMP/other"
aws_rgw s3 cp --quiet "$TMP/other" "s3://$B/lost-old.tar.gz" || not_ok "aws s3 cp lost-old.tar.gz"
set_rules '{"method": "PUT", "query": "lost-old", "action": "reset_response"}'
expect_exit "lost answer, not carried out, another object there: exit 3, not this run's" 3 \
	"a try's answer was lost, and s3://$B/lost-old.tar.gz is not known as this run's: it has 4 bytes, this run's [0-9]+\$" \
	with_keys rgw "$S3PUB" publish --retries 1 "$TMP/lost" "s3://$B/lost-old,opt=endpoint=$PEP"
rm -f "$TMP/obj"
aws_rgw s3 cp --quiet "s3://$B/lost-old.tar.gz" "$TMP/obj"
check "... the other object stays" cmp -s "$TMP/other" "$TMP/obj"
set_rules ''

# --- valgrind memcheck: one publish, single and multipart --------------------
# valgrind cannot track the heap of a static binary (no malloc to replace):
# build the same sources with the host compiler and glibc, unoptimised
# (and the help text make deflated into build/gen)
if sh scripts/need.sh valgrind:valgrind >&2 && [ -f build/bearssl-host/libbearssl.a ]; then
	if cc -std=c11 -O1 -g -D_GNU_SOURCE -DS3PUB_VERSION='"valgrind"' \
		-DS3PUB_BUILD_TIME="$(date +%s)" -Ibuild/bearssl-host/inc -I. -Ibuild/gen \
		-o "$TMP/s3pub-vg" ./*.c build/bearssl-host/libbearssl.a -lpthread 2>"$TMP/cc.err"; then
		# multi0: two parts at once, on two threads and connections
		for v in single multi multi0; do
			if [ $v = single ]; then _d=$TMP/small _ps=""; else _d=$TMP/big _ps="--part-size 5MiB"; fi
			[ $v = multi0 ] && _ps="$_ps --compress 0"
			with_keys rgw valgrind -q --error-exitcode=99 --leak-check=full \
				--errors-for-leak-kinds=definite --show-leak-kinds=definite \
				"$TMP/s3pub-vg" publish $_ps "$_d" "s3://$B/vg-$v,opt=endpoint=$RGW_ENDPOINT" \
				>"$TMP/out" 2>"$TMP/err"
			rc=$?
			check_eq "valgrind $v: publish exits 0, no memcheck error or definite leak ($(head -c 400 "$TMP/err"))" "$rc" 0
		done
		# a failing run too (retries, then the error path's clean-up)
		set_rules '{"method": "PUT", "query": "partNumber=2", "action": "500"}'
		with_keys rgw valgrind -q --error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite --show-leak-kinds=definite \
			"$TMP/s3pub-vg" publish --retries 2 --part-size 5MiB "$TMP/big" "s3://$B/vg-fail,opt=endpoint=$PEP" \
			>"$TMP/out" 2>"$TMP/err"
		rc=$?
		check_eq "valgrind: a failing multipart publish exits 5 with no memcheck error ($(head -c 400 "$TMP/err"))" "$rc" 5
	else
		not_ok "valgrind: building the glibc binary failed: $(head -c 300 "$TMP/cc.err")"
	fi
else
	skip "valgrind: not installed or no host BearSSL build"
fi
