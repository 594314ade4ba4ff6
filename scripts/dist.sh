#!/usr/bin/env bash
# make dist: release archives of nsutils for x86_64 and aarch64, in target/dist:
#
#   nsutils-<version>-<arch>-linux-musl.tar.gz   a prefix tree (bin/, share/man,
#       share/bash-completion, share/zsh, share/fish) with README.md,
#       CHANGELOG.md and the licences at its top: unpack it with
#       `tar -C /usr/local --strip-components=1 -xzf …`, or run bin/ in place
#   nsutils_<version>_<amd64|arm64>.deb            the Debian package (scripts/deb.sh)
#   SHA256SUMS                                     of all of the above
#
# The binaries are the static musl builds of `make static` (which fails over
# the 600 KiB size target); <version> is Cargo's. The
# tarballs are reproducible: sorted, root-owned, dated by the last commit.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(scripts/version.sh)
out=target/dist
rm -rf "$out"
mkdir -p "$out"
scripts/static.sh x86_64-unknown-linux-musl aarch64-unknown-linux-musl >&2
make -s completions >&2
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
stage=$(mktemp -d -t nsutils-dist.XXXXXX)
trap 'rm -rf "$stage"' EXIT

for arch in x86_64 aarch64; do
  bins=target/$arch-unknown-linux-musl/release
  name=nsutils-$version-$arch-linux-musl
  make -s install DESTDIR="$stage/$name" PREFIX= BINSRC="$bins" GEN=true >/dev/null
  install -m 0644 README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE "$stage/$name/"
  tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" -cf - "$name" |
    gzip -9n >"$out/$name.tar.gz"
  scripts/deb.sh -b "$bins" -o "$out" >/dev/null
done
(cd "$out" && sha256sum -- *.tar.gz *.deb >SHA256SUMS)
ls -l "$out"
