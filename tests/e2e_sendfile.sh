#!/bin/sh
# sendfile (issue 16), end to end against the real local servers: a
# --compress 0 publish over plain HTTP sends the files' bytes with
# sendfile(2) (strace counts them: every file byte once), over HTTPS never;
# each object equals `s3pub archive --compress 0` (downloaded with the AWS
# CLI, compared with cmp). At the default level the file bytes of the
# blocks stored whole (random data) go by sendfile too; a change in one of
# them that keeps size and mtime is refused by the server, and the fresh
# hash pass names the file. Plain mode (one object per file, 4 workers, a
# multipart file among them) sends every file byte by sendfile too, each
# object equal to its file. A file that shrinks or grows after the hash
# pass, while the send pass waits in its first sendfile (strace delays
# it), fails the publish with exit 2 naming the file, and nothing is
# written (in plain mode: nothing left of the objects already written).
# Over HTTPS the same stretches are read from the file into the TLS
# buffer: a change there is the server's refusal too.
. tests/lib.sh
. tests/s3/lib.sh
sh scripts/need.sh strace:strace >&2 || { not_ok "e2e_sendfile: strace missing"; exit 0; }

T=$TMP/tree
mkdir -p "$T/d" "$TMP/big"
head -c 3000000 /dev/urandom >"$T/a.bin"
head -c 70000 /dev/urandom >"$T/d/c.bin"
printf 'hi\n' >"$T/b.txt"
: >"$T/empty"
ln -s a.bin "$T/link"
head -c $((12 * 1024 * 1024)) /dev/urandom >"$TMP/big/data.bin"
printf 'x\n' >"$TMP/big/small.txt"

# file_bytes DIR: the bytes of its regular files
file_bytes() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }
# by_sendfile STRACE: the bytes the traced sendfile calls returned (when
# threads overlap, strace splits a call: its result is on a "<...
# sendfile resumed>" line)
by_sendfile() { awk '/sendfile(\(| resumed>)/ && / = [0-9]+$/ { sub(/.* = /, ""); s += $1 } END { print s + 0 }' "$1"; }

# same_object SERVER BUCKET KEY DIR [LEVEL]: the object is DIR's archive
# (stored, or at LEVEL), and passes gzip -t
same_object() {
	rm -f "$TMP/obj"
	aws_s3 "$1" s3 cp "s3://$2/$3" "$TMP/obj" >/dev/null 2>&1 &&
		"$S3PUB" archive --compress "${5:-0}" "$4" | cmp - "$TMP/obj" &&
		gzip -t "$TMP/obj"
}

# traced SERVER NAME ARGS...: s3pub publish --compress 0 ARGS under strace
# (sendfile calls into $TMP/NAME.st); sets rc
traced() {
	_srv=$1 _name=$2; shift 2
	with_keys "$_srv" strace -f -qq -e trace=sendfile -o "$TMP/$_name.st" \
		"$S3PUB" publish --compress 0 "$@" >"$TMP/$_name.json" 2>"$TMP/$_name.err"
	rc=$?
}

for srv in rgw swift; do
	s3_use "$srv" || { skip "$srv: server not up"; continue; }
	b=$(new_bucket "$srv") || { not_ok "$srv: create a bucket"; continue; }
	ep=$S3_EP

	traced "$srv" one "$T" "s3://$b/one,opt=endpoint=$ep"
	check_eq "$srv: HTTP, one PUT: exit 0 ($(head -c 200 "$TMP/one.err"))" "$rc" 0
	check_eq "$srv: HTTP, one PUT: every file byte sent once by sendfile" \
		"$(by_sendfile "$TMP/one.st")" "$(file_bytes "$T")"
	check "$srv: HTTP, one PUT: the object is 's3pub archive --compress 0'" \
		same_object "$srv" "$b" one.tar.gz "$T"

	traced "$srv" mp --part-size 5MiB "$TMP/big" "s3://$b/mp,opt=endpoint=$ep"
	check_eq "$srv: HTTP, multipart: exit 0 ($(head -c 200 "$TMP/mp.err"))" "$rc" 0
	check_eq "$srv: HTTP, multipart: every file byte sent once by sendfile" \
		"$(by_sendfile "$TMP/mp.st")" "$(file_bytes "$TMP/big")"
	has_parts "$srv: HTTP, multipart" "$srv" "$b" mp.tar.gz 3
	check "$srv: HTTP, multipart: the object is 's3pub archive --compress 0'" \
		same_object "$srv" "$b" mp.tar.gz "$TMP/big"
	check_eq "$srv: no multipart upload left open" "$(list_uploads "$srv" "$b")" ""

	# plain mode: each file its own object, 4 workers, the 12 MiB file in
	# 3 parts; the files' bytes by sendfile, each once
	mkdir -p "$TMP/plain"
	cp -R "$T/." "$TMP/plain/"
	cp "$TMP/big/data.bin" "$TMP/plain/d/big.bin"
	with_keys "$srv" strace -f -qq -e trace=sendfile -o "$TMP/plain.st" \
		"$S3PUB" publish --jobs 4 --part-size 5MiB "$TMP/plain" \
		"s3://$b/plain,opt=endpoint=$ep,opt=encoding=plain" >/dev/null 2>"$TMP/plain.err"
	rc=$?
	check_eq "$srv: HTTP, plain mode: exit 0 ($(head -c 200 "$TMP/plain.err"))" "$rc" 0
	check_eq "$srv: HTTP, plain mode: every file byte sent once by sendfile" \
		"$(by_sendfile "$TMP/plain.st")" "$(file_bytes "$TMP/plain")"
	check "$srv: HTTP, plain mode: every object is its file" \
		same_files "$srv" "$b" plain "$TMP/plain"
	has_parts "$srv: HTTP, plain mode: the big file" "$srv" "$b" plain/d/big.bin 3
	check_eq "$srv: plain mode: no multipart upload left open" "$(list_uploads "$srv" "$b")" ""

	# the default level: the blocks found random are stored whole, and
	# their file bytes go by sendfile too: a.bin's data fills blocks 1
	# to 21 of 128 KiB (blocks 0 and 22 hold tar headers too: stored
	# whole when they would save less than 1/128, but not counted on)
	with_keys "$srv" strace -f -qq -e trace=sendfile -o "$TMP/z.st" \
		"$S3PUB" publish "$T" "s3://$b/z,opt=endpoint=$ep" >/dev/null 2>"$TMP/z.err"
	rc=$?
	check_eq "$srv: compressed publish: exit 0 ($(head -c 200 "$TMP/z.err"))" "$rc" 0
	n=$(by_sendfile "$TMP/z.st")
	if [ "$n" -ge $((21 * 131072)) ] && [ "$n" -le "$(file_bytes "$T")" ]; then
		ok "$srv: compressed publish: the blocks stored whole by sendfile ($n bytes)"
	else not_ok "$srv: compressed publish: $n bytes by sendfile, want 21 blocks or more of a.bin's"; fi
	check "$srv: compressed publish: the object is 's3pub archive'" \
		same_object "$srv" "$b" z.tar.gz "$T" 6
	with_keys "$srv" strace -f -qq -e trace=sendfile -o "$TMP/zmp.st" \
		"$S3PUB" publish --part-size 5MiB "$TMP/big" "s3://$b/zmp,opt=endpoint=$ep" >/dev/null 2>"$TMP/zmp.err"
	rc=$?
	check_eq "$srv: compressed multipart: exit 0 ($(head -c 200 "$TMP/zmp.err"))" "$rc" 0
	n=$(by_sendfile "$TMP/zmp.st")
	if [ "$n" -ge $((92 * 131072)) ]; then
		ok "$srv: compressed multipart: the blocks stored whole by sendfile ($n bytes)"
	else not_ok "$srv: compressed multipart: $n bytes by sendfile, want 92 blocks or more"; fi
	check "$srv: compressed multipart: the object is 's3pub archive'" \
		same_object "$srv" "$b" zmp.tar.gz "$TMP/big" 6
done

# changed during the send pass: a.bin (3 MB, 46 stretches) shrinks, or
# grows, while the first sendfile is held for 3 s, once the body started
# (the 100 Continue is in the --verbose log)

# held NAME HOW ARGS...: s3pub publish --verbose ARGS on rgw, its first
# sendfile held 3 s; once its body started, a.bin is changed (HOW: shrink,
# grow, or same / far: 7 bytes overwritten at 1000 / 2000000, size and
# mtime kept as a.keep's). With HOLD=connect (HTTPS: no sendfile), its
# first connect is held instead, after the scan, and the change made then.
# Sets rc, and last (the last line s3pub wrote of its own)
held() {
	_name=$1 _how=$2; shift 2
	_at=${HOLD:-sendfile} _wait='^s3pub: < HTTP/1.1 100'
	[ "$_at" = connect ] && _wait='^s3pub: \* connecting'
	with_keys rgw strace -f -qq -e trace="$_at" -e inject="$_at":delay_enter=3000000:when=1 \
		-o "$TMP/$_name.st" "$S3PUB" publish --verbose "$@" >/dev/null 2>"$TMP/$_name.err" &
	_pid=$!
	_i=0
	while [ $_i -lt 200 ] && ! grep -q "$_wait" "$TMP/$_name.err" 2>/dev/null; do
		sleep 0.05; _i=$((_i + 1))
	done
	sleep 0.5
	case $_how in
	shrink) truncate -s 100000 "$T/a.bin" ;;
	grow) printf 'more' >>"$T/a.bin" ;;
	same) printf 'CHANGED' | dd of="$T/a.bin" bs=1 seek=1000 conv=notrunc 2>/dev/null
		touch -r "$TMP/a.keep" "$T/a.bin" ;;
	far) printf 'CHANGED' | dd of="$T/a.bin" bs=1 seek=2000000 conv=notrunc 2>/dev/null
		touch -r "$TMP/a.keep" "$T/a.bin" ;;
	esac
	wait $_pid
	rc=$?
	last=$(grep -v '^s3pub: [<>*]' "$TMP/$_name.err" | tail -1)
}

# refused_named TAG NAME KEY: after held NAME (a block stored whole
# changed, size and mtime kept): the server refused the signed hash, the
# fresh hash pass named a.bin, exit 2, and KEY was not written
refused_named() {
	check_eq "$1: a block stored whole changed, size and mtime kept: exit 2 ($last)" "$rc" 2
	check "$1: the server's refusal started a fresh hash pass" \
		grep -q 'hashing it again' "$TMP/$2.err"
	case $last in *"a.bin' changed"*) ok "$1: the fresh pass names the file" ;;
	*) not_ok "$1: the error does not name a.bin: $last" ;; esac
	if aws_s3 rgw s3api head-object --bucket "$b" --key "$3" >/dev/null 2>&1; then
		not_ok "$1: an object was written"
	else ok "$1: nothing written"; fi
}

if s3_use rgw-tls; then
	b=$(new_bucket rgw)
	traced rgw tls --ca-file "$RGW_CA" --part-size 5MiB "$TMP/big" "s3://$b/tls,opt=endpoint=$RGW_TLS_ENDPOINT"
	check_eq "rgw-tls: HTTPS, multipart: exit 0 ($(head -c 200 "$TMP/tls.err"))" "$rc" 0
	check_eq "rgw-tls: HTTPS: no sendfile (TLS copies to encrypt)" \
		"$(grep -c 'sendfile(' "$TMP/tls.st")" 0
	check "rgw-tls: HTTPS: the object is 's3pub archive --compress 0'" \
		same_object rgw "$b" tls.tar.gz "$TMP/big"
	with_keys rgw strace -f -qq -e trace=sendfile -o "$TMP/tlsplain.st" \
		"$S3PUB" publish --ca-file "$RGW_CA" --jobs 2 "$T" \
		"s3://$b/tp,opt=endpoint=$RGW_TLS_ENDPOINT,opt=encoding=plain" >/dev/null 2>"$TMP/tlsplain.err"
	rc=$?
	check_eq "rgw-tls: HTTPS, plain mode: exit 0, no sendfile ($(head -c 200 "$TMP/tlsplain.err"))" \
		"$rc $(grep -c 'sendfile(' "$TMP/tlsplain.st")" "0 0"
	check "rgw-tls: HTTPS, plain mode: every object is its file" \
		same_files rgw "$b" tp "$T"

	# the default level over HTTPS: the blocks stored whole are read from
	# the file into the TLS write buffer, unchecked against the scan as
	# sendfile's are: a.bin's block 7 changes, size and mtime kept, while
	# the connection waits (its connect held 3 s, after the scan);
	# radosgw refuses the signed hash and the fresh hash pass names a.bin:
	# exit 2, nothing written
	with_keys rgw "$S3PUB" publish --ca-file "$RGW_CA" "$T" \
		"s3://$b/tz,opt=endpoint=$RGW_TLS_ENDPOINT" >/dev/null 2>"$TMP/tz.err"
	rc=$?
	check_eq "rgw-tls: HTTPS, compressed: exit 0 ($(head -c 200 "$TMP/tz.err"))" "$rc" 0
	check "rgw-tls: HTTPS, compressed: the object is 's3pub archive'" \
		same_object rgw "$b" tz.tar.gz "$T" 6
	cp -p "$T/a.bin" "$TMP/a.keep"
	HOLD=connect
	held tzfar far --ca-file "$RGW_CA" "$T" "s3://$b/tzfar,opt=endpoint=$RGW_TLS_ENDPOINT"
	HOLD=
	refused_named "rgw-tls: compressed" tzfar tzfar.tar.gz
	cp -p "$TMP/a.keep" "$T/a.bin"
else
	skip "rgw-tls: server not up"
fi

if s3_use rgw; then
	b=$(new_bucket rgw)
	for how in shrink grow; do
		cp "$TMP/tree/a.bin" "$TMP/a.keep"
		held "$how" "$how" --compress 0 "$T" "s3://$b/$how,opt=endpoint=$S3_EP"
		check_eq "$how during the send pass: exit 2 ($last)" "$rc" 2
		case $last in *"a.bin' changed"*) ok "$how during the send pass: the error names the file" ;;
		*) not_ok "$how during the send pass: the error does not name a.bin: $last" ;; esac
		if [ $how = shrink ]; then
			check "shrink: a sendfile came back short, then the reader named the file" \
				grep -q 'sendfile(.* = 0$' "$TMP/$how.st"
		fi
		if aws_s3 rgw s3api head-object --bucket "$b" --key "$how.tar.gz" >/dev/null 2>&1; then
			not_ok "$how: an object was written"
		else ok "$how: nothing written"; fi
		cp "$TMP/a.keep" "$T/a.bin"
	done
	# a change that keeps size and mtime (as rsync -t or cp -p leave a
	# file): radosgw refuses the signed hash, s3pub hashes again, and the
	# object is the new tree's stored archive: its CRC-32 counted anew
	# (gzip -t), not the first pass's
	for mode in archive plain; do
		cp -p "$T/a.bin" "$TMP/a.keep"
		if [ $mode = archive ]; then
			held "same-$mode" same --compress 0 "$T" "s3://$b/same-$mode,opt=endpoint=$S3_EP"
		else
			held "same-$mode" same --jobs 1 "$T" "s3://$b/same-$mode,opt=endpoint=$S3_EP,opt=encoding=plain"
		fi
		check_eq "$mode: same size and mtime, new bytes: exit 0 ($last)" "$rc" 0
		check "$mode: the server's refusal started a fresh hash pass" \
			grep -q 'hashing it again' "$TMP/same-$mode.err"
		if [ $mode = archive ]; then
			check "$mode: the object is the changed tree's 's3pub archive --compress 0'" \
				same_object rgw "$b" "same-$mode.tar.gz" "$T"
			check "$mode: the object passes gzip -t (its CRC-32 is the new bytes')" \
				gzip -t "$TMP/obj"
		else
			check "$mode: every object is its changed file" same_files rgw "$b" "same-$mode" "$T"
		fi
		cp -p "$TMP/a.keep" "$T/a.bin"
	done

	# the default level: a.bin's block 7, stored whole, changes keeping
	# size and mtime while the first sendfile (block 1) is held; its new
	# bytes go by sendfile, radosgw refuses the signed hash, and the fresh
	# hash pass compares the blocks with the scan's: exit 2 naming a.bin,
	# nothing written
	cp -p "$T/a.bin" "$TMP/a.keep"
	held zfar far "$T" "s3://$b/zfar,opt=endpoint=$S3_EP"
	refused_named compressed zfar zfar.tar.gz
	cp -p "$TMP/a.keep" "$T/a.bin"

	# plain mode: a.bin's object is sent first (one worker), and shrinks
	# while its first sendfile is held
	cp "$T/a.bin" "$TMP/a.keep"
	held pshrink shrink --jobs 1 "$T" "s3://$b/pshrink,opt=endpoint=$S3_EP,opt=encoding=plain"
	check_eq "plain mode: shrink during the send: exit 2 ($last)" "$rc" 2
	case $last in *"a.bin' changed"*) ok "plain mode: shrink during the send: the error names the file" ;;
	*) not_ok "plain mode: shrink during the send: the error does not name a.bin: $last" ;; esac
	check "plain mode: shrink: a sendfile came back short" grep -q 'sendfile(.* = 0$' "$TMP/pshrink.st"
	left=$(aws_s3 rgw s3api list-objects-v2 --bucket "$b" --prefix pshrink/ --query 'Contents[].Key' --output text 2>/dev/null)
	case $left in ""|None) ok "plain mode: shrink: no object left under the prefix" ;;
	*) not_ok "plain mode: shrink: objects left: $left" ;; esac
	cp "$TMP/a.keep" "$T/a.bin"
else
	skip "changed files: rgw not up"
fi
