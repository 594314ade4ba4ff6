//! Carrying out a [`Plan`]: helpers, `unshare(2)`, the fork, waiting, and
//! passing the child's fate on (util-linux HEAD's order of operations).
//!
//! 1. Helpers are forked *before* `unshare(2)`, so they stay in the
//!    original namespaces with the original credentials: one bind-mounts
//!    the namespaces onto their persistence files (so the mounts land in
//!    the caller's mount namespace, also for `--user=FILE`), one writes ID
//!    ranges (directly as root, else via `newuidmap`/`newgidmap`). Each
//!    waits on a close-on-exec pipe; if we die first, it reads EOF and
//!    exits without doing anything.
//! 2. `--owner`, then one `unshare(2)` with every flag.
//! 3. The ID-map helper runs; time offsets are written (before any process
//!    enters the new time namespace).
//! 4. With `--fork`: SIGINT/SIGTERM are blocked (or relayed with
//!    `--forward-signals`), the child is forked, the bind helper runs while
//!    the child waits for the go-ahead, then the parent waits and exits the
//!    way the child did. Without: the bind helper runs and we carry on.
//! 5. In the process that runs the program: the steps of `setup.rs`, the
//!    environment, exec.

use std::ffi::OsString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};

use nsutils_common::hints::{namespace_error, Call, Probe};
use nsutils_common::process::{self, ChildStatus, Fork, SignalMask};
use nsutils_common::{sys, Error, Result};

use crate::hints;
use crate::idmap::{self, IdKind};
use crate::kernel::{Kernel, Real};
use crate::options::{EnvPlan, IdMap, Plan};
use crate::setup::{self, Ready};

/// The byte a helper or the child waits for before going on.
const GO: u8 = 6;

fn pipe_cloexec() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid array of two ints.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel just gave us these descriptors.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// Block until the go-ahead byte arrives; false on EOF (the writer gave up or died).
fn wait_for_go(fd: &OwnedFd) -> bool {
    let mut b = [0u8; 1];
    loop {
        // SAFETY: reading one byte into a valid buffer.
        let n = unsafe { libc::read(fd.as_raw_fd(), b.as_mut_ptr().cast(), 1) };
        if n < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) {
            continue;
        }
        return n == 1 && b[0] == GO;
    }
}

fn send_go(fd: &OwnedFd) -> io::Result<()> {
    // SAFETY: writing one byte from a valid buffer.
    if unsafe { libc::write(fd.as_raw_fd(), [GO].as_ptr().cast(), 1) } != 1 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Leave a forked helper or child without running anything of the
/// parent's (no destructors, no atexit handlers).
fn exit_now(code: i32) -> ! {
    // SAFETY: _exit ends the process at once.
    unsafe { libc::_exit(code) }
}

fn status_code(status: ChildStatus) -> i32 {
    match status {
        ChildStatus::Exited(c) => c,
        ChildStatus::Signaled(s) | ChildStatus::Stopped(s) => 128 + s,
    }
}

/// A forked process that does `work` once told to, and reports by its
/// exit status (its messages go to stderr itself).
struct Helper {
    pid: libc::pid_t,
    go: Option<OwnedFd>,
}

impl Helper {
    fn spawn(work: impl FnOnce() -> i32) -> Result<Helper> {
        let (rx, tx) = pipe_cloexec().map_err(|e| Error::os("pipe failed", &e))?;
        match process::fork().map_err(|e| Error::os("fork failed", &e))? {
            Fork::Child => {
                drop(tx);
                let code = if wait_for_go(&rx) { work() } else { 0 };
                exit_now(code)
            }
            Fork::Parent(pid) => Ok(Helper { pid, go: Some(tx) }),
        }
    }

    /// Let it work and wait for it; its exit status.
    fn run(mut self) -> Result<i32> {
        let tx = self.go.take().expect("helper not yet run");
        let sent = send_go(&tx);
        drop(tx);
        let status = process::wait_pid(self.pid, 0).map_err(|e| Error::os("waitpid failed", &e))?;
        self.pid = 0;
        sent.map_err(|e| Error::os("write failed", &e))?;
        Ok(status_code(status))
    }

    /// Forget it in a forked child: close our end without waiting.
    fn abandon(mut self) {
        self.go = None;
        self.pid = 0;
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        // closing the pipe makes it exit without working; reap it
        self.go = None;
        if self.pid > 0 {
            let _ = process::wait_pid(self.pid, 0);
        }
    }
}

/// Print `e` in a helper and give its exit status.
fn report(e: Error) -> i32 {
    e.print();
    e.status()
}

/// The bind helper: `mount --bind /proc/PID/ns/X FILE` for each namespace.
fn bind_namespaces(plan: &Plan, pid: libc::pid_t) -> i32 {
    let mut k = Real { parent: None };
    for (ty, file) in &plan.persist {
        let src = format!("/proc/{pid}/ns/{}", ty.for_children_name());
        if let Err(e) = k.mount(&src, file, None, libc::MS_BIND) {
            let msg = format!("mount {src} on {} failed", file.display());
            return report(Error::os(msg, &e).with_hint(hints::bind(*ty, file, e.raw_os_error())));
        }
    }
    0
}

/// The ID-map helper: write the ranges of process `pid`.
fn write_id_ranges(plan: &Plan, pid: libc::pid_t) -> i32 {
    // SAFETY: geteuid cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    for (kind, map) in [(IdKind::User, &plan.uid_map), (IdKind::Group, &plan.gid_map)] {
        let IdMap::Ranges(ranges) = map else { continue };
        let code = if root {
            let path = std::path::PathBuf::from(format!("/proc/{pid}/{}", kind.map_file()));
            let mut k = Real { parent: None };
            match k.write_file(&path, idmap::map_text(ranges).as_bytes()) {
                Ok(()) => 0,
                Err(e) => {
                    let hint = hints::map_write(e.errno());
                    // util-linux words a range map's failed write otherwise
                    // than a single map's (`write failed PATH`)
                    let err = match e {
                        crate::kernel::WriteError::Write(e) => {
                            Error::os(format!("failed to write {}", nsutils_common::bytes::path(&path)), &e)
                        }
                        e => setup::write_error(&path, e),
                    };
                    report(err.with_hint(hint))
                }
            }
        } else {
            run_id_helper(kind, pid, ranges)
        };
        if code != 0 {
            return code;
        }
    }
    0
}

/// `newuidmap PID inner outer count …` (or newgidmap); its exit status.
fn run_id_helper(kind: IdKind, pid: libc::pid_t, ranges: &[idmap::IdRange]) -> i32 {
    let mut argv = vec![OsString::from(kind.helper())];
    argv.extend(idmap::helper_args(pid, ranges).into_iter().map(OsString::from));
    match process::fork() {
        Err(e) => report(Error::os("fork failed", &e)),
        Ok(Fork::Child) => {
            let e = process::exec(&argv);
            let errno = if e.status() == process::EXIT_NOT_FOUND { Some(libc::ENOENT) } else { None };
            exit_now(report(e.with_hint(hints::id_helper(kind.helper(), errno))))
        }
        Ok(Fork::Parent(child)) => match process::wait_pid(child, 0) {
            Ok(status) => idmap::helper_outcome(kind, status).unwrap_or_else(report),
            Err(e) => report(Error::os("waitpid failed", &e)),
        },
    }
}

/// The child's pid, for the `--forward-signals` handler.
static CHILD: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward_signal(sig: libc::c_int) {
    let pid = CHILD.load(Ordering::Relaxed);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe.
        unsafe { libc::kill(pid, sig) };
    }
}

/// How the waiting parent treats SIGINT and SIGTERM, undone in the child.
///
/// Both are blocked before the fork. With `--forward-signals` the parent
/// unblocks them again once it knows the child's pid, so a signal that
/// arrives around the fork is relayed rather than lost.
struct ParentSignals {
    mask: SignalMask,
    /// The actions replaced by the forwarding handler.
    old_actions: Vec<(i32, libc::sigaction)>,
}

const HELD: [i32; 2] = [libc::SIGINT, libc::SIGTERM];

impl ParentSignals {
    fn set_up(forward: bool) -> Result<ParentSignals> {
        let mask = SignalMask::block(&HELD).map_err(|e| Error::os("sigprocmask block failed", &e))?;
        let mut old_actions = Vec::new();
        if forward {
            for sig in HELD {
                // SAFETY: a zeroed sigaction is valid; we fill handler, mask, flags.
                unsafe {
                    let mut sa: libc::sigaction = std::mem::zeroed();
                    sa.sa_sigaction = forward_signal as extern "C" fn(libc::c_int) as usize;
                    sa.sa_flags = libc::SA_RESTART;
                    libc::sigemptyset(&mut sa.sa_mask);
                    let mut prev: libc::sigaction = std::mem::zeroed();
                    if libc::sigaction(sig, &sa, &mut prev) < 0 {
                        return Err(Error::os("sigaction failed", &io::Error::last_os_error()));
                    }
                    old_actions.push((sig, prev));
                }
            }
        }
        Ok(ParentSignals { mask, old_actions })
    }

    /// In the parent, once `CHILD` is set: start relaying (forwarding only;
    /// otherwise the signals stay blocked while we wait).
    fn parent_ready(&self) -> Result<()> {
        if self.old_actions.is_empty() {
            return Ok(());
        }
        self.mask.restore().map_err(|e| Error::os("sigprocmask restore failed", &e))
    }

    /// In the child: back to the actions and mask we inherited.
    fn undo(self) -> Result<()> {
        for (sig, sa) in &self.old_actions {
            // SAFETY: restoring an action the kernel gave us.
            unsafe { libc::sigaction(*sig, sa, std::ptr::null_mut()) };
        }
        self.mask.restore().map_err(|e| Error::os("sigprocmask restore failed", &e))
    }
}

/// Carry out the plan. Returns only on failure or with a status to exit
/// with; success ends in exec (or in exiting like the child).
pub fn execute(plan: Plan) -> Result<i32> {
    // an inherited SIG_IGN would make waitpid fail (and pass to the program)
    // SAFETY: setting a disposition to default.
    unsafe { libc::signal(libc::SIGCHLD, libc::SIG_DFL) };
    // SAFETY: getpid cannot fail.
    let me = unsafe { libc::getpid() };

    let binder = if plan.persist.is_empty() { None } else { Some(Helper::spawn(|| bind_namespaces(&plan, me))?) };
    let has_ranges = matches!(plan.uid_map, IdMap::Ranges(_)) || matches!(plan.gid_map, IdMap::Ranges(_));
    let mapper = if has_ranges { Some(Helper::spawn(|| write_id_ranges(&plan, me))?) } else { None };

    let mut k = Real { parent: None };
    if let Some(owner) = plan.owner {
        setup::become_owner(&mut k, owner)?;
    }
    // SAFETY: unshare with flags only.
    if unsafe { libc::unshare(plan.namespaces.clone_flags()) } < 0 {
        let e = io::Error::last_os_error();
        let hint = namespace_error(Call::Create, e.raw_os_error().unwrap_or(0), &plan.types(), &Probe::system());
        return Err(Error::os("unshare failed", &e).with_hint(hint));
    }
    if let Some(mapper) = mapper {
        let code = mapper.run()?;
        if code != 0 {
            return Ok(code);
        }
    }
    setup::set_time_offsets(&plan, &mut k)?;

    if !plan.fork {
        if let Some(binder) = binder {
            let code = binder.run()?;
            if code != 0 {
                return Ok(code);
            }
        }
        return run_program(&plan, None);
    }

    let signals = ParentSignals::set_up(plan.forward_signals)?;
    // HEAD: the child checks through a pidfd that we did not die before it
    // armed PDEATHSIG (getppid() says nothing across a PID namespace)
    let parent_fd = match plan.kill_child {
        Some(_) => sys::pidfd_open(me).ok(),
        None => None,
    };
    // with persistence the child waits until the bind mounts are done, so
    // a failure leaves nothing running
    let sync = match binder {
        Some(_) => Some(pipe_cloexec().map_err(|e| Error::os("pipe failed", &e))?),
        None => None,
    };
    match process::fork().map_err(|e| Error::os("fork failed", &e))? {
        Fork::Child => {
            signals.undo()?;
            if let Some(b) = binder {
                b.abandon();
            }
            if let Some((rx, tx)) = sync {
                drop(tx);
                if !wait_for_go(&rx) {
                    exit_now(1);
                }
            }
            run_program(&plan, parent_fd)
        }
        Fork::Parent(child) => {
            CHILD.store(child, Ordering::Relaxed);
            signals.parent_ready()?;
            drop(parent_fd);
            if let (Some(binder), Some((rx, tx))) = (binder, sync) {
                drop(rx);
                let code = binder.run()?;
                if code != 0 {
                    drop(tx);
                    let _ = process::wait_pid(child, 0);
                    return Ok(code);
                }
                send_go(&tx).map_err(|e| Error::os("write failed", &e))?;
            }
            let status = process::wait_pid(child, 0).map_err(|e| Error::os("waitpid failed", &e))?;
            process::exit_like(status)
        }
    }
}

/// The last steps in the process that becomes the program.
fn run_program(plan: &Plan, parent: Option<OwnedFd>) -> Result<i32> {
    let mut k = Real { parent };
    if setup::prepare_child(plan, &mut k)? == Ready::ParentGone {
        exit_now(1);
    }
    drop(k);
    if let EnvPlan::Only(keep) = &plan.env {
        process::replace_environment(keep.iter().cloned());
    }
    Err(process::exec_program_or_shell(&plan.program))
}
