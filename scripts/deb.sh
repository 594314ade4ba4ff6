#!/usr/bin/env bash
# Build the Debian package nsutils_<version>_<arch>.deb of a static build
# with dpkg-deb: the binaries in /usr/bin, man pages (gzipped) in
# /usr/share/man, completions where Debian's bash, zsh and fish look
# (bash-completion/completions, zsh/vendor-completions,
# fish/vendor_completions.d), copyright and changelog in /usr/share/doc/nsutils.
#
#   scripts/deb.sh [-b BINDIR] [-o OUTDIR] [-c COMPLETIONS]
#
# BINDIR  static binaries of one architecture (default
#         target/x86_64-unknown-linux-musl/release; the architecture is read
#         off them, so target/aarch64-unknown-linux-musl/release gives arm64)
# OUTDIR  where the .deb goes (default target/dist)
# COMPLETIONS  the generated completions (default target/completions, what
#         `make completions` writes)
#
# The binaries
# are static, so the package depends on nothing, and its files carry the -rs
# names: it installs beside util-linux. Prints the package's path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bindir=$root/target/x86_64-unknown-linux-musl/release
out=$root/target/dist
compl=$root/target/completions
while getopts b:o:c: o; do
  case $o in
    b) bindir=$OPTARG ;;
    o) out=$OPTARG ;;
    c) compl=$OPTARG ;;
    *) echo "usage: scripts/deb.sh [-b BINDIR] [-o OUTDIR] [-c COMPLETIONS]" >&2; exit 1 ;;
  esac
done
case $(readelf -h "$bindir/lsns-rs" | sed -n 's/^ *Machine: *//p') in
  *X86-64*) arch=amd64 ;;
  AArch64) arch=arm64 ;;
  *) echo "deb: $bindir/lsns-rs: an architecture this script does not know" >&2; exit 1 ;;
esac
[ -d "$compl/bash" ] || { echo "deb: no completions in $compl (make completions)" >&2; exit 1; }
version=$("$root/scripts/version.sh")
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d -t nsutils-deb.XXXXXX)
trap 'rm -rf "$stage"' EXIT
pkg=$stage/nsutils

make -s -C "$root" install DESTDIR="$pkg" PREFIX=/usr BINSRC="$bindir" COMPL="$compl" \
  ZSHDIR=/usr/share/zsh/vendor-completions GEN=true >/dev/null
# Debian policy: man pages and changelogs gzipped, reproducibly (-n: no name
# or time stamp)
find "$pkg/usr/share/man" -type f -exec gzip -9n {} +
doc=$pkg/usr/share/doc/nsutils
install -d "$doc"
gzip -9nc "$root/CHANGELOG.md" >"$doc/changelog.gz"
{
  echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
  echo "Upstream-Name: nsutils"
  echo
  echo "Files: *"
  echo "Copyright: nsutils developers"
  echo "License: MIT or Apache-2.0"
  echo
  echo "License: MIT"
  sed 's/^$/./; s/^/ /' "$root/LICENSE-MIT"
  echo
  echo "License: Apache-2.0"
  echo " On Debian systems, the full text of the Apache License 2.0 is in"
  echo " /usr/share/common-licenses/Apache-2.0."
} >"$doc/copyright"
chmod 0644 "$doc"/*
install -d "$pkg/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
cat >"$pkg/DEBIAN/control" <<CONTROL
Package: nsutils
Version: $version
Architecture: $arch
Maintainer: nsutils developers
Installed-Size: $size
Section: admin
Priority: optional
Description: Linux namespace tools: unshare, nsenter, lsns, ipcmk, ipcs, ipcrm
 Drop-in replacements for util-linux's unshare, nsenter, lsns, ipcmk, ipcs
 and ipcrm, installed as unshare-rs, nsenter-rs, lsns-rs, ipcmk-rs, ipcs-rs
 and ipcrm-rs beside util-linux: the same options, messages, exit statuses
 and output layouts, with advice when a namespace call fails, process-less
 namespaces in lsns and ipcs --json. Statically linked.
CONTROL
( cd "$pkg" && find usr -type f -print0 | sort -z | xargs -0 md5sum >DEBIAN/md5sums )
deb=$out/nsutils_${version}_${arch}.deb
# root-owned files whoever builds it
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
echo "$deb"
