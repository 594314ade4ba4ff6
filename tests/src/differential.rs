//! Differential runs: the same argv through ours (under util-linux's name)
//! and through util-linux, comparing stdout, exit status and stderr; and
//! the normalizers for differences that are intended.

use std::ffi::OsStr;

use crate::{ul_named, util_linux, Cmd, Output};

/// Run the same arguments through our binary (under util-linux's name) and
/// through `/usr/bin/<ul>`; `wrap` may put both inside the same sandbox.
pub fn differential<I, S>(ul: &str, args: I, wrap: impl Fn(Cmd) -> Cmd) -> (Output, Output)
where
    I: IntoIterator<Item = S> + Clone,
    S: AsRef<OsStr>,
{
    let ours = wrap(ul_named(ul).args(args.clone())).run();
    let theirs = wrap(util_linux(ul).args(args)).run();
    (ours, theirs)
}

/// Assert two runs behaved the same: stdout, exit status and stderr.
#[track_caller]
pub fn assert_same(ours: &Output, theirs: &Output) {
    assert_same_with(ours, theirs, |s| s.to_string())
}

/// [`assert_same`] after passing both outputs through `normalize`, for
/// differences that are intended (HEAD wording, pids, times).
#[track_caller]
pub fn assert_same_with(ours: &Output, theirs: &Output, normalize: impl Fn(&str) -> String) {
    let ctx = || format!("\n=== ours ===\n{}\n=== util-linux ===\n{}", ours.describe(), theirs.describe());
    assert_eq!(normalize(&ours.stdout), normalize(&theirs.stdout), "stdout differs{}", ctx());
    assert_eq!((ours.code, ours.signal), (theirs.code, theirs.signal), "exit status differs{}", ctx());
    assert_eq!(normalize(&ours.stderr), normalize(&theirs.stderr), "stderr differs{}", ctx());
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
