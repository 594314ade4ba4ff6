//! The namespace table (`namespaces(7)`) and namespace files (`ioctl_ns(2)`,
//! `setns(2)`).
//!
//! One [`NsType`] per kernel namespace type, with its `CLONE_NEW*` flag, its
//! `/proc/PID/ns/` file names, the option letters and names the tools use,
//! and the fixed order in which namespaces are entered and persisted.

use std::fmt;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use nix::fcntl::OFlag;
use nix::sys::stat::Mode;

use crate::sys;

/// A kind of Linux namespace (`namespaces(7)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NsType {
    /// Mount points (`CLONE_NEWNS`).
    Mnt,
    /// Network devices, stacks, ports (`CLONE_NEWNET`).
    Net,
    /// Process IDs (`CLONE_NEWPID`).
    Pid,
    /// Hostname and NIS domain name (`CLONE_NEWUTS`).
    Uts,
    /// System V IPC, POSIX message queues (`CLONE_NEWIPC`).
    Ipc,
    /// User and group IDs (`CLONE_NEWUSER`).
    User,
    /// Cgroup root directory (`CLONE_NEWCGROUP`).
    Cgroup,
    /// Boot and monotonic clocks (`CLONE_NEWTIME`).
    Time,
}

/// Static facts about one namespace type.
struct Row {
    ty: NsType,
    name: &'static str,
    for_children: &'static str,
    flag: libc::c_int,
    long: &'static str,
    short: char,
}

const TABLE: [Row; 8] = [
    Row { ty: NsType::Mnt, name: "mnt", for_children: "mnt", flag: libc::CLONE_NEWNS, long: "mount", short: 'm' },
    Row { ty: NsType::Net, name: "net", for_children: "net", flag: libc::CLONE_NEWNET, long: "net", short: 'n' },
    Row {
        ty: NsType::Pid,
        name: "pid",
        for_children: "pid_for_children",
        flag: libc::CLONE_NEWPID,
        long: "pid",
        short: 'p',
    },
    Row { ty: NsType::Uts, name: "uts", for_children: "uts", flag: libc::CLONE_NEWUTS, long: "uts", short: 'u' },
    Row { ty: NsType::Ipc, name: "ipc", for_children: "ipc", flag: libc::CLONE_NEWIPC, long: "ipc", short: 'i' },
    Row { ty: NsType::User, name: "user", for_children: "user", flag: libc::CLONE_NEWUSER, long: "user", short: 'U' },
    Row {
        ty: NsType::Cgroup,
        name: "cgroup",
        for_children: "cgroup",
        flag: libc::CLONE_NEWCGROUP,
        long: "cgroup",
        short: 'C',
    },
    Row {
        ty: NsType::Time,
        name: "time",
        for_children: "time_for_children",
        flag: sys::CLONE_NEWTIME,
        long: "time",
        short: 'T',
    },
];

impl NsType {
    /// Every type, in the order lsns lists and accepts them
    /// (`mnt net pid uts ipc user cgroup time`).
    pub const ALL: [NsType; 8] =
        [NsType::Mnt, NsType::Net, NsType::Pid, NsType::Uts, NsType::Ipc, NsType::User, NsType::Cgroup, NsType::Time];

    /// The order in which nsenter enters namespaces and unshare bind-mounts
    /// persistent ones: user first (when entering it is what grants the
    /// privilege for the rest), time last (it only applies to children).
    pub const ENTER_ORDER: [NsType; 8] =
        [NsType::User, NsType::Cgroup, NsType::Ipc, NsType::Uts, NsType::Net, NsType::Pid, NsType::Mnt, NsType::Time];

    /// The kernel's name: the file in `/proc/PID/ns/` and lsns' TYPE.
    pub const fn name(self) -> &'static str {
        TABLE[self as usize].name
    }

    /// The `/proc/PID/ns/` file that refers to the namespace the process's
    /// *children* get: `pid_for_children`, `time_for_children`, else [`name`](Self::name).
    pub const fn for_children_name(self) -> &'static str {
        TABLE[self as usize].for_children
    }

    /// The `CLONE_NEW*` flag (`clone(2)`, `unshare(2)`, `setns(2)`).
    pub const fn clone_flag(self) -> libc::c_int {
        TABLE[self as usize].flag
    }

    /// The long option of unshare and nsenter (`--mount`, `--net`, …).
    pub const fn long_option(self) -> &'static str {
        TABLE[self as usize].long
    }

    /// The short option of unshare and nsenter (`-m`, `-n`, `-U`, …).
    pub const fn short_option(self) -> char {
        TABLE[self as usize].short
    }

    /// The type named `name` (`mnt`, `net`, …).
    pub fn from_name(name: &str) -> Option<NsType> {
        TABLE.iter().find(|r| r.name == name).map(|r| r.ty)
    }

    /// The type whose long option is `long`.
    pub fn from_long_option(long: &str) -> Option<NsType> {
        TABLE.iter().find(|r| r.long == long).map(|r| r.ty)
    }

    /// The type with `CLONE_NEW*` flag `flag` (as `NS_GET_NSTYPE` returns).
    pub fn from_clone_flag(flag: libc::c_int) -> Option<NsType> {
        TABLE.iter().find(|r| r.flag == flag).map(|r| r.ty)
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

/// A set of namespace types: what a tool unshares, enters or lists.
/// Iteration follows [`NsType::ENTER_ORDER`] (user first, time last), the
/// order namespaces are entered and persisted in.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NsSet(u8);

impl NsSet {
    /// No type.
    pub const EMPTY: NsSet = NsSet(0);
    /// Every type.
    pub const ALL: NsSet = NsSet(u8::MAX);

    /// The set holding just `ty`.
    pub const fn of(ty: NsType) -> NsSet {
        NsSet(ty.bit())
    }

    /// Add `ty`; true if it was not there yet.
    pub fn insert(&mut self, ty: NsType) -> bool {
        let new = !self.contains(ty);
        self.0 |= ty.bit();
        new
    }

    /// Take `ty` out; true if it was there.
    pub fn remove(&mut self, ty: NsType) -> bool {
        let had = self.contains(ty);
        self.0 &= !ty.bit();
        had
    }

    /// Whether `ty` is in the set.
    pub const fn contains(self, ty: NsType) -> bool {
        self.0 & ty.bit() != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The number of types in the set.
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The first type in [`NsType::ENTER_ORDER`], if any.
    pub fn first(self) -> Option<NsType> {
        self.iter().next()
    }

    /// The types, in [`NsType::ENTER_ORDER`].
    pub fn iter(self) -> NsSetIter {
        NsSetIter { set: self, next: 0 }
    }

    /// The `CLONE_NEW*` flags of the types, or-ed (`unshare(2)`, `setns(2)`
    /// with a pidfd).
    pub fn clone_flags(self) -> libc::c_int {
        self.iter().fold(0, |flags, t| flags | t.clone_flag())
    }

    /// The types whose flags are set in `flags` (other bits are ignored).
    pub fn from_clone_flags(flags: libc::c_int) -> NsSet {
        NsType::ALL.into_iter().filter(|t| flags & t.clone_flag() != 0).collect()
    }
}

impl FromIterator<NsType> for NsSet {
    fn from_iter<I: IntoIterator<Item = NsType>>(iter: I) -> NsSet {
        let mut set = NsSet::EMPTY;
        set.extend(iter);
        set
    }
}

impl Extend<NsType> for NsSet {
    fn extend<I: IntoIterator<Item = NsType>>(&mut self, iter: I) {
        for t in iter {
            self.insert(t);
        }
    }
}

impl IntoIterator for NsSet {
    type Item = NsType;
    type IntoIter = NsSetIter;
    fn into_iter(self) -> NsSetIter {
        self.iter()
    }
}

/// The types of an [`NsSet`], in [`NsType::ENTER_ORDER`].
#[derive(Clone, Debug)]
pub struct NsSetIter {
    set: NsSet,
    next: usize,
}

impl Iterator for NsSetIter {
    type Item = NsType;
    fn next(&mut self) -> Option<NsType> {
        while let Some(&t) = NsType::ENTER_ORDER.get(self.next) {
            self.next += 1;
            if self.set.contains(t) {
                return Some(t);
            }
        }
        None
    }
}

impl fmt::Debug for NsSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl fmt::Display for NsType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The identity of a namespace: device and inode of its nsfs file
/// (`namespaces(7)`, `stat(2)`).
/// Two files refer to the same namespace iff their ids are equal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NsId {
    /// `st_dev` of the nsfs file.
    pub dev: u64,
    /// `st_ino`: the number shown as `net:[4026531833]` and by lsns.
    pub ino: u64,
}

impl NsId {
    /// The identity of the namespace `path` refers to (`stat(2)`, follows
    /// the magic `/proc/PID/ns/*` links).
    pub fn of_path(path: &Path) -> io::Result<NsId> {
        let md = std::fs::metadata(path)?;
        use std::os::unix::fs::MetadataExt;
        Ok(NsId { dev: md.dev(), ino: md.ino() })
    }
}

/// `/proc/<pid>/ns/<file>` (`namespaces(7)`); `pid` `None` means `self`.
pub fn proc_ns_path(pid: Option<libc::pid_t>, file: &str) -> PathBuf {
    match pid {
        Some(p) => PathBuf::from(format!("/proc/{p}/ns/{file}")),
        None => PathBuf::from(format!("/proc/self/ns/{file}")),
    }
}

/// An open namespace file (`/proc/PID/ns/X` or any nsfs bind mount;
/// `namespaces(7)`, `ioctl_ns(2)`).
#[derive(Debug)]
pub struct NsFile {
    fd: OwnedFd,
}

impl NsFile {
    /// Open `path` read-only and close-on-exec. Anything may be opened; use
    /// [`NsFile::ns_type`] or [`NsFile::is_nsfs`] to check what it is.
    pub fn open(path: &Path) -> io::Result<NsFile> {
        Ok(NsFile { fd: open_cloexec(path, libc::O_RDONLY)? })
    }

    /// Open `/proc/<pid>/ns/<type>` (`for_children`: `pid_for_children`/`time_for_children`).
    pub fn open_proc(pid: Option<libc::pid_t>, ty: NsType, for_children: bool) -> io::Result<NsFile> {
        let file = if for_children { ty.for_children_name() } else { ty.name() };
        NsFile::open(&proc_ns_path(pid, file))
    }

    /// Wrap a descriptor known to be a namespace file.
    pub fn from_fd(fd: OwnedFd) -> NsFile {
        NsFile { fd }
    }

    /// The namespace's identity (`fstat(2)`).
    pub fn id(&self) -> io::Result<NsId> {
        let st = fstat(self.fd.as_fd())?;
        Ok(NsId { dev: st.st_dev, ino: st.st_ino })
    }

    /// Whether the file lives on nsfs (`fstatfs(2)`), i.e. is a namespace.
    pub fn is_nsfs(&self) -> bool {
        fstatfs_type(self.fd.as_fd()).map(|t| t == sys::NSFS_MAGIC).unwrap_or(false)
    }

    /// The namespace type (`NS_GET_NSTYPE`, Linux 4.11). A file that is not
    /// a namespace gives `ENOTTY` (or `EINVAL`).
    pub fn ns_type(&self) -> io::Result<NsType> {
        let flag = sys::ioctl_int(self.fd.as_fd(), sys::NS_GET_NSTYPE)?;
        NsType::from_clone_flag(flag).ok_or_else(|| io::Error::from_raw_os_error(libc::EINVAL))
    }

    /// The owning user namespace (`NS_GET_USERNS`); `EPERM` outside the caller's reach.
    pub fn user_ns(&self) -> io::Result<NsFile> {
        sys::ioctl_fd(self.fd.as_fd(), sys::NS_GET_USERNS).map(NsFile::from_fd)
    }

    /// The parent namespace of a pid or user namespace (`NS_GET_PARENT`).
    pub fn parent(&self) -> io::Result<NsFile> {
        sys::ioctl_fd(self.fd.as_fd(), sys::NS_GET_PARENT).map(NsFile::from_fd)
    }

    /// The uid owning this user namespace (`NS_GET_OWNER_UID`).
    pub fn owner_uid(&self) -> io::Result<libc::uid_t> {
        sys::ns_owner_uid(self.fd.as_fd())
    }

    /// Join the namespace (`setns(2)`); `ty` `None` accepts any type.
    pub fn enter(&self, ty: Option<NsType>) -> io::Result<()> {
        sys::setns(self.fd.as_fd(), ty.map(NsType::clone_flag).unwrap_or(0))
    }

    /// The namespace's 64-bit id (`NS_GET_ID`, Linux 6.18), which unlike the
    /// inode number is never reused.
    pub fn ns_id(&self) -> io::Result<u64> {
        sys::ns_get_id(self.fd.as_fd())
    }

    /// Open the namespace of type `ty` whose id ([`NsFile::ns_id`]) is `id`
    /// (`open_by_handle_at(2)` on nsfs). Looking a namespace up by its id
    /// alone needs Linux 6.19; older kernels fail (`ESTALE`, `EBADF`, …).
    pub fn open_by_id(id: u64, ty: NsType) -> io::Result<NsFile> {
        sys::open_nsfs_handle(id, ty.clone_flag(), 0).map(NsFile::from_fd)
    }

    /// The network namespace of a socket (`SIOCGSKNS`, Linux 4.9).
    pub fn of_socket(sock: BorrowedFd<'_>) -> io::Result<NsFile> {
        sys::ioctl_fd(sock, sys::SIOCGSKNS).map(NsFile::from_fd)
    }

    /// Give up ownership of the descriptor.
    pub fn into_fd(self) -> OwnedFd {
        self.fd
    }
}

impl AsFd for NsFile {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// A pidfd (`pidfd_open(2)`, Linux 5.3), the race-free handle on a process.
#[derive(Debug)]
pub struct PidFd {
    fd: OwnedFd,
}

impl PidFd {
    /// Open a pidfd for `pid`.
    pub fn open(pid: libc::pid_t) -> io::Result<PidFd> {
        Ok(PidFd { fd: sys::pidfd_open(pid)? })
    }

    /// The pidfd's inode, which identifies the process for as long as it
    /// lives (Linux 6.9 gives each process its own pidfs inode).
    pub fn inode(&self) -> io::Result<u64> {
        Ok(fstat(self.fd.as_fd())?.st_ino)
    }

    /// Enter several namespaces of the process at once (`setns(2)` with a
    /// pidfd and a set of `CLONE_NEW*` flags, Linux 5.8).
    pub fn enter(&self, flags: libc::c_int) -> io::Result<()> {
        sys::setns(self.fd.as_fd(), flags)
    }

    /// Duplicate one of the process's descriptors (`pidfd_getfd(2)`, Linux 5.6).
    pub fn get_fd(&self, target_fd: i32) -> io::Result<OwnedFd> {
        sys::pidfd_getfd(self.fd.as_fd(), target_fd)
    }

    /// Send a signal (`pidfd_send_signal(2)`).
    pub fn send_signal(&self, sig: i32) -> io::Result<()> {
        sys::pidfd_send_signal(self.fd.as_fd(), sig)
    }
}

impl AsFd for PidFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

/// `open(2)` with `O_CLOEXEC` added.
pub fn open_cloexec(path: &Path, flags: libc::c_int) -> io::Result<OwnedFd> {
    let flags = OFlag::from_bits_retain(flags) | OFlag::O_CLOEXEC;
    Ok(nix::fcntl::open(path, flags, Mode::empty())?)
}

/// `fstat(2)`.
pub fn fstat(fd: BorrowedFd<'_>) -> io::Result<libc::stat> {
    Ok(nix::sys::stat::fstat(fd)?)
}

/// `fstatfs(2)`'s `f_type`.
pub fn fstatfs_type(fd: BorrowedFd<'_>) -> io::Result<i64> {
    #[allow(clippy::unnecessary_cast)]
    Ok(nix::sys::statfs::fstatfs(fd)?.filesystem_type().0 as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for t in NsType::ALL {
            assert_eq!(NsType::from_name(t.name()), Some(t));
            assert_eq!(NsType::from_clone_flag(t.clone_flag()), Some(t));
            assert_eq!(NsType::from_long_option(t.long_option()), Some(t));
            assert!(NsType::ENTER_ORDER.contains(&t));
        }
        assert_eq!(NsType::Pid.for_children_name(), "pid_for_children");
        assert_eq!(NsType::Time.for_children_name(), "time_for_children");
        assert_eq!(NsType::Net.for_children_name(), "net");
        assert_eq!(NsType::Mnt.short_option(), 'm');
        assert_eq!(NsType::User.short_option(), 'U');
        assert_eq!(NsType::Time.clone_flag(), 0x80);
        assert_eq!(NsType::ENTER_ORDER[0], NsType::User);
        assert_eq!(NsType::ENTER_ORDER[7], NsType::Time);
    }

    #[test]
    fn sets_iterate_in_enter_order_and_carry_clone_flags() {
        let flags = libc::CLONE_NEWNS | libc::CLONE_NEWUSER | libc::CLONE_NEWNET;
        let set = NsSet::from_clone_flags(flags);
        assert_eq!(set.iter().collect::<Vec<_>>(), vec![NsType::User, NsType::Net, NsType::Mnt]);
        assert_eq!(set.clone_flags(), flags);
        assert_eq!(set.len(), 3);
        let mut s = NsSet::EMPTY;
        assert!(s.is_empty());
        assert!(s.insert(NsType::Time) && !s.insert(NsType::Time));
        assert!(s.contains(NsType::Time) && !s.contains(NsType::Pid));
        assert!(s.remove(NsType::Time) && !s.remove(NsType::Time));
        assert_eq!(NsSet::ALL.iter().collect::<Vec<_>>(), NsType::ENTER_ORDER.to_vec());
        assert_eq!(NsSet::ALL.clone_flags(), NsType::ALL.iter().fold(0, |f, t| f | t.clone_flag()));
        assert_eq!(format!("{:?}", NsSet::of(NsType::Pid)), "{Pid}");
    }

    #[test]
    fn own_namespaces_are_typed_and_identified() {
        for t in NsType::ALL {
            let path = proc_ns_path(None, t.name());
            if !path.exists() {
                continue; // kernel without this type
            }
            let f = NsFile::open_proc(None, t, false).unwrap();
            assert!(f.is_nsfs());
            assert_eq!(f.ns_type().unwrap(), t);
            assert_eq!(f.id().unwrap(), NsId::of_path(&path).unwrap());
        }
    }

    #[test]
    fn a_regular_file_is_not_a_namespace() {
        let f = NsFile::open(Path::new("/proc/self/stat")).unwrap();
        assert!(!f.is_nsfs());
        assert!(f.ns_type().is_err());
    }

    #[test]
    fn opened_files_are_cloexec() {
        let f = NsFile::open_proc(None, NsType::Net, false).unwrap();
        let flags = nix::fcntl::fcntl(f.as_fd(), nix::fcntl::FcntlArg::F_GETFD).unwrap();
        assert_ne!(flags & libc::FD_CLOEXEC, 0);
    }
}
