# tests/lib.sh: helpers for the shell tests (sourced, POSIX sh).
# Each check prints "ok - NAME" or "not ok - NAME: detail" (see tests/run.sh).
# S3PUB is the binary under test; TMP a scratch folder removed at exit.
S3PUB=${S3PUB:-$(pwd)/s3pub}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/s3pub-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
# The tests decide themselves what they depend on.
unset SSL_CERT_FILE SSL_CERT_DIR AWS_CA_BUNDLE CURL_CA_BUNDLE REQUESTS_CA_BUNDLE
unset HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy ALL_PROXY all_proxy
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN S3PUB_FAKE_TIME SOURCE_DATE_EPOCH
unset BACALHAU_JOB_ID BACALHAU_EXECUTION_ID BACALHAU_NODE_ID
export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_EC2_METADATA_DISABLED=true

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
skip() { echo "ok - $* # SKIP"; }

# check NAME COMMAND...: ok when COMMAND succeeds
check() {
	_n=$1; shift
	if "$@" >"$TMP/.check.out" 2>&1; then ok "$_n"; else
		not_ok "$_n: '$*' failed: $(tail -c 400 "$TMP/.check.out" | tr '\n' ' ')"; fi
}

# check_eq NAME GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got '$2', want '$3'"; fi
}

# expect_exit NAME STATUS PATTERN COMMAND...: COMMAND exits with STATUS and
# its stderr matches the extended regular expression PATTERN (one line).
expect_exit() {
	_n=$1 _want=$2 _pat=$3; shift 3
	"$@" >"$TMP/.ee.out" 2>"$TMP/.ee.err"; _rc=$?
	if [ "$_rc" != "$_want" ]; then
		not_ok "$_n: exit $_rc, want $_want; stderr: $(head -c 300 "$TMP/.ee.err")"
	elif ! grep -Eq -- "$_pat" "$TMP/.ee.err"; then
		not_ok "$_n: stderr '$(head -c 300 "$TMP/.ee.err")' does not match /$_pat/"
	else ok "$_n"; fi
}

# ThreadSanitizer builds (build/tsan/): TSAN_NORAND is "setarch -R" where
# setarch can turn ASLR off for the command (gcc 12's TSan refuses some
# mmap layouts of kernels with more randomness than it knows), else empty.
TSAN_NORAND=""
setarch -R true >/dev/null 2>&1 && TSAN_NORAND="setarch -R"
# tsan_clean NAME PREFIX: ok when TSan wrote no report (log_path=PREFIX:
# its files are PREFIX.PID), else not ok with the report's first lines
tsan_clean() {
	if ls "$2".* >/dev/null 2>&1; then
		not_ok "$1: ThreadSanitizer: $(grep -h -A4 'WARNING: ThreadSanitizer' "$2".* | head -5 | tr '\n' ' ')"
	else
		ok "$1: no report from ThreadSanitizer"
	fi
}
