#!/bin/sh
# publish's object options (issue 17) end to end: storage class, SSE,
# tags, metadata and the content type, each read back with the AWS CLI
# (head-object, get-object-tagging), one PutObject and a multipart upload
# (5 MiB parts); where a server lacks one, the error and exit status the
# user gets (README "Object options").
. tests/lib.sh
. tests/s3/lib.sh

mkdir -p "$TMP/small" "$TMP/big"
printf 'hello\n' >"$TMP/small/a.txt"
head -c $((7 * 1024 * 1024)) /dev/urandom >"$TMP/big/data.bin"

# head SERVER BUCKET KEY FIELD: one field of head-object's answer
head_field() {
	aws_s3 "$1" s3api head-object --bucket "$2" --key "$3" >"$TMP/head.json" 2>"$TMP/head.err" &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); f=sys.argv[2].split("."); v=d
for k in f: v=v.get(k, "") if isinstance(v, dict) else ""
print(v)' "$TMP/head.json" "$4"
}
tags() {
	aws_s3 "$1" s3api get-object-tagging --bucket "$2" --key "$3" 2>/dev/null |
	python3 -c 'import json,sys; print(" ".join(sorted(t["Key"]+"="+t["Value"] for t in json.load(sys.stdin)["TagSet"])))'
}

# both servers: storage class, metadata, content type (and tags on rgw)
for srv in rgw swift; do
	s3_use "$srv" || { skip "$srv: server not up"; continue; }
	b=$(new_bucket "$srv") || { not_ok "$srv: create bucket"; continue; }
	tagopt=""
	[ "$srv" = rgw ] && tagopt="--tag team=a&b c --tag k/2=v="
	for mode in single multipart; do
		dir=$TMP/small ps=""
		[ "$mode" = multipart ] && dir=$TMP/big ps="--part-size 5MiB"
		# shellcheck disable=SC2086
		with_keys "$srv" "$S3PUB" publish --verbose --compress 0 $ps --storage-class STANDARD \
			--metadata Run-Id=42 --metadata note='x y' --content-type application/x-tgz \
			${tagopt:+--tag "team=a&b c" --tag "k/2=v="} \
			"$dir" "s3://$b/$mode,opt=endpoint=$S3_EP" >"$TMP/spec.json" 2>"$TMP/err"
		rc=$?
		check_eq "$srv $mode: publish with the options exits 0 ($(grep -v '^s3pub: [<>]' "$TMP/err" | head -c 200))" "$rc" 0
		# S3 leaves STANDARD out of a HEAD; rgw names it for a PutObject
		# only: the header is checked as sent, and the refusal of
		# STANDARD_IA below shows the servers read it
		req='> PUT [^?]* HTTP'; [ "$mode" = multipart ] && req='> POST '
		check_eq "$srv $mode: x-amz-storage-class sent with the $mode request" \
			"$(awk -v r="$req" '/^s3pub: > [A-Z]+ / {cur=$0} /x-amz-storage-class:/ && cur ~ r {print $NF}' "$TMP/err" | head -1)" STANDARD
		sc=$(head_field "$srv" "$b" "$mode.tar.gz" StorageClass)
		check "$srv $mode: head-object: StorageClass STANDARD or left out ('$sc')" test "$sc" = STANDARD -o "$sc" = ""
		check_eq "$srv $mode: head-object: Metadata run-id" "$(head_field "$srv" "$b" "$mode.tar.gz" Metadata.run-id)" 42
		check_eq "$srv $mode: head-object: Metadata note" "$(head_field "$srv" "$b" "$mode.tar.gz" Metadata.note)" "x y"
		check_eq "$srv $mode: head-object: ContentType" "$(head_field "$srv" "$b" "$mode.tar.gz" ContentType)" application/x-tgz
		if [ "$srv" = rgw ]; then
			# radosgw drops x-amz-tagging on CreateMultipartUpload:
			# PutObjectTagging follows a multipart upload
			check_eq "$srv $mode: get-object-tagging" "$(tags "$srv" "$b" "$mode.tar.gz")" "k/2=v= team=a&b c"
			n=0; [ "$mode" = multipart ] && n=1
			check_eq "$srv $mode: PutObjectTagging sent $n time(s), with Content-MD5" \
				"$(grep -c '^s3pub: PutObjectTagging s3://[^ ]* -> 200' "$TMP/err") $(grep -c '^s3pub: > content-md5:' "$TMP/err")" "$n $n"
		fi
	done
	check_eq "$srv: without --content-type: application/gzip" "$(
		with_keys "$srv" "$S3PUB" publish "$TMP/small" "s3://$b/dflt,opt=endpoint=$S3_EP" >/dev/null 2>&1
		head_field "$srv" "$b" dflt.tar.gz ContentType)" application/gzip
done

# what a server refuses: the S3 code and message, exit 5, nothing written
refused() { # NAME SERVER CODE-REGEX ARGS...
	name=$1 srv=$2 want=$3
	shift 3
	b=$(new_bucket "$srv") || { not_ok "$name: create bucket"; return; }
	with_keys "$srv" "$S3PUB" publish ${S3_CA:+--ca-file "$S3_CA"} "$@" "$TMP/small" \
		"s3://$b/r,opt=endpoint=$S3_EP" >/dev/null 2>"$TMP/rerr"
	rc=$?
	check_eq "$name: exit 5 ($(head -c 200 "$TMP/rerr"))" "$rc" 5
	check "$name: the message names the cause" grep -Eq "$want" "$TMP/rerr"
	check "$name: nothing written" sh -c "! aws_s3 $srv s3api head-object --bucket $b --key r.tar.gz >/dev/null 2>&1"
}
if s3_use swift; then
	refused "swift: --tag" swift "NotImplemented: Object tagging is not supported" --tag k=v
	# multipart: CreateMultipartUpload refuses x-amz-tagging too
	b=$(new_bucket swift)
	with_keys swift "$S3PUB" publish --compress 0 --part-size 5MiB --tag k=v "$TMP/big" \
		"s3://$b/r,opt=endpoint=$S3_EP" >/dev/null 2>"$TMP/rerr"
	rc=$?
	check_eq "swift multipart --tag: exit 5 ($(head -c 200 "$TMP/rerr"))" "$rc" 5
	check "swift multipart --tag: CreateMultipartUpload's 501 NotImplemented named" \
		grep -q "CreateMultipartUpload s3://$b/r.tar.gz.*501 NotImplemented: Object tagging is not supported" "$TMP/rerr"
	refused "swift: --sse AES256" swift "NotImplemented: Server-side encryption is not supported" --sse AES256
	refused "swift: --storage-class STANDARD_IA" swift "InvalidStorageClass" --storage-class STANDARD_IA
else
	skip "swift: refusals: server not up"
fi
if s3_use rgw; then
	refused "rgw over HTTP: --sse AES256" rgw "HTTP 400 InvalidRequest" --sse AES256
	refused "rgw: --storage-class STANDARD_IA (not in its placement)" rgw "HTTP 400 InvalidArgument" --storage-class STANDARD_IA
else
	skip "rgw: refusals: server not up"
fi

# SSE over HTTPS on radosgw
if s3_use rgw-tls; then
	b=$(new_bucket rgw-tls)
	for mode in single multipart; do
		dir=$TMP/small ps=""
		[ "$mode" = multipart ] && dir=$TMP/big ps="--part-size 5MiB"
		# shellcheck disable=SC2086
		with_keys rgw-tls "$S3PUB" publish --ca-file "$S3_CA" --compress 0 $ps --sse AES256 \
			"$dir" "s3://$b/$mode,opt=endpoint=$S3_EP" >/dev/null 2>"$TMP/err"
		rc=$?
		check_eq "rgw-tls $mode: --sse AES256 exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
		# no SSE-S3 back-end configured: radosgw accepts and ignores it
		check_eq "rgw-tls $mode: head-object: ServerSideEncryption ('': ignored)" \
			"$(head_field rgw-tls "$b" "$mode.tar.gz" ServerSideEncryption)" ""
	done
else
	skip "rgw-tls: server not up"
fi
