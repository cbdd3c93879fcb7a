#!/bin/sh
# Archive stream (SPEC section 3, issue 3): the .tar.gz made by the archive
# unit (through build/tools/tool_archive) against independent oracles:
# GNU tar, bsdtar (libarchive-tools), python3's tarfile and zlib, gzip -t,
# zcat, diff -r, strace (each file opened once on an in-order pass).
. tests/lib.sh
sh scripts/need.sh python3:python3 tar:tar gzip:gzip libarchive-tools:bsdtar strace:strace \
	diffutils:diff util-linux:setpriv >&2 || { not_ok "t_archive: missing tools"; exit 0; }
T=${TOOL_ARCHIVE:-$(pwd)/build/tools/tool_archive}
[ -x "$T" ] || { not_ok "t_archive: $T not built"; exit 0; }
chmod 755 "$TMP"    # the "nobody" case must reach its files

# ---- python helpers: tree maker, tree comparison, strict gzip parser ----
cat >"$TMP/h.py" <<'PY'
import os, sys, stat, struct, zlib, tarfile, random, io

def mk(root):
    """The edge-case tree of issue 3."""
    os.makedirs(root)
    def f(rel, data=b""):
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as fh:
            fh.write(data)
    rnd = random.Random(7)
    for n in (0, 1, 65534, 65535, 65536, 65537, 100000):
        f("sizes/s%06d" % n, rnd.randbytes(n))
    f("empty")
    os.makedirs(os.path.join(root, "emptydir/inner"))
    # single names of 99..255 bytes
    for L in (99, 100, 101, 155, 156, 254, 255):
        f("%03d" % L + "n" * (L - 3), b"L%d" % L)
    # whole paths of 256 (prefix 155 + name 100: ustar split), 257 (no split)
    # and 300+ bytes, a split that fits, directories whose path with its
    # '/' is 100 and 101 bytes
    f("p" * 155 + "/" + "n" * 100, b"256")
    f("q" * 156 + "/" + "n" * 100, b"257")
    f("r" * 199 + "/" + "n" * 100, b"300")
    f("s" * 150 + "/" + "t" * 99, b"250")
    f("u" * 200 + "/" + "v" * 200 + "/" + "w" * 200, b"602")
    os.makedirs(os.path.join(root, "D" * 99))
    os.makedirs(os.path.join(root, "E" * 100))
    os.makedirs(os.path.join(root, "F" * 100 + "/" + "G" * 100))
    # deep directories
    f("/".join("deep%02d" % i for i in range(60)) + "/leaf", b"deep")
    # awkward bytes in names
    f("h\u00e9llo \u65e5\u672c\u8a9e \u00f1", b"utf8")
    f("with space/and  two", b"sp")
    f("new\nline", b"nl")
    f("back\\slash", b"bs")
    f("tab\there", b"tab")
    f("a-b"); f("a.txt"); f("a/x"); f("a0")
    # symlinks: short, 100-byte, 101-byte, 300-byte targets, dangling
    os.symlink("sizes/s000001", os.path.join(root, "link"))
    os.symlink("t" * 100, os.path.join(root, "link100"))
    os.symlink("t" * 101, os.path.join(root, "link101"))
    os.symlink("x/" * 150, os.path.join(root, "link300"))
    os.symlink("../" + "\u00fc" * 60, os.path.join(root, "linkutf8"))
    os.symlink("a", os.path.join(root, "dirlink"))
    # a hard link: stored as a second regular file
    os.link(os.path.join(root, "a.txt"), os.path.join(root, "hard"))

def many(root, n):
    for i in range(n):
        d = os.path.join(root, "d%03d" % (i % 100))
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "f%05d" % i), "wb") as fh:
            fh.write(b"%d\n" % i * (i % 7))

def snapshot(root):
    out = {}
    for dp, dns, fns in os.walk(root):
        for n in dns + fns:
            p = os.path.join(dp, n)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            rec = [stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode),
                   int(st.st_mtime // 1), st.st_uid, st.st_gid]
            if stat.S_ISLNK(st.st_mode):
                rec.append(os.readlink(p))
            elif stat.S_ISREG(st.st_mode):
                rec.append(open(p, "rb").read())
            out[rel] = rec
    return out

def cmptrees(a, b):
    """Same names, types, modes, mtimes, owners, link targets, contents."""
    sa, sb = snapshot(a), snapshot(b)
    if sa.keys() != sb.keys():
        print("names differ:", sorted(set(sa) ^ set(sb))[:5]); return 1
    for k in sa:
        if sa[k] != sb[k]:
            print("differs:", repr(k), [x if not isinstance(x, bytes) else len(x)
                                        for x in sa[k]],
                  [x if not isinstance(x, bytes) else len(x) for x in sb[k]])
            return 1
    return 0

def gunstored(path):
    """Parses our gzip member by hand (no zlib): returns the ustar bytes,
    after checking every framing byte the spec fixes."""
    d = open(path, "rb").read()
    assert d[:10] == b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", d[:10]
    pos, out, last = 10, [], 0
    while not last:
        hdr = d[pos]; ln, nln = struct.unpack("<HH", d[pos+1:pos+5])
        assert hdr in (0, 1), "block header byte %d" % hdr
        assert ln ^ nln == 0xffff
        last = hdr & 1
        if not last:
            assert ln == 65535, "non-final block of %d" % ln
        out.append(d[pos+5:pos+5+ln]); pos += 5 + ln
    u = b"".join(out)
    crc, isize = struct.unpack("<II", d[pos:pos+8])
    assert pos + 8 == len(d), "trailing bytes"
    assert crc == zlib.crc32(u), "crc"
    assert isize == len(u) & 0xffffffff, "isize"
    return u

def cmd(argv):
    c = argv[0]
    if c == "mk": mk(argv[1])
    elif c == "many": many(argv[1], int(argv[2]))
    elif c == "cmptrees": sys.exit(cmptrees(argv[1], argv[2]))
    elif c == "ustar":
        sys.stdout.buffer.write(gunstored(argv[1]))
    elif c == "ranges":
        # print "OFF LEN" lines: random ones and ones around block borders
        size = int(argv[1]); r = random.Random(int(argv[2])); out = []
        for _ in range(int(argv[3])):
            o = r.randrange(size); out.append((o, r.randrange(0, min(size - o, 300000) + 1)))
        for b in range(10 + 65535 + 5, size, 65540 * 3):
            out.append((b - 3, min(7, size - b + 3)))
        out += [(0, 1), (0, 10), (9, 3), (size - 8, 8), (size - 1, 1), (size - 12, 12), (0, size)]
        for o, n in out: print(o, n)
    elif c == "sorted":
        # member names (dirs with '/') are bytewise sorted and unique
        t = tarfile.open(argv[1])
        names = [os.fsencode(m.name) + (b"/" if m.isdir() else b"") for m in t]
        sys.exit(0 if names == sorted(set(names)) else 1)
    elif c == "pax":
        # every value over ustar's limits is in a pax record; short ones are not
        t = tarfile.open(argv[1]); bad = []
        for m in t:
            full = os.fsencode(m.name) + (b"/" if m.isdir() else b"")
            ph = m.pax_headers
            if len(full) > 256 and "path" not in ph: bad.append(("path", m.name))
            if len(full) <= 100 and "path" in ph: bad.append(("nopath", m.name))
            if len(os.fsencode(m.linkname)) > 100 and "linkpath" not in ph: bad.append(("linkpath", m.name))
            if len(os.fsencode(m.linkname)) <= 100 and "linkpath" in ph: bad.append(("nolinkpath", m.name))
            if (m.mtime < 0 or m.mtime > 8**11 - 1) != ("mtime" in ph): bad.append(("mtime", m.name))
            if (m.uid > 2097151) != ("uid" in ph): bad.append(("uid", m.name))
            if (m.gid > 2097151) != ("gid" in ph): bad.append(("gid", m.name))
            if m.uname or m.gname: bad.append(("uname", m.name))
        print(bad[:5]); sys.exit(1 if bad else 0)
    elif c == "sde":
        # with SOURCE_DATE_EPOCH: no mtime above it, earlier ones kept, owners 0
        t = tarfile.open(argv[1]); sde = int(argv[2]); snap = snapshot(argv[3])
        for m in t:
            rel = m.name
            want = min(snap[rel][2], sde)
            if m.mtime != want or m.uid or m.gid:
                print(rel, m.mtime, want, m.uid, m.gid); sys.exit(1)
    elif c == "head":
        # parse the first member from the head of a (huge) archive
        head = gunzip_head(open(argv[1], "rb").read())
        m = tarfile.open(fileobj=io.BytesIO(head), mode="r|").next()
        print(m.name, m.size, "size" in m.pax_headers)

def gunzip_head(d):
    return zlib.decompressobj(31).decompress(d)

cmd(sys.argv[1:])
PY
H="python3 $TMP/h.py"

# ---- the edge-case tree ----
src=$TMP/src
$H mk "$src" || { not_ok "t_archive: making the tree"; exit 0; }
chown 3000000:3000001 "$src/a.txt"                   # ids over 2097151 (pax)
chown 1000:1000 "$src/empty"
chmod 4755 "$src/sizes/s000001"; chmod 2750 "$src/a0"; chmod 1777 "$src/emptydir"
chmod 0600 "$src/empty"; chmod 0700 "$src/a"
# whole-second mtimes everywhere (directories last), then the odd ones
find "$src" -depth -exec touch -h -d @1600000000 {} +
touch -h -d @-315619200 "$src/a-b"                  # 1960: pax mtime
touch -h -d @10000000000 "$src/a/x"                 # 2286: past 8^11-1
touch -h -d @1234567890 "$src/link" "$src/emptydir"
touch -h -d @1700000000 "$src"

"$T" "$src" >"$TMP/a.tgz" 2>"$TMP/a.err"; rc=$?
check_eq "archive: exit 0, no warning on a tree without special files" "$rc:$(cat "$TMP/a.err")" "0:"
"$T" "$src" >"$TMP/b.tgz"
check "determinism: two runs give identical bytes" cmp "$TMP/a.tgz" "$TMP/b.tgz"
check_eq "size from the plan equals the byte count" "$("$T" --size "$src")" "$(wc -c <"$TMP/a.tgz" | tr -d ' ')"
check "gzip -t accepts the member" gzip -t "$TMP/a.tgz"
$H ustar "$TMP/a.tgz" >"$TMP/a.tar" 2>"$TMP/py.err"
check_eq "stored framing: header, 65535-byte blocks, BFINAL, CRC-32, ISIZE (parsed by hand)" "$?:$(tail -1 "$TMP/py.err")" "0:"
zcat "$TMP/a.tgz" >"$TMP/z.tar"
check "zcat output equals the ustar stream inside" cmp "$TMP/z.tar" "$TMP/a.tar"
check_eq "ustar size from the plan" "$("$T" --tar-size "$src")" "$(wc -c <"$TMP/z.tar" | tr -d ' ')"
check_eq "no 10240-byte record padding: ustar ends with two zero blocks" \
	"$(tail -c 1024 "$TMP/z.tar" | tr -d '\0' | wc -c | tr -d ' ')" 0

# GNU tar: list and extract without a word on stderr, then compare
tar -tvzf "$TMP/a.tgz" >"$TMP/gnu.lst" 2>"$TMP/gnu.err"
check_eq "GNU tar lists it without warnings" "$?:$(cat "$TMP/gnu.err")" "0:"
mkdir "$TMP/x1"
# (--warning=no-timestamp: GNU tar remarks on the 1960 and 2286 mtimes
# themselves, "implausibly old", "in the future"; not on the format)
tar --warning=no-timestamp -xzf "$TMP/a.tgz" -C "$TMP/x1" 2>"$TMP/gnux.err"
check_eq "GNU tar extracts it without warnings" "$?:$(cat "$TMP/gnux.err")" "0:"
touch -h -d @1700000000 "$TMP/x1"
check "diff -r: extracted tree equals the source" diff -r --no-dereference "$src" "$TMP/x1"
check "modes, mtimes, owners, symlink targets, contents equal (GNU tar)" $H cmptrees "$src" "$TMP/x1"

# bsdtar: the same list, the same tree
bsdtar -tf "$TMP/a.tgz" >"$TMP/bsd.lst" 2>"$TMP/bsd.err"
tar -tzf "$TMP/a.tgz" >"$TMP/gnu.names"
check_eq "bsdtar lists it without warnings" "$?:$(cat "$TMP/bsd.err")" "0:"
check "bsdtar and GNU tar list the same names" cmp "$TMP/bsd.lst" "$TMP/gnu.names"
mkdir "$TMP/x2"
bsdtar -xpf "$TMP/a.tgz" -C "$TMP/x2" 2>"$TMP/bsdx.err"
check_eq "bsdtar extracts it without warnings" "$?:$(cat "$TMP/bsdx.err")" "0:"
touch -h -d @1700000000 "$TMP/x2"
check "modes, mtimes, owners, symlink targets, contents equal (bsdtar)" $H cmptrees "$src" "$TMP/x2"

# python tarfile: order and pax records
check "entries are bytewise sorted paths (dirs with '/'), each once" $H sorted "$TMP/a.tgz"
check "pax records exactly where ustar cannot hold a value (python tarfile)" $H pax "$TMP/a.tgz"
check_eq "the empty directory and the directory of a 101-byte path are kept" \
	"$(grep -c -e '^emptydir/$' -e '^EEEEEEEEEE.*/$' "$TMP/gnu.names")" 2

# ranges on demand equal slices of the full stream
size=$(wc -c <"$TMP/a.tgz" | tr -d ' ')
bad=""
$H ranges "$size" 42 40 >"$TMP/ranges"
while read -r o n; do
	"$T" --range "$o" "$n" "$src" >"$TMP/r.bin" || { bad="$o+$n failed"; break; }
	tail -c +$((o + 1)) "$TMP/a.tgz" | head -c "$n" >"$TMP/w.bin"
	cmp -s "$TMP/r.bin" "$TMP/w.bin" || { bad="$o+$n differs"; break; }
done <"$TMP/ranges"
check_eq "random ranges and ranges across block borders equal the full stream's" "$bad" ""
"$T" --chunk 4093 --reverse "$TMP/rev.tgz" "$src"
check "chunks read last to first (trailer first: internal CRC pass) equal the stream" \
	cmp "$TMP/rev.tgz" "$TMP/a.tgz"
"$T" --chunk 777 "$src" >"$TMP/c.tgz"
check "small odd chunks in order equal the stream" cmp "$TMP/c.tgz" "$TMP/a.tgz"

# one pass in order opens each non-empty regular file exactly once (only
# content opens use O_NONBLOCK; empty files are checked with fstatat)
strace -f -qq -e trace=openat -o "$TMP/st.log" "$T" "$src" >/dev/null 2>&1
nreg=$(find "$src" -type f -size +0 -printf x | wc -c)
opens=$(grep 'O_NONBLOCK' "$TMP/st.log" | sed 's/^[0-9]* openat([0-9]*, //; s/, O_.*//' | sort | uniq -c | awk '$1 == 1' | wc -l)
check_eq "an in-order pass opens each of the $nreg non-empty regular files once" \
	"$(grep -c O_NONBLOCK "$TMP/st.log"):$opens" "$nreg:$nreg"
strace -f -qq -e trace=openat -o "$TMP/st2.log" "$T" --chunk 333 "$src" >/dev/null 2>&1
check_eq "... also in chunks of 333 bytes" "$(grep -c 'O_NONBLOCK' "$TMP/st2.log")" "$nreg"

# plain mode: the entry list and file contents from the walk
"$T" --list "$src" >"$TMP/list"
"$T" --file sizes/s065537 "$src" >"$TMP/f.bin"
check "archive_file_read gives the file's bytes" cmp "$TMP/f.bin" "$src/sizes/s065537"
check_eq "the list has types, modes, sizes, mtimes" \
	"$(grep -c -e '^f 4755 1 1600000000 sizes/s000001$' -e '^l 0777 0 1234567890 link -> sizes/s000001$' -e '^d 1777 0 1234567890 emptydir/$' "$TMP/list")" 3

# SOURCE_DATE_EPOCH: clamp and owners 0/0
"$T" --sde 1650000000 "$src" >"$TMP/sde.tgz"
check "SOURCE_DATE_EPOCH clamps later mtimes, keeps earlier ones, owners 0/0" \
	$H sde "$TMP/sde.tgz" 1650000000 "$src"
"$T" --sde 1650000000 "$src" >"$TMP/sde2.tgz"
check "... deterministically" cmp "$TMP/sde.tgz" "$TMP/sde2.tgz"

# ---- empty tree ----
mkdir "$TMP/empty"
"$T" "$TMP/empty" >"$TMP/e.tgz"
check_eq "empty tree: header + one 1024-byte block + trailer" "$(wc -c <"$TMP/e.tgz" | tr -d ' ')" 1047
check "empty tree: gzip -t" gzip -t "$TMP/e.tgz"
tar -tzf "$TMP/e.tgz" >"$TMP/e.lst" 2>"$TMP/e.err"
check_eq "empty tree: GNU tar lists nothing, no warning" "$?:$(cat "$TMP/e.lst" "$TMP/e.err")" "0:"
check_eq "empty tree: bsdtar lists nothing" "$(bsdtar -tf "$TMP/e.tgz" 2>&1)" ""

# ---- special files: skipped, one warning each ----
mkdir "$TMP/sp"; echo x >"$TMP/sp/file"; mkfifo "$TMP/sp/fifo"
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$TMP/sp/sock"
ndev=0; mknod "$TMP/sp/null" c 1 3 2>/dev/null && ndev=1
"$T" "$TMP/sp" >"$TMP/sp.tgz" 2>"$TMP/sp.err"
check_eq "FIFO, socket, device: skipped with one warning each" \
	"$(grep -c -e "warning: skipping FIFO '.*sp/fifo'" -e "warning: skipping socket '.*sp/sock'" -e "warning: skipping device '.*sp/null'" "$TMP/sp.err"):$(wc -l <"$TMP/sp.err" | tr -d ' ')" \
	"$((2 + ndev)):$((2 + ndev))"
check_eq "... and only the regular file is archived" "$(tar -tzf "$TMP/sp.tgz")" "file"

# ---- 10,000 files ----
$H many "$TMP/many" 10000
"$T" "$TMP/many" >"$TMP/m.tgz"
check_eq "10,000 files: GNU tar lists 10,000 files and 100 directories" \
	"$(tar -tzf "$TMP/m.tgz" | grep -vc '/$'):$(tar -tzf "$TMP/m.tgz" | grep -c '/$')" "10000:100"
mkdir "$TMP/mx"; tar -xzf "$TMP/m.tgz" -C "$TMP/mx"
check "10,000 files: extracted tree equals the source" diff -r "$TMP/many" "$TMP/mx"
check_eq "10,000 files: size from the plan" "$("$T" --size "$TMP/many")" "$(wc -c <"$TMP/m.tgz" | tr -d ' ')"

# ---- a sparse file over 8 GiB: size and a few ranges, no extraction ----
mkdir "$TMP/huge"
if truncate -s 9G "$TMP/huge/big" 2>/dev/null &&
   [ "$(du -k "$TMP/huge/big" | cut -f1)" -lt 1024 ] &&
   printf 'MARK-A' | dd of="$TMP/huge/big" bs=1 seek=4294967296 conv=notrunc 2>/dev/null &&
   printf 'MARK-B' | dd of="$TMP/huge/big" bs=1 seek=9663676410 conv=notrunc 2>/dev/null; then
	touch -d @1600000000 "$TMP/huge/big"
	n=9663676416
	# ustar: pax header block + one block of records + header + data + end
	tarsz=$((512 + 512 + 512 + n + 1024))
	blocks=$(((tarsz + 65534) / 65535))
	check_eq "9 GiB sparse file: size = 10 + ustar + 5 per stored block + 8" \
		"$("$T" --size "$TMP/huge")" "$((10 + tarsz + 5 * blocks + 8))"
	"$T" --range 0 4096 "$TMP/huge" >"$TMP/h.bin"
	check_eq "9 GiB: the head parses (python tarfile) with a pax size record" \
		"$($H head "$TMP/h.bin")" "big $n True"
	# gzip offset of ustar offset u: 10 + u + 5 * (u / 65535 + 1)
	for u in $((1536 + 4294967296)) $((1536 + 9663676410)); do
		g=$((10 + u + 5 * (u / 65535 + 1)))
		"$T" --range "$g" 6 "$TMP/huge" >"$TMP/m.bin"
		case $u in $((1536 + 4294967296))) w=MARK-A ;; *) w=MARK-B ;; esac
		check_eq "9 GiB: range at ustar offset $u holds the file's bytes" "$(cat "$TMP/m.bin")" "$w"
	done
else
	skip "9 GiB sparse file: this file system cannot make one"
fi

# ---- bad input ----
expect_exit "missing DIR: exit 2 naming it" 2 "nonexistent-dir" "$T" "$TMP/nonexistent-dir"
expect_exit "DIR a file: exit 2 naming it" 2 "sp/file.*not a directory" "$T" "$TMP/sp/file"
mkdir "$TMP/ch"; echo hello >"$TMP/ch/f"; echo other >"$TMP/ch/g"
expect_exit "file appended to between plan and read: exit 2 naming it" 2 "ch/f'? changed" \
	"$T" --after-open "echo more >>'$TMP/ch/f'" "$TMP/ch"
echo hello >"$TMP/ch/f"
expect_exit "file whose mtime changed after the walk: exit 2 naming it" 2 "ch/f'? changed" \
	"$T" --after-open "touch -d @1000 '$TMP/ch/f'" "$TMP/ch"
expect_exit "file removed after the walk: exit 2 naming it" 2 "cannot open '.*ch/f'" \
	"$T" --after-open "rm '$TMP/ch/f'" "$TMP/ch"
echo hello >"$TMP/ch/f"
expect_exit "file replaced by a symlink after the walk (never followed): exit 2" 2 "cannot open '.*ch/f'" \
	"$T" --after-open "rm '$TMP/ch/f'; ln -s g '$TMP/ch/f'" "$TMP/ch"
rm -f "$TMP/ch/f"; echo hello >"$TMP/ch/f"
expect_exit "plain mode read of a changed file: exit 2" 2 "ch/f'? changed" \
	"$T" --after-open "echo more >>'$TMP/ch/f'" --file f "$TMP/ch"
: >"$TMP/ch/e"
expect_exit "empty file appended to after the walk: exit 2 naming it" 2 "ch/e'? changed" \
	"$T" --after-open "echo more >>'$TMP/ch/e'" "$TMP/ch"
# root reads anything: the unreadable cases run as nobody (setpriv)
if setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
	mkdir -p "$TMP/ur/sub"; echo secret >"$TMP/ur/secret"; chmod 000 "$TMP/ur/secret"
	expect_exit "unreadable file (as nobody): exit 2 naming it" 2 "cannot open '.*ur/secret'.*denied" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$T" "$TMP/ur"
	chmod 644 "$TMP/ur/secret"; chmod 000 "$TMP/ur/sub"
	expect_exit "unreadable directory (as nobody): exit 2 naming it" 2 "ur/sub.*denied" \
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$T" "$TMP/ur"
	chmod 755 "$TMP/ur/sub"
else
	skip "unreadable file and directory: setpriv cannot switch to nobody here"
fi
exit 0
