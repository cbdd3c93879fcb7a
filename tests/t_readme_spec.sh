#!/bin/sh
# README's --spec example, cut out of README.md as it stands and read by
# publish --dry-run --spec (which also checks its ObjectOptions' values),
# so that the README and the spec reader cannot drift apart: the example
# once used flow style ({ }), which the reader refuses.
. tests/lib.sh

# the indented block after "by the names of the options:", up to its end
sed -n '/^by the names of the options:$/,/^[^ ]/{/^    /s/^    //p;}' README.md >"$TMP/readme.yaml"
check "README's --spec example found ($(wc -l <"$TMP/readme.yaml") lines)" \
	grep -q '^ObjectOptions:' "$TMP/readme.yaml"
mkdir -p "$TMP/d" && printf 'x\n' >"$TMP/d/f"
"$S3PUB" publish --dry-run --spec "$TMP/readme.yaml" "$TMP/d" >"$TMP/out" 2>"$TMP/err"
rc=$?
check_eq "README's --spec example: publish --dry-run --spec exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
check "... and publishes to its Bucket and Key" \
	grep -q '"Bucket":"my-task-results","Key":"results.tar.gz"' "$TMP/out"
