#!/bin/sh
# publish, end to end against the real local S3 servers (radosgw, Swift
# s3api), with the AWS CLI as the independent checker (SPEC sections 1-4,
# 7, 10; issue 5).
. tests/lib.sh
. tests/s3/lib.sh
sh scripts/need.sh strace:strace >&2 || { not_ok "e2e_publish: strace missing"; exit 0; }

# a small realistic tree: nested dirs, an empty dir, a symlink, odd names
TREE=$TMP/tree
mkdir -p "$TREE/outputs/nested/deeper" "$TREE/empty dir"
printf 'hello\n' >"$TREE/stdout"
: >"$TREE/stderr"
printf '0' >"$TREE/exitCode"
head -c 70000 /dev/urandom >"$TREE/outputs/blob.bin"
printf 'a,b\n1,2\n' >"$TREE/outputs/nested/table.csv"
printf 'deep\n' >"$TREE/outputs/nested/deeper/x y+z&=.txt"
ln -s ../stdout "$TREE/outputs/link-to-stdout"

# json_field FILE NAME: a field of the result spec's Params, via python's json
json_field() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Params"][sys.argv[2]])' "$1" "$2"
}

# same_tree A B: identical files, modes, symlinks (GNU diff and find)
same_tree() {
	diff -r --no-dereference "$1" "$2" >/dev/null &&
	[ "$(cd "$1" && find . -printf '%p %y %m\n' | sort)" = \
	  "$(cd "$2" && find . -printf '%p %y %m\n' | sort)" ]
}

# 23 MiB: multipart in 5 MiB parts
mkdir -p "$TMP/big"
head -c $((23 * 1024 * 1024)) /dev/urandom >"$TMP/big/data.bin"
printf 'x\n' >"$TMP/big/small.txt"

# about 60 MB of text results: compressed (issue 14) to 2 parts of 5 MiB
TEXT=$TMP/text
python3 - "$TEXT" <<'PY'
import os, random, sys
root = sys.argv[1]
rnd = random.Random(15)
os.makedirs(root + "/logs")
with open(root + "/sensors.csv", "w") as f:
    for i in range(800000):
        f.write("2026-12-05T%02d:%02d:%02d,node-%03d,%.2f,%.1f,%s\n" % (i // 3600 % 24,
            i // 60 % 60, i % 60, rnd.randrange(300), rnd.gauss(20, 4), rnd.uniform(10, 90),
            rnd.choice(["ok", "ok", "warn"])))
with open(root + "/logs/train.log", "w") as f:
    for i in range(120000):
        f.write("epoch=%d step=%d loss=%.5f lr=%.1e\n" % (i // 1000, i, rnd.random(), 1e-3))
PY

suite() {
	srv=$1
	s3_use "$srv" || { skip "$srv: server not up"; return; }
	ep=$S3_EP
	ca=${S3_CA:+--ca-file $S3_CA}
	b=$(new_bucket "$srv") || { not_ok "$srv: create bucket"; return; }

	# archive mode: download with the AWS CLI, unpack with GNU tar
	with_keys "$srv" "$S3PUB" publish $ca "$TREE" "s3://$b/runs/r1,opt=endpoint=$ep" \
		>"$TMP/spec.json" 2>"$TMP/err"
	rc=$?
	check_eq "$srv: archive publish exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
	check_eq "$srv: key gets the .tar.gz suffix" "$(json_field "$TMP/spec.json" Key)" "runs/r1.tar.gz"
	rm -rf "$TMP/dl" "$TMP/x" && mkdir -p "$TMP/x"
	aws_s3 "$srv" s3 cp "s3://$b/runs/r1.tar.gz" "$TMP/dl.tgz" >/dev/null 2>&1
	check "$srv: gzip -t of the downloaded object" gzip -t "$TMP/dl.tgz"
	tar -xzf "$TMP/dl.tgz" -C "$TMP/x" 2>"$TMP/tar.err"
	check "$srv: tar xzf of the object equals the tree" same_tree "$TREE" "$TMP/x"
	check_eq "$srv: Size equals the object's bytes" "$(json_field "$TMP/spec.json" Size)" "$(wc -c <"$TMP/dl.tgz" | tr -d ' ')"
	check_eq "$srv: ContentSHA256 equals sha256sum of the object" \
		"$(json_field "$TMP/spec.json" ContentSHA256)" "$(sha256sum "$TMP/dl.tgz" | cut -d' ' -f1)"
	check_eq "$srv: Endpoint is the one used" "$(json_field "$TMP/spec.json" Endpoint)" "$ep"
	check_eq "$srv: the object equals 's3pub archive'" \
		"$("$S3PUB" archive "$TREE" | sha256sum | cut -d' ' -f1)" "$(sha256sum "$TMP/dl.tgz" | cut -d' ' -f1)"

	# --checksum: the x-amz-checksum-sha256 sent is the base64 SHA-256 of
	# the object, computed independently by openssl (no server here checks
	# it; AWS does); the server keeps none, so ChecksumSHA256 stays empty
	with_keys "$srv" "$S3PUB" publish $ca --checksum --verbose "$TREE" "s3://$b/ck,opt=endpoint=$ep" \
		>"$TMP/ck.json" 2>"$TMP/ck.err"
	check_eq "$srv: x-amz-checksum-sha256 sent equals openssl's digest" \
		"$(sed -n 's/^s3pub: > x-amz-checksum-sha256: //p' "$TMP/ck.err")" \
		"$("$S3PUB" archive "$TREE" | openssl dgst -sha256 -binary | base64)"
	check_eq "$srv: ChecksumSHA256 is what the server returned (none)" "$(json_field "$TMP/ck.json" ChecksumSHA256 2>/dev/null)" ""
	check "$srv: --verbose never shows the secret" sh -c "! grep -qF '$S3_SK' '$TMP/ck.err'"
	# (Swift's s3api refuses the parts' checksums in the Complete's list,
	# MalformedXML: the list goes again without them)
	with_keys "$srv" "$S3PUB" publish $ca --checksum --verbose --part-size 5MiB "$TMP/big" "s3://$b/ckmp,opt=endpoint=$ep" \
		>"$TMP/ckmp.json" 2>"$TMP/ckmp.err"
	rc=$?
	check_eq "$srv: multipart --checksum: exit 0 ($(grep -v '^s3pub: [<>*]' "$TMP/ckmp.err" | tail -n 1 | cut -c1-200))" "$rc" 0
	check_eq "$srv: multipart --checksum: ContentSHA256 is the archive's" "$(json_field "$TMP/ckmp.json" ContentSHA256 2>&1)" \
		"$("$S3PUB" archive "$TMP/big" | sha256sum | cut -d' ' -f1)"
	check "$srv: multipart --checksum: x-amz-checksum-algorithm SHA256 on create" grep -q '^s3pub: > x-amz-checksum-algorithm: SHA256' "$TMP/ckmp.err"
	check_eq "$srv: multipart --checksum: one x-amz-checksum-sha256 per part" \
		"$(grep -c '^s3pub: > x-amz-checksum-sha256: ' "$TMP/ckmp.err")" 5

	# a key that already ends in .tar.gz is not suffixed again
	with_keys "$srv" "$S3PUB" publish $ca "$TREE" "s3://$b/done.tar.gz,opt=endpoint=$ep" >"$TMP/spec2.json" 2>"$TMP/err"
	check_eq "$srv: key ending in .tar.gz kept as is" "$(json_field "$TMP/spec2.json" Key 2>/dev/null)" "done.tar.gz"

	# placeholders from options and from BACALHAU_* variables, one instant
	with_keys "$srv" env S3PUB_FAKE_TIME=20230926T140530Z BACALHAU_NODE_ID=node-7 \
		"$S3PUB" publish $ca --job-id abc123 --execution-id e-9 "$TREE" \
		"s3://$b/results/{jobID}/{executionID}/{nodeID}/{date}/{time}/,opt=endpoint=$ep,opt=encoding=plain" \
		>"$TMP/spec3.json" 2>"$TMP/err"
	check_eq "$srv: placeholders and plain suffix" "$(json_field "$TMP/spec3.json" Key 2>/dev/null)" \
		"results/abc123/e-9/node-7/20230926/140530/"
	rm -rf "$TMP/plain" && mkdir -p "$TMP/plain"
	aws_s3 "$srv" s3 cp --recursive "s3://$b/results/abc123/e-9/node-7/20230926/140530/" "$TMP/plain" >/dev/null 2>&1
	# plain mode: one object per regular file (symlinks and dirs are not objects)
	( cd "$TREE" && find . -type f | sort ) >"$TMP/want.list"
	( cd "$TMP/plain" && find . -type f | sort ) >"$TMP/got.list"
	check "$srv: plain: one object per regular file" cmp -s "$TMP/want.list" "$TMP/got.list"
	okfiles=1
	while read -r f; do cmp -s "$TREE/$f" "$TMP/plain/$f" || okfiles=0; done <"$TMP/want.list"
	check_eq "$srv: plain: each object equals its file" "$okfiles" 1
	check_eq "$srv: plain: ContentSHA256 empty" "$(json_field "$TMP/spec3.json" ContentSHA256 2>/dev/null)" ""

	# a placeholder without a value is a usage error, nothing uploaded
	expect_exit "$srv: {jobID} without a value" 1 'jobID' \
		with_keys "$srv" "$S3PUB" publish $ca "$TREE" "s3://$b/nojob/{jobID},opt=endpoint=$ep"

	# --spec FILE (YAML as Bacalhau writes it); options override it
	cat >"$TMP/spec.yaml" <<EOF
Publisher:
  Type: "s3"
  Params:
    Bucket: "$b"
    Key: "from-spec/result"
    Endpoint: "http://127.0.0.1:1"
    Region: "us-east-1"
EOF
	with_keys "$srv" "$S3PUB" publish $ca --spec "$TMP/spec.yaml" --endpoint "$ep" --output yaml "$TREE" \
		>"$TMP/spec4.yaml" 2>"$TMP/err"
	check "$srv: --spec YAML with --endpoint override publishes" \
		aws_s3 "$srv" s3api head-object --bucket "$b" --key from-spec/result.tar.gz
	check "$srv: --output yaml is YAML" grep -q 'Key: "from-spec/result.tar.gz"' "$TMP/spec4.yaml"

	# versioned bucket: VersionID equals head-object's
	vb=$(new_bucket "$srv" versioned)
	with_keys "$srv" "$S3PUB" publish $ca "$TREE" "s3://$vb/v,opt=endpoint=$ep" >"$TMP/spec5.json" 2>"$TMP/err"
	vid=$(json_field "$TMP/spec5.json" VersionID 2>/dev/null)
	hvid=$(aws_s3 "$srv" s3api head-object --bucket "$vb" --key v.tar.gz --query VersionId --output text 2>/dev/null)
	if [ -n "$vid" ] && [ "$vid" = "$hvid" ]; then ok "$srv: VersionID equals head-object's ($vid)"
	else not_ok "$srv: VersionID '$vid' vs head-object '$hvid'"; fi

	# multipart: 23 MiB in 5 MiB parts: ETag -5, object equal; sent while
	# the compression pass (the default level) finds the next parts
	# (issue 16: test_zblocks shows the reads while it runs)
	with_keys "$srv" "$S3PUB" publish --verbose $ca --part-size 5MiB "$TMP/big" "s3://$b/mp,opt=endpoint=$ep" \
		>"$TMP/spec6.json" 2>"$TMP/err"
	rc=$?
	check_eq "$srv: multipart publish exits 0 ($(grep -v '^s3pub: [<>*]' "$TMP/err" | head -c 200))" "$rc" 0
	check "$srv: multipart: the parts go while the compression pass runs" \
		grep -q '^s3pub: multipart upload .*: parts of 5242880 bytes, sent while the compression pass finds the next ones$' "$TMP/err"
	has_parts "$srv: multipart" "$srv" "$b" mp.tar.gz 5
	aws_s3 "$srv" s3 cp "s3://$b/mp.tar.gz" "$TMP/mp.tgz" >/dev/null 2>&1
	check_eq "$srv: multipart object equals 's3pub archive'" \
		"$(sha256sum <"$TMP/mp.tgz" | cut -d' ' -f1)" "$("$S3PUB" archive "$TMP/big" | sha256sum | cut -d' ' -f1)"
	check_eq "$srv: multipart ContentSHA256 is the whole object's" \
		"$(json_field "$TMP/spec6.json" ContentSHA256 2>/dev/null)" "$(sha256sum <"$TMP/mp.tgz" | cut -d' ' -f1)"
	check_eq "$srv: no multipart upload left open" "$(list_uploads "$srv" "$b")" ""

	# compressed multipart (issue 14): parts cut in the compressed stream,
	# their hashes from the compression pass, the object 's3pub archive'
	# (under strace, each read's file named: sensors.csv's bytes are
	# read twice, by the compression pass and by the send pass: the
	# parts' hashes come from the first, no third pass. The two parts go
	# at once (the default), each compressed again by turns in its
	# own window of zblocks' read-ahead, named by its sender: the
	# second part's sender joining does not take the first one's
	# window, which was compressed again when it did (a third block,
	# once in CI); where they meet, the block they share is compressed
	# for each, and the first one's read-ahead (--jobs 1: one block)
	# goes one block past its end: at most two blocks of 128 KiB
	# (DEFLATE_BLOCK) more per boundary)
	with_keys "$srv" strace -f -qq -y -e trace=pread64 -o "$TMP/strace" \
		"$S3PUB" publish --verbose --jobs 1 $ca --part-size 5MiB "$TEXT" "s3://$b/text,opt=endpoint=$ep" \
		>"$TMP/spec7.json" 2>"$TMP/err"
	rc=$?
	check_eq "$srv: compressed multipart publish exits 0 ($(grep -v '^s3pub: [<>*]' "$TMP/err" | head -c 200))" "$rc" 0
	"$S3PUB" archive "$TEXT" >"$TMP/text.tgz"
	tsz=$(wc -c <"$TMP/text.tgz" | tr -d ' ')
	nparts=$(( (tsz + 5242879) / 5242880 ))
	# the first part goes while the compression pass runs; the second
	# connection joins once it has ended (zblocks reads for the pass and
	# one sender beside it; e2e_tsan's live2 case, of more parts, shows
	# that it waits)
	check "$srv: compressed multipart, two parts at once: the first sent during the compression pass" \
		grep -q '^s3pub: multipart upload .*: parts of 5242880 bytes, sent while the compression pass finds the next ones$' "$TMP/err"
	check "$srv: compressed multipart, by default: a second connection joins ($nparts parts)" \
		grep -q "^s3pub: multipart upload .*: $nparts parts, [0-9]* left when a second connection joins\$" "$TMP/err"
	# a part sent again (a retry on a loaded machine: --verbose shows
	# each request) regenerates its bytes: the file may be read once more
	puts=$(grep -c '^s3pub: > PUT ' "$TMP/err")
	csv=$(wc -c <"$TEXT/sensors.csv" | tr -d ' ')
	read_bytes=$(grep 'sensors.csv>' "$TMP/strace" | sed -n 's/.*= \([0-9][0-9]*\)$/\1/p' |
		awk '{ s += $1 } END { print s + 0 }')
	check "$srv: compressed multipart: sensors.csv ($csv bytes) read twice (compression pass, send), once more per part resent ($read_bytes bytes read, $puts PUTs for $nparts parts)" \
		test "$read_bytes" -ge $((2 * csv)) -a \
		"$read_bytes" -le $(((2 + puts - nparts) * csv + (nparts - 1) * 2 * 131072))
	has_parts "$srv: compressed multipart of $tsz bytes" "$srv" "$b" text.tar.gz "$nparts"
	check "$srv: the text tree compresses to under a quarter ($tsz bytes)" \
		test "$((tsz * 4))" -lt "$(du -sb "$TEXT" | cut -f1)"
	aws_s3 "$srv" s3 cp "s3://$b/text.tar.gz" "$TMP/text-dl.tgz" >/dev/null 2>&1
	check "$srv: compressed multipart object equals 's3pub archive'" cmp "$TMP/text-dl.tgz" "$TMP/text.tgz"
	check_eq "$srv: compressed multipart ContentSHA256" \
		"$(json_field "$TMP/spec7.json" ContentSHA256 2>/dev/null)" "$(sha256sum <"$TMP/text.tgz" | cut -d' ' -f1)"
	check_eq "$srv: compressed multipart Size" "$(json_field "$TMP/spec7.json" Size 2>/dev/null)" "$tsz"
	rm -rf "$TMP/tx" && mkdir -p "$TMP/tx"
	check "$srv: GNU tar unpacks the compressed object to the tree" \
		sh -c "tar -xzf '$TMP/text-dl.tgz' -C '$TMP/tx' && diff -r '$TEXT' '$TMP/tx'"
	rm -rf "$TMP/tg"
	with_keys "$srv" "$S3PUB" get $ca --endpoint "$ep" --content-sha256 "$(sha256sum <"$TMP/text.tgz" | cut -d' ' -f1)" \
		"s3://$b/text.tar.gz" "$TMP/tg" >/dev/null 2>"$TMP/err"
	rc=$?
	check "$srv: s3pub get unpacks the compressed object to the tree (exit $rc: $(head -c 200 "$TMP/err"))" \
		diff -r "$TEXT" "$TMP/tg"
	# --compress 0: today's stored member, byte for byte
	with_keys "$srv" "$S3PUB" publish $ca --compress 0 "$TREE" "s3://$b/stored,opt=endpoint=$ep" \
		>/dev/null 2>"$TMP/err"
	rc=$?
	check_eq "$srv: --compress 0 publish exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
	aws_s3 "$srv" s3 cp "s3://$b/stored.tar.gz" "$TMP/stored.tgz" >/dev/null 2>&1
	check "$srv: --compress 0 object equals 's3pub archive --compress 0'" \
		sh -c "'$S3PUB' archive --compress 0 '$TREE' | cmp - '$TMP/stored.tgz'"
	check_eq "$srv: no multipart upload left open after the compressed ones" "$(list_uploads "$srv" "$b")" ""

	# refusals: exit status, one line naming the S3 code, nothing left
	rb=$(new_bucket "$srv")
	expect_exit "$srv: wrong secret -> 4 SignatureDoesNotMatch" 4 'SignatureDoesNotMatch' \
		env AWS_ACCESS_KEY_ID="$S3_AK" AWS_SECRET_ACCESS_KEY=wrong-secret \
		"$S3PUB" publish $ca "$TREE" "s3://$rb/r,opt=endpoint=$ep"
	expect_exit "$srv: wrong secret, multipart -> 4" 4 'SignatureDoesNotMatch' \
		env AWS_ACCESS_KEY_ID="$S3_AK" AWS_SECRET_ACCESS_KEY=wrong-secret \
		"$S3PUB" publish $ca --part-size 5MiB "$TMP/big" "s3://$rb/r,opt=endpoint=$ep"
	expect_exit "$srv: unknown access key -> 4" 4 'InvalidAccessKeyId|AccessDenied|SignatureDoesNotMatch' \
		env AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000000 AWS_SECRET_ACCESS_KEY=x \
		"$S3PUB" publish $ca "$TREE" "s3://$rb/r,opt=endpoint=$ep"
	expect_exit "$srv: missing bucket -> 4 NoSuchBucket" 4 'NoSuchBucket' \
		with_keys "$srv" "$S3PUB" publish $ca "$TREE" "s3://s3pub-no-such-bucket-$$/r,opt=endpoint=$ep"
	expect_exit "$srv: missing directory -> 2" 2 "$TMP/nope" \
		with_keys "$srv" "$S3PUB" publish $ca "$TMP/nope" "s3://$rb/r,opt=endpoint=$ep"
	check_eq "$srv: nothing left after the refusals" \
		"$(aws_s3 "$srv" s3api list-objects-v2 --bucket "$rb" --query 'Contents[].Key' --output text 2>&1)" "None"
	check_eq "$srv: no multipart upload left after the refusals" "$(list_uploads "$srv" "$rb")" ""

	# plain mode, many files over --jobs connections, then a failure half
	# way: the objects already written are removed again
	if [ ! -d "$TMP/many" ]; then
		mkdir -p "$TMP/many/d"
		i=0; while [ $i -lt 40 ]; do printf 'file %s\n' $i >"$TMP/many/d/f$i"; i=$((i + 1)); done
	fi
	with_keys "$srv" "$S3PUB" publish $ca --jobs 8 "$TMP/many" "s3://$b/many,opt=endpoint=$ep,opt=encoding=plain" >/dev/null 2>"$TMP/err"
	check_eq "$srv: plain --jobs 8: 40 objects" \
		"$(aws_s3 "$srv" s3api list-objects-v2 --bucket "$b" --prefix many/ --query 'length(Contents)' --output text 2>&1)" 40
	long=$(printf '%0990d' 0)
	cp -r "$TMP/many" "$TMP/many2" && printf 'x' >"$TMP/many2/d/$(printf 'z%.0s' $(seq 1 40))"
	pb=$(new_bucket "$srv")
	expect_exit "$srv: plain: a key over 1024 bytes fails the publish (exit 2, before any file)" 2 "over S3's 1024" \
		with_keys "$srv" "$S3PUB" publish $ca --jobs 3 "$TMP/many2" "s3://$pb/$long,opt=endpoint=$ep,opt=encoding=plain"
	check_eq "$srv: plain: nothing written" \
		"$(aws_s3 "$srv" s3api list-objects-v2 --bucket "$pb" --query 'Contents[].Key' --output text 2>&1)" "None"
	# a failure half way where the clean-up is refused too (a bucket policy
	# denies one key's PutObject and every DeleteObject: radosgw): the
	# message says what stays
	if [ "$srv" = rgw ]; then
		printf '{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::%s/nd/d/f5"}, {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": "arn:aws:s3:::%s/*"}]}' \
			"$pb" "$pb" >"$TMP/policy.json"
		aws_rgw s3api put-bucket-policy --bucket "$pb" --policy "file://$TMP/policy.json"
		expect_exit "$srv: plain: a refused PUT, then a refused clean-up -> 4, saying what stays" 4 \
			"403.*of the objects this run wrote or was writing, 0 removed, [1-9][0-9]* left" \
			with_keys "$srv" "$S3PUB" publish --jobs 1 "$TMP/many" "s3://$pb/nd,opt=endpoint=$ep,opt=encoding=plain"
		aws_rgw s3api delete-bucket-policy --bucket "$pb"
	fi

	# presign (issue 2): a GET and a PUT URL accepted by the server (curl)
	printf 'presigned body\n' >"$TMP/pbody"
	url=$(with_keys "$srv" "$S3PUB" presign --endpoint "$ep" --method PUT "s3://$b/pre/sig ned+.txt")
	code=$(curl -s ${S3_CA:+--cacert $S3_CA} -o /dev/null -w '%{http_code}' -T "$TMP/pbody" "$url")
	check_eq "$srv: presigned PUT accepted by the server" "$code" 200
	url=$(with_keys "$srv" "$S3PUB" presign --endpoint "$ep" "s3://$b/pre/sig ned+.txt")
	check_eq "$srv: presigned GET returns the object" \
		"$(curl -s ${S3_CA:+--cacert $S3_CA} "$url")" "presigned body"
	url=$(env AWS_ACCESS_KEY_ID="$S3_AK" AWS_SECRET_ACCESS_KEY=wrong "$S3PUB" presign --endpoint "$ep" "s3://$b/pre/sig ned+.txt")
	check_eq "$srv: presigned GET with a wrong secret refused (403)" \
		"$(curl -s ${S3_CA:+--cacert $S3_CA} -o /dev/null -w '%{http_code}' "$url")" 403
}

suite rgw
suite swift

# TLS: radosgw's HTTPS endpoint with the throw-away CA, by name and by IP
if s3_use rgw-tls; then
	b=$(new_bucket rgw)
	with_keys rgw "$S3PUB" publish --ca-file "$RGW_CA" "$TREE" "s3://$b/tls,opt=endpoint=$RGW_TLS_ENDPOINT" >"$TMP/t.json" 2>"$TMP/err"
	rc=$?
	check_eq "rgw-tls: publish over HTTPS with --ca-file ($(head -c 200 "$TMP/err"))" "$rc" 0
	with_keys rgw "$S3PUB" publish --ca-file "$RGW_CA" "$TREE" "s3://$b/tls-ip,opt=endpoint=$RGW_TLS_IP_ENDPOINT" >"$TMP/t.json" 2>"$TMP/err"
	rc=$?
	check_eq "rgw-tls: publish to an IP endpoint (iPAddress SAN) ($(head -c 200 "$TMP/err"))" "$rc" 0
	expect_exit "rgw-tls: an unknown CA is refused -> 3" 3 'certificate|trust' \
		with_keys rgw "$S3PUB" publish --retries 1 --ca-file /etc/ssl/certs/ca-certificates.crt "$TREE" "s3://$b/tls2,opt=endpoint=$RGW_TLS_ENDPOINT"
	aws_s3 rgw s3 cp "s3://$b/tls.tar.gz" "$TMP/tls.tgz" >/dev/null 2>&1
	check_eq "rgw-tls: object equals 's3pub archive'" \
		"$(sha256sum <"$TMP/tls.tgz" | cut -d' ' -f1)" "$("$S3PUB" archive "$TREE" | sha256sum | cut -d' ' -f1)"
else
	skip "rgw-tls: server not up"
fi

# no server at all: exit 3 after the retries
expect_exit "unreachable endpoint -> 3" 3 '127.0.0.1' \
	env AWS_ACCESS_KEY_ID=a AWS_SECRET_ACCESS_KEY=b "$S3PUB" publish --retries 2 "$TREE" "s3://bucket/k,opt=endpoint=http://127.0.0.1:9"

# virtual-hosted style (BUCKET.localhost, as SPEC section 4 names it for
# --virtual-hosted) through an HTTP proxy that resolves *.localhost to the
# loopback (RFC 6761; the C library does not): both servers serve buckets
# by host name (radosgw's rgw dns name, Swift's storage_domain)
rm -f "$TMP/pport"
python3 tests/http_proxy.py "$TMP/pport" "$TMP/proxy.log" >/dev/null 2>&1 &
ppid=$!
for i in $(seq 1 100); do [ -s "$TMP/pport" ] && break; sleep 0.05; done
for srv in rgw swift; do
	s3_use "$srv" || continue
	b=$(new_bucket "$srv")
	port=${S3_EP##*:}
	with_keys "$srv" env HTTP_PROXY="http://127.0.0.1:$(cat "$TMP/pport")" "$S3PUB" publish --virtual-hosted \
		"$TREE" "s3://$b/vh,opt=endpoint=http://localhost:$port" >/dev/null 2>"$TMP/err"
	rc=$?
	check_eq "$srv: --virtual-hosted through HTTP_PROXY exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
	check "$srv: the request went to $b.localhost" grep -q "^PUT http://$b.localhost:$port/vh.tar.gz " "$TMP/proxy.log"
	check "$srv: the object is there" aws_s3 "$srv" s3api head-object --bucket "$b" --key vh.tar.gz
done
kill "$ppid" 2>/dev/null

# progress: a live line when stderr is a terminal (script(1) gives one),
# nothing with --quiet, and stdout still holds only the result spec
if s3_use rgw; then
	b=$(new_bucket rgw)
	with_keys rgw script -qec "$S3PUB publish --part-size 5MiB $TMP/big s3://$b/prog,opt=endpoint=$S3_EP 2>&1 >/dev/null" /dev/null \
		</dev/null >"$TMP/tty.out" 2>&1
	check "progress line on a terminal (bytes, percent, rate)" grep -aq 'MiB (100%) .* MiB/s' "$TMP/tty.out"
	with_keys rgw script -qec "$S3PUB publish --quiet $TREE s3://$b/quiet,opt=endpoint=$S3_EP 2>&1 >/dev/null" /dev/null \
		</dev/null >"$TMP/tty2.out" 2>&1
	check_eq "--quiet: nothing on the terminal" "$(tr -d '\r\n' <"$TMP/tty2.out")" ""
fi
