#!/usr/bin/env bash
# Build stripped static musl binaries of all six tools and print their sizes.
#   scripts/static.sh [target]      (default x86_64-unknown-linux-musl)
# Exits 1 when a binary is not static or is over the 600 KiB target (issue 7).
# What the bytes are (measured on lsns-rs, the largest): bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-x86_64-unknown-linux-musl}
limit=$((600 * 1024))
rustup target list --installed 2>/dev/null | grep -qx "$target" || rustup target add "$target"
cargo build --release --target "$target" -p unshare-rs -p nsenter-rs -p lsns-rs -p ipcmk-rs --bins
dir=target/$target/release
status=0
printf '%-12s %10s %9s  %s\n' binary bytes KiB linkage
for t in unshare-rs nsenter-rs lsns-rs ipcmk-rs ipcs-rs ipcrm-rs; do
  f=$dir/$t
  size=$(stat -c %s "$f")
  if readelf -l "$f" 2>/dev/null | grep -q INTERP; then link=dynamic; status=1; else link=static; fi
  flag=""
  [ "$size" -le "$limit" ] || { flag="  (over the 600 KiB target)"; status=1; }
  printf '%-12s %10d %9.1f  %s%s\n' "$t" "$size" "$(awk -v s="$size" 'BEGIN { print s / 1024 }')" "$link" "$flag"
done
echo "binaries in $dir"
exit $status
