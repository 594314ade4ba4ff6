//! Kernel constants and raw system calls that `libc` does not (reliably, or
//! on every target) provide. Each is defined once, here, with the header it
//! comes from.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

use nix::errno::Errno;
use nix::sched::CloneFlags;

/// `CLONE_NEWTIME` (`<linux/sched.h>`, Linux 5.6): new time namespace.
pub const CLONE_NEWTIME: libc::c_int = 0x0000_0080;

/// `NSIO` (`<linux/nsfs.h>`): the ioctl type of nsfs requests.
const NSIO: u8 = 0xb7;

/// `NS_GET_USERNS` (`<linux/nsfs.h>`, Linux 4.9): fd of the owning user namespace.
pub const NS_GET_USERNS: libc::c_ulong = ((NSIO as libc::c_ulong) << 8) | 0x1;
/// `NS_GET_PARENT` (`<linux/nsfs.h>`, Linux 4.9): fd of the parent (pid/user) namespace.
pub const NS_GET_PARENT: libc::c_ulong = ((NSIO as libc::c_ulong) << 8) | 0x2;
/// `NS_GET_NSTYPE` (`<linux/nsfs.h>`, Linux 4.11): the `CLONE_NEW*` type of a namespace fd.
pub const NS_GET_NSTYPE: libc::c_ulong = ((NSIO as libc::c_ulong) << 8) | 0x3;
/// `NS_GET_OWNER_UID` (`<linux/nsfs.h>`, Linux 4.11): uid owning a user namespace
/// (`_IO` in the header although it writes a `uid_t`).
pub const NS_GET_OWNER_UID: libc::c_ulong = ((NSIO as libc::c_ulong) << 8) | 0x4;

/// `NS_GET_ID` (`<linux/nsfs.h>`, Linux 6.18): the 64-bit id of a namespace,
/// unique for the system's lifetime (`_IOR(NSIO, 0xd, __u64)`).
pub const NS_GET_ID: libc::c_ulong = 0x8008_b70d;

/// `FD_NSFS_ROOT` (`<linux/fcntl.h>`): the mount argument of
/// `open_by_handle_at(2)` that means "the nsfs file system".
pub const FD_NSFS_ROOT: libc::c_int = -10003;
/// `FILEID_NSFS` (`<linux/exportfs.h>`): the file-handle type of namespaces.
pub const FILEID_NSFS: libc::c_int = 0xf1;

/// `SIOCGSKNS` (`<linux/sockios.h>`, Linux 4.9): fd of a socket's network namespace.
pub const SIOCGSKNS: libc::c_ulong = 0x894C;

/// `NSFS_MAGIC` (`<linux/magic.h>`): `statfs.f_type` of namespace files.
pub const NSFS_MAGIC: i64 = 0x6e73_6673;

/// `__NR_pidfd_open` (`<asm/unistd_64.h>`, Linux 5.3; same number on every architecture;
/// `pidfd_open(2)`).
pub const SYS_PIDFD_OPEN: libc::c_long = 434;
/// `__NR_pidfd_getfd` (`<asm/unistd_64.h>`, Linux 5.6; `pidfd_getfd(2)`).
pub const SYS_PIDFD_GETFD: libc::c_long = 438;
/// `__NR_pidfd_send_signal` (`<asm/unistd_64.h>`, Linux 5.1; `pidfd_send_signal(2)`).
pub const SYS_PIDFD_SEND_SIGNAL: libc::c_long = 424;

/// The nsfs and socket ioctls, made by nix's `ioctl_*` macros (`ioctl_ns(2)`).
/// Each generated function is `unsafe` only because a raw fd goes in; none
/// writes through a pointer except the two `_read` ones, which write one
/// value of the type named.
mod ioctls {
    nix::ioctl_none_bad!(
        /// `NS_GET_USERNS`: a new fd.
        ns_get_userns,
        super::NS_GET_USERNS
    );
    nix::ioctl_none_bad!(
        /// `NS_GET_PARENT`: a new fd.
        ns_get_parent,
        super::NS_GET_PARENT
    );
    nix::ioctl_none_bad!(
        /// `NS_GET_NSTYPE`: an int.
        ns_get_nstype,
        super::NS_GET_NSTYPE
    );
    nix::ioctl_none_bad!(
        /// `SIOCGSKNS`: a new fd.
        siocgskns,
        super::SIOCGSKNS
    );
    nix::ioctl_read_bad!(
        /// `NS_GET_OWNER_UID`: one uid_t (the header says `_IO`, so not `ioctl_read!`).
        ns_get_owner_uid,
        super::NS_GET_OWNER_UID,
        libc::uid_t
    );
    nix::ioctl_read!(
        /// `NS_GET_ID`: one __u64.
        ns_get_id,
        super::NSIO,
        0xd,
        u64
    );
}

/// A raw syscall that returns a new descriptor (nix has no `pidfd_open`,
/// `pidfd_getfd` or nsfs `open_by_handle_at`): `-1` becomes the errno.
///
/// # Safety
/// `call` must be a system call that returns a new fd (or -1), its pointer
/// arguments valid for the call.
unsafe fn new_fd(call: impl FnOnce() -> libc::c_long) -> io::Result<OwnedFd> {
    let fd = Errno::result(call())?;
    // SAFETY: the kernel just gave us this descriptor, owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// `pidfd_open(2)`: a process file descriptor (always close-on-exec).
/// libc, not nix: nix (0.32) has no pidfd calls.
pub fn pidfd_open(pid: libc::pid_t) -> io::Result<OwnedFd> {
    // SAFETY: plain syscall with integer arguments that returns a new fd.
    unsafe { new_fd(|| libc::syscall(SYS_PIDFD_OPEN, pid, 0 as libc::c_uint)) }
}

/// `pidfd_getfd(2)`: a duplicate of another process's fd (close-on-exec).
pub fn pidfd_getfd(pidfd: BorrowedFd<'_>, target_fd: i32) -> io::Result<OwnedFd> {
    // SAFETY: plain syscall with integer arguments that returns a new fd.
    unsafe { new_fd(|| libc::syscall(SYS_PIDFD_GETFD, pidfd.as_raw_fd(), target_fd, 0 as libc::c_uint)) }
}

/// `pidfd_send_signal(2)`.
pub fn pidfd_send_signal(pidfd: BorrowedFd<'_>, sig: i32) -> io::Result<()> {
    // SAFETY: plain syscall; a null siginfo is allowed.
    Errno::result(unsafe {
        libc::syscall(SYS_PIDFD_SEND_SIGNAL, pidfd.as_raw_fd(), sig, std::ptr::null::<libc::siginfo_t>(), 0)
    })?;
    Ok(())
}

/// `setns(2)` on a namespace fd or a pidfd; `nstype` 0 accepts any type.
pub fn setns(fd: BorrowedFd<'_>, nstype: libc::c_int) -> io::Result<()> {
    Ok(nix::sched::setns(fd, CloneFlags::from_bits_retain(nstype))?)
}

/// An nsfs ioctl that returns a new fd (`NS_GET_USERNS`, `NS_GET_PARENT`;
/// `ioctl_ns(2)`) or a socket ioctl that does (`SIOCGSKNS`); any other
/// request is `EINVAL`.
pub fn ioctl_fd(fd: BorrowedFd<'_>, request: libc::c_ulong) -> io::Result<OwnedFd> {
    let call = match request {
        NS_GET_USERNS => ioctls::ns_get_userns,
        NS_GET_PARENT => ioctls::ns_get_parent,
        SIOCGSKNS => ioctls::siocgskns,
        _ => return Err(Errno::EINVAL.into()),
    };
    // SAFETY: these requests take no argument and return a new fd (opened
    // O_CLOEXEC by nsfs), which nobody else owns.
    Ok(unsafe { call(fd.as_raw_fd()).map(|new| OwnedFd::from_raw_fd(new)) }?)
}

/// An nsfs ioctl that returns an integer (`NS_GET_NSTYPE`; `ioctl_ns(2)`);
/// any other request is `EINVAL`.
pub fn ioctl_int(fd: BorrowedFd<'_>, request: libc::c_ulong) -> io::Result<libc::c_int> {
    if request != NS_GET_NSTYPE {
        return Err(Errno::EINVAL.into());
    }
    // SAFETY: the request takes no argument and returns an int.
    Ok(unsafe { ioctls::ns_get_nstype(fd.as_raw_fd()) }?)
}

/// `NS_GET_OWNER_UID` (`ioctl_ns(2)`): the uid that owns a user namespace.
pub fn ns_owner_uid(fd: BorrowedFd<'_>) -> io::Result<libc::uid_t> {
    let mut uid: libc::uid_t = 0;
    // SAFETY: the kernel writes one uid_t to the pointer we pass.
    unsafe { ioctls::ns_get_owner_uid(fd.as_raw_fd(), &mut uid) }?;
    Ok(uid)
}

/// `NS_GET_ID` (`ioctl_ns(2)`): the namespace's 64-bit id (Linux 6.18).
pub fn ns_get_id(fd: BorrowedFd<'_>) -> io::Result<u64> {
    let mut id: u64 = 0;
    // SAFETY: the kernel writes one __u64 to the pointer we pass.
    unsafe { ioctls::ns_get_id(fd.as_raw_fd(), &mut id) }?;
    Ok(id)
}

/// `open_by_handle_at(2)` of an nsfs handle (`struct nsfs_file_handle`:
/// id, `CLONE_NEW*` type, inode; 0 means "any" where the kernel allows it).
/// The descriptor is close-on-exec. libc, not nix: nix has no
/// `open_by_handle_at`.
pub fn open_nsfs_handle(ns_id: u64, ns_type: libc::c_int, ns_inum: u32) -> io::Result<OwnedFd> {
    #[repr(C)]
    struct Handle {
        handle_bytes: libc::c_uint,
        handle_type: libc::c_int,
        ns_id: u64,
        ns_type: u32,
        ns_inum: u32,
    }
    let mut h = Handle { handle_bytes: 16, handle_type: FILEID_NSFS, ns_id, ns_type: ns_type as u32, ns_inum };
    // SAFETY: h is a valid struct file_handle with 16 bytes of payload; the
    // call returns a new fd.
    unsafe {
        new_fd(|| {
            libc::syscall(
                libc::SYS_open_by_handle_at,
                FD_NSFS_ROOT,
                &mut h as *mut Handle,
                libc::O_RDONLY | libc::O_CLOEXEC,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ioctl_numbers_match_the_kernel_headers() {
        assert_eq!(NS_GET_USERNS, 0xb701);
        assert_eq!(NS_GET_PARENT, 0xb702);
        assert_eq!(NS_GET_NSTYPE, 0xb703);
        assert_eq!(NS_GET_OWNER_UID, 0xb704);
        // _IOR(0xb7, 0xd, __u64)
        assert_eq!(NS_GET_ID, (2 << 30) | (8 << 16) | (0xb7 << 8) | 0xd);
    }

    #[test]
    fn pidfd_of_self_works_or_reports_enosys() {
        match pidfd_open(std::process::id() as i32) {
            Ok(_) => {}
            Err(e) => assert_eq!(e.raw_os_error(), Some(libc::ENOSYS)),
        }
    }
}
