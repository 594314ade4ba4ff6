#!/usr/bin/env bash
# Speed of `ipcs-rs -a` against util-linux's `ipcs -a` on the same state:
# N message queues, N shared memory segments and N semaphore sets (default
# 10,000 each) in a private IPC namespace, whose limits (kernel.msgmni,
# kernel.shmmni, kernel.sem — per IPC namespace) are raised inside it. The
# host's IPC objects are never touched. Needs root, python3 and a release
# build (`cargo build --release -p ipcmk-rs`).
#
#   bench/ipcs.sh [N] [RUNS]        IPCS_RS=path/to/ipcs-rs to test another build
#
# Prints the median wall time of RUNS runs of each (alternating, output to a
# pipe that is drained) and the ratio ours/util-linux (< 1: ours is faster).
set -euo pipefail
N=${1:-10000}
RUNS=${2:-7}
here=$(cd "$(dirname "$0")/.." && pwd)
OURS=${IPCS_RS:-$here/target/release/ipcs-rs}
THEIRS=${IPCS_UL:-/usr/bin/ipcs}
[ -x "$OURS" ] || { echo "bench: $OURS not found; run: cargo build --release -p ipcmk-rs" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench: needs root (a private IPC namespace)" >&2; exit 1; }

exec unshare --ipc python3 - "$N" "$RUNS" "$OURS" "$THEIRS" <<'PY'
import ctypes, statistics, subprocess, sys, time
n, runs, ours, theirs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]

# limits of this (new) IPC namespace only
def sysctl(name, value):
    with open(f"/proc/sys/kernel/{name}", "w") as f:
        f.write(value)
cap = max(n + 16, 32000)
sysctl("msgmni", str(cap))
sysctl("shmmni", str(min(cap, 32768)))
semmsl, semmns, semopm, _ = open("/proc/sys/kernel/sem").read().split()
sysctl("sem", f"{semmsl} {max(int(semmns), 4 * n)} {semopm} {min(cap, 32768)}")

libc = ctypes.CDLL(None, use_errno=True)
IPC_CREAT = 0o1000
t0 = time.perf_counter()
for i in range(n):
    key = 0x10000000 + i
    for rc in (libc.msgget(key, IPC_CREAT | 0o644), libc.shmget(key, 1, IPC_CREAT | 0o600), libc.semget(key, 2, IPC_CREAT | 0o640)):
        if rc < 0:
            sys.exit(f"bench: creating object {i} failed: errno {ctypes.get_errno()}")
print(f"created {n} queues, {n} segments and {n} semaphore sets in {time.perf_counter() - t0:.2f} s")

def one(cmd):
    t = time.perf_counter()
    p = subprocess.run([cmd, "-a"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    return time.perf_counter() - t, p.stdout

_, out_ours = one(ours)
_, out_theirs = one(theirs)
if out_ours != out_theirs:
    sys.exit("bench: the two outputs differ")
print(f"outputs identical: {len(out_ours.splitlines())} lines, {len(out_ours)} bytes")
a, b = [], []
for _ in range(runs):
    a.append(one(ours)[0])
    b.append(one(theirs)[0])
ma, mb = statistics.median(a), statistics.median(b)
print(f"ipcs-rs -a      median {ma * 1000:8.1f} ms  (min {min(a) * 1000:.1f})")
print(f"util-linux -a   median {mb * 1000:8.1f} ms  (min {min(b) * 1000:.1f})")
print(f"ratio ipcs-rs / util-linux = {ma / mb:.2f}")
sys.exit(0 if ma <= mb else 1)
PY
