#!/bin/sh
# t_creds_network.sh: the network credential sources (IMDSv2, container
# endpoint, STS AssumeRoleWithWebIdentity) against tests/creds_server.py,
# a local server on 127.0.0.1 that speaks each documented protocol,
# including its failure cases. Driven through build/tools/tool_creds, which
# prints the source, the key id and the SHA-256 of the secret (the oracle:
# sha256sum of the secret the server sent).
. tests/lib.sh
sh scripts/need.sh python3:python3 coreutils:sha256sum >/dev/null 2>&1 || true
TOOL=${TOOL:-build/tools/tool_creds}
if [ ! -x "$TOOL" ] || ! command -v python3 >/dev/null 2>&1; then
	skip "credential network sources (no $TOOL or python3)"; exit 0
fi
unset AWS_EC2_METADATA_DISABLED AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
	AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN \
	AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE AWS_WEB_IDENTITY_TOKEN_FILE \
	AWS_ROLE_ARN AWS_ROLE_SESSION_NAME AWS_ENDPOINT_URL_STS \
	AWS_METADATA_SERVICE_NUM_ATTEMPTS AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE
export AWS_METADATA_SERVICE_TIMEOUT=1
SRV_PID=""

# start MODE: starts the server, sets PORT and LOG
start() {
	stop
	LOG=$TMP/$1.log; : >"$LOG"; rm -f "$TMP/port"
	python3 tests/creds_server.py "$1" "$TMP/port" "$LOG" &
	SRV_PID=$!
	i=0; while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
	PORT=$(cat "$TMP/port" 2>/dev/null)
}
stop() {
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	SRV_PID=""
}
trap 'stop; rm -rf "$TMP"' EXIT INT TERM

secret_hash() { python3 tests/creds_server.py secret "$1" | sha256sum | cut -d' ' -f1; }
field() { sed -n "s/^$1=//p" "$TMP/out"; }
run() { "$TOOL" "$@" >"$TMP/out" 2>"$TMP/err"; echo $? >"$TMP/rc"; }

# ---- IMDSv2 ----
start imds
export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$PORT
run
check_eq "imds: source" "$(field source)" imds
check_eq "imds: key id" "$(field access_key_id)" ASIAIMDS0
check_eq "imds: secret (sha256 oracle)" "$(field secret_sha256)" "$(secret_hash imds)"
check_eq "imds: session token" "$(field token_sha256)" "$(printf %s token-imds | sha256sum | cut -d' ' -f1)"
exp=$(field expiration); now=$(date +%s)
if [ -n "$exp" ] && [ "$exp" -gt $((now + 3600)) ]; then ok "imds: expiration read"; else not_ok "imds: expiration '$exp'"; fi
check_eq "imds: token PUT, then list, then role, each with the token" \
	"$(cat "$LOG" | tr '\n' '|')" \
	"PUT /latest/api/token X-aws-ec2-metadata-token-ttl-seconds=set|GET /latest/meta-data/iam/security-credentials/ X-aws-ec2-metadata-token=set|GET /latest/meta-data/iam/security-credentials/role1 X-aws-ec2-metadata-token=set|"
if grep -q "$(python3 tests/creds_server.py secret imds)" "$TMP/out" "$TMP/err"; then
	not_ok "imds: the secret is never printed"; else ok "imds: the secret is never printed"; fi
# the token with blanks around it is trimmed, then used (a regression:
# the leading blanks were kept and the token refused as "malformed")
start imds-blank
export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$PORT
run
check_eq "imds: a token with blanks around it is trimmed and used ($(head -c 200 "$TMP/err"))" "$(field source)" imds
start imds
export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$PORT
"$TOOL" -v >/dev/null 2>"$TMP/verr"
if grep -q "credentials: from imds" "$TMP/verr" && ! grep -q "$(python3 tests/creds_server.py secret imds)" "$TMP/verr" \
	&& ! grep -q "AQAEAtokenFromTheLocalIMDS" "$TMP/verr"; then
	ok "imds: verbose names the source, not the secret nor the token"
else not_ok "imds: verbose log: $(head -c 300 "$TMP/verr")"; fi
run --imds-region
check_eq "imds: placement/region" "$(cat "$TMP/out")" "region=eu-north-1"
AWS_EC2_METADATA_DISABLED=true expect_exit "imds: AWS_EC2_METADATA_DISABLED=true skips it" 1 \
	"no credentials found .*IMDS \\(disabled\\)" "$TOOL"
AWS_ACCESS_KEY_ID=AKIDENV AWS_SECRET_ACCESS_KEY=x run
check_eq "imds: environment keys come first" "$(field source)" environment

start imds-v1
export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$PORT
expect_exit "imds: IMDSv1-only answer refused" 1 "token request refused with HTTP 405" "$TOOL"
check_eq "imds: no unauthenticated GET after a refused token" "$(grep -c '^GET' "$LOG")" 0
start imds-403
export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$PORT
expect_exit "imds: token PUT 403 (IMDSv2 disabled) refused" 1 "refused with HTTP 403" "$TOOL"
check_eq "imds: no GET after 403" "$(grep -c '^GET' "$LOG")" 0

start imds-norole
export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$PORT
expect_exit "imds: no role attached" 1 "no IAM role attached" "$TOOL"
start imds-role404
export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$PORT
expect_exit "imds: 404 for the role" 1 "role role1: HTTP 404" "$TOOL"
start imds-badjson
export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$PORT
expect_exit "imds: malformed JSON" 5 "IMDS /latest/meta-data/iam/security-credentials/role1: malformed JSON" "$TOOL"
start imds-expired
export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$PORT
expect_exit "imds: expired credentials never returned" 1 "credentials from imds expired at" "$TOOL"
start imds-slow
export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$PORT
expect_exit "imds: slow answer past the time-out" 1 "IMDS \\(no answer within the time-out\\)" "$TOOL"
run --imds-region
check_eq "imds: region source quiet when IMDS is slow" "$(cat "$TMP/out")" absent
stop
export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$PORT
expect_exit "imds: nothing listening" 1 "IMDS \\(unreachable\\)" "$TOOL"

# refresh: short-lived credentials, a new key id on each fetch
start imds-short
export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$PORT
run --refresh
check_eq "imds: refresh fetches new credentials" "$(field access_key_id)" ASIAIMDS2
check_eq "imds: refresh took a new token, list and role" "$(grep -c '^PUT' "$LOG") $(grep -c '^GET' "$LOG")" "2 4"
export AWS_EC2_METADATA_DISABLED=true
unset AWS_EC2_METADATA_SERVICE_ENDPOINT

# ---- container ----
start container
export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$PORT/v2/credentials/abc
run
check_eq "container: source" "$(field source)" container
check_eq "container: key id" "$(field access_key_id)" ASIACONTAINER0
check_eq "container: secret (sha256 oracle)" "$(field secret_sha256)" "$(secret_hash container)"
check_eq "container: path" "$(cat "$LOG")" "GET /v2/credentials/abc"
EXPECT_AUTH="Bearer tok-1" start container
export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$PORT/creds
expect_exit "container: token required (401 without)" 4 "container credentials at .*HTTP 401" "$TOOL"
AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer tok-1" run
check_eq "container: AWS_CONTAINER_AUTHORIZATION_TOKEN" "$(field source)" container
printf 'Bearer tok-1\n' >"$TMP/ctok"
AWS_CONTAINER_AUTHORIZATION_TOKEN=wrong AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$TMP/ctok run
check_eq "container: the token file wins over the variable" "$(field source)" container
AWS_CONTAINER_AUTHORIZATION_TOKEN="$(printf 'a\nX-Evil: 1')" expect_exit \
	"container: a token with a newline is refused" 1 "control character" "$TOOL"
start container-500
export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$PORT/creds
expect_exit "container: HTTP 500 after 3 attempts" 5 "HTTP 500" "$TOOL"
check_eq "container: 3 attempts" "$(grep -c '^GET' "$LOG")" 3
start container-badjson
export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$PORT/creds
expect_exit "container: malformed JSON" 5 "container credentials: malformed JSON" "$TOOL"
start container-slow
export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$PORT/creds
expect_exit "container: slow answer past the time-out" 3 "container credentials at http://127.0.0.1:$PORT/creds" "$TOOL"
stop
unset AWS_CONTAINER_CREDENTIALS_FULL_URI

# ---- STS AssumeRoleWithWebIdentity ----
start sts
printf 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln\n' >"$TMP/wit"
export EXPECT_TOKEN_FILE=$TMP/wit EXPECT_ROLE=arn:aws:iam::123456789012:role/pod
stop; start sts
export AWS_ENDPOINT_URL_STS=http://127.0.0.1:$PORT
AWS_WEB_IDENTITY_TOKEN_FILE=$TMP/wit AWS_ROLE_ARN=$EXPECT_ROLE AWS_ROLE_SESSION_NAME=my-pod run
check_eq "web identity (env): source" "$(field source)" web-identity
check_eq "web identity (env): key id" "$(field access_key_id)" ASIASTSLOCAL
check_eq "web identity (env): secret (sha256 oracle)" "$(field secret_sha256)" "$(secret_hash sts)"
check_eq "web identity (env): XML entities decoded in the token" "$(field token_sha256)" \
	"$(printf %s 'FwoGZXIvYXdzE&sts' | sha256sum | cut -d' ' -f1)"
check_eq "web identity (env): form sent" "$(grep '^form' "$LOG")" \
	"form Action=AssumeRoleWithWebIdentity RoleArn=$EXPECT_ROLE RoleSessionName=my-pod Version=2011-06-15"
printf 'wrong-token' >"$TMP/wit2"
AWS_WEB_IDENTITY_TOKEN_FILE=$TMP/wit2 AWS_ROLE_ARN=$EXPECT_ROLE expect_exit \
	"web identity: STS refuses the token" 4 "InvalidIdentityToken: Incorrect token audience" "$TOOL"
AWS_WEB_IDENTITY_TOKEN_FILE=$TMP/missing AWS_ROLE_ARN=$EXPECT_ROLE expect_exit \
	"web identity: missing token file" 1 "web identity token file .*missing" "$TOOL"
printf '[profile pod]\nrole_arn = %s\nweb_identity_token_file = %s\nrole_session_name = from-profile\n' \
	"$EXPECT_ROLE" "$TMP/wit" >"$TMP/config"
AWS_CONFIG_FILE=$TMP/config run --profile pod
check_eq "web identity (profile): source" "$(field source)" web-identity
check_eq "web identity (profile): session name" "$(grep '^form' "$LOG" | tail -1 | sed 's/.*RoleSessionName=\([^ ]*\).*/\1/')" from-profile
printf '[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = f\n' >"$TMP/credentials"
AWS_SHARED_CREDENTIALS_FILE=$TMP/credentials AWS_WEB_IDENTITY_TOKEN_FILE=$TMP/wit AWS_ROLE_ARN=$EXPECT_ROLE run
check_eq "web identity (env) comes after the credentials file" "$(field source)" shared-credentials-file
stop
AWS_WEB_IDENTITY_TOKEN_FILE=$TMP/wit AWS_ROLE_ARN=$EXPECT_ROLE expect_exit \
	"web identity: STS unreachable" 3 "STS AssumeRoleWithWebIdentity|127.0.0.1" "$TOOL"
