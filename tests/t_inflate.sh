#!/bin/sh
# inflate.c and gunzip.c against zlib as the oracle (issue 8): thousands of
# random and structured inputs compressed by python's zlib (levels 0-9, every
# strategy, window sizes 2^9..2^15, memLevel 1..9, raw and gzip) and by the
# gzip command (-1..-9), multi-member files and every header flag, each fed
# to build/tools/tool_gunzip in random chunk splits; corrupt streams
# (flipped bits, truncations) must get the verdict zlib gives (an error, or
# the same bytes), never a crash or a hang.
. tests/lib.sh
sh scripts/need.sh python3 gzip:gzip >/dev/null
make -s build/tools/tool_gunzip >/dev/null 2>&1
TOOL=${TOOL_GUNZIP:-build/tools/tool_gunzip}
[ -x "$TOOL" ] || { not_ok "build/tools/tool_gunzip builds"; exit 0; }

python3 - "$TOOL" "$TMP" <<'PY'
import hashlib, os, random, struct, subprocess, sys, zlib

tool, tmp = sys.argv[1], sys.argv[2]
rnd = random.Random(8)

def inputs():
    """random and structured inputs, small and large"""
    yield b""
    yield b"a"
    yield b"\0" * 100000
    yield bytes(range(256)) * 300
    yield rnd.randbytes(70000)
    words = [b"the", b"quick", b"brown", b"fox", b"\n", b"tar", b"s3pub", b"  "]
    for i in range(360):
        kind = i % 8
        n = rnd.choice([1, 2, 3, 10, 100, 258, 259, 1000, 32767, 32768, 32769,
                        65535, 65536, 70000, 200000])
        if kind == 0:
            yield rnd.randbytes(n)
        elif kind == 1:
            yield b"".join(rnd.choice(words) for _ in range(n // 3 + 1))[:n]
        elif kind == 2:   # long runs: distance 1 matches, length 258
            yield b"".join(bytes([rnd.randrange(4)]) * rnd.randrange(1, 600)
                           for _ in range(n // 200 + 1))[:n]
        elif kind == 3:   # a few symbols: skewed Huffman codes, long codes
            alpha = bytes(rnd.sample(range(256), rnd.randrange(2, 40)))
            w = [2 ** -(k % 16) for k in range(len(alpha))]
            yield bytes(rnd.choices(alpha, weights=w, k=n))
        elif kind == 4:   # far repeats: distances near 32768
            blk = rnd.randbytes(rnd.randrange(100, 32768))
            yield (blk + rnd.randbytes(rnd.randrange(0, 300)) + blk)[:n * 2]
        elif kind == 5:   # small periods: overlapping copies
            p = rnd.randbytes(rnd.randrange(1, 9))
            yield (p * (n // len(p) + 1))[:n]
        elif kind == 6:   # text-ish
            yield bytes(rnd.choices(b"etaoin shrdlu\n", k=n))
        else:             # a mix
            yield rnd.randbytes(n // 3) + b"x" * (n // 3) + bytes(rnd.choices(b"ab", k=n // 3))

def comp(data, level, strategy, wbits, mem):
    c = zlib.compressobj(level, zlib.DEFLATED, wbits, mem, strategy)
    if rnd.random() < 0.3 and len(data) > 10:   # flushes: empty stored blocks, block ends
        out, pos = [], 0
        while pos < len(data):
            step = rnd.randrange(1, len(data) + 1)
            out.append(c.compress(data[pos:pos + step]))
            out.append(c.flush(rnd.choice([zlib.Z_SYNC_FLUSH, zlib.Z_FULL_FLUSH, zlib.Z_NO_FLUSH])))
            pos += step
        out.append(c.flush())
        return b"".join(out)
    return c.compress(data) + c.flush()

cases = []   # (kind, compressed, expected bytes or None for error)
strategies = [zlib.Z_DEFAULT_STRATEGY, zlib.Z_FILTERED, zlib.Z_HUFFMAN_ONLY, zlib.Z_RLE, zlib.Z_FIXED]
for data in inputs():
    for _ in range(6):
        level = rnd.randrange(0, 10)
        st = rnd.choice(strategies)
        wb = rnd.randrange(9, 16)
        mem = rnd.randrange(1, 10)
        raw = rnd.random() < 0.5
        c = comp(data, level, st, -wb if raw else 16 + wb, mem)
        cases.append((1 if raw else 0, c, data, "zlib L%d S%d W%d M%d %s %dB" % (level, st, wb, mem, "raw" if raw else "gzip", len(data))))

# the gzip command: -1..-9, names (FNAME), multi-member
gz_inputs = [d for d in inputs()][:60]
for i, data in enumerate(gz_inputs):
    lvl = 1 + i % 9
    c = subprocess.run(["gzip", "-%d" % lvl, "-c"], input=data, stdout=subprocess.PIPE, check=True).stdout
    cases.append((0, c, data, "gzip -%d %dB" % (lvl, len(data))))
    fn = os.path.join(tmp, "name with spaces.bin")
    open(fn, "wb").write(data)
    c2 = subprocess.run(["gzip", "-%d" % lvl, "-N", "-c", fn], stdout=subprocess.PIPE, check=True).stdout
    cases.append((0, c2 + c, data + data, "gzip -%d -N FNAME, two members" % lvl))

# every header flag, built by hand (RFC 1952 section 2.3)
def member(data, flg_extra=b"", name=None, comment=None, hcrc=False, text=False):
    flg = (1 if text else 0) | (2 if hcrc else 0) | (4 if flg_extra else 0) | (8 if name is not None else 0) | (16 if comment is not None else 0)
    h = b"\x1f\x8b\x08" + bytes([flg]) + struct.pack("<I", 1234567) + b"\x00\x03"
    if flg_extra:
        h += struct.pack("<H", len(flg_extra)) + flg_extra
    if name is not None:
        h += name + b"\0"
    if comment is not None:
        h += comment + b"\0"
    if hcrc:
        h += struct.pack("<H", zlib.crc32(h) & 0xffff)
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return h + c.compress(data) + c.flush() + struct.pack("<II", zlib.crc32(data), len(data) & 0xffffffff)
for i in range(200):
    data = rnd.randbytes(rnd.randrange(0, 3000)) * rnd.randrange(1, 4)
    m = member(data, flg_extra=rnd.randbytes(rnd.randrange(0, 300)) if rnd.random() < .5 else b"",
               name=b"n" * rnd.randrange(0, 500) if rnd.random() < .5 else None,
               comment=b"c" * rnd.randrange(0, 500) if rnd.random() < .5 else None,
               hcrc=rnd.random() < .5, text=rnd.random() < .5)
    k = rnd.randrange(1, 4)
    cases.append((0, m * k, data * k, "header flags, %d members" % k))
    if i % 4 == 0:
        cases.append((0, b"", None, "empty input"))

good = len(cases)

# corruption: zlib's verdict is the oracle
def zlib_verdict(kind, c):
    try:
        if kind == 1:
            d = zlib.decompressobj(-15)
            out = d.decompress(c)
            if not d.eof or d.unused_data:
                return None
            return out
        out, rest = b"", c
        if not rest:
            return None
        while rest:
            d = zlib.decompressobj(31)
            out += d.decompress(rest)
            if not d.eof:
                return None
            rest = d.unused_data
        return out
    except zlib.error:
        return None

for kind, c, data, name in cases[:good]:
    if not c or rnd.random() < 0.4:
        continue
    b = bytearray(c)
    for _ in range(rnd.randrange(1, 4)):
        pos = rnd.randrange(len(b))
        b[pos] ^= 1 << rnd.randrange(8)
    b = bytes(b)
    cases.append((kind, b, zlib_verdict(kind, b), "flipped bits in " + name))
    t = c[:rnd.randrange(len(c))]
    cases.append((kind, t, zlib_verdict(kind, t), "truncated " + name))
    g = rnd.randbytes(rnd.randrange(1, 200))
    cases.append((kind, c[:10] + g if kind == 0 else g, zlib_verdict(kind, c[:10] + g if kind == 0 else g), "garbage after a header"))

recs = b"".join(struct.pack("<IB", len(c), kind) + c for kind, c, _, _ in cases)
fails = {}
for seed in (1, 2):
    out = subprocess.run([tool, "-b", "-s", str(seed)], input=recs, stdout=subprocess.PIPE, timeout=600).stdout.decode().splitlines()
    if len(out) != len(cases):
        print("not ok - tool_gunzip answered %d of %d cases (seed %d): a crash?" % (len(out), len(cases), seed))
        sys.exit(0)
    for i, ((kind, c, want, name), got) in enumerate(zip(cases, out)):
        if want is None:
            okc = got.startswith("ERR ")
        else:
            okc = got == "OK %d %s" % (len(want), hashlib.sha256(want).hexdigest())
        if not okc:
            grp = "good" if i < good else "corrupt"
            fails.setdefault(grp, "%s: got %s, want %s" % (name, got, "an error" if want is None else "%d bytes" % len(want)))

ncorrupt = len(cases) - good
def report(grp, n, what):
    if grp in fails:
        print("not ok - %s: first failure: %s" % (what, fails[grp]))
    else:
        print("ok - %s (%d cases, two chunk splits)" % (what, n))
report("good", good, "streams from zlib (all levels, strategies, windows) and gzip -1..-9 decompress exactly, multi-member and header flags")
report("corrupt", ncorrupt, "flipped bits, truncations, garbage: the verdict of zlib (error or the same bytes), no crash")
PY

# one large stream through the streaming mode (stdin to stdout, 1-byte to
# 100 KB chunks)
head -c 5000000 /dev/urandom | od -An -tx1 | head -c 20000000 >"$TMP/big"
for lvl in 1 9; do
	gzip -"$lvl" -c "$TMP/big" >"$TMP/big.gz"
	"$TOOL" -s 3 <"$TMP/big.gz" >"$TMP/big.out" 2>"$TMP/err"
	check "20 MB text, gzip -$lvl, streamed in random chunks" cmp "$TMP/big" "$TMP/big.out"
done
