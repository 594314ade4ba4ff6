#!/usr/bin/env bash
# make bench: every benchmark of nsutils against util-linux, in one run.
#
#   bench/run.sh            (as root; `make bench` calls it)
#
# Builds the release binaries (glibc, dynamic) and the static musl ones
# (scripts/static.sh), then times, interleaved and with medians:
#   1. single calls (unshare, nsenter, lsns, ipcs), BENCH_N runs each (300);
#   2. lsns at scale (bench/lsns.sh: 250 … 5,000 processes) with the floor;
#   3. ipcs -a at scale (bench/ipcs.sh: 3 × 10,000 objects) with the floor;
#   4. binary sizes (util-linux's with the shared libraries they load) and
#      peak RSS;
# and writes bench/RESULTS.md, bench/results.tsv and bench/lsns-scale.png
# (bench/report.sh). Everything it creates (processes, namespaces, IPC
# objects, mounts) lives in private namespaces that die with it, on
# failure or Ctrl-C too.
#
# Knobs: BENCH_N (300), BENCH_ROUNDS (7, scale runs), BENCH_COUNTS
# ("250 500 1000 2000 3000 4000 5000"), BENCH_IPC (10000).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
N=${BENCH_N:-300}
ROUNDS=${BENCH_ROUNDS:-7}
COUNTS=${BENCH_COUNTS:-250 500 1000 2000 3000 4000 5000}
IPC=${BENCH_IPC:-10000}
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (namespaces)" >&2; exit 1; }

# what a fresh machine may lack: the tests' dependencies and gnuplot (the plot)
scripts/setup-deps.sh
if ! command -v gnuplot >/dev/null; then
  echo "bench: installing gnuplot-nox" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox >/dev/null
fi

echo "bench: building" >&2
cargo build --release -p unshare-rs -p nsenter-rs -p lsns-rs -p ipcmk-rs --bins
# the measuring driver, static like the tools it runs as the floor
cargo build --release --target x86_64-unknown-linux-musl -p nsutils-tests --bin nsutils-bench
out=$(mktemp -d /tmp/nsutils-bench.XXXXXX)
# a binary over the size target is reported in RESULTS.md, not fatal here
scripts/static.sh >"$out/static.txt" || true
G=$root/target/release
M=$root/target/x86_64-unknown-linux-musl/release
B=$M/nsutils-bench
tsv=$out/results.tsv
: >"$tsv"

# cleanup: the background phase (its namespaces die with it) and the nsenter target
phase="" target_holder="" tpid=""
cleanup() {
  [ -z "$phase" ] || kill "$phase" 2>/dev/null || true
  # the target is PID 1 of its PID namespace: only SIGKILL ends it from
  # here, and its unshare parent then exits (it ignores SIGTERM itself)
  [ -z "$tpid" ] || kill -KILL "$tpid" 2>/dev/null || true
  [ -z "$target_holder" ] || kill -KILL "$target_holder" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$out"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# run a phase in the background so a signal reaches the trap at once
run() { "$@" >>"$tsv" & phase=$!; wait "$phase"; phase=""; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)" >"$out/load.txt"

# 1. single calls -------------------------------------------------------------
floor=()
three() { # NAME, util-linux argv… — then ours with the same arguments, and ${floor[@]}
  local name=$1 tool=$2; shift 2
  "$B" compare -n "$N" "$name" -- util-linux "$tool" "$@" -- "$tool-rs" "$G/$tool-rs" "$@" \
    -- "$tool-rs-musl" "$M/$tool-rs" "$@" "${floor[@]}"
}
rss3() { # NAME, tool, args…
  local name=$1 tool=$2 l; shift 2
  for l in "util-linux $tool" "$tool-rs $G/$tool-rs" "$tool-rs-musl $M/$tool-rs"; do
    set -- $l "${@}"
    echo -e "rss\t$name\t$("$B" rss "$@")"
    shift 2
  done
}
echo "bench: single calls, $N runs each" >&2
# start-up alone: the loader, libc's and std's initialisation, one write
floor=()
run three "unshare -V" unshare -V
# floor: only the syscalls the call needs (nsutils-bench floor-*), static
floor=(-- floor "$B" floor-unshare net)
run three "unshare -fn true" unshare -fn true
run rss3 "unshare -fn true" unshare -fn true
floor=(-- floor "$B" floor-unshare pid-mount-proc)
run three "unshare -fpm --mount-proc true" unshare -fpm --mount-proc true
run rss3 "unshare -fpm --mount-proc true" unshare -fpm --mount-proc true

# a container-like target: its own mount (with /proc), uts, ipc, net, pid,
# cgroup and time namespaces; --kill-child takes the sleeper down with it
# (stderr: util-linux's unshare complains when its child is SIGKILLed)
unshare --fork --kill-child --pid --mount-proc --uts --ipc --net --cgroup --time sleep 1000000 2>/dev/null &
target_holder=$!
for _ in $(seq 100); do
  tpid=$(cat "/proc/$target_holder/task/$target_holder/children" 2>/dev/null | tr -d ' ') || true
  [ -n "$tpid" ] && break
  sleep 0.05
done
[ -n "$tpid" ] || { echo "bench: the nsenter target did not start" >&2; exit 1; }
floor=(-- floor "$B" floor-nsenter "$tpid")
run three "nsenter -t PID -a true" nsenter -t "$tpid" -a true
floor=()
run rss3 "nsenter -t PID -a true" nsenter -t "$tpid" -a true
kill -KILL "$tpid"; wait "$target_holder" 2>/dev/null || true; target_holder="" tpid=""

echo -e "meta\tlsns (host)\tprocesses\t$("$B" pcount)" >>"$tsv"
floor=(-- floor "$B" floor-lsns --fds)
run three "lsns" lsns
run three "lsns -J" lsns -J
floor=()
run rss3 "lsns" lsns

ipc_calls() { # in a private IPC namespace with 10 objects of each kind
  "$B" fill-ipc 10
  "$B" compare -n "$N" --same-output "ipcs -a" -- util-linux ipcs -a -- ipcs-rs "$G/ipcs-rs" -a \
    -- ipcs-rs-musl "$M/ipcs-rs" -a -- floor "$B" floor-ipcs
  rss3 "ipcs -a" ipcs -a
  rss3 "ipcmk -Q" ipcmk -Q
  rss3 "ipcrm -a" ipcrm -a
}
export -f ipc_calls rss3
export B G M N
run unshare --ipc bash -c ipc_calls

# 2. lsns at scale --------------------------------------------------------------
echo "bench: lsns at scale ($COUNTS processes)" >&2
run bench/lsns.sh -c "$COUNTS" -r "$ROUNDS" -g "$G" -m "$M" -B "$B"

# 3. ipcs at scale --------------------------------------------------------------
echo "bench: ipcs -a with 3 x $IPC objects" >&2
run bench/ipcs.sh -n "$IPC" -r $((ROUNDS * 2 + 1)) -g "$G" -m "$M" -B "$B"

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/load.txt"

# 4. sizes and the report ----------------------------------------------------------
bench/report.sh "$out" "$G" "$M"
echo "bench: wrote bench/RESULTS.md, bench/results.tsv, bench/lsns-scale.png" >&2
