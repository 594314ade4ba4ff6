//! The lsns tests' state: processes and namespaces of every kind, built in
//! a private PID namespace with its own /proc (and private mount and
//! network namespaces), where util-linux's lsns (2.38.1 and HEAD) and ours
//! run side by side and see the same small, stable set of processes. When
//! the namespace's first process exits, the kernel kills the rest, and
//! every mount, netns and namespace made inside goes with it.
//!
//! The state holds processes in unshare'd namespaces of every type, a
//! persistent netns with an nsid (`ip netns set demo 7`) that a process is
//! in and that is bind-mounted twice more, and three namespaces no process
//! is in: a netns held only by an open fd, one held only by a socket, and a
//! bind-mounted uts namespace. util-linux 2.38.1 cannot see the last three,
//! so its comparisons run ours (and HEAD) with `-Q "$EX"` excluding them;
//! HEAD's comparisons also run without the filter, on everything.

use std::collections::HashMap;

use crate::head::{head_beside_2_38, mode_of, record_n};
use crate::{require_root, ul_named_path, util_linux_path, Cmd, Output, TempDir};

/// The state, as a bash script run as PID 1 of the private PID namespace.
/// Writes the ids it made to `$OUT/vars` as `NAME=value` lines; `$EX` is
/// the `-Q` expression that leaves out what 2.38.1 cannot see.
pub const STATE: &str = r#"
set -u
ino() { stat -Lc %i "/proc/$2/ns/$1"; }
comm_is() { [ "$(cat /proc/$1/comm 2>/dev/null)" = "$2" ]; }
child_of() { cat /proc/$1/task/$1/children 2>/dev/null | awk '{print $1}'; }
wait_for() { local n=0; until eval "$1"; do sleep 0.01; n=$((n+1)); [ $n -lt 1000 ] || { echo "state: timed out: $1" >&2; exit 99; }; done; }
# namespaces held by bind mounts in the mount table this namespace copied
# (the host's `ip netns`, docker, other tests) are not part of the state
nsfs_mount() { awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i+1) == "nsfs") print $5; break } }' /proc/self/mountinfo | head -n 1; }
while m=$(nsfs_mount); [ -n "$m" ]; do
  umount -l "$(printf '%b' "$m")" || { echo "state: cannot unmount $m" >&2; exit 99; }
done
D=$WORK/m; mkdir -p "$D"; mount -t tmpfs tmpfs "$D"
mkdir -p /run/netns; mount -t tmpfs tmpfs /run/netns
sleep 1000 & P_PLAIN=$!
unshare -U -r -p -f --mount-proc sleep 1000 & P_USERNS=$!
unshare -u -i sleep 1000 & P_UTSIPC=$!
unshare -n sleep 1000 & P_NET=$!
unshare -C sleep 1000 & P_CGROUP=$!
unshare -T sleep 1000 & P_TIME=$!
unshare -m sleep 1000 & P_MNT=$!
unshare -U -r -n sleep 1000 & P_USERNET=$!
setpriv --reuid=65534 --regid=65534 --clear-groups sleep 1000 & P_NOBODY=$!
ip netns add demo; ip netns set demo 7
ip netns exec demo bash -c 'unshare -u sleep 1000; :' & P_DEMO=$!
touch "$D/nb" "$D/n b"
mount --bind /run/netns/demo "$D/nb"; mount --bind /run/netns/demo "$D/n b"
# a netns only an open descriptor holds
touch "$D/fdns"; unshare --net="$D/fdns" true; X_FD=$(stat -Lc %i "$D/fdns")
sleep 1000 3<"$D/fdns" & P_FDHOLDER=$!
wait_for '[ -e /proc/$P_FDHOLDER/fd/3 ]'
umount -l "$D/fdns"
# a netns only a socket holds
unshare -n bash -c 'stat -Lc %i /proc/self/ns/net > "$0/sockns"; ip link set lo up; exec 3<>/dev/udp/127.0.0.1/9; exec nsenter --net=/proc/1/ns/net sleep 1000' "$D" & P_SOCK=$!
wait_for '[ "$(ino net $P_SOCK)" = "$(ino net 1)" ] && comm_is $P_SOCK sleep'
X_SOCK=$(cat "$D/sockns")
# a uts namespace only a bind mount holds
touch "$D/uts"; unshare --uts="$D/uts" hostname FOO; X_UTS=$(stat -Lc %i "$D/uts")
for p in $P_PLAIN $P_UTSIPC $P_NET $P_CGROUP $P_TIME $P_MNT $P_USERNET $P_NOBODY; do wait_for "comm_is $p sleep"; done
wait_for 'c=$(child_of $P_USERNS); [ -n "$c" ] && comm_is $c sleep'; P_USERNS_CHILD=$(child_of $P_USERNS)
wait_for 'c=$(child_of $P_DEMO); [ -n "$c" ] && comm_is $c sleep'; P_DEMO_CHILD=$(child_of $P_DEMO)
EX="NS != $X_FD && NS != $X_SOCK && NS != $X_UTS"
for v in P_PLAIN P_USERNS P_USERNS_CHILD P_UTSIPC P_NET P_CGROUP P_TIME P_MNT P_USERNET P_NOBODY P_DEMO P_DEMO_CHILD P_FDHOLDER P_SOCK X_FD X_SOCK X_UTS; do
  echo "$v=${!v}" >> "$OUT/vars"
done
echo "D=$D" >> "$OUT/vars"
# (no pipeline: a `| tr` beside script may not be forked yet when lsns
# counts the processes, so NPROCS would differ between the two runs)
tty() { local cols=$1; shift; script -qec "stty cols $cols rows 50; $(printf '%q ' "$@")" /dev/null </dev/null >"$WORK/tty.raw"; tr -d '\r' <"$WORK/tty.raw"; }
"#;

/// Runs each case (`prefix|args` lines of `$WORK/cases`) through util-linux
/// 2.38.1 (`lsns` from PATH) and ours with the exclusion filter (`t`, `o`),
/// and, when `$HEAD` names HEAD's lsns, through HEAD and ours without the
/// filter (`h`, `q`) and HEAD with it (`x`), saving stdout, stderr and the
/// exit status of each as `$OUT/<case>.<run>.{out,err,rc}`. With
/// `$HEAD_ONLY` set, only `h` and `q`.
const CASES_RUNNER: &str = r#"
i=0
run() { local tag=$1; shift; ( eval "$*" ) >"$OUT/$i.$tag.out" 2>"$OUT/$i.$tag.err" </dev/null; echo $? >"$OUT/$i.$tag.rc"; }
while IFS='|' read -r prefix args; do
  i=$((i+1))
  if [ -z "${HEAD_ONLY:-}" ]; then
    run t "$prefix lsns $args"
    run o "$prefix \"\$OURS\" -Q \"\$EX\" $args"
  fi
  if [ -n "${HEAD:-}" ]; then
    run h "$prefix \"\$HEAD\" $args"
    run q "$prefix \"\$OURS\" $args"
    [ -n "${HEAD_ONLY:-}" ] || run x "$prefix \"\$HEAD\" -Q \"\$EX\" $args"
  fi
done < "$WORK/cases"
"#;

/// What one run in the private namespaces left behind.
pub struct StateRun {
    /// Where the runs' outputs and `vars` are.
    pub out: TempDir,
    /// The state's variables (`P_USERNS`, `X_UTS`, `D`, …).
    pub vars: HashMap<String, String>,
    /// The output of the whole script.
    pub body: Output,
    /// Whether HEAD's lsns ran beside 2.38.1's.
    pub head: bool,
}

impl StateRun {
    /// A variable of the state; panics when it is missing.
    pub fn var(&self, name: &str) -> &str {
        self.vars.get(name).unwrap_or_else(|| panic!("state variable {name} missing"))
    }

    /// A file the body wrote to `$OUT` (lossily decoded; "" when missing).
    pub fn file(&self, name: &str) -> String {
        String::from_utf8_lossy(&self.bytes(name)).into_owned()
    }

    /// A file the body wrote to `$OUT`, as bytes (empty when missing).
    pub fn bytes(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.out.join(name)).unwrap_or_default()
    }
}

/// Build the state in private PID, mount and network namespaces, run
/// `cases` (prefix, args) through the tools, then `body` (with `$OURS`,
/// `$HEAD`, `$EX`, the state's variables, and `tty COLS CMD…` for a
/// terminal). `None` after a loud skip when not root.
pub fn in_state(cases: &[(&str, &str)], body: &str) -> Option<StateRun> {
    in_state_with("", false, cases, body)
}

/// [`in_state`], with `extra` (bash) run after the state is built (its
/// variables too go to `$OUT/vars` when listed in `$EXTRA_VARS`), and with
/// `head_only` the cases run through HEAD and ours alone.
pub fn in_state_with(extra: &str, head_only: bool, cases: &[(&str, &str)], body: &str) -> Option<StateRun> {
    if !require_root() {
        return None;
    }
    let head = head_beside_2_38("lsns").map(|c| c.program);
    if head_only && head.is_none() {
        crate::util_linux_head("lsns")?;
    }
    let out = TempDir::new("lsns");
    let work = TempDir::new("lsnsw");
    let lines: Vec<String> = cases.iter().map(|(p, a)| format!("{p}|{a}\n")).collect();
    std::fs::write(work.join("cases"), lines.concat()).unwrap();
    let script = format!(
        "{STATE}\nEXTRA_VARS=\n{extra}\nfor v in $EXTRA_VARS; do echo \"$v=${{!v}}\" >> \"$OUT/vars\"; done\n{CASES_RUNNER}\n{body}\n"
    );
    std::fs::write(work.join("state.sh"), script).unwrap();
    let mut cmd = Cmd::new(util_linux_path("unshare"))
        .args(["--fork", "--pid", "--mount-proc", "--net", "--propagation", "private", "bash"])
        .arg(work.join("state.sh"))
        .env("OUT", out.path())
        .env("WORK", work.path())
        .env("OURS", ul_named_path("lsns"))
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("COLUMNS")
        .env_remove("HEAD_ONLY")
        .timeout(std::time::Duration::from_secs(300));
    cmd = match &head {
        Some(h) => cmd.env("HEAD", h),
        None => cmd.env_remove("HEAD"),
    };
    if head_only {
        cmd = cmd.env("HEAD_ONLY", "1");
    }
    let body = cmd.run();
    assert!(body.code != Some(99), "building the state failed:\n{}", body.stderr);
    let vars = std::fs::read_to_string(out.join("vars"))
        .unwrap_or_else(|_| panic!("the state was not built:\n{}\n{}", body.stdout, body.stderr))
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
        .collect();
    drop(work);
    Some(StateRun { out, vars, body, head: head.is_some() })
}

/// Where lsns-rs keeps a difference from HEAD on purpose (lsns-rs(8),
/// NOTES), normalize HEAD's run `head` and ours `ours` so that the rest
/// still compares (see [`Kept`]).
///
/// * JSON with a multi-line NSFS cell: HEAD writes only the first path and
///   then a blank line, or one with the comma that belongs after the last
///   value (a regression); ours the whole cell, with `\n` between the
///   paths, as 2.38. Compared: ours with only the first path, HEAD with
///   the comma in its place, both without blank lines.
/// * `-Q` with a namespace operand: HEAD fails (`failed to apply filter:
///   Inappropriate ioctl for device`); ours filters the processes listed.
/// * UIDs above 2^31 − 1: HEAD prints them as negative numbers (uid
///   4000000000 as -294967296, as wide); ours as they are.
/// * `--list-columns`: the descriptions are in this project's words.
pub fn kept_deviation(head: &mut (Vec<u8>, Vec<u8>, String), ours: &mut (Vec<u8>, Vec<u8>, String)) -> Kept {
    // (on a terminal the message comes with stdout: script(1) merges them)
    let failed = |s: &[u8]| s.starts_with(b"lsns: failed to apply filter: ");
    if (failed(&head.1) || failed(&head.0)) && ours.2 == "0" {
        return Kept::NotComparable;
    }
    let mut kept = false;
    if let Some(h) = replace_all(&head.0, b"-294967296", b"4000000000") {
        head.0 = h;
        kept = true;
    }
    let lines = |s: &[u8]| -> Vec<Vec<u8>> { s.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect() };
    let join = |l: Vec<Vec<u8>>| l.join(&b'\n');
    // --list-columns: keep the name and type
    let is_type = |f: &[u8]| f == b"<integer>" || f == b"<string>";
    let listing = lines(&head.0)
        .iter()
        .all(|l| l.is_empty() || l.split(|&c| c == b' ').filter(|f| !f.is_empty()).nth(1).is_some_and(is_type));
    if head.0.contains(&b'<') && (listing || head.0.starts_with(b"{\n   \"lsns-columns\"")) {
        for run in [&mut *head, &mut *ours] {
            let cut: Vec<Vec<u8>> = lines(&run.0)
                .into_iter()
                .map(|l| {
                    if let Some(p) = find(&l, b"\"description\": ") {
                        return l[..p].to_vec();
                    }
                    match [&b" <integer>"[..], b" <string>"].iter().find_map(|t| find(&l, t).map(|p| p + t.len())) {
                        Some(end) => l[..end].to_vec(),
                        None => l,
                    }
                })
                .collect();
            run.0 = join(cut);
        }
        kept = true;
    }
    // JSON: a multi-line NSFS cell
    if head.0.starts_with(b"{") && find(&ours.0, b"\\n").is_some() {
        let key = b"\"nsfs\": \"";
        let cut: Vec<Vec<u8>> = lines(&ours.0)
            .into_iter()
            .map(|l| match find(&l, key) {
                Some(k) => {
                    let v = k + key.len();
                    match find(&l[v..], b"\\n") {
                        Some(e) => {
                            let close = l.iter().rposition(|&c| c == b'"').unwrap_or(l.len() - 1);
                            [&l[..v + e], &l[close..]].concat()
                        }
                        None => l,
                    }
                }
                None => l,
            })
            .collect();
        let blank = |l: &Vec<u8>| l.iter().all(|&c| c == b' ');
        ours.0 = join(cut.into_iter().filter(|l| !blank(l)).collect());
        // (before a "children" array, HEAD's stray line holds the comma
        // that belongs after the last value)
        let mut fixed: Vec<Vec<u8>> = Vec::new();
        for l in lines(&head.0) {
            match fixed.last_mut() {
                Some(prev) if l.iter().filter(|&&c| c != b' ').eq(b",") => prev.push(b','),
                _ if blank(&l) => {}
                _ => fixed.push(l),
            }
        }
        head.0 = join(fixed);
        kept = true;
    }
    if kept {
        Kept::Normalized
    } else {
        Kept::No
    }
}

/// What [`kept_deviation`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// Nothing: compare as they are.
    No,
    /// A kept deviation, normalized away in both: compare the rest.
    Normalized,
    /// A kept deviation that makes the runs not comparable.
    NotComparable,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `s` with every `from` replaced by `to`, or `None` when there is none.
fn replace_all(s: &[u8], from: &[u8], to: &[u8]) -> Option<Vec<u8>> {
    find(s, from)?;
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s;
    while let Some(p) = find(rest, from) {
        out.extend_from_slice(&rest[..p]);
        out.extend_from_slice(to);
        rest = &rest[p + from.len()..];
    }
    out.extend_from_slice(rest);
    Some(out)
}

/// One run of a case: stdout, stderr, exit status.
fn outcome(run: &StateRun, n: usize, tag: &str) -> (Vec<u8>, Vec<u8>, String) {
    let f = |ext: &str| run.bytes(&format!("{n}.{tag}.{ext}"));
    (f("out"), f("err"), String::from_utf8_lossy(&f("rc")).trim().to_string())
}

/// Two runs' differences: the exit statuses, and the lines of stdout and
/// stderr that differ (`-` the first run's, `+` the second's; bytes that
/// are not printable ASCII as `\xHH`), at most 40 lines of each.
fn diff(who: (&str, &str), a: &(Vec<u8>, Vec<u8>, String), b: &(Vec<u8>, Vec<u8>, String)) -> String {
    let mut d = format!("--- {} (rc {}) / +++ {} (rc {})\n", who.0, a.2, who.1, b.2);
    for (name, x, y) in [("stdout", &a.0, &b.0), ("stderr", &a.1, &b.1)] {
        if x != y {
            d.push_str(&format!("{name}:\n"));
            d.push_str(&line_diff(x, y, 40));
        }
    }
    d
}

/// A line diff of `x` and `y` (longest common subsequence), `limit` lines
/// at the most.
pub fn line_diff(x: &[u8], y: &[u8], limit: usize) -> String {
    let show = |l: &[u8]| -> String {
        l.iter()
            .map(|&c| if (0x20..0x7f).contains(&c) { (c as char).to_string() } else { format!("\\x{c:02x}") })
            .collect()
    };
    let xl: Vec<&[u8]> = x.split(|&c| c == b'\n').collect();
    let yl: Vec<&[u8]> = y.split(|&c| c == b'\n').collect();
    let (n, m) = (xl.len(), yl.len());
    // lcs[i][j]: the common length of xl[i..] and yl[j..]
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if xl[i] == yl[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out, mut lines) = (0, 0, String::new(), 0);
    while (i < n || j < m) && lines < limit {
        if i < n && j < m && xl[i] == yl[j] {
            i += 1;
            j += 1;
            continue;
        }
        if j == m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("{:>4} -{}\n", i + 1, show(xl[i])));
            i += 1;
        } else {
            out.push_str(&format!("{:>4} +{}\n", j + 1, show(yl[j])));
            j += 1;
        }
        lines += 1;
    }
    if lines == limit {
        out.push_str("     …\n");
    }
    out
}

/// Compare every case; report all differences at once. With HEAD: ours
/// must match HEAD on everything and, with the exclusion filter, on what
/// 2.38.1 sees too (so ours matches 2.38.1 wherever 2.38.1 and HEAD
/// agree); the cases are counted ([`crate::head::record`]). Without HEAD:
/// ours (filtered) must match 2.38.1.
pub fn assert_cases_agree(run: &StateRun, cases: &[(&str, &str)]) {
    let mut failures = Vec::new();
    let mut agree_38 = 0;
    let mut kept = 0;
    let head_only = run.bytes("1.t.rc").is_empty() && !cases.is_empty();
    for (i, (prefix, args)) in cases.iter().enumerate() {
        let n = i + 1;
        let title = format!("### {prefix} lsns {args}");
        let mut compare = |a: &str, b: &str, who: (&str, &str)| {
            let (mut x, mut y) = (outcome(run, n, a), outcome(run, n, b));
            assert!(
                !x.0.is_empty() || !x.1.is_empty() || x.2 == "0",
                "case {args}: {} produced nothing (rc {})",
                who.0,
                x.2
            );
            if a != "t" {
                match kept_deviation(&mut x, &mut y) {
                    Kept::No => {}
                    Kept::Normalized => kept += 1,
                    Kept::NotComparable => {
                        kept += 1;
                        return;
                    }
                }
            }
            if x != y {
                failures.push(format!("{title}\n{}", diff(who, &x, &y)));
            }
        };
        if run.head {
            compare("h", "q", ("util-linux HEAD", "lsns-rs"));
            if !head_only {
                compare("x", "o", ("util-linux HEAD -Q EX", "lsns-rs -Q EX"));
                if outcome(run, n, "t") == outcome(run, n, "x") {
                    agree_38 += 1;
                }
            }
            let tty = if prefix.starts_with("tty ") { "terminal " } else { "" };
            record_n("lsns", &format!("{tty}{}", mode_of(args.split_whitespace())), 1);
        } else {
            compare("t", "o", ("util-linux 2.38.1", "lsns-rs -Q EX"));
        }
    }
    if run.head && !head_only {
        let line = format!(
            "\n*** {}: {} lsns cases against HEAD; 2.38.1 agrees with HEAD on {agree_38}; \
             {kept} comparisons met a kept deviation (lsns-rs(8) NOTES) ***\n",
            crate::test_name(),
            cases.len()
        );
        let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
}
