#!/usr/bin/env bash
# Benchmark lsns-rs against util-linux's lsns on the same state, in the
# same run, interleaved.
#
# The state lives in a private PID namespace (with its own /proc) and a
# private mount namespace, so the numbers do not depend on what else runs
# on the machine, and everything disappears when the script ends: GROUPS
# groups of PER processes, each group in its own uts, ipc and mount
# namespaces, every third group also in its own network namespace.
#
# usage: bench/lsns-bench.sh [-g GROUPS] [-p PER] [-r ROUNDS] [-b LSNS_RS] [-- extra lsns args]
# defaults: 300 groups × 10 processes (≈3,300 processes, ≈1,000
# namespaces), 15 rounds, target/release/lsns-rs (built if missing).
# Needs root (namespaces) and util-linux's unshare and lsns.
set -euo pipefail

groups=300 per=10 rounds=15 bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    -g) groups=$2; shift 2 ;;
    -p) per=$2; shift 2 ;;
    -r) rounds=$2; shift 2 ;;
    -b) bin=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [-g GROUPS] [-p PER] [-r ROUNDS] [-b LSNS_RS] [-- lsns args]" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "$bin" ]; then
  bin=$root/target/release/lsns-rs
  [ -x "$bin" ] || (cd "$root" && cargo build --release -p lsns-rs >&2)
fi
[ "$(id -u)" -eq 0 ] || { echo "$0: needs root" >&2; exit 1; }

# everything below runs as PID 1 of a new PID namespace; when it exits the
# kernel kills every process of the state
exec unshare --fork --pid --mount --mount-proc --propagation private \
  bash -s -- "$groups" "$per" "$rounds" "$bin" "$@" <<'INNER'
set -euo pipefail
groups=$1 per=$2 rounds=$3 bin=$4; shift 4
extra=("$@")
for g in $(seq "$groups"); do
  flags=(-u -i -m)
  (( g % 3 == 0 )) && flags+=(-n)
  unshare "${flags[@]}" sh -c "i=0; while [ \$i -lt $per ]; do sleep 3600 & i=\$((i+1)); done; wait" &
done
want=$((groups * (per + 1)))
while [ "$(ls /proc | grep -c '^[0-9]')" -lt "$want" ]; do sleep 0.2; done
nproc=$(ls /proc | grep -c '^[0-9]')
nns=$("$bin" -n -r -o NS "${extra[@]}" | wc -l)

now_us() { local t=$EPOCHREALTIME; echo $(( ${t%.*} * 1000000 + 10#${t#*.} )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }

bench() { # label, args…
  local label=$1; shift
  local ul=() rs=() t0 t1
  # warm the caches once
  lsns "$@" >/dev/null; "$bin" "$@" >/dev/null
  for _ in $(seq "$rounds"); do
    t0=$(now_us); lsns "$@" >/dev/null; t1=$(now_us); ul+=($((t1 - t0)))
    t0=$(now_us); "$bin" "$@" >/dev/null; t1=$(now_us); rs+=($((t1 - t0)))
  done
  local mu mr
  mu=$(printf '%s\n' "${ul[@]}" | median)
  mr=$(printf '%s\n' "${rs[@]}" | median)
  awk -v l="$label" -v u="$mu" -v r="$mr" -v n="$nproc" 'BEGIN {
    printf "%-28s util-linux %8d µs   lsns-rs %8d µs   ratio %.2f   lsns-rs %.1f µs/process (util-linux %.1f)\n", l, u, r, r / u, r / n, u / n }'
}

echo "state: $nproc processes, $nns namespaces; $rounds rounds each, medians (wall clock)"
bench "lsns ${extra[*]}" "${extra[@]}"
bench "lsns -l ${extra[*]}" -l "${extra[@]}"
bench "lsns --output-all ${extra[*]}" --output-all "${extra[@]}"
bench "lsns -J -t net ${extra[*]}" -J -t net "${extra[@]}"
INNER
