#!/usr/bin/env bash
# Install what the tests and the demo need that a fresh machine may lack.
# A fresh machine has the Rust toolchain and util-linux; everything else is
# checked here and installed from Debian's packages when missing (as root).
# Idempotent: a second run installs nothing. Another apt or dpkg holding its
# lock (an unattended upgrade, a parallel set-up) is waited for, up to
# SETUP_LOCK_WAIT seconds (600), instead of failing at once.
set -euo pipefail

lock_wait=${SETUP_LOCK_WAIT:-600}
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
# the package test reads the installed man page (tests/tests/package.rs)
have man || need+=(man-db)
have dpkg-deb || need+=(dpkg)
# the container image, run in a real OCI runtime (tests/tests/oci.rs):
# rootful podman with runc (crun refuses this machine's hybrid cgroup
# layout) and catatonit, the static pause program that keeps a test
# container alive (our scratch image has nothing that waits)
have podman || need+=(podman)
have runc || need+=(runc)
[ -x /usr/bin/catatonit ] || need+=(catatonit)
# the aarch64 static binaries run under user-mode emulation (tests/tests/aarch64.rs)
have qemu-aarch64-static || need+=(qemu-user-static)

# the static (musl) builds: x86_64 is tested in scratch containers, aarch64
# under qemu; both link with the toolchain's own rust-lld and musl
if command -v rustup >/dev/null 2>&1; then
  for t in x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
    rustup target list --installed | grep -qx "$t" || rustup target add "$t"
  done
fi

# apt-get, waiting for a lock another apt or dpkg holds. DPkg::Lock::Timeout
# covers dpkg's locks; `apt-get update`'s lists lock is retried here.
apt_get() {
  local waited=0
  until apt-get -o DPkg::Lock::Timeout="$lock_wait" "$@" 2>"$errs"; do
    if grep -qiE 'could not get lock|unable to lock' "$errs" && [ "$waited" -lt "$lock_wait" ]; then
      [ "$waited" -gt 0 ] || echo "setup-deps: waiting for another apt/dpkg to release its lock" >&2
      sleep 5
      waited=$((waited + 5))
      continue
    fi
    cat "$errs" >&2
    return 1
  done
}

if ((${#need[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-deps: missing ${need[*]}; run as root to install them" >&2
    exit 1
  fi
  echo "setup-deps: installing ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  errs=$(mktemp)
  trap 'rm -f "$errs"' EXIT
  apt_get update -qq
  apt_get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
