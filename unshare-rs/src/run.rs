//! Carrying out a [`Plan`]: helpers, `unshare(2)`, the fork, waiting, and
//! passing the child's fate on (util-linux HEAD's order of operations).
//!
//! 1. Helpers are forked *before* `unshare(2)`, so they stay in the
//!    original namespaces with the original credentials: one bind-mounts
//!    the namespaces onto their persistence files (so the mounts land in
//!    the caller's mount namespace, also for `--user=FILE`), one writes ID
//!    ranges (directly as root, else via `newuidmap`/`newgidmap`). Each
//!    waits on a close-on-exec socket; if we die first, it reads EOF and
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
//! 6. If anything fails after the bind mounts were made, they are undone
//!    before we exit ([`Rollback`]): a failed run leaves nothing mounted.

use std::ffi::OsString;
use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, Ordering};

use nix::errno::Errno;
use nix::mount::{umount2, MntFlags};
use nix::sched::{self, CloneFlags};
use nix::sys::signal::{self, kill, sigaction, SaFlags, SigAction, SigHandler, SigSet, Signal};
use nix::sys::socket::{send, socketpair, AddressFamily, MsgFlags, SockFlag, SockType};
use nix::unistd::{self, Pid};

use nsutils_common::hints::{namespace_error, Call, Probe};
use nsutils_common::ns::{open_cloexec, NsId};
use nsutils_common::process::{self, exit_now, ChildStatus, Fork, SignalMask};
use nsutils_common::{bytes, sys, Error, Result};

use crate::hints;
use crate::idmap::{self, IdKind};
use crate::kernel::{Kernel, Real};
use crate::options::{EnvPlan, IdMap, Plan};
use crate::setup::{self, Ready};

/// The byte a helper or the child waits for before going on.
const GO: u8 = 6;

/// A connected pair of close-on-exec Unix stream sockets, the channels
/// between us, our helpers and our child: unlike a pipe's, a write to one
/// whose peer is gone fails (`MSG_NOSIGNAL`) instead of raising SIGPIPE,
/// which the caller may have left at its default.
fn socket_pair() -> io::Result<(OwnedFd, OwnedFd)> {
    Ok(socketpair(AddressFamily::Unix, SockType::Stream, None, SockFlag::SOCK_CLOEXEC)?)
}

/// Block until the go-ahead byte arrives; false on EOF (the writer gave up or died).
fn wait_for_go(fd: &OwnedFd) -> bool {
    let mut b = [0u8; 1];
    loop {
        match unistd::read(fd, &mut b) {
            Err(Errno::EINTR) => continue,
            n => return n == Ok(1) && b[0] == GO,
        }
    }
}

fn send_go(fd: &OwnedFd) -> io::Result<()> {
    match send(fd.as_raw_fd(), &[GO], MsgFlags::MSG_NOSIGNAL)? {
        1 => Ok(()),
        _ => Err(Errno::EIO.into()),
    }
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
        let (rx, tx) = socket_pair().map_err(|e| Error::os("socketpair failed", &e))?;
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
        match status {
            // it said nothing: say what became of it
            ChildStatus::Signaled(sig) => Err(Error::msg(format!("helper process killed by signal {sig}"))),
            status => Ok(status_code(status)),
        }
    }

    /// Forget it in a forked child: close our end without waiting.
    fn abandon(mut self) {
        self.go = None;
        self.pid = 0;
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        // closing our end makes it exit without working; reap it
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

/// The side of the persistence bind mounts held by the process that runs
/// the program: it undoes them if the program is never reached.
///
/// The binds are made by a helper forked before `unshare(2)`, in the mount
/// namespace we leave, and only a process there can unmount them again.
/// Once they are made, the helper leaves a watcher behind (its own child,
/// so that it is reparented away from us and the program never inherits it
/// as a child) holding the other end of this socket, which is close-on-exec
/// here, and nothing else. A byte from us means a later step failed: the watcher unmounts
/// everything it bound, and its end closing tells us it is done. End of
/// file without a byte means the program was executed (or we died on the
/// way): the binds stay.
struct Rollback {
    sock: OwnedFd,
}

impl Rollback {
    /// Have the bind mounts undone and wait until they are.
    fn undo(self) {
        if send_go(&self.sock).is_ok() {
            // the watcher's end closes when it is done (or if it died)
            wait_for_go(&self.sock);
        }
    }
}

/// The bind helper: `mount --bind /proc/PID/ns/X FILE` for each namespace.
/// If one fails, those made before it are unmounted again; if all are
/// made, a watcher stays to undo them on request (see [`Rollback`]).
fn bind_namespaces(plan: &Plan, pid: libc::pid_t, watch: OwnedFd) -> i32 {
    let mut k = Real { parent: None };
    let mut bound: Vec<(PathBuf, NsId)> = Vec::new();
    // the files as absolute paths, for unmounting from another directory
    let cwd = std::env::current_dir().ok();
    for (ty, file) in &plan.persist {
        let src = format!("/proc/{pid}/ns/{}", ty.for_children_name());
        // the namespace's identity: what the file shows once bound, and
        // the proof needed to unmount it again
        let id = NsId::of_path(Path::new(&src));
        let mounted = id.and_then(|id| k.mount(&src, file, None, libc::MS_BIND).map(|()| id));
        match mounted {
            Ok(id) => bound.push((cwd.as_ref().map_or_else(|| file.clone(), |d| d.join(file)), id)),
            Err(e) => {
                unmount_all(&bound);
                let msg = format!("mount {src} on {} failed", bytes::path(file));
                return report(Error::os(msg, &e).with_hint(hints::bind(*ty, file, e.raw_os_error())));
            }
        }
    }
    // The watcher holds nothing that would keep a mount busy (`unshare
    // --net=F true && umount F` must work at once): no descriptor on the
    // binds, and its working directory is / from birth (we are reaped
    // before the program runs; it may still be starting then).
    if cwd.is_some() {
        let _ = std::env::set_current_dir("/");
    }
    match process::fork() {
        Ok(Fork::Child) => {
            // nor the caller's standard streams, which a reader waits on
            release_standard_streams();
            if wait_for_go(&watch) {
                unmount_all(&bound);
            }
            exit_now(0)
        }
        Ok(Fork::Parent(_)) => 0,
        Err(e) => {
            unmount_all(&bound);
            report(Error::os("fork failed", &e))
        }
    }
}

/// Unmount the namespace binds made, last first, each only if its file
/// still shows the namespace we bound there (the path may have been made
/// to lead elsewhere meanwhile); detached if busy.
fn unmount_all(bound: &[(PathBuf, NsId)]) {
    for (file, id) in bound.iter().rev() {
        if NsId::of_path(file).ok().as_ref() != Some(id) {
            continue;
        }
        let _ = umount2(file.as_path(), MntFlags::MNT_DETACH);
    }
}

/// Point fds 0–2 at /dev/null (a process that outlives us must not hold
/// the caller's terminal or pipes).
fn release_standard_streams() {
    if let Ok(null) = open_cloexec(Path::new("/dev/null"), libc::O_RDWR) {
        let _ = (unistd::dup2_stdin(&null), unistd::dup2_stdout(&null), unistd::dup2_stderr(&null));
    }
}

/// The ID-map helper: write the ranges of process `pid`.
fn write_id_ranges(plan: &Plan, pid: libc::pid_t) -> i32 {
    let root = unistd::geteuid().is_root();
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
    // kill(2) is async-signal-safe
    if let (true, Ok(sig)) = (pid > 0, Signal::try_from(sig)) {
        let _ = kill(Pid::from_raw(pid), sig);
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
    old_actions: Vec<(Signal, SigAction)>,
}

const HELD: [Signal; 2] = [Signal::SIGINT, Signal::SIGTERM];

impl ParentSignals {
    fn set_up(forward: bool) -> Result<ParentSignals> {
        let mask = SignalMask::block(&HELD.map(|s| s as i32)).map_err(|e| Error::os("sigprocmask block failed", &e))?;
        let mut old_actions = Vec::new();
        if forward {
            for sig in HELD {
                let sa = SigAction::new(SigHandler::Handler(forward_signal), SaFlags::SA_RESTART, SigSet::empty());
                // SAFETY: forward_signal only reads an atomic and calls kill(2).
                let prev = unsafe { sigaction(sig, &sa) }.map_err(|e| Error::sys("sigaction failed", e))?;
                old_actions.push((sig, prev));
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
            let _ = unsafe { sigaction(*sig, sa) };
        }
        self.mask.restore().map_err(|e| Error::os("sigprocmask restore failed", &e))
    }
}

/// Carry out the plan. Returns only on failure or with a status to exit
/// with; success ends in exec (or in exiting like the child).
pub fn execute(plan: Plan) -> Result<i32> {
    // an inherited SIG_IGN would make waitpid fail (and pass to the program)
    // SAFETY: the default disposition runs no handler of ours.
    let _ = unsafe { signal::signal(Signal::SIGCHLD, SigHandler::SigDfl) };
    let me = unistd::getpid().as_raw();

    let (binder, rollback) = if plan.persist.is_empty() {
        (None, None)
    } else {
        let (watch, ours) = socket_pair().map_err(|e| Error::os("socketpair failed", &e))?;
        let plan = &plan;
        let ours_raw = ours.as_raw_fd();
        // (`watch` moves into the helper; our copy closes with the closure)
        let binder = Helper::spawn(move || {
            // our end is not the helper's to hold: the watcher must see end
            // of file once we exec (libc: the OwnedFd is the parent's, and
            // nix closes only what it is given to own)
            // SAFETY: the helper's copy of our descriptor, used by nothing here.
            unsafe { libc::close(ours_raw) };
            bind_namespaces(plan, me, watch)
        })?;
        (Some(binder), Some(Rollback { sock: ours }))
    };
    let has_ranges = matches!(plan.uid_map, IdMap::Ranges(_)) || matches!(plan.gid_map, IdMap::Ranges(_));
    let mapper = if has_ranges { Some(Helper::spawn(|| write_id_ranges(&plan, me))?) } else { None };

    let mut k = Real { parent: None };
    if let Some(owner) = plan.owner {
        setup::become_owner(&mut k, owner)?;
    }
    if let Err(e) = sched::unshare(CloneFlags::from_bits_retain(plan.namespaces.clone_flags())) {
        let hint = namespace_error(Call::Create, e as i32, &plan.types(), &Probe::system());
        return Err(Error::sys("unshare failed", e).with_hint(hint));
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
        return run_program(&plan, None, rollback);
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
        Some(_) => Some(socket_pair().map_err(|e| Error::os("socketpair failed", &e))?),
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
                // no go-ahead: the binds failed (and were undone: no
                // watcher hears us then), or the parent died around them
                if !wait_for_go(&rx) {
                    if let Some(r) = rollback {
                        r.undo();
                    }
                    exit_now(1);
                }
            }
            run_program(&plan, parent_fd, rollback)
        }
        Fork::Parent(child) => {
            CHILD.store(child, Ordering::Relaxed);
            signals.parent_ready()?;
            drop(parent_fd);
            if let (Some(binder), Some((rx, tx))) = (binder, sync) {
                drop(rx);
                let result = binder.run();
                if result != Ok(0) {
                    // no go-ahead: the child exits without running anything
                    drop(tx);
                    let _ = process::wait_pid(child, 0);
                    return result;
                }
                if let Err(e) = send_go(&tx) {
                    // the child is gone before it could run anything
                    if let Some(r) = rollback {
                        r.undo();
                    }
                    return Err(Error::os("write failed", &e));
                }
            }
            // from here the child alone decides (its copy closes at exec)
            drop(rollback);
            let status = process::wait_pid(child, 0).map_err(|e| Error::os("waitpid failed", &e))?;
            process::exit_like(status)
        }
    }
}

/// The last steps in the process that becomes the program; if one fails
/// (exec included), the persistence bind mounts are undone first.
fn run_program(plan: &Plan, parent: Option<OwnedFd>, rollback: Option<Rollback>) -> Result<i32> {
    let err = match prepare_and_exec(plan, parent) {
        Ok(Ready::ParentGone) => None,
        Ok(Ready::Exec) => unreachable!("exec returns only on failure"),
        Err(e) => Some(e),
    };
    if let Some(r) = rollback {
        r.undo();
    }
    match err {
        Some(e) => Err(e),
        None => exit_now(1),
    }
}

/// `prepare_child`, then exec (which returns only with its error).
fn prepare_and_exec(plan: &Plan, parent: Option<OwnedFd>) -> Result<Ready> {
    let mut k = Real { parent };
    if setup::prepare_child(plan, &mut k)? == Ready::ParentGone {
        return Ok(Ready::ParentGone);
    }
    drop(k);
    if let EnvPlan::Only(keep) = &plan.env {
        process::replace_environment(keep.iter().cloned());
    }
    Err(process::exec_program_or_shell(&plan.program))
}
