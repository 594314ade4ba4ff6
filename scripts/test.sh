#!/usr/bin/env bash
# Run every test: unit tests of each crate and the integration tests that
# run the built binaries against the real kernel. As root this covers the
# privileged paths too; with CI=true a privileged test that cannot run fails.
#
# Every test binary runs even when an earlier one failed (--no-fail-fast);
# the last line is the total over all of them, `total: N passed, N failed,
# N skipped`, and the exit status is 1 when anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
cargo build --workspace --bins
# static binaries: x86_64 for the scratch-container and OCI tests
# (tests/tests/container.rs, oci.rs), aarch64 for the qemu tests
# (tests/tests/aarch64.rs); debug builds, quick to make
cargo build --target x86_64-unknown-linux-musl -p unshare-rs -p nsenter-rs -p lsns-rs -p ipcmk-rs --bins
cargo build --target aarch64-unknown-linux-musl -p unshare-rs -p nsenter-rs -p lsns-rs -p ipcmk-rs --bins
# the benchmark's static helper (make bench), so that it keeps building
cargo build --target x86_64-unknown-linux-musl -p nsutils-tests --bin nsutils-bench

log=$(mktemp)
trap 'rm -f "$log" "$log.stage"' EXIT
broken=0
# run a cargo test stage, its output shown and kept for the count
stage() {
  local status=0
  "$@" 2>&1 | tee "$log.stage" || status=$?
  cat "$log.stage" >>"$log"
  if [ "$status" -ne 0 ] && ! grep -q '^test result: FAILED' "$log.stage"; then
    # failed without a failing test: a build error, a crashed test binary
    echo "test.sh: '$*' failed (status $status) without a failing test" >&2
    broken=$((broken + 1))
  fi
}
stage cargo test --workspace --no-fail-fast "$@"
# the integration tests again, against the static binaries: what runs in
# containers must behave as the glibc build does
echo "test.sh: the integration tests against the static (musl) binaries" >&2
stage env NSUTILS_BIN_DIR="$PWD/target/x86_64-unknown-linux-musl/debug" cargo test -p nsutils-tests --no-fail-fast "$@"

read -r passed failed < <(sed -n 's/^test result: [A-Za-z]*\. \([0-9]*\) passed; \([0-9]*\) failed.*/\1 \2/p' "$log" |
  awk '{ p += $1; f += $2 } END { print p + 0, f + 0 }')
failed=$((failed + broken))
skipped=$(grep -c '^\*\*\* SKIPPED ' "$log" || true)
echo "total: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
