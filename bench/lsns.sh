#!/usr/bin/env bash
# lsns at scale: lsns-rs (glibc and static musl builds) against util-linux's
# lsns and the kernel floor, on the same state, in the same run, interleaved.
#
# The state lives in a private PID namespace (with its own /proc) and a
# private mount namespace, so the numbers do not depend on what else runs on
# the machine, and the kernel kills all of it when the script ends (also on
# failure or Ctrl-C: its PID 1 is this script, and `unshare --kill-child`
# takes it down with the parent). It grows in groups of PER sleeping
# processes plus their shell, each group in its own uts, ipc and mount
# namespaces, every third group also in its own network namespace; at each
# process count of COUNTS every variant is timed.
#
# usage: bench/lsns.sh [-c "250 500 …"] [-p PER] [-r ROUNDS] [-g GLIBC_DIR] [-m MUSL_DIR] [-B NSUTILS_BENCH]
# defaults: counts 250 500 1000 2000 3000 4000 5000, 10 per group, 7 rounds,
# target/release, target/x86_64-unknown-linux-musl/release (skipped if
# missing), target/release/nsutils-bench. Needs root.
#
# Output: tab-separated lines on stdout (see nsutils-bench compare), plus
#   meta  NAME  processes  N  namespaces  NS_RS  NS_UL
#   rss   NAME  LABEL  KiB
set -euo pipefail

counts="250 500 1000 2000 3000 4000 5000" per=10 rounds=7
root=$(cd "$(dirname "$0")/.." && pwd)
glibc=$root/target/release musl=$root/target/x86_64-unknown-linux-musl/release bench=""
while [ $# -gt 0 ]; do
  case "$1" in
    -c) counts=$2; shift 2 ;;
    -p) per=$2; shift 2 ;;
    -r) rounds=$2; shift 2 ;;
    -g) glibc=$2; shift 2 ;;
    -m) musl=$2; shift 2 ;;
    -B) bench=$2; shift 2 ;;
    --inner) shift; break ;;
    *) sed -n '15,17p' "$0" >&2; exit 2 ;;
  esac
done
bench=${bench:-$glibc/nsutils-bench}

if [ "${1:-}" != inner ]; then
  [ "$(id -u)" -eq 0 ] || { echo "$0: needs root" >&2; exit 1; }
  for f in "$glibc/lsns-rs" "$bench"; do
    [ -x "$f" ] || { echo "$0: $f missing (cargo build --release -p lsns-rs -p nsutils-tests --bins)" >&2; exit 1; }
  done
  exec unshare --fork --kill-child --pid --mount --mount-proc --propagation private \
    "$0" -c "$counts" -p "$per" -r "$rounds" -g "$glibc" -m "$musl" -B "$bench" --inner inner
fi

# PID 1 of the private PID namespace from here on
shells=()
grow() { # to at least $1 processes
  local want=$1 have g need flags
  have=$("$bench" pcount)
  need=$(( (want - have + per) / (per + 1) ))
  for ((g = 0; g < need; g++)); do
    flags=(-u -i -m)
    (( (${#shells[@]} + 1) % 3 == 0 )) && flags+=(-n)
    unshare "${flags[@]}" sh -c "i=0; while [ \$i -lt $per ]; do sleep 3600 & i=\$((i+1)); done; wait" &
    shells+=($!)
  done
  while [ "$("$bench" pcount)" -lt "$want" ]; do sleep 0.2; done
}

variants() { # the lsns commands of one comparison; args: lsns options
  echo util-linux lsns "$@" --
  echo lsns-rs "$glibc/lsns-rs" "$@" --
  [ -x "$musl/lsns-rs" ] && echo lsns-rs-musl "$musl/lsns-rs" "$@" --
  return 0
}

measure() { # NAME, type ("" = all), lsns options…
  local name=$1 types=$2 only=(); shift 2
  [ -n "$types" ] && only=(-t "$types")
  local cmd=() w
  # word-split on purpose: paths without spaces (checked below)
  for w in $(variants "$@"); do cmd+=("$w"); done
  # shellcheck disable=SC2086
  "$bench" compare -n "$rounds" -w 1 "$name" -- "${cmd[@]}" \
    floor "$bench" floor-lsns $types -- floor+fds "$bench" floor-lsns --fds $types
  echo -e "meta\t$name\tprocesses\t$("$bench" pcount)\tnamespaces\t$("$glibc/lsns-rs" -n -r -o NS "${only[@]}" | wc -l)\t$(lsns -n -r -o NS "${only[@]}" | wc -l)"
}

case "$glibc$musl$bench" in *" "*) echo "$0: paths with spaces are not supported" >&2; exit 1 ;; esac
for c in $counts; do
  grow "$c"
  echo "lsns: $("$bench" pcount) processes" >&2
  measure "lsns@$c" ""
done
last=$("$bench" pcount)
echo "lsns: -t net, -J at $last processes" >&2
measure "lsns -t net@$last" net -t net
measure "lsns -J@$last" "" -J
for v in "util-linux lsns" "lsns-rs $glibc/lsns-rs" "lsns-rs-musl $musl/lsns-rs"; do
  set -- $v
  [ -x "$2" ] || command -v "$2" >/dev/null || continue
  echo -e "rss\tlsns@$last\t$("$bench" rss "$@")"
done
