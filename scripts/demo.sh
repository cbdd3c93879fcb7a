#!/bin/sh
# scripts/demo.sh (`make demo`): publish examples/results/ to a local S3
# server and show that it arrived.
#
# On a fresh Debian 12 machine, as root, it installs what is missing and
# starts Ceph radosgw (tests/s3/servers.sh, radosgw only: it is the stricter
# and more AWS-like of the two local servers, and starts in about 5 s, so
# Swift's 2 s less do not pay for that), creates the bucket demo-results
# with the AWS CLI, runs
#
#   s3pub publish --job-id demo-job-1 examples/results \
#     "s3://demo-results/jobs/{jobID}/result,opt=endpoint=$RGW_ENDPOINT,opt=region=us-east-1"
#
# with the server's keys in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, prints
# the published result spec (s3pub's stdout), then lists the object with the
# AWS CLI, checks its SHA-256 against the spec and shows the archive's table
# of contents with GNU tar. A radosgw that was already running (the tests')
# is used and left running; one the demo started is stopped at exit.
cd "$(dirname "$0")/.." || exit 1
S3PUB=${S3PUB:-./s3pub}
[ -x "$S3PUB" ] || { echo "demo: $S3PUB is missing; build it first (make)" >&2; exit 1; }

# the demo talks to 127.0.0.1 only, with its own keys and configuration
unset HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy ALL_PROXY all_proxy
unset AWS_CA_BUNDLE AWS_PROFILE AWS_DEFAULT_PROFILE AWS_REGION AWS_DEFAULT_REGION
unset AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_SESSION_TOKEN
export AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_EC2_METADATA_DISABLED=true

step() { printf '\n==> %s\n' "$*"; }
run() { echo "\$ $*"; "$@"; }

TMPD=$(mktemp -d "${TMPDIR:-/tmp}/s3pub-demo.XXXXXX") || exit 1
started=""
cleanup() {
	rm -rf "$TMPD"
	if [ -n "$started" ]; then
		step "stopping the radosgw the demo started"
		S3_SERVERS=rgw sh tests/s3/servers.sh stop
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "local S3 server (Ceph radosgw)"
S3_SERVERS=rgw sh tests/s3/servers.sh install || exit 1
if sh tests/s3/servers.sh status >/dev/null 2>&1 && . build/s3/env.sh && [ -n "$RGW_UP" ]; then
	echo "radosgw is already running at $RGW_ENDPOINT: using it"
else
	started=1
	S3_SERVERS=rgw sh tests/s3/servers.sh start || exit 1
	. build/s3/env.sh
fi
export AWS_ACCESS_KEY_ID="$RGW_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$RGW_SECRET_KEY"
export AWS_CONFIG_FILE="$TMPD/aws-config"
printf '[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n' >"$AWS_CONFIG_FILE"
echo "endpoint $RGW_ENDPOINT, access key $RGW_ACCESS_KEY"

step "bucket demo-results"
if aws --endpoint-url "$RGW_ENDPOINT" s3api head-bucket --bucket demo-results 2>/dev/null; then
	echo "(exists already)"
else
	run aws --endpoint-url "$RGW_ENDPOINT" s3api create-bucket --bucket demo-results || exit 1
fi

# git keeps no empty directories: put back the one the example has
mkdir -p examples/results/outputs/plots
step "the result directory"
(cd examples/results && find . | sort | while read -r f; do
	if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"
	elif [ -d "$f" ]; then echo "$f/"
	else echo "$f ($(wc -c <"$f") bytes)"; fi
done)

step "publish"
TARGET="s3://demo-results/jobs/{jobID}/result,opt=endpoint=$RGW_ENDPOINT,opt=region=us-east-1"
echo "\$ $S3PUB publish --job-id demo-job-1 examples/results \"$TARGET\""
"$S3PUB" publish --job-id demo-job-1 examples/results "$TARGET" >"$TMPD/spec"
rc=$?
if [ $rc -ne 0 ]; then
	echo "demo: s3pub publish failed (exit $rc)" >&2
	exit 1
fi
echo "published result spec (stdout):"
cat "$TMPD/spec"
echo

step "what the bucket holds (AWS CLI)"
run aws --endpoint-url "$RGW_ENDPOINT" s3 ls --recursive s3://demo-results/jobs/ || exit 1
key=jobs/demo-job-1/result.tar.gz
run aws --endpoint-url "$RGW_ENDPOINT" s3api head-object --bucket demo-results --key "$key" || exit 1
aws --endpoint-url "$RGW_ENDPOINT" s3 cp "s3://demo-results/$key" "$TMPD/result.tar.gz" >/dev/null || exit 1
got=$(sha256sum <"$TMPD/result.tar.gz" | cut -d' ' -f1)
want=$(sed -n 's/.*"ContentSHA256" *: *"\([0-9a-f]*\)".*/\1/p' "$TMPD/spec")
echo "sha256 of the stored object: $got"
if [ "$got" = "$want" ]; then echo "matches ContentSHA256 in the spec"
else echo "demo: does NOT match ContentSHA256 '$want' in the spec" >&2; exit 1; fi

step "the archive's contents (GNU tar)"
run tar -tvzf "$TMPD/result.tar.gz" || exit 1
echo
echo "demo: done"
