#!/usr/bin/env python3
"""A local stand-in for the credential endpoints of SPEC section 5.

    creds_server.py MODE PORTFILE LOGFILE

Binds 127.0.0.1 on a free port (the kernel's choice), writes the port to
PORTFILE, logs each request as "METHOD PATH" (plus the credential-relevant
headers) to LOGFILE, and serves until killed. It speaks the documented
protocols:

  IMDSv2 (docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-
  metadata-service.html): PUT /latest/api/token with
  X-aws-ec2-metadata-token-ttl-seconds gives a token; every GET needs
  X-aws-ec2-metadata-token (401 otherwise); .../iam/security-credentials/
  lists the role, .../ROLE gives the JSON document.
  Modes: imds, imds-v1 (token PUT answers 405, GETs answer without a
  token), imds-blank (the token with blanks around it), imds-403, imds-norole, imds-role404, imds-slow (token answer after
  3 s), imds-badjson, imds-short (credentials expire in 120 s, a new key id
  on each fetch), imds-expired.

  Container endpoint (ECS/EKS): GET of any path, Authorization must equal
  $EXPECT_AUTH when set (401 otherwise). Modes: container,
  container-slow, container-500, container-badjson.

  STS AssumeRoleWithWebIdentity (form POST, 2011-06-15): the token must
  equal the content of $EXPECT_TOKEN_FILE, RoleArn $EXPECT_ROLE; else a
  400 ErrorResponse InvalidIdentityToken. Mode: sts.

The secrets served are fixed per mode: the test computes their SHA-256
itself (secret_of(mode) below is printed by "creds_server.py secret MODE").
For end-to-end publishes, SERVE_KEY_ID and SERVE_SECRET replace the IMDS
and container keys with ones the local S3 server accepts (SERVE_NO_TOKEN=1
drops the session token, which a server without STS would refuse);
imds-short then gives them a 120 s expiry, so a long upload must refresh.
SERVE_CERT and SERVE_KEY (PEM files) make it speak https instead.
"""
import datetime
import http.server
import json
import os
import ssl
import sys
import time
import urllib.parse

TOKEN = "AQAEAtokenFromTheLocalIMDS=="
counter = {"n": 0}


def secret_of(mode):
    return "secret/" + mode.split("-")[0] + "+Key0123456789"


def iso(delta):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delta)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def note(self):
        with open(LOG, "a") as f:
            extra = ""
            for h in ("X-aws-ec2-metadata-token-ttl-seconds", "X-aws-ec2-metadata-token", "Authorization"):
                if h in self.headers:
                    extra += " %s=%s" % (h, "set" if h != "Authorization" else self.headers[h])
            f.write("%s %s%s\n" % (self.command, self.path, extra))

    def send(self, status, body, ctype="text/plain"):
        b = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def creds_doc(self, kind):
        counter["n"] += 1
        life = 6 * 3600
        if MODE == "imds-short":
            life = 120
        if MODE == "imds-expired":
            life = -60
        d = {"AccessKeyId": "ASIA%s%d" % (kind.upper(), counter["n"] if MODE == "imds-short" else 0),
             "SecretAccessKey": secret_of(MODE), "Token": "token-" + kind,
             "Expiration": iso(life)}
        # end-to-end tests: serve keys the local S3 server knows
        if os.environ.get("SERVE_KEY_ID"):
            d["AccessKeyId"] = os.environ["SERVE_KEY_ID"]
            d["SecretAccessKey"] = os.environ["SERVE_SECRET"]
            if os.environ.get("SERVE_NO_TOKEN"):
                del d["Token"]
        if kind == "imds":
            d.update({"Code": "Success", "LastUpdated": iso(-60), "Type": "AWS-HMAC"})
        else:
            d["RoleArn"] = "arn:aws:iam::123456789012:role/task"
        return json.dumps(d)

    # ---- IMDS ----
    def do_PUT(self):
        self.note()
        if not MODE.startswith("imds"):
            return self.send(405, "")
        if self.path != "/latest/api/token":
            return self.send(404, "")
        if MODE == "imds-v1":
            return self.send(405, "")
        if MODE == "imds-403":
            return self.send(403, "")
        if "X-aws-ec2-metadata-token-ttl-seconds" not in self.headers:
            return self.send(400, "")
        if MODE == "imds-slow":
            time.sleep(3)
        if MODE == "imds-blank":
            # blanks around the token: a client must send it trimmed
            return self.send(200, " \t" + TOKEN + " \r\n")
        self.send(200, TOKEN)

    def do_GET(self):
        self.note()
        if MODE.startswith("container"):
            want = os.environ.get("EXPECT_AUTH")
            if want and self.headers.get("Authorization") != want:
                return self.send(401, "")
            if MODE == "container-slow":
                time.sleep(3)
            if MODE == "container-500":
                return self.send(500, "")
            if MODE == "container-badjson":
                return self.send(200, '{"AccessKeyId": "x",', "application/json")
            return self.send(200, self.creds_doc("container"), "application/json")
        if not MODE.startswith("imds"):
            return self.send(404, "")
        if MODE != "imds-v1" and self.headers.get("X-aws-ec2-metadata-token") != TOKEN:
            return self.send(401, "")
        base = "/latest/meta-data/iam/security-credentials/"
        if self.path == "/latest/meta-data/placement/region":
            return self.send(200, "eu-north-1")
        if self.path == base:
            if MODE == "imds-norole":
                return self.send(404, "")
            return self.send(200, "role1\n")
        if self.path == base + "role1":
            if MODE == "imds-role404":
                return self.send(404, "")
            if MODE == "imds-badjson":
                return self.send(200, "{\"Code\": \"Success\", \"AccessKeyId\": ")
            return self.send(200, self.creds_doc("imds"))
        self.send(404, "")

    # ---- STS ----
    def do_POST(self):
        self.note()
        n = int(self.headers.get("Content-Length", "0"))
        form = urllib.parse.parse_qs(self.rfile.read(n).decode(), keep_blank_values=True)
        one = {k: v[0] for k, v in form.items()}
        with open(LOG, "a") as f:
            f.write("form %s\n" % " ".join("%s=%s" % (k, one[k]) for k in sorted(one)
                                          if k != "WebIdentityToken"))
        with open(os.environ["EXPECT_TOKEN_FILE"]) as f:
            token = f.read().strip()
        if (one.get("Action") != "AssumeRoleWithWebIdentity" or one.get("Version") != "2011-06-15"
                or one.get("RoleArn") != os.environ["EXPECT_ROLE"] or not one.get("RoleSessionName")):
            return self.send(400, "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidParameter"
                             "</Code><Message>bad request</Message></Error></ErrorResponse>", "text/xml")
        if one.get("WebIdentityToken") != token:
            return self.send(400, "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken"
                             "</Code><Message>Incorrect token audience</Message></Error>"
                             "<RequestId>x</RequestId></ErrorResponse>", "text/xml")
        self.send(200, """<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>system:serviceaccount:ns:sa</SubjectFromWebIdentityToken>
    <Credentials>
      <SessionToken>FwoGZXIvYXdzE&amp;sts</SessionToken>
      <SecretAccessKey>%s</SecretAccessKey>
      <Expiration>%s</Expiration>
      <AccessKeyId>ASIASTSLOCAL</AccessKeyId>
    </Credentials>
    <AssumedRoleUser><Arn>%s/x</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>""" % (secret_of(MODE), iso(3600), one["RoleArn"]), "text/xml")


if __name__ == "__main__":
    if sys.argv[1] == "secret":
        print(secret_of(sys.argv[2]), end="")
        sys.exit(0)
    MODE, PORTFILE, LOG = sys.argv[1], sys.argv[2], sys.argv[3]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    srv.daemon_threads = True
    if os.environ.get("SERVE_CERT"):
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(os.environ["SERVE_CERT"], os.environ["SERVE_KEY"])
        srv.socket = tls.wrap_socket(srv.socket, server_side=True)
    with open(PORTFILE + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(PORTFILE + ".tmp", PORTFILE)
    srv.serve_forever()
