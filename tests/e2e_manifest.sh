#!/bin/sh
# Plain mode's manifest (issue 17), end to end against radosgw and Swift's
# s3api: after the files, KEY.s3pub-manifest.json lists every file; the
# spec's ManifestSHA256 is that object's SHA-256. Oracles: python3 (json,
# hashlib, os.walk) over the tree, the AWS CLI for the stored objects.
. tests/lib.sh
. tests/s3/lib.sh
sh scripts/need.sh awscli:aws python3:python3 >&2 || exit 1

TREE=$TMP/tree
mkdir -p "$TREE/sub/deeper" "$TREE/empty dir"
printf 'hello\n' >"$TREE/stdout"
: >"$TREE/empty"
head -c 200000 /dev/urandom >"$TREE/sub/blob.bin"
printf 'q\n' >"$TREE/sub/q\"uote"
printf 'b\n' >"$TREE/sub/back\\slash"
printf 'u\n' >"$TREE/sub/caf$(printf '\303\251')-$(printf '\342\202\254')"
printf 't\n' >"$TREE/sub/deeper/tab$(printf '\t')here"
chmod 600 "$TREE/sub/blob.bin"
chmod 755 "$TREE/stdout"
ln -s ../stdout "$TREE/sub/link"

# manifest.json TREE: exit 0 when the manifest lists exactly the tree's
# regular files, in sorted order, with python's sizes, modes and SHA-256
cat >"$TMP/oracle.py" <<'PY'
import hashlib, json, os, stat, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
root = sys.argv[2]
want = []
for d, dirs, files in os.walk(root):
    for f in files:
        p = os.path.join(d, f)
        st = os.lstat(p)
        if stat.S_ISREG(st.st_mode):
            want.append({"path": os.path.relpath(p, root), "size": st.st_size,
                         "mode": "%04o" % (st.st_mode & 0o7777),
                         "sha256": hashlib.sha256(open(p, "rb").read()).hexdigest()})
got = doc["files"]
ok = doc["s3pubManifest"] == 1 and \
    sorted(got, key=lambda e: e["path"]) == sorted(want, key=lambda e: e["path"])
# byte for byte: python's json.dumps of the same list (no DEL in the tree)
raw = ("{\"s3pubManifest\":1,\"files\":[\n" + ",\n".join(json.dumps(e, separators=(",", ":"),
       ensure_ascii=False) for e in got) + "\n]}\n").encode()
ok = ok and raw == open(sys.argv[1], "rb").read()
if not ok:
    print("manifest:", got, "\ntree:", want, file=sys.stderr)
sys.exit(0 if ok else 1)
PY
json_field() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Params"].get(sys.argv[2], "(absent)"))' "$1" "$2"
}

suite() {
	srv=$1
	s3_use "$srv" || { skip "$srv: server not up"; return; }
	ep=$S3_EP
	b=$(new_bucket "$srv") || { not_ok "$srv: create bucket"; return; }

	with_keys "$srv" "$S3PUB" publish "$TREE" "s3://$b/res/r1,opt=endpoint=$ep,opt=encoding=plain" \
		>"$TMP/spec.json" 2>"$TMP/err"
	rc=$?
	check_eq "$srv: publish plain exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
	aws_s3 "$srv" s3api get-object --bucket "$b" --key "res/r1.s3pub-manifest.json" \
		"$TMP/m.json" >/dev/null 2>"$TMP/err"
	rc=$?
	check_eq "$srv: the object res/r1.s3pub-manifest.json exists ($(head -c 200 "$TMP/err"))" "$rc" 0
	check "$srv: the manifest lists the tree's files (python: size, mode, SHA-256)" \
		python3 "$TMP/oracle.py" "$TMP/m.json" "$TREE"
	check "$srv: the manifest is in the walk's (byte) order" python3 -c '
import json, sys
p = [e["path"].encode() for e in json.load(open(sys.argv[1]))["files"]]
sys.exit(0 if p == sorted(p) and len(p) == 7 else 1)' "$TMP/m.json"
	check_eq "$srv: the spec's ManifestSHA256 is the manifest object's SHA-256" \
		"$(json_field "$TMP/spec.json" ManifestSHA256)" \
		"$(python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$TMP/m.json")"
	keys=$(aws_s3 "$srv" s3api list-objects-v2 --bucket "$b" --prefix res/r1/ \
		--output json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["Contents"]))')
	check_eq "$srv: the manifest is not under KEY/ (7 file objects there)" "$keys" 7

	# --output yaml carries it too; a second publish of the same tree: same manifest
	with_keys "$srv" "$S3PUB" publish --output yaml "$TREE" "s3://$b/res/r2,opt=endpoint=$ep,opt=encoding=plain" \
		>"$TMP/spec.yaml" 2>"$TMP/err"
	check_eq "$srv: --output yaml: the same ManifestSHA256 (deterministic)" \
		"$(sed -n 's/^  ManifestSHA256: "\(.*\)"$/\1/p' "$TMP/spec.yaml")" \
		"$(json_field "$TMP/spec.json" ManifestSHA256)"

	# --dry-run (no network) prints the same manifest SHA-256
	dry=$("$S3PUB" publish --dry-run "$TREE" "s3://$b/res/r1,opt=encoding=plain" 2>"$TMP/err")
	rc=$?
	check_eq "$srv: --dry-run exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
	check_eq "$srv: --dry-run prints the manifest's key, size and ManifestSHA256" \
		"$(printf '%s\n' "$dry" | tail -n 1)" \
		"res/r1.s3pub-manifest.json	$(wc -c <"$TMP/m.json" | tr -d ' ')	ManifestSHA256 $(json_field "$TMP/spec.json" ManifestSHA256)"

	# a name that is not UTF-8 cannot be in the manifest: refused before the
	# first file is sent (exit 2, naming it), no object written
	mkdir -p "$TMP/bad"
	printf 'a\n' >"$TMP/bad/a.txt"
	printf 'b\n' >"$TMP/bad/b-$(printf '\377\376').txt"
	expect_exit "$srv: a name that is not UTF-8 -> 2, naming it" 2 "not UTF-8" \
		with_keys "$srv" "$S3PUB" publish "$TMP/bad" "s3://$b/bad/r,opt=endpoint=$ep,opt=encoding=plain"
	check_eq "$srv: ... no object written" \
		"$(aws_s3 "$srv" s3api list-objects-v2 --bucket "$b" --prefix bad/ --query 'length(Contents || `[]`)' --output text 2>&1)" 0

	# keys over S3's 1,024 bytes: refused before any file goes (exit 2),
	# --dry-run too
	long=$(printf 'd%.0s' $(seq 250))
	mkdir -p "$TMP/long/$long/$long/$long/$long/$long"
	printf 'a\n' >"$TMP/long/a.txt"
	printf 'x\n' >"$TMP/long/$long/$long/$long/$long/$long/x.txt"
	expect_exit "$srv: a key over 1,024 bytes -> 2 before any file goes" 2 "over S3's 1024" \
		with_keys "$srv" "$S3PUB" publish "$TMP/long" "s3://$b/long/r,opt=endpoint=$ep,opt=encoding=plain"
	check_eq "$srv: ... no object written" \
		"$(aws_s3 "$srv" s3api list-objects-v2 --bucket "$b" --prefix long/ --query 'length(Contents || `[]`)' --output text 2>&1)" 0
	expect_exit "$srv: ... and --dry-run says so too -> 2" 2 "over S3's 1024" \
		"$S3PUB" publish --dry-run "$TMP/long" "s3://$b/long/r,opt=encoding=plain"
	# --no-overwrite over an earlier result (its manifest is there): refused
	# before any file is written, even a file of a new name
	mkdir -p "$TMP/new"
	printf 'z\n' >"$TMP/new/zz"
	expect_exit "$srv: --no-overwrite over a result -> 4, nothing written" 4 "r1.s3pub-manifest.json exists \(--no-overwrite\): nothing written\$" \
		with_keys "$srv" "$S3PUB" publish --no-overwrite "$TMP/new" "s3://$b/res/r1,opt=endpoint=$ep,opt=encoding=plain"
	check_eq "$srv: ... the new file's key not there" \
		"$(aws_s3 "$srv" s3api list-objects-v2 --bucket "$b" --prefix res/r1/zz --query 'length(Contents || `[]`)' --output text 2>&1)" 0

	# archive mode has no manifest field
	with_keys "$srv" "$S3PUB" publish "$TREE" "s3://$b/res/a1,opt=endpoint=$ep" \
		>"$TMP/spec-a.json" 2>"$TMP/err"
	check_eq "$srv: archive mode: no ManifestSHA256" "$(json_field "$TMP/spec-a.json" ManifestSHA256)" "(absent)"
	drop_bucket "$srv" "$b"
}

suite rgw
suite swift
