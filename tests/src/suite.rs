//! Helpers shared by the test files of several tools (the IPC tools'
//! files and the cross-tool suites); [`ipc`] holds the IPC fixtures.

pub mod ipc;
pub mod lsns;

use std::path::{Path, PathBuf};

use crate::{util_linux_path, Cmd, NOBODY};

/// `cmd` run through `setpriv(1)` as nobody (uid and gid 65534, no
/// supplementary groups), keeping its environment, stdin, directory and
/// timeout. For commands run inside a [`crate::Sandbox`]: with
/// [`Cmd::as_nobody`] the sandbox's `nsenter` itself would be nobody, and
/// could not enter. setpriv cannot set argv\[0\]: only the program's own
/// name will do (as [`crate::util_linux`] sets it).
pub fn setpriv_nobody(cmd: Cmd) -> Cmd {
    let own_name = cmd.arg0.as_deref().map_or(true, |a| Some(a) == cmd.program.file_name());
    assert!(own_name && cmd.user.is_none(), "setpriv_nobody: {} sets another argv[0] or a user", cmd.cmdline());
    let id = NOBODY.to_string();
    let mut args: Vec<std::ffi::OsString> =
        ["--reuid", &id, "--regid", &id, "--clear-groups"].iter().map(Into::into).collect();
    args.push(cmd.program.clone().into_os_string());
    args.extend(cmd.args.iter().cloned());
    Cmd { program: util_linux_path("setpriv"), args, ..cmd }
}

/// Everything below `dir` (directories too, not into directories reached
/// through a symlink), in no particular order; nothing when it cannot be
/// read.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                todo.push(p.clone());
            }
            out.push(p);
        }
    }
    out
}
