#!/bin/sh
# t_creds_ini.sh: the INI reader (creds_ini.c, through creds.c's profile
# files) against botocore itself (the AWS CLI's library, the oracle): for
# hand-written files and 400 generated ones, the profile's region,
# endpoint_url and s3 endpoint_url as s3pub reads them
# (build/tools/tool_creds --value) must equal what botocore's
# Session.get_scoped_config() gives, errors included; the s3 endpoint_url
# as botocore's ConfiguredEndpointProvider finds it: the [services NAME]
# section that the profile's `services` names.
. tests/lib.sh
TOOL=${TOOL:-build/tools/tool_creds}
[ -x "$TOOL" ] || { skip "INI against botocore (no $TOOL)"; exit 0; }
python3 -c 'import botocore' 2>/dev/null || sh scripts/need.sh python3-botocore >/dev/null 2>&1
python3 -c 'import botocore' 2>/dev/null || { skip "INI against botocore (no botocore)"; exit 0; }
cd "$TMP" || exit 1
TOOL=$OLDPWD/$TOOL python3 - <<'EOF'
import os, random, subprocess, sys
import botocore.session, botocore.exceptions

TOOL = os.environ["TOOL"]
CF, CR = os.path.abspath("config"), os.path.abspath("credentials")
LOOKUPS = [(None, "region"), (None, "endpoint_url"), ("s3", "endpoint_url")]

def botocore_view(profile, sub, key):
    env = {"AWS_CONFIG_FILE": CF, "AWS_SHARED_CREDENTIALS_FILE": CR}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        s = botocore.session.Session(profile=profile)
        cfg = s.get_scoped_config()
    except (botocore.exceptions.ConfigParseError, botocore.exceptions.ProfileNotFound) as e:
        return "error"
    finally:
        for k, v in old.items():
            if v is None: os.environ.pop(k, None)
            else: os.environ[k] = v
    v = cfg.get(key)
    if sub:
        # configprovider.py's _get_services_config: a missing section is
        # an InvalidConfigError; a profile's own "s3 =" is not looked at
        name = cfg.get("services")
        if not name:
            return "absent"
        sec = s.full_config.get("services", {}).get(name)
        if not sec:
            return "error"
        v = sec.get(sub)
        v = v.get(key) if isinstance(v, dict) else None
    if v is None or v == "" or isinstance(v, dict):
        return "absent"
    return "value=" + v

def s3pub_view(profile, sub, key):
    args = [TOOL] + (["--profile", profile] if profile else []) + ["--value"] + ([sub] if sub else []) + [key]
    env = dict(os.environ, AWS_CONFIG_FILE=CF, AWS_SHARED_CREDENTIALS_FILE=CR)
    env.pop("AWS_PROFILE", None)
    p = subprocess.run(args, capture_output=True, env=env)
    if p.returncode == 1 and p.stderr.startswith(b"tool_creds:"):
        return "error"
    if p.returncode != 0:
        return "crash %d %r" % (p.returncode, p.stderr[:200])
    return p.stdout.decode("utf-8", "replace")[:-1]

def compare(config, creds, profiles=(None, "p")):
    with open(CF, "wb") as f: f.write(config.encode() if isinstance(config, str) else config)
    with open(CR, "wb") as f: f.write(creds.encode() if isinstance(creds, str) else creds)
    for prof in profiles:
        for sub, key in LOOKUPS:
            a, b = s3pub_view(prof, sub, key), botocore_view(prof, sub, key)
            if a != b:
                return "profile %s %s%s: s3pub %r, botocore %r" % (prof or "default", sub + "." if sub else "", key, a, b)
    return None

CASES = [
    ("plain", "[default]\nregion = us-west-2\n[profile p]\nregion=eu-west-1\n", ""),
    ("inline comment kept", "[default]\nregion = us-west-2 # c\n[profile p]\nregion = x ; y\n", ""),
    ("colon delimiter", "[default]\nregion: ap-south-1\nendpoint_url : http://a:1\n", ""),
    ("key case", "[default]\nREGION = r\n[profile p]\nEndpoint_URL = http://b\n", ""),
    ("comments", "# a\n; b\n[default]\n   # c\nregion = r\n  ; d\n", ""),
    ("sub-section", "[default]\ns3 =\n  endpoint_url = http://s3:9000\n  addressing_style = path\nregion = r\n", ""),
    ("sub-section with blanks and comments", "[profile p]\ns3 =\n\n  # x\n  endpoint_url=http://q\n\nregion=z\n", ""),
    ("sub-section key case", "[default]\ns3 =\n  Endpoint_Url = http://s3\n", ""),
    ("continuation", "[default]\nregion = a\n  b\n\n  c\nendpoint_url = e\n", ""),
    ("DEFAULT section", "[DEFAULT]\nregion = d\n[default]\nx = 1\n[profile p]\nregion = own\n", ""),
    ("credentials file overrides", "[default]\nregion = c\n", "[default]\nregion = k\n[p]\nendpoint_url = http://k\n"),
    ("[default] and [profile default]", "[default]\nregion = a\n[profile default]\nregion = b\n", ""),
    ("quoted profile", "[profile \"p\"]\nregion = q\n", ""),
    ("blanks in header", "[profile    p   ]\nregion = q\n", ""),
    ("text after ]", "[default] x\nregion = t\n", ""),
    ("CR LF", "[default]\r\nregion = crlf\r\n", ""),
    ("lone CR", "[default]\rregion = cr\r", ""),
    ("tabs", "[default]\n\tregion\t=\tt\n", ""),
    ("unterminated header", "[default]\nregion = a\n[profile p\n", ""),
    ("key outside any section", "region = a\n[default]\n", ""),
    ("line without =", "[default]\nfoo\n", ""),
    ("bad sub-section", "[default]\ns3 =\n  nonsense\n", ""),
    ("invalid UTF-8", b"[default]\nregion = \xff\n", ""),
    ("unknown explicit profile", "[default]\nregion = a\n", ""),
    ("empty value", "[default]\nregion =\n[profile p]\nregion = \n", ""),
    ("repeated key", "[default]\nregion = a\nregion = b\n", ""),
    ("repeated section", "[default]\nregion = a\n[default]\nx = b\n", ""),
    ("services section", "[profile p]\nservices = sv\n[default]\nservices = sv\n[services sv]\ns3 =\n  endpoint_url = http://sv:1\n", ""),
    ("services section quoted, blanks", "[default]\nservices = a b\n[services  \"a b\" ]\ns3 =\n  endpoint_url = http://ab\n", ""),
    ("services section without s3", "[default]\nservices = sv\n[services sv]\nsts =\n  endpoint_url = http://sts\n", ""),
    ("services naming no section", "[default]\nservices = nope\n[services sv]\ns3 =\n  endpoint_url = http://sv\n", ""),
    ("services from the credentials file", "[services sv]\ns3 =\n  endpoint_url = http://c\n", "[default]\nservices = sv\n[p]\nservices = sv\n"),
    ("profile's own s3 sub-section is not a service's", "[default]\ns3 =\n  endpoint_url = http://own\n", ""),
    ("[services x] is no profile", "[services p]\nregion = s\n[profile p]\nservices = p\n", ""),
]
fails = 0
for name, conf, cred in CASES:
    why = compare(conf, cred, (None, "p") if "unknown" not in name else ("p",))
    print(("not ok - ini vs botocore: %s: %s" % (name, why)) if why else "ok - ini vs botocore: " + name)
    fails += why is not None

# generated files: sections, keys in any case, sub-sections, continuation
# lines, comments, indentation, repeated keys and sections
rnd = random.Random(1234)
def gen():
    out, secs = [], rnd.sample(["[default]", "[profile p]", "[p]", "[DEFAULT]", "[profile  p ]",
                                "[profile other]", "[x y z]", "[profile \"p\"]"], rnd.randint(0, 4))
    if secs and rnd.random() < 0.1:
        secs.append(rnd.choice(secs))
    if rnd.random() < 0.05:
        out.append(rnd.choice(["region = early", "[unterminated", "junk"]))
    for s in secs:
        out.append(rnd.choice(["", "  ", "\t"]) + s)
        for k in rnd.sample(["region", "Region", "endpoint_url", "s3", "output", "x"], rnd.randint(0, 3)):
            sep = rnd.choice(["=", " = ", ":", " : ", "\t=\t", "  =  "])
            ind = rnd.choice(["", "", " ", "\t"])
            if k == "s3":
                out.append(ind + "s3" + sep.rstrip())
                for sk in rnd.sample(["endpoint_url", "Endpoint_URL", "addressing_style"], rnd.randint(0, 2)):
                    out.append(ind + rnd.choice(["  ", "    ", "\t "]) + sk + rnd.choice(["=", " = "]) + "http://h%d" % rnd.randint(0, 9))
                    if rnd.random() < 0.2: out.append(rnd.choice(["", "  # c", ind + "  ; c"]))
            else:
                out.append(ind + k + sep + rnd.choice(["v1", "us-east-1", "a b", "x # y", "; z", "http://e:9", ""]))
                if rnd.random() < 0.15: out.append(ind + "   cont")
            if rnd.random() < 0.2: out.append(rnd.choice(["# comment", "; comment", "", "   # indented"]))
    return rnd.choice(["\n", "\r\n"]).join(out) + "\n"

first = None
for i in range(400):
    conf, cred = gen(), (gen() if rnd.random() < 0.5 else "")
    why = compare(conf, cred)
    if why and first is None:
        first = "case %d: %s\n--- config ---\n%s--- credentials ---\n%s" % (i, why, conf, cred)
if first:
    print("not ok - ini vs botocore: 400 generated files: " + first.replace("\n", "\\n"))
else:
    print("ok - ini vs botocore: 400 generated files agree")
EOF
