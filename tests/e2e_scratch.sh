#!/bin/sh
# e2e_scratch: the root of the FROM scratch image (Dockerfile; built by
# scripts/scratch-root.sh as `make scratch-root` does) is all s3pub needs.
# The binary runs chrooted into a copy of it with an empty environment
# (env -i, plus the two keys where it publishes): `version`, a --dry-run
# publish, then real publishes to the local radosgw over 127.0.0.1 (the
# chroot shares the network): plain HTTP, HTTPS with the test CA appended to
# the image's own CA bundle (no --ca-file, no variable: the default place),
# refused without it, and the endpoint http://localhost:PORT, a name that
# only the chroot's /etc/resolv.conf can resolve there (no /etc/hosts in the
# image; a stub DNS server on 127.0.0.53, tests/dns_stub.py). The AWS CLI
# checks the objects. Needs root (chroot).
. tests/lib.sh
. tests/s3/lib.sh

if [ "$(id -u)" != 0 ]; then
	skip "scratch root: chroot needs root"
	exit 0
fi
CHROOT=$(command -v chroot) || { skip "scratch root: no chroot"; exit 0; }
sh scripts/need.sh awscli:aws python3:python3 ca-certificates >&2 || exit 1
[ -x "$S3PUB" ] || { not_ok "scratch root: $S3PUB missing (make)"; exit 0; }

R=$TMP/root
if sh scripts/scratch-root.sh "$R" "$S3PUB" 2>"$TMP/err"; then ok "scratch root: scripts/scratch-root.sh builds it"
else not_ok "scratch root: scripts/scratch-root.sh: $(tail -c 300 "$TMP/err")"; exit 0; fi
check_eq "scratch root: the image holds the binary and the CA bundle, nothing else" \
	"$(cd "$R" && find . ! -type d | sort | tr '\n' ' ')" \
	"./etc/ssl/certs/ca-certificates.crt ./s3pub "

# run ENV... -- ARGS...: /s3pub chrooted in $R, environment emptied
run() {
	_env=""
	while [ "$1" != -- ]; do _env="$_env $1"; shift; done
	shift
	# shellcheck disable=SC2086
	env -i $_env "$CHROOT" "$R" /s3pub "$@"
}
spec_field() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Params"][sys.argv[2]])' "$1" "$2" 2>/dev/null
}

out=$(run -- version 2>&1); rc=$?
case "$rc $out" in
"0 s3pub "*) ok "scratch root: env -i chroot /s3pub version ($out)" ;;
*) not_ok "scratch root: env -i chroot /s3pub version: exit $rc: $out" ;;
esac

# the results to publish: inside the root, as a volume would be
D=$R/data
mkdir -p "$D/out/sub"
printf 'hello from scratch\n' >"$D/stdout"
head -c 30000 /dev/urandom >"$D/out/sub/blob.bin"
printf '0' >"$D/exitCode"
"$S3PUB" archive "$D" >"$TMP/want.tgz"
want=$(sha256sum <"$TMP/want.tgz" | cut -d' ' -f1)

run -- publish --dry-run /data "s3://bucket/run/r1,opt=region=eu-west-1" >"$TMP/dry.json" 2>"$TMP/err"
rc=$?
check_eq "scratch root: --dry-run publish exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
check_eq "scratch root: --dry-run ContentSHA256 is the archive's sha256sum" \
	"$(spec_field "$TMP/dry.json" ContentSHA256)" "$want"

if ! s3_up rgw; then
	not_ok "scratch root: radosgw is up (sh tests/s3/servers.sh status)"
	exit 0
fi
B=$(new_bucket rgw) || { not_ok "scratch root: create a bucket"; exit 0; }
KEYS="AWS_ACCESS_KEY_ID=$RGW_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$RGW_SECRET_KEY"

# publish NAME SERVER KEY ENDPOINT: a chrooted publish to ENDPOINT, then the
# object fetched by the AWS CLI from SERVER, checked with sha256sum and tar
publish() {
	_name=$1 _srv=$2 _key=$3 _ep=$4
	run $KEYS -- publish /data "s3://$B/$_key,opt=endpoint=$_ep" >"$TMP/spec.json" 2>"$TMP/err"
	_rc=$?
	check_eq "scratch root: $_name: publish exits 0 ($(head -c 300 "$TMP/err"))" "$_rc" 0
	rm -f "$TMP/got.tgz"; rm -rf "$TMP/x"; mkdir -p "$TMP/x"
	aws_s3 "$_srv" s3 cp "s3://$B/$_key.tar.gz" "$TMP/got.tgz" >/dev/null 2>&1
	check_eq "scratch root: $_name: the object is the archive (sha256sum)" \
		"$(sha256sum <"$TMP/got.tgz" 2>/dev/null | cut -d' ' -f1)" "$want"
	check_eq "scratch root: $_name: the result spec's ContentSHA256" \
		"$(spec_field "$TMP/spec.json" ContentSHA256)" "$want"
	tar -xzf "$TMP/got.tgz" -C "$TMP/x" 2>/dev/null
	check "scratch root: $_name: GNU tar unpacks the tree" diff -r "$D" "$TMP/x"
}

publish "HTTP to 127.0.0.1" rgw scratch/http "$RGW_ENDPOINT"

if s3_up rgw-tls && [ -f "$RGW_CA" ]; then
	# without the test CA in the image's bundle: a certificate error
	run $KEYS -- publish --retries 1 /data "s3://$B/scratch/noca,opt=endpoint=$RGW_TLS_IP_ENDPOINT" \
		>/dev/null 2>"$TMP/err"
	rc=$?
	if [ $rc -ne 0 ] && grep -q 'not trusted by CA bundle /etc/ssl/certs/ca-certificates.crt' "$TMP/err"; then
		ok "scratch root: HTTPS: refused by the image's bundle while the test CA is not in it (exit $rc)"
	else
		not_ok "scratch root: HTTPS: refused without the test CA: exit $rc, $(head -c 300 "$TMP/err")"
	fi
	cat "$RGW_CA" >>"$R/etc/ssl/certs/ca-certificates.crt"
	publish "HTTPS to 127.0.0.1, the CA from the image's bundle" rgw-tls scratch/https "$RGW_TLS_IP_ENDPOINT"
else
	not_ok "scratch root: radosgw's HTTPS endpoint is up"
fi

# a DNS name: only /etc/resolv.conf in the root can resolve it (no
# /etc/hosts there, and musl has no built-in "localhost"); the stub answers
# it with 127.0.0.1. radosgw wants a Host it knows: localhost.
NAME=localhost
PORT=${RGW_ENDPOINT##*:}
if python3 tests/dns_stub.py --check 2>"$TMP/dns.err"; then
	timeout 300 python3 tests/dns_stub.py "$NAME" 127.0.0.1 >"$TMP/dns.log" 2>&1 &
	dns=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		grep -q ready "$TMP/dns.log" 2>/dev/null && break
		sleep 0.5
	done
	run $KEYS -- publish --retries 1 /data "s3://$B/scratch/noresolv,opt=endpoint=http://$NAME:$PORT" \
		>/dev/null 2>"$TMP/err"
	rc=$?
	if [ $rc -ne 0 ] && grep -q 'cannot resolve' "$TMP/err"; then
		ok "scratch root: $NAME unresolved without /etc/resolv.conf (exit $rc)"
	else not_ok "scratch root: $NAME unresolved without /etc/resolv.conf: exit $rc, $(head -c 300 "$TMP/err")"; fi
	echo "nameserver 127.0.0.53" >"$R/etc/resolv.conf"
	publish "HTTP to a DNS name, resolv.conf in the root" rgw scratch/dns "http://$NAME:$PORT"
	if grep -q "query $NAME 1" "$TMP/dns.log"; then ok "scratch root: the name was asked of the resolv.conf's server"
	else not_ok "scratch root: the name was asked of the resolv.conf's server: $(head -c 200 "$TMP/dns.log")"; fi
	kill "$dns" 2>/dev/null
	wait "$dns" 2>/dev/null || :
else
	skip "scratch root: DNS through resolv.conf: $(head -c 200 "$TMP/dns.err")"
fi
