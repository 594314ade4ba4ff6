//! Carrying out a [`Plan`].
//!
//! 1. **Open everything first** ("tunnel"): namespace files and IDs given on
//!    the command line (the files and directories were opened, relative to
//!    our working directory, when their options were read), the target's
//!    pidfd, its namespaces, root, working directory, environment, cgroup
//!    and `/proc/PID` — while paths still resolve in our own mount
//!    namespace. With `PID:INODE` the pidfd must have that inode; after
//!    the `/proc/PID/...` opens, the pidfd is asked whether the process is
//!    still alive, so a recycled PID can never slip in between (without a
//!    pidfd, its `/proc/PID/stat` opened first stands for it). A zombie
//!    counts as gone: it has left its namespaces, and a missing
//!    `/proc/PID/ns/X` of a type the kernel has means just that, never
//!    "skip this type", which would run the program in our own namespaces.
//!    Namespaces entered from files one by one are checked once more
//!    after entering: the target must still be alive.
//! 2. **Enter** the namespaces ([`crate::enter`]): the target's through its
//!    pidfd in one `setns(2)` (Linux 5.8), falling back to
//!    `/proc/PID/ns/*` files where pidfds cannot be used.
//! 3. Root, working directory, environment, cgroup.
//! 4. **Drop every descriptor we opened**, so neither the program nor a
//!    waiting parent holds anything that points back into our mount
//!    namespace (the runc CVE-2024-21626 class of escape). All of them are
//!    close-on-exec as well.
//! 5. Fork if a PID namespace was entered (it applies to children only);
//!    the parent passes the child's exit status or fatal signal on.
//! 6. Credentials, capabilities, exec.

use std::ffi::OsString;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStringExt;
use std::path::{Path, PathBuf};

use nix::fcntl::OFlag;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::prctl;
use nix::sys::signal::{self, SigHandler, Signal};
use nix::sys::stat::Mode;
use nix::unistd::{self, Gid, Pid, Uid};

use nsutils_common::hints::{self, Call, Probe};
use nsutils_common::ns::{fstat, open_cloexec, proc_ns_path, NsFile, NsId, NsSet, NsType, PidFd};
use nsutils_common::process::{self, ChildStatus, Fork};
use nsutils_common::{bytes, caps, Error, Result};

use crate::cgroup;
use crate::enter::{self, Setns, Step};
use crate::options::{DirArg, Given, IdArg, NsSource, Plan, Target};

/// Where one [`Step`] enters from.
enum Source {
    /// A namespace file (given, or derived from the target).
    File(NsFile),
    /// The target's pidfd, with the `CLONE_NEW*` flags of the step.
    PidFd,
}

/// Everything opened before entering; dropped (closed) before fork/exec.
#[derive(Default)]
struct Opened {
    pidfd: Option<PidFd>,
    steps: Vec<Step>,
    sources: Vec<Source>,
    /// Per step: whether it would re-enter the user namespace we are in.
    reenters_own_user: Vec<bool>,
    root: Option<OwnedFd>,
    wd: Option<OwnedFd>,
    environ: Option<Vec<(OsString, OsString)>>,
    cgroup_procs: Option<(OwnedFd, PathBuf)>,
    proc_dir: Option<OwnedFd>,
    /// Whether namespaces of the target are entered from its `/proc/PID/ns` files.
    from_target: bool,
    /// Without a pidfd: the target's `/proc/PID/stat`, opened first.
    stat: Option<OwnedFd>,
}

impl Opened {
    fn push(&mut self, types: NsSet, source: Source, reenters_own_user: bool) {
        let via_pidfd = matches!(source, Source::PidFd);
        self.steps.push(Step { types, via_pidfd });
        self.sources.push(source);
        self.reenters_own_user.push(reenters_own_user);
    }

    fn entering(&self, ty: NsType) -> bool {
        self.steps.iter().any(|s| s.types.contains(ty))
    }
}

impl Setns for Opened {
    fn setns(&mut self, index: usize) -> io::Result<()> {
        match &self.sources[index] {
            Source::File(f) => f.enter(self.steps[index].types.first()),
            Source::PidFd => {
                let flags = self.steps[index].types.clone_flags();
                self.pidfd.as_ref().expect("pidfd step without pidfd").enter(flags)
            }
        }
    }
}

/// Run the plan. Returns only the exit status of a forked child, or an
/// error; otherwise the process becomes the program.
pub fn execute(mut plan: Plan) -> Result<i32> {
    let mut opened = open_everything(&mut plan)?;
    let entering_user = opened.entering(NsType::User);

    // Entering a user namespace makes us root in it and drops the
    // supplementary groups, unless --preserve-credentials. The groups are
    // dropped now, while we may still be privileged outside.
    let mut creds =
        Credentials { uid: plan.setuid, gid: plan.setgid, entered_user: entering_user, groups_dropped_early: false };
    if entering_user && !plan.preserve_credentials {
        creds.uid.get_or_insert(IdArg::Id(0));
        creds.gid.get_or_insert(IdArg::Id(0));
        creds.groups_dropped_early = set_no_groups().is_ok();
    }

    enter_namespaces(&mut opened, plan.target)?;
    // Entered from its files one by one (not in one setns(2) through the
    // pidfd, which fails once the target has exited): it must still be
    // alive now that all are entered, or we would run the program in the
    // namespaces of a process that no longer exists, as util-linux 2.38.1
    // may.
    if let Some(t) = plan.target.filter(|_| opened.from_target) {
        if !opened.target_is_alive() {
            return Err(target_gone(t.pid, true));
        }
    }
    change_directories(&plan, &mut opened)?;
    if let Some(env) = opened.environ.take() {
        process::replace_environment(env);
    }
    if let Some((fd, path)) = opened.cgroup_procs.take() {
        join_cgroup(fd, &path)?;
    }
    let ids = creds.resolve(opened.proc_dir.as_ref())?;
    let forks = plan.forks(opened.entering(NsType::Pid));
    // Nothing we opened may survive into the program or the waiting parent.
    drop(opened);

    if forks {
        // An inherited SIG_IGN for SIGCHLD would have the kernel reap the
        // child at once and waitpid fail; util-linux sets the default
        // before forking too, so the program gets it as well (it keeps an
        // ignored SIGCHLD only when nothing forks).
        // SAFETY: the default disposition runs no handler of ours.
        let _ = unsafe { signal::signal(Signal::SIGCHLD, SigHandler::SigDfl) };
        match process::fork().map_err(|e| Error::os("fork failed", &e))? {
            Fork::Parent(child) => return wait_for(child),
            Fork::Child => {}
        }
    }
    creds.apply(ids, plan.keep_caps)?;
    Err(process::exec_program_or_shell(&plan.program))
}

/// Step 1: open everything, in util-linux's order, and pin the target.
/// The files and directories named on the command line were opened when
/// their options were read; they move from the plan into what is opened.
fn open_everything(plan: &mut Plan) -> Result<Opened> {
    let mut opened = Opened::default();

    // Files and IDs given on the command line.
    let asked: NsSet = plan.namespaces.keys().copied().collect();
    let mut from_target: NsSet =
        plan.namespaces.iter().filter(|(_, s)| matches!(s, NsSource::Target)).map(|(t, _)| *t).collect();
    let mut given: Vec<(NsType, NsFile)> = Vec::new();
    for (ty, source) in std::mem::take(&mut plan.namespaces) {
        match source {
            NsSource::Target => {}
            NsSource::File(file) => {
                let f = NsFile::from_fd(file.fd);
                check_type(&f, ty, &bytes::path(&file.path).to_string())?;
                given.push((ty, f));
            }
            NsSource::Id(id) => given.push((ty, open_by_id(id, ty)?)),
        }
    }

    // The target: a pidfd when we can get one. Without an inode to check
    // we fall back to /proc/PID files when pidfd_open fails, as util-linux;
    // then its start time tells it from a later process with its PID.
    let mut pidfd_error = None;
    if let Some(t) = plan.target {
        match PidFd::open(t.pid) {
            Ok(fd) => {
                if let Some(inode) = t.inode {
                    if fd.inode().ok() != Some(inode) {
                        let hint = format!("process {} is not the one whose pidfd inode is {inode}", t.pid);
                        return Err(no_pidfd(t.pid, &io::Error::from_raw_os_error(libc::ESRCH)).with_hint(Some(hint)));
                    }
                }
                opened.pidfd = Some(fd);
            }
            Err(e) if t.inode.is_some() => return Err(no_pidfd(t.pid, &e)),
            Err(e) => pidfd_error = Some(e),
        }
    }
    if let (None, Some(t)) = (&opened.pidfd, plan.target) {
        opened.stat = open_cloexec(&PathBuf::from(format!("/proc/{}/stat", t.pid)), libc::O_RDONLY).ok();
    }

    // The namespaces taken from the target: explicit ones, then --all.
    if let (true, Some(t)) = (plan.all, plan.target) {
        for ty in NsType::ENTER_ORDER {
            let overridden = asked.contains(ty) || (ty == NsType::Net && plan.net_socket.is_some());
            if !overridden && target_has_other(t.pid, ty)? {
                from_target.insert(ty);
            }
        }
    }

    // -N: the network namespace of one of the target's sockets.
    if let (Some(fd), Some(t)) = (plan.net_socket, plan.target) {
        let Some(pidfd) = opened.pidfd.as_ref() else {
            let e = pidfd_error.take().unwrap_or_else(|| io::Error::from_raw_os_error(libc::ENOSYS));
            return Err(no_pidfd(t.pid, &e));
        };
        given.push((NsType::Net, socket_namespace(pidfd, fd, t.pid)?));
    }

    // --user-parent: the user namespace becomes the parent of the one we
    // would enter, or the owner of another namespace we enter.
    if plan.user_parent {
        let user = parent_user_namespace(plan, &mut given, &mut from_target)?;
        given.push((NsType::User, user));
    }

    // Target namespaces through the pidfd in one step where setns(2)
    // takes pidfds, else file by file.
    if let Some(t) = plan.target.filter(|_| !from_target.is_empty()) {
        let use_pidfd = opened.pidfd.is_some() && setns_takes_pidfds();
        if use_pidfd {
            let reenters = from_target.contains(NsType::User)
                && is_own_user_ns(NsId::of_path(&proc_ns_path(Some(t.pid), NsType::User.name())).ok());
            opened.push(from_target, Source::PidFd, reenters);
        } else {
            opened.from_target = true;
            for ty in from_target {
                let f = open_target_ns(t.pid, ty)?;
                let reenters = ty == NsType::User && is_own_user_ns(f.id().ok());
                opened.push(NsSet::of(ty), Source::File(f), reenters);
            }
        }
    }
    for (ty, f) in given {
        let reenters = ty == NsType::User && is_own_user_ns(f.id().ok());
        opened.push(NsSet::of(ty), Source::File(f), reenters);
    }

    // Directories, environment, cgroup, /proc/PID — still in our mount ns.
    let target_pid = plan.target.map(|t| t.pid);
    let proc_file = |name: &str| PathBuf::from(format!("/proc/{}/{name}", target_pid.unwrap_or(0)));
    let dir_flags = libc::O_RDONLY | libc::O_DIRECTORY;
    opened.root = match plan.root.take() {
        None => None,
        Some(DirArg::Target) => Some(open_path(&proc_file("root"), dir_flags, target_pid)?),
        Some(DirArg::Path(dir)) => Some(given_dir(dir, CHDIR_ROOT_FAILED)?),
    };
    opened.wd = match plan.wd.take() {
        None => None,
        Some(DirArg::Target) => Some(open_path(&proc_file("cwd"), dir_flags, target_pid)?),
        Some(DirArg::Path(dir)) => Some(given_dir(dir, CHDIR_WD_FAILED)?),
    };
    if plan.env {
        let path = proc_file("environ");
        let data = std::fs::read(&path).map_err(|e| open_error(&path, &e, target_pid))?;
        opened.environ = Some(environ_vars(&data)?);
    }
    if plan.join_cgroup {
        opened.cgroup_procs = Some(open_cgroup_procs(&proc_file("cgroup"), target_pid)?);
    }
    let follows = plan.setuid == Some(IdArg::Follow) || plan.setgid == Some(IdArg::Follow);
    if follows {
        let path = proc_file("");
        opened.proc_dir = Some(open_path(&path, libc::O_PATH | libc::O_DIRECTORY, target_pid)?);
    }
    if plan.follow_context {
        follow_selinux_context(target_pid.unwrap_or(0))?;
    }

    // The pin: everything under /proc/PID was opened while the process we
    // hold was alive (not yet a zombie), so the PID still named it and its
    // files were the live ones.
    if let Some(t) = plan.target {
        if !opened.target_is_alive() {
            return Err(target_gone(t.pid, !from_target.is_empty()));
        }
    }
    Ok(opened)
}

impl Opened {
    /// Whether the target has neither exited (a zombie included: it keeps
    /// its PID but has already left its namespaces) nor been replaced by
    /// another process with its PID. A pidfd polls readable once its
    /// process has exited (`pidfd_open(2)`). Without one, the
    /// `/proc/PID/stat` opened first stands for the process: reading it
    /// fails once that process is gone, whoever has its PID now, and shows
    /// a zombie's state.
    fn target_is_alive(&self) -> bool {
        if let Some(fd) = &self.pidfd {
            return poll(&mut [PollFd::new(fd.as_fd(), PollFlags::POLLIN)], PollTimeout::ZERO) == Ok(0);
        }
        let Some(stat) = &self.stat else { return false };
        let mut buf = [0u8; 1024];
        let n = nix::sys::uio::pread(stat, &mut buf, 0);
        n.ok().and_then(|n| stat_state(&buf[..n])).is_some_and(is_living)
    }
}

/// Whether a `/proc/PID/stat` state letter is a process that has not exited.
fn is_living(state: u8) -> bool {
    !matches!(state, b'Z' | b'X' | b'x')
}

/// The state letter of a `/proc/PID/stat` line (`proc_pid_stat(5)`, field
/// 3; the command name before it may hold spaces and parentheses, so it is
/// the first field after the last `)`).
fn stat_state(stat: &[u8]) -> Option<u8> {
    let close = stat.iter().rposition(|&b| b == b')')?;
    stat[close + 1..].iter().copied().find(|&b| b != b' ')
}

/// The state letter of process `pid`, if it exists.
fn proc_state(pid: libc::pid_t) -> Option<u8> {
    stat_state(&std::fs::read(format!("/proc/{pid}/stat")).ok()?)
}

/// The target exited (or became a zombie) while we opened its files: what
/// HEAD says when setns(2) through its pidfd fails so, or, with no
/// namespace of the target to enter, util-linux 2.43's message for a PID
/// that cannot be pinned.
fn target_gone(pid: libc::pid_t, entering_its_namespaces: bool) -> Error {
    let hint = Some(format!("process {pid} has exited (or is a zombie): there are no namespaces left to enter"));
    let esrch = io::Error::from_raw_os_error(libc::ESRCH);
    if entering_its_namespaces {
        Error::os("reassociate to namespaces failed", &esrch).with_hint(hint)
    } else {
        no_pidfd(pid, &esrch).with_hint(hint)
    }
}

/// Whether `id` is the user namespace we are in, which setns(2) refuses to
/// enter again (said in a hint when it does). Only asked about user
/// namespace steps, so other calls do not pay for the stat.
fn is_own_user_ns(id: Option<NsId>) -> bool {
    id.is_some() && id == NsId::of_path(&proc_ns_path(None, NsType::User.name())).ok()
}

/// util-linux 2.43's message when the target cannot be pinned.
fn no_pidfd(pid: libc::pid_t, err: &io::Error) -> Error {
    let hint = (err.raw_os_error() == Some(libc::ESRCH)).then(|| format!("no process with PID {pid} exists"));
    Error::os(format!("failed to obtain a valid file descriptor for PID {pid}"), err).with_hint(hint)
}

/// `cannot open PATH: cause`, with a hint about the target when it explains
/// the failure.
fn open_error(path: &Path, err: &io::Error, pid: Option<libc::pid_t>) -> Error {
    Error::os(format!("cannot open {}", bytes::path(path)), err).with_hint(pid.and_then(|p| target_hint(p, err)))
}

fn target_hint(pid: libc::pid_t, err: &io::Error) -> Option<String> {
    match err.raw_os_error() {
        Some(libc::ENOENT | libc::ESRCH) if !Path::new(&format!("/proc/{pid}")).exists() => {
            Some(format!("no process with PID {pid} exists (in this PID namespace)"))
        }
        Some(libc::ENOENT | libc::ESRCH) if proc_state(pid).is_some_and(|s| !is_living(s)) => {
            Some(format!("process {pid} has exited (or is a zombie): there are no namespaces left to enter"))
        }
        Some(libc::EACCES | libc::EPERM) => Some(format!(
            "only the owner of process {pid} or a user with CAP_SYS_PTRACE may open its namespaces and files"
        )),
        _ => None,
    }
}

/// util-linux's messages when changing to the root or working directory
/// fails.
const CHDIR_ROOT_FAILED: &str = "change directory by root file descriptor failed";
const CHDIR_WD_FAILED: &str = "change directory by working directory file descriptor failed";

/// A directory named on the command line (opened when its option was read):
/// refused before entering anything when it is none, with util-linux's
/// message for the change of directory that would fail (`chdir_failed`).
fn given_dir(dir: Given, chdir_failed: &str) -> Result<OwnedFd> {
    match fstat(dir.fd.as_fd()) {
        Ok(st) if st.st_mode & libc::S_IFMT == libc::S_IFDIR => Ok(dir.fd),
        Ok(_) => Err(Error::errno(chdir_failed, libc::ENOTDIR)),
        Err(e) => Err(open_error(&dir.path, &e, None)),
    }
}

fn open_path(path: &Path, flags: libc::c_int, pid: Option<libc::pid_t>) -> Result<OwnedFd> {
    open_cloexec(path, flags).map_err(|e| open_error(path, &e, pid))
}

fn open_target_ns(pid: libc::pid_t, ty: NsType) -> Result<NsFile> {
    NsFile::open_proc(Some(pid), ty, false).map_err(|e| open_error(&proc_ns_path(Some(pid), ty.name()), &e, Some(pid)))
}

/// util-linux's message when `setns(2)` of one namespace file fails.
fn reassociate_error(ty: NsType, errno: i32) -> Error {
    Error::errno(format!("reassociate to namespace 'ns/{}' failed", ty.name()), errno)
}

/// A namespace file must be one, of the type asked for; setns(2) would
/// only say "Invalid argument", so say what is wrong before entering.
fn check_type(f: &NsFile, ty: NsType, what: &str) -> Result<()> {
    if !f.is_nsfs() {
        return Err(reassociate_error(ty, libc::EINVAL).with_hint(Some(format!(
            "{what} is not a namespace file (like /proc/PID/ns/{} or a bind mount of it)",
            ty.name()
        ))));
    }
    match f.ns_type() {
        Ok(actual) if actual != ty => Err(reassociate_error(ty, libc::EINVAL)
            .with_hint(Some(format!("{what} is a {actual} namespace, not a {ty} namespace")))),
        _ => Ok(()),
    }
}

/// `--TYPE=:ID`: a namespace by its 64-bit ID (Linux 6.19).
fn open_by_id(id: u64, ty: NsType) -> Result<NsFile> {
    match NsFile::open_by_id(id, ty) {
        Ok(f) => {
            check_type(&f, ty, &format!(":{id}"))?;
            Ok(f)
        }
        Err(_) if !kernel_at_least(6, 19) => Err(Error::msg(format!(
            "cannot open :{id}: opening a namespace by ID needs Linux 6.19 or later (this is {})",
            kernel_release()
        ))
        .with_hint(Some(format!(
            "use a namespace file instead, e.g. --{}=/proc/PID/ns/{}",
            ty.long_option(),
            ty.name()
        )))),
        Err(e) => {
            let hint = (e.raw_os_error() == Some(libc::ESTALE)).then(|| format!("no {ty} namespace has ID {id}"));
            Err(Error::os(format!("cannot open :{id}"), &e).with_hint(hint))
        }
    }
}

/// For `--all`: whether the target has a namespace of type `ty` that is
/// not ours. Shared namespaces are skipped: setns(2) refuses to re-enter
/// our own user namespace, and entering a shared namespace owned by a more
/// privileged user namespace (the cgroup namespace of a rootless
/// container, say) would fail after the user namespace was entered.
fn target_has_other(pid: libc::pid_t, ty: NsType) -> Result<bool> {
    let path = proc_ns_path(Some(pid), ty.name());
    match NsId::of_path(&path) {
        Ok(theirs) => Ok(NsId::of_path(&proc_ns_path(None, ty.name())).ok() != Some(theirs)),
        // the kernel lacks this type: we have no such file either
        Err(e) if e.kind() == io::ErrorKind::NotFound && !proc_ns_path(None, ty.name()).exists() => Ok(false),
        // the kernel has it and the process exists, but not its file: it
        // has exited and is a zombie (or is exiting). Enter it anyway, so
        // that the entering (or the pin) reports it, as HEAD does: skipping
        // every type would run the program in our own namespaces.
        Err(e) if e.kind() == io::ErrorKind::NotFound && Path::new(&format!("/proc/{pid}")).exists() => Ok(true),
        Err(e) => Err(Error::os(format!("stat of {} failed", bytes::path(&path)), &e).with_hint(target_hint(pid, &e))),
    }
}

/// `-N FD`: the network namespace of the target's socket FD.
fn socket_namespace(pidfd: &PidFd, fd: i32, pid: libc::pid_t) -> Result<NsFile> {
    let sock = pidfd.get_fd(fd).map_err(|e| {
        let hint = match e.raw_os_error() {
            Some(libc::EBADF) => Some(format!("process {pid} has no file descriptor {fd}")),
            Some(libc::EPERM) => Some(format!("taking a descriptor of process {pid} needs ptrace access to it")),
            _ => None,
        };
        Error::os(format!("pidfd_getfd({}, {fd})", pidfd.as_fd().as_raw_fd()), &e).with_hint(hint)
    })?;
    NsFile::of_socket(sock.as_fd()).map_err(|e| {
        let hint = matches!(e.raw_os_error(), Some(libc::ENOTTY | libc::ENOTSOCK | libc::EINVAL))
            .then(|| format!("file descriptor {fd} of process {pid} is not a socket"));
        Error::os(format!("ioctl({}, SIOCGSKNS)", sock.as_raw_fd()), &e).with_hint(hint)
    })
}

/// `--user-parent`: with a user namespace to enter, its parent replaces it;
/// otherwise the user namespace that owns the first namespace we enter
/// (or the target's user namespace's parent, when there is none).
fn parent_user_namespace(plan: &Plan, given: &mut Vec<(NsType, NsFile)>, from_target: &mut NsSet) -> Result<NsFile> {
    let pid = plan.target.map(|t| t.pid);
    let parent_of = |f: &NsFile| f.parent().map_err(|e| Error::os("failed to open parent namespace", &e));
    if let Some(i) = given.iter().position(|(t, _)| *t == NsType::User) {
        let (_, user) = given.remove(i);
        return parent_of(&user);
    }
    if let (true, Some(pid)) = (from_target.remove(NsType::User), pid) {
        return parent_of(&open_target_ns(pid, NsType::User)?);
    }
    let first_given = given.iter().min_by_key(|(t, _)| NsType::ENTER_ORDER.iter().position(|o| o == t));
    let first_target = from_target.first();
    let owner_of = |f: &NsFile, ty: NsType| {
        f.user_ns().map_err(|e| Error::os(format!("cannot get the user namespace owning ns/{}", ty.name()), &e))
    };
    match (first_given, first_target, pid) {
        (Some((ty, f)), _, _) => owner_of(f, *ty),
        (None, Some(ty), Some(pid)) => owner_of(&open_target_ns(pid, ty)?, ty),
        (None, _, Some(pid)) => parent_of(&open_target_ns(pid, NsType::User)?),
        // Plan::validate rules this out
        (None, _, None) => Err(Error::msg("no target PID specified for --user-parent")),
    }
}

/// Open the `cgroup.procs` of the target's cgroup v2 (see [`crate::cgroup`]).
fn open_cgroup_procs(proc_cgroup: &Path, pid: Option<libc::pid_t>) -> Result<(OwnedFd, PathBuf)> {
    let read = |path: &Path, pid| std::fs::read(path).map_err(|e| open_error(path, &e, pid));
    let target = read(proc_cgroup, pid)?;
    let own = read(Path::new("/proc/self/cgroup"), None)?;
    let mounts = cgroup::cgroup2_mounts(&read(Path::new("/proc/self/mountinfo"), None)?);
    let file = cgroup::join_file(&target, &own, &mounts, proc_cgroup)?;
    let fd = open_path(&file, libc::O_WRONLY, None)?;
    Ok((fd, file))
}

fn join_cgroup(fd: OwnedFd, path: &Path) -> Result<()> {
    let pid = std::process::id().to_string();
    match unistd::write(&fd, pid.as_bytes()) {
        Err(e) => Err(Error::sys(format!("failed to join cgroup {}", bytes::path(path)), e)),
        Ok(_) => Ok(()),
    }
}

/// `-Z`: run the program in the target's SELinux context
/// (`/proc/PID/attr/current` → `/proc/thread-self/attr/exec`, what
/// libselinux's getpidcon/setexeccon do).
fn follow_selinux_context(pid: libc::pid_t) -> Result<()> {
    if !Path::new("/sys/fs/selinux/enforce").exists() {
        return Err(Error::msg("--follow-context needs SELinux, which is not enabled on this system"));
    }
    let current = PathBuf::from(format!("/proc/{pid}/attr/current"));
    let ctx = std::fs::read(&current).map_err(|e| open_error(&current, &e, Some(pid)))?;
    let ctx: Vec<u8> = ctx.into_iter().take_while(|&b| b != 0 && b != b'\n').collect();
    std::fs::write("/proc/thread-self/attr/exec", &ctx)
        .map_err(|e| Error::os(format!("failed to set exec context to {}", bytes::Raw(&ctx)), &e))
}

/// Step 2, with util-linux's messages and one line of advice.
fn enter_namespaces(opened: &mut Opened, target: Option<Target>) -> Result<()> {
    let steps = opened.steps.clone();
    enter::enter_namespaces(&steps, opened).map_err(|f| {
        let step = &steps[f.index];
        let errno = f.error.raw_os_error().unwrap_or(libc::EINVAL);
        let err = match step.types.first() {
            Some(ty) if !step.via_pidfd => reassociate_error(ty, errno),
            _ => Error::errno("reassociate to namespaces failed", errno),
        };
        let hint = if errno == libc::EINVAL && opened.reenters_own_user[f.index] {
            Some("that is the user namespace we are in, which setns(2) cannot enter again".to_string())
        } else if errno == libc::ESRCH && step.via_pidfd {
            target.map(|t| format!("process {} has exited", t.pid))
        } else {
            hints::namespace_error(Call::Enter, errno, &step.types.iter().collect::<Vec<_>>(), &Probe::system())
        };
        err.with_hint(hint)
    })
}

/// Step 3: root and working directory.
///
/// `-r` without `-w`/`-W` keeps the working directory we had after entering
/// (util-linux restores it blindly). A working directory outside the new
/// root would let the program walk out of it with `..`; it is kept only
/// when it lies below the new root, else the program starts at `/`.
fn change_directories(plan: &Plan, opened: &mut Opened) -> Result<()> {
    if let Some(root) = opened.root.take() {
        let keep_cwd = opened.wd.is_none() && plan.wdns.is_none();
        let cwd = if keep_cwd { open_cloexec(Path::new("."), libc::O_PATH | libc::O_DIRECTORY).ok() } else { None };
        fchdir(&root).map_err(|e| Error::os(CHDIR_ROOT_FAILED, &e))?;
        chroot_here().map_err(|e| Error::os("chroot failed", &e))?;
        std::env::set_current_dir("/").map_err(|e| Error::os("cannot change directory to /", &e))?;
        if let Some(cwd) = cwd.filter(is_below_root) {
            fchdir(&cwd).map_err(|e| Error::os("cannot change back to the working directory", &e))?;
        }
    }
    if let Some(dir) = &plan.wdns {
        // util-linux's words (the directory is looked up inside); O_PATH:
        // what is not a directory fails in fchdir, as there, and a FIFO or
        // a device is never opened for reading
        let wd = open_cloexec(dir, libc::O_PATH).map_err(|e| Error::os("cannot open current working directory", &e))?;
        opened.wd = Some(wd);
    }
    if let Some(wd) = opened.wd.take() {
        fchdir(&wd).map_err(|e| Error::os(CHDIR_WD_FAILED, &e))?;
    }
    Ok(())
}

fn fchdir(fd: &OwnedFd) -> io::Result<()> {
    Ok(unistd::fchdir(fd)?)
}

fn chroot_here() -> io::Result<()> {
    Ok(unistd::chroot(c".")?)
}

/// Whether directory `dir` lies below our root: walk up with `..` until we
/// meet the root (below it) or a directory that is its own parent (the top
/// of the mount namespace, i.e. outside our root).
fn is_below_root(dir: &OwnedFd) -> bool {
    let Ok(root) = std::fs::metadata("/") else { return false };
    use std::os::unix::fs::MetadataExt;
    let root_id = (root.dev(), root.ino());
    let id = |fd: &OwnedFd| fstat(fd.as_fd()).ok().map(|st| (st.st_dev, st.st_ino));
    let Ok(mut cur) = dir.try_clone() else { return false };
    for _ in 0..4096 {
        let Some(here) = id(&cur) else { return false };
        if here == root_id {
            return true;
        }
        let Ok(parent) = openat_parent(&cur) else { return false };
        if id(&parent) == Some(here) {
            return false;
        }
        cur = parent;
    }
    false
}

fn openat_parent(dir: &OwnedFd) -> io::Result<OwnedFd> {
    let flags = OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC;
    Ok(nix::fcntl::openat(dir, c"..", flags, Mode::empty())?)
}

/// `-e`: the `NAME=value` entries of a `/proc/PID/environ` (NUL-separated),
/// which replace our environment (so `PATH` and `SHELL` come from the
/// target too, as with util-linux), in the target's order.
///
/// As util-linux 2.43: an entry without `=` is no variable and is left
/// out, but one with an empty name (`=value`) makes the whole environment
/// fail, as `setenv(3)` refuses it, rather than start the program without
/// part of it.
fn environ_vars(data: &[u8]) -> Result<Vec<(OsString, OsString)>> {
    let mut vars = Vec::new();
    for e in data.split(|&b| b == 0) {
        let Some(p) = e.iter().position(|&b| b == b'=') else { continue };
        if p == 0 {
            // (not shown: the entry holds the target's value, of any size)
            let hint = "the target's environment holds an entry with an empty name, which setenv(3) refuses";
            return Err(Error::errno("failed to set environment variables", libc::EINVAL).with_hint(Some(hint.into())));
        }
        vars.push((OsString::from_vec(e[..p].to_vec()), OsString::from_vec(e[p + 1..].to_vec())));
    }
    Ok(vars)
}

/// The user and group to become, decided before entering and applied in
/// the process that execs.
struct Credentials {
    uid: Option<IdArg>,
    gid: Option<IdArg>,
    entered_user: bool,
    groups_dropped_early: bool,
}

impl Credentials {
    /// Turn `follow` into the owner of `/proc/PID`, as seen now that the
    /// namespaces are entered (so a container's root shows as 0).
    fn resolve(&self, proc_dir: Option<&OwnedFd>) -> Result<(Option<u32>, Option<u32>)> {
        let owner = match proc_dir {
            Some(fd) => Some(fstat(fd.as_fd()).map_err(|e| Error::os("cannot stat the target process", &e))?),
            None => None,
        };
        let pick = |arg: Option<IdArg>, from: fn(&libc::stat) -> u32| match arg {
            None => None,
            Some(IdArg::Id(n)) => Some(n),
            Some(IdArg::Follow) => owner.as_ref().map(from),
        };
        Ok((pick(self.uid, |st| st.st_uid), pick(self.gid, |st| st.st_gid)))
    }

    /// Drop the supplementary groups and set gid and uid, in that order;
    /// `--keep-caps` makes the user namespace's capabilities ambient.
    fn apply(&self, (uid, gid): (Option<u32>, Option<u32>), keep_caps: bool) -> Result<()> {
        if let Some(gid) = gid {
            if let Err(e) = set_no_groups() {
                // Dropped before entering: fine. Refused inside a user
                // namespace (its setgroups is "deny", or there is no gid
                // map, which setgid will report): the caller keeps the
                // groups it already had, no privilege is gained.
                let tolerated =
                    self.groups_dropped_early || (self.entered_user && e.raw_os_error() == Some(libc::EPERM));
                if !tolerated {
                    return Err(Error::os("setgroups failed", &e));
                }
            }
            if let Err(e) = unistd::setgid(Gid::from_raw(gid)) {
                let e = io::Error::from(e);
                return Err(Error::os("setgid() failed", &e).with_hint(self.unmapped_hint("gid", gid, &e)));
            }
        }
        let keep_caps = keep_caps && self.entered_user;
        if let Some(uid) = uid {
            if keep_caps {
                let _ = prctl::set_keepcaps(true);
            }
            if let Err(e) = unistd::setuid(Uid::from_raw(uid)) {
                let e = io::Error::from(e);
                return Err(Error::os("setuid() failed", &e).with_hint(self.unmapped_hint("uid", uid, &e)));
            }
        }
        if keep_caps {
            keep_capabilities().map_err(|e| Error::os("cannot make capabilities ambient", &e))?;
        }
        Ok(())
    }
}

impl Credentials {
    /// EINVAL from setuid/setgid in a user namespace: the id has no mapping.
    fn unmapped_hint(&self, what: &str, id: u32, err: &io::Error) -> Option<String> {
        (self.entered_user && err.raw_os_error() == Some(libc::EINVAL)).then(|| {
            let opt = if what == "uid" { "-S" } else { "-G" };
            format!(
                "{what} {id} is not mapped in the user namespace entered; \
                 pick a mapped one with {opt}, or keep ours with --preserve-credentials"
            )
        })
    }
}

fn set_no_groups() -> io::Result<()> {
    Ok(unistd::setgroups(&[])?)
}

/// Raise every permitted capability to effective (setuid to non-zero
/// cleared it even with `PR_SET_KEEPCAPS`) and then into the ambient set.
fn keep_capabilities() -> io::Result<()> {
    let mut sets = caps::get()?;
    sets.effective = sets.permitted;
    caps::set(sets)?;
    caps::raise_ambient()
}

/// The parent of a forked child: wait, follow its stops (stop ourselves,
/// then let it continue when we are continued), and end like it.
fn wait_for(child: libc::pid_t) -> Result<i32> {
    // The parent has entered the namespaces too; if a user namespace was
    // among them, the container's root could ptrace us. We hold nothing
    // worth stealing any more, and non-dumpable makes sure of it.
    let _ = prctl::set_dumpable(false);
    loop {
        match process::wait_pid(child, libc::WUNTRACED) {
            Ok(ChildStatus::Stopped(_)) => {
                let _ = signal::kill(unistd::getpid(), Signal::SIGSTOP);
                let _ = signal::kill(Pid::from_raw(child), Signal::SIGCONT);
            }
            Ok(ChildStatus::Exited(code)) => return Ok(code),
            Ok(ChildStatus::Signaled(sig)) => process::reraise(sig),
            Err(e) => return Err(Error::os("waitpid failed", &e)),
        }
    }
}

/// The namespace types [`setns_takes_pidfds`] joins: two, so that no entry
/// through a namespace file (one type each) makes the same call, and a
/// test's seccomp filter can refuse this one alone to force the file route.
pub const PIDFD_PROBE: libc::c_int = libc::CLONE_NEWUTS | libc::CLONE_NEWNET;

/// Whether setns(2) takes a pidfd (Linux 5.8), asked of the kernel rather
/// than read from its version (a backport, or a filter, answers
/// otherwise): joining our own UTS and network namespaces through a pidfd
/// of ourselves changes nothing, and succeeds (or fails with EPERM,
/// without CAP_SYS_ADMIN over them) where setns takes pidfds; it fails
/// with EINVAL where setns takes only namespace files.
fn setns_takes_pidfds() -> bool {
    match PidFd::open(unistd::getpid().as_raw()) {
        Ok(me) => me.enter(PIDFD_PROBE).map_err(|e| e.raw_os_error()) != Err(Some(libc::EINVAL)),
        Err(_) => false,
    }
}

/// The running kernel's release (`uname -r`).
fn kernel_release() -> String {
    nix::sys::utsname::uname().map(|u| u.release().to_string_lossy().into_owned()).unwrap_or_default()
}

/// Whether the running kernel is at least `major.minor`.
fn kernel_at_least(major: u32, minor: u32) -> bool {
    parse_release(&kernel_release()).is_some_and(|v| v >= (major, minor))
}

/// `6.18.44-foo` → (6, 18).
fn parse_release(release: &str) -> Option<(u32, u32)> {
    let mut it = release.split(|c: char| !c.is_ascii_digit());
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_versions() {
        assert_eq!(parse_release("6.18.44-fc-v782"), Some((6, 18)));
        assert_eq!(parse_release("5.8.0"), Some((5, 8)));
        assert_eq!(parse_release("4.19"), Some((4, 19)));
        assert_eq!(parse_release("garbage"), None);
        assert!((5, 10) >= (5, 8) && (4, 20) < (5, 8));
    }

    #[test]
    fn wrong_files_are_named_before_entering() {
        let f = NsFile::open(Path::new("/proc/self/stat")).unwrap();
        let e = check_type(&f, NsType::Net, "/proc/self/stat").unwrap_err();
        assert_eq!(e.message(), "reassociate to namespace 'ns/net' failed: Invalid argument");
        assert!(e.hint().unwrap().contains("not a namespace file"));
        let f = NsFile::open(Path::new("/proc/self/ns/uts")).unwrap();
        let e = check_type(&f, NsType::Net, "/proc/self/ns/uts").unwrap_err();
        assert!(e.hint().unwrap().contains("is a uts namespace, not a net namespace"), "{:?}", e.hint());
        assert!(check_type(&f, NsType::Uts, "x").is_ok());
    }

    #[test]
    fn environ_entries_become_pairs() {
        let vars = environ_vars(b"A=1\0B=x=y\0\0junk\0C=\0").unwrap();
        let text: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.to_str().unwrap(), v.to_str().unwrap())).collect();
        assert_eq!(text, [("A", "1"), ("B", "x=y"), ("C", "")]);
        // util-linux 2.43: a nameless entry fails the whole environment
        for bad in [&b"A=1\0=nameless\0"[..], b"="] {
            let e = environ_vars(bad).unwrap_err();
            assert_eq!(e.message(), "failed to set environment variables: Invalid argument");
        }
    }

    #[test]
    fn states_are_read_after_the_command_name() {
        assert_eq!(stat_state(b"42 (a) b) Z 1 2"), Some(b'Z'));
        assert_eq!(stat_state(b"42 (sleep) S 1"), Some(b'S'));
        assert_eq!(stat_state(b"garbage"), None);
        assert!(is_living(proc_state(std::process::id() as i32).unwrap()));
        assert!(!is_living(b'Z') && !is_living(b'X'));
    }

    #[test]
    fn a_target_is_alive_while_its_stat_file_reads() {
        let mut opened = Opened::default();
        assert!(!opened.target_is_alive(), "nothing held: not known to be alive");
        opened.stat = open_cloexec(Path::new("/proc/self/stat"), libc::O_RDONLY).ok();
        assert!(opened.target_is_alive());
        opened.pidfd = PidFd::open(std::process::id() as i32).ok();
        assert!(opened.target_is_alive());
    }

    #[test]
    fn our_own_cwd_is_below_our_root() {
        let cwd = open_cloexec(Path::new("."), libc::O_PATH | libc::O_DIRECTORY).unwrap();
        assert!(is_below_root(&cwd));
    }
}
