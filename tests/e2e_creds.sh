#!/bin/sh
# The credential chain end to end (SPEC section 5, issue 6): each source on
# its own, then in precedence order, publishing for real to radosgw with the
# keys each source yields. The metadata endpoints (IMDSv2, container, STS)
# are tests/creds_server.py on 127.0.0.1, speaking their documented
# protocols and serving the local server's keys.
. tests/lib.sh
. tests/s3/lib.sh

s3_use rgw || { skip "credential chain: radosgw not up"; exit 0; }
EP=$RGW_ENDPOINT
B=$(new_bucket rgw) || { not_ok "create bucket"; exit 0; }
T=$TMP/tree
mkdir -p "$T" && printf 'result\n' >"$T/out.txt"
mkdir -p "$TMP/big" && head -c $((12 * 1024 * 1024)) /dev/urandom >"$TMP/big/data.bin"

# publish_as NAME KEY [ENV...]: publishes with only the given environment
# (no AWS_* keys) and checks that the object arrived
publish_as() {
	_name=$1 _key=$2; shift 2
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$@" \
		"$S3PUB" publish --verbose "$T" "s3://$B/$_key,opt=endpoint=$EP" \
		>"$TMP/out.json" 2>"$TMP/err"
	_rc=$?
	if [ $_rc -eq 0 ] && aws_rgw s3api head-object --bucket "$B" --key "$_key.tar.gz" >/dev/null 2>&1; then
		ok "$_name: published ($(grep -o 'credentials from [a-z_-]*' "$TMP/err"))"
	else
		not_ok "$_name: exit $_rc: $(grep -v '^s3pub: [<>*]' "$TMP/err" | tail -n 3 | tr '\n' ' ')"
	fi
}
source_was() {
	check "$1: the source was $2" grep -q "credentials from $2" "$TMP/err"
}

# credential files of our own
cat >"$TMP/credentials" <<EOF
[default]
aws_access_key_id = $RGW_ACCESS_KEY
aws_secret_access_key = $RGW_SECRET_KEY

[edge]
aws_access_key_id=$RGW_ACCESS_KEY
aws_secret_access_key=$RGW_SECRET_KEY

[broken]
aws_access_key_id = $RGW_ACCESS_KEY
aws_secret_access_key = not-the-secret
EOF
cat >"$TMP/config" <<EOF
[profile cfgkeys]
aws_access_key_id = $RGW_ACCESS_KEY
aws_secret_access_key = $RGW_SECRET_KEY
region = us-east-1

[profile proc]
credential_process = sh -c 'printf "{\\"Version\\": 1, \\"AccessKeyId\\": \\"%s\\", \\"SecretAccessKey\\": \\"%s\\"}" "\$CP_AK" "\$CP_SK"'

[profile cfgendpoint]
aws_access_key_id = $RGW_ACCESS_KEY
aws_secret_access_key = $RGW_SECRET_KEY
endpoint_url = http://127.0.0.1:9
services = local-rgw
s3 =
    endpoint_url = http://127.0.0.1:8

[services local-rgw]
s3 =
    endpoint_url = $EP
EOF

publish_as "environment" env1 AWS_ACCESS_KEY_ID="$RGW_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$RGW_SECRET_KEY"
source_was "environment" environment
publish_as "shared credentials file, default profile" file1 AWS_SHARED_CREDENTIALS_FILE="$TMP/credentials"
source_was "credentials file" shared-credentials-file
publish_as "AWS_PROFILE" file2 AWS_SHARED_CREDENTIALS_FILE="$TMP/credentials" AWS_PROFILE=edge
publish_as "config file keys (--profile via AWS_PROFILE)" cfg1 AWS_CONFIG_FILE="$TMP/config" AWS_PROFILE=cfgkeys
source_was "config file" config-file
publish_as "credential_process" proc1 AWS_CONFIG_FILE="$TMP/config" AWS_PROFILE=proc \
	CP_AK="$RGW_ACCESS_KEY" CP_SK="$RGW_SECRET_KEY"
source_was "credential_process" credential_process
check "credential_process: --verbose shows the chain's steps" \
	grep -q '^s3pub: credentials: running the credential_process of profile' "$TMP/err"
# the s3 endpoint_url of the [services NAME] the profile names wins over
# its global one, as the AWS CLI reads them (the profile's own "s3 ="
# sub-section is not an endpoint to either)
env -u AWS_ACCESS_KEY_ID AWS_CONFIG_FILE="$TMP/config" AWS_PROFILE=cfgendpoint \
	"$S3PUB" publish "$T" "s3://$B/cfgep" >"$TMP/out.json" 2>"$TMP/err"
check_eq "profile endpoint_url from its [services] section ($(head -c 200 "$TMP/err"))" \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Params"]["Endpoint"])' "$TMP/out.json" 2>/dev/null)" "$EP"
check "the AWS CLI reads the same endpoint from it" env AWS_CONFIG_FILE="$TMP/config" AWS_PROFILE=cfgendpoint \
	AWS_SHARED_CREDENTIALS_FILE=/nonexistent aws s3api head-object --bucket "$B" --key cfgep.tar.gz

# precedence: the environment beats the files, the files beat IMDS
publish_as "environment before a broken file profile" prec1 AWS_SHARED_CREDENTIALS_FILE="$TMP/credentials" \
	AWS_PROFILE=broken AWS_ACCESS_KEY_ID="$RGW_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$RGW_SECRET_KEY"
expect_exit "--profile skips the environment (as the AWS CLI): the broken profile is used" 4 'SignatureDoesNotMatch' \
	env AWS_SHARED_CREDENTIALS_FILE="$TMP/credentials" AWS_ACCESS_KEY_ID="$RGW_ACCESS_KEY" \
	AWS_SECRET_ACCESS_KEY="$RGW_SECRET_KEY" "$S3PUB" publish --profile broken "$T" "s3://$B/prec2,opt=endpoint=$EP"

# metadata stand-ins
start_server() {   # MODE -> $SRV_PORT, $SRV_LOG, $SRV_PID
	rm -f "$TMP/port"
	SRV_LOG=$TMP/srv-$1.log
	SERVE_KEY_ID=$RGW_ACCESS_KEY SERVE_SECRET=$RGW_SECRET_KEY SERVE_NO_TOKEN=1 \
		python3 tests/creds_server.py "$1" "$TMP/port" "$SRV_LOG" >/dev/null 2>&1 &
	SRV_PID=$!
	for _i in $(seq 1 100); do [ -s "$TMP/port" ] && break; sleep 0.05; done
	SRV_PORT=$(cat "$TMP/port")
}
stop_server() { kill "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null; }

start_server imds
publish_as "EC2 IMDSv2" imds1 AWS_EC2_METADATA_DISABLED=false \
	AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$SRV_PORT"
source_was "IMDS" imds
check "IMDS: token first (PUT /latest/api/token)" sh -c "head -1 '$SRV_LOG' | grep -q 'PUT /latest/api/token'"
: >"$SRV_LOG"
publish_as "files before IMDS" prec3 AWS_EC2_METADATA_DISABLED=false \
	AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$SRV_PORT" AWS_SHARED_CREDENTIALS_FILE="$TMP/credentials"
check_eq "files before IMDS: IMDS not asked" "$(wc -l <"$SRV_LOG" | tr -d ' ')" 0
expect_exit "AWS_EC2_METADATA_DISABLED=true: no credentials" 1 'credentials' \
	env AWS_EC2_METADATA_DISABLED=true AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$SRV_PORT" \
	"$S3PUB" publish "$T" "s3://$B/none,opt=endpoint=$EP"
stop_server

# short-lived IMDS credentials (120 s, inside the 5-minute refresh window):
# a multipart upload refreshes them between parts, never signs expired ones
start_server imds-short
publish_as "IMDS short-lived credentials" short1 AWS_EC2_METADATA_DISABLED=false \
	AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$SRV_PORT"
env -u AWS_ACCESS_KEY_ID AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$SRV_PORT" \
	"$S3PUB" publish --part-size 5MiB "$TMP/big" "s3://$B/short2,opt=endpoint=$EP" >/dev/null 2>"$TMP/err"
rc=$?
check_eq "IMDS short-lived: multipart publish exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
n=$(grep -c 'GET /latest/meta-data/iam/security-credentials/role1' "$SRV_LOG")
if [ "$n" -ge 4 ]; then ok "IMDS short-lived: credentials fetched again during the upload ($n times)"
else not_ok "IMDS short-lived: credentials fetched $n times, want a refresh per part"; fi
# plain mode: the --jobs workers share one set of credentials, refreshed
# as it nears expiry by whichever worker needs it first
mkdir -p "$TMP/many" && for i in $(seq 1 30); do printf 'f%s\n' "$i" >"$TMP/many/f$i"; done
: >"$SRV_LOG"
env -u AWS_ACCESS_KEY_ID AWS_EC2_METADATA_DISABLED=false AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:$SRV_PORT" \
	"$S3PUB" publish --jobs 3 "$TMP/many" "s3://$B/plainshort,opt=endpoint=$EP,opt=encoding=plain" >/dev/null 2>"$TMP/err"
rc=$?
check_eq "IMDS short-lived, plain --jobs 3: exits 0 ($(head -c 200 "$TMP/err"))" "$rc" 0
n=$(grep -c 'GET /latest/meta-data/iam/security-credentials/role1' "$SRV_LOG")
# the 120 s credentials are always inside the 5-minute refresh window, so
# every one of the 30 PUTs, whichever worker sends it, refreshes them first
if [ "$n" -ge 30 ]; then ok "IMDS short-lived, plain --jobs 3: every worker refreshed ($n fetches)"
else not_ok "IMDS short-lived, plain --jobs 3: credentials fetched $n times"; fi
check_eq "IMDS short-lived, plain --jobs 3: 30 objects" \
	"$(aws_rgw s3api list-objects-v2 --bucket "$B" --prefix plainshort/ --query 'length(Contents)' --output text 2>&1)" 30
stop_server

echo "Bearer tok-$$" >"$TMP/ctoken"
export EXPECT_AUTH="Bearer tok-$$"       # what the stand-in demands
start_server container
unset EXPECT_AUTH
publish_as "container credentials (FULL_URI + token file)" cont1 \
	AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$SRV_PORT/v2/credentials/x" \
	AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$TMP/ctoken"
source_was "container" container
check "container: the token was sent" grep -q "Bearer tok-$$" "$SRV_LOG"
stop_server

# web identity: STS is asked with the token file and role, and its keys
# sign the request; radosgw has no STS of its own here and does not know
# them, so the refusal names the access key STS gave
echo "eyJhbGciOi.fake.jwt" >"$TMP/wi-token"
export EXPECT_TOKEN_FILE="$TMP/wi-token" EXPECT_ROLE="arn:aws:iam::123456789012:role/edge"
start_server sts
expect_exit "web identity: STS keys sign the request (unknown to radosgw: 403)" 4 'InvalidAccessKeyId|AccessDenied|SignatureDoesNotMatch' \
	env AWS_WEB_IDENTITY_TOKEN_FILE="$TMP/wi-token" AWS_ROLE_ARN="$EXPECT_ROLE" \
	AWS_ENDPOINT_URL_STS="http://127.0.0.1:$SRV_PORT" "$S3PUB" publish --retries 1 "$T" "s3://$B/wi,opt=endpoint=$EP"
check "web identity: AssumeRoleWithWebIdentity with the role" grep -q "RoleArn=$EXPECT_ROLE" "$SRV_LOG"
stop_server
# STS over https with a private CA (an air-gapped MinIO's own STS): the
# radosgw set-up's CA and localhost certificate. --ca-file and --insecure
# hold for STS as for S3; a failure names STS and its URL
export SERVE_CERT="$(dirname "$RGW_CA")/server.pem" SERVE_KEY="$(dirname "$RGW_CA")/server.key"
start_server sts
unset SERVE_CERT SERVE_KEY
wi_tls() {
	env AWS_WEB_IDENTITY_TOKEN_FILE="$TMP/wi-token" AWS_ROLE_ARN="$EXPECT_ROLE" \
	AWS_ENDPOINT_URL_STS="https://localhost:$SRV_PORT" "$S3PUB" publish --retries 1 "$@" "$T" "s3://$B/wi2,opt=endpoint=$EP"
}
expect_exit "web identity over https: --ca-file is STS's CA too" 4 'InvalidAccessKeyId|AccessDenied|SignatureDoesNotMatch' \
	wi_tls --ca-file "$RGW_CA"
expect_exit "web identity over https: --insecure holds for STS too" 4 'InvalidAccessKeyId|AccessDenied|SignatureDoesNotMatch' \
	wi_tls --insecure
expect_exit "web identity over https: an untrusted STS is named with its URL" 3 \
	"STS AssumeRoleWithWebIdentity at https://localhost:$SRV_PORT: .*not trusted" wi_tls
stop_server
unset EXPECT_TOKEN_FILE EXPECT_ROLE

expect_exit "no source at all: exit 1 naming where it looked" 1 'no credentials' \
	env AWS_EC2_METADATA_DISABLED=true "$S3PUB" publish "$T" "s3://$B/none2,opt=endpoint=$EP"
