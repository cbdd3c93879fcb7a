#!/bin/sh
# get of a plain prefix checked against its manifest (issue 17), end to end
# on radosgw and Swift's s3api: publish --plain | get --spec - round trips
# (files, modes); --manifest-sha256; a tampered manifest, an object
# overwritten, an extra object and a missing one are each refused with exit
# 6, a message naming the key, and nothing left in DIR. Oracles: the tree
# (diff, stat), python's hashlib, the AWS CLI to tamper with the objects.
. tests/lib.sh
. tests/s3/lib.sh
sh scripts/need.sh awscli:aws python3:python3 diffutils:diff >&2 || exit 1

TREE=$TMP/tree
mkdir -p "$TREE/outputs/nested"
printf 'hello\n' >"$TREE/stdout"
: >"$TREE/empty"
head -c 100000 /dev/urandom >"$TREE/outputs/blob.bin"
printf 'a,b\n1,2\n' >"$TREE/outputs/nested/table.csv"
# names a listing's XML cannot carry raw (a control character: Swift
# answered 500), and blanks, '+' and '%', which its URL encoding escapes
printf 'c\n' >"$TREE/outputs/ctl$(printf '\001')x"
printf 'p\n' >"$TREE/outputs/a b+c%d"
# a key of 760 bytes, all but a few of them non-ASCII: URL-encoded in the
# listing it is over 2,200 characters (it was cut at 1,100: exit 5)
E=$(python3 -c 'print("\u00e9" * 127)')
mkdir -p "$TREE/$E/$E"
printf 'long\n' >"$TREE/$E/$E/$(python3 -c 'print("\u00e9" * 120)').txt"
chmod 755 "$TREE/stdout"
chmod 600 "$TREE/outputs/blob.bin"

same_tree() {
	diff -r "$1" "$2" >/dev/null &&
	[ "$(cd "$1" && find . -type f | sort)" = "$(cd "$2" && find . -type f | sort)" ] &&
	[ "$(stat -c %a "$2/stdout" "$2/outputs/blob.bin" | tr '\n' ' ')" = "755 600 " ]
}
spec_field() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Params"][sys.argv[2]])' "$1" "$2"
}
# empty DIR: exists and holds nothing (no staging folder left either)
empty_dir() { [ -d "$1" ] && [ -z "$(ls -A "$1")" ]; }

suite() {
	srv=$1
	s3_use "$srv" || { skip "$srv: server not up"; return; }
	ep=$S3_EP
	b=$(new_bucket "$srv") || { not_ok "$srv: create bucket"; return; }

	# the round trip, JSON and YAML
	for out in json yaml; do
		rm -rf "$TMP/o"
		with_keys "$srv" "$S3PUB" publish --quiet --output $out "$TREE" \
			"s3://$b/r-$out,opt=endpoint=$ep,opt=encoding=plain" 2>"$TMP/err1" |
			with_keys "$srv" "$S3PUB" get --spec - "$TMP/o" 2>"$TMP/err"
		rc=$?
		check_eq "$srv: publish --plain --output $out | get --spec - exits 0 ($(cat "$TMP/err1" "$TMP/err" | head -c 300))" "$rc" 0
		check "$srv: $out: the tree is back, with the manifest's modes (755, 600)" same_tree "$TREE" "$TMP/o"
	done

	with_keys "$srv" "$S3PUB" publish --quiet "$TREE" \
		"s3://$b/res,opt=endpoint=$ep,opt=encoding=plain" >"$TMP/spec.json" 2>"$TMP/err"
	rc=$?
	check_eq "$srv: publish plain res/ exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
	mh=$(spec_field "$TMP/spec.json" ManifestSHA256)
	rm -rf "$TMP/o"
	with_keys "$srv" "$S3PUB" get --quiet --endpoint "$ep" --manifest-sha256 "$mh" \
		"s3://$b/res/" "$TMP/o" 2>"$TMP/err"
	rc=$?
	check_eq "$srv: get s3://B/res/ --manifest-sha256 (the spec's) exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
	check "$srv: ... and the tree is back" same_tree "$TREE" "$TMP/o"
	bad=$(printf '%s' "$mh" | tr '0-9a-f' '1-9a-f0')
	mkdir -p "$TMP/t"
	expect_exit "$srv: a wrong --manifest-sha256 is refused, exit 6, the manifest named" 6 \
		"res\\.s3pub-manifest\\.json: checksum mismatch.*ManifestSHA256 is $bad" \
		with_keys "$srv" "$S3PUB" get --endpoint "$ep" --manifest-sha256 "$bad" "s3://$b/res/" "$TMP/t"
	check "$srv: ... and nothing is left in DIR" empty_dir "$TMP/t"
	expect_exit "$srv: --manifest-sha256 with one object is a usage error" 1 "a manifest is a prefix's" \
		with_keys "$srv" "$S3PUB" get --endpoint "$ep" --manifest-sha256 "$mh" "s3://$b/res/stdout" "$TMP/t"

	# the manifest object tampered with (stdout's SHA-256 changed): the
	# spec's hash refuses it; without a hash the file's line does
	aws_s3 "$srv" s3api get-object --bucket "$b" --key res.s3pub-manifest.json "$TMP/m.json" >/dev/null
	h=$(sha256sum "$TREE/stdout" | cut -c1-64)
	sed "s/$h/$(printf '%s' "$h" | tr '0-9a-f' '1-9a-f0')/" "$TMP/m.json" >"$TMP/m2.json"
	cmp -s "$TMP/m.json" "$TMP/m2.json" && not_ok "$srv: the manifest was not changed (test set-up)"
	aws_s3 "$srv" s3api put-object --bucket "$b" --key res.s3pub-manifest.json --body "$TMP/m2.json" >/dev/null
	expect_exit "$srv: a tampered manifest: get --spec refuses it, exit 6" 6 \
		'res\.s3pub-manifest\.json: checksum mismatch: SHA-256 of the body is [0-9a-f]{64}, ManifestSHA256 is' \
		with_keys "$srv" "$S3PUB" get --spec "$TMP/spec.json" "$TMP/t"
	check "$srv: ... and nothing is left in DIR" empty_dir "$TMP/t"
	expect_exit "$srv: the tampered manifest without a hash: the file's line differs, exit 6" 6 \
		"res/stdout: checksum mismatch: SHA-256 of the body is $h, the manifest says \\{\"path\":\"stdout\"" \
		with_keys "$srv" "$S3PUB" get --endpoint "$ep" "s3://$b/res/" "$TMP/t"
	check "$srv: ... and nothing is left in DIR" empty_dir "$TMP/t"
	aws_s3 "$srv" s3api put-object --bucket "$b" --key res.s3pub-manifest.json --body "$TMP/m.json" >/dev/null

	# one object overwritten with other bytes of the same size
	printf 'HELLO\n' >"$TMP/other"
	aws_s3 "$srv" s3api put-object --bucket "$b" --key res/stdout --body "$TMP/other" >/dev/null
	expect_exit "$srv: an object overwritten is refused, exit 6, key and SHA-256 named" 6 \
		"s3://$b/res/stdout: checksum mismatch: SHA-256 of the body is $(sha256sum "$TMP/other" | cut -c1-64), the manifest says \\{\"path\":\"stdout\",\"size\":6," \
		with_keys "$srv" "$S3PUB" get --spec "$TMP/spec.json" "$TMP/t"
	check "$srv: ... and nothing is left in DIR" empty_dir "$TMP/t"
	aws_s3 "$srv" s3api put-object --bucket "$b" --key res/stdout --body "$TREE/stdout" >/dev/null

	# an extra object under the prefix: with no expected hash, an object
	# added since, refused; with the spec's (a manifest you trust), no
	# part of the result (an earlier publish's file at the same KEY, say):
	# left out, the result fetched
	aws_s3 "$srv" s3api put-object --bucket "$b" --key res/outputs/extra.txt --body "$TMP/other" >/dev/null
	expect_exit "$srv: an object not in the manifest, no hash given: refused, exit 6" 6 \
		"s3://$b/res/outputs/extra\\.txt: not in the manifest" \
		with_keys "$srv" "$S3PUB" get --endpoint "$ep" "s3://$b/res/" "$TMP/t"
	check "$srv: ... and nothing is left in DIR" empty_dir "$TMP/t"
	with_keys "$srv" "$S3PUB" get --spec "$TMP/spec.json" "$TMP/t" 2>"$TMP/err"
	rc=$?
	check_eq "$srv: ... with the spec's hash: left out, exit 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
	check "$srv: ... the result is the tree, without it" same_tree "$TREE" "$TMP/t"
	check "$srv: ... and the summary says so" grep -q "does not list were left out" "$TMP/err"
	rm -rf "$TMP/t" && mkdir -p "$TMP/t"
	aws_s3 "$srv" s3api delete-object --bucket "$b" --key res/outputs/extra.txt >/dev/null

	# a publish again to the same KEY of a tree that lost a file: its spec
	# gets the new tree back (the earlier publish's file stays on the
	# server, left out)
	mkdir -p "$TMP/t2"
	printf 'a\n' >"$TMP/t2/a"
	printf 'b\n' >"$TMP/t2/b"
	with_keys "$srv" "$S3PUB" publish "$TMP/t2" "s3://$b/again,opt=endpoint=$ep,opt=encoding=plain" >/dev/null 2>&1
	rm "$TMP/t2/b"
	with_keys "$srv" "$S3PUB" publish "$TMP/t2" "s3://$b/again,opt=endpoint=$ep,opt=encoding=plain" >"$TMP/spec2.json" 2>&1
	rm -rf "$TMP/t3"
	with_keys "$srv" "$S3PUB" get --spec "$TMP/spec2.json" "$TMP/t3" 2>"$TMP/err"
	rc=$?
	check_eq "$srv: published again with a file fewer: get --spec exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
	check_eq "$srv: ... and gives the new tree" "$(ls "$TMP/t3" 2>&1 | tr '\n' ' ')" "a "

	# a missing object: in the middle of the listing, and the last one
	for k in outputs/nested/table.csv stdout; do
		aws_s3 "$srv" s3api delete-object --bucket "$b" --key "res/$k" >/dev/null
		expect_exit "$srv: a missing object ($k) is refused, exit 6" 6 \
			"s3://$b/res/$(printf '%s' "$k" | sed 's/\./\\./g'): in the manifest, missing" \
			with_keys "$srv" "$S3PUB" get --spec "$TMP/spec.json" "$TMP/t"
		check "$srv: ... and nothing is left in DIR" empty_dir "$TMP/t"
		aws_s3 "$srv" s3api put-object --bucket "$b" --key "res/$k" --body "$TREE/$k" >/dev/null
	done

	# all restored: the same spec passes again (the refusals were the checks')
	rm -rf "$TMP/o"
	with_keys "$srv" "$S3PUB" get --quiet --spec "$TMP/spec.json" "$TMP/o" 2>"$TMP/err"
	rc=$?
	check_eq "$srv: restored, the spec passes again ($(head -c 200 "$TMP/err"))" "$rc" 0

	# no manifest: a hash given is refused, none given is the old behaviour
	aws_s3 "$srv" s3api delete-object --bucket "$b" --key res.s3pub-manifest.json >/dev/null
	expect_exit "$srv: ManifestSHA256 given, no manifest: refused, exit 5 (NoSuchKey)" 5 \
		'res\.s3pub-manifest\.json.*NoSuchKey' \
		with_keys "$srv" "$S3PUB" get --spec "$TMP/spec.json" "$TMP/t"
	check "$srv: ... and nothing is left in DIR" empty_dir "$TMP/t"
	rm -rf "$TMP/o"
	with_keys "$srv" "$S3PUB" get --quiet --endpoint "$ep" "s3://$b/res/" "$TMP/o" 2>"$TMP/err"
	rc=$?
	check_eq "$srv: no manifest, no hash: the prefix is fetched as before ($(head -c 200 "$TMP/err"))" "$rc" 0
	check_eq "$srv: ... unchecked, with mode 644" "$(stat -c %a "$TMP/o/stdout" 2>&1)" 644
	drop_bucket "$srv" "$b"
}

suite rgw
suite swift
