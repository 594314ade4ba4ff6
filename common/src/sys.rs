//! Kernel constants and raw system calls that `libc` does not (reliably, or
//! on every target) provide. Each is defined once, here, with the header it
//! comes from.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd};

/// `CLONE_NEWTIME` (`<linux/sched.h>`, Linux 5.6): new time namespace.
pub const CLONE_NEWTIME: libc::c_int = 0x0000_0080;

/// `NSIO` (`<linux/nsfs.h>`): the ioctl type of nsfs requests.
const NSIO: libc::c_ulong = 0xb7;

/// `NS_GET_USERNS` (`<linux/nsfs.h>`, Linux 4.9): fd of the owning user namespace.
pub const NS_GET_USERNS: libc::c_ulong = (NSIO << 8) | 0x1;
/// `NS_GET_PARENT` (`<linux/nsfs.h>`, Linux 4.9): fd of the parent (pid/user) namespace.
pub const NS_GET_PARENT: libc::c_ulong = (NSIO << 8) | 0x2;
/// `NS_GET_NSTYPE` (`<linux/nsfs.h>`, Linux 4.11): the `CLONE_NEW*` type of a namespace fd.
pub const NS_GET_NSTYPE: libc::c_ulong = (NSIO << 8) | 0x3;
/// `NS_GET_OWNER_UID` (`<linux/nsfs.h>`, Linux 4.11): uid owning a user namespace
/// (`_IO` in the header although it writes a `uid_t`).
pub const NS_GET_OWNER_UID: libc::c_ulong = (NSIO << 8) | 0x4;

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

fn cvt(ret: libc::c_long) -> io::Result<libc::c_long> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// `pidfd_open(2)`: a process file descriptor (always close-on-exec).
pub fn pidfd_open(pid: libc::pid_t) -> io::Result<OwnedFd> {
    // SAFETY: plain syscall with integer arguments; a returned fd is new and ours.
    let fd = cvt(unsafe { libc::syscall(SYS_PIDFD_OPEN, pid, 0 as libc::c_uint) })?;
    // SAFETY: the kernel just gave us this descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// `pidfd_getfd(2)`: a duplicate of another process's fd (close-on-exec).
pub fn pidfd_getfd(pidfd: BorrowedFd<'_>, target_fd: i32) -> io::Result<OwnedFd> {
    // SAFETY: plain syscall with integer arguments; a returned fd is new and ours.
    let fd = cvt(unsafe { libc::syscall(SYS_PIDFD_GETFD, pidfd.as_raw_fd(), target_fd, 0 as libc::c_uint) })?;
    // SAFETY: the kernel just gave us this descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}

/// `pidfd_send_signal(2)`.
pub fn pidfd_send_signal(pidfd: BorrowedFd<'_>, sig: i32) -> io::Result<()> {
    // SAFETY: plain syscall; a null siginfo is allowed.
    cvt(unsafe {
        libc::syscall(SYS_PIDFD_SEND_SIGNAL, pidfd.as_raw_fd(), sig, std::ptr::null::<libc::siginfo_t>(), 0)
    })?;
    Ok(())
}

/// `setns(2)` on a namespace fd or a pidfd; `nstype` 0 accepts any type.
pub fn setns(fd: BorrowedFd<'_>, nstype: libc::c_int) -> io::Result<()> {
    // SAFETY: plain syscall with an fd we borrow for its duration.
    if unsafe { libc::setns(fd.as_raw_fd(), nstype) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// An nsfs ioctl that returns a new fd (`NS_GET_USERNS`, `NS_GET_PARENT`;
/// `ioctl_ns(2)`) or a socket ioctl that does (`SIOCGSKNS`).
pub fn ioctl_fd(fd: BorrowedFd<'_>, request: libc::c_ulong) -> io::Result<OwnedFd> {
    // SAFETY: these requests take no argument and return a new fd.
    let ret = unsafe { libc::ioctl(fd.as_raw_fd(), request as _) };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: the kernel just gave us this descriptor (opened O_CLOEXEC by nsfs).
    Ok(unsafe { OwnedFd::from_raw_fd(ret) })
}

/// An nsfs ioctl that returns an integer (`NS_GET_NSTYPE`; `ioctl_ns(2)`).
pub fn ioctl_int(fd: BorrowedFd<'_>, request: libc::c_ulong) -> io::Result<libc::c_int> {
    // SAFETY: the request takes no argument and returns an int.
    let ret = unsafe { libc::ioctl(fd.as_raw_fd(), request as _) };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(ret)
}

/// `NS_GET_OWNER_UID` (`ioctl_ns(2)`): the uid that owns a user namespace.
pub fn ns_owner_uid(fd: BorrowedFd<'_>) -> io::Result<libc::uid_t> {
    let mut uid: libc::uid_t = 0;
    // SAFETY: the kernel writes one uid_t to the pointer we pass.
    let ret = unsafe { libc::ioctl(fd.as_raw_fd(), NS_GET_OWNER_UID as _, &mut uid as *mut libc::uid_t) };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(uid)
}

/// `NS_GET_ID` (`ioctl_ns(2)`): the namespace's 64-bit id (Linux 6.18).
pub fn ns_get_id(fd: BorrowedFd<'_>) -> io::Result<u64> {
    let mut id: u64 = 0;
    // SAFETY: the kernel writes one __u64 to the pointer we pass.
    let ret = unsafe { libc::ioctl(fd.as_raw_fd(), NS_GET_ID as _, &mut id as *mut u64) };
    if ret < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(id)
}

/// `open_by_handle_at(2)` of an nsfs handle (`struct nsfs_file_handle`:
/// id, `CLONE_NEW*` type, inode; 0 means "any" where the kernel allows it).
/// The descriptor is close-on-exec.
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
    // SAFETY: h is a valid struct file_handle with 16 bytes of payload.
    let fd = cvt(unsafe {
        libc::syscall(
            libc::SYS_open_by_handle_at,
            FD_NSFS_ROOT,
            &mut h as *mut Handle,
            libc::O_RDONLY | libc::O_CLOEXEC,
        )
    })?;
    // SAFETY: the kernel just gave us this descriptor.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
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
