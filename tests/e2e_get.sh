#!/bin/sh
# get and publish --presigned-url, end to end against the local S3 servers
# (radosgw, radosgw over HTTPS, Swift's s3api), SPEC sections 1 and 8,
# issue 8. Oracles: the tree itself (diff, find), GNU tar, sha256sum, the
# AWS CLI, curl, python's tarfile.
. tests/lib.sh
. tests/s3/lib.sh
sh scripts/need.sh awscli:aws curl:curl python3:python3 tar:tar gzip:gzip diffutils:diff >&2 || exit 1

TREE=$TMP/tree
mkdir -p "$TREE/outputs/nested/deeper" "$TREE/empty dir"
printf 'hello\n' >"$TREE/stdout"
: >"$TREE/stderr"
printf '0' >"$TREE/exitCode"
head -c 300000 /dev/urandom >"$TREE/outputs/blob.bin"
printf 'a,b\n1,2\n' >"$TREE/outputs/nested/table.csv"
printf 'deep\n' >"$TREE/outputs/nested/deeper/x y+z&=.txt"
chmod 600 "$TREE/outputs/nested/table.csv"
chmod 755 "$TREE/exitCode"
ln -s ../stdout "$TREE/outputs/link-to-stdout"

json_field() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Params"][sys.argv[2]])' "$1" "$2"
}
same_tree() {
	diff -r --no-dereference "$1" "$2" >/dev/null &&
	[ "$(cd "$1" && find . -mindepth 1 -printf '%p %y %m\n' | sort)" = \
	  "$(cd "$2" && find . -mindepth 1 -printf '%p %y %m\n' | sort)" ]
}
b64_of_hex() {
	python3 -c 'import base64,sys; print(base64.b64encode(bytes.fromhex(sys.argv[1])).decode())' "$1"
}

suite() {
	srv=$1
	s3_use "$srv" || { skip "$srv: server not up"; return; }
	ep=$S3_EP
	ca=${S3_CA:+--ca-file $S3_CA}
	b=$(new_bucket "$srv") || { not_ok "$srv: create bucket"; return; }
	G="with_keys $srv $S3PUB get $ca --endpoint $ep"

	# archive: publish -> get (signed) equals the tree
	with_keys "$srv" "$S3PUB" publish $ca "$TREE" "s3://$b/runs/r1,opt=endpoint=$ep" \
		>"$TMP/spec.json" 2>"$TMP/err"
	hex=$(json_field "$TMP/spec.json" ContentSHA256 2>/dev/null)
	rm -rf "$TMP/o1"
	$G "s3://$b/runs/r1.tar.gz" "$TMP/o1" 2>"$TMP/err"
	rc=$?
	check_eq "$srv: get s3://.../r1.tar.gz exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
	check "$srv: publish -> get (signed) equals the tree" same_tree "$TREE" "$TMP/o1"

	# via a presigned GET URL: no credentials at all
	url=$(with_keys "$srv" "$S3PUB" presign --endpoint "$ep" "s3://$b/runs/r1.tar.gz")
	rm -rf "$TMP/o2"
	"$S3PUB" get $ca "$url" "$TMP/o2" 2>"$TMP/err"
	rc=$?
	check_eq "$srv: get PRESIGNED-URL exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
	check "$srv: publish -> presign -> get equals the tree" same_tree "$TREE" "$TMP/o2"

	# checksums: the right ones pass, a wrong one is exit 6 and nothing left
	rm -rf "$TMP/o3"
	$G --checksum-sha256 "$(b64_of_hex "$hex")" --content-sha256 "$hex" \
		"s3://$b/runs/r1.tar.gz" "$TMP/o3" 2>"$TMP/err"
	check_eq "$srv: --checksum-sha256 and --content-sha256 of the spec accepted" "$?" 0
	rm -rf "$TMP/o4"
	expect_exit "$srv: wrong --checksum-sha256 -> 6" 6 'checksum mismatch' \
		$G --checksum-sha256 "$(b64_of_hex "$(printf '%064d' 0)")" "s3://$b/runs/r1.tar.gz" "$TMP/o4"
	check_eq "$srv: ... and no DIR left" "$([ -e "$TMP/o4" ] && echo left)" ""
	mkdir -p "$TMP/o5"
	expect_exit "$srv: wrong --content-sha256 via a presigned URL -> 6" 6 'checksum mismatch' \
		"$S3PUB" get $ca --content-sha256 "$(printf '%064d' 1)" "$url" "$TMP/o5"
	check_eq "$srv: ... and the existing DIR left empty" "$(ls -A "$TMP/o5")" ""

	# existing files: refused without --force (exit 2, untouched), with it replaced
	printf 'mine\n' >"$TMP/o1/stdout"
	expect_exit "$srv: an existing file without --force -> 2" 2 'already exists' \
		$G "s3://$b/runs/r1.tar.gz" "$TMP/o1"
	check_eq "$srv: ... the file kept" "$(cat "$TMP/o1/stdout")" "mine"
	$G --force "s3://$b/runs/r1.tar.gz" "$TMP/o1" 2>"$TMP/err"
	check "$srv: with --force: replaced, equal to the tree" same_tree "$TREE" "$TMP/o1"

	# plain: publish one object per file -> get PREFIX/
	with_keys "$srv" "$S3PUB" publish $ca "$TREE" "s3://$b/plain/,opt=endpoint=$ep,opt=encoding=plain" \
		>/dev/null 2>"$TMP/err"
	rm -rf "$TMP/p"
	$G "s3://$b/plain/" "$TMP/p" 2>"$TMP/err"
	rc=$?
	check_eq "$srv: get s3://.../plain/ exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
	( cd "$TREE" && find . -type f | sort ) >"$TMP/want.list"
	( cd "$TMP/p" && find . -type f | sort ) >"$TMP/got.list"
	check "$srv: prefix: one file per object, the same paths" cmp -s "$TMP/want.list" "$TMP/got.list"
	okfiles=1
	while read -r f; do cmp -s "$TREE/$f" "$TMP/p/$f" || okfiles=0; done <"$TMP/want.list"
	check_eq "$srv: prefix: each file equals its object" "$okfiles" 1
	# each file has its object's Last-Modified for mtime (as aws s3 cp
	# gives it), so a get run again finds the same files: exit 0
	f=$(head -n 1 "$TMP/want.list")
	f=${f#./}
	lm=$(aws_s3 "$srv" s3api head-object --bucket "$b" --key "plain/$f" --query LastModified --output text 2>&1)
	check_eq "$srv: prefix: a file's mtime is its object's Last-Modified ($lm)" \
		"$(stat -c %Y "$TMP/p/$f")" "$(date -d "$lm" +%s 2>&1)"
	$G "s3://$b/plain/" "$TMP/p" 2>"$TMP/err"
	rc=$?
	check_eq "$srv: prefix: got again into the same DIR: exit 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
	# a prefix needs no /tmp (an initramfs, a FROM scratch container):
	# s3pub alone in a root of its own
	if [ "$srv" = rgw ] && [ "$(id -u)" = 0 ]; then
		R=$TMP/bare
		rm -rf "$R" && mkdir -p "$R" && cp "$S3PUB" "$R/s3pub"
		with_keys "$srv" chroot "$R" /s3pub get --endpoint "$ep" "s3://$b/plain/" /out 2>"$TMP/err"
		rc=$?
		check_eq "$srv: get PREFIX in a root without /tmp exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
		check "$srv: ... the same files" diff -r "$TMP/p" "$R/out"
		check_eq "$srv: ... nothing else made in the root" "$(ls -A "$R" | tr '\n' ' ')" "out s3pub "
	fi

	# more keys than one ListObjectsV2 page (1,000): every page is fetched
	mkdir -p "$TMP/many"
	i=0; while [ $i -lt 1003 ]; do echo "$i" >"$TMP/many/f$i"; i=$((i + 1)); done
	with_keys "$srv" "$S3PUB" publish $ca --jobs 8 "$TMP/many" \
		"s3://$b/many/,opt=endpoint=$ep,opt=encoding=plain" >/dev/null 2>"$TMP/err"
	rm -rf "$TMP/m"
	$G "s3://$b/many/" "$TMP/m" 2>"$TMP/err"
	check_eq "$srv: prefix of 1,003 keys (two list pages): all fetched" \
		"$(ls "$TMP/m" 2>/dev/null | wc -l)" 1003

	# a plain object (not .tar.gz) is saved as DIR/NAME
	rm -rf "$TMP/f"
	$G "s3://$b/plain/outputs/blob.bin" "$TMP/f" 2>"$TMP/err"
	check "$srv: a plain key saved as DIR/blob.bin" cmp "$TMP/f/blob.bin" "$TREE/outputs/blob.bin"
	check_eq "$srv: ... and nothing else in DIR" "$(ls -A "$TMP/f")" "blob.bin"

	# an object with 60 user metadata entries (S3 allows 2 KB of them): its
	# answer's head has over 64 lines
	m=""
	for i in $(seq 10 69); do m="$m${m:+,}\"k$i\":\"v$i\""; done
	if aws_s3 "$srv" s3api put-object --bucket "$b" --key meta.bin \
		--body "$TREE/outputs/blob.bin" --metadata "{$m}" >/dev/null 2>"$TMP/err"; then
		rm -rf "$TMP/f"
		$G "s3://$b/meta.bin" "$TMP/f" 2>"$TMP/err"
		rc=$?
		check_eq "$srv: get of an object with 60 metadata entries exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
		check "$srv: ... its bytes" cmp "$TMP/f/meta.bin" "$TREE/outputs/blob.bin"
	else
		not_ok "$srv: put-object with 60 metadata entries: $(head -c 200 "$TMP/err")"
	fi

	# archives made by others, uploaded with the AWS CLI, unpack as GNU tar does
	tar -cf - -C "$TREE" . | gzip -9 >"$TMP/gnu.tgz"
	aws_s3 "$srv" s3 cp "$TMP/gnu.tgz" "s3://$b/others/gnu9.tgz" >/dev/null 2>&1
	rm -rf "$TMP/g" "$TMP/gref" && mkdir -p "$TMP/gref"
	tar -xzf "$TMP/gnu.tgz" -C "$TMP/gref"
	$G "s3://$b/others/gnu9.tgz" "$TMP/g" 2>"$TMP/err"
	check "$srv: a GNU tar | gzip -9 archive (.tgz) unpacks as tar xzf does" same_tree "$TMP/gref" "$TMP/g"

	# a hostile archive is refused after download: exit 6, nothing anywhere
	python3 - "$TMP/evil.tgz" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t:
    ti = tarfile.TarInfo("ok.txt"); ti.size = 3; t.addfile(ti, io.BytesIO(b"ok\n"))
    ti = tarfile.TarInfo("l"); ti.type = tarfile.SYMTYPE; ti.linkname = "/tmp"; t.addfile(ti)
    ti = tarfile.TarInfo("l/S3PUB_EVIL"); ti.size = 3; t.addfile(ti, io.BytesIO(b"bad"))
PY
	aws_s3 "$srv" s3 cp "$TMP/evil.tgz" "s3://$b/others/evil.tar.gz" >/dev/null 2>&1
	rm -rf "$TMP/e"
	expect_exit "$srv: a symlink to /tmp in an archive -> 6 naming it" 6 "refusing entry 'l'" \
		$G "s3://$b/others/evil.tar.gz" "$TMP/e"
	check_eq "$srv: ... nothing written in /tmp, no DIR left" \
		"$([ -e /tmp/S3PUB_EVIL ] && echo outside)$([ -e "$TMP/e" ] && echo left)" ""

	# a corrupt archive: exit 6, nothing left; a missing key: exit 4
	head -c 5000 /dev/urandom >"$TMP/junk"
	aws_s3 "$srv" s3 cp "$TMP/junk" "s3://$b/others/junk.tar.gz" >/dev/null 2>&1
	expect_exit "$srv: random bytes named .tar.gz -> 6" 6 'gzip' \
		$G "s3://$b/others/junk.tar.gz" "$TMP/j"
	# 404 NoSuchKey is "other server error" in SPEC section 10's table
	expect_exit "$srv: a missing key -> 5, naming NoSuchKey" 5 'NoSuchKey' \
		$G "s3://$b/others/none.tar.gz" "$TMP/j"
	check_eq "$srv: ... no DIR left by either" "$([ -e "$TMP/j" ] && echo left)" ""

	# managed mode: publish --presigned-url, no credentials
	put=$(with_keys "$srv" "$S3PUB" presign --endpoint "$ep" --method PUT "s3://$b/managed/job 1+&.tar.gz")
	"$S3PUB" publish $ca --verbose --presigned-url "$put" "$TREE" >"$TMP/mspec.json" 2>"$TMP/merr"
	rc=$?
	check_eq "$srv: publish --presigned-url exits 0 ($(grep -v '^s3pub: [<>*]' "$TMP/merr" | head -c 200))" "$rc" 0
	check_eq "$srv: ... spec Bucket from the URL" "$(json_field "$TMP/mspec.json" Bucket 2>/dev/null)" "$b"
	check_eq "$srv: ... spec Key from the URL, percent-decoded" "$(json_field "$TMP/mspec.json" Key 2>/dev/null)" "managed/job 1+&.tar.gz"
	check_eq "$srv: ... spec Region from X-Amz-Credential" "$(json_field "$TMP/mspec.json" Region 2>/dev/null)" "us-east-1"
	aws_s3 "$srv" s3 cp "s3://$b/managed/job 1+&.tar.gz" "$TMP/m.tgz" >/dev/null 2>&1
	check_eq "$srv: ... ContentSHA256 is sha256sum of the stored object" \
		"$(json_field "$TMP/mspec.json" ContentSHA256 2>/dev/null)" "$(sha256sum <"$TMP/m.tgz" | cut -d' ' -f1)"
	check_eq "$srv: ... Size is its size" "$(json_field "$TMP/mspec.json" Size 2>/dev/null)" "$(wc -c <"$TMP/m.tgz" | tr -d ' ')"
	check_eq "$srv: ... the object equals 's3pub archive'" \
		"$("$S3PUB" archive "$TREE" | sha256sum)" "$(sha256sum <"$TMP/m.tgz")"
	check "$srv: ... sent with a Content-MD5 header" grep -qi 'Content-MD5: ' "$TMP/merr"
	rm -rf "$TMP/mo"
	$G --content-sha256 "$(json_field "$TMP/mspec.json" ContentSHA256)" "s3://$b/managed/job 1+&.tar.gz" "$TMP/mo" 2>"$TMP/err"
	check "$srv: presign PUT -> publish --presigned-url -> get equals the tree" same_tree "$TREE" "$TMP/mo"

	# the server checks an unsigned Content-MD5 on a presigned PUT
	printf 'hello' >"$TMP/body"
	good=$(openssl dgst -md5 -binary "$TMP/body" | base64)
	bad=$(printf 'hellp' | openssl dgst -md5 -binary | base64)
	put=$(with_keys "$srv" "$S3PUB" presign --endpoint "$ep" --method PUT "s3://$b/md5/x")
	check_eq "$srv: presigned PUT with the right Content-MD5: 200" \
		"$(curl -s ${S3_CA:+--cacert $S3_CA} -o /dev/null -w '%{http_code}' -X PUT -H "Content-MD5: $good" --data-binary @"$TMP/body" "$put")" 200
	check_eq "$srv: presigned PUT with a wrong Content-MD5: 400 BadDigest" \
		"$(curl -s ${S3_CA:+--cacert $S3_CA} -w '%{http_code}' -X PUT -H "Content-MD5: $bad" --data-binary @"$TMP/body" "$put" | grep -o 'BadDigest\|[0-9]*$' | tr '\n' ' ')" "BadDigest 400 "

	# usage errors
	expect_exit "$srv: --checksum-sha256 with a prefix -> 1" 1 'prefix' \
		$G --content-sha256 "$hex" "s3://$b/plain/" "$TMP/x"
	expect_exit "$srv: publish --presigned-url with plain encoding -> 1" 1 'one archive' \
		"$S3PUB" publish --encoding plain --presigned-url "$put" "$TREE"
	# the object is there: --no-overwrite cannot be kept through a
	# presigned PUT, so it is refused before anything is sent
	expect_exit "$srv: publish --presigned-url --no-overwrite -> 1" 1 'no-overwrite' \
		"$S3PUB" publish --no-overwrite --presigned-url "$put" "$TREE"
	# over 5 GiB (a sparse file, stored: nothing read) cannot go in one
	# PUT: refused before the MD5 pass and the upload
	if [ "$srv" = rgw ] && mkdir -p "$TMP/huge" && truncate -s 5121M "$TMP/huge/sparse"; then
		expect_exit "$srv: publish --presigned-url of 5 GiB + 1 MiB -> 2 before sending" 2 "5 GiB of one \\(presigned\\) PUT" \
			"$S3PUB" publish --compress 0 --presigned-url "$put" "$TMP/huge"
		rm -rf "$TMP/huge"
	fi
}

suite rgw
suite rgw-tls
suite swift

# SIGTERM while a body streams in faster than it is unpacked (straight from
# radosgw: the socket always has bytes, so no wait ever sees the signal
# unless each read looks): exit 143 at once, nothing written to DIR, the
# staging folder gone. Before, such a get ran on to the end and exited 0.
# The same with SIGKILL leaves the staging folder: the next get into DIR
# removes it, and leaves one whose lock is held (a get running).
if s3_use rgw && b=$(new_bucket rgw); then
	mkdir -p "$TMP/many"
	python3 -c '
import os, sys
for d in range(40):
    os.mkdir(os.path.join(sys.argv[1], "d%d" % d))
    for i in range(200):
        with open(os.path.join(sys.argv[1], "d%d" % d, "f%d" % i), "w") as f:
            f.write("%d %d\n" % (d, i))' "$TMP/many"
	head -c 8000000 /dev/urandom >"$TMP/many/big.bin"
	if with_keys rgw "$S3PUB" publish --quiet --compress 0 "$TMP/many" \
		"s3://$b/many,opt=endpoint=$S3_EP" >"$TMP/many.spec" 2>"$TMP/err"; then
		# signalled SIGNAL: a get of the tree into sig, sent SIGNAL as soon
		# as the first file is in the staging folder; rc its exit status
		signalled() {
			env AWS_ACCESS_KEY_ID="$S3_AK" AWS_SECRET_ACCESS_KEY="$S3_SK" "$S3PUB" get --endpoint "$S3_EP" \
				"s3://$b/$(json_field "$TMP/many.spec" Key)" "$TMP/sig" 2>"$TMP/err" &
			_pid=$!
			_i=0
			while [ $_i -lt 1000 ] && [ -z "$(find "$TMP/sig" -mindepth 2 -name 'f*' -print -quit 2>/dev/null)" ]; do
				sleep 0.01
				_i=$((_i + 1))
			done
			kill -s "$1" "$_pid" 2>/dev/null
			wait "$_pid"
			rc=$?
		}
		rm -rf "$TMP/sig" && mkdir -p "$TMP/sig"
		signalled TERM
		check_eq "SIGTERM while the body streams in: exit 143 ($(head -c 300 "$TMP/err"))" "$rc" 143
		check_eq "... nothing in DIR, no staging folder" "$(ls -A "$TMP/sig")" ""

		# the same with SIGKILL: the staging folder stays, and the next
		# get into DIR removes it (its lock is gone with its process);
		# one whose lock is held (a get running) is left alone
		signalled KILL
		stale=$(cd "$TMP/sig" && ls -A)
		check_eq "SIGKILL while the body streams in: exit 137" "$rc" 137
		case $stale in
		.s3pub-get-????????) ok "... a staging folder is left ($stale)" ;;
		*) not_ok "... a staging folder is left: DIR holds '$stale'" ;;
		esac
		mkdir "$TMP/sig/.s3pub-get-0000beef"
		python3 -c '
import fcntl, os, sys, time
fcntl.flock(os.open(sys.argv[1], os.O_RDONLY), fcntl.LOCK_EX)
time.sleep(60)' "$TMP/sig/.s3pub-get-0000beef" &
		_lock=$!
		# (one made less than 2 s ago may be a get's not yet locked)
		sleep 2.2
		rm -rf "$TMP/small" && mkdir -p "$TMP/small" && echo small >"$TMP/small/a.txt"
		with_keys rgw "$S3PUB" publish --quiet "$TMP/small" "s3://$b/small,opt=endpoint=$S3_EP" >/dev/null 2>"$TMP/err" ||
			not_ok "publish small: $(head -c 300 "$TMP/err")"
		with_keys rgw "$S3PUB" get --endpoint "$S3_EP" "s3://$b/small.tar.gz" "$TMP/sig" 2>"$TMP/err"
		rc=$?
		check_eq "... the next get into DIR exits 0 ($(head -c 300 "$TMP/err"))" "$rc" 0
		check_eq "... and removed the killed one's staging folder, not the locked one" \
			"$(cd "$TMP/sig" && ls -A | tr '\n' ' ')" ".s3pub-get-0000beef a.txt "
		kill "$_lock" 2>/dev/null
		wait "$_lock" 2>/dev/null || :
	else
		not_ok "SIGTERM while the body streams in: publish: $(head -c 300 "$TMP/err")"
	fi
fi
