//! Differential runs: the same argv through ours (under util-linux's name),
//! the installed util-linux 2.38.1 and upstream HEAD, comparing stdout,
//! exit status and stderr; and the normalizers for differences that are
//! intended.

use std::ffi::OsStr;

use crate::head::{head_beside_2_38, mode_of, record};
use crate::{ul_named, util_linux, Cmd, Output};

/// Run the same arguments through our binary (under util-linux's name),
/// through `/usr/bin/<ul>` (2.38.1) and through HEAD's `<ul>` (see
/// [`crate::head`]); `wrap` may put all three inside the same sandbox.
/// Returns `(ours, theirs)`: `theirs` is 2.38.1's run, carrying HEAD's in
/// [`Output::head`] (`None` when the oracle is missing, said loudly), for
/// [`assert_same`] to compare with both.
pub fn differential<I, S>(ul: &str, args: I, wrap: impl Fn(Cmd) -> Cmd) -> (Output, Output)
where
    I: IntoIterator<Item = S> + Clone,
    S: AsRef<OsStr>,
{
    let ours = wrap(ul_named(ul).args(args.clone())).run();
    let mut theirs = wrap(util_linux(ul).args(args.clone())).run();
    if let Some(head) = head_beside_2_38(ul) {
        record(ul, &mode_of(args.clone()));
        theirs.head = Some(Box::new(without_pidfd_like_ours(wrap(head.args(args))).run()));
    }
    (ours, theirs)
}

/// HEAD's run for a case where ours enters through `/proc/PID/ns` files
/// (setns(2) refusing pidfds, [`crate::fallbacks::SETNS_WITHOUT_PIDFD`]):
/// HEAD without pidfd_open(2) (ENOSYS) instead, so that it takes the same
/// path, its own fallback to those files, and both are compared path for
/// path.
pub(crate) fn without_pidfd_like_ours(mut cmd: Cmd) -> Cmd {
    let before = cmd.seccomp.len();
    cmd.seccomp.retain(|r| *r != crate::fallbacks::SETNS_WITHOUT_PIDFD);
    if cmd.seccomp.len() == before {
        return cmd;
    }
    cmd.seccomp_deny(&[libc::SYS_pidfd_open], libc::ENOSYS)
}

/// Assert two runs behaved the same: stdout, exit status and stderr (see
/// [`assert_same_with`]).
#[track_caller]
pub fn assert_same(ours: &Output, theirs: &Output) {
    assert_same_with(ours, theirs, |s| s.to_string());
    // stdout as bytes too: the text is decoded lossily
    let want = match theirs.head.as_deref() {
        Some(head) if head.stdout_bytes != theirs.stdout_bytes => head,
        _ => theirs,
    };
    assert!(ours.stdout_bytes == want.stdout_bytes, "stdout bytes differ\n{}\n{}", ours.describe(), want.describe());
}

/// [`assert_same`] after passing both outputs through `normalize`, for
/// differences that are intended (hints, pids, times).
///
/// When `theirs` carries HEAD's run ([`differential`]): where 2.38.1 and
/// HEAD agree, ours must match both; where they differ, ours must match
/// HEAD, the target (the message says so).
#[track_caller]
pub fn assert_same_with(ours: &Output, theirs: &Output, normalize: impl Fn(&str) -> String) {
    let (want, who) = match theirs.head.as_deref() {
        Some(head) if !same(theirs, head, &normalize) && known_head_difference(ours, theirs, head, &normalize) => {
            (theirs, "util-linux 2.38.1 (a known difference from HEAD)")
        }
        Some(head) if !same(theirs, head, &normalize) => (head, "util-linux HEAD (2.38.1 differs, HEAD is the target)"),
        Some(_) => (theirs, "util-linux 2.38.1 and HEAD (both agree)"),
        None => (theirs, "util-linux"),
    };
    let ctx = || {
        let mut c = format!("\n=== ours ===\n{}\n=== {who} ===\n{}", ours.describe(), want.describe());
        if let Some(head) = theirs.head.as_deref().filter(|h| !std::ptr::eq(*h, want)) {
            c.push_str(&format!("\n=== util-linux HEAD ===\n{}", head.describe()));
        }
        c
    };
    assert_eq!(normalize(&ours.stdout), normalize(&want.stdout), "stdout differs{}", ctx());
    assert_eq!((ours.code, ours.signal), (want.code, want.signal), "exit status differs{}", ctx());
    assert_eq!(normalize(&ours.stderr), normalize(&want.stderr), "stderr differs{}", ctx());
}

/// Differences from HEAD that are known and left to another piece of work:
/// `(tool, what HEAD's stderr says, what ours says, why)`. A case where
/// HEAD differs from 2.38.1, ours matches 2.38.1, and both stderrs hold
/// the listed texts is compared with 2.38.1 instead, and said loudly.
/// Remove an entry when the difference is fixed.
///
/// (Empty: nsenter's entry through /proc/PID/ns files is compared with
/// HEAD's own fallback to them, see [`without_pidfd_like_ours`].)
const KNOWN_HEAD_DIFFERENCES: &[(&str, &str, &str, &str)] = &[];

/// Whether ours differs from HEAD in a way [`KNOWN_HEAD_DIFFERENCES`]
/// lists (ours being 2.38.1's answer); says so on stderr.
fn known_head_difference(ours: &Output, theirs: &Output, head: &Output, normalize: &impl Fn(&str) -> String) -> bool {
    if same(ours, head, normalize) || !same(ours, theirs, normalize) {
        return false;
    }
    let Some((tool, _, _, why)) = KNOWN_HEAD_DIFFERENCES.iter().find(|(tool, h, o, _)| {
        head.cmdline.contains(&format!("/{tool} ")) && head.stderr.contains(h) && ours.stderr.contains(o)
    }) else {
        return false;
    };
    let line = format!(
        "\n*** KNOWN DIFFERENCE FROM HEAD in {} ({tool}): {why}\n    HEAD: {}    ours: {} ***\n",
        crate::test_name(),
        head.stderr.lines().next().unwrap_or(""),
        ours.stderr.lines().next().unwrap_or("")
    );
    let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
    true
}

/// Whether two runs agree after `normalize`.
fn same(a: &Output, b: &Output, normalize: &impl Fn(&str) -> String) -> bool {
    normalize(&a.stdout) == normalize(&b.stdout)
        && (a.code, a.signal) == (b.code, b.signal)
        && normalize(&a.stderr) == normalize(&b.stderr)
}

/// `/proc/1234/` → `/proc/PID/` (pids differ between runs and tools).
pub fn without_proc_pids(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("/proc/") {
        out.push_str(&rest[..i + 6]);
        rest = &rest[i + 6..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push_str("PID");
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// `s` without nsutils' advice lines (`<prog>: hint: …`), which util-linux
/// does not print: for comparing stderr with util-linux's.
pub fn without_hints(s: &str) -> String {
    s.lines().filter(|l| !l.contains(": hint: ")).map(|l| format!("{l}\n")).collect()
}
