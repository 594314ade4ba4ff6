#!/usr/bin/env bash
# Soak test: the reliability suite at scale, outside the normal test command.
#
#   scripts/soak.sh [LEFTOVER_RUNS] [CHURN_RUNS]
#
# LEFTOVER_RUNS (default 10000): runs of unshare-rs and nsenter-rs in the
#   mixed modes of tests/tests/reliability_leftovers.rs — failing, killed
#   and unprivileged ones included — after which no mount, network
#   namespace, IPC object, process or zombie may be left behind
#   (scripts/test.sh runs 500).
# CHURN_RUNS (default 10000): runs of lsns-rs and of ipcs-rs in every output
#   form while namespaces and IPC objects are created and destroyed beside
#   them (tests/tests/reliability_churn.rs); each must exit 0, print nothing
#   on stderr and produce well-formed output (scripts/test.sh runs 1000 each).
#
# Needs root (as the tests do). Prints each part's report and a summary;
# exits non-zero if anything was left behind or malformed. A full run
# takes a few minutes on two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
export NSUTILS_LEFTOVER_RUNS=${1:-10000}
export NSUTILS_CHURN_RUNS=${2:-10000}

cargo build --workspace --bins >&2
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$(date +%s)
status=0
for t in reliability_leftovers reliability_churn; do
    echo "soak.sh: $t" >&2
    if ! cargo test -p nsutils-tests --test "$t" -- --nocapture 2>&1 | tee -a "$log" >&2; then
        status=1
    fi
    # cargo test's own status is lost in the pipe: read its verdict
    grep '^test result' "$log" | tail -1 | grep -q '^test result: ok\.' || status=1
done
elapsed=$(( $(date +%s) - start ))

echo
echo "soak report ($(date -u +%Y-%m-%dT%H:%MZ), $(uname -r), $(nproc) cores, ${elapsed}s)"
grep -E '^(leftovers|churn): |^test .* \.\.\. ' "$log" || true
if [ "$status" -eq 0 ]; then
    echo "result: PASS"
else
    echo "result: FAIL (see the output above)"
fi
exit "$status"
