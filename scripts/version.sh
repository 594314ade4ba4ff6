#!/usr/bin/env bash
# Print nsutils' version, as Cargo has it ([workspace.package] version).
set -euo pipefail
cd "$(dirname "$0")/.."
v=$(cargo pkgid -p unshare-rs)
echo "${v##*[#@]}"
