#!/usr/bin/env bash
# Fuzz every command-line parser of nsutils with cargo-fuzz (libFuzzer).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS  how long each target runs (default 600 = 10 minutes).
# TARGET   which targets to run (default: all of `cargo fuzz list`).
# FUZZ_JOBS=N  run N targets at a time (default 1; the machine has 2 cores).
#
# The targets (fuzz/fuzz_targets/*.rs, listed in fuzz/README.md) cover the
# getopt_long-compatible parser of all six tools (checked against glibc's
# getopt_long), the number parsers (checked against strtoull/strtoll),
# signal names, unshare's --map-users/--map-groups ranges and whole command
# line, nsenter's PID:INODE and whole command line, ipcmk sizes, ipcrm keys,
# the IPC tools' command lines, and lsns' -Q filter expressions (also
# built deep and long: lsns_filter_deep), -o column lists and whole
# command line. Inputs go up to 128 KiB, the most one argument can hold.
#
# The fuzz crate is not part of the main workspace: cargo-fuzz needs
# nightly features, which this stable toolchain allows with
# RUSTC_BOOTSTRAP=1. Corpora grow in fuzz/corpus/<target> (seeded from
# fuzz/seeds/<target>), crashes land in fuzz/artifacts/<target>; reproduce
# one with `RUSTC_BOOTSTRAP=1 cargo fuzz run <target> <file>` in fuzz/.
#
# At the end a table gives, per target, the executions, the seconds run,
# the corpus size and the findings; the exit status is 1 if anything was
# found.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
export RUSTC_BOOTSTRAP=1

seconds=${1:-600}
shift || true
jobs=${FUZZ_JOBS:-1}

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi

echo "fuzz.sh: building ${#targets[@]} targets" >&2
cargo fuzz build >&2

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

run_one() {
    local t=$1
    local corpus="corpus/$t"
    mkdir -p "$corpus" "artifacts/$t"
    local extra=()
    [ -d "seeds/$t" ] && extra+=("seeds/$t")
    # inputs as long as one argument can be (MAX_ARG_STRLEN, 128 KiB): a
    # parser that recurses per byte only overflows its stack at that size
    local opts=(-max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -max_len=131072)
    [ -f "dict/$t.dict" ] && opts+=(-dict="dict/$t.dict")
    # -O: the release build cargo fuzz build made (debug assertions on)
    cargo fuzz run -O "$t" "$corpus" "${extra[@]}" -- "${opts[@]}" >"$logs/$t.log" 2>&1 || true
}

running=0
for t in "${targets[@]}"; do
    echo "fuzz.sh: $t for ${seconds}s" >&2
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait -n || true
        running=$((running - 1))
    fi
done
wait || true

found=0
printf '%-16s %14s %8s %8s %s\n' TARGET EXECUTIONS SECONDS CORPUS FINDINGS
for t in "${targets[@]}"; do
    log="$logs/$t.log"
    # a target that stopped on a finding has no "Done" line: no set -e exit
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
    secs=$(grep -o 'Done [0-9]* runs in [0-9]* second' "$log" | awk '{print $5}' | tail -1 || true)
    corpus=$(find "corpus/$t" -type f | wc -l)
    crashes=$(find "artifacts/$t" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    what="none"
    if [ "$crashes" -gt 0 ] || grep -q 'SUMMARY: libFuzzer' "$log"; then
        found=1
        what="$crashes in fuzz/artifacts/$t: $(grep -m1 -E 'panicked at|SUMMARY|out-of-memory' "$log" || true)"
    fi
    printf '%-16s %14s %8s %8s %s\n' "$t" "${execs:-?}" "${secs:-?}" "$corpus" "$what"
done
exit "$found"
