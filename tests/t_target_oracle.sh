#!/bin/sh
# t_target_oracle.sh: target.c against python3's json and yaml modules
# (independent readers and writers):
#  - the result spec s3pub prints (SPEC section 7), JSON and YAML, for
#    tricky and random strings, parses back to exactly the values given;
#  - spec files written by PyYAML (every quoting style, escapes, unicode)
#    and by json.dumps read to exactly the values in them;
#  - the JSON reader accepts exactly what python's strict json does, and
#    unescapes strings to the same text, over random and mutated documents.
. tests/lib.sh
TOOL=${TOOL_TARGET:-build/tools/tool_target}
if [ ! -x "$TOOL" ]; then
	not_ok "target oracle: $TOOL missing (make build/tools/tool_target)"
	exit 0
fi
PY=python3
if ! $PY -c 'import yaml' 2>/dev/null; then
	# a pyenv python without yaml: Debian's python3 with python3-yaml
	sh scripts/need.sh python3 python3-yaml >&2
	PY=/usr/bin/python3
fi
if ! $PY -c 'import yaml' 2>/dev/null; then
	not_ok "target oracle: python3 yaml module unavailable"
	exit 0
fi

cat > "$TMP/oracle.py" <<'EOF'
import json, os, random, subprocess, sys, yaml

tool, tmp = sys.argv[1], sys.argv[2]
rng = random.Random(int(os.environ.get("SEED", "20230926")))
fails = {}
counts = {}

def check(name, cond, detail=""):
    # one line per named check; the first failure's detail is shown
    if name not in fails:
        fails[name] = None
        counts[name] = 0
    counts[name] += 1
    if not cond and fails[name] is None:
        fails[name] = detail

def report():
    for name, detail in fails.items():
        if detail is None:
            print("ok - %s (%d cases)" % (name, counts[name]))
        else:
            print("not ok - %s: %s" % (name, detail[:600]))

# Strings for argv: no NUL, valid UTF-8 (the writer's input is a key that
# passed the UTF-8 check).
TRICKY = ["", "plain", "with space", "q\"uote", "back\\slash", "a'b",
          "".join(chr(c) for c in range(1, 32)), "\x7f", "tab\there",
          "new\nline\r\n", "".join(chr(c) for c in range(0x80, 0xa0)),
          "\u0085NEL", "\u2028\u2029", "\ufeffbom", "caf\u00e9 \u20ac",
          "\U0001f41f fish", "\u4e2d\u6587", "null", "~", "true", "yes",
          "0x10", "1e3", "- dash", ": colon", "# hash", "key: value",
          "&anchor", "*alias", "!tag", "|", ">", "[a, b]", "{a: b}", "%",
          "@", "`", " lead", "trail ", "\ufffd", "\uffff\ufffe",
          "\U0010ffff", "'", "\"", "\\", "\\x41", "\\u0041", "/", "</script>"]

def rand_str(n):
    out = []
    for _ in range(n):
        r = rng.random()
        if r < 0.5:
            out.append(chr(rng.randint(0x20, 0x7e)))
        elif r < 0.6:
            out.append(chr(rng.randint(1, 0x1f)))
        elif r < 0.7:
            out.append(chr(rng.randint(0x7f, 0x7ff)))
        elif r < 0.9:
            c = rng.randint(0x800, 0xffff)
            out.append(chr(c if not 0xd800 <= c <= 0xdfff else 0xe000))
        else:
            out.append(chr(rng.randint(0x10000, 0x10ffff)))
    return "".join(out)

FIELDS = ["Bucket", "Key", "Region", "Endpoint", "VersionID",
          "ChecksumSHA256", "ContentSHA256"]

def result(vals, size, fmt, enc):
    args = [tool, "result", fmt, enc] + vals + [str(size)]
    p = subprocess.run(args, capture_output=True)
    return p.returncode, p.stdout

def one_result(vals, size, enc):
    want = dict(zip(FIELDS, vals))
    if enc == "plain":
        want["ChecksumSHA256"] = want["ContentSHA256"] = ""
    want["Size"] = size
    rc, out = result(vals, size, "json", enc)
    try:
        text = out.decode("utf-8")   # strict: the output is valid UTF-8
        pairs = json.loads(text, object_pairs_hook=lambda p: p)
        got = dict(pairs[1][1])
        order = [k for k, _ in pairs[1][1]]
        ok = (rc == 0 and pairs[0] == ("Type", "s3") and
              pairs[1][0] == "Params" and got == want and
              order == FIELDS + ["Size"] and text.endswith("}\n") and
              text.count("\n") == 1)
        check("result JSON parses to the values (python json)", ok,
              "%r -> %r" % (vals, out))
    except Exception as e:
        check("result JSON parses to the values (python json)", False,
              "%r -> %r: %s" % (vals, out, e))
    rc, out = result(vals, size, "yaml", enc)
    try:
        doc = yaml.safe_load(out.decode("utf-8"))
        ok = (rc == 0 and doc == {"Type": "s3", "Params": want} and
              list(doc["Params"].keys()) == FIELDS + ["Size"])
        check("result YAML parses to the values (python yaml)", ok,
              "%r -> %r -> %r" % (vals, out, doc))
    except Exception as e:
        check("result YAML parses to the values (python yaml)", False,
              "%r -> %r: %s" % (vals, out, e))

for s in TRICKY:
    one_result([s] * 7, rng.choice([0, 1, 12345, 2**63, 2**64 - 1]), "gzip")
one_result(TRICKY[:7], 5, "plain")
for _ in range(150):
    one_result([rand_str(rng.randint(0, 30)) for _ in range(7)],
               rng.randint(0, 2**64 - 1), rng.choice(["gzip", "plain"]))

# --- spec files from PyYAML and json.dumps -----------------------------
def spec_fields(path):
    p = subprocess.run([tool, "-x", "file", path], capture_output=True)
    if p.returncode != 0:
        return None, p.stderr.decode("utf-8", "replace")
    out = {}
    for line in p.stdout.decode().splitlines():
        k, v = line.split("=", 1)
        out[k] = bytes.fromhex(v).decode("utf-8") if k in (
            "bucket", "key", "endpoint", "region") else v
    return out, ""

def rand_value(maxlen):
    if rng.random() < 0.3:
        s = rng.choice(TRICKY)
    else:
        s = rand_str(rng.randint(1, maxlen))
    return s[:maxlen].replace("\0", "")

def case(s):
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in s)

for i in range(300):
    params = {}
    want = {"bucket": "", "key": "", "endpoint": "", "region": "",
            "encoding": "gzip"}
    for name, maxlen in (("Bucket", 60), ("Key", 200), ("Endpoint", 100),
                         ("Region", 20)):
        if rng.random() < 0.8:
            v = rand_value(maxlen)
            # PyYAML counts characters, our limits count bytes
            while len(v.encode()) > {"Bucket": 255, "Key": 2047,
                                     "Endpoint": 1023, "Region": 63}[name]:
                v = v[:-1]
            params[case(name) if rng.random() < 0.3 else name] = v
            want[name.lower()] = v
    if rng.random() < 0.5:
        enc = rng.choice(["gzip", "plain"])
        params["Encoding"] = case(enc)
        want["encoding"] = enc
    doc = {"Type": case("s3"), "Params": params}
    if rng.random() < 0.7:
        doc = {"Publisher": doc}
    path = os.path.join(tmp, "spec%d" % i)
    if rng.random() < 0.6:
        style = rng.choice([None, '"', "'"])
        text = yaml.safe_dump(doc, default_style=style, width=10**9,
                              allow_unicode=rng.random() < 0.5,
                              explicit_start=rng.random() < 0.3,
                              indent=rng.choice([2, 3, 4]),
                              sort_keys=rng.random() < 0.5)
        kind = "YAML"
        # PyYAML picks block scalars for some multi-line values with the
        # plain style; those are outside the documented subset
        if style is None and ("|" in text or ">" in text.split(":", 1)[0]):
            text = yaml.safe_dump(doc, default_style='"', width=10**9)
    else:
        text = json.dumps(doc, ensure_ascii=rng.random() < 0.5,
                          indent=rng.choice([None, 1, 4]))
        kind = "JSON"
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    got, err = spec_fields(path)
    if got is not None:
        # a field read as empty is unset; compare the text only
        got = {k: got[k] for k in want}
    name = "spec file from python %s reads to the same fields" % kind
    if kind == "YAML":
        back = yaml.safe_load(text)
        if back != doc:
            continue  # PyYAML itself does not round-trip this one
        # the subset: one-line scalars only
        if any(l.startswith(" ") and ":" not in l for l in text.splitlines()):
            continue
    check(name, got == want, "%r -> %r %s" % (text, got, err))

# --- the JSON reader against python's strict json -----------------------
def py_accepts(b):
    try:
        s = b.decode("utf-8")
        def nope(x):
            raise ValueError("constant " + x)
        v = json.loads(s, parse_constant=nope)
        # python keeps lone surrogates from \ud800; RFC 8259 strictness
        # (and our reader) refuses them
        json.dumps(v, ensure_ascii=False).encode("utf-8")
        return True, v
    except (ValueError, UnicodeError, RecursionError):
        return False, None

def rand_json(depth=0):
    r = rng.random()
    if depth > 6 or r < 0.3:
        return rng.choice([None, True, False, rng.randint(-10**20, 10**20),
                           rng.random() * 10**rng.randint(-20, 20),
                           rand_str(rng.randint(0, 12))])
    if r < 0.6:
        return [rand_json(depth + 1) for _ in range(rng.randint(0, 4))]
    return {rand_str(rng.randint(0, 6)): rand_json(depth + 1)
            for _ in range(rng.randint(0, 4))}

ALPHA = b'{}[]:,"\\ \t\n\r0123456789-+.eEtrufalsn/abcdu\x00\x01\x7f\x80\xc3\xa9\xed\xa0\xf0\x9f\xff'
docs = []
for _ in range(3000):
    d = json.dumps(rand_json(), ensure_ascii=rng.random() < 0.5,
                   indent=rng.choice([None, 2])).encode("utf-8")
    if rng.random() < 0.7:
        d = bytearray(d)
        for _ in range(rng.randint(1, 3)):
            op = rng.random()
            pos = rng.randint(0, len(d))
            if op < 0.4 and d:
                del d[min(pos, len(d) - 1)]
            elif op < 0.8:
                d[pos:pos] = bytes([rng.choice(ALPHA)])
            elif d:
                d[min(pos, len(d) - 1)] = rng.choice(ALPHA)
        d = bytes(d)
    docs.append(d)
# escapes, surrogates and UTF-8 edge cases in a string root
for _ in range(2000):
    parts = []
    for _ in range(rng.randint(1, 4)):
        r = rng.random()
        if r < 0.3:
            parts.append(b"\\u%04x" % rng.choice([0, 0x41, 0xe9, 0x7ff, 0x800,
                         0xd800, 0xdbff, 0xdc00, 0xdfff, 0xfffe, 0xffff,
                         rng.randint(0, 0xffff)]))
        elif r < 0.5:
            parts.append(bytes([rng.randint(0x80, 0xff)
                                for _ in range(rng.randint(1, 4))]))
        elif r < 0.7:
            parts.append(rand_str(3).encode("utf-8"))
        else:
            parts.append(rng.choice([b"\\n", b"\\/", b"\\\\", b"\\\"", b"\\x",
                                     b"\\U0001f41f", b"\\ud83d\\udc1f", b"a"]))
    docs.append(b'"' + b"".join(parts) + b'"')
docs += [b"[" * n + b"]" * n for n in (31, 32, 33)]
# UTF-8 inside a string: every lead byte with every continuation-range
# second byte, and third/fourth bytes at the range edges (overlongs,
# surrogates, past U+10FFFF, truncations)
for b1 in range(0x80, 0x100):
    for b2 in list(range(0x7f, 0xc1)) + [0x41]:
        for b3 in (None, 0x41, 0x80, 0xbf):
            for b4 in ((None, 0x41, 0x80, 0xbf) if b3 else (None,)):
                s = bytes(b for b in (b1, b2, b3, b4) if b is not None)
                docs.append(b'"' + s + b'"')

p = subprocess.run([tool, "jsonlines"], capture_output=True,
                   input=b"".join(d.hex().encode() + b"\n" for d in docs))
lines = p.stdout.decode().splitlines()
check("tool_target jsonlines answered every document",
      p.returncode == 0 and len(lines) == len(docs),
      "rc %d, %d answers for %d documents" % (p.returncode, len(lines),
                                               len(docs)))
for d, line in zip(docs, lines):
    ok, v = py_accepts(d)
    if d.count(b"[") >= 33 and ok and d.strip().startswith(b"[" * 33):
        ok = False  # our documented depth bound (JSON_MAX_DEPTH)
    mine = line.startswith("ok")
    check("JSON accepted exactly when python's strict json accepts it",
          ok == mine, "%r: python %s, ours %r" % (d, ok, line))
    if ok and mine and isinstance(v, str):
        got = bytes.fromhex(line.split(" ", 2)[2]).decode("utf-8")
        check("JSON strings unescape as python's json does", got == v,
              "%r: %r vs %r" % (d, got, v))
report()
EOF
$PY "$TMP/oracle.py" "$TOOL" "$TMP"
