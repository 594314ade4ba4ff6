//! Running the program (`execvp(3)`, the login shell), forking and waiting,
//! and passing a child's fate on to our caller (`wait(2)`, `signal(7)`).
//!
//! Exit statuses are part of the interface: 127 when the program is not
//! found, 126 when it cannot be executed, the child's status passed through,
//! and a child's fatal signal re-raised on ourselves so the caller sees the
//! same death (128+N in a shell).

use std::ffi::{CStr, CString, OsStr, OsString};
use std::io;
use std::os::unix::ffi::OsStrExt;

use nix::errno::Errno;
use nix::sys::signal::{sigprocmask, SigSet, SigmaskHow, Signal};
use nix::unistd::{execv, ForkResult};

use crate::bytes;
use crate::error::{Error, Result};

/// Exit status when the program cannot be executed.
pub const EXIT_CANNOT_EXEC: i32 = 126;
/// Exit status when the program is not found.
pub const EXIT_NOT_FOUND: i32 = 127;

fn cstring(s: &OsStr) -> Result<CString> {
    CString::new(s.as_bytes()).map_err(|_| Error::msg(format!("invalid argument: {}", bytes::raw(s))))
}

/// The error util-linux's `errexec()` reports: `failed to execute <what>: <cause>`,
/// exit 127 for ENOENT, 126 otherwise.
pub fn exec_error(what: &OsStr, err: &io::Error) -> Error {
    let status = if err.raw_os_error() == Some(libc::ENOENT) { EXIT_NOT_FOUND } else { EXIT_CANNOT_EXEC };
    Error::os(format!("failed to execute {}", bytes::raw(what)), err).with_status(status)
}

/// The search path when `PATH` is not set: glibc's (`confstr(_CS_PATH)`),
/// which util-linux's `execvp` uses.
const DEFAULT_PATH: &[u8] = b"/bin:/usr/bin";

/// The shell that runs a script without a `#!` line (`_PATH_BSHELL`).
const BSHELL: &CStr = c"/bin/sh";

/// Replace the process with `argv[0]`, searched in `PATH`, as glibc's
/// `execvp(3)` does it in every build: musl's has no fallback for a file
/// the kernel cannot execute (`ENOEXEC`, a script without a `#!` line),
/// which glibc, and so util-linux, runs with `/bin/sh`. Returns only on
/// failure, with the error to report.
pub fn exec(argv: &[OsString]) -> Error {
    let Some(prog) = argv.first() else {
        return Error::msg("no program to execute");
    };
    let c_args: Result<Vec<CString>> = argv.iter().map(|a| cstring(a)).collect();
    let c_args = match c_args {
        Ok(v) => v,
        Err(e) => return e,
    };
    exec_error(prog, &search_and_exec(prog.as_bytes(), &c_args))
}

/// glibc's `execvp` search: a name with a `/` is run as it is; otherwise
/// each `PATH` entry is tried in turn (an empty one is the working
/// directory), going on past entries where the file is missing
/// (`ENOENT`, `ENOTDIR`, …) or not executable (`EACCES`, reported if
/// nothing else is found), and stopping at any other error.
fn search_and_exec(name: &[u8], args: &[CString]) -> io::Error {
    if name.is_empty() {
        return io::Error::from_raw_os_error(libc::ENOENT);
    }
    if name.contains(&b'/') {
        return exec_file(&args[0], args);
    }
    let path_var = std::env::var_os("PATH");
    let search = path_var.as_deref().map_or(DEFAULT_PATH, OsStr::as_bytes);
    let mut denied = false;
    let mut last = io::Error::from_raw_os_error(libc::ENOENT);
    for dir in search.split(|&b| b == b':') {
        let mut full = dir.to_vec();
        if !full.is_empty() {
            full.push(b'/');
        }
        full.extend_from_slice(name);
        let Ok(file) = CString::new(full) else { continue };
        let err = exec_file(&file, args);
        match err.raw_os_error() {
            Some(libc::EACCES) => denied = true,
            Some(libc::ENOENT | libc::ESTALE | libc::ENOTDIR | libc::ENODEV | libc::ETIMEDOUT) => {}
            _ => return err,
        }
        last = err;
    }
    if denied {
        io::Error::from_raw_os_error(libc::EACCES)
    } else {
        last
    }
}

/// `execv(3)` of `file`; if the kernel does not know its format, run it
/// as a shell script: `/bin/sh file args…`. Returns the error of the
/// file's own `execv` (a failing fallback says nothing more useful).
fn exec_file(file: &CStr, args: &[CString]) -> io::Error {
    let err = failed(execv(file, args));
    if err == Errno::ENOEXEC {
        let script: Vec<&CStr> = [BSHELL, file].into_iter().chain(args[1..].iter().map(CString::as_c_str)).collect();
        let _ = execv(BSHELL, &script);
    }
    err.into()
}

/// The error of an exec that returned (one that succeeds does not).
fn failed(exec: nix::Result<std::convert::Infallible>) -> Errno {
    match exec {
        Ok(never) => match never {},
        Err(e) => e,
    }
}

/// The shell to start when no program is given: `$SHELL` if set and not
/// empty, else the passwd entry's shell of the real uid (`getpwuid_r(3)`),
/// else `/bin/sh` (util-linux 2.42+).
pub fn default_shell() -> OsString {
    if let Some(s) = std::env::var_os("SHELL").filter(|s| !s.is_empty()) {
        return s;
    }
    let uid = nix::unistd::getuid().as_raw();
    crate::users::user_shell(uid).filter(|s| !s.is_empty()).unwrap_or_else(|| OsString::from("/bin/sh"))
}

/// Start the [`default_shell`] as a login shell (`argv[0]` = `-` + its
/// basename; `execv(3)`), as util-linux does. Returns only on failure.
pub fn exec_shell() -> Error {
    let shell = default_shell();
    let base = crate::prog::basename(&shell);
    let mut arg0 = b"-".to_vec();
    arg0.extend_from_slice(base.as_bytes());
    let (c_shell, c_arg0) = match (cstring(&shell), cstring(OsStr::from_bytes(&arg0))) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let err = failed(execv(&c_shell, &[c_arg0]));
    let err = io::Error::from(err);
    exec_error(&shell, &err).with_hint(if err.raw_os_error() == Some(libc::ENOENT) {
        Some("no program was given and there is no shell to start; name the program to run".into())
    } else {
        None
    })
}

/// Run `operands` as the program, or the shell when there are none.
/// Returns only on failure.
pub fn exec_program_or_shell(operands: &[OsString]) -> Error {
    if operands.is_empty() {
        exec_shell()
    } else {
        exec(operands)
    }
}

/// Which side of a `fork(2)` we are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fork {
    /// In the parent; the child's pid.
    Parent(libc::pid_t),
    /// In the child.
    Child,
}

/// `fork(2)`. The caller must be single-threaded (nsutils tools are: they
/// never start threads), so the child may run arbitrary code.
pub fn fork() -> io::Result<Fork> {
    // SAFETY: the tools are single-threaded; see the doc comment.
    match unsafe { nix::unistd::fork() }? {
        ForkResult::Child => Ok(Fork::Child),
        ForkResult::Parent { child } => Ok(Fork::Parent(child.as_raw())),
    }
}

/// How a child ended (or stopped), as `wait(2)` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildStatus {
    /// `exit(code)`.
    Exited(i32),
    /// Killed by a signal.
    Signaled(i32),
    /// Stopped by a signal (only with `WUNTRACED`).
    Stopped(i32),
}

impl ChildStatus {
    /// Decode a `wait(2)` status word.
    pub fn from_raw(status: libc::c_int) -> ChildStatus {
        if libc::WIFEXITED(status) {
            ChildStatus::Exited(libc::WEXITSTATUS(status))
        } else if libc::WIFSIGNALED(status) {
            ChildStatus::Signaled(libc::WTERMSIG(status))
        } else {
            ChildStatus::Stopped(libc::WSTOPSIG(status))
        }
    }
}

/// `waitpid(2)` for `pid`, retrying on EINTR.
pub fn wait_pid(pid: libc::pid_t, flags: libc::c_int) -> io::Result<ChildStatus> {
    loop {
        let mut status = 0;
        // libc, not nix: nix's WaitStatus holds a `Signal`, which has no
        // real-time signals, and a child killed by SIGRTMIN+n is passed on
        // like any other.
        // SAFETY: status is a valid out-pointer.
        match Errno::result(unsafe { libc::waitpid(pid, &mut status, flags) }) {
            Ok(_) => return Ok(ChildStatus::from_raw(status)),
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// End the process the way the child ended: its exit code (`exit(3)`), or
/// death by the same signal ([`reraise`]).
pub fn exit_like(status: ChildStatus) -> ! {
    match status {
        ChildStatus::Exited(code) => std::process::exit(code),
        ChildStatus::Signaled(sig) | ChildStatus::Stopped(sig) => reraise(sig),
    }
}

/// Die of `sig` (`signal(7)`): reset its action to the default, unblock it
/// and send it to ourselves (`kill(2)`). SIGKILL and SIGSTOP cannot be
/// reset (util-linux 2.38.1 tried and reported `sigprocmask unblock
/// failed`); they are simply sent. If we survive (a signal whose default is
/// not to terminate), exit 128+sig.
pub fn reraise(sig: i32) -> ! {
    if sig != libc::SIGKILL && sig != libc::SIGSTOP {
        default_and_unblock(sig);
    }
    // libc, not nix: `sig` may be a real-time signal, which nix's `Signal`
    // cannot name.
    // SAFETY: kill(2) of ourselves with a valid signal number.
    unsafe { libc::kill(libc::getpid(), sig) };
    std::process::exit(128 + sig)
}

/// `_exit(2)`: leave a forked helper or child without running anything of
/// the parent's (no destructors, no atexit handlers, no buffers flushed).
pub fn exit_now(code: i32) -> ! {
    // libc: nix has no _exit.
    // SAFETY: _exit ends the process at once.
    unsafe { libc::_exit(code) }
}

/// Give `sig` its default action and unblock it, whatever was inherited
/// (`sig` may be a real-time signal; not SIGKILL or SIGSTOP).
pub fn default_and_unblock(sig: i32) {
    // libc, not nix: `sig` may be a real-time signal, which nix's `Signal`
    // cannot name.
    // SAFETY: signal-disposition and mask calls with valid arguments.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        let mut set = std::mem::zeroed::<libc::sigset_t>();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::sigprocmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
    }
}

/// A saved signal mask (`sigprocmask(2)`), restored with [`SignalMask::restore`].
#[derive(Clone, Copy)]
pub struct SignalMask(SigSet);

impl SignalMask {
    /// Block `signals` and return the previous mask.
    pub fn block(signals: &[i32]) -> io::Result<SignalMask> {
        let mut set = SigSet::empty();
        for &s in signals {
            set.add(Signal::try_from(s)?);
        }
        let mut old = SigSet::empty();
        sigprocmask(SigmaskHow::SIG_BLOCK, Some(&set), Some(&mut old))?;
        Ok(SignalMask(old))
    }

    /// Put the saved mask back.
    pub fn restore(&self) -> io::Result<()> {
        Ok(sigprocmask(SigmaskHow::SIG_SETMASK, Some(&self.0), None)?)
    }
}

/// Replace the whole environment with `vars` before exec (`clearenv(3)`,
/// `setenv(3)`): unshare's `--clear-env`/`--whitelist-env`, nsenter's
/// `--env`. A pair `setenv(3)` would refuse (an empty name, `=` in the
/// name, NUL anywhere) is skipped rather than left to panic in
/// `std::env::set_var`. The tools are single-threaded, which makes
/// changing the environment safe.
pub fn replace_environment(vars: impl IntoIterator<Item = (OsString, OsString)>) {
    for (name, _) in std::env::vars_os() {
        std::env::remove_var(name);
    }
    for (name, value) in vars {
        let (n, v) = (name.as_bytes(), value.as_bytes());
        if n.is_empty() || n.contains(&b'=') || n.contains(&0) || v.contains(&0) {
            continue;
        }
        std::env::set_var(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exec_error_statuses() {
        let e = exec_error(OsStr::new("/x"), &io::Error::from_raw_os_error(libc::ENOENT));
        assert_eq!(e.status(), 127);
        assert_eq!(e.message(), "failed to execute /x: No such file or directory");
        let e = exec_error(OsStr::new("/tmp"), &io::Error::from_raw_os_error(libc::EACCES));
        assert_eq!(e.status(), 126);
    }

    #[test]
    fn status_decoding() {
        assert_eq!(ChildStatus::from_raw(7 << 8), ChildStatus::Exited(7));
        assert_eq!(ChildStatus::from_raw(libc::SIGTERM), ChildStatus::Signaled(libc::SIGTERM));
        assert_eq!(ChildStatus::from_raw((libc::SIGSTOP << 8) | 0x7f), ChildStatus::Stopped(libc::SIGSTOP));
    }

    #[test]
    fn the_search_goes_on_past_missing_files_and_reports_what_it_met() {
        // exec only returns on failure, so these are safe to call in a test
        let args = |name: &str| vec![CString::new(name).unwrap()];
        assert_eq!(search_and_exec(b"", &args("")).raw_os_error(), Some(libc::ENOENT));
        assert_eq!(search_and_exec(b"/tmp", &args("/tmp")).raw_os_error(), Some(libc::EACCES));
        let e = exec(&[OsString::from(OsStr::from_bytes(b"/nonexistent/\xff\xfe"))]);
        assert_eq!(e.status(), 127);
        assert_eq!(
            &*bytes::to_bytes(e.message()),
            b"failed to execute /nonexistent/\xff\xfe: No such file or directory"
        );
    }

    #[test]
    fn exec_of_missing_program_fails_with_127() {
        // execvp only returns on failure, so this is safe to call in a test.
        let e = exec(&[OsString::from("/nonexistent/nsutils-test-prog")]);
        assert_eq!(e.status(), 127);
    }
}
