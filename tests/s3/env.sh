# tests/s3/env.sh: sourced (POSIX sh) by tests that use Python's boto3 or
# botocore as an independent checker, and by build/s3/env.sh.
#
# PY_BOTO: a Python interpreter that can `import boto3`. Debian's
# python3-boto3 (installed by `tests/s3/servers.sh install`) lives in
# /usr/lib/python3/dist-packages, which only /usr/bin/python3 sees; when
# `python3` in PATH is another one (pyenv, a venv) without boto3, use
# /usr/bin/python3. Empty when none has boto3 (tests then skip).
if [ -z "${PY_BOTO:-}" ]; then
	for _py in python3 /usr/bin/python3; do
		if "$_py" -c 'import boto3' >/dev/null 2>&1; then PY_BOTO=$_py; break; fi
	done
	unset _py
fi
export PY_BOTO="${PY_BOTO:-}"
