#!/usr/bin/env bash
# Run every test: unit tests of each crate and the integration tests that
# run the built binaries against the real kernel. As root this covers the
# privileged paths too; with CI=true a privileged test that cannot run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
cargo build --workspace --bins
cargo test --workspace "$@"
