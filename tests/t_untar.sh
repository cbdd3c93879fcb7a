#!/bin/sh
# untar.c (issue 8): the streaming tar reader and safe extractor, through
# build/tools/tool_untar, against GNU tar as the oracle. Archives made by
# GNU tar (gnu, oldgnu, ustar, pax formats) + gzip -1..-9, bsdtar, and
# python's tarfile (pax headers, GNU long names) must unpack exactly as
# GNU `tar xzf` unpacks them (files, modes, mtimes, symlinks, hard links);
# hostile archives (each refusal case of untar.h), made with python's
# tarfile, are refused with exit 6 and a message naming the entry, leave
# nothing outside DIR and nothing in it; --force and duplicates.
. tests/lib.sh
sh scripts/need.sh python3:python3 tar:tar gzip:gzip libarchive-tools:bsdtar diffutils:diff >&2 ||
	{ not_ok "t_untar: missing tools"; exit 0; }
make -s build/tools/tool_untar >/dev/null 2>&1
U=${TOOL_UNTAR:-$(pwd)/build/tools/tool_untar}
[ -x "$U" ] || { not_ok "t_untar: $U not built"; exit 0; }
umask 022

# ---- a tree with what tar formats find hard ----
T=$TMP/tree
python3 - "$T" <<'PY'
import os, sys, random
root = sys.argv[1]
rnd = random.Random(8)
def f(rel, data=b"", mode=0o644, mtime=None):
    p = os.path.join(root, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    open(p, "wb").write(data)
    os.chmod(p, mode)
    if mtime is not None:
        os.utime(p, (mtime, mtime))
os.makedirs(root)
for n in (0, 1, 511, 512, 513, 65536, 1000000):
    f("sizes/s%07d" % n, rnd.randbytes(n))
f("modes/ro", b"ro", 0o444)
f("modes/exec", b"#!/bin/sh\n", 0o755)
f("modes/private", b"p", 0o600)
f("times/old", b"old", mtime=86400 * 365)
f("times/new", b"new", mtime=4102444800)      # 2100: needs 12 octal digits
f("n" * 99 + "/" + "m" * 120, b"long name")   # > 100: GNU L or pax path
f("a" * 150 + "/" + "b" * 150 + "/" + "c" * 150, b"300+")
f("sp ace/uni\u00e9/\u6587\u5b57.txt".encode().decode(), "unicode".encode())
os.makedirs(os.path.join(root, "emptydir/inner"))
os.chmod(os.path.join(root, "emptydir"), 0o700)
os.symlink("../sizes/s0000001", os.path.join(root, "modes/link"))
os.symlink("sizes", os.path.join(root, "dirlink"))
os.symlink("l" * 150, os.path.join(root, "longlink"))  # > 100: GNU K or pax linkpath
os.link(os.path.join(root, "sizes/s0000512"), os.path.join(root, "hard"))
os.link(os.path.join(root, "sizes/s0000512"), os.path.join(root, "x" * 120))
os.utime(os.path.join(root, "sizes"), (1000000000, 1000000000))
PY

# listing: path, type, mode, mtime (whole seconds), link target, link count
listing() {
	(cd "$1" && find . -mindepth 1 -printf '%p %y %m %TY%Tm%Td%TH%TM%TS %l %n\n' |
		sed 's/\.[0-9]* / /' | sort)
}

# same_as_tar NAME ARCHIVE [tool_untar options]: tool_untar and GNU tar xzf
# give the same tree
same_as_tar() {
	_n=$1 _a=$2; shift 2
	rm -rf "$TMP/ref" "$TMP/got"
	mkdir -p "$TMP/ref"
	tar -xzf "$_a" -C "$TMP/ref" 2>"$TMP/tar.err" || { not_ok "$_n: GNU tar refused it: $(head -c 200 "$TMP/tar.err")"; return; }
	if ! "$U" -z "$@" "$TMP/got" <"$_a" 2>"$TMP/u.err"; then
		not_ok "$_n: tool_untar failed: $(head -c 300 "$TMP/u.err")"; return
	fi
	if ! diff -r --no-dereference "$TMP/ref" "$TMP/got" >"$TMP/diff" 2>&1; then
		not_ok "$_n: contents differ: $(head -c 300 "$TMP/diff")"; return
	fi
	listing "${REF_TREE:-$TMP/ref}" >"$TMP/ref.l"
	listing "$TMP/got" >"$TMP/got.l"
	if cmp -s "$TMP/ref.l" "$TMP/got.l"; then ok "$_n"; else
		not_ok "$_n: metadata differs: $(diff "$TMP/ref.l" "$TMP/got.l" | head -4 | tr '\n' ' ')"; fi
}

i=1
for fmt in gnu oldgnu pax posix; do
	lvl=$((i % 9 + 1)); i=$((i + 1))
	tar --format=$fmt -cf - -C "$T" . 2>/dev/null | gzip -$lvl >"$TMP/a.tgz"
	same_as_tar "GNU tar --format=$fmt | gzip -$lvl, random chunks" "$TMP/a.tgz" -s $i
done
for lvl in 1 2 3 4 5 6 7 8 9; do
	tar -cf - -C "$T" sizes modes times | gzip -$lvl >"$TMP/a.tgz"
	same_as_tar "GNU tar | gzip -$lvl" "$TMP/a.tgz" -s $lvl
done
# ustar: only names that fit ustar
tar --format=ustar -czf "$TMP/a.tgz" -C "$T" sizes modes times emptydir hard
same_as_tar "GNU tar --format=ustar (prefix field)" "$TMP/a.tgz"
tar --format=v7 -czf "$TMP/a.tgz" -C "$T" sizes times 2>/dev/null
same_as_tar "GNU tar --format=v7" "$TMP/a.tgz"
# bsdtar: contents against GNU tar, metadata against the source tree:
# GNU tar 1.34 leaves the mtime of a directory whose name is over 100
# bytes (as bsdtar writes it) at the time of extraction
(cd "$T" && bsdtar -czf "$TMP/a.tgz" .)
REF_TREE=$T same_as_tar "bsdtar (pax restricted)" "$TMP/a.tgz" -s 9
(cd "$T" && bsdtar --format=pax -czf "$TMP/a.tgz" .)
REF_TREE=$T same_as_tar "bsdtar --format=pax" "$TMP/a.tgz"
(cd "$T" && bsdtar --format=gnutar -czf "$TMP/a.tgz" .)
REF_TREE=$T same_as_tar "bsdtar --format=gnutar" "$TMP/a.tgz"
for f in PAX_FORMAT GNU_FORMAT; do
	python3 - "$T" "$TMP/a.tgz" "$f" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[2], "w:gz", format=getattr(tarfile, sys.argv[3])) as t:
    t.add(sys.argv[1], arcname=".")
PY
	same_as_tar "python tarfile $f (root entry '.')" "$TMP/a.tgz" -s 4
done
# pax headers with records we ignore, an mtime with a fraction, and a pax size
python3 - "$TMP/a.tgz" <<'PY'
import sys, tarfile, io
with tarfile.open(sys.argv[1], "w:gz", format=tarfile.PAX_FORMAT,
                  pax_headers={"comment": "global header, ignored"}) as t:
    ti = tarfile.TarInfo("pax/file")
    ti.pax_headers = {"mtime": "1234567890.75", "SCHILY.xattr.user.x": "y" * 5000,
                      "path": "pax/renamed-by-pax"}
    data = b"pax data" * 100
    ti.size = len(data)
    t.addfile(ti, io.BytesIO(data))
PY
same_as_tar "python pax: global header, fractional mtime, a 5000-byte record, path override" "$TMP/a.tgz" -s 2
# multi-member gzip of one tar
tar -cf "$TMP/a.tar" -C "$T" sizes modes
head -c 20480 "$TMP/a.tar" | gzip >"$TMP/a.tgz"
tail -c +20481 "$TMP/a.tar" | gzip >>"$TMP/a.tgz"
same_as_tar "a tar split across two gzip members" "$TMP/a.tgz"

# ---- hostile archives: each refused, nothing written outside or inside ----
H=$TMP/hostile
mkdir -p "$H"
python3 - "$H" <<'PY'
import io, os, sys, tarfile
out = sys.argv[1]
def arc(name, entries):
    with tarfile.open(os.path.join(out, name + ".tgz"), "w:gz", format=tarfile.GNU_FORMAT) as t:
        for e in entries:
            kind, path = e[0], e[1]
            ti = tarfile.TarInfo(path)
            data = b""
            if kind == "f":
                data = e[2] if len(e) > 2 else b"PWNED\n"
                ti.size = len(data)
            elif kind == "d":
                ti.type = tarfile.DIRTYPE
            elif kind == "l":
                ti.type, ti.linkname = tarfile.SYMTYPE, e[2]
            elif kind == "h":
                ti.type, ti.linkname = tarfile.LNKTYPE, e[2]
            elif kind == "c":
                ti.type, ti.devmajor, ti.devminor = tarfile.CHRTYPE, 1, 3
            elif kind == "b":
                ti.type, ti.devmajor, ti.devminor = tarfile.BLKTYPE, 7, 0
            elif kind == "p":
                ti.type = tarfile.FIFOTYPE
            t.addfile(ti, io.BytesIO(data))
ok = ("f", "fine.txt", b"fine\n")
arc("absolute", [ok, ("f", "/tmp/S3PUB_OUTSIDE/abs")])
arc("dotdot", [ok, ("f", "../S3PUB_OUTSIDE/dotdot")])
arc("dotdot-inner", [ok, ("f", "a/../../S3PUB_OUTSIDE/inner")])
arc("symlink-absolute", [ok, ("l", "evil", "/tmp/S3PUB_OUTSIDE")])
arc("symlink-up", [ok, ("l", "evil", "../S3PUB_OUTSIDE")])
arc("symlink-deep-up", [ok, ("d", "a"), ("l", "a/evil", "../../S3PUB_OUTSIDE")])
arc("symlink-name-dotdot", [ok, ("d", "a"), ("l", "a/up", ".."), ("l", "evil", "a/up/..")])
arc("through-symlink", [ok, ("d", "sub"), ("l", "l", "sub"), ("f", "l/x")])
arc("through-symlink-dir", [ok, ("l", "l", "."), ("d", "l/d")])
arc("hardlink-absolute", [ok, ("h", "evil", "/etc/passwd")])
arc("hardlink-dotdot", [ok, ("h", "evil", "../S3PUB_OUTSIDE/target")])
arc("hardlink-missing", [ok, ("h", "evil", "nowhere")])
arc("chardev", [ok, ("c", "null")])
arc("blockdev", [ok, ("b", "sda")])
arc("fifo", [ok, ("p", "fifo")])
PY
OUT=$TMP/S3PUB_OUTSIDE
ln -sfn "$OUT" /tmp/S3PUB_OUTSIDE.$$ 2>/dev/null
for a in "$H"/*.tgz; do
	name=${a##*/}; name=${name%.tgz}
	rm -rf "$OUT" "$TMP/d" /tmp/S3PUB_OUTSIDE
	mkdir -p "$OUT" "$TMP/d"
	printf 'target\n' >"$OUT/target"
	before=$(ls -la "$OUT" | md5sum)
	"$U" -z "$TMP/d" <"$a" >/dev/null 2>"$TMP/err"
	rc=$?
	left=$(ls -A "$TMP/d" | tr '\n' ' ')
	after=$(ls -la "$OUT" | md5sum)
	if [ "$rc" != 6 ]; then
		not_ok "hostile $name: exit $rc, want 6 ($(head -c 200 "$TMP/err"))"
	elif ! grep -q "refusing entry '" "$TMP/err"; then
		not_ok "hostile $name: message does not name the entry: $(head -c 200 "$TMP/err")"
	elif [ -n "$left" ]; then
		not_ok "hostile $name: left in DIR: $left"
	elif [ "$before" != "$after" ] || [ -e /tmp/S3PUB_OUTSIDE ]; then
		not_ok "hostile $name: something was written outside DIR"
	else
		ok "hostile $name: refused (exit 6, '$(sed 's/.*refusing/refusing/' "$TMP/err" | head -c 120)'), nothing written"
	fi
done
rm -f /tmp/S3PUB_OUTSIDE.$$

# a symbolic link already in DIR is never followed
rm -rf "$OUT" "$TMP/d"; mkdir -p "$OUT" "$TMP/d"
ln -s "$OUT" "$TMP/d/pre"
python3 - "$TMP/pre.tgz" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t:
    ti = tarfile.TarInfo("pre/x"); ti.size = 3
    t.addfile(ti, io.BytesIO(b"bad"))
PY
"$U" -z "$TMP/d" <"$TMP/pre.tgz" 2>"$TMP/err"
rc=$?
check_eq "a directory over a symlink already in DIR: exit 2 (exists), nothing outside" \
	"$rc $(ls -A "$OUT" | wc -l)" "2 0"
"$U" -z -f "$TMP/d" <"$TMP/pre.tgz" 2>"$TMP/err"
rc=$?
check_eq "the same with --force: the link is replaced, never followed" \
	"$rc $(ls -A "$OUT" | wc -l) $([ -L "$TMP/d/pre" ] || cat "$TMP/d/pre/x")" "0 0 bad"

# GNU sparse files: their data is a map, not the file: refused, not garbled
python3 -c 'f = open("'"$TMP"'/sparse", "wb"); f.seek(5000000); f.write(b"end"); f.close()'
for fmt in gnu posix; do
	tar --format=$fmt -S -czf "$TMP/sparse.tgz" -C "$TMP" sparse
	rm -rf "$TMP/d"
	"$U" -z "$TMP/d" <"$TMP/sparse.tgz" 2>"$TMP/err"
	check_eq "a GNU sparse file (--format=$fmt -S): exit 6 'unsupported', nothing left" \
		"$? $(grep -c unsupported "$TMP/err") $([ -e "$TMP/d" ] && echo left)" "6 1 "
done

# ---- existing files, --force, duplicates, truncation ----
rm -rf "$TMP/d"; mkdir -p "$TMP/d/sizes"
printf 'mine\n' >"$TMP/d/sizes/s0000001"
tar -czf "$TMP/a.tgz" -C "$T" sizes
"$U" -z "$TMP/d" <"$TMP/a.tgz" 2>"$TMP/err"
rc=$?
check_eq "an existing file without --force: exit 2, kept, nothing added" \
	"$rc $(cat "$TMP/d/sizes/s0000001") $(ls -A "$TMP/d" | tr '\n' ' ')$(ls "$TMP/d/sizes" | wc -l)" "2 mine sizes 1"
"$U" -z -f "$TMP/d" <"$TMP/a.tgz" 2>"$TMP/err"
rc=$?
check_eq "with --force: replaced, merged into the existing directory" \
	"$rc $(cmp -s "$TMP/d/sizes/s0000001" "$T/sizes/s0000001" && echo same) $(ls "$TMP/d/sizes" | wc -l)" "0 same 7"
python3 - "$TMP/dup.tgz" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t:
    for body in (b"first", b"second"):
        ti = tarfile.TarInfo("dup"); ti.size = len(body)
        t.addfile(ti, io.BytesIO(body))
    ti = tarfile.TarInfo("dup2"); ti.type = tarfile.SYMTYPE; ti.linkname = "dup"
    t.addfile(ti)
    ti = tarfile.TarInfo("dup2"); ti.size = 1
    t.addfile(ti, io.BytesIO(b"f"))
PY
rm -rf "$TMP/d"
"$U" -z "$TMP/d" <"$TMP/dup.tgz" 2>"$TMP/err"
check_eq "a later entry of the same name replaces the earlier (file, symlink)" \
	"$(cat "$TMP/d/dup") $(cat "$TMP/d/dup2") $([ -L "$TMP/d/dup2" ] && echo link)" "second f "
tar -czf "$TMP/a.tgz" -C "$T" sizes
head -c 30000 "$TMP/a.tgz" >"$TMP/cut.tgz"
rm -rf "$TMP/d"
"$U" -z "$TMP/d" <"$TMP/cut.tgz" 2>"$TMP/err"
rc=$?
check_eq "a cut archive: exit 6, DIR (made for it) removed" "$rc $([ -e "$TMP/d" ] && echo left)" "6 "
tar -cf "$TMP/a.tar" -C "$T" sizes
head -c 1000 "$TMP/a.tar" | gzip >"$TMP/cut.tgz"
"$U" -z "$TMP/d" <"$TMP/cut.tgz" 2>"$TMP/err"
rc=$?
check_eq "a tar cut inside a member (complete gzip): exit 6" "$rc $(grep -c 'cut short' "$TMP/err")" "6 1"
