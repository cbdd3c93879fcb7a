#!/bin/sh
# t_sigv4_botocore.sh: sigv4.c (through build/tools/tool_sigv4) against
# botocore, the AWS CLI's signer, as an independent oracle: S3 requests in
# the header form (PUT with a body and x-amz-content-sha256, GET with a
# query, multipart-style queries, a session token, a secret longer than the
# HMAC block) and presigned URLs (GET and PUT, with and without a token,
# with extra query parameters), S3 mode (no path normalisation).
. tests/lib.sh

TOOL=build/tools/tool_sigv4
if [ ! -x "$TOOL" ]; then
	not_ok "botocore: $TOOL is not built (make tests-build)"
	exit 0
fi

# botocore: the one python3 already has, else Debian's
PY=python3
if ! "$PY" -c 'import botocore' >/dev/null 2>&1; then
	sh scripts/need.sh python3-botocore >/dev/null 2>&1
	PY=/usr/bin/python3
	if ! "$PY" -c 'import botocore' >/dev/null 2>&1; then
		not_ok "botocore: cannot import botocore, even after installing python3-botocore"
		exit 0
	fi
fi

TOOL=$TOOL TMP=$TMP "$PY" - <<'EOF'
import hashlib, os, subprocess
from urllib.parse import quote, urlsplit

import botocore
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

TOOL = os.environ["TOOL"]
TMP = os.environ["TMP"]
AMZ_DATE = "20260115T083000Z"
AK = "AKIAIOSFODNN7EXAMPLE"
SK = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+abc/def=="
LONG_SK = "s" * 37 + "/+" * 40


def boto_sign(auth, req):
    # SigV4Auth.add_auth with a fixed clock instead of the current time
    req.context["timestamp"] = AMZ_DATE
    auth._modify_request_before_signing(req)
    cr = auth.canonical_request(req)
    sts = auth.string_to_sign(req, cr)
    auth._inject_signature_to_request(req, auth.signature(sts, req))


def run_case(c):
    url = c["base"] + quote(c["path"], safe="/")
    creds = Credentials(AK, c.get("secret", SK), c.get("token"))
    body = c.get("body", b"")
    req = AWSRequest(method=c["method"], url=url, headers=dict(c.get("headers", [])),
                     data=body, params=dict(c.get("params", [])))
    args = [TOOL, "-X", c["method"], "-p", c["path"], "-a", AK,
            "-s", c.get("secret", SK), "-r", c["region"], "-S", "s3", "-d", AMZ_DATE,
            "-H", "host:" + urlsplit(c["base"]).netloc]
    if c.get("token"):
        args += ["-t", c["token"]]
    for k, v in c.get("params", []):
        args += ["-q", k + "=" + v]
    for k, v in c.get("headers", []):
        args += ["-H", k + ":" + v]
    if "expires" in c:
        boto_sign(S3SigV4QueryAuth(creds, "s3", c["region"], expires=c["expires"]), req)
        want = req.url
        args += ["-e", str(c["expires"]), "-u", c["base"], "-P", "UNSIGNED-PAYLOAD"]
    else:
        boto_sign(S3SigV4Auth(creds, "s3", c["region"]), req)
        want = req.headers["Authorization"]
        # botocore hashed the body itself (hashlib); the tool hashes the file
        bodyfile = os.path.join(TMP, "body")
        with open(bodyfile, "wb") as f:
            f.write(body)
        args += ["-H", "x-amz-content-sha256:" + hashlib.sha256(body).hexdigest(),
                 "-f", bodyfile]
    p = subprocess.run(args, capture_output=True, text=True)
    got = p.stdout.strip()
    if p.returncode != 0:
        return "tool_sigv4 exit %d: %s" % (p.returncode, p.stderr.strip())
    if "expires" in c:
        # same URL up to the order of the query parameters
        g, w = got.split("?", 1), want.split("?", 1)
        if g[0] != w[0] or sorted(g[1].split("&")) != sorted(w[1].split("&")):
            return "got %s, want %s" % (got, want)
    elif got != want:
        return "got '%s', want '%s'" % (got, want)
    return None


CASES = [
    ("PUT with a body, x-amz-content-sha256, content-type, a padded meta header, "
     "a key with space + ( ) ~ and UTF-8", dict(
        method="PUT", region="us-west-2", base="https://s3.us-west-2.amazonaws.com",
        path="/my-bucket/dir/my file+1 (copy)~\u00e9\u65e5.tar.gz",
        headers=[("Content-Type", "application/gzip"),
                 ("x-amz-meta-note", "  two   spaces  ")],
        body=bytes(range(256)) * 20)),
    ("GET with a ListObjectsV2 query and a session token", dict(
        method="GET", region="us-east-1", base="http://127.0.0.1:9000",
        path="/bucket", token=TOKEN,
        params=[("list-type", "2"), ("prefix", "a b/\u00e9+*"), ("delimiter", "/"),
                ("continuation-token", "x/y=z&w~")])),
    ("POST ?uploads with a 117-byte secret", dict(
        method="POST", region="eu-central-1", base="https://s3.eu-central-1.amazonaws.com",
        path="/bucket/big.tar.gz", secret=LONG_SK, params=[("uploads", "")],
        headers=[("Content-Type", "application/gzip")])),
    ("PUT part with partNumber and an uploadId full of + / =", dict(
        method="PUT", region="us-east-1", base="http://localhost:9000",
        path="/bucket/big.tar.gz",
        params=[("uploadId", "2~abc/def+ghi=="), ("partNumber", "3")],
        body=b"x" * 100000)),
    ("presigned GET, 3600 s, session token, virtual-hosted, key with a space", dict(
        method="GET", region="eu-central-1",
        base="https://my-bucket.s3.eu-central-1.amazonaws.com",
        path="/task 1/result+\u00e9.tar.gz", token=TOKEN, expires=3600)),
    ("presigned PUT, 604800 s, path-style with a port", dict(
        method="PUT", region="us-east-1", base="http://localhost:9000",
        path="/bucket/results/out.tar.gz", expires=604800)),
    ("presigned GET, 60 s, response-content-disposition parameter", dict(
        method="GET", region="ap-southeast-2",
        base="https://s3.ap-southeast-2.amazonaws.com",
        path="/bucket/k", expires=60,
        params=[("response-content-disposition", 'attachment; filename="a b.txt"')])),
]

for name, c in CASES:
    try:
        why = run_case(c)
    except Exception as e:  # a broken oracle is a failure too
        why = "%s: %s" % (type(e).__name__, e)
    if why is None:
        print("ok - botocore %s: %s" % (botocore.__version__, name))
    else:
        print("not ok - botocore %s: %s: %s" % (botocore.__version__, name, why))
EOF
