#!/usr/bin/env bash
# ipcs at scale: `ipcs-rs -a` (glibc and static musl builds) against
# util-linux's `ipcs -a` and the kernel floor (reading the three
# /proc/sysvipc tables), on N message queues, N shared memory segments and N
# semaphore sets (default 10,000 each) in a private IPC namespace, whose
# limits are raised inside it. The host's IPC objects are never touched, and
# the objects vanish with the namespace when the script ends. Both tools
# must print the same bytes (checked before timing). Needs root.
#
# usage: bench/ipcs.sh [-n N] [-r ROUNDS] [-g GLIBC_DIR] [-m MUSL_DIR] [-B NSUTILS_BENCH]
# Output: tab-separated lines (see nsutils-bench compare), and
#   rss  NAME  LABEL  KiB
set -euo pipefail
n=10000 rounds=15
root=$(cd "$(dirname "$0")/.." && pwd)
glibc=$root/target/release musl=$root/target/x86_64-unknown-linux-musl/release bench=""
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n=$2; shift 2 ;;
    -r) rounds=$2; shift 2 ;;
    -g) glibc=$2; shift 2 ;;
    -m) musl=$2; shift 2 ;;
    -B) bench=$2; shift 2 ;;
    --inner) shift; break ;;
    *) sed -n '10p' "$0" >&2; exit 2 ;;
  esac
done
bench=${bench:-$glibc/nsutils-bench}

if [ "${1:-}" != inner ]; then
  [ "$(id -u)" -eq 0 ] || { echo "$0: needs root (a private IPC namespace)" >&2; exit 1; }
  for f in "$glibc/ipcs-rs" "$bench"; do
    [ -x "$f" ] || { echo "$0: $f missing (cargo build --release -p ipcmk-rs -p nsutils-tests --bins)" >&2; exit 1; }
  done
  exec unshare --ipc "$0" -n "$n" -r "$rounds" -g "$glibc" -m "$musl" -B "$bench" --inner inner
fi

t0=$EPOCHREALTIME
"$bench" fill-ipc "$n"
echo "ipcs: $n queues, $n segments, $n semaphore sets made in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s" >&2
name="ipcs -a@3x$n"
cmd=(util-linux ipcs -a -- ipcs-rs "$glibc/ipcs-rs" -a --)
[ -x "$musl/ipcs-rs" ] && cmd+=(ipcs-rs-musl "$musl/ipcs-rs" -a --)
"$bench" compare -n "$rounds" -w 1 --same-output "$name" -- "${cmd[@]}" floor "$bench" floor-ipcs
echo -e "rss\t$name\t$("$bench" rss util-linux ipcs -a)"
echo -e "rss\t$name\t$("$bench" rss ipcs-rs "$glibc/ipcs-rs" -a)"
[ ! -x "$musl/ipcs-rs" ] || echo -e "rss\t$name\t$("$bench" rss ipcs-rs-musl "$musl/ipcs-rs" -a)"
