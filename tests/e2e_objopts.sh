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

# SSE-C (--sse-c-key-file): radosgw needs HTTPS for it
head -c 32 /dev/urandom >"$TMP/key.bin"
keyb64=$(base64 "$TMP/key.bin" | tr -d '\n')
head -c 32 /dev/urandom >"$TMP/other.bin"
if s3_use rgw-tls; then
	b=$(new_bucket rgw-tls)
	for mode in single multipart; do
		dir=$TMP/small ps=""
		[ "$mode" = multipart ] && dir=$TMP/big ps="--part-size 5MiB"
		# shellcheck disable=SC2086
		with_keys rgw-tls "$S3PUB" publish --verbose --ca-file "$S3_CA" --compress 0 $ps \
			--sse-c-key-file "$TMP/key.bin" "$dir" "s3://$b/c$mode,opt=endpoint=$S3_EP" >"$TMP/spec-$mode.json" 2>"$TMP/err"
		rc=$?
		check_eq "rgw-tls $mode: --sse-c-key-file exits 0 ($(grep -v '^s3pub: [<>]' "$TMP/err" | tail -1 | head -c 200))" "$rc" 0
		check "rgw-tls $mode: the key is not in the output nor in the spec" \
			sh -c "! grep -qF '$keyb64' '$TMP/err' '$TMP/spec-$mode.json'"
		n=1; [ "$mode" = multipart ] && n=4     # Create, 2 parts, Complete
		check_eq "rgw-tls $mode: the key header sent $n time(s), redacted" \
			"$(grep -c '^s3pub: > x-amz-server-side-encryption-customer-key: \[redacted\]$' "$TMP/err")" "$n"
		check_eq "rgw-tls $mode: head-object with the key: SSECustomerAlgorithm" "$(
			aws_s3 rgw-tls s3api head-object --bucket "$b" --key "c$mode.tar.gz" --sse-customer-algorithm AES256 \
				--sse-customer-key "fileb://$TMP/key.bin" --query SSECustomerAlgorithm --output text 2>&1)" AES256
		check "rgw-tls $mode: head-object without the key fails" \
			sh -c "! aws_s3 rgw-tls s3api head-object --bucket $b --key c$mode.tar.gz >/dev/null 2>&1"
		rm -rf "$TMP/out"
		with_keys rgw-tls "$S3PUB" get --verbose --ca-file "$S3_CA" --sse-c-key-file "$TMP/key.bin" \
			--spec "$TMP/spec-$mode.json" "$TMP/out" >/dev/null 2>"$TMP/gerr"
		rc=$?
		check_eq "rgw-tls $mode: get --sse-c-key-file exits 0 ($(tail -1 "$TMP/gerr" | head -c 200))" "$rc" 0
		check "rgw-tls $mode: get: the files match" diff -r "$dir" "$TMP/out"
		check "rgw-tls $mode: get: the key is not in the output" sh -c "! grep -qF '$keyb64' '$TMP/gerr'"
	done
	# a PutObject answer lost (held past --timeout) under --no-overwrite:
	# the next try's 412 finds an object that may be this run's, but an
	# SSE-C object's ETag is no MD5 of its bytes and this radosgw keeps
	# no SHA-256 checksum, sent or not: exit 4, the reason, and the
	# object (this run's, in fact) left as it is. Through faultproxy
	# over HTTPS: radosgw takes SSE-C only over HTTPS
	if start_proxy "$RGW_TLS_ENDPOINT"; then
		"$S3PUB" archive "$TMP/small" >"$TMP/small.tgz"
		for ck in "" --checksum; do
			k=lost${ck:+-ck} hint="--checksum sends one"
			[ -n "$ck" ] && hint="the server gave none"
			set_rules "{\"method\": \"PUT\", \"query\": \"/$k.tar.gz\", \"times\": 1, \"action\": \"late 4\"}"
			# shellcheck disable=SC2086
			with_keys rgw-tls "$S3PUB" publish --ca-file "$S3_CA" --timeout 2 --no-overwrite $ck \
				--sse-c-key-file "$TMP/key.bin" "$TMP/small" "s3://$b/$k,opt=endpoint=$PEP" >"$TMP/out.json" 2>"$TMP/err"
			rc=$?
			check_eq "rgw-tls: SSE-C, --no-overwrite${ck:+ $ck}, the PutObject answer lost: exit 4 ($(tail -1 "$TMP/err" | head -c 300))" "$rc" 4
			check "... the first PUT was held" grep -q "{\"late\": \"/$b/$k.tar.gz\"}" "$TMP/proxy.log"
			check "... 'after a try whose answer was lost: it may be this run's: neither its ETag nor a SHA-256 checksum tells ($hint)'" \
				grep -q "s3://$b/$k.tar.gz exists (--no-overwrite) after a try whose answer was lost: it may be this run's: neither its ETag nor a SHA-256 checksum tells ($hint); " "$TMP/err"
			check "... no result spec" test ! -s "$TMP/out.json"
			rm -f "$TMP/obj"
			aws_s3 rgw-tls s3api get-object --bucket "$b" --key "$k.tar.gz" --sse-customer-algorithm AES256 \
				--sse-customer-key "fileb://$TMP/key.bin" "$TMP/obj" >/dev/null 2>&1
			check "... the object stays: this run's archive" cmp -s "$TMP/small.tgz" "$TMP/obj"
		done
		stop_proxy
	else
		not_ok "rgw-tls: faultproxy over HTTPS did not start ($(head -c 200 "$TMP/proxy.err"))"
	fi
	rm -rf "$TMP/out"
	with_keys rgw-tls "$S3PUB" get --ca-file "$S3_CA" --spec "$TMP/spec-single.json" "$TMP/out" >/dev/null 2>"$TMP/gerr"
	rc=$?
	check_eq "rgw-tls: get without the key: exit 5 ($(head -c 200 "$TMP/gerr"))" "$rc" 5
	check "rgw-tls: get without the key: nothing in DIR" sh -c "! ls -A '$TMP/out' 2>/dev/null | grep -q ."
	with_keys rgw-tls "$S3PUB" get --ca-file "$S3_CA" --sse-c-key-file "$TMP/other.bin" \
		--spec "$TMP/spec-single.json" "$TMP/out" >/dev/null 2>"$TMP/gerr"
	rc=$?
	check_eq "rgw-tls: get with another key: exit 5 ($(head -c 200 "$TMP/gerr"))" "$rc" 5
else
	skip "rgw-tls: SSE-C: server not up"
fi
if s3_use rgw; then
	refused "rgw over HTTP: --sse-c-key-file" rgw "HTTP 400 InvalidRequest" --sse-c-key-file "$TMP/key.bin"
else
	skip "rgw: SSE-C refusal: server not up"
fi
if s3_use swift; then
	# Swift's s3api ignores SSE-C: s3pub sees no confirmation and undoes the write
	refused "swift: --sse-c-key-file" swift "s3://[^ ]*/r.tar.gz: the server ignored SSE-C; the object deleted" \
		--sse-c-key-file "$TMP/key.bin"
	b=$(new_bucket swift)
	with_keys swift "$S3PUB" publish --compress 0 --part-size 5MiB --sse-c-key-file "$TMP/key.bin" "$TMP/big" \
		"s3://$b/r,opt=endpoint=$S3_EP" >/dev/null 2>"$TMP/rerr"
	rc=$?
	check_eq "swift multipart --sse-c-key-file: exit 5 ($(head -c 200 "$TMP/rerr"))" "$rc" 5
	check "swift multipart --sse-c-key-file: ignored, the upload aborted" \
		grep -q "r.tar.gz: the server ignored SSE-C; multipart upload aborted" "$TMP/rerr"
else
	skip "swift: SSE-C: server not up"
fi
# usage errors: exit 1 before anything is sent, the key file's content never shown
printf 'AAAA%s\n' "$keyb64" >"$TMP/bad.key"
"$S3PUB" publish --sse-c-key-file "$TMP/bad.key" "$TMP/small" s3://b/k >/dev/null 2>"$TMP/uerr"
rc=$?
check_eq "--sse-c-key-file of 49 bytes: exit 1 ($(cat "$TMP/uerr"))" "$rc" 1
check "--sse-c-key-file: the message names the file, not its content" \
	sh -c "grep -qF '$TMP/bad.key' '$TMP/uerr' && ! grep -qF '$keyb64' '$TMP/uerr'"
"$S3PUB" publish --sse AES256 --sse-c-key-file "$TMP/key.bin" "$TMP/small" s3://b/k >/dev/null 2>"$TMP/uerr"
rc=$?
check_eq "--sse with --sse-c-key-file: exit 1 ($(cat "$TMP/uerr"))" "$rc" 1

# plain mode: a Content-Type from each file's extension, --content-type over all
mkdir -p "$TMP/plain/sub"
for f in a.txt b.json c.CSV d.png sub/e.parquet f.unknown noext; do printf 'x\n' >"$TMP/plain/$f"; done
if s3_use rgw; then
	b=$(new_bucket rgw)
	with_keys rgw "$S3PUB" publish "$TMP/plain" "s3://$b/p/,opt=endpoint=$S3_EP,opt=encoding=plain" >/dev/null 2>"$TMP/err"
	rc=$?
	check_eq "rgw plain: publish exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
	for ft in a.txt=text/plain b.json=application/json c.CSV=text/csv d.png=image/png \
		sub/e.parquet=application/vnd.apache.parquet f.unknown=application/octet-stream \
		noext=application/octet-stream; do
		check_eq "rgw plain: ${ft%%=*}: ContentType ${ft#*=}" "$(head_field rgw "$b" "p/${ft%%=*}" ContentType)" "${ft#*=}"
	done
	with_keys rgw "$S3PUB" publish --content-type text/x-mine "$TMP/plain" \
		"s3://$b/q/,opt=endpoint=$S3_EP,opt=encoding=plain" >/dev/null 2>"$TMP/err"
	rc=$?
	check_eq "rgw plain --content-type: exit 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
	check_eq "rgw plain --content-type: a.txt and sub/e.parquet take it" \
		"$(head_field rgw "$b" q/a.txt ContentType) $(head_field rgw "$b" q/sub/e.parquet ContentType)" "text/x-mine text/x-mine"
else
	skip "rgw plain: content types: server not up"
fi

# --spec: ObjectOptions next to Type and Params (Bacalhau's Params untouched)
if s3_use rgw; then
	b=$(new_bucket rgw)
	cat >"$TMP/spec.yaml" <<EOS
Type: s3
Params:
  Bucket: $b
  Key: spec
  Endpoint: $S3_EP
ObjectOptions:
  storage-class: STANDARD
  content-type: application/x-spec
  tag:
    team: a&b c
  metadata:
    Run-Id: 7
EOS
	with_keys rgw "$S3PUB" publish --verbose --compress 0 --spec "$TMP/spec.yaml" "$TMP/small" >/dev/null 2>"$TMP/err"
	rc=$?
	check_eq "rgw --spec ObjectOptions: exit 0 ($(grep -v '^s3pub: [<>]' "$TMP/err" | tail -1 | head -c 200))" "$rc" 0
	check_eq "rgw --spec ObjectOptions: storage-class sent" \
		"$(grep -c '^s3pub: > x-amz-storage-class: STANDARD$' "$TMP/err")" 1
	check_eq "rgw --spec ObjectOptions: ContentType" "$(head_field rgw "$b" spec.tar.gz ContentType)" application/x-spec
	check_eq "rgw --spec ObjectOptions: Metadata run-id" "$(head_field rgw "$b" spec.tar.gz Metadata.run-id)" 7
	check_eq "rgw --spec ObjectOptions: tags" "$(tags rgw "$b" spec.tar.gz)" "team=a&b c"
	# an object option on the command line replaces the spec's as a whole
	with_keys rgw "$S3PUB" publish --compress 0 --metadata Run-Id=8 --spec "$TMP/spec.yaml" "$TMP/small" >/dev/null 2>"$TMP/err"
	rc=$?
	check_eq "rgw --spec with --metadata: exit 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
	check_eq "rgw --spec with --metadata: the option's metadata, none of the spec's tags or type" \
		"$(head_field rgw "$b" spec.tar.gz Metadata.run-id) $(head_field rgw "$b" spec.tar.gz ContentType) [$(tags rgw "$b" spec.tar.gz)]" \
		"8 application/gzip []"
	printf 'ObjectOptions:\n  storage-class: lower\n' >>"$TMP/spec.yaml"
	with_keys rgw "$S3PUB" publish --spec "$TMP/spec.yaml" "$TMP/small" >/dev/null 2>"$TMP/err"
	rc=$?
	check_eq "rgw --spec with a bad ObjectOptions value: exit 1 ($(head -c 200 "$TMP/err"))" "$rc" 1
else
	skip "rgw --spec ObjectOptions: server not up"
fi
