#!/bin/sh
# usage: need.sh PACKAGE[:COMMAND] ...
# Makes sure each Debian package is installed (checked by its command when
# one is given, else by dpkg). As root on Debian it installs what is missing;
# otherwise it prints the exact apt-get line and fails.
missing=""
for spec in "$@"; do
	pkg=${spec%%:*}; cmd=${spec#*:}
	if [ "$cmd" != "$spec" ]; then
		command -v "$cmd" >/dev/null 2>&1 && continue
	else
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' && continue
	fi
	missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "need.sh: installing$missing" >&2
	# refresh the package lists once a day at most: stale lists 404
	if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
		apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 || echo "need.sh: apt-get update failed; trying the install anyway" >&2
	fi
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $missing >&2 || {
		apt-get update -qq >&2 || true
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends $missing >&2
	} || { echo "need.sh: could not install$missing" >&2; exit 1; }
	exit 0
fi
echo "missing packages; run as root:  apt-get install -y --no-install-recommends$missing" >&2
exit 1
