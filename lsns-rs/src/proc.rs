//! Hand-rolled `/proc` access (`proc(5)`): directory listing with
//! `getdents64(2)`, `fstatat(2)`/`openat(2)` relative to an open `/proc`,
//! and the few fields lsns reads from `stat`, `cmdline` and `comm`. Each
//! call reuses caller buffers: the scan of thousands of processes makes no
//! allocation per process.

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use nix::errno::Errno;
use nix::fcntl::{AtFlags, OFlag};
use nix::sys::stat::Mode;

/// Whether a failed look at a process's `/proc` entries means only that
/// the process is gone (ENOENT, ESRCH) or not ours to look at (EACCES):
/// such a process is skipped without a word, as upstream does. Anything
/// else (EMFILE above all) would drop rows or cells without saying so,
/// and is an error.
pub fn gone_or_hidden(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::ENOENT | libc::ESRCH | libc::EACCES))
}

/// Whether an error is our own process running out of something
/// (descriptors, memory, buffers): for calls whose other failures only say
/// that the file is not what we look for (a descriptor number reused by a
/// socket, a file on a dead FUSE mount), this is the one that must not be
/// taken for "not a namespace".
pub fn exhausted(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE | libc::ENOMEM | libc::ENOBUFS))
}

/// `openat(2)` with `O_CLOEXEC`; `path` must end with a NUL byte.
pub fn openat(dir: BorrowedFd<'_>, path: &[u8], flags: libc::c_int) -> io::Result<OwnedFd> {
    let c = CStr::from_bytes_with_nul(path).map_err(|_| Errno::EINVAL)?;
    Ok(nix::fcntl::openat(dir, c, OFlag::from_bits_retain(flags) | OFlag::O_CLOEXEC, Mode::empty())?)
}

/// `fstatat(2)` following symlinks (the magic `/proc/PID/ns/*` and
/// `/proc/PID/fd/*` links lead to the namespace or file itself); `path`
/// must end with a NUL byte.
pub fn statat(dir: BorrowedFd<'_>, path: &[u8]) -> io::Result<libc::stat> {
    let c = CStr::from_bytes_with_nul(path).map_err(|_| Errno::EINVAL)?;
    Ok(nix::sys::stat::fstatat(dir, c, AtFlags::empty())?)
}

/// Read a file below `dir` into `buf` (cleared first), at most `limit`
/// bytes.
pub fn read_at(dir: BorrowedFd<'_>, path: &[u8], buf: &mut Vec<u8>, limit: usize) -> io::Result<()> {
    let fd = openat(dir, path, libc::O_RDONLY)?;
    buf.clear();
    while buf.len() < limit {
        let have = buf.len();
        // at most 64 KiB a read, zeroed first: cheap next to the read
        buf.resize(have + (limit - have).min(64 * 1024), 0);
        let read = nix::unistd::read(&fd, &mut buf[have..]);
        buf.truncate(have + *read.as_ref().unwrap_or(&0));
        match read {
            Ok(0) => break,
            Ok(_) | Err(Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The entries of an open directory, read with `getdents64(2)` into one
/// reused buffer.
pub struct Dir {
    fd: OwnedFd,
    buf: Vec<u8>,
    pos: usize,
    len: usize,
    short_read_ends: bool,
    at_end: bool,
    error: Option<io::Error>,
}

impl Dir {
    /// List the directory `fd` (opened with `O_DIRECTORY`).
    pub fn new(fd: OwnedFd, buf: Vec<u8>) -> Dir {
        let buf = if buf.len() < 4096 { vec![0u8; 32 * 1024] } else { buf };
        Dir { fd, buf, pos: 0, len: 0, short_read_ends: false, at_end: false, error: None }
    }

    /// Treat a `getdents64` result that leaves room for another entry as
    /// the end of the directory. True for procfs directories, which fill
    /// the buffer as far as their entries go.
    pub fn short_read_ends(mut self) -> Dir {
        self.short_read_ends = true;
        self
    }

    /// The next entry's name (without `.` and `..`), or `None` at the end
    /// (also after an error, which [`Dir::error`] then holds).
    pub fn next_name(&mut self) -> Option<&[u8]> {
        loop {
            if self.pos >= self.len {
                if self.at_end {
                    return None;
                }
                // libc, not nix: nix lists directories only through
                // opendir(3), which cannot reuse one buffer or stop at a
                // short read.
                // SAFETY: buf is a valid writable buffer of the given length.
                let n = match Errno::result(unsafe {
                    libc::syscall(libc::SYS_getdents64, self.fd.as_raw_fd(), self.buf.as_mut_ptr(), self.buf.len())
                }) {
                    Ok(n) => n,
                    Err(Errno::EINTR) => continue,
                    Err(e) => {
                        self.error = Some(e.into());
                        self.at_end = true;
                        return None;
                    }
                };
                if n == 0 {
                    return None;
                }
                self.pos = 0;
                self.len = n as usize;
                // the longest entry: 19 header bytes, a 255-byte name, NUL, padding
                self.at_end = self.short_read_ends && self.len + 280 <= self.buf.len();
            }
            // struct linux_dirent64 { u64 d_ino; i64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
            let rec = &self.buf[self.pos..self.len];
            let reclen = u16::from_ne_bytes([rec[16], rec[17]]) as usize;
            let name = &rec[19..reclen];
            let name = &name[..name.iter().position(|&b| b == 0).unwrap_or(name.len())];
            let start = self.pos + 19;
            self.pos += reclen;
            if name != b"." && name != b".." {
                let end = start + name.len();
                return Some(&self.buf[start..end]);
            }
        }
    }

    /// The directory's descriptor, for `*at` calls on its entries.
    pub fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The error that ended the listing early, if one did.
    pub fn error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// Give the buffer back for reuse.
    pub fn into_buf(self) -> Vec<u8> {
        self.buf
    }
}

/// A decimal number that is the whole of `s` (a pid or fd directory name).
pub fn parse_decimal(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 10 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in s {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (b - b'0') as u64;
    }
    u32::try_from(v).ok()
}

/// Append the decimal form of `n`.
pub fn push_decimal(buf: &mut Vec<u8>, n: u64) {
    buf.extend_from_slice(nsutils_common::parse::decimal_digits(n, &mut [0; 20]));
}

/// `<pid>/<rest>\0` in `buf` (cleared first), for the *at calls on /proc.
pub fn pid_path<'a>(buf: &'a mut Vec<u8>, pid: u32, rest: &[u8]) -> &'a [u8] {
    buf.clear();
    push_decimal(buf, pid as u64);
    buf.push(b'/');
    buf.extend_from_slice(rest);
    buf.push(0);
    buf
}

/// The parent pid from the text of `/proc/PID/stat`: the comm field is
/// skipped by its last `)`, as it may itself contain `)` and spaces.
pub fn stat_ppid(stat: &[u8]) -> Option<i32> {
    let close = stat.iter().rposition(|&b| b == b')')?;
    let mut fields = stat[close + 1..].split(|&b| b == b' ').filter(|f| !f.is_empty());
    let _state = fields.next()?;
    let ppid = fields.next()?;
    std::str::from_utf8(ppid).ok()?.parse().ok()
}

/// lsns' COMMAND from `/proc/PID/cmdline` read up to `BUFSIZ` (8192)
/// bytes: every NUL becomes a space and the last byte is dropped (the
/// final NUL of an untouched command line). Empty for kernel threads.
pub fn command_from_cmdline(cmdline: &mut Vec<u8>) {
    for b in cmdline.iter_mut() {
        if *b == 0 {
            *b = b' ';
        }
    }
    cmdline.pop();
}

/// `comm` without its trailing newline.
pub fn command_from_comm(comm: &mut Vec<u8>) {
    if comm.last() == Some(&b'\n') {
        comm.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    #[test]
    fn ppid_survives_odd_command_names() {
        assert_eq!(stat_ppid(b"42 (sleep) S 7 42 42 0 -1"), Some(7));
        assert_eq!(stat_ppid(b"42 (a) b (c)) R 1 2 3"), Some(1));
        assert_eq!(stat_ppid(b"2 (kthreadd) S 0 0 0"), Some(0));
        assert_eq!(stat_ppid(b"garbage"), None);
    }

    #[test]
    fn command_line_encoding() {
        let mut c = b"sleep\x001800\x00".to_vec();
        command_from_cmdline(&mut c);
        assert_eq!(c, b"sleep 1800");
        let mut c = b"sleep\x00\x00".to_vec();
        command_from_cmdline(&mut c);
        assert_eq!(c, b"sleep ", "an empty last argument leaves a space, as upstream");
        let mut c = Vec::new();
        command_from_cmdline(&mut c);
        assert!(c.is_empty());
        let mut c = b"kthreadd\n".to_vec();
        command_from_comm(&mut c);
        assert_eq!(c, b"kthreadd");
    }

    #[test]
    fn numbers_and_paths() {
        assert_eq!(parse_decimal(b"4294967296"), None, "larger than u32");
        assert_eq!(parse_decimal(b"12345"), Some(12345));
        assert_eq!(parse_decimal(b"self"), None);
        assert_eq!(parse_decimal(b""), None);
        let mut b = Vec::new();
        assert_eq!(pid_path(&mut b, 42, b"ns/net"), b"42/ns/net\0");
        b.clear();
        push_decimal(&mut b, 0);
        assert_eq!(b, b"0");
    }

    #[test]
    fn lists_our_own_fds_and_reads_our_stat() {
        let proc_fd = nsutils_common::ns::open_cloexec(std::path::Path::new("/proc"), libc::O_RDONLY).unwrap();
        let me = std::process::id();
        let mut path = Vec::new();
        let fd = openat(proc_fd.as_fd(), pid_path(&mut path, me, b"fd"), libc::O_RDONLY | libc::O_DIRECTORY).unwrap();
        let mut d = Dir::new(fd, Vec::new());
        let mut names = Vec::new();
        while let Some(n) = d.next_name() {
            names.push(parse_decimal(n).unwrap());
        }
        assert!(names.contains(&0) && names.contains(&(proc_fd.as_raw_fd() as u32)), "{names:?}");
        let mut buf = Vec::new();
        read_at(proc_fd.as_fd(), pid_path(&mut path, me, b"stat"), &mut buf, 4096).unwrap();
        // SAFETY: getppid cannot fail.
        assert_eq!(stat_ppid(&buf), Some(unsafe { libc::getppid() }));
        let st = statat(proc_fd.as_fd(), pid_path(&mut path, me, b"ns/net")).unwrap();
        assert_eq!(
            st.st_ino,
            nsutils_common::ns::NsId::of_path(std::path::Path::new("/proc/self/ns/net")).unwrap().ino
        );
    }
}
