#!/bin/sh
# tests/s3/servers.sh: the local S3 servers of the end-to-end tests and of
# `make demo`.
#
#   sh tests/s3/servers.sh VERB...      VERB: install, start, stop, status
#
# Two independent, strict S3 implementations, both on 127.0.0.1:
#   rgw    Ceph radosgw (the primary): one monitor and one memstore OSD, plain
#          HTTP and HTTPS (a throw-away CA made at start), virtual-hosted
#          style for *.localhost, versioning.
#   swift  OpenStack Swift with its s3api middleware: another code base that
#          also checks SigV4 strictly; versioning through versioned_writes.
#
# All state lives under build/s3/ of this checkout (STATE). `start` stops what
# a previous run left (by PID file), wipes the state and starts afresh, waits
# until each server answers a signed request, then writes build/s3/env.sh:
#   S3_UP="rgw swift"          the servers that are up (RGW_UP=1, SWIFT_UP=1)
#   RGW_ENDPOINT               http://127.0.0.1:PORT
#   RGW_TLS_ENDPOINT           https://localhost:PORT (RGW_TLS_IP_ENDPOINT:
#                              the same by IP address; both in the certificate)
#   RGW_CA                     the CA certificate (PEM) that signed it
#   RGW_ACCESS_KEY RGW_SECRET_KEY, SWIFT_ENDPOINT SWIFT_ACCESS_KEY
#   SWIFT_SECRET_KEY, S3_REGION (us-east-1), PY_BOTO (see tests/s3/env.sh)
# and exits non-zero if a server did not come up (env.sh still lists the
# ones that did). `stop` kills our daemons by PID and waits for them.
#
# Environment:
#   S3_SERVERS     which servers to install/start (default "rgw swift")
#   S3_PORT_BASE   first of the 100 ports used (default 27400): mon +0, rgw
#                  HTTP +1, rgw HTTPS +2, OSD +20..+59, Swift proxy +10,
#                  object +11, container +12, account +13
#   S3_MEMSTORE_MB the OSD's capacity; memstore keeps objects in RAM, so keep
#                  test objects small (default 1024)
#   S3_LOG_LEVEL   Swift's log level (default WARNING)
#
# Runs as root on Debian 12 (install), or as anyone once the packages exist.
here=$(cd "$(dirname "$0")" && pwd) || exit 1
ROOT=$(cd "$here/../.." && pwd) || exit 1
STATE=$ROOT/build/s3
SERVERS=${S3_SERVERS:-rgw swift}
BASE=${S3_PORT_BASE:-27400}
MON_PORT=$BASE
RGW_PORT=$((BASE + 1))
RGW_TLS_PORT=$((BASE + 2))
SWIFT_PORT=$((BASE + 10))
MEMSTORE_MB=${S3_MEMSTORE_MB:-1024}
# fixed test keys (never real secrets); the Swift ones are tempauth's
# account:user and key, which s3api takes as access key and secret
RGW_ACCESS_KEY=S3PUBTESTRGWKEY00001
RGW_SECRET_KEY=s3pub/test+rgw/secret0000000000000000001
SWIFT_ACCESS_KEY=test:tester
SWIFT_SECRET_KEY=testing
REGION=us-east-1

# servers on 127.0.0.1 must never be reached through a proxy
unset HTTP_PROXY HTTPS_PROXY http_proxy https_proxy ALL_PROXY all_proxy
unset AWS_CA_BUNDLE CURL_CA_BUNDLE

say() { echo "servers.sh: $*" >&2; }
now() { date +%s.%N | cut -c1-14; }
since() { echo "$1 $(now)" | awk '{printf "%.1f s", $2 - $1}'; }
# stage NAME: with S3_VERBOSE=1, say how long since the start
stage() { [ -n "${S3_VERBOSE:-}" ] && say "  $(since "$T0"): $*"; return 0; }
want() { case " $SERVERS " in *" $1 "*) return 0 ;; esac; return 1; }

# ours PID: PID is alive and is one of our daemons (its command line names
# our state folder), so a PID recycled since is never killed
ours() {
	[ -n "$1" ] && [ -r "/proc/$1/cmdline" ] &&
		tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF "$STATE/"
}

# stop_pidfile FILE: TERM the process, wait up to 10 s, then KILL
stop_pidfile() {
	[ -f "$1" ] || return 0
	pid=$(cat "$1")
	if ours "$pid"; then
		kill "$pid" 2>/dev/null
		i=0
		while ours "$pid" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		if ours "$pid"; then
			say "$(basename "$1" .pid) ($pid) ignored TERM; killing it"
			kill -9 "$pid" 2>/dev/null
			sleep 0.2
		fi
	fi
	rm -f "$1"
}

# port_free PORT: nothing listens on 127.0.0.1:PORT (or 0.0.0.0:PORT)
port_free() {
	! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

# signed_ok URL AK SK [CA]: a SigV4-signed ListBuckets answers 200 (curl
# cannot sign with an access key holding ':', as Swift's do: the AWS CLI then)
signed_ok() {
	case $2 in *:*)
		AWS_ACCESS_KEY_ID=$2 AWS_SECRET_ACCESS_KEY=$3 AWS_DEFAULT_REGION=$REGION \
			AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
			timeout 20 aws --endpoint-url "$1" ${4:+--ca-bundle "$4"} s3api list-buckets >/dev/null 2>&1
		return ;;
	esac
	code=$(curl -s --noproxy '*' -o /dev/null -w '%{http_code}' --max-time 5 \
		${4:+--cacert "$4"} --aws-sigv4 "aws:amz:$REGION:s3" --user "$2:$3" \
		-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "$1/") || true
	[ "$code" = 200 ]
}

# wait_for SECONDS COMMAND...: retry COMMAND every 0.2 s
wait_for() {
	_end=$(($(date +%s) + $1)); shift
	until "$@"; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.2
	done
}

# what each server needs, as need.sh's PACKAGE:COMMAND: `install` installs
# the packages, `start` first looks for the commands
RGW_PKGS="ceph-mon:ceph-mon ceph-osd:ceph-osd radosgw:radosgw ceph-common:radosgw-admin uuid-runtime:uuidgen"
SWIFT_PKGS="swift:swift-ring-builder swift-proxy:swift-proxy-server swift-account:swift-account-server swift-container:swift-container-server swift-object:swift-object-server"

do_install() {
	t0=$(now)
	pkgs="openssl:openssl curl:curl iproute2:ss"
	want rgw && pkgs="$pkgs $RGW_PKGS"
	want swift && pkgs="$pkgs $SWIFT_PKGS"
	pkgs="$pkgs awscli:aws"
	# boto3 for the Python checkers: Debian's python3-boto3 serves
	# /usr/bin/python3, which is not `python3` when pyenv or a venv is first
	# in PATH (tests/s3/env.sh picks the right one as PY_BOTO)
	if ! python3 -c 'import boto3' 2>/dev/null; then
		pkgs="$pkgs python3-boto3"
	fi
	# shellcheck disable=SC2086
	sh "$ROOT/scripts/need.sh" $pkgs || return 1
	say "install: $(since "$t0")"
}

# --- Ceph: one monitor, one memstore OSD, radosgw ----------------------------

make_tls() {
	d=$STATE/tls
	rm -rf "$d"; mkdir -p "$d/db"
	: >"$d/db/index"
	# valid from 2000 so that tests with a wrong device clock (or one set
	# back to the binary's build date) still validate the chain
	cat >"$d/ca.cnf" <<EOF
[ca]
default_ca = local
[local]
dir = $d
database = $d/db/index
new_certs_dir = $d/db
serial = $d/db/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
[req]
distinguished_name = dn
prompt = no
[dn]
CN = s3pub test CA
[v3_ca]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_server]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
	echo 01 >"$d/db/serial"
	(
		cd "$d" || exit 1
		openssl genrsa -out ca.key 2048 &&
		openssl req -new -key ca.key -config ca.cnf -out ca.csr &&
		openssl ca -batch -config ca.cnf -selfsign -keyfile ca.key -in ca.csr \
			-extensions v3_ca -startdate 20000101000000Z -enddate 20491231235959Z \
			-notext -out ca.pem &&
		openssl genrsa -out server.key 2048 &&
		openssl req -new -key server.key -subj /CN=localhost -out server.csr &&
		openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in server.csr \
			-extensions v3_server -startdate 20000101000000Z -enddate 20491231235959Z \
			-notext -out server.pem
	) >"$d/openssl.log" 2>&1 || { cat "$d/openssl.log" >&2; return 1; }
	rm -f "$d/ca.csr" "$d/server.csr"
}

# ceph_cli ARGS...: the ceph CLI, retried: a young monitor sometimes answers
# "EPERM: problem getting command descriptions"
ceph_cli() {
	_try=0
	until timeout 60 ceph $C "$@" 2>>"$D/log/ceph-cli.err"; do
		_try=$((_try + 1))
		[ $_try -lt 10 ] || return 1
		echo "(retrying: ceph $*)" >>"$D/log/ceph-cli.err"
		sleep 0.5
	done
}

start_rgw() {
	D=$STATE/ceph
	mkdir -p "$D/mon" "$D/osd" "$D/run" "$D/log" "$D/crash"
	fsid=$(uuidgen)
	cat >"$D/ceph.conf" <<EOF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$MON_PORT
public addr = 127.0.0.1
# without it the OSD listens on every interface
cluster addr = 127.0.0.1
ms bind msgr2 = false
ms bind port min = $((BASE + 20))
ms bind port max = $((BASE + 59))
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
# the monitor refuses to run below 5 % free disk by default
mon data avail crit = 1
osd crush chooseleaf type = 0
# one map change every 0.1 s, not every second: radosgw's first start makes
# its pools one by one, each waiting for a new map (13 s become 5)
paxos propose interval = 0.1
osd class update on start = false
osd crush update on start = false
osd objectstore = memstore
memstore device bytes = $((MEMSTORE_MB * 1048576))
mon data = $D/mon/\$cluster-\$id
osd data = $D/osd/\$cluster-\$id
run dir = $D/run
crash dir = $D/crash
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
pid file = $D/run/\$name.pid
keyring = $D/keyring
[client.rgw.gw]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT ssl_endpoint=127.0.0.1:$RGW_TLS_PORT ssl_certificate=$STATE/tls/server.pem ssl_private_key=$STATE/tls/server.key
# virtual-hosted style: BUCKET.localhost
rgw dns name = localhost
rgw thread pool size = 64
# deleted and aborted data is freed soon (memstore holds it in RAM)
rgw gc obj min wait = 10
rgw gc processor period = 10
EOF
	C="-c $D/ceph.conf"
	(
		cd "$D" || exit 1
		# --addv: with --add, a port other than 6789 would mean msgr2
		monmaptool --create --addv a "[v1:127.0.0.1:$MON_PORT]" --fsid "$fsid" "$D/monmap" >/dev/null &&
		ceph-authtool --create-keyring "$D/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null &&
		ceph-mon $C --mkfs -i a --monmap "$D/monmap" --keyring "$D/keyring"
	) >"$D/log/mkfs.out" 2>&1 || { say "ceph-mon --mkfs failed:"; tail -n 5 "$D/log/mkfs.out" >&2; return 1; }
	stage "mon mkfs done"
	setsid ceph-mon $C -i a -f >"$D/log/mon.out" 2>&1 </dev/null 9>&- &
	echo $! >"$STATE/pid/mon.pid"
	ceph_cli mon stat >/dev/null ||
		{ say "ceph-mon does not answer:"; tail -n 5 "$D/log/mon.out" "$D/log/ceph-cli.err" >&2; return 1; }
	stage "mon answers"
	uuid=$(uuidgen)
	# idempotent for one uuid
	id=$(ceph_cli osd new "$uuid") || { say "ceph osd new failed"; tail -n 3 "$D/log/ceph-cli.err" >&2; return 1; }
	stage "osd new"
	mkdir -p "$D/osd/ceph-$id"
	ceph-osd $C -i "$id" --mkfs --osd-uuid "$uuid" >"$D/log/osd-mkfs.out" 2>&1 ||
		{ say "ceph-osd --mkfs failed:"; tail -n 5 "$D/log/osd-mkfs.out" >&2; return 1; }
	stage "osd mkfs"
	# without it no placement group maps to the OSD, and radosgw hangs
	ceph_cli osd crush add "osd.$id" 1.0 root=default >/dev/null ||
		{ say "ceph osd crush add failed"; tail -n 3 "$D/log/ceph-cli.err" >&2; return 1; }
	# ceph-osd sometimes exits at once at its first start (a race on its
	# first command to the monitor): try again
	stage "crush add"
	osd_up=
	for try in 1 2 3 4 5; do
		setsid ceph-osd $C -i "$id" -f >"$D/log/osd.out" 2>&1 </dev/null 9>&- &
		echo $! >"$STATE/pid/osd.pid"
		i=0
		while [ $i -lt 100 ]; do
			if timeout 10 ceph $C osd stat 2>/dev/null | grep -q ' 1 up'; then osd_up=1; break 2; fi
			ours "$(cat "$STATE/pid/osd.pid")" || break
			sleep 0.2; i=$((i + 1))
		done
		say "ceph-osd start attempt $try failed"
		stop_pidfile "$STATE/pid/osd.pid"
		sleep 1
	done
	[ -n "$osd_up" ] || { say "ceph-osd does not come up:"; tail -n 5 "$D/log/osd.out" >&2; return 1; }
	stage "osd up"
	setsid radosgw $C -n client.rgw.gw -f >"$D/log/rgw.out" 2>&1 </dev/null 9>&- &
	echo $! >"$STATE/pid/rgw.pid"
	wait_for 60 curl -s --noproxy '*' -o /dev/null --max-time 2 "http://127.0.0.1:$RGW_PORT/" ||
		{ say "radosgw does not answer:"; tail -n 5 "$D/log/rgw.out" >&2; return 1; }
	stage "rgw answers"
	i=0
	until timeout 60 radosgw-admin $C user create --uid=s3pub-test --display-name="s3pub tests" \
		--access-key="$RGW_ACCESS_KEY" --secret-key="$RGW_SECRET_KEY" >>"$D/log/user.out" 2>&1 ||
		timeout 60 radosgw-admin $C user info --uid=s3pub-test 2>/dev/null | grep -qF "\"$RGW_ACCESS_KEY\""; do
		i=$((i + 1))
		[ $i -lt 5 ] || { say "radosgw-admin user create failed:"; tail -n 5 "$D/log/user.out" >&2; return 1; }
		sleep 1
	done
	stage "user created"
	wait_for 30 signed_ok "http://127.0.0.1:$RGW_PORT" "$RGW_ACCESS_KEY" "$RGW_SECRET_KEY" ||
		{ say "radosgw refuses the test keys"; return 1; }
	stage "rgw http signed ok"
	wait_for 30 signed_ok "https://localhost:$RGW_TLS_PORT" "$RGW_ACCESS_KEY" "$RGW_SECRET_KEY" "$STATE/tls/ca.pem" ||
		{ say "radosgw does not answer over TLS:"; tail -n 5 "$D/log/rgw.out" >&2; return 1; }
}

# --- Swift + s3api: proxy, account, container, object servers ---------------

start_swift() {
	D=$STATE/swift
	mkdir -p "$D/etc" "$D/srv/node/d1" "$D/log"
	cat >"$D/etc/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = s3pub-test-suffix
swift_hash_path_prefix = s3pub-test-prefix
[storage-policy:0]
name = Policy-0
default = yes
EOF
	# the rings: one partition power 6, one replica, one device each; one
	# Python process builds all three (swift-ring-builder takes 1.3 s a call)
	(
		cd "$D/etc" || exit 1
		/usr/bin/python3 - "$((BASE + 11))" "$((BASE + 12))" "$((BASE + 13))" <<'PY' ||
import sys
from swift.common.ring import RingBuilder
for name, port in zip(("object", "container", "account"), sys.argv[1:]):
    b = RingBuilder(6, 1, 1)
    b.add_dev({"id": 0, "region": 1, "zone": 1, "ip": "127.0.0.1",
               "port": int(port), "device": "d1", "weight": 1})
    b.rebalance()
    b.save(name + ".builder")
    b.get_ring().save(name + ".ring.gz")
PY
		for t in object:11 container:12 account:13; do
			n=${t%%:*}; p=$((BASE + ${t##*:}))
			swift-ring-builder $n.builder create 6 1 1 &&
			swift-ring-builder $n.builder add "r1z1-127.0.0.1:$p/d1" 1 &&
			swift-ring-builder $n.builder rebalance || exit 1
		done
	) >"$D/log/rings.out" 2>&1 || { say "building the Swift rings failed:"; tail -n 5 "$D/log/rings.out" >&2; return 1; }
	for t in object:11 container:12 account:13; do
		n=${t%%:*}; p=$((BASE + ${t##*:}))
		cat >"$D/etc/$n-server.conf" <<EOF
[DEFAULT]
swift_dir = $D/etc
devices = $D/srv/node
mount_check = false
bind_ip = 127.0.0.1
bind_port = $p
workers = 0
log_level = ${S3_LOG_LEVEL:-WARNING}
[pipeline:main]
pipeline = $n-server
[app:$n-server]
use = egg:swift#$n
[$n-replicator]
[$n-auditor]
EOF
		case $n in
		object) printf '[object-updater]\n' >>"$D/etc/$n-server.conf" ;;
		container) printf '[container-updater]\n[container-sync]\n' >>"$D/etc/$n-server.conf" ;;
		account) printf '[account-reaper]\n' >>"$D/etc/$n-server.conf" ;;
		esac
	done
	# s3api before tempauth (it turns SigV4 into a tempauth check);
	# versioned_writes + symlink give S3 versioning; cache is required by
	# s3api even without a memcached server
	cat >"$D/etc/proxy-server.conf" <<EOF
[DEFAULT]
swift_dir = $D/etc
bind_ip = 127.0.0.1
bind_port = $SWIFT_PORT
workers = 0
log_level = ${S3_LOG_LEVEL:-WARNING}
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo versioned_writes symlink proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = $SWIFT_SECRET_KEY .admin
[filter:s3api]
use = egg:swift#s3api
location = $REGION
storage_domain = localhost
[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_object_versioning = true
[filter:symlink]
use = egg:swift#symlink
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$((BASE + 14))
[filter:catch_errors]
use = egg:swift#catch_errors
[filter:gatekeeper]
use = egg:swift#gatekeeper
[filter:healthcheck]
use = egg:swift#healthcheck
[filter:proxy-logging]
use = egg:swift#proxy_logging
[filter:listing_formats]
use = egg:swift#listing_formats
[filter:bulk]
use = egg:swift#bulk
[filter:copy]
use = egg:swift#copy
[filter:slo]
use = egg:swift#slo
[filter:dlo]
use = egg:swift#dlo
EOF
	stage "swift configured"
	for n in account container object proxy; do
		# -v: log to the console (our log file) rather than to syslog
		setsid swift-$n-server "$D/etc/$n-server.conf" -v >"$D/log/$n.log" 2>&1 </dev/null 9>&- &
		echo $! >"$STATE/pid/swift-$n.pid"
	done
	wait_for 60 curl -sf --noproxy '*' -o /dev/null --max-time 2 "http://127.0.0.1:$SWIFT_PORT/healthcheck" ||
		{ say "swift-proxy-server does not answer:"; tail -n 5 "$D/log/proxy.log" >&2; return 1; }
	stage "swift healthcheck"
	wait_for 60 signed_ok "http://127.0.0.1:$SWIFT_PORT" "$SWIFT_ACCESS_KEY" "$SWIFT_SECRET_KEY" ||
		{ say "Swift s3api refuses the test keys:"; tail -n 5 "$D/log/proxy.log" >&2; return 1; }
}

do_stop() {
	[ -d "$STATE/pid" ] || return 0
	for n in swift-proxy swift-object swift-container swift-account rgw osd mon; do
		stop_pidfile "$STATE/pid/$n.pid"
	done
}

do_start() {
	t0=$(now) T0=$t0
	# on a fresh machine `start` alone finds no daemons: say so (not
	# what the first missing tool prints), before anything is stopped
	specs="" missing=""
	want rgw && specs=$RGW_PKGS
	want swift && specs="$specs $SWIFT_PKGS"
	for spec in $specs; do
		command -v "${spec#*:}" >/dev/null 2>&1 || missing="$missing ${spec#*:}"
	done
	if [ -n "$missing" ]; then
		say "not installed:$missing (sh tests/s3/servers.sh install start installs them)"
		return 1
	fi
	do_stop
	rm -rf "$STATE"
	mkdir -p "$STATE/pid"
	ports=""
	want rgw && ports="$MON_PORT $RGW_PORT $RGW_TLS_PORT"
	want swift && ports="$ports $SWIFT_PORT $((BASE + 11)) $((BASE + 12)) $((BASE + 13))"
	for p in $ports; do
		port_free "$p" || { say "port $p is taken (another checkout? set S3_PORT_BASE)"; return 1; }
	done
	# both at once: Ceph mostly waits on its monitor, Swift on Python
	if want swift; then
		(
			t1=$(now)
			if start_swift; then
				: >"$STATE/swift.up"; say "swift up: $(since "$t1")"
			else
				say "swift failed; logs in $STATE/swift/log"
			fi
		) &
		swift_job=$!
	fi
	up="" rc=0
	if want rgw; then
		t1=$(now)
		if make_tls && start_rgw; then
			up="$up rgw"; say "rgw up: $(since "$t1")"
		else
			rc=1; say "rgw failed; logs in $STATE/ceph/log"
		fi
	fi
	if want swift; then
		wait "$swift_job"
		if [ -f "$STATE/swift.up" ]; then up="$up swift"; else rc=1; fi
		rm -f "$STATE/swift.up"
	fi
	write_env "${up# }"
	say "start: $(since "$t0"); $STATE/env.sh"
	return $rc
}

write_env() {
	q() { printf "'%s'" "$1"; }
	{
		echo "# written by tests/s3/servers.sh start, $(date -u +%Y-%m-%dT%H:%M:%SZ); source it"
		echo "export S3_UP=$(q "$1") S3_REGION=$REGION"
		case " $1 " in *" rgw "*)
			echo "export RGW_UP=1"
			echo "export RGW_ENDPOINT=http://127.0.0.1:$RGW_PORT"
			echo "export RGW_TLS_ENDPOINT=https://localhost:$RGW_TLS_PORT"
			echo "export RGW_TLS_IP_ENDPOINT=https://127.0.0.1:$RGW_TLS_PORT"
			echo "export RGW_CA=$(q "$STATE/tls/ca.pem")"
			echo "export RGW_ACCESS_KEY=$(q "$RGW_ACCESS_KEY") RGW_SECRET_KEY=$(q "$RGW_SECRET_KEY")"
			;;
		*) echo "export RGW_UP=" ;;
		esac
		case " $1 " in *" swift "*)
			echo "export SWIFT_UP=1"
			echo "export SWIFT_ENDPOINT=http://127.0.0.1:$SWIFT_PORT"
			echo "export SWIFT_ACCESS_KEY=$(q "$SWIFT_ACCESS_KEY") SWIFT_SECRET_KEY=$(q "$SWIFT_SECRET_KEY")"
			;;
		*) echo "export SWIFT_UP=" ;;
		esac
		echo ". $(q "$here/env.sh")"
	} >"$STATE/env.sh.tmp" && mv "$STATE/env.sh.tmp" "$STATE/env.sh"
}

do_status() {
	rc=0
	for n in mon osd rgw swift-account swift-container swift-object swift-proxy; do
		f=$STATE/pid/$n.pid
		[ -f "$f" ] || continue
		if ours "$(cat "$f")"; then echo "$n: running (pid $(cat "$f"))"
		else echo "$n: dead (pid $(cat "$f"))"; rc=1; fi
	done
	if [ -f "$STATE/env.sh" ]; then
		# shellcheck disable=SC1091
		. "$STATE/env.sh"
		[ -n "$RGW_UP" ] && { signed_ok "$RGW_ENDPOINT" "$RGW_ACCESS_KEY" "$RGW_SECRET_KEY" &&
			echo "rgw: answers at $RGW_ENDPOINT" || { echo "rgw: no answer at $RGW_ENDPOINT"; rc=1; }; }
		[ -n "$SWIFT_UP" ] && { signed_ok "$SWIFT_ENDPOINT" "$SWIFT_ACCESS_KEY" "$SWIFT_SECRET_KEY" &&
			echo "swift: answers at $SWIFT_ENDPOINT" || { echo "swift: no answer at $SWIFT_ENDPOINT"; rc=1; }; }
		[ -z "$S3_UP" ] && { echo "no server up"; rc=1; }
	else
		echo "not started"; rc=1
	fi
	return $rc
}

[ $# -gt 0 ] || { echo "usage: sh tests/s3/servers.sh install|start|stop|status ..." >&2; exit 1; }
# one start or stop at a time per checkout (the tests, the demo and people
# share build/s3): the second waits; daemons are started with fd 9 closed
mkdir -p "$ROOT/build"
exec 9>"$ROOT/build/.s3-servers.lock"
if command -v flock >/dev/null 2>&1 && ! flock -w 300 9; then
	say "another servers.sh holds $ROOT/build/.s3-servers.lock"; exit 1
fi
for verb in "$@"; do
	case $verb in
	install) do_install || exit 1 ;;
	start) do_start || exit 1 ;;
	stop) do_stop; rm -f "$STATE/env.sh" ;;
	status) do_status || exit 1 ;;
	*) echo "servers.sh: unknown verb '$verb' (install, start, stop, status)" >&2; exit 1 ;;
	esac
done
exit 0
