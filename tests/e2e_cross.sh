#!/bin/sh
# e2e_cross: the static aarch64 and armv7 (hard-float) builds, run under
# qemu-user (no binfmt_misc: qemu-*-static is called explicitly). Issue 9.
#
# For each target (make CROSS=T cross-build, which this script runs):
#   - build/T/s3pub is static (no program interpreter) and stripped;
#   - every unit test, cross-built, under two CPUs: one with the ARMv8 SHA2
#     and CRC32 instructions (qemu -cpu max) and one without them, so the
#     portable code runs everywhere: on arm -cpu cortex-a7 (an ARMv7 with
#     neither: would any of them run, SIGILL); on aarch64 every qemu CPU
#     has them, so S3PUB_SHA256=portable S3PUB_CRC32=portable force it.
#     `s3pub version` must name the expected back-ends under each, and the
#     ARMv8 runs must have tested the instruction paths (not skipped them);
#   - publishes from the emulated binary to the local radosgw on the host:
#     HTTPS (BearSSL on the target) with the ARMv8 paths, HTTP and plain
#     mode (threads) with the portable ones; the AWS CLI fetches the
#     objects, sha256sum and GNU tar check them, and the archive must be
#     byte for byte what the native ./s3pub makes of the same tree.
#
# The unit tests start host programs (python3, tar, sh) through popen: a
# program exec'd by an emulated one is run by the host kernel, so host
# binaries just work, but an ARM binary would not (no binfmt). Tests that
# re-run themselves (test_sha256) do it through argv[0]: qemu's -0 sets it
# to a wrapper script that runs qemu again.
#
# Without the cross toolchains: one "# SKIP" line (sh scripts/cross-deps.sh
# installs them). The local S3 servers are started if they are down, and
# never stopped here (others share them).
. tests/lib.sh
# the runs below choose the back-ends themselves
unset S3PUB_SHA256 S3PUB_CRC32

TARGETS="aarch64 armv7"
need_cross() {
	for _c in aarch64-linux-gnu-gcc arm-linux-gnueabihf-gcc qemu-aarch64-static qemu-arm-static; do
		command -v "$_c" >/dev/null 2>&1 || return 1
	done
	[ -f /usr/lib/aarch64-linux-musl/musl-gcc.specs ] && [ -f /usr/lib/arm-linux-musleabihf/musl-gcc.specs ]
}
if ! need_cross; then
	echo "ok - cross builds (aarch64, armv7) under qemu # SKIP cross toolchains not installed (sh scripts/cross-deps.sh)"
	exit 0
fi
ROOT=$(pwd)

# ---- build (a no-op after `make test-cross`) ----
for t in $TARGETS; do
	if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -j"$(nproc 2>/dev/null || echo 2)" CROSS="$t" cross-build \
		>"$TMP/build-$t.log" 2>&1; then
		ok "$t: make CROSS=$t cross-build"
	else
		not_ok "$t: make CROSS=$t cross-build: $(grep -iE 'error|missing' "$TMP/build-$t.log" | head -5 | tr '\n' ' ')"
	fi
done

# ---- static and stripped ----
for t in $TARGETS; do
	bin=build/$t/s3pub
	case $t in aarch64) re=aarch64-linux-gnu-readelf ;; *) re=arm-linux-gnueabihf-readelf ;; esac
	[ -f "$bin" ] || { not_ok "$t: $bin exists"; continue; }
	hdr=$($re -hlSW "$bin" 2>&1)
	case $t in aarch64) mach=AArch64 ;; *) mach=ARM ;; esac
	if echo "$hdr" | grep -q "Machine: *$mach" && ! echo "$hdr" | grep -qE 'INTERP|DYNAMIC|\.symtab'; then
		ok "$t: $bin is a static, stripped $mach executable ($(wc -c <"$bin" | tr -d ' ') bytes)"
	else
		not_ok "$t: $bin is a static, stripped $mach executable: $(echo "$hdr" | grep -E 'Machine|INTERP|DYNAMIC|\.symtab' | tr '\n' ' ')"
	fi
	# the size goal of issues 2 and 9
	sz=$(wc -c <"$bin" | tr -d ' ')
	check_eq "$t: stripped size under 250,000 bytes ($sz)" "$([ "$sz" -lt 250000 ] && echo yes)" yes
	if [ "$t" = armv7 ]; then
		attrs=$(arm-linux-gnueabihf-readelf -A "$bin" 2>&1)
		if echo "$attrs" | grep -q 'Tag_CPU_arch: v7$' && echo "$attrs" | grep -q 'Tag_ABI_VFP_args: VFP registers'; then
			ok "$t: built for ARMv7 with the hard-float ABI"
		else not_ok "$t: built for ARMv7 with the hard-float ABI: $(echo "$attrs" | grep -E 'CPU_arch|VFP_args' | tr '\n' ' ')"; fi
	fi
done

# ---- runners: WRAP/T-CFG/PROG runs build/T/.../PROG under qemu ----
# CFG: "armv8" (the instructions) or "portable"; wrap T CFG PROGPATH
wrap() {
	_t=$1 _cfg=$2 _prog=$ROOT/$3
	case $_t in aarch64) _q=qemu-aarch64-static ;; *) _q=qemu-arm-static ;; esac
	_env="" _cpu=max
	if [ "$_cfg" = portable ]; then
		case $_t in
		aarch64) _env="S3PUB_SHA256=portable S3PUB_CRC32=portable" ;;
		*) _cpu=cortex-a7 ;;
		esac
	fi
	_w=$TMP/wrap/$_t-$_cfg/$(basename "$_prog")
	mkdir -p "$(dirname "$_w")"
	cat >"$_w" <<EOF
#!/bin/sh
exec env $_env $_q -cpu $_cpu -0 "\$0" '$_prog' "\$@"
EOF
	chmod +x "$_w"
	echo "$_w"
}
cfg_desc() {
	case "$1 $2" in
	"aarch64 armv8") echo "-cpu max" ;;
	"aarch64 portable") echo "-cpu max, S3PUB_SHA256=portable S3PUB_CRC32=portable" ;;
	"armv7 armv8") echo "-cpu max" ;;
	"armv7 portable") echo "-cpu cortex-a7" ;;
	esac
}

# ---- back-ends and unit tests ----
# The armv7 binary has the ARMv8 CRC32 code only when crc32.c builds it by
# the function's target attribute (an armv7 build has no +crc otherwise):
# until then its check is skipped, saying so. (Thumb-2 is Debian armhf's
# default instruction set; a stripped binary has no mapping symbols.)
armv7_crc=1
if [ -f build/armv7/s3pub ] &&
	! arm-linux-gnueabihf-objdump -d -M force-thumb build/armv7/s3pub 2>/dev/null | grep -qE '[[:space:]]crc32[bhw][[:space:]]'; then
	armv7_crc=""
fi
# run_units T CFG: every unit test of T under CFG, each one's output and
# exit status left in $TMP for the checks below. Both CFGs of a target run
# at once (qemu is one busy core each; the unit tests share no port and
# make their own temporary files): the unit runs take half as long.
run_units() {
	for _u in build/"$1"/test/test_*; do
		case $_u in *.d) continue ;; esac
		_n=$(basename "$_u")
		timeout 900 "$(wrap "$1" "$2" "$_u")" >"$TMP/$1-$2-$_n.log" 2>&1
		echo $? >"$TMP/$1-$2-$_n.rc"
	done
}
for t in $TARGETS; do
	[ -f "build/$t/s3pub" ] || continue
	run_units "$t" armv8 &
	p1=$!
	run_units "$t" portable &
	p2=$!
	wait "$p1" "$p2"
	for cfg in armv8 portable; do
		d=$(cfg_desc "$t" "$cfg")
		case $cfg in
		armv8) want="sha256: armv8-sha2, crc32: armv8-crc" ;;
		*) want="sha256: portable, crc32: portable" ;;
		esac
		if [ "$t $cfg" = "armv7 armv8" ] && [ -z "$armv7_crc" ]; then
			skip "$t ($d): crc32: armv8-crc: build/armv7/s3pub has no CRC32 instruction (crc32.c builds the ARMv8 path for 32-bit ARM only with -march=armv8-a+crc)"
			want="sha256: armv8-sha2, crc32: portable"
		fi
		v=$("$(wrap "$t" "$cfg" "build/$t/s3pub")" version 2>&1)
		case $v in
		*"($want,"*) ok "$t ($d): s3pub version says $want" ;;
		*) not_ok "$t ($d): s3pub version says $want: got '$v'" ;;
		esac
		for u in build/"$t"/test/test_*; do
			case $u in *.d) continue ;; esac
			n=$(basename "$u")
			log=$TMP/$t-$cfg-$n.log
			rc=$(cat "$TMP/$t-$cfg-$n.rc" 2>/dev/null || echo "none")
			nok=$(grep -c '^ok ' "$log") nbad=$(grep -c '^not ok ' "$log") nskip=$(grep -c '^ok .*# SKIP' "$log")
			if [ "$rc" = 0 ] && [ "$nbad" -eq 0 ] && [ "$nok" -gt 0 ]; then
				ok "$t ($d): $n ($nok ok, $nskip skipped)"
			else
				not_ok "$t ($d): $n: exit $rc, $nbad failed: $(grep -E '^not ok ' "$log" | head -3 | tr '\n' ' ')$(tail -n 3 "$log" | tr '\n' ' ' | head -c 300)"
				cp "$log" "$ROOT/build/test-logs/cross-$t-$cfg-$n.log" 2>/dev/null
			fi
		done
		# the instruction paths ran (or, portable, could not)
		sl=$TMP/$t-$cfg-test_sha256.log cl=$TMP/$t-$cfg-test_crc32.log
		if [ "$cfg" = armv8 ]; then
			check "$t ($d): test_sha256 tested the armv8-sha2 back-end" grep -q '^ok - run-time choice: armv8-sha2' "$sl"
			if [ "$t" = aarch64 ] || [ -n "$armv7_crc" ]; then
				check "$t ($d): test_crc32 tested the armv8-crc back-end" grep -q '^ok - crc32 armv8-crc equals zlib' "$cl"
			fi
		elif [ "$t" = armv7 ]; then
			check "$t ($d): no SHA2 instructions: test_sha256 ran the portable code only" \
				grep -q '^ok - no SHA instructions here.*# SKIP' "$sl"
			check "$t ($d): no CRC32 instructions: test_crc32 skipped armv8-crc" \
				grep -q '^ok - crc32 armv8-crc: not available.*# SKIP' "$cl"
		fi
	done
done

# ---- end to end: emulated publishes to the local radosgw ----
STARTED=""
if ! sh tests/s3/servers.sh status >/dev/null 2>&1; then
	echo "# the local S3 servers are down: starting them (and stopping them at the end)" >&2
	STARTED=1
	sh tests/s3/servers.sh install start >"$TMP/servers.log" 2>&1 ||
		echo "# servers.sh start failed: $(tail -n 5 "$TMP/servers.log")" >&2
fi
. tests/s3/lib.sh
# servers found running are someone else's (make test's, a developer's):
# left alone; the ones started here are stopped (after s3/lib.sh's clean-up)
if [ -n "$STARTED" ]; then
	trap 's3_cleanup; sh tests/s3/servers.sh stop >/dev/null 2>&1; rm -rf "$TMP"' EXIT
	trap 's3_cleanup; sh tests/s3/servers.sh stop >/dev/null 2>&1; rm -rf "$TMP"; exit 1' INT TERM
fi
sh scripts/need.sh awscli:aws python3:python3 >&2 || exit 1
if ! s3_up rgw; then
	not_ok "cross: the local radosgw is up (sh tests/s3/servers.sh status)"
	exit 0
fi
B=$(new_bucket rgw) || { not_ok "cross: create a bucket"; exit 0; }

TREE=$TMP/tree
mkdir -p "$TREE/out/nested" "$TREE/empty"
printf 'hello from qemu\n' >"$TREE/stdout"
printf '0' >"$TREE/exitCode"
head -c 200000 /dev/urandom >"$TREE/out/blob.bin"
printf 'a,b\n1,2\n' >"$TREE/out/nested/t.csv"
ln -s ../stdout "$TREE/out/link"
native=""
[ -x ./s3pub ] && native=$(./s3pub archive "$TREE" | sha256sum | cut -d' ' -f1)
json_field() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Params"][sys.argv[2]])' "$1" "$2" 2>/dev/null
}
same_tree() {
	diff -r --no-dereference "$1" "$2" >/dev/null &&
	[ "$(cd "$1" && find . -printf '%p %y %m\n' | sort)" = "$(cd "$2" && find . -printf '%p %y %m\n' | sort)" ]
}

# archive T CFG SERVER: an archive publish by the emulated binary
archive() {
	_t=$1 _cfg=$2 _srv=$3 _d="$1 ($(cfg_desc "$1" "$2")) to $3"
	_bin=$(wrap "$_t" "$_cfg" "build/$_t/s3pub")
	s3_use "$_srv"
	_key=cross/$_t-$_cfg-$_srv
	with_keys "$_srv" "$_bin" publish ${S3_CA:+--ca-file "$S3_CA"} "$TREE" \
		"s3://$B/$_key,opt=endpoint=$S3_EP" >"$TMP/spec.json" 2>"$TMP/err"
	_rc=$?
	check_eq "$_d: archive publish exits 0 ($(head -c 300 "$TMP/err"))" "$_rc" 0
	rm -rf "$TMP/got.tgz" "$TMP/x" && mkdir -p "$TMP/x"
	aws_s3 "$_srv" s3 cp "s3://$B/$_key.tar.gz" "$TMP/got.tgz" >/dev/null 2>&1
	_sum=$(sha256sum <"$TMP/got.tgz" 2>/dev/null | cut -d' ' -f1)
	check_eq "$_d: ContentSHA256 is sha256sum of the object" "$(json_field "$TMP/spec.json" ContentSHA256)" "$_sum"
	tar -xzf "$TMP/got.tgz" -C "$TMP/x" 2>/dev/null
	check "$_d: GNU tar unpacks the object to the tree" same_tree "$TREE" "$TMP/x"
	check_eq "$_d: the object is the emulated 's3pub archive'" \
		"$("$_bin" archive "$TREE" | sha256sum | cut -d' ' -f1)" "$_sum"
	if [ -n "$native" ]; then
		check_eq "$_d: the object is byte for byte the native build's archive" "$native" "$_sum"
	fi
}

# plain T CFG: one object per file, parallel uploads (threads)
plain() {
	_t=$1 _cfg=$2 _d="$1 ($(cfg_desc "$1" "$2")) to rgw"
	_bin=$(wrap "$_t" "$_cfg" "build/$_t/s3pub")
	_key=cross-plain/$_t-$_cfg
	with_keys rgw "$_bin" publish --encoding plain --jobs 3 "$TREE" \
		"s3://$B/$_key,opt=endpoint=$RGW_ENDPOINT" >"$TMP/spec.json" 2>"$TMP/err"
	_rc=$?
	check_eq "$_d: plain publish, 3 jobs, exits 0 ($(head -c 300 "$TMP/err"))" "$_rc" 0
	rm -rf "$TMP/plain" && mkdir -p "$TMP/plain"
	aws_s3 rgw s3 cp --recursive "s3://$B/$_key/" "$TMP/plain" >/dev/null 2>&1
	_okf=1
	( cd "$TREE" && find . -type f | sort ) >"$TMP/want.list"
	( cd "$TMP/plain" && find . -type f | sort ) >"$TMP/got.list"
	cmp -s "$TMP/want.list" "$TMP/got.list" || _okf=0
	while read -r _f; do cmp -s "$TREE/$_f" "$TMP/plain/$_f" || _okf=0; done <"$TMP/want.list"
	check_eq "$_d: plain: one object per file, each equal to it" "$_okf" 1
}

for t in $TARGETS; do
	[ -f "build/$t/s3pub" ] || continue
	if s3_up rgw-tls; then
		archive "$t" armv8 rgw-tls
	else
		not_ok "$t: radosgw's HTTPS endpoint is up"
	fi
	archive "$t" portable rgw
	plain "$t" portable
done
