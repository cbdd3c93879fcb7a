#!/bin/sh
# get --spec FILE DIR end to end (issue 17): the result spec that publish
# prints, piped back into get, in JSON and YAML, gzip and plain, on radosgw
# and Swift's s3api. Oracles: the tree itself (diff, find), python's json.
. tests/lib.sh
. tests/s3/lib.sh
sh scripts/need.sh python3:python3 diffutils:diff >&2 || exit 1

TREE=$TMP/tree
mkdir -p "$TREE/outputs/nested"
printf 'hello\n' >"$TREE/stdout"
head -c 200000 /dev/urandom >"$TREE/outputs/blob.bin"
printf 'a,b\n1,2\n' >"$TREE/outputs/nested/table.csv"

same_files() {
	diff -r "$1" "$2" >/dev/null &&
	[ "$(cd "$1" && find . -type f | sort)" = "$(cd "$2" && find . -type f | sort)" ]
}

suite() {
	srv=$1
	s3_use "$srv" || { skip "$srv: server not up"; return; }
	ep=$S3_EP
	b=$(new_bucket "$srv") || { not_ok "$srv: create bucket"; return; }

	for enc in gzip plain; do
		for out in json yaml; do
			rm -rf "$TMP/o"
			with_keys "$srv" "$S3PUB" publish --quiet --output "$out" \
				"$TREE" "s3://$b/r-$enc-$out,opt=endpoint=$ep,opt=encoding=$enc" \
				2>"$TMP/err1" | tee "$TMP/spec.$out" |
				with_keys "$srv" "$S3PUB" get --quiet --spec - "$TMP/o" 2>"$TMP/err"
			rc=$?
			check_eq "$srv: publish --output $out ($enc) | get --spec - exits 0 ($(cat "$TMP/err1" "$TMP/err" | head -c 300))" "$rc" 0
			check_eq "$srv: the $out spec is $out" "$(head -c 1 "$TMP/spec.$out")" \
				"$( [ "$out" = json ] && echo '{' || echo T)"
			check "$srv: $enc/$out round trip equals the tree" same_files "$TREE" "$TMP/o"
		done
	done

	# a tampered ContentSHA256: exit 6, nothing left in DIR
	with_keys "$srv" "$S3PUB" publish --quiet "$TREE" "s3://$b/t1,opt=endpoint=$ep" \
		>"$TMP/good.json" 2>"$TMP/err"
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); p=d["Params"]; h=p["ContentSHA256"]; p["ContentSHA256"]=("0" if h[0]!="0" else "1")+h[1:]; json.dump(d,open(sys.argv[2],"w"))' \
		"$TMP/good.json" "$TMP/bad.json"
	mkdir -p "$TMP/t"; rm -rf "$TMP/t"/*
	expect_exit "$srv: a tampered ContentSHA256 is refused, exit 6" 6 'SHA-256|checksum|mismatch' \
		with_keys "$srv" "$S3PUB" get --spec "$TMP/bad.json" "$TMP/t"
	check_eq "$srv: ... and nothing is left in DIR" "$(ls -A "$TMP/t" | tr '\n' ' ')" ""
	# the untampered one passes, so the refusal above is the digest's
	rm -rf "$TMP/t"
	with_keys "$srv" "$S3PUB" get --quiet --spec "$TMP/good.json" "$TMP/t" 2>"$TMP/err"
	rc=$?
	check_eq "$srv: the same spec untampered passes ($(head -c 200 "$TMP/err"))" "$rc" 0

	# options override the spec: a wrong Endpoint in the spec, the right one given
	sed 's|"Endpoint":"[^"]*"|"Endpoint":"http://127.0.0.1:1"|' "$TMP/good.json" >"$TMP/ep.json"
	rm -rf "$TMP/t"
	with_keys "$srv" "$S3PUB" get --quiet --endpoint "$ep" --spec "$TMP/ep.json" "$TMP/t" 2>"$TMP/err"
	rc=$?
	check_eq "$srv: --endpoint overrides the spec's Endpoint ($(head -c 200 "$TMP/err"))" "$rc" 0
	expect_exit "$srv: get --spec with a SOURCE too is a usage error" 1 'DIR only' \
		with_keys "$srv" "$S3PUB" get --spec "$TMP/good.json" "s3://$b/t1.tar.gz" "$TMP/t2"
}

suite rgw
suite swift
