#!/bin/sh
# The command line without a server: presign, publish --dry-run, archive,
# usage errors (SPEC sections 1, 2, 7, 9, 10; issues 2 and 3).
. tests/lib.sh

AK=AKIAIOSFODNN7EXAMPLE
SK=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
keys() { env AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK "$@"; }

# --- the binary: static, stripped, under the size goal of issue 2
if [ "$S3PUB" = ./s3pub ] || [ "$S3PUB" = "$(pwd)/s3pub" ]; then
	hdr=$(readelf -hlSW "$S3PUB" 2>&1)
	sz=$(wc -c <"$S3PUB" | tr -d ' ')
	check_eq "./s3pub is static and stripped" \
		"$(echo "$hdr" | grep -cE 'INTERP|DYNAMIC|\.symtab')" 0
	check_eq "./s3pub: stripped size under 250,000 bytes ($sz)" \
		"$([ "$sz" -lt 250000 ] && echo yes)" yes
fi

# --- version and help
check "version names the SHA-256 back-end" sh -c "'$S3PUB' version | grep -Eq '^s3pub [0-9.]+ .*sha256: (sha-ni|armv8-sha2|portable)'"
check "--help shows the commands" sh -c "'$S3PUB' --help | grep -q 'presign'"
check "publish --help lists --part-size" sh -c "'$S3PUB' publish --help | grep -q -- '--part-size'"
check "presign --help lists --expires" sh -c "'$S3PUB' presign --help | grep -q -- '--expires'"
# Each command's help, and the usage (--help), is help.h's text: the
# binary carries it deflated (scripts/help_z.c) and inflates it. Python
# reads the C literals and macros of help.h itself, and expands each tab
# to column 24 with one space at least (an option longer than 23 columns
# puts its description on the next line).
for c in publish presign get archive; do
	"$S3PUB" $c --help >"$TMP/help.$c" 2>&1
	echo "$?" >"$TMP/help.$c.rc"
done
"$S3PUB" --help >"$TMP/help.usage" 2>&1
echo "$?" >"$TMP/help.usage.rc"
check_eq "--help and each COMMAND --help are help.h's texts, tabs to column 24" "$(python3 - "$TMP" <<'EOF'
import re, sys
lit = re.compile(r'"((?:[^"\\]|\\.)*)"')
src = re.sub(r"/[*].*?[*]/", " ", open("help.h").read(), flags=re.S).replace("\\\n", " ")
# each macro: string literals, and names of the macros before it
macros = {}
for name, value in re.findall(r"^#define (\w+)[ \t]+(.*)$", src, re.M):
    macros[name] = "".join(lit.match(t).group(1) if t[0] == '"' else macros.get(t, "")
                           for t in re.findall(r'"(?:[^"\\]|\\.)*"|\w+', value))
texts = macros["HELP_TEXT"].encode().decode("unicode_escape").split("\0")
bad = []
if len(texts) != 5:
    bad.append("help.h: %d texts, not 5" % len(texts))
for i, c in enumerate(["publish", "presign", "get", "archive", "usage"][:len(texts)]):
    want = []
    for line in texts[i].split("\n")[:-1]:
        head, tab, rest = line.partition("\t")
        if tab and len(head) > 23:
            bad.append(c + ": no room before the tab: " + head)
        want.append(head.ljust(24) + rest if tab else line)
    rc = open(sys.argv[1] + "/help." + c + ".rc").read().strip()
    got = open(sys.argv[1] + "/help." + c).read().split("\n")[:-1]
    if rc != "0" or got != want or not texts[i].startswith("usage: s3pub ") or not texts[i].endswith("\n"):
        bad.append(c + ": exit " + rc + ", not the text of help.h")
print("\n".join(bad) or "same")
EOF
)" same
expect_exit "unknown command" 1 "unknown command 'frobnicate'" "$S3PUB" frobnicate

# --- presign: the URL is exactly AWS's (S3PUB_FAKE_TIME fixes the clock)
url=$(keys env S3PUB_FAKE_TIME=20130524T000000Z "$S3PUB" presign --region us-east-1 --expires 86400 s3://examplebucket/test.txt)
# AWS's documented example ("Authenticating Requests: Using Query
# Parameters"), signature computed by AWS for exactly this request
check_eq "presign equals AWS's documented example" "$url" \
"https://examplebucket.s3.us-east-1.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-SignedHeaders=host&X-Amz-Expires=86400&X-Amz-Signature=$(python3 - <<'EOF'
import hashlib, hmac
def h(k, m): return hmac.new(k, m.encode(), hashlib.sha256).digest()
cr = "\n".join(["GET", "/test.txt",
  "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host",
  "host:examplebucket.s3.us-east-1.amazonaws.com", "", "host", "UNSIGNED-PAYLOAD"])
sts = "\n".join(["AWS4-HMAC-SHA256", "20130524T000000Z", "20130524/us-east-1/s3/aws4_request",
  hashlib.sha256(cr.encode()).hexdigest()])
k = h(h(h(h(b"AWS4wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524"), "us-east-1"), "s3"), "aws4_request")
print(hmac.new(k, sts.encode(), hashlib.sha256).hexdigest())
EOF
)"
url=$(keys env S3PUB_FAKE_TIME=20240101T000000Z "$S3PUB" presign --endpoint http://127.0.0.1:9000 --region eu-west-1 s3://b.with.dots/a/k%20y+z)
case $url in
http://127.0.0.1:9000/b.with.dots/a/k%2520y%2Bz\?X-Amz-Algorithm=*X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101%2Feu-west-1%2Fs3%2Faws4_request*) ok "presign: custom endpoint, path style, key encoded once" ;;
*) not_ok "presign: custom endpoint URL: $url" ;;
esac
url=$(keys env AWS_REGION=ap-south-1 "$S3PUB" presign s3://my.dotted.bucket/k)
case $url in https://s3.ap-south-1.amazonaws.com/my.dotted.bucket/k\?*) ok "presign: dotted bucket on AWS is path style, AWS_REGION used" ;;
*) not_ok "presign: dotted bucket: $url" ;; esac
url=$(keys env AWS_SESSION_TOKEN=tok/en+1 "$S3PUB" presign --method PUT s3://bucket/k)
case $url in *X-Amz-Security-Token=tok%2Fen%2B1*) ok "presign: session token in the URL" ;; *) not_ok "presign: token: $url" ;; esac
url=$(keys env AWS_ENDPOINT_URL_S3=https://s3.example.net "$S3PUB" presign s3://bucket/k)
case $url in https://s3.example.net/bucket/k\?*) ok "presign: AWS_ENDPOINT_URL_S3" ;; *) not_ok "presign: endpoint env: $url" ;; esac

expect_exit "presign: not an s3:// URI" 1 "s3://" keys "$S3PUB" presign http://bucket/key
expect_exit "presign: empty bucket" 1 "bucket" keys "$S3PUB" presign s3:///key
expect_exit "presign: empty key" 1 "key" keys "$S3PUB" presign s3://bucket/
expect_exit "presign: invalid bucket name" 1 "invalid bucket name" keys "$S3PUB" presign s3://Bad_Bucket/k
expect_exit "presign: --expires 0" 1 "604800" keys "$S3PUB" presign --expires 0 s3://bucket/k
expect_exit "presign: --expires 604801" 1 "604800" keys "$S3PUB" presign --expires 604801 s3://bucket/k
expect_exit "presign: --method POST" 1 "GET or PUT" keys "$S3PUB" presign --method POST s3://bucket/k
expect_exit "presign: missing credentials" 1 "credentials" "$S3PUB" presign s3://bucket/k
expect_exit "presign: only the access key" 1 "AWS_SECRET_ACCESS_KEY" env AWS_ACCESS_KEY_ID=x "$S3PUB" presign s3://bucket/k
expect_exit "presign: unknown option" 1 "unknown option '--frob'" keys "$S3PUB" presign --frob s3://bucket/k
expect_exit "presign: option without value" 1 "needs a value" keys "$S3PUB" presign s3://bucket/k --expires
expect_exit "presign: --path-style with --virtual-hosted" 1 "contradict" keys "$S3PUB" presign --path-style --virtual-hosted s3://bucket/k
check "presign: the secret is never printed" sh -c "! env AWS_ACCESS_KEY_ID=$AK AWS_SECRET_ACCESS_KEY=$SK '$S3PUB' presign --verbose s3://bucket/k 2>&1 | grep -qF '$SK'"

# --- publish --dry-run: no network, the spec it would publish
T=$TMP/tree
mkdir -p "$T/sub/empty" && printf 'one\n' >"$T/a.txt" && head -c 100000 /dev/urandom >"$T/sub/b.bin"
"$S3PUB" archive "$T" >"$TMP/a.tgz"
env S3PUB_FAKE_TIME=20230926T140530Z "$S3PUB" publish --dry-run --job-id abc123 "$T" \
	"s3://bucket/results/{jobID}/{date}/{time}/,opt=region=us-west-2" >"$TMP/dry.json"
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Params"][sys.argv[2]])' "$1" "$2"; }
check_eq "dry-run: SPEC's key example plus the suffix" "$(field "$TMP/dry.json" Key)" "results/abc123/20230926/140530/.tar.gz"
check_eq "dry-run: Size equals archive's byte count" "$(field "$TMP/dry.json" Size)" "$(wc -c <"$TMP/a.tgz" | tr -d ' ')"
check_eq "dry-run: ContentSHA256 equals sha256sum" "$(field "$TMP/dry.json" ContentSHA256)" "$(sha256sum <"$TMP/a.tgz" | cut -d' ' -f1)"
check_eq "dry-run: ChecksumSHA256 equals openssl's base64 digest (the x-amz-checksum-sha256 value)" \
	"$(field "$TMP/dry.json" ChecksumSHA256)" "$(openssl dgst -sha256 -binary <"$TMP/a.tgz" | base64)"
check_eq "dry-run: AWS endpoint for the region" "$(field "$TMP/dry.json" Endpoint)" "https://s3.us-west-2.amazonaws.com"
check_eq "dry-run: region from the target" "$(field "$TMP/dry.json" Region)" "us-west-2"
# --dry-run's place is the publish's: the profile's region and
# endpoint_url are read, the endpoint checked and trimmed as s3.c does
printf '[default]\nregion = eu-central-1\nendpoint_url = http://127.0.0.1:9/\n' >"$TMP/dry.cfg"
env AWS_CONFIG_FILE="$TMP/dry.cfg" "$S3PUB" publish --dry-run "$T" s3://Legacy_Bucket/k >"$TMP/dry2.json"
check_eq "dry-run: the profile's region and endpoint_url (trimmed of its '/'), a custom endpoint's bucket rules" \
	"$(field "$TMP/dry2.json" Region) $(field "$TMP/dry2.json" Endpoint)" "eu-central-1 http://127.0.0.1:9"
expect_exit "dry-run: an ftp:// endpoint is refused" 1 "ftp://x" "$S3PUB" publish --dry-run --endpoint ftp://x "$T" s3://bucket/k
expect_exit "dry-run: an endpoint with a query is refused" 1 "must not have a query" \
	"$S3PUB" publish --dry-run --endpoint 'http://h:1?x=1' "$T" s3://bucket/k
check "dry-run: an endpoint with user:password@ is refused, not printed on stdout" \
	sh -c "! '$S3PUB' publish --dry-run --endpoint http://admin:SuperSecret@h '$T' s3://bucket/k 2>/dev/null | grep -q SuperSecret && \
	! '$S3PUB' publish --dry-run --endpoint http://admin:SuperSecret@h '$T' s3://bucket/k >/dev/null 2>&1"
# a region goes into host names: botocore's rule (letters, digits, '-'),
# the source named
expect_exit "presign: --region with '.' and '#' is refused" 1 "^s3pub: --region 'x.evil.com#': not a region name" \
	keys "$S3PUB" presign --region 'x.evil.com#' s3://bkt/k
expect_exit "dry-run: a target's region with '/' is refused" 1 "region 'a/b': not a region name" \
	"$S3PUB" publish --dry-run "$T" "s3://bucket/k,opt=region=a/b"
expect_exit "dry-run: AWS_DEFAULT_REGION is named" 1 "^s3pub: AWS_DEFAULT_REGION 'eu west': not a region name" \
	env AWS_DEFAULT_REGION='eu west' "$S3PUB" publish --dry-run "$T" s3://bucket/k
printf '[default]\nregion = us-east-1 # prod\n' >"$TMP/region.cfg"
expect_exit "presign: the profile's region with a comment is refused, not a bad URL" 1 "the profile's region 'us-east-1 # prod': not a region name" \
	keys env AWS_CONFIG_FILE="$TMP/region.cfg" "$S3PUB" presign s3://bkt/k
check "presign: an upper-case region is taken (as botocore)" keys "$S3PUB" presign --region EU-West-1 s3://bkt/k
# stdout that cannot be written: one line saying so, exit 2 (as archive)
if [ -w /dev/full ]; then
	expect_exit "dry-run: the result spec not written (stdout full): exit 2" 2 "^s3pub: writing to stdout: No space left" \
		sh -c "'$S3PUB' publish --dry-run '$T' s3://bucket/k >/dev/full"
	expect_exit "dry-run plain: the listing not written: exit 2" 2 "^s3pub: writing to stdout: No space left" \
		sh -c "'$S3PUB' publish --dry-run '$T' s3://bucket/k,opt=encoding=plain >/dev/full"
	expect_exit "presign: the URL not written: exit 2" 2 "^s3pub: writing to stdout: No space left" \
		keys sh -c "'$S3PUB' presign s3://bucket/k >/dev/full"
	expect_exit "archive: stdout full: exit 2" 2 "^s3pub: writing to stdout: No space left" \
		sh -c "'$S3PUB' archive '$T' >/dev/full"
	expect_exit "version: not written: exit 2" 2 "^s3pub: writing to stdout: No space left" \
		sh -c "'$S3PUB' version >/dev/full"
	expect_exit "--help: not written: exit 1, said" 1 "^s3pub: cannot write the help text" \
		sh -c "'$S3PUB' publish --help >/dev/full"
else
	skip "stdout full (no writable /dev/full)"
fi
# started with stdin, stdout and stderr closed: /dev/null takes the three
# numbers (else the first files opened would, and stderr's lines would be
# written into whichever it was); seen in /proc while a get waits on a
# server that never answers
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1])); time.sleep(30)' "$TMP/hport" &
hpid=$!
i=0
while [ ! -s "$TMP/hport" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
"$S3PUB" get --verbose --retries 1 --timeout 10 "http://127.0.0.1:$(cat "$TMP/hport")/x.bin" \
	"$TMP/closed" <&- >&- 2>&- &
gpid=$!
sleep 1
check_eq "stdin, stdout, stderr closed at start: /dev/null in their place" \
	"$(readlink /proc/$gpid/fd/0 /proc/$gpid/fd/1 /proc/$gpid/fd/2 | tr '\n' ' ')" \
	"/dev/null /dev/null /dev/null "
kill $gpid $hpid 2>/dev/null
wait $gpid $hpid 2>/dev/null
check "archive: gzip -t" gzip -t "$TMP/a.tgz"
check_eq "archive: same bytes twice" "$("$S3PUB" archive "$T" | sha256sum)" "$(sha256sum <"$TMP/a.tgz")"
# script(1) gives the command a terminal as stdout
check "archive: refuses a terminal" sh -c "script -qec '$S3PUB archive $T' /dev/null </dev/null | grep -q 'refusing to write binary data to a terminal'"

"$S3PUB" publish --dry-run "$T" "s3,opt=bucket=bucket,opt=key=pre/fix,opt=encoding=plain" >"$TMP/plain.txt"
check_eq "dry-run plain: keys and sizes" "$(head -n 2 "$TMP/plain.txt")" "$(printf 'pre/fix/a.txt\t4\npre/fix/sub/b.bin\t100000')"
check_eq "dry-run plain: the manifest's key, size and SHA-256 (python builds it)" "$(tail -n +3 "$TMP/plain.txt")" "$(python3 -c '
import hashlib, json, os, sys
t = sys.argv[1]
fs = [{"path": p, "size": os.path.getsize(os.path.join(t, p)), "mode": "%04o" % (os.stat(os.path.join(t, p)).st_mode & 0o7777),
       "sha256": hashlib.sha256(open(os.path.join(t, p), "rb").read()).hexdigest()} for p in ("a.txt", "sub/b.bin")]
doc = ("{\"s3pubManifest\":1,\"files\":[\n" + ",\n".join(json.dumps(f, separators=(",", ":")) for f in fs) + "\n]}\n").encode()
print("pre/fix.s3pub-manifest.json\t%d\tManifestSHA256 %s" % (len(doc), hashlib.sha256(doc).hexdigest()))' "$T")"
"$S3PUB" publish --dry-run --output yaml "$T" "s3://bucket/k" >"$TMP/dry.yaml"
check "dry-run --output yaml parses as YAML with the same fields" sh -c "
	for py in python3 /usr/bin/python3; do \$py -c 'import yaml' 2>/dev/null && break; done
	\$py -c 'import yaml,sys; d=yaml.safe_load(open(sys.argv[1])); assert d[\"Type\"]==\"s3\" and d[\"Params\"][\"Key\"]==\"k.tar.gz\", d' '$TMP/dry.yaml'"
printf 'Publisher:\n  Type: s3\n  Params:\n    Bucket: bk1\n    Key: "k/{nodeID}"\n    Encoding: plain\n' >"$TMP/s.yaml"
check_eq "dry-run --spec YAML, node id from BACALHAU_NODE_ID" \
	"$(env BACALHAU_NODE_ID=n1 "$S3PUB" publish --dry-run --spec "$TMP/s.yaml" "$T" | head -1)" "$(printf 'k/n1/a.txt\t4')"
printf '{"Publisher":{"Type":"s3","Params":{"Bucket":"bk2","Key":"j","Region":"eu-central-1"}}}' >"$TMP/s.json"
check_eq "dry-run --spec JSON, --region overrides it" \
	"$("$S3PUB" publish --dry-run --region sa-east-1 --spec "$TMP/s.json" "$T" | python3 -c 'import json,sys; p=json.load(sys.stdin)["Params"]; print(p["Bucket"], p["Key"], p["Region"])')" "bk2 j.tar.gz sa-east-1"
env SOURCE_DATE_EPOCH=86400 "$S3PUB" archive "$T" | tar -tvzf - >"$TMP/sde.txt"
check "SOURCE_DATE_EPOCH clamps mtimes and zeroes owners" sh -c "! grep -v ' 0/0 .* 1970-01-02 00:00 ' '$TMP/sde.txt' | grep -q ."

# --- usage and input errors: exit status and one line naming the cause
expect_exit "publish: missing DIR -> 2" 2 "$TMP/missing" "$S3PUB" publish --dry-run "$TMP/missing" s3://bucket/k
expect_exit "publish: DIR is a file -> 2" 2 "a.txt" "$S3PUB" publish --dry-run "$T/a.txt" s3://bucket/k
expect_exit "publish: no TARGET" 1 "TARGET" "$S3PUB" publish --dry-run "$T"
expect_exit "publish: bad target field" 1 "frob" "$S3PUB" publish --dry-run "$T" "s3://bucket/k,frob"
expect_exit "publish: bad encoding" 1 "encoding" "$S3PUB" publish --dry-run "$T" "s3://bucket/k,opt=encoding=zip"
expect_exit "publish: placeholder without value" 1 "executionID" "$S3PUB" publish --dry-run "$T" "s3://bucket/{executionID}"
expect_exit "publish: missing key" 1 "[Kk]ey" "$S3PUB" publish --dry-run "$T" "s3://bucket/"
expect_exit "publish: --part-size below 5MiB" 1 "5MiB" "$S3PUB" publish --dry-run --part-size 1MiB "$T" s3://bucket/k
expect_exit "publish: --part-size not a size" 1 "part-size" "$S3PUB" publish --dry-run --part-size lots "$T" s3://bucket/k
# sizes as the AWS CLI's SIZE_SUFFIX reads them: MB is MiB
check "publish: --part-size 5MB is 5 MiB, S3's minimum (as the AWS CLI)" "$S3PUB" publish --dry-run --part-size 5MB "$T" s3://bucket/k
check "publish: --part-size 5mb and 1tb" sh -c "'$S3PUB' publish --dry-run --part-size 5mb '$T' s3://bucket/k && '$S3PUB' publish --dry-run --part-size 1tb '$T' s3://bucket/k"
expect_exit "publish: --part-size 5000000 (5 MB, not MiB) below 5MiB" 1 "5MiB" "$S3PUB" publish --dry-run --part-size 5000000 "$T" s3://bucket/k
expect_exit "publish: --part-size 5000KB (4.9 MiB) below 5MiB" 1 "5MiB" "$S3PUB" publish --dry-run --part-size 5000KB "$T" s3://bucket/k
expect_exit "publish: --retries 0" 1 "retries" "$S3PUB" publish --dry-run --retries 0 "$T" s3://bucket/k
expect_exit "publish: --output xml" 1 "json or yaml" "$S3PUB" publish --dry-run --output xml "$T" s3://bucket/k
printf 'Publisher:\n  Type: s3\n  Params:\n    Bukcet: b\n' >"$TMP/bad.yaml"
expect_exit "publish: malformed spec names file and line" 1 "bad.yaml:4" "$S3PUB" publish --dry-run --spec "$TMP/bad.yaml" "$T"
expect_exit "publish: missing credentials" 1 "credentials" "$S3PUB" publish "$T" "s3://bucket/k,opt=endpoint=http://127.0.0.1:9"
expect_exit "publish: SOURCE_DATE_EPOCH garbage" 1 "SOURCE_DATE_EPOCH" env SOURCE_DATE_EPOCH=soon "$S3PUB" publish --dry-run "$T" s3://bucket/k
expect_exit "publish --presigned-url: an empty body's checksum in the URL is refused" 1 "x-amz-checksum-crc32=AAAAAA== is an empty body.s checksum" \
	"$S3PUB" publish --presigned-url "http://127.0.0.1:9/b/k.tgz?x-amz-checksum-crc32=AAAAAA%3D%3D&X-Amz-Signature=abc" "$T"
expect_exit "publish: --storage-class in lower case" 1 "storage-class 'standard'" "$S3PUB" publish --dry-run --storage-class standard "$T" s3://bucket/k
expect_exit "publish: --sse-kms-key-id without aws:kms" 1 "aws:kms" "$S3PUB" publish --dry-run --sse AES256 --sse-kms-key-id k "$T" s3://bucket/k
expect_exit "publish: --metadata key with a blank" 1 "metadata 'a b=1'" "$S3PUB" publish --dry-run --metadata 'a b=1' "$T" s3://bucket/k
expect_exit "publish: object options with --presigned-url" 1 "presign them" "$S3PUB" publish --tag k=v --presigned-url http://127.0.0.1:9/b/k.tgz "$T"
check "custom endpoint: a legacy bucket name (capitals, '_') is accepted" \
	"$S3PUB" publish --dry-run "$T" "s3://Legacy_Bucket/k,opt=endpoint=http://127.0.0.1:9"
expect_exit "AWS endpoint: the same name is refused" 1 "invalid bucket name" \
	"$S3PUB" publish --dry-run "$T" "s3://Legacy_Bucket/k"
expect_exit "get: a legacy bucket name on a custom endpoint is taken as publish takes it (then no server: 3)" 3 \
	"GetObject s3://Legacy_Bucket/k: 127.0.0.1:9" keys "$S3PUB" get --retries 1 --endpoint http://127.0.0.1:9 s3://Legacy_Bucket/k "$TMP/got"
expect_exit "get: on AWS it is refused" 1 "invalid bucket name" keys "$S3PUB" get s3://Legacy_Bucket/k "$TMP/got"
