//! util-linux upstream HEAD as a runnable oracle.
//!
//! nsutils targets HEAD (2.43); its own six tools are built in
//! `$NSUTILS_UL_HEAD` (default `../shared/oracle/util-linux-head` beside the
//! project root; `../shared/oracle/README.md` says which commit).
//! [`crate::differential`] runs HEAD beside the installed 2.38.1 on its own;
//! tests that compare with HEAD alone call [`util_linux_head`] or
//! [`differential_head`]. When the oracle is missing they skip loudly (a
//! failure under `CI=true` as root, like every skip).
//!
//! Every comparison with HEAD is counted ([`record`]) by tool and mode; a
//! test binary that made any prints the counts when it exits and writes
//! them to `target/<profile>/head-cases/<test binary>.tsv` (`tool`, `mode`,
//! `cases` per line), so a run's total is
//! `cat target/debug/head-cases/*.tsv | awk '{n += $NF} END {print n}'`.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, Once};

use crate::{in_ci, is_root, skip, test_name, ul_named, Cmd, Output};

/// The directory holding HEAD's binaries: `$NSUTILS_UL_HEAD`, else
/// `<project>/../shared/oracle/util-linux-head`.
pub fn head_dir() -> PathBuf {
    match std::env::var_os("NSUTILS_UL_HEAD") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/oracle/util-linux-head"),
    }
}

/// HEAD's `name` (`unshare`, `lsns`, …) run with argv\[0\] = `name`, or
/// `None` after a loud skip when the oracle is not there.
pub fn util_linux_head(name: &str) -> Option<Cmd> {
    let p = head_dir().join(name);
    if !p.is_file() {
        skip(&test_name(), &format!("util-linux HEAD's {name} is missing at {} (set NSUTILS_UL_HEAD)", p.display()));
        return None;
    }
    Some(Cmd::new(p).arg0(name))
}

/// HEAD's `name` for a comparison beside 2.38.1's: `None` when the oracle
/// is missing, said once per test binary (a failure under `CI=true` as
/// root), so the 2.38.1 comparison still runs.
pub(crate) fn head_beside_2_38(name: &str) -> Option<Cmd> {
    let p = head_dir().join(name);
    if p.is_file() {
        return Some(Cmd::new(p).arg0(name));
    }
    if in_ci() && is_root() {
        skip(&test_name(), &format!("util-linux HEAD's {name} is missing at {} (set NSUTILS_UL_HEAD)", p.display()));
    }
    static SAID: Once = Once::new();
    SAID.call_once(|| {
        let why = format!("util-linux HEAD is missing at {} (set NSUTILS_UL_HEAD)", head_dir().display());
        skip("every comparison with HEAD", &format!("{why}: comparing with 2.38.1 alone"));
    });
    None
}

/// The same argv through ours (under the util-linux name) and HEAD's `ul`,
/// each wrapped by `wrap`: `(ours, head)`, or `None` when the oracle is
/// missing (skipped loudly). Counted as one case of `ul` (see [`record`]).
pub fn differential_head<I, S>(ul: &str, args: I, wrap: impl Fn(Cmd) -> Cmd) -> Option<(Output, Output)>
where
    I: IntoIterator<Item = S> + Clone,
    S: AsRef<OsStr>,
{
    let head = util_linux_head(ul)?;
    record(ul, &mode_of(args.clone()));
    let ours = wrap(ul_named(ul).args(args.clone())).run();
    let theirs = crate::differential::without_pidfd_like_ours(wrap(head.args(args))).run();
    Some((ours, theirs))
}

/// The mode of a command line for the counts: its options, sorted, without
/// their values (`lsns -t net -J` → `-J -t`).
pub fn mode_of<I, S>(args: I) -> String
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut opts: Vec<String> = args
        .into_iter()
        .filter_map(|a| {
            let a = a.as_ref().to_string_lossy();
            let name = a.split('=').next().unwrap_or("");
            (a.starts_with('-') && a.len() > 1).then(|| {
                // a short option's attached value is not part of the mode
                if name.starts_with("--") {
                    name.to_string()
                } else {
                    name.chars().take(2).collect()
                }
            })
        })
        .collect();
    opts.sort();
    opts.dedup();
    if opts.is_empty() {
        "(no options)".to_string()
    } else {
        opts.join(" ")
    }
}

static COUNTS: Mutex<BTreeMap<(String, String), usize>> = Mutex::new(BTreeMap::new());

/// Count one case compared with HEAD: `tool` (`lsns`, …) in `mode` (the
/// output mode or the options, see [`mode_of`]). The counts are printed
/// and written when the test binary exits.
pub fn record(tool: &str, mode: &str) {
    record_n(tool, mode, 1);
}

/// Count `n` cases compared with HEAD (see [`record`]).
pub fn record_n(tool: &str, mode: &str, n: usize) {
    static AT_EXIT: Once = Once::new();
    AT_EXIT.call_once(|| {
        // SAFETY: registering a plain extern "C" function.
        unsafe { libc::atexit(report_counts) };
    });
    let mut c = COUNTS.lock().unwrap_or_else(|e| e.into_inner());
    *c.entry((tool.to_string(), mode.to_string())).or_default() += n;
}

/// At exit: the cases compared with HEAD, per tool (and its number of
/// modes), on stderr (libtest does not capture it then), and the table in
/// `head-cases/<binary>.tsv`.
extern "C" fn report_counts() {
    let counts = COUNTS.lock().unwrap_or_else(|e| e.into_inner());
    let mut per_tool: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut tsv = String::new();
    for ((tool, mode), n) in counts.iter() {
        let t = per_tool.entry(tool).or_default();
        t.0 += n;
        t.1 += 1;
        tsv.push_str(&format!("{tool}\t{mode}\t{n}\n"));
    }
    let total: usize = per_tool.values().map(|t| t.0).sum();
    let tools: Vec<String> = per_tool.iter().map(|(t, (n, modes))| format!("{t} {n} ({modes} modes)")).collect();
    let exe = std::env::current_exe().ok();
    let name = exe.as_deref().and_then(|e| e.file_name()).map(|n| n.to_string_lossy().into_owned());
    let name = name.unwrap_or_else(|| "tests".to_string());
    // the binary is target/<profile>/deps/<name>-<hash>
    let base = name.rsplit_once('-').map_or(name.as_str(), |(b, _)| b);
    let line = format!("\n*** util-linux HEAD: {total} differential cases in {base}: {} ***\n", tools.join(", "));
    let _ = std::io::stderr().write_all(line.as_bytes());
    if let Some(dir) = exe.as_deref().and_then(|e| e.parent()).and_then(|d| d.parent()) {
        let dir = dir.join("head-cases");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(format!("{base}.tsv")), tsv);
    }
}
