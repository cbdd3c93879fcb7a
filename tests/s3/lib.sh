# tests/s3/lib.sh: helpers for the end-to-end tests (POSIX sh), sourced after
# tests/lib.sh:
#
#   . tests/lib.sh
#   . tests/s3/lib.sh
#
# It sources build/s3/env.sh (written by `sh tests/s3/servers.sh start`; see
# there for the variables). SERVER below is one of
#   rgw      radosgw over HTTP ($RGW_ENDPOINT)
#   rgw-tls  radosgw over HTTPS ($RGW_TLS_ENDPOINT, CA $RGW_CA)
#   swift    Swift's s3api ($SWIFT_ENDPOINT)
#
#   s3_up SERVER              true when SERVER is up (else skip its checks)
#   s3_use SERVER             sets S3_EP, S3_AK, S3_SK, S3_CA (empty if none)
#   aws_s3 SERVER ARGS...     the AWS CLI bound to SERVER: its endpoint and
#                             keys, region us-east-1, path style, no profile
#   aws_rgw, aws_rgw_tls, aws_swift ARGS...   the same, per server
#   with_keys SERVER CMD...   CMD with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
#                             set to SERVER's keys (to run s3pub)
#   new_bucket SERVER [versioned]   creates a bucket with a unique name and
#                             echoes it; it is emptied and deleted at exit
#   list_uploads SERVER BUCKET      open multipart uploads, "KEY UPLOADID"
#                             per line (nothing when there are none)
#   empty_bucket SERVER BUCKET      deletes every object version, delete
#                             marker and open multipart upload
#   drop_bucket SERVER BUCKET       empty_bucket, then deletes the bucket
#   same_files SERVER BUCKET PREFIX DIR   every regular file of DIR is the
#                             object PREFIX/its path, byte for byte
#   start_proxy URL           tests/faultproxy.py in front of the server at
#                             URL, on a free port: PEP its endpoint,
#                             PROXY_PID its pid, rules $TMP/rules.json, log
#                             $TMP/proxy.log; false when it did not start
#                             ($TMP/proxy.err says why). For an https URL
#                             (rgw-tls) it speaks HTTPS with the server's
#                             certificate: PEP https://localhost:PORT
#   set_rules 'RULE,...'      the proxy's rules from now on; its log emptied
#   proxy_wait PATTERN        until a line of the proxy's log matches the
#                             grep PATTERN (false after 60 s)
#   stop_proxy                stops it (and is harmless when none runs)
#
# radosgw keeps objects in RAM (memstore, 1 GiB): keep objects small (a few
# MiB; multipart tests need 5 MiB parts) and leave buckets to the clean-up.
# The AWS CLI honours AWS_CA_BUNDLE and proxies: tests/lib.sh unsets them,
# and rgw-tls passes --ca-bundle "$RGW_CA".

S3_LIB_DIR=$(pwd)/tests/s3
S3_ENV=${S3_ENV:-$(pwd)/build/s3/env.sh}
S3_UP=""
if [ -f "$S3_ENV" ]; then
	# shellcheck disable=SC1090
	. "$S3_ENV"
else
	. "$(pwd)/tests/s3/env.sh"
fi

# a private AWS CLI configuration: path style, and only the checksums S3
# requires (newer botocore adds CRC32 trailers that radosgw 16 refuses)
S3_AWS_CONFIG=$TMP/.aws-config
cat >"$S3_AWS_CONFIG" <<'EOF'
[default]
region = us-east-1
output = json
request_checksum_calculation = when_required
response_checksum_validation = when_required
s3 =
    addressing_style = path
    signature_version = s3v4
EOF

s3_up() {
	case $1 in
	rgw | rgw-tls) [ -n "${RGW_UP:-}" ] ;;
	swift) [ -n "${SWIFT_UP:-}" ] ;;
	*) return 1 ;;
	esac
}

s3_use() {
	S3_CA=""
	case $1 in
	rgw) S3_EP=${RGW_ENDPOINT:-} S3_AK=${RGW_ACCESS_KEY:-} S3_SK=${RGW_SECRET_KEY:-} ;;
	rgw-tls) S3_EP=${RGW_TLS_ENDPOINT:-} S3_AK=${RGW_ACCESS_KEY:-} S3_SK=${RGW_SECRET_KEY:-} S3_CA=${RGW_CA:-} ;;
	swift) S3_EP=${SWIFT_ENDPOINT:-} S3_AK=${SWIFT_ACCESS_KEY:-} S3_SK=${SWIFT_SECRET_KEY:-} ;;
	*) echo "s3/lib.sh: unknown server '$1'" >&2; return 1 ;;
	esac
	s3_up "$1"
}

aws_s3() {
	s3_use "$1" || { echo "s3/lib.sh: server $1 is not up" >&2; return 1; }
	shift
	AWS_ACCESS_KEY_ID=$S3_AK AWS_SECRET_ACCESS_KEY=$S3_SK AWS_CONFIG_FILE=$S3_AWS_CONFIG \
		aws --endpoint-url "$S3_EP" ${S3_CA:+--ca-bundle "$S3_CA"} "$@"
}
# has_parts NAME SERVER BUCKET KEY N: the object's ETag names N parts
# (a multipart upload's ETag ends in -N)
has_parts() {
	_etag=$(aws_s3 "$2" s3api head-object --bucket "$3" --key "$4" \
		--query ETag --output text 2>/dev/null)
	case $_etag in *-$5\"|*-$5) ok "$1: $5 parts ($_etag)" ;;
	*) not_ok "$1: ETag '$_etag', want $5 parts" ;; esac
}
aws_rgw() { aws_s3 rgw "$@"; }
aws_rgw_tls() { aws_s3 rgw-tls "$@"; }
aws_swift() { aws_s3 swift "$@"; }

with_keys() {
	s3_use "$1" || { echo "s3/lib.sh: server $1 is not up" >&2; return 1; }
	shift
	AWS_ACCESS_KEY_ID=$S3_AK AWS_SECRET_ACCESS_KEY=$S3_SK "$@"
}

new_bucket() {
	_b=s3pub-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	aws_s3 "$1" s3api create-bucket --bucket "$_b" >/dev/null || return 1
	echo "${1%-tls} $_b" >>"$TMP/.s3-buckets"
	if [ "${2:-}" = versioned ]; then
		aws_s3 "$1" s3api put-bucket-versioning --bucket "$_b" \
			--versioning-configuration Status=Enabled >/dev/null || return 1
	fi
	echo "$_b"
}

# same_files SERVER BUCKET PREFIX DIR: every regular file of DIR is the
# object PREFIX/ its path, byte for byte
same_files() {
	for _f in $(cd "$4" && find . -type f | sed 's|^\./||'); do
		rm -f "$TMP/obj"
		aws_s3 "$1" s3 cp "s3://$2/$3/$_f" "$TMP/obj" >/dev/null 2>&1 &&
			cmp -s "$4/$_f" "$TMP/obj" || { echo "differs: $_f" >&2; return 1; }
	done
}

list_uploads() {
	aws_s3 "$1" s3api list-multipart-uploads --bucket "$2" \
		--query 'Uploads[].[Key, UploadId]' --output text | grep -v '^None$'
	return 0
}

empty_bucket() {
	if [ -n "${PY_BOTO:-}" ]; then
		"$PY_BOTO" "$S3_LIB_DIR/buckets.py" empty "$1" "$2"
		return
	fi
	# without boto3: the AWS CLI, a second a call
	list_uploads "$1" "$2" | while read -r _k _u; do
		aws_s3 "$1" s3api abort-multipart-upload --bucket "$2" --key "$_k" --upload-id "$_u" >/dev/null </dev/null
	done
	# Swift wants Content-MD5 on DeleteObjects, which newer botocore no
	# longer sends (it sends a CRC32): one DeleteObject per version there
	if [ "$1" = swift ]; then
		aws_s3 "$1" s3api list-object-versions --bucket "$2" --output text \
			--query '[Versions, DeleteMarkers][][].[Key, VersionId]' >"$TMP/.s3-versions" || return 1
		_tab=$(printf '\t')
		while IFS=$_tab read -r _k _v; do
			[ -n "$_k" ] && [ "$_k" != None ] || continue
			aws_s3 "$1" s3api delete-object --bucket "$2" --key "$_k" --version-id "$_v" \
				>/dev/null </dev/null || return 1
		done <"$TMP/.s3-versions"
		return 0
	fi
	# up to 1000 versions per round (DeleteObjects' limit)
	_i=0
	while [ $_i -lt 100 ]; do
		aws_s3 "$1" s3api list-object-versions --bucket "$2" --max-items 1000 \
			--query '{Objects: [Versions, DeleteMarkers][][].{Key: Key, VersionId: VersionId}, Quiet: `true`}' \
			>"$TMP/.s3-delete.json" || return 1
		grep -q '"Key"' "$TMP/.s3-delete.json" || return 0
		aws_s3 "$1" s3api delete-objects --bucket "$2" --delete "file://$TMP/.s3-delete.json" >/dev/null || return 1
		_i=$((_i + 1))
	done
}

drop_bucket() {
	if [ -n "${PY_BOTO:-}" ]; then
		"$PY_BOTO" "$S3_LIB_DIR/buckets.py" drop "$1" "$2"
		return
	fi
	empty_bucket "$1" "$2" && aws_s3 "$1" s3api delete-bucket --bucket "$2" >/dev/null
}

# at exit: drop the buckets new_bucket made, then what tests/lib.sh removes
s3_cleanup() {
	[ -f "$TMP/.s3-buckets" ] || return 0
	if [ -n "${PY_BOTO:-}" ]; then
		"$PY_BOTO" "$S3_LIB_DIR/buckets.py" drop-listed "$TMP/.s3-buckets" >&2
		return
	fi
	sort -u "$TMP/.s3-buckets" | while read -r _s _b; do
		drop_bucket "$_s" "$_b" >/dev/null 2>&1 </dev/null ||
			echo "# s3/lib.sh: could not delete bucket $_b on $_s" >&2
	done
}
trap 'stop_proxy; s3_cleanup; rm -rf "$TMP"' EXIT
trap 'stop_proxy; s3_cleanup; rm -rf "$TMP"; exit 1' INT TERM

start_proxy() {
	printf '[]\n' >"$TMP/rules.json"
	: >"$TMP/proxy.log"
	rm -f "$TMP/proxy.port"
	case $1 in
	https://*)
		set -- "${1#https://}" "https://localhost" --tls-cert "${RGW_CA%/*}/server.pem" \
			--tls-key "${RGW_CA%/*}/server.key" --upstream-ca "$RGW_CA" ;;
	*) set -- "${1#http://}" "http://127.0.0.1" ;;
	esac
	_up=$1 _pep=$2
	shift 2
	python3 tests/faultproxy.py --upstream "$_up" "$@" \
		--rules "$TMP/rules.json" --log "$TMP/proxy.log" \
		--port-file "$TMP/proxy.port" 2>"$TMP/proxy.err" &
	PROXY_PID=$!
	_i=0
	while [ ! -s "$TMP/proxy.port" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
	PEP=$_pep:$(cat "$TMP/proxy.port" 2>/dev/null)
	[ -s "$TMP/proxy.port" ]
}
set_rules() { printf '[%s]\n' "$1" >"$TMP/rules.json"; : >"$TMP/proxy.log"; }
proxy_wait() {
	_i=0
	while [ $_i -lt 600 ]; do
		grep -q "$1" "$TMP/proxy.log" 2>/dev/null && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	return 1
}
stop_proxy() {
	[ -n "${PROXY_PID:-}" ] || return 0
	kill "$PROXY_PID" 2>/dev/null
	wait "$PROXY_PID" 2>/dev/null
	PROXY_PID=""
}
