#!/usr/bin/env bash
# Turn a bench/run.sh result directory into bench/RESULTS.md,
# bench/results.tsv and bench/lsns-scale.png.
#   bench/report.sh OUT_DIR GLIBC_DIR MUSL_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1 G=$2 M=$3
tsv=$out/results.tsv
md=bench/RESULTS.md
cp "$tsv" bench/results.tsv

# the value of one cell: field F (3 wall, 4 cpu) of NAME/LABEL
get() { awk -F'\t' -v n="$1" -v l="$2" -v f="$3" '$1 == n && $2 == l { print $f; exit }' "$tsv"; }
meta() { awk -F'\t' -v n="$1" -v k="$2" '$1 == "meta" && $2 == n { for (i = 3; i < NF; i += 2) if ($i == k) { print $(i + 1); exit } }' "$tsv"; }
rss() { awk -F'\t' -v n="$1" -v l="$2" '$1 == "rss" && $2 == n && $3 == l { print $4; exit }' "$tsv"; }
ms() { awk -v v="$1" 'BEGIN { if (v == "") print "–"; else if (v >= 10000) printf "%.0f ms", v / 1000; else printf "%.2f ms", v / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "–"; else printf "%.2f", a / b }'; }
per() { awk -v v="$1" -v n="$2" 'BEGIN { if (v == "" || n == "") print "–"; else printf "%.1f", v / n }'; }
kib() { awk -v b="$1" 'BEGIN { printf "%.0f", b / 1024 }'; }
libs() { # total bytes of the shared libraries a binary loads
  ldd "$1" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/.*ld-linux/ { print $1 }' | sort -u |
    while read -r l; do stat -L -c %s "$l"; done | awk '{ s += $1 } END { print s + 0 }'
}

{
echo "# nsutils benchmark results"
echo
echo "Written by \`make bench\` (bench/run.sh). How it measures, and why the numbers are what they are: [README.md](README.md)."
echo
echo "## Machine"
echo
echo "| | |"
echo "|---|---|"
echo "| date | $(date -u '+%Y-%m-%d %H:%M UTC') |"
echo "| kernel | $(uname -sr) |"
echo "| CPU | $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo) |"
echo "| cores | $(nproc) |"
echo "| memory | $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) |"
echo "| util-linux | $(lsns --version | awk '{ print $NF }') (/usr/bin, dynamically linked) |"
echo "| rustc | $(rustc --version | cut -d' ' -f2) |"
echo "| load | $(paste -sd';' "$out/load.txt" | sed 's/;/, /') (1/5/15-min averages; the machine is shared) |"
echo
echo "Times are medians of interleaved runs, wall clock, including process"
echo "start-up; CPU is user + system time of the command (children included)."
echo "Ratios are ours / util-linux: below 1 ours is faster. \`musl\` is the"
echo "static build of \`make static\` (what \`make install\` installs), \`glibc\` the dynamic"
echo "\`cargo build --release\` (what \`cargo install\` builds). \`unshare -V\` is start-up alone."
echo
echo "## Single calls"
echo
n=$(awk -F'\t' '$1 == "unshare -fn true" { print $6; exit }' "$tsv")
echo "$n runs of each command, interleaved. Target: ratio ≤ 0.9."
echo
echo "| command (ours: the same with \`-rs\`) | util-linux | glibc | ratio | musl | ratio | floor | ratio | CPU ratio glibc / musl / floor |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for c in "unshare -V:unshare" "unshare -fn true:unshare" "unshare -fpm --mount-proc true:unshare" "nsenter -t PID -a true:nsenter" \
         "lsns:lsns" "lsns -J:lsns" "ipcs -a:ipcs"; do
  name=${c%%:*} t=${c##*:}
  u=$(get "$name" util-linux 3) g=$(get "$name" "$t-rs" 3) m=$(get "$name" "$t-rs-musl" 3)
  uc=$(get "$name" util-linux 4) gc=$(get "$name" "$t-rs" 4) mc=$(get "$name" "$t-rs-musl" 4)
  f=$(get "$name" floor 3) fc=$(get "$name" floor 4)
  echo "| \`$name\` | $(ms "$u") | $(ms "$g") | **$(ratio "$g" "$u")** | $(ms "$m") | **$(ratio "$m" "$u")** | $(ms "$f") | $(ratio "$f" "$u") | $(ratio "$gc" "$uc") / $(ratio "$mc" "$uc") / $(ratio "$fc" "$uc") |"
done
echo
echo "floor: a static program making only the syscalls the call needs (nsutils-bench"
echo "floor-unshare, floor-nsenter, floor-lsns --fds, floor-ipcs: unshare/setns, mount, fork,"
echo "exec of \`true\` through \$PATH, wait; or the /proc reads): the kernel's and the scheduler's"
echo "share of the time, which no implementation can go below."
echo
echo "\`nsenter -t PID\`: a sleeping process in its own mount, uts, ipc, net, pid,"
echo "cgroup and time namespaces. \`lsns\`: the host ($(meta "lsns (host)" processes) processes). \`ipcs -a\`: a private IPC"
echo "namespace with 10 queues, 10 segments, 10 semaphore sets (outputs checked identical)."
echo
echo "## lsns at scale"
echo
echo "A private PID namespace filled with groups of 10 sleeping processes and their shell, each"
echo "group in its own uts, ipc and mount namespaces, every third in its own network namespace."
echo "floor: a program doing only the syscalls (list /proc, stat each /proc/PID/ns link);"
echo "floor+fds: also list /proc/PID/fd and stat every descriptor, which lsns ≥ 2.41 (and"
echo "lsns-rs) does to find namespaces held only by a descriptor — util-linux 2.38.1 does not."
echo "Target: lsns-rs ≤ 0.5 × util-linux."
echo
echo "| processes | namespaces (lsns-rs / util-linux) | util-linux | lsns-rs | musl | floor | floor+fds | ratio | ratio musl | µs/process util-linux / lsns-rs / floor+fds |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
: >"$out/plot.dat"
for name in $(awk -F'\t' '$1 ~ /^lsns@/ { print $1 }' "$tsv" | uniq); do
  p=$(meta "$name" processes)
  nsr=$(awk -F'\t' -v n="$name" '$1 == "meta" && $2 == n { print $6 "\t" $7; exit }' "$tsv")
  u=$(get "$name" util-linux 3) g=$(get "$name" lsns-rs 3) m=$(get "$name" lsns-rs-musl 3)
  f=$(get "$name" floor 3) ff=$(get "$name" floor+fds 3)
  echo "| $p | ${nsr/	/ / } | $(ms "$u") | $(ms "$g") | $(ms "$m") | $(ms "$f") | $(ms "$ff") | **$(ratio "$g" "$u")** | **$(ratio "$m" "$u")** | $(per "$u" "$p") / $(per "$g" "$p") / $(per "$ff" "$p") |"
  echo "$p $u $g ${m:-NaN} $f $ff" | awk '{ printf "%s", $1; for (i = 2; i <= NF; i++) printf " %s", ($i == "NaN" ? $i : $i / 1000); print "" }' >>"$out/plot.dat"
done
echo
echo "Other modes at the largest state:"
echo
echo "| command | processes | namespaces | util-linux | lsns-rs | musl | floor | floor+fds | ratio | ratio musl | µs/process lsns-rs |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for name in $(awk -F'\t' '$1 ~ /^lsns -/ && $1 ~ /@/ { print $1 }' "$tsv" | uniq | tr ' ' '~'); do
  name=${name//\~/ }
  p=$(meta "$name" processes)
  nsr=$(awk -F'\t' -v n="$name" '$1 == "meta" && $2 == n { print $6 " / " $7; exit }' "$tsv")
  u=$(get "$name" util-linux 3) g=$(get "$name" lsns-rs 3) m=$(get "$name" lsns-rs-musl 3)
  echo "| \`${name%@*}\` | $p | $nsr | $(ms "$u") | $(ms "$g") | $(ms "$m") | $(ms "$(get "$name" floor 3)") | $(ms "$(get "$name" floor+fds 3)") | **$(ratio "$g" "$u")** | **$(ratio "$m" "$u")** | $(per "$g" "$p") |"
done
echo
echo "![lsns time against process count](lsns-scale.png)"
echo
echo "## ipcs -a at scale"
echo
name=$(awk -F'\t' '$1 ~ /^ipcs -a@/ { print $1; exit }' "$tsv")
echo "\`${name%@*}\` in a private IPC namespace with ${name#*@} objects (queues, segments, semaphore sets);"
echo "the two outputs are checked byte-identical first. floor: read /proc/sysvipc/{msg,shm,sem}. Target: ratio ≤ 1.0."
echo
echo "| util-linux | ipcs-rs | musl | floor | ratio | ratio musl | CPU ratio glibc / musl |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
u=$(get "$name" util-linux 3) g=$(get "$name" ipcs-rs 3) m=$(get "$name" ipcs-rs-musl 3)
echo "| $(ms "$u") | $(ms "$g") | $(ms "$m") | $(ms "$(get "$name" floor 3)") | **$(ratio "$g" "$u")** | **$(ratio "$m" "$u")** | $(ratio "$(get "$name" ipcs-rs 4)" "$(get "$name" util-linux 4)") / $(ratio "$(get "$name" ipcs-rs-musl 4)" "$(get "$name" util-linux 4)") |"
echo
echo "## Size and peak memory"
echo
echo "Sizes in KiB. util-linux's binaries are dynamic: \"+ libs\" adds the shared libraries"
echo "they load (ldd: libc, libsmartcols, libmount, libblkid, libselinux, …; pages shared with"
echo "other processes, but loaded and relocated at every start). Our glibc build loads libc and"
echo "libgcc_s; the musl build loads nothing. Peak RSS (VmHWM at exit) of the command shown."
echo
echo "| binary | util-linux | + libs | glibc | + libs | static musl | RSS util-linux | RSS glibc | RSS musl | measured with |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
for r in "unshare:unshare -fn true" "nsenter:nsenter -t PID -a true" "lsns:lsns" "ipcmk:ipcmk -Q" "ipcs:ipcs -a" "ipcrm:ipcrm -a"; do
  t=${r%%:*} name=${r#*:}
  ub=$(readlink -f "$(command -v "$t")")
  us=$(stat -c %s "$ub") ul=$(libs "$ub") gs=$(stat -c %s "$G/$t-rs") gl=$(libs "$G/$t-rs") msz=$(stat -c %s "$M/$t-rs")
  echo "| $t-rs | $(kib "$us") | $(kib $((us + ul))) | $(kib "$gs") | $(kib $((gs + gl))) | $(kib "$msz") | $(rss "$name" util-linux) | $(rss "$name" "$t-rs") | $(rss "$name" "$t-rs-musl") | \`$name\` |"
done
for name in $(awk -F'\t' '$1 == "rss" && $2 ~ /@/ { print $2 }' "$tsv" | uniq | tr ' ' '~'); do
  name=${name//\~/ } t=${name%%[ @]*}
  echo "| $t-rs at scale | | | | | | $(rss "$name" util-linux) | $(rss "$name" "$t-rs") | $(rss "$name" "$t-rs-musl") | \`${name%@*}\`, ${name#*@} |"
done
echo
echo "Static build (\`make static\`, scripts/static.sh; target ≤ 600 KiB each):"
echo
echo '```'
cat "$out/static.txt"
echo '```'
echo
echo "## Commands"
echo
echo "Each row above times exactly these argument vectors (util-linux from \$PATH, ours from"
echo "target/release and target/x86_64-unknown-linux-musl/release):"
echo
echo '```'
awk -F'\t' '$1 != "meta" && $1 != "rss" { print $1 }' "$tsv" | uniq | sed 's/@.*//' | sort -u
echo '```'
echo
echo "Raw numbers: bench/results.tsv (NAME, LABEL, median wall µs, median CPU µs, minimum wall µs, runs)."
} >"$md"

gnuplot <<GP
set terminal pngcairo size 900,560 font "DejaVu Sans,11"
set output "bench/lsns-scale.png"
set title "lsns: time against process count ($(uname -r), $(nproc) cores; medians)"
set xlabel "processes"
set ylabel "wall time (ms)"
set key top left
set grid
set yrange [0:*]
plot "$out/plot.dat" using 1:2 with linespoints lw 2 pt 7 lc rgb "#b2182b" title "util-linux lsns $(lsns --version | awk '{ print $NF }')", \
     "" using 1:3 with linespoints lw 2 pt 5 lc rgb "#2166ac" title "lsns-rs (glibc)", \
     "" using 1:4 with linespoints lw 2 pt 9 lc rgb "#1b9e77" title "lsns-rs (static musl)", \
     "" using 1:6 with linespoints lw 2 dt 2 pt 6 lc rgb "#444444" title "floor: ns links + descriptors", \
     "" using 1:5 with linespoints lw 2 dt 3 pt 4 lc rgb "#888888" title "floor: ns links only"
GP
