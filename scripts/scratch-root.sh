#!/bin/sh
# usage: scratch-root.sh DIR BINARY [RESOLV_CONF]
# Makes DIR the whole root file system of the FROM scratch image of the
# Dockerfile (or an initramfs's share of s3pub): the static binary and the
# files it reads at run time, nothing else:
#   DIR/s3pub                               BINARY
#   DIR/etc/ssl/certs/ca-certificates.crt   the CA bundle, for https (the
#                                           first place s3pub looks; Debian's
#                                           ca-certificates)
#   DIR/etc/resolv.conf                     RESOLV_CONF when given, for DNS
#                                           names (Docker mounts its own)
# DIR is emptied first. The binary must be static: the check below refuses
# one that asks for a program interpreter (a dynamic loader).
set -eu
DIR=$1 BIN=$2 RESOLV=${3:-}
BUNDLE=/etc/ssl/certs/ca-certificates.crt
[ -f "$BUNDLE" ] || sh "$(dirname "$0")/need.sh" ca-certificates >&2
[ -s "$BUNDLE" ] || { echo "scratch-root.sh: $BUNDLE missing (ca-certificates)" >&2; exit 1; }
# a dynamic ELF names its loader in a PT_INTERP segment: "/lib/ld-..." in
# its first bytes (readelf may be missing on a small machine, head is not)
if head -c 4096 "$BIN" | grep -qa '/ld-'; then
	echo "scratch-root.sh: $BIN is dynamically linked; a scratch image needs a static binary" >&2
	exit 1
fi
rm -rf "$DIR"
mkdir -p "$DIR/etc/ssl/certs"
cp "$BIN" "$DIR/s3pub"
chmod 755 "$DIR/s3pub"
cp "$BUNDLE" "$DIR/etc/ssl/certs/ca-certificates.crt"
[ -z "$RESOLV" ] || cp "$RESOLV" "$DIR/etc/resolv.conf"
echo "scratch-root.sh: $DIR: $(cd "$DIR" && find . -type f | sort | tr '\n' ' ')" >&2
