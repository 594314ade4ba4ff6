#!/usr/bin/env bash
# Build the nsutils container image (Containerfile: FROM scratch, the six
# static binaries) with podman.
#
#   scripts/image.sh [-b BINDIR] [-t TAG]
#
# BINDIR  the static binaries (default target/x86_64-unknown-linux-musl/release,
#         what `make static` builds; target/aarch64-unknown-linux-musl/release
#         makes an arm64 image: the platform is read off the binaries)
# TAG     the image name (default localhost/nsutils:<version>-<arch>)
#
# Prints the image's name. The build context is a temporary directory holding
# only what the image is to contain, removed on exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bindir=$root/target/x86_64-unknown-linux-musl/release
tag=
while getopts b:t: o; do
  case $o in
    b) bindir=$OPTARG ;;
    t) tag=$OPTARG ;;
    *) echo "usage: scripts/image.sh [-b BINDIR] [-t TAG]" >&2; exit 1 ;;
  esac
done
tools=(unshare-rs nsenter-rs lsns-rs ipcmk-rs ipcs-rs ipcrm-rs)
for t in "${tools[@]}"; do
  [ -x "$bindir/$t" ] || { echo "image: $bindir/$t: missing (make static builds it)" >&2; exit 1; }
  if readelf -l "$bindir/$t" | grep -q INTERP; then
    echo "image: $bindir/$t: not static (a scratch image has no loader)" >&2
    exit 1
  fi
done
case $(readelf -h "$bindir/lsns-rs" | sed -n 's/^ *Machine: *//p') in
  *X86-64*) arch=amd64 ;;
  AArch64) arch=arm64 ;;
  *) echo "image: $bindir/lsns-rs: an architecture this script does not know" >&2; exit 1 ;;
esac
version=$("$root/scripts/version.sh")
[ -n "$tag" ] || tag=localhost/nsutils:$version-$arch

ctx=$(mktemp -d -t nsutils-image.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
mkdir "$ctx/bin"
for t in "${tools[@]}"; do cp "$bindir/$t" "$ctx/bin/"; done
cp "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$ctx/"
podman build -q --layers=false --platform "linux/$arch" --build-arg VERSION="$version" -f "$root/Containerfile" -t "$tag" "$ctx" >/dev/null
echo "$tag"
