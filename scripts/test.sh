#!/usr/bin/env bash
# Run every test: unit tests of each crate and the integration tests that
# run the built binaries against the real kernel. As root this covers the
# privileged paths too; with CI=true a privileged test that cannot run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
cargo build --workspace --bins
# static binaries for the scratch-container tests (tests/tests/container.rs)
cargo build --target x86_64-unknown-linux-musl -p unshare-rs -p nsenter-rs -p lsns-rs -p ipcmk-rs --bins
cargo test --workspace "$@"
# the integration tests again, against the static binaries: what runs in
# containers must behave as the glibc build does
echo "test.sh: the integration tests against the static (musl) binaries" >&2
NSUTILS_BIN_DIR="$PWD/target/x86_64-unknown-linux-musl/debug" cargo test -p nsutils-tests "$@"
