//! util-linux upstream HEAD as a runnable oracle.
//!
//! nsutils targets HEAD (2.43); its own six tools are built in
//! `$NSUTILS_UL_HEAD` (default `../shared/oracle/util-linux-head` beside the
//! project root; `../shared/oracle/README.md` says which commit). Tests that
//! compare with HEAD call [`util_linux_head`] or [`differential_head`]; when
//! the oracle is missing they skip loudly (a failure under `CI=true` as root,
//! like every skip).

use std::ffi::OsStr;
use std::path::PathBuf;

use crate::{skip, ul_named, Cmd, Output};

/// The directory holding HEAD's binaries: `$NSUTILS_UL_HEAD`, else
/// `<project>/../shared/oracle/util-linux-head`.
pub fn head_dir() -> PathBuf {
    match std::env::var_os("NSUTILS_UL_HEAD") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/oracle/util-linux-head"),
    }
}

/// The name of the running test (libtest names each test's thread after it).
pub fn test_name() -> String {
    std::thread::current().name().unwrap_or("test").to_string()
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

/// The same argv through ours (under the util-linux name) and HEAD's `ul`,
/// each wrapped by `wrap`: `(ours, head)`, or `None` when the oracle is
/// missing (skipped loudly).
pub fn differential_head<I, S>(ul: &str, args: I, wrap: impl Fn(Cmd) -> Cmd) -> Option<(Output, Output)>
where
    I: IntoIterator<Item = S> + Clone,
    S: AsRef<OsStr>,
{
    let head = util_linux_head(ul)?;
    let ours = wrap(ul_named(ul).args(args.clone())).run();
    let theirs = wrap(head.args(args)).run();
    Some((ours, theirs))
}
