#!/bin/sh
# usage: bearssl.sh BUILD_DIR NAME CC [AR] [CFLAGS]
# Builds BearSSL 0.6 from Debian's source package into BUILD_DIR/NAME
# (libbearssl.a and inc/). Debian's binary libbearssl.a is built against
# glibc (__memcpy_chk and friends) and does not link with musl, so we compile
# the source ourselves. The source comes through apt's own source support:
# a private deb-src list is derived at build time from the machine's apt
# sources, so no mirror is named here. The .orig tarball is pinned by SHA-256.
set -eu
BUILD=$1 NAME=$2 CC=$3 AR=${4:-ar} CFLAGS=${5:--Os}
VERSION=0.6+dfsg.1
SHA256=102a625bd8f6155260867a50c508df8d8c3f796985dd744df1a68e5cd1a79004
TARBALL=bearssl_$VERSION.orig.tar.xz
OUT=$BUILD/$NAME
# built before with the same compiler and flags: nothing to do
[ -f "$OUT/libbearssl.a" ] && [ "$(cat "$OUT/built-with" 2>/dev/null)" = "$CC $CFLAGS" ] && exit 0
SRC=$BUILD/bearssl-src
mkdir -p "$SRC"
BUILD=$(cd "$BUILD" && pwd); SRC=$BUILD/bearssl-src; OUT=$BUILD/$NAME

verify() { [ -f "$SRC/$TARBALL" ] && echo "$SHA256  $SRC/$TARBALL" | sha256sum -c --status; }

if ! verify; then
	rm -f "$SRC/$TARBALL"
	APT=$SRC/apt; rm -rf "$APT"; mkdir -p "$APT/lists/partial" "$APT/parts"
	# deb822 sources (Debian 12) and one-line sources (older): turn every
	# binary source into its source twin
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		sed 's/^Types:.*$/Types: deb-src/' "$f" > "$APT/parts/$(basename "$f")"
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		sed -n 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" > "$APT/parts/$(basename "$f").list"
	done
	OPTS="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$APT/parts -o Dir::State::Lists=$APT/lists -o APT::Sandbox::User=root"
	# shellcheck disable=SC2086
	apt-get $OPTS -qq update >&2
	# shellcheck disable=SC2086
	(cd "$SRC" && apt-get $OPTS -qq --download-only source "bearssl=0.6+dfsg.1-3" >&2 ||
	 cd "$SRC" && apt-get $OPTS -qq --download-only source bearssl >&2)
	verify || { echo "bearssl.sh: $TARBALL missing or its SHA-256 is not $SHA256" >&2; exit 1; }
fi

rm -rf "$OUT.tmp"; mkdir -p "$OUT.tmp"
tar -xJf "$SRC/$TARBALL" -C "$OUT.tmp" --strip-components=1
make -s -C "$OUT.tmp" lib CC="$CC" AR="$AR" LD="$CC" CFLAGS="-W -Wall $CFLAGS" >&2
mkdir -p "$OUT"
cp "$OUT.tmp/build/libbearssl.a" "$OUT/"
rm -rf "$OUT/inc"; cp -r "$OUT.tmp/inc" "$OUT/inc"
rm -rf "$OUT.tmp"
echo "$CC $CFLAGS" > "$OUT/built-with"
echo "bearssl.sh: built $OUT/libbearssl.a with $CC" >&2
