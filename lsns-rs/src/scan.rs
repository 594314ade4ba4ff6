//! Finding namespaces and what lsns says about them.
//!
//! * Every process in `/proc` (`/proc/PID/ns/*`): one `fstatat` per
//!   requested type gives the inode; the lowest PID represents the
//!   namespace and the processes are counted.
//! * Namespaces no process is in, held by an open fd (`/proc/PID/fd/*` on
//!   nsfs), by a socket (`pidfd_getfd(2)` + `SIOCGSKNS`), or by an nsfs bind
//!   mount (`/proc/self/mountinfo`), as util-linux ≥ 2.41 finds them.
//! * In the owner/parent trees, namespaces only referenced as a parent or
//!   owner (`NS_GET_PARENT`, `NS_GET_USERNS`) are added too.
//!
//! Everything else is read lazily, once, and only when a column or the
//! filter needs it: a process's parent, owner and command line; a
//! namespace's parent and owner (`ioctl_ns(2)`), its NETNSID (netlink) and
//! its owner's uid. Processes that vanish or are not ours to read are
//! skipped without a word, as upstream ([`procfs::gone_or_hidden`]). Any
//! other failure (running out of descriptors above all) is kept as the
//! run's error ([`Discovery::check`]): upstream then prints an empty or
//! partial list with status 0, which reads as "no namespaces".

use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use nsutils_common::intmap::IntMap;
use nsutils_common::ns::{NsFile, NsSet, NsType, PidFd};
use nsutils_common::{mountinfo, sys, Error};

use crate::netnsid::NsidQuery;
use crate::proc::{self as procfs, Dir};

/// What keeps a namespace alive, as far as lsns can reopen it.
#[derive(Debug)]
pub enum Holder {
    /// Processes are in it: reopen `/proc/<lowest pid>/ns/<type>`.
    Processes,
    /// Only an open file descriptor of some process: `/proc/PID/fd/FD`.
    Fd {
        /// The process holding it.
        pid: u32,
        /// Its descriptor.
        fd: u32,
    },
    /// Only an nsfs bind mount at this path.
    Mount(Vec<u8>),
    /// A descriptor we hold (the netns of a socket, or a parent/owner
    /// namespace obtained by ioctl).
    Open(OwnedFd),
}

/// One namespace.
#[derive(Debug)]
pub struct Ns {
    /// Inode number: the namespace's identity.
    pub ino: u64,
    /// Its type.
    pub ty: NsType,
    /// Number of processes in it.
    pub nprocs: u32,
    /// The lowest PID in it (0: none).
    pub pid: u32,
    /// How to reach it.
    pub holder: Holder,
    /// Parent namespace inode (pid and user namespaces; 0: none or hidden).
    pub parent: u64,
    /// Owning user namespace inode (0: none or hidden).
    pub owner: u64,
    /// NETNSID: `Some(-1)` unassigned, `None` unknown.
    pub netnsid: Option<i32>,
    /// Uid owning the namespace's user namespace (for process-less ones).
    pub owner_uid: u32,
    done: Resolved,
}

#[derive(Debug, Default, Clone, Copy)]
struct Resolved {
    relations: bool,
    netnsid: bool,
    owner_uid: bool,
}

/// What to resolve about a namespace.
#[derive(Debug, Default, Clone, Copy)]
pub struct Need {
    /// PNS/ONS.
    pub relations: bool,
    /// Add namespaces that are only someone's parent or owner.
    pub ghosts: bool,
    /// NETNSID.
    pub netnsid: bool,
    /// UID/USER of namespaces without processes.
    pub owner_uid: bool,
}

/// What lsns shows about one process (read on first use).
#[derive(Debug, Default)]
pub struct ProcInfo {
    ppid: Option<Option<i32>>,
    uid: Option<Option<u32>>,
    command: Option<Vec<u8>>,
}

/// The result of discovery plus lazy lookups.
pub struct Discovery {
    proc_fd: OwnedFd,
    types: NsSet,
    /// The namespaces found, in discovery order.
    pub nss: Vec<Ns>,
    index: IntMap<u64, usize>,
    nsfs_dev: u64,
    /// `/proc/self/mountinfo` nsfs mount points by namespace inode.
    nsfs_paths: IntMap<u64, Vec<Vec<u8>>>,
    nsfs_types: IntMap<u64, NsType>,
    mountinfo_read: bool,
    fd_candidates: IntMap<u64, (u32, u32)>,
    sockets: IntMap<u64, (u32, u32)>,
    /// Processes in the namespace-operand's namespace, in PID order.
    pub members: Vec<u32>,
    /// The namespaces of the `-p` process.
    pub task_inos: Vec<u64>,
    procs: IntMap<u32, ProcInfo>,
    nsid: Option<Option<NsidQuery>>,
    unsupported_warned: [bool; 2],
    /// 2 when the kernel did not know a namespace ioctl (upstream ≥ 2.39).
    pub status: i32,
    path: Vec<u8>,
    buf: Vec<u8>,
    dirbuf: Vec<u8>,
    /// The first failure that makes the answer incomplete; once set, the
    /// scan stops and lookups give nothing.
    failure: Option<Error>,
}

const S_IFMT: libc::mode_t = libc::S_IFMT;
const S_IFSOCK: libc::mode_t = libc::S_IFSOCK;

/// How a namespace found by the scan is opened again. By then the
/// descriptor or bind mount may be something else (see [`Discovery::open`]):
/// a FIFO must not block the listing, a terminal must not become ours.
const REOPEN: libc::c_int = libc::O_RDONLY | libc::O_NONBLOCK | libc::O_NOCTTY;

impl Discovery {
    /// Open `/proc` for listing the namespaces of the `types` wanted
    /// (indexed like [`NsType::ALL`]).
    pub fn new(types: NsSet) -> io::Result<Discovery> {
        let proc_fd =
            nsutils_common::ns::open_cloexec(std::path::Path::new("/proc"), libc::O_RDONLY | libc::O_DIRECTORY)?;
        // the nsfs device: every namespace file lives on it
        let nsfs_dev = procfs::statat(proc_fd.as_fd(), b"self/ns/net\0").map(|st| st.st_dev).unwrap_or(0);
        Ok(Discovery {
            proc_fd,
            types,
            nss: Vec::new(),
            index: IntMap::default(),
            nsfs_dev,
            nsfs_paths: IntMap::default(),
            nsfs_types: IntMap::default(),
            mountinfo_read: false,
            fd_candidates: IntMap::default(),
            sockets: IntMap::default(),
            members: Vec::new(),
            task_inos: Vec::new(),
            procs: IntMap::default(),
            nsid: None,
            unsupported_warned: [false; 2],
            status: 0,
            path: Vec::with_capacity(64),
            buf: Vec::new(),
            dirbuf: Vec::new(),
            failure: None,
        })
    }

    /// The error that made the answer incomplete, if any: callers check
    /// before they print (a partial list with status 0 would read as
    /// "no such namespaces").
    pub fn check(&mut self) -> nsutils_common::Result<()> {
        match self.failure.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Keep the first failure: `what` failed (a `/proc` path relative to
    /// `/proc`, without its NUL) with `e`.
    fn fail(&mut self, what: &str, e: &io::Error) {
        if self.failure.is_none() {
            self.failure = Some(Error::os(what, e));
        }
    }

    fn failed(&self) -> bool {
        self.failure.is_some()
    }

    /// `Some(v)`, or `None` for a process that is gone or not ours, or
    /// `None` with the failure kept for anything else.
    fn skip_gone<T>(&mut self, r: io::Result<T>, what: impl FnOnce() -> String) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) if procfs::gone_or_hidden(&e) => None,
            Err(e) => {
                self.fail(&what(), &e);
                None
            }
        }
    }

    /// `Some(v)`, or `None` when the file turned out to be something else,
    /// or `None` with the failure kept when we ran out of something.
    fn skip_other<T>(&mut self, r: io::Result<T>, what: impl FnOnce() -> String) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) if procfs::exhausted(&e) => {
                self.fail(&what(), &e);
                None
            }
            Err(_) => None,
        }
    }

    /// The index of the namespace with inode `ino`.
    pub fn find(&self, ino: u64) -> Option<usize> {
        self.index.get(&ino).copied()
    }

    fn add(&mut self, ino: u64, ty: NsType, holder: Holder) -> usize {
        let i = self.nss.len();
        self.nss.push(Ns {
            ino,
            ty,
            nprocs: 0,
            pid: 0,
            holder,
            parent: 0,
            owner: 0,
            netnsid: None,
            owner_uid: 0,
            done: Resolved::default(),
        });
        self.index.insert(ino, i);
        i
    }

    /// Walk `/proc`: the namespaces of every process. `target` collects the
    /// members of one namespace, `task` the namespaces of one process;
    /// `fds` also looks at every open descriptor (namespaces and sockets).
    pub fn scan_processes(&mut self, target: Option<u64>, task: Option<u32>, fds: bool) {
        let enabled: Vec<NsType> = NsType::ALL.into_iter().filter(|t| self.types.contains(*t)).collect();
        // one open of /proc/PID/ns pays off from three lookups on
        let use_nsdir = enabled.len() >= 3;
        let names: Vec<Vec<u8>> = enabled
            .iter()
            .map(|t| {
                let mut n = if use_nsdir { Vec::new() } else { b"ns/".to_vec() };
                n.extend_from_slice(t.name().as_bytes());
                n.push(0);
                n
            })
            .collect();
        let mut cache: Vec<(u64, usize)> = vec![(0, 0); enabled.len()];
        let Some(mut dir) = self.list_proc() else { return };
        let mut inos = vec![0u64; enabled.len()];
        while let Some(name) = dir.next_name() {
            if self.failed() {
                break;
            }
            let Some(pid) = procfs::parse_decimal(name) else { continue };
            inos.iter_mut().for_each(|i| *i = 0);
            // The directory we hold (/proc/PID/ns, else /proc/PID) keeps
            // the PID's dentry alive for the lookups below, fd/ included:
            // procfs drops unused pid dentries at once, and rebuilding them
            // costs more than the open.
            let held = procfs::pid_path(&mut self.path, pid, if use_nsdir { b"ns" } else { b"" });
            let held = procfs::openat(self.proc_fd.as_fd(), held, libc::O_PATH | libc::O_DIRECTORY);
            let Some(held) = self.skip_gone(held, || format!("cannot open /proc/{pid}")) else {
                continue; // gone, or not ours to look at
            };
            for (k, n) in names.iter().enumerate() {
                // ENOENT is also a type the kernel lacks
                let st = procfs::statat(held.as_fd(), n);
                if let Some(st) = self.skip_gone(st, || format!("cannot stat /proc/{pid}/ns/{}", enabled[k])) {
                    inos[k] = st.st_ino;
                }
            }
            let mut member = false;
            for (k, &ino) in inos.iter().enumerate() {
                if ino == 0 {
                    continue;
                }
                let idx = if cache[k].0 == ino {
                    cache[k].1
                } else {
                    let idx = match self.index.get(&ino) {
                        Some(&i) => i,
                        None => self.add(ino, enabled[k], Holder::Processes),
                    };
                    cache[k] = (ino, idx);
                    idx
                };
                let ns = &mut self.nss[idx];
                ns.nprocs += 1;
                if ns.pid == 0 || pid < ns.pid {
                    ns.pid = pid;
                }
                member |= target == Some(ino);
            }
            if member {
                self.members.push(pid);
            }
            if task == Some(pid) {
                self.task_inos.extend(inos.iter().filter(|&&i| i != 0));
            }
            if fds {
                let (dir, fd) = if use_nsdir { (held.as_fd(), &b"../fd\0"[..]) } else { (held.as_fd(), &b"fd\0"[..]) };
                self.scan_fds(pid, dir, fd);
            }
        }
        self.end_of_proc(dir);
        self.members.sort_unstable();
    }

    /// Start listing `/proc` (`None`: failed, and the failure kept).
    fn list_proc(&mut self) -> Option<Dir> {
        let list_fd = procfs::openat(self.proc_fd.as_fd(), b".\0", libc::O_RDONLY | libc::O_DIRECTORY);
        match list_fd {
            // a buffer of its own: scan_fds lends self.dirbuf out meanwhile
            Ok(fd) => Some(Dir::new(fd, Vec::new())),
            Err(e) => {
                self.fail("cannot open /proc", &e);
                None
            }
        }
    }

    /// The listing of `/proc` is over: was it complete?
    fn end_of_proc(&mut self, mut dir: Dir) {
        if let Some(e) = dir.error() {
            self.fail("cannot read /proc", &e);
        }
    }

    /// Note the namespace and socket descriptors of one process.
    /// `fd_path` is the process's `fd` directory relative to `dir`.
    fn scan_fds(&mut self, pid: u32, dir: BorrowedFd<'_>, fd_path: &[u8]) {
        let fd_dir = procfs::openat(dir, fd_path, libc::O_RDONLY | libc::O_DIRECTORY);
        let Some(fd_dir) = self.skip_gone(fd_dir, || format!("cannot open /proc/{pid}/fd")) else {
            return;
        };
        // procfs lists a process's descriptors until the buffer is full: a
        // short read is the end, and saves the getdents64 call saying so
        let mut dir = Dir::new(fd_dir, std::mem::take(&mut self.dirbuf)).short_read_ends();
        let sockets = self.types.contains(NsType::Net);
        let mut name = [0u8; 16];
        while let Some(n) = dir.next_name() {
            let Some(fd) = procfs::parse_decimal(n) else { continue };
            name[..n.len()].copy_from_slice(n);
            name[n.len()] = 0;
            let len = n.len() + 1;
            // stat reaches the file's own filesystem (a FUSE server that is
            // gone says ENOTCONN): only our own exhaustion is an error, any
            // other failure means "neither a namespace nor a socket"
            let st = procfs::statat(dir.as_fd(), &name[..len]);
            let Some(st) = self.skip_other(st, || format!("cannot stat /proc/{pid}/fd/{fd}")) else { continue };
            if st.st_dev == self.nsfs_dev && self.nsfs_dev != 0 {
                if !self.index.contains_key(&st.st_ino) {
                    self.fd_candidates.entry(st.st_ino).or_insert((pid, fd));
                }
            } else if sockets && st.st_mode & S_IFMT == S_IFSOCK {
                self.sockets.entry(st.st_ino).or_insert((pid, fd));
            }
        }
        if let Some(e) = dir.error() {
            self.skip_gone::<()>(Err(e), || format!("cannot read /proc/{pid}/fd"));
        }
        self.dirbuf = dir.into_buf();
    }

    /// Walk `/proc` again, looking only at descriptors (for a namespace
    /// operand that no process is in).
    pub fn scan_fds_only(&mut self) {
        let Some(mut dir) = self.list_proc() else { return };
        while let Some(name) = dir.next_name() {
            if self.failed() {
                break;
            }
            let Some(pid) = procfs::parse_decimal(name) else { continue };
            let path = procfs::pid_path(&mut self.path, pid, b"");
            let pid_dir = procfs::openat(self.proc_fd.as_fd(), path, libc::O_PATH | libc::O_DIRECTORY);
            if let Some(pid_dir) = self.skip_gone(pid_dir, || format!("cannot open /proc/{pid}")) {
                self.scan_fds(pid, pid_dir.as_fd(), b"fd\0");
            }
        }
        self.end_of_proc(dir);
    }

    /// Read the nsfs mounts of `/proc/self/mountinfo` (once).
    pub fn read_mountinfo(&mut self) {
        if self.mountinfo_read {
            return;
        }
        self.mountinfo_read = true;
        let mut buf = std::mem::take(&mut self.buf);
        if let Err(e) = procfs::read_at(self.proc_fd.as_fd(), b"self/mountinfo\0", &mut buf, 64 << 20) {
            self.fail("cannot read /proc/self/mountinfo", &e);
            return;
        }
        for line in buf.split(|&b| b == b'\n') {
            if let Some((ty, ino, target)) = nsfs_mount(line) {
                let paths = self.nsfs_paths.entry(ino).or_default();
                if !paths.contains(&target) {
                    paths.push(target);
                }
                self.nsfs_types.insert(ino, ty);
            }
        }
        self.buf = buf;
    }

    /// Where the namespace is bind-mounted, in mountinfo order.
    pub fn nsfs(&self, ino: u64) -> &[Vec<u8>] {
        self.nsfs_paths.get(&ino).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Add the namespaces only descriptors, sockets and bind mounts hold.
    pub fn discover_persistent(&mut self) {
        let mut fds: Vec<(u64, (u32, u32))> = self.fd_candidates.drain().collect();
        fds.sort_unstable();
        for (ino, (pid, fd)) in fds {
            if self.index.contains_key(&ino) || self.failed() {
                continue;
            }
            let path = procfs::pid_path(&mut self.path, pid, format!("fd/{fd}").as_bytes());
            // the number may have been reused by anything since the scan
            let f = procfs::openat(self.proc_fd.as_fd(), path, REOPEN);
            let Some(f) = self.skip_other(f, || format!("cannot open /proc/{pid}/fd/{fd}")) else { continue };
            let f = NsFile::from_fd(f);
            // the descriptor may have been closed and its number reused
            if !f.id().is_ok_and(|id| id.ino == ino) {
                continue;
            }
            match f.ns_type() {
                Ok(ty) if self.types.contains(ty) => {
                    self.add(ino, ty, Holder::Fd { pid, fd });
                }
                _ => {}
            }
        }
        let mut socks: Vec<(u64, (u32, u32))> = self.sockets.drain().collect();
        socks.sort_unstable_by_key(|(_, (pid, fd))| (*pid, *fd));
        let mut pidfd: Option<(u32, PidFd)> = None;
        for (_, (pid, fd)) in socks {
            if self.failed() {
                break;
            }
            if pidfd.as_ref().map(|(p, _)| *p) != Some(pid) {
                // ESRCH: gone; EPERM/ENOSYS: a seccomp profile or an old
                // kernel refuses pidfds, and sockets' namespaces stay unseen
                // as upstream's do
                let opened = PidFd::open(pid as i32);
                pidfd = self.skip_other(opened, || format!("pidfd_open {pid}")).map(|p| (pid, p));
            }
            let Some((_, pfd)) = &pidfd else { continue };
            // EBADF: closed since; EPERM: not ours to take (ptrace rules)
            let sock = pfd.get_fd(fd as i32);
            let Some(sock) = self.skip_other(sock, || format!("pidfd_getfd {pid} {fd}")) else { continue };
            // EPERM: no CAP_NET_ADMIN over the socket's namespace
            let netns = NsFile::of_socket(sock.as_fd());
            let Some(netns) = self.skip_other(netns, || format!("SIOCGSKNS on /proc/{pid}/fd/{fd}")) else { continue };
            let Ok(id) = netns.id() else { continue };
            if !self.index.contains_key(&id.ino) {
                self.add(id.ino, NsType::Net, Holder::Open(netns.into_fd()));
            }
        }
        let mut mounts: Vec<(u64, NsType)> = self.nsfs_types.iter().map(|(i, t)| (*i, *t)).collect();
        mounts.sort_unstable();
        for (ino, ty) in mounts {
            if self.index.contains_key(&ino) || !self.types.contains(ty) {
                continue;
            }
            let path = self.nsfs_paths[&ino][0].clone();
            self.add(ino, ty, Holder::Mount(path));
        }
    }

    /// Open the namespace (for ioctls and netlink).
    /// (`None` when it is no longer where it was; with the failure kept
    /// when we ran out of descriptors.)
    fn open(&mut self, i: usize) -> Option<OwnedFd> {
        let ns = &self.nss[i];
        let ino = ns.ino;
        let (opened, what) = match &ns.holder {
            Holder::Open(fd) => (fd.try_clone(), "dup"),
            Holder::Mount(m) => {
                use std::os::unix::ffi::OsStrExt;
                let p = std::path::Path::new(std::ffi::OsStr::from_bytes(m));
                (nsutils_common::ns::open_cloexec(p, REOPEN), "cannot open")
            }
            Holder::Processes => {
                let path = procfs::pid_path(&mut self.path, ns.pid, format!("ns/{}", ns.ty).as_bytes());
                (procfs::openat(self.proc_fd.as_fd(), path, REOPEN), "cannot open")
            }
            Holder::Fd { pid, fd } => {
                let path = procfs::pid_path(&mut self.path, *pid, format!("fd/{fd}").as_bytes());
                (procfs::openat(self.proc_fd.as_fd(), path, REOPEN), "cannot open")
            }
        };
        let fd = self.skip_other(opened, || format!("{what} namespace {ino}"))?;
        // Since the scan the bind mount may have gone (leaving the plain file
        // under it), the descriptor may have been closed and its number
        // reused, the process may have exited and its PID been reused: only
        // the namespace we listed will do (else its ioctls fail with ENOTTY
        // or describe another namespace).
        let f = NsFile::from_fd(fd);
        let same = f.is_nsfs() && nsutils_common::ns::fstat(f.as_fd()).is_ok_and(|st| st.st_ino == ino);
        same.then(|| f.into_fd())
    }

    /// Work out what `need` asks about namespace `i` (each thing once).
    pub fn resolve(&mut self, i: usize, need: Need) {
        let done = self.nss[i].done;
        let ty = self.nss[i].ty;
        let relations = need.relations && !done.relations;
        let netnsid = need.netnsid && !done.netnsid && ty == NsType::Net;
        let owner_uid = need.owner_uid && !done.owner_uid && self.nss[i].nprocs == 0;
        if !relations && !netnsid && !owner_uid || self.failed() {
            return;
        }
        {
            let d = &mut self.nss[i].done;
            d.relations |= relations;
            d.netnsid |= need.netnsid;
            d.owner_uid |= owner_uid;
        }
        let Some(fd) = self.open(i) else { return };
        let mut ghosts: Vec<(u64, NsType, OwnedFd)> = Vec::new();
        if relations {
            if matches!(ty, NsType::Pid | NsType::User) {
                if let Some((ino, pfd)) = self.relation(fd.as_fd(), sys::NS_GET_PARENT, 0) {
                    self.nss[i].parent = ino;
                    ghosts.push((ino, ty, pfd));
                }
            }
            if let Some((ino, ofd)) = self.relation(fd.as_fd(), sys::NS_GET_USERNS, 1) {
                self.nss[i].owner = ino;
                ghosts.push((ino, NsType::User, ofd));
            }
        }
        if netnsid {
            if self.nsid.is_none() {
                let q = NsidQuery::new();
                self.nsid = Some(self.skip_other(q, || "cannot open a netlink socket".to_string()));
            }
            if let Some(Some(q)) = &mut self.nsid {
                self.nss[i].netnsid = q.id_of(fd.as_fd());
            }
        }
        if owner_uid {
            let uid = if ty == NsType::User {
                sys::ns_owner_uid(fd.as_fd()).ok()
            } else {
                let owner = sys::ioctl_fd(fd.as_fd(), sys::NS_GET_USERNS);
                self.skip_other(owner, || "NS_GET_USERNS".to_string()).and_then(|u| sys::ns_owner_uid(u.as_fd()).ok())
            };
            self.nss[i].owner_uid = uid.unwrap_or(0);
        }
        if need.ghosts {
            for (ino, gty, gfd) in ghosts {
                if !self.index.contains_key(&ino) {
                    self.add(ino, gty, Holder::Open(gfd));
                }
            }
        }
    }

    /// A parent/owner ioctl: the related namespace's inode and fd. EPERM
    /// (outside our reach) gives nothing; ENOTTY (a kernel without the
    /// ioctl) is reported once and makes the exit status 2.
    fn relation(&mut self, fd: BorrowedFd<'_>, request: libc::c_ulong, which: usize) -> Option<(u64, OwnedFd)> {
        match sys::ioctl_fd(fd, request) {
            Ok(rel) => {
                let ino = nsutils_common::ns::fstat(rel.as_fd()).ok()?.st_ino;
                Some((ino, rel))
            }
            Err(e) if procfs::exhausted(&e) => {
                let name = if which == 0 { "NS_GET_PARENT" } else { "NS_GET_USERNS" };
                self.fail(name, &e);
                None
            }
            Err(e) if e.raw_os_error() == Some(libc::ENOTTY) => {
                if !self.unsupported_warned[which] {
                    self.unsupported_warned[which] = true;
                    let name = if which == 0 { "NS_GET_PARENT" } else { "NS_GET_USERNS" };
                    nsutils_common::error::warn(format!("Unsupported ioctl {name}"));
                }
                self.status = 2;
                None
            }
            Err(_) => None,
        }
    }

    fn proc_entry(&mut self, pid: u32) -> &mut ProcInfo {
        self.procs.entry(pid).or_default()
    }

    /// The parent PID of process `pid`.
    pub fn ppid(&mut self, pid: u32) -> Option<i32> {
        if let Some(p) = self.procs.get(&pid).and_then(|p| p.ppid) {
            return p;
        }
        let mut buf = std::mem::take(&mut self.buf);
        let path = procfs::pid_path(&mut self.path, pid, b"stat");
        let read = procfs::read_at(self.proc_fd.as_fd(), path, &mut buf, 4096);
        let ppid =
            self.skip_gone(read, || format!("cannot read /proc/{pid}/stat")).and_then(|_| procfs::stat_ppid(&buf));
        self.buf = buf;
        self.proc_entry(pid).ppid = Some(ppid);
        ppid
    }

    /// The owner uid of process `pid` (of its `/proc/PID` directory).
    pub fn uid(&mut self, pid: u32) -> Option<u32> {
        if let Some(u) = self.procs.get(&pid).and_then(|p| p.uid) {
            return u;
        }
        let path = procfs::pid_path(&mut self.path, pid, b"");
        // "PID/" names the directory itself
        let st = procfs::statat(self.proc_fd.as_fd(), path);
        let uid = self.skip_gone(st, || format!("cannot stat /proc/{pid}")).map(|st| st.st_uid);
        self.proc_entry(pid).uid = Some(uid);
        uid
    }

    /// lsns' COMMAND of process `pid`: its command line, or for kernel
    /// threads its `comm`.
    pub fn command(&mut self, pid: u32) -> &[u8] {
        if self.procs.get(&pid).is_some_and(|p| p.command.is_some()) {
            return self.procs[&pid].command.as_deref().unwrap_or_default();
        }
        let mut cmd = Vec::new();
        let path = procfs::pid_path(&mut self.path, pid, b"cmdline");
        let read = procfs::read_at(self.proc_fd.as_fd(), path, &mut cmd, 8192);
        if self.skip_gone(read, || format!("cannot read /proc/{pid}/cmdline")).is_some() {
            procfs::command_from_cmdline(&mut cmd);
        } else {
            cmd.clear();
        }
        if cmd.is_empty() && !self.failed() {
            let path = procfs::pid_path(&mut self.path, pid, b"comm");
            let read = procfs::read_at(self.proc_fd.as_fd(), path, &mut cmd, 256);
            if self.skip_gone(read, || format!("cannot read /proc/{pid}/comm")).is_some() {
                procfs::command_from_comm(&mut cmd);
            } else {
                cmd.clear();
            }
        }
        let entry = self.proc_entry(pid);
        entry.command = Some(cmd);
        entry.command.as_deref().unwrap_or_default()
    }
}

/// An nsfs line of mountinfo: the namespace type and inode from the root
/// field (`net:[4026532177]`) and the unescaped mount point.
fn nsfs_mount(line: &[u8]) -> Option<(NsType, u64, Vec<u8>)> {
    let m = mountinfo::parse_line(line)?;
    if m.fstype != b"nsfs" {
        return None;
    }
    let root = m.root;
    let open = root.iter().position(|&b| b == b':')?;
    let ty = NsType::from_name(std::str::from_utf8(&root[..open]).ok()?)?;
    let ino = std::str::from_utf8(root[open + 1..].strip_prefix(b"[")?.strip_suffix(b"]")?).ok()?.parse().ok()?;
    Some((ty, ino, mountinfo::unescape(m.mount_point)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn mountinfo_nsfs_lines() {
        let l = b"140 83 0:4 net:[4026532326] /run/netns/demo rw shared:4 - nsfs nsfs rw";
        assert_eq!(nsfs_mount(l), Some((NsType::Net, 4026532326, b"/run/netns/demo".to_vec())));
        let l = b"149 82 0:4 uts:[4026532534] /tmp/a\\040b rw - nsfs nsfs rw";
        assert_eq!(nsfs_mount(l), Some((NsType::Uts, 4026532534, b"/tmp/a b".to_vec())));
        let l = b"149 82 0:4 pid:[4026532534] /x rw master:1 shared:2 - nsfs nsfs rw";
        assert_eq!(nsfs_mount(l).map(|m| m.0), Some(NsType::Pid));
        assert_eq!(nsfs_mount(b"22 1 0:21 / /proc rw,nosuid - proc proc rw"), None);
        assert_eq!(nsfs_mount(b""), None);
    }

    #[test]
    fn an_ioctl_the_kernel_does_not_know_makes_the_status_2() {
        // a regular file answers the nsfs ioctls with ENOTTY, as an old
        // kernel would for a namespace
        let f = nsutils_common::ns::open_cloexec(std::path::Path::new("/proc/self/stat"), libc::O_RDONLY).unwrap();
        let mut d = Discovery::new(NsSet::ALL).unwrap();
        assert!(d.relation(f.as_fd(), sys::NS_GET_USERNS, 1).is_none());
        assert_eq!(d.status, 2);
        assert!(d.unsupported_warned[1] && !d.unsupported_warned[0]);
    }

    #[test]
    fn a_fifo_where_a_namespace_was_mounted_neither_blocks_nor_counts() {
        use std::os::unix::ffi::OsStrExt;
        let dir = std::env::temp_dir().join(format!("lsns-rs-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fifo = dir.join("ns");
        let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid path.
        let made = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
        let path = fifo.as_os_str().as_bytes().to_vec();
        // no writer: a blocking open would wait for one for ever
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut d = Discovery::new(NsSet::ALL).unwrap();
            let i = d.add(1, NsType::Net, Holder::Mount(path));
            let _ = tx.send(d.open(i).is_none());
        });
        let refused = rx.recv_timeout(std::time::Duration::from_secs(20));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(made, 0);
        assert_eq!(refused, Ok(true), "the FIFO was opened, or the open blocked");
    }

    #[test]
    fn a_descriptor_that_now_holds_another_namespace_is_not_taken_for_the_one_seen() {
        let net = nsutils_common::ns::NsFile::open_proc(None, NsType::Net, false).unwrap();
        let ino = net.id().unwrap().ino;
        let me = (std::process::id(), net.as_fd().as_raw_fd() as u32);
        let mut d = Discovery::new(NsSet::ALL).unwrap();
        d.fd_candidates.insert(ino + 1, me);
        d.discover_persistent();
        assert_eq!(d.find(ino + 1), None, "the inode the scan saw is no longer behind the descriptor");
        d.fd_candidates.insert(ino, me);
        d.discover_persistent();
        let i = d.find(ino).expect("the namespace behind the descriptor");
        assert_eq!(d.nss[i].ty, NsType::Net);
    }

    #[test]
    fn finds_our_own_namespaces_and_reads_our_process() {
        let mut d = Discovery::new(NsSet::ALL).unwrap();
        let me = std::process::id();
        d.scan_processes(None, Some(me), true);
        let my_net = nsutils_common::ns::NsId::of_path(std::path::Path::new("/proc/self/ns/net")).unwrap().ino;
        let i = d.find(my_net).expect("our netns");
        assert_eq!(d.nss[i].ty, NsType::Net);
        assert!(d.nss[i].nprocs >= 1 && d.nss[i].pid <= me);
        assert!(d.task_inos.contains(&my_net));
        // SAFETY: getppid cannot fail.
        assert_eq!(d.ppid(me), Some(unsafe { libc::getppid() }));
        // SAFETY: geteuid cannot fail.
        assert_eq!(d.uid(me), Some(unsafe { libc::geteuid() }));
        assert!(!d.command(me).is_empty());
        d.resolve(i, Need { relations: true, ghosts: false, netnsid: true, owner_uid: true });
        assert!(d.nss[i].netnsid.is_some());
    }
}
