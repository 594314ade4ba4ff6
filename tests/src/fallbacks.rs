//! The tools' fallbacks forced from outside, as a system without the
//! feature forces them: no switch in the production binaries does it.
//! IPC records without `/proc` here; pidfds refused by the harness's
//! seccomp filter ([`Cmd::seccomp_deny`], [`without_pidfd`]); setns(2)
//! refusing pidfds ([`setns_without_pidfd`]).

use crate::seccomp::Rule;
use crate::{bin_dir, helper_path, util_linux_path, Cmd};

/// `cmd` run in a private mount namespace of its own where `/proc/sysvipc`
/// and `/proc/sys/kernel` are empty (tmpfs mounted over them): the IPC
/// tools must ask the kernel with `msgctl`/`shmctl`/`semctl` instead, as
/// they do where `/proc` is missing. Mounts end with the namespace.
pub fn without_sysvipc_proc(cmd: Cmd) -> Cmd {
    let script = "mount -t tmpfs none /proc/sysvipc && mount -t tmpfs none /proc/sys/kernel && exec -a \"$0\" \"$@\"";
    let arg0 = cmd.arg0.clone().unwrap_or_else(|| cmd.program.clone().into_os_string());
    let mut w = Cmd::new(util_linux_path("unshare"))
        .args(["-m", "--propagation", "private", "bash", "-c", script])
        .arg(arg0)
        .arg(&cmd.program)
        .args(&cmd.args);
    w.stdin = cmd.stdin;
    w.env = cmd.env;
    w.env_clear = cmd.env_clear;
    w.user = cmd.user;
    w.cwd = cmd.cwd;
    w.timeout = cmd.timeout;
    w.seccomp = cmd.seccomp;
    w
}

/// `cmd` with `pidfd_open(2)` and `pidfd_getfd(2)` failing with ENOSYS, as
/// on a kernel before 5.3: nsenter must enter through `/proc/PID/ns`.
pub fn without_pidfd(cmd: Cmd) -> Cmd {
    cmd.seccomp_deny(&[libc::SYS_pidfd_open, libc::SYS_pidfd_getfd], libc::ENOSYS)
}

/// nsenter-rs's probe of pidfd entry (`setns(pidfd, CLONE_NEWUTS |
/// CLONE_NEWNET)`) refused with EINVAL, as a kernel from 5.3 to 5.7 answers
/// (pidfds, but setns(2) takes only namespace files): nsenter-rs keeps the
/// pidfd to watch the target and enters through its /proc/PID/ns files.
pub const SETNS_WITHOUT_PIDFD: Rule =
    Rule::deny_with_arg1(libc::SYS_setns, nsenter_rs::session::PIDFD_PROBE as u32, libc::EINVAL);

/// `cmd` under [`SETNS_WITHOUT_PIDFD`].
pub fn setns_without_pidfd(cmd: Cmd) -> Cmd {
    cmd.seccomp_rule(SETNS_WITHOUT_PIDFD)
}

/// [`SETNS_WITHOUT_PIDFD`] for a shell script: the words to put before a
/// command (`nsutils-seccomp RULE --`), to be split by the shell (`$VAR`
/// unquoted), so the path may hold no white space.
pub fn setns_without_pidfd_words() -> String {
    let wrapper = helper_path("nsutils-seccomp").display().to_string();
    assert!(!wrapper.contains(char::is_whitespace), "{wrapper}: a path with white space");
    format!("{wrapper} {} --", SETNS_WITHOUT_PIDFD.word())
}

/// Whether `cmd` runs one of our binaries (under its own name or a
/// util-linux one), not util-linux's.
pub fn is_ours(cmd: &Cmd) -> bool {
    cmd.program.starts_with(bin_dir())
}
