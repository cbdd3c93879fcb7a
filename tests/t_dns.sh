#!/bin/sh
# The stub resolver (dns.c) against a real DNS server (tests/dns_stub.py,
# an independent implementation in python) and real files: s3pub runs
# chrooted in a root of its own (the static binary, etc/hosts,
# etc/resolv.conf), so only those files decide. What it resolved shows in
# --verbose ("connecting to NAME port P (ADDRESS)"; port 9 is closed, the
# connection is refused after the name is resolved), what it asked in the
# stub's log ("query NAME TYPE"). Needs root (chroot, port 53).
. tests/lib.sh
[ "$(id -u)" = 0 ] || { skip "t_dns: not root (chroot, port 53)"; exit 0; }
if ! python3 tests/dns_stub.py --check 2>"$TMP/dns.err"; then
	skip "t_dns: port 53 on 127.0.0.53: $(head -c 200 "$TMP/dns.err")"
	exit 0
fi
R=$TMP/root
mkdir -p "$R/etc" "$R/tmp"
cp "$S3PUB" "$R/s3pub"

python3 tests/dns_stub.py minio.lab.example 127.0.0.9 >"$TMP/dns.log" 2>&1 &
DNS=$!
DNS2=
trap 'kill $DNS $DNS2 2>/dev/null; rm -rf "$TMP"' EXIT
for _ in 1 2 3 4 5 6 7 8 9 10; do
	grep -q ready "$TMP/dns.log" 2>/dev/null && break
	sleep 0.3
done

# resolve NAME: s3pub's verbose log and status (RC), in the root
resolve() {
	: >"$TMP/dns.log.mark"
	cp "$TMP/dns.log" "$TMP/dns.before"
	chroot "$R" /s3pub get --verbose --retries 1 --connect-timeout 2 --no-sign-request \
		--endpoint "http://$1:9" s3://bucket1/k /tmp/out >"$TMP/out" 2>"$TMP/err"
	RC=$?
	# the questions asked during this run only
	tail -n +$(($(wc -l <"$TMP/dns.before") + 1)) "$TMP/dns.log" >"$TMP/asked"
}
connected() { grep -o "connecting to [^ ]* port 9 ([^)]*)" "$TMP/err" | sed 's/.*(//; s/)//' | tr '\n' ' ' | sed 's/ $//'; }

# /etc/hosts decides first, without a question
printf '127.0.0.7 db.local db\n::1 db\n# 127.0.0.8 db\n' >"$R/etc/hosts"
echo "nameserver 127.0.0.53" >"$R/etc/resolv.conf"
resolve db
check_eq "hosts: both lines naming it, IPv4 first" "$(connected)" "127.0.0.7 ::1"
check_eq "hosts: no DNS question asked" "$(wc -l <"$TMP/asked" | tr -d ' ')" 0
# a big /etc/hosts (ad blockers' are megabytes) is read to its end, in
# whole lines: none is cut at a buffer's edge (4095 bytes, the old cut)
# into a shorter name, and one longer than the buffer is skipped whole
# pad N: N bytes of comment lines
pad() { awk -v n="$1" 'BEGIN { for (; n > 0; n -= l) { l = n < 80 ? n : 40; printf "#%*s\n", l - 2, "" } }'; }
{ pad 4081; echo "10.9.9.9 minio.unrelated.example"; pad 6000; echo "127.0.0.1 minio.lab.example.internal"; } >"$R/etc/hosts"
check_eq "hosts: a 4096-byte cut would fall after '10.9.9.9 minio'" "$(head -c 4095 "$R/etc/hosts" | tail -n 1)" "10.9.9.9 minio"
echo "127.0.0.1 minio" >>"$R/etc/hosts"
resolve minio.lab.example.internal
check_eq "hosts: a name on the last line of 10 KB" "$(connected)" "127.0.0.1"
resolve minio
check_eq "hosts: a line is never cut into another name" "$(connected)" "127.0.0.1"
# (the first: its part after 4095 bytes would read as a line of its own;
# the second: its start, or its part after 8191 bytes)
{ printf '10.1.1.1 %04085d 10.9.9.6 minio\n10.9.9.7 minio %08176d10.9.9.5 minio\n' 0 0; echo "127.0.0.1 minio"; } >"$R/etc/hosts"
resolve minio
check_eq "hosts: lines longer than the buffer are skipped whole" "$(connected)" "127.0.0.1"
printf '127.0.0.7 db.local db\n::1 db\n# 127.0.0.8 db\n' >"$R/etc/hosts"

# DNS: A and AAAA asked; the A answer used
resolve minio.lab.example
check_eq "DNS: the server's A record" "$(connected)" "127.0.0.9"
check "DNS: A and AAAA asked" sh -c "grep -q 'query minio.lab.example 1' '$TMP/asked' && grep -q 'query minio.lab.example 28' '$TMP/asked'"

# search: a short name tries the search domains first (ndots 1)
printf 'nameserver 127.0.0.53\nsearch other.example lab.example\n' >"$R/etc/resolv.conf"
resolve minio
check_eq "search: minio found as minio.lab.example" "$(connected)" "127.0.0.9"
check_eq "search: the domains in order, then found" \
	"$(grep -o 'query [^ ]* 1' "$TMP/asked" | cut -d' ' -f2 | tr '\n' ' ')" \
	"minio.other.example minio.lab.example "
# a name with a trailing dot: itself only
resolve minio.
check "absolute name: NXDOMAIN, no search" sh -c "grep -q 'cannot resolve host name: no such host' '$TMP/err' && ! grep -q 'lab.example' '$TMP/asked'"
# ndots: with ndots:2 a one-dot name tries the search list first
printf 'nameserver 127.0.0.53\nsearch lab.example\noptions ndots:2\n' >"$R/etc/resolv.conf"
resolve minio.lab
check_eq "ndots:2: minio.lab.lab.example asked before minio.lab" \
	"$(grep -o 'query [^ ]* 1' "$TMP/asked" | cut -d' ' -f2 | tr '\n' ' ')" \
	"minio.lab.lab.example minio.lab "
# a name nobody knows
resolve nothere.example
check "NXDOMAIN: 'no such host', exit 3" sh -c "[ $RC = 3 ] && grep -q 'cannot resolve host name: no such host' '$TMP/err'"
# resolv.conf: its first 4 KiB of whole lines; a line cut there is not
# read as a shorter one (search lab.example.invalid as lab.example)
{ echo "nameserver 127.0.0.53"; pad 4055; echo "search lab.example.invalid"; } >"$R/etc/resolv.conf"
check_eq "resolv.conf: a 4096-byte cut would fall after 'search lab.example'" "$(head -c 4095 "$R/etc/resolv.conf" | tail -n 1)" "search lab.example"
resolve minio
check "resolv.conf: the cut line not used (minio.lab.example not asked)" sh -c "[ -z '$(connected)' ] && ! grep -q 'query minio.lab.example ' '$TMP/asked'"
# a server that is not there: refused at once, not after the time-out
printf 'nameserver 127.0.0.54\n' >"$R/etc/resolv.conf"
t0=$(date +%s)
resolve minio.lab.example
check "no server listening: refused at once ($(($(date +%s) - t0)) s)" \
	sh -c "grep -q 'no name server answers (connection refused)' '$TMP/err' && [ $(($(date +%s) - t0)) -le 2 ]"
# a second server answers when the first is out
printf 'nameserver 127.0.0.54\nnameserver 127.0.0.53\n' >"$R/etc/resolv.conf"
resolve minio.lab.example
check_eq "two servers, the first out: the second answers" "$(connected)" "127.0.0.9"
# a broken server on 127.0.0.55 (an edge router's IPv6 forwarder): stub2
# OPTIONS... starts it (dns_stub.py's --servfail/--drop), in place of the last
stub2() {
	[ -z "$DNS2" ] || { kill $DNS2; wait $DNS2; } 2>/dev/null
	python3 tests/dns_stub.py "$@" minio.lab.example 127.0.0.9 127.0.0.55 >"$TMP/dns2.log" 2>&1 &
	DNS2=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		grep -q ready "$TMP/dns2.log" 2>/dev/null && break
		sleep 0.3
	done
}
ms() { date +%s%3N; }
# (how long resolve takes, in ms)
timed() { t0=$(ms); resolve "$1"; MS=$(($(ms) - t0)); }
echo "nameserver 127.0.0.55" >"$R/etc/resolv.conf"
stub2 --servfail 28
timed minio.lab.example
check "AAAA SERVFAIL: the A record used at once (${MS} ms)" sh -c "[ '$(connected)' = 127.0.0.9 ] && [ $MS -lt 1500 ]"
stub2 --drop 28
timed minio.lab.example
check "AAAA never answered: the A record used after a short wait (${MS} ms)" sh -c "[ '$(connected)' = 127.0.0.9 ] && [ $MS -lt 2000 ]"
# NXDOMAIN for A is for AAAA too: the next search domain at once
printf 'nameserver 127.0.0.55\nsearch other.example lab.example\n' >"$R/etc/resolv.conf"
timed minio
check "AAAA never answered, NXDOMAIN for A: the next search domain at once (${MS} ms)" sh -c "[ '$(connected)' = 127.0.0.9 ] && [ $MS -lt 1600 ]"
echo "nameserver 127.0.0.55" >"$R/etc/resolv.conf"
stub2 --servfail 1 --servfail 28
timed minio.lab.example
check "A and AAAA SERVFAIL: 'the name server failed (SERVFAIL)' at once, exit 3 (${MS} ms)" \
	sh -c "[ $RC = 3 ] && grep -q 'cannot resolve host name: the name server failed (SERVFAIL)' '$TMP/err' && [ $MS -lt 1500 ]"
printf 'nameserver 127.0.0.55\noptions timeout:1\n' >"$R/etc/resolv.conf"
stub2 --drop 1 --drop 28
resolve minio.lab.example
check "nothing answered: 'no answer from the name server in 1 s'" \
	sh -c "[ $RC = 3 ] && grep -q 'cannot resolve host name: no answer from the name server in 1 s' '$TMP/err'"
# SERVFAIL from one server waits for the other
printf 'nameserver 127.0.0.55\nnameserver 127.0.0.53\n' >"$R/etc/resolv.conf"
stub2 --servfail 1 --servfail 28
resolve minio.lab.example
check_eq "one server SERVFAIL, the other answers: its A record" "$(connected)" "127.0.0.9"
# literals need nothing
rm -f "$R/etc/resolv.conf" "$R/etc/hosts"
resolve 127.0.0.5
check_eq "an IPv4 literal, no files" "$(connected)" "127.0.0.5"
resolve '[::1]'
check_eq "an IPv6 literal, no files" "$(connected)" "::1"
exit 0
