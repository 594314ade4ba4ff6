#!/usr/bin/env bash
# Install what the tests and the demo need that a fresh machine may lack.
# A fresh machine has the Rust toolchain and util-linux; everything else is
# checked here and installed from Debian's packages when missing (as root).
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1; }
have ip || need+=(iproute2)
have groff || need+=(groff-base)
have setpriv || need+=(util-linux)
have python3 || need+=(python3)
have bash || need+=(bash)
have ps || need+=(procps)
# unshare-rs --kill-child: a race held open by strace's syscall delay injection
have strace || need+=(strace)
# newuidmap/newgidmap: unshare-rs ID ranges as an ordinary user (tests)
have newuidmap || need+=(uidmap)
# the lsns tests drive a terminal with script(1)
have script || need+=(bsdutils)

# the static (musl) build is tested too: the scratch-container drop-in tests
if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx x86_64-unknown-linux-musl; then
  rustup target add x86_64-unknown-linux-musl
fi

if ((${#need[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-deps: missing ${need[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "setup-deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
