#!/bin/sh
# usage: cross-deps.sh
# Installs what `make CROSS=aarch64`, `make CROSS=armv7` and `make
# test-cross` need, from Debian's own packages only (Debian 12, as root):
# the cross compilers, musl for arm64 and armhf through multiarch (the
# musl-gcc.specs under /usr/lib/<triplet>-musl*/) and qemu-user-static.
# Idempotent and quick when all is there. Exits non-zero when a package is
# still missing at the end; the one command it stands for is
#
#   dpkg --add-architecture arm64 && dpkg --add-architecture armhf &&
#   apt-get update && apt-get install -y --no-install-recommends \
#     gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf \
#     musl-dev:arm64 musl-dev:armhf qemu-user-static
PKGS="gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf musl-dev:arm64 musl-dev:armhf qemu-user-static"

installed() {
	for p in $PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || return 1
	done
}
installed && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "cross-deps.sh: missing packages; as root run: sh scripts/cross-deps.sh" >&2
	exit 1
fi
echo "cross-deps.sh: installing $PKGS" >&2
added=""
for a in arm64 armhf; do
	dpkg --print-foreign-architectures | grep -qx "$a" && continue
	dpkg --add-architecture "$a" || exit 1
	added=1
done
# the package lists must know the new architectures. An update may exit
# 100 when one index (say a security mirror's) is inconsistent while main
# has all we need: go on, the install below is what is checked.
if [ -n "$added" ] ||
	[ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*binary-arm64_Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
	apt-get update -qq >&2 || echo "cross-deps.sh: apt-get update exited $?; trying the install anyway" >&2
fi
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PKGS >&2 ||
	echo "cross-deps.sh: apt-get install exited $?" >&2
if ! installed; then
	echo "cross-deps.sh: could not install all of: $PKGS" >&2
	exit 1
fi
# what the build relies on
for f in /usr/lib/aarch64-linux-musl/musl-gcc.specs /usr/lib/arm-linux-musleabihf/musl-gcc.specs; do
	[ -f "$f" ] || { echo "cross-deps.sh: $f missing after the install" >&2; exit 1; }
done
for c in aarch64-linux-gnu-gcc arm-linux-gnueabihf-gcc qemu-aarch64-static qemu-arm-static; do
	command -v "$c" >/dev/null 2>&1 || { echo "cross-deps.sh: $c missing after the install" >&2; exit 1; }
done
exit 0
