# tests/t_tls.sh: tls.c through http.c against python3 ssl servers
# (tests/http_server.py --tls) and openssl s_server, with throw-away CAs made
# here by openssl: chains, names, IP SANs, dates, the build-date clock floor.
. tests/lib.sh
sh scripts/need.sh python3 openssl >/dev/null 2>&1
TOOL=${TOOL:-build/tools/tool_http}
# the tool's architecture decides the suites (tls.c, TLS_CHAPOL); TOOL_ARCH
# when TOOL runs a cross build under qemu
ARCH=${TOOL_ARCH:-$(uname -m)}
[ -x "$TOOL" ] || make -s "$TOOL" >/dev/null
T="$TOOL -P"
PIDS=
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$TMP"' EXIT INT TERM

start_py() {
	_pf=$1; shift
	python3 "$@" >/dev/null 2>"$_pf.err" &
	PIDS="$PIDS $!"
	_i=0
	while [ ! -s "$_pf" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
}

# ---- a throw-away PKI: openssl ca, so that every date is chosen here ----
P=$TMP/pki
mkdir -p "$P/new"
cat >"$P/ca.cnf" <<CNF
[ ca ]
default_ca = d
[ d ]
database = $P/index.txt
new_certs_dir = $P/new
serial = $P/serial
default_md = sha256
policy = pol
unique_subject = no
[ pol ]
commonName = supplied
[ ca_ext ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ leaf ]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = \$ENV::SAN
CNF
: >"$P/index.txt"
echo 1000 >"$P/serial"

newkey() {  # newkey FILE rsa|ec
	if [ "$2" = ec ]; then
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
	else
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null
	fi
}
# mkca NAME rsa|ec: self-signed CA valid 2019..2099 (extensions $EXT, default
# ca_ext)
mkca() {
	newkey "$P/$1.key" "$2"
	openssl req -new -key "$P/$1.key" -subj "/CN=s3pub test $1" -out "$P/$1.csr" 2>/dev/null
	SAN=DNS:unused openssl ca -batch -config "$P/ca.cnf" -selfsign -keyfile "$P/$1.key" \
		-in "$P/$1.csr" -out "$P/$1.crt" -extensions "${EXT:-ca_ext}" -notext \
		-startdate 20190101000000Z -enddate 20991231000000Z >/dev/null 2>&1
}
# mkleaf NAME CA rsa|ec SAN START END: server cert + key in NAME.pem/NAME.key,
# signed with $MD (default sha256), extensions $EXT (default leaf)
mkleaf() {
	newkey "$P/$1.key" "$3"
	openssl req -new -key "$P/$1.key" -subj "/CN=$1" -out "$P/$1.csr" 2>/dev/null
	SAN=$4 openssl ca -batch -config "$P/ca.cnf" -keyfile "$P/$2.key" -cert "$P/$2.crt" \
		-md "${MD:-sha256}" -in "$P/$1.csr" -out "$P/$1.pem" -extensions "${EXT:-leaf}" -notext \
		-startdate "$5" -enddate "$6" >/dev/null 2>&1
}
mkca rsaca rsa
mkca ecca ec
mkca otherca rsa
# a private CA as 'openssl x509 -req -signkey' makes it: X.509 v1, no
# basicConstraints; and a self-signed certificate with cA=FALSE (trusted
# only as itself)
newkey "$P/v1ca.key" rsa
openssl req -new -key "$P/v1ca.key" -subj "/CN=s3pub test v1ca" -out "$P/v1ca.csr" 2>/dev/null
openssl x509 -req -in "$P/v1ca.csr" -signkey "$P/v1ca.key" -days 30000 -out "$P/v1ca.crt" 2>/dev/null
# a v3 certificate with keyUsage digitalSignature and no basicConstraints
# (a server's own, pinned in the bundle): not a CA, as OpenSSL has it
newkey "$P/kuonly.key" rsa
openssl req -new -key "$P/kuonly.key" -subj "/CN=s3pub test kuonly" -out "$P/kuonly.csr" 2>/dev/null
printf 'keyUsage=digitalSignature\n' >"$P/kuonly.ext"
openssl x509 -req -in "$P/kuonly.csr" -signkey "$P/kuonly.key" -extfile "$P/kuonly.ext" \
	-days 30000 -out "$P/kuonly.crt" 2>/dev/null
EXT=leaf mkca noca rsa
mkleaf rsa rsaca rsa "DNS:localhost,IP:127.0.0.1,IP:::1" 20200102000000Z 20991231000000Z
mkleaf ec ecca ec "DNS:localhost,IP:127.0.0.1" 20200102000000Z 20991231000000Z
mkleaf dnsonly rsaca rsa "DNS:localhost" 20200102000000Z 20991231000000Z
mkleaf wrongname rsaca rsa "DNS:wrong.example" 20200102000000Z 20991231000000Z
mkleaf expired rsaca rsa "DNS:localhost" 20200102000000Z 20210101000000Z
MD=sha512 mkleaf rsa512 rsaca rsa "DNS:localhost" 20200102000000Z 20991231000000Z
MD=sha384 mkleaf ec384 ecca ec "DNS:localhost" 20200102000000Z 20991231000000Z
MD=sha1 mkleaf rsasha1 rsaca rsa "DNS:localhost" 20200102000000Z 20991231000000Z
# after the build date (at most now): issued after the binary was built
day() { date -u -d "+$1 day" +%Y%m%d%H%M%SZ; }
mkleaf viav1 v1ca rsa "DNS:localhost" 20200102000000Z 20991231000000Z
mkleaf vianoca noca rsa "DNS:localhost" 20200102000000Z 20991231000000Z
mkleaf viaku kuonly rsa "DNS:localhost" 20200102000000Z 20991231000000Z
mkleaf fresh rsaca rsa "DNS:localhost" "$(day 1)" 20991231000000Z
# chains through an intermediate CA (ca_ext), leaf first: an intermediate
# that starts after its leaf (valid together from day 3); two chains never
# valid at one time: a leaf that ends (day 2) before its intermediate starts
# (day 3), and an intermediate that ends (day 2) before its leaf starts
EXT=ca_ext mkleaf lateint rsaca rsa "DNS:unused" "$(day 3)" 20991231000000Z
EXT=ca_ext mkleaf earlyint rsaca rsa "DNS:unused" "$(day 1)" "$(day 2)"
cp "$P/lateint.pem" "$P/lateint.crt"
cp "$P/earlyint.pem" "$P/earlyint.crt"
mkleaf late lateint rsa "DNS:localhost" "$(day 2)" 20991231000000Z
mkleaf gap lateint rsa "DNS:localhost" "$(day 1)" "$(day 2)"
mkleaf gap2 earlyint rsa "DNS:localhost" "$(day 3)" 20991231000000Z
for f in rsaca ecca otherca rsa ec dnsonly wrongname expired rsa512 ec384 rsasha1 \
	fresh lateint earlyint late gap gap2 v1ca noca viav1 vianoca kuonly viaku; do
	[ -s "$P/$f.pem" ] || [ -s "$P/$f.crt" ] || not_ok "made test certificate $f"
done
cat "$P/rsaca.crt" "$P/ecca.crt" >"$P/bundle.pem"

# one server per certificate
cat "$P/lateint.crt" >>"$P/late.pem"
cat "$P/lateint.crt" >>"$P/gap.pem"
cat "$P/earlyint.crt" >>"$P/gap2.pem"
for s in rsa ec dnsonly wrongname expired fresh late gap gap2 viav1 vianoca viaku; do
	start_py "$TMP/$s.port" tests/http_server.py "$TMP/$s.port" --tls "$P/$s.pem" "$P/$s.key"
	eval "PORT_$s=\$(cat \"\$TMP/$s.port\")"
done
C="-c $P/bundle.pem"

out=$($T $C https://localhost:$PORT_rsa/hello 2>&1)
check_eq "RSA chain, host name: accepted" "$(echo "$out" | sed -n '1p;3p')" "hello
status 200"
# file stretches (issue 16): TLS copies them, never sendfile
head -c 300000 /dev/urandom >"$TMP/body"
out=$($T $C -d "$TMP/body" -F "$TMP/body" https://localhost:$PORT_rsa/echo 2>&1)
check_eq "TLS PUT with file stretches: body intact, no sendfile" \
	"$(echo "$out" | sed -n '1p;/^sendfile-bytes/p')" "$(sha256sum "$TMP/body" | cut -c1-64)
sendfile-bytes 0"
out=$($T $C https://localhost:$PORT_ec/hello 2>&1)
check_eq "ECDSA chain: accepted" "$(echo "$out" | sed -n '1p;3p')" "hello
status 200"
# bundles as curl, openssl and python read them: CRLF line ends, and no
# newline after the last END line (the bundle's last CA is the EC one)
sed 's/$/\r/' "$P/bundle.pem" >"$P/crlf.pem"
head -c -1 "$P/bundle.pem" >"$P/nonl.pem"
for b in crlf nonl; do
	out=$($T -c "$P/$b.pem" https://localhost:$PORT_ec/hello 2>&1)
	check_eq "CA bundle $b.pem: its last certificate trusted" \
		"$(echo "$out" | head -1)" hello
done
expect_exit "CA not in the bundle: refused, bundle named" 3 \
	"localhost: certificate not trusted by CA bundle .*otherca.crt" \
	$T -c "$P/otherca.crt" https://localhost:$PORT_rsa/hello
out=$($T -c "$P/v1ca.crt" https://localhost:$PORT_viav1/hello 2>&1)
check_eq "X.509 v1 CA (no basicConstraints) in the bundle: its leaf trusted" \
	"$(echo "$out" | head -1)" hello
expect_exit "issuer with basicConstraints cA=FALSE in the bundle: not a CA" 3 \
	"localhost: certificate not trusted by CA bundle .*noca.crt" \
	$T -c "$P/noca.crt" https://localhost:$PORT_vianoca/hello
expect_exit "issuer with keyUsage and no basicConstraints (v3) in the bundle: not a CA" 3 \
	"localhost: certificate not trusted by CA bundle .*kuonly.crt" \
	$T -c "$P/kuonly.crt" https://localhost:$PORT_viaku/hello
expect_exit "wrong host name: refused" 3 "localhost: host name mismatch" \
	$T $C https://localhost:$PORT_wrongname/hello
out=$($T $C https://127.0.0.1:$PORT_rsa/hello 2>&1)
check_eq "IP endpoint, iPAddress SAN: accepted" "$(echo "$out" | head -1)" hello
expect_exit "IP endpoint, DNS-only certificate: refused" 3 \
	"127.0.0.1: host name mismatch.*iPAddress" \
	$T $C https://127.0.0.1:$PORT_dnsonly/hello
if python3 -c 'import socket;socket.socket(socket.AF_INET6).bind(("::1",0))' 2>/dev/null; then
	start_py "$TMP/v6.port" tests/http_server.py "$TMP/v6.port" --v6 --tls "$P/rsa.pem" "$P/rsa.key"
	out=$($T $C "https://[::1]:$(cat "$TMP/v6.port")/hello" 2>&1)
	check_eq "IPv6 endpoint, iPAddress SAN ::1: accepted" "$(echo "$out" | head -1)" hello
	start_py "$TMP/v6b.port" tests/http_server.py "$TMP/v6b.port" --v6 --tls "$P/ec.pem" "$P/ec.key"
	expect_exit "IPv6 endpoint, SAN with 127.0.0.1 only: refused" 3 "host name mismatch" \
		$T $C "https://[::1]:$(cat "$TMP/v6b.port")/hello"
else skip "IPv6 endpoint: no ::1 here"; fi
out=$($T $C https://localhost:$PORT_dnsonly/hello 2>&1)
check_eq "the DNS-only certificate itself is fine by name" "$(echo "$out" | head -1)" hello
expect_exit "expired certificate: refused" 3 \
	"localhost: certificate expired or not yet valid" \
	$T $C https://localhost:$PORT_expired/hello

# the clock: certificates start 2020-01-02; a device at 2020-01-01 is
# before the build date, which is used instead; a clock after 2099 is used
out=$(S3PUB_FAKE_TIME=20200101T000000Z $T $C https://localhost:$PORT_rsa/hello 2>&1)
check_eq "device clock before the build date: build date used" \
	"$(echo "$out" | head -1)" hello
expect_exit "device clock after the build date: used as is (2100: expired)" 3 \
	"expired or not yet valid" \
	env S3PUB_FAKE_TIME=21000101T000000Z $T $C https://localhost:$PORT_rsa/hello
expect_exit "expired certificate stays refused with an old device clock" 3 \
	"expired or not yet valid" \
	env S3PUB_FAKE_TIME=20200601T000000Z $T $C https://localhost:$PORT_expired/hello
# a clock before the build date (no RTC: 1970) tells only that the time is
# after the build date: the chain is checked at its latest notBefore when
# that is later, and must be valid then as a whole
Z70="env S3PUB_FAKE_TIME=19700101T000000Z"
out=$($Z70 $T $C -v https://localhost:$PORT_fresh/hello 2>&1)
check_eq "clock at 1970, certificate issued after the build: accepted, said in -v" \
	"$(echo "$out" | grep -cx hello) $(echo "$out" | grep -c "^\* TLS 1.2 .* (the device clock, 1970-01-01, is before this build's date: checked at $(date -u -d '+1 day' +%F))")" \
	"1 1"
out=$($Z70 $T $C https://localhost:$PORT_late/hello 2>&1)
check_eq "clock at 1970, intermediate CA issued after its leaf: accepted" \
	"$(echo "$out" | head -1)" hello
expect_exit "clock at 1970, expired before the build date: refused, clock named" 3 \
	"localhost: certificate expired or not yet valid [(]the device clock, 1970-01-01, is before this build's date: checked at 20[0-9-]*[)]\$" \
	$Z70 $T $C https://localhost:$PORT_expired/hello
for g in gap gap2; do
	expect_exit "clock at 1970, a chain never valid at one time ($g): refused" 3 \
		"expired or not yet valid [(]the device clock, 1970-01-01, .*checked at $(date -u -d '+3 day' +%F)[)]" \
		$Z70 $T $C https://localhost:$(eval echo \$PORT_$g)/hello
done
expect_exit "a clock after the build date is used as is: not yet valid" 3 \
	"localhost: certificate expired or not yet valid\$" \
	$T $C https://localhost:$PORT_fresh/hello

# insecure
out=$($T -k https://localhost:$PORT_wrongname/hello 2>"$TMP/k.err")
check_eq "insecure: wrong name and CA accepted" "$(echo "$out" | head -1)" hello
grep -q 'not verified' "$TMP/k.err" && ok "insecure: warning text" ||
	not_ok "insecure: warning text"
out=$($T -k https://localhost:$PORT_expired/hello 2>/dev/null)
check_eq "insecure: expired accepted" "$(echo "$out" | head -1)" hello

# the bundle search order
out=$(AWS_CA_BUNDLE=$P/bundle.pem $T https://localhost:$PORT_rsa/hello 2>&1)
check_eq "AWS_CA_BUNDLE used" "$(echo "$out" | head -1)" hello
out=$(SSL_CERT_FILE=$P/bundle.pem $T https://localhost:$PORT_rsa/hello 2>&1)
check_eq "SSL_CERT_FILE used" "$(echo "$out" | head -1)" hello
expect_exit "AWS_CA_BUNDLE before SSL_CERT_FILE" 3 "not trusted by CA bundle .*otherca" \
	env AWS_CA_BUNDLE=$P/otherca.crt SSL_CERT_FILE=$P/bundle.pem \
	$T https://localhost:$PORT_rsa/hello
expect_exit "--ca-file before AWS_CA_BUNDLE" 3 "not trusted by CA bundle .*otherca" \
	env AWS_CA_BUNDLE=$P/bundle.pem $T -c "$P/otherca.crt" https://localhost:$PORT_rsa/hello
expect_exit "missing CA file: usage error" 1 "CA bundle /nonexistent" \
	$T -c /nonexistent https://localhost:$PORT_rsa/hello
if [ -s /etc/ssl/certs/ca-certificates.crt ]; then
	expect_exit "system bundle by default (test CA not in it)" 3 \
		"not trusted by CA bundle /etc/ssl/certs/ca-certificates.crt" \
		$T https://localhost:$PORT_rsa/hello
else skip "system bundle by default: no /etc/ssl/certs/ca-certificates.crt"; fi

# framing over TLS: the server closes without close_notify
out=$($T $C https://localhost:$PORT_rsa/hello-close 2>&1)
check_eq "no close_notify after a complete response: accepted" \
	"$(echo "$out" | sed -n '1p;3p')" "hello
status 200"
expect_exit "TLS body cut short: exit 6" 6 "cut short after 10 of 100" \
	$T $C https://localhost:$PORT_rsa/truncated
$T $C -o "$TMP/ck" https://localhost:$PORT_ec/chunked >/dev/null 2>&1
printf 'hello world\n' >"$TMP/ck.want"
check "TLS chunked body" cmp "$TMP/ck" "$TMP/ck.want"

# keep-alive and session resumption
c0=$($T $C https://localhost:$PORT_rsa/conns | head -1)
$T $C -n 3 https://localhost:$PORT_rsa/hello >/dev/null 2>&1
c1=$($T $C https://localhost:$PORT_rsa/conns | head -1)
check_eq "TLS keep-alive: 3 requests, 1 connection (server's count)" "$((c1 - c0))" 2

# uploads
head -c 2345678 /dev/urandom >"$TMP/body"
want=$(sha256sum "$TMP/body" | cut -c1-64)
out=$($T $C -e -d "$TMP/body" https://localhost:$PORT_ec/echo 2>&1)
check_eq "TLS PUT with 100-continue: body intact (server's sha256)" \
	"$(echo "$out" | head -1)" "$want"
out=$($T $C -e -d "$TMP/body" https://localhost:$PORT_rsa/deny 2>&1)
check_eq "TLS Expect: early 403 reported, body never read" \
	"$(echo "$out" | grep -E '^(status|body-reads-from-zero)')" "status 403
body-reads-from-zero 0"

# CONNECT proxy
start_py "$TMP/pport" tests/http_proxy.py "$TMP/pport" "$TMP/plog"
PPORT=$(cat "$TMP/pport")
out=$(HTTPS_PROXY=http://127.0.0.1:$PPORT $TOOL $C https://localhost:$PORT_rsa/hello 2>&1)
check_eq "HTTPS_PROXY: CONNECT tunnel, certificate checked through it" \
	"$(echo "$out" | head -1) $(cat "$TMP/plog")" \
	"hello CONNECT localhost:$PORT_rsa HTTP/1.1"
out=$(HTTPS_PROXY=http://127.0.0.1:$PPORT $TOOL $C https://localhost.:$PORT_rsa/hello 2>&1)
check_eq "absolute name localhost. (the proxy resolves it): matches DNS:localhost" \
	"$(echo "$out" | head -1)" hello
expect_exit "HTTPS_PROXY refusing CONNECT: named" 3 "proxy 127.0.0.1:$PPORT.*refused CONNECT.*403" \
	env https_proxy=127.0.0.1:$PPORT $TOOL $C https://localhost.localdomain.invalid:443/

# a proxy asking for credentials: user info of the proxy URL, decoded
start_py "$TMP/aport" tests/http_proxy.py "$TMP/aport" "$TMP/alog" 'u@x:p:ss w'
APORT=$(cat "$TMP/aport")
out=$(HTTPS_PROXY="http://u%40x:p%3Ass%20w@127.0.0.1:$APORT" $TOOL -v $C \
	https://localhost:$PORT_rsa/hello 2>"$TMP/a.err")
check_eq "proxy credentials sent as Proxy-Authorization: Basic" \
	"$(echo "$out" | head -1) $(cat "$TMP/alog")" \
	"hello CONNECT localhost:$PORT_rsa HTTP/1.1 auth-ok"
if grep -q 'p%3Ass\|p:ss' "$TMP/a.err"; then not_ok "proxy password never logged"
else ok "proxy password never logged"; fi
expect_exit "proxy 407 without credentials: named" 3 "refused CONNECT.*407" \
	env HTTPS_PROXY=http://127.0.0.1:$APORT $TOOL $C https://localhost:$PORT_rsa/hello
expect_exit "proxy variable with a bad scheme: password not echoed" 1 \
	"^error: proxy HTTPS_PROXY: only http:// proxies are supported\$" \
	env HTTPS_PROXY=socks5://u:secret@127.0.0.1:1 $TOOL $C https://localhost:$PORT_rsa/hello

# openssl s_server (another TLS stack), -www answers and closes
# sserv ARGS...: one on a free port (SP), waited for by a TCP connect
sserv() {
	SP=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
	(cd "$TMP" && exec openssl s_server -accept 127.0.0.1:$SP -WWW -quiet "$@" \
		>/dev/null 2>&1 </dev/null) &
	PIDS="$PIDS $!"
	_i=0
	while ! python3 -c "import socket;socket.create_connection(('127.0.0.1',$SP),1)" \
		2>/dev/null && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
}
if command -v openssl >/dev/null; then
	echo "from s_server" >"$TMP/page.txt"
	sserv -cert "$P/ec.pem" -key "$P/ec.key"
	out=$($T $C -v -n 2 https://localhost:$SP/page.txt 2>"$TMP/r.err")
	check_eq "openssl s_server -WWW (ECDSA), body to the close" \
		"$(echo "$out" | head -1)" "from s_server"
	# -WWW closes after each answer: the 2nd request is a new connection
	check_eq "session resumed on the second connection" \
		"$(grep -c 'session resumed' "$TMP/r.err")" 1
	# s_server follows the client's order: AES-GCM first on x86-64, where
	# ChaCha20 is not offered, ChaCha20 first elsewhere (tls.c, TLS_CHAPOL)
	if [ "$ARCH" = x86_64 ]; then
		want=ECDHE-ECDSA-AES128-GCM-SHA256; else want=ECDHE-ECDSA-CHACHA20-POLY1305; fi
	check_eq "cipher order by architecture: $want" \
		"$(grep -m1 -o 'TLS 1.2 [A-Z0-9-]*' "$TMP/r.err")" "TLS 1.2 $want"

	sserv -cert "$P/rsa.pem" -key "$P/rsa.key" -cipher ECDHE-RSA-AES256-GCM-SHA384
	out=$($T $C -v https://localhost:$SP/page.txt 2>"$TMP/r.err")
	check_eq "RSA certificate, AES-256-GCM with the SHA-384 PRF" \
		"$(echo "$out" | head -1) $(grep -m1 -o 'TLS 1.2 [A-Z0-9-]*' "$TMP/r.err")" \
		"from s_server TLS 1.2 ECDHE-RSA-AES256-GCM-SHA384"

	sserv -cert "$P/ec.pem" -key "$P/ec.key" -cipher ECDHE-ECDSA-CHACHA20-POLY1305
	if [ "$ARCH" = x86_64 ]; then
		expect_exit "x86-64: a ChaCha20-only server is refused (AES-GCM only), alert named" 3 \
			"localhost: TLS handshake failed: server sent fatal alert 40 handshake_failure [(]no cipher suite in common[)]" \
			$T $C https://localhost:$SP/page.txt
	else
		out=$($T $C -v https://localhost:$SP/page.txt 2>"$TMP/r.err")
		check_eq "ChaCha20-only server" \
			"$(echo "$out" | head -1) $(grep -m1 -o 'TLS 1.2 [A-Z0-9-]*' "$TMP/r.err")" \
			"from s_server TLS 1.2 ECDHE-ECDSA-CHACHA20-POLY1305"
	fi

	sserv -cert "$P/ec.pem" -key "$P/ec.key" -tls1_3
	expect_exit "a TLS 1.3-only server: refused, the alert explained" 3 \
		"localhost: TLS handshake failed: server sent fatal alert 70 protocol_version [(]the server wants TLS 1.3; s3pub speaks TLS 1.2[)]" \
		$T $C https://localhost:$SP/page.txt

	# certificate signatures: SHA-256 above, SHA-384 and SHA-512 here;
	# SHA-1 is refused (tls.c sets no SHA-1 hash)
	# an absolute name (the proxy resolves localhost.): SNI is sent without
	# its final dot (RFC 6066; -servername_fatal refuses any other), and
	# the name is checked without it
	sserv -cert "$P/ec.pem" -key "$P/ec.key" -servername localhost \
		-cert2 "$P/rsa.pem" -key2 "$P/rsa.key" -servername_fatal
	out=$(HTTPS_PROXY=http://127.0.0.1:$PPORT $TOOL $C https://localhost.:$SP/page.txt 2>&1)
	check_eq "absolute name localhost.: SNI localhost, name matched" \
		"$(echo "$out" | head -1)" "from s_server"

	sserv -cert "$P/rsa512.pem" -key "$P/rsa512.key"
	out=$($T $C https://localhost:$SP/page.txt 2>&1)
	check_eq "RSA certificate signed with SHA-512: accepted" "$(echo "$out" | head -1)" \
		"from s_server"
	sserv -cert "$P/ec384.pem" -key "$P/ec384.key"
	out=$($T $C https://localhost:$SP/page.txt 2>&1)
	check_eq "ECDSA certificate signed with SHA-384: accepted" "$(echo "$out" | head -1)" \
		"from s_server"
	sserv -cert "$P/rsasha1.pem" -key "$P/rsasha1.key" -cipher 'DEFAULT:@SECLEVEL=0'
	expect_exit "certificate signed with SHA-1: refused" 3 \
		"localhost: TLS handshake failed: BR_ERR_X509_UNSUPPORTED" \
		$T $C https://localhost:$SP/page.txt
fi
